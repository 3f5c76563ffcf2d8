"""On the lab engine: the official python image pulled through a mirror that keeps Docker Hub's
`library/` namespace (here AWS's name for it, public.ecr.aws/docker/library/python, tagged
locally from the lab's python:3.11 images) is rewritten as python:3.11 is: builder on the full
image, final stage on the same mirror's -slim. `--verify --write` on example 01 passes."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import example_copy
from typer.testing import CliRunner

from optimizer.cli import app

pytestmark = pytest.mark.engine


def _docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_official_image_through_a_registry_mirror_is_split_and_slimmed(tmp_path: Path) -> None:
    # A registry name of this run's own, so no other test's tags are touched.
    mirror = f"mirror-{uuid.uuid4().hex[:8]}.example:5000/docker/library/python"
    tags = [f"{mirror}:3.11", f"{mirror}:3.11-slim"]
    try:
        for source, tag in zip(("python:3.11", "python:3.11-slim"), tags, strict=True):
            tagged = _docker("tag", source, tag)
            assert tagged.returncode == 0, tagged.stderr
        root = example_copy("01-tutorial", tmp_path / "app")
        dockerfile = root / "Dockerfile"
        text = dockerfile.read_text()
        assert text.startswith("FROM python:3.11\n")
        dockerfile.write_text(text.replace("FROM python:3.11\n", f"FROM {tags[0]}\n", 1))
        result = CliRunner().invoke(app, ["--verify", "--no-rebuild", "--write", str(dockerfile)])
        assert result.exit_code == 0, result.output
        assert "verify: PASS" in result.output, result.output
        written = dockerfile.read_text()
        assert f"FROM {tags[0]} AS builder\n" in written, written
        assert f"FROM {tags[1]}\n" in written, written
    finally:
        _docker("rmi", *tags)
