"""On the lab engine: `uv sync --frozen --no-dev` at build, `uv run ...` at start (honest-sign's
pattern). `uv run` syncs first with the default groups: it installs the dev group into the venv
the build made as root. As root (the original) that works; as uid 10001 (what non-root used to
add) it fails with "Permission denied". non-root now keeps root there, and switches when the
build and the run select the same packages."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine
_LABEL = "dj-optimize.test=uv-run-non-root"

PYPROJECT = """\
[project]
name = "probe"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["django>=5.1,<5.3"]

[dependency-groups]
dev = ["six"]
"""
# The lock is made in the build (no uv here to make it): then the sync the rewrite sees.
DOCKERFILE = """\
FROM python:3.13-slim
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml ./
RUN uv lock && uv sync --frozen {flags} --no-cache
COPY . .
CMD ["uv", "run", "python", "-c", "import django; print('django', django.get_version())"]
"""


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _build_and_run(root: Path, text: str, tag: str) -> subprocess.CompletedProcess[str]:
    (root / "Dockerfile").write_text(text, encoding="utf-8")
    built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    return _docker("run", "--rm", "--label", _LABEL, tag, timeout=180)


def test_uv_run_after_a_no_dev_sync_stays_root_and_starts(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    (case / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (case / "Dockerfile").write_text(DOCKERFILE.format(flags="--no-dev"), encoding="utf-8")
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "Dockerfile" not in outcome.files  # root kept
    skipped = [n for change in outcome.skipped for n in change.notes]
    assert any("uv run" in n for n in skipped), skipped

    tag = f"rw12-uv-run-{uuid.uuid4().hex[:8]}"
    tags = [tag + "-root", tag + "-user", tag + "-same"]
    try:
        original = DOCKERFILE.format(flags="--no-dev")
        ran = _build_and_run(root, original, tags[0])
        assert ran.returncode == 0 and "django 5." in ran.stdout, ran.stderr[-2000:]
        # What the old rewrite did: USER 10001 over the root-made venv.
        as_user = original.replace("\nCMD", "\nRUN useradd --create-home --uid 10001 app "
                                   "&& chown 10001:10001 /app\nUSER 10001\nCMD")
        ran = _build_and_run(root, as_user, tags[1])
        assert ran.returncode != 0 and "Permission denied" in ran.stderr, ran.stderr[-2000:]
        # The same selection at build and run: non-root switches, and the image starts.
        same = DOCKERFILE.format(flags="")
        (root / "Dockerfile").write_text(same, encoding="utf-8")
        switched = optimize(root / "Dockerfile", root, only=["non-root"]).files["Dockerfile"]
        assert "USER 10001" in switched
        ran = _build_and_run(root, switched, tags[2])
        assert ran.returncode == 0 and "django 5." in ran.stdout, ran.stderr[-2000:]
    finally:
        _docker("rmi", "-f", *tags, timeout=120)
