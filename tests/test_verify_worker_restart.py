"""Compose workers under a `restart:` policy (optimizer/verify/workers.py, runplan.WorkerSpec).

Scatenarafael/django-docker-celery and asfawayalk/django-celery-redis-drf-docker (round 16):
beat on django-celery-beat's DatabaseScheduler starts beside the app, as compose starts it, and
exits on a table the app's migrate has not made yet. Verify ran it once, so it was "exited with
status 1" on one side or both and nothing about beat was proven. Under compose a service with
`restart: always` / `unless-stopped` / `on-failure` is started again by the engine and runs once
the migrate is done; verify now applies the service's own policy and counts such a worker up
once its current run has lasted, and down if it keeps crashing. The engine test
`tests/test_verify_worker_restart_e2e.py` runs the same on real containers.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from optimizer import compose, engine
from optimizer.context import DjangoProject
from optimizer.verify import workers
from optimizer.verify.report import SideReport
from optimizer.verify.runplan import Flags, WorkerSpec, derive

COMPOSE = """\
services:
  web:
    build: .
    command: sh -c "python manage.py migrate && gunicorn mysite.wsgi -b 0.0.0.0:8000"
    ports: ["8000:8000"]
  beat:
    build: .
    command: celery -A mysite beat -l info -S django_celery_beat.schedulers:DatabaseScheduler
    restart: unless-stopped
  worker:
    build: .
    command: celery -A mysite worker -l info
    restart: "no"
  flower:
    build: .
    command: celery -A mysite flower
    restart: on-failure:3
