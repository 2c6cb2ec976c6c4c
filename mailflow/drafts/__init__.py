"""Drafts: their states, reply headers, acknowledgements, the operator's templates and their check, the draft tables."""
