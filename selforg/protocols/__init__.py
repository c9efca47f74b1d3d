"""Coordination protocols: one file each under builtin/, behind one registry."""
