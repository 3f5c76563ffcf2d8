"""dockerignore excludes the project's local state by what the settings say (issue 8.5): the
sqlite file DATABASES names and the uploads in MEDIA_ROOT nobody committed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize
from transforms import dockerignore

GOLDEN = Path(__file__).parent / "golden" / "dockerignore"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        check=True,
        capture_output=True,
    )


def test_uncommitted_uploads_are_excluded_committed_media_kept(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "media-with-files", tmp_path / "ctx")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "init")
    (root / "media/uploads").mkdir(parents=True)
    (root / "media/uploads/avatar.png").write_bytes(b"\x89PNG")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    lines = outcome.files[".dockerignore"].splitlines()
    assert "media/uploads/avatar.png" in lines
    assert "media" not in lines
    notes = [n for c in outcome.changes for n in c.notes]
    assert any("uploads nobody committed" in n for n in notes)


def test_uncommitted_media_without_any_committed_file_is_excluded_whole(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "media-with-files", tmp_path / "ctx")
    _git(root, "init", "-q")
    _git(root, "add", "Dockerfile", "mysite", "requirements.txt")
    _git(root, "commit", "-qm", "init")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert "media" in outcome.files[".dockerignore"].splitlines()


def test_listing_uploads_is_idempotent(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "media-with-files", tmp_path / "ctx")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "init")
    (root / "media/new.png").write_bytes(b"\x89PNG")
    first = optimize(root / "Dockerfile", root, only=["dockerignore"])
    (root / ".dockerignore").write_text(first.files[".dockerignore"])
    assert optimize(root / "Dockerfile", root, only=["dockerignore"]).files == {}


def test_committed_sqlite_database_ships(tmp_path: Path) -> None:
    """A beginner's repository commits db.sqlite3 and runs runserver without migrate (seen on
    real todo apps): the original image serves its rows, so the rewrite must keep the file."""
    root = materialize(GOLDEN / "sqlite-custom-name", tmp_path / "ctx")
    settings = root / "mysite/settings.py"
    settings.write_text(settings.read_text().replace('"app_db"', '"db.sqlite3"'))
    (root / "app_db").rename(root / "db.sqlite3")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "init")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    lines = outcome.files[".dockerignore"].splitlines()
    # `**/*.sqlite3` still keeps other databases out; the committed one is let back in.
    assert "**/*.sqlite3" in lines
    assert lines[-1] == "!db.sqlite3"
    notes = [n for c in outcome.changes for n in c.notes]
    assert any("db.sqlite3 (the sqlite database the settings name is committed" in n
               for n in notes)
    (root / ".dockerignore").write_text(outcome.files[".dockerignore"])
    assert optimize(root / "Dockerfile", root, only=["dockerignore"]).files == {}


def test_committed_sqlite_database_ships_from_a_context_below_the_repository_root(
    tmp_path: Path,
) -> None:
    # ArtsemDev/django-docker-postgres-example: the context is belhard/ in the repository and
    # belhard/db.sqlite3 is committed; with no .git in the context it was called uncommitted
    # and excluded, and the rewrite's `/` answered 500 (no such table) where the original
    # served 200 (verify: fail).
    root = materialize(GOLDEN / "sqlite-custom-name", tmp_path / "repo" / "belhard")
    settings = root / "mysite/settings.py"
    settings.write_text(settings.read_text().replace('"app_db"', '"db.sqlite3"'))
    (root / "app_db").rename(root / "db.sqlite3")
    repo = tmp_path / "repo"
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "init")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert outcome.files[".dockerignore"].splitlines()[-1] == "!db.sqlite3"
    # Not committed there: it stays out.
    _git(repo, "rm", "-q", "--cached", "belhard/db.sqlite3")
    _git(repo, "commit", "-qm", "untrack")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert "!db.sqlite3" not in outcome.files[".dockerignore"].splitlines()


def test_uncommitted_sqlite_database_beside_git_stays_out(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "sqlite-custom-name", tmp_path / "ctx")
    _git(root, "init", "-q")
    _git(root, "add", "Dockerfile", "mysite", "requirements.txt")
    _git(root, "commit", "-qm", "init")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert "app_db" in outcome.files[".dockerignore"].splitlines()


def test_files_the_build_and_the_entrypoint_copy_stay(tmp_path: Path) -> None:
    """`RUN cp .env.example .env` and an entrypoint's `cp .env.sample .env`: `.env.*` dropped
    them and the build (cp: cannot stat) or the start failed. The developer's `.env` stays out."""
    root = materialize(GOLDEN / "none-yet", tmp_path / "ctx")
    (root / ".env.example").write_text("SECRET_KEY=x\n")
    (root / ".env.sample").write_text("A=1\n")
    (root / ".env").write_text("SECRET_KEY=real\n")
    (root / ".env.production").write_text("SECRET_KEY=prod\n")
    (root / "entrypoint.sh").write_text(
        '#!/bin/sh\n[ -f .env ] || cp .env.sample .env\nexec "$@"\n'
    )
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "RUN cp .env.example .env\n")
    lines = optimize(dockerfile, root, only=["dockerignore"]).files[".dockerignore"].splitlines()
    assert ".env" in lines and ".env.*" in lines
    assert "!.env.example" in lines and "!.env.sample" in lines
    assert "!.env" not in lines and "!.env.production" not in lines


