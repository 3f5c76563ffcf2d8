"""The pre-commit hooks' entry point: `dj-optimize` once per Dockerfile pre-commit passes.

pre-commit appends the staged Dockerfiles' names to the hook's arguments, several at a time;
this runs them as `dj-optimize FILE...` does (optimizer/several.py): each Dockerfile in turn,
with its own build context and config, in one process, exiting with the worst status: 0 all
clean (or written), 1 changes proposed somewhere, 2 bad input, 3/4 verify, 70 a bug.

    python -m optimizer.precommit [dj-optimize options] FILE...

Every argument that is neither an option nor an option's value is a Dockerfile.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

# Kept importable from here: tests and earlier callers use these names.
from optimizer.several import run_each, split
from optimizer.several import value_options as _value_options

__all__ = ["_value_options", "main", "split"]


def main(argv: Sequence[str] | None = None) -> int:
    import typer

    from optimizer.cli import app

    command = typer.main.get_command(app)
    options, files = split(sys.argv[1:] if argv is None else argv, _value_options(command))
    if not files:
        # pre-commit only calls us with files; by hand, behave like dj-optimize on ./Dockerfile.
        files = ["Dockerfile"]
    return run_each(command, options, files)


if __name__ == "__main__":
    sys.exit(main())
