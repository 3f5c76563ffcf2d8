"""uwsgi serving a TCP port with the uwsgi protocol (`socket = :3031`, for nginx's
uwsgi_pass), not HTTP (optimizer/ports.uwsgi_protocol_bind, config_port, detect_port,
optimizer/verify/compare.container_cause).

Left in round 13 (verify13): `socket = :3031` was read as the HTTP port to probe; HTTP probes
there get no answer (uwsgi waits for the rest of a packet that never comes) and verify said
only "does not answer HTTP on port 3031". An `http` bind configured beside the socket is the one
to probe, wherever each is given (UWSGI_* environment, ini file).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from optimizer.engine import ImageInfo
from optimizer.ports import (
    config_bind,
    config_port,
    detect_port,
    unix_socket_bind,
    uwsgi_protocol_bind,
)
from optimizer.verify import _bind_in_command_or_scripts, _probe_port
from optimizer.verify.compare import container_cause
from optimizer.verify.report import SideReport

FILES = {
    "socket.ini": "[uwsgi]\nsocket = :3031\nmodule = s.wsgi\nmaster = true\n",
    "both.ini": "[uwsgi]\nsocket = :3031\nhttp = :8000\nmodule = s.wsgi\n",
    "unix.ini": "[uwsgi]\nsocket = /run/app.sock\n",
}


def _read(path: str) -> str | None:
    return FILES.get(path)


def test_a_socket_port_is_not_an_http_port_to_probe() -> None:
    bind = config_bind("uwsgi", ["uwsgi", "--ini", "socket.ini"], {}, _read)
    assert bind is not None and bind.port == 3031 and not bind.http  # still a TCP port bound
    assert config_port(["uwsgi", "--ini", "socket.ini"], {}, _read) is None
    assert detect_port(["uwsgi", "--ini", "socket.ini"], None, [], {}, _read) == 8000
    info = ImageInfo("id", 0, 0, [], "", [], None, None, "/app")
    assert _probe_port(None, None, info, None, ["uwsgi", "--ini", "socket.ini"], {}, _read) == 8000


def test_an_http_bind_beside_the_socket_is_probed() -> None:
    assert config_port(["uwsgi", "--ini", "both.ini"], {}, _read) == 8000
    # The socket in the environment, the HTTP bind in the file: the HTTP one.
    env = {"UWSGI_SOCKET": ":3031"}
    assert config_port(["uwsgi", "--ini", "socket.ini"], {"UWSGI_HTTP": ":9000"}, _read) == 9000
    http_ini = {"h.ini": "[uwsgi]\nhttp-socket = :8080\n"}.get
    assert config_port(["uwsgi", "--ini", "h.ini"], env, http_ini) == 8080
    assert uwsgi_protocol_bind(["uwsgi", "--ini", "h.ini"], env, http_ini) is None


def test_protocol_http_makes_the_socket_http() -> None:
    """`protocol = http` (or `--protocol http`, UWSGI_PROTOCOL) makes `socket` speak HTTP."""
    ini = {"p.ini": "[uwsgi]\nsocket = 0.0.0.0:8000\nprotocol = http\n"}.get
    assert config_port(["uwsgi", "--ini", "p.ini"], {}, ini) == 8000
    assert uwsgi_protocol_bind(["uwsgi", "--ini", "p.ini"], {}, ini) is None
    argv = ["uwsgi", "--master", "--protocol", "http", "--socket", ":9090"]
    assert uwsgi_protocol_bind(argv, {}) is None
    assert config_port(["uwsgi", "--ini", "socket.ini"], {"UWSGI_PROTOCOL": "http"}, _read) == 3031


def test_what_says_uwsgi_speaks_its_own_protocol() -> None:
    assert uwsgi_protocol_bind(["uwsgi", "--ini", "socket.ini"], {}, _read) == (
        "uwsgi's configuration socket.ini", 3031
    )
    argv = ["uwsgi", "--socket", "0.0.0.0:3031", "--module", "s.wsgi"]
    assert uwsgi_protocol_bind(argv, {}) == ("`uwsgi --socket 0.0.0.0:3031`", 3031)
    assert uwsgi_protocol_bind(["uwsgi", "--env", "X=1"], {"UWSGI_SOCKET": ":3031"}) == (
        "uwsgi's configuration UWSGI_SOCKET", 3031
    )
    # An HTTP bind anywhere, a unix socket, an ini not read, or no uwsgi: nothing to say.
    assert uwsgi_protocol_bind(["uwsgi", "--socket", ":3031", "--http", ":8000"], {}) is None
    assert uwsgi_protocol_bind(["uwsgi", "--ini", "both.ini"], {}, _read) is None
    assert uwsgi_protocol_bind(["uwsgi", "--ini", "unix.ini"], {}, _read) is None
    assert uwsgi_protocol_bind(["uwsgi", "--ini", "gone.ini", "-s", ":3031"], {}, _read) is None
    assert uwsgi_protocol_bind(["gunicorn", "-b", ":3031", "s.wsgi"], {}) is None


def test_the_cause_says_it_is_not_http() -> None:
    side = SideReport(port=3031, uwsgi_protocol="`uwsgi --socket :3031`", uwsgi_protocol_port=3031)
    lines = container_cause(side)
    assert any(
        "port 3031 speaks the uwsgi protocol (`uwsgi --socket :3031`)" in line
        and "not HTTP" in line and "--http-socket" in line
        for line in lines
    ), lines
    elsewhere = SideReport(
        port=8000, uwsgi_protocol="uwsgi's configuration u.ini", uwsgi_protocol_port=3031
    )
    assert any(
        "uwsgi speaks the uwsgi protocol on port 3031 (uwsgi's configuration u.ini)" in line
        and "nothing binds HTTP on port 8000" in line
        for line in container_cause(elsewhere)
    )
    served = SideReport(
        port=8000, serving="host", uwsgi_protocol="x", uwsgi_protocol_port=3031
    )
    assert not any("uwsgi protocol" in line for line in container_cause(served))


# -- the server started by a start script of the context -------------------------------------
# pankoffDaniel/django_librest (round 14): `ENTRYPOINT ["./docker-entrypoint.sh"]`, whose last
# line is `exec uwsgi config/uwsgi.ini` with `socket=:8080`; the recipe-app-api courses' run.sh
# ends in `uwsgi --socket :9000 --workers 4 --master --enable-threads --module app.wsgi`.
# Neither command line names uwsgi, so nothing was said of the socket.

ENTRYPOINT_SH = """#!/bin/sh
while ! nc -z "$POSTGRES_HOST" "$POSTGRES_PORT"; do
  sleep 0.1
