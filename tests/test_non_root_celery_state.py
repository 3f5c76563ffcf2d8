"""non-root: celery beat's schedule (`-s/--schedule`) and a worker's `--statedb` are shelve
databases the process creates beside their path, so that directory must be the app's, like a
pid file's; `celery -f` is its log file. Before, only `--pidfile` and `--logfile` were read:
beat as uid 10001 could not create /var/lib/celery/beat-schedule. uwsgi's `-s` (its socket) is
not taken for one."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize
from transforms.non_root import _start_files


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("celery -A m beat -l info -s /var/lib/celery/beat-schedule",
         [("/var/lib/celery/beat-schedule", True)]),
        ("celery -A m beat --schedule=/data/beat.db", [("/data/beat.db", True)]),
        ("celery -A m worker --statedb=/var/lib/celery/worker.state -f /var/log/celery/w.log",
         [("/var/lib/celery/worker.state", True), ("/var/log/celery/w.log", False)]),
        ("uwsgi --ini app.ini -s /run/uwsgi.sock", []),
    ],
)
def test_celery_state_files(command: str, expected: list[tuple[str, bool]]) -> None:
    assert _start_files(command, {}) == expected


def test_beats_schedule_directory_is_the_apps(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ncelery==5.4.0\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        'CMD ["celery", "-A", "mysite", "beat", "-s", "/var/lib/celery/beat-schedule"]\n'
    )
    out = optimize(tmp_path / "Dockerfile", tmp_path, only=["non-root"]).files["Dockerfile"]
    assert "/var/lib/celery" in out.split("USER", 1)[0]
