"""dockerignore leaves out the context's directories a compose service keeps a database's data
in (`./data:/var/lib/mysql`): NganNgJ/online-shopping-web's MySQL kept its files in the build
context's ./data, which `COPY . .` would have shipped (sweep16b)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import materialize

from optimizer.compose import compose_available
from optimizer.pipeline import optimize

GOLDEN = Path(__file__).parent / "golden" / "dockerignore" / "compose-database-data"

pytestmark = pytest.mark.skipif(not compose_available(), reason="needs docker compose")


def _run(root: Path) -> tuple[list[str], str]:
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    return outcome.files.get(".dockerignore", "").splitlines(), notes


def test_database_data_directories_are_excluded_with_the_reason(tmp_path: Path) -> None:
    root = materialize(GOLDEN, tmp_path / "ctx")
    lines, notes = _run(root)
    assert "pgdata" in lines and "redis-data" in lines
    # nginx's /data is not a database's: only Redis-like images keep their data at /data.
    assert "static" not in lines and "nginx" not in lines
    assert "compose service `db` (docker-compose.yml) keeps /var/lib/postgresql/data" in notes


def test_a_mount_outside_the_context_or_already_ignored_adds_nothing(tmp_path: Path) -> None:
    root = materialize(GOLDEN, tmp_path / "ctx")
    compose = root / "docker-compose.yml"
    compose.write_text(
        compose.read_text()
        .replace("./pgdata/:", "../pgdata:")
        .replace("./redis-data:", "./var/redis:")
    )
    (root / ".dockerignore").write_text("var/\n")
    lines, _ = _run(root)
    assert "../pgdata" not in lines and "pgdata" not in lines
    assert "var/redis" not in lines


def test_a_data_directory_the_dockerfile_copies_by_name_is_kept(tmp_path: Path) -> None:
    root = materialize(GOLDEN, tmp_path / "ctx")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("COPY . .", "COPY . .\nCOPY pgdata /seed"))
    lines, _ = _run(root)
    assert "pgdata" not in lines and "redis-data" in lines


def test_no_compose_file_no_change(tmp_path: Path) -> None:
    root = materialize(GOLDEN, tmp_path / "ctx")
    (root / "docker-compose.yml").unlink()
    lines, _ = _run(root)
    assert "pgdata" not in lines



def test_the_note_says_copy_ships_it_only_when_the_dockerfile_copies_the_context(
    tmp_path: Path,
) -> None:
    # koksalkapucuoglu/track-and-notify_todo (sweep16b): compose bind-mounts the source and
    # the Dockerfile copies only requirements.txt.
    root = materialize(GOLDEN, tmp_path / "ctx")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("COPY . .\n", ""))
    lines, notes = _run(root)
    assert "pgdata" in lines
    assert "sent with the build context for nothing" in notes
    assert "`COPY . .` would ship" not in notes
