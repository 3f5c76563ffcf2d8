"""`dj-optimize`: dry-run diff by default, `--write` to apply, `--verify` to prove it.

Exit statuses are in optimizer/exitcodes.py (like a linter, so CI can gate on the dry run).
Imports of the pipeline, the transforms, rich's syntax highlighter and the docker SDK happen
where they are used, so `--help` and `--version` answer at once.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from optimizer import __version__, exitcodes

if TYPE_CHECKING:
    from rich.console import Console

    from optimizer.pipeline import Outcome

HELP = f"""Rewrite a Django project's Dockerfile so it builds fast, ships small and runs right.

By default a dry run: prints the unified diff of every change and why, writes nothing.
--write applies the changes; --verify builds the image before and after, runs both and
compares them. Settings can live in pyproject.toml under [tool.dj-optimize]; flags win.

{exitcodes.HELP}
"""

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


def _version(value: bool) -> None:
    if value:
        print(f"dj-optimize {__version__}")
        raise typer.Exit(exitcodes.OK)


def _split(values: list[str] | None) -> list[str]:
    """Accept both `--skip a --skip b` and `--skip a,b`."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _parse_env(pairs: list[str] | None, env_file: Path | None) -> dict[str, str]:
    from optimizer.pipeline import OptimizeError

    env: dict[str, str] = {}
    if env_file is not None:
        try:
            lines = env_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise OptimizeError(f"{env_file}: cannot read ({exc.strerror})") from exc
        except UnicodeDecodeError as exc:
            at = exc.object[: exc.start].count(b"\n") + 1
            raise OptimizeError(f"{env_file}: line {at}: not UTF-8 text") from exc
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.removeprefix("export ").partition("=")
            env[key.strip()] = value.strip().strip("\"'")
    for pair in pairs or []:
        if "=" not in pair:
            raise OptimizeError(f"--env {pair!r}: expected KEY=VALUE")
        key, _, value = pair.partition("=")
        env[key] = value
    return env


@app.command(help=HELP)
def run(
    dockerfile: Annotated[Path, typer.Argument(help="The Dockerfile to optimize.")] = Path(
        "Dockerfile"
    ),
    context: Annotated[
        Path | None,
        typer.Option(
            "--context",
            help="Build context holding the Django project (default: the Dockerfile's directory).",
        ),
    ] = None,
    write: Annotated[bool, typer.Option("--write", help="Apply the changes (atomically).")] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only report; exit 1 when changes are proposed (never writes, like black/ruff).",
        ),
    ] = False,
    output_format: Annotated[
        Format,
        typer.Option(
            "--format",
            help="Report format: text (diff + notes), json, sarif (SARIF 2.1.0 for code "
            "scanning), github (workflow annotations).",
            case_sensitive=False,
        ),
    ] = Format.text,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="NAMES",
            help="Run only these transforms (comma-separated or repeated).",
        ),
    ] = None,
    skip: Annotated[
        list[str] | None, typer.Option("--skip", metavar="NAMES", help="Skip these transforms.")
    ] = None,
    production_server: Annotated[
        bool,
        typer.Option(
            "--production-server", help="Replace runserver with gunicorn when it is a dependency."
        ),
    ] = False,
    healthcheck: Annotated[
        bool,
        typer.Option("--healthcheck", help="Also add a HEALTHCHECK (opt-in transform)."),
    ] = False,
    no_config: Annotated[
        bool,
        typer.Option("--no-config", help="Ignore [tool.dj-optimize] in pyproject.toml."),
    ] = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Build both images, run both, compare.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --write --verify: write even if verify fails.")
    ] = False,
    keep_images: Annotated[
        bool, typer.Option("--keep-images", help="Keep the images verify built.")
    ] = False,
    probe: Annotated[
        list[str] | None, typer.Option("--probe", help="Path to request (repeatable).")
    ] = None,
    env: Annotated[
        list[str] | None, typer.Option("--env", help="KEY=VALUE for both containers.")
    ] = None,
    env_file: Annotated[Path | None, typer.Option("--env-file", help="File of KEY=VALUE.")] = None,
    no_rebuild: Annotated[
        bool, typer.Option("--no-rebuild", help="Verify without the rebuild-time measurement.")
    ] = False,
    list_transforms: Annotated[
        bool, typer.Option("--list-transforms", help="List the transforms and exit.")
    ] = False,
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    if list_transforms:
        from transforms import ALL

        for transform in ALL:
            doc = (type(transform).__doc__ or "").strip().splitlines()[0]
            print(f"{transform.name:24} {doc}")
        raise typer.Exit(exitcodes.OK)

    from rich.console import Console

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    fmt = output_format.value
    if as_json and fmt not in ("text", "json"):
        _fail(err, False, f"--json conflicts with --format {fmt}")
    if as_json:
        fmt = "json"
    as_json = fmt == "json"
    if check and write:
        _fail(err, as_json, "--check only reports; it cannot be combined with --write")
    from optimizer.config import Config, ConfigError, load, pick
    from optimizer.pipeline import OptimizeError, optimize
    from transforms import ALL
    from transforms.base import Options

    try:
        config = Config() if no_config else load(dockerfile, context, (t.name for t in ALL))
    except ConfigError as exc:
        _fail(err, as_json, str(exc))
    # Command-line flags win over the file; lists replace, env merges key by key.
    production_server = production_server or config.production_server
    keep_images = keep_images or config.verify.keep_images
    no_rebuild = no_rebuild or config.verify.no_rebuild
    probe = pick(probe, list(config.verify.probes))
    try:
        outcome = optimize(
            dockerfile,
            context,
            only=pick(_split(only), list(config.only)),
            skip=pick(_split(skip), list(config.skip)),
            options=Options(production_server=production_server, healthcheck=healthcheck),
        )
        env_vars = {
            **_parse_env(None, config.verify.env_file),
            **config.verify.env,
            **_parse_env(env, env_file),
        }
    except OptimizeError as exc:
        _fail(err, as_json, str(exc))

    report: dict[str, Any] | None = None
    passed = True
    if verify and outcome.changed:
        report, passed = _verify(outcome, probe, env_vars, keep_images, no_rebuild, as_json, err)

    written: list[str] = []
    if write and outcome.changed and (passed or force):
        from optimizer.dockerfile import DockerfileError
        from optimizer.writer import write_files

        try:
            paths = write_files(outcome.context_dir, outcome.files, outcome.dockerfile_key)
        except (OSError, DockerfileError) as exc:
            _fail(err, as_json, f"nothing written: {exc}")
        written = [str(p) for p in paths]

    if fmt == "json":
        out.print_json(data=_json(outcome, report, written, passed), highlight=False)
    elif fmt == "sarif":
        from optimizer.output import sarif

        print(json.dumps(sarif(outcome), indent=2))
    elif fmt == "github":
        from optimizer.output import github

        for line in github(outcome, report, passed):
            print(line)
    else:
        _print(out, outcome, written, write, report, passed)
    if not passed:
        raise typer.Exit(1)
    if outcome.changed and not written:
        raise typer.Exit(exitcodes.CHANGES)
    raise typer.Exit(exitcodes.OK)


