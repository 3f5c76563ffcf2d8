"""A pre-step whose entrypoint starts the server instead of running the step's command is seen
at once and counts as not run (optimizer/verify/services.run_pre), without an engine: the
engine calls are fakes that answer as archit15singh's image did.

archit15singh/django-redis-celery-postgres-bulma-docker-compose writes /entry.sh with `RUN echo`
(migrate, ..., gunicorn) and compose runs it as the entrypoint: verify cannot read a script the
image writes, ran `migrate` through it, and the "pre-step" container served gunicorn for the
whole 300 s bound on the original, which made the verdict inconclusive.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from optimizer.verify import services
from optimizer.verify.compare import decide
from optimizer.verify.report import SideReport


def _fake_engine(monkeypatch: pytest.MonkeyPatch, log: list[str], exits: int | None) -> None:
    monkeypatch.setattr(services.engine, "run_container", lambda *a, **k: "pre-container")
    real_sleep = time.sleep

    def wait_exit(_c: Any, timeout: float) -> int | None:
        real_sleep(min(timeout, 0.01))
        return exits

    monkeypatch.setattr(services.engine, "wait_exit", wait_exit)
    monkeypatch.setattr(services.engine, "logs_tail", lambda _c, _n: list(log))
    monkeypatch.setattr(services.engine, "remove", lambda **_k: [])


def test_an_entrypoint_that_serves_instead_is_seen_and_not_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = [
        "132 static files copied to '/static'.",
        "[2026-12-03 18:34:10 +0000] [10] [INFO] Starting gunicorn 27.0.1",
        "[2026-12-03 18:34:10 +0000] [10] [INFO] Listening at: http://0.0.0.0:8000 (10)",
    ]
    _fake_engine(monkeypatch, log, None)
    started = time.monotonic()
    step = services.run_pre(
        "img", "pre", ["python", "manage.py", "migrate", "--noinput"],
        entrypoint=["/entry.sh"], env={}, network="net", labels={}, register=lambda _n: None,
        timeout=60,
    )
    assert time.monotonic() - started < 5
    assert step.served == log[-1]
    assert step.ok and step.exit_code is None
    assert step.error is not None and "does not run its arguments" in step.error
    # Not a failure of either side: the verdict rests on what the app does.
    before = SideReport(build_ok=True, started=True, serving="host", pre_step=step.to_dict())
    after = SideReport(build_ok=True, started=True, serving="host", pre_step=step.to_dict())
    verdict, reasons = decide(before, after, {})
    assert not any("pre-step" in r.text for r in reasons), verdict


def test_a_step_that_runs_and_fails_is_still_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_engine(monkeypatch, ["django.db.utils.OperationalError: no such table"], 1)
    step = services.run_pre(
        "img", "pre", ["python", "manage.py", "migrate"], entrypoint=None, env={},
        network="net", labels={}, register=lambda _n: None, timeout=60,
    )
    assert (step.exit_code, step.ok, step.served) == (1, False, None)
