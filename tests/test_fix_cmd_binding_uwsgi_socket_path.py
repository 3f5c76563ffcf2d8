"""fix-cmd-binding on `uwsgi --socket /tmp/uwsgi.sock` (a unix socket given on the command line,
for nginx's `uwsgi_pass unix:/tmp/uwsgi.sock` in the same image; sweep26:
jonashaag/django-nginx-uwsgi-celery-deployment). The note said the port was "not known from the
image (a variable set at run time, or a config file that could not be read)"; the command says
it: no TCP port, as for the same `socket =` line in an ini file."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import optimize

UNIX = "unix socket or an inherited file descriptor, not a TCP port"
UNKNOWN = "is not known from the image"


def _left(tmp_path: Path, cmd: str) -> str:
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /srv\nCOPY . .\nRUN pip install uwsgi django\n" + cmd
    )
    (tmp_path / "manage.py").write_text("")
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    return " ".join(n for c in outcome.skipped for n in c.notes)


@pytest.mark.parametrize(
    "cmd",
    [
        'CMD ["uwsgi", "--socket", "/tmp/uwsgi.sock", "--wsgi", "mysite.wsgi:application"]\n',
        'CMD ["uwsgi", "--socket=/run/app.sock", "--module", "mysite.wsgi"]\n',
        "CMD service nginx start && exec uwsgi --plugin python3 -s /tmp/uwsgi.sock "
        "--wsgi mysite.wsgi:application\n",
    ],
)
def test_a_socket_path_on_the_command_line_is_no_tcp_port(tmp_path: Path, cmd: str) -> None:
    left = _left(tmp_path, cmd)
    assert UNIX in left
    assert UNKNOWN not in left


def test_a_socket_from_a_variable_stays_unknown(tmp_path: Path) -> None:
    left = _left(tmp_path, 'CMD ["sh", "-c", "exec uwsgi --socket $SOCKET --module mysite.wsgi"]\n')
    assert UNIX not in left
