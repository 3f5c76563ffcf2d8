"""Ports servers take from their configuration (issue 8.4): uwsgi ini, gunicorn config files,
GUNICORN_CMD_ARGS, gunicorn's $PORT default, hypercorn config files, daphne endpoints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from optimizer.ports import ConfigBind, config_bind, config_files, detect_port


def _reader(files: dict[str, str]) -> Callable[[str], str | None]:
    return lambda path: files.get(path.lstrip("/"))


def test_uwsgi_ini_keys_and_env() -> None:
    read = _reader({"uwsgi.ini": "[uwsgi]\nmodule = x\nhttp = :8080\n",
                    "sock.ini": "[uwsgi]\nsocket = /tmp/app.sock\n",
                    "multi.ini": "[uwsgi]\n[other]\nhttp-socket = 0.0.0.0:9090\n"})
    assert config_bind("uwsgi", ["uwsgi", "--ini", "uwsgi.ini"], {}, read) == ConfigBind(
        "uwsgi.ini", 8080
    )
    assert config_bind("uwsgi", ["uwsgi", "uwsgi.ini"], {}, read) is not None
    # uwsgi takes a path as a unix socket (round 13, rezajkee/e-learning-app).
    assert config_bind("uwsgi", ["uwsgi", "--ini", "sock.ini"], {}, read) == ConfigBind(
        "sock.ini", None, socket=True
    )
    assert config_bind("uwsgi", ["uwsgi", "--ini=multi.ini:other"], {}, read) == ConfigBind(
        "multi.ini", 9090, "0.0.0.0"
    )
    assert config_bind("uwsgi", ["uwsgi", "--ini", "missing.ini"], {}, read) == ConfigBind(
        "missing.ini", None
    )
    assert config_bind("uwsgi", ["uwsgi"], {"UWSGI_HTTP": ":7000"}, read) == ConfigBind(
        "UWSGI_HTTP", 7000
    )
    assert config_bind("uwsgi", ["uwsgi", "--module", "x"], {}, read) is None


def test_gunicorn_config_file_cmd_args_and_port() -> None:
    read = _reader({
        "gunicorn.conf.py": 'import os\nbind = [f"0.0.0.0:{os.getenv(\'P\', \'5000\')}"]\n',
        "conf/prod.py": "workers = 4\nbind = compute()\n",
    })
    assert config_bind("gunicorn", ["gunicorn", "app.wsgi"], {}, read) == ConfigBind(
        "gunicorn.conf.py", 5000, "0.0.0.0"
    )
    assert config_bind("gunicorn", ["gunicorn", "-c", "conf/prod.py"], {}, read) == ConfigBind(
        "prod.py", None
    )
    assert config_bind(
        "gunicorn", ["gunicorn", "-c", "python:app.gconf"], {}, read
    ) == ConfigBind("python:app.gconf", None)
    env = {"GUNICORN_CMD_ARGS": "--workers 2 -b 127.0.0.1:6000"}
    assert config_bind("gunicorn", ["gunicorn"], env, read) == ConfigBind(
        "GUNICORN_CMD_ARGS", 6000, "127.0.0.1"
    )
    nothing = _reader({})
    assert config_bind("gunicorn", ["gunicorn", "x.wsgi"], {}, nothing) is None
    assert config_bind("gunicorn", ["gunicorn", "x.wsgi"], {"PORT": "4000"}, nothing) == (
        ConfigBind("$PORT", 4000, "0.0.0.0")
    )


def test_detect_port_reads_configuration_when_given_a_reader() -> None:
    read = _reader({"uwsgi.ini": "[uwsgi]\nhttp = :8080\n"})
    assert detect_port(["uwsgi", "--ini", "uwsgi.ini"], None, [], {}, read) == 8080
    assert detect_port(["uwsgi", "--ini", "uwsgi.ini"], None, [], {}) == 8000


def test_gunicorn_config_reads_the_image_environment() -> None:
    conf = 'import os\nbind = "0.0.0.0:" + os.getenv("PORT", "8000")\n'
    read = _reader({"gunicorn.conf.py": conf})
    assert config_bind("gunicorn", ["gunicorn", "x.wsgi"], {"PORT": "9100"}, read) == ConfigBind(
        "gunicorn.conf.py", 9100, "0.0.0.0"
    )


def test_log_and_pid_files_the_config_files_name() -> None:
    """What a server writes because its config says so: non-root must make it writable."""
    read = _reader({
        "uwsgi.ini": "[uwsgi]\nmodule = mysite.wsgi\nhttp = :8000\n"
        "req-logger = file:/var/log/uwsgi/req.log\nlogger = syslog:app\n"
        "logto = logs/uwsgi.log\npidfile = /tmp/uwsgi.pid\n",
        "gunicorn.conf.py": 'import os\nbind = "0.0.0.0:8000"\naccesslog = "-"\n'
        'errorlog = os.environ.get("ERROR_LOG", "/var/log/gunicorn/error.log")\n'
        'pidfile = "/run/gunicorn.pid"\n',
        "quiet.py": 'bind = "0.0.0.0:8000"\nworkers = 2\n',
    })
    assert config_files("uwsgi", ["uwsgi", "--ini", "uwsgi.ini"], {}, read) == [
        ("logs/uwsgi.log", False),
        ("/var/log/uwsgi/req.log", False),
        ("/tmp/uwsgi.pid", True),
    ]
    assert config_files("gunicorn", ["gunicorn", "mysite.wsgi"], {}, read) == [
        ("/var/log/gunicorn/error.log", False),
        ("/run/gunicorn.pid", True),
    ]
    assert config_files("gunicorn", ["gunicorn", "-c", "quiet.py", "mysite.wsgi"], {}, read) == []


def test_verify_reads_the_port_from_the_config_file_of_a_side_without_expose(
    tmp_path: Path,
) -> None:
    """`gunicorn -c config/gunicorn.py` whose config binds 8080 and no EXPOSE: verify probed
    8000 on the original (the rewrite had EXPOSE 8080) and called it not answering."""
    from optimizer.verify import _context_reader

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "gunicorn.py").write_text(
        'import os\nport = os.environ.get("PORT", "8080")\nbind = f"0.0.0.0:{port}"\n'
    )
    read = _context_reader(tmp_path, "/app")
    assert read("/app/config/gunicorn.py") == read("config/gunicorn.py") is not None
    assert read("../../../etc/passwd") is None
    argv = ["gunicorn", "-c", "config/gunicorn.py", "mysite.wsgi"]
    assert detect_port(argv, None, [], {}, read) == 8080
    assert detect_port(argv, None, [], {}) == 8000


def test_hypercorn_config_file_bind() -> None:
    """hypercorn -c: TOML, `file:x.py` and `python:module`; its bind is where it listens when
    the command has no --bind (before, a --bind 0.0.0.0:8000 was appended over it)."""
    read = _reader({
        "hypercorn.toml": 'bind = ["127.0.0.1:8080"]\nworkers = 2\n',
        "one.toml": 'bind = "0.0.0.0:9000"\n',
        "nobind.toml": "workers = 2\n",
        "bad.toml": "bind = [\n",
        "conf/h.py": 'bind = ["0.0.0.0:7000"]\n',
    })
    assert config_bind("hypercorn", ["hypercorn", "-c", "hypercorn.toml", "a:b"], {}, read) == (
        ConfigBind("hypercorn.toml", 8080, "127.0.0.1")
    )
    assert config_bind("hypercorn", ["hypercorn", "--config=one.toml"], {}, read) == (
        ConfigBind("one.toml", 9000, "0.0.0.0")
    )
    assert config_bind("hypercorn", ["hypercorn", "-c", "file:conf/h.py"], {}, read) == (
        ConfigBind("h.py", 7000, "0.0.0.0")
    )
    assert config_bind("hypercorn", ["hypercorn", "-c", "nobind.toml"], {}, read) is None
    assert config_bind("hypercorn", ["hypercorn", "-c", "bad.toml"], {}, read) == ConfigBind(
        "bad.toml", None
    )
    assert config_bind("hypercorn", ["hypercorn", "-c", "python:x.conf"], {}, read) == (
        ConfigBind("python:x.conf", None)
    )
    assert config_bind("hypercorn", ["hypercorn", "-c", "gone.toml"], {}, read) == ConfigBind(
        "gone.toml", None
    )
    assert config_bind("hypercorn", ["hypercorn", "a:b"], {}, read) is None
    # verify probes the configured port of a side without EXPOSE
    assert detect_port(["hypercorn", "-c", "one.toml", "a:b"], None, [], {}, read) == 9000


def test_detect_port_of_a_daphne_endpoint() -> None:
    """`daphne -e tcp:port=8001:interface=0.0.0.0`: verify probes 8001, not EXPOSE or 8000."""
    cmd = ["daphne", "-e", "tcp:port=8001:interface=0.0.0.0", "m.asgi:application"]
    assert detect_port(cmd, None, [], {}) == 8001
    assert detect_port(["daphne", "--endpoint=ssl:8443:privateKey=k.pem", "m:a"], None, [], {}) == (
        8443
    )


def test_detect_port_of_uvicorn_from_its_environment() -> None:
    """uvicorn reads UVICORN_PORT when the command has no --port; an explicit one wins."""
    env = {"UVICORN_PORT": "8080"}
    assert detect_port(["uvicorn", "m.asgi:application"], None, [], env) == 8080
    assert detect_port(["uvicorn", "m.asgi:application", "--port", "9000"], None, [], env) == 9000
    assert detect_port(["gunicorn", "m.wsgi"], None, [], env) == 8000


def test_gunicorn_config_unix_socket_bind() -> None:
    """`bind = "unix:/run/gunicorn/app.sock"`: no TCP port (fix-cmd-binding adds no EXPOSE),
    and the socket is made at start like a pid file (non-root makes its directory the app's)."""
    read = _reader({"gunicorn.conf.py": 'bind = ["unix:/run/gunicorn/app.sock"]\nworkers = 2\n'})
    assert config_bind("gunicorn", ["gunicorn", "m.asgi:application"], {}, read) == ConfigBind(
        "gunicorn.conf.py", None, socket=True
    )
    assert config_files("gunicorn", ["gunicorn", "m.asgi:application"], {}, read) == [
        ("/run/gunicorn/app.sock", True)
    ]
