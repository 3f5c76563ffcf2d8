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
        # util-linux runuser and setpriv, runit's chpst, daemontools' setuidgid.
        (["runuser", "-u", "app", "--", "gunicorn", "m.wsgi"], (4, "gunicorn")),
        (["runuser", "-u", "app", "gunicorn", "m.wsgi"], (3, "gunicorn")),
        (["setpriv", "--reuid=1000", "--regid", "1000", "--init-groups", "gunicorn", "m.wsgi"],
         (5, "gunicorn")),
        (["chpst", "-u", "app:app", "-P", "uvicorn", "m.asgi:app"], (4, "uvicorn")),
        # chpst's -c is a limit with a value, not runuser's command string.
        (["chpst", "-c", "1000", "gunicorn", "m.wsgi"], (3, "gunicorn")),
        (["s6-setuidgid", "app", "gunicorn", "m.wsgi"], (2, "gunicorn")),
        (["runuser", "-l", "app", "-c", "gunicorn m.wsgi"], None),  # a string: see below
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


def _script_project(tmp_path: Path, line: str) -> tuple[str, str, str]:
    write_skeleton(tmp_path)
    (tmp_path / "start.sh").write_text(f"#!/bin/bash\npython manage.py migrate --noinput\n{line}\n")
    (tmp_path / "start.sh").chmod(0o755)
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nRUN useradd app\nWORKDIR /app\nCOPY . .\n"
        'CMD ["./start.sh"]\n'
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    skipped = " ".join(n for c in outcome.skipped for n in c.notes)
    return skipped, outcome.files.get("start.sh", ""), outcome.files.get("Dockerfile", "")


def test_a_loopback_bind_inside_su_c_is_rebound_in_place(tmp_path: Path) -> None:
    # bgjx/meq-data-app's start script runs gunicorn under `su -s /bin/bash appuser -c "..."`:
    # the tool said "no CMD or ENTRYPOINT starts a web server" and left a loopback bind.
    skipped, script, dockerfile = _script_project(
        tmp_path, 'su -s /bin/bash app -c "gunicorn mysite.wsgi --bind 127.0.0.1:8000"'
    )
    assert 'su -s /bin/bash app -c "gunicorn mysite.wsgi --bind 0.0.0.0:8000"' in script
    assert "EXPOSE 8000" in dockerfile
    # `exec su` would make su PID 1, and su's shell would still not pass SIGTERM on.
    assert "exec su" not in script
    assert 'gunicorn starts inside `su -c "..."`, under su\'s shell' in skipped


def test_no_bind_inside_su_c_is_left_to_the_user(tmp_path: Path) -> None:
    # Words added at the line's end would land outside the string, as su's arguments; and
    # ENV PORT would not reach a login shell (`su -`). So it is said, not done.
    skipped, script, dockerfile = _script_project(
        tmp_path, "runuser -l app -c 'python manage.py runserver'"
    )
    assert script == ""
    assert "PORT" not in dockerfile
    assert "runserver starts inside `runuser -c \"...\"` without a bind" in skipped
