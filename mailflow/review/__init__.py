"""What a reviewer works with: the review queries, reviewer accounts and the review page (web/)."""
