"""A page whose body changes on every request is asked for again on the original and, when
it answers another body, judged as proving little instead of failing the rewrite
(optimizer/verify._ask_original_again, compare.judge_probes).

Despair-17/YourBlog (verify15): /contact/ carries a django-simple-captcha key, a new one on every
request; its bodies differed at the key on both sides and the page was listed as a difference.
The servers here are plain local HTTP servers on 127.0.0.1: one page with a counter in it (new
on every request), one page that is stable on the original and another on the rewrite.
"""

from __future__ import annotations

import itertools
from http.server import BaseHTTPRequestHandler

from helpers import local_http_server

from optimizer.verify import _ask_original_again, _prober
from optimizer.verify.compare import decide, judge_probes, proves_little
from optimizer.verify.probes import probe_host
from optimizer.verify.report import SideReport


def _handler(side: str) -> type[BaseHTTPRequestHandler]:
    counter = itertools.count()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/contact/":
                body = f'<input type="hidden" name="captcha_0" value="{next(counter)}">'
            elif self.path == "/about/":
                body = f"<p>about the {side}</p>"  # stable on each side, not alike
            else:
                body = "<p>home</p>"
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def test_a_page_new_on_every_request_proves_little_and_a_real_difference_fails() -> None:
    paths = ["/", "/contact/", "/about/"]
    with (
        local_http_server(_handler("before")) as before_port,
        local_http_server(_handler("after")) as after_port,
    ):
        sides = {
            name: SideReport(build_ok=True, started=True, serving="host")
            for name in ("before", "after")
        }
        # The rewrite's counter is ahead: its first answer differs from the original's.
        probe_host(after_port, "/contact/", "localhost")
        probers = {}
        for name, port in (("before", before_port), ("after", after_port)):
            probers[name] = _prober(None, 8000, "host", port, "localhost", [])
            sides[name].probes = [probe_host(port, path, "localhost") for path in paths]
        said: list[str] = []
        _ask_original_again(sides, probers, said.append)
    before, after = sides["before"], sides["after"]
    assert said == ["asked the original again: GET /contact/, GET /about/"]
    verdicts = judge_probes(before.probes, after.probes)
    assert verdicts == {"/": "same", "/contact/": "proves-little", "/about/": "differs"}
    contact = next(p for p in before.probes if p.path == "/contact/")
    assert contact.unstable
    assert proves_little(contact).startswith(
        "the original answered 200 with another body when asked again"
    )
    verdict, reasons = decide(before, after, verdicts)
    assert verdict == "fail"
    assert [r.text for r in reasons if "/contact/" in r.text] == []
    # Without the real difference, the changing page alone does not fail the rewrite.
    del verdicts["/about/"]
    before.probes = [p for p in before.probes if p.path != "/about/"]
    after.probes = [p for p in after.probes if p.path != "/about/"]
    assert decide(before, after, verdicts)[0] == "pass"
