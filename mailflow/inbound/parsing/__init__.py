"""Raw bytes -> InboundMail: MIME split, charsets, quotes and signatures, subject prefixes. Pure."""
