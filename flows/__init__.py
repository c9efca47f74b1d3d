"""Prefect flows: thin wrappers that run the stage functions as coarse tasks."""
