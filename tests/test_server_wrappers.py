"""Programs in front of the server (tini, dumb-init, ddtrace-run, opentelemetry-instrument,
newrelic-admin run-program, gosu, doppler run --, ...) hid it: a loopback bind behind them stayed
("no CMD or ENTRYPOINT starts a web server"). Behind an init that stays PID 1 and passes signals
on, runserver is a child that stops on SIGTERM (lab: `tini -- ... runserver`, 0.27 s), so no
STOPSIGNAL is added there; behind a wrapper that execs it, it is PID 1 and one is."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize
from optimizer.shell import server_argv


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ddtrace-run", "gunicorn", "m.wsgi"], (1, "gunicorn")),
        (["opentelemetry-instrument", "--traces_exporter", "console", "--service_name=x",
          "gunicorn", "m.wsgi"], (4, "gunicorn")),
        (["newrelic-admin", "run-program", "uvicorn", "m.asgi:app"], (2, "uvicorn")),
        (["/usr/bin/tini", "-s", "--", "python", "manage.py", "runserver"], (3, "runserver")),
        (["dumb-init", "gunicorn", "m.wsgi"], (1, "gunicorn")),
        (["gosu", "app", "waitress-serve", "m.wsgi:application"], (2, "waitress-serve")),
        (["doppler", "run", "--", "gunicorn", "m.wsgi"], (3, "gunicorn")),
        (["exec", "tini", "--", "gunicorn", "m.wsgi"], (3, "gunicorn")),
        (["doppler", "run", "gunicorn"], None),  # without `--` doppler's own arguments
        (["tini", "--", "celery", "-A", "m", "worker"], None),
        (["newrelic-admin", "record-deploy", "gunicorn"], None),
    ],
)
def test_the_server_behind_a_wrapper(argv: list[str], expected: tuple[int, str] | None) -> None:
    assert server_argv(argv) == expected


def _skipped_and_text(tmp_path: Path, tail: str) -> tuple[str, str]:
    write_skeleton(tmp_path)
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\n" + tail
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    skipped = " ".join(n for c in outcome.skipped for n in c.notes)
    return skipped, outcome.files.get("Dockerfile", "")


def test_runserver_behind_an_init_entrypoint_gets_no_stopsignal(tmp_path: Path) -> None:
    skipped, text = _skipped_and_text(
        tmp_path, 'ENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["python", "manage.py", "runserver"]\n'
    )
    assert 'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]' in text
    assert "STOPSIGNAL" not in text
    assert "`tini` stays PID 1 and passes docker stop's SIGTERM on to runserver" in skipped


def test_runserver_behind_an_exec_wrapper_gets_stopsignal(tmp_path: Path) -> None:
    _skipped, text = _skipped_and_text(
        tmp_path, 'CMD ["ddtrace-run", "python", "manage.py", "runserver"]\n'
    )
    assert "STOPSIGNAL SIGINT" in text
    assert '["ddtrace-run", "python", "manage.py", "runserver", "0.0.0.0:8000"]' in text
