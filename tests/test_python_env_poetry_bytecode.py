"""python-env adds `poetry install --compile` where it adds PYTHONDONTWRITEBYTECODE to an image
whose dependencies Poetry's own installer (1.4+) installs without bytecode
(transforms/python_env.py).

sweep25: ONSdigital/dis-wagtail (Poetry 2.4.1) and torchbox/rca-wagtail-2019 (Poetry 1.8.5)
install into a venv their app's user owns; the original wrote the dependencies' `.pyc` at its
first start, the rewrite's PYTHONDONTWRITEBYTECODE made every process compile Wagtail, Django
and the rest again. The multi-stage builder's `poetry install` into /opt/venv had no bytecode
either, with the same variable in the final stage.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import POETRY_PYPROJECT

from optimizer.pipeline import optimize

TWO_STAGES = """\
FROM python:3.13-slim AS base
WORKDIR /app
ARG POETRY_VERSION=2.1.3
RUN useradd --create-home app && python -m venv /venv && chown -R app /app /venv \\
    && pip install --no-cache-dir poetry==$POETRY_VERSION
ENV VIRTUAL_ENV=/venv PATH=/venv/bin:$PATH
USER app
COPY pyproject.toml poetry.lock ./
RUN poetry install --no-root \\
    --without dev && rm -rf /home/app/.cache

FROM base AS web
COPY --chown=app . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""

ONE_STAGE = """\
FROM python:3.13-slim
RUN pip install poetry
WORKDIR /code
COPY pyproject.toml poetry.lock ./
RUN poetry config virtualenvs.create false && poetry install --no-root --no-interaction
COPY . /code/
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def _rewrite(tmp_path: Path, text: str, only: list[str] | None = None) -> tuple[str, str]:
    (tmp_path / "Dockerfile").write_text(text)
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(POETRY_PYPROJECT)
    (tmp_path / "poetry.lock").write_text("# lock\n")
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=only or ["python-env"])
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    return outcome.files.get("Dockerfile", text), notes


def test_the_base_stage_poetry_install_compiles(tmp_path: Path) -> None:
    out, notes = _rewrite(tmp_path, TWO_STAGES)
    assert "ENV PYTHONDONTWRITEBYTECODE=1" in out
    # The user's continuation line stays as written.
    assert "RUN poetry install --compile --no-root \\\n    --without dev && rm" in out, out
    assert "line 9: `poetry install --compile`" in notes, notes


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("poetry --no-ansi -C /app install --no-root",
         "poetry --no-ansi -C /app install --compile --no-root"),
        ("/opt/poetry/bin/poetry sync --no-root",
         "/opt/poetry/bin/poetry sync --compile --no-root"),
    ],
)
def test_global_options_and_paths_before_the_subcommand(
    tmp_path: Path, written: str, expected: str
) -> None:
    out, _ = _rewrite(tmp_path, TWO_STAGES.replace("poetry install --no-root", written, 1))
    assert f"RUN {expected} \\\n" in out, out


def test_the_multi_stage_builder_poetry_install_compiles(tmp_path: Path) -> None:
    out, _ = _rewrite(tmp_path, ONE_STAGE, only=["multi-stage", "python-env"])
    builder, final = out.split("\nFROM python:3.13-slim\n")
    assert "poetry install --compile --no-root" in builder, out
    assert "PYTHONDONTWRITEBYTECODE=1" in final, out


@pytest.mark.parametrize(
    "edit",
    [
        # Compiles already.
        ("poetry install --no-root", "poetry install --compile --no-root"),
        # Poetry older than 1.4: no --compile, and its pip-based installer compiles.
        ("ARG POETRY_VERSION=2.1.3", "ARG POETRY_VERSION=1.3.2"),
        ("poetry==$POETRY_VERSION", "poetry==1.2.2"),
        ("ENV VIRTUAL_ENV",
         "RUN poetry config installer.modern-installation false\nENV VIRTUAL_ENV"),
        # The author's own PYTHONDONTWRITEBYTECODE: python-env adds nothing, changes nothing.
        ("ENV VIRTUAL_ENV", "ENV PYTHONDONTWRITEBYTECODE=1 VIRTUAL_ENV"),
        # A stage the final image neither builds FROM nor copies from.
        ("FROM base AS web", "FROM python:3.13-slim AS web"),
    ],
)
def test_nothing_is_added_where_poetry_compiles_or_is_not_in_the_image(
    tmp_path: Path, edit: tuple[str, str]
) -> None:
    text = TWO_STAGES.replace(*edit, 1)
    assert text != TWO_STAGES
    out, _ = _rewrite(tmp_path, text)
    assert out.count("--compile") == text.count("--compile"), out
