"""`dj-optimize init [PROJECT]`: write a Dockerfile (and .dockerignore) for a project with none.

A separate typer app, dispatched from `optimizer.cli.main` when the first argument is `init`, so
the default command keeps taking the Dockerfile path as its first argument. The options it
shares with the default command (transforms, config, verify) are the same definitions
(optimizer/cli.py), and `[tool.dj-optimize]` in pyproject.toml applies the same way.

`--verify` builds and runs the new image alone (there is no earlier Dockerfile to compare with:
baseline none) with the services, pre-step and probes the default command's verify would use,
before anything is written: nothing is written unless it passes (`--force` writes anyway).

Exit status: 0 written, 1 --dry-run/--check (what would be written is shown; with --verify, it
also passed), 2 bad input (a Dockerfile already exists, no Django project, no dependency
manifest, a file cannot be written), 3 verify failed (the image does not build, start or
answer), 4 verify inconclusive (no engine, interrupted, a service missing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from optimizer.cli import (
    BuilderOption,
    CmdOption,
    ComposeOption,
    EnvFileOption,
    EnvOption,
    ForceOption,
    HealthcheckOption,
    HostOption,
    KeepImagesOption,
    NoConfigOption,
    NoRebuildOption,
    OnlyOption,
    PreOption,
    ProbeOption,
    ServiceOption,
    SkipOption,
    VerifyArgs,
    consoles,
)
from optimizer.dockerfile import DockerfileError
from optimizer.exitcodes import BAD_INPUT, CHANGES, OK
from optimizer.pipeline import OptimizeError

if TYPE_CHECKING:
    from optimizer.init import Generated

HELP = (
    "Write a Dockerfile and .dockerignore for a Django project that has no Dockerfile: "
    "the tutorial's Dockerfile for its dependency manager, Python version and server, "
    "optimized by dj-optimize. Never overwrites a Dockerfile. With --verify, the new image is "
    "built and run first (baseline: none: does it build, start and answer?) and nothing is "
    "written unless it passes. Exit status: 0 written, 1 --dry-run/--check, 2 bad input, "
    "3 verify failed, 4 verify inconclusive."
)

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=HELP,
)


@app.command(help=HELP)
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
    only: OnlyOption = None,
    skip: SkipOption = None,
    healthcheck: HealthcheckOption = False,
    no_config: NoConfigOption = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Build the new image and run it before writing (baseline: none). Pass: it "
            "builds, starts and at least one probe answers with a success (written, exit 0; "
            "1 with --dry-run); fail: it does not (nothing written, exit 3); inconclusive: no "
            "engine, interrupted, a service missing (nothing written, exit 4).",
        ),
    ] = False,
    force: ForceOption = False,
    keep_images: KeepImagesOption = False,
    probe: ProbeOption = None,
    env: EnvOption = None,
    env_file: EnvFileOption = None,
    no_rebuild: NoRebuildOption = False,
    builder: BuilderOption = None,
    service: ServiceOption = None,
    cmd: CmdOption = None,
    pre: PreOption = None,
    host: HostOption = None,
    compose_file: ComposeOption = None,
) -> None:
    from optimizer.cli import (
        load_config,
        not_written,
        outcome_json,
        print_verify,
        run_verify,
        transform_settings,
        verify_exit,
        verify_settings,
    )
    from optimizer.config import ConfigError
    from optimizer.init import generate

    out, err = consoles()
    try:
        config = load_config(no_config, project / dockerfile, project)
        generated = generate(
            project, dockerfile, **transform_settings(config, only, skip, healthcheck=healthcheck)
        )
        settings = verify_settings(
            config,
            VerifyArgs(
                service, cmd, pre, host, probe, env, env_file, compose_file, keep_images,
                no_rebuild, builder,
            ),
        )
    except (OptimizeError, ConfigError) as exc:
        _fail(err, as_json, str(exc))
    outcome = generated.outcome

    report: dict[str, Any] | None = None
    passed = True
    if verify:
        from optimizer.verify.inputs import alone_sides

        if not as_json:
            # Verify takes minutes: the reader studies the Dockerfile meanwhile.
            _print_generated(out, generated)
            out.file.flush()
        key = outcome.dockerfile_key
        sides = alone_sides(
            outcome.dockerfile_path, outcome.context_dir, outcome.files[key], outcome.files
        )
        report, passed = run_verify(outcome, sides, settings, as_json, err)
        report["baseline"] = sides.description

    written: list[str] = []
    if not dry_run and (passed or force):
        from optimizer.writer import write_files

        try:
            paths = write_files(outcome.context_dir, outcome.files, outcome.dockerfile_key)
        except (OSError, DockerfileError) as exc:
            _fail(err, as_json, f"nothing written: {exc}")
        written = [str(p) for p in paths]

    if as_json:
        data: dict[str, Any] = {
            "context": str(outcome.context_dir),
            "dockerfile": outcome.dockerfile_key,
            "naive_dockerfile": generated.naive.text,
            "decisions": generated.notes,
            **outcome_json(outcome, report, written, passed),
        }
        out.print_json(data=data, highlight=False)
    else:
        if report is None:
            _print_generated(out, generated)
        else:
            print_verify(out, report)
        if written:
            out.print("wrote " + ", ".join(written))
        elif not dry_run:
            out.print(not_written(report))
        else:
            out.print("dry run: nothing written (run without --dry-run to write)")
    verify_exit(report)
    raise typer.Exit(OK if written else CHANGES)


def _print_generated(out: Console, generated: Generated) -> None:
    outcome = generated.outcome
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


def _fail(err: Console, as_json: bool, message: str) -> Any:
    if as_json:
        print(json.dumps({"error": message}))
    else:
        err.print(f"dj-optimize init: error: {escape(message)}")
    raise typer.Exit(BAD_INPUT)


def main(args: list[str]) -> None:
    app(args=args, prog_name="dj-optimize init")
