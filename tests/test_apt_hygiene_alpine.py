"""apt-hygiene leaves apt lines on an Alpine base alone and says why (sweep13: an
`apt update && apt add ...` on python:3.8-alpine was rewritten to `apt-get update && apt add ...
&& rm -rf /var/lib/apt/lists/*`, which fails just the same and reads as deliberate)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

TAIL = 'COPY . .\nCMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'


@pytest.mark.parametrize(
    "head",
    [
        "FROM python:3.8-alpine\n",
        "FROM alpine:3.19\n",
        "ARG BASE=python:3.12-alpine3.19\nFROM ${BASE}\n",
        "FROM python:3.11-alpine AS base\nFROM base\n",
    ],
)
def test_apt_on_alpine_is_left_alone_with_a_note(tmp_path: Path, head: str) -> None:
    write_skeleton(tmp_path)
    text = head + "WORKDIR /app\nRUN apt update && apt add gcc musl-dev\n" + TAIL
    (tmp_path / "Dockerfile").write_text(text)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["apt-hygiene"])
    assert "Dockerfile" not in outcome.files
    left = [n for c in outcome.skipped for n in c.notes]
    assert any("Alpine base, which has no apt" in n for n in left), left


def test_a_debian_stage_after_an_alpine_one_is_still_fixed(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    text = (
        "FROM node:20-alpine AS assets\nRUN apt update && apt add make\n"
        "FROM python:3.11-slim\nWORKDIR /app\nRUN apt-get update && apt-get install -y libpq5\n"
        + TAIL
    )
    (tmp_path / "Dockerfile").write_text(text)
    out = optimize(tmp_path / "Dockerfile", tmp_path, only=["apt-hygiene"]).files["Dockerfile"]
    assert "RUN apt update && apt add make\n" in out
    assert "install --no-install-recommends -y libpq5" in out
    assert "rm -rf /var/lib/apt/lists/*" in out
