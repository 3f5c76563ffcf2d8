"""non-root follows what a compose service's command starts: every script it names (a wait
script's command after `--`), and the Procfile honcho starts. Tabbycat's web service runs
`./bin/docker-wait.sh db:5432 -- ./bin/docker-run-honcho.sh`, whose honcho starts nginx from
ProcfileMulti.docker; Debian's nginx writes /var/lib/nginx and /run/nginx.pid, so as uid 10001
it exits and honcho stops the app with it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer import compose
from optimizer.pipeline import optimize

pytestmark = pytest.mark.skipif(
    not compose.compose_available() and not os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"),
    reason="the docker compose plugin is not installed",
)

COMPOSE = """\
services:
  web:
    build: .
    command: ["./bin/wait.sh", "db:5432", "--", "./bin/run.sh"]
"""


def _project(tmp_path: Path, procfile: str) -> Path:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text(
        'SECRET_KEY = "x"\nINSTALLED_APPS = []\nROOT_URLCONF = "mysite.urls"\n'
    )
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\nhoncho\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "wait.sh").write_text(
        "#!/usr/bin/env bash\n# wait for a host\nwhile ! nc -z db 5432; do sleep 1; done\n"
        'shift 2\nexec "$@"\n'
    )
    (tmp_path / "bin" / "run.sh").write_text(
        "#!/usr/bin/env bash\npython manage.py migrate --no-input\n"
        "honcho -f ./Procfile.docker start\n"
    )
    (tmp_path / "Procfile.docker").write_text(procfile)
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    return tmp_path


def test_nginx_from_the_procfile_keeps_root(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "# the proxy\nnginx: nginx -p . -c ./config/nginx.conf\n"
        "wsgi: gunicorn mysite.wsgi --bind 127.0.0.1:8001\n",
    )
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    notes = [n for c in outcome.skipped for n in c.notes]
    assert "Dockerfile" not in outcome.files, outcome.files.get("Dockerfile")
    assert any("runs `nginx` (through the scripts or Procfile" in n for n in notes), notes


def test_app_servers_alone_in_the_procfile_run_as_the_user(tmp_path: Path) -> None:
    root = _project(tmp_path, "wsgi: gunicorn mysite.wsgi --bind 0.0.0.0:8000\n")
    text = optimize(root / "Dockerfile", root, only=["non-root"]).files["Dockerfile"]
    assert "USER 10001" in text, text


def test_a_path_that_names_nginx_is_not_nginx(tmp_path: Path) -> None:
    """safe-relay-service's start passes a config under /nginx/: a path, not the proxy."""
    root = _project(
        tmp_path,
        "wsgi: gunicorn mysite.wsgi -c ./deploy/nginx/gunicorn.conf.py --bind 0.0.0.0:8000\n",
    )
    text = optimize(root / "Dockerfile", root, only=["non-root"]).files["Dockerfile"]
    assert "USER 10001" in text, text
