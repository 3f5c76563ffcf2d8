"""optimizer.compose reads compose files through `docker compose config` (no daemon needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer import compose

if not compose.compose_available():
    if os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"):
        raise RuntimeError("DJ_OPTIMIZE_REQUIRE_ENGINE is set but `docker compose` is missing")
    pytest.skip("the docker compose plugin is not installed", allow_module_level=True)

COMPOSE = """\
services:
  web:
    build: .
    command: python manage.py runserver 0.0.0.0:8000
    volumes: [".:/app", "static:/app/static"]
    ports: ["8000:8000"]
    env_file: .env
    environment:
      DATABASE_URL: postgres://postgres:postgres@db:5432/postgres
    depends_on:
      db: {condition: service_healthy}
      cache: {condition: service_started}
  worker:
    build: {context: ., dockerfile: deploy/Dockerfile.worker}
    command: celery -A proj worker
  db:
    image: postgres:14.1
    environment: [POSTGRES_PASSWORD=postgres]
  cache:
    image: redis:6-alpine
    depends_on: [db]
volumes:
  static:
"""


def test_reads_services_and_maps_missing_env_file(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    before = sorted(p.name for p in tmp_path.iterdir())
    project = compose.load(tmp_path)
    assert project is not None
    # The missing .env was read as empty in a scratch copy, never created in the project.
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert project.notes == ("env file .env not found: read as empty",)
    web = project.services["web"]
    assert web.builds(tmp_path / "Dockerfile")
    assert not web.builds(tmp_path / "deploy" / "Dockerfile.worker")
    assert project.building(tmp_path / "deploy" / "Dockerfile.worker")[0].name == "worker"
    assert web.command == ["python", "manage.py", "runserver", "0.0.0.0:8000"]
    assert web.environment == {"DATABASE_URL": "postgres://postgres:postgres@db:5432/postgres"}
    assert web.ports == (compose.Port(8000, "8000"),)
    assert web.bind_mounts == (compose.BindMount(str(tmp_path.resolve()), "/app"),)
    assert web.mounts_over("/app/media") is not None
    assert web.mounts_over("/srv") is None
    # Dependencies come first, transitively: cache depends on db.
    assert [s.name for s in project.dependencies(web)] == ["db", "cache"]
    assert project.services["db"].environment == {"POSTGRES_PASSWORD": "postgres"}


def test_override_file_is_merged(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    build: .\n")
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n  web:\n    command: [gunicorn, app.wsgi]\n"
    )
    assert compose.find_compose_files(tmp_path) == [
        tmp_path / "compose.yaml",
        tmp_path / "compose.override.yaml",
    ]
    project = compose.load(tmp_path)
    assert project is not None
    assert project.services["web"].command == ["gunicorn", "app.wsgi"]


def test_no_compose_file_and_broken_file(tmp_path: Path) -> None:
    assert compose.load(tmp_path) is None
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    build: [\n")
    with pytest.raises(compose.ComposeError):
        compose.load(tmp_path)


def test_version_1_format_is_read(tmp_path: Path) -> None:
    """Services at the top, no `services:` (docker-compose 1.x): Compose v2 refuses the file,
    which hid the source bind mount from non-root (real starter projects still ship these)."""
    (tmp_path / "docker-compose.yml").write_text(
        "web:\n  build: .\n  command: python manage.py migrate\n  volumes:\n    - .:/code\n"
        "db:\n  image: postgres\n"
    )
    before = (tmp_path / "docker-compose.yml").read_text()
    project = compose.load(tmp_path)
    assert project is not None
    assert set(project.services) == {"web", "db"}
    assert project.services["web"].mounts_over("/code") is not None
    assert any("version 1 format" in n for n in project.notes)
    assert (tmp_path / "docker-compose.yml").read_text() == before


def test_required_variable_not_set_here(tmp_path: Path) -> None:
    """`${CELERY_BROKER:?err}` set only on the deploy host: read with a placeholder, said."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    build: .\n    volumes: ['.:/app']\n"
        "    environment:\n      - BROKER=${DJOPT_TEST_BROKER:?err}\n"
    )
    project = compose.load(tmp_path)
    assert project is not None
    assert project.services["web"].mounts_over("/app") is not None
    assert any("DJOPT_TEST_BROKER is not set here" in n for n in project.notes)


