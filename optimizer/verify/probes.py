"""Probing a running container over HTTP and normalising what it answers.

Bodies are normalised before they are compared: CSRF tokens, nonces, dates, object addresses,
the container's own id and hostname, and install paths legitimately differ between two runs of the
same app.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import socket
from collections.abc import Iterable
from typing import Any

from optimizer import engine
from optimizer.verify.report import ProbeResult, Serving

PROBE_TIMEOUT = 5.0
MAX_BODY = 1 << 20
# What a browser asks for: HTML first (Django's debug pages, REST framework's browsable API),
# then anything. `Accept: text/html` alone made every view of a JSON-only REST framework API
# answer 406 Not Acceptable on both sides, "proves little" (lacrei-saude-api's /api/health/,
# which its compose healthcheck's curl, `Accept: */*`, got 200 from).
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Asked again with this after a 5xx alike on every side: a REST framework API whose browsable
# (HTML) renderer is broken answers 500 to a browser's Accept on both sides, while its JSON
# renderer reaches the views and the database (CityShop, round 13: `rest_framework` not in
# INSTALLED_APPS, TemplateDoesNotExist for the browsable page).
JSON_ACCEPT = "application/json"


def probe_name(path: str, accept: str = JSON_ACCEPT) -> str:
    """The name a probe of `path` is reported and compared under: the path itself with a
    browser's Accept, else the path and its Accept (the retry beside the first probe)."""
    return path if accept == ACCEPT else f"{path} (Accept: {accept})"

_CSRF_INPUT = re.compile(
    r"""(name=["']csrfmiddlewaretoken["'][^>]*?value=["'])[^"']*|"""
    r"""(value=["'])[^"']*(["'][^>]*?name=["']csrfmiddlewaretoken["'])""",
    re.IGNORECASE,
)
_CSRF_COOKIE = re.compile(r"(csrftoken=)[A-Za-z0-9]+")
# Also the header form (drf-spectacular's Swagger UI: `request.headers["X-CSRFTOKEN"] = "..."`).
_CSRF_JS = re.compile(
    r"""(["']?(?:x-)?csrf[_-]?token["']?\]?\s*[:=]\s*["'])[A-Za-z0-9]{32,}""", re.IGNORECASE
)
_NONCE = re.compile(r"""(nonce=["']?)[A-Za-z0-9+/=_-]+""", re.IGNORECASE)
_ISO_TIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
# Also RFC 5322 with a numeric zone and an unpadded day: Django's "Server time" on its DEBUG page.
_HTTP_DATE = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2}"
    r" (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d{4} \d{2}:\d{2}:\d{2} (?:GMT|[+-]\d{4})"
)
# Characters of one path segment. Quotes, `&` (HTML-escaped quotes), `:` (PATH-style lists),
# commas and brackets end a path, so sys.path reprs and escaped tracebacks split where they should.
_SEGMENT = r"[\w.+@~-]+"
# A path must start where a path can start, not in the middle of a longer one.
_PATH_START = r"(?<![\w.+@~/-])"
# The rewrite may move packages from the system Python into a virtualenv: tracebacks and
# sys.path on Django's DEBUG page then name a different install prefix for the same files.
_SITE_PACKAGES = re.compile(_PATH_START + rf"(?:/{_SEGMENT})*/(?:site|dist)-packages(?![\w-])")
# sys.executable moves with it (/usr/local/bin/python -> /opt/venv/bin/python).
_PYTHON_EXE = re.compile(
    _PATH_START + rf"(?:/{_SEGMENT})*/bin/python(?:\d+(?:\.\d+)?)?(?![\w.+@~/-])"
)
# Object reprs in DEBUG tracebacks' local variables: addresses change with every process.
_ADDRESS = re.compile(r"\b(at 0x)[0-9a-fA-F]{4,16}\b")


