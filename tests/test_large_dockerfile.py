"""A long Dockerfile costs linear work. Two steps were quadratic in its instructions:
apt-hygiene asked, RUN by RUN, whether a later RUN reads the package lists (a 2,000-line
Dockerfile of `RUN` lines took 18 s, 5,000 lines 157 s), and the pipeline's line-number
matching ran SequenceMatcher (no autojunk) over every instruction, quadratic on repeated ones.
Counted, not timed: speed figures live in the benchmark."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
from helpers import write_skeleton

import optimizer.pipeline as pipeline
import transforms.apt_hygiene as apt_hygiene
from optimizer.pipeline import optimize

RUNS = 400


def _dockerfile(tmp_path: Path) -> Path:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\n")
    body = "RUN apt-get update && apt-get install -y curl\nRUN echo x\n" * (RUNS // 2)
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\n" + body
        + "RUN pip install -r requirements.txt\nCMD python manage.py runserver 0.0.0.0:8000\n"
    )
    return tmp_path / "Dockerfile"


def test_apt_hygiene_reads_each_run_a_bounded_number_of_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = apt_hygiene._apt_calls

    def counted(ins: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(ins)

    monkeypatch.setattr(apt_hygiene, "_apt_calls", counted)
    path = _dockerfile(tmp_path)
    out = optimize(path, tmp_path, only=["apt-hygiene"]).files["Dockerfile"]
    assert out.count("--no-install-recommends") == RUNS // 2
    assert calls <= 3 * (RUNS + 10), calls


def test_line_matching_compares_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []

    class Recording(difflib.SequenceMatcher):  # type: ignore[type-arg]
        def __init__(self, isjunk: Any, a: Any, b: Any, autojunk: bool = True) -> None:
            sizes.append(len(a) + len(b))
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(pipeline.difflib, "SequenceMatcher", Recording)
    path = _dockerfile(tmp_path)
    outcome = optimize(path, tmp_path)
    assert "Dockerfile" in outcome.files
    assert sizes and max(sizes) < RUNS, sizes
