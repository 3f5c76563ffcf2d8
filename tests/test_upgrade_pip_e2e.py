"""On the lab engine: a Dockerfile that upgrades pip before its install (fly launch's template
does) gets a lean venv all the same. `--verify --write` on example 01 with `pip install --upgrade
pip` in the install's RUN: verify passes; in the builder the base image's pip is the upgraded
one (it is what installs into the venv); the final image's venv has psycopg2 and no pip."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import example_copy
from typer.testing import CliRunner

from optimizer.cli import app

pytestmark = pytest.mark.engine
_LABEL = "dj-optimize.test=upgrade-pip"


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _pip_version(text: str) -> tuple[int, ...]:
    found = re.search(r"pip (\d+(?:\.\d+)*) from (\S+)", text)
    assert found, text
    return tuple(int(p) for p in found[1].split("."))


def test_upgraded_base_pip_fills_a_venv_without_pip(tmp_path: Path) -> None:
    root = example_copy("01-tutorial", tmp_path / "app")
    dockerfile = root / "Dockerfile"
    original = dockerfile.read_text()
    assert "RUN pip install -r requirements.txt" in original
    dockerfile.write_text(
        original.replace(
            "RUN pip install -r requirements.txt",
            "RUN pip install --upgrade pip && pip install -r requirements.txt",
        )
    )
    result = CliRunner().invoke(app, ["--verify", "--no-rebuild", "--write", str(dockerfile)])
    assert result.exit_code == 0, result.output
    assert "verify: PASS" in result.output, result.output
    written = dockerfile.read_text()
    assert "PIP_PYTHON='' pip install --upgrade pip" in written, written
    assert "--without-pip" in written, written
    tag = f"upgrade-pip-{uuid.uuid4().hex[:8]}"
    try:
        base_pip = _docker("run", "--rm", "--label", _LABEL, "python:3.11", "pip", "--version")
        assert base_pip.returncode == 0, base_pip.stderr
        built = _docker("build", "-q", "--label", _LABEL, "--target", "builder",
                        "-t", f"{tag}-builder", str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        builder_pip = _docker("run", "--rm", "--label", _LABEL, f"{tag}-builder",
                              "/usr/local/bin/pip", "--version")
        assert builder_pip.returncode == 0, builder_pip.stderr
        # The upgrade reached the pip that installs (the lab's mirror has a newer pip than the
        # image's), not the venv.
        assert _pip_version(builder_pip.stdout) > _pip_version(base_pip.stdout), (
            base_pip.stdout, builder_pip.stdout,
        )
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        probe = (
            "import importlib.util as u, psycopg2; "
            "print(psycopg2.__file__.startswith('/opt/venv/'), "
            "[m for m in ('pip', 'setuptools') if u.find_spec(m) and "
            "u.find_spec(m).origin.startswith('/opt/venv/')])"
        )
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip() == "True []", ran.stdout
    finally:
        _docker("rmi", "-f", tag, f"{tag}-builder", timeout=120)
