"""`dj-optimize`: dry-run diff by default, `--write` to apply, `--verify` to prove it.

Exit statuses are in optimizer/exitcodes.py (like a linter, so CI can gate on the dry run).
Imports of the pipeline, the transforms, rich's syntax highlighter and the docker SDK happen
where they are used, so `--help` and `--version` answer at once.
"""

# No `from __future__ import annotations` here: typer reads run()'s annotations on every start,
# and evaluating 30 annotation strings (compile + eval) cost 6 ms of CPU before any work began.
# The names only imported for type checking are quoted instead.
import atexit
import gc
import json
import os
import signal
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from optimizer import __version__, exitcodes

if TYPE_CHECKING:
    from rich.console import Console

    from optimizer.config import Config
    from optimizer.pipeline import Outcome
    from optimizer.verify.inputs import Sides
    from optimizer.verify.runplan import Flags as RunFlags

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


class Installer(StrEnum):
    pip = "pip"
    uv = "uv"


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


def consoles() -> tuple["Console", "Console"]:
    """(stdout, stderr) consoles for every command. Styles only on a terminal (rich's own
    rule), and none at all under NO_COLOR (no-color.org: any non-empty value), as ruff does:
    rich's no_color drops colours but still wrote bold, so a NO_COLOR log held escape codes.
    emoji=False: a diff or a note holding `:cd:` or `:ok:` (PATH=/opt/bin:cd:/usr/bin) is
    printed as written, not as an emoji; and rich's emoji table is never loaded."""
    from rich.console import Console

    plain = {"color_system": None} if os.environ.get("NO_COLOR") else {}
    return (
        Console(highlight=False, soft_wrap=True, emoji=False, **plain),  # type: ignore[arg-type]
        Console(stderr=True, highlight=False, soft_wrap=True, emoji=False, **plain),  # type: ignore[arg-type]
    )


def escape(markup: str) -> str:
    """rich's markup escape, imported on use: --help and --version never load rich."""
    from rich.markup import escape as rich_escape

    return rich_escape(markup)


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


# Options `dj-optimize` and `dj-optimize init` share, defined once (init_cli imports them).
OnlyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--only", metavar="NAMES", help="Run only these transforms (comma-separated or repeated)."
    ),
]
SkipOption = Annotated[
    list[str] | None, typer.Option("--skip", metavar="NAMES", help="Skip these transforms.")
]
HealthcheckOption = Annotated[
    bool, typer.Option("--healthcheck", help="Also add a HEALTHCHECK (opt-in transform).")
]
NoConfigOption = Annotated[
    bool, typer.Option("--no-config", help="Ignore [tool.dj-optimize] in pyproject.toml.")
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="With --verify: write even if verify fails or is inconclusive (the default "
        "command writes only with --write).",
    ),
]
KeepImagesOption = Annotated[
    bool, typer.Option("--keep-images", help="Keep the images verify built.")
]
ProbeOption = Annotated[
    list[str] | None, typer.Option("--probe", help="Verify: path to request (repeatable).")
]
EnvOption = Annotated[
    list[str] | None, typer.Option("--env", help="Verify: KEY=VALUE for the app's containers.")
]
EnvFileOption = Annotated[
    Path | None, typer.Option("--env-file", help="Verify: a file of KEY=VALUE lines.")
]
NoRebuildOption = Annotated[
    bool, typer.Option("--no-rebuild", help="Verify without the rebuild-time measurement.")
]
BuilderOption = Annotated[
    str | None,
    typer.Option("--builder", help="Build with this buildx builder (docker buildx build --load)."),
]
ServiceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--service",
        metavar="IMAGE",
        help="Verify: start this service (postgres:17, redis:7...) for each image run and set "
        "the variables the settings read (DATABASE_URL, REDIS_URL...). Repeatable. Without "
        "compose or this flag, those the settings use are started; 'none' starts none.",
    ),
]
CmdOption = Annotated[
    str | None,
    typer.Option("--cmd", help="Verify: the command that starts the app (overrides CMD)."),
]
PreOption = Annotated[
    str | None,
    typer.Option(
        "--pre",
        help="Verify: run before the server, in a throwaway container (default: "
        "migrate when the project has a database server; '' for none).",
    ),
]
HostOption = Annotated[
    str | None, typer.Option("--host", help="Verify: Host header (default: from ALLOWED_HOSTS).")
]
TargetOption = Annotated[
    str | None,
    typer.Option(
        "--target",
        metavar="STAGE",
        help="The stage that is deployed, when it is not the last one: the changes are made to "
        "it, and verify builds it on both sides (docker build --target) instead of the final "
        "stage or the one the compose file builds.",
    ),
]
ComposeOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--compose",
        metavar="FILE",
        help="Verify: the compose file(s) that run the app (default: found beside the "
        "Dockerfile or the context). Repeatable, like docker compose -f.",
    ),
]


