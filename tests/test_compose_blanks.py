"""Empty values the compose file writes itself, told apart from a template's
(optimizer/verify/runplan.py literal_blanks, RunPlan.compose_blank_hint).

walkerchiu/django-docker-saas-starter's compose file says `environment: [POSTGRES_USER=,
POSTGRES_PASSWORD=, POSTGRES_DB=]` for its db, and `.env.example` sits beside it (the template of
`.env`, read for interpolation). Postgres exited with `Set POSTGRES_PASSWORD`, and the reason
said ".env.example (read in place of the missing env file) leaves POSTGRES_DB, POSTGRES_PASSWORD,
POSTGRES_USER ... empty: `cp .env.example .env` and fill them in": copying it changes nothing,
the values are blank in the compose file.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.compose import ComposeProject, Port, Service
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, derive, literal_blanks

COMPOSE = """\
services:
    web:
        build: {context: ./app, dockerfile: Dockerfile.local}
        environment:
            - SECRET_KEY=
            - SQL_USER=
            - AWS_KMS_REGION_NAME=ap-northeast-1
            - SQL_HOST=${SQL_HOST}
        depends_on: [db]
    db:
        image: postgres:13.0-alpine
        environment: [POSTGRES_USER=, POSTGRES_PASSWORD=, POSTGRES_DB=]
    cache:
        environment:
            REDIS_PASSWORD: ""
            OTHER: "${OTHER}"
            POSTGRES_DB_NAME: x
"""


def test_values_the_compose_file_writes_empty_are_found_in_every_form(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.example.yml"
    path.write_text(COMPOSE)
    names = [
        "SECRET_KEY",
        "SQL_USER",
        "SQL_HOST",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
        "REDIS_PASSWORD",
        "OTHER",
        "AWS_KMS_REGION_NAME",
    ]
    assert literal_blanks([path], names) == [
        "SECRET_KEY",
        "SQL_USER",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
        "REDIS_PASSWORD",
    ]
    assert literal_blanks([tmp_path / "missing.yml"], names) == []


def test_the_compose_files_own_blanks_are_not_blamed_on_the_template(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.example.yml"
    path.write_text(COMPOSE)
    app_dir = tmp_path / "app"
    db = Service(
        name="db",
        image="postgres:13.0-alpine",
        environment={"POSTGRES_USER": "", "POSTGRES_PASSWORD": "", "POSTGRES_DB": ""},
    )
    web = Service(
        name="web",
        build_context=app_dir,
        dockerfile=app_dir / "Dockerfile.local",
        ports=(Port(8000),),
        depends_on=("db",),
        # SQL_HOST is empty because the template (.env.example) leaves it so.
        environment={"SECRET_KEY": "", "SQL_USER": "", "SQL_HOST": ""},
    )
    compose = ComposeProject(tmp_path, (path,), {"web": web, "db": db}, (), (".env.example",))
    project = DjangoProject(root=app_dir, manage_py="manage.py")
    plan = derive(
        project, "FROM python:3.11\nCMD x\n", Flags(), compose, app_dir / "Dockerfile.local"
    )
    assert plan.blank_template_values == ("SQL_HOST",)
    assert plan.compose_blank_values == (
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
        "SECRET_KEY",
        "SQL_USER",
    )
    assert plan.template_hint() == (
        ".env.example (read in place of the missing env file) leaves SQL_HOST empty: "
        "`cp .env.example .env` and fill it in before verifying"
    )
    assert plan.compose_blank_hint() == (
        "docker-compose.example.yml itself sets POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, "
        "SECRET_KEY, SQL_USER empty (`KEY=` with no value), which no env file fills: write the "
        "values there before verifying"
    )
    # With no template read, the compose file's own blanks are still named.
    bare = ComposeProject(tmp_path, (path,), {"web": web, "db": db})
    plan = derive(project, "FROM python:3.11\nCMD x\n", Flags(), bare, app_dir / "Dockerfile.local")
    assert plan.template_hint() is None
    assert plan.compose_blank_values[:3] == ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB")


def test_a_bind_mounted_file_the_image_copies_itself_is_no_dropped_code(tmp_path: Path) -> None:
    # rg3915/django-celery-redis-docker: compose mounts `./.env:/app/.env`, the Dockerfile
    # does `WORKDIR /app` + `COPY .env .`; its app failed on an empty Pusher APP_ID and the
    # reason said "an image that does not COPY the code there cannot run as compose runs it".
    from optimizer.compose import BindMount
    from optimizer.verify.runplan import copies_file_to

    dockerfile = "FROM python:3.13-slim\nWORKDIR /app\nCOPY .env .\nCOPY manage.py .\nCMD x\n"
    assert copies_file_to(dockerfile, "/app/.env")
    assert copies_file_to("FROM a\nCOPY .env /app/.env\n", "/app/.env")
    assert copies_file_to("FROM a\nWORKDIR /app\nCOPY . .\n", "/app/.env")
    assert copies_file_to("FROM a\nCOPY .env settings.ini /app/\n", "/app/settings.ini")
    assert not copies_file_to("FROM a\nWORKDIR /app\nCOPY manage.py .\n", "/app/.env")
    assert not copies_file_to("FROM a\nCOPY .env /srv/\n", "/app/.env")
    env = tmp_path / ".env"
    env.write_text("SECRET_KEY=x\n")
    web = Service(
        name="app",
        build_context=tmp_path,
        dockerfile=tmp_path / "Dockerfile",
        ports=(Port(8000),),
        bind_mounts=(BindMount(str(env), "/app/.env"),),
    )
    compose = ComposeProject(tmp_path, (tmp_path / "docker-compose.yml",), {"app": web})
    project = DjangoProject(root=tmp_path, manage_py="manage.py")
    plan = derive(project, dockerfile, Flags(), compose, tmp_path / "Dockerfile")
    assert plan.dropped_mounts == ()
    assert plan.mount_hint() is None
    bare = "FROM a\nWORKDIR /app\nCMD x\n"
    plan = derive(project, bare, Flags(), compose, tmp_path / "Dockerfile")
    assert plan.dropped_mounts == (f"{env}:/app/.env",)
