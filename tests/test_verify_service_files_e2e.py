"""A compose healthcheck that needs a file the compose file bind-mounts into the service, run
against the lab engine (optimizer/verify/services.py, engine.run_container's `files`).

Despair-17/YourBlog's postgres healthcheck is `["CMD-SHELL", "chmod +x
/usr/local/bin/pg_healthcheck.sh", "/usr/local/bin/pg_healthcheck.sh"]`, the script mounted from
the project. Without the file the check fails (chmod: cannot access) and verify waited out its
bound on a database that was up. Here a real postgres:17 gets such a check on a script written
by the test: copied in, the service is ready; the copy is in the container, as mounted.
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


def test_a_healthcheck_on_a_mounted_script_passes(tmp_path: Path) -> None:
    if not engine.engine_available() or not engine.image_exists("postgres:17"):
        pytest.skip("no engine or no postgres:17 stand-in (run ../shared/lab/images-up)")
    script = tmp_path / "pg_healthcheck.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o644)  # as git checks it out: the healthcheck makes it executable
    target = "/usr/local/bin/pg_healthcheck.sh"
    run_id = f"verify15-files-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    network = f"{run_id}-net"
    spec = ServiceSpec(
        "postgres-db",
        "postgres:17",
        environment={"POSTGRES_PASSWORD": "pw"},
        port=5432,
        healthcheck=["CMD-SHELL", f"chmod +x {target}", target],
        files=((str(script), target),),
    )
    names: list[str] = []
    containers: dict[str, object] = {}
    engine.create_network(network, labels)
    try:
        containers, statuses = services.start(
            (spec,), "after", run_id, network, labels, names.append
        )
        services.await_ready((spec,), containers, statuses, time.monotonic(), timeout=60)
        assert [(s.name, s.ready, s.error) for s in statuses] == [("postgres-db", True, None)]
        code, output = engine.exec_in(containers["postgres-db"], ["cat", target])
        assert (code, output.strip()) == (0, "#!/bin/sh\nexit 0")
    finally:
        failures = engine.remove(containers=names, networks=[network])
        assert not failures
        assert engine.find_labelled(run_id).empty()
