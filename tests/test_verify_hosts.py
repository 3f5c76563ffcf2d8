"""Database/redis hosts no container under verify reaches (optimizer/verify/hosts.py and the
run plan): host.docker.internal and localhost, named with the variable or setting that holds
them, in the plan's notes and under the verdict's first reason. No engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.compose import ComposeProject, Service
from optimizer.context import DjangoProject
from optimizer.project import inspect_project
from optimizer.verify import VerifyOptions, hosts
from optimizer.verify import _finish as finish
from optimizer.verify.report import ProbeResult, SideReport, VerifyReport
from optimizer.verify.runplan import Flags, RunPlan, derive

DOCKERFILE = "FROM python:3.11\nCOPY . .\nCMD gunicorn mysite.wsgi -b 0.0.0.0:8000\n"


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("postgres://app:pw@host.docker.internal:5432/app", "host.docker.internal"),
        ("redis://localhost:6379/0", "localhost"),
        ("redis://:secret@127.0.0.1/1", "127.0.0.1"),
        ("postgresql://u@[::1]:5432/db", "::1"),
        ("host.docker.internal", "host.docker.internal"),
        ("localhost:5432", "localhost"),
        ("db", "db"),
        ("", None),
        ("not a host", None),
    ],
)
def test_host_of_urls_and_bare_values(value: str, host: str | None) -> None:
    assert hosts.host_of(value) == host


def test_only_service_variables_pointing_at_an_unreachable_host_count() -> None:
    env = {
        "DB_HOST": "host.docker.internal",
        "REDIS_URL": "redis://redis:6379/0",  # a service name: reachable
        "CELERY_BROKER_URL": "redis://localhost:6379/0",
        "ALLOWED_HOSTS": "localhost",  # not a service
        "EMAIL_HOST": "localhost",  # not a database, cache or broker
    }
    found = hosts.from_environment(env, "compose service web's environment")
    assert [(f.where, f.host, f.kind) for f in found] == [
        ("DB_HOST (compose service web's environment)", "host.docker.internal", "database"),
        ("CELERY_BROKER_URL (compose service web's environment)", "localhost", "broker"),
    ]


def _compose(environment: dict[str, str], *others: Service) -> ComposeProject:
    root = Path("/proj")
    app = Service(
        name="web",
        build_context=root,
        dockerfile=root / "Dockerfile",
        environment=environment,
        depends_on=tuple(o.name for o in others),
    )
    return ComposeProject(
        root, (root / "docker-compose.yml",), {s.name: s for s in (app, *others)}
    )


def _project(**fields: object) -> DjangoProject:
    base: dict[str, object] = {"root": Path("/proj"), "manage_py": "manage.py"}
    base.update(fields)
    return DjangoProject(**base)  # type: ignore[arg-type]


def test_compose_pointing_the_database_at_host_docker_internal_is_named() -> None:
    plan = derive(
        _project(database_engines=("postgresql",)),
        DOCKERFILE,
        Flags(),
        _compose({"DATABASE_URL": "postgres://app:pw@host.docker.internal:5432/app"}),
        Path("/proj/Dockerfile"),
    )
    assert plan.unreachable_hosts == (
        "DATABASE_URL (compose service web's environment) = host.docker.internal",
    )
    hint = plan.unreachable_hint or ""
    assert hint.startswith(
        "the app is pointed at a host verify's containers cannot reach: DATABASE_URL (compose "
        "service web's environment) = host.docker.internal (host.docker.internal is the machine "
        "running Docker"
    )
    assert "--service postgres:17" in hint  # no service to point it at
    assert hint in plan.notes


def test_with_a_compose_service_the_hint_names_it() -> None:
    db = Service(name="db", image="postgres:15")
    plan = derive(
        _project(database_engines=("postgresql",), env_vars=("DB_HOST",), settings_file=None),
        DOCKERFILE,
        Flags(),
        _compose({"DB_HOST": "localhost"}, db),
        Path("/proj/Dockerfile"),
    )
    hint = plan.unreachable_hint or ""
    assert "DB_HOST (compose service web's environment) = localhost" in hint
    assert "inside a container localhost is the container itself" in hint
    assert "point it at verify's service with `--env DB_HOST=db`" in hint


def test_service_flag_overrides_the_variables_the_settings_read() -> None:
    # The --service wiring sets DB_HOST (the settings read it): nothing unreachable is left.
    project = _project(
        database_engines=("postgresql",), env_vars=("DB_HOST",), settings_file="mysite/s.py"
    )
    plan = derive(
        project,
        DOCKERFILE,
        Flags(services=["postgres:17"]),
        _compose({"DB_HOST": "host.docker.internal"}),
        Path("/proj/Dockerfile"),
    )
    assert plan.env["DB_HOST"] == "postgres"
    assert plan.unreachable_hosts == () and plan.unreachable_hint is None


def test_a_variable_the_settings_do_not_read_is_not_blamed() -> None:
    project = _project(env_vars=("DATABASE_URL",), settings_file="mysite/s.py")
    plan = derive(
        project, DOCKERFILE, Flags(env={"DB_HOST": "localhost"}), None, Path("/proj/Dockerfile")
    )
    assert plan.unreachable_hosts == ()


SETTINGS = """\
import os
SECRET_KEY = "x"
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = []
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "app",
        "HOST": os.environ.get("DB_HOST", "localhost"),
    }
}
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
}
"""


def _write_project(root: Path) -> DjangoProject:
    (root / "mysite").mkdir()
    (root / "mysite" / "__init__.py").write_text("")
    (root / "mysite" / "settings.py").write_text(SETTINGS)
    (root / "mysite" / "urls.py").write_text("urlpatterns = []\n")
    (root / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
    )
    return inspect_project(root, DOCKERFILE)


def test_settings_defaults_and_literals_are_named_with_their_file(tmp_path: Path) -> None:
    project = _write_project(tmp_path)
    assert project.settings_file == "mysite/settings.py"
    # `--service none`: verify would otherwise start the Postgres and Redis the settings use
    # and point DB_HOST at it.
    plan = derive(project, DOCKERFILE, Flags(services=["none"]), None, tmp_path / "Dockerfile")
    assert plan.unreachable_hosts == (
        "DATABASES['default']['HOST'] in mysite/settings.py = localhost (the default of "
        "DB_HOST, which nothing sets)",
        "CACHES['default']['LOCATION'] in mysite/settings.py = 127.0.0.1 (written into the "
        "settings)",
    )
    hint = plan.unreachable_hint or ""
    assert "give --service postgres:17 (it sets" in hint  # the cache host is written in
    assert "CACHES['default']['LOCATION'] cannot be changed from outside" in hint

    # With services, the variable to set is named with its value.
    db = Service(name="pg", image="postgres:15")
    cache = Service(name="cache", image="redis:7")
    app = Service(
        name="web",
        build_context=tmp_path,
        dockerfile=tmp_path / "Dockerfile",
        depends_on=("pg", "cache"),
    )
    compose = ComposeProject(
        tmp_path, (tmp_path / "compose.yml",), {"web": app, "pg": db, "cache": cache}
    )
    plan = derive(project, DOCKERFILE, Flags(), compose, tmp_path / "Dockerfile")
    hint = plan.unreachable_hint or ""
    assert "point it at verify's service with `--env DB_HOST=pg`" in hint

    # --env DB_HOST=... reaches the settings' os.environ.get: the database is no longer named.
    env = {"DB_HOST": "db.example.com"}
    plan = derive(project, DOCKERFILE, Flags(env=env), None, tmp_path / "Dockerfile")
    assert plan.unreachable_hosts == (
        "CACHES['default']['LOCATION'] in mysite/settings.py = 127.0.0.1 (written into the "
        "settings)",
    )

    # The image's ENV counts as the container's environment too.
    with_env = DOCKERFILE.replace("COPY", "ENV DB_HOST=db\nCOPY")
    plan = derive(project, with_env, Flags(), None, tmp_path / "Dockerfile")
    assert all("DATABASES" not in h for h in plan.unreachable_hosts)


def test_the_host_of_a_sqlite_database_is_never_used(tmp_path: Path) -> None:
    # zmilv/dont-forgetter: ENGINE defaults to sqlite3 and HOST to localhost; only a
    # SQL_ENGINE from the environment makes the host matter.
    project = _write_project(tmp_path)
    (tmp_path / "mysite" / "settings.py").write_text(
        SETTINGS.replace('"django.db.backends.postgresql"', 'os.environ.get("SQL_ENGINE", '
                         '"django.db.backends.sqlite3")')
    )
    none = ["none"]
    plan = derive(project, DOCKERFILE, Flags(services=none), None, tmp_path / "Dockerfile")
    assert all("DATABASES" not in h for h in plan.unreachable_hosts)
    env = {"SQL_ENGINE": "django.db.backends.postgresql"}
    plan = derive(
        project, DOCKERFILE, Flags(env=env, services=none), None, tmp_path / "Dockerfile"
    )
    assert (
        "DATABASES['default']['HOST'] in mysite/settings.py = localhost (the default of "
        "DB_HOST, which nothing sets)"
    ) in plan.unreachable_hosts


def test_a_database_url_default_in_the_settings_is_read_for_its_host(tmp_path: Path) -> None:
    _write_project(tmp_path)
    (tmp_path / "mysite" / "settings.py").write_text(
        "import dj_database_url\nSECRET_KEY = 'x'\nDATABASES = {'default': dj_database_url.config("
        "default='postgres://app:pw@host.docker.internal:5432/app')}\n"
    )
    project = inspect_project(tmp_path, DOCKERFILE)
    # Started by itself, verify's Postgres gets DATABASE_URL: the default is not used.
    plan = derive(project, DOCKERFILE, Flags(), None, tmp_path / "Dockerfile")
    assert plan.unreachable_hosts == () and "DATABASE_URL" in plan.env
    plan = derive(project, DOCKERFILE, Flags(services=["none"]), None, tmp_path / "Dockerfile")
    assert plan.unreachable_hosts == (
        "DATABASES['default']['HOST'] in mysite/settings.py = host.docker.internal (the "
        "default of DATABASE_URL, which nothing sets)",
    )
    url = "postgres://app:pw@db.example.com:5432/app"
    plan = derive(
        project, DOCKERFILE, Flags(env={"DATABASE_URL": url}), None, tmp_path / "Dockerfile"
    )
    assert plan.unreachable_hosts == ()


def _not_serving() -> SideReport:
    return SideReport(
        build_tried=True,
        build_ok=True,
        started=True,
        serving="host",
        port=8000,
        image_size=100,
        probes=[ProbeResult("/", status=500, body="Server Error (500)", via="host")],
        pre_step={"command": ["python", "manage.py", "migrate"], "ok": False, "log_tail": []},
    )


def test_the_hint_goes_under_the_first_reason_when_nothing_was_proven() -> None:
    plan = RunPlan(unreachable_hint="the app is pointed at a host ...")
    report = VerifyReport("r", _not_serving(), _not_serving())
    finish(report, VerifyOptions(run_plan=plan))
    assert report.verdict == "inconclusive"
    assert report.verdict_reasons[0].cause[-1] == "the app is pointed at a host ..."


def test_any_service_url_at_host_docker_internal_is_named() -> None:
    # muchdogesec/ctibutler's .env.markdown: ARANGODB_HOST_URL='http://host.docker.internal:8529'.
    env = {
        "ARANGODB_HOST_URL": "http://host.docker.internal:8529",
        "CALLBACK_URL": "http://localhost:8000/done",  # the app's own address: not blamed
        "DJANGO_ALLOWED_HOSTS": "localhost host.docker.internal",  # not a URL or a host var
    }
    found = hosts.from_environment(env, "compose service django's environment")
    assert [(f.where, f.kind) for f in found] == [
        ("ARANGODB_HOST_URL (compose service django's environment)", "other")
    ]
    hint = hosts.explain(found, {}) or ""
    assert "host.docker.internal is the machine running Docker" in hint
    assert "verify starts no service for ARANGODB_HOST_URL" in hint


def test_a_service_name_that_no_service_has_is_named() -> None:
    # ctibutler's .env.markdown says POSTGRES_HOST=pgdb; its compose file has no pgdb.
    redis = Service(name="redis", image="redis:7")
    plan = derive(
        _project(env_vars=("POSTGRES_HOST", "CELERY_BROKER_URL"), settings_file="x/s.py"),
        DOCKERFILE,
        Flags(),
        _compose({"POSTGRES_HOST": "pgdb", "CELERY_BROKER_URL": "redis://redis:6379/0"}, redis),
        Path("/proj/Dockerfile"),
    )
    assert plan.unreachable_hosts == ("POSTGRES_HOST (compose service web's environment) = pgdb",)
    hint = plan.unreachable_hint or ""
    assert "no service verify starts is named pgdb (the compose file has none" in hint
    assert "give --service postgres:17" in hint


def test_a_broker_url_written_in_is_shown_read_under_its_own_name(tmp_path: Path) -> None:
    # rg3915/django-celery-redis-docker: `CELERY_BROKER_URL = 'redis://localhost:6379'` in the
    # settings; the advice's example read `os.environ.get('DB_HOST', 'localhost')`.
    project = _write_project(tmp_path)
    settings = tmp_path / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text() + "CELERY_BROKER_URL = 'redis://localhost:6379'\n"
    )
    project = inspect_project(tmp_path, DOCKERFILE)
    plan = derive(project, DOCKERFILE, Flags(), None, tmp_path / "Dockerfile")
    hint = plan.unreachable_hint or ""
    assert "cannot be changed from outside" in hint
    assert "`os.environ.get('CELERY_BROKER_URL', 'redis://localhost:6379')`" in hint, hint


def test_a_url_variable_holding_a_placeholder_is_given_a_whole_url() -> None:
    # Despair-17/YourBlog's .env.template: CELERY_BROKER_URL=CELERY_BROKER_URL,
    # REDIS_CACHE_URL=REDIS_CACHE_URL, DB_HOST=db_host. The hint said `--env
    # CELERY_BROKER_URL=redis`, which is no broker URL: the app then fails on it.
    found = [
        hosts.LocalHost("CELERY_BROKER_URL (env)", "celery_broker_url", "broker",
                        "CELERY_BROKER_URL", (), "CELERY_BROKER_URL", absent=True),
        hosts.LocalHost("REDIS_CACHE_URL (env)", "redis_cache_url", "redis",
                        "REDIS_CACHE_URL", (), "REDIS_CACHE_URL", absent=True),
        hosts.LocalHost("DB_HOST (env)", "db_host", "database", "db_host", (), "DB_HOST",
                        absent=True),
        hosts.LocalHost("DATABASE_URL (env)", "x", "database", "x", (), "DATABASE_URL",
                        absent=True),
    ]
    hint = hosts.explain(found, {"redis": "redis", "database": "postgres-db"}) or ""
    assert "`--env CELERY_BROKER_URL=redis://redis:6379/0`" in hint
    assert "`--env REDIS_CACHE_URL=redis://redis:6379/0`" in hint
    assert "`--env DB_HOST=postgres-db`" in hint
    assert "`--env DATABASE_URL=postgres://USER:PASSWORD@postgres-db:5432/NAME`" in hint
    # A URL keeps its own scheme, account and path; only its host changes.
    url = hosts.LocalHost("CELERY_BROKER_URL (env)", "localhost", "broker",
                          "amqp://u:p@localhost:5672/v", (), "CELERY_BROKER_URL")
    assert "`--env CELERY_BROKER_URL=amqp://u:p@mq:5672/v`" in (
        hosts.explain([url], {"broker": "mq"}) or ""
    )
