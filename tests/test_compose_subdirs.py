"""Compose files kept in a compose/, docker/ or deploy/ directory apart from the code.

JLHI/valhalla-admin keeps compose/docker-compose.valhalla-admin.yml beside services/django (its
Dockerfiles' context); verify looked only in the context, the Dockerfile's directories and two
levels up, found no compose file, and started neither Postgres nor Redis ("give --service").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import compose
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, compose_candidates, plan_for

DOCKERFILE = "FROM python:3.13\nCOPY . .\nCMD gunicorn mysite.wsgi -b 0.0.0.0:8000\n"


def test_a_compose_directory_beside_the_code_is_searched_last(tmp_path: Path) -> None:
    django = tmp_path / "services" / "django"
    django.mkdir(parents=True)
    (tmp_path / "compose").mkdir()
    (tmp_path / "compose" / "docker-compose.admin.yml").write_text("services: {}\n")
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "compose.yaml").write_text("services: {}\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "docker-compose.yml").write_text("services: {}\n")  # not a compose dir
    (django / "docker-compose.yml").write_text("services: {}\n")
    found = compose_candidates(django, django / "Dockerfile")
    assert found == [
        [django / "docker-compose.yml"],
        [tmp_path / "docker" / "compose.yaml"],
        [tmp_path / "compose" / "docker-compose.admin.yml"],
    ]


def test_a_docker_directory_under_the_context_is_searched(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "docker" / "docker-compose.override.yml").write_text("services: {}\n")
    found = compose_candidates(tmp_path, tmp_path / "Dockerfile")
    docker = tmp_path / "docker"
    assert found == [[docker / "docker-compose.yml", docker / "docker-compose.override.yml"]]


@pytest.mark.skipif(not compose.compose_available(), reason="docker compose plugin missing")
def test_the_services_of_a_compose_file_in_a_sibling_directory_are_started(tmp_path: Path) -> None:
    django = tmp_path / "services" / "django"
    django.mkdir(parents=True)
    (django / "Dockerfile.apache").write_text(DOCKERFILE)
    (tmp_path / "compose").mkdir()
    (tmp_path / "compose" / "docker-compose.admin.yml").write_text(
        "services:\n"
        "  django:\n"
        "    build: {context: ../services/django, dockerfile: Dockerfile.apache}\n"
        "    ports: ['8081:80']\n"
        "    depends_on: [postgres, redis]\n"
        "  worker:\n"
        "    build: {context: ../services/django, dockerfile: Dockerfile.apache}\n"
        "    command: celery -A admin worker\n"
        "  redis:\n"
        "    image: redis:7\n"
        "  postgres:\n"
        "    image: postgres:15\n"
        "    environment: {POSTGRES_PASSWORD: pw}\n"
    )
    project = DjangoProject(root=django, manage_py="manage.py")
    plan = plan_for(project, django, django / "Dockerfile.apache", DOCKERFILE, Flags())
    assert sorted(s.name for s in plan.services) == ["postgres", "redis"]
    assert [w.name for w in plan.workers] == ["worker"]
    assert plan.port == 80
    assert "run as compose file docker-compose.admin.yml (in ../../compose) says" in plan.notes


@pytest.mark.skipif(not compose.compose_available(), reason="docker compose plugin missing")
def test_a_compose_file_in_a_docker_directory_building_the_root(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "docker-compose.yml").write_text(
        "services:\n"
        "  web:\n"
        "    build: {context: ..}\n"
        "    depends_on: [db]\n"
        "  db:\n"
        "    image: postgres:15\n"
        "    environment: {POSTGRES_PASSWORD: pw}\n"
    )
    project = DjangoProject(root=tmp_path, manage_py="manage.py")
    plan = plan_for(project, tmp_path, tmp_path / "Dockerfile", DOCKERFILE, Flags())
    assert [s.name for s in plan.services] == ["db"]
    assert "run as compose file docker-compose.yml (in docker) says" in plan.notes
