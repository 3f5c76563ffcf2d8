"""The pure parts of verify: normalisation, port detection, verdict. No container engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.engine import shorten_created_by
from optimizer.verify import (
    ProbeResult,
    SideReport,
    VerifyReport,
    base_image,
    container_identities,
    decide,
    detect_port,
    judge_probes,
    make_probe,
    normalize_body,
    normalize_location,
    pick_touch_file,
    port_from_command,
)
from optimizer.verify.compare import add_hint_to_not_serving, missing_file_hint, proved_by
from optimizer.verify.report import ProbeVerdict

# -- normalisation -------------------------------------------------------------------------------


def test_csrf_input_value_is_masked_in_either_attribute_order() -> None:
    a = '<input type="hidden" name="csrfmiddlewaretoken" value="AbC123xyz">'
    b = '<input type="hidden" name="csrfmiddlewaretoken" value="ZZZ999qqq">'
    assert normalize_body(a) == normalize_body(b)
    assert "AbC123xyz" not in normalize_body(a)
    c = "<input value='tok1' type='hidden' name='csrfmiddlewaretoken'>"
    d = "<input value='tok2' type='hidden' name='csrfmiddlewaretoken'>"
    assert normalize_body(c) == normalize_body(d)


def test_other_inputs_keep_their_values() -> None:
    body = '<input name="q" value="django">'
    assert normalize_body(body) == body


def test_csrf_cookie_and_js_token_are_masked() -> None:
    token = "a" * 32
    other = "b" * 32
    assert normalize_body(f"csrftoken={token}; Path=/") == normalize_body(
        f"csrftoken={other}; Path=/"
    )
    assert normalize_body(f'{{"csrfToken": "{token}"}}') == normalize_body(
        f'{{"csrfToken": "{other}"}}'
    )
    # drf-spectacular's Swagger UI (NotMainCode/octopus's /api/swagger/v1/ differed here).
    line = 'request.headers["X-CSRFTOKEN"] = "{}";'
    assert normalize_body(line.format(token * 2)) == normalize_body(line.format(other * 2))
    assert token not in normalize_body(line.format(token * 2))


def test_nonce_and_timestamps_are_masked() -> None:
    one = '<script nonce="r4nd0m==">x</script> at 2024-05-01T10:20:30.123456+00:00'
    two = '<script nonce="0th3r">x</script> at 2025-01-02 03:04:05Z'
    assert normalize_body(one) == normalize_body(two)
    assert normalize_body("Date: Tue, 15 Nov 1994 08:12:31 GMT") == "Date: <date>"


def test_real_differences_survive_normalisation() -> None:
    assert normalize_body("<h1>Hello</h1>") != normalize_body("<h1>Server Error</h1>")


def test_location_loses_scheme_and_host() -> None:
    assert normalize_location("http://localhost:49153/admin/login/?next=/admin/") == (
        "/admin/login/?next=/admin/"
    )
    assert normalize_location("/accounts/") == "/accounts/"
    assert normalize_location("https://example.com") == "/"
    assert normalize_location(None) is None


def test_make_probe_hashes_the_normalised_body() -> None:
    a = make_probe("/", 200, None, b'<input name="csrfmiddlewaretoken" value="x1">', "host")
    b = make_probe("/", 200, None, b'<input name="csrfmiddlewaretoken" value="y2">', "container")
    assert a.body_sha256 == b.body_sha256
    assert a.key() == b.key()


# -- port detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "port"),
    [
        (["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8080"], 8080),
        (["gunicorn", "app.wsgi", "--bind=0.0.0.0:9000"], 9000),
        (["/bin/sh", "-c", "gunicorn app.wsgi -b 127.0.0.1:5000 --workers 3"], 5000),
        (["gunicorn", "app.wsgi", "-b", ":7000"], 7000),
        (["python", "manage.py", "runserver"], 8000),
        (["python", "manage.py", "runserver", "0.0.0.0:8001"], 8001),
        (["python", "manage.py", "runserver", "--noreload", "8002"], 8002),
        (["uvicorn", "app.asgi:application", "--host", "0.0.0.0", "--port", "8003"], 8003),
        (["daphne", "-b", "0.0.0.0", "-p", "8004", "app.asgi:application"], 8004),
        (["uwsgi", "--http", ":8005", "--module", "app.wsgi"], 8005),
        (["gunicorn", "--bind", "unix:/tmp/g.sock", "app.wsgi"], None),
        (["celery", "-A", "app", "worker"], None),
        (None, None),
    ],
)
def test_port_from_command(command: list[str] | None, port: int | None) -> None:
    assert port_from_command(command, {}) == port


def test_port_from_command_expands_variables() -> None:
    cmd = ["sh", "-c", "gunicorn app.wsgi --bind 0.0.0.0:${PORT:-8010}"]
    assert port_from_command(cmd, {}) == 8010
    assert port_from_command(cmd, {"PORT": "9999"}) == 9999
    assert (
        port_from_command(["sh", "-c", "gunicorn app.wsgi -b 0.0.0.0:$PORT"], {"PORT": "81"}) == 81
    )


def test_detect_port_precedence() -> None:
    gunicorn = ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8080"]
    # The bind is what is really listened on, even when EXPOSE says otherwise.
    assert detect_port(gunicorn, None, [8000], {}) == 8080
    assert detect_port(["./start.sh"], None, [5000, 8000], {}) == 5000
    assert detect_port(["./start.sh"], None, [], {"PORT": "3000"}) == 3000
    assert detect_port(None, None, [], {}) == 8000
    assert detect_port(["--bind", "0.0.0.0:8123"], ["gunicorn", "app.wsgi"], [], {}) == 8123


# -- base image ----------------------------------------------------------------------------------


def test_base_image_follows_stage_chain_and_args() -> None:
    text = (
        "ARG PY=3.11\n"
        "FROM python:${PY}-slim AS base\n"
        "FROM python:${PY} AS build\n"
        "RUN pip wheel -r requirements.txt\n"
        "FROM base AS final\n"
        "COPY --from=build /wheels /wheels\n"
    )
    assert base_image(text) == "python:3.11-slim"
    assert base_image("FROM python:3.13\nCMD x\n") == "python:3.13"
    assert base_image("FROM scratch\nCOPY a /a\n") == "scratch"
    assert base_image("not a dockerfile") is None


# -- touch file ----------------------------------------------------------------------------------


def _tree(root: Path, files: list[str]) -> None:
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")


def test_pick_touch_file_prefers_views_and_skips_dependencies(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        [
            "setup.py",
            "requirements.txt",
            "manage.py",
            ".venv/lib/python3.11/site-packages/django/views.py",
            "shop/urls.py",
            "shop/orders/views.py",
            "blog/views.py",
        ],
    )
    assert pick_touch_file(tmp_path) == "blog/views.py"


def test_pick_touch_file_falls_back_to_any_python_file(tmp_path: Path) -> None:
    _tree(tmp_path, ["setup.py", "pyproject.toml", "app/main.py"])
    assert pick_touch_file(tmp_path) == "app/main.py"
    empty = tmp_path / "empty"
    _tree(empty, ["requirements.txt", "setup.py"])
    assert pick_touch_file(empty) is None


# -- verdict -------------------------------------------------------------------------------------


def _probe(path: str, status: int | None, body: str = "ok", via: str = "host") -> ProbeResult:
    if status is None:
        return ProbeResult(path=path, error="ConnectionResetError")
    return make_probe(path, status, None, body.encode(), "host" if via == "host" else "container")


def _side(
    *,
    build_ok: bool = True,
    size: int | None = 1000,
    serving: str = "host",
    probes: list[ProbeResult] | None = None,
) -> SideReport:
    side = SideReport(build_tried=True, build_ok=build_ok, image_size=size, port=8000)
    side.serving = (
        "host" if serving == "host" else "container" if serving == "container" else "none"
    )
    side.probes = probes if probes is not None else [_probe("/", 200)]
    return side


def _verdict(before: SideReport, after: SideReport) -> tuple[str, list[str]]:
    verdict, reasons = decide(before, after, judge_probes(before.probes, after.probes))
    return verdict, [r.text for r in reasons]


def test_equal_smaller_reachable_passes() -> None:
    assert _verdict(_side(size=900), _side(size=300)) == ("pass", [])


def test_original_that_does_not_build_is_inconclusive_with_the_failing_step() -> None:
    before = _side(build_ok=False, size=None, serving="none")
    before.build_failed_step = "[2/3] RUN pip install -r requirements.txt && exit 1"
    before.build_step_tail = ["Successfully installed Django-5.1.4"]
    before.build_errors = [
        "ERROR: process did not complete: exit code: 1",
        "ERROR: failed to solve: process did not complete: exit code: 1",
    ]
    verdict, reasons = decide(before, _side(), {})
    assert verdict == "inconclusive"
    assert [r.text for r in reasons] == ["the original does not build: nothing was proven"]
    assert reasons[0].cause[0] == (
        "failing step: [2/3] RUN pip install -r requirements.txt && exit 1"
    )
    assert "Successfully installed Django-5.1.4" in reasons[0].cause
    assert reasons[0].cause[-2:] == [
        "Successfully installed Django-5.1.4",
        "ERROR: failed to solve: process did not complete: exit code: 1",
    ]


def test_original_not_building_does_not_blame_an_unbuilt_rewrite() -> None:
    before = _side(build_ok=False, size=None, serving="none")
    after = SideReport()  # never built: verify stops after the original fails
    assert _verdict(before, after) == (
        "inconclusive",
        ["the original does not build: nothing was proven"],
    )


def test_rewrite_that_does_not_build_fails() -> None:
    after = _side(build_ok=False, size=None, serving="none", probes=[])
    after.build_failed_step = "[builder 3/5] RUN pip wheel"
    verdict, reasons = decide(_side(), after, {})
    assert verdict == "fail"
    assert reasons[0].text == "the rewritten Dockerfile does not build (the original does)"
    assert reasons[0].cause == ["failing step: [builder 3/5] RUN pip wheel"]


def test_different_response_fails_with_the_containers_last_lines() -> None:
    before = _side(probes=[_probe("/", 200), _probe("/admin/login/", 200, "form")])
    after = _side(probes=[_probe("/", 200), _probe("/admin/login/", 500, "Server Error")])
    after.container_log_tail = ["Traceback (most recent call last):", "ImportError: boom"]
    verdict, reasons = decide(before, after, judge_probes(before.probes, after.probes))
    assert verdict == "fail" and len(reasons) == 1
    assert "/admin/login/" in reasons[0].text and "500" in reasons[0].text
    assert reasons[0].cause[-1] == "ImportError: boom"


def test_different_body_fails_with_a_pointer_to_the_difference() -> None:
    verdict, reasons = _verdict(
        _side(probes=[_probe("/", 200, "hello")]), _side(probes=[_probe("/", 200, "help")])
    )
    assert verdict == "fail"
    assert "body differs at character 3" in reasons[0]


def test_larger_rewrite_fails() -> None:
    assert _verdict(_side(size=100_000_000), _side(size=100_200_000)) == (
        "fail",
        ["the rewritten image is larger (100200000 > 100000000 bytes)"],
    )


def test_rewrite_unreachable_from_host_fails() -> None:
    after = _side(serving="container", probes=[_probe("/", 200, via="container")])
    verdict, reasons = _verdict(_side(), after)
    assert verdict == "fail"
    assert any("not on published port" in r for r in reasons)


def test_rewrite_serving_nothing_fails_with_its_logs() -> None:
    after = _side(serving="none", probes=[])
    after.exit_code = 1
    after.container_log_tail = ["ModuleNotFoundError: No module named 'gunicorn'"]
    verdict, reasons = decide(_side(), after, {})
    assert verdict == "fail"
    assert "does not answer HTTP on port 8000 (the original does)" in reasons[0].text
    assert "the container exited with status 1" in reasons[0].cause
    assert reasons[0].cause[-1] == "ModuleNotFoundError: No module named 'gunicorn'"


def test_rewrite_that_does_not_start_fails() -> None:
    after = _side(serving="none", probes=[])
    after.started = False
    after.start_error = "cannot start x: exec: gunicorn: not found"
    verdict, reasons = decide(_side(), after, {})
    assert verdict == "fail"
    assert reasons[0].text == "the rewritten container does not start (the original does)"
    assert reasons[0].cause[0] == "cannot start x: exec: gunicorn: not found"


def test_original_reachable_only_inside_is_compared_and_passes() -> None:
    before = _side(serving="container", probes=[_probe("/", 200, via="container")])
    assert _verdict(before, _side(size=10)) == ("pass", [])


def test_original_serving_nothing_is_inconclusive() -> None:
    before = _side(serving="none", probes=[])
    before.container_log_tail = ["django.db.utils.OperationalError: could not connect"]
    verdict, reasons = decide(before, _side(), {})
    assert verdict == "inconclusive"
    assert reasons[0].text == (
        "the original does not answer HTTP on port 8000: no responses to compare, "
        "nothing was proven"
    )
    assert reasons[0].cause[-1] == "django.db.utils.OperationalError: could not connect"


def test_inconclusive_original_but_larger_rewrite_still_fails() -> None:
    before = _side(serving="none", probes=[], size=100_000_000)
    verdict, reasons = _verdict(before, _side(size=200_000_000))
    assert verdict == "fail"
    assert reasons == ["the rewritten image is larger (200000000 > 100000000 bytes)"]


_DEBUG_500 = (
    '<html><head><meta name="robots" content="NONE,NOARCHIVE">'
    "<title>OperationalError at /</title></head><body>PATH /opt/venv/bin</body></html>"
)


@pytest.mark.parametrize(
    ("before_probe", "after_probe"),
    [
        (_probe("/", 500, _DEBUG_500), _probe("/", 500, _DEBUG_500.replace("venv", "other"))),
        (_probe("/", 404, "Not Found"), _probe("/", 404, "Not Found")),
        (_probe("/", 503, "down"), _probe("/", 503, "different text")),
    ],
)
def test_equal_errors_prove_little_and_alone_are_inconclusive(
    before_probe: ProbeResult, after_probe: ProbeResult
) -> None:
    before, after = _side(probes=[before_probe]), _side(probes=[after_probe])
    assert judge_probes(before.probes, after.probes) == {"/": "proves-little"}
    verdict, reasons = _verdict(before, after)
    assert verdict == "inconclusive"
    assert reasons[0] == "no probe proved anything: nothing was proven"
    assert reasons[1].startswith(f"GET /: both sides answer {before_probe.status} (")
    assert reasons[1].endswith("this probe proves little")


_ADMIN_LOGIN = (
    '<html><head><title>Log in | Django site admin</title>'
    '<meta name="robots" content="NONE,NOARCHIVE"></head><body><form id="login-form">'
)


def test_the_admin_login_page_is_an_answer_not_a_debug_page() -> None:
    # Django's admin templates carry the debug pages' robots tag: on a real project the 200
    # login page was reported as "a Django DEBUG error page" that proves little.
    before = _side(probes=[_probe("/admin/login/", 200, _ADMIN_LOGIN)])
    same = _side(probes=[_probe("/admin/login/", 200, _ADMIN_LOGIN)])
    assert judge_probes(before.probes, same.probes) == {"/admin/login/": "same"}
    assert _verdict(before, same) == ("pass", [])
    changed = _side(probes=[_probe("/admin/login/", 200, _ADMIN_LOGIN.replace("Log in", "x"))])
    assert judge_probes(before.probes, changed.probes) == {"/admin/login/": "differs"}
    assert _verdict(before, changed)[0] == "fail"


_DISALLOWED_400 = (
    '<html lang="en"><head><meta name="robots" content="NONE,NOARCHIVE">'
    "<title>DisallowedHost\n          at /</title></head><body><h1>DisallowedHost\n"
    "<span>at /</span></h1><pre class=\"exception_value\">Invalid HTTP_HOST header: "
    "&#x27;0.0.0.0|127.0.0.1:8070&#x27;. The domain name provided is not valid.</pre>"
)


def test_a_refused_host_header_is_named_with_the_flag_that_fixes_it() -> None:
    # ArtsemDev/django-docker-postgres-example: every probe got Django's DisallowedHost 400
    # and the reasons said only "a Django DEBUG error page".
    page = normalize_body(_DISALLOWED_400)
    before = _side(probes=[_probe("/", 400, page)])
    after = _side(probes=[_probe("/", 400, page)])
    verdict, reasons = _verdict(before, after)
    assert verdict == "inconclusive"
    assert "Django refuses the Host header (DisallowedHost" in reasons[1]
    assert reasons[1].endswith("with --host")
    # Another 400 is not called a refused host.
    other = _side(probes=[_probe("/", 400, "Bad Request (400)")])
    assert "Host header" not in _verdict(other, other)[1][1]


def test_one_proving_probe_is_enough_to_pass() -> None:
    before = _side(probes=[_probe("/", 200, "home"), _probe("/admin/login/", 500, _DEBUG_500)])
    after = _side(probes=[_probe("/", 200, "home"), _probe("/admin/login/", 500, _DEBUG_500)])
    assert judge_probes(before.probes, after.probes) == {
        "/": "same",
        "/admin/login/": "proves-little",
    }
    assert _verdict(before, after) == ("pass", [])
    # The human report says what the pass rests on (on real projects it listed only the
    # probes that proved little, then PASS).
    verdicts = judge_probes(before.probes, after.probes)
    assert proved_by(before.probes, verdicts) == [
        "GET /: both sides answer 200 alike: proves the rewrite serves it as the original does"
    ]


def test_error_turned_into_a_page_is_a_difference() -> None:
    before = _side(probes=[_probe("/", 500, _DEBUG_500)])
    after = _side(probes=[_probe("/", 200, "home")])
    verdict, reasons = _verdict(before, after)
    assert verdict == "fail" and "status differs (before 500, after 200)" in reasons[0]


def test_probe_the_original_did_not_answer_is_not_compared() -> None:
    before = _side(probes=[_probe("/", None), _probe("/x/", 200, "x")])
    after = _side(probes=[_probe("/", 200, "y"), _probe("/x/", 200, "x")])
    assert judge_probes(before.probes, after.probes) == {"/": "not-compared", "/x/": "same"}
    assert _verdict(before, after) == ("pass", [])


def test_report_dict_is_json_ready_and_hides_raw_bodies() -> None:
    import json

    report = VerifyReport("djopt-verify-x", _side(), _side())
    data = report.to_dict()
    json.dumps(data)
    assert data["before"]["reachable_from_host"] is True
    assert "body" not in data["before"]["probes"][0]
    assert data["before"]["probes"][0]["body_sha256"]


# -- history text --------------------------------------------------------------------------------


def test_shorten_created_by() -> None:
    assert shorten_created_by('/bin/sh -c #(nop)  CMD ["gunicorn"]') == 'CMD ["gunicorn"]'
    assert (
        shorten_created_by("RUN |1 PY=3.11 /bin/sh -c pip install -r r.txt # buildkit")
        == "RUN pip install -r r.txt"
    )
    assert shorten_created_by("COPY . . # buildkit") == "COPY . ."
    assert len(shorten_created_by("RUN " + "x" * 300)) == 100


# -- values that differ between two containers of the same app -----------------------------------

# Excerpts of Django's DEBUG technical 500 page (HTML-escaped, as served), once from an image that
# installs into the system Python and once from one that installs into a virtualenv.
_TECHNICAL_500 = """\
<table class="meta">
  <tr><th scope="row">Exception Location:</th>
    <td><span class="fname">{site}/django/db/backends/sqlite3/base.py</span>, line 328,
    in execute</td></tr>
  <tr><th scope="row">Raised during:</th><td>django.contrib.admin.sites.login</td></tr>
  <tr><th scope="row">Python Executable:</th><td>{exe}</td></tr>
  <tr><th scope="row">Python Version:</th><td>3.11.9</td></tr>
  <tr><th scope="row">Python Path:</th><td><pre><code>[&#x27;/app&#x27;,
 &#x27;/usr/local/lib/python311.zip&#x27;,
 &#x27;/usr/local/lib/python3.11&#x27;,
 &#x27;/usr/local/lib/python3.11/lib-dynload&#x27;,
 &#x27;{site}&#x27;]</code></pre></td></tr>
  <tr><th scope="row">Server time:</th><td>{time}</td></tr>
</table>
<li class="frame django">
  <code class="fname">{site}/django/core/handlers/exception.py</code>, line 55, in inner
  <table class="vars"><tr><td>get_response</td><td class="code"><pre>&lt;bound method
  BaseHandler._get_response of &lt;django.core.handlers.wsgi.WSGIHandler object at {addr}&gt;&gt;
  </pre></td></tr></table>
</li>
<textarea id="traceback_area">Traceback (most recent call last):
  File &quot;{site}/django/db/backends/utils.py&quot;, line 105, in _execute
    return self.cursor.execute(sql, params)
sqlite3.OperationalError: no such table: django_session</textarea>
<tr><td>HOSTNAME</td><td class="code"><pre>&#x27;{host}&#x27;</pre></td></tr>
<tr><td>PYTHONPATH</td><td class="code"><pre>&#x27;/app:{site}&#x27;</pre></td></tr>
"""

_SYSTEM_PAGE = _TECHNICAL_500.format(
    site="/usr/local/lib/python3.11/site-packages",
    exe="/usr/local/bin/python",
    time="Tue, 7 May 2024 09:21:07 +0000",
    addr="0x7f3a2b1c4d50",
    host="3f2a9c1b7d4e",
)
_VENV_PAGE = _TECHNICAL_500.format(
    site="/opt/venv/lib/python3.11/site-packages",
    exe="/opt/venv/bin/python3.11",
    time="Wed, 15 May 2024 18:02:59 +0000",
    addr="0x7fe01c9b2a10",
    host="a0b1c2d3e4f5",
)
_BEFORE_ID = "3f2a9c1b7d4e" + "0" * 52
_AFTER_ID = "a0b1c2d3e4f5" + "1" * 52


def test_technical_500_page_from_system_python_and_venv_compare_equal() -> None:
    before = normalize_body(_SYSTEM_PAGE, [_BEFORE_ID[:12], _BEFORE_ID, _BEFORE_ID[:12]])
    after = normalize_body(_VENV_PAGE, [_AFTER_ID[:12], _AFTER_ID, _AFTER_ID[:12]])
    assert before == after
    assert "site-packages" not in before.replace("<site-packages>", "")
    assert "<site-packages>/django/core/handlers/exception.py" in before
    assert "<td><python></td>" in before
    assert "&#x27;/usr/local/lib/python3.11/lib-dynload&#x27;" in before  # stdlib paths stay
    assert "&#x27;/app:<site-packages>&#x27;" in before
    assert "WSGIHandler object at 0x<addr>" in before
    assert "&#x27;<container>&#x27;" in before


def test_technical_500_pages_with_different_errors_still_differ() -> None:
    other = _VENV_PAGE.replace("no such table: django_session", "no such table: auth_user")
    assert normalize_body(_SYSTEM_PAGE, [_BEFORE_ID]) != normalize_body(other, [_AFTER_ID])
    moved = _VENV_PAGE.replace("sqlite3/base.py</span>, line 328", "sqlite3/base.py</span>, line 9")
    assert normalize_body(_SYSTEM_PAGE, [_BEFORE_ID]) != normalize_body(moved, [_AFTER_ID])


def test_dist_packages_and_python_executables_are_masked() -> None:
    assert normalize_body('File "/usr/lib/python3/dist-packages/six.py", line 1') == (
        'File "<site-packages>/six.py", line 1'
    )
    for exe in ("/usr/local/bin/python", "/opt/venv/bin/python3", "/app/.venv/bin/python3.11"):
        assert normalize_body(f"sys.executable = {exe}\n") == "sys.executable = <python>\n"


def test_paths_that_only_look_similar_are_content() -> None:
    # Not an interpreter, not an install prefix: these name the app's own files.
    for body in (
        "/usr/local/bin/python-config",
        "/app/bin/pythonista.sh",
        "/app/docs/site-packages-howto.html",
        "see the docs/ folder",
    ):
        assert normalize_body(body) == body
    assert normalize_body("/srv/app/static/site.css") == "/srv/app/static/site.css"


def test_each_containers_own_hostname_and_id_are_masked() -> None:
    before = normalize_body("<p>Served by 3f2a9c1b7d4e</p>", [_BEFORE_ID, _BEFORE_ID[:12]])
    after = normalize_body("<p>Served by a0b1c2d3e4f5</p>", [_AFTER_ID, _AFTER_ID[:12]])
    assert before == after == "<p>Served by <container></p>"
    assert normalize_body(f"id={_BEFORE_ID}.", [_BEFORE_ID[:12], _BEFORE_ID]) == "id=<container>."


def test_hostname_masking_keeps_real_differences() -> None:
    # Without the identity, a hostname is content; and another container's id is not this one's.
    assert normalize_body("Served by 3f2a9c1b7d4e") == "Served by 3f2a9c1b7d4e"
    assert normalize_body("Served by a0b1c2d3e4f5", [_BEFORE_ID[:12]]) == "Served by a0b1c2d3e4f5"
    # Only whole tokens: a longer hex string that starts with the short id is someone else's.
    commit = _BEFORE_ID[:12] + "99aa"
    assert normalize_body(f"build {commit}", [_BEFORE_ID[:12]]) == f"build {commit}"
    before = normalize_body("<p>Served by 3f2a9c1b7d4e: 3 orders</p>", [_BEFORE_ID[:12]])
    after = normalize_body("<p>Served by a0b1c2d3e4f5: 4 orders</p>", [_AFTER_ID[:12]])
    assert before != after


def test_container_identities_read_hostname_and_ids_from_attributes() -> None:
    from types import SimpleNamespace

    container = SimpleNamespace(id=_BEFORE_ID, attrs={"Config": {"Hostname": _BEFORE_ID[:12]}})
    assert container_identities(container) == [_BEFORE_ID[:12], _BEFORE_ID]
    custom = SimpleNamespace(id=_AFTER_ID, attrs={"Config": {"Hostname": "web-1"}})
    assert container_identities(custom) == ["web-1", _AFTER_ID, _AFTER_ID[:12]]
    assert container_identities(SimpleNamespace(id=None, attrs={})) == []


def test_make_probe_masks_the_sides_identities_before_hashing() -> None:
    a = make_probe("/", 200, None, b"Served by 3f2a9c1b7d4e", "host", [_BEFORE_ID[:12]])
    b = make_probe("/", 200, None, b"Served by a0b1c2d3e4f5", "host", [_AFTER_ID[:12]])
    assert a.body_sha256 == b.body_sha256
    assert judge_probes([a], [b]) == {"/": "same"}


def test_size_tolerance_for_metadata_only_growth() -> None:
    from optimizer.verify import SIZE_TOLERANCE, SideReport, decide

    def side(size: int) -> SideReport:
        return SideReport(build_ok=True, image_size=size, serving="host", port=8000)

    proved: dict[str, ProbeVerdict] = {"/": "same"}
    assert decide(side(100_000_000), side(100_000_000 + 3_008), proved) == ("pass", [])
    verdict, reasons = decide(side(100_000_000), side(100_000_000 + SIZE_TOLERANCE + 1), proved)
    assert verdict == "fail" and "larger" in reasons[0].text


def test_django_debug_page_frame_ids_are_masked() -> None:
    from optimizer.verify import normalize_body

    def page(frame: str, line: int = 42) -> str:
        return (
            '<meta name="robots" content="NONE,NOARCHIVE">'
            f'<ol class="pre-context" id="pre{frame}"><li onclick="toggle(\'pre{frame}\', '
            f'\'post{frame}\')">line {line}</li></ol><table class="vars" id="v{frame}">'
        )

    assert normalize_body(page("349210950656")) == normalize_body(page("243983203136"))
    assert normalize_body(page("349210950656", 42)) != normalize_body(page("243983203136", 43))
    # Outside a Django debug page, long numbers are content.
    assert normalize_body("order 349210950656") != normalize_body("order 243983203136")


def test_django_debug_page_environment_rows_are_dropped() -> None:
    from optimizer.verify import normalize_body

    def row(key: str, value: str) -> str:
        return f'<tr>\n  <td>{key}</td>\n  <td class="code"><pre>{value}</pre></td>\n</tr>\n'

    head = '<meta name="robots" content="NONE,NOARCHIVE">'
    before = head + row("PATH", "/usr/local/bin:/usr/bin") + row("REMOTE_PORT", "&#x27;49594&#x27;")
    after = (
        head
        + row("PATH", "/opt/venv/bin:/usr/local/bin:/usr/bin")
        + row("PYTHONUNBUFFERED", "&#x27;1&#x27;")
        + row("REMOTE_PORT", "&#x27;36674&#x27;")
    )
    assert normalize_body(before) == normalize_body(after)
    assert normalize_body(before + row("SECRET", "a")) != normalize_body(after + row("SECRET", "b"))


def test_largest_layers_leave_out_the_base() -> None:
    from optimizer.engine import ImageInfo, Layer

    info = ImageInfo(
        id="sha256:x",
        size=300,
        layer_count=3,
        # Newest first, as `docker history` lists them; the last two are the base's.
        history=[
            Layer(50, "COPY /opt/venv"),
            Layer(0, "CMD"),
            Layer(160, "base apt"),
            Layer(70, ""),
        ],
        user="",
        exposed_ports=[],
        cmd=None,
        entrypoint=None,
        working_dir="/",
    )
    assert [x.created_by for x in info.top_layers(5)] == ["base apt", "", "COPY /opt/venv"][:3]
    assert [x.created_by for x in info.top_layers(5, base_entries=2)] == ["COPY /opt/venv"]


def test_build_progress_forwards_step_headers_only() -> None:
    from optimizer.verify.build import _step_lines

    seen: list[str] = []
    forward = _step_lines("after", seen.append)
    for line in [
        "#1 [internal] load build definition from Dockerfile",
        "#7 [builder 3/6] RUN pip install -r requirements.txt",
        "#7 12.3 Collecting Django==5.1.4",
        "#9 [2/4] COPY . .",
    ]:
        forward(line)
    assert seen == [
        "after: [builder 3/6] RUN pip install -r requirements.txt",
        "after: [2/4] COPY . .",
    ]


def test_a_pre_step_failing_on_the_original_is_one_reason_and_inconclusive() -> None:
    # A real project (its settings module is gitignored): the reason was given twice, once by
    # the run and once by `decide`; and a rewrite that then failed would have read as *fail*.
    pre = {"command": ["python", "manage.py", "migrate"], "ok": False,
           "log_tail": ["ModuleNotFoundError: No module named 'core.project.settings.local'"]}
    before, after = _side(serving="none", probes=[]), _side(serving="none", probes=[])
    before.pre_step, after.pre_step = dict(pre), dict(pre)
    verdict, reasons = decide(before, after, {})
    assert verdict == "inconclusive"
    texts = [r.text for r in reasons]
    assert sum("pre-step" in t for t in texts) == 1
    assert "fails on the original image" in texts[0] and "--pre ''" in texts[0]
    assert reasons[0].cause == pre["log_tail"]
    # The original serves despite the failed step, the rewrite does not: still nothing proven.
    serving = _side(probes=[_probe("/", 200, "home")])
    serving.pre_step = dict(pre)
    assert decide(serving, after, {"/": "differs"})[0] == "inconclusive"


_ENOSPC = [
    "#6 1.594   Write error - write (28: No space left on device)",
    "ERROR: failed to solve: executor failed running [/bin/sh -c apt-get update]: exit code: 100",
]


def test_a_full_disk_is_named_and_never_fails_the_rewrite() -> None:
    # On the shared lab machine the disk filled during a corpus run: six originals "did not
    # build" with no word of why, and a rewrite built at that moment would have read as *fail*.
    full = _side(build_ok=False, probes=[])
    full.build_log_tail = list(_ENOSPC)
    verdict, reasons = _verdict(full, _side())
    assert verdict == "inconclusive"
    assert reasons[0].startswith("the original does not build (the engine ran out of disk space")
    verdict, reasons = _verdict(_side(), full)
    assert verdict == "inconclusive" and "ran out of disk space" in reasons[0]
    broken = _side(build_ok=False, probes=[])
    broken.build_log_tail = ["ERROR: failed to solve: exit code: 1"]
    verdict, reasons = _verdict(_side(), broken)
    assert verdict == "fail" and "disk" not in reasons[0]


def test_an_engine_that_dies_mid_build_never_fails_the_rewrite() -> None:
    # On the lab dockerd panicked in BuildKit's solver ("failed to get edge") while two corpus
    # runs built their rewrites: both said *fail*, "the rewritten Dockerfile does not build
    # (the original does)", with BuildKit's client error as the only cause.
    gone = _side(build_ok=False, probes=[])
    gone.build_errors = [
        "ERROR: failed to receive status: rpc error: code = Unavailable desc = error reading "
        "from server: EOF"
    ]
    verdict, reasons = _verdict(_side(), gone)
    assert verdict == "inconclusive"
    assert "the container engine went away during the build: failed to receive status" in (
        reasons[0]
    )
    assert "`docker info`" in reasons[0] and reasons[0].endswith("nothing was proven")
    verdict, reasons = _verdict(gone, _side())
    assert verdict == "inconclusive" and "engine went away" in reasons[0]
    # A step whose own output talks of connections is the Dockerfile's failure.
    broken = _side(build_ok=False, probes=[])
    broken.build_step_tail = ["rpc error: code = Unavailable (a gRPC client in a test)"]
    broken.build_errors = ["ERROR: failed to solve: exit code: 1"]
    assert _verdict(_side(), broken)[0] == "fail"


def test_a_build_that_timed_out_before_any_step_never_fails_the_rewrite() -> None:
    # verify15: another user's `docker builder prune` held BuildKit; Despair-17/YourBlog's
    # original waited its 900 s at `[1/7] FROM python:3.11-slim` (a local image) and was said
    # not to build. Had it struck the rewrite's build, the verdict was *fail*.
    stuck = _side(build_ok=False, probes=[])
    stuck.build_failed_step = "[1/7] FROM docker.io/library/python:3.11-slim"
    stuck.build_errors = ["ERROR: failed to solve: Canceled: context canceled",
                          "build timed out after 900 s"]
    verdict, reasons = _verdict(_side(), stuck)
    assert verdict == "inconclusive"
    assert reasons[0].startswith(
        "the rewritten Dockerfile does not build (the build timed out after 900 s without "
        "running any step of the Dockerfile, still at `[1/7] FROM "
        "docker.io/library/python:3.11-slim`: the engine was busy"
    )
    verdict, reasons = _verdict(stuck, _side())
    assert verdict == "inconclusive" and "without running any step" in reasons[0]
    stuck.build_failed_step = "[internal] load metadata for docker.io/library/python:3.11"
    assert _verdict(_side(), stuck)[0] == "inconclusive"
    # A RUN step that runs past the bound is the Dockerfile's: the rewrite's fails.
    slow = _side(build_ok=False, probes=[])
    slow.build_failed_step = "[builder 4/9] RUN pip install -r requirements.txt"
    slow.build_errors = ["build timed out after 900 s"]
    assert _verdict(_side(), slow)[0] == "fail"


def test_an_original_that_needs_its_dropped_bind_mount_is_told_so() -> None:
    # testdrivenio/django-celery-project: the Dockerfile COPYs no code, compose mounts `.:/app`;
    # verify drops the mount and the original's log said only "can't open file
    # '/app/manage.py'".
    hint = "compose bind-mounts /src:/app into the app; verify runs the image as built"
    down = _side(probes=[])
    down.serving = "none"
    down.exit_code = 2
    verdict, reasons = decide(down, _side(), {})
    assert verdict == "inconclusive"
    add_hint_to_not_serving(reasons, down, hint)
    assert reasons[0].cause[-1] == hint
    # A serving original, or no dropped mount: nothing added.
    served = _side()
    verdict, reasons = decide(served, _side(), judge_probes(served.probes, served.probes))
    add_hint_to_not_serving(reasons, served, hint)
    assert all(hint not in r.cause for r in reasons)
    verdict, reasons = decide(down, _side(), {})
    add_hint_to_not_serving(reasons, down, None)
    assert hint not in reasons[0].cause


def test_a_missing_env_file_the_build_copies_points_at_its_template(tmp_path: Path) -> None:
    # Ronnie5562/django-celery-boilerplate: the Dockerfile COPYs the gitignored .env; the build
    # failed with `"/.env" not found` while .env.sample sat beside it.
    failed = _side(build_ok=False, probes=[])
    failed.build_errors = [
        'ERROR: failed to solve: failed to compute cache key: "/.env" not found: not found'
    ]
    assert missing_file_hint(failed, tmp_path) is None  # no template: nothing to suggest
    (tmp_path / ".env.sample").write_text("A=1\n", encoding="utf-8")
    assert missing_file_hint(failed, tmp_path) == (
        ".env is not in the context (not committed); .env.sample is its committed template: "
        "`cp .env.sample .env` (and fill it in) before verifying"
    )
    (tmp_path / ".env").write_text("A=1\n", encoding="utf-8")
    assert missing_file_hint(failed, tmp_path) is None  # there after all: another cause
    assert missing_file_hint(_side(), tmp_path) is None


# Django REST framework's browsable API, as DRF-homework served it for an unauthenticated
# GET with `Accept: text/html`: its template carries the debug pages' robots tag too.
_DRF_401 = (
    '<!DOCTYPE html><html><head><meta name="robots" content="NONE,NOARCHIVE" />'
    '<title>Lesson List Create - Django REST framework</title><link rel="stylesheet" '
    'type="text/css" href="/static/rest_framework/css/bootstrap.min.css"/></head><body>'
    '<div class="response-info" aria-label="response info"><pre class="prettyprint">'
    "<span class=\"meta nocode\"><b>HTTP 401 Unauthorized</b></span>"
)


def test_a_rest_framework_error_page_is_not_called_a_django_debug_page() -> None:
    before = _side(probes=[_probe("/materials/lessons/", 401, _DRF_401)])
    after = _side(probes=[_probe("/materials/lessons/", 401, _DRF_401)])
    assert judge_probes(before.probes, after.probes) == {"/materials/lessons/": "proves-little"}
    _, reasons = _verdict(before, after)
    assert "GET /materials/lessons/: both sides answer 401 (the same error)" in reasons[1]
    assert "DEBUG" not in " ".join(reasons)
    # A Django debug page raised inside a DRF view (traceback frames in rest_framework/) is
    # still one.
    debug = _DEBUG_500 + "<td>/opt/venv/lib/python3.11/site-packages/rest_framework/views.py</td>"
    _, reasons = _verdict(
        _side(probes=[_probe("/", 500, debug)]), _side(probes=[_probe("/", 500, debug)])
    )
    assert "(a Django DEBUG error page)" in reasons[1]


def test_an_original_given_an_empty_env_template_is_told_to_fill_it_in() -> None:
    # CR_8_Docker: both sides exited on an empty SECRET_KEY from `.env.sample`; the reason
    # gave Django's traceback only.
    from optimizer.verify import _finish
    from optimizer.verify.report import VerifyOptions
    from optimizer.verify.runplan import RunPlan

    plan = RunPlan(templates=(".env.sample",), blank_template_values=("SECRET_KEY",))
    hint = plan.template_hint()
    assert hint is not None and "`cp .env.sample .env` and fill it in" in hint
    down = _side(probes=[])
    down.serving = "none"
    down.exit_code = 1
    report = VerifyReport(run_id="t", before=down, after=_side(probes=[]))
    report.after.serving = "none"
    _finish(report, VerifyOptions(run_plan=plan))
    assert report.verdict == "inconclusive"
    assert report.verdict_reasons[0].cause[-1] == hint
    # An original that ran with these values: a failing rewrite is not explained by them.
    report = VerifyReport(run_id="t", before=_side(), after=_side(build_ok=False, probes=[]))
    _finish(report, VerifyOptions(run_plan=plan))
    assert report.verdict == "fail"
    assert all(hint not in r.cause for r in report.verdict_reasons)
    # An original that does not build never read the environment (orimi: a base image that
    # could not be pulled): the template is no cause there.
    report = VerifyReport(run_id="t", before=_side(build_ok=False, probes=[]), after=_side())
    _finish(report, VerifyOptions(run_plan=plan))
    assert report.verdict == "inconclusive"
    assert all(hint not in r.cause for r in report.verdict_reasons)
    # No baseline (`init --verify`): a new image that does not answer gets it.
    report = VerifyReport(run_id="t", before=None, after=_side(probes=[]))
    report.after.serving = "none"
    _finish(report, VerifyOptions(run_plan=plan))
    assert report.verdict != "pass" and report.verdict_reasons[0].cause[-1] == hint


def test_a_registry_that_does_not_answer_never_fails_the_rewrite() -> None:
    # orimi: `COPY --from=ghcr.io/astral-sh/uv:latest` and no registry reachable; on a machine
    # without network a rewrite that pulls python:3.11-slim would have been called broken.
    offline = _side(build_ok=False, probes=[])
    offline.build_errors = [
        'ERROR: failed to solve: failed to load cache key: failed to do request: Head "https://'
        'ghcr.io/v2/astral-sh/uv/manifests/latest": dial tcp: lookup ghcr.io on 10.0.0.53:53: '
        "no such host"
    ]
    verdict, reasons = _verdict(offline, _side())
    assert verdict == "inconclusive"
    assert reasons[0].startswith(
        "the original does not build (the build could not fetch image "
        "ghcr.io/astral-sh/uv:latest: its registry does not answer from this engine; "
        "`docker pull ghcr.io/astral-sh/uv:latest` where it does"
    )
    slim = _side(build_ok=False, probes=[])
    slim.build_errors = [
        "ERROR: failed to solve: python:3.11-slim: failed to resolve source metadata for "
        "docker.io/library/python:3.11-slim: failed to do request: Head \"https://registry-1."
        'docker.io/v2/library/python/manifests/3.11-slim": dial tcp: i/o timeout'
    ]
    verdict, reasons = _verdict(_side(), slim)
    assert verdict == "inconclusive"
    assert "could not fetch image python:3.11-slim" in reasons[0]
    # A name the registry does not know is the Dockerfile's: the rewrite fails.
    unknown = _side(build_ok=False, probes=[])
    unknown.build_errors = [
        "ERROR: failed to solve: python:3.11-slim-nope: docker.io/library/python:3.11-slim-nope:"
        " not found"
    ]
    assert _verdict(_side(), unknown)[0] == "fail"


def test_the_browsable_apis_allow_header_is_compared_whatever_its_order() -> None:
    # joebonneau/django-celery-redis: DRF's `@api_view` builds the methods from a set, so the
    # browsable API page printed `OPTIONS, GET` on one side and `GET, OPTIONS` on the other
    # (string hashing differs per process), and verify failed on that alone.
    page = (
        '<div class="response-info" aria-label="response info"><pre class="prettyprint">'
        '<span class="meta nocode"><b>HTTP 200 OK</b>\n<b>Allow:</b> <span class="lit">{}'
        "</span>\n<b>Content-Type:</b> <span class=\"lit\">application/json</span>"
    )
    one, other = page.format("OPTIONS, GET"), page.format("GET, OPTIONS")
    assert normalize_body(one) == normalize_body(other)
    assert normalize_body(page.format("GET, OPTIONS")) != normalize_body(page.format("GET, POST"))
