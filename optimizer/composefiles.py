"""Which compose files `docker compose` would read in a directory: a file-name check only.

Kept apart from optimizer/compose.py (which runs `docker compose config` and models its output)
so that a dry run on a project without a compose file, the common case, never loads that module.
"""

from __future__ import annotations

import re
from pathlib import Path

# What `docker compose` looks for by default, in its order of preference.
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
)


class ComposeError(Exception):
    """The compose file exists but Docker Compose cannot read it (the message says why)."""


def find_compose_files(directory: Path) -> list[Path]:
    """The files `docker compose` would read in `directory`: the first default name, plus its
    override file when present. Empty when there is none."""
    main = next((directory / n for n in COMPOSE_FILES if (directory / n).is_file()), None)
    if main is None:
        return []
    override = next((directory / n for n in OVERRIDE_FILES if (directory / n).is_file()), None)
    return [main] + ([override] if override else [])


def may_build(path: Path, dockerfile_name: str) -> bool:
    """A YAML file with a top-level `services:` that names the Dockerfile: read as a compose
    file (a cheap look before `docker compose config` runs on it)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(re.search(r"^services:", text, re.MULTILINE)) and dockerfile_name in text


def mention_profiles(files: list[Path]) -> bool:
    """Whether any of the files says `profiles` (a cheap look before `docker compose config`
    runs on them again with every profile active: most compose files have none)."""
    for path in files:
        try:
            if "profiles" in path.read_text(encoding="utf-8", errors="replace"):
                return True
        except OSError:
            continue
    return False


def other_compose_files(directory: Path, dockerfile_name: str) -> list[Path]:
    """The compose files in `directory` that `docker compose` does not read by default but
    that may build a Dockerfile of this name, each read alone (cookiecutter-django's
    docker-compose.production.yml, hammer_test's docker/docker-compose.prod.yml): names with
    "compose" first, overrides left out."""
    default = set(find_compose_files(directory))
    return [
        f
        for f in sorted(directory.glob("*.y*ml"), key=lambda f: ("compose" not in f.name, f))
        if f not in default and ".override." not in f.name and may_build(f, dockerfile_name)
    ]
