"""Scheduled mail: the pure planner, the book it reads, the tick that drafts what is due, the preview."""
