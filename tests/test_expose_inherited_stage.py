"""EXPOSE is inherited from the stage the final one builds FROM (transforms/fix_cmd_binding.py,
`_ensure_expose`).

sweep24: dariusmazeika/city-tour-app's production.Dockerfile has `EXPOSE 8000 8000` in its
`base` stage and `FROM $IMAGE as build` (IMAGE=base) with `CMD ["sh", "entrypoint.sh"]`, whose
gunicorn binds 0.0.0.0:8000; the rewrite added a second `EXPOSE 8000` to the final stage and
said it "documents the port the server binds", which the image did already.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SKELETON

from optimizer.pipeline import optimize

DOCKERFILE = """\
ARG IMAGE=base
FROM python:3.11 AS base
EXPOSE 8000
COPY requirements.txt .
RUN pip install -r requirements.txt

FROM $IMAGE AS build
WORKDIR /app
COPY . /app/
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def _rewrite(tmp_path: Path, text: str) -> tuple[str, str]:
    for rel, content in {**SKELETON, "requirements.txt": "Django==5.1.4\ngunicorn\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    (tmp_path / "Dockerfile").write_text(text)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    return outcome.files.get("Dockerfile", text), notes


@pytest.mark.parametrize(
    "expose", ["EXPOSE 8000", "EXPOSE 8000 8000", "EXPOSE 8000/tcp", "ENV PORT=8000\nEXPOSE $PORT"]
)
def test_a_port_the_parent_stage_exposes_is_not_exposed_again(
    tmp_path: Path, expose: str
) -> None:
    text = DOCKERFILE.replace("EXPOSE 8000", expose, 1)
    out, notes = _rewrite(tmp_path, text)
    assert out == text, out
    assert "EXPOSE" not in notes, notes


def test_another_port_of_the_parent_stage_still_gets_its_expose(tmp_path: Path) -> None:
    out, notes = _rewrite(tmp_path, DOCKERFILE.replace("EXPOSE 8000", "EXPOSE 9000", 1))
    tail = 'EXPOSE 8000\nCMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]'
    assert out.rstrip().endswith(tail), out
    assert "added EXPOSE 8000" in notes, notes
