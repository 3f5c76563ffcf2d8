"""A worker that races the app's migrate on a real Postgres, under its compose `restart:`
policy (optimizer/verify/workers.py), on the lab engine.

The race of Scatenarafael/django-docker-celery (round 16): beat reads a table the app's migrate
makes, starts before it, exits, and under compose `restart: unless-stopped` runs on its next
start. Here the "app" creates the table after a few seconds and the worker reads it with psql,
exiting 1 until it is there; both run the postgres image, which has psql, so no build is needed.
With its policy the worker is up after at least one restart; the same worker without a policy
is down, as verify saw it before; one that crashes every time is down under its policy too,
after the bounded grace, not watched forever; `on-failure:2` ends with the engine giving up;
one whose every run lasts 7 s before it dies (longer than STABLE_SECONDS) is down too.
"""

from __future__ import annotations

import time
import uuid

import pytest

from optimizer import engine
from optimizer.verify import services, workers
from optimizer.verify.runplan import ServiceSpec, WorkerSpec

pytestmark = pytest.mark.engine

IMAGE = "postgres:17"
READ = "psql -h db -U postgres -tAc 'select 1 from migrated' || exit 1; exec sleep 300"


def _run(
    monkeypatch: pytest.MonkeyPatch, prefix: str, grace: float
) -> tuple[str, dict[str, str], str, list[str]]:
    """Skip without the engine or the image; else RESTART_GRACE set to `grace`, and a fresh
    run id, its labels, its network's name and the list of containers to remove."""
    if not engine.engine_available() or not engine.image_exists(IMAGE):
        pytest.skip(f"no engine or no {IMAGE} stand-in (run ../shared/lab/images-up)")
    monkeypatch.setattr(workers, "RESTART_GRACE", grace)
    run_id = f"{prefix}-{uuid.uuid4().hex[:8]}"
    return run_id, {"dj-optimize.run": run_id}, f"{run_id}-net", []


def test_a_worker_that_races_the_migrate_is_up_after_its_compose_restart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id, labels, network, containers = _run(monkeypatch, "restart", grace=8.0)
    env = {"PGPASSWORD": "pw"}
    try:
        engine.create_network(network, labels)
        db = ServiceSpec("db", IMAGE, {"POSTGRES_PASSWORD": "pw"}, port=5432)
        svc, statuses = services.start((db,), "after", run_id, network, labels, containers.append)
        services.await_ready((db,), svc, statuses, time.monotonic(), timeout=60)
        assert statuses[0].ready, statuses[0].error
        specs = (
            WorkerSpec("beat", ["sh", "-c", READ], environment=env, restart="unless-stopped"),
            WorkerSpec("beat-no-policy", ["sh", "-c", READ], environment=env),
            WorkerSpec("crashes", ["sh", "-c", "echo boom >&2; exit 1"], restart="always"),
            WorkerSpec("gives-up", ["sh", "-c", "exit 3"], restart="on-failure:2"),
            # ohld/django-telegram-bot's bot on a busy machine: every run lasts longer than
            # STABLE_SECONDS (5 s), then dies; up at the window's end by the old rule.
            WorkerSpec("slow-crash", ["sh", "-c", "sleep 7; echo getMe failed >&2; exit 1"],
                       restart="always"),
            # the app's migrate, a few seconds after everything started
            WorkerSpec("migrate", ["sh", "-c", "sleep 4 && psql -h db -U postgres -c "
                                   "'create table migrated (x int)' && exec sleep 300"],
                       environment=env),
        )
        running, runs = workers.start(
            specs, IMAGE, "after", run_id, network, {}, labels, containers.append
        )
        started = time.monotonic()
        workers.watch({"after": running}, {"after": runs}, started, seconds=12)
        assert time.monotonic() - started < 12 + 8 + 10  # the grace is a bound
        workers.stop({"after": running})
        got = {w.name: (w.state, w.exit_code, w.restarts) for w in runs}
        logs = {w.name: w.log_tail[-3:] for w in runs}
        beat = got["beat"]
        assert beat[0] == "up" and beat[1] is None and beat[2] >= 1, (got, logs)
        assert any("does not exist" in line for line in logs["beat"]), logs
        assert got["beat-no-policy"] == ("down", 1, 0), (got, logs)
        assert got["crashes"][0] == "down" and got["crashes"][2] >= 2, (got, logs)
        assert got["gives-up"] == ("down", 3, 2), (got, logs)
        assert got["slow-crash"][0] == "down" and got["slow-crash"][2] >= 1, (got, logs)
        assert got["migrate"][0] == "up", (got, logs)
        described = {w.name: w.describe() for w in runs}
        assert "by its compose `restart: unless-stopped`" in described["beat"], described
        assert described["crashes"].startswith("kept crashing, restarted"), described
        assert described["gives-up"].endswith("restarted 2 times by its compose "
                                              "`restart: on-failure:2`"), described
    finally:
        failures = engine.remove(containers=containers, networks=[network])
        assert not failures
        assert engine.find_labelled(run_id).empty()


def test_a_watch_that_begins_late_judges_restarted_workers_by_their_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Verify's watch begins once the probes are done, well past the workers' start. A crash
    loop whose runs last 8 s, first looked at 20 s in, was up by the old rule (it saw one run
    or two, each more than STABLE_SECONDS old before it died); a worker that crashed once at
    its start and then ran, first looked at past its window and grace, was down at that look.
    """
    run_id, labels, network, containers = _run(monkeypatch, "restart-late", grace=25.0)
    try:
        engine.create_network(network, labels)
        specs = (
            WorkerSpec("slow-crash", ["sh", "-c", "sleep 8; echo getMe failed >&2; exit 1"],
                       restart="always"),
            # fails its first run (a table not there yet), then runs: the engine keeps the
            # container's files between two runs
            WorkerSpec("crashed-once", ["sh", "-c", "[ -e /tmp/ran ] || { touch /tmp/ran; "
                                        "echo not yet >&2; exit 1; }; exec sleep 300"],
                       restart="unless-stopped"),
        )
        running, runs = workers.start(
            specs, IMAGE, "after", run_id, network, {}, labels, containers.append
        )
        started = time.monotonic()
        by_name = {w.name: w for w in runs}
        time.sleep(20)  # the HTTP wait and the probes
        workers.watch({"after": {"slow-crash": running["slow-crash"]}},
                      {"after": [by_name["slow-crash"]]}, started, seconds=12)
        # a window of 2 s: the watch (now past 40 s) looks after its window and grace ended
        assert time.monotonic() - started > 2 + 25
        workers.watch({"after": {"crashed-once": running["crashed-once"]}},
                      {"after": [by_name["crashed-once"]]}, started, seconds=2)
        assert time.monotonic() - started < 20 + 25 + 25 + 10  # each grace is a bound
        workers.stop({"after": running})
        got = {w.name: (w.state, w.restarts) for w in runs}
        logs = {w.name: w.log_tail[-3:] for w in runs}
        assert got["slow-crash"][0] == "down" and got["slow-crash"][1] >= 2, (got, logs)
        assert by_name["slow-crash"].describe().startswith("kept crashing"), got
        assert got["crashed-once"] == ("up", 1), (got, logs)
    finally:
        failures = engine.remove(containers=containers, networks=[network])
        assert not failures
        assert engine.find_labelled(run_id).empty()
