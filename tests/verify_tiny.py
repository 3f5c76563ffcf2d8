"""A tiny "Django" project for fast verify engine tests: manage.py and settings so the tool
accepts it, and a standard-library HTTP server as the app (python:3.11-slim, no pip install), so
a build takes a second or two. Names of what tests create start with `verify-wt`."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

RUN_LABEL = "dj-optimize.run"

FILES = {
    "manage.py": (
        "import os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n"
    ),
    "mysite/__init__.py": "",
    "mysite/settings.py": "SECRET_KEY = 'x'\nINSTALLED_APPS = []\nROOT_URLCONF = 'mysite.urls'\n",
    "mysite/urls.py": "urlpatterns = []\n",
    "requirements.txt": "Django==5.1.4\n",
    # Sleeps before listening so the start/probe phase lasts long enough to interrupt.
    "app.py": (
        "import http.server, signal, sys, time\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        ok = self.path == '/'\n"
        "        self.send_response(200 if ok else 404)\n"
        "        self.end_headers()\n"
        "        self.wfile.write(b'hello from the tiny app' if ok else b'nope')\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))\n"
        "time.sleep(START_DELAY)\n"
        "http.server.HTTPServer(('0.0.0.0', 8000), H).serve_forever()\n"
    ),
}

DOCKERFILE = (
    "FROM python:3.11-slim\n"
    "WORKDIR /app\n"
    "RUN python -c 'import time; time.sleep(BUILD_DELAY)'\n"
    "COPY . .\n"
    'CMD ["python", "app.py"]\n'
)


def make_project(root: Path, *, start_delay: float = 0, build_delay: float = 0) -> Path:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("START_DELAY", str(start_delay)), encoding="utf-8")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(DOCKERFILE.replace("BUILD_DELAY", str(build_delay)), encoding="utf-8")
    return dockerfile


def labelled(run_id: str) -> list[str]:
    """Everything on the engine labelled with `run_id`, as `kind name` lines."""
    found: list[str] = []
    label = f"label={RUN_LABEL}={run_id}"
    for kind, command in (
        ("container", ["docker", "ps", "-a", "--filter", label, "--format", "{{.Names}}"]),
        ("image", ["docker", "images", "--filter", label, "--format", "{{.ID}}"]),
        ("network", ["docker", "network", "ls", "--filter", label, "--format", "{{.Name}}"]),
        ("volume", ["docker", "volume", "ls", "--filter", label, "--format", "{{.Name}}"]),
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
        found += [f"{kind} {line}" for line in done.stdout.split()]
    return found


def scratch_left(run_id: str) -> list[Path]:
    return sorted(Path(tempfile.gettempdir()).glob(f"dj-optimize-verify-{run_id}-*"))


def run_id_of(stderr: str) -> str | None:
    for line in stderr.splitlines():
        if line.startswith("run djopt-"):
            return line.split()[1].rstrip(":")
    return None


def report_of(stdout: str) -> dict[str, object]:
    data = json.loads(stdout)
    assert isinstance(data, dict)
    return data


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`python -m optimizer.cli ARGS` from the repository root, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "optimizer.cli", *args],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def assert_clean(run_id: str | None, stderr: str) -> None:
    """Nothing labelled with the run's id is left on the engine, nor its scratch directory."""
    assert run_id, stderr
    assert labelled(run_id) == [], stderr
    assert scratch_left(run_id) == [], stderr
