from __future__ import annotations

from pathlib import Path

from optimizer.project import find_manage_py, inspect_project

MANAGE_PY = """\
#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{settings}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
"""

WSGI_PY = """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{settings}")

application = get_wsgi_application()
"""

ASGI_PY = """\
import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{settings}")

application = ProtocolTypeRouter({{"http": get_asgi_application()}})
"""

STARTPROJECT_SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "x"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "blog.apps.BlogConfig",
]
WSGI_APPLICATION = "mysite.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = BASE_DIR / "media"
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def startproject(root: Path, name: str = "mysite", prefix: str = "") -> None:
    settings = f"{name}.settings"
    write(
        root,
        {
            f"{prefix}manage.py": MANAGE_PY.format(settings=settings),
            f"{prefix}{name}/__init__.py": "",
            f"{prefix}{name}/settings.py": STARTPROJECT_SETTINGS.replace("mysite", name),
            f"{prefix}{name}/wsgi.py": WSGI_PY.format(settings=settings),
            f"{prefix}{name}/asgi.py": ASGI_PY.format(settings=settings),
            f"{prefix}{name}/urls.py": "urlpatterns = []\n",
            f"{prefix}requirements.txt": "django\npsycopg2\n",
        },
    )


def test_startproject_layout(tmp_path: Path) -> None:
    startproject(tmp_path)
    project = inspect_project(tmp_path)
    assert project.is_django
    assert project.manage_py == "manage.py"
    assert project.project_dir == "."
    assert project.settings_module == "mysite.settings"
    assert project.wsgi_application == "mysite.wsgi:application"
    assert project.asgi_application == "mysite.asgi:application"
    assert project.installed_apps[0] == "django.contrib.admin"
    assert project.admin_installed
    assert project.static_root == "staticfiles"
    assert project.media_root == "media"
    assert project.sqlite_path == "db.sqlite3"
    assert project.dependencies.manager == "pip"
    assert project.dependencies.has("psycopg2")


def test_nested_project_paths_are_context_relative(tmp_path: Path) -> None:
    startproject(tmp_path, name="core", prefix="backend/")
    project = inspect_project(tmp_path)
    assert project.manage_py == "backend/manage.py"
    assert project.project_dir == "backend"
    # Dotted from manage.py's directory, where the server runs.
    assert project.wsgi_application == "core.wsgi:application"
    assert project.static_root == "backend/staticfiles"
    assert project.sqlite_path == "backend/db.sqlite3"
    # Requirements next to manage.py are found too.
    assert project.dependencies.manifest_files == ("backend/requirements.txt",)


def test_manage_py_search_skips_virtualenvs_and_prefers_shallow(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".venv/lib/manage.py": "",
            "venv/manage.py": "",
            "node_modules/pkg/manage.py": "",
            "custom-env/pyvenv.cfg": "home = /usr\n",
            "custom-env/manage.py": "",
            "a/b/c/manage.py": MANAGE_PY.format(settings="x.settings"),
            "src/manage.py": MANAGE_PY.format(settings="site.settings"),
            "docs/manage.py": "print('not django')\n",
            "too/deep/down/here/manage.py": "",
        },
    )
    assert find_manage_py(tmp_path) == "src/manage.py"
    (tmp_path / "src/manage.py").unlink()
    (tmp_path / "docs/manage.py").unlink()
    assert find_manage_py(tmp_path) == "a/b/c/manage.py"
    (tmp_path / "a/b/c/manage.py").unlink()
    assert find_manage_py(tmp_path) is None


