"""What `init` and the pin-python transform read as the project's Python, side by side.

Both read the same declarations through optimizer/pyversion.py; each keeps its own policy:
`init` picks the newest of the releases it knows (3.9-3.13) a range allows and falls back to the
first version a range names when none fits; pin-python picks the newest of 3.6-3.13 a range
allows, takes an exact version from 3.6 up, and passes over what its policy rejects for the next
declaration. The rows are the behaviour before the two readers were merged (characterisation);
rows marked `merged` changed then, and say why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.context import DjangoProject
from optimizer.init import declared_python as init_python
from transforms.base import Context
from transforms.pin_python import declared_python as pin_python

Init = tuple[str, str]
Pin = tuple[int, str] | None


def _project(tmp_path: Path, files: dict[str, str], manage_py: str | None) -> DjangoProject:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return DjangoProject(tmp_path, manage_py=manage_py)


def _rp(spec: str) -> dict[str, str]:
    return {"pyproject.toml": f'[project]\nrequires-python = "{spec}"\n'}


def _poetry(spec: str) -> dict[str, str]:
    return {"pyproject.toml": f'[tool.poetry.dependencies]\npython = "{spec}"\n'}


CASES: list[tuple[str, dict[str, str], str | None, Init, Pin]] = [
    ("nothing", {}, None, ("3.13", "no version declared: the default"), None),
    (
        "requires-python >=3.8,<3.12",
        _rp(">=3.8,<3.12"),
        None,
        ("3.11", "pyproject.toml requires-python '>=3.8,<3.12': the newest allowed"),
        (11, "pyproject.toml requires-python = '>=3.8,<3.12'"),
    ),
    (
        "requires-python ~=3.10",
        _rp("~=3.10"),
        None,
        ("3.13", "pyproject.toml requires-python '~=3.10': the newest allowed"),
        (13, "pyproject.toml requires-python = '~=3.10'"),
    ),
    (
        "requires-python ^3.11",
        _rp("^3.11"),
        None,
        ("3.13", "pyproject.toml requires-python '^3.11': the newest allowed"),
        (13, "pyproject.toml requires-python = '^3.11'"),
    ),
    (
        "requires-python >=3.14",
        _rp(">=3.14"),
        None,
        ("3.14", "pyproject.toml requires-python '>=3.14': the newest allowed"),
        None,
    ),
    (
        "requires-python >=3.15,<3.16",
        _rp(">=3.15,<3.16"),
        None,
        ("3.15", "pyproject.toml requires-python '>=3.15,<3.16': the newest allowed"),
        None,
    ),
    (
        "requires-python 3.14",
        _rp("3.14"),
        None,
        ("3.14", "pyproject.toml requires-python '3.14': the newest allowed"),
        None,
    ),
    (
        "requires-python 3.5",
        _rp("3.5"),
        None,
        ("3.5", "pyproject.toml requires-python '3.5': the newest allowed"),
        None,
    ),
    (
        "requires-python ==3.5.*",
        _rp("==3.5.*"),
        None,
        ("3.5", "pyproject.toml requires-python '==3.5.*': the newest allowed"),
        None,
    ),
    (
        "requires-python >=3.6",
        _rp(">=3.6"),
        None,
        ("3.13", "pyproject.toml requires-python '>=3.6': the newest allowed"),
        (13, "pyproject.toml requires-python = '>=3.6'"),
    ),
    (
        "requires-python <3.6",
        _rp("<3.6"),
        None,
        ("3.6", "pyproject.toml requires-python '<3.6': the newest allowed"),
        None,
    ),
    (
        "requires-python >=2.7",
        _rp(">=2.7"),
        None,
        ("3.13", "pyproject.toml requires-python '>=2.7': the newest allowed"),
        (13, "pyproject.toml requires-python = '>=2.7'"),
    ),
    # merged: pin-python read `!=2.7` as allowing nothing (was None).
    (
        "requires-python !=2.7",
        _rp("!=2.7"),
        None,
        ("3.13", "pyproject.toml requires-python '!=2.7': the newest allowed"),
        (13, "pyproject.toml requires-python = '!=2.7'"),
    ),
    # merged: pin-python did not read Poetry's space-separated clauses (was None).
    (
        "requires-python >=3.8 <3.12",
        _rp(">=3.8 <3.12"),
        None,
        ("3.11", "pyproject.toml requires-python '>=3.8 <3.12': the newest allowed"),
        (11, "pyproject.toml requires-python = '>=3.8 <3.12'"),
    ),
    # merged: pin-python did not read Poetry's `||` alternatives (was None).
    (
        "requires-python ^3.8 || ^3.11",
        _rp("^3.8 || ^3.11"),
        None,
        ("3.13", "pyproject.toml requires-python '^3.8 || ^3.11': the newest allowed"),
        (13, "pyproject.toml requires-python = '^3.8 || ^3.11'"),
    ),
    (
        "requires-python ~3.10",
        _rp("~3.10"),
        None,
        ("3.10", "pyproject.toml requires-python '~3.10': the newest allowed"),
        (10, "pyproject.toml requires-python = '~3.10'"),
    ),
    (
        "requires-python ~=3.11.4",
        _rp("~=3.11.4"),
        None,
        ("3.11", "pyproject.toml requires-python '~=3.11.4': the newest allowed"),
        (11, "pyproject.toml requires-python = '~=3.11.4'"),
    ),
    (
        "requires-python >3.11",
        _rp(">3.11"),
        None,
        ("3.13", "pyproject.toml requires-python '>3.11': the newest allowed"),
        (13, "pyproject.toml requires-python = '>3.11'"),
    ),
    (
        "requires-python <3.11",
        _rp("<3.11"),
        None,
        ("3.10", "pyproject.toml requires-python '<3.11': the newest allowed"),
        (10, "pyproject.toml requires-python = '<3.11'"),
    ),
    (
        "requires-python ==3.11.*",
        _rp("==3.11.*"),
        None,
        ("3.11", "pyproject.toml requires-python '==3.11.*': the newest allowed"),
        (11, "pyproject.toml requires-python = '==3.11.*'"),
    ),
    (
        "requires-python *",
        _rp("*"),
        None,
        ("3.13", "pyproject.toml requires-python '*': the newest allowed"),
        (13, "pyproject.toml requires-python = '*'"),
    ),
    (
        "requires-python not a range",
        _rp("not a range"),
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    (
        "requires-python >=3.9,!=3.12.*",
        _rp(">=3.9,!=3.12.*"),
        None,
        ("3.13", "pyproject.toml requires-python '>=3.9,!=3.12.*': the newest allowed"),
        (13, "pyproject.toml requires-python = '>=3.9,!=3.12.*'"),
    ),
    (
        "requires-python <=3.10",
        _rp("<=3.10"),
        None,
        ("3.10", "pyproject.toml requires-python '<=3.10': the newest allowed"),
        (10, "pyproject.toml requires-python = '<=3.10'"),
    ),
    (
        "requires-python >=3.12,<3.13",
        _rp(">=3.12,<3.13"),
        None,
        ("3.12", "pyproject.toml requires-python '>=3.12,<3.13': the newest allowed"),
        (12, "pyproject.toml requires-python = '>=3.12,<3.13'"),
    ),
    (
        "requires-python ==3.10.5",
        _rp("==3.10.5"),
        None,
        ("3.10", "pyproject.toml requires-python '==3.10.5': the newest allowed"),
        (10, "pyproject.toml requires-python = '==3.10.5'"),
    ),
    (
        "poetry ^3.11",
        _poetry("^3.11"),
        None,
        ("3.13", "pyproject.toml Poetry's python dependency '^3.11': the newest allowed"),
        (13, "pyproject.toml [tool.poetry.dependencies] python = '^3.11'"),
    ),
    (
        "poetry >=3.8,<3.12",
        _poetry(">=3.8,<3.12"),
        None,
        ("3.11", "pyproject.toml Poetry's python dependency '>=3.8,<3.12': the newest allowed"),
        (11, "pyproject.toml [tool.poetry.dependencies] python = '>=3.8,<3.12'"),
    ),
    (
        "requires-python beats poetry",
        {
            "pyproject.toml": '[project]\nrequires-python = ">=3.10,<3.11"\n'
            '[tool.poetry.dependencies]\npython = "^3.12"\n'
        },
        None,
        ("3.10", "pyproject.toml requires-python '>=3.10,<3.11': the newest allowed"),
        (10, "pyproject.toml requires-python = '>=3.10,<3.11'"),
    ),
    (
        "pyproject invalid toml",
        {"pyproject.toml": "[project\n"},
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    (
        ".python-version '3.11.9\\n'",
        {".python-version": "3.11.9\n"},
        None,
        ("3.11", ".python-version says 3.11.9"),
        (11, ".python-version: 3.11.9"),
    ),
    (
        ".python-version '3.11\\n'",
        {".python-version": "3.11\n"},
        None,
        ("3.11", ".python-version says 3.11"),
        (11, ".python-version: 3.11"),
    ),
    (
        ".python-version '3.5\\n'",
        {".python-version": "3.5\n"},
        None,
        ("3.5", ".python-version says 3.5"),
        None,
    ),
    (
        ".python-version '3.14\\n'",
        {".python-version": "3.14\n"},
        None,
        ("3.14", ".python-version says 3.14"),
        (14, ".python-version: 3.14"),
    ),
    (
        ".python-version '# pinned\\n3.10\\n'",
        {".python-version": "# pinned\n3.10\n"},
        None,
        ("3.10", ".python-version says 3.10"),
        (10, ".python-version: 3.10"),
    ),
    # merged: pin-python stopped at the first line, pyenv's `system` (was None).
    (
        ".python-version 'system\\n3.11\\n'",
        {".python-version": "system\n3.11\n"},
        None,
        ("3.11", ".python-version says 3.11"),
        (11, ".python-version: 3.11"),
    ),
    (
        ".python-version 'pypy3.10\\n'",
        {".python-version": "pypy3.10\n"},
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    (
        ".python-version 'cpython-3.12.1\\n'",
        {".python-version": "cpython-3.12.1\n"},
        None,
        ("3.12", ".python-version says cpython-3.12.1"),
        (12, ".python-version: cpython-3.12.1"),
    ),
    (
        ".python-version 'python3.11\\n'",
        {".python-version": "python3.11\n"},
        None,
        ("3.11", ".python-version says python3.11"),
        (11, ".python-version: python3.11"),
    ),
    (
        ".python-version '3\\n'",
        {".python-version": "3\n"},
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    # merged: init's note quoted the comment too (was "says 3.11 # why").
    (
        ".python-version '3.11 # why\\n'",
        {".python-version": "3.11 # why\n"},
        None,
        ("3.11", ".python-version says 3.11"),
        (11, ".python-version: 3.11"),
    ),
    # merged: pin-python did not skip a byte-order mark (was None).
    (
        ".python-version '\\ufeff3.11\\n'",
        {".python-version": "\ufeff3.11\n"},
        None,
        ("3.11", ".python-version says 3.11"),
        (11, ".python-version: 3.11"),
    ),
    (
        ".python-version '2.7.18\\n'",
        {".python-version": "2.7.18\n"},
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    (
        ".python-version ''",
        {".python-version": ""},
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    (
        "runtime.txt 'python-3.10.4\\n'",
        {"runtime.txt": "python-3.10.4\n"},
        None,
        ("3.10", "runtime.txt says python-3.10.4"),
        (10, "runtime.txt: python-3.10.4"),
    ),
    (
        "runtime.txt '  python-3.10.4\\n'",
        {"runtime.txt": "  python-3.10.4\n"},
        None,
        ("3.10", "runtime.txt says python-3.10.4"),
        (10, "runtime.txt: python-3.10.4"),
    ),
    (
        "runtime.txt 'python-2.7.18\\n'",
        {"runtime.txt": "python-2.7.18\n"},
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    (
        "runtime.txt '3.10.4\\n'",
        {"runtime.txt": "3.10.4\n"},
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    (
        "runtime.txt 'python-3.5.10\\n'",
        {"runtime.txt": "python-3.5.10\n"},
        None,
        ("3.5", "runtime.txt says python-3.5.10"),
        None,
    ),
    (
        "runtime.txt 'python-3.14.0\\n'",
        {"runtime.txt": "python-3.14.0\n"},
        None,
        ("3.14", "runtime.txt says python-3.14.0"),
        (14, "runtime.txt: python-3.14.0"),
    ),
    (
        "Pipfile 'python_version = \"3.11\"\\n'",
        {"Pipfile": '[requires]\npython_version = "3.11"\n'},
        None,
        ("3.11", "Pipfile requires 3.11"),
        (11, "Pipfile python_version = '3.11'"),
    ),
    (
        "Pipfile 'python_full_version = \"3.10.4\"\\n'",
        {"Pipfile": '[requires]\npython_full_version = "3.10.4"\n'},
        None,
        ("3.10", "Pipfile requires 3.10.4"),
        (10, "Pipfile python_full_version = '3.10.4'"),
    ),
    (
        'Pipfile \'python_version = "3.11"\\npython_full_version = "3.10.4"\\n\'',
        {"Pipfile": '[requires]\npython_version = "3.11"\npython_full_version = "3.10.4"\n'},
        None,
        # merged: init read python_version first (was 3.11); pipenv uses the full version.
        ("3.10", "Pipfile requires 3.10.4"),
        (10, "Pipfile python_full_version = '3.10.4'"),
    ),
    (
        "Pipfile 'python_version = \"3\"\\n'",
        {"Pipfile": '[requires]\npython_version = "3"\n'},
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    (
        "Pipfile 'python_version = \"3.5\"\\n'",
        {"Pipfile": '[requires]\npython_version = "3.5"\n'},
        None,
        ("3.5", "Pipfile requires 3.5"),
        None,
    ),
    (
        "Pipfile 'python_version = \"3.14\"\\n'",
        {"Pipfile": '[requires]\npython_version = "3.14"\n'},
        None,
        ("3.14", "Pipfile requires 3.14"),
        (14, "Pipfile python_version = '3.14'"),
    ),
    (
        "Pipfile invalid toml",
        {"Pipfile": "[requires\n"},
        None,
        ("3.13", "no version declared: the default"),
        None,
    ),
    (
        "pin beats range",
        {".python-version": "3.11\n", "pyproject.toml": '[project]\nrequires-python = ">=3.9"\n'},
        None,
        ("3.11", ".python-version says 3.11"),
        (11, ".python-version: 3.11"),
    ),
    (
        "unreadable pin then runtime",
        {".python-version": "3.5\n", "runtime.txt": "python-3.10.4\n"},
        None,
        ("3.5", ".python-version says 3.5"),
        (10, "runtime.txt: python-3.10.4"),
    ),
    (
        "runtime beats Pipfile",
        {"runtime.txt": "python-3.10.4\n", "Pipfile": '[requires]\npython_version = "3.12"\n'},
        None,
        ("3.10", "runtime.txt says python-3.10.4"),
        (10, "runtime.txt: python-3.10.4"),
    ),
    (
        "root beats project dir",
        {"runtime.txt": "python-3.12.1\n", "backend/.python-version": "3.10\n"},
        "backend/manage.py",
        ("3.12", "runtime.txt says python-3.12.1"),
        (12, "runtime.txt: python-3.12.1"),
    ),
    (
        "project dir when root has none",
        {"backend/.python-version": "3.10\n"},
        "backend/manage.py",
        ("3.10", "backend/.python-version says 3.10"),
        (10, "backend/.python-version: 3.10"),
    ),
    (
        "project dir pyproject",
        {"backend/pyproject.toml": '[project]\nrequires-python = ">=3.9,<3.11"\n'},
        "backend/manage.py",
        ("3.10", "backend/pyproject.toml requires-python '>=3.9,<3.11': the newest allowed"),
        (10, "backend/pyproject.toml requires-python = '>=3.9,<3.11'"),
    ),
    (
        "root range with no fit, project dir pin",
        {
            "pyproject.toml": '[project]\nrequires-python = ">=3.15"\n',
            "backend/.python-version": "3.10\n",
        },
        "backend/manage.py",
        ("3.15", "pyproject.toml requires-python '>=3.15': the newest allowed"),
        (10, "backend/.python-version: 3.10"),
    ),
]


@pytest.mark.parametrize(
    ("files", "manage_py", "init", "pin"),
    [pytest.param(f, m, i, p, id=name) for name, f, m, i, p in CASES],
)
def test_both_readers(
    tmp_path: Path, files: dict[str, str], manage_py: str | None, init: Init, pin: Pin
) -> None:
    project = _project(tmp_path, files, manage_py)
    assert init_python(tmp_path, project.project_dir) == init
    found = pin_python(Context(project, tmp_path))
    assert (None if found is None else (found.minor, found.source)) == pin
