"""The lean venv's installs under BuildKit run the base image's pip in the venv's interpreter
at once (`PIP_PYTHON='' python -m pip`), not through PIP_PYTHON, which starts pip twice; only
where the venv sees the base image's site-packages (so its interpreter imports that pip)."""

from __future__ import annotations

from pathlib import Path

from helpers import SKELETON

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


def _rewrite(tmp_path: Path, install: str) -> str:
    root = tmp_path / "app"
    for rel, text in SKELETON.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
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
