"""Golden tests: each case under tests/golden/<transform>/<case>/ holds a Dockerfile (and the
project files it needs) and `expected.Dockerfile`, the reviewed output of that transform alone.
`expected.dockerignore` when the transform writes one; `options` lists CLI-style flags.

Regenerate after a reviewed change with `DJ_OPTIMIZE_REGOLD=1 pytest tests/test_golden.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize
from transforms.base import Options

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p for p in GOLDEN.glob("*/*") if (p / "Dockerfile").is_file())


def _options(case: Path) -> Options:
    flags = (case / "options").read_text().split() if (case / "options").exists() else []
    return Options(production_server="--production-server" in flags)


def _run(case: Path, root: Path) -> tuple[str, str | None]:
    transform = case.parent.name
    outcome = optimize(root / "Dockerfile", root, only=[transform], options=_options(case))
    dockerfile = outcome.files.get("Dockerfile", (root / "Dockerfile").read_text())
    return dockerfile, outcome.files.get(".dockerignore")


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(case: Path, tmp_path: Path) -> None:
    root = materialize(case, tmp_path / "ctx")
    dockerfile, dockerignore = _run(case, root)
    expected = case / "expected.Dockerfile"
    expected_ignore = case / "expected.dockerignore"
    if os.environ.get("DJ_OPTIMIZE_REGOLD"):
        expected.write_text(dockerfile)
        if dockerignore is not None:
            expected_ignore.write_text(dockerignore)
    assert dockerfile == expected.read_text()
    if expected_ignore.exists() or dockerignore is not None:
        assert dockerignore == expected_ignore.read_text()


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_idempotent(case: Path, tmp_path: Path) -> None:
    root = materialize(case, tmp_path / "ctx")
    dockerfile, dockerignore = _run(case, root)
    (root / "Dockerfile").write_text(dockerfile)
    if dockerignore is not None:
        (root / ".dockerignore").write_text(dockerignore)
    again = optimize(root / "Dockerfile", root, only=[case.parent.name], options=_options(case))
    assert again.files == {}, again.diff()
