"""The package installs like a Python tool: a wheel and an sdist with complete metadata, that
install into a fresh virtualenv where `dj-optimize` runs. Also: the declared dependencies are
exactly what the code imports."""

from __future__ import annotations

import ast
import email
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SKIP_COPY = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)


def _name(requirement: str) -> str:
    """The distribution name of a requirement (`typer>=0.12,<0.29` -> `typer`)."""
    name = requirement
    for sep in "<>=!~[; ":
        name = name.split(sep)[0]
    return name.lower().replace("_", "-")


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {_name(spec) for spec in project["dependencies"]}


def test_dependencies_are_exactly_what_the_code_imports() -> None:
    imported: set[str] = set()
    for package in ("optimizer", "transforms"):
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    imported.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"optimizer", "transforms"}
    distributions = importlib.metadata.packages_distributions()
    needed = {distributions[name][0].lower().replace("_", "-") for name in third_party}
    assert needed == _declared()
    assert "pydantic" not in needed


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow
def test_wheel_and_sdist_build_and_install_into_a_fresh_venv(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=SKIP_COPY)
    built = _run(sys.executable, "-m", "build", "--outdir", tmp_path / "dist", src)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("dj_optimize-*-py3-none-any.whl")
    (sdist,) = (tmp_path / "dist").glob("dj_optimize-*.tar.gz")

    with zipfile.ZipFile(wheel) as archive:
        (meta_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        meta = email.message_from_bytes(archive.read(meta_name))
        names = archive.namelist()
    assert meta["Name"] == "dj-optimize"
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Summary"].startswith("Rewrite a Django project's Dockerfile")
    assert "Framework :: Django" in meta.get_all("Classifier")
    assert "# dj-optimize" in meta.get_payload()  # the README is the long description
    requires = {_name(r) for r in meta.get_all("Requires-Dist") if "extra ==" not in r}
    assert requires == _declared()
    assert any(n.endswith("licenses/LICENSE") for n in names)
    # Every module of the two packages, subpackages included (optimizer/verify was missing:
    # --verify and --cleanup died with ModuleNotFoundError), and nothing else: no tests, no
    # examples, no caches.
    shipped = {n for n in names if not n.startswith("dj_optimize-")}
    sources = {
        p.relative_to(REPO).as_posix()
        for package in ("optimizer", "transforms")
        for p in (REPO / package).rglob("*")
        if p.is_file() and (p.suffix == ".py" or p.name == "py.typed")
    }
    assert shipped == sources
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}
    assert {"LICENSE", "README.md", "pyproject.toml", "tests/test_cli.py"} <= members

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    # The shared test environment's variables must not leak the source tree into the new venv.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    installed = subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]

    tool = env_dir / "bin" / "dj-optimize"
    version = _run(tool, "--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"dj-optimize {meta['Version']}\n"
    # `python -m optimizer` is the same command, as `python -m ruff` is.
    as_module = _run(env_dir / "bin" / "python", "-m", "optimizer", "--version", cwd=tmp_path)
    assert as_module.returncode == 0, as_module.stderr
    assert as_module.stdout == version.stdout
    # Every installed module imports (what only --verify or --cleanup loads, too).
    imported = _run(
        env_dir / "bin" / "python",
        "-c",
        "import importlib, pkgutil, optimizer, transforms\n"
        "for package in (optimizer, transforms):\n"
        "    for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        if m.name != 'optimizer.__main__':\n"
        "            importlib.import_module(m.name)\n"
        "import optimizer.verify.run, optimizer.verify.runplan\n",
        cwd=tmp_path,
    )
    assert imported.returncode == 0, imported.stderr[-3000:]

    project = tmp_path / "project"
    shutil.copytree(REPO / "examples" / "01-tutorial", project)
    dry = _run(tool, cwd=project)
    assert dry.returncode == 1, dry.stderr
    assert "-FROM python:3.11\n" in dry.stdout and "+FROM python:3.11 AS builder" in dry.stdout
    assert (project / "Dockerfile").read_text() == (
        REPO / "examples" / "01-tutorial" / "Dockerfile"
    ).read_text()
    # The installed tool runs from the venv, not from the source tree.
    where = _run(
        env_dir / "bin" / "python",
        "-c",
        "import optimizer; print(optimizer.__file__)",
        cwd=tmp_path,
    )
    assert str(env_dir) in where.stdout
