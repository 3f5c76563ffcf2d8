"""verify() against the lab engine: a tiny Django project, a naive and a good Dockerfile.

Builds are the slow part (2 cores), so the project and each verify run are module-scoped:
three verify runs in all (passing, failing, unreachable-original).
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from optimizer import engine
from optimizer.verify import VerifyOptions, VerifyReport, verify

pytestmark = pytest.mark.engine

PROJECT = {
    "requirements.txt": "Django==5.1.4\ngunicorn==23.0.0\n",
    "manage.py": (
        "import os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n"
    ),
    "mysite/__init__.py": "",
    "mysite/settings.py": (
        "from pathlib import Path\n"
        "BASE_DIR = Path(__file__).resolve().parent.parent\n"
        "SECRET_KEY = 'djopt-test-not-secret'\n"
        "DEBUG = False\n"
        "ALLOWED_HOSTS = ['localhost', '127.0.0.1']\n"
        "INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth']\n"
        "MIDDLEWARE = ['django.middleware.csrf.CsrfViewMiddleware']\n"
        "ROOT_URLCONF = 'mysite.urls'\n"
        "TEMPLATES = [{'BACKEND': 'django.template.backends.django.DjangoTemplates',\n"
        "              'DIRS': [BASE_DIR / 'templates']}]\n"
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',\n"
        "                         'NAME': BASE_DIR / 'db.sqlite3'}}\n"
        "WSGI_APPLICATION = 'mysite.wsgi.application'\n"
    ),
    "mysite/urls.py": (
        "from django.urls import path\n"
        "from mysite import views\n"
        "urlpatterns = [path('', views.index), path('form/', views.form)]\n"
    ),
    "mysite/views.py": (
        "from django.http import HttpResponse\n"
        "from django.shortcuts import render\n"
        "def index(request):\n"
        "    return HttpResponse('hello from the djopt fixture')\n"
        "def form(request):\n"
        "    return render(request, 'form.html')\n"
    ),
    "mysite/wsgi.py": (
        "import os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
        "from django.core.wsgi import get_wsgi_application\n"
        "application = get_wsgi_application()\n"
    ),
    # A per-request CSRF token: equal only after normalisation.
    "templates/form.html": "<form method=post>{% csrf_token %}<button>go</button></form>\n",
    ".env": "SECRET_KEY=do-not-ship\n",
    ".git/HEAD": "ref: refs/heads/main\n",
}

NAIVE = """\
FROM python:3.11
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD gunicorn mysite.wsgi:application --bind 0.0.0.0:8000
"""

GOOD = """\
FROM python:3.11-slim AS build
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1
COPY --from=build /venv /venv
WORKDIR /app
COPY . .
RUN useradd --system --no-create-home app
USER app
EXPOSE 8000
CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
"""

GOOD_IGNORE = ".git\n.env\n**/__pycache__\nDockerfile\n"

# The classic bug: the server listens on the container's loopback only.
LOCALHOST_BOUND = NAIVE.replace("0.0.0.0:8000", "127.0.0.1:8000")

PROBES = ["/", "/form/", "/missing/"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("djproject")
    for rel, text in {**PROJECT, "Dockerfile": NAIVE}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def passing(project: Path) -> Iterator[tuple[VerifyReport, float, dict[str, bytes]]]:
    before_files = _snapshot(project)
    start = time.monotonic()
    report = verify(
        project,
        {"Dockerfile": NAIVE},
        {"Dockerfile": GOOD, ".dockerignore": GOOD_IGNORE},
        VerifyOptions(probes=PROBES, keep_images=True),
    )
    seconds = time.monotonic() - start
    try:
        yield report, seconds, before_files
    finally:
        engine.remove(images=[f"{report.run_id}-before", f"{report.run_id}-after"])


@pytest.fixture(scope="module")
def failing(project: Path) -> tuple[VerifyReport, float]:
    start = time.monotonic()
    report = verify(
        project,
        {"Dockerfile": NAIVE},
        # The rewrite's .dockerignore drops the templates the app renders.
        {"Dockerfile": GOOD, ".dockerignore": GOOD_IGNORE + "templates\n"},
        # The naive original ignores SIGTERM (sh is PID 1): a short grace keeps the test quick;
        # build times are not the point here, so the cache of earlier runs is used.
        VerifyOptions(probes=PROBES, measure_rebuild=False, stop_timeout=3, cold_build=False),
    )
    return report, time.monotonic() - start


def _inspect_size(tag: str) -> int:
    out = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Size}}", tag],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return int(out.stdout.strip())


def test_good_rewrite_passes(passing: tuple[VerifyReport, float, dict[str, bytes]]) -> None:
    report, seconds, _ = passing
    print(f"passing verify took {seconds:.1f} s")
    assert report.passed, (report.reasons, report.to_dict())
    assert report.verdict == "pass" and report.cleaned_up is True
    # Both sides answer the same 404 page: that probe proves little, the others prove the rewrite.
    assert report.probe_verdicts == {"/": "same", "/form/": "same", "/missing/": "proves-little"}
    before, after = report.before, report.after
    assert before.image_size == _inspect_size(f"{report.run_id}-before")
    assert after.image_size == _inspect_size(f"{report.run_id}-after")
    assert after.image_size is not None and before.image_size is not None
    assert after.image_size < before.image_size
    assert report.size_saving_bytes == before.image_size - after.image_size
    assert before.base_image == "python:3.11" and after.base_image == "python:3.11-slim"
    assert after.bytes_above_base == after.image_size - _inspect_size("python:3.11-slim")
    assert report.probes_equal == dict.fromkeys(PROBES, True)
    statuses = {p.path: p.status for p in after.probes}
    assert statuses == {"/": 200, "/form/": 200, "/missing/": 404}
    assert before.reachable_from_host and after.reachable_from_host
    assert after.stopped_on_sigterm is True
    assert after.uid not in (None, 0) and before.uid == 0
    assert {"/usr/bin/gcc", "$APP/.git", "$APP/.env"} <= set(report.removed_paths)
    assert before.cold_build_seconds and after.cold_build_seconds
    assert before.rebuild_seconds is not None and after.rebuild_seconds is not None
    # The naive order reinstalls the dependencies after a code change; the good one does not.
    assert before.rebuild_seconds > after.rebuild_seconds
    assert before.stopped_on_sigterm is False and before.exit_code == 137
    assert before.layers and after.layers and after.top_layers
    assert report.to_dict()["after"]["reachable_from_host"] is True


def test_users_files_untouched(
    project: Path, passing: tuple[VerifyReport, float, dict[str, bytes]]
) -> None:
    _, _, before_files = passing
    assert _snapshot(project) == before_files


def test_broken_rewrite_fails(failing: tuple[VerifyReport, float]) -> None:
    report, seconds = failing
    print(f"failing verify took {seconds:.1f} s")
    assert not report.passed and report.verdict == "fail"
    assert any("/form/" in reason and "500" in reason for reason in report.reasons), report.reasons
    assert report.probes_equal["/"] is True
    assert report.probes_equal["/form/"] is False


def test_original_bound_to_localhost(project: Path) -> None:
    start = time.monotonic()
    report = verify(
        project,
        {"Dockerfile": LOCALHOST_BOUND},
        {"Dockerfile": GOOD, ".dockerignore": GOOD_IGNORE},
        VerifyOptions(probes=["/"], measure_rebuild=False, stop_timeout=3, cold_build=False),
    )
    print(f"localhost-bound verify took {time.monotonic() - start:.1f} s")
    assert report.before.serving == "container"
    assert not report.before.reachable_from_host
    assert report.after.reachable_from_host
    assert report.probes_equal == {"/": True}
    assert report.passed, report.reasons


def _leftovers(run_id: str) -> list[str]:
    found: list[str] = []
    for command in (
        ["docker", "ps", "-a", "--filter", f"name={run_id}", "--format", "{{.Names}}"],
        ["docker", "network", "ls", "--filter", f"name={run_id}", "--format", "{{.Name}}"],
        ["docker", "images", "--format", "{{.Repository}}:{{.Tag}}"],
    ):
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
        found += [line for line in out.stdout.splitlines() if run_id in line]
    label = f"label=dj-optimize.run={run_id}"
    for command in (
        ["docker", "ps", "-a", "--filter", label, "--format", "{{.Names}}"],
        ["docker", "network", "ls", "--filter", label, "--format", "{{.Name}}"],
        ["docker", "volume", "ls", "--filter", label, "--format", "{{.Name}}"],
    ):
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
        found += out.stdout.split()
    found += [str(p) for p in Path(tempfile.gettempdir()).glob(f"*{run_id}*")]
    return sorted(set(found))


def test_cleanup_leaves_nothing(
    failing: tuple[VerifyReport, float],
    passing: tuple[VerifyReport, float, dict[str, bytes]],
) -> None:
    assert _leftovers(failing[0].run_id) == []
    kept = passing[0].run_id
    # keep_images keeps exactly the two images; everything else is gone.
    assert sorted(_leftovers(kept)) == [f"{kept}-after:latest", f"{kept}-before:latest"]
