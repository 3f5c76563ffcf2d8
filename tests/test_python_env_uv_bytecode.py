"""python-env sets UV_COMPILE_BYTECODE=1 where it adds PYTHONDONTWRITEBYTECODE to an image
whose dependencies uv installs without bytecode (transforms/python_env.py).

sweep24: camercadop/drf-enterprise-information-platform's builder runs `uv sync` (no
`--compile-bytecode`) and the runtime stage copies the `.venv` and chowns it to its user, who
wrote the dependencies' `.pyc` at the first start. The rewrite added only
`ENV PYTHONDONTWRITEBYTECODE=1`, so every start compiled Django and the rest again (the multi-
stage builder already sets UV_COMPILE_BYTECODE=1 for this reason: example 01 without its
dependencies' bytecode took 5.0 s to the first 200 instead of 2.8 s on the lab).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import optimize

PYPROJECT = '[project]\nname = "mysite"\nversion = "0"\ndependencies = ["Django>=5", "gunicorn"]\n'

TWO_STAGES = """\
FROM python:3.13-slim AS builder
WORKDIR /app
COPY --from=ghcr.io/astral-sh/uv:latest /uv /usr/local/bin/uv
COPY pyproject.toml uv.lock ./
RUN uv sync --no-dev --frozen
COPY . .

FROM python:3.13-slim
WORKDIR /app
RUN useradd -r -d /app appuser
COPY --from=builder /app/.venv /app/.venv
COPY . .
RUN chown -R appuser:appuser /app
USER appuser
CMD [".venv/bin/gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi:application"]
"""

ONE_STAGE = """\
FROM python:3.13-slim
RUN pip install uv
WORKDIR /app
COPY requirements.txt .
RUN uv pip install --system --no-cache -r requirements.txt
COPY . .
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi:application"]
"""


def _rewrite(tmp_path: Path, text: str) -> tuple[str, str]:
    (tmp_path / "Dockerfile").write_text(text)
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "uv.lock").write_text("version = 1\n")
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["python-env"])
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    return outcome.files.get("Dockerfile", text), notes


def test_the_builder_that_uv_syncs_compiles_bytecode(tmp_path: Path) -> None:
    out, notes = _rewrite(tmp_path, TWO_STAGES)
    assert "ENV PYTHONDONTWRITEBYTECODE=1" in out
    assert "ENV UV_COMPILE_BYTECODE=1\nRUN uv sync --no-dev --frozen\n" in out, out
    assert out.count("UV_COMPILE_BYTECODE") == 1, out
    assert "added ENV UV_COMPILE_BYTECODE=1 above `uv sync --no-dev`" in notes, notes


def test_a_single_stage_uv_pip_install_compiles_bytecode(tmp_path: Path) -> None:
    out, _ = _rewrite(tmp_path, ONE_STAGE)
    assert "ENV UV_COMPILE_BYTECODE=1\nRUN uv pip install --system" in out, out


@pytest.mark.parametrize(
    "edit",
    [
        # Compiled already: the ENV, the option, an inline assignment.
        ("WORKDIR /app\nCOPY --from=ghcr",
         "WORKDIR /app\nENV UV_COMPILE_BYTECODE=1\nCOPY --from=ghcr"),
        ("uv sync --no-dev", "uv sync --compile-bytecode --no-dev"),
        ("RUN uv sync", "RUN UV_COMPILE_BYTECODE=1 uv sync"),
        # The author's own PYTHONDONTWRITEBYTECODE: python-env adds nothing, changes nothing.
        ("FROM python:3.13-slim\nWORKDIR /app\nRUN useradd",
         "FROM python:3.13-slim\nENV PYTHONDONTWRITEBYTECODE=1\nWORKDIR /app\nRUN useradd"),
        # A stage the final image neither builds FROM nor copies from.
        ("COPY --from=builder /app/.venv /app/.venv\n", ""),
    ],
)
def test_nothing_is_added_where_uv_compiles_or_is_not_in_the_image(
    tmp_path: Path, edit: tuple[str, str]
) -> None:
    text = TWO_STAGES.replace(*edit, 1)
    assert text != TWO_STAGES
    out, _ = _rewrite(tmp_path, text)
    assert out.count("UV_COMPILE_BYTECODE") == text.count("UV_COMPILE_BYTECODE"), out
