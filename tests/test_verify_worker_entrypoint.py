"""A compose worker whose command the image's entrypoint never runs
(optimizer/verify/runplan.derive, the worker notes).

QaShah07/Segwise_backend (round 13): ENTRYPOINT ["sh", "docker/django/entrypoint.sh"], a
script that migrates and execs gunicorn and never reads its arguments; compose's worker and
beat give only `command: celery ...`, so they ran gunicorn, under compose and in verify alike,
and verify's note said "compose service 'worker' (`celery -A ... worker`) is still running
after 20 s" on both sides: a worker that never ran, watched as if it did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import compose
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, plan_for

if not compose.compose_available():
    pytest.skip("the docker compose plugin is not installed", allow_module_level=True)

DOCKERFILE = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
    'ENTRYPOINT ["sh", "docker/start.sh"]\n'
)
COMPOSE = """\
services:
  web:
    build: .
    entrypoint: ["sh", "-c", "python manage.py migrate && exec gunicorn s.wsgi -b 0.0.0.0:8000"]
    ports: ["8000:8000"]
  worker:
    build: .
    command: celery -A s worker
  beat:
    build: .
    entrypoint: ["celery"]
    command: -A s beat
"""


def _plan(tmp_path: Path, script: str):  # type: ignore[no-untyped-def]
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "start.sh").write_text(script)
    project = DjangoProject(root=tmp_path, manage_py="manage.py")  # type: ignore[call-arg]
    return plan_for(project, tmp_path, tmp_path / "Dockerfile", DOCKERFILE, Flags())


def test_a_worker_command_the_entrypoint_ignores_is_said_never_to_run(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "python manage.py migrate\nexec gunicorn s.wsgi -b 0.0.0.0:8000\n")
    assert sorted(w.name for w in plan.workers) == ["beat", "worker"]
    said = [n for n in plan.notes if "never runs" in n]
    assert len(said) == 1, plan.notes
    assert said[0].startswith("compose service 'worker': its command (`celery -A s worker`)")
    assert "(sh docker/start.sh) does not run its arguments" in said[0]


def test_not_said_when_the_entrypoint_runs_its_arguments(tmp_path: Path) -> None:
    plan = _plan(tmp_path, 'python manage.py migrate\nexec "$@"\n')
    assert not any("never runs" in n for n in plan.notes), plan.notes
