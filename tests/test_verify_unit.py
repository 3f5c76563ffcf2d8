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
    compare_probes,
    decide,
    detect_port,
    make_probe,
    normalize_body,
    normalize_location,
    pick_touch_file,
    port_from_command,
)

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
    side = SideReport(build_ok=build_ok, image_size=size, port=8000)
    side.serving = (
        "host" if serving == "host" else "container" if serving == "container" else "none"
    )
    side.probes = probes if probes is not None else [_probe("/", 200)]
    return side


def _verdict(before: SideReport, after: SideReport) -> list[str]:
    return decide(before, after, compare_probes(before.probes, after.probes))


def test_equal_smaller_reachable_passes() -> None:
    assert _verdict(_side(size=900), _side(size=300)) == []


def test_original_that_does_not_build_fails() -> None:
    reasons = _verdict(_side(build_ok=False, size=None, serving="none"), _side())
    assert reasons == ["original does not build"]


def test_rewrite_that_does_not_build_fails() -> None:
    reasons = _verdict(_side(), _side(build_ok=False, size=None, serving="none", probes=[]))
    assert reasons == ["rewritten Dockerfile does not build"]


def test_different_response_fails() -> None:
    before = _side(probes=[_probe("/", 200), _probe("/admin/login/", 200, "form")])
    after = _side(probes=[_probe("/", 200), _probe("/admin/login/", 500, "Server Error")])
    reasons = _verdict(before, after)
    assert len(reasons) == 1
    assert "/admin/login/" in reasons[0] and "500" in reasons[0]


def test_different_body_fails_with_a_pointer_to_the_difference() -> None:
    reasons = _verdict(
        _side(probes=[_probe("/", 200, "hello")]), _side(probes=[_probe("/", 200, "help")])
    )
    assert reasons and "body differs at character 3" in reasons[0]


def test_larger_rewrite_fails() -> None:
    reasons = _verdict(_side(size=100), _side(size=200))
    assert reasons == ["rewritten image is larger (200 > 100 bytes)"]


def test_rewrite_unreachable_from_host_fails() -> None:
    after = _side(serving="container", probes=[_probe("/", 200, via="container")])
    reasons = _verdict(_side(), after)
    assert any("not on published port" in r for r in reasons)


def test_rewrite_serving_nothing_fails() -> None:
    reasons = _verdict(_side(), _side(serving="none", probes=[]))
    assert any("does not answer HTTP" in r for r in reasons)


def test_original_reachable_only_inside_is_compared_and_passes() -> None:
    before = _side(serving="container", probes=[_probe("/", 200, via="container")])
    assert _verdict(before, _side(size=10)) == []


def test_original_serving_nothing_needs_rewrite_to_serve_without_errors() -> None:
    before = _side(serving="none", probes=[])
    assert _verdict(before, _side()) == []
    reasons = _verdict(before, _side(probes=[_probe("/", 500, "boom")]))
    assert reasons == ["GET /: rewritten container answers 500"]


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
