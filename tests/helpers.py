"""Shared test helpers: a minimal Django project skeleton for Dockerfile-only fixtures."""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.pipeline import optimize

SKELETON = {
    "manage.py": (
        "#!/usr/bin/env python\nimport os\nimport sys\n\n\ndef main():\n"
        '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
        "    from django.core.management import execute_from_command_line\n\n"
        "    execute_from_command_line(sys.argv)\n\n\n"
        'if __name__ == "__main__":\n    main()\n'
    ),
    "mysite/__init__.py": "",
    "mysite/settings.py": (
        "from pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
        'SECRET_KEY = "test"\nINSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth",\n'
        '    "django.contrib.contenttypes", "django.contrib.sessions",\n'
        '    "django.contrib.messages", "django.contrib.staticfiles"]\n'
        'ROOT_URLCONF = "mysite.urls"\nWSGI_APPLICATION = "mysite.wsgi.application"\n'
        'STATIC_ROOT = BASE_DIR / "staticfiles"\n'
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",\n'
        '    "NAME": BASE_DIR / "db.sqlite3"}}\n'
    ),
    "mysite/wsgi.py": (
        "import os\n\nfrom django.core.wsgi import get_wsgi_application\n\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
        "application = get_wsgi_application()\n"
    ),
    "mysite/asgi.py": (
        "import os\n\nfrom django.core.asgi import get_asgi_application\n\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
        "application = get_asgi_application()\n"
    ),
    "mysite/urls.py": "urlpatterns = []\n",
}

# A Poetry project (no package of its own) depending on Django and gunicorn.
POETRY_PYPROJECT = """\
[tool.poetry]
name = "mysite"
version = "0.1.0"
description = ""
authors = []
package-mode = false

[tool.poetry.dependencies]
python = "^3.11"
Django = "5.1.4"
gunicorn = "23.0.0"
"""


# The official python images' bytecode cleanup, copied after an app's install (sweep26:
# dantium/django-docker-tailwind): tests of python-env and multi-stage rewrite it.
PYC_RECIPE_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt \\
    && find /usr/local \\
        \\( -type d -a -name test -o -name tests \\) \\
        -o \\( -type f -a -name '*.pyc' -o -name '*.pyo' \\) \\
        -exec rm -rf '{}' +
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def materialize(case: Path, target: Path) -> Path:
    """Copy a golden case to `target`; add the Django skeleton unless it has its own project."""
    shutil.copytree(case, target, ignore=shutil.ignore_patterns("expected*", "options"))
    if any(target.rglob("manage.py")):
        return target  # the case brings its own project layout
    for rel, content in SKELETON.items():
        path = target / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
    return target


