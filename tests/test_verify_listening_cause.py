"""A server that logged it was listening yet answered no probe (optimizer/verify/compare.py).

duckinzzz/duckinzzz.ru run 3: gunicorn logged "Listening at: http://0.0.0.0:8000" and ran
66 s while the machine was busy, answering no probe within the 60 s wait: "the original does not
answer HTTP on port 8000", with "the container exited with status 0" (verify had stopped it).
The same tree passed in the next run. On the rewrite alone, that reads as a broken image.
"""

from __future__ import annotations

from optimizer.verify.compare import decide
from optimizer.verify.probes import make_probe
from optimizer.verify.report import SideReport


def _side(serving: str, log: list[str]) -> SideReport:
    side = SideReport(build_tried=True, build_ok=True, image_size=1000, port=8000)
    side.serving = serving  # type: ignore[assignment]
    side.container_log_tail = log
    side.probes = [make_probe("/", 200, None, b"ok", "host")] if serving == "host" else []
    return side


GUNICORN = [
    "[2026-12-02 20:45:10 +0000] [1] [INFO] Starting gunicorn 27.0.1",
    "[2026-12-02 20:45:10 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)",
    "[2026-12-02 20:45:10 +0000] [8] [INFO] Booting worker with pid: 8",
]


def test_a_rewrite_that_listened_but_answered_late_says_so() -> None:
    verdict, reasons = decide(_side("host", []), _side("none", GUNICORN), {})
    assert verdict == "fail"
    assert reasons[0].text.startswith("the rewritten container does not answer HTTP")
    assert any(
        line.startswith("its log says the server was listening (`[2026-12-02 20:45:10 +0000] "
                        "[1] [INFO] Listening at: http://0.0.0.0:8000 (1)`) but it answered no")
        and line.endswith("on a busy machine, run verify again")
        for line in reasons[0].cause
    ), reasons[0].cause


def test_no_such_line_for_a_server_that_never_listened() -> None:
    log = ["Traceback (most recent call last):", "ModuleNotFoundError: No module named 'x'"]
    _, reasons = decide(_side("none", log), _side("host", []), {})
    assert not any("was listening" in line for line in reasons[0].cause)
    # A server that answers is not described so, whatever its log says.
    verdict, _ = decide(_side("host", GUNICORN), _side("host", GUNICORN), {})
    assert verdict != "fail"


def test_a_container_verify_stopped_is_not_said_to_have_exited() -> None:
    """Zakodirovannie/vstrechya-backend r3: the entrypoint retried `makemigrations` forever
    (`until python manage.py makemigrations; do sleep 2; done`) on a settings error, and the
    cause said "the container exited with status 137": the status of verify's own docker stop."""
    stopped = _side("none", ["ValueError: invalid literal for int() with base 10: ''",
                             "Waiting for making migrations"])
    stopped.exit_code, stopped.stop_seconds = 137, 10.2
    _, reasons = decide(stopped, _side("host", []), {})
    cause = reasons[0].cause
    assert not any(line.startswith("the container exited with status") for line in cause), cause
    assert any(line.startswith("the container was still running, not answering, when verify "
                               "stopped it") and "(status 137 after docker stop)" in line
               for line in cause), cause
    # One that exited by itself is still said so.
    exited = _side("none", ["Traceback (most recent call last):"])
    exited.exit_code = 1
    _, reasons = decide(exited, _side("host", []), {})
    assert "the container exited with status 1" in reasons[0].cause
