"""DVC stages: one module per stage, each a plain function over files (see dvc.yaml)."""