def container_identities(container: Any) -> list[str]:
    """What names a container from inside: its hostname (Docker's default is the short id) and
    its id, full and short. Empty values are left out."""
    attrs = getattr(container, "attrs", None) or {}
    hostname = str((attrs.get("Config") or {}).get("Hostname") or "")
    full_id = str(getattr(container, "id", None) or attrs.get("Id") or "")
    return [value for value in dict.fromkeys((hostname, full_id, full_id[:12])) if value]


def _mask_identities(body: str, identities: Iterable[str]) -> str:
    names = sorted({i for i in identities if i}, key=len, reverse=True)  # full id before short
    if not names:
        return body
    # Only whole tokens: a short id that happens to sit inside a longer hex string is content.
    pattern = r"(?<![0-9A-Za-z])(?:" + "|".join(map(re.escape, names)) + r")(?![0-9A-Za-z])"
    return re.sub(pattern, "<container>", body)


def normalize_body(body: str, identities: Iterable[str] = ()) -> str:
    """Drop what legitimately differs between two runs of the same app: CSRF tokens, CSP
    nonces, timestamps, object addresses, the container's own hostname and id (`identities`),
    and where Python and its installed packages live."""

    def csrf_input(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1) + "<csrf>"
        return match.group(2) + "<csrf>" + match.group(3)

    body = _mask_identities(body, identities)
    body = _SITE_PACKAGES.sub("<site-packages>", body)
    body = _PYTHON_EXE.sub("<python>", body)
    body = _ADDRESS.sub(r"\1<addr>", body)
    body = _CSRF_INPUT.sub(csrf_input, body)
    body = _CSRF_COOKIE.sub(r"\1<csrf>", body)
    body = _CSRF_JS.sub(r"\1<csrf>", body)
    body = _NONCE.sub(r"\1<nonce>", body)
    body = _HTTP_DATE.sub("<date>", body)
    body = _ISO_TIME.sub("<timestamp>", body)
    body = _DRF_ALLOW.sub(_sorted_methods, body)
    if _DJANGO_DEBUG_PAGE in body:
        # Django's debug pages key each traceback frame by id(frame), a new number per process,
        # and list the request's and the process's environment, which the rewrite changes on
        # purpose (PATH gains the venv, PYTHON* hygiene variables) or which changes per request.
        body = _FRAME_ID.sub(r"\1<frame>", body)
        body = _ENV_ROW.sub("", body)
    return body


_DJANGO_DEBUG_PAGE = 'content="NONE,NOARCHIVE"'
# REST framework's browsable API prints the view's Allow header. `@api_view` builds the methods
# from a set, so their order follows the process's string hashing: `OPTIONS, GET` on one side,
# `GET, OPTIONS` on the other (joebonneau/django-celery-redis's /api/submissions/ failed verify
# on that alone). The same methods in any order are the same answer.
_DRF_ALLOW = re.compile(r"(<b>Allow:</b>\s*(?:<span[^>]*>)?)([A-Z]+(?:, [A-Z]+)*)")


def _sorted_methods(match: re.Match[str]) -> str:
    return match.group(1) + ", ".join(sorted(match.group(2).split(", ")))

_FRAME_ID = re.compile(r"""(\b(?:c|pre|post|v)|["'])\d{9,}\b""")
_ENV_KEYS = (
    "PATH",
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PIP_NO_CACHE_DIR",
    "HOME",
    "HOSTNAME",
    "REMOTE_PORT",
    "gunicorn.socket",
    "wsgi.input",
    "wsgi.errors",
    "wsgi.file_wrapper",
)
_ENV_ROW = re.compile(
    r"<tr>\s*<td>(?:" + "|".join(re.escape(k) for k in _ENV_KEYS) + r")</td>\s*"
    r"<td class=\"code\"><pre>.*?</pre></td>\s*</tr>\s*",
    re.DOTALL,
)


def normalize_location(location: str | None) -> str | None:
    """A redirect target without scheme and host: the host port differs between containers."""
    if location is None:
        return None
    return re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", location) or "/"


