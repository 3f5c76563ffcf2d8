"""non-root: the files a container's start command writes (a server's pid or log file, a
redirection) count for the compose bind-mount check, and gunicorn's `-p` is its pid file.

idrissabanli/todo_project_deployment runs `gunicorn --bind 0.0.0.0 -p 8000 todo_project.wsgi`
(`-p` is gunicorn's `--pid`: it writes a file named 8000 in /code), and its compose service
`web` bind-mounts `.:/code/` with no command of its own. Before, the rewrite switched the image
to uid 10001 ("/code writable for it"): under the mount /code is the host's directory, which
uid 10001 cannot create the pid file in, so gunicorn would stop at start. Now the image keeps
root with the reason and the `user:` advice, as for a service that runs makemigrations there."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize
from transforms.non_root import _start_files

DOCKERFILE = (
    "FROM python:3.11-slim\nWORKDIR /code\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
    "CMD {cmd}\n"
)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("gunicorn --bind 0.0.0.0 -p 8000 mysite.wsgi", [("8000", True)]),
        ("python -m gunicorn -p /run/gunicorn.pid mysite.wsgi", [("/run/gunicorn.pid", True)]),
        # daphne's `-p` is its port, uwsgi's its process count: no file.
        ("daphne -b 0.0.0.0 -p 8000 mysite.asgi:application", []),
        ("uwsgi --http :8000 -p 4 --module mysite.wsgi", []),
    ],
)
def test_gunicorns_short_pid_option(command: str, expected: list[tuple[str, bool]]) -> None:
    assert _start_files(command, {}) == expected


def _project(tmp_path: Path, cmd: str, compose: str) -> tuple[str, list[str]]:
    write_skeleton(tmp_path)
    # A server's database, as the project's: a sqlite file in /code would keep root by itself.
    settings = tmp_path / "mysite" / "settings.py"
    settings.write_text(settings.read_text().replace(
        '"ENGINE": "django.db.backends.sqlite3",\n    "NAME": BASE_DIR / "db.sqlite3"',
        '"ENGINE": "django.db.backends.postgresql", "NAME": "app", "HOST": "db"',
    ))
    assert "sqlite3" not in settings.read_text()
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(DOCKERFILE.format(cmd=cmd))
    (tmp_path / "docker-compose.yml").write_text(compose)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["non-root"])
    notes = [n for change in [*outcome.changes, *outcome.skipped] for n in change.notes]
    return outcome.files.get("Dockerfile", ""), notes


MOUNTED_SOURCE = (
    "services:\n  web:\n    build: .\n    ports:\n      - \"8000:8000\"\n"
    "    volumes:\n      - .:/code/\n"
)


def test_a_pid_file_in_the_bind_mounted_source_keeps_root(tmp_path: Path) -> None:
    out, notes = _project(
        tmp_path,
        '[ "gunicorn", "--bind", "0.0.0.0", "-p", "8000", "mysite.wsgi" ]',
        MOUNTED_SOURCE,
    )
    assert "USER" not in out
    assert any("bind-mounts . over /code and writes /code/8000" in n for n in notes), notes


def test_a_log_file_in_the_bind_mounted_source_keeps_root(tmp_path: Path) -> None:
    out, notes = _project(
        tmp_path,
        '["gunicorn", "-b", "0.0.0.0:8000", "--access-logfile", "logs/access.log", '
        '"mysite.wsgi"]',
        MOUNTED_SOURCE,
    )
    assert "USER" not in out
    assert any("writes /code/logs/access.log" in n for n in notes), notes


def test_a_log_directory_mounted_alone_keeps_root(tmp_path: Path) -> None:
    out, notes = _project(
        tmp_path,
        '["gunicorn", "-b", "0.0.0.0:8000", "--error-logfile", "/code/logs/error.log", '
        '"mysite.wsgi"]',
        "services:\n  web:\n    build: .\n    volumes:\n      - ./logs:/code/logs\n",
    )
    assert "USER" not in out
    assert any("bind-mounts logs over /code/logs" in n for n in notes), notes


def test_the_services_own_command_is_read_in_place_of_the_images(tmp_path: Path) -> None:
    # The image's CMD writes its pid file in /code, but the service runs its own command,
    # which writes nothing there: the mount hides nothing the app writes.
    out, notes = _project(
        tmp_path,
        '["gunicorn", "-b", "0.0.0.0:8000", "-p", "app.pid", "mysite.wsgi"]',
        MOUNTED_SOURCE + "    command: gunicorn -b 0.0.0.0:8000 mysite.wsgi\n",
    )
    assert "USER 10001" in out, notes


def test_a_pid_file_outside_the_mount_still_switches_user(tmp_path: Path) -> None:
    out, notes = _project(
        tmp_path,
        '["gunicorn", "-b", "0.0.0.0:8000", "-p", "/tmp/gunicorn.pid", "mysite.wsgi"]',
        MOUNTED_SOURCE,
    )
    assert "USER 10001" in out, notes


def test_gunicorns_short_pid_option_in_a_system_directory_is_handed_over(
    tmp_path: Path,
) -> None:
    # No compose file: `-p /var/run/gunicorn/app.pid` needs its directory writable by the
    # app's user (before, `-p` was not read and gunicorn could not create the file).
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(DOCKERFILE.format(
        cmd='["gunicorn", "-b", "0.0.0.0:8000", "-p", "/var/run/gunicorn/app.pid", '
            '"mysite.wsgi"]'
    ))
    out = optimize(tmp_path / "Dockerfile", tmp_path, only=["non-root"]).files["Dockerfile"]
    before_user = out.split("USER", 1)[0]
    assert "/var/run/gunicorn" in before_user, out
