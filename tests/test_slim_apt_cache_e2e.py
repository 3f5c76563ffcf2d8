"""On the lab engine: a slim-based Dockerfile that apt-installs a compiler and libpq-dev to build
psycopg2 from source (docker init's template with the line users add). The rewrite's builder
keeps apt's downloads in cache mounts, with Debian's docker-clean hook removed in the same RUN
as the install; the final stage gets libpq5 only and runs as uid 10001. The image must build,
and psycopg2 must load in it.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

_LABEL = "dj-optimize.test=slim-apt-cache"

DOCKERFILE = """\
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \\
    gcc \\
    libc6-dev \\
    libpq-dev \\
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_slim_builder_with_apt_cache_mounts_builds_and_loads_psycopg2(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text(
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n"
    )
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    rewritten = outcome.files["Dockerfile"]
    joined = rewritten.replace("\\\n", " ")
    hook = [line for line in joined.splitlines() if "docker-clean" in line]
    assert len(hook) == 1 and "apt-get install" in hook[0], rewritten
    assert "--mount=type=cache,target=/var/cache/apt" in hook[0], rewritten
    (tmp_path / "Dockerfile").write_text(rewritten)
    tag = f"slim-apt-cache-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(tmp_path), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        probe = "import psycopg2, os; print(os.getuid(), psycopg2.__libpq_version__ > 0)"
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.split() == ["10001", "True"], ran.stdout
        # The compiler stayed in the builder.
        gcc = _docker("run", "--rm", "--label", _LABEL, tag, "sh", "-c", "command -v gcc || true")
        assert gcc.stdout.strip() == "", gcc.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)
