"""The way in: fetch -> parse -> guard -> classify -> record, one folder batch by batch from its checkpoint."""
