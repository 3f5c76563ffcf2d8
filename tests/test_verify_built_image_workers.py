"""Compose services that run, by `image:`, the tag another service builds from this Dockerfile
(optimizer/verify/runplan._runs_built_image).

Ronnie5562/django-celery-boilerplate (round 16): service `app` has `build: {context: ..,
dockerfile: docker/Dockerfile}` and `image: app:latest`; `celery`, `celery-beat` and `flower`
have only `image: app:latest`. `docker compose up` builds the image once and runs it for all
four, so the rewrite's image runs the workers too; verify started none of them and said
nothing, so a rewrite that broke Celery (its user, PATH or venv) would have passed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import compose
from optimizer.compose import ComposeProject, Service
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, _runs_built_image, derive, plan_for

DOCKERFILE = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
    'CMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000"]\n'
)


def _project(tmp_path: Path, worker_image: str, app_image: str = "app:latest") -> ComposeProject:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    services = {
        "app": Service(
            name="app",
            image=app_image,
            build_context=tmp_path,
            dockerfile=dockerfile,
            build_args={"DEV": "false"},
            command=["gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000"],
            depends_on=("redis",),
        ),
        "celery": Service(
            name="celery",
            image=worker_image,
            command=["celery", "-A", "app", "worker"],
            depends_on=("app", "redis"),
        ),
        "redis": Service(name="redis", image="redis:7"),
    }
    return ComposeProject(directory=tmp_path, files=(tmp_path / "compose.yml",),
                          services=services)


# The same image however it is spelled (round 17: these were compared as written, so
# `docker.io/library/app` was taken for another image than the `app` compose builds).
@pytest.mark.parametrize(
    "worker_image",
    ["app:latest", "app", "docker.io/library/app", "index.docker.io/library/app:latest",
     "library/app"],
)
def test_a_service_running_the_tag_the_app_builds_is_a_worker(
    tmp_path: Path, worker_image: str
) -> None:
    loaded = _project(tmp_path, worker_image)
    notes: list[str] = []
    read = _runs_built_image(loaded, tmp_path / "Dockerfile", notes)
    celery = read.services["celery"]
    assert celery.builds(tmp_path / "Dockerfile")
    # Built as the app builds it: the same args, so derive does not call it "another image".
    assert celery.build_args == {"DEV": "false"}
    assert notes == [
        "compose service 'celery' runs the image app:latest that compose service 'app' builds "
        "from this Dockerfile: read as building it"
    ]
    project = DjangoProject(root=tmp_path, manage_py="manage.py")  # type: ignore[call-arg]
    plan = derive(project, DOCKERFILE, Flags(), read, tmp_path / "Dockerfile")
    assert [w.name for w in plan.workers] == ["celery"], plan.notes
    assert [s.name for s in plan.services] == ["redis"]


@pytest.mark.parametrize("worker_image", ["app:1.0", "other:latest", "redis:7"])
def test_another_image_is_not_taken(tmp_path: Path, worker_image: str) -> None:
    loaded = _project(tmp_path, worker_image)
    notes: list[str] = []
    assert _runs_built_image(loaded, tmp_path / "Dockerfile", notes) is loaded
    assert notes == []


def test_an_app_without_an_image_name_tags_nothing(tmp_path: Path) -> None:
    loaded = _project(tmp_path, "app:latest")
    app = loaded.services["app"]
    services = {**loaded.services, "app": Service(**{**app.__dict__, "image": None})}
    loaded = ComposeProject(directory=tmp_path, files=loaded.files, services=services)
    assert _runs_built_image(loaded, tmp_path / "Dockerfile", []) is loaded


@pytest.mark.skipif(not compose.compose_available(), reason="no docker compose plugin")
def test_plan_for_watches_the_workers_that_run_the_built_tag(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "docker" / "docker-compose.yml").write_text(
        "services:\n"
        "  app:\n"
        "    build: {context: .., dockerfile: docker/Dockerfile, args: [DEV=false]}\n"
        "    image: app:latest\n"
        "    ports: ['8000:8000']\n"
        "    depends_on: [redis]\n"
        "  celery:\n"
        "    image: app:latest\n"
        "    command: celery -A app worker -l INFO\n"
        "    depends_on: [app, redis]\n"
        "  flower:\n"
        "    image: app:latest\n"
        "    command: celery -A app flower --port=5555\n"
        "    depends_on: [redis]\n"
        "  redis:\n"
        "    image: redis:7\n"
    )
    project = DjangoProject(root=tmp_path, manage_py="manage.py")  # type: ignore[call-arg]
    plan = plan_for(project, tmp_path, tmp_path / "docker" / "Dockerfile", DOCKERFILE, Flags())
    assert sorted(w.name for w in plan.workers) == ["celery", "flower"], plan.notes
    assert [s.name for s in plan.services] == ["redis"]


@pytest.mark.skipif(not compose.compose_available(), reason="no docker compose plugin")
def test_the_web_service_runs_the_image_a_build_only_service_builds(tmp_path: Path) -> None:
    # lmorchard/pebbling-club's docker/compose/docker-compose.yml: `django-builder` (profile
    # build-only, `command: echo "Build complete"`) builds lmorchard/pebbling-club:latest;
    # web, celery_worker and celery_beat run that image. Verify ran `echo` as the app, with no
    # Postgres and no Redis.
    (tmp_path / "docker" / "compose").mkdir(parents=True)
    dockerfile = tmp_path / "docker" / "compose" / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    (tmp_path / "docker" / "compose" / "docker-compose.yml").write_text(
        "x-base: &base\n"
        "  image: lmorchard/pebbling-club:latest\n"
        "  environment: {DATABASE_URL: 'postgres://p:p@postgres:5432/p'}\n"
        "services:\n"
        "  django-builder:\n"
        "    image: lmorchard/pebbling-club:latest\n"
        "    build: {context: ../../, dockerfile: docker/compose/Dockerfile}\n"
        "    command: echo 'Build complete'\n"
        "    profiles: [build-only]\n"
        "  postgres:\n"
        "    image: postgres:16-alpine\n"
        "  redis:\n"
        "    image: redis:7-alpine\n"
        "  web:\n"
        "    <<: *base\n"
        "    depends_on: [postgres, redis]\n"
        "  celery_worker:\n"
        "    <<: *base\n"
        "    command: celery -A pebbling worker --loglevel=info\n"
        "    depends_on: [redis, postgres]\n"
    )
    project = DjangoProject(root=tmp_path, manage_py="manage.py")  # type: ignore[call-arg]
    plan = plan_for(project, tmp_path, dockerfile, DOCKERFILE, Flags())
    assert plan.command_source == "image", plan.notes
    assert [s.name for s in plan.services] == ["postgres", "redis"]
    assert "celery_worker" in [w.name for w in plan.workers]
