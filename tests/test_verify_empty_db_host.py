"""A server database whose HOST a variable nothing sets leaves empty (optimizer/verify/hosts.py
empty_database_hosts, through the run plan).

xorazmiy1996/Django-Web-Framework reads `'HOST': os.environ.get('POSTGRES_HOST')`; its env
template sets no POSTGRES_HOST, so Django connected to the socket in its own container and the
original failed. The hint named DATABASE_HOST and DATABASE_PORT (the db service's blanks), not
the variable the app lacked. No engine.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.compose import ComposeProject, Service
from optimizer.context import DjangoProject
from optimizer.project import inspect_project
from optimizer.verify.runplan import Flags, derive

DOCKERFILE = "FROM python:3.11\nCOPY . .\nCMD gunicorn mysite.wsgi -b 0.0.0.0:8000\n"
SETTINGS = """\
import os
SECRET_KEY = "x"
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = []
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("POSTGRES_DB"),
        "USER": os.environ.get("POSTGRES_USER"),
        "HOST": os.environ.get("POSTGRES_HOST"),
        "PORT": 5432,
    }
}
"""


def _project(root: Path, settings: str = SETTINGS) -> DjangoProject:
    (root / "mysite").mkdir()
    (root / "mysite" / "__init__.py").write_text("")
    (root / "mysite" / "settings.py").write_text(settings)
    (root / "mysite" / "urls.py").write_text("urlpatterns = []\n")
    (root / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
    )
    return inspect_project(root, DOCKERFILE)


def _compose(root: Path, environment: dict[str, str]) -> ComposeProject:
    app = Service(
        name="web",
        build_context=root,
        dockerfile=root / "Dockerfile",
        environment=environment,
        depends_on=("db",),
    )
    db = Service(name="db", image="postgres:15", environment={"POSTGRES_PASSWORD": "pw"})
    return ComposeProject(root, (root / "docker-compose.yml",), {"web": app, "db": db})


def test_an_unset_host_variable_is_named_with_the_service_to_point_it_at(tmp_path: Path) -> None:
    project = _project(tmp_path)
    compose = _compose(tmp_path, {"POSTGRES_DB": "app", "POSTGRES_USER": "app"})
    plan = derive(project, DOCKERFILE, Flags(), compose, tmp_path / "Dockerfile")
    assert plan.unreachable_hosts == (
        "DATABASES['default']['HOST'] in mysite/settings.py is empty (the default of "
        "POSTGRES_HOST, which nothing sets)",
    )
    hint = plan.unreachable_hint or ""
    assert "Unix socket in the app's own container" in hint
    assert "`--env POSTGRES_HOST=db`" in hint


def test_a_host_the_environment_sets_is_not_blamed(tmp_path: Path) -> None:
    project = _project(tmp_path)
    compose = _compose(tmp_path, {"POSTGRES_HOST": "db"})
    plan = derive(project, DOCKERFILE, Flags(), compose, tmp_path / "Dockerfile")
    assert plan.unreachable_hosts == () and plan.unreachable_hint is None
    # --service sets the host variables the settings read.
    plan = derive(project, DOCKERFILE, Flags(services=["postgres:17"]), None,
                  tmp_path / "Dockerfile")
    assert plan.unreachable_hosts == ()


def test_sqlite_and_a_literal_empty_host_of_unknown_origin_are_not_named(tmp_path: Path) -> None:
    sqlite = SETTINGS.replace('"django.db.backends.postgresql"', '"django.db.backends.sqlite3"')
    project = _project(tmp_path, sqlite)
    plan = derive(project, DOCKERFILE, Flags(), _compose(tmp_path, {}), tmp_path / "Dockerfile")
    assert plan.unreachable_hosts == ()
    # Written empty into the settings, no variable decides it: not said (the settings reader's
    # None may also be a value it could not work out).
    (tmp_path / "mysite" / "settings.py").write_text(
        SETTINGS.replace('os.environ.get("POSTGRES_HOST")', '""')
    )
    project = inspect_project(tmp_path, DOCKERFILE)
    plan = derive(project, DOCKERFILE, Flags(), _compose(tmp_path, {}), tmp_path / "Dockerfile")
    assert plan.unreachable_hosts == ()