def test_settings_package_with_star_imports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY.format(settings="config.settings.production"),
            "config/__init__.py": "",
            "config/settings/__init__.py": "",
            "config/settings/base.py": (
                "import os\n"
                "BASE_DIR = os.path.dirname(os.path.dirname(os.path.dirname("
                "os.path.abspath(__file__))))\n"
                "DJANGO_APPS = ['django.contrib.auth', 'django.contrib.contenttypes']\n"
                "THIRD_PARTY_APPS = ('rest_framework',)\n"
                "LOCAL_APPS = ['shop']\n"
                "INSTALLED_APPS = DJANGO_APPS + list(THIRD_PARTY_APPS) + LOCAL_APPS\n"
                "STATIC_ROOT = os.path.join(BASE_DIR, 'collected', 'static')\n"
                "MEDIA_ROOT = os.environ.get('MEDIA_ROOT', os.path.join(BASE_DIR, 'media'))\n"
                "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',\n"
                "                         'NAME': os.path.join(BASE_DIR, 'data', 'db.sqlite3')}}\n"
            ),
            "config/settings/production.py": (
                "from .base import *  # noqa\n"
                "from .components.cache import *\n"
                "try:\n"
                "    from .local import *\n"
                "except ImportError:\n"
                "    INSTALLED_APPS += ['fallback']\n"
                "INSTALLED_APPS += [\n    'django.contrib.admin',\n]\n"
                "INSTALLED_APPS.append('whitenoise.runserver_nostatic')\n"
                "if DEBUG:\n"
                "    INSTALLED_APPS += ['debug_toolbar']\n"
                "DATABASES['default']['ENGINE'] = 'django.db.backends.postgresql'\n"
            ),
            "config/settings/components/__init__.py": "",
            "config/settings/components/cache.py": "DEBUG = False\nCACHES = {}\n",
            "config/wsgi.py": WSGI_PY.format(settings="config.settings.production"),
        },
    )
    project = inspect_project(tmp_path)
    assert project.settings_module == "config.settings.production"
    assert project.installed_apps == (
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "rest_framework",
        "shop",
        "fallback",
        "django.contrib.admin",
        "whitenoise.runserver_nostatic",
    )
    assert project.static_root == "collected/static"
    assert project.media_root == "media"
    # The production module switched the default database away from sqlite.
    assert project.sqlite_path is None
    assert project.wsgi_application == "config.wsgi:application"


def test_star_import_cycle_and_absolute_import(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY.format(settings="proj.settings"),
            "proj/__init__.py": "",
            "proj/settings/__init__.py": "from proj.settings.a import *\n",
            "proj/settings/a.py": "from .b import *\nINSTALLED_APPS = APPS + ['a']\n",
            "proj/settings/b.py": "from .a import *\nAPPS = ['b']\n",
        },
    )
    project = inspect_project(tmp_path)
    assert project.installed_apps == ("b", "a")


def test_path_forms(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY.format(settings="site_cfg.settings"),
            "site_cfg/__init__.py": "",
            "site_cfg/settings.py": (
                "import environ\n"
                "from pathlib import Path\n"
                "ROOT = environ.Path(__file__) - 2\n"
                "BASE_DIR = Path(__file__).resolve(strict=True).parents[1]\n"
                "env = environ.Env()\n"
                "DEBUG = env.bool('DJANGO_DEBUG', True)\n"
                "INSTALLED_APPS = ['debug_toolbar'] if DEBUG else []\n"
                "STATIC_ROOT = str(ROOT('static_build'))\n"
                "MEDIA_ROOT = env('MEDIA_ROOT', default=f'{BASE_DIR}/uploads')\n"
                "DATABASES = {'default': env.db('DATABASE_URL', "
                "default='sqlite:///' + str(BASE_DIR.joinpath('var', 'app.db')))}\n"
            ),
        },
    )
    project = inspect_project(tmp_path)
    assert project.installed_apps == ("debug_toolbar",)
    assert project.static_root == "static_build"
    assert project.media_root == "uploads"
    assert project.sqlite_path == "var/app.db"