def test_services_key_with_an_unknown_top_level_key_stays_an_error(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: x\nbogus:\n  a: 1\n")
    with pytest.raises(compose.ComposeError):
        compose.load(tmp_path)


def test_missing_env_files_are_read_from_their_committed_template(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  web:\n"
        "    build: .\n"
        "    env_file: [.env, .envs/.django]\n"
        "    environment:\n"
        "      DB_NAME: ${DB_NAME}\n"
    )
    (tmp_path / ".env.example").write_text("DB_NAME=from-template\nSECRET=x\n")
    (tmp_path / ".envs").mkdir()
    (tmp_path / ".envs" / ".django.sample").write_text("DJANGO_DEBUG=1\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    project = compose.load(tmp_path)
    assert project is not None
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing created
    web = project.services["web"]
    # ${DB_NAME} is interpolated from the template too, as after `cp .env.example .env`.
    assert web.environment == {"DB_NAME": "from-template", "SECRET": "x", "DJANGO_DEBUG": "1"}
    assert ".env not found: read .env.example in its place" in project.notes
    assert "env file .envs/.django not found: read .django.sample in its place" in project.notes
    assert project.templates == (".env.example", ".envs/.django.sample")


def test_env_file_above_the_compose_directory_is_read_from_its_template(tmp_path: Path) -> None:
    split = tmp_path / "docker_compose"
    split.mkdir()
    (split / "app.yaml").write_text(
        "services:\n  app:\n    build: {context: .., dockerfile: Dockerfile}\n"
        "    env_file: [../.env]\n"
    )
    (tmp_path / ".env.example").write_text("POSTGRES_HOST=postgres\n")
    project = compose.load(split, [split / "app.yaml"])
    assert project is not None
    app = project.services["app"]
    assert app.environment == {"POSTGRES_HOST": "postgres"}
    # Paths above the compose directory map back to the real tree, not the scratch copy.
    assert app.builds(tmp_path / "Dockerfile")
    assert "env file ../.env not found: read .env.example in its place" in project.notes
    assert project.templates == ("../.env.example",)


def test_a_lowercase_dockerfile_is_what_the_default_build_reads(tmp_path: Path) -> None:
    """kingIsmoil/BT has only `dockerfile` and `build: .`: compose config says `Dockerfile`,
    and BuildKit reads the lowercase file when `Dockerfile` is not there (checked with
    `docker compose build` on the lab engine). The service builds it, so its db and redis
    must start for the app."""
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  web:\n    build: .\n    depends_on: [db]\n"
        "  db:\n    image: postgres:15\n"
    )
    (tmp_path / "dockerfile").write_text("FROM python:3.13-slim\n")
    project = compose.load(tmp_path)
    assert project is not None
    assert [s.name for s in project.building(tmp_path / "dockerfile")] == ["web"]
    # Once a `Dockerfile` exists the build reads that one, not the lowercase file.
    (tmp_path / "Dockerfile").write_text("FROM python:3.13-slim\n")
    if (tmp_path / "Dockerfile").samefile(tmp_path / "dockerfile"):
        return  # a case-insensitive file system: one file
    assert project.building(tmp_path / "dockerfile") == []
    assert [s.name for s in project.building(tmp_path / "Dockerfile")] == ["web"]


@pytest.mark.parametrize(
    "template", [".env.example", ".env.exemple", ".env.tpl", "env.sample", "example.env"]
)
def test_an_env_file_template_is_found_by_the_names_projects_give_it(
    tmp_path: Path, template: str
) -> None:
    (tmp_path / template).write_text("A=1\n")
    assert compose.example_for(tmp_path / ".env") == tmp_path / template


def test_an_env_file_is_not_its_own_template(tmp_path: Path) -> None:
    (tmp_path / ".env.local").write_text("A=1\n")
    assert compose.example_for(tmp_path / ".env") is None


def test_a_committed_env_file_beside_a_missing_one_is_read(tmp_path: Path) -> None:
    # 37dev/wagtail-docker commits .env.nginx and .env.example, not .env: read in a copy that
    # held only the compose file, .env.nginx was "not found: read as empty".
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  web:\n"
        "    build: .\n"
        "    env_file: [.env, .envs/.django]\n"
        "  nginx:\n"
        "    image: nginx\n"
        "    env_file: [.env.nginx]\n"
    )
    (tmp_path / ".env.example").write_text("SECRET=x\n")
    (tmp_path / ".env.nginx").write_text("DOMAIN=example.org\n")
    (tmp_path / ".envs").mkdir()
    (tmp_path / ".envs" / ".django").write_text("DJANGO_DEBUG=1\n")
    project = compose.load(tmp_path)
    assert project is not None
    assert project.services["web"].environment == {"SECRET": "x", "DJANGO_DEBUG": "1"}
    assert project.services["nginx"].environment == {"DOMAIN": "example.org"}
    assert not any("not found: read as empty" in n for n in project.notes), project.notes
    assert project.templates == (".env.example",)
