"""fix-cmd-binding: a start script that runs a reverse proxy in front of the app server in the
same container (Takahe's docker/run.sh: `nginx &` on 8000, `gunicorn -b 0.0.0.0:8001 &`) keeps
its EXPOSE: the app server's port is the proxy's upstream, not the image's port."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import optimize


def _project(tmp_path: Path, script: str) -> Path:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text(
        'SECRET_KEY = "x"\nINSTALLED_APPS = []\nROOT_URLCONF = "mysite.urls"\n'
    )
    (tmp_path / "mysite" / "wsgi.py").write_text("application = None\n")
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        'EXPOSE 8000\nCMD ["bash", "run.sh"]\n'
    )
    (tmp_path / "run.sh").write_text(script)
    return tmp_path


@pytest.mark.parametrize("proxy", ["nginx &", "/usr/sbin/nginx -g 'daemon off;' &", "caddy run &"])
def test_proxy_in_front_keeps_expose(tmp_path: Path, proxy: str) -> None:
    _project(
        tmp_path,
        f"#!/bin/bash\nnginx -t\n{proxy}\n"
        "gunicorn mysite.wsgi:application -b 0.0.0.0:8001 &\nwait -n\nexit $?\n",
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    text = outcome.files.get("Dockerfile", (tmp_path / "Dockerfile").read_text())
    assert "EXPOSE 8000\n" in text and "8001" not in text, text
    notes = [n for c in outcome.skipped for n in c.notes]
    assert any("in front of gunicorn: port 8001" in n for n in notes), notes


def test_app_server_alone_still_gets_its_port_exposed(tmp_path: Path) -> None:
    """Without a proxy (only `nginx -t`, a config check) the server's port is the image's."""
    _project(
        tmp_path,
        "#!/bin/bash\nnginx -t\npython manage.py migrate\n"
        "exec gunicorn mysite.wsgi:application -b 0.0.0.0:8001\n",
    )
    text = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"]).files["Dockerfile"]
    assert "EXPOSE 8000 8001" in text, text
