"""The lean venv's installs under BuildKit run the base image's pip in the venv's interpreter
at once (`PIP_PYTHON='' python -m pip`), not through PIP_PYTHON, which starts pip twice; only
where the venv sees the base image's site-packages (so its interpreter imports that pip)."""

from __future__ import annotations

from pathlib import Path

from helpers import write_skeleton

from optimizer.pipeline import optimize
from transforms.multi_stage import _direct_pip


def test_direct_pip_rewrites_a_bare_pip_only() -> None:
    assert _direct_pip("pip install -r r.txt") == "PIP_PYTHON='' python -m pip install -r r.txt"
    assert _direct_pip("pip3 install x") == "PIP_PYTHON='' python -m pip install x"
    assert (
        _direct_pip("PIP_NO_CACHE_DIR=1 pip install x")
        == "PIP_NO_CACHE_DIR=1 PIP_PYTHON='' python -m pip install x"
    )
    # The upgrade of the base image's pip sets PIP_PYTHON itself; a pip named by path is the
    # user's choice of pip; `python -m pip` is already one start.
    for kept in (
        "PIP_PYTHON='' pip install --upgrade pip",
        "/usr/local/bin/pip install x",
        "python -m pip install x",
        "pipenv install --system",
    ):
        assert _direct_pip(kept) == kept


def _project(tmp_path: Path) -> Path:
    return write_skeleton(tmp_path / "app")


def _rewrite(tmp_path: Path, install: str) -> str:
    root = _project(tmp_path)
    (root / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    (root / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        f"RUN {install}\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n'
    )
    return optimize(root / "Dockerfile", root).files["Dockerfile"]


def test_system_site_venv_installs_with_one_pip_start(tmp_path: Path) -> None:
    text = _rewrite(tmp_path, "pip install --upgrade pip && pip install -r requirements.txt")
    builder = text.split("\nFROM python:3.11-slim")[0]
    assert "--system-site-packages" in builder
    # The base image's pip is upgraded as before; the install runs it in the venv at once.
    assert "PIP_PYTHON='' pip install --upgrade pip" in builder
    assert "PIP_COMPILE=0 PIP_PYTHON='' python -m pip install -r requirements.txt" in builder


def test_venv_without_the_base_packages_keeps_pip_python(tmp_path: Path) -> None:
    """An upgrade of setuptools in the base image keeps the venv from seeing the base image's
    site-packages, so its interpreter has no pip to run: PIP_PYTHON aims pip as before."""
    text = _rewrite(
        tmp_path, "pip install -U pip setuptools && pip install -r requirements.txt"
    )
    builder = text.split("\nFROM python:3.11-slim")[0]
    assert "--system-site-packages" not in builder
    assert "python -m pip" not in builder
    assert "PIP_COMPILE=0 pip install -r requirements.txt" in builder


def test_install_after_the_source_is_copied_keeps_pip_python(tmp_path: Path) -> None:
    """`python -m` puts the working directory first on sys.path: with the project copied there,
    a module named like one pip imports would shadow it, so PIP_PYTHON's runner stays."""
    root = _project(tmp_path)
    (root / "platform.py").write_text("NAME = 'a project module named like the stdlib'\n")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "site"\nversion = "1"\n'
        'dependencies = ["Django==5.1.4", "psycopg2==2.9.10"]\n'
    )
    (root / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install .\n"
        'CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n'
    )
    text = optimize(root / "Dockerfile", root).files["Dockerfile"]
    builder = text.split("\nFROM python:3.11-slim")[0]
    assert "--system-site-packages" in builder and "PIP_COMPILE=0 pip install ." in builder
    assert "python -m pip" not in builder


def test_bind_mounted_requirements_install_directly(tmp_path: Path) -> None:
    """docker init's install: the requirements file bind-mounted, nothing else there."""
    text = _rewrite(
        tmp_path,
        "--mount=type=cache,target=/root/.cache/pip "
        "--mount=type=bind,source=requirements.txt,target=requirements.txt "
        "python -m pip install -r requirements.txt",
    )
    assert "PIP_PYTHON='' python -m pip install -r requirements.txt" in text
