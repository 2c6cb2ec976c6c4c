"""The demo: buyer messages, embedded IMAP and SMTP servers, and the run that drives `mailflow` through them."""
