"""A pre-step container whose entrypoint ignores the step's command and starts a server, run
against the lab engine (optimizer/verify/services.run_pre).

archit15singh's compose entrypoint /entry.sh (written by `RUN echo` in its Dockerfile) migrates
and then runs gunicorn whatever it is given: verify's `migrate` pre-step container served for the
whole 300 s bound. Here a python:3.11-slim container with such an entrypoint (a `sh -c` string
that prints gunicorn's listening line and sleeps) must be seen in seconds, stopped and
removed, and count as not run.
"""

from __future__ import annotations

import time
import uuid

import pytest

from optimizer import engine
from optimizer.verify import services

pytestmark = pytest.mark.engine


def test_a_pre_step_entrypoint_that_serves_is_stopped_at_once() -> None:
    if not engine.engine_available() or not engine.image_exists("python:3.11-slim"):
        pytest.skip("no engine or no python:3.11-slim stand-in (run ../shared/lab/images-up)")
    run_id = f"verify15-pre-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    network = f"{run_id}-net"
    names: list[str] = []
    engine.create_network(network, labels)
    try:
        started = time.monotonic()
        step = services.run_pre(
            "python:3.11-slim",
            f"{run_id}-before-pre",
            ["python", "manage.py", "migrate", "--noinput"],
            entrypoint=[
                "/bin/sh", "-c",
                "echo '[INFO] Listening at: http://0.0.0.0:8000 (1)'; exec sleep 600",
            ],
            env={},
            network=network,
            labels=labels,
            register=names.append,
            timeout=60,
        )
        assert time.monotonic() - started < 30
        assert step.served == "[INFO] Listening at: http://0.0.0.0:8000 (1)"
        assert step.ok and step.exit_code is None
    finally:
        failures = engine.remove(containers=names, networks=[network])
        assert not failures
        assert engine.find_labelled(run_id).empty()
