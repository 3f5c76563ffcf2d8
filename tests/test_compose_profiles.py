"""A compose file whose app service runs only under a profile (optimizer/verify/runplan.py
plan_for, optimizer/compose.py load(profiles=)).

Software-Engineering-Jagiellonian/django-celery-frege puts every Django service under
`profiles: ["dev"]` or `["prod"]` (frege-django-dev, three celery workers, flower) and only
postgres, loki and prometheus under none. `docker compose config` leaves profiled services out,
so no service built the Dockerfile, and verify, given the file with --compose, dropped it
without a word and stopped at "the Dockerfile has no CMD and no compose service gives a
command". It now reads the file as `docker compose --profile dev` runs it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import compose
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, plan_for

NO_CMD = "FROM python:3.13\nCOPY . .\nRUN pip install -r requirements.txt\n"
COMPOSE = """\
x-backend: &backend
  build: {context: ./backend}
services:
  postgres:
    image: postgres:14.2
  redis:
    image: redis:7.0
    profiles: ["dev", "prod"]
  django-dev:
    <<: *backend
    profiles: ["dev"]
    command: sh -c "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"
    ports: ["8000:8000"]
    depends_on: [postgres, redis]
  django-prod:
    <<: *backend
    profiles: ["prod"]
    command: gunicorn frege.wsgi -b 0.0.0.0:8000
    ports: ["8000:8000"]
  worker-dev:
    <<: *backend
    profiles: ["dev"]
    command: celery --app frege worker
  worker-prod:
    <<: *backend
    profiles: ["prod"]
    command: celery --app frege worker
"""

needs_compose = pytest.mark.skipif(
    not compose.compose_available(), reason="docker compose plugin missing"
)


@needs_compose
def test_an_app_service_under_a_profile_is_read_as_that_profile_runs_it(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    backend.mkdir()
    (backend / "Dockerfile").write_text(NO_CMD)
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    flags = Flags(compose_files=[tmp_path / "docker-compose.yml"])
    project = DjangoProject(root=backend, manage_py="manage.py")
    plan = plan_for(project, backend, backend / "Dockerfile", NO_CMD, flags)
    assert plan.command == [
        "sh", "-c", "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"
    ]
    assert sorted(s.name for s in plan.services) == ["postgres", "redis"]
    # The dev worker runs beside it; the prod ones are not read at all.
    assert [w.name for w in plan.workers] == ["worker-dev"]
    assert (
        "compose service 'django-dev' runs only under profile 'dev': read as "
        "`docker compose --profile dev` runs it"
    ) in plan.notes
    assert plan.blockers == ()


@needs_compose
def test_a_compose_file_given_that_builds_nothing_here_is_said_to(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(NO_CMD)
    (tmp_path / "docker-compose.yml").write_text("services:\n  db:\n    image: postgres:16\n")
    flags = Flags(compose_files=[tmp_path / "docker-compose.yml"])
    project = DjangoProject(root=tmp_path, manage_py="manage.py")
    plan = plan_for(project, tmp_path, tmp_path / "Dockerfile", NO_CMD, flags)
    assert "no compose file builds this Dockerfile" in plan.notes
