"""Prove a rewrite: build the original and the rewritten Dockerfile, run both, compare.

With no baseline (`before` None: `dj-optimize init --verify`, `--baseline none`) only the new
image is built and run, with the same services, pre-step and probes, and the verdict says
whether it builds, starts and answers (`compare.decide_alone`).

Both sides are built from scratch copies of the context with their files overlaid, so the user's
tree is never written to (the rebuild measurement edits a source file in the copies). Everything
created (containers, images, the network, the scratch directory) carries the run's label
(`optimizer.verify.run`) and is removed in a `finally`, also when the run is interrupted by
SIGINT, SIGTERM or SIGHUP; a failed build or a container that does not start is a result, not an
exception. The verdict is pass, fail or inconclusive (`compare.decide`).
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from pathlib import Path
from typing import Any, TypeVar

from docker.errors import DockerException

from optimizer import engine
from optimizer.ports import (
    config_port,
    detect_port,
    port_from_command,
    unix_socket_bind,
    uwsgi_protocol_bind,
)
from optimizer.verify import health, services, workers
from optimizer.verify.build import (
    _copy_context,
    _step_lines,
    base_image,
    changed_stages,
    copied_into_build,
    overlay_files,
    pick_touch_file,
)
from optimizer.verify.compare import (
    add_hint_to_not_serving,
    compare_probes,
    copied_ahead_bytes,
    decide,
    judge_probes,
    missing_file_hint,
    proved_by,
    proves_little,
    size_allowance,
)
from optimizer.verify.probes import (
    ACCEPT,
    JSON_ACCEPT,
    MAX_BODY,
    PROBE_TIMEOUT,
    container_identities,
    make_probe,
    normalize_body,
    normalize_location,
    probe_host,
    probe_inside,
    probe_websocket_host,
)
from optimizer.verify.report import (
    DEFAULT_PORT,
    SIZE_TOLERANCE,
    HealthcheckRun,
    LayerSummary,
    ProbeResult,
    Reason,
    Serving,
    SideReport,
    VerifyOptions,
    VerifyReport,
)
from optimizer.verify.run import Run
from optimizer.verify.runplan import WEBSOCKET_PROBE, RunPlan, command_scripts
from transforms.bytecode import BYTECODE_START

__all__ = [
    "DEFAULT_PORT",
    "MAX_BODY",
    "PROBE_TIMEOUT",
    "SIZE_TOLERANCE",
    "LayerSummary",
    "ProbeResult",
    "Reason",
    "Run",
    "SideReport",
    "VerifyOptions",
    "VerifyReport",
    "base_image",
    "compare_probes",
    "container_identities",
    "decide",
    "detect_port",
    "judge_probes",
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
# More time for a side that does not answer yet when the other side already does (a slow
# start on a busy machine is not "does not answer").
LATE_START_SECONDS = 30.0
# Log lines of a start still under way at the end of the wait: the command's own migrate
# (`Applying app.0001_initial... OK`), the system checks, a server that has just said it
# listens. A side whose last lines are these gets LATE_START_SECONDS more even when no side
# answered: NathanMartinezC/django-celery-tdd's `migrate && runserver` printed "Starting
# ASGI/Channels version 3.0.4 development server" 78 s after start on a busy machine, both
# sides alike, and verify said neither answered.
STARTING_LINE = re.compile(
    r"Applying \S+\.\S+\.\.\.|Running migrations:|Operations to perform:|"
    r"Performing system checks|Watching for file changes|Starting (?:ASGI/Channels )?"
    r"(?:version \S+ )?development server|Quit the server with|Listening at: |"
    r"Booting worker|Uvicorn running on|Waiting for application startup|"
    r"static files? copied|Collecting static files"
)
STARTING_TAIL = 15

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
RUN_LABEL = engine.RUN_LABEL

NO_ENGINE = (
    "no container engine answers: start Docker (`docker info` must work); nothing was proven"
)


def verify(
    context: Path,
    before: Mapping[str, str | None] | None,
    after: Mapping[str, str | None],
    options: VerifyOptions,
    progress: Callable[[str], None] = lambda s: None,
    *,
    dockerfile: str = "Dockerfile",
    dockerfile_outside: bool = False,
) -> VerifyReport:
    """Build, run and compare both sides. `before`/`after` map context-relative paths to contents
    that replace the context's files on that side (None: the file is absent on that side); both
    must contain `dockerfile`; `before` None: no baseline, only `after` is built and run. With
    `dockerfile_outside`, the Dockerfile lives outside the context (`-f ../deploy/Dockerfile`):
    each side's is written next to, not into, its copy.

    Never raises for what the engine, a build or a container does: the report says it. An
    interrupt (SIGINT, SIGTERM, SIGHUP) ends the run inconclusive after cleanup."""
    context = context.resolve()
    for side, files in (("before", before), ("after", after)):
        if files is None:
            continue
        if files.get(dockerfile) is None:
            raise ValueError(f"{side} has no {dockerfile!r} entry")
        for rel in files:
            if Path(rel).is_absolute() or ".." in Path(rel).parts:
                raise ValueError(f"{side}: {rel!r} is not a context-relative path")
    report = VerifyReport(
        "",
        SideReport(dockerfile=dockerfile) if before is not None else None,
        SideReport(dockerfile=dockerfile),
    )
    # The phase the run is in, for an interrupted run's report: a build that hangs on a wedged
    # engine until the user's (or a CI job's) timeout is told apart from a slow start.
    phase = ["starting"]
    shown = progress
    run: Run | None = None

    def track(line: str) -> None:
        # Frozen at the first interrupt: what follows (a second Ctrl-C's "still cleaning up",
        # the aborted build's last words) is not where the run was.
        if run is None or run.interrupted_by is None:
            phase[0] = line
        shown(line)

    progress = track
    progress("checking the container engine")
    if not engine.engine_available():
        report.set_verdict("inconclusive", [Reason(NO_ENGINE)])
        report.cleaned_up = True
        return report
    run = Run.create()
    report.run_id = run.run_id
    progress(f"run {run.run_id}: everything it creates is labelled {engine.RUN_LABEL}={run.run_id}")
    engine_failure = ""
    interrupted_at = ""
    with run.signals(progress):
        try:
            _verify(
                context,
                before,
                after,
                options,
                progress,
                dockerfile,
                dockerfile_outside,
                run,
                report,
            )
        except KeyboardInterrupt:
            report.interrupted_by = run.interrupted_by or "SIGINT"
            interrupted_at = phase[0]
        except (engine.EngineError, DockerException, OSError) as exc:
            # The engine refused or went away mid-run (requests' errors are OSErrors), or a
            # file of the context could not be copied: a result, not a traceback.
            engine_failure = f"verify stopped: {type(exc).__name__}: {str(exc)[-300:]}"
        finally:
            run.shielded = True  # a signal now only counts: cleanup must finish
            _cleanup(run, options, report, progress)
    if engine_failure:
        report.set_verdict("inconclusive", [Reason(f"{engine_failure}; nothing was proven")])
    if report.interrupted_by:
        report.set_verdict(
            "inconclusive",
            [
                Reason(
                    f"interrupted by {report.interrupted_by}: nothing was proven",
                    [f"it was at: {interrupted_at}"],
                )
            ],
        )
    return report


def _changes_not_built(
    before: Mapping[str, str | None],
    after: Mapping[str, str | None],
    dockerfile: str,
    plan: RunPlan,
    report: VerifyReport,
) -> None:
    """The rewrite's Dockerfile changes in stages the build does not run. A compose service
    that builds `target: development` while the rewrite changed only the `production` stage
    (arhebs/django-celery-payouts) ran the same steps on both sides: verify passed and checked
    nothing of the change. None of the change built: inconclusive; part of it: a note."""
    inside, outside = changed_stages(
        before.get(dockerfile), after.get(dockerfile), plan.build_target
    )
    if not outside:
        return
    which = (
        f"target {plan.build_target!r} (as the compose file builds it)"
        if plan.build_target
        else "the final stage"
    )
    names = ", ".join(repr(n) for n in outside)
    stages = "stage" if len(outside) == 1 else "stages"
    if inside:
        report.notes.append(
            f"the rewrite also changed {stages} {names}, which a build of {which} does not "
            "run: verify did not check that change"
        )
        return
    others = sorted(
        name for name in set(before) | set(after)
        if name != dockerfile and before.get(name) != after.get(name)
    )
    # A changed file the built stages copy (an entrypoint script the rewrite made `exec` its
    # server) is in the image both sides run: that change is checked, the Dockerfile's is not.
    # The .dockerignore only says what the context holds.
    copied = [
        name for name in others
        if not name.endswith(".dockerignore")
        and copied_into_build(after.get(dockerfile), plan.build_target, name)
    ]
    if copied:
        report.notes.append(
            f"the rewrite changed only {stages} {names} of {dockerfile}, which a build of "
            f"{which} does not run: verify did not check that change; it checked the change "
            f"to {', '.join(copied)}, which the build copies"
        )
        return
    report.inconclusive.append(
        f"the rewrite changed only {stages} {names} of {dockerfile}, which a build of {which} "
        "does not run: both sides build the same steps, so nothing of the Dockerfile's change "
        "was checked"
        + (f" (only the change to {', '.join(others)})" if others else "")
    )


def _side_dockerfile(run: Run, name: str, dockerfile: str, outside: bool) -> Path | None:
    # Outside the context: beside the copy, so `-f` points outside the context as the user's does.
    return run.scratch / f"{name}-dockerfile" / Path(dockerfile).name if outside else None


def _verify(
    context: Path,
    before: Mapping[str, str | None] | None,
    after: Mapping[str, str | None],
    options: VerifyOptions,
    progress: Callable[[str], None],
    dockerfile: str,
    dockerfile_outside: bool,
    run: Run,
    report: VerifyReport,
) -> None:
    sides: dict[str, tuple[Mapping[str, str | None], SideReport]] = {}
    if before is not None and report.before is not None:
        sides["before"] = (before, report.before)
    sides["after"] = (after, report.after)
    # The side whose failing services make the run inconclusive: the original, or with no
    # baseline the one image.
    reference = next(iter(sides))
    both = "both containers" if len(sides) == 2 else "the container"
    # What progress and notes call each side: with no baseline, "after" of nothing is "image".
    label = {"before": "before", "after": "after" if len(sides) == 2 else "image"}
    plan = options.run_plan or RunPlan()
    if options.run_plan is not None:
        report.run_plan = plan.to_dict()
        report.notes.extend(plan.notes)
        # Before any build: a missing service image or no command makes every minute wasted.
        report.inconclusive.extend(plan.blockers)
        report.inconclusive.extend(services.missing_images(plan.services))
        if report.inconclusive:
            # Nothing was built: these are the verdict's reasons (the report must say why).
            report.set_verdict("inconclusive", [Reason(text) for text in report.inconclusive])
            return
    if before is not None:
        _changes_not_built(before, after, dockerfile, plan, report)
    roots: dict[str, Path] = {}
    progress("copying the build context")
    for name, (files, _) in sides.items():
        root = run.scratch / name
        _copy_context(context, root)
        # None: absent on this side (a baseline without .dockerignore).
        overlay_files(root, files, dockerfile if dockerfile_outside else None)
        roots[name] = root

    touch = options.touch_file or pick_touch_file(context)
    if options.measure_rebuild and touch is None:
        report.notes.append("no Python source file to change: rebuild time not measured")

    for name, (files, side) in sides.items():
        tag = run.track_image(run.name(name), keep=options.keep_images)
        text = files[dockerfile] or ""
        cold = "cold build (--no-cache)" if options.cold_build else "build"
        progress(f"{label[name]}: {cold}")

        def build_side(no_cache: bool, name: str = name, text: str = text, tag: str = tag) -> Any:
            return engine.build(
                roots[name],
                text,
                tag,
                timeout=options.build_timeout,
                dockerfile=dockerfile,
                dockerfile_path=_side_dockerfile(run, name, dockerfile, dockerfile_outside),
                no_cache=no_cache,
                on_line=_step_lines(label[name], progress),
                labels=run.labels,
                builder=options.builder,
                iidfile=run.scratch / f"{name}.iid",
                build_args=plan.build_args,
                target=plan.build_target,
            )

        result = build_side(options.cold_build)
        if retry_worthy(result):
            # A RUN step can fail by chance: Dmitriy-Bychkov/LMS_DRF's `poetry install`
            # downgrades `packaging` in its own environment while it builds an sdist that
            # imports it, and fails one cold build in two or three on either side; verify
            # blamed the rewrite. Once more, from the cache of the steps that passed.
            first = result
            progress(f"{label[name]}: build failed at {first.failed_step}; building once more")
            result = build_side(False)
            side.build_attempts = 2
            said = next(iter(first.step_errors or first.errors), "")
            if result.ok:
                report.notes.append(
                    f"{label[name]}: the first build failed at {first.failed_step}"
                    + (f" ({said[:200]})" if said else "")
                    + "; the same build passed the second time: that step fails by chance "
                    "(a race or a download), not every time"
                )
        side.build_tried = True
        side.build_ok = result.ok
        side.build_log_tail = result.log_tail
        side.build_failed_step = result.failed_step
        side.build_step_tail = result.step_tail
        side.build_step_errors = result.step_errors
        side.build_errors = result.errors
        side.cold_build_seconds = (
            round(result.seconds, 2)
            if options.cold_build and side.build_attempts == 1
            else None  # a second try reuses the first's cache: no cold build time
        )
        side.image_id = result.image_id
        if not result.ok:
            where = f" at {result.failed_step}" if result.failed_step else ""
            progress(f"{label[name]}: build failed{where}")
            if name == "before":
                # Nothing can be proven without the original: do not spend minutes on the rest.
                report.notes.append("the rewritten Dockerfile was not built: the original failed")
                _finish(report, options, context)
                return
            continue
        if options.measure_rebuild and touch is not None and sides[reference][1].build_ok:
            side.rebuild_seconds = _measure_rebuild(
                roots[name],
                touch,
                text,
                run.name(f"{name}-rebuild"),
                dockerfile,
                _side_dockerfile(run, name, dockerfile, dockerfile_outside),
                options,
                run,
                plan,
            )
            progress(f"{label[name]}: rebuild after a code change took {side.rebuild_seconds} s")

    if not all(side.build_ok for _, side in sides.values()):
        _finish(report, options, context)
        return

    port_of: dict[str, int] = {}
    app_dirs: dict[str, str] = {}
    # The healthcheck each side's container runs: the compose service's, else the image's.
    health_of: dict[str, tuple[str, list[str]] | None] = {}
    for name, (files, side) in sides.items():
        info = engine.image_info(run.name(name))
        side.image_size = info.size
        side.stdlib_bytecode_bytes = sum(
            layer.size for layer in info.history if BYTECODE_START in layer.created_by
        )
        if name == "after" and "before" in sides:
            side.copied_ahead_bytes = copied_ahead_bytes(
                sides["before"][0].get(dockerfile) or "", files[dockerfile] or "", roots[name]
            )
        side.layers = info.layer_count
        side.user = info.user or "root"
        side.stop_signal = info.stop_signal or None
        side.base_image = base_image(files[dockerfile] or "")
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
        run_env = {**info.env, **plan.env, **options.env}
        read = _context_reader(roots[name], info.working_dir or "/")
        port_of[name] = _probe_port(
            options.port, plan.port, info, run_entrypoint, run_cmd, run_env, read
        )
        side.port = port_of[name]
        run_argv = (run_entrypoint or []) + (run_cmd or [])
        if not options.port and not plan.port:
            side.unix_socket = _bind_in_command_or_scripts(
                unix_socket_bind, run_argv, run_env, read, roots[name], files[dockerfile] or ""
            )
        uwsgi_protocol = _bind_in_command_or_scripts(
            uwsgi_protocol_bind, run_argv, run_env, read, roots[name], files[dockerfile] or ""
        )
        if uwsgi_protocol is not None:
            side.uwsgi_protocol, side.uwsgi_protocol_port = uwsgi_protocol
        app_dirs[name] = info.working_dir or "/"
        health_of[name] = health.declared(
            info.healthcheck,
            list(plan.app_healthcheck) if plan.app_healthcheck else None,
            plan.app_healthcheck_source,
        )
        progress(f"{label[name]}: checking leftover build paths")
        side.paths_present = _paths_present(
            run.name(name), app_dirs[name], run.name(f"{name}-paths"), run, report
        )
        if "before" in sides and compiles_dependencies(
            sides["before"][0].get(dockerfile) or "", sides["after"][0].get(dockerfile) or ""
        ):
            progress(f"{label[name]}: measuring the dependencies' bytecode")
            run.track_container(run.name(f"{name}-pyc"))
            side.dependency_bytecode_bytes = engine.image_site_bytecode(
                run.name(name), name=run.name(f"{name}-pyc"), labels=run.labels
            ) or 0

    labels = run.labels
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
            progress(f"{label[name]}: starting " + ", ".join(s.image for s in plan.services))
        service_containers[name], statuses[name] = services.start(
            plan.services, name, run.run_id, networks[name], labels, run.containers.append
        )
    services_ready = _await_services_then_pre(
        sides, plan, service_containers, statuses, report, label, run, env, networks, labels,
        progress,
    )
    # A pre-step that fails on the original makes the verdict inconclusive: `decide` says so,
    # with the step's last lines (listed here too, the reason was given twice).
    if not services_ready.get(reference, True):
        whose = "the original's" if reference == "before" else "the"
        report.inconclusive.append(
            f"{whose} services did not become ready ("
            + "; ".join(services_unready(st) for st in statuses[reference] if not st.ready)
            + "): nothing was proven"
        )

    # One-shot services the app waits for (`condition: service_completed_successfully`, a
    # `migrate` service) run to completion first, as compose runs them.
    worker_containers: dict[str, dict[str, Any]] = {}
    worker_runs: dict[str, list[workers.WorkerRun]] = {}
    first = tuple(w for w in plan.workers if w.first)
    if first:
        first_containers: dict[str, dict[str, Any]] = {}
        for name in sides:
            progress(f"{label[name]}: running " + ", ".join(w.name for w in first) + " first")
            first_containers[name], worker_runs[name] = workers.start(
                first, run.name(name), name, run.run_id, networks[name], options.env, labels,
                run.track_container,
            )
        workers.run_first(first_containers, worker_runs)
        for name, by_name in first_containers.items():
            worker_containers.setdefault(name, {}).update(by_name)

    progress(f"starting {both}")
    containers: dict[str, Any] = {}
    started: dict[str, float] = {}
    for name, (_, side) in sides.items():
        container_name = run.track_container(run.name(f"{name}-run"))
        try:
            containers[name] = engine.run_container(
                run.name(name),
                container_name,
                port=port_of[name],
                env=env,
                network=networks[name],
                command=plan.command,
                entrypoint=plan.entrypoint,
                labels=run.labels,
                working_dir=plan.working_dir,
            )
        except engine.EngineError as exc:
            # A command that does not exist in the image, say: that side serves nothing.
            side.started = False
            side.start_error = str(exc)[-500:]
            progress(f"{label[name]}: the container did not start")
            continue
        side.started = True
        started[name] = time.monotonic()

    # The workers (celery worker, beat) run beside the app from the same image, with the same
    # services; started now so their watch overlaps the wait for HTTP.
    beside = tuple(w for w in plan.workers if not w.first)
    beside_containers: dict[str, dict[str, Any]] = {}
    beside_runs: dict[str, list[workers.WorkerRun]] = {}
    workers_started = time.monotonic()
    if beside:
        for name in sides:
            if name not in containers:
                continue
            progress(f"{label[name]}: starting " + ", ".join(w.name for w in beside))
            beside_containers[name], beside_runs[name] = workers.start(
                beside,
                run.name(name),
                name,
                run.run_id,
                networks[name],
                options.env,
                labels,
                run.track_container,
            )
        workers_started = time.monotonic()

    probers: dict[str, Callable[..., ProbeResult | None]] = {}
    # Both sides are waited for at once: one after the other, a slow original that took the
    # whole window left the rewrite's wait past its deadline before it began, and the rewrite,
    # listening by then, was never asked (Kelvich322/test_task_django-celery: FAIL, "does not
    # answer HTTP", its log `Listening at: http://0.0.0.0:8000`).
    for name in sides:
        if name in containers:
            progress(
                f"{label[name]}: waiting for HTTP on port {port_of[name]} "
                f"(up to {options.start_timeout:.0f} s after start)"
            )
    waits = _await_sides(containers, port_of, started, options)
    for name, (_, side) in sides.items():
        if name not in containers:
            continue
        side.serving, ready = waits[name]
        if ready is not None:
            side.ready_seconds = round(ready - started[name], 2)
            if side.ready_seconds > options.start_timeout:
                report.notes.append(
                    f"{label[name]}: answered only {side.ready_seconds:.0f} s after start, past "
                    f"the {options.start_timeout:.0f} s wait: given up to "
                    f"{LATE_START_SECONDS:.0f} s more because the other side answered or its "
                    "log showed the start under way (migrations, the server starting): a busy "
                    "machine, or this image starts slower: compare the first response times"
                )
        host = engine.host_port(containers[name], port_of[name])  # reloads the attributes
        # Each side's own names: a page that prints its hostname differs only by the container.
        identities = container_identities(containers[name])
        probe = probers[name] = _prober(
            containers[name], port_of[name], side.serving, host, options.host_header, identities
        )
        for path in options.probes:
            if path.startswith(WEBSOCKET_PROBE):
                # The handshake goes through the published port only; from inside the
                # container there is no client for it in every image.
                if side.serving == "host" and host is not None:
                    side.probes.append(probe_websocket_host(host, path, options.host_header))
                else:
                    side.probes.append(ProbeResult(
                        path=path, error="websocket handshake not tried: no published port"
                    ))
            elif (result := probe(path)) is not None:
                side.probes.append(result)
        declared = health_of.get(name)
        if declared is not None:
            source, test = declared
            if side.serves and engine.is_running(containers[name]):
                progress(f"{label[name]}: running its healthcheck: {health.display(test)}")
                side.healthcheck = health.run(containers[name], source, test)
            else:
                side.healthcheck = HealthcheckRun(source, test)  # not run: nothing serves
        if engine.is_running(containers[name]):
            code, output = engine.exec_in(containers[name], ["id", "-u"])
            if code == 0 and output.strip().isdigit():
                side.uid = int(output.strip())

    _retry_as_json({name: sides[name][1] for name in probers}, probers, report, progress)
    if report.before is not None:
        note = slower_start_note(
            report.before.ready_seconds, report.after.ready_seconds,
            before.get(dockerfile) if before is not None else None, after.get(dockerfile),
        )
        if note is not None:
            report.notes.append(note)
    _ask_original_again({name: sides[name][1] for name in probers}, probers, progress)

    if beside_runs:
        progress(
            f"watching {', '.join(w.name for w in beside)} "
            f"(up to {workers.watch_seconds(beside_runs):.0f} s after start)"
        )
        workers.watch(beside_containers, beside_runs, workers_started)
        for name, by_name in beside_containers.items():
            worker_containers.setdefault(name, {}).update(by_name)
        for name, runs in beside_runs.items():
            worker_runs.setdefault(name, []).extend(runs)
    if worker_runs:
        for name, runs in worker_runs.items():
            sides[name][1].workers = [w.to_dict() for w in runs]
        workers.stop(worker_containers)

    if report.before is None:
        pass  # no original: decide_alone says what the one container did
    elif not report.before.serves:
        report.notes.append(
            "the original container serves nothing on its port: no responses to compare"
        )
    elif not report.before.reachable_from_host:
        report.notes.append(
            "the original container answers only from inside itself (bound to 127.0.0.1?): "
            "compared through docker exec"
        )

    signal_of = {name: sides[name][1].stop_signal or "SIGTERM" for name in containers}
    progress(f"stopping {both} (docker stop)")
    with ThreadPoolExecutor(max_workers=2) as pool:
        stops = {
            name: pool.submit(_stop, containers[name], options.stop_timeout)
            for name in sides
            if name in containers
        }
        # Say why a wait is long: a process that ignores its stop signal makes docker stop
        # wait the whole grace period before SIGKILL.
        waited = wait_futures(list(stops.values()), timeout=LONG_STOP_SECONDS)
        for name, future in stops.items():
            if future in waited.not_done:
                who = {"before": "the original", "after": "the rewrite", "image": "it"}[
                    label[name]
                ]
                progress(
                    f"{label[name]}: {who} is still running {LONG_STOP_SECONDS:.0f} s after "
                    f"{signal_of[name]}: it ignores it, so docker stop waits "
                    f"{options.stop_timeout:.0f} s before SIGKILL"
                )
    for name, (_, side) in sides.items():
        if name not in stops:
            continue
        was_running, exit_code, seconds = stops[name].result()
        side.exit_code = exit_code
        side.stop_seconds = round(seconds, 2) if was_running else None
        if was_running:
            # docker stop sends SIGKILL after the grace period: exit 137 means the stop signal
            # was ignored.
            side.stopped_on_sigterm = exit_code is not None and exit_code != 137
        side.container_log_tail = engine.logs_tail(containers[name])
    _finish(report, options, context)


LONG_STOP_SECONDS = 3.0
T = TypeVar("T")


def _prober(
    container: Any,
    port: int,
    serving: Serving,
    host: int | None,
    host_header: str,
    identities: list[str],
) -> Callable[..., ProbeResult | None]:
    """How one side is probed: through its published port when it answers there, else with
    docker exec from inside; None when it serves nothing."""

    def probe(path: str, accept: str = ACCEPT) -> ProbeResult | None:
        if serving == "host" and host is not None:
            return probe_host(host, path, host_header, identities, accept)
        if serving == "container":
            return probe_inside(container, port, path, host_header, identities, accept)
        return None

    return probe


def _retry_as_json(
    sides: dict[str, SideReport],
    probers: dict[str, Callable[..., ProbeResult | None]],
    report: VerifyReport,
    progress: Callable[[str], None],
) -> None:
    """Ask each path that answered the same 5xx on every side that ran again, with `Accept:
    application/json`, on every side; the answers are compared (and judged) as probes of
    their own, `probe_name(path)`. A REST framework API whose browsable renderer is broken
    answers 500 to the browser's Accept on both sides, and its views, database and all, were
    never reached (CityShop, round 13: the pass rested on /admin/login/ alone)."""
    if not sides or not all(side.serves for side in sides.values()):
        return
    by_side = {name: {p.path: p for p in side.probes} for name, side in sides.items()}
    first = next(iter(sides.values()))
    retried: list[str] = []
    for probe in list(first.probes):
        if probe.path.startswith(WEBSOCKET_PROBE) or (probe.status or 0) < 500:
            continue
        if any(
            (other := by_side[name].get(probe.path)) is None or other.status != probe.status
            for name in sides
        ):
            continue
        for name, side in sides.items():
            result = probers[name](probe.path, JSON_ACCEPT)
            if result is not None:
                side.probes.append(result)
        retried.append(f"GET {probe.path} ({probe.status})")
    if retried:
        alike = "on both sides" if len(sides) == 2 else "to a browser's Accept"
        progress("asked again with Accept: application/json: " + ", ".join(retried))
        report.notes.append(
            f"{', '.join(retried)} answered the same server error {alike}; asked again with "
            f"`Accept: {JSON_ACCEPT}` (a JSON API's browsable HTML renderer may fail where its "
            "views do not): compared as their own probes"
        )


def _ask_original_again(
    sides: dict[str, SideReport],
    probers: dict[str, Callable[..., ProbeResult | None]],
    progress: Callable[[str], None],
) -> None:
    """Ask the original again for each page that answered the same success on both sides with
    different bodies: one whose second answer differs from its first changes on every request
    and is marked `unstable` (judged as proving little), not taken for a break. Despair-17/
    YourBlog's /contact/ carries a django-simple-captcha key, new on every request: its bodies
    differed at the key on every run."""
    if set(sides) != {"before", "after"} or not all(side.serves for side in sides.values()):
        return
    after = {p.path: p for p in sides["after"].probes}
    asked: list[str] = []
    for probe in sides["before"].probes:
        other = after.get(probe.path)
        if (
            probe.path.startswith(WEBSOCKET_PROBE)
            or other is None
            or not probe.answered
            or probe.status != other.status
            or (probe.status or 0) >= 400
            or probe.key() == other.key()
            or probe.path != probe.path.split(" (Accept: ", 1)[0]
        ):
            continue
        again = probers["before"](probe.path)
        asked.append(probe.path)
        if again is not None and again.answered and again.key() != probe.key():
            probe.unstable = True
    if asked:
        progress("asked the original again: " + ", ".join(f"GET {p}" for p in asked))


def services_unready(status: services.ServiceStatus) -> str:
    """Which service did not become ready, and why: its error and its log's last line (the
    cause a user acts on, e.g. `Set POSTGRES_PASSWORD`)."""
    last = next((x.strip() for x in reversed(status.log_tail) if x.strip()), "")
    return f"service {status.name} ({status.image}): {status.error}" + (
        f"; its log ends: {last[-200:]}" if last else ""
    )


def _finish(report: VerifyReport, options: VerifyOptions, context: Path | None = None) -> None:
    before, after = report.before, report.after
    report.notes += health.notes(before, after)
    report.notes += (
        workers.judge(before, after)[1] if before is not None else workers.judge_alone(after)[1]
    )
    if before is None:
        report.probe_verdicts = judge_probes(None, after.probes)
        report.set_verdict(*decide(None, after, report.probe_verdicts))
        _inconclusive_wins(report)
        _add_template_hint(report, options)
        return
    if before.image_size and after.image_size is not None:
        report.size_saving_bytes = before.image_size - after.image_size
        report.size_saving_percent = round(100.0 * report.size_saving_bytes / before.image_size, 1)
        after_side = report.after
        ahead = after_side.copied_ahead_bytes if after_side else 0
        allowed = size_allowance(before, after_side) if after_side else 0
        bytecode = allowed - ahead
        if 0 > report.size_saving_bytes >= -(SIZE_TOLERANCE + allowed):
            report.notes.append(
                f"the rewritten image is {-report.size_saving_bytes} bytes larger ("
                + (f"{bytecode} bytes of standard-library and dependency bytecode compiled "
                   "at build time, so that no start compiles it; " if bytecode else "")
                + (f"{ahead} bytes of manifests copied ahead of the install, which the source "
                   "copy brings again: the price of the install's cached layer; "
                   if ahead else "")
                + "a user account and similar metadata): within tolerance"
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
        report.probe_verdicts = judge_probes(before.probes, after.probes)
    verdict, reasons = decide(before, after, report.probe_verdicts)
    if options.run_plan is not None:
        add_hint_to_not_serving(reasons, before, options.run_plan.mount_hint())
    template = missing_file_hint(before, context) if context is not None else None
    if template and reasons:
        reasons[0].cause.append(template)
    report.set_verdict(verdict, reasons)
    if verdict != "inconclusive":  # an inconclusive verdict lists them among its reasons
        for probe in before.probes:
            if report.probe_verdicts.get(probe.path) == "proves-little":
                report.notes.append(f"GET {probe.path}: {proves_little(probe)}")
    if verdict == "pass":
        # What the pass rests on: the notes above say which probes proved little.
        report.notes += proved_by(before.probes, report.probe_verdicts)
    _inconclusive_wins(report)
    _add_template_hint(report, options)


def _add_template_hint(report: VerifyReport, options: VerifyOptions) -> None:
    """When nothing ran as it should and the environment came from a committed template
    with empty values, say so under the first reason: the template is a form to fill in. The
    same for a database/redis host no container under verify reaches (host.docker.internal,
    localhost): named with the variable or setting that holds it."""
    plan = options.run_plan
    hints = (
        (plan.template_hint(), plan.compose_blank_hint(), plan.unreachable_hint)
        if plan is not None
        else ()
    )
    for hint in hints:
        _add_hint(report, hint)
    if plan is not None:
        _add_hint(report, missing_setting_hint(report, plan) or empty_env_file_hint(plan))
        _add_hint(report, refused_host_hint(report, plan))


def refused_host_hint(report: VerifyReport, plan: RunPlan) -> str | None:
    """The plan's word on ALLOWED_HOSTS refusing verify's Host header, when the original
    answered a probe 400: Django's plain "Bad Request (400)" (DEBUG off) names no setting, and
    the verdict said only that both sides answer the same error."""
    side = report.before if report.before is not None else report.after
    if plan.refused_host_hint is None or not any(p.status == 400 for p in side.probes):
        return None
    return plan.refused_host_hint


# A setting read from the environment with no default that nothing set: python-decouple's
# and django-environ's errors name the variable; `os.environ["X"]` names it in a KeyError.
_UNSET_SETTING = re.compile(
    r"UndefinedValueError: (\w+) not found\b"
    r"|ImproperlyConfigured: Set the (\w+) environment variable"
)
_ENVIRON_KEY = re.compile(r"^KeyError: '(\w+)'$")
_EMPTY_ENV_FILE = re.compile(r"^env file (\S+) not found: read as empty$")


def missing_setting_hint(report: VerifyReport, plan: RunPlan) -> str | None:
    """When the original stopped on a setting its environment does not set, name it and the
    fix. saeed-payvandi/django-celery: compose's `env_file: eshop/.env` is not committed and
    has no template, `DEBUG = config('DEBUG', cast=bool)` has no default, and the verdict said
    only that the original does not answer."""
    side = report.before if report.before is not None else report.after
    lines = list(side.container_log_tail)
    if side.pre_step:
        lines += list(side.pre_step.get("log_tail") or [])
    names: list[str] = []
    for n, line in enumerate(lines):
        text = line.strip()
        found = _UNSET_SETTING.search(text)
        name = (found.group(1) or found.group(2)) if found else None
        keyed = _ENVIRON_KEY.match(text)
        if name is None and keyed and any("environ[" in x for x in lines[max(0, n - 6):n]):
            name = keyed.group(1)
        if name and name not in names and name not in plan.env:
            names.append(name)
    if not names:
        return None
    shown = ", ".join(names)
    env = " ".join(f"--env {name}=..." for name in names)
    files = [m.group(1) for note in plan.notes if (m := _EMPTY_ENV_FILE.match(note))]
    where = (
        f"the compose file's env file {' and '.join(files)} is not in the project and has no "
        f"template to read in its place: write {shown} there, or give `{env}`"
        if files
        else f"give `{env}` (or --env-file)"
    )
    return f"the settings stop on {shown}, which nothing sets here: {where}"


def empty_env_file_hint(plan: RunPlan) -> str | None:
    """When the original did not run and an env file the compose file reads is neither in
    the project nor has a template, say so under the first reason, with what is empty here.
    PeymanNr/order-management (`SECRET_KEY=${SECRET_KEY}` from `.env`: Django's "The
    SECRET_KEY setting must not be empty") and Nits-007/ExpenseTrackerBackend (db and app
    read `.env`: Postgres's "Set POSTGRES_PASSWORD") said it only under "how it ran"."""
    files = [m.group(1) for note in plan.notes if (m := _EMPTY_ENV_FILE.match(note))]
    if not files:
        return None
    empty = [k for k, v in plan.env.items() if not v.strip()]
    for spec in plan.services:
        empty += [k for k, v in spec.environment.items() if not v.strip() and k not in empty]
    shown = ", ".join(empty[:8]) + (f" and {len(empty) - 8} more" if len(empty) > 8 else "")
    also = f" (empty here: {shown})" if empty else ""
    return (
        f"the compose file's env file {' and '.join(files)} is not in the project and has no "
        f"template to read in its place: it was read as empty{also}; write it, as the "
        "project's README or settings expect, before verifying"
    )


def _add_hint(report: VerifyReport, hint: str | None) -> None:
    if hint is None or report.verdict == "pass" or not report.verdict_reasons:
        return
    if report.before is not None and report.verdict != "inconclusive":
        return  # the original ran with these values: they do not explain a broken rewrite
    reference = report.before if report.before is not None else report.after
    if not reference.build_ok:
        return  # it never ran: a build does not read the compose environment (orimi)
    report.verdict_reasons[0].cause.append(hint)


def _inconclusive_wins(report: VerifyReport) -> None:
    if report.inconclusive and report.after.build_ok:
        # Nothing could be proven (a service image missing, the original's services or
        # pre-step failing, no command to run): whatever the probes showed, say that.
        reasons = [Reason(text) for text in report.inconclusive]
        report.set_verdict("inconclusive", reasons + list(report.verdict_reasons))


# What a RUN step prints when it fails the same way every time: a C header or compiler the
# image lacks, a Django settings or system-check error, Python that does not parse or import,
# an apt package Debian does not have, a program not installed. A retry only repeats it
# (verify14: django_librest compiled the same failing package twice). Network trouble and
# races (LMS_DRF's FileNotFoundError mid-install) print none of these, and keep their retry.
_FAILS_EVERY_TIME = re.compile(
    r"fatal error: \S+\.h: No such file or directory"
    r"|error: command '[^']*\b(?:gcc|cc|g\+\+|c\+\+|clang)' failed"
    r"|\b(?:ImproperlyConfigured|SystemCheckError|CommandError|SyntaxError|IndentationError"
    r"|ModuleNotFoundError)\b"
    r"|^E: (?:Unable to locate package|Package '[^']+' has no installation candidate)"
    r"|/bin/sh: \d+: \S+: not found"
    # A source build's missing config tool (verify15: psycopg2-binary 2.9.9 has no wheel for
    # 3.13, built from source: "pg_config executable not found", built twice), a package that
    # refuses this Python.
    r"|\bpg_config executable not found|\bmysql_config not found"
    r"|Can not find valid pkg-config name"
    r"|requires a different Python: "
)


def retry_worthy(result: engine.BuildResult) -> bool:
    """A failed build worth one more try: a RUN step failed (not a timeout, a parse error, a
    missing COPY source or base image, which fail the same every time), and not with an error
    that says it would fail again (`_FAILS_EVERY_TIME`)."""
    if result.ok or result.failed_step is None:
        return False
    if any("timed out" in e for e in result.errors):
        return False
    step = result.failed_step.split("] ", 1)[-1]
    if not step.startswith("RUN "):
        return False
    said = [*result.step_errors, *result.errors, *result.step_tail]
    return not any(_FAILS_EVERY_TIME.search(line.strip()) for line in said)


def _measure_rebuild(
    root: Path,
    touch: str,
    dockerfile_text: str,
    tag: str,
    dockerfile: str,
    dockerfile_path: Path | None,
    options: VerifyOptions,
    run: Run,
    plan: RunPlan,
) -> float | None:
    target = root / touch
    if not target.is_file() or target.is_symlink():
        return None
    with target.open("a", encoding="utf-8") as handle:
        # Unique text: a marker seen by an earlier run would hit that run's build cache.
        handle.write(f"\n# dj-optimize rebuild measurement {tag}\n")
    run.track_image(tag)
    result = engine.build(
        root,
        dockerfile_text,
        tag,
        timeout=options.build_timeout,
        dockerfile=dockerfile,
        dockerfile_path=dockerfile_path,
        labels=run.labels,
        builder=options.builder,
        iidfile=run.scratch / f"{tag}.iid",
        build_args=plan.build_args,
        target=plan.build_target,
    )
    return round(result.seconds, 2) if result.ok else None


# What makes an install compile its bytecode (uv's variable and flag, Poetry's flag).
_COMPILES = re.compile(
    r"UV_COMPILE_BYTECODE=1|--compile-bytecode|poetry (?:install|sync)\b[^\n]*--compile"
)


def compiles_dependencies(before_text: str, after_text: str) -> bool:
    """Does the rewrite compile its dependencies' bytecode where the original did not?"""
    return bool(_COMPILES.search(after_text)) and not _COMPILES.search(before_text)


def _paths_present(
    tag: str, app_dir: str, container_name: str, run: Run, report: VerifyReport
) -> dict[str, bool]:
    labelled = {p: p for p in SYSTEM_PATHS}
    for rel in APP_PATHS:
        labelled[APP_LABEL + rel] = app_dir.rstrip("/") + "/" + rel
    run.track_container(container_name)
    try:
        found = engine.image_paths_present(
            tag, list(labelled.values()), name=container_name, labels=run.labels
        )
    except engine.EngineError as exc:
        report.notes.append(str(exc))
        return {}
    return {label: found.get(path, False) for label, path in labelled.items()}


# A rewrite whose first response comes this much later than the original's is named: the
# table showed it, nothing said it (pkhorenyan: 9.2 s -> 18.5 s, Kelvich322: 18.1 -> 22.8 s).
SLOWER_START_FACTOR = 1.5
SLOWER_START_SECONDS = 3.0


def slower_start_note(
    before: float | None, after: float | None, before_text: str | None, after_text: str | None
) -> str | None:
    """A note when the rewrite answered much later after start than the original; with the
    likely cause when the rewrite added PYTHONDONTWRITEBYTECODE: an image without bytecode for
    the standard library, whose process may no longer write it, compiles every import again
    at every start (the original wrote it at its first start, its migrate)."""
    if before is None or after is None:
        return None
    if after < before * SLOWER_START_FACTOR or after - before < SLOWER_START_SECONDS:
        return None
    note = (
        f"the rewrite answered {after:.1f} s after start, the original {before:.1f} s "
        f"({after / before:.1f} times as long): every start of the rewritten image may be "
        "slower; on a busy machine, run verify again"
    )
    added = "PYTHONDONTWRITEBYTECODE" in (after_text or "") and "PYTHONDONTWRITEBYTECODE" not in (
        before_text or ""
    )
    if added:
        note += (
            "; the rewrite sets PYTHONDONTWRITEBYTECODE, so what the image holds no bytecode "
            "for (the slim images' standard library) is compiled again at every start instead "
            "of once"
        )
    return note


def _await_sides(
    containers: Mapping[str, Any],
    port_of: Mapping[str, int],
    started: Mapping[str, float],
    options: VerifyOptions,
) -> dict[str, tuple[Serving, float | None]]:
    """`_await_http` for every side at once, each until its own start + start_timeout. A side
    still running and not answering when another side answered gets LATE_START_SECONDS more:
    on a busy machine both sides of Kelvich322/test_task_django-celery migrated for most of
    the minute, the original answered at 55.6 s, the rewrite logged `Listening at` a few
    seconds later, and verify said it "does not answer HTTP"."""
    with ThreadPoolExecutor(max_workers=max(1, len(containers))) as pool:
        futures = {
            name: pool.submit(
                _await_http, container, port_of[name], options,
                started[name] + options.start_timeout,
            )
            for name, container in containers.items()
        }
        found = {name: future.result() for name, future in futures.items()}
        late = [
            name for name, (serving, _) in found.items()
            if serving == "none"
            and engine.is_running(containers[name])
            and (
                any(other != "none" for other, _ in found.values())
                or still_starting(containers[name])
            )
        ]
        futures = {
            name: pool.submit(
                _await_http, containers[name], port_of[name], options,
                time.monotonic() + LATE_START_SECONDS,
            )
            for name in late
        }
        found.update({name: future.result() for name, future in futures.items()})
    return found


def still_starting(container: Any) -> bool:
    """Whether the container's last log lines show its start under way (STARTING_LINE)."""
    try:
        tail = engine.logs_tail(container, STARTING_TAIL)
    except Exception:  # a log the engine cannot give is no sign of a start
        return False
    return any(STARTING_LINE.search(line) for line in tail)


def _await_http(
    container: Any, port: int, options: VerifyOptions, deadline: float
) -> tuple[Serving, float | None]:
    """Wait (bounded by `deadline`) until the server answers: on the published port ("host"), or
    only from inside the container ("container"), or not at all ("none")."""
    path = options.probes[0] if options.probes else "/"
    inside_since: float | None = None
    first = True
    # Asked at least once, even past the deadline: a server up by then is serving.
    while first or time.monotonic() < deadline:
        first = False
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
    run: Run, options: VerifyOptions, report: VerifyReport, progress: Callable[[str], None]
) -> None:
    # After SIGHUP the terminal may be gone: a failed progress line must not stop the cleanup.
    with contextlib.suppress(Exception):
        progress("cleaning up")
    result = run.cleanup()
    report.cleaned_up = result.removed
    report.left_behind = result.left
    report.notes.extend(f"cleanup: {failure}" for failure in result.failures)
    if options.keep_images:
        report.notes.append("kept images: " + ", ".join(run.kept_images))
    if run.later_signals:
        report.notes.append(
            f"{run.later_signals} more signal(s) arrived while cleaning up: cleanup finished first"
        )


