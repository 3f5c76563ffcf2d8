"""A Celery worker and beat run from both sides' images against a real Redis
(optimizer/verify/workers.py), on the lab engine.

The class: a rewrite that runs the image as a non-root user in a root-owned WORKDIR keeps the
web server working, while `celery beat`, which writes `celerybeat-schedule` into its working
directory, exits with `Permission denied`. Verify started only the web service and passed. Here
the "before" image runs as root and the "after" image as uid 10001; the worker must reach
"ready" on both sides (it only reads), beat must be up on the original and down on the rewrite,
and `workers.judge` must fail the rewrite naming beat and its log.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from optimizer import engine
from optimizer.verify import services, workers
from optimizer.verify.report import SideReport
from optimizer.verify.runplan import ServiceSpec, WorkerSpec

pytestmark = pytest.mark.engine

TASKS = """\
import os
from celery import Celery

app = Celery("tasks", broker=os.environ["BROKER_URL"])


@app.task
def add(x, y):
    return x + y
"""
BEFORE = """\
FROM python:3.11-slim
# Pinned together: an unpinned kombu (5.7) wants redis-py 6.1+ and imports packaging
# without depending on it (both seen on the lab).
RUN pip install --no-cache-dir celery==5.4.0 kombu==5.4.2 redis==5.2.1
WORKDIR /app
COPY tasks.py .
"""
AFTER = BEFORE + "RUN useradd --uid 10001 app\nUSER 10001\n"


def test_a_beat_that_cannot_write_its_schedule_fails_the_rewrite(tmp_path: Path) -> None:
    if not engine.engine_available() or not engine.image_exists("redis:7"):
        pytest.skip("no engine or no redis:7 stand-in (run ../shared/lab/images-up)")
    run_id = f"services8-w-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    (tmp_path / "tasks.py").write_text(TASKS)
    images = {side: f"{run_id}-{side}" for side in ("before", "after")}
    containers: list[str] = []
    networks: list[str] = []
    specs = (
        WorkerSpec("celery", ["celery", "-A", "tasks", "worker", "--loglevel=info"]),
        WorkerSpec("beat", ["celery", "-A", "tasks", "beat", "--loglevel=info"]),
        # Logs to a file, not to the container's output: its ready line is read from there.
        WorkerSpec("filed", ["celery", "-A", "tasks", "worker", "--loglevel=info",
                             "-n", "filed@%h", "-f", "/tmp/filed.log"]),
    )
    env = {"BROKER_URL": "redis://redis:6379/0"}
    try:
        for side, text in (("before", BEFORE), ("after", AFTER)):
            result = engine.build(tmp_path, text, images[side], timeout=600, labels=labels)
            assert result.ok, result.log_tail
        running: dict[str, dict[str, object]] = {}
        runs: dict[str, list[workers.WorkerRun]] = {}
        for side in images:
            network = f"{run_id}-{side}-net"
            engine.create_network(network, labels)
            networks.append(network)
            svc, statuses = services.start(
                (ServiceSpec("redis", "redis:7", port=6379),),
                side,
                run_id,
                network,
                labels,
                containers.append,
            )
            services.await_ready(
                (ServiceSpec("redis", "redis:7", port=6379),), svc, statuses, time.monotonic(),
                timeout=30,
            )
            assert statuses[0].ready, statuses[0].error
            running[side], runs[side] = workers.start(
                specs, images[side], side, run_id, network, env, labels, containers.append
            )
        # A one-shot service the app waits for: exit 0 is up; one still running at the
        # bound is down (compose would never start the app).
        oneshot = (
            WorkerSpec("init", ["python", "-c", "print('done')"], first=True),
            WorkerSpec("hangs", ["sleep", "60"], first=True),
        )
        first_running: dict[str, dict[str, object]] = {}
        first_runs: dict[str, list[workers.WorkerRun]] = {}
        first_running["after"], first_runs["after"] = workers.start(
            oneshot, images["after"], "after-first", run_id, networks[-1], {}, labels,
            containers.append,
        )
        workers.run_first(first_running, first_runs, seconds=8)  # type: ignore[arg-type]
        assert [(w.name, w.state, w.exit_code) for w in first_runs["after"]] == [
            ("init", "up", 0),
            ("hangs", "down", None),
        ]
        assert first_runs["after"][1].describe().startswith("did not complete (still running")
        workers.stop(first_running)  # type: ignore[arg-type]
        workers.watch(running, runs, time.monotonic(), seconds=20)  # type: ignore[arg-type]
        workers.stop(running)  # type: ignore[arg-type]
        before = SideReport(workers=[w.to_dict() for w in runs["before"]])
        after = SideReport(workers=[w.to_dict() for w in runs["after"]])
        states = {side: [(w.name, w.state) for w in runs[side]] for side in runs}
        assert states == {
            "before": [("celery", "up"), ("beat", "up"), ("filed", "up")],
            "after": [("celery", "up"), ("beat", "down"), ("filed", "up")],
        }, {side: [w.log_tail[-3:] for w in runs[side]] for side in runs}
        # The workers reached the real Redis on both sides; the file-logging one said so in
        # its file (round 16: it never showed a ready line).
        assert all(runs[side][0].ready_line for side in runs)
        assert all("filed@" in (runs[side][2].ready_line or "") for side in runs), [
            runs[side][2].log_tail[-5:] for side in runs
        ]
        fails, _ = workers.judge(before, after)
        assert len(fails) == 1
        assert fails[0].text.startswith("compose service 'beat' (`celery -A tasks beat")
        assert "on the original it is still running" in fails[0].text
        assert any("Permission denied" in line for line in fails[0].cause), fails[0].cause
    finally:
        failures = engine.remove(
            containers=containers, networks=networks, images=list(images.values())
        )
        assert not failures
        assert engine.find_labelled(run_id).empty()