def test_literal_and_unresolvable_paths(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/manage.py": MANAGE_PY.format(settings="settings"),
            "app/settings.py": (
                "import os\n"
                "STATIC_ROOT = '/var/www/static'\n"
                "MEDIA_ROOT = os.path.join(os.path.dirname(__file__), '..', '..', 'media')\n"
                "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',"
                " 'NAME': 'db.sqlite3'}}\n"
                "INSTALLED_APPS = get_apps()\n"
            ),
        },
    )
    project = inspect_project(tmp_path)
    assert project.static_root == "/var/www/static"
    # Climbs out of the build context: not something the image can hold.
    assert project.media_root is None
    # Relative to the working directory, which is manage.py's.
    assert project.sqlite_path == "app/db.sqlite3"
    assert project.installed_apps == ()


def test_dj_database_url_and_memory_database(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY.format(settings="s"),
            "s.py": (
                "import dj_database_url\n"
                "DATABASES = {'default': dj_database_url.config(default='sqlite:////data/db.sqlite3')}\n"
            ),
        },
    )
    assert inspect_project(tmp_path).sqlite_path == "/data/db.sqlite3"
    write(
        tmp_path,
        {
            "s.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',"
            " 'NAME': ':memory:'}}\n"
        },
    )
    assert inspect_project(tmp_path).sqlite_path is None


def test_wsgi_found_without_setting(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY.format(settings="web.conf"),
            "web/__init__.py": "",
            "web/conf.py": "INSTALLED_APPS = []\n",
            "web/server.py": (
                "from django.core.wsgi import get_wsgi_application\n"
                "from whitenoise import WhiteNoise\n"
                "app = WhiteNoise(get_wsgi_application())\n"
            ),
            "web/deploy/asgi.py": "application = make_app()\n",
        },
    )
    project = inspect_project(tmp_path)
    assert project.wsgi_application == "web.server:app"
    assert project.asgi_application == "web.deploy.asgi:application"


def test_settings_from_wsgi_when_manage_py_is_missing(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/wsgi.py": WSGI_PY.format(settings="proj.settings"),
            "proj/settings.py": "INSTALLED_APPS = ('django.contrib.admin',)\n",
        },
    )
    project = inspect_project(tmp_path)
    assert project.manage_py is None
    assert project.is_django
    assert project.settings_module == "proj.settings"
    assert project.admin_installed
    assert project.wsgi_application == "proj.wsgi:application"


def test_dockerfile_env_overrides_settings_and_manager(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings_prod.py": (
                "from .settings import *\nSTATIC_ROOT = '/srv/static'\nDATABASES = {}\n"
            ),
            "Pipfile": "[packages]\ndjango = '*'\n",
        },
    )
    dockerfile = (
        "FROM python:3.11 AS build\nENV DJANGO_SETTINGS_MODULE=mysite.other\n"
        "FROM python:3.11-slim\n"
        "ENV PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=mysite.settings_prod\n"
        "COPY . .\nRUN pip install pipenv && pipenv install --system --deploy\n"
    )
    project = inspect_project(tmp_path, dockerfile)
    assert project.settings_module == "mysite.settings_prod"
    assert project.static_root == "/srv/static"
    assert project.sqlite_path is None
    assert project.dependencies.manager == "pipenv"


def test_garbage_files_never_raise(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": "def broken(:\n",
            "proj/__init__.py": "",
            "proj/wsgi.py": "application = (\n",
            "proj/asgi.py": "\x00\x01binary",
            "proj/other.py": "x = get_wsgi_application(" * 50,
            "requirements.txt": "\x00\x00",
            "pyproject.toml": "[[[",
        },
    )
    (tmp_path / "proj/bad.py").write_bytes(b"\xff\xfe get_asgi_application \x00")
    project = inspect_project(tmp_path)
    assert project.manage_py == "manage.py"
    assert project.settings_module is None
    assert project.wsgi_application is None


