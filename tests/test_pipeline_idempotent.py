"""The full pipeline is idempotent: its output, run through it again, changes nothing.

test_golden.py checks each transform alone on its own cases; this runs every transform on every
golden case and example, as `dj-optimize --write` would, then again. A later transform that
changes what an earlier one judged (multi-stage dropping `uv run` from a CMD, after
fix-cmd-binding decided runserver was not PID 1) shows up here as a second-run diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize

TESTS = Path(__file__).parent
EXAMPLES = sorted(p for p in (TESTS.parent / "examples").iterdir() if p.is_dir())
GOLDEN = sorted(p for p in (TESTS / "golden").glob("*/*") if (p / "Dockerfile").is_file())


def _twice(root: Path) -> str:
    first = optimize(root / "Dockerfile", root)
    for key, content in first.files.items():
        (root / key).write_text(content)
    again = optimize(root / "Dockerfile", root)
    return again.diff() if again.files else ""


@pytest.mark.parametrize("case", GOLDEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_case_full_pipeline_is_idempotent(case: Path, tmp_path: Path) -> None:
    assert _twice(materialize(case, tmp_path / "ctx")) == ""


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_full_pipeline_is_idempotent(example: Path, tmp_path: Path) -> None:
    root = tmp_path / "ctx"
    shutil.copytree(
        example, root, ignore=shutil.ignore_patterns("Dockerfile.expected", "*.expected")
    )
    assert _twice(root) == ""