def multi_stage_final(
    tmp_path: Path, dockerfile: str, requirements: str
) -> tuple[str, list[str]]:
    """multi-stage alone on a Dockerfile and requirements.txt with the Django skeleton: (the
    rewrite's final stage from its FROM line, the transform's notes)."""
    from optimizer.pipeline import optimize

    case = tmp_path / "case"
    case.mkdir()
    (case / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    (case / "requirements.txt").write_text(requirements, encoding="utf-8")
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["multi-stage"])
    text = outcome.files["Dockerfile"]
    notes = [n for change in outcome.changes for n in change.notes]
    return text[text.rindex("\nFROM ") :], notes


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` and its bytes: equal snapshots mean nothing was touched."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def lab_script(name: str) -> Path:
    """A script of the container lab (`images-up`), found as scripts/setup finds the lab:
    DJ_OPTIMIZE_LAB, else ../shared/lab or ../../shared/lab from the repository, else
    /work/shared/lab. A clone anywhere (CI's, a worktree's) finds the same lab."""
    import os

    repo = Path(__file__).resolve().parent.parent
    candidates = [Path(os.environ["DJ_OPTIMIZE_LAB"])] if os.environ.get("DJ_OPTIMIZE_LAB") else []
    candidates += [repo.parent / "shared" / "lab", repo.parent.parent / "shared" / "lab",
                   Path("/work/shared/lab")]
    for lab in candidates:
        if (lab / name).is_file():
            return lab / name
    raise FileNotFoundError(f"no container lab with {name} in {[str(c) for c in candidates]}")


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example_copy(name: str, target: Path) -> Path:
    """A copy of examples/<name> at `target` without its reviewed outputs (*.expected), so the
    tool sees the project as a user's checkout."""
    shutil.copytree(EXAMPLES / name, target)
    for reviewed in ("Dockerfile.expected", "dockerignore.expected"):
        (target / reviewed).unlink(missing_ok=True)
    return target


TUTORIAL_START = "CMD python manage.py runserver 0.0.0.0:8000"


def tutorial_started_by(target: Path, start: str) -> Path:
    """A copy of example 01 at `target` whose start (its runserver CMD) is `start` instead:
    the Dockerfile's path."""
    dockerfile = example_copy("01-tutorial", target) / "Dockerfile"
    text = dockerfile.read_text()
    assert TUTORIAL_START in text
    dockerfile.write_text(text.replace(TUTORIAL_START, start))
    return dockerfile


def verify_write_stops_after(dockerfile: Path, *options: str) -> str:
    """`dj-optimize --verify [options] --write` on `dockerfile`: it must PASS, and verify's
    "stops on" row must say the original did not stop on docker stop's signal and the rewrite
    does. Its output."""
    result = CliRunner().invoke(
        app, ["--verify", "--no-rebuild", *options, "--write", str(dockerfile)]
    )
    assert result.exit_code == 0, result.output
    assert "verify: PASS" in result.output, result.output
    stops = next(line for line in result.output.splitlines() if "stops on" in line)
    assert stops.replace("│", " ").split()[-2:] == ["no", "yes"], stops
    return result.output


def write_skeleton(root: Path) -> Path:
    """SKELETON's files (a minimal Django project) written under `root`."""
    for rel, text in SKELETON.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@contextmanager
def local_http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """An HTTP server on 127.0.0.1 answering with `handler`, in a thread: its port. Stopped
    and closed on exit, even when the test fails."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def built_image(context: Path, name: str) -> Iterator[str]:
    """The tag of an image built from `context` (its Dockerfile), unique per call; removed on
    exit, even when the build or the test fails. The build must succeed (its stderr's tail is
    the failure message)."""
    tag = f"djopt-{name}-{uuid.uuid4().hex[:8]}"
    try:
        built = subprocess.run(
            ["docker", "build", "-q", "-t", tag, str(context)],
            capture_output=True, text=True, timeout=900,
        )
        assert built.returncode == 0, built.stderr[-3000:]
        yield tag
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)


def rewrite_in_place(root: Path, only: list[str]) -> str:
    """`root`'s Dockerfile rewritten by the transforms in `only`, written over the original (as
    `--write` would, without the pipeline's other files): the text written."""
    rewritten = optimize(root / "Dockerfile", root, only=only).files["Dockerfile"]
    (root / "Dockerfile").write_text(rewritten)
    return rewritten


CELERY_APP = """import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
app = Celery("mysite", broker=os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0"))
"""


def write_celery_project(root: Path, greeting: str, celery_extra: str = "") -> None:
    """The skeleton without the admin, with a Celery app on a Redis broker (mysite/celery.py,
    CELERY_APP plus `celery_extra`) and `/` answering `greeting`; requirements pinned for the
    lab. The compose file and Dockerfile are the test's own."""
    write_skeleton(root)
    settings = root / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text().replace('"django.contrib.admin", ', "", 1)
        + 'ALLOWED_HOSTS = ["*"]\nCELERY_BROKER_URL = "redis://redis:6379/0"\n'
    )
    (root / "mysite" / "celery.py").write_text(CELERY_APP + celery_extra)
    (root / "mysite" / "urls.py").write_text(
        "from django.http import HttpResponse\nfrom django.urls import path\n\n"
        f'urlpatterns = [path("", lambda request: HttpResponse("{greeting}"))]\n'
    )
    # Pinned together: an unpinned kombu wants a newer redis-py (seen on the lab).
    (root / "requirements.txt").write_text(
        "Django==5.1.4\ncelery==5.4.0\nkombu==5.4.2\nredis==5.2.1\n"
    )
