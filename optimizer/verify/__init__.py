"""Prove a rewrite: build the original and the rewritten Dockerfile, run both, compare.

Both sides are built from scratch copies of the context with their files overlaid, so the user's
tree is never written to (the rebuild measurement edits a source file in the copies). Everything
created (containers, images, the network, the scratch directory) carries the run's unique prefix
and is removed in a `finally`, also when the run is interrupted.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer import engine
from optimizer.ports import detect_port, port_from_command
from optimizer.verify import services
from optimizer.verify.build import (
    _copy_context,
    _step_lines,
    base_image,
    pick_touch_file,
)
from optimizer.verify.compare import compare_probes, decide
from optimizer.verify.probes import (
    MAX_BODY,
    PROBE_TIMEOUT,
    container_identities,
    make_probe,
    normalize_body,
    normalize_location,
    probe_host,
    probe_inside,
)
from optimizer.verify.report import (
    DEFAULT_PORT,
    SIZE_TOLERANCE,
    LayerSummary,
    ProbeResult,
    Serving,
    SideReport,
    VerifyOptions,
    VerifyReport,
)
from optimizer.verify.runplan import RunPlan

__all__ = [
    "DEFAULT_PORT",
    "MAX_BODY",
    "PROBE_TIMEOUT",
    "SIZE_TOLERANCE",
    "LayerSummary",
    "ProbeResult",
    "SideReport",
    "VerifyOptions",
    "VerifyReport",
    "base_image",
    "compare_probes",
    "container_identities",
    "decide",
    "detect_port",
    "make_probe",
    "normalize_body",
    "normalize_location",
    "pick_touch_file",
    "port_from_command",
    "probe_host",
    "probe_inside",
    "verify",
]

# How long a server that answers inside its container must keep failing from the host before we
# call it unreachable from the host (docker-proxy may lag the server by a moment).
HOST_GRACE_SECONDS = 3.0

# Things a runtime image does not need; what the rewrite removed is reported, not judged.
SYSTEM_PATHS = [
    "/usr/bin/gcc",
    "/usr/bin/g++",
    "/usr/bin/cc",
    "/usr/bin/make",
    "/usr/bin/git",
    "/usr/include/stdio.h",  # libc6-dev: a sign of a full toolchain
    "/usr/include/postgresql",
    "/usr/include/mysql",
    "/usr/include/mariadb",
    "/usr/include/libxml2",
    "/usr/include/openssl",
    "/root/.cache/pip",
    "/root/.cache/uv",
]
APP_PATHS = [".git", ".env", "node_modules"]
APP_LABEL = "$APP/"  # app-relative paths are keyed by label: each side has its own WORKDIR
# On everything verify creates, so `--cleanup` and the tests find what a run left.
RUN_LABEL = "dj-optimize.run"

# -- the run -------------------------------------------------------------------------------------


@dataclass
class _Run:
    run_id: str
    scratch: Path
    containers: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    kept_images: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)


def verify(
    context: Path,
    before: dict[str, str],
    after: dict[str, str],
    options: VerifyOptions,
    progress: Callable[[str], None] = lambda s: None,
    *,
    dockerfile: str = "Dockerfile",
) -> VerifyReport:
    """Build, run and compare both sides. `before`/`after` map context-relative paths to contents
    that replace the context's files on that side; both must contain `dockerfile`."""
    context = context.resolve()
    for side, files in (("before", before), ("after", after)):
        if dockerfile not in files:
            raise ValueError(f"{side} has no {dockerfile!r} entry")
        for rel in files:
            if Path(rel).is_absolute() or ".." in Path(rel).parts:
                raise ValueError(f"{side}: {rel!r} is not a context-relative path")
    run_id = f"djopt-verify-{secrets.token_hex(4)}"
    run = _Run(run_id, Path(tempfile.mkdtemp(prefix=f"{run_id}-")))
    report = VerifyReport(
        run_id, SideReport(dockerfile=dockerfile), SideReport(dockerfile=dockerfile)
    )
    try:
        _verify(context, before, after, options, progress, dockerfile, run, report)
    finally:
        _cleanup(run, options, report, progress)
    return report