done
python manage.py migrate
exec uwsgi config/uwsgi.ini
"""


def _context(tmp_path: Path, files: dict[str, str]) -> Callable[[str], str | None]:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return lambda path: (tmp_path / path).read_text() if (tmp_path / path).is_file() else None


def test_a_start_script_s_uwsgi_socket_is_found(tmp_path: Path) -> None:
    read = _context(
        tmp_path,
        {"docker-entrypoint.sh": ENTRYPOINT_SH, "config/uwsgi.ini": "[uwsgi]\nsocket=:8080\n"},
    )
    dockerfile = 'FROM python:3.11\nCOPY . .\nENTRYPOINT ["./docker-entrypoint.sh"]\n'
    argv = ["./docker-entrypoint.sh"]
    assert uwsgi_protocol_bind(argv, {}, read) is None  # the command line alone says nothing
    assert _bind_in_command_or_scripts(
        uwsgi_protocol_bind, argv, {}, read, tmp_path, dockerfile
    ) == ("uwsgi's configuration config/uwsgi.ini", 8080)


def test_a_run_script_on_the_path(tmp_path: Path) -> None:
    run_sh = (
        "#!/bin/sh\nset -e\npython manage.py migrate\n"
        "# uwsgi --http :8000 --module app.wsgi\n"
        "uwsgi --socket :9000 --workers 4 \\\n    --master --module app.wsgi\n"
    )
    read = _context(tmp_path, {"scripts/run.sh": run_sh})
    dockerfile = "FROM python:3.11\nCOPY ./scripts /scripts\nCMD [\"run.sh\"]\n"
    found = _bind_in_command_or_scripts(
        uwsgi_protocol_bind, ["run.sh"], {}, read, tmp_path, dockerfile
    )
    assert found == ("`uwsgi --socket :9000`", 9000)


def test_a_script_that_may_serve_http_says_nothing(tmp_path: Path) -> None:
    start = (
        "#!/bin/sh\nif [ \"$DEBUG\" = 1 ]; then\n  exec python manage.py runserver 0.0.0.0:8000\n"
        "fi\nexec uwsgi --socket :3031 --module app.wsgi\n"
    )
    read = _context(tmp_path, {"start.sh": start})
    dockerfile = "FROM python:3.11\nCOPY . .\nCMD [\"sh\", \"start.sh\"]\n"
    argv = ["sh", "start.sh"]
    assert _bind_in_command_or_scripts(
        uwsgi_protocol_bind, argv, {}, read, tmp_path, dockerfile
    ) is None


def test_a_start_script_s_unix_socket_too(tmp_path: Path) -> None:
    read = _context(
        tmp_path, {"start.sh": "#!/bin/sh\nexec gunicorn -b unix:/run/app.sock app.wsgi\n"}
    )
    dockerfile = "FROM python:3.11\nCOPY . .\nCMD [\"./start.sh\"]\n"
    found = _bind_in_command_or_scripts(
        unix_socket_bind, ["./start.sh"], {}, read, tmp_path, dockerfile
    )
    assert found == "`gunicorn -b unix:/run/app.sock`"


def test_uwsgi_s_p_is_its_process_count_not_a_port() -> None:
    """`-p N` is daphne's port, uwsgi's process count (HungUnicorn/saiki-pemetaan's start
    script: `uwsgi --socket 0.0.0.0:8080 --master -p 2`, read as port 2) and gunicorn's pid
    file."""
    from optimizer.ports import port_from_command

    argv = ["uwsgi", "--socket", "0.0.0.0:8080", "--master", "-p", "2", "--wsgi-file", "run.py"]
    assert port_from_command(argv, {}) is None
    assert uwsgi_protocol_bind(argv, {}) == ("`uwsgi --socket 0.0.0.0:8080`", 8080)
    assert unix_socket_bind(["uwsgi", "--socket", "/run/u.sock", "-p", "4"], {}) is not None
    assert port_from_command(["daphne", "-b", "0.0.0.0", "-p", "8001", "a.asgi:app"], {}) == 8001
    assert port_from_command(["sh", "-c", "migrate && exec daphne -p 9001 a.asgi:app"], {}) == 9001
