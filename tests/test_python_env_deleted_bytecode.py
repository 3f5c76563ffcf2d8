"""python-env leaves PYTHONDONTWRITEBYTECODE out where the Dockerfile installs the dependencies
without bytecode by choice (transforms/python_env.py `dependencies_without_bytecode`).

sweep26: dantium/django-docker-tailwind's image (python:3.7.4-alpine3.9) runs the official
images' recipe after its `pip install`: `find /usr/local \\( -type d -a -name test -o -name
tests \\) -o \\( -type f -a -name '*.pyc' -o -name '*.pyo' \\) -exec rm -rf '{}' +`. The
original, as root, wrote the dependencies' bytecode at its first start; with the variable every
process compiled Django and the rest again. `pip install --no-compile` does the same.
"""

from __future__ import annotations

from pathlib import Path

from helpers import PYC_RECIPE_DOCKERFILE

from optimizer.pipeline import optimize

FIND_RECIPE = PYC_RECIPE_DOCKERFILE


def _rewrite(tmp_path: Path, text: str) -> tuple[str, str, str]:
    (tmp_path / "Dockerfile").write_text(text)
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["python-env"])
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    left = " ".join(n for c in outcome.skipped for n in c.notes)
    return outcome.files.get("Dockerfile", text), notes, left


def test_the_official_recipe_after_the_install_keeps_the_variable_out(tmp_path: Path) -> None:
    out, notes, left = _rewrite(tmp_path, FIND_RECIPE)
    assert "PYTHONDONTWRITEBYTECODE" not in out
    assert "ENV PYTHONUNBUFFERED=1" in out
    assert "compileall" not in out  # no stdlib step without the variable
    assert "line 4: `find /usr/local ... -name '*.pyc' ...`" in left
    assert "PYTHONDONTWRITEBYTECODE" not in notes


def test_pip_no_compile_keeps_the_variable_out(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\n"
        "COPY requirements.txt .\n"
        "RUN python -m pip install --no-cache-dir --no-compile -r requirements.txt\n"
        "COPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    out, _, left = _rewrite(tmp_path, text)
    assert "PYTHONDONTWRITEBYTECODE" not in out
    assert "line 3: `pip install --no-compile` installs without it" in left


def test_deletion_in_a_venv_counts(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\n"
        "ENV VIRTUAL_ENV=/venv PATH=/venv/bin:$PATH\n"
        "RUN python -m venv /venv\n"
        "COPY requirements.txt .\n"
        "RUN pip install -r requirements.txt && find /venv -name __pycache__ -exec rm -rf {} +\n"
        "COPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    out, _, _ = _rewrite(tmp_path, text)
    assert "PYTHONDONTWRITEBYTECODE" not in out


def test_the_variable_stays_where_the_bytecode_does(tmp_path: Path) -> None:
    # Deleting the source tree's bytecode (taiga's `find . -name '*pyc' -exec rm`), or
    # /usr/local's before anything is installed, leaves the dependencies' bytecode alone;
    # so does alpine's apk python3, whose pip installs under /usr/lib (jaimebuelta's
    # `find /usr/local` there).
    for text in (
        FIND_RECIPE.replace("find /usr/local", "find ."),
        "FROM python:3.11-slim\nRUN find /usr/local -name '*.pyc' -delete\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        FIND_RECIPE.replace("FROM python:3.11-slim", "FROM alpine:3.7\nRUN apk add python3"),
    ):
        out, notes, _ = _rewrite(tmp_path, text)
        assert "ENV PYTHONDONTWRITEBYTECODE=1" in out, text
        assert "PYTHONDONTWRITEBYTECODE" in notes


def test_a_deletion_after_a_copied_venv_counts(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11 AS builder\n"
        "RUN python -m venv /opt/venv && /opt/venv/bin/pip install django\n"
        "FROM python:3.11-slim\n"
        "ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH\n"
        "COPY --from=builder /opt/venv /opt/venv\n"
        "RUN find /opt/venv -name '*.pyc' -delete\n"
        "COPY . /app\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    out, _, left = _rewrite(tmp_path, text)
    assert "PYTHONDONTWRITEBYTECODE" not in out
    assert "line 6: `find /opt/venv ... -name '*.pyc' ...`" in left
