"""On the lab engine, through the command line: `dj-optimize --verify` on a project whose
compose file runs celery beat with its schedule outside the app directory (`celery -A mysite
beat -s /var/lib/celery/beat-schedule`) beside the web server, with a real Redis as broker.

The class (a7ee2bd): non-root handed the app user only the directories the settings name, so
beat, started as uid 10001, could not create its schedule under the root-owned /var/lib/celery
and exited with Permission denied while the web server still answered. The rewrite now creates
that directory and hands it over; verify starts beat from the compose file on both sides and
passes only when beat stays up on the rewrite too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write_celery_project
from verify_tiny import assert_clean, run_cli

from optimizer import engine

pytestmark = pytest.mark.engine

BEAT = """app.conf.beat_schedule = {"tick": {"task": "mysite.celery.tick", "schedule": 30.0}}


@app.task
def tick():
    return "tick"
"""
COMPOSE = """services:
  web:
    build: .
    ports:
      - "8000:8000"
    environment:
      CELERY_BROKER_URL: redis://redis:6379/0
    depends_on:
      - redis
  beat:
    build: .
    command: celery -A mysite beat -s /var/lib/celery/beat-schedule --loglevel=info
    environment:
      CELERY_BROKER_URL: redis://redis:6379/0
    depends_on:
      - redis
  redis:
    image: redis:7
"""


def _project(root: Path) -> Path:
    write_celery_project(root, "celery state dirs", BEAT)
    (root / "docker-compose.yml").write_text(COMPOSE)
    (root / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "RUN mkdir -p /var/lib/celery\nEXPOSE 8000\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    )
    return root / "Dockerfile"


def test_beat_keeps_its_schedule_dir_as_the_app_user(tmp_path: Path) -> None:
    if not engine.image_exists("redis:7"):
        pytest.skip("no redis:7 stand-in (run ../shared/lab/images-up)")
    dockerfile = _project(tmp_path / "proj")
    result = run_cli(str(dockerfile), "--verify", "--no-rebuild", "--json")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]  # proposed
    data = json.loads(result.stdout)
    text = data["files"]["Dockerfile"]
    assert "USER" in text and "/var/lib/celery" in text.split("USER", 1)[0], text
    verify = data["verify"]
    assert data["verdict"] == "pass", data["verdict_reasons"]
    assert verify["after"]["uid"] == 10001
    assert verify["probe_verdicts"]["/"] == "same", verify["probe_verdicts"]
    for side in ("before", "after"):
        beat = [w for w in verify[side]["workers"] if w["name"] == "beat"]
        assert [w["state"] for w in beat] == ["up"], (side, verify[side]["workers"])
    assert verify["cleaned_up"] is True
    assert_clean(verify["run_id"], result.stderr)
