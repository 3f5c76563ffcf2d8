"""On the lab engine, through the command line: `dj-optimize --verify` on a project whose
compose file keeps itself in docker/ and runs its Celery worker by `image:`, the tag the app
service builds from this Dockerfile (Ronnie5562/django-celery-boilerplate, round 16: `app` has
`build:` and `image: app:latest`, `celery` only `image: app:latest`). Verify started no worker
and said nothing; it now starts the worker from each side's image beside a real Redis and
watches it reach "ready" on both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write_celery_project
from verify_tiny import assert_clean, run_cli

from optimizer import engine

pytestmark = pytest.mark.engine

COMPOSE = """services:
  app:
    build:
      context: ..
      dockerfile: docker/Dockerfile
    image: app:latest
    ports:
      - "8000:8000"
    environment:
      CELERY_BROKER_URL: redis://redis:6379/0
    depends_on:
      - redis
  celery:
    image: app:latest
    command: celery -A mysite worker --loglevel=info
    environment:
      CELERY_BROKER_URL: redis://redis:6379/0
    depends_on:
      - app
      - redis
  redis:
    image: redis:7
"""


def _project(root: Path) -> Path:
    write_celery_project(root, "built image workers")
    (root / "docker").mkdir()
    (root / "docker" / "docker-compose.yml").write_text(COMPOSE)
    (root / "docker" / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nEXPOSE 8000\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    )
    return root / "docker" / "Dockerfile"


def test_a_worker_running_the_tag_the_app_builds_is_started_and_watched(tmp_path: Path) -> None:
    if not engine.image_exists("redis:7"):
        pytest.skip("no redis:7 stand-in (run ../shared/lab/images-up)")
    dockerfile = _project(tmp_path / "proj")
    result = run_cli(str(dockerfile), "--verify", "--no-rebuild", "--json")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]  # proposed
    data = json.loads(result.stdout)
    verify = data["verify"]
    assert data["verdict"] == "pass", data["verdict_reasons"]
    assert verify["probe_verdicts"]["/"] == "same", verify["probe_verdicts"]
    for side in ("before", "after"):
        celery = [w for w in verify[side]["workers"] if w["name"] == "celery"]
        assert [w["state"] for w in celery] == ["up"], (side, verify[side]["workers"])
        assert celery[0]["ready_line"], (side, celery[0]["log_tail"][-5:])
    assert verify["cleaned_up"] is True
    assert_clean(verify["run_id"], result.stderr)
