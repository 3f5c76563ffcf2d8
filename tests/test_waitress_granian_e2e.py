"""On the lab engine: waitress-serve and granian, two WSGI/ASGI servers fix-cmd-binding did not
know ("no CMD or ENTRYPOINT starts a web server"). granian binds 127.0.0.1 by default and
waitress-serve listens where --listen says: both unreachable from outside the container. As
PID 1 waitress-serve ignores SIGTERM (docker stop took 10.3 s on the lab, a kill) and stops on
SIGINT; granian stops on SIGTERM itself. django-extensions' runserver_plus (cookiecutter-django's
local server) was not read as a server either: like runserver it binds 127.0.0.1:8000 without
an address and, as PID 1, ignores SIGTERM. Each is built from its original and its rewrite, run
with a port published on 127.0.0.1, asked for `/`, and stopped."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

APP = """\
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"served\\n"]
"""
CASES = {
    "waitress": ("waitress==3.0.2",
                 '["waitress-serve", "--listen=127.0.0.1:8000", "app:application"]'),
    "granian": ("granian==1.7.6", '["granian", "--interface", "wsgi", "app:application"]'),
    "runserver_plus": ("Django==5.1.4\ndjango-extensions==3.2.3\nWerkzeug==3.1.3",
                       "python manage.py runserver_plus"),
}
# runserver_plus serves the skeleton project (without the admin, whose checks want templates),
# with a view that answers as APP does.
SETTINGS_PLUS = (
    'INSTALLED_APPS = ["django_extensions", *INSTALLED_APPS[1:]]\nALLOWED_HOSTS = ["*"]\n'
)
URLS_PLUS = """\
from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("", lambda request: HttpResponse("served\\n", content_type="text/plain"))]
"""


def _docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def _answer(name: str, wait: float = 30) -> bytes | None:
    port = _docker("port", name, "8000/tcp").stdout.split(":")[-1].strip()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3) as response:
                return bytes(response.read())
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            time.sleep(0.5)
    return None


@pytest.mark.parametrize("server", sorted(CASES))
def test_the_rewrite_is_reachable_and_stops_at_once(tmp_path: Path, server: str) -> None:
    requirement, cmd = CASES[server]
    write_skeleton(tmp_path)
    (tmp_path / "app.py").write_text(APP)
    if server == "runserver_plus":
        settings = tmp_path / "mysite" / "settings.py"
        settings.write_text(settings.read_text() + SETTINGS_PLUS)
        (tmp_path / "mysite" / "urls.py").write_text(URLS_PLUS)
    (tmp_path / "requirements.txt").write_text(requirement + "\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nEXPOSE 8000\n"
        f"CMD {cmd}\n"
    )
    rewritten = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"]).files[
        "Dockerfile"
    ]
    tag = f"djopt-{server.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
    names = [f"{tag}-before", f"{tag}-after"]
    try:
        for name, text in zip(names, [None, rewritten], strict=True):
            if text is not None:
                (tmp_path / "Dockerfile").write_text(text)
            built = _docker("build", "-q", "-t", name, str(tmp_path), timeout=900)
            assert built.returncode == 0, built.stderr[-3000:]
            started = _docker("run", "-d", "--name", name, "-p", "127.0.0.1::8000", name)
            assert started.returncode == 0, started.stderr
        assert _answer(names[1]) == b"served\n", _docker("logs", names[1]).stderr[-2000:]
        # The original, started first, listens on the container's loopback only: nothing
        # answers from outside (its log says it is serving).
        assert "127.0.0.1" in _docker("logs", names[0]).stdout + _docker("logs", names[0]).stderr
        assert _answer(names[0], wait=3) is None
        began = time.monotonic()
        assert _docker("stop", names[1], timeout=60).returncode == 0
        assert time.monotonic() - began < 5
        state = _docker("inspect", "-f", "{{.State.ExitCode}}", names[1]).stdout.strip()
        assert state == "0", state
    finally:
        _docker("rm", "-f", *names, timeout=60)
        _docker("rmi", "-f", *names, timeout=120)