def _fail(err: Console, as_json: bool, message: str) -> Any:
    if as_json:
        print(json.dumps({"error": message}))
    else:
        err.print(f"dj-optimize: error: {escape(message)}")
    raise typer.Exit(exitcodes.BAD_INPUT)


def _verify(
    outcome: Outcome,
    probes: list[str] | None,
    env: dict[str, str],
    keep_images: bool,
    no_rebuild: bool,
    as_json: bool,
    err: Console,
) -> tuple[dict[str, Any], bool]:
    from optimizer.engine import engine_available
    from optimizer.verify import VerifyOptions, verify

    if not engine_available():
        _fail(
            err,
            as_json,
            "--verify needs a Docker engine and none answers "
            "(start one, e.g. ../shared/lab/engine-up)",
        )
    paths = list(probes or [])
    if not paths:
        paths = ["/"] + (["/admin/login/"] if outcome.project.admin_installed else [])
    key = outcome.dockerfile_key
    before = {key: outcome.original[key] or ""}
    after = {key: outcome.files.get(key, before[key])}
    for name, content in outcome.files.items():
        if name != key:
            after[name] = content
    options = VerifyOptions(
        probes=paths, env=env, keep_images=keep_images, measure_rebuild=not no_rebuild
    )

    def progress(line: str) -> None:
        if not as_json:
            err.print(escape(line))

    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # A CI job or `timeout` stops us with SIGTERM: clean up as for Ctrl-C.
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        result = verify(outcome.context_dir, before, after, options, progress, dockerfile=key)
    except KeyboardInterrupt:
        _fail(err, as_json, "interrupted; everything verify created was removed")
    finally:
        signal.signal(signal.SIGTERM, previous)
    return result.to_dict(), result.passed


