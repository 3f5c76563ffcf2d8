"""On the lab engine, with the legacy builder: a VOLUME declared above the RUN that hands its
directory to the app's user. The legacy builder drops what a step changes in a declared volume,
so `chown -R 10001 /app/staticfiles` below `VOLUME ["/app/staticfiles"]` left it root's and
collectstatic at start failed; non-root now moves the VOLUME below that RUN. The same image
from the original order is checked too, so the test shows the builder's behaviour it guards
against (BuildKit keeps such changes; `--no-buildkit` output is for the legacy builder)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize
from transforms.base import Options

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
VOLUME ["/app/staticfiles"]
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
"""
# What the app does at start in the projects this comes from (collectstatic into the volume).
PROBE = ["sh", "-c", "id -u && touch /app/staticfiles/written && echo WRITABLE"]


def _legacy_build(context: Path, tag: str) -> None:
    build = subprocess.run(
        ["docker", "build", "-q", "-t", tag, str(context)],
        capture_output=True, text=True, timeout=600,
        env={"DOCKER_BUILDKIT": "0", "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    assert build.returncode == 0, build.stderr[-3000:]


def _probe(tag: str) -> subprocess.CompletedProcess[str]:
    # --rm also removes the anonymous volume the VOLUME makes.
    return subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", PROBE[0], tag, *PROBE[1:]],
        capture_output=True, text=True, timeout=120,
    )


def test_the_volume_is_the_apps_with_the_legacy_builder(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    outcome = optimize(
        tmp_path / "Dockerfile", tmp_path, only=["non-root"], options=Options(buildkit=False)
    )
    rewritten = outcome.files["Dockerfile"]
    assert rewritten.index("chown -R 10001:10001 /app/staticfiles") < rewritten.index("VOLUME")
    # The handover above the VOLUME, as it was written before the fix: the RUN below it.
    lines = rewritten.splitlines(keepends=True)
    volume = next(i for i, line in enumerate(lines) if line.startswith("VOLUME"))
    old_order = lines[volume:volume + 1]
    run_start = next(i for i, line in enumerate(lines) if line.startswith("RUN useradd"))
    run_end = next(i for i in range(run_start, len(lines)) if not lines[i].endswith("\\\n"))
    before = [*lines[:run_start], *old_order, *lines[run_start:run_end + 1]]
    before += [line for line in lines[run_end + 1:] if line not in old_order]
    tags = {name: f"djopt-volume-{name}-{uuid.uuid4().hex[:8]}" for name in ("new", "old")}
    try:
        (tmp_path / "Dockerfile").write_text(rewritten)
        _legacy_build(tmp_path, tags["new"])
        new = _probe(tags["new"])
        assert new.returncode == 0 and new.stdout.split() == ["10001", "WRITABLE"], (
            new.stdout + new.stderr
        )
        (tmp_path / "Dockerfile").write_text("".join(before))
        _legacy_build(tmp_path, tags["old"])
        old = _probe(tags["old"])
        assert old.returncode != 0 and "Permission denied" in old.stderr, old.stdout + old.stderr
    finally:
        subprocess.run(["docker", "rmi", "-f", *tags.values()], capture_output=True, timeout=120)