def _verify(
    context: Path,
    before: dict[str, str],
    after: dict[str, str],
    options: VerifyOptions,
    progress: Callable[[str], None],
    dockerfile: str,
    run: _Run,
    report: VerifyReport,
) -> None:
    sides = {"before": (before, report.before), "after": (after, report.after)}
    plan = options.run_plan or RunPlan()
    if options.run_plan is not None:
        report.run_plan = plan.to_dict()
        report.notes.extend(plan.notes)
        # Before any build: a missing service image or no command makes every minute wasted.
        report.inconclusive.extend(plan.blockers)
        report.inconclusive.extend(services.missing_images(plan.services))
        if report.inconclusive:
            report.passed = False  # nothing was built: no build verdicts to give
            return
    roots: dict[str, Path] = {}
    progress("copying the build context")
    for name, (files, _) in sides.items():
        root = run.scratch / name
        _copy_context(context, root)
        for rel, text in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            target.write_text(text, encoding="utf-8")
        roots[name] = root

    touch = options.touch_file or pick_touch_file(context)
    if options.measure_rebuild and touch is None:
        report.notes.append("no Python source file to change: rebuild time not measured")

    for name, (files, side) in sides.items():
        tag = f"{run.run_id}-{name}"
        progress(f"{name}: cold build")
        run.images.append(tag)  # before building: an interrupt may leave a finished image
        if options.keep_images:
            run.kept_images.append(tag)
        result = engine.build(
            roots[name],
            files[dockerfile],
            tag,
            timeout=options.build_timeout,
            dockerfile=dockerfile,
            no_cache=True,
            on_line=_step_lines(name, progress),
        )
        side.build_ok = result.ok
        side.build_log_tail = result.log_tail
        side.cold_build_seconds = round(result.seconds, 2)
        side.image_id = result.image_id
        if not result.ok:
            progress(f"{name}: build failed")
            continue
        if options.measure_rebuild and touch is not None and report.before.build_ok:
            side.rebuild_seconds = _measure_rebuild(
                roots[name], touch, files[dockerfile], f"{tag}-rebuild", dockerfile, options, run
            )
            progress(f"{name}: rebuild after a code change took {side.rebuild_seconds} s")

    if not (report.before.build_ok and report.after.build_ok):
        _finish(report, options)
        return

    port_of: dict[str, int] = {}
    app_dirs: dict[str, str] = {}
    for name, (files, side) in sides.items():
        info = engine.image_info(f"{run.run_id}-{name}")
        side.image_size = info.size
        side.layers = info.layer_count
        side.user = info.user or "root"
        side.base_image = base_image(files[dockerfile])
        base_entries = 0
        if side.base_image == "scratch":
            side.base_size = 0
        elif side.base_image:
            side.base_size = engine.image_size(side.base_image)
            if side.base_size is not None:
                # History is newest first: the base's own entries are the oldest ones.
                base_entries = len(engine.image_info(side.base_image).history)
        side.top_layers = [
            LayerSummary(x.size, x.created_by) for x in info.top_layers(5, base_entries)
        ]
        if side.base_size is not None:
            side.bytes_above_base = info.size - side.base_size
        # The command that really runs: the plan's (compose, --cmd) over the image's.
        run_entrypoint = plan.entrypoint if plan.entrypoint is not None else info.entrypoint
        run_cmd = plan.command if plan.command is not None else (
            None if plan.entrypoint is not None else info.cmd
        )
        port_of[name] = (
            options.port
            or port_from_command((run_entrypoint or []) + (run_cmd or []), {
                **info.env, **plan.env, **options.env
            })
            or plan.port
            or detect_port(
                info.cmd, info.entrypoint, info.exposed_ports,
                {**info.env, **plan.env, **options.env},
            )
        )
        side.port = port_of[name]
        app_dirs[name] = info.working_dir or "/"
        progress(f"{name}: checking leftover build paths")
        side.paths_present = _paths_present(
            f"{run.run_id}-{name}", app_dirs[name], f"{run.run_id}-{name}-paths", run, report
        )

    labels = {RUN_LABEL: run.run_id}
    env = {**plan.env, **options.env}
    networks: dict[str, str] = {}
    service_containers: dict[str, dict[str, Any]] = {}
    statuses: dict[str, list[services.ServiceStatus]] = {}
    for name in sides:
        # One network per side: each side's services are its own, reachable by compose name.
        networks[name] = f"{run.run_id}-{name}-net"
        run.networks.append(networks[name])
        engine.create_network(networks[name], labels)
        if plan.services:
            progress(f"{name}: starting " + ", ".join(s.image for s in plan.services))
        service_containers[name], statuses[name] = services.start(
            plan.services, name, run.run_id, networks[name], labels, run.containers.append
        )
    services_started = time.monotonic()
    services_ready: dict[str, bool] = {}
    for name, (_, side) in sides.items():
        if plan.services:
            progress(f"{name}: waiting for the services")
        services.await_ready(
            plan.services, service_containers[name], statuses[name], services_started
        )
        side.services = [st.to_dict() for st in statuses[name]]
        services_ready[name] = all(st.ready for st in statuses[name])
        for st in statuses[name]:
            if not st.ready:
                last = next((x.strip() for x in reversed(st.log_tail) if x.strip()), "")
                report.notes.append(
                    f"{name}: service {st.name} ({st.image}): {st.error}"
                    + (f"; its log ends: {last[-200:]}" if last else "")
                )
        if plan.pre is not None and services_ready[name]:
            progress(f"{name}: pre-step: {' '.join(plan.pre)}")
            step = services.run_pre(
                f"{run.run_id}-{name}",
                f"{run.run_id}-{name}-pre",
                plan.pre,
                entrypoint=plan.entrypoint,
                env=env,
                network=networks[name],
                labels=labels,
                register=run.containers.append,
            )
            side.pre_step = step.to_dict()
            if not step.ok:
                report.notes.append(
                    f"{name}: the pre-step failed ({step.error or f'exit {step.exit_code}'})"
                )
    if report.before.pre_step and not report.before.pre_step["ok"]:
        tail = (report.before.pre_step.get("log_tail") or [""])[-1]
        report.inconclusive.append(
            "the pre-step fails on the original image too, so nothing was proven"
            + (f": {tail}" if tail else "")
            + " (choose another with --pre, or --pre '' for none)"
        )
    if not services_ready.get("before", True):
        report.inconclusive.append(
            "the original's services did not become ready: nothing was proven"
        )

    progress("starting both containers")
    containers: dict[str, Any] = {}
    started: dict[str, float] = {}
    for name in sides:
        container_name = f"{run.run_id}-{name}-run"
        run.containers.append(container_name)
        try:
            containers[name] = engine.run_container(
                f"{run.run_id}-{name}",
                container_name,
                port=port_of[name],
                env=env,
                network=networks[name],
                command=plan.command,
                entrypoint=plan.entrypoint,
                labels=labels,
            )
        except engine.EngineError as exc:
            # A command that does not exist in the image, say: that side serves nothing.
            sides[name][1].container_log_tail = [str(exc)[-500:]]
            report.notes.append(f"the {name} container did not start: {str(exc)[-200:]}")
            continue
        started[name] = time.monotonic()

    for name, (_, side) in sides.items():
        if name not in containers:
            continue
        progress(f"{name}: waiting for HTTP on port {port_of[name]}")
        side.serving, ready = _await_http(
            containers[name], port_of[name], options, started[name] + options.start_timeout
        )
        if ready is not None:
            side.ready_seconds = round(ready - started[name], 2)
        host = engine.host_port(containers[name], port_of[name])  # reloads the attributes
        # Each side's own names: a page that prints its hostname differs only by the container.
        identities = container_identities(containers[name])
        for path in options.probes:
            if side.serving == "host" and host is not None:
                side.probes.append(probe_host(host, path, options.host_header, identities))
            elif side.serving == "container":
                side.probes.append(
                    probe_inside(
                        containers[name], port_of[name], path, options.host_header, identities
                    )
                )
        if engine.is_running(containers[name]):
            code, output = engine.exec_in(containers[name], ["id", "-u"])
            if code == 0 and output.strip().isdigit():
                side.uid = int(output.strip())

    if not report.before.serves:
        report.notes.append(
            "the original container serves nothing on its port: no responses to compare"
        )
    elif not report.before.reachable_from_host:
        report.notes.append(
            "the original container answers only from inside itself (bound to 127.0.0.1?): "
            "compared through docker exec"
        )

    progress("stopping both containers (SIGTERM)")
    with ThreadPoolExecutor(max_workers=2) as pool:
        stops = {
            name: pool.submit(_stop, containers[name], options.stop_timeout)
            for name in sides
            if name in containers
        }
    for name, (_, side) in sides.items():
        if name not in stops:
            continue
        was_running, exit_code, seconds = stops[name].result()
        side.exit_code = exit_code
        side.stop_seconds = round(seconds, 2) if was_running else None
        if was_running:
            # docker stop sends SIGKILL after the grace period: exit 137 means SIGTERM was ignored.
            side.stopped_on_sigterm = exit_code is not None and exit_code != 137
        if not side.serves or not side.stopped_on_sigterm:
            side.container_log_tail = engine.logs_tail(containers[name])
    _finish(report, options)