def test_weird_settings_statements_do_not_lose_later_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY.format(settings="s"),
            "s.py": (
                "import sys\n"
                "a, b = 1\n"
                "X = [1] + {'a': 1}\n"
                "Y = 1 / 0\n"
                "Z = 'a' * 10 ** 100\n"
                "DEEP = " + "(" * 200 + "1" + ")" * 200 + "\n"
                "INSTALLED_APPS = ['a', sys.argv[0], *OTHER, *['b']]\n"
                "for app in ['c']:\n"
                "    INSTALLED_APPS.append(app)\n"
                "if 'test' in sys.argv:\n"
                "    STATIC_ROOT = 'test-static'\n"
                "else:\n"
                "    STATIC_ROOT = 'static'\n"
                "MEDIA_ROOT = 'media' if os.environ.get('X') else 'uploads'\n"
                "class Settings:\n"
                "    STATIC_ROOT = 'nope'\n"
                "def f():\n"
                "    global MEDIA_ROOT\n"
                "    MEDIA_ROOT = 'nope'\n"
            ),
        },
    )
    project = inspect_project(tmp_path)
    assert project.installed_apps == ("a", "b")
    # Depends on sys.argv, which we cannot know.
    assert project.static_root is None
    assert project.media_root == "uploads"


def test_split_settings_include(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY.format(settings="server.settings"),
            "server/__init__.py": "",
            "server/settings/__init__.py": (
                "from split_settings.tools import include, optional\n"
                "include('components/*.py', optional('environments/local.py'))\n"
            ),
            "server/settings/components/a_common.py": (
                "from pathlib import Path\nBASE_DIR = Path(__file__).parent.parent.parent.parent\n"
                "INSTALLED_APPS = ['django.contrib.admin']\n"
            ),
            "server/settings/components/b_static.py": "STATIC_ROOT = BASE_DIR / 'static'\n",
        },
    )
    project = inspect_project(tmp_path)
    assert project.installed_apps == ("django.contrib.admin",)
    assert project.static_root == "static"


def test_not_django(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "print('hi')\n", "requirements.txt": "flask\n"})
    project = inspect_project(tmp_path)
    assert not project.is_django
    assert project.project_dir == "."
    assert project.dependencies.packages == {"flask"}


SETTINGS_PACKAGE_BASE = """\
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes"]
ROOT_URLCONF = "proj.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(BASE_DIR, "data/db.sqlite3"),
    }
}
"""

MANAGE_PY_NO_DEFAULT = """\
import sys

from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
"""


def test_settings_package_base_found_without_setdefault(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY_NO_DEFAULT,
            "proj/__init__.py": "",
            "proj/settings/__init__.py": "",
            "proj/settings/base.py": SETTINGS_PACKAGE_BASE,
            "proj/settings/dev.py": "from .base import *\nDEBUG = True\n",
            "proj/urls.py": "urlpatterns = []\n",
            "tests/settings.py": "INSTALLED_APPS = []\nDATABASES = {}\n",
            "data/.gitignore": "*\n!.gitignore\n",
        },
    )
    project = inspect_project(tmp_path)
    assert project.settings_module == "proj.settings.base"
    assert project.settings_file == "proj/settings/base.py"
    assert project.sqlite_path == "data/db.sqlite3"
    assert project.database_engines == ("sqlite3",)


def test_settings_package_that_imports_its_base_is_the_module(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY_NO_DEFAULT,
            "proj/__init__.py": "",
            "proj/settings/__init__.py": "from .base import *  # noqa\n",
            "proj/settings/base.py": SETTINGS_PACKAGE_BASE,
        },
    )
    project = inspect_project(tmp_path)
    assert project.settings_module == "proj.settings"
    assert project.sqlite_path == "data/db.sqlite3"


def test_settings_named_by_pytest_config_or_settings_flag(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY_NO_DEFAULT,
            "proj/__init__.py": "",
            "proj/settings/__init__.py": "",
            "proj/settings/base.py": SETTINGS_PACKAGE_BASE,
            "proj/settings/prod.py": "from .base import *\nMEDIA_ROOT = '/srv/media'\n",
            "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = proj.settings.prod\n",
        },
    )
    assert inspect_project(tmp_path).settings_module == "proj.settings.prod"
    dockerfile = "FROM python:3.11\nCMD python manage.py runserver --settings=proj.settings.base\n"
    assert inspect_project(tmp_path, dockerfile).settings_module == "proj.settings.base"
    # On the command the container runs, the flag beats manage.py's default.
    write(tmp_path, {"manage.py": MANAGE_PY.format(settings="proj.settings.prod")})
    assert inspect_project(tmp_path, dockerfile).settings_module == "proj.settings.base"
    build_only = (
        "FROM python:3.11\nRUN python manage.py collectstatic --settings=proj.settings.base\n"
    )
    assert inspect_project(tmp_path, build_only).settings_module == "proj.settings.prod"


