"""A pass-through compose variable nothing sets is not set in the app's container, read with
the real `docker compose config` and run in a real container (tests/test_compose_unset_
environment.py has the unit side; Zakodirovannie/vstrechya-backend's `- DEBUG` became
DEBUG="" and `int("")` stopped its settings).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from optimizer import compose, engine
from optimizer.context import DjangoProject
from optimizer.verify import services
from optimizer.verify.runplan import Flags, derive

pytestmark = pytest.mark.engine

CHECK = (
    "import os, sys; "
    "sys.exit(3 if 'DJOPT_E2E_UNSET' in os.environ else "
    "0 if os.environ.get('DJOPT_E2E_SET') == '1' else 4)"
)


def test_an_unset_pass_through_variable_stays_out_of_the_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not engine.engine_available() or not engine.image_exists("python:3.11-slim"):
        pytest.skip("no engine or no python:3.11-slim stand-in (run ../shared/lab/images-up)")
    if not compose.compose_available():
        pytest.skip("no docker compose")
    monkeypatch.delenv("DJOPT_E2E_UNSET", raising=False)
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nCMD x\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  web:\n"
        "    build: .\n"
        "    ports: ['8000:8000']\n"
        "    environment: [DJOPT_E2E_UNSET, DJOPT_E2E_SET=1]\n"
    )
    loaded = compose.load(tmp_path)
    assert loaded is not None
    assert loaded.services["web"].unset == ("DJOPT_E2E_UNSET",)
    project = DjangoProject(root=tmp_path, manage_py="manage.py")
    plan = derive(
        project, "FROM python:3.11-slim\nCMD x\n", Flags(), loaded, tmp_path / "Dockerfile"
    )
    run_id = f"verify24-unset-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    network = f"{run_id}-net"
    names: list[str] = []
    engine.create_network(network, labels)
    try:
        step = services.run_pre(
            "python:3.11-slim",
            f"{run_id}-pre",
            ["python", "-c", CHECK],
            entrypoint=None,
            env=plan.env,
            network=network,
            labels=labels,
            register=names.append,
            timeout=60,
        )
        assert step.exit_code == 0, (step.exit_code, plan.env)
        # Set in the shell that runs Compose, it is passed through as Compose passes it.
        monkeypatch.setenv("DJOPT_E2E_UNSET", "shell")
        loaded = compose.load(tmp_path)
        assert loaded is not None
        assert loaded.services["web"].environment["DJOPT_E2E_UNSET"] == "shell"
        assert loaded.services["web"].unset == ()
    finally:
        failures = engine.remove(containers=names, networks=[network])
        assert not failures
        assert engine.find_labelled(run_id).empty()