def make_probe(
    path: str,
    status: int,
    location: str | None,
    raw: bytes,
    via: Serving,
    identities: Iterable[str] = (),
) -> ProbeResult:
    body = normalize_body(raw.decode("utf-8", "replace"), identities)
    return ProbeResult(
        path=path,
        status=status,
        location=normalize_location(location),
        body_sha256=hashlib.sha256(body.encode()).hexdigest(),
        body_excerpt=" ".join(body.split())[:200],
        via=via,
        body=body,
    )


# -- probing -------------------------------------------------------------------------------------


def probe_host(
    port: int,
    path: str,
    host_header: str,
    identities: Iterable[str] = (),
    accept: str = ACCEPT,
) -> ProbeResult:
    """GET through the port published on 127.0.0.1; redirects are compared, not followed.
    With `accept` other than a browser's, the result is named `probe_name(path, accept)`."""
    name = probe_name(path, accept)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        connection.request(
            "GET", path, headers={"Host": host_header, "Accept": accept, "Connection": "close"}
        )
        response = connection.getresponse()
        raw = response.read(MAX_BODY)
        return make_probe(
            name, response.status, response.getheader("Location"), raw, "host", identities
        )
    except (OSError, http.client.HTTPException) as exc:
        return ProbeResult(path=name, error=f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


def probe_websocket_host(port: int, probe: str, host_header: str) -> ProbeResult:
    """The opening handshake of a websocket (`probe` is "ws:/path/") through the published
    port: its status (101 when the route and the consumer accept, 403 when connect() closes,
    404 for no route) is what is compared; nothing is sent after it."""
    path = probe.removeprefix("ws:")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        # Channels' AllowedHostsOriginValidator compares Origin with ALLOWED_HOSTS.
        f"Origin: http://{host_header}\r\n\r\n"
    )
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT) as sock:
            sock.sendall(request.encode())
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
    except OSError as exc:
        return ProbeResult(path=probe, error=f"{type(exc).__name__}: {exc}")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    if match is None:
        return ProbeResult(path=probe, error=f"no HTTP status line: {head[:80]!r}")
    return make_probe(probe, int(match.group(1)), None, b"", "host")


# Run with the image's own Python: the classic bug binds the server to 127.0.0.1 inside the
# container, where only the container itself can reach it.
_INSIDE_PROBE = """
import base64, http.client, json, sys
port, path, host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
accept = sys.argv[4] if len(sys.argv) > 4 else ACCEPT
try:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path, headers={"Host": host, "Accept": accept, "Connection": "close"})
    r = c.getresponse()
    b = r.read(MAX_BODY)
    print(json.dumps({"status": r.status, "location": r.getheader("Location"),
                      "body": base64.b64encode(b).decode()}))
except Exception as e:
    print(json.dumps({"error": type(e).__name__ + ": " + str(e)}))
""".replace("MAX_BODY", str(MAX_BODY)).replace("ACCEPT", repr(ACCEPT))


def probe_inside(
    container: Any,
    port: int,
    path: str,
    host_header: str,
    identities: Iterable[str] = (),
    accept: str = ACCEPT,
) -> ProbeResult:
    name = probe_name(path, accept)
    for python in ("python3", "python"):
        code, output = engine.exec_in(
            container, [python, "-c", _INSIDE_PROBE, str(port), path, host_header, accept]
        )
        if code in (126, 127) and "{" not in output:
            continue  # no such interpreter
        try:
            data = json.loads(output.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return ProbeResult(path=name, error=f"in-container probe failed: {output[-200:]}")
        if "error" in data:
            return ProbeResult(path=name, error=str(data["error"]))
        raw = base64.b64decode(data["body"])
        return make_probe(
            name, int(data["status"]), data.get("location"), raw, "container", identities
        )
    return ProbeResult(path=name, error="no python in the container to probe from inside")
