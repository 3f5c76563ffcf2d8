"""`--verify --write` through the command line on the lab engine: a rewrite that breaks the app
fails verification, exits 3 (verify failed), says why, and leaves every file of the project
byte-identical."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import snapshot
from typer.testing import CliRunner

from optimizer import pipeline
from optimizer.cli import app

pytestmark = pytest.mark.engine
EXAMPLES = Path(__file__).parent.parent / "examples"


def test_broken_rewrite_fails_verify_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    shutil.copytree(EXAMPLES / "06-gunicorn-localhost", root)
    real = pipeline.optimize

    def dropping_dependencies(*args: Any, **kwargs: Any) -> pipeline.Outcome:
        # A transform that loses the dependency install: the after image has no gunicorn.
        outcome = real(*args, **kwargs)
        text = outcome.files["Dockerfile"]
        outcome.files["Dockerfile"] = (
            "\n".join(line for line in text.splitlines() if "pip install" not in line) + "\n"
        )
        return outcome

    monkeypatch.setattr("optimizer.pipeline.optimize", dropping_dependencies)
    before = snapshot(root)
    result = CliRunner().invoke(
        app, ["--verify", "--write", "--no-rebuild", str(root / "Dockerfile")]
    )
    assert result.exit_code == 3, result.output
    assert "verify: FAIL" in result.output
    # The cause under the reason: the after image has no gunicorn to start.
    assert "the rewritten container does not start (the original does)" in result.output
    assert "gunicorn" in result.output.split("verify: FAIL", 1)[1]
    assert "nothing written: verify did not pass (fail" in result.output
    assert snapshot(root) == before
