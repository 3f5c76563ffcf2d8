"""Both sides are waited for at once, and each is asked at least once.

Kelvich322/test_task_django-celery (compose: `migrate && gunicorn`, two Celery services, on a
busy machine): the original's wait took 66 s of its 60 s window; the rewrite's wait, begun only
then, was already past its own deadline and returned "none" without a single probe. Verify
said FAIL, "the rewritten container does not answer HTTP", beside its log line
`Listening at: http://0.0.0.0:8000`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from optimizer import verify
from optimizer.verify import _await_http, _await_sides
from optimizer.verify.report import ProbeResult, VerifyOptions


def test_a_server_up_after_the_deadline_is_still_asked_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    monkeypatch.setattr(verify.engine, "is_running", lambda _c: True)
    monkeypatch.setattr(verify.engine, "host_port", lambda _c, _p: 49999)

    def probe_host(port: int, path: str, host: str, *_a: Any, **_k: Any) -> ProbeResult:
        asked.append(port)
        return ProbeResult(path=path, status=200)

    monkeypatch.setattr(verify, "probe_host", probe_host)
    serving, ready = _await_http("c", 8000, VerifyOptions(), time.monotonic() - 5)
    assert serving == "host" and ready is not None
    assert asked == [49999]


def test_the_sides_are_waited_for_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first side that takes its whole window does not use up the second's."""
    begun: dict[str, float] = {}
    both = threading.Barrier(2, timeout=5)

    def await_http(container: str, port: int, options: VerifyOptions, deadline: float) -> Any:
        begun[container] = time.monotonic()
        both.wait()  # fails (BrokenBarrierError) when the waits run one after the other
        if container == "before":
            time.sleep(0.3)  # the original takes its window
        return ("host", time.monotonic()) if time.monotonic() < deadline else ("none", None)

    monkeypatch.setattr(verify, "_await_http", await_http)
    monkeypatch.setattr(verify.engine, "is_running", lambda _c: False)  # no late round here
    now = time.monotonic()
    found = _await_sides(
        {"before": "before", "after": "after"},
        {"before": 8000, "after": 8000},
        {"before": now, "after": now},
        VerifyOptions(start_timeout=0.2),
    )
    assert found["after"][0] == "host"
    assert found["before"][0] == "none"
    assert abs(begun["before"] - begun["after"]) < 0.2


def test_a_side_not_answering_yet_when_the_other_does_gets_more_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, float]] = []

    def await_http(container: str, port: int, options: VerifyOptions, deadline: float) -> Any:
        calls.append((container, deadline - time.monotonic()))
        if container == "before" or len([c for c in calls if c[0] == "after"]) > 1:
            return ("host", time.monotonic())
        return ("none", None)

    monkeypatch.setattr(verify, "_await_http", await_http)
    monkeypatch.setattr(verify.engine, "is_running", lambda _c: True)
    now = time.monotonic()
    found = _await_sides(
        {"before": "before", "after": "after"}, {"before": 8000, "after": 8000},
        {"before": now, "after": now}, VerifyOptions(start_timeout=0.1),
    )
    assert found["after"][0] == "host"
    late = [left for name, left in calls if name == "after"][1]
    assert verify.LATE_START_SECONDS - 1 < late <= verify.LATE_START_SECONDS


def test_no_more_time_when_no_side_answers_or_the_late_one_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def await_http(container: str, port: int, options: VerifyOptions, deadline: float) -> Any:
        calls.append(container)
        return ("none", None)

    monkeypatch.setattr(verify, "_await_http", await_http)
    monkeypatch.setattr(verify.engine, "is_running", lambda _c: True)
    monkeypatch.setattr(verify.engine, "logs_tail", lambda _c, _n: ["Traceback", "KeyError: 'X'"])
    now = time.monotonic()
    sides = ({"before": "before", "after": "after"}, {"before": 8000, "after": 8000},
             {"before": now, "after": now})
    _await_sides(*sides, VerifyOptions(start_timeout=0.1))
    assert sorted(calls) == ["after", "before"]

    calls.clear()

    def only_before(container: str, port: int, options: VerifyOptions, deadline: float) -> Any:
        calls.append(container)
        return ("host", time.monotonic()) if container == "before" else ("none", None)

    monkeypatch.setattr(verify, "_await_http", only_before)
    monkeypatch.setattr(verify.engine, "is_running", lambda c: c != "after")
    found = _await_sides(*sides, VerifyOptions(start_timeout=0.1))
    assert sorted(calls) == ["after", "before"] and found["after"] == ("none", None)


def test_a_start_still_under_way_in_the_log_gets_more_time_when_no_side_answered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """NathanMartinezC/django-celery-tdd (`migrate && runserver`, Channels) on a busy machine:
    both sides migrated for over a minute and printed "Starting ASGI/Channels version 3.0.4
    development server" 78 s after start; verify said the original does not answer."""
    calls: list[tuple[str, float]] = []

    def await_http(container: str, port: int, options: VerifyOptions, deadline: float) -> Any:
        calls.append((container, deadline - time.monotonic()))
        if len([c for c in calls if c[0] == container]) > 1:
            return ("host", time.monotonic())
        return ("none", None)

    logs = {
        "before": ["  Applying tdd.0001_initial... OK"],
        "after": ["Starting ASGI/Channels version 3.0.4 development server at http://0.0.0.0:8000/",
                  "Quit the server with CONTROL-C."],
    }
    monkeypatch.setattr(verify, "_await_http", await_http)
    monkeypatch.setattr(verify.engine, "is_running", lambda _c: True)
    monkeypatch.setattr(verify.engine, "logs_tail", lambda c, _n: logs[c])
    now = time.monotonic()
    found = _await_sides(
        {"before": "before", "after": "after"}, {"before": 8000, "after": 8000},
        {"before": now, "after": now}, VerifyOptions(start_timeout=0.1),
    )
    assert found["before"][0] == "host" and found["after"][0] == "host"
    for side in ("before", "after"):
        late = [left for name, left in calls if name == side][1]
        assert verify.LATE_START_SECONDS - 1 < late <= verify.LATE_START_SECONDS
    # A log the engine cannot give is no sign of a start.

    def broken(_c: Any, _n: int) -> list[str]:
        raise RuntimeError("gone")

    monkeypatch.setattr(verify.engine, "logs_tail", broken)
    assert not verify.still_starting("before")
