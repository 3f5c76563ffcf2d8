"""The pre-commit hooks' entry point: `dj-optimize` once per Dockerfile pre-commit passes.

pre-commit appends the staged Dockerfiles' names to the hook's arguments, several at a time;
`dj-optimize` takes one Dockerfile (its build context, config and --verify are per Dockerfile),
so this runs the same command for each file in turn, in one process, and exits with the worst
status: 0 all clean (or written), 1 changes proposed somewhere, 2 bad input, 3/4 verify, 70 a bug.

    python -m optimizer.precommit [dj-optimize options] FILE...

Every argument that is neither an option nor an option's value is a Dockerfile.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def split(argv: Sequence[str], takes_value: set[str]) -> tuple[list[str], list[str]]:
    """(options, files): options with their values, and the positional Dockerfile names."""
    options: list[str] = []
    files: list[str] = []
    pending_value = False
    for index, arg in enumerate(argv):
        if pending_value:
            options.append(arg)
            pending_value = False
        elif arg == "--":
            files.extend(argv[index + 1 :])
            break
        elif arg in takes_value:
            options.append(arg)
            pending_value = True
        elif arg.startswith("-") and arg != "-":
            options.append(arg)  # a flag, or --option=value
        else:
            files.append(arg)
    return options, files


def _value_options(command: Any) -> set[str]:
    """`--context`, `--env`, ...: the options that take the next argument as their value.
    (Duck-typed: typer ships its own copy of click's classes.)"""
    names: set[str] = set()
    for param in command.params:
        if param.param_type_name == "option" and not param.is_flag and not param.count:
            names.update(param.opts)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    import typer

    from optimizer import exitcodes
    from optimizer.cli import app

    command = typer.main.get_command(app)
    options, files = split(sys.argv[1:] if argv is None else argv, _value_options(command))
    if not files:
        # pre-commit only calls us with files; by hand, behave like dj-optimize on ./Dockerfile.
        files = ["Dockerfile"]
    worst = exitcodes.OK
    for name in files:
        if len(files) > 1:
            # The diff names files relative to each build context: say which Dockerfile it is.
            print(f"==> {name} <==", flush=True)
        try:
            command.main([*options, name], prog_name="dj-optimize", standalone_mode=True)
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else exitcodes.BAD_INPUT
        except Exception as exc:  # a bug: one line, as the console script does
            print(
                f"dj-optimize: {name}: {type(exc).__name__}: {exc} -- internal error, please "
                "report",
                file=sys.stderr,
            )
            code = exitcodes.INTERNAL_ERROR
        else:
            code = exitcodes.OK
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    sys.exit(main())
