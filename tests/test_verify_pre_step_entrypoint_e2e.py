"""The migrate pre-step past an entrypoint that ignores its arguments, against the lab engine
and a real Postgres (optimizer/verify/services.run_pre with the plan's pre_entrypoint).

latifeu/picus-case's `ENTRYPOINT ["/app/django.sh"]` only starts the server: through it, the
pre-step served for its whole bound instead of migrating. Here an image whose entrypoint
script sleeps forever (a server that never reads "$@") runs the pre-step: with the plan's
pre_entrypoint ([""], no entrypoint) it reaches Postgres by its compose name and exits 0 at
once; through the entrypoint it is still running at the bound.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from optimizer import engine
from optimizer.verify import services
from optimizer.verify.runplan import ServiceSpec

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY serve.sh /app/serve.sh
RUN chmod +x /app/serve.sh
ENTRYPOINT ["/app/serve.sh"]
"""
SERVE = "#!/bin/sh\necho serving\nexec sleep 600\n"
# What `manage.py migrate` needs first: the database, by the name compose gives it.
REACH_DB = [
    "python", "-c",
    "import socket; socket.create_connection(('db', 5432), timeout=5).close(); print('migrated')",
]


def test_the_pre_step_runs_without_an_entrypoint_that_ignores_its_arguments(
    tmp_path: Path,
) -> None:
    if not engine.engine_available() or not engine.image_exists("postgres:17"):
        pytest.skip("no engine or no postgres:17 stand-in (run ../shared/lab/images-up)")
    if not engine.image_exists("python:3.11-slim"):
        pytest.skip("no python:3.11-slim stand-in (run ../shared/lab/images-up)")
    run_id = f"verify11-pre-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    (tmp_path / "serve.sh").write_text(SERVE)
    image = f"{run_id}-app"
    network = f"{run_id}-net"
    names: list[str] = []
    spec = ServiceSpec("db", "postgres:17", {"POSTGRES_PASSWORD": "pw"}, port=5432)
    try:
        result = engine.build(tmp_path, DOCKERFILE, image, timeout=600, labels=labels)
        assert result.ok, result.log_tail
        engine.create_network(network, labels)
        containers, statuses = services.start((spec,), "after", run_id, network, labels,
                                              names.append)
        services.await_ready((spec,), containers, statuses, time.monotonic(), timeout=60)
        assert statuses[0].ready, statuses[0].error
        common = {"env": {}, "network": network, "labels": labels, "register": names.append}
        without = services.run_pre(image, f"{run_id}-pre", REACH_DB, entrypoint=[""],
                                   timeout=60, **common)  # type: ignore[arg-type]
        assert (without.ok, without.exit_code, without.error) == (True, 0, None)
        through = services.run_pre(image, f"{run_id}-pre-through", REACH_DB, entrypoint=None,
                                   timeout=8, **common)  # type: ignore[arg-type]
        assert not through.ok
        assert through.error == "did not finish in 8 s"
        assert any("serving" in line for line in through.log_tail)
    finally:
        failures = engine.remove(containers=names, networks=[network], images=[image])
        assert not failures
        assert engine.find_labelled(run_id).empty()
