"""On the lab engine: `RUN pip install poetry && poetry install` split into a builder.

The builder's own venv comes first on PATH, so a bare `pip install poetry` after it put poetry
(and its dependencies) into /opt/venv, which the final stage copies (sharay198/web-calculator).
The rewrite installs poetry with the base image's pip instead; poetry still fills /opt/venv
through VIRTUAL_ENV. `--verify --write` passes, and the final image's venv has Django and
gunicorn but no poetry.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import POETRY_PYPROJECT, SKELETON
from typer.testing import CliRunner

from optimizer.cli import app

pytestmark = pytest.mark.engine
_LABEL = "dj-optimize.test=poetry-tool-builder"

_DOCKERFILE = """\
FROM python:3.11
WORKDIR /code
COPY pyproject.toml ./
RUN pip install poetry==2.0.1 && poetry install --no-root --no-interaction
COPY . /code/
CMD ["poetry", "run", "gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


_URLS = """\
from django.contrib import admin
from django.http import HttpResponse
from django.urls import path

urlpatterns = [
    path("", lambda request: HttpResponse("ok")),
    path("admin/", admin.site.urls),
]
"""


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_poetry_installed_with_the_deps_stays_in_the_builder(tmp_path: Path) -> None:
    root = tmp_path / "app"
    for rel, content in SKELETON.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    (root / "mysite" / "urls.py").write_text(_URLS)
    (root / "pyproject.toml").write_text(POETRY_PYPROJECT)
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(_DOCKERFILE)
    result = CliRunner().invoke(app, ["--verify", "--write", "--no-rebuild", str(dockerfile)])
    assert result.exit_code == 0, result.output
    assert "verify: PASS" in result.output, result.output
    written = dockerfile.read_text()
    assert "/usr/local/bin/pip install poetry==2.0.1" in written, written
    tag = f"poetry-tool-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        probe = (
            "import importlib.util as u, django, gunicorn; "
            "print(django.__file__.startswith('/opt/venv/'), "
            "gunicorn.__file__.startswith('/opt/venv/'), u.find_spec('poetry') is None)"
        )
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip() == "True True True", ran.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)
