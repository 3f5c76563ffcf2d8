"""Unit tests for the hygiene transforms' helpers: raw-text edits and Python version specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.dockerfile import Dockerfile
from transforms.pin_python import highest_minor
from transforms.raw_edit import Edit, apply_edits, logical_map

ROOT = Path(__file__).parent.parent
DOCKERFILES = sorted(
    [*ROOT.glob("examples/*/Dockerfile*"), *ROOT.glob("tests/golden/*/*/*Dockerfile")]
)


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_logical_map_agrees_with_the_model(path: Path) -> None:
    for ins in Dockerfile.parse(path.read_text()).instructions:
        assert ins.raw is not None
        logical, index = logical_map(ins.raw)
        assert logical == ins.value
        assert all(k < 0 or ins.raw[k] == ch for ch, k in zip(logical, index, strict=True))


def _run(text: str) -> Dockerfile:
    return Dockerfile.parse("FROM python:3.11-slim\n" + text)


def test_edits_keep_continuations_tabs_and_comment_lines() -> None:
    raw = "RUN apt-get install \\\n\t# why\n\tgcc  \\\n\tmake\n"
    ins = _run(raw).instructions[1]
    at = ins.value.index("install") + len("install")
    new = apply_edits(ins, [Edit(at, at, " -y"), Edit(len(ins.value), len(ins.value), " && x")])
    assert new.raw == "RUN apt-get install -y \\\n\t# why\n\tgcc  \\\n\tmake && x\n"
    assert new.value == "apt-get install -y gcc make && x"


def test_insertions_at_one_point_keep_their_order() -> None:
    ins = _run("RUN a\n").instructions[1]
    end = len(ins.value)
    assert apply_edits(ins, [Edit(end, end, " 1"), Edit(end, end, " 2")]).raw == "RUN a 1 2\n"


def test_deletion_across_a_line_join_falls_back_to_rendering() -> None:
    ins = _run("RUN sudo \\\n  apt-get update\n").instructions[1]
    new = apply_edits(ins, [Edit(0, len("sudo "), "")])
    assert new.value == "apt-get update"
    assert new.raw is None


@pytest.mark.parametrize(
    ("spec", "minor"),
    [
        (">=3.10", 13),
        (">=3.10,<3.13", 12),
        ("~=3.11", 13),
        ("~=3.11.2", 11),
        ("==3.11.*", 11),
        ("==3.12.4", 12),
        ("^3.11", 13),
        ("~3.10", 10),
        ("3.9", 9),
        (">=3.8, !=3.13.*", 12),
        ("<3.12", 11),
        (">=2.7", 13),
        ("^3.9 || ^3.11", 13),  # Poetry's alternatives, read as init reads them
        ("banana", None),
        (">=4", None),
    ],
)
def test_highest_minor(spec: str, minor: int | None) -> None:
    assert highest_minor(spec) == minor