@app.command(help=HELP)
def run(
    dockerfile: Annotated[
        Path,
        typer.Argument(
            metavar="[DOCKERFILE]...",
            help="The Dockerfile to optimize (default: ./Dockerfile). Several: each in turn, "
            "with its own context and config, in one report; the worst exit status.",
        ),
    ] = Path("Dockerfile"),
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
    exit_zero: Annotated[
        bool,
        typer.Option(
            "--exit-zero",
            help="Exit 0 even when changes are proposed (like ruff's --exit-zero: report "
            "without failing the step); bad input and verify verdicts keep their status.",
        ),
    ] = False,
    only: OnlyOption = None,
    skip: SkipOption = None,
    production_server: Annotated[
        bool,
        typer.Option(
            "--production-server",
            help="Replace runserver with gunicorn when it is a dependency (daphne on a "
            "Channels project).",
        ),
    ] = False,
    healthcheck: HealthcheckOption = False,
    no_buildkit: Annotated[
        bool,
        typer.Option(
            "--no-buildkit",
            help="No BuildKit cache mounts (RUN --mount) in the output: for the legacy builder.",
        ),
    ] = False,
    installer: Annotated[
        Installer | None,
        typer.Option(
            "--installer",
            help="The builder's installer: pip (default, the Dockerfile's own) or uv (faster "
            "cold builds; used only where uv installs what pip would, else the note says why).",
            case_sensitive=False,
        ),
    ] = None,
    no_config: NoConfigOption = False,
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
    force: ForceOption = False,
    keep_images: KeepImagesOption = False,
    probe: ProbeOption = None,
    env: EnvOption = None,
    env_file: EnvFileOption = None,
    no_rebuild: NoRebuildOption = False,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="Verify the Dockerfile on disk against an earlier one: a git revision "
            "(e.g. HEAD) or a file; 'none' (a file of that name: ./none): alone, with no "
            "baseline (does it build, start and answer?). Implies --verify.",
        ),
    ] = None,
    builder: BuilderOption = None,
    cleanup: Annotated[
        bool,
        typer.Option(
            "--cleanup", help="Remove what a killed --verify run left (containers, images, ...)."
        ),
    ] = False,
    service: ServiceOption = None,
    cmd: CmdOption = None,
    pre: PreOption = None,
    host: HostOption = None,
    compose_file: ComposeOption = None,
    target: TargetOption = None,
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

    out, err = consoles()
    fmt = output_format.value
    if cleanup:
        _cleanup_leftovers(out, err, as_json or fmt == "json")
    verify = verify or baseline is not None
    if as_json and fmt not in ("text", "json"):
        _fail(err, False, f"--json conflicts with --format {fmt}")
    if as_json:
        fmt = "json"
    as_json = fmt == "json"
    if check and write:
        _fail(err, as_json, "--check only reports; it cannot be combined with --write")
    from optimizer.config import ConfigError
    from optimizer.pipeline import OptimizeError, optimize

    try:
        config = load_config(no_config, dockerfile, context)
    except ConfigError as exc:
        _fail(err, as_json, str(exc))
    try:
        outcome = optimize(
            dockerfile,
            context,
            **transform_settings(
                config, only, skip, production_server, healthcheck, no_buildkit,
                installer.value if installer is not None else None, target,
            ),
        )
        settings = verify_settings(
            config,
            VerifyArgs(
                service, cmd, pre, host, probe, env, env_file, compose_file, keep_images,
                no_rebuild, builder, target,
            ),
        )
    except OptimizeError as exc:
        _fail(err, as_json, str(exc))

    report: dict[str, Any] | None = None
    passed = True
    if verify and (outcome.changed or baseline is not None):
        sides = _sides(outcome, baseline, err, as_json)
        if not as_json:
            _print_before_verify(out, outcome, baseline)
        report, passed = run_verify(outcome, sides, settings, as_json, err)
        report["baseline"] = sides.description if baseline is not None else None
    elif verify and not as_json:
        err.print(
            "verify: nothing to change, nothing built (to verify the Dockerfile on disk "
            "against an earlier one: --baseline HEAD; alone: --baseline none)"
        )

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
        _print(out, outcome, written, write, report, passed, diff_shown=report is not None)
    verify_exit(report)
    if outcome.changed and not written and not exit_zero:
        raise typer.Exit(exitcodes.CHANGES)
    raise typer.Exit(exitcodes.OK)


