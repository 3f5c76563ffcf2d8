"""A production compose file that only changes the services of the main one, read over it
(optimizer/verify/runplan._overlay_base).

KCuppens/django-saas-boilerplate (compose/docker-compose.prod.yml) and teo-garcia/
django-template-monolith (docker-compose.prod.yml) are run as `docker compose -f
docker-compose.yml -f docker-compose.prod.yml`: the production file switches the app's build to
the production Dockerfile and its command to gunicorn, and names no image for the database it
changes. Read alone it is no project ("service "db" has neither an image nor a build context"):
verify said "not read" and ran the production Dockerfile with no compose file, so with none of
its services or environment.
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
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
    "CMD [\"gunicorn\", \"mysite.wsgi\", \"-b\", \"0.0.0.0:8000\"]\n"
)
BASE = """\
services:
  db:
    image: postgres:15
    environment: {POSTGRES_PASSWORD: pw}
  app:
    build: {context: ., dockerfile: Dockerfile.dev}
    command: python manage.py runserver 0.0.0.0:8000
    environment:
      DATABASE_URL: postgres://postgres:pw@db:5432/postgres
    depends_on: [db]
"""
PROD = """\
services:
  db:
    restart: unless-stopped
  app:
    build: {context: ., dockerfile: Dockerfile}
    command: gunicorn mysite.wsgi -b 0.0.0.0:8000
    environment:
      DJANGO_SETTINGS_MODULE: mysite.settings.prod
"""


def _plan(root: Path, dockerfile: str = "Dockerfile", *given: str):  # type: ignore[no-untyped-def]
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "Dockerfile.dev").write_text(DOCKERFILE)
    (root / "docker-compose.yml").write_text(BASE)
    (root / "docker-compose.prod.yml").write_text(PROD)
    project = DjangoProject(root=root, manage_py="manage.py")  # type: ignore[call-arg]
    flags = Flags()
    flags.compose_files = [root / g for g in given]
    return plan_for(project, root, root / dockerfile, DOCKERFILE, flags)


def test_an_override_only_production_file_is_read_over_the_main_one(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    assert plan.compose_files == ("docker-compose.yml", "docker-compose.prod.yml")
    assert plan.command == ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]
    assert [s.name for s in plan.services] == ["db"]
    assert plan.env["DATABASE_URL"] == "postgres://postgres:pw@db:5432/postgres"
    assert plan.env["DJANGO_SETTINGS_MODULE"] == "mysite.settings.prod"
    assert any(
        n.startswith("docker-compose.prod.yml only changes services of docker-compose.yml")
        and "`docker compose -f docker-compose.yml -f docker-compose.prod.yml`" in n
        for n in plan.notes
    ), plan.notes
    assert "no compose file builds this Dockerfile" not in plan.notes
    # Given alone with --compose, it is read the same way.
    again = _plan(tmp_path, "Dockerfile", "docker-compose.prod.yml")
    assert again.compose_files == plan.compose_files
    assert [s.name for s in again.services] == ["db"]


def test_the_main_file_alone_still_runs_the_development_dockerfile(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "Dockerfile.dev")
    assert plan.compose_files == ("docker-compose.yml",)
    assert plan.command == ["python", "manage.py", "runserver", "0.0.0.0:8000"]
    assert not any("only changes services" in n for n in plan.notes)


def test_a_file_broken_otherwise_is_still_not_read(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "docker-compose.yml").write_text(BASE)
    (tmp_path / "docker-compose.prod.yml").write_text("services:\n  app: [not, a, mapping]\n")
    project = DjangoProject(root=tmp_path, manage_py="manage.py")  # type: ignore[call-arg]
    plan = plan_for(project, tmp_path, tmp_path / "Dockerfile", DOCKERFILE, Flags())
    assert any(n.startswith("docker-compose.prod.yml: not read (") for n in plan.notes), plan.notes
    assert "no compose file builds this Dockerfile" in plan.notes
