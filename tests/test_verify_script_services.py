"""Compose services the app's start script reaches by name, though depends_on does not list
them (runplan._reached_by_scripts, through derive).

Arthurobo/django-docker's entrypoint.sh loops on `curl http://elasticsearch:9200/...` before
starting gunicorn; `docker compose up` starts every service, verify only the app's depends_on
and those its environment names, so the original waited forever and verify said only that it
did not answer. No engine.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.compose import ComposeProject, Port, Service
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, derive

DOCKERFILE = "FROM python:3.11\nWORKDIR /app\nCOPY . /app/\nCMD [\"./entrypoint.sh\"]\n"
ENTRYPOINT = """\
#!/bin/bash
python manage.py migrate --noinput
# an old note: we used to wait for cache:11211 here
until curl -s http://elasticsearch:9200/_cluster/health; do sleep 5; done
exec gunicorn blog.wsgi:application --bind 0.0.0.0:8000
"""


def _plan(root: Path, *others: Service, app: Service | None = None):  # type: ignore[no-untyped-def]
    app = app or Service(
        name="blog",
        build_context=root,
        dockerfile=root / "Dockerfile",
        depends_on=("db",),
    )
    services = {s.name: s for s in (app, Service(name="db", image="postgres:15"), *others)}
    compose = ComposeProject(root, (root / "compose.yml",), services)
    project = DjangoProject(root=root, manage_py="manage.py")
    return derive(project, DOCKERFILE, Flags(), compose, root / "Dockerfile")


def test_a_service_the_entrypoint_script_waits_for_is_started(tmp_path: Path) -> None:
    (tmp_path / "entrypoint.sh").write_text(ENTRYPOINT)
    search = Service(
        name="elasticsearch",
        image="docker.elastic.co/elasticsearch/elasticsearch:8.13.0",
        ports=(Port(9200, "9201"),),
    )
    cache = Service(name="cache", image="memcached:1.6")  # only in a comment
    proxy = Service(name="nginx", image="nginx:latest", depends_on=("blog",))
    worker = Service(
        name="celery", build_context=tmp_path, dockerfile=tmp_path / "Dockerfile",
        command=["celery", "-A", "blog", "worker"],
    )
    plan = _plan(tmp_path, search, cache, proxy, worker)
    assert [s.name for s in plan.services] == ["db", "elasticsearch"]
    assert plan.services[1].port == 9200
    assert (
        "compose service 'elasticsearch' started too: the app's start script (entrypoint.sh) "
        "reaches it by name, though depends_on does not"
    ) in plan.notes


def test_a_service_the_compose_command_reaches_is_started(tmp_path: Path) -> None:
    app = Service(
        name="web",
        build_context=tmp_path,
        dockerfile=tmp_path / "Dockerfile",
        command=["sh", "-c", "./wait-for-it.sh mq:5672 -- gunicorn p.wsgi -b 0.0.0.0:8000"],
    )
    mq = Service(name="mq", image="rabbitmq:3")
    # A word that is only a package or a path, not a host, does not count.
    solr = Service(name="solr", image="solr:9")
    app_with_solr = Service(
        name="web",
        build_context=tmp_path,
        dockerfile=tmp_path / "Dockerfile",
        command=["sh", "-c", "pip list | grep solr; ls /srv/solr-data; gunicorn p.wsgi"],
    )
    plan = _plan(tmp_path, mq, app=app)
    assert [s.name for s in plan.services] == ["mq"]
    assert any("'mq' started too: the app's start script (its command)" in n for n in plan.notes)
    plan = _plan(tmp_path, solr, app=app_with_solr)
    assert plan.services == ()
