"""The cause of a failed build shows the step's error line even when it sits in the part of
the step's tail that the cause does not show (compare.build_cause).

iqbaldft/django-mariadb-docker's original fails in `pip install mysqlclient` with `Exception:
Can not find valid pkg-config name.`, 13 lines from the step's end, above pip's generic
"subprocess-exited-with-error" block and two `[notice]` lines: BuildLog keeps apart only the
error lines above its 15-line tail, the cause showed the last 12, and the one line that says
what to do was in neither. No engine.
"""

from __future__ import annotations

from optimizer.engine import BuildLog
from optimizer.verify.compare import build_cause
from optimizer.verify.report import SideReport

STEP = "[5/5] RUN pip install -r requirements.txt"
OUTPUT = [
    "  Collecting mysqlclient",
    "  error: subprocess-exited-with-error",
    "      Trying pkg-config --exists mysqlclient",
    "      Command 'pkg-config --exists mysqlclient' returned non-zero exit status 127.",
    "      Exception: Can not find valid pkg-config name.",
    "      Specify MYSQLCLIENT_CFLAGS and MYSQLCLIENT_LDFLAGS env vars manually",
    "      [end of output]",
    "  ",
    "  note: This error originates from a subprocess, and is likely not a problem with pip.",
    "error: subprocess-exited-with-error",
    "",
    "\u00d7 Getting requirements to build wheel did not run successfully.",
    "│ exit code: 1",
    "╰─> See above for output.",
    "",
    "note: This error originates from a subprocess, and is likely not a problem with pip.",
    "",
    "[notice] A new release of pip is available: 24.0 -> 26.3",
    "[notice] To update, run: pip install --upgrade pip",
]


def _failed_side() -> SideReport:
    log = BuildLog()
    log.feed(f"#9 {STEP}")
    for line in OUTPUT:
        log.feed(f"#9 36.45 {line}")
    log.feed("#9 ERROR: process did not complete successfully: exit code: 1")
    side = SideReport(dockerfile="Dockerfile")
    side.build_failed_step = log.failed_step()
    side.build_step_tail = log.tail_of(side.build_failed_step)
    side.build_step_errors = log.errors_of(side.build_failed_step)
    side.build_errors = log.errors
    return side


def test_an_error_line_above_the_shown_tail_is_shown_first() -> None:
    lines = build_cause(_failed_side())
    assert lines[0] == f"failing step: {STEP}"
    assert lines[1] == "Exception: Can not find valid pkg-config name."
    assert lines[2] == "..."
    assert not any("[notice]" in line for line in lines)
    assert lines.count("error: subprocess-exited-with-error") == 1  # shown in the tail only


def test_a_short_tail_is_shown_whole_without_a_separate_error_list() -> None:
    side = _failed_side()
    side.build_step_tail = side.build_step_tail[-6:]
    side.build_step_errors = []
    lines = build_cause(side)
    assert "..." not in lines
    assert lines[1:5] == side.build_step_tail[:4]