def test_an_absent_module_of_the_project_runs_the_except_import_error_branch(
    tmp_path: Path,
) -> None:
    # ducdat147/django-boilerplate: settings/__init__.py tries the untracked local.py by its
    # absolute name, else production.py. The reader took the import as done and read nothing.
    write(
        tmp_path,
        {
            "manage.py": MANAGE_PY.format(settings="configurations.settings"),
            "configurations/__init__.py": "",
            "configurations/settings/__init__.py": (
                "try:\n"
                "    from configurations.settings.local import *  # noqa\n"
                "except ImportError:\n"
                "    from configurations.settings.production import *  # noqa\n"
            ),
            "configurations/settings/production.py": (
                "import os\nfrom environ import Env\n"
                "ALLOWED_HOSTS = os.environ.get('ALLOWED_HOSTS', 'prod.example').split(',')\n"
                "INSTALLED_APPS = ['django.contrib.admin']\n"
                "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n"
            ),
        },
    )
    project = inspect_project(tmp_path)
    assert project.allowed_hosts == ("prod.example",)
    assert project.database_engines == ("postgresql",)
    assert "ALLOWED_HOSTS" in project.env_vars
    # With local.py there, it is the one read.
    (tmp_path / "configurations/settings/local.py").write_text("ALLOWED_HOSTS = ['dev.local']\n")
    assert inspect_project(tmp_path).allowed_hosts == ("dev.local",)


def test_unknown_settings_module_stays_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"manage.py": MANAGE_PY_NO_DEFAULT, "app/models.py": "x = 1\n"})
    project = inspect_project(tmp_path)
    assert project.settings_module is None
    assert project.settings_file is None


def test_defaults_hidden_behind_getattr_get_and_or(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS
            + "import os\n"
            + "try:\n    import configuration\nexcept ImportError:\n    configuration = None\n"
            + 'MEDIA_ROOT = getattr(configuration, "MEDIA_ROOT", '
            + 'os.path.join(BASE_DIR, "uploads"))\n'
            + 'conf = {}\nSTATIC_ROOT = conf.get("STATIC_ROOT", str(BASE_DIR / "static_out"))\n'
            + 'LOG_DIR = os.environ.get("LOG_DIR") or "/var/log/app"\n'
            + "try:\n    from .local import *\nexcept ImportError:\n    LOCAL = False\n",
        },
    )
    project = inspect_project(tmp_path)
    assert project.media_root == "uploads"
    assert project.static_root == "static_out"
    assert "LOG_DIR" in project.env_vars


def test_newer_python_syntax_is_read_and_unreadable_files_are_reported(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            # PEP 701 (3.12) f-string and a PEP 695 type statement: ast on 3.11 refuses both.
            "mysite/settings.py": STARTPROJECT_SETTINGS
            + 'names = {"a": "x"}\nLABEL = f"{names["a"]}-site"\n'
            + "type Pair = tuple[int, int]\n"
            + 'MEDIA_ROOT = BASE_DIR / "uploads"\nfrom .extra import *\n',
            "mysite/extra.py": "def broken(:\n",
        },
    )
    project = inspect_project(tmp_path)
    assert project.media_root == "uploads"
    assert project.sqlite_path == "db.sqlite3"
    assert project.unreadable_settings == ("mysite/extra.py",)


