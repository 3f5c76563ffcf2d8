"""Golden tests: each case under tests/golden/<transform>/<case>/ holds a Dockerfile (and the
project files it needs) and `expected.Dockerfile`, the reviewed output of that transform alone.
`expected.<name>` for other files it writes (`expected.dockerignore`); `options` lists
CLI-style flags.

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
    installer = flags[flags.index("--installer") + 1] if "--installer" in flags else "pip"
    return Options(
        production_server="--production-server" in flags,
        buildkit="--no-buildkit" not in flags,
        installer=installer,
    )


def _run(case: Path, root: Path) -> dict[str, str]:
    """The Dockerfile after the case's transform, plus any other file it writes."""
    transform = case.parent.name
    outcome = optimize(root / "Dockerfile", root, only=[transform], options=_options(case))
    files = dict(outcome.files)
    files.setdefault("Dockerfile", (root / "Dockerfile").read_text())
    return files


def _expected_name(key: str) -> str:
    return "expected.Dockerfile" if key == "Dockerfile" else f"expected.{key.lstrip('.')}"


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(case: Path, tmp_path: Path) -> None:
    root = materialize(case, tmp_path / "ctx")
    files = _run(case, root)
    if os.environ.get("DJ_OPTIMIZE_REGOLD"):
        for key, content in files.items():
            (case / _expected_name(key)).write_text(content)
    expected = {p.name for p in case.glob("expected.*")}
    assert expected == {_expected_name(k) for k in files}
    for key, content in files.items():
        assert content == (case / _expected_name(key)).read_text(), key


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_idempotent(case: Path, tmp_path: Path) -> None:
    root = materialize(case, tmp_path / "ctx")
    for key, content in _run(case, root).items():
        (root / key).write_text(content)
    again = optimize(root / "Dockerfile", root, only=[case.parent.name], options=_options(case))
    assert again.files == {}, again.diff()
