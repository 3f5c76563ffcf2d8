"""cache-friendly-order: a named install after the project install does not move above an
exact sync that stays after the source copy (ephios: `uv sync --locked` then `uv pip install
gunicorn`; moved above the sync, gunicorn, which uv.lock does not list, was removed again and
supervisord's `uv run gunicorn` could not start)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import optimize

PYPROJECT = """\
[project]
name = "mysite"
version = "1.0"
dependencies = ["django>=5"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""


def _project(tmp_path: Path, sync: str) -> Path:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text(
        'SECRET_KEY = "x"\nINSTALLED_APPS = []\nROOT_URLCONF = "mysite.urls"\n'
    )
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "uv.lock").write_text("version = 1\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM ghcr.io/astral-sh/uv:python3.13-bookworm-slim\nWORKDIR /app\nCOPY . /app\n"
        f"RUN {sync}\nRUN uv pip install gunicorn\n"
        'CMD ["uv", "run", "gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    return tmp_path


def _order(tmp_path: Path) -> tuple[str, list[str]]:
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["cache-friendly-order"])
    notes = [n for c in outcome.changes for n in c.notes]
    return outcome.files.get("Dockerfile", ""), notes


def test_named_install_stays_below_an_exact_sync(tmp_path: Path) -> None:
    text, notes = _order(_project(tmp_path, "uv sync --locked"))
    assert "--no-install-project" in text, text
    assert text.index("RUN uv sync --locked\n") < text.index("RUN uv pip install gunicorn"), text
    assert any("stays after `uv sync --locked`" in n for n in notes), notes


def test_named_install_moves_up_past_an_inexact_sync(tmp_path: Path) -> None:
    text, _ = _order(_project(tmp_path, "uv sync --locked --inexact"))
    assert text.index("RUN uv pip install gunicorn") < text.index("COPY . /app"), text


@pytest.mark.parametrize(
    ("command", "exact"),
    [
        ("uv sync --locked --all-extras", True),
        ("uv sync --inexact", False),
        ("pip-sync requirements.txt", True),
        ("poetry install --sync", True),
        ("poetry install --no-root", False),
        ("pdm sync --clean", True),
        ("pdm sync", False),
        ("pip install -r requirements.txt", False),
    ],
)
def test_removes_extraneous(command: str, exact: bool) -> None:
    from transforms.cache_friendly_order import _removes_extraneous

    assert _removes_extraneous(command) is exact
