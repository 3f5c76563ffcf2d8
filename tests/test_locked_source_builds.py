"""A C extension that no table knows, read from the lock file's own list of files: the lock
names the wheels each package has, so whether one installs on the image's Python is known
offline. With compiled wheels (a platform tag) and none for this CPython under glibc Linux,
the installer builds the sdist: slim-base must keep a compiler. Before, such a package was
read as pure Python and the image was slimmed with no compiler (sweep15's leftover from
round 14: "any other sdist-only C extension is still read as pure Python")."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.deps import SOURCE_BUILD, locked_source_builds, read_dependencies
from optimizer.syspkgs import system_needs

LINUX = "manylinux_2_17_x86_64.manylinux2014_x86_64"


def _verdict(files: list[str], python: tuple[int, int] = (3, 11)) -> bool:
    return bool(locked_source_builds({"fastthing": files}, python))


@pytest.mark.parametrize(
    ("files", "compiles"),
    [
        # wheels for older CPythons only: the sdist is built
        ([f"fastthing-1.0-cp39-cp39-{LINUX}.whl", f"fastthing-1.0-cp310-cp310-{LINUX}.whl",
          "fastthing-1.0.tar.gz"], True),
        # a wheel for this CPython, but Windows and macOS only
        (["fastthing-1.0-cp311-cp311-win_amd64.whl",
          "fastthing-1.0-cp311-cp311-macosx_11_0_arm64.whl"], True),
        # musl only (Alpine): Debian's glibc cannot take it
        (["fastthing-1.0-cp311-cp311-musllinux_1_1_x86_64.whl"], True),
        # this CPython, glibc
        ([f"fastthing-1.0-cp311-cp311-{LINUX}.whl", "fastthing-1.0.tar.gz"], False),
        # the stable ABI from an older CPython installs on newer ones
        ([f"fastthing-1.0-cp38-abi3-{LINUX}.whl"], False),
        # aarch64 counts (the image may be built there)
        (["fastthing-1.0-cp311-cp311-manylinux_2_28_aarch64.whl"], False),
        # a pure wheel beside compiled ones: pip takes it
        ([f"fastthing-1.0-cp39-cp39-{LINUX}.whl", "fastthing-1.0-py3-none-any.whl"], False),
        # sdist only: pure Python as often as not, left to the tables
        (["fastthing-1.0.tar.gz"], False),
        # uv.lock gives URLs
        ([f"https://files.pythonhosted.org/packages/ab/fastthing-1.0-cp310-cp310-{LINUX}.whl"],
         True),
    ],
)
def test_which_locked_packages_compile(files: list[str], compiles: bool) -> None:
    assert _verdict(files) is compiles


def test_unknown_python_or_a_table_package_decides_nothing() -> None:
    files = [f"x-1.0-cp39-cp39-{LINUX}.whl"]
    assert locked_source_builds({"fastthing": files}, None) == set()
    # psycopg2-binary's pins are the wheel table's business (deps._WHEELS_SINCE).
    assert locked_source_builds({"psycopg2-binary": files}, (3, 11)) == set()


def test_the_toolchain_is_a_system_need() -> None:
    needs = system_needs(["django", "fastthing" + SOURCE_BUILD])
    assert {"gcc", "g++", "libc6-dev"} <= set(needs.build)
    assert needs.runtime == ()
    assert any(r.startswith("fastthing builds from source") for r in needs.reasons)


def test_a_package_the_table_knows_keeps_its_own_needs() -> None:
    # bigbroCO-team/bigbroCO.-Server: poetry.lock lists psycopg2's Windows wheels only, so it
    # was read as an unknown C extension too: g++ added beside the table's libpq-dev, with a
    # note that what it links is not known.
    needs = system_needs(["psycopg2", "psycopg2" + SOURCE_BUILD])
    assert "g++" not in needs.build and "libpq-dev" in needs.build
    assert not any("is not known" in r for r in needs.reasons)
    # A wheel package's source twin in the table: its twin's needs (Pillow's libraries).
    pillow = system_needs(["pillow", "pillow" + SOURCE_BUILD])
    assert pillow == system_needs(["pillow", "pillow+sdist"])


DOCKERFILE = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN {install}\n"
WHEELS = [f"ujson-5.1.0-cp310-cp310-{LINUX}.whl", "ujson-5.1.0-cp311-cp311-win_amd64.whl"]


def _files_toml(files: list[str], key: str = "file") -> str:
    return "[" + ", ".join(f'{{{key} = "{f}", hash = "sha256:0"}}' for f in files) + "]"


def test_poetry_lock_both_formats(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "s"\nversion = "0"\n[tool.poetry.dependencies]\n'
        'python = "^3.11"\nujson = "5.1.0"\n'
    )
    dockerfile = DOCKERFILE.format(install="poetry install --only main")
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "ujson"\nversion = "5.1.0"\nfiles = '
        + _files_toml(WHEELS) + '\n[metadata]\nlock-version = "2.0"\n'
    )
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert "ujson" + SOURCE_BUILD in deps.packages
    # poetry.lock 1.1: the files under [metadata.files]
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "ujson"\nversion = "5.1.0"\ncategory = "main"\n'
        '[metadata]\nlock-version = "1.1"\n[metadata.files]\nujson = ' + _files_toml(WHEELS)
        + "\n"
    )
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert "ujson" + SOURCE_BUILD in deps.packages
    # The same lock on Python 3.10 has its wheel.
    deps = read_dependencies(
        tmp_path, dockerfile_text=dockerfile.replace("python:3.11", "python:3.10")
    )
    assert "ujson" + SOURCE_BUILD not in deps.packages


def test_uv_and_pdm_locks(tmp_path: Path) -> None:
    uv = tmp_path / "uv"
    uv.mkdir()
    (uv / "pyproject.toml").write_text(
        '[project]\nname = "s"\nversion = "0"\ndependencies = ["ujson==5.1.0"]\n'
    )
    urls = [f"https://files.pythonhosted.org/p/{w}" for w in WHEELS]
    (uv / "uv.lock").write_text(
        'version = 1\n[[package]]\nname = "s"\nversion = "0"\nsource = { editable = "." }\n'
        'dependencies = [{ name = "ujson" }]\n'
        '[[package]]\nname = "ujson"\nversion = "5.1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        'sdist = { url = "https://files.pythonhosted.org/p/ujson-5.1.0.tar.gz" }\n'
        "wheels = " + _files_toml(urls, "url") + "\n"
    )
    deps = read_dependencies(uv, dockerfile_text=DOCKERFILE.format(install="uv sync --frozen"))
    assert "ujson" + SOURCE_BUILD in deps.packages
    pdm = tmp_path / "pdm"
    pdm.mkdir()
    (pdm / "pyproject.toml").write_text(
        '[project]\nname = "s"\nversion = "0"\ndependencies = ["ujson==5.1.0"]\n'
    )
    (pdm / "pdm.lock").write_text(
        '[[package]]\nname = "ujson"\nversion = "5.1.0"\ngroups = ["default"]\nfiles = '
        + _files_toml(WHEELS) + "\n"
    )
    deps = read_dependencies(pdm, dockerfile_text=DOCKERFILE.format(install="pdm install --prod"))
    assert "ujson" + SOURCE_BUILD in deps.packages