"""
DOCKERFILE = "FROM python:3.11\nCOPY . .\nCMD gunicorn mysite.wsgi -b 0.0.0.0:8000\n"


def test_the_plan_carries_each_workers_compose_restart_policy(tmp_path: Path) -> None:
    if not compose.compose_available() and not os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"):
        pytest.skip("docker compose is not installed")
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "manage.py").write_text("")
    loaded = compose.load(tmp_path)
    assert loaded is not None
    project = DjangoProject(root=tmp_path, manage_py="manage.py")  # type: ignore[call-arg]
    plan = derive(project, DOCKERFILE, Flags(), loaded, tmp_path / "Dockerfile")
    assert {w.name: w.restart for w in plan.workers} == {
        "beat": "unless-stopped", "worker": None, "flower": "on-failure:3"
    }
    said = [n for n in plan.notes if "'beat' runs this image too" in n]
    assert said and "restarts it as compose would (`restart: unless-stopped`)" in said[0]


def test_compose_restart_values_become_the_engines_policies() -> None:
    assert engine.restart_policy("always") == {"Name": "always"}
    assert engine.restart_policy("unless-stopped") == {"Name": "unless-stopped"}
    assert engine.restart_policy("on-failure") == {"Name": "on-failure"}
    assert engine.restart_policy("on-failure:3") == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert engine.restart_policy("no") is None
    assert engine.restart_policy(None) is None


class _Restarting:
    """A container the engine restarts: `runs` crashes, then (when `settles`) a run that
    lasts. Each `exit_code_if_exited` call is one look at it."""

    def __init__(self, crashes: int, settles: bool) -> None:
        self.crashes, self.settles, self.looks = crashes, settles, 0
        self.attrs: dict[str, Any] = {"State": {}, "RestartCount": 0}

    def look(self) -> None:
        self.looks += 1
        if self.settles:
            count = min(self.looks, self.crashes)
            restarting = self.looks <= self.crashes
            run = f"run {count}"
        else:
            # A crash loop: mostly between two runs, now and then running for a moment, a
            # new run each time (the engine may show it under the count of the run before).
            count, restarting, run = 1 + self.looks // 3, self.looks % 3 != 0, f"run {self.looks}"
        self.attrs = {"State": {"Running": True, "Restarting": restarting, "StartedAt": run},
                      "RestartCount": count}


def _watch(monkeypatch: pytest.MonkeyPatch, container: _Restarting) -> workers.WorkerRun:
    def exit_code_if_exited(c: Any) -> int | None:
        c.look()
        return None

    monkeypatch.setattr(workers.engine, "exit_code_if_exited", exit_code_if_exited)
    monkeypatch.setattr(workers.engine, "logs_tail", lambda _c, _n: [
        "django.db.utils.ProgrammingError: relation \"django_celery_beat_periodictask\" "
        "does not exist",
    ])
    monkeypatch.setattr(workers, "STABLE_SECONDS", 0.6)
    monkeypatch.setattr(workers, "RESTART_GRACE", 1.5)
    run = workers.WorkerRun("beat", "celery -A mysite beat", restart="always")
    workers.watch({"after": {"beat": container}}, {"after": [run]}, time.monotonic(), 0.5)
    return run


def test_a_worker_restarted_until_it_runs_is_up_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = _watch(monkeypatch, _Restarting(crashes=2, settles=True))
    assert run.state == "up" and run.restarts == 2, run
    assert run.describe() == (
        "is still running after 0 s, restarted 2 times by its compose `restart: always`"
    )


def test_a_worker_that_keeps_crashing_under_its_policy_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    run = _watch(monkeypatch, _Restarting(crashes=0, settles=False))
    # watched its window, then RESTART_GRACE more, not forever
    assert 1.9 <= time.monotonic() - started < 5
    assert run.state == "down" and run.restarts >= 2, run
    assert run.describe().startswith("kept crashing, restarted ")
    assert "still crashing 2 s after its watch ended" in run.describe()


def test_up_after_restarts_on_the_original_and_crashing_on_the_rewrite_fails() -> None:
    up = workers.WorkerRun("beat", "celery -A mysite beat", state="up", restart="always",
                           restarts=1)
    down = workers.WorkerRun("beat", "celery -A mysite beat", state="down", restart="always",
                             restarts=9, error="still crashing 20 s after its watch ended",
                             error_lines=["PermissionError: [Errno 13] Permission denied: "
                                          "'celerybeat-schedule'"])
    before, after = SideReport(), SideReport()
    before.workers, after.workers = [up.to_dict()], [down.to_dict()]
    fails, _ = workers.judge(before, after)
    assert len(fails) == 1
    assert "kept crashing, restarted 9 times" in fails[0].text
    assert "restarted once" in fails[0].text
    # both up after a restart: a note, not a failure
    fails, notes = workers.judge(before, before)
    assert fails == [] and "restarted once" in notes[0]


def test_a_one_shot_service_is_run_once_whatever_its_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def run_container(image: str, name: str, **kwargs: Any) -> Any:
        seen[name] = kwargs.get("restart")
        return SimpleNamespace(attrs={})

    monkeypatch.setattr(workers.engine, "run_container", run_container)
    specs = (
        WorkerSpec("migrate", ["python", "manage.py", "migrate"], first=True, restart="always"),
        WorkerSpec("beat", ["celery", "-A", "p", "beat"], restart="always"),
    )
    _, runs = workers.start(specs, "img", "after", "r1", "net", {}, {}, lambda n: n)
    assert list(seen.values()) == [None, "always"]
    assert [r.restart for r in runs] == [None, "always"]


# wayne87140/Django-Celery-PostgreSQL-NGINX-Docker (round 16): `command: ./run_celery_worker.sh`,
# a script that sleeps 10 s "to wait for PSQL" and then starts celery; only the command
# string's sleeps lengthened the watch, so a worker crashing after 20 s counted as up.
WORKER_SH = """\
#!/bin/sh

# wait for PSQL server to start
sleep 10

sh -c "celery -A model1 worker -l info"
"""
WAITS_SH = """\
#!/bin/sh
until pg_isready -h db; do
  sleep 1
