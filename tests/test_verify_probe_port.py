"""The port verify probes when compose's command, not the image's, starts the server
(optimizer/verify._probe_port, optimizer/ports.config_port).

Seen reading rezajkee/e-learning-app's run (round 13): the bind a uwsgi/gunicorn config file
gives was read from the image's own command only; compose's `uwsgi --ini x.ini` (the image has
no CMD) had its file never read, and the probe went to EXPOSE or 8000.
"""

from __future__ import annotations

import pytest

from optimizer.engine import ImageInfo
from optimizer.ports import config_port, port_from_command
from optimizer.verify import _probe_port

FILES = {"config/uwsgi.ini": "[uwsgi]\nhttp = :9000\nmodule = s.wsgi\n",
         "gunicorn.conf.py": 'bind = "0.0.0.0:7000"\n'}


def _read(path: str) -> str | None:
    return FILES.get(path)


def _info(cmd: list[str] | None = None, exposed: list[int] | None = None) -> ImageInfo:
    return ImageInfo("id", 0, 0, [], "", exposed or [], cmd, None, "/app")


def test_the_running_command_s_config_file_gives_the_port() -> None:
    run = ["./wait-for-it.sh", "db:5432", "--", "uwsgi", "--ini", "config/uwsgi.ini"]
    assert _probe_port(None, None, _info(), None, run, {}, _read) == 9000
    # Before the image's EXPOSE, as the image's own command's config came before it.
    assert _probe_port(None, None, _info(exposed=[8000]), None, run, {}, _read) == 9000


def test_what_comes_first_still_does() -> None:
    run = ["uwsgi", "--ini", "config/uwsgi.ini"]
    assert _probe_port(8123, None, _info(), None, run, {}, _read) == 8123  # --port
    assert _probe_port(None, 8001, _info(), None, run, {}, _read) == 8001  # compose's port
    assert _probe_port(None, None, _info(), None, ["gunicorn", "-b", ":8500"], {}, _read) == 8500
    # A command without a config file: the image's own command's, as before.
    image = _info(cmd=["gunicorn", "-c", "gunicorn.conf.py", "s.wsgi"])
    assert _probe_port(None, None, image, None, ["./start.sh"], {}, _read) == 7000


def test_config_port() -> None:
    assert config_port(["gunicorn", "-c", "gunicorn.conf.py", "s.wsgi"], {}, _read) == 7000
    assert config_port(["python", "manage.py", "runserver"], {}, _read) is None


def test_gunicorns_p_is_its_pidfile_not_a_port() -> None:
    """GithubParvana/travel-GOGsky: `gunicorn --bind 0.0.0.0 -p 8079 config.wsgi` listens on
    8000 (a bind without a port) and writes its pid to ./8079; the HEALTHCHECK (and verify's
    probe) went to 8079. daphne's -p is its port."""
    from optimizer.ports import detect_port, port_from_command

    gunicorn = ["gunicorn", "--bind", "0.0.0.0", "-p", "8079", "config.wsgi"]
    assert port_from_command(gunicorn, {}) is None
    assert detect_port(gunicorn, None, [], {}) == 8000
    assert port_from_command(["daphne", "-b", "0.0.0.0", "-p", "8001", "s.asgi:app"], {}) == 8001
    script = ["sh", "-c", "exec /opt/venv/bin/daphne -p 9000 s.asgi:app"]
    assert port_from_command(script, {}) == 9000


@pytest.mark.parametrize(
    ("command", "port"),
    [
        # An option's value is not the addrport (`-v 2` is no port 2); the default is 8000.
        ("python manage.py runserver -v 2", 8000),
        ("python manage.py runserver --settings mysite.settings 0.0.0.0:9000", 9000),
        ("python manage.py runserver_plus 0.0.0.0:8001 --nopin", 8001),
        ("python manage.py runserver && celery -A mysite worker --concurrency 4", 8000),
    ],
)
def test_runserver_port_skips_option_values(command: str, port: int) -> None:
    assert port_from_command(command.split(), {}) == port