def _probe_port(
    given: int | None,
    compose_port: int | None,
    info: engine.ImageInfo,
    run_entrypoint: list[str] | None,
    run_cmd: list[str] | None,
    env: dict[str, str],
    read: Callable[[str], str | None],
) -> int:
    """The container port to probe: --port, the running command's bind, compose's port, the
    running command's config file (`uwsgi --ini x.ini` with `http = :9000`), then what the
    image's own command and EXPOSE say. The config file used to be read from the image's
    command only: a compose command's was never read (round 13, seen on e-learning-app)."""
    argv = (run_entrypoint or []) + (run_cmd or [])
    return (
        given
        or port_from_command(argv, env)
        or compose_port
        or config_port(argv, env, read)
        or detect_port(info.cmd, info.entrypoint, info.exposed_ports, env, read)
    )


def _bind_in_command_or_scripts(
    find: Callable[[list[str], dict[str, str], Callable[[str], str | None]], T | None],
    argv: list[str],
    env: dict[str, str],
    read: Callable[[str], str | None],
    root: Path,
    dockerfile_text: str,
) -> T | None:
    """What `find` (unix_socket_bind, uwsgi_protocol_bind) says of the command that runs, else
    of the server lines of the context's start scripts it runs: pankoffDaniel/django_librest's
    `ENTRYPOINT ["./docker-entrypoint.sh"]` ends in `exec uwsgi config/uwsgi.ini` (`socket=:8080`),
    and the recipe-app-api courses' `run.sh` in `uwsgi --socket :9000`. None when the command
    or any line of those scripts binds an HTTP port itself (a branch may run runserver)."""
    found = find(argv, env, read)
    if found is not None or port_from_command(argv, env) is not None:
        return found
    lines: list[list[str]] = []
    for script in command_scripts(root, argv, dockerfile_text)[:5]:
        try:
            text = script.read_text(encoding="utf-8", errors="replace")[:100_000]
        except OSError:
            continue
        for line in text.replace("\\\n", " ").splitlines():
            words = line.split()
            if words and not words[0].startswith("#"):
                lines.append(words)
    if any(port_from_command(words, env) is not None for words in lines):
        return None
    return next((f for words in lines if (f := find(words, env, read)) is not None), None)


