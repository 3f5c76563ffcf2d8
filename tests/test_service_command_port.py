"""The readiness port of a compose service whose own command moves its server off the family's
default (round 9, asgi9: Erserik/test_redis runs `redis-server --port 6388`; verify checked
6379 for 90 s, then called the run inconclusive although Redis logged "Ready to accept
connections")."""

from __future__ import annotations

import pytest

from optimizer.compose import Service
from optimizer.verify.runplan import compose_service_spec


@pytest.mark.parametrize(
    "image, command, environment, port",
    [
        ("redis:latest", ["redis-server", "--port", "6388"], {}, 6388),
        ("redis:7", ["redis-server", "--appendonly", "yes"], {}, 6379),
        ("redis:7", None, {}, 6379),
        ("postgres:17", ["postgres", "-p", "5433"], {}, 5433),
        ("postgres:17", ["postgres", "-c", "port=5434", "-c", "fsync=off"], {}, 5434),
        ("postgres:17", None, {"PGPORT": "5435"}, 5435),
        ("mariadb:10.11", ["--port=3307"], {}, 3307),
        ("mariadb:10.11", ["mysqld", "-P3308"], {}, 3308),
    ],
)
def test_service_readiness_port_follows_its_command(
    image: str, command: list[str] | None, environment: dict[str, str], port: int
) -> None:
    service = Service(name="db", image=image, command=command, environment=environment)
    spec, why = compose_service_spec(service)
    assert why is None and spec is not None
    assert spec.port == port
