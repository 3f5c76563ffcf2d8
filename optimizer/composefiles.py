"""Which compose files `docker compose` would read in a directory: a file-name check only.

Kept apart from optimizer/compose.py (which runs `docker compose config` and models its output)
so that a dry run on a project without a compose file, the common case, never loads that module.
"""

from __future__ import annotations

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
