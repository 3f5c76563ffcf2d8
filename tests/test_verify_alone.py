"""Verify with no baseline (`dj-optimize init --verify`, `--baseline none`): the new image alone.

The verdict rules (compare.judge_alone / decide_alone), the report with one column, the sides
(inputs.alone_sides), and `_finish` / `verify` carrying a report whose `before` is None. No
engine: the engine tests are in tests/test_init_verify_e2e.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from optimizer.verify import Reason, SideReport, VerifyOptions, VerifyReport, verify
from optimizer.verify import _finish as finish
from optimizer.verify.compare import decide, decide_alone, judge_alone, judge_probes
from optimizer.verify.inputs import NO_BASELINE, alone_sides
from optimizer.verify.probes import make_probe
from optimizer.verify.render import render_report
from optimizer.verify.report import ProbeResult, Serving

_DEBUG_500 = (
    '<html><head><meta name="robots" content="NONE,NOARCHIVE">'
    "<title>OperationalError at /</title></head><body>Traceback</body></html>"
)
_ADMIN_LOGIN = (
    "<html><head><title>Log in | Django site admin</title>"
    '<meta name="robots" content="NONE,NOARCHIVE"></head><body><form id="login-form">'
)


def _probe(path: str, status: int | None, body: str = "ok", location: str | None = None) -> (
    ProbeResult
):
    if status is None:
        return ProbeResult(path=path, error="ConnectionRefusedError")
    return make_probe(path, status, location, body.encode(), "host")


def _image(
    *probes: ProbeResult,
    build_ok: bool = True,
    serving: Serving = "host",
    started: bool | None = True,
) -> SideReport:
    side = SideReport(build_tried=True, build_ok=build_ok, image_size=1000, port=8000)
    side.started = started
    side.serving = serving
    side.probes = list(probes)
    return side


def _verdict(side: SideReport) -> tuple[str, list[str]]:
    verdict, reasons = decide(None, side, judge_probes(None, side.probes))
    return verdict, [r.text for r in reasons]


# -- what each probe shows -----------------------------------------------------------------------


def test_judge_alone_counts_pages_and_redirects_as_answers_and_errors_as_errors() -> None:
    probes = [
        _probe("/", 200, "home"),
        _probe("/login/", 302, "", location="/accounts/login/"),
        _probe("/admin/login/", 200, _ADMIN_LOGIN),  # the admin's robots tag is no error page
        _probe("/missing/", 404, "Not Found"),
        _probe("/boom/", 500, _DEBUG_500),
        _probe("/bad-host/", 400, "Bad Request"),
        _probe("/gone/", None),
    ]
    assert judge_alone(probes) == {
        "/": "answers",
        "/login/": "answers",
        "/admin/login/": "answers",
        "/missing/": "error",
        "/boom/": "error",
        "/bad-host/": "error",
        "/gone/": "no-answer",
    }
    # judge_probes with no baseline is judge_alone.
    assert judge_probes(None, probes) == judge_alone(probes)


# -- the verdict ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "probes",
    [
        [_probe("/", 200, "home")],
        [_probe("/", 404, "Not Found"), _probe("/admin/login/", 200, _ADMIN_LOGIN)],
        [_probe("/", 302, "", location="/accounts/login/")],
    ],
    ids=["200-on-root", "one-success-is-enough", "redirect"],
)
def test_builds_starts_and_one_success_passes(probes: list[ProbeResult]) -> None:
    assert _verdict(_image(*probes)) == ("pass", [])


def test_only_error_answers_fail_and_name_each_probe_with_the_logs() -> None:
    side = _image(_probe("/", 500, _DEBUG_500), _probe("/admin/login/", 404, "Not Found"))
    side.container_log_tail = ["django.db.utils.OperationalError: no such table: auth_user"]
    verdict, reasons = decide_alone(side, judge_alone(side.probes))
    assert verdict == "fail"
    assert [r.text for r in reasons] == [
        "no probe answered with a success (a status below 400): name a path that does with "
        "--probe",
        "GET /: a Django DEBUG error page",
        "GET /admin/login/: 404",
    ]
    assert reasons[-1].cause[-1] == "django.db.utils.OperationalError: no such table: auth_user"


def test_no_answer_at_all_fails() -> None:
    verdict, reasons = _verdict(_image(_probe("/", None)))
    assert verdict == "fail"
    assert reasons[1] == "GET /: nothing (ConnectionRefusedError)"


def test_a_dockerfile_that_does_not_build_fails_with_the_failing_step() -> None:
    side = _image(build_ok=False, serving="none", started=None)
    side.build_failed_step = "[3/6] RUN pip install -r requirements.txt"
    side.build_step_tail = ["ERROR: No matching distribution found for Djangoo"]
    verdict, reasons = decide_alone(side, {})
    assert verdict == "fail"
    assert reasons[0].text == "the Dockerfile does not build"
    assert reasons[0].cause == [
        "failing step: [3/6] RUN pip install -r requirements.txt",
        "ERROR: No matching distribution found for Djangoo",
    ]


def test_a_full_disk_is_inconclusive_not_the_dockerfiles_fault() -> None:
    side = _image(build_ok=False, serving="none", started=None)
    side.build_errors = ["ERROR: failed to copy: write /var/lib/x: No space left on device"]
    verdict, reasons = _verdict(side)
    assert verdict == "inconclusive"
    assert reasons[0].startswith("the image does not build (the engine ran out of disk space")


def test_a_container_that_exits_fails_with_its_status_and_logs() -> None:
    side = _image(serving="none")
    side.exit_code = 1
    side.container_log_tail = ["RuntimeError: settings broken"]
    verdict, reasons = decide_alone(side, {})
    assert verdict == "fail"
    assert reasons[0].text == "the container does not answer HTTP on port 8000"
    assert "the container exited with status 1" in reasons[0].cause
    assert reasons[0].cause[-1] == "RuntimeError: settings broken"


def test_a_container_that_does_not_start_fails() -> None:
    side = _image(serving="none", started=False)
    side.start_error = "exec: gunicorn: not found"
    verdict, reasons = decide_alone(side, {})
    assert (verdict, reasons[0].text) == ("fail", "the container does not start")
    assert reasons[0].cause[0] == "exec: gunicorn: not found"


def test_answering_only_inside_the_container_fails() -> None:
    verdict, reasons = _verdict(_image(_probe("/", 200), serving="container"))
    assert verdict == "fail"
    assert reasons == [
        "the container answers only inside itself, not on published port 8000 "
        "(bound to 127.0.0.1?)"
    ]


def test_a_failing_pre_step_fails_even_when_the_app_answers() -> None:
    side = _image(_probe("/", 200))
    side.pre_step = {
        "command": ["python", "manage.py", "migrate", "--noinput"],
        "ok": False,
        "log_tail": ["django.db.utils.OperationalError: could not connect"],
    }
    verdict, reasons = decide_alone(side, judge_alone(side.probes))
    assert verdict == "fail"
    assert reasons[0].text.startswith(
        "the pre-step (python manage.py migrate --noinput) fails on the image"
    )
    assert reasons[0].cause == ["django.db.utils.OperationalError: could not connect"]
    side.pre_step["ok"] = True
    assert decide_alone(side, judge_alone(side.probes)) == ("pass", [])


def test_finish_with_no_baseline_judges_the_one_image() -> None:
    report = VerifyReport("djopt-x", None, _image(_probe("/", 200, "home")))
    finish(report, VerifyOptions())
    assert (report.verdict, report.passed) == ("pass", True)
    assert report.probe_verdicts == {"/": "answers"}
    assert report.size_saving_bytes is None  # nothing to compare with


def test_finish_with_no_baseline_is_inconclusive_when_services_never_came_up() -> None:
    report = VerifyReport("djopt-x", None, _image(_probe("/", 500, _DEBUG_500)))
    report.inconclusive = ["the services did not become ready (postgres): nothing was proven"]
    finish(report, VerifyOptions())
    assert report.verdict == "inconclusive"
    assert report.reasons[0] == report.inconclusive[0]


def test_verify_with_no_baseline_and_no_engine_is_inconclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("optimizer.engine.engine_available", lambda: False)
    report = verify(tmp_path, None, {"Dockerfile": "FROM scratch\n"}, VerifyOptions())
    assert report.before is None and report.verdict == "inconclusive"
    assert report.to_dict()["before"] is None


def test_verify_with_no_baseline_still_checks_the_new_sides_paths(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="after has no 'Dockerfile' entry"):
        verify(tmp_path, None, {".dockerignore": ".git\n"}, VerifyOptions())


# -- the sides -----------------------------------------------------------------------------------


def test_alone_sides_overlay_the_new_files(tmp_path: Path) -> None:
    sides = alone_sides(
        tmp_path / "Dockerfile",
        tmp_path,
        "FROM python:3.13-slim\n",
        {"Dockerfile": "stale", ".dockerignore": ".git\n"},
    )
    assert sides.before is None and sides.description == NO_BASELINE == "none"
    assert sides.after == {"Dockerfile": "FROM python:3.13-slim\n", ".dockerignore": ".git\n"}
    assert (sides.dockerfile, sides.outside) == ("Dockerfile", False)


def test_alone_sides_of_a_dockerfile_outside_the_context(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "backend").mkdir()
    sides = alone_sides(
        tmp_path / "deploy" / "Dockerfile",
        tmp_path / "backend",
        "FROM scratch\n",
        {"../deploy/Dockerfile": "FROM scratch\n"},
    )
    assert sides.after == {"Dockerfile": "FROM scratch\n"}
    assert sides.outside is True


# -- the report ----------------------------------------------------------------------------------


def _render(report: VerifyReport) -> str:
    console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    render_report(console, report.to_dict())
    return console.export_text()


def test_report_with_no_baseline_has_one_column_and_says_so() -> None:
    side = _image(_probe("/", 200, "home"), _probe("/admin/login/", 404, "Not Found"))
    side.uid, side.stopped_on_sigterm, side.bytes_above_base = 10001, True, 31_200_000
    report = VerifyReport("djopt-x", None, side)
    report.probe_verdicts = judge_alone(side.probes)
    report.set_verdict("pass", [])
    report.cleaned_up = True
    data = report.to_dict()
    json.dumps(data)
    assert data["before"] is None and data["after"]["serves"] is True
    text = _render(report)
    assert text.startswith("baseline: none (the new image alone: does it build, start and answer?)")
    assert "verify (baseline: none)" in text
    header = next(line for line in text.splitlines() if "image" in line and "┃" in line)
    assert "before" not in header and "after" not in header
    assert "probes answered with a success │ 1 of 2 (/)" in text
    assert "runs as uid                    │ 10001" in text
    assert "size saving" not in text
    assert "verify: PASS (baseline: none)" in text
    assert "None" not in text


def test_report_with_no_baseline_that_did_not_build_shows_the_reason() -> None:
    side = _image(build_ok=False, serving="none", started=None)
    report = VerifyReport("djopt-x", None, side)
    report.set_verdict("fail", [Reason("the Dockerfile does not build", ["failing step: [2/3]"])])
    text = _render(report)
    assert "verify: FAIL (baseline: none)" in text
    assert "  - the Dockerfile does not build" in text
    assert "┃" not in text  # no table for an image that was never built


def test_github_annotation_says_baseline_none() -> None:
    from optimizer.output import github
    from optimizer.pipeline import optimize

    examples = Path(__file__).parent.parent / "examples" / "01-tutorial"
    outcome = optimize(examples / "Dockerfile")
    passed = github(outcome, {"baseline": "none", "reasons": []}, True)
    assert passed[-1].endswith("::verify passed (baseline: none)")
    report = {"baseline": "none", "reasons": ["the Dockerfile does not build"]}
    failed = github(outcome, report, False)
    assert failed[-1].endswith("::verify failed (baseline: none): the Dockerfile does not build")


# -- the default command: --baseline none --------------------------------------------------------


def test_main_command_baseline_none_verifies_the_file_on_disk_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from typer.testing import CliRunner

    from optimizer.cli import app

    root = tmp_path / "tutorial"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "01-tutorial", root)
    on_disk = (root / "Dockerfile").read_text()
    seen: list[object] = []

    def fake(outcome, sides, settings, as_json, err):  # type: ignore[no-untyped-def]
        seen.append(sides)
        return {"verdict": "pass", "verdict_reasons": [], "reasons": [], "before": None,
                "after": {}, "notes": []}, True

    monkeypatch.setattr("optimizer.cli.run_verify", fake)
    runner = CliRunner()
    result = runner.invoke(app, ["--baseline", "none", str(root / "Dockerfile")])
    assert result.exit_code == 1, result.output  # changes proposed, the file on disk verified
    assert f"verifying {root / 'Dockerfile'} as it is on disk, with no baseline" in result.output
    assert "verify: PASS (baseline: none)" in result.output
    (sides,) = seen
    assert sides.before is None  # type: ignore[attr-defined]
    assert sides.after == {"Dockerfile": on_disk}  # type: ignore[attr-defined]
    github = runner.invoke(
        app, ["--baseline", "none", "--format", "github", str(root / "Dockerfile")]
    )
    assert github.stdout.splitlines()[-1].endswith("::verify passed (baseline: none)")
    as_json = runner.invoke(app, ["--baseline", "none", "--json", str(root / "Dockerfile")])
    data = json.loads(as_json.stdout)
    assert data["verify"]["baseline"] == "none" and data["verdict"] == "pass"