def test_a_pep_701_f_string_keeps_its_value(tmp_path: Path) -> None:
    # The f-string reuses its own quote inside a field (3.12): the downgrade made the whole
    # value unknown, so the sqlite file's directory and MEDIA_ROOT were not made writable.
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS.replace(
                '"NAME": BASE_DIR / "db.sqlite3"', '"NAME": f"{BASE_DIR / "data" / "db.sqlite3"}"'
            )
            + 'MEDIA_ROOT = f"{BASE_DIR}/{"uploads"}"\n'
            + "LABEL = f\"{'it' + \"'s\"}\"\n",  # needs both quotes inside: stays unknown
        },
    )
    project = inspect_project(tmp_path)
    assert project.sqlite_path == "data/db.sqlite3"
    assert project.media_root == "uploads"


def test_database_engines_env_vars_hosts_and_redis(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS
            + "import environ\nimport dj_database_url\nfrom decouple import config, Csv\n"
            + "env = environ.Env()\n"
            + 'DEBUG = env.bool("DJANGO_DEBUG", False)\n'
            + 'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"] if False else "x"\n'
            + "DATABASES = {\n"
            + '    "default": env.db("DATABASE_URL", default="postgis://u:p@db/app"),\n'
            + '    "legacy": dj_database_url.config(env="LEGACY_DB", '
            + 'default="mysql://u:p@m/x"),\n'
            + "}\n"
            + 'ALLOWED_HOSTS = config("ALLOWED_HOSTS", default="example.com, .example.org", '
            + "cast=Csv())\n"
            + 'CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://redis:6379/0")\n'
            + 'if config("USE_S3", default=False, cast=bool):\n'
            + '    AWS_BUCKET = os.getenv("AWS_BUCKET")\n',
        },
    )
    project = inspect_project(tmp_path)
    assert project.database_engines == ("postgis", "mysql")
    assert project.sqlite_path is None
    assert project.allowed_hosts == ("example.com", ".example.org")
    assert project.uses_redis
    for name in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DATABASE_URL", "LEGACY_DB",
                 "ALLOWED_HOSTS", "CELERY_BROKER_URL", "USE_S3", "AWS_BUCKET"):
        assert name in project.env_vars, name


def test_redis_from_caches_and_split_hosts(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS
            + "import os\n"
            + "ALLOWED_HOSTS = [h.strip() for h in os.environ.get("
            + '"HOSTS", "127.0.0.1, app.local,").split(",") if h]\n'
            + 'CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache",\n'
            + '    "LOCATION": os.environ.get("CACHE_LOCATION")}}\n',
        },
    )
    project = inspect_project(tmp_path)
    assert project.allowed_hosts == ("127.0.0.1", "app.local")
    assert project.uses_redis
    assert project.database_engines == ("sqlite3",)


def test_no_redis_when_settings_do_not_mention_it(tmp_path: Path) -> None:
    startproject(tmp_path)
    project = inspect_project(tmp_path)
    assert not project.uses_redis
    assert project.allowed_hosts == ()


def test_root_urlconf_literal_paths(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS + 'ROOT_URLCONF = "mysite.urls"\n',
            "mysite/urls.py": (
                "from django.urls import include, path, re_path\n"
                "from django.contrib import admin\n"
                "from django.conf import settings\n"
                "urlpatterns = [\n"
                '    path("healthz/", views.health),\n'
                '    path("items/<int:pk>/", views.item),\n'
                '    re_path(r"^about/$", views.about),\n'
                '    re_path(r"^page/(?P<slug>[-\\w]+)/$", views.page),\n'
                '    re_path(r"^robots\\.txt$", views.robots),\n'
                '    path("blog/", include("blog.urls")),\n'
                '    path("api/", include(("api.urls", "api"), namespace="api")),\n'
                '    path("ext/", include("somewhere.else.urls")),\n'
                "]\n"
                'urlpatterns += [path("status/", views.status)]\n'
                "if settings.DEBUG:\n"
                '    urlpatterns += [path("__debug__/", include("debug_toolbar.urls"))]\n'
            ),
            "blog/__init__.py": "",
            "blog/urls.py": (
                "from django.urls import path\n"
                'urlpatterns = [path("", views.index), path("feed/", views.feed),\n'
                '    path("<slug:slug>/", views.post), path("x/", include("deeper.urls"))]\n'
            ),
            "api/__init__.py": "",
            "api/urls.py": 'urlpatterns = [path("v1/ping", views.ping)]\n',
        },
    )
    project = inspect_project(tmp_path)
    assert project.root_urlconf == "mysite.urls"
    assert project.url_paths == (
        "/healthz/",
        "/about/",
        "/robots.txt",
        "/blog/",
        "/blog/feed/",
        "/api/v1/ping",
        "/status/",
    )


