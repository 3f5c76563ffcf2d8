"""On the lab engine: `--installer uv --verify --write` on example 01 (psycopg2 built from
source, Django, gunicorn). The builder installs with uv; verify builds both images, runs both and
compares their responses; the rewrite is written only if that passes. The final image has
psycopg2 loaded from the venv, and neither uv nor pip in the venv."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import example_copy
from typer.testing import CliRunner

from optimizer.cli import app

pytestmark = pytest.mark.engine
_LABEL = "dj-optimize.test=installer-uv"


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_uv_builder_verifies_and_ships_no_installer(tmp_path: Path) -> None:
    root = example_copy("01-tutorial", tmp_path / "app")
    result = CliRunner().invoke(
        app, ["--installer", "uv", "--verify", "--no-rebuild", "--write", str(root / "Dockerfile")]
    )
    assert result.exit_code == 0, result.output
    assert "verify: PASS" in result.output, result.output
    written = (root / "Dockerfile").read_text()
    assert "uv pip install -r requirements.txt" in written
    assert "PIP_PYTHON" not in written
    tag = f"installer-uv-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        probe = (
            "import importlib.util as u, psycopg2, sys; "
            "print(psycopg2.__file__.startswith('/opt/venv/'), "
            "[m for m in ('uv', 'pip') if u.find_spec(m) and "
            "u.find_spec(m).origin.startswith('/opt/venv/')])"
        )
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip() == "True []", ran.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)
