"""`python -m bench`: before/after figures users feel, one row per input; see bench/README.md.

Per input, in a scratch copy under a temporary directory: dj-optimize writes its output into a
copy of the input (before = the input's Dockerfile, after = dj-optimize's), then each phase runs
on both sides, one after the other, so a change in the shared machine's load hits both: cold
build (`--no-cache`), a no-op rebuild (warms the cache), sizes, start-to-first-200 and stop
(median of --runs), a code change rebuild, an added-dependency rebuild. Images and containers
are named djopt-bench-<run>-..., and removed at the end, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from optimizer import engine

from . import inputs as inp
from . import measure, report

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = Path(__file__).resolve().parent / "results.json"
SIDES = ("before", "after")
# Issue 9 item 8: --help, --version, --list-transforms and a dry run under 0.15 s of CPU.
CPU_LIMIT_S = 0.15
CPU_EXAMPLE = "01-tutorial"
# No-op rebuilds tried before a timed rebuild until one runs no step (see run_input's warm).
WARM_ATTEMPTS = 3


def log(message: str) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def cli_cpu(runs: int) -> list[dict[str, Any]]:
    """CPU seconds of the CLI's quick paths and a dry run, median of `runs` each."""
    example = inp.EXAMPLES / CPU_EXAMPLE / "Dockerfile"
    cases: list[tuple[str, list[str], tuple[int, ...]]] = [
        ("dj-optimize --help", ["--help"], (0,)),
        ("dj-optimize --version", ["--version"], (0,)),
        ("dj-optimize --list-transforms", ["--list-transforms"], (0,)),
        # A dry run exits 1 when it proposes changes, which it does on the tutorial.
        (f"dj-optimize examples/{CPU_EXAMPLE}/Dockerfile", [str(example)], (0, 1)),
    ]
    out = []
    for label, args, ok in cases:
        entry = measure.cpu_median(measure.cli_command(*args), runs, ok)
        out.append({"command": label, **entry})
        value = entry["median_cpu_s"]
        log(f"cpu: {label}: " + ("n/a" if value is None else f"{value:.3f} s"))
    return out


def prepare(item: inp.Input, work: Path) -> tuple[Path, dict[str, Any]]:
    """The input's project in work/pristine (a template rendered in); facts about it."""
    pristine = work / "pristine"
    inp.copy_app(item.app, pristine)
    facts: dict[str, Any] = {}
    if item.template:
        tdir = inp.TEMPLATES / item.template
        app_text = (item.app / "Dockerfile").read_text(encoding="utf-8")
        python = inp.python_minor_of(app_text) or "3.11"
        project = inp.django_project(pristine)
        if project is None:
            raise inp.TemplateError(f"{item.app.name}: no Django project (no */wsgi.py)")
        text = inp.render_template(
            (tdir / "Dockerfile").read_text(encoding="utf-8"),
            python=python,
            project=project,
            postgres=inp.uses_postgres(pristine),
        )
        (pristine / "Dockerfile").write_text(text, encoding="utf-8")
        ignore = tdir / "dockerignore"
        if ignore.is_file():
            shutil.copyfile(ignore, pristine / ".dockerignore")
        facts.update(python=python, project=project)
    return pristine, facts


def run_optimizer(
    pristine: Path, work: Path, result: dict[str, Any], cpu_runs: int, installer: str = "pip"
) -> Path:
    """dj-optimize on a copy of the input: the dry run's CPU time, then --write. The copy."""
    dockerfile = pristine / "Dockerfile"
    options = ("--installer", installer)
    cpu = measure.cpu_median(measure.cli_command(*options, str(dockerfile)), cpu_runs, (0, 1))
    result["dry_run_cpu_s"] = cpu["median_cpu_s"]
    if cpu["note"]:
        result["notes"]["dry_run_cpu_s"] = cpu["note"]
    after = work / "after-src"
    shutil.copytree(pristine, after, symlinks=True)
    done = subprocess.run(
        measure.cli_command(*options, "--write", str(after / "Dockerfile")),
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )
    result["optimizer_exit"] = done.returncode
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-2:]
        raise RuntimeError(f"dj-optimize --write exited {done.returncode}: {' | '.join(tail)}")
    result["changed"] = _tree_text(pristine) != _tree_text(after)
    return after


