"""A `<name>.override.yml` is read with its `<name>.yml`, never alone
(optimizer/verify/runplan.compose_candidates, plan_for).

surister/queryzen (round 14) runs its CI with `docker compose -f docker-compose-ci.yml -f
docker-compose-ci.override.yml`; the override only adds environment (CELERY_BROKER_URL=
redis://redis:6379/1) to services the base defines. Verify read the override alone first ("not
read (service "django" has neither an image nor a build context specified: invalid compose
project)"), then the base without it, and said the broker pointed at localhost.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import compose
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, compose_candidates, plan_for

BASE = """\
services:
  django:
    build:
      context: .
      dockerfile: ./compose/prod/Dockerfile
    command: ["gunicorn", "-b", "0.0.0.0:8000", "app.wsgi"]
  redis:
    image: redis:7
"""
OVERRIDE = """\
services:
  django:
    environment:
      - CELERY_BROKER_URL=redis://redis:6379/1
"""
DOCKERFILE = "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nCMD [\"gunicorn\", \"app.wsgi\"]\n"


def _project(tmp_path: Path) -> Path:
    (tmp_path / "compose" / "prod").mkdir(parents=True)
    (tmp_path / "compose" / "prod" / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "docker-compose-ci.yml").write_text(BASE)
    (tmp_path / "docker-compose-ci.override.yml").write_text(OVERRIDE)
    (tmp_path / "manage.py").write_text("")
    return tmp_path / "compose" / "prod" / "Dockerfile"


def test_the_override_goes_with_its_base(tmp_path: Path) -> None:
    dockerfile = _project(tmp_path)
    (tmp_path / "docker-compose.prod.yml").write_text(BASE)
    (tmp_path / "lonely.override.yml").write_text(OVERRIDE.replace("django", "web"))
    (tmp_path / "compose.lonely.override.yml").write_text(OVERRIDE)
    sets = [[f.name for f in files] for files in compose_candidates(tmp_path, dockerfile)]
    assert ["docker-compose-ci.yml", "docker-compose-ci.override.yml"] in sets
    assert ["docker-compose-ci.override.yml"] not in sets
    assert ["docker-compose.prod.yml"] in sets
    assert ["compose.lonely.override.yml"] in sets  # no base beside it: alone, as before


@pytest.mark.skipif(not compose.compose_available(), reason="docker compose plugin missing")
def test_the_plan_has_what_the_override_adds(tmp_path: Path) -> None:
    dockerfile = _project(tmp_path)
    project = DjangoProject(root=tmp_path, manage_py="manage.py")
    plan = plan_for(project, tmp_path, dockerfile, DOCKERFILE, Flags())
    assert plan.env.get("CELERY_BROKER_URL") == "redis://redis:6379/1", plan.notes
    assert not any("not read" in note for note in plan.notes), plan.notes
    assert any(
        "run as compose file docker-compose-ci.yml, docker-compose-ci.override.yml" in note
        for note in plan.notes
    ), plan.notes
