"""A path that answers the same 5xx on both sides is asked again with `Accept:
application/json` (optimizer/verify._retry_as_json, probes.probe_host's `accept`).

CityShop (round 13): `rest_framework` is not in INSTALLED_APPS, so REST framework's browsable
(HTML) renderer fails with TemplateDoesNotExist and `/`, `/city/`, `/shop/` answered 500 to the
browser's Accept on both sides: "proves little", and the pass rested on /admin/login/ alone,
while `Accept: application/json` reaches the views and the database.

The servers here are plain local HTTP servers on 127.0.0.1 that answer like that API: a 500 to
HTML, JSON to a JSON client.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

from helpers import local_http_server

from optimizer.verify import _prober, _retry_as_json
from optimizer.verify.compare import decide, judge_probes
from optimizer.verify.probes import probe_host, probe_name
from optimizer.verify.report import SideReport, VerifyReport


def _handler(cities: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/admin/login/":
                status, kind, body = 200, "text/html", b"<form>login</form>"
            elif "text/html" in self.headers.get("Accept", ""):
                status, kind, body = 500, "text/html", b"<h1>Server Error (500)</h1>"
            elif self.path == "/broken/":
                status, kind, body = 500, "application/json", b'{"detail": "error"}'
            else:
                status, kind, body = 200, "application/json", json.dumps(cities).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


PATHS = ["/", "/city/", "/admin/login/", "/broken/"]


def _run(before_cities: list[str], after_cities: list[str]) -> tuple[VerifyReport, list[str]]:
    with (
        local_http_server(_handler(before_cities)) as before_port,
        local_http_server(_handler(after_cities)) as after_port,
    ):
        sides = {
            name: SideReport(build_ok=True, started=True, serving="host")
            for name in ("before", "after")
        }
        probers = {}
        for name, port in (("before", before_port), ("after", after_port)):
            probers[name] = _prober(None, 8000, "host", port, "localhost", [])
            sides[name].probes = [probe_host(port, path, "localhost") for path in PATHS]
        report = VerifyReport("run", sides["before"], sides["after"])
        said: list[str] = []
        _retry_as_json(sides, probers, report, said.append)
    return report, said


def test_alike_5xx_are_asked_again_as_json_and_count() -> None:
    report, said = _run(["Oslo"], ["Oslo"])
    before, after = report.before, report.after
    assert before is not None
    verdicts = judge_probes(before.probes, after.probes)
    assert verdicts["/"] == "proves-little" and verdicts["/city/"] == "proves-little"
    assert verdicts[probe_name("/")] == "same" and verdicts[probe_name("/city/")] == "same"
    assert verdicts[probe_name("/broken/")] == "proves-little"  # 500 to JSON too
    assert probe_name("/admin/login/") not in verdicts  # it answered 200: not asked again
    assert probe_name("/city/") == "/city/ (Accept: application/json)"
    assert any("(Accept: application/json)" in line or "application/json" in line for line in said)
    assert any("GET /city/ (500)" in note and "application/json" in note for note in report.notes)
    assert decide(before, after, verdicts)[0] == "pass"


def test_a_json_answer_that_differs_fails() -> None:
    report, _ = _run(["Oslo"], ["Bergen"])
    assert report.before is not None
    verdicts = judge_probes(report.before.probes, report.after.probes)
    assert verdicts[probe_name("/city/")] == "differs"
    verdict, reasons = decide(report.before, report.after, verdicts)
    assert verdict == "fail"
    assert any(r.text.startswith("GET /city/ (Accept: application/json): ") for r in reasons)


def test_not_asked_again_unless_every_side_answered_the_same_5xx() -> None:
    sides = {"before": SideReport(serving="host"), "after": SideReport(serving="none")}
    asked: list[str] = []

    def prober(path: str, accept: str = "") -> None:
        asked.append(path)

    report = VerifyReport("run", sides["before"], sides["after"])
    _retry_as_json(sides, {"before": prober, "after": prober}, report, lambda _: None)
    assert asked == [] and report.notes == []