def _json(
    outcome: Outcome, report: dict[str, Any] | None, written: list[str], passed: bool
) -> dict[str, Any]:
    return {
        "dockerfile": str(outcome.dockerfile_path),
        "context": str(outcome.context_dir),
        "changed": outcome.changed,
        "changes": [{"transform": c.transform, "notes": c.notes} for c in outcome.changes],
        "left_alone": [{"transform": c.transform, "notes": c.notes} for c in outcome.skipped],
        "diff": outcome.diff(),
        "files": outcome.files,
        "written": written,
        "verify": report,
        # null when verify did not run: nothing was proven either way.
        "passed": passed if report is not None else None,
        "project": {
            "manage_py": outcome.project.manage_py,
            "settings_module": outcome.project.settings_module,
            "wsgi_application": outcome.project.wsgi_application,
            "asgi_application": outcome.project.asgi_application,
            "dependency_manager": outcome.project.dependencies.manager,
            "manifest_files": list(outcome.project.dependencies.manifest_files),
            # What verify and the transforms read from the settings, so a user can check it.
            "database_engines": list(outcome.project.database_engines),
            "uses_redis": outcome.project.uses_redis,
            "allowed_hosts": list(outcome.project.allowed_hosts),
            "env_vars": list(outcome.project.env_vars),
            "url_paths": list(outcome.project.url_paths),
            "unreadable_settings": list(outcome.project.unreadable_settings),
        },
    }


def _print(
    out: Console,
    outcome: Outcome,
    written: list[str],
    write: bool,
    report: dict[str, Any] | None,
    passed: bool,
) -> None:
    if not outcome.changed:
        out.print(f"{outcome.dockerfile_path}: nothing to change")
    else:
        diff = outcome.diff()
        if out.is_terminal:
            from rich.syntax import Syntax

            out.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
        else:
            out.print(escape(diff), end="")
        out.print()
        for change in outcome.changes:
            for note in change.notes:
                out.print(escape(f"[{change.transform}] {note}"))
    for change in outcome.skipped:
        for note in change.notes:
            out.print(escape(f"[{change.transform}] left alone: {note}"))
    if report is not None:
        print_verify_table(out, report)
        saving = report.get("size_saving_percent")
        if saving is not None:
            out.print(f"size saving: {report['size_saving_bytes'] / 1e6:.1f} MB ({saving:.1f}%)")
        for path in report.get("removed_paths") or []:
            out.print(f"no longer in the image: {escape(path)}")
        out.print("verify: " + ("PASS" if passed else "FAIL"))
        for reason in report.get("reasons") or []:
            out.print(f"  - {escape(reason)}")
    if written:
        out.print("wrote " + ", ".join(written))
    elif write and outcome.changed and not passed:
        out.print("nothing written: verification failed (use --force to write anyway)")
    elif outcome.changed and not write:
        out.print("dry run: nothing written (use --write to apply)")


def print_verify_table(out: Console, report: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table("", "before", "after", title="verify")

    def mb(value: int | None) -> str:
        return "-" if value is None else f"{value / 1e6:.1f} MB"

    def secs(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f} s"

    b, a = report["before"], report["after"]
    table.add_row("image size", mb(b["image_size"]), mb(a["image_size"]))
    table.add_row("bytes above base", mb(b["bytes_above_base"]), mb(a["bytes_above_base"]))
    table.add_row("layers", str(b["layers"]), str(a["layers"]))
    table.add_row("cold build", secs(b["cold_build_seconds"]), secs(a["cold_build_seconds"]))
    table.add_row(
        "rebuild after code change", secs(b["rebuild_seconds"]), secs(a["rebuild_seconds"])
    )
    table.add_row(
        "reachable from host", str(b["reachable_from_host"]), str(a["reachable_from_host"])
    )
    table.add_row("stops on SIGTERM", str(b["stopped_on_sigterm"]), str(a["stopped_on_sigterm"]))
    table.add_row("runs as uid", str(b["uid"]), str(a["uid"]))
    out.print(table)
    for name, side in (("before", b), ("after", a)):
        layers = side.get("top_layers") or []
        if layers:
            out.print(f"largest layers {name}:")
            for layer in layers[:3]:
                command = escape(layer["created_by"] or "(base image)")
                out.print(f"  {layer['size'] / 1e6:8.1f} MB  {command}")


def main() -> None:
    """The console script: any exception that escapes is a bug, reported in one line (exit 70);
    DJ_OPTIMIZE_DEBUG=1 shows the traceback."""
    try:
        if sys.argv[1:2] == ["init"]:
            # A separate app: the default command keeps the Dockerfile as its first argument.
            from optimizer.init_cli import main as init_main

            init_main(sys.argv[2:])
            return
        command = typer.main.get_command(app)
        command(prog_name="dj-optimize")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("dj-optimize: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("DJ_OPTIMIZE_DEBUG") == "1":
            raise
        print(
            f"dj-optimize: {type(exc).__name__}: {exc} -- internal error, please report "
            "(DJ_OPTIMIZE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        sys.exit(exitcodes.INTERNAL_ERROR)


if __name__ == "__main__":
    main()
