"""Maintainer scripts: how committed generated files were made (run from the repository root)."""
