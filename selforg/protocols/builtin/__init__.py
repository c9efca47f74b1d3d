"""Every module here defines one registered protocol; the registry imports them all."""