def test_django_environ_scheme_defaults(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS
            + "import environ\n"
            + "root = environ.Path(__file__) - 2\n"
            + "env = environ.FileAwareEnv(\n"
            + '    DD_MEDIA_ROOT=(str, root("uploads")),\n'
            + '    DD_DATABASE_URL=(str, "sqlite:///data/dojo.db"),\n'
            + '    DD_ALLOWED_HOSTS=(list, ["localhost"]),\n'
            + "    DD_DEBUG=(bool, False),\n"
            + ")\n"
            + 'MEDIA_ROOT = env("DD_MEDIA_ROOT")\n'
            + 'DATABASES = {"default": env.db("DD_DATABASE_URL")}\n'
            + 'ALLOWED_HOSTS = env.list("DD_ALLOWED_HOSTS")\n',
        },
    )
    project = inspect_project(tmp_path)
    assert project.media_root == "uploads"
    assert project.sqlite_path == "data/dojo.db"
    assert project.allowed_hosts == ("localhost",)
    assert project.unresolved_settings == ()


def test_path_settings_that_cannot_be_read_are_listed(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS
            + "configuration = load_configuration()\n"
            + 'MEDIA_ROOT = getattr(configuration, "MEDIA_ROOT", '
            + 'os.path.join(NETBOX_ROOT, "media")).rstrip("/")\n'
            + 'DATABASES["default"]["NAME"] = env("DB_FILE")\n',
        },
    )
    project = inspect_project(tmp_path)
    assert project.media_root is None
    assert project.unresolved_settings == ("MEDIA_ROOT", "DATABASES NAME")


def test_settings_module_from_the_uwsgi_ini_env(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/prod.py": "from .settings import *\nMEDIA_ROOT = '/srv/media'\n",
            "deploy/uwsgi.ini": "[uwsgi]\nmodule = mysite.wsgi\n"
            "env = DJANGO_SETTINGS_MODULE=mysite.prod\nhttp = :9090\n",
        },
    )
    dockerfile = 'FROM python:3.11\nCOPY . /app\nCMD ["uwsgi", "/app/deploy/uwsgi.ini"]\n'
    project = inspect_project(tmp_path, dockerfile)
    assert project.settings_module == "mysite.prod"
    assert project.media_root == "/srv/media"


def test_undecided_if_keeps_values_that_do_not_depend_on_the_branch(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS.replace(
                'MEDIA_ROOT = BASE_DIR / "media"', ""
            )
            + "import os\n"
            + 'STORAGE = choose(os.environ.get("STORAGE", "local"))\n'
            + "if STORAGE == LOCAL:\n"
            + '    MEDIA_ROOT = os.path.join(BASE_DIR, "uploads")\n'
            + "if STORAGE == S3:\n"
            + '    LOG_DIR = "/var/log/a"\n'
            + "else:\n"
            + '    LOG_DIR = "/var/log/b"\n',
        },
    )
    project = inspect_project(tmp_path)
    assert project.media_root == "uploads"
    assert project.unresolved_settings == ()


