"""On the lab engine: a PDM project whose Dockerfile copies the source, then `pdm install
--prod`, and starts gunicorn with `pdm run`. The rewrite must copy pyproject.toml + pdm.lock
before the source, install in a builder into /opt/venv, and ship neither PDM nor the builder's
tools: the image builds, Django and gunicorn load from /opt/venv, `pdm` is not in the final
image, and the project directory holds no PDM venv of its own.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

_LABEL = "dj-optimize.test=pdm"
_DATA = Path(__file__).parent / "data" / "pdm-project"

DOCKERFILE = """\
FROM python:3.11
RUN pip install pdm
WORKDIR /app
COPY . /app
RUN pdm install --prod --frozen-lockfile
CMD ["pdm", "run", "gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_a_pdm_install_is_built_in_the_builder_and_runs_from_the_venv(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    for name in ("pyproject.toml", "pdm.lock"):
        shutil.copy(_DATA / name, tmp_path / name)
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    rewritten = outcome.files["Dockerfile"]
    froms = [line for line in rewritten.splitlines() if line.startswith("FROM ")]
    assert froms == ["FROM python:3.11 AS builder", "FROM python:3.11-slim"], rewritten
    assert "COPY pyproject.toml pdm.lock ./" in rewritten, rewritten
    assert 'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]' in rewritten, rewritten
    # The lab's package index pairs the newest PDM with a hishel 2 it cannot import (`module
    # 'hishel' has no attribute 'SyncSqliteStorage'`): the pin goes into the text that is built,
    # after the rewrite, so the rewrite itself sees the plain `pip install pdm` people write.
    assert rewritten.count("pip install pdm\n") == 1, rewritten
    pinned = 'pip install pdm "hishel<2"\n'
    outcome.files["Dockerfile"] = rewritten.replace("pip install pdm\n", pinned)
    for key, text in outcome.files.items():
        (tmp_path / key).write_text(text)
    tag = f"layoutk-pdm-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(tmp_path), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        probe = "import django, gunicorn; print(django.__file__); print(gunicorn.__file__)"
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert all(line.startswith("/opt/venv/") for line in ran.stdout.split()), ran.stdout
        left = _docker(
            "run", "--rm", "--label", _LABEL, tag, "sh", "-c",
            "command -v pdm gcc; ls -A /app/.venv /app/.pdm-python 2>/dev/null; true",
        )
        assert left.stdout.strip() == "", left.stdout
        # The CMD without `pdm run`: gunicorn from the venv serves (the empty URLconf: 404).
        name = f"{tag}-run"
        started = _docker(
            "run", "-d", "--name", name, "--label", _LABEL, "-p", "127.0.0.1::8000", tag
        )
        assert started.returncode == 0, started.stderr
        port = _docker("port", name, "8000/tcp").stdout.split(":")[-1].strip()
        status = None
        deadline = time.monotonic() + 60
        while status is None and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
                status = 200
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(1)
        logs = _docker("logs", name).stderr
        assert status == 404, logs[-2000:]
        assert "/opt/venv/bin/gunicorn" in _docker(
            "exec", name, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"
        ).stdout
    finally:
        _docker("rm", "-f", f"{tag}-run", timeout=60)
        _docker("rmi", "-f", tag, timeout=120)
