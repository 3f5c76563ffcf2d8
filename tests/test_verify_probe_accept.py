"""The Accept header verify's probes send (optimizer/verify/probes.py).

lacrei-saude-api's REST framework API renders JSON only: with `Accept: text/html` every view
answered 406 Not Acceptable on both sides ("proves little"), while its compose healthcheck's
`curl -f http://localhost:8000/api/health/` (`Accept: */*`) got 200. A JSON-only API without
the admin would have been inconclusive, though a human's curl showed it answering."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from helpers import local_http_server

from optimizer.verify import probes


class _JsonOnly(BaseHTTPRequestHandler):
    """REST framework's content negotiation with only JSONRenderer: 406 unless the client
    accepts application/json (or anything); HTML when asked first and offered (not here)."""

    def do_GET(self) -> None:
        accept = [p.split(";")[0].strip() for p in self.headers.get("Accept", "*/*").split(",")]
        if not {"application/json", "application/*", "*/*"} & set(accept):
            self.send_response(406)
            body = b'{"detail":"Could not satisfy the request Accept header."}'
        else:
            self.send_response(200)
            body = b'{"status":"healthy"}'
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def json_api() -> Iterator[int]:
    with local_http_server(_JsonOnly) as port:
        yield port


def test_a_json_only_api_answers_the_probe_through_the_port(json_api: int) -> None:
    result = probes.probe_host(json_api, "/api/health/", "localhost")
    assert result.status == 200, result


def test_a_json_only_api_answers_the_probe_from_inside(json_api: int) -> None:
    # The in-container probe is the same script, run by the image's Python; here by ours.
    done = subprocess.run(
        [sys.executable, "-c", probes._INSIDE_PROBE, str(json_api), "/api/health/", "localhost"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    assert '"status": 200' in done.stdout, done.stdout


def test_html_is_still_asked_for_first() -> None:
    # Django's debug pages and the browsable API answer in HTML when it comes first.
    assert probes.ACCEPT.startswith("text/html,")
    assert "*/*" in probes.ACCEPT
