"""`--no-buildkit` keeps classic Dockerfiles: no `RUN --mount` anywhere; the default uses
BuildKit cache mounts in the builder only (issue 10, item 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app

runner = CliRunner()
TUTORIAL = Path(__file__).parent.parent / "examples" / "01-tutorial"


def _rewrite(tmp_path: Path, *flags: str) -> str:
    root = tmp_path / "tutorial"
    shutil.copytree(TUTORIAL, root, ignore=shutil.ignore_patterns("*.expected"))
    result = runner.invoke(app, ["--json", *flags, str(root / "Dockerfile")])
    assert result.exit_code == 1, result.output
    return str(json.loads(result.stdout)["files"]["Dockerfile"])


def test_default_mounts_caches_in_the_builder_only(tmp_path: Path) -> None:
    text = _rewrite(tmp_path)
    builder, final = text.split("\nFROM python:3.11-slim\n")
    # The lean venv is created by the install's own RUN.
    assert (
        "RUN --mount=type=cache,target=/root/.cache/pip python -m venv --without-pip"
        " --system-site-packages /opt/venv \\\n    && pip install" in builder
    )
    assert "--mount" not in final


def test_no_buildkit_writes_no_mounts(tmp_path: Path) -> None:
    text = _rewrite(tmp_path, "--no-buildkit")
    assert "--mount" not in text
    assert "COPY --from=builder /opt/venv /opt/venv" in text
