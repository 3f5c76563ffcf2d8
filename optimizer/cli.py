"""`dj-optimize`: dry-run diff by default, `--write` to apply, `--verify` to prove it.

Exit status, like a linter so CI can gate on the dry run: 0 nothing to change (or changes
written, and verified when asked), 1 changes proposed or verification failed, 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optimizer.dockerfile import DockerfileError
from optimizer.pipeline import OptimizeError, Outcome, optimize
from transforms import ALL
from transforms.base import Options

if TYPE_CHECKING:
    from optimizer.verify.runplan import Flags as RunFlags

app = typer.Typer(add_completion=False, rich_markup_mode=None)


def _split(values: list[str] | None) -> list[str]:
    """Accept both `--skip a --skip b` and `--skip a,b`."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _parse_env(pairs: list[str] | None, env_file: Path | None) -> dict[str, str]:
    env: dict[str, str] = {}
    if env_file is not None:
        try:
            lines = env_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise OptimizeError(f"{env_file}: cannot read ({exc.strerror})") from exc
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


@app.command()
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
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report.")] = False,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these transforms.")
    ] = None,
    skip: Annotated[list[str] | None, typer.Option("--skip", help="Skip these transforms.")] = None,
    production_server: Annotated[
        bool,
        typer.Option(
            "--production-server", help="Replace runserver with gunicorn when it is a dependency."
        ),
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
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service",
            metavar="IMAGE",
            help="Verify: start this service (postgres:17, redis:7...) for each side and set the "
            "variables the settings read (DATABASE_URL, REDIS_URL...). Repeatable.",
        ),
    ] = None,
    cmd: Annotated[
        str | None,
        typer.Option("--cmd", help="Verify: the command that starts the app (overrides CMD)."),
    ] = None,
    pre: Annotated[
        str | None,
        typer.Option(
            "--pre",
            help="Verify: run before the server, in a throwaway container (default: "
            "migrate when the project has a database server; '' for none).",
        ),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option("--host", help="Verify: Host header (default: from ALLOWED_HOSTS)."),
    ] = None,
    compose_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--compose",
            metavar="FILE",
            help="Verify: the compose file(s) that run the app (default: found beside the "
            "Dockerfile or the context). Repeatable, like docker compose -f.",
        ),
    ] = None,
    list_transforms: Annotated[
        bool, typer.Option("--list-transforms", help="List the transforms and exit.")
    ] = False,
) -> None:
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if list_transforms:
        for transform in ALL:
            doc = (type(transform).__doc__ or "").strip().splitlines()[0]
            out.print(f"{transform.name:24} {doc}")
        raise typer.Exit(0)
    try:
        outcome = optimize(
            dockerfile,
            context,
            only=_split(only),
            skip=_split(skip),
            options=Options(production_server=production_server),
        )
        env_vars = _parse_env(env, env_file)
    except OptimizeError as exc:
        _fail(err, as_json, str(exc))

    report: dict[str, Any] | None = None
    passed = True
    if verify and outcome.changed:
        from optimizer.verify.runplan import Flags

        flags = Flags(list(service or []), cmd, pre, host, list(probe or []), env_vars)
        flags.compose_files = list(compose_file or [])
        report, passed = _verify(outcome, flags, keep_images, no_rebuild, as_json, err)

    written: list[str] = []
    if write and outcome.changed and (passed or force):
        from optimizer.writer import write_files

        try:
            paths = write_files(outcome.context_dir, outcome.files, outcome.dockerfile_key)
        except (OSError, DockerfileError) as exc:
            _fail(err, as_json, f"nothing written: {exc}")
        written = [str(p) for p in paths]

    if as_json:
        out.print_json(data=_json(outcome, report, written, passed), highlight=False)
    else:
        _print(out, outcome, written, write, report, passed)
    if not passed:
        raise typer.Exit(1)
    if outcome.changed and not written:
        raise typer.Exit(1)
    raise typer.Exit(0)


def _fail(err: Console, as_json: bool, message: str) -> Any:
    if as_json:
        print(json.dumps({"error": message}))
    else:
        err.print(f"dj-optimize: error: {escape(message)}")
    raise typer.Exit(2)


def _verify(
    outcome: Outcome,
    flags: RunFlags,
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
    from optimizer.verify import runplan

    key = outcome.dockerfile_key
    before = {key: outcome.original[key] or ""}
    after = {key: outcome.files.get(key, before[key])}
    for name, content in outcome.files.items():
        if name != key:
            after[name] = content
    # How the app runs: command, services, pre-step, Host header, probes (verify/runplan.py).
    plan = runplan.plan_for(
        outcome.project, outcome.context_dir, outcome.dockerfile_path, before[key], flags
    )
    options = runplan.apply(
        plan,
        VerifyOptions(env=flags.env, keep_images=keep_images, measure_rebuild=not no_rebuild),
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
        "passed": passed,
        "project": {
            "manage_py": outcome.project.manage_py,
            "settings_module": outcome.project.settings_module,
            "wsgi_application": outcome.project.wsgi_application,
            "asgi_application": outcome.project.asgi_application,
            "dependency_manager": outcome.project.dependencies.manager,
            "manifest_files": list(outcome.project.dependencies.manifest_files),
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
        plan = report.get("run_plan") or {}
        for note in plan.get("notes") or []:
            out.print(f"how it ran: {escape(note)}")
        out.print("verify: " + ("PASS" if passed else "FAIL"))
        for reason in report.get("reasons") or []:
            out.print(f"  - {escape(reason)}")
        for reason in report.get("inconclusive") or []:
            out.print(f"  - inconclusive: {escape(reason)}")
    if written:
        out.print("wrote " + ", ".join(written))
    elif write and outcome.changed and not passed:
        out.print("nothing written: verification failed (use --force to write anyway)")
    elif outcome.changed and not write:
        out.print("dry run: nothing written (use --write to apply)")


def print_verify_table(out: Console, report: dict[str, Any]) -> None:
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
    app(prog_name="dj-optimize")


if __name__ == "__main__":
    main()
