"""`dj-optimize init [PROJECT]`: write a Dockerfile (and .dockerignore) for a project with none.

A separate typer app, dispatched from `optimizer.cli.main` when the first argument is `init`, so
the default command keeps taking the Dockerfile path as its first argument.

Exit status: 0 written, 1 --dry-run/--check (what would be written is shown), 2 bad input (a
Dockerfile already exists, no Django project, no dependency manifest, a file cannot be written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from optimizer.dockerfile import DockerfileError
from optimizer.exitcodes import BAD_INPUT, CHANGES, OK
from optimizer.pipeline import OptimizeError

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    help="Write a Dockerfile and .dockerignore for a Django project that has no Dockerfile: "
    "the tutorial's Dockerfile for its dependency manager, Python version and server, "
    "optimized by dj-optimize. Never overwrites a Dockerfile. Exit status: 0 written, "
    "1 --dry-run/--check, 2 bad input.",
)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


@app.command()
def init(
    project: Annotated[Path, typer.Argument(help="The Django project (the build context).")] = Path(
        "."
    ),
    dockerfile: Annotated[
        str,
        typer.Option("--dockerfile", help="Name of the Dockerfile to write, in the project."),
    ] = "Dockerfile",
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", "--check", help="Show what would be written; write nothing."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report.")] = False,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these transforms.")
    ] = None,
    skip: Annotated[list[str] | None, typer.Option("--skip", help="Skip these transforms.")] = None,
    healthcheck: Annotated[
        bool, typer.Option("--healthcheck", help="Add a HEALTHCHECK that uses the image's Python.")
    ] = False,
) -> None:
    from optimizer.init import generate
    from transforms.base import Options

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        generated = generate(
            project,
            dockerfile,
            only=_split(only),
            skip=_split(skip),
            options=Options(healthcheck=healthcheck),
        )
    except OptimizeError as exc:
        _fail(err, as_json, str(exc))
    outcome = generated.outcome

    written: list[str] = []
    if not dry_run:
        from optimizer.writer import write_files

        try:
            paths = write_files(outcome.context_dir, outcome.files, outcome.dockerfile_key)
        except (OSError, DockerfileError) as exc:
            _fail(err, as_json, f"nothing written: {exc}")
        written = [str(p) for p in paths]

    if as_json:
        report: dict[str, Any] = {
            "context": str(outcome.context_dir),
            "dockerfile": outcome.dockerfile_key,
            "naive_dockerfile": generated.naive.text,
            "decisions": generated.notes,
            "changes": [{"transform": c.transform, "notes": c.notes} for c in outcome.changes],
            "left_alone": [{"transform": c.transform, "notes": c.notes} for c in outcome.skipped],
            "diff": outcome.diff(),
            "files": outcome.files,
            "written": written,
        }
        out.print_json(data=report, highlight=False)
    else:
        out.print(escape(outcome.diff()), end="")
        out.print()
        out.print("started from the tutorial's Dockerfile for this project:")
        for note in generated.notes:
            out.print(escape(f"  {note}"))
        out.print("then optimized:")
        for change in outcome.changes:
            for note in change.notes:
                out.print(escape(f"[{change.transform}] {note}"))
        for change in outcome.skipped:
            for note in change.notes:
                out.print(escape(f"[{change.transform}] left alone: {note}"))
        if written:
            out.print("wrote " + ", ".join(written))
        else:
            out.print("dry run: nothing written (run without --dry-run to write)")
    raise typer.Exit(OK if written else CHANGES)


def _fail(err: Console, as_json: bool, message: str) -> Any:
    if as_json:
        print(json.dumps({"error": message}))
    else:
        err.print(f"dj-optimize init: error: {escape(message)}")
    raise typer.Exit(BAD_INPUT)


def main(args: list[str]) -> None:
    app(args=args, prog_name="dj-optimize init")
