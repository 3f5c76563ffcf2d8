"""End to end on the lab engine, for what the settings reader decides. The rewritten image's
non-root user can write what the app writes: issue 8.1a (settings package, no setdefault, sqlite
under data/: `migrate` as uid 10001 failed with "unable to open database file") and 8.1b (a media
subdirectory an earlier RUN created for another owner). The developer's sqlite file, whatever
its name, stays out of the image (8.5: `app_db` shipped)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

GOLDEN = Path(__file__).parent / "golden" / "non-root"
_LABEL = "dj-optimize.test=settings-non-root"


def _docker(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _build_rewritten(case: str, tmp_path: Path) -> str:
    root = materialize(GOLDEN / case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    (root / "Dockerfile").write_text(outcome.files["Dockerfile"])
    tag = f"settings-nonroot-{case}-{uuid.uuid4().hex[:8]}"
    done = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root))
    assert done.returncode == 0, done.stderr[-2000:]
    return tag


def _run(tag: str, *command: str, env: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    name = f"settings-nonroot-{uuid.uuid4().hex[:8]}"
    flags = [f for e in env for f in ("-e", e)]
    try:
        return _docker("run", "--rm", "--name", name, "--label", _LABEL, *flags, tag, *command,
                       timeout=180)
    finally:
        _docker("rm", "-f", name, timeout=60)


@pytest.fixture
def images() -> Iterator[list[str]]:
    tags: list[str] = []
    yield tags
    for tag in tags:
        _docker("rmi", "-f", tag, timeout=120)


def test_migrate_as_non_root_with_settings_package(tmp_path: Path, images: list[str]) -> None:
    tag = _build_rewritten("settings-package-no-setdefault", tmp_path)
    images.append(tag)
    done = _run(
        tag, "python", "manage.py", "migrate", "--noinput",
        env=("DJANGO_SETTINGS_MODULE=proj.settings.base",),
    )
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    who = _run(tag, "sh", "-c", "id -u && ls -ld /app/data")
    assert who.stdout.split()[0] == "10001"


def test_upload_subdirectory_is_writable(tmp_path: Path, images: list[str]) -> None:
    tag = _build_rewritten("media-subdirs-volume", tmp_path)
    images.append(tag)
    done = _run(
        tag, "sh", "-c",
        "touch /code/proj/media/original_images/a.jpg /code/proj/media/images/b.jpg && id -u",
    )
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.strip() == "10001"


def test_sqlite_file_named_by_the_settings_stays_out_of_the_image(
    tmp_path: Path, images: list[str]
) -> None:
    root = materialize(Path(__file__).parent / "golden" / "dockerignore" / "sqlite-custom-name",
                       tmp_path / "ctx")
    # No install step: the image only has to show which files the context sent.
    (root / "Dockerfile").write_text("FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    (root / ".dockerignore").write_text(outcome.files[".dockerignore"])
    tag = f"settings-dockerignore-{uuid.uuid4().hex[:8]}"
    done = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root))
    assert done.returncode == 0, done.stderr[-2000:]
    images.append(tag)
    listing = _run(tag, "sh", "-c", "ls -a /app")
    assert listing.returncode == 0, listing.stderr
    names = listing.stdout.split()
    assert "app_db" not in names
    assert "manage.py" in names
