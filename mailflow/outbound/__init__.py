"""The way out: claim approved drafts, compose their bytes, send over SMTP, copy to Sent, record what happened."""
