"""A compose healthcheck in CMD-SHELL form with several words, run against the lab engine as
Docker runs it (optimizer/verify/services.py).

CR_8_Docker's db declares `test: ["CMD-SHELL", "-c", "pg_isready ..."]`: Docker runs
`/bin/sh -c -c "pg_isready ..."`, which passes; verify joined the words into
`/bin/sh -c "-c pg_isready ..."` (exit 2, "Illegal option"), waited its 90 s on the db and then
called the redis beside it "not ready" unchecked. Here two redis:7 containers stand in, one with
such a healthcheck (`test -d /tmp`, which any image passes): both must be ready.
"""

from __future__ import annotations

import time
import uuid

import pytest

from optimizer import engine
from optimizer.verify import services
from optimizer.verify.runplan import ServiceSpec

pytestmark = pytest.mark.engine


def test_a_multi_word_shell_healthcheck_passes_as_it_does_under_compose() -> None:
    if not engine.engine_available() or not engine.image_exists("redis:7"):
        pytest.skip("no engine or no redis:7 stand-in (run ../shared/lab/images-up)")
    run_id = f"corpusi-hc-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    network = f"{run_id}-net"
    specs = (
        ServiceSpec("db", "redis:7", port=6379, healthcheck=["CMD-SHELL", "-c", "test -d /tmp"]),
        ServiceSpec("cache", "redis:7", port=6379),
    )
    names: list[str] = []
    engine.create_network(network, labels)
    try:
        containers, statuses = services.start(
            specs, "after", run_id, network, labels, names.append
        )
        services.await_ready(specs, containers, statuses, time.monotonic(), timeout=30)
        assert [(s.name, s.ready, s.error) for s in statuses] == [
            ("db", True, None),
            ("cache", True, None),
        ]
    finally:
        failures = engine.remove(containers=names, networks=[network])
        assert not failures
        assert engine.find_labelled(run_id).empty()