done
while true; do sleep 2; done &
sleep 2.5 && celery -A p beat
"""


def test_a_start_script_that_sleeps_first_is_watched_that_much_longer(tmp_path: Path) -> None:
    from optimizer.compose import ComposeProject, Service
    from optimizer.verify.runplan import script_sleep

    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "run_celery_worker.sh").write_text(WORKER_SH)
    (tmp_path / "proj" / "waits.sh").write_text(WAITS_SH)
    assert script_sleep(tmp_path, ["./run_celery_worker.sh"], None) == 10
    # a wait loop's sleep lasts as long as what it waits for: only the top-level 2.5 counts
    assert script_sleep(tmp_path, ["sh", "/app/waits.sh"], None) == 2.5
    assert script_sleep(tmp_path, ["celery", "-A", "p", "worker"], None) == 0

    dockerfile = tmp_path / "proj" / "Dockerfile"
    text = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nCMD gunicorn p.wsgi -b 0.0.0.0:8000\n"
    dockerfile.write_text(text)
    web = Service("web", build_context=tmp_path / "proj", dockerfile=dockerfile)
    worker = Service("celery_worker", build_context=tmp_path / "proj", dockerfile=dockerfile,
                     command=["./run_celery_worker.sh"], raw={"restart": "on-failure"})
    loaded = ComposeProject(tmp_path, (tmp_path / "docker-compose.yml",),
                            {"web": web, "celery_worker": worker})
    project = DjangoProject(root=tmp_path / "proj", manage_py="manage.py")  # type: ignore[call-arg]
    plan = derive(project, text, Flags(), loaded, dockerfile)
    assert [(w.name, w.script_sleep, w.restart) for w in plan.workers] == [
        ("celery_worker", 10.0, "on-failure")
    ]
    run = workers.WorkerRun("celery_worker", "./run_celery_worker.sh", script_sleep=10.0)
    assert workers.watch_seconds({"after": [run]}, 20) == 30


def test_the_file_a_celery_command_logs_to() -> None:
    assert workers.log_file("celery -A p worker -l info -f celery.log") == "celery.log"
    assert workers.log_file("celery -A p beat --logfile=/var/log/beat.log") == "/var/log/beat.log"
    assert workers.log_file("sh -c 'celery -A p worker --logfile /tmp/w.log && x'") == "/tmp/w.log"
    assert workers.log_file("celery -A p worker -f /var/log/%n%I.log") is None  # per process
    assert workers.log_file("celery -A p worker -l info") is None
    assert workers.log_file("gunicorn p.wsgi -f x") is None


def test_a_worker_named_with_n_is_ready_by_its_own_node_name() -> None:
    # `celery -A p worker -n worker1@%h`: Celery says "worker1@host ready.", not "celery@".
    line = "[2026-12-04 05:49:02,041: INFO/MainProcess] worker1@5c717bd06392 ready."
    assert any(r.search(line) for r in workers._READY)
    assert not any(r.search("mailto:someone@example.com is not ready yet") for r in workers._READY)


class _SlowCrashLoop:
    """A crash loop whose runs each last longer than STABLE_SECONDS (ohld/django-telegram-
    bot's polling bot on a busy machine: 5-8 s of imports, then `getMe` fails and it exits):
    each run lasts `run_for` seconds, then the engine pauses `pause` before the next."""

    def __init__(self, run_for: float, pause: float) -> None:
        self.run_for, self.pause, self.t0 = run_for, pause, time.monotonic()
        self.attrs: dict[str, Any] = {"State": {}, "RestartCount": 0}

    def look(self) -> None:
        elapsed = time.monotonic() - self.t0
        cycle = self.run_for + self.pause
        number = int(elapsed // cycle)
        restarting = elapsed % cycle > self.run_for
        self.attrs = {
            "State": {"Running": not restarting, "Restarting": restarting,
                      "StartedAt": f"run {number}"},
            "RestartCount": number,
        }


def test_a_crash_loop_whose_runs_outlast_the_stable_time_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each run lasts 2 s, three times STABLE_SECONDS, and dies; the old rule saw the second
    # run 1 s old at the window's end and called it up.
    container = _SlowCrashLoop(run_for=2.0, pause=0.1)

    def exit_code_if_exited(c: Any) -> int | None:
        c.look()
        return None

    monkeypatch.setattr(workers.engine, "exit_code_if_exited", exit_code_if_exited)
    monkeypatch.setattr(workers.engine, "logs_tail", lambda _c, _n: [
        "telegram.error.NetworkError: urllib3 HTTPError HTTPSConnectionPool",
    ])
    monkeypatch.setattr(workers, "STABLE_SECONDS", 0.6)
    monkeypatch.setattr(workers, "RESTART_GRACE", 3.0)
    run = workers.WorkerRun("bot", "python run_polling.py", restart="always")
    started = time.monotonic()
    workers.watch({"after": {"bot": container}}, {"after": [run]}, started, 2.5)
    assert time.monotonic() - started < 8
    assert run.state == "down" and run.restarts >= 1, run
    assert run.describe().startswith("kept crashing, restarted ")


def _stamp(seconds_ago: float, now: datetime | None = None) -> str:
    """A State timestamp as the engine writes it, `seconds_ago` before `now`."""
    moment = (now or datetime.now(UTC)) - timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


class _LateLoop:
    """A crash loop the watch first looks at late, as verify's does (it begins once the probes
    are done): it was created `ago` seconds before, its runs last `run_for` seconds with
    `pause` between two, and the engine's Created / StartedAt say so."""

    def __init__(self, ago: float, run_for: float, pause: float) -> None:
        self.run_for, self.pause = run_for, pause
        self.t0 = time.monotonic() - ago
        self.created = datetime.now(UTC) - timedelta(seconds=ago)
        self.attrs: dict[str, Any] = {"State": {}, "RestartCount": 0}

    def look(self) -> None:
        elapsed = time.monotonic() - self.t0
        cycle = self.run_for + self.pause
        number = int(elapsed // cycle + 1e-6)
        restarting = elapsed % cycle > self.run_for
        self.attrs = {
            "Created": _stamp(0, self.created),
            "State": {"Running": not restarting, "Restarting": restarting,
                      "StartedAt": _stamp(-number * cycle, self.created)},
            "RestartCount": number,
        }


def _watch_late(
    monkeypatch: pytest.MonkeyPatch, container: Any, started: float, seconds: float
) -> workers.WorkerRun:
    def exit_code_if_exited(c: Any) -> int | None:
        c.look()
        return None

    monkeypatch.setattr(workers.engine, "exit_code_if_exited", exit_code_if_exited)
    monkeypatch.setattr(workers.engine, "logs_tail", lambda _c, _n: ["boom"])
    monkeypatch.setattr(workers, "STABLE_SECONDS", 0.6)
    monkeypatch.setattr(workers, "RESTART_GRACE", 3.0)
    run = workers.WorkerRun("bot", "python run_polling.py", restart="always")
    workers.watch({"after": {"bot": container}}, {"after": [run]}, started, seconds)
    return run


def test_a_crash_loop_first_seen_late_is_judged_by_the_runs_it_missed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Runs of 2 s; the watch first looks 4 s after the start (1.5 s past its window), just as
    # the fourth run begins: it saw no run end, so the old rule took 1 s of that run for up.
    # The engine's Created and StartedAt say the runs before lasted 2.1 s each.
    cycle = 2.1
    container = _LateLoop(ago=3 * cycle, run_for=2.0, pause=0.1)
    started = time.monotonic() - 4.0
    run = _watch_late(monkeypatch, container, started, 2.5)
    assert run.state == "down" and run.restarts >= 3, run
    assert run.describe().startswith("kept crashing, restarted ")


def test_a_worker_restarted_once_long_before_the_watch_looks_is_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Crashed once at its start (0.3 s), then ran; the watch first looks 60 s after the start,
    # far past its window and the grace after it: the old rule called it down at that first
    # look, before it could see the run last.
    class _Settled:
        def __init__(self) -> None:
            self.attrs: dict[str, Any] = {
                "Created": _stamp(60.0),
                "State": {"Running": True, "Restarting": False, "StartedAt": _stamp(59.7)},
                "RestartCount": 1,
            }

        def look(self) -> None:
            pass

    began = time.monotonic()
    run = _watch_late(monkeypatch, _Settled(), began - 60.0, 20.0)
    assert run.state == "up" and run.restarts == 1, run
    assert time.monotonic() - began < 4  # up once its run has lasted, within the grace
