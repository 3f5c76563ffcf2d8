"""On the lab engine: a user's apt install without -y, harmless on the full image (the packages
were there, apt had nothing to ask), still builds after the slim switch (issue 8 follow-up: the
rewrite added `apt-get update` but not `-y`, and on slim apt asked and the build answered
"Abort.")."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

# `file` pulls in libmagic on slim, so apt asks before installing it.
DOCKERFILE = """\
FROM python:3.11
WORKDIR /app
RUN apt-get install file
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
"""


def test_apt_install_without_yes_builds_on_slim(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["slim-base"])
    rewritten = outcome.files["Dockerfile"]
    assert "FROM python:3.11-slim" in rewritten
    (tmp_path / "Dockerfile").write_text(rewritten)
    tag = f"stagefix-apt-yes-{uuid.uuid4().hex[:8]}"
    try:
        build = subprocess.run(
            ["docker", "build", "--progress=plain", "-t", tag, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=600,
            env={"DOCKER_BUILDKIT": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"},
        )
        assert build.returncode == 0, build.stderr[-3000:]
        ran = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "file", tag, "--version"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0 and ran.stdout.startswith("file-"), ran.stdout + ran.stderr
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
