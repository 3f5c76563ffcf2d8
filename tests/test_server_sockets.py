"""Unix sockets ASGI/WSGI servers listen on (round 9, asgi9): the socket's directory must be
the app's user's (the server removes and creates the socket at start), and such a server
listens on no TCP port."""

from __future__ import annotations

from transforms.non_root import _start_files


def test_socket_options_are_start_files_like_pid_files() -> None:
    text = (
        "sh -c python -u manage.py migrate && exec daphne -u /run/daphne/d.sock m.asgi:application"
    )
    assert _start_files(text, {}) == [("/run/daphne/d.sock", True)]
    assert _start_files("uvicorn --uds /sockets/app.sock m.asgi:application", {}) == [
        ("/sockets/app.sock", True)
    ]
    assert _start_files("uvicorn --uds=$SOCK m.asgi:application", {"SOCK": "/s/a.sock"}) == [
        ("/s/a.sock", True)
    ]
    assert _start_files("gunicorn --bind unix:/run/g/app.sock m.wsgi", {}) == [
        ("/run/g/app.sock", True)
    ]
    assert _start_files("hypercorn --bind=unix:/run/h.sock m.asgi:app", {}) == [
        ("/run/h.sock", True)
    ]


def test_dash_u_of_other_programs_is_no_socket() -> None:
    # `python -u` (unbuffered) and `sudo -u user` name no file; a TCP bind is no file either.
    assert _start_files("python -u manage.py migrate", {}) == []
    assert _start_files("sudo -u nginx celery -A proj worker", {}) == []
    assert _start_files("gunicorn --bind 0.0.0.0:8000 m.wsgi", {}) == []
