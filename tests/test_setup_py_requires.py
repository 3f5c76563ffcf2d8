"""setup.py's literal `install_requires` is read (with ast, never run): a setuptools project
without a [project] table installs with `pip install .` what its setup.py requires. Unread,
psycopg2 there was not seen and slim-base dropped the compilers and libpq headers it builds
with (cquentin48/Docker-nginx-django-react-template's backend)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.deps import read_dependencies, setup_py_requires

_SETUP = """\
from setuptools import setup, find_packages

{before}
setup(
    name="mysite",
    packages=find_packages(),
    install_requires={value},
)
"""


@pytest.mark.parametrize(
    ("before", "value", "found"),
    [
        ("", '["Django==5.1.4", "psycopg2==2.9.10"]', ["Django==5.1.4", "psycopg2==2.9.10"]),
        ("", '("Django>=5.0",)', ["Django>=5.0"]),
        ('REQUIRES = ["Django", "mysqlclient"]', "REQUIRES", ["Django", "mysqlclient"]),
        ("", 'open("requirements.txt").read().splitlines()', []),
        ("", "REQUIRES", []),
    ],
)
def test_setup_py_requires(before: str, value: str, found: list[str]) -> None:
    assert setup_py_requires(_SETUP.format(before=before, value=value)) == found


def test_setuptools_setup_attribute_and_a_broken_file() -> None:
    text = "import setuptools\nsetuptools.setup(install_requires=['lxml'])\n"
    assert setup_py_requires(text) == ["lxml"]
    assert setup_py_requires("setup(install_requires=[\n") == []


def test_a_setup_py_project_installed_with_pip_install_dot(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        _SETUP.format(before="", value='["Django==5.1.4", "psycopg2==2.9.10"]')
    )
    dockerfile = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -e .\n"
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert deps.manager == "pep621"
    assert {"django", "psycopg2"} <= deps.packages
    assert "setup.py" in deps.manifest_files


def test_setup_cfg_and_setup_py_together(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[options]\ninstall_requires =\n    Pillow==11.0.0\n")
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    deps = read_dependencies(tmp_path)
    assert deps.manager == "pep621"
    assert "pillow" in deps.packages


def test_a_requirements_file_still_wins_over_setup_py(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "setup.py").write_text(_SETUP.format(before="", value='["psycopg2"]'))
    deps = read_dependencies(tmp_path)
    assert deps.manager == "pip"
    assert deps.packages == {"django", "gunicorn"}