def _dotenv_project(root: Path, reader: str) -> Path:
    """A project whose settings load `.env` (ScrapXChange_backend: `load_dotenv()` in
    backend/settings.py, the `.env` committed, no compose file to pass it)."""
    root = materialize(GOLDEN / "media-with-files", root)
    settings = root / "mysite/settings.py"
    settings.write_text(reader + settings.read_text())
    (root / ".env").write_text("DB_HOST=db\nSECRET_KEY=from-the-env-file\n")
    return root


def test_a_committed_env_file_the_settings_load_ships(tmp_path: Path) -> None:
    root = _dotenv_project(tmp_path / "ctx", "from dotenv import load_dotenv\nload_dotenv()\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "init")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    lines = outcome.files[".dockerignore"].splitlines()
    assert ".env" not in lines
    assert ".env.*" in lines  # the other env files stay out as before
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    assert "kept .env (committed to git, and mysite/settings.py loads it" in notes
    # Idempotent: the second run adds nothing.
    (root / ".dockerignore").write_text(outcome.files[".dockerignore"])
    assert optimize(root / "Dockerfile", root, only=["dockerignore"]).files == {}


def test_an_env_file_not_committed_stays_out_even_when_loaded(tmp_path: Path) -> None:
    """The developer's own .env (gitignored or no git at all) is their secrets: out."""
    root = _dotenv_project(tmp_path / "ctx", "import decouple\n")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert ".env" in outcome.files[".dockerignore"].splitlines()
    (root / ".gitignore").write_text(".env\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "init")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert ".env" in outcome.files[".dockerignore"].splitlines()


def test_a_committed_env_file_nothing_loads_stays_out(tmp_path: Path) -> None:
    root = _dotenv_project(tmp_path / "ctx", "# settings read os.environ only\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "init")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert ".env" in outcome.files[".dockerignore"].splitlines()


@pytest.mark.parametrize(
    ("name", "patterns", "excluded"),
    [
        (".env", [".env"], True),
        # A pattern without `**/` matches from the context's root only, as Docker reads it.
        ("django_bike/.env", [".env", ".env.*"], False),
        ("app/media/a.jpg", ["media"], False),
        ("media/a.jpg", ["media"], True),
        ("a/b/__pycache__/x.pyc", ["**/__pycache__"], True),
        ("x.pyc", ["**/*.py[cod]"], True),
        ("a/x.pyo", ["**/*.py[cod]"], True),
        ("a/x.py", ["**/*.py[cod]"], False),
        ("db.sqlite3", ["**/*.sqlite3"], True),
        # `*` stays within one path segment.
        ("static/css/a.css", ["static/*.css"], False),
        ("static/a.css", ["static/*.css"], True),
    ],
)
def test_excluded_matches_as_docker_does(name: str, patterns: list[str], excluded: bool) -> None:
    assert dockerignore._excluded(name, patterns) is excluded


def test_git_stays_when_another_dockerfile_of_the_context_copies_it_and_uses_git(
    tmp_path: Path,
) -> None:
    # allegro/ralph's shape: the app's Dockerfile copies a few files, docker/Dockerfile-deb
    # (built from the same context, so reading the same .dockerignore) copies the repository
    # and builds a package with git; `.git` added for the first broke the second.
    root = materialize(GOLDEN / "shared-with-git-using-dockerfile", tmp_path / "ctx")
    _git(root, "init", "-q")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    lines = outcome.files[".dockerignore"].splitlines()
    assert ".git" not in lines
    notes = [n for c in outcome.changes for n in c.notes]
    assert any("docker/Dockerfile.release builds from the same context" in n for n in notes)

    # With its own ignore file the release build no longer reads the shared one.
    (root / "docker/Dockerfile.release.dockerignore").write_text("*.pyc\n")
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert ".git" in outcome.files[".dockerignore"].splitlines()


def test_a_nested_sqlite_database_is_not_added_again_under_our_own_pattern(
    tmp_path: Path,
) -> None:
    # Jormunngandz/1shsapp, dussiks/infra_actions: the second run read our `**/*.sqlite3` as
    # `*.sqlite3` (top level only) and appended the database's path to the file it had written.
    root = materialize(GOLDEN.parent / "non-root" / "sqlite-in-project-subdir", tmp_path / "ctx")
    first = optimize(root / "Dockerfile", root, only=["dockerignore"])
    (root / ".dockerignore").write_text(first.files[".dockerignore"])
    second = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert ".dockerignore" not in second.files