def _context_reader(root: Path, workdir: str) -> Callable[[str], str | None]:
    """Reads a file the server's command names (`-c config/gunicorn.py`, `--ini uwsgi.ini`)
    from the side's build context: relative to the image's working directory, then the same
    path under the context, then by its name at the context's root. Without it, a port that
    only the config file gives (`bind = "0.0.0.0:8080"`) was missed on a side without EXPOSE,
    and the probe went to 8000."""

    def read(path: str) -> str | None:
        image_path = posixpath.normpath(posixpath.join(workdir, path))
        candidates = [image_path.lstrip("/"), path.lstrip("/"), posixpath.basename(path)]
        if workdir != "/" and image_path.startswith(workdir.rstrip("/") + "/"):
            candidates.insert(0, posixpath.relpath(image_path, workdir))
        for rel in dict.fromkeys(candidates):
            target = (root / rel).resolve()
            if not target.is_relative_to(root.resolve()) or not target.is_file():
                continue
            try:
                return target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None
        return None

    return read


def _await_services_then_pre(
    sides: dict[str, tuple[Any, Any]],
    plan: Any,
    service_containers: dict[str, dict[str, Any]],
    statuses: dict[str, list[services.ServiceStatus]],
    report: Any,
    label: dict[str, str],
    run: Any,
    env: dict[str, str],
    networks: dict[str, str],
    labels: dict[str, str],
    progress: Callable[[str], None],
) -> dict[str, bool]:
    """Wait for each side's services, then run each side's pre-step: which sides' services
    became ready."""
    services_started = time.monotonic()
    services_ready: dict[str, bool] = {}
    for name, (_, side) in sides.items():
        if plan.services:
            progress(f"{label[name]}: waiting for the services")
        services.await_ready(
            plan.services, service_containers[name], statuses[name], services_started
        )
        side.services = [st.to_dict() for st in statuses[name]]
        services_ready[name] = all(st.ready for st in statuses[name])
        for st in statuses[name]:
            if not st.ready:
                report.notes.append(f"{label[name]}: {services_unready(st)}")
            if st.health_note:
                note = f"service {st.name} ({st.image}): {st.health_note}"
                if note not in report.notes:  # the same on both sides: said once
                    report.notes.append(note)
    # Both sides' services first, then the pre-steps: the services of both started together
    # and share one bound, which a pre-step between the waits used up (latifeu/picus-case's
    # original ran its pre-step for 300 s; the rewrite's Postgres, up all along, was then
    # reported "not ready after 90 s" and its pre-step skipped).
    for name, (_, side) in sides.items():
        if plan.pre is not None and services_ready[name]:
            progress(f"{label[name]}: pre-step: {' '.join(plan.pre)}")
            step = services.run_pre(
                f"{run.run_id}-{name}",
                f"{run.run_id}-{name}-pre",
                plan.pre,
                entrypoint=(
                    plan.pre_entrypoint if plan.pre_entrypoint is not None else plan.entrypoint
                ),
                env=env,
                network=networks[name],
                labels=labels,
                register=run.containers.append,
                working_dir=plan.working_dir,
            )
            side.pre_step = step.to_dict()
            if step.served is not None:
                report.notes.append(
                    f"{label[name]}: the pre-step did not run: {step.error} (its log: "
                    f"{step.served}); `--pre ''` skips it, `--pre` with a command the "
                    "entrypoint runs chooses another"
                )
            elif not step.ok:
                report.notes.append(
                    f"{label[name]}: the pre-step failed ({step.error or f'exit {step.exit_code}'})"
                )
    return services_ready
