"""On the lab engine: a RUN that uses a tool the full image carried (curl) still builds after
the slim switch, with an apt install later in the file (issue 8, item 3: curl used to be added
to that later line, after the RUN that needs it, and the build broke on slim)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

# The shape of NodeSource's `curl ... | bash -` then `apt-get install -y nodejs`, without the
# network: the script here needs curl only to exist, and it fetches the lists as setup_20.x does.
DOCKERFILE = """\
FROM python:3.13
WORKDIR /app
RUN curl --version | head -1 && apt-get update
RUN apt-get install -y --no-install-recommends gettext-base
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
"""


def test_tool_installed_before_the_run_that_uses_it(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["slim-base"])
    rewritten = outcome.files["Dockerfile"]
    assert "FROM python:3.13-slim" in rewritten
    (tmp_path / "Dockerfile").write_text(rewritten)
    tag = f"speed-slim-tools-{uuid.uuid4().hex[:8]}"
    try:
        build = subprocess.run(
            ["docker", "build", "--progress=plain", "-t", tag, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=600,
            env={"DOCKER_BUILDKIT": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"},
        )
        assert build.returncode == 0, build.stderr[-3000:]
        assert "curl " in build.stderr  # `curl --version` ran in the slim image
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
