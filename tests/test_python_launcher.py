"""A Python start script that runs the server as its child (FlorentCramette/NSI_portal in
sweep13: `CMD python start.py`, start.py migrating, collecting static files and then running
gunicorn through subprocess). The script stays PID 1, which ignores docker stop's SIGTERM; the
tool used to say only "no CMD or ENTRYPOINT starts a web server"."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize
from transforms.start_script import python_child_servers, python_script_word

START = """import os
import subprocess
from subprocess import run as sh

subprocess.run(["python", "manage.py", "migrate", "--noinput"], check=True)
os.system("python manage.py collectstatic --noinput")
{last}
"""


@pytest.mark.parametrize(
    ("last", "call", "line"),
    [
        ('subprocess.run(["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"])', "subprocess.run", 7),
        ('sh(("uvicorn", "mysite.asgi:application"))', "subprocess.run", 7),
        ('os.system("cd /app && gunicorn mysite.wsgi -b 0.0.0.0:8000")', "os.system", 7),
        ('subprocess.Popen(args=["daphne", "mysite.asgi:application"]).wait()',
         "subprocess.Popen", 7),
    ],
)
def test_child_servers_are_read_from_the_script(last: str, call: str, line: int) -> None:
    (found,) = python_child_servers(START.format(last=last))
    assert (found.call, found.line) == (call, line)


@pytest.mark.parametrize(
    "last",
    [
        'os.execvp("gunicorn", ["gunicorn", "mysite.wsgi"])',  # the server replaces the script
        'subprocess.run(["python", "manage.py", "check"])',  # no server at all
        "subprocess.run(command)",  # not written out: nothing is claimed
        "this is not python",
    ],
)
def test_no_child_server(last: str) -> None:
    assert python_child_servers(START.format(last=last)) == []


@pytest.mark.parametrize(
    ("argv", "script"),
    [
        (["python", "start.py"], "start.py"),
        (["/usr/local/bin/python3", "-u", "scripts/run.py", "--prod"], "scripts/run.py"),
        (["python", "manage.py", "migrate"], None),
        (["python", "-m", "start"], None),
        (["gunicorn", "start.py"], None),
    ],
)
def test_python_script_word(argv: list[str], script: str | None) -> None:
    assert python_script_word(argv) == script


def _project(tmp_path: Path, cmd: str, last: str) -> Path:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "start.py").write_text(START.format(last=last))
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nEXPOSE 8000\n" + cmd
    )
    return tmp_path


@pytest.mark.parametrize("cmd", ['CMD ["python", "start.py"]\n', "CMD python3 -u start.py\n"])
def test_the_signal_is_said_and_the_script_left_alone(tmp_path: Path, cmd: str) -> None:
    last = 'subprocess.run(["gunicorn", "mysite.wsgi", "-b", "127.0.0.1:8000"])'
    root = _project(tmp_path, cmd, last)
    outcome = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"])
    assert "start.py" not in outcome.files
    left = [n for c in outcome.skipped for n in c.notes]
    (note,) = [n for n in left if "start.py starts gunicorn" in n]
    assert "subprocess.run (its line 7)" in note and "os.execvp()" in note
    assert "binds 127.0.0.1:8000" in note
    assert not any("no CMD or ENTRYPOINT starts a web server" in n for n in left)


def test_a_script_that_execs_the_server_gets_no_signal_note(tmp_path: Path) -> None:
    root = _project(tmp_path, 'CMD ["python", "start.py"]\n',
                    'os.execvp("gunicorn", ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"])')
    outcome = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"])
    left = [n for c in outcome.skipped for n in c.notes]
    assert not any("stays PID 1" in n for n in left), left


def test_an_ipv6_loopback_bind_is_named_as_written(tmp_path: Path) -> None:
    # It was described as "127.0.0.1 (its default)".
    write_skeleton(tmp_path)
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\n'
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "[::1]:8000"]\n'
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    notes = [n for c in outcome.changes for n in c.notes]
    assert any("gunicorn was bound to [::1]:8000" in n for n in notes), notes


@pytest.mark.parametrize(
    ("cmd", "named"),
    [
        # Dh-Kh (round 14): migrate read runserver as an app label; the original never served.
        ("CMD python manage.py migrate runserver 0.0.0.0:8000\n", "migrate as an argument ("),
        ('CMD ["python3", "manage.py", "collectstatic", "--noinput", "runserver"]\n',
         "collectstatic as an argument,"),
        ('CMD ["sh", "-c", "python manage.py migrate runserver"]\n', "migrate as an argument ("),
    ],
)
def test_runserver_handed_to_another_command_is_named(
    tmp_path: Path, cmd: str, named: str
) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n" + cmd)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    assert not outcome.changes
    left = [n for c in outcome.skipped for n in c.notes]
    (note,) = [n for n in left if "hands runserver to" in n]
    assert named in note and "line 4:" in note
    assert not any("no CMD or ENTRYPOINT starts a web server" in n for n in left)


def test_runserver_as_its_own_command_after_migrate_is_a_server(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        "CMD python manage.py migrate && python manage.py runserver 127.0.0.1:8000\n"
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    left = [n for c in outcome.skipped for n in c.notes]
    assert not any("hands runserver to" in n for n in left)
    assert "0.0.0.0:8000" in outcome.files["Dockerfile"]
