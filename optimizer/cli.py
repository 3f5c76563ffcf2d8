"""`dj-optimize`: dry-run diff by default, `--write` to apply, `--verify` to prove it.

Exit status, like a linter so CI can gate on the dry run: see optimizer/exitcodes.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from optimizer import exitcodes
from optimizer.dockerfile import DockerfileError
from optimizer.pipeline import OptimizeError, Outcome, optimize
from transforms import ALL
from transforms.base import Options

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


@app.command(epilog=exitcodes.HELP)
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
        bool,
        typer.Option(
            "--verify",
            help="Build both images, run both, compare. Verdict pass (exit 1, or 0 once "
            "written), fail: the rewrite broke something the original did (exit 3), or "
            "inconclusive: the original does not build, start or answer, or no engine "
            "answers; nothing was proven (exit 4).",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="With --write --verify: write even if verify fails or is inconclusive."
        ),
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
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="Verify the Dockerfile on disk against an earlier one: a git revision "
            "(e.g. HEAD) or a file. Implies --verify.",
        ),
    ] = None,
    builder: Annotated[
        str | None,
        typer.Option(
            "--builder", help="Build with this buildx builder (docker buildx build --load)."
        ),
    ] = None,
    cleanup: Annotated[
        bool,
        typer.Option(
            "--cleanup", help="Remove what a killed --verify run left (containers, images, ...)."
        ),
    ] = False,
    list_transforms: Annotated[
        bool, typer.Option("--list-transforms", help="List the transforms and exit.")
    ] = False,
) -> None:
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if cleanup:
        _cleanup_leftovers(out, err, as_json)
    verify = verify or baseline is not None
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
    if verify and (outcome.changed or baseline is not None):
        if not as_json:
            _print_before_verify(out, outcome, baseline)
        report, passed = _verify(
            outcome, probe, env_vars, keep_images, no_rebuild, as_json, err, baseline, builder
        )
    elif verify and not as_json:
        err.print(
            "verify: nothing to change, nothing built (to verify the Dockerfile on disk "
            "against an earlier one: --baseline HEAD)"
        )

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
        _print(out, outcome, written, write, report, passed, diff_shown=report is not None)
    if report is not None and report["verdict"] == "fail":
        raise typer.Exit(exitcodes.VERIFY_FAILED)
    if report is not None and report["verdict"] == "inconclusive":
        raise typer.Exit(exitcodes.VERIFY_INCONCLUSIVE)
    if outcome.changed and not written:
        raise typer.Exit(exitcodes.CHANGES)
    raise typer.Exit(exitcodes.OK)


def _fail(err: Console, as_json: bool, message: str) -> Any:
    if as_json:
        print(json.dumps({"error": message}))
    else:
        err.print(f"dj-optimize: error: {escape(message)}")
    raise typer.Exit(2)


def _cleanup_leftovers(out: Console, err: Console, as_json: bool) -> Any:
    from optimizer.engine import engine_available
    from optimizer.verify.run import cleanup_leftovers

    up = engine_available()
    result = cleanup_leftovers(engine_up=up)
    if as_json:
        data = {
            "engine": up,
            "removed": result.found,
            "left": result.left,
            "errors": result.failures,
        }
        print(json.dumps(data, indent=2))
    else:
        for item in result.found:
            out.print(f"removed {escape(item)}")
        for item in result.left:
            out.print(f"left behind: {escape(item)}")
        if not up:
            err.print(
                "dj-optimize: no container engine answers: start Docker (`docker info` must "
                "work); only scratch directories were removed"
            )
        elif result.removed:
            out.print("cleanup: nothing of dj-optimize --verify is left (checked by label)")
    if not up:
        raise typer.Exit(exitcodes.BAD_INPUT)
    raise typer.Exit(exitcodes.OK if result.removed else exitcodes.INTERNAL_ERROR)


def _print_before_verify(out: Console, outcome: Outcome, baseline: str | None) -> None:
    """The diff first: verify takes minutes, the reader can study the change meanwhile."""
    if baseline is None:
        _print_diff(out, outcome)
    else:
        out.print(f"verifying {outcome.dockerfile_path} as it is on disk against {baseline}")
    out.file.flush()


def _verify(
    outcome: Outcome,
    probes: list[str] | None,
    env: dict[str, str],
    keep_images: bool,
    no_rebuild: bool,
    as_json: bool,
    err: Console,
    baseline: str | None = None,
    builder: str | None = None,
) -> tuple[dict[str, Any], bool]:
    from optimizer.verify import VerifyOptions, verify
    from optimizer.verify.inputs import (
        BaselineError,
        baseline_sides,
        dockerfile_key,
        rewrite_sides,
    )
    from optimizer.verify.progress import Progress

    paths = list(probes or [])
    if not paths:
        paths = ["/"] + (["/admin/login/"] if outcome.project.admin_installed else [])
    if baseline is not None:
        key, _ = dockerfile_key(outcome.dockerfile_path, outcome.context_dir)
        try:
            sides = baseline_sides(
                baseline, outcome.dockerfile_path, outcome.context_dir, outcome.original[key] or ""
            )
        except BaselineError as exc:
            _fail(err, as_json, str(exc))
    else:
        sides = rewrite_sides(
            outcome.dockerfile_path, outcome.context_dir, outcome.original, outcome.files
        )
    options = VerifyOptions(
        probes=paths,
        env=env,
        keep_images=keep_images,
        measure_rebuild=not no_rebuild,
        builder=builder,
    )
    with Progress(err, enabled=not as_json) as progress:
        result = verify(
            outcome.context_dir,
            sides.before,
            sides.after,
            options,
            progress,
            dockerfile=sides.dockerfile,
            dockerfile_outside=sides.outside,
        )
    result.notes[:0] = sides.notes
    data = result.to_dict()
    data["baseline"] = sides.description if baseline is not None else None
    return data, result.passed


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
        "verdict": report["verdict"] if report is not None else None,
        "verdict_reasons": report["verdict_reasons"] if report is not None else [],
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
    *,
    diff_shown: bool = False,
) -> None:
    if not outcome.changed:
        out.print(f"{outcome.dockerfile_path}: nothing to change")
    elif not diff_shown:
        _print_diff(out, outcome)
    for change in outcome.skipped:
        for note in change.notes:
            out.print(escape(f"[{change.transform}] left alone: {note}"))
    if report is not None:
        from optimizer.verify.render import render_report

        render_report(out, report)
    if written:
        out.print("wrote " + ", ".join(written))
    elif write and outcome.changed and not passed:
        out.print(
            f"nothing written: verify did not pass ({report and report['verdict']}; "
            "use --force to write anyway)"
        )
    elif outcome.changed and not write:
        out.print("dry run: nothing written (use --write to apply)")


def _print_diff(out: Console, outcome: Outcome) -> None:
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


def print_verify_table(out: Console, report: dict[str, Any]) -> None:
    from optimizer.verify.render import verify_table

    out.print(verify_table(report))


def main() -> None:
    app(prog_name="dj-optimize")


if __name__ == "__main__":
    main()
