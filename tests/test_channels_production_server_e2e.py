"""On the lab engine: `--verify --production-server` on a Channels 4 project. runserver with
daphne in INSTALLED_APPS is daphne's ASGI server and answers the websocket handshake; the
switch to gunicorn (WSGI only) dropped websockets, and verify said FAIL (`ws:/ws/echo/` 101
before, 200 after). The rewrite now serves ASGI_APPLICATION with daphne: `/` and the websocket
handshake answer the same on both sides, and nothing of the run is left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write_skeleton
from verify_tiny import assert_clean, run_cli

pytestmark = pytest.mark.engine

ASGI = '''import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from mysite.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": URLRouter(websocket_urlpatterns)}
)
'''
ROUTING = '''from django.urls import path

from mysite.consumers import EchoConsumer

websocket_urlpatterns = [path("ws/echo/", EchoConsumer.as_asgi())]
'''
CONSUMERS = '''from channels.generic.websocket import WebsocketConsumer


class EchoConsumer(WebsocketConsumer):
    def connect(self):
        self.accept()

    def receive(self, text_data=None, bytes_data=None):
        self.send(text_data=text_data)
'''


def _project(root: Path) -> Path:
    write_skeleton(root)
    settings = root / "mysite" / "settings.py"
    # daphne first (its runserver replaces Django's); no admin, whose checks want templates.
    text = settings.read_text().replace('"django.contrib.admin"', '"daphne"', 1)
    settings.write_text(
        text + '\nASGI_APPLICATION = "mysite.asgi.application"\nALLOWED_HOSTS = ["*"]\n'
    )
    (root / "mysite" / "asgi.py").write_text(ASGI)
    (root / "mysite" / "routing.py").write_text(ROUTING)
    (root / "mysite" / "consumers.py").write_text(CONSUMERS)
    (root / "requirements.txt").write_text(
        "Django==5.1.4\ngunicorn==23.0.0\nchannels==4.1.0\ndaphne==4.1.2\n"
    )
    (root / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nEXPOSE 8000\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    )
    return root / "Dockerfile"


def test_channels_project_keeps_its_websockets_under_daphne(tmp_path: Path) -> None:
    dockerfile = _project(tmp_path / "chat")
    result = run_cli(
        str(dockerfile), "--verify", "--production-server", "--no-rebuild", "--json"
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]  # proposed
    data = json.loads(result.stdout)
    assert data["verdict"] == "pass", data["verdict_reasons"]
    cmd = data["files"]["Dockerfile"].rsplit("CMD", 1)[1]
    assert '"daphne", "mysite.asgi:application"' in cmd, cmd
    verify = data["verify"]
    for side in ("before", "after"):
        probes = {p["path"]: p["status"] for p in verify[side]["probes"]}
        assert probes.get("ws:/ws/echo/") == 101, (side, probes)
    assert verify["after"]["uid"] == 10001
    assert verify["cleaned_up"] is True
    assert_clean(verify["run_id"], result.stderr)


UUID_ROUTING = '''from django.urls import re_path

from mysite.consumers import EchoConsumer

websocket_urlpatterns = [
    re_path(
        r"ws/tasks/(?P<task_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/$",
        EchoConsumer.as_asgi(),
    ),
]
'''


def test_a_uuid_route_is_probed_with_the_sample_uuid(tmp_path: Path) -> None:
    """ATOUIYakoub/django-celery-task-queue (round 16): the only websocket route is a
    hand-written UUID pattern; it was not probed at all. It is now, with the sample UUID, and
    the consumer accepts it on both sides."""
    dockerfile = _project(tmp_path / "tasks")
    (tmp_path / "tasks" / "mysite" / "routing.py").write_text(UUID_ROUTING)
    result = run_cli(
        str(dockerfile), "--verify", "--production-server", "--no-rebuild", "--json"
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]  # proposed
    data = json.loads(result.stdout)
    assert data["verdict"] == "pass", data["verdict_reasons"]
    verify = data["verify"]
    ws = "ws:/ws/tasks/00000000-0000-0000-0000-000000000000/"
    for side in ("before", "after"):
        probes = {p["path"]: p["status"] for p in verify[side]["probes"]}
        assert probes.get(ws) == 101, (side, probes)
    assert verify["cleaned_up"] is True
    assert_clean(verify["run_id"], result.stderr)
