"""The mail-server adapters: IMAP and SMTP. Nothing else in mailflow opens a socket to a mail server."""
