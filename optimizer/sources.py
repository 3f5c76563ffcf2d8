"""The project's own Python files, read as text for a quick look (a bounded walk that skips
VCS, virtualenv, node and cache directories). Transforms that ask "does the code mention X"
share it instead of each walking the tree."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"})
# A monorepo can hold tens of thousands of files: past this many a look stops (and says no).
LIMIT = 2000


def python_sources(
    root: Path,
    *,
    skip_dir: Callable[[str], bool] = lambda name: False,
    keep_file: Callable[[Path], bool] = lambda path: True,
) -> Iterator[tuple[Path, str]]:
    """(path, text) of each `.py` file under `root` that `keep_file` accepts, hidden
    directories, SKIP_DIRS and those `skip_dir` names left out; at most LIMIT files."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d for d in dirnames
            if d not in SKIP_DIRS and not d.startswith(".") and not skip_dir(d)
            and not _installed_packages(Path(dirpath) / d)
        ]
        for filename in filenames:
            path = Path(dirpath) / filename
            if not filename.endswith(".py") or not keep_file(path):
                continue
            count += 1
            if count > LIMIT:
                return
            try:
                text = path.read_text(encoding="utf-8", errors="ignore")
            except OSError:
                continue
            yield path, text


def _installed_packages(directory: Path) -> bool:
    """A virtualenv under any name (`env/`, `myenv/`: it has a pyvenv.cfg) or a site-packages
    directory: installed third-party code, not the project's. Santhosh-Nagarajan's repository
    commits `env/`, whose django/utils/version.py runs git: read as the app's own startup code,
    it kept .git in the image and the app root."""
    return directory.name in {"site-packages", "dist-packages"} or (
        directory / "pyvenv.cfg"
    ).is_file()


def has_files(directory: Path) -> bool:
    """Whether the directory holds a file, at any depth (stops at the first); False for what
    is no directory or cannot be read."""
    try:
        return directory.is_dir() and any(p.is_file() for p in directory.rglob("*"))
    except OSError:
        return False
