"""Round 12's non-root defect classes from real projects: the start scripts read, compose
commands, django-split-settings' include()."""

from __future__ import annotations

from pathlib import Path

from helpers import materialize

from optimizer.pipeline import optimize
from optimizer.project import inspect_project


def _case(tmp_path: Path, files: dict[str, str]) -> Path:
    case = tmp_path / "case"
    for rel, text in files.items():
        path = case / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return materialize(case, tmp_path / "ctx")


def test_the_start_scripts_after_a_wait_for_script_are_read(tmp_path: Path) -> None:
    """EvalAI's dev image: `CMD ["./docker/wait-for-it.sh", "db:5432", "--", "sh",
    "/code/docker/dev/django/container-start.sh"]`; only wait-for-it.sh was read, so the second
    script's collectstatic (STATIC_ROOT unknown here) went unseen and the image went non-root."""
    root = _case(
        tmp_path,
        {
            "Dockerfile": (
                "FROM python:3.11-slim\nWORKDIR /code\nCOPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\nCOPY . .\n"
                'CMD ["./docker/wait-for-it.sh", "db:5432", "--", "sh", '
                '"/code/docker/start.sh"]\n'
            ),
            "requirements.txt": "Django==5.1.4\ngunicorn==23.0.0\n",
            "docker/wait-for-it.sh": "#!/usr/bin/env bash\nsleep 1\nexec \"$@\"\n",
            "docker/start.sh": (
                "#!/bin/sh\npython manage.py collectstatic --noinput && \\\n"
                "gunicorn mysite.wsgi -b 0.0.0.0:8000\n"
            ),
            "mysite/settings.py": (
                "import os\nfrom pathlib import Path\n\n"
                "BASE_DIR = Path(__file__).resolve().parent.parent\n"
                'SECRET_KEY = "x"\nINSTALLED_APPS = ["django.contrib.staticfiles"]\n'
                'ROOT_URLCONF = "mysite.urls"\n'
                'STATIC_ROOT = os.environ["STATIC_ROOT"]\n'
            ),
        },
    )
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "Dockerfile" not in outcome.files
    skipped = [n for change in outcome.skipped for n in change.notes]
    assert any("STATIC_ROOT" in n for n in skipped), skipped


def test_collectstatic_in_a_compose_command_counts_when_static_root_is_unknown(
    tmp_path: Path,
) -> None:
    """food_marketplace_api: the compose command (`bash -c "...; collectstatic; gunicorn"`)
    replaces CMD; with STATIC_ROOT unreadable, which directory must be writable is unknown."""
    root = _case(
        tmp_path,
        {
            "Dockerfile": (
                "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\nCOPY . .\n"
            ),
            "requirements.txt": "Django==5.1.4\ngunicorn==23.0.0\n",
            "docker-compose.yml": (
                "services:\n  api:\n    build: .\n    command: >\n      bash -c \"\n"
                "      python manage.py collectstatic --no-input;\n"
                "      gunicorn mysite.wsgi:application --bind 0.0.0.0:8000\"\n"
                "    volumes:\n      - static_volume:/app/static\n"
                "volumes:\n  static_volume:\n"
            ),
            "mysite/settings.py": (
                "import os\n\n"
                'SECRET_KEY = "x"\nINSTALLED_APPS = ["django.contrib.staticfiles"]\n'
                'ROOT_URLCONF = "mysite.urls"\n'
                'STATIC_ROOT = os.environ["STATIC_ROOT"]\n'
            ),
        },
    )
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "Dockerfile" not in outcome.files
    skipped = [n for change in outcome.skipped for n in change.notes]
    assert any("STATIC_ROOT" in n for n in skipped), skipped


def test_split_settings_include_of_a_starred_tuple_is_followed(tmp_path: Path) -> None:
    """django-split-settings' `include(*_settings)` over a tuple with `optional(...)` entries
    (food_marketplace_api): the components set STATIC_ROOT and MEDIA_ROOT."""
    root = _case(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n",
            "manage.py": (
                "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'core.settings')\n"
            ),
            "core/__init__.py": "",
            "core/settings/__init__.py": (
                "from split_settings.tools import include, optional\n\n"
                "_parts = ('components/base.py', optional('components/local.py'),\n"
                "          'components/paths.py')\n"
                "include(*_parts)\n"
            ),
            "core/settings/components/__init__.py": (
                "from pathlib import Path\n\n"
                "BASE_DIR = Path(__file__).parent.parent.parent.parent\n"
            ),
            "core/settings/components/base.py": (
                "SECRET_KEY = 'x'\nINSTALLED_APPS = ['django.contrib.staticfiles']\n"
            ),
            "core/settings/components/local.py": "DEBUG = True\n",
            "core/settings/components/paths.py": (
                "from core.settings.components import BASE_DIR\n\n"
                "STATIC_ROOT = BASE_DIR / 'static'\nMEDIA_ROOT = BASE_DIR / 'media'\n"
            ),
        },
    )
    project = inspect_project(root, (root / "Dockerfile").read_text())
    assert project.settings_module == "core.settings"
    assert project.static_root == "static"
    assert project.media_root == "media"


def test_uv_run_at_start_after_a_narrower_uv_sync_keeps_root(tmp_path: Path) -> None:
    """honest-sign: `uv sync --frozen --no-dev` at build, `uv run python manage.py migrate` in the
    start script: `uv run` installs the dev group at start into the venv the build made as
    root; as uid 10001 it could not."""
    files = {
        "pyproject.toml": (
            '[project]\nname = "site"\nversion = "0.1.0"\ndependencies = ["django"]\n\n'
            '[dependency-groups]\ndev = ["ruff"]\n'
        ),
        "uv.lock": "version = 1\n",
        "start.sh": "#!/bin/sh\nuv run python manage.py migrate --noinput\n"
        "exec uv run gunicorn mysite.wsgi -b 0.0.0.0:8000\n",
    }
    base = (
        "FROM python:3.13-slim\nRUN pip install uv\nWORKDIR /app\n"
        "COPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-dev\nCOPY . .\n"
    )
    root = _case(tmp_path / "a", {**files, "Dockerfile": base + 'CMD ["./start.sh"]\n'})
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "Dockerfile" not in outcome.files
    skipped = [n for change in outcome.skipped for n in change.notes]
    assert any("uv run" in n and "UV_NO_SYNC" in n for n in skipped), skipped
    # `uv run --no-sync` (or UV_NO_SYNC) installs nothing at start: the switch goes ahead.
    no_sync = {**files, "start.sh": "#!/bin/sh\nexec uv run --no-sync gunicorn mysite.wsgi\n"}
    root = _case(tmp_path / "b", {**no_sync, "Dockerfile": base + 'CMD ["./start.sh"]\n'})
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "USER 10001" in outcome.files["Dockerfile"]
    # No dev group declared: `--no-dev` left nothing out, `uv run` installs nothing either.
    plain = {
        **files,
        "pyproject.toml": (
            '[project]\nname = "site"\nversion = "0.1.0"\ndependencies = ["django"]\n'
        ),
    }
    root = _case(tmp_path / "c", {**plain, "Dockerfile": base + 'CMD ["./start.sh"]\n'})
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "USER 10001" in outcome.files["Dockerfile"]
