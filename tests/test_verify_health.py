"""Healthchecks under verify (optimizer/verify/health.py, services.py), without an engine.

The messages below are what the lab engine (Docker 20.10, runc) printed for `docker exec` in a
python:3.11-slim container, which has no curl: a shell-form test with `|| exit 1` exits 1, not
127, so the program that could not run is read from the message.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from optimizer import engine
from optimizer.compose import ComposeProject, Service
from optimizer.context import DjangoProject
from optimizer.verify import health, services
from optimizer.verify.compare import decide
from optimizer.verify.report import HealthcheckRun, ProbeResult, SideReport
from optimizer.verify.runplan import Flags, ServiceSpec, derive

OCI_PATH = (
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": '
    "executable file not found in $PATH: unknown\r\n"
)
OCI_ABSOLUTE = (
    'OCI runtime exec failed: exec failed: unable to start container process: exec: '
    '"/usr/bin/curl": stat /usr/bin/curl: no such file or directory: unknown\r\n'
)
OCI_DENIED = (
    'OCI runtime exec failed: exec failed: unable to start container process: exec: '
    '"/etc/passwd": permission denied: unknown\r\n'
)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("/bin/sh: 1: curl: not found\n", ("curl", "missing")),
        ("bash: line 1: curl: command not found\n", ("curl", "missing")),
        ("sh: wget: not found\n", ("wget", "missing")),  # busybox
        ("bash: /usr/bin/curl: No such file or directory\n", ("/usr/bin/curl", "missing")),
        ("/usr/bin/env: 'curl': No such file or directory\n", ("curl", "missing")),
        (OCI_PATH, ("curl", "missing")),
        (OCI_ABSOLUTE, ("/usr/bin/curl", "missing")),
        ("/bin/sh: 1: /etc/passwd: Permission denied\n", ("/etc/passwd", "not executable")),
        (OCI_DENIED, ("/etc/passwd", "not executable")),
        # The program ran and complained: not a missing program.
        ("curl: (7) Failed to connect to localhost port 8000: Connection refused\n", None),
        ("cat: /app/health: No such file or directory\n", None),
        ("sh: 1: cannot create /x: Permission denied\n", None),
        ("/var/run/postgresql:5432 - no response\n", None),
        ("", None),
    ],
)
def test_unrunnable_reads_the_shells_and_the_runtimes_words(
    output: str, expected: tuple[str, str] | None
) -> None:
    assert health.unrunnable(output) == expected


def test_display_and_command_follow_dockers_forms() -> None:
    assert health.display(["CMD-SHELL", "curl -f http://localhost:8000/ || exit 1"]) == (
        "curl -f http://localhost:8000/ || exit 1"
    )
    assert health.display(["CMD", "curl", "-f", "http://x/a b"]) == "curl -f 'http://x/a b'"
    assert health.healthcheck_command(["CMD", "curl", "-f", "x"]) == ["curl", "-f", "x"]
    assert services.healthcheck_command is health.healthcheck_command


def test_the_compose_services_healthcheck_replaces_the_images() -> None:
    image = ["CMD-SHELL", "curl -f localhost:8000"]
    compose = ["CMD", "python", "-c", "print(1)"]
    assert health.declared(image, None, None) == ("image", image)
    assert health.declared(None, None, None) is None
    assert health.declared(image, compose, "compose service web") == (
        "compose service web",
        compose,
    )
    # `healthcheck: disable: true` on the app service: nothing runs.
    assert health.declared(image, None, "compose service web") is None


def test_the_images_healthcheck_test_as_the_engine_stores_it() -> None:
    test = engine._healthcheck_test
    assert test({"Test": ["CMD-SHELL", "curl -f x"], "Interval": 30}) == ["CMD-SHELL", "curl -f x"]
    assert test({"Test": ["NONE"]}) is None  # HEALTHCHECK NONE
    assert test(None) is None
    assert test({"Interval": 30}) is None


# -- the app's healthcheck: the decision ---------------------------------------------------------

CURL = ["CMD-SHELL", "curl -f http://localhost:8000/ || exit 1"]


def passed(test: list[str] = CURL, source: str = "image") -> HealthcheckRun:
    return HealthcheckRun(source, test, ran=True, exit_code=0, tries=1)


def missing(test: list[str] = CURL, source: str = "image") -> HealthcheckRun:
    return HealthcheckRun(
        source,
        test,
        ran=True,
        exit_code=1,
        output_tail=["/bin/sh: 1: curl: not found"],
        tries=1,
        tool="curl",
        tool_problem="missing",
    )


def failing(code: int = 22) -> HealthcheckRun:
    return HealthcheckRun("image", CURL, ran=True, exit_code=code, tries=3)


def serving(check: HealthcheckRun | None) -> SideReport:
    probe = ProbeResult("/", status=200, body="<html>ok</html>", via="host")
    return SideReport(
        build_tried=True,
        build_ok=True,
        started=True,
        serving="host",
        port=8000,
        image_size=100,
        probes=[probe],
        healthcheck=check,
    )


def test_a_program_missing_only_from_the_rewrite_fails_verify_naming_it() -> None:
    verdict, reasons = decide(serving(passed()), serving(missing()), {"/": "same"})
    assert verdict == "fail"
    [reason] = reasons
    assert reason.text == (
        "the rewritten image's HEALTHCHECK `curl -f http://localhost:8000/ || exit 1` cannot "
        "run: curl is not in the image (exit 1); it passes on the original"
    )
    assert reason.cause[0] == "/bin/sh: 1: curl: not found"
    assert "install curl" in reason.cause[-1]


def test_a_healthcheck_that_fails_only_on_the_rewrite_fails_verify() -> None:
    verdict, reasons = decide(serving(passed()), serving(failing(7)), {"/": "same"})
    assert verdict == "fail"
    assert [r.text for r in reasons] == [
        "the rewritten image's HEALTHCHECK `curl -f http://localhost:8000/ || exit 1` fails "
        "(exit 7); it passes on the original"
    ]


def test_the_tool_gone_on_the_rewrite_fails_even_when_the_originals_check_failed() -> None:
    # The original's curl ran (and got a 500, say); the rewrite cannot run it at all.
    verdict, reasons = decide(serving(failing(22)), serving(missing()), {"/": "same"})
    assert verdict == "fail"
    assert "curl is not in the image" in reasons[0].text
    assert "on the original it runs (and fails, exit 22)" in reasons[0].text


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (passed(), passed()),
        (failing(22), failing(22)),  # the original's own defect
        (missing(), missing()),  # the original lacks curl too
        (None, None),
    ],
)
def test_what_the_rewrite_did_not_break_does_not_fail_it(
    before: HealthcheckRun | None, after: HealthcheckRun | None
) -> None:
    verdict, reasons = decide(serving(before), serving(after), {"/": "same"})
    assert (verdict, reasons) == ("pass", [])


def test_the_originals_own_failure_is_a_note() -> None:
    said = health.notes(serving(missing()), serving(missing()))
    assert said == [
        "HEALTHCHECK fails on the original too, not the rewrite's doing: "
        "`curl -f http://localhost:8000/ || exit 1` cannot run: curl is not in the image (exit 1)"
    ]
    assert health.notes(serving(passed()), serving(passed())) == [
        "HEALTHCHECK `curl -f http://localhost:8000/ || exit 1` passes on both"
    ]


def test_a_healthcheck_the_rewrite_adds_or_drops() -> None:
    verdict, reasons = decide(serving(None), serving(missing()), {"/": "same"})
    assert verdict == "fail"
    assert reasons[0].text.startswith("the rewrite adds a HEALTHCHECK that fails: `curl")
    verdict, reasons = decide(serving(passed()), serving(None), {"/": "same"})
    assert verdict == "fail"
    assert reasons[0].text.startswith("the rewritten image has no HEALTHCHECK")


def test_a_compose_healthcheck_is_named_as_such() -> None:
    test = ["CMD", "curl", "-f", "http://localhost:8000/"]
    source = "compose service web"
    verdict, reasons = decide(
        serving(passed(test, source)), serving(missing(test, source)), {"/": "same"}
    )
    assert verdict == "fail"
    assert reasons[0].text.startswith(
        "the rewritten image's healthcheck (compose service web) `curl -f http://localhost:8000/`"
    )


def test_not_run_when_nothing_served_is_not_judged() -> None:
    not_run = HealthcheckRun("image", CURL)
    assert health.judge(serving(passed()), serving(not_run)) == []
    assert health.judge_alone(serving(not_run)) == []


def test_with_no_baseline_a_failing_healthcheck_fails() -> None:
    verdict, reasons = decide(None, serving(missing()), {"/": "answers"})
    assert verdict == "fail"
    assert reasons[0].text.startswith("the image's HEALTHCHECK `curl")
    assert decide(None, serving(passed()), {"/": "answers"}) == ("pass", [])


# -- running it --------------------------------------------------------------------------------


def test_run_retries_until_it_passes_and_stops_at_a_missing_program(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = iter([(7, "curl: (7) Failed to connect\n"), (0, "ok\n")])
    seen: list[list[str]] = []

    def exec_in(_container: Any, command: list[str]) -> tuple[int, str]:
        seen.append(command)
        return next(answers)

    monkeypatch.setattr(health.engine, "exec_in", exec_in)
    monkeypatch.setattr(health, "_GAP", 0.01)
    result = health.run("c", "image", CURL)
    assert (result.ok, result.tries, result.exit_code) == (True, 2, 0)
    assert seen[0] == ["/bin/sh", "-c", "curl -f http://localhost:8000/ || exit 1"]

    calls: list[int] = []

    def no_curl(_container: Any, _command: list[str]) -> tuple[int, str]:
        calls.append(1)
        return 1, "/bin/sh: 1: curl: not found\n"

    monkeypatch.setattr(health.engine, "exec_in", no_curl)
    result = health.run("c", "image", CURL)
    assert (result.ok, result.tool, result.tool_problem, len(calls)) == (
        False,
        "curl",
        "missing",
        1,
    )


def test_a_hanging_healthcheck_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    def hangs(_container: Any, _command: list[str]) -> tuple[int, str]:
        time.sleep(2)
        return 0, ""

    monkeypatch.setattr(health.engine, "exec_in", hangs)
    started = time.monotonic()
    result = health.run("c", "image", CURL, budget=0.3)
    assert time.monotonic() - started < 1.5
    assert (result.ok, result.exit_code) == (False, None)
    assert result.output_tail == ["did not finish within 0.3 s"]


# -- service containers: a stand-in without the program keeps the TCP check, and says so -------


def _await(monkeypatch: pytest.MonkeyPatch, spec: ServiceSpec, answer: tuple[int, str]) -> Any:
    status = services.ServiceStatus(spec.name, spec.image, "c")
    real_sleep = time.sleep
    monkeypatch.setattr(services.time, "sleep", lambda _s: real_sleep(0.01))
    monkeypatch.setattr(services.engine, "is_running", lambda _c: True)
    monkeypatch.setattr(services.engine, "host_port", lambda _c, port: 40000 + port)
    monkeypatch.setattr(services, "tcp_ready", lambda _port, _image: True)
    monkeypatch.setattr(services.engine, "exec_in", lambda _c, _cmd: answer)
    monkeypatch.setattr(services.engine, "logs_tail", lambda _c, _n: [])
    services.await_ready((spec,), {spec.name: "c"}, [status], time.monotonic(), timeout=0.5)
    return status


def test_a_stand_in_without_pg_isready_is_checked_by_tcp_and_the_report_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `|| exit 1` turns the shell's 127 into 1: before, the service never got ready.
    spec = ServiceSpec(
        "db", "postgres:15", port=5432, healthcheck=["CMD-SHELL", "pg_isready -U app || exit 1"]
    )
    status = _await(monkeypatch, spec, (1, "/bin/sh: 1: pg_isready: not found\n"))
    assert status.ready and status.error is None
    assert status.health_note == (
        "its compose healthcheck `pg_isready -U app || exit 1` cannot run: pg_isready is not in "
        "image postgres:15 (exit 1); readiness was checked by TCP instead (port 5432 answering "
        "to an SSLRequest)"
    )
    assert status.to_dict()["health_note"] == status.health_note


def test_an_exec_form_test_whose_program_is_missing_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = ServiceSpec("cache", "redis:7", port=6379, healthcheck=["CMD", "redis-cli", "ping"])
    oci = OCI_PATH.replace('"curl"', '"redis-cli"')
    status = _await(monkeypatch, spec, (126, oci))
    assert status.ready
    assert "redis-cli is not in image redis:7 (exit 126)" in (status.health_note or "")
    assert "to a PING" in (status.health_note or "")


def test_a_healthcheck_that_runs_and_fails_still_holds_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = ServiceSpec("db", "postgres:15", port=5432, healthcheck=["CMD-SHELL", "pg_isready"])
    status = _await(monkeypatch, spec, (2, "/var/run/postgresql:5432 - no response\n"))
    assert not status.ready and status.health_note is None
    assert "its compose healthcheck still fails" in (status.error or "")


# -- the plan carries the app service's own healthcheck -----------------------------------------


def _plan(healthcheck: dict[str, Any] | None) -> Any:
    root = Path("/proj")
    app = Service(
        name="web", build_context=root, dockerfile=root / "Dockerfile", healthcheck=healthcheck
    )
    compose = ComposeProject(root, (root / "docker-compose.yml",), {"web": app})
    return derive(
        DjangoProject(root=root, manage_py="manage.py"),
        "FROM python:3.11\nCMD gunicorn a.wsgi\n",
        Flags(),
        compose,
        root / "Dockerfile",
    )


def test_the_app_services_compose_healthcheck_is_in_the_plan() -> None:
    plan = _plan({"test": ["CMD", "curl", "-f", "http://localhost:8000/"]})
    assert plan.app_healthcheck == ("CMD", "curl", "-f", "http://localhost:8000/")
    assert plan.app_healthcheck_source == "compose service web"
    disabled = _plan({"disable": True})
    assert (disabled.app_healthcheck, disabled.app_healthcheck_source) == (
        None,
        "compose service web",
    )
    # Only timings: the image's test still runs.
    timings = _plan({"interval": "10s", "retries": 3})
    assert (timings.app_healthcheck, timings.app_healthcheck_source) == (None, None)
    assert _plan(None).app_healthcheck_source is None
