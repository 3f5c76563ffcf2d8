"""A Celery worker that dies with a traceback and exits 0, watched on the lab engine
(optimizer/verify/workers.py).

Rudra370/Youtube-Video-Django-Celery-Docker (verify15): `celery -A core worker -B` fails on
kombu's VersionMismatch and Celery exits 0; verify called it "ran and exited 0", up. Here a
python:3.11-slim container whose entrypoint prints such a traceback and exits 0 under the
worker's command stands in for it (no Celery needed), beside a worker that keeps running: the
first must be down, the second up, and everything removed.
"""

from __future__ import annotations

import time
import uuid

import pytest

from optimizer import engine
from optimizer.verify import workers
from optimizer.verify.runplan import WorkerSpec

pytestmark = pytest.mark.engine

CRASH = (
    "echo ' -------------- celery@host v5.2.7 (dawn-chorus)'; "
    "echo 'Traceback (most recent call last):'; "
    "echo 'kombu.exceptions.VersionMismatch: Redis transport requires redis-py versions "
    "6.1.0 or later. You have 4.3.3'; exit 0"
)


def test_a_worker_that_exits_0_after_a_traceback_is_down() -> None:
    if not engine.engine_available() or not engine.image_exists("python:3.11-slim"):
        pytest.skip("no engine or no python:3.11-slim stand-in (run ../shared/lab/images-up)")
    run_id = f"verify15-w0-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    network = f"{run_id}-net"
    names: list[str] = []
    specs = (
        WorkerSpec("celery_worker", ["celery", "-A", "core", "worker", "-B"],
                   entrypoint=["/bin/sh", "-c", CRASH]),
        WorkerSpec("beat", ["celery", "-A", "core", "beat"],
                   entrypoint=["/bin/sh", "-c", "exec sleep 60"]),
    )
    engine.create_network(network, labels)
    running: dict[str, dict[str, object]] = {}
    try:
        running["after"], runs = workers.start(
            specs, "python:3.11-slim", "after", run_id, network, {}, labels, names.append
        )
        workers.watch(running, {"after": runs}, time.monotonic(), seconds=8)  # type: ignore[arg-type]
        workers.stop(running)  # type: ignore[arg-type]
        crashed, beat = runs
        assert (crashed.state, crashed.exit_code) == ("down", 0), crashed.log_tail
        assert "after a traceback" in crashed.describe()
        assert beat.state == "up" and beat.exit_code is None
    finally:
        failures = engine.remove(containers=names, networks=[network])
        assert not failures
        assert engine.find_labelled(run_id).empty()