def _finish(report: VerifyReport, options: VerifyOptions) -> None:
    before, after = report.before, report.after
    if before.image_size and after.image_size is not None:
        report.size_saving_bytes = before.image_size - after.image_size
        report.size_saving_percent = round(100.0 * report.size_saving_bytes / before.image_size, 1)
        if 0 > report.size_saving_bytes >= -SIZE_TOLERANCE:
            report.notes.append(
                f"the rewritten image is {-report.size_saving_bytes} bytes larger (a user "
                "account and similar metadata): within tolerance"
            )
    if before.bytes_above_base and after.bytes_above_base is not None:
        report.above_base_ratio = round(after.bytes_above_base / before.bytes_above_base, 3)
    if before.paths_present and after.paths_present:
        report.removed_paths = [
            p
            for p, present in before.paths_present.items()
            if present and not after.paths_present.get(p, False)
        ]
        report.added_paths = [
            p
            for p, present in after.paths_present.items()
            if present and not before.paths_present.get(p, False)
        ]
    if before.serves:
        report.probes_equal = compare_probes(before.probes, after.probes)
    report.reasons = decide(before, after, report.probes_equal)
    report.passed = not report.reasons and not report.inconclusive


def _measure_rebuild(
    root: Path,
    touch: str,
    dockerfile_text: str,
    tag: str,
    dockerfile: str,
    options: VerifyOptions,
    run: _Run,
) -> float | None:
    target = root / touch
    if not target.is_file() or target.is_symlink():
        return None
    with target.open("a", encoding="utf-8") as handle:
        # Unique text: a marker seen by an earlier run would hit that run's build cache.
        handle.write(f"\n# dj-optimize rebuild measurement {tag}\n")
    run.images.append(tag)
    result = engine.build(
        root, dockerfile_text, tag, timeout=options.build_timeout, dockerfile=dockerfile
    )
    return round(result.seconds, 2) if result.ok else None


