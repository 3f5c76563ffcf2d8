"""Development images whose WORKDIR is spelled with a variable, or that sit beside a production
compose file building another Dockerfile (sweep24: ivanprytula/django-celery-telegram-api,
softdev1029/real-estate-django-celery-braintree).

`WORKDIR $APP_HOME` was joined as the literal directory `/$APP_HOME`, so compose's bind mount
over /home/app/web was not seen over the working directory and the image was rewritten as a
production one (builder stage, slim base, uid 10001) although every service that builds it
mounts the source and runs runserver. And `dockerfile: Dockerfile.prod` in
docker-compose.prod.yml was read as naming the plain `Dockerfile` (a substring), which made
that development image "deployed" too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SKELETON

from optimizer.compose import compose_available
from optimizer.deploy_target import names_dockerfile
from optimizer.dockerfile import Dockerfile, Instruction, next_workdir
from optimizer.pipeline import optimize

pytestmark = pytest.mark.skipif(not compose_available(), reason="docker compose plugin missing")

DOCKERFILE = """\
FROM python:3.11
ENV PYTHONUNBUFFERED=1
ENV APP_HOME=/home/app/web
RUN mkdir -p $APP_HOME
WORKDIR $APP_HOME
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
"""

COMPOSE = """\
services:
  web:
    build: .
    command: python manage.py runserver 0.0.0.0:8000
    volumes:
      - .:/home/app/web
    ports:
      - "8000:8000"
"""

PROD_COMPOSE = """\
services:
  web:
    build:
      context: .
      dockerfile: Dockerfile.prod
    command: gunicorn mysite.wsgi:application --bind 0.0.0.0:8000
"""


def _project(root: Path, dockerfile: str = DOCKERFILE, compose: str = COMPOSE) -> Path:
    for rel, content in {**SKELETON, "requirements.txt": "Django==4.2.16\ngunicorn\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    (root / "Dockerfile").write_text(dockerfile)
    (root / "docker-compose.yml").write_text(compose)
    return root / "Dockerfile"


def _assert_dev(root: Path, path: Path, original: str) -> None:
    outcome = optimize(path, root)
    text = outcome.files.get("Dockerfile", original)
    assert text.count("FROM ") == 1 and "FROM python:3.11\n" in text, text
    assert "USER" not in text, text
    skipped = {c.transform: " ".join(c.notes) for c in outcome.skipped}
    for name in ("multi-stage", "slim-base", "non-root"):
        assert "compose service `web`" in skipped[name], skipped
    assert "over /home/app/web and runs Django's development server" in skipped["slim-base"]


@pytest.mark.parametrize(
    ("declare", "workdir"),
    [
        ("ENV APP_HOME=/home/app/web", "WORKDIR $APP_HOME"),
        ("ENV APP_HOME /home/app/web", "WORKDIR ${APP_HOME}"),
        # softdev1029: `ARG WORKDIR=/app` then `WORKDIR $WORKDIR`.
        ("ARG APP_HOME=/home/app/web", "WORKDIR $APP_HOME"),
    ],
)
def test_a_workdir_spelled_with_a_variable_is_the_directory_it_names(
    tmp_path: Path, declare: str, workdir: str
) -> None:
    dockerfile = DOCKERFILE.replace("ENV APP_HOME=/home/app/web", declare).replace(
        "WORKDIR $APP_HOME", workdir
    )
    _assert_dev(tmp_path, _project(tmp_path, dockerfile), dockerfile)


def test_a_variable_set_in_the_stage_it_builds_from_counts(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE.replace(
        "ENV APP_HOME=/home/app/web\n", "ENV APP_HOME=/home/app/web\n\nFROM base AS dev\n", 1
    ).replace("FROM python:3.11\n", "FROM python:3.11 AS base\n", 1)
    outcome = optimize(_project(tmp_path, dockerfile), tmp_path)
    skipped = " ".join(n for c in outcome.skipped for n in c.notes)
    assert "over /home/app/web and runs Django's development server" in skipped, skipped


def test_an_arg_of_the_stage_it_builds_from_does_not_count(tmp_path: Path) -> None:
    # jcarbaugh/django-poetry-docker-example: `ARG APP_PATH=/app` in python-base, `ARG APP_PATH`
    # again (no default) in python-run: empty there, as docker scopes ARGs to their stage.
    dockerfile = DOCKERFILE.replace(
        "ENV APP_HOME=/home/app/web\n",
        "ARG APP_HOME=/home/app/web\n\nFROM base AS dev\nARG APP_HOME\n",
        1,
    ).replace("FROM python:3.11\n", "FROM python:3.11 AS base\n", 1)
    outcome = optimize(_project(tmp_path, dockerfile), tmp_path)
    skipped = " ".join(n for c in outcome.skipped for n in c.notes)
    assert "runs Django's development server: the image is for development" not in skipped


def test_a_mount_elsewhere_is_still_a_production_image(tmp_path: Path) -> None:
    path = _project(tmp_path, compose=COMPOSE.replace(".:/home/app/web", ".:/srv/other"))
    text = optimize(path, tmp_path).files["Dockerfile"]
    assert "FROM python:3.11-slim" in text and "USER 10001" in text, text


def test_a_production_compose_file_building_another_dockerfile_does_not_deploy_this_one(
    tmp_path: Path,
) -> None:
    # ivanprytula: docker-compose.prod.yml builds Dockerfile.prod; the plain Dockerfile is the
    # development image of docker-compose.yml.
    path = _project(tmp_path)
    (tmp_path / "Dockerfile.prod").write_text(DOCKERFILE)
    (tmp_path / "docker-compose.prod.yml").write_text(PROD_COMPOSE)
    _assert_dev(tmp_path, path, DOCKERFILE)
    # One that builds this Dockerfile deploys it.
    (tmp_path / "docker-compose.prod.yml").write_text(
        PROD_COMPOSE.replace("dockerfile: Dockerfile.prod", "dockerfile: ./Dockerfile")
    )
    text = optimize(path, tmp_path).files["Dockerfile"]
    assert "FROM python:3.11-slim" in text, text


@pytest.mark.parametrize(
    ("text", "rel", "named"),
    [
        ("dockerfile: Dockerfile.prod", "Dockerfile", False),
        ("dockerfile: docker/Dockerfile", "Dockerfile", False),
        ("dockerfile: Dockerfile-prod", "Dockerfile", False),
        ("dockerfile: Dockerfile", "Dockerfile", True),
        ("dockerfile: ./Dockerfile", "Dockerfile", True),
        ('file: "./docker/Dockerfile"', "docker/Dockerfile", True),
        ("docker build -f Dockerfile .", "Dockerfile", True),
        ("dockerfile: compose/production/django/Dockerfile", "compose/local/django/Dockerfile",
         False),
        ("build: .", "Dockerfile", True),  # no Dockerfile named: the default one
    ],
)
def test_names_dockerfile_matches_the_whole_path(text: str, rel: str, named: bool) -> None:
    assert names_dockerfile(text, rel) is named


def test_next_workdir_expands_the_variables_it_is_given() -> None:
    ins = Dockerfile.parse("FROM python:3.11\nWORKDIR ${APP_HOME:-/srv}/web\n").instructions[1]
    assert isinstance(ins, Instruction)
    assert next_workdir("/", ins, {"APP_HOME": "/home/app"}) == "/home/app/web"
    assert next_workdir("/", ins, {}) == "/srv/web"
    assert next_workdir("/", ins) == "/${APP_HOME:-/srv}/web"  # no names given: as written