def test_settings_helper_functions_and_lambdas(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS
            + "import os\n"
            + "location = lambda x: os.path.join(os.path.dirname(os.path.realpath(__file__)), x)\n"
            + "def __get_path(key, default):\n"
            + '    """A path from the environment, else the default."""\n'
            + "    if key in os.environ:\n"
            + "        return Path(os.environ[key]).resolve()\n"
            + "    return Path(default).resolve()\n"
            + "def loop_helper(names):\n"
            + "    for name in names:\n"
            + "        return name\n"
            + 'MEDIA_ROOT = __get_path("PAPERLESS_MEDIA_ROOT", BASE_DIR / "uploads")\n'
            + 'STATIC_ROOT = location("public/static")\n'
            + 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",\n'
            + '    "NAME": loop_helper(["a.db"])}}\n',
        },
    )
    project = inspect_project(tmp_path)
    assert project.static_root == "mysite/public/static"
    assert project.media_root == "uploads"
    assert "PAPERLESS_MEDIA_ROOT" in project.env_vars
    # A helper whose return sits in a loop is not followed: said so, not guessed.
    assert project.unresolved_settings == ("DATABASES NAME",)


def test_variables_the_dockerfile_sets_replace_the_defaults(tmp_path: Path) -> None:
    startproject(tmp_path)
    write(
        tmp_path,
        {
            "mysite/settings.py": STARTPROJECT_SETTINGS
            + "import os\nimport environ\nenv = environ.Env()\n"
            + 'MEDIA_ROOT = os.environ.get("MEDIA_DIR", BASE_DIR / "media")\n'
            + 'USE_SQLITE = env.bool("USE_SQLITE", default=True)\n'
            + "if USE_SQLITE:\n"
            + '    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",\n'
            + '                             "NAME": "/var/db/app.sqlite3"}}\n'
            + "else:\n"
            + '    DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///x.db")}\n'
            + 'ALLOWED_HOSTS = env.list("HOSTS", default=["localhost"])\n'
            + 'STATIC_ROOT = "/srv/static" if "COLLECT_TO_SRV" in os.environ else "static"\n',
        },
    )
    assert inspect_project(tmp_path).media_root == "media"
    dockerfile = (
        "FROM python:3.11\n"
        "ENV MEDIA_DIR=/data/media USE_SQLITE=false COLLECT_TO_SRV=1\n"
        "ENV DATABASE_URL=postgres://db/app HOSTS=app.example,api.example\n"
        "ENV LATER=$HOME/x\n"
    )
    project = inspect_project(tmp_path, dockerfile)
    assert project.media_root == "/data/media"
    assert project.database_engines == ("postgresql",)
    assert project.sqlite_path is None
    assert project.allowed_hosts == ("app.example", "api.example")
    assert project.static_root == "/srv/static"


def test_the_admin_path_comes_from_its_route_or_the_setting_that_names_it(tmp_path: Path) -> None:
    """`path("backoffice/", admin.site.urls)`, or cookiecutter-django's
    `path(settings.ADMIN_URL, admin.site.urls)` with the setting's value; "admin/" is the
    default and gives None."""
    (tmp_path / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
    )
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text(
        "import os\nROOT_URLCONF = 'mysite.urls'\nINSTALLED_APPS = ['django.contrib.admin']\n"
        "ADMIN_URL = os.environ.get('DJANGO_ADMIN_URL', 'staff/')\n"
    )
    urls = tmp_path / "mysite" / "urls.py"
    head = "from django.conf import settings\nfrom django.contrib import admin\n"
    urls.write_text(head + "urlpatterns = [path('backoffice/', admin.site.urls)]\n")
    assert inspect_project(tmp_path).admin_path == "/backoffice/"
    urls.write_text(head + "urlpatterns = [path(settings.ADMIN_URL, admin.site.urls)]\n")
    assert inspect_project(tmp_path).admin_path == "/staff/"
    ran = inspect_project(tmp_path, run_environ={"DJANGO_ADMIN_URL": "k2/"})
    assert ran.admin_path == "/k2/"
    urls.write_text(head + "urlpatterns = [path('admin/', admin.site.urls)]\n")
    assert inspect_project(tmp_path).admin_path is None