def _paths_present(
    tag: str, app_dir: str, container_name: str, run: _Run, report: VerifyReport
) -> dict[str, bool]:
    labelled = {p: p for p in SYSTEM_PATHS}
    for rel in APP_PATHS:
        labelled[APP_LABEL + rel] = app_dir.rstrip("/") + "/" + rel
    run.containers.append(container_name)
    try:
        found = engine.image_paths_present(tag, list(labelled.values()), name=container_name)
    except engine.EngineError as exc:
        report.notes.append(str(exc))
        return {}
    return {label: found.get(path, False) for label, path in labelled.items()}


def _await_http(
    container: Any, port: int, options: VerifyOptions, deadline: float
) -> tuple[Serving, float | None]:
    """Wait (bounded by `deadline`) until the server answers: on the published port ("host"), or
    only from inside the container ("container"), or not at all ("none")."""
    path = options.probes[0] if options.probes else "/"
    inside_since: float | None = None
    while time.monotonic() < deadline:
        if not engine.is_running(container):
            return "none", None
        host = engine.host_port(container, port)
        if host is not None and probe_host(host, path, options.host_header).answered:
            return "host", time.monotonic()
        if probe_inside(container, port, path, options.host_header).answered:
            now = time.monotonic()
            if inside_since is None:
                inside_since = now
            elif now - inside_since >= HOST_GRACE_SECONDS:
                return "container", inside_since
        time.sleep(0.5)
    return ("container", inside_since) if inside_since is not None else ("none", None)


def _stop(container: Any, timeout: float) -> tuple[bool, int | None, float]:
    was_running = engine.is_running(container)
    code, seconds = engine.stop(container, timeout)
    return was_running, code, seconds


def _cleanup(
    run: _Run, options: VerifyOptions, report: VerifyReport, progress: Callable[[str], None]
) -> None:
    progress("cleaning up")
    images = [t for t in run.images if t not in run.kept_images]
    failures: list[str] = []
    try:
        failures = engine.remove(containers=run.containers, images=images, networks=run.networks)
    except Exception as exc:  # the engine went away: still remove the scratch copy
        failures.append(str(exc))
    shutil.rmtree(run.scratch, ignore_errors=True)
    report.notes.extend(f"cleanup: {failure}" for failure in failures)
    if options.keep_images:
        report.notes.append("kept images: " + ", ".join(run.kept_images))