def _fail(err: "Console", as_json: bool, message: str) -> Any:
    if as_json:
        print(json.dumps({"error": message}))
    else:
        err.print(f"dj-optimize: error: {escape(message)}")
    raise typer.Exit(exitcodes.BAD_INPUT)


def _cleanup_leftovers(out: "Console", err: "Console", as_json: bool) -> Any:
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


def _print_before_verify(out: "Console", outcome: "Outcome", baseline: str | None) -> None:
    """The diff first: verify takes minutes, the reader can study the change meanwhile."""
    if baseline is None:
        _print_diff(out, outcome)
    elif baseline == "none":
        out.print(f"verifying {outcome.dockerfile_path} as it is on disk, with no baseline")
    else:
        out.print(f"verifying {outcome.dockerfile_path} as it is on disk against {baseline}")
    out.file.flush()


def load_config(no_config: bool, dockerfile: Path, context: Path | None) -> "Config":
    """`[tool.dj-optimize]` for this Dockerfile (defaults with --no-config); ConfigError."""
    from optimizer.config import Config, load
    from transforms import ALL

    return Config() if no_config else load(dockerfile, context, (t.name for t in ALL))


def transform_settings(
    config: "Config",
    only: list[str] | None,
    skip: list[str] | None,
    production_server: bool = False,
    healthcheck: bool = False,
    no_buildkit: bool = False,
    installer: str | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    """The pipeline's only/skip/options: command-line flags win over the file (lists replace)."""
    from optimizer.config import pick
    from transforms.base import Options

    return {
        "only": pick(_split(only), list(config.only)),
        "skip": pick(_split(skip), list(config.skip)),
        "options": Options(
            production_server=production_server or config.production_server,
            healthcheck=healthcheck or config.healthcheck,
            buildkit=not (no_buildkit or config.no_buildkit),
            installer=installer or config.installer,
            target=target or config.verify.target,
        ),
    }


@dataclass
class VerifyArgs:
    """The verify options as given on the command line (None / empty: not given)."""

    service: list[str] | None = None
    cmd: str | None = None
    pre: str | None = None
    host: str | None = None
    probe: list[str] | None = None
    env: list[str] | None = None
    env_file: Path | None = None
    compose_file: list[Path] | None = None
    keep_images: bool = False
    no_rebuild: bool = False
    builder: str | None = None
    target: str | None = None


@dataclass
class VerifySettings:
    """How verify runs: the flags merged over `[tool.dj-optimize.verify]`. Command-line flags
    win over the file; lists replace, env merges key by key."""

    config: "Config"
    args: VerifyArgs
    env: dict[str, str]  # parsed up front: a bad --env is bad input even without --verify

    @property
    def flags(self) -> "RunFlags":
        # Imported here: the verify package loads the docker SDK, which a dry run never needs.
        from optimizer.config import pick
        from optimizer.verify.runplan import Flags

        args, configured = self.args, self.config.verify
        flags = Flags(
            pick(list(args.service or []), list(configured.services)),
            args.cmd or configured.cmd,
            args.pre if args.pre is not None else configured.pre,
            args.host or configured.host,
            list(pick(args.probe, list(configured.probes)) or []),
            self.env,
        )
        flags.compose_files = list(pick(args.compose_file, list(configured.compose)) or [])
        flags.target = args.target or configured.target
        return flags

    @property
    def keep_images(self) -> bool:
        return self.args.keep_images or self.config.verify.keep_images

    @property
    def no_rebuild(self) -> bool:
        return self.args.no_rebuild or self.config.verify.no_rebuild

    @property
    def builder(self) -> str | None:
        return self.args.builder or self.config.verify.builder


def verify_settings(config: "Config", args: VerifyArgs) -> VerifySettings:
    """Raises OptimizeError for an unreadable env file or a malformed --env."""
    env = {
        **_parse_env(None, config.verify.env_file),
        **config.verify.env,
        **_parse_env(args.env, args.env_file),
    }
    return VerifySettings(config, args, env)


def _sides(outcome: "Outcome", baseline: str | None, err: "Console", as_json: bool) -> "Sides":
    from optimizer.verify.inputs import (
        NO_BASELINE,
        BaselineError,
        alone_sides,
        baseline_sides,
        rewrite_sides,
    )

    if baseline == NO_BASELINE:
        return alone_sides(
            outcome.dockerfile_path, outcome.context_dir, outcome.dockerfile_text, {}
        )
    if baseline is not None:
        try:
            return baseline_sides(
                baseline, outcome.dockerfile_path, outcome.context_dir, outcome.dockerfile_text
            )
        except BaselineError as exc:
            _fail(err, as_json, str(exc))
    return rewrite_sides(
        outcome.dockerfile_path, outcome.context_dir, outcome.original, outcome.files
    )


def run_verify(
    outcome: "Outcome", sides: "Sides", settings: VerifySettings, as_json: bool, err: "Console"
) -> tuple[dict[str, Any], bool]:
    """Run verify on `sides` (both, or with no baseline the new image alone); the JSON-ready
    report and whether it passed. Progress goes to `err` unless the output is JSON."""
    from optimizer.verify import VerifyOptions, runplan, verify
    from optimizer.verify.progress import Progress

    # How the app runs: command, services, pre-step, Host header, probes (verify/runplan.py),
    # read from the original's Dockerfile (the new one with no baseline), the compose file and
    # the settings.
    reference = sides.before if sides.before is not None else sides.after
    flags = settings.flags
    if flags.target is None and outcome.deployed is not None:
        flags.target, why = outcome.deployed
        flags.target_source = f"the deployed stage: {why}"
    plan = runplan.plan_for(
        outcome.project,
        outcome.context_dir,
        outcome.dockerfile_path,
        reference[sides.dockerfile] or "",
        flags,
    )
    options = runplan.apply(
        plan,
        VerifyOptions(
            env=flags.env,
            keep_images=settings.keep_images,
            measure_rebuild=not settings.no_rebuild,
            builder=settings.builder,
        ),
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
    return result.to_dict(), result.passed


def verify_exit(report: dict[str, Any] | None) -> None:
    """Exit 3 when verify failed, 4 when it was inconclusive (written or not); else return."""
    if report is not None and report["verdict"] == "fail":
        raise typer.Exit(exitcodes.VERIFY_FAILED)
    if report is not None and report["verdict"] == "inconclusive":
        raise typer.Exit(exitcodes.VERIFY_INCONCLUSIVE)


def outcome_json(
    outcome: "Outcome", report: dict[str, Any] | None, written: list[str], passed: bool
) -> dict[str, Any]:
    """The JSON report's parts both commands share: the changes, the files, what was written
    and the verdict."""
    return {
        "notes": list(outcome.notes),
        # The stage the changes were made to where it is not the last (null: the last).
        "deployed_stage": outcome.deployed[0] if outcome.deployed is not None else None,
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
    }


def print_verify(out: "Console", report: dict[str, Any]) -> None:
    """The verify report for a reader, then how the app was run."""
    from optimizer.verify.render import render_report

    render_report(out, report)
    for note in (report.get("run_plan") or {}).get("notes") or []:
        out.print(f"how it ran: {escape(note)}")


def not_written(report: dict[str, Any] | None) -> str:
    return (
        f"nothing written: verify did not pass ({report and report['verdict']}; "
        "use --force to write anyway)"
    )


def _json(
    outcome: "Outcome", report: dict[str, Any] | None, written: list[str], passed: bool
) -> dict[str, Any]:
    return {
        "dockerfile": str(outcome.dockerfile_path),
        "context": str(outcome.context_dir),
        "changed": outcome.changed,
        **outcome_json(outcome, report, written, passed),
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
    out: "Console",
    outcome: "Outcome",
    written: list[str],
    write: bool,
    report: dict[str, Any] | None,
    passed: bool,
    *,
    diff_shown: bool = False,
) -> None:
    for note in outcome.notes:
        out.print(escape(note))
    if not outcome.changed:
        out.print(f"{outcome.dockerfile_path}: nothing to change")
    elif not diff_shown:
        _print_diff(out, outcome)
    for change in outcome.skipped:
        for note in change.notes:
            out.print(escape(f"[{change.transform}] left alone: {note}"))
    if report is not None:
        print_verify(out, report)
    if written:
        out.print("wrote " + ", ".join(written))
    elif write and outcome.changed and not passed:
        out.print(not_written(report))
    elif outcome.changed and not write:
        out.print("dry run: nothing written (use --write to apply)")


def _print_diff(out: "Console", outcome: "Outcome") -> None:
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


def print_verify_table(out: "Console", report: dict[str, Any]) -> None:
    from optimizer.verify.render import verify_table

    out.print(verify_table(report))


def main() -> None:
    """The console script: any exception that escapes is a bug, reported in one line (exit 70);
    DJ_OPTIMIZE_DEBUG=1 shows the traceback."""
    # At exit, skip the interpreter's last garbage collection over everything the imports made
    # (typer, rich, the pipeline): 5% of a dry run's CPU. Nothing here relies on it: temporary
    # files and directories are removed explicitly, and weakref.finalize hooks still run.
    atexit.register(gc.freeze)
    stopped_by: list[int] = []

    def stop(signum: int, frame: object) -> None:
        # SIGTERM/SIGHUP (a CI job cancelled, a closed terminal) end the run the way Ctrl-C
        # does: as an exception, so the `finally` blocks remove the temporary file of a write
        # in progress and compose's scratch copies. Their default action killed the process on
        # the spot and left them behind. Verify installs its own handlers for its cleanup.
        stopped_by.append(signum)
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        # Only over the defaults: under nohup SIGHUP stays ignored.
        if signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(signum, stop)
    try:
        if sys.argv[1:2] == ["init"]:
            # A separate app: the default command keeps the Dockerfile as its first argument.
            from optimizer.init_cli import main as init_main

            init_main(sys.argv[2:])
            return
        command = typer.main.get_command(app)
        several = _several_files(command, sys.argv[1:])
        if several is not None:
            from optimizer.several import run_each

            sys.exit(run_each(command, *several))
        command(prog_name="dj-optimize")
    except SystemExit as exc:
        # Typer turns the KeyboardInterrupt into a silent exit 130, whatever the signal; say
        # which one stopped the run.
        if stopped_by and exc.code == 130:
            _interrupted(stopped_by[0])
        raise
    except KeyboardInterrupt:
        _interrupted(stopped_by[0] if stopped_by else signal.SIGINT)
    except Exception as exc:
        if os.environ.get("DJ_OPTIMIZE_DEBUG") == "1":
            raise
        print(
            f"dj-optimize: {type(exc).__name__}: {exc} -- internal error, please report "
            "(DJ_OPTIMIZE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        sys.exit(exitcodes.INTERNAL_ERROR)


def _several_files(command: Any, argv: list[str]) -> tuple[list[str], list[str]] | None:
    """(options, Dockerfiles) when the command line names more than one Dockerfile (each is
    run in turn: optimizer/several.py); None for one or none, which click runs as usual."""
    from optimizer.several import split, value_options

    options, files = split(argv, value_options(command))
    if len(files) < 2 or {"-h", "--help", "--version"} & set(options):
        return None
    return options, files


def _interrupted(signum: int) -> None:
    print(f"dj-optimize: interrupted ({signal.Signals(signum).name})", file=sys.stderr)
    # 128 + the signal, as a shell reports a process the signal ended (130 for Ctrl-C).
    sys.exit(128 + signum)


if __name__ == "__main__":
    main()
