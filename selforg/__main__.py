"""`python -m selforg` is the `selforg` command."""

from selforg.cli import main

main()
