"""A server that binds only a unix socket, for a proxy in front of it
(optimizer/ports.unix_socket_bind, optimizer/verify/compare.container_cause).

rezajkee/e-learning-app (round 13): compose runs `./wait-for-it.sh db:5432 -- uwsgi --ini
/code/config/uwsgi/uwsgi.ini`, whose only bind is `socket=/code/educa/uwsgi_app.sock` (nginx
reads it). Verify probed port 8000 and said "the original does not answer HTTP on port 8000"
and nothing else; and uwsgi's `socket = <path>` was not even read as a unix socket.
"""

from __future__ import annotations

from optimizer.ports import config_bind, unix_socket_bind
from optimizer.verify.compare import container_cause
from optimizer.verify.report import SideReport

INI = "[uwsgi]\nsocket=/code/educa/uwsgi_app.sock\nmodule=educa.wsgi:application\n"


def _read(path: str) -> str | None:
    return {"/code/config/uwsgi/uwsgi.ini": INI, "http.ini": "[uwsgi]\nhttp = :8000\n"}.get(path)


def test_uwsgi_socket_path_in_its_ini_is_a_unix_socket() -> None:
    bind = config_bind("uwsgi", ["uwsgi", "--ini", "/code/config/uwsgi/uwsgi.ini"], {}, _read)
    assert bind is not None and bind.socket and bind.port is None
    argv = ["./wait-for-it.sh", "db:5432", "--", "uwsgi", "--ini", "/code/config/uwsgi/uwsgi.ini"]
    assert unix_socket_bind(argv, {}, _read) == (
        "uwsgi's configuration /code/config/uwsgi/uwsgi.ini"
    )


def test_command_line_sockets() -> None:
    assert unix_socket_bind(["gunicorn", "-b", "unix:/run/g.sock", "s.wsgi"], {}) == (
        "`gunicorn -b unix:/run/g.sock`"
    )
    assert unix_socket_bind(["daphne", "-u", "/code/d.sock", "s.asgi:application"], {}) == (
        "`daphne -u /code/d.sock`"
    )
    assert unix_socket_bind(["uvicorn", "--uds", "/tmp/u.sock", "s.asgi:app"], {}) is not None
    assert unix_socket_bind(["uwsgi", "--socket", "/tmp/w.sock"], {}) is not None


def test_tcp_binds_are_not_sockets() -> None:
    assert unix_socket_bind(["gunicorn", "-b", "0.0.0.0:8000", "s.wsgi"], {}) is None
    assert unix_socket_bind(["daphne", "-b", "0.0.0.0", "-p", "9001", "s.asgi:app"], {}) is None
    assert unix_socket_bind(["uwsgi", "--socket", ":3031"], {}) is None
    assert unix_socket_bind(["uwsgi", "--ini", "http.ini"], {}, _read) is None
    assert unix_socket_bind(["python", "manage.py", "runserver"], {}) is None


def test_the_cause_says_so_when_nothing_answers() -> None:
    side = SideReport(port=8000, exit_code=1, unix_socket="uwsgi's configuration u.ini")
    lines = container_cause(side)
    assert any(
        "binds only a unix socket (uwsgi's configuration u.ini)" in line
        and "TCP port 8000" in line
        for line in lines
    ), lines
    assert not any("unix socket" in line for line in container_cause(SideReport(port=8000)))
