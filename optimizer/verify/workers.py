"""Workers: the compose services that run the app's image with another command (Celery worker
and beat, an RQ worker), started beside the web container and watched for a while.

Only the web service was ever run, so a rewrite that breaks the worker went unseen: the worker
runs the same image under the rewrite's user, PATH and venv (`celery` is a console script the
venv must hold; beat writes `celerybeat-schedule` into the working directory, which the
non-root user may not own). A Celery worker that cannot start exits within seconds (an import
error, `No module named 'celery'`, `Permission denied: 'celerybeat-schedule'`), so each worker
is started on both sides, on the side's network with its services, with its compose command and
environment, and is watched for `WATCH_SECONDS`: still running at the end (or exited 0: a
one-shot task) is up; exited non-zero, or not startable, is down. Celery's own word that it is
ready (`celery@host ready.`, beat's `beat: Starting...`) is recorded when its log shows it.
A service with a compose `restart:` policy is started under the same policy, as compose would:
a beat that exits on a table the app's migrate has not made yet runs on its next start.

A service the app waits for with `condition: service_completed_successfully` (a one-shot
`migrate` service) is run to completion before the app instead (`run_first`, bounded by
`FIRST_SECONDS`), as compose runs it: started beside an app that migrates too, two migrates
would race on one empty database.

Judging (`judge`): a worker up on the original and down on the rewrite fails verify, with its
error lines and its log's last lines; one down on the original is a note (the worker does not
run here, whatever the rewrite did: a broker it cannot reach, a variable only the deployment
has).
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from optimizer import engine
from optimizer.verify.report import Reason, SideReport
from optimizer.verify.services import safe_name

# How long a worker must stay up to count as started: Celery's worker imports the Django app
# and connects to the broker within a few seconds; one that cannot exits well within this.
WATCH_SECONDS = 20.0
# A command that sleeps before it starts the daemon (`bash -c "sleep 20; celery -A proj beat"`,
# a wait for the database) is watched that much longer, up to this: watched for 20 s, beat had
# not started yet, and one that then crashed would have counted as up.
MAX_SLEEP_SECONDS = 60.0
# Only a sleep another command follows (`;`, `&&`): `exec sleep 60` as the command is the
# process itself, not a wait before it.
_SLEEP = re.compile(
    r"(?:^|[\s;&|('\"])sleep\s+(\d+(?:\.\d+)?)s?(?=\s*(?:;|&&)\s*[^\s'\")])"
)
STOP_SECONDS = 5
# A worker the engine restarted (its compose `restart:` policy) counts as up once its current
# run has lasted this long; one still crashing keeps being watched, at most RESTART_GRACE
# seconds past its window, and is down if it never does. Docker waits 0.1, 0.2, 0.4 ... s
# between restarts, so a crash loop restarts several times within this.
STABLE_SECONDS = 5.0
RESTART_GRACE = 20.0
POLL_SECONDS = 0.5
# How long a one-shot service the app waits for (a `migrate` service) may take to complete.
FIRST_SECONDS = 120.0
LOG_LINES = 30
# Where error lines are looked for: beat prints its traceback to stderr as warnings of a few
# characters each (`_gdbm`, `.`, `error`, `[Errno 13] Permission denied: 'celerybeat-schedule'`)
# and its banner to stdout last, so the log's last lines are the banner, not the cause.
ERROR_SCAN_LINES = 400
_ERROR = re.compile(
    r"(\b\w*(Error|Exception)\b|\[Errno \d+\]|Permission denied|not found|No module named|"
    r"Traceback)"
)

# What Celery prints once the worker consumes / beat schedules (celery 4-5). The worker's
# line is its node name, `celery@host` unless `-n worker1@%h` names it otherwise.
_READY = (
    re.compile(r"(?:^|[\s\]])[\w.-]+@\S+ ready\."),
    re.compile(r"beat: Starting\.\.\."),
)


@dataclass
class WorkerRun:
    """One worker on one side: `state` "up" (still running after the watch, or exited 0),
    "down" (exited non-zero; for a one-shot service, also still running at its bound) or
    "not-started" (the engine refused the command)."""

    name: str
    command: str
    state: str = "not-started"
    exit_code: int | None = None
    error: str | None = None
    ready_line: str | None = None
    seconds: float | None = None  # how long it ran before exiting, None: still running
    log_tail: list[str] = field(default_factory=list)
    # How long it was watched: WATCH_SECONDS plus the sleeps its command starts with.
    watched: float = WATCH_SECONDS
    # The log's error lines (the last few), wherever they are in it.
    error_lines: list[str] = field(default_factory=list)
    # Its compose `restart:` policy, and how often the engine restarted it under that.
    restart: str | None = None
    restarts: int = 0
    # Seconds the start scripts its command runs sleep first (runplan.script_sleep).
    script_sleep: float = 0.0

    @property
    def sleeps(self) -> float:
        """The seconds it sleeps before its daemon starts, at most MAX_SLEEP_SECONDS."""
        return min(sleep_seconds(self.command) + self.script_sleep, MAX_SLEEP_SECONDS)

    @property
    def up(self) -> bool:
        return self.state == "up"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        again = self._restarted()
        if self.state == "down" and self.exit_code == 0:
            after = f" after {self.seconds:.0f} s" if self.seconds is not None else ""
            return f"exited 0{after} after a traceback (it should keep running){again}"
        if self.state == "not-started":
            return f"did not start ({self.error or 'the engine refused it'})"
        if self.state == "down" and self.exit_code is None and again:
            return f"kept crashing{again} ({self.error})"
        if self.state == "down" and self.exit_code is None:
            return f"did not complete ({self.error})"
        if self.state == "down":
            after = f" after {self.seconds:.0f} s" if self.seconds is not None else ""
            return f"exited with status {self.exit_code}{after}{again}"
        if self.exit_code == 0:
            return f"ran and exited 0{again}"
        said = f" ({self.ready_line.strip()[-80:]})" if self.ready_line else ""
        return f"is still running after {self.watched:.0f} s{said}{again}"

    def _restarted(self) -> str:
        if not self.restarts:
            return ""
        times = "once" if self.restarts == 1 else f"{self.restarts} times"
        return f", restarted {times} by its compose `restart: {self.restart}`"


def shown_command(command: list[str] | None, entrypoint: list[str] | None) -> str:
    """The command on one line: a compose `command: >` block's newlines and indents would
    break the note that names it across lines."""
    words = (entrypoint or []) + (command or [])
    return " ".join(shlex.join(words).split()) if words else "the image's command"


def sleep_seconds(command: str) -> float:
    """The seconds a command sleeps before what it runs (`sleep 7; celery ...`), at most
    MAX_SLEEP_SECONDS."""
    return min(sum(float(m.group(1)) for m in _SLEEP.finditer(command)), MAX_SLEEP_SECONDS)


def watch_seconds(runs: dict[str, list[WorkerRun]], seconds: float = WATCH_SECONDS) -> float:
    """The longest any of these workers is watched."""
    return max((seconds + w.sleeps for side in runs.values() for w in side), default=seconds)


def start(
    specs: tuple[Any, ...],
    image: str,
    side: str,
    run_id: str,
    network: str,
    env: dict[str, str],
    labels: dict[str, str],
    register: Callable[[str], Any],
) -> tuple[dict[str, Any], list[WorkerRun]]:
    """Start each worker (runplan.WorkerSpec) from `image` on the side's network: its compose
    environment, then `env` (the user's --env) over it. Containers by worker name."""
    containers: dict[str, Any] = {}
    runs: list[WorkerRun] = []
    for spec in specs:
        # A one-shot service the app waits for is run once, whatever its policy: compose
        # would not start the app until it has exited 0.
        restart = None if spec.first else spec.restart
        worker = WorkerRun(
            spec.name,
            shown_command(spec.command, spec.entrypoint),
            restart=restart,
            script_sleep=spec.script_sleep,
        )
        runs.append(worker)
        name = f"{run_id}-{side}-worker-{safe_name(spec.name)}"
        register(name)
        try:
            containers[spec.name] = engine.run_container(
                image,
                name,
                port=None,
                env={**spec.environment, **env},
                network=network,
                command=spec.command,
                entrypoint=spec.entrypoint,
                labels=labels,
                working_dir=spec.working_dir,
                restart=restart,
            )
        except engine.EngineError as exc:
            worker.error = str(exc)[-300:]
    return containers, runs


def watch(
    containers: dict[str, dict[str, Any]],
    runs: dict[str, list[WorkerRun]],
    started: float,
    seconds: float = WATCH_SECONDS,
) -> None:
    """Watch every side's workers together until `seconds` after `started`, plus the seconds
    each one's command sleeps first (or until all have exited), then record each one's state
    and log. A worker its compose `restart:` policy brings back is up once its current run has
    lasted STABLE_SECONDS, and longer than its runs before it did, and down if it is still
    crashing RESTART_GRACE past its window, or past the watch's first look at it when that
    came later (the watch begins once the probes are done). Bounded by `seconds` +
    MAX_SLEEP_SECONDS + RESTART_GRACE, or the first look + RESTART_GRACE, plus the engine
    calls."""
    window = {
        (side, w.name): seconds + w.sleeps for side, side_runs in runs.items() for w in side_runs
    }
    for side, side_runs in runs.items():
        for w in side_runs:
            w.watched = window[(side, w.name)]
    exited: dict[tuple[str, str], tuple[int | None, float]] = {}
    # Under a restart policy: the restart count last seen, and (the run last seen, when it was
    # first seen): a run that has lasted STABLE_SECONDS is up.
    restarts: dict[tuple[str, str], int] = {}
    runs_seen: dict[tuple[str, str], tuple[str, float]] = {}
    # The longest time from one run's first sighting to the next's: how long a run of the
    # loop lasts (with the engine's pause between two). The current run must outlast it.
    period: dict[tuple[str, str], float] = {}
    # When the watch first looked at each: it begins once the probes are done, often past a
    # window's end, and the grace a restarted worker gets to show a lasting run runs from
    # then (from the window's end alone, one first seen past it was down at its first look).
    first_look: dict[tuple[str, str], float] = {}
    unstable: set[tuple[str, str]] = set()
    pending = [(side, name) for side, by_name in containers.items() for name in by_name]
    while pending:
        now = time.monotonic()
        for side, name in list(pending):
            container = containers[side][name]
            first_look.setdefault((side, name), now)
            code = engine.exit_code_if_exited(container)
            count, restarting, run = engine.restart_state(container)
            restarts[(side, name)] = count
            if code is not None:
                # How long it ran, from the engine: the watch may first look long after the
                # exit (it begins once the probes are done), and said "after 42 s" of a beat
                # that had exited within a few.
                ran = engine.ran_seconds(container)
                exited[(side, name)] = (code, time.monotonic() - started if ran is None else ran)
                pending.remove((side, name))
                continue
            if (side, name) not in runs_seen or runs_seen[(side, name)][0] != run:
                if (side, name) in runs_seen:
                    period[(side, name)] = max(
                        period.get((side, name), 0.0), now - runs_seen[(side, name)][1]
                    )
                runs_seen[(side, name)] = (run, now)
            end = started + window.get((side, name), seconds)
            if now < end:
                continue
            # Restarted by the engine: up only once the current run has lasted, and longer
            # than the runs before it did; a crash loop is watched RESTART_GRACE longer, then
            # counted down. A fixed STABLE_SECONDS alone took ohld/django-telegram-bot's
            # polling bot, crashing on `getMe` at every start (no network), for up ("still
            # running after 20 s, restarted 2 times"): on a busy machine its runs lasted 5 s
            # or more.
            since = runs_seen[(side, name)][1]
            # The runs before the watch looked count too, by the engine's clock: a watch that
            # began late saw one run or two of a loop whose runs last longer than
            # STABLE_SECONDS (a `sleep 7; exit 1` first seen 25 s in was up 5.5 s into its
            # fifth run, 1.5 s before it died).
            before = engine.seconds_per_run(container) or 0.0
            # (Sightings are POLL_SECONDS apart: a run is first seen up to that late.)
            lasted = max(
                STABLE_SECONDS, max(period.get((side, name), 0.0), before) + 2 * POLL_SECONDS
            )
            if count and (restarting or now - since < lasted):
                if now < max(end, first_look[(side, name)]) + RESTART_GRACE:
                    continue
                unstable.add((side, name))
            pending.remove((side, name))
        if pending:
            time.sleep(POLL_SECONDS)
    for side, side_runs in runs.items():
        for worker in side_runs:
            container = containers.get(side, {}).get(worker.name)
            if container is None:
                continue  # not started: its error says why
            worker.restarts = restarts.get((side, worker.name), 0)
            if (side, worker.name) in exited:
                worker.exit_code, worker.seconds = exited[(side, worker.name)]
                worker.seconds = round(worker.seconds, 1)
                worker.state = "up" if worker.exit_code == 0 else "down"
            elif (side, worker.name) in unstable:
                worker.state = "down"
                worker.error = f"still crashing {RESTART_GRACE:.0f} s after its watch ended"
            else:
                worker.state = "up"
            scanned = engine.logs_tail(container, ERROR_SCAN_LINES)
            logfile = log_file(worker.command)
            if logfile is not None:
                # `celery ... -f celery.log`: the worker's own lines, its ready line among
                # them, are in that file, not in the container's output.
                written = engine.file_tail(container, logfile, ERROR_SCAN_LINES)
                if written:
                    scanned = [*scanned, f"[{logfile}]", *written]
            worker.log_tail = scanned[-LOG_LINES:]
            worker.error_lines = error_lines(scanned)
            if worker.state == "up" and worker.exit_code == 0 and crashed_daemon(
                worker.command, scanned
            ):
                worker.state = "down"
                worker.error = "exited 0 after a traceback: a worker that should keep running"
            worker.ready_line = next(
                (line for line in scanned if any(r.search(line) for r in _READY)), None
            )


def run_first(
    containers: dict[str, dict[str, Any]],
    runs: dict[str, list[WorkerRun]],
    seconds: float = FIRST_SECONDS,
) -> None:
    """Wait (bounded by `seconds`) for one-shot services the app waits for to exit, and record
    each: exit 0 is up; non-zero, or still running at the bound (compose would never start
    the app), is down."""
    watch(containers, runs, time.monotonic(), seconds)
    for side, side_runs in runs.items():
        for worker in side_runs:
            if worker.name in containers.get(side, {}) and worker.exit_code is None:
                worker.state = "down"
                worker.error = (
                    f"still running after {seconds:.0f} s; the app waits for it to complete"
                )


def stop(containers: dict[str, dict[str, Any]]) -> None:
    """Stop them all at once (a worker that ignores SIGTERM costs STOP_SECONDS, not that per
    worker); cleanup removes what is left either way."""
    every = [c for by_name in containers.values() for c in by_name.values()]
    if not every:
        return
    with ThreadPoolExecutor(max_workers=len(every)) as pool:
        list(pool.map(lambda c: engine.stop(c, STOP_SECONDS), every))


def judge(before: SideReport, after: SideReport) -> tuple[list[Reason], list[str]]:
    """(reasons the rewrite fails, notes): a worker up on the original and down (or not
    startable) on the rewrite fails; one down on the original is only a note."""
    fails: list[Reason] = []
    notes: list[str] = []
    new = {w["name"]: w for w in after.workers}
    for old in before.workers:
        mine = new.get(old["name"])
        if mine is None:
            continue
        o, n = WorkerRun(**old), WorkerRun(**mine)
        what = f"compose service {o.name!r} (`{o.command}`)"
        if not o.up:
            # The rewrite's side too: the same exit is the project's, a different one is worth
            # reading (drako2: both exited on kombu's missing `packaging`).
            notes.append(
                f"{what} {o.describe()} on the original: not a check of the rewrite (on the "
                f"rewrite it {n.describe()})" + _last(o)
            )
        elif not n.up:
            fails.append(
                Reason(
                    f"{what} {n.describe()} on the rewritten image; on the original it "
                    f"{o.describe()}",
                    _cause(n),
                )
            )
        elif o.ready_line and not n.ready_line and n.exit_code is None:
            # Still running but never ready: a broker it keeps retrying, or a start slower than
            # the watch on a loaded machine. Not proof of a break, so said, not judged.
            notes.append(
                f"{what} is still running on the rewrite after {n.watched:.0f} s but it did "
                f"not say it was ready; the original did ({o.ready_line.strip()[-80:]})"
                + _last(n)
            )
        else:
            notes.append(f"{what} {n.describe()} on the rewrite; on the original it {o.describe()}")
    return fails, notes


def judge_alone(side: SideReport) -> tuple[list[Reason], list[str]]:
    """With no baseline: a worker that does not stay up fails, one that does is a note."""
    fails: list[Reason] = []
    notes: list[str] = []
    for data in side.workers:
        w = WorkerRun(**data)
        what = f"compose service {w.name!r} (`{w.command}`)"
        if w.up:
            notes.append(f"{what} {w.describe()}")
        else:
            fails.append(Reason(f"{what} {w.describe()}", _cause(w)))
    return fails, notes


# Commands that run until stopped: a Celery worker, beat or flower, an RQ worker. One that
# exits 0 within the watch after a Python traceback crashed (Celery's worker returns 0 after
# kombu's VersionMismatch, Rudra370/Youtube-Video-Django-Celery-Docker), it did not finish.
_DAEMON = re.compile(r"\bcelery\b.*\b(?:worker|beat|flower)\b|\brq(?:worker| worker)\b")


_LOGFILE = re.compile(r"(?:^|\s)(?:-f|--logfile)(?:=|\s+)['\"]?([^\s'\";&|]+)")


def log_file(command: str) -> str | None:
    """The file a Celery command logs to (`-f celery.log`, `--logfile=/var/log/w.log`)."""
    if not _DAEMON.search(command):
        return None
    found = _LOGFILE.search(command)
    return found[1] if found and "%" not in found[1] else None


def crashed_daemon(command: str, log: list[str]) -> bool:
    """Did a command that should run until stopped leave a Python traceback in its log?"""
    return bool(_DAEMON.search(command)) and any(
        line.strip().startswith("Traceback (most recent call last)") for line in log
    )


def error_lines(lines: list[str], keep: int = 4) -> list[str]:
    """The last `keep` distinct lines of a log that say what went wrong. The line that ends a
    Python traceback is the exception whatever its name (`ImproperlyConfigured: The
    SECRET_KEY setting must not be empty.` has no Error in it: the note said the log ended
    with `Traceback (most recent call last):`)."""
    found: list[str] = []
    in_traceback = False
    for line in lines:
        text = line.strip()
        ends_traceback = in_traceback and bool(text) and not line[:1].isspace()
        if text.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif ends_traceback:
            in_traceback = False
        if text and (_ERROR.search(text) or ends_traceback) and text not in found:
            found.append(text)
    return found[-keep:]


def _cause(worker: WorkerRun) -> list[str]:
    """Its error lines first (they may lie far above the end), then the log's last lines."""
    if worker.error and not worker.log_tail:
        return [worker.error]
    tail = [x for x in worker.log_tail[-8:] if x.strip() not in worker.error_lines]
    return worker.error_lines + tail


def _last(worker: WorkerRun) -> str:
    last = worker.error_lines[-1] if worker.error_lines else next(
        (x.strip() for x in reversed(worker.log_tail) if x.strip()), ""
    )
    return f"; its log ends: {last[-200:]}" if last else ""

