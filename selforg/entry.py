"""Running a stage or command for a user: clean errors, exit codes, no tracebacks.

A SelforgError (bad params, corrupt data, budget reached) is printed as its problem and fix,
and the process exits with the error's code (2 for bad input, 3 for the budget). Anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from selforg.errors import SelforgError


def report_errors(fn: Callable[[], object]) -> int:
    try:
        fn()
    except SelforgError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: finished model calls are cached; re-run to resume", file=sys.stderr)
        return 130
    return 0


def stage_main(stage: Callable[[Path, Path], object], doc: str | None) -> None:
    """Command-line entry of a stage module: `python -m stages.NAME [--params F] [--root D]`."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"),
                        help="study parameters (default: params.yaml)")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="project root holding data/ and reports/ (default: .)")
    args = parser.parse_args()
    sys.exit(report_errors(lambda: stage(args.params, args.root)))
