"""mailflow: the export-trade sales team's mail daemon."""

__version__ = "0.1.0"
