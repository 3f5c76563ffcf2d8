"""The start wait on the lab engine: a side that starts listening after its window, while the
other side already answers, is still found serving (tests/test_verify_await_sides.py has the
unit side; Kelvich322/test_task_django-celery's rewrite, listening a little after its 60 s, was
called "does not answer HTTP").
"""

from __future__ import annotations

import time
import uuid

import pytest

from optimizer import engine
from optimizer.verify import _await_sides
from optimizer.verify.report import VerifyOptions

pytestmark = pytest.mark.engine

IMAGE = "python:3.11-slim"


def test_a_late_listener_is_found_when_the_other_side_answers() -> None:
    if not engine.engine_available() or not engine.image_exists(IMAGE):
        pytest.skip(f"no engine or no {IMAGE} stand-in (run ../shared/lab/images-up)")
    run_id = f"verify23-late-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    serve = "python -m http.server 8000 --bind 0.0.0.0"
    containers = {}
    try:
        started = {}
        for name, delay in (("before", 0), ("after", 6)):
            containers[name] = engine.run_container(
                IMAGE, f"{run_id}-{name}", port=8000, env={}, labels=labels,
                command=["sh", "-c", f"sleep {delay}; exec {serve}"],
            )
            started[name] = time.monotonic()
        found = _await_sides(
            containers, {"before": 8000, "after": 8000}, started,
            VerifyOptions(start_timeout=3.0),
        )
        assert found["before"][0] == "host"
        assert found["after"][0] == "host", found
        ready = found["after"][1]
        assert ready is not None and ready - started["after"] > 3.0
    finally:
        assert not engine.remove(containers=[f"{run_id}-{name}" for name in containers])
        assert engine.find_labelled(run_id).empty()


def test_both_sides_still_migrating_at_the_deadline_are_waited_for() -> None:
    """NathanMartinezC/django-celery-tdd on a busy machine: `migrate && runserver` printed its
    migrations and then its server line past the window on both sides; neither answered, and
    nothing was waited for longer."""
    if not engine.engine_available() or not engine.image_exists(IMAGE):
        pytest.skip(f"no engine or no {IMAGE} stand-in (run ../shared/lab/images-up)")
    run_id = f"verify24-migrating-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    serve = "python -m http.server 8000 --bind 0.0.0.0"
    migrate = "echo 'Running migrations:'; for n in 1 2 3 4 5 6; do " \
        "echo \"  Applying tdd.000${n}_initial... OK\"; sleep 1; done"
    containers = {}
    try:
        started = {}
        for name in ("before", "after"):
            containers[name] = engine.run_container(
                IMAGE, f"{run_id}-{name}", port=8000, env={}, labels=labels,
                command=["sh", "-c", f"{migrate}; exec {serve}"],
            )
            started[name] = time.monotonic()
        found = _await_sides(
            containers, {"before": 8000, "after": 8000}, started,
            VerifyOptions(start_timeout=3.0),
        )
        for name in ("before", "after"):
            assert found[name][0] == "host", found
            ready = found[name][1]
            assert ready is not None and ready - started[name] > 3.0
    finally:
        assert not engine.remove(containers=[f"{run_id}-{name}" for name in containers])
        assert engine.find_labelled(run_id).empty()
