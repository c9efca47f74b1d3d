"""Metrics and statistics over the study tables (no I/O, no model calls)."""
