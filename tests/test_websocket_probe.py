"""Verify's websocket handshake probe (round 9, asgi9): Channels' literal websocket routes
are read from the project (routing.py / asgi.py), probed as `ws:/path/` through the published
port, and compared by the handshake's status like any probe."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from optimizer.context import DjangoProject
from optimizer.settings import websocket_paths
from optimizer.verify.probes import probe_websocket_host
from optimizer.verify.runplan import default_probes

ROUTING = '''
from django.urls import path, re_path
from . import consumers

websocket_urlpatterns = [
    path("ws/increment/", consumers.IncrementConsumer.as_asgi()),
    path("ws/chat/<int:conv_id>/", consumers.ChatConsumer.as_asgi()),
    re_path(r"^ws/notify/$", consumers.NotifyConsumer.as_asgi()),
]
'''


def test_websocket_paths_are_the_literal_routes(tmp_path: Path) -> None:
    routing = tmp_path / "chat" / "routing.py"
    routing.parent.mkdir()
    routing.write_text(ROUTING, encoding="utf-8")
    sources = [(routing, ROUTING), (tmp_path / "x.py", "urlpatterns = [path('a/', v)]")]
    assert websocket_paths(sources) == ("/ws/increment/", "/ws/chat/1/")
    assert websocket_paths(sources, limit=3) == ("/ws/increment/", "/ws/chat/1/", "/ws/notify/")
    assert websocket_paths(sources, limit=1) == ("/ws/increment/",)


def test_websocket_route_parameters_get_samples(tmp_path: Path) -> None:
    """Channels' tutorial route `re_path(r"ws/chat/(?P<room_name>\\w+)/$", ...)` and path
    converters: a sample fills each; anything wider (`.+`) is left out."""
    text = (
        "from django.urls import path, re_path\n"
        "websocket_urlpatterns = [\n"
        '    re_path(r"ws/chat/(?P<room_name>\\w+)/$", ChatConsumer.as_asgi()),\n'
        '    re_path(r"^ws/game/(?P<game_id>\\d+)/$", GameConsumer.as_asgi()),\n'
        '    re_path(r"ws/any/(?P<rest>.+)$", AnyConsumer.as_asgi()),\n'
        '    path("ws/room/<str:name>/", RoomConsumer.as_asgi()),\n'
        "]\n"
    )
    routing = tmp_path / "routing.py"
    assert websocket_paths([(routing, text)], limit=5) == (
        "/ws/chat/probe/", "/ws/game/1/", "/ws/room/probe/"
    )


def test_default_probes_end_with_the_websocket_handshakes() -> None:
    project = DjangoProject(root=Path("."), websocket_paths=("/ws/increment/",))
    assert default_probes(project)[-1] == "ws:/ws/increment/"
    assert not any(p.startswith("ws:") for p in default_probes(DjangoProject(root=Path("."))))


def _server(reply: bytes) -> tuple[int, list[bytes]]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    seen: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            seen.append(conn.recv(4096))
            conn.sendall(reply)
            conn.recv(1)  # a websocket server keeps the connection open
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], seen


def test_handshake_status_is_the_probe_status() -> None:
    port, seen = _server(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: x\r\n\r\n"
    )
    result = probe_websocket_host(port, "ws:/ws/increment/", "localhost")
    assert result.status == 101 and result.path == "ws:/ws/increment/" and result.answered
    assert seen[0].startswith(b"GET /ws/increment/ HTTP/1.1\r\n")
    assert b"Upgrade: websocket" in seen[0] and b"Origin: http://localhost" in seen[0]
    port, _ = _server(b"HTTP/1.1 403 Access denied\r\nContent-Length: 0\r\n\r\n")
    assert probe_websocket_host(port, "ws:/ws/chat/", "localhost").status == 403


def test_a_route_whose_group_is_a_uuid_pattern_gets_the_sample_uuid(tmp_path: Path) -> None:
    """ATOUIYakoub/django-celery-task-queue (round 16): its only websocket route is
    `ws/tasks/(?P<task_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/$`;
    only six spellings of "any word" were filled, so the daphne app's websocket was never
    probed. Each group takes the first sample its own pattern matches whole."""
    text = (
        "from django.urls import re_path\n"
        "websocket_urlpatterns = [\n"
        '    re_path(r"ws/tasks/(?P<task_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-'
        '[0-9a-f]{4}-[0-9a-f]{12})/$", TaskProgressConsumer.as_asgi()),\n'
        '    re_path(r"^ws/n/(?P<n>[0-9]+)/(?P<slug>[a-z-]+)/$", N.as_asgi()),\n'
        '    re_path(r"^ws/x/(?P<x>[A-Z]{3})/$", X.as_asgi()),\n'
        "]\n"
    )
    assert websocket_paths([(tmp_path / "routing.py", text)], limit=5) == (
        "/ws/tasks/00000000-0000-0000-0000-000000000000/",
        "/ws/n/1/probe/",
    )


def test_group_filler_edge_cases(tmp_path: Path) -> None:
    """The group filler (round 16) reads a group's pattern past a parenthesis in a character
    class (`[^)/]+` was cut at its `)` and the route dropped), leaves out a group that spans
    segments with a slash written in it (`\\d+(?:/\\d+)*` took "1" though `1/1` is one too),
    one no sample matches (an alternation of words, `[A-Z]{3}`), a quantified or repeated
    group, and a pattern that does not parse, without raising."""
    routes = [
        r"^ws/a/(?P<x>[^)/]+)/$",
        r"^ws/b/(?P<ids>\d+(?:/\d+)*)/$",
        r"^ws/c/(?P<kind>chat|room)/$",
        r"^ws/d/(?P<x>\w+)?/$",
        r"^ws/e/(?P<x>\w+)/(?P=x)/$",
        r"^ws/f/(?P<x>[a-z",
        r"^ws/g/(?P<x>(a)\1)/$",
        r"^ws/h/(?P<x>.+)/$",
        r"^ws/i/(?P<kind>chat|\w+)/(?P<outer>(?P<n>\d+))/$",
        r"^ws/j/(?P<x>[\w-]+)/(?P<n>[0-9]{1,3})/$",
    ]
    text = (
        "from django.urls import re_path\nwebsocket_urlpatterns = [\n"
        + "".join(f"    re_path(r'{route}', C.as_asgi()),\n" for route in routes)
        + "]\n"
    )
    assert websocket_paths([(tmp_path / "routing.py", text)], limit=10) == (
        "/ws/a/probe/",
        "/ws/i/probe/1/",
        "/ws/j/probe/1/",
    )
