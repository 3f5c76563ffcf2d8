"""Waiting for a side's services (optimizer/verify/services.await_ready), without an engine:
the engine calls are replaced by fakes that answer as CR_8_Docker's db and redis did."""

from __future__ import annotations

import time
from typing import Any

import pytest

from optimizer.verify import services
from optimizer.verify.runplan import ServiceSpec


def test_a_compose_shell_healthcheck_runs_its_words_as_docker_does() -> None:
    # Docker appends CMD-SHELL's words after `/bin/sh -c`: CR_8_Docker's test passes there.
    test = ["CMD-SHELL", "-c", "pg_isready -d $POSTGRES_DB -U $POSTGRES_USER"]
    assert services.healthcheck_command(test) == [
        "/bin/sh",
        "-c",
        "-c",
        "pg_isready -d $POSTGRES_DB -U $POSTGRES_USER",
    ]
    assert services.healthcheck_command(["CMD-SHELL", "pg_isready -U app"]) == [
        "/bin/sh",
        "-c",
        "pg_isready -U app",
    ]
    assert services.healthcheck_command(["CMD", "redis-cli", "ping"]) == ["redis-cli", "ping"]


def test_a_service_that_never_gets_ready_does_not_use_up_the_others_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CR_8_Docker (before the healthcheck fix): db's healthcheck failed for the whole 90 s,
    # then redis, which answered at once, was reported "not ready after 90 s" unchecked.
    db = ServiceSpec("db", "postgres:16", port=5432, healthcheck=["CMD-SHELL", "false"])
    redis = ServiceSpec("redis", "redis:7", port=6379)
    containers: dict[str, Any] = {"db": "db-container", "redis": "redis-container"}
    statuses = [
        services.ServiceStatus("db", db.image, "c-db"),
        services.ServiceStatus("redis", redis.image, "c-redis"),
    ]
    real_sleep = time.sleep
    monkeypatch.setattr(services.time, "sleep", lambda _s: real_sleep(0.01))
    monkeypatch.setattr(services.engine, "is_running", lambda _c: True)
    monkeypatch.setattr(services.engine, "host_port", lambda _c, port: 40000 + port)
    monkeypatch.setattr(services, "tcp_ready", lambda _port, _image: True)
    monkeypatch.setattr(
        services.engine, "exec_in", lambda _c, _cmd: (1, "/var/run/postgresql:5432 - no response\n")
    )
    monkeypatch.setattr(services.engine, "logs_tail", lambda c, _n: [f"{c} log"])
    services.await_ready((db, redis), containers, statuses, time.monotonic(), timeout=0.5)
    db_status, redis_status = statuses
    assert redis_status.ready and redis_status.error is None
    assert not db_status.ready
    assert db_status.error == (
        "its compose healthcheck still fails after 0 s (exit 1: /var/run/postgresql:5432 - "
        "no response)"
    )
    assert db_status.log_tail == ["db-container log"] and redis_status.log_tail == []


def test_the_second_side_s_services_are_checked_after_the_first_used_up_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Despair-17/YourBlog (verify15): the original's redis failed its healthcheck for the
    # sides' whole shared bound; the rewrite's postgres and redis, up all along, were then
    # reported "not ready after 90 s" without one check, and its pre-step was skipped.
    db = ServiceSpec("db", "postgres:16", port=5432)
    redis = ServiceSpec("redis", "redis:7", port=6379)
    containers: dict[str, Any] = {"db": "db-container", "redis": "redis-container"}
    statuses = [
        services.ServiceStatus("db", db.image, "c-db"),
        services.ServiceStatus("redis", redis.image, "c-redis"),
    ]
    real_sleep = time.sleep
    monkeypatch.setattr(services.time, "sleep", lambda _s: real_sleep(0.01))
    monkeypatch.setattr(services.engine, "is_running", lambda _c: True)
    monkeypatch.setattr(services.engine, "host_port", lambda _c, port: 40000 + port)
    monkeypatch.setattr(services, "tcp_ready", lambda _port, _image: True)
    monkeypatch.setattr(services.engine, "logs_tail", lambda c, _n: [f"{c} log"])
    started = time.monotonic() - 95  # both sides' services started together, 95 s ago
    services.await_ready((db, redis), containers, statuses, started, timeout=90)
    assert [(s.name, s.ready, s.error) for s in statuses] == [
        ("db", True, None),
        ("redis", True, None),
    ]
