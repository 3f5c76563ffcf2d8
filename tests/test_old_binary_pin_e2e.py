"""On the lab engine: `psycopg2-binary==2.9.3` has no wheel for Python 3.11 (the first is
2.9.5), so pip builds it from its sdist, which the full python:3.11 image can and a slim one
cannot (`pg_config executable not found`). The rewrite must keep a builder with the compiler
and give the slim final stage libpq5: the image builds, psycopg2 2.9.3 loads, no gcc ships.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import SKELETON

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

_LABEL = "dj-optimize.test=old-binary-pin"

DOCKERFILE = """\
FROM python:3.11
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]
"""


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_an_old_binary_pin_is_built_in_the_builder_and_loads_in_the_slim_image(
    tmp_path: Path,
) -> None:
    for rel, text in SKELETON.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "requirements.txt").write_text(
        "Django==4.2.16\ngunicorn==23.0.0\npsycopg2-binary==2.9.3\n"
    )
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    rewritten = optimize(tmp_path / "Dockerfile", tmp_path).files["Dockerfile"]
    froms = [line for line in rewritten.splitlines() if line.startswith("FROM ")]
    assert froms == ["FROM python:3.11 AS builder", "FROM python:3.11-slim"], rewritten
    (tmp_path / "Dockerfile").write_text(rewritten)
    tag = f"old-binary-pin-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(tmp_path), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        probe = "import psycopg2; print(psycopg2.__version__.split()[0])"
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip() == "2.9.3", ran.stdout
        gcc = _docker("run", "--rm", "--label", _LABEL, tag, "sh", "-c", "command -v gcc || true")
        assert gcc.stdout.strip() == "", gcc.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)
