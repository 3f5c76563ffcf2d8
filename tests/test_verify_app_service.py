"""Which compose service is the app when several build the Dockerfile (runplan.app_service).

woeislolo/service_app's compose file builds `drf-api` (runserver, port 8000), `celery-worker`
and `celery-flower` (entrypoint `celery`, command `-A ... flower`, port 5555) from one
Dockerfile. Services are listed by name, `celery-flower` came first of those publishing a port,
and verify probed Flower on 5555 as "the app" while the Django server was started as a worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.compose import ComposeProject, Port, Service
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, app_service, derive, runs_task_queue

ROOT = Path("/proj")
DOCKERFILE = "FROM python:3.13\nCOPY . .\nCMD python manage.py runserver 0.0.0.0:8000\n"


def built(name: str, **fields: object) -> Service:
    base: dict[str, object] = {
        "name": name,
        "build_context": ROOT,
        "dockerfile": ROOT / "Dockerfile",
    }
    base.update(fields)
    return Service(**base)  # type: ignore[arg-type]


def compose_of(*services: Service) -> ComposeProject:
    return ComposeProject(ROOT, (ROOT / "docker-compose.yml",), {s.name: s for s in services})


def test_a_flower_service_publishing_a_port_is_not_taken_for_the_app() -> None:
    flower = built(
        "celery-flower",
        entrypoint=["celery"],
        command=["-A", "service.celery.app", "flower"],
        ports=(Port(5555),),
        depends_on=("redis",),
    )
    worker = built(
        "celery-worker",
        entrypoint=["celery"],
        command=["-A", "service.celery.app", "worker", "--loglevel=info"],
        depends_on=("redis",),
    )
    api = built(
        "drf-api",
        command=["python", "manage.py", "runserver", "0.0.0.0:8000"],
        ports=(Port(8000),),
        depends_on=("postgres",),
    )
    compose = compose_of(
        flower, worker, api,
        Service(name="postgres", image="postgres:17"), Service(name="redis", image="redis:7"),
    )
    assert app_service(compose, ROOT / "Dockerfile") == api
    plan = derive(
        DjangoProject(root=ROOT, manage_py="manage.py"), DOCKERFILE, Flags(), compose,
        ROOT / "Dockerfile",
    )
    assert plan.command == ["python", "manage.py", "runserver", "0.0.0.0:8000"]
    assert plan.entrypoint is None
    assert plan.port == 8000
    assert sorted(w.name for w in plan.workers) == ["celery-flower", "celery-worker"]
    assert sorted(s.name for s in plan.services) == ["postgres", "redis"]


def test_a_named_queue_service_loses_to_a_server_without_the_name() -> None:
    # `app` is one of the names taken for the web service; here it runs the worker.
    queue = built("app", command=["celery", "-A", "proj", "worker"], ports=(Port(5555),))
    site = built("site", command=["gunicorn", "proj.wsgi", "-b", "0.0.0.0:8000"])
    assert app_service(compose_of(queue, site), ROOT / "Dockerfile") == site


def test_when_every_service_runs_a_queue_the_first_with_a_port_is_still_taken() -> None:
    worker = built("celery", command=["celery", "-A", "proj", "worker"])
    flower = built("flower", command=["celery", "-A", "proj", "flower"], ports=(Port(5555),))
    assert app_service(compose_of(worker, flower), ROOT / "Dockerfile") == flower


@pytest.mark.parametrize(
    ("name", "entrypoint", "command", "queue"),
    [
        ("worker", None, ["celery", "-A", "proj", "worker", "-l", "info"], True),
        ("w", ["celery"], ["-A", "proj", "flower"], True),
        ("w", None, ["sh", "-c", "python manage.py migrate && celery -A proj beat"], True),
        ("w", None, ["python", "-m", "celery", "-A", "proj", "worker"], True),
        ("w", None, ["/usr/local/bin/celery", "-A", "proj", "worker"], True),
        ("w", None, ["python", "manage.py", "rqworker", "default"], True),
        ("w", None, ["python", "manage.py", "qcluster"], True),
        ("celeryworker", None, ["/start-celeryworker"], True),
        ("celery_beat", None, None, True),
        ("web", None, ["python", "manage.py", "runserver", "0.0.0.0:8000"], False),
        ("web", None, ["sh", "-c", "python manage.py migrate && gunicorn p.wsgi"], False),
        # A server command wins over the name.
        ("worker-api", None, ["gunicorn", "proj.wsgi", "-b", "0.0.0.0:8000"], False),
        ("django", None, None, False),
        ("api", None, ["/start"], False),
        ("webserver", None, ["uvicorn", "proj.asgi:application"], False),
    ],
)
def test_runs_task_queue(
    name: str, entrypoint: list[str] | None, command: list[str] | None, queue: bool
) -> None:
    assert runs_task_queue(built(name, entrypoint=entrypoint, command=command)) is queue


def test_a_service_that_only_holds_the_build_others_extend_is_not_the_app() -> None:
    """melehin/django-celery-vue-template: `api` holds the build and environment that `celery`
    (`celery -A backend worker -B`) and `django` (gunicorn) extend, with no command of its own
    (the image's entrypoint then has nothing to exec). Both names are in the usual app names
    and `api` came first: verify ran it as the app and gunicorn's `django` as a worker."""
    api = built("api", environment={"SQL_HOST": "db"})
    celery = built("celery", command=["celery", "-A", "backend", "worker", "-B"])
    django = built(
        "django",
        command=["gunicorn", "backend.wsgi:application", "--bind", "0.0.0.0:8000"],
        depends_on=("db", "celery"),
    )
    compose = compose_of(api, celery, django, Service(name="db", image="postgres:17"))
    assert app_service(compose, ROOT / "Dockerfile") == django
    # A shell around the server counts; without any server named, the old order stands.
    shelled = built("web", command=["sh", "-c", "python manage.py migrate && daphne x.asgi:app"])
    assert app_service(compose_of(api, shelled), ROOT / "Dockerfile") == shelled
    script = built("django", command=["/start"])
    assert app_service(compose_of(api, script), ROOT / "Dockerfile") == api
