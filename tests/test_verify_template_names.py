"""Env templates named from the project, once (optimizer/verify/runplan.plan_for).

Ronnie5562/django-celery-boilerplate (round 16) keeps its compose file in docker/ with
`env_file: ../.env`, and `.env.sample` at the root (also read for the file's `${...}`). Compose
named the template from docker/ (`../.env.sample`) and the plan added the same file from the
root (`.env.sample`): the hint, when the template leaves values empty, said
"../.env.sample and .env.sample ... `cp ../.env.sample ../.env`", a copy that from the project
writes outside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import compose
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, plan_for

if not compose.compose_available():
    pytest.skip("the docker compose plugin is not installed", allow_module_level=True)

DOCKERFILE = "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD [\"gunicorn\", \"app.wsgi\"]\n"


def test_a_template_read_for_a_compose_file_in_a_subdirectory_is_named_from_the_project(
    tmp_path: Path,
) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / ".env.sample").write_text("POSTGRES_PASSWORD=\nPOSTGRES_DB=app\n")
    (tmp_path / "docker" / "docker-compose.yml").write_text(
        "services:\n"
        "  app:\n"
        "    env_file: ../.env\n"
        "    build: {context: .., dockerfile: docker/Dockerfile}\n"
        "    environment:\n"
        "      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD}\n"
        "    depends_on: [db]\n"
        "  db:\n"
        "    image: postgres:15\n"
        "    env_file: ../.env\n"
    )
    project = DjangoProject(root=tmp_path, manage_py="manage.py")  # type: ignore[call-arg]
    plan = plan_for(project, tmp_path, tmp_path / "docker" / "Dockerfile", DOCKERFILE, Flags())
    assert plan.templates == (".env.sample",), plan.notes
    hint = plan.template_hint()
    assert hint is not None and hint.startswith(".env.sample (read in place"), hint
    assert "`cp .env.sample .env`" in hint
