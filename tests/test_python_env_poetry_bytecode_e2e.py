"""On the lab engine: a Poetry project rewritten by the whole pipeline (multi-stage's Poetry
builder, python-env's PYTHONDONTWRITEBYTECODE, non-root) ships its dependencies' bytecode.

Before sweep25 the builder's `poetry install` (Poetry 2: its own installer, which compiles
nothing unless asked) left /opt/venv without a `.pyc`, and the final stage's
PYTHONDONTWRITEBYTECODE (and its user, who cannot write /opt/venv) kept the app from writing
them: every process compiled Django and gunicorn again. Now the install runs with `--compile`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import POETRY_PYPROJECT, built_image, rewrite_in_place, write_skeleton

pytestmark = pytest.mark.engine

_DOCKERFILE = """\
FROM python:3.13-slim
RUN pip install poetry==2.0.1
WORKDIR /code
COPY pyproject.toml ./
RUN poetry config virtualenvs.create false && poetry install --no-root --no-interaction
COPY . /code/
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""

# How many of the modules Django's WSGI app and gunicorn import have no bytecode beside them.
_PROBE = (
    "import importlib.util, os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'mysite.settings'; "
    "import django; django.setup(); import django.core.wsgi, gunicorn.app.wsgiapp; "
    "mods = [m for m in list(sys.modules.values()) if getattr(m, '__file__', None) "
    "and '/opt/venv/' in m.__file__ and m.__file__.endswith('.py')]; "
    "print(len(mods), sum(not os.path.exists(importlib.util.cache_from_source(m.__file__)) "
    "for m in mods))"
)


def test_the_poetry_builder_ships_bytecode(tmp_path: Path) -> None:
    root = write_skeleton(tmp_path / "app")
    (root / "pyproject.toml").write_text(POETRY_PYPROJECT)
    (root / "Dockerfile").write_text(_DOCKERFILE)
    written = rewrite_in_place(root, ["multi-stage", "python-env", "non-root"])
    assert "poetry install --compile" in written, written
    assert "PYTHONDONTWRITEBYTECODE=1" in written, written
    with built_image(root, "poetry-bytecode") as tag:
        run = subprocess.run(
            ["docker", "run", "--rm", "--label", "dj-optimize.test=poetry-bytecode", tag,
             "python", "-c", _PROBE],
            capture_output=True, text=True, timeout=120, check=False,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    imported, missing = map(int, run.stdout.split())
    assert imported > 100, run.stdout
    assert missing == 0, f"{missing} of {imported} modules have no .pyc"
