"""python-env compiles the standard library's bytecode where it adds PYTHONDONTWRITEBYTECODE
(transforms/python_env.py, transforms/bytecode.py).

verify23 (round 17): single-stage rewrites got `ENV PYTHONDONTWRITEBYTECODE=1` on an official
python image, which ships no `.pyc` for the standard library; the original, as root without the
variable, wrote them at its first start, the rewrite compiled them at every start in every
process: first responses 9.2 -> 18.5 s (pkhorenyan), 15.0 -> 23.9 s (Kelvich322). The multi-
stage final stage already compiled them. On example 06 (gunicorn, two workers) the first 200
took 0.88-1.08 s without the step and 0.46-0.52 s with it (five runs each, lab).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import optimize

BODY = "WORKDIR /app\nCOPY . .\nCMD [\"gunicorn\", \"mysite.wsgi\", \"--bind\", \"0.0.0.0:8000\"]\n"


def _rewrite(tmp_path: Path, text: str) -> str:
    (tmp_path / "Dockerfile").write_text(text)
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    return optimize(tmp_path / "Dockerfile", tmp_path, only=["python-env"]).files["Dockerfile"]


@pytest.mark.parametrize("base", ["python:3.11-slim", "python:3.13", "python:3.12-alpine"])
def test_the_step_comes_with_the_variable(tmp_path: Path, base: str) -> None:
    out = _rewrite(tmp_path, f"FROM {base}\n" + BODY)
    assert "ENV PYTHONDONTWRITEBYTECODE=1" in out
    assert out.count("compileall.compile_file") == 1, out
    # right after the ENV: before anything that changes with the app
    assert out.index("compileall") < out.index("WORKDIR /app")


@pytest.mark.parametrize(
    "text",
    [
        # the variable was there already: the original compiled at every start as well
        "FROM python:3.11-slim\nENV PYTHONDONTWRITEBYTECODE=1\n" + BODY,
        # not the official image: what it ships is not known
        "FROM myorg/django-base:3.11\n" + BODY,
        # Python 2 has no importlib.util
        "FROM python:2.7-slim\n" + BODY,
        # a build variable with no default: the image is not known
        "ARG BASE\nFROM ${BASE}\n" + BODY,
    ],
)
def test_no_step(tmp_path: Path, text: str) -> None:
    assert "compileall" not in _rewrite(tmp_path, text)


def test_once_when_the_stage_already_compiles_it(tmp_path: Path) -> None:
    full = optimize(
        _write(tmp_path, "FROM python:3.11\n" + BODY.replace("COPY . .", "COPY . .\nRUN pip "
               "install -r requirements.txt")),
        tmp_path,
        only=["multi-stage", "slim-base", "python-env"],
    ).files["Dockerfile"]
    assert full.count("[compileall.compile_file(m.__file__") == 1, full


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "Dockerfile").write_text(text)
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "requirements.txt").write_text(
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n"
    )
    return tmp_path / "Dockerfile"
