"""Settings that load an env file themselves (optimizer/settings.py, Interpreter.load_env_file).

sakagb/django-docker's base settings call `env.read_env(os.path.join(BASE_DIR.parent, ".env"))`;
the project's api/.env (made from api/.env.example, as its README has the user do) sets
DJANGO_REDIS_URL and DATABASE_URL, and the image holds it (`COPY api/ /app`). The settings
reader did not read it, so verify's hosts hint said CELERY_BROKER_URL was localhost, "the
default of DJANGO_REDIS_URL, which nothing sets", under a verdict whose cause was elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.project import inspect_project, settings_namespace

DOCKERFILE = "FROM python:3.11-slim\nWORKDIR /app\nCOPY api/ /app\n"


def _project(tmp_path: Path, base: str) -> Path:
    config = tmp_path / "api" / "site" / "config"
    config.mkdir(parents=True)
    (config / "__init__.py").write_text("")
    (config / "settings.py").write_text(base)
    (tmp_path / "api" / "site" / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
    )
    return tmp_path


READ_ENV = """\
import os
from pathlib import Path
import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if READ_DOT_ENV_FILE := env.bool("DJANGO_READ_DOT_ENV_FILE", default=True):
    env.read_env(os.path.join(BASE_DIR.parent, ".env"))
CELERY_BROKER_URL = env("DJANGO_REDIS_URL", default="redis://localhost:6379")
DATABASES = {"default": env.db()}
"""


def test_a_file_the_settings_read_with_read_env_sets_their_variables(tmp_path: Path) -> None:
    root = _project(tmp_path, READ_ENV)
    (root / "api" / ".env").write_text(
        "# from .env.example\nDJANGO_REDIS_URL=redis://redis:6379\n"
        "export DATABASE_URL='postgres://u:p@db:5432/site'\nDJANGO_SECRET_KEY=\n"
    )
    project = inspect_project(root, DOCKERFILE)
    namespace = settings_namespace(project, DOCKERFILE, {}) or {}
    assert namespace["CELERY_BROKER_URL"] == "redis://redis:6379"
    assert namespace["DATABASES"]["default"]["HOST"] == "db"
    # The environment the container gets wins: neither loader overrides it by default.
    namespace = settings_namespace(
        project, DOCKERFILE, {"DJANGO_REDIS_URL": "redis://cache:6379"}
    ) or {}
    assert namespace["CELERY_BROKER_URL"] == "redis://cache:6379"


def test_no_file_leaves_the_defaults(tmp_path: Path) -> None:
    root = _project(tmp_path, READ_ENV)
    project = inspect_project(root, DOCKERFILE)
    namespace = settings_namespace(project, DOCKERFILE, {}) or {}
    assert namespace["CELERY_BROKER_URL"] == "redis://localhost:6379"


def test_load_dotenv_without_a_path_finds_the_file_above_the_settings(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "import os\nfrom dotenv import load_dotenv\nload_dotenv()\n"
        "CELERY_BROKER_URL = os.getenv('BROKER', 'amqp://localhost//')\n",
    )
    (root / "api" / "site" / ".env").write_text('BROKER="amqp://rabbit//"  # the compose name\n')
    project = inspect_project(root, DOCKERFILE)
    namespace = settings_namespace(project, DOCKERFILE, {}) or {}
    assert namespace["CELERY_BROKER_URL"] == "amqp://rabbit//"


DECOUPLE = """\
from decouple import Csv, config

SECRET_KEY = config("SECRET_KEY")
ALLOWED_HOSTS = config("ALLOWED_HOSTS", default="", cast=Csv())
CELERY_BROKER_URL = config("REDIS_URL", default="redis://localhost:6379/0")
"""


def test_decouple_reads_the_env_file_it_finds_walking_up_from_the_settings(
    tmp_path: Path,
) -> None:
    # python-decouple's `config` reads the first settings.ini or .env it finds from the
    # settings module's directory up, with no call to load it: .env at the project's root
    # (api/.env here, two directories above config/settings.py) sets REDIS_URL.
    root = _project(tmp_path, DECOUPLE)
    (root / "api" / ".env").write_text("SECRET_KEY=s\nREDIS_URL=redis://redis:6379/0\n")
    project = inspect_project(root, DOCKERFILE)
    namespace = settings_namespace(project, DOCKERFILE, {}) or {}
    assert namespace["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert "REDIS_URL" in project.env_vars
    namespace = settings_namespace(project, DOCKERFILE, {"REDIS_URL": "redis://cache:6379"}) or {}
    assert namespace["CELERY_BROKER_URL"] == "redis://cache:6379"
    # settings.ini nearer the settings wins over the .env further up, as decouple searches.
    (root / "api" / "site" / "settings.ini").write_text(
        "[settings]\nREDIS_URL=redis://ini:6379/0\n"
    )
    namespace = settings_namespace(project, DOCKERFILE, {}) or {}
    assert namespace["CELERY_BROKER_URL"] == "redis://ini:6379/0"


def test_decouple_without_a_file_keeps_the_default(tmp_path: Path) -> None:
    root = _project(tmp_path, DECOUPLE)
    project = inspect_project(root, DOCKERFILE)
    namespace = settings_namespace(project, DOCKERFILE, {}) or {}
    assert namespace["CELERY_BROKER_URL"] == "redis://localhost:6379/0"