def _tree_text(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def dependency_files(
    pristine: Path, work: Path, text: str
) -> tuple[dict[str, str] | None, dict[str, Any]]:
    """The files that add one dependency (applied to both sides), or None and why not."""
    change = inp.dependency_change(pristine, text)
    info: dict[str, Any] = {"manager": change.manager, "added": inp.ADDED_REQUIREMENT}
    if change.reason:
        info["reason"] = change.reason
        return None, info
    if change.command is None:
        return change.files, info
    lock = work / "lock"
    shutil.copytree(pristine, lock, symlinks=True)
    # No interpreter downloads: uv would fetch a missing Python (uv.lock's requires-python)
    # from GitHub; without one on this machine the change is n/a, and the reason says so.
    env = dict(os.environ, PIPENV_VENV_IN_PROJECT="1", PIPENV_YES="1", NO_COLOR="1",
               UV_PYTHON_DOWNLOADS="never")
    info["command"] = " ".join(change.command)
    try:
        done = subprocess.run(
            change.command, cwd=lock, capture_output=True, text=True, timeout=600, check=False,
            env=env, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        info["reason"] = f"{change.manager}: cannot lock: {exc}"
        return None, info
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        errors = [line.strip() for line in lines if line.strip().lower().startswith("error")]
        why = " | ".join(errors[:1] or lines[-2:])
        info["reason"] = f"{change.manager} could not lock the added dependency: {why[:240]}"
        return None, info
    files = {}
    for rel in inp.LOCK_OUTPUTS[change.manager]:
        if (lock / rel).is_file():
            files[rel] = (lock / rel).read_text(encoding="utf-8")
    if not any(files.get(rel) != _read(pristine / rel) for rel in files):
        info["reason"] = f"{change.manager} changed no file"
        return None, info
    return files, info


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def run_input(
    item: inp.Input,
    work: Path,
    run_id: str,
    runs: int,
    cpu_runs: int,
    cleanup: measure.Cleanup,
    rebuilds: int = 1,
    installer: str = "pip",
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "name": item.name,
        "kind": item.kind,
        "app": item.app.name,
        "template": item.template,
        "before": {},
        "after": {},
        "notes": {},
        "error": None,
    }
    notes: dict[str, str] = result["notes"]
    pristine, facts = prepare(item, work)
    result.update(facts)
    after_src = run_optimizer(pristine, work, result, cpu_runs, installer)
    sources = {"before": pristine, "after": after_src}
    texts = {side: (sources[side] / "Dockerfile").read_text(encoding="utf-8") for side in SIDES}
    result["dockerfiles"] = texts

    base = inp.final_base(texts["before"]) or ""
    slim = inp.slim_of(base)
    result["final_base"], result["slim_base"] = base, slim
    slim_bytes = measure.image_bytes(slim) if slim else None
    result["slim_base_bytes"] = slim_bytes
    if slim_bytes is None:
        notes["above_slim_bytes"] = f"no slim base image for {base!r} ({slim or 'not python'})"
    base_inventory = None
    if slim_bytes is not None and slim is not None:
        base_inventory, why = measure.inventory(slim, [])
        if why:
            notes["runtime_bytes"] = f"slim base: {why}"

    dep_files, result["dependency"] = dependency_files(pristine, work, texts["before"])
    if dep_files is None:
        notes["dep_rebuild_s"] = result["dependency"].get("reason", "n/a")

    tag = {side: f"djopt-bench-{run_id}-{slug(item.name)}-{side}" for side in SIDES}
    ctx: dict[str, Path] = {}
    build_text: dict[str, str] = {}
    for side in SIDES:
        ctx[side] = work / side
        shutil.copytree(sources[side], ctx[side], symlinks=True)
        build_text[side] = inp.isolate_cache_mounts(texts[side], tag[side])
        count, codes, why = measure.hadolint(texts[side])
        result[side]["hadolint"] = count
        result[side]["hadolint_codes"] = codes
        if why:
            notes[f"{side}.hadolint"] = why

    ok = dict.fromkeys(SIDES, True)

    def build_phase(key: str, no_cache: bool) -> None:
        """Build both sides as they are (the no-op rebuild's steps show whether the cache
        held the cold build's result)."""
        for side in SIDES:
            if not ok[side]:
                continue
            log(f"{item.name}: {side}: {key}")
            built = measure.build(ctx[side], build_text[side], tag[side], cleanup,
                                  no_cache=no_cache)
            result[side][key] = built.seconds
            result[side][key.removesuffix("_s") + "_steps"] = built.executed
            if built.note:
                notes[f"{side}.{key}"] = built.note
                ok[side] = False

    def warm(side: str, key: str) -> None:
        """Make sure the build cache holds the image's steps before a timed rebuild.

        The engine's build cache is shared and garbage-collected under other builds' pressure;
        a rebuild timed on an evicted cache measures the collector, not the Dockerfile. The
        cache is warm when a rebuild of the unchanged context runs no step."""
        for attempt in range(1, WARM_ATTEMPTS + 1):
            built = measure.build(ctx[side], build_text[side], tag[side], cleanup,
                                  no_cache=False)
            if built.note or not built.executed:
                return
            result[side].setdefault("cache_rewarmed", []).append(
                {"before": key, "attempt": attempt, "steps": built.executed}
            )
        notes[f"{side}.{key}"] = (
            f"the build cache did not hold {side}'s steps after {WARM_ATTEMPTS} no-op rebuilds"
        )

    def record(key: str, times: dict[str, list[float]]) -> None:
        """A timed phase's figure, the median, and every time it took, per side."""
        for side in SIDES:
            if times[side]:
                result[side][key] = report.median(times[side])
                result[side][key.removesuffix("_s") + "_runs"] = times[side]

    def rebuild_phase(
        key: str,
        change: Callable[[str, str], bool],
        reset: Callable[[str], None] | None = None,
    ) -> None:
        """`rebuilds` times, the sides interleaved: (reset,) warm the cache on the unchanged
        context, change it with a mark naming the run, the side and the repetition (a change no
        earlier build made), time the rebuild. The figure is the median; every time is kept."""
        times: dict[str, list[float]] = {side: [] for side in SIDES}
        for rep in range(1, rebuilds + 1):
            for side in SIDES:
                if not ok[side]:
                    continue
                # The side in the mark: the build cache is shared, and where both sides build
                # the same steps (an input dj-optimize leaves unchanged) the second side's
                # rebuild found the first side's identical change already cached (08: add dep
                # 4.69 s before, 0.47 s after, for the same Dockerfile).
                mark = f"{run_id}-{side}" if rebuilds == 1 else f"{run_id}-{side}-{rep}"
                if reset is not None:
                    reset(side)
                warm(side, key)
                if not change(side, mark):
                    ok[side] = False
                    continue
                log(f"{item.name}: {side}: {key} {rep}/{rebuilds}")
                built = measure.build(ctx[side], build_text[side], tag[side], cleanup,
                                      no_cache=False)
                if built.note:
                    notes[f"{side}.{key}"] = built.note
                    ok[side] = False
                    continue
                assert built.seconds is not None
                times[side].append(built.seconds)
                if rep == 1:
                    result[side][key.removesuffix("_s") + "_steps"] = built.executed
        record(key, times)

    def cold_phase() -> None:
        """`rebuilds` cold builds a side, the sides interleaved, each with cache-mount ids of its
        own (a fresh CI runner's empty caches); the figure is the median, every time is kept.
        One cold build is noise: identical runs differ by 1-3 s on the lab's 2 cores. Later
        phases build with the last repetition's ids, whose steps are in the cache."""
        times: dict[str, list[float]] = {side: [] for side in SIDES}
        for rep in range(1, rebuilds + 1):
            for side in SIDES:
                if not ok[side]:
                    continue
                log(f"{item.name}: {side}: cold build {rep}/{rebuilds}")
                text = inp.isolate_cache_mounts(texts[side], f"{tag[side]}-cold{rep}")
                built = measure.build(ctx[side], text, tag[side], cleanup, no_cache=True)
                if built.note:
                    notes[f"{side}.cold_build_s"] = built.note
                    ok[side] = False
                    continue
                assert built.seconds is not None
                build_text[side] = text
                times[side].append(built.seconds)
                if rep == 1:
                    result[side]["cold_build_steps"] = built.executed
        record("cold_build_s", times)

    cold_phase()
    build_phase("noop_rebuild_s", False)

    names = sorted(p.name for p in pristine.iterdir())
    for side in SIDES:
        if not ok[side]:
            continue
        size = measure.image_bytes(tag[side])
        result[side]["image_bytes"] = size
        result[side]["above_slim_bytes"] = (
            size - slim_bytes if size is not None and slim_bytes is not None else None
        )
        if base_inventory is not None:
            found, why = measure.inventory(tag[side], names)
            if found is None:
                notes[f"{side}.runtime_bytes"] = why or "n/a"
            else:
                result[side].update(measure.runtime_bytes(found, base_inventory))

    starts: dict[str, list[float]] = {side: [] for side in SIDES}
    stops: dict[str, list[float]] = {side: [] for side in SIDES}
    for n in range(runs):
        for side in SIDES:
            if not ok[side]:
                continue
            log(f"{item.name}: {side}: start/stop {n + 1}/{runs}")
            got = measure.start_stop(tag[side], f"{tag[side]}-run{n}", cleanup)
            if got["first_200_s"] is not None:
                starts[side].append(got["first_200_s"])
            if got["stop_s"] is not None:
                stops[side].append(got["stop_s"])
            if got["note"]:
                notes[f"{side}.first_200_s"] = got["note"]
    for side in SIDES:
        if ok[side]:
            result[side]["first_200_s"] = report.median(starts[side])
            result[side]["stop_s"] = report.median(stops[side])
            result[side]["first_200_runs"] = starts[side]
            result[side]["stop_runs"] = stops[side]

    def change_code(side: str, mark: str) -> bool:
        if inp.append_code_change(ctx[side], mark) is None:
            notes["code_rebuild_s"] = "no views.py to change"
            return False
        return True

    # What the dependency change rewrites, as it was: each repetition adds the dependency to
    # the original manifest again (with its own mark), not a second time over the first.
    originals = {
        side: {rel: _read(ctx[side] / rel) for rel in (dep_files or {})} for side in SIDES
    }

    def restore_manifest(side: str) -> None:
        for rel, content in originals[side].items():
            target = ctx[side] / rel
            if content is None:
                target.unlink(missing_ok=True)
            else:
                target.write_text(content, encoding="utf-8")

    def add_dependency(side: str, mark: str) -> bool:
        assert dep_files is not None
        for rel, content in inp.mark_run(dep_files, mark).items():
            (ctx[side] / rel).write_text(content, encoding="utf-8")
        return True

    rebuild_phase("code_rebuild_s", change_code)
    if dep_files is not None:
        rebuild_phase("dep_rebuild_s", add_dependency, restore_manifest)
    return report.finish(result)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Before/after benchmark of dj-optimize on the examples and on peer "
        "tools' Dockerfile templates (see bench/README.md).",
    )
    parser.add_argument("--only", default="", help="examples by number prefix, e.g. 01,02")
    parser.add_argument(
        "--templates",
        default=",".join(inp.template_names()),
        help="templates to run on --template-app ('' for none; default: all)",
    )
    parser.add_argument("--template-app", default="01", help="example whose app the templates "
                        "are written for (default 01)")
    parser.add_argument("--runs", type=int, default=3, help="start/stop runs per side (median)")
    parser.add_argument("--cpu-runs", type=int, default=5, help="runs per CPU-time figure")
    parser.add_argument("--rebuilds", type=int, default=3, help="timed code-change and "
                        "added-dependency rebuilds per side (median)")
    parser.add_argument("--no-cli-cpu", action="store_true", help="skip the CLI CPU table")
    parser.add_argument("--installer", choices=("pip", "uv"), default="pip",
                        help="dj-optimize's --installer for the after side (default pip)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to save results")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.cpu_runs < 1 or args.rebuilds < 1:
        parser.error("--runs, --cpu-runs and --rebuilds must be at least 1")
    return args


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    templates = [t.strip() for t in args.templates.split(",") if t.strip()]
    chosen, problems = inp.inputs(only, templates, args.template_app)
    if problems:
        for problem in problems:
            print(f"bench: {problem}", file=sys.stderr)
        return 2
    if not engine.engine_available():
        print("bench: no container engine answers (see ../shared/lab/README.md)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    run_id = uuid.uuid4().hex[:8]
    started = dt.datetime.now(dt.UTC)
    cleanup = measure.Cleanup(mounts_before=measure.cache_mount_ids())
    results: list[dict[str, Any]] = []
    cpu: list[dict[str, Any]] = []
    failures: list[str] = []
    interrupted = False
    try:
        if not args.no_cli_cpu:
            cpu = cli_cpu(args.cpu_runs)
        with tempfile.TemporaryDirectory(prefix=f"djopt-bench-{run_id}-") as tmp:
            for item in chosen:
                start = time.monotonic()
                log(f"{item.name}: start")
                work = Path(tmp) / slug(item.name)
                work.mkdir()
                try:
                    result = run_input(
                        item, work, run_id, args.runs, args.cpu_runs, cleanup, args.rebuilds,
                        args.installer,
                    )
                except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
                    result = report.finish(
                        {"name": item.name, "kind": item.kind, "app": item.app.name,
                         "template": item.template, "before": {}, "after": {}, "notes": {},
                         "error": f"{type(exc).__name__}: {exc}"}
                    )
                failures += cleanup.close()
                shutil.rmtree(work, ignore_errors=True)
                results.append(result)
                log(f"{item.name}: done in {time.monotonic() - start:.0f} s")
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: cleaning up")
    finally:
        failures += cleanup.close()
    document = {
        "run_id": run_id,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "interrupted": interrupted,
        "host": {"cpus": os.cpu_count(), "docker": measure.docker("version", "--format",
                                                                    "{{.Server.Version}}")[1]},
        "settings": {"runs": args.runs, "cpu_runs": args.cpu_runs, "rebuilds": args.rebuilds,
                     "installer": args.installer,
                     "added_dependency": inp.ADDED_REQUIREMENT, "cpu_limit_s": CPU_LIMIT_S},
        "inputs": results,
        "cli_cpu": cpu,
        "cleanup_failures": failures,
        "cache_mounts_removed": cleanup.mounts_removed,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(report.render(results, cpu, CPU_LIMIT_S))
    print(f"\nsaved {args.json}")
    for failure in failures:
        print(f"cleanup: {failure}", file=sys.stderr)
    if interrupted:
        return 130
    return 1 if any(r.get("error") for r in results) else 0
