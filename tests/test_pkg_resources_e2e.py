"""On the lab engine: python:3.11 ships setuptools, and packages written for it import
pkg_resources at start (drf-yasg 1.20: `No module named 'pkg_resources'` in the lean venv of the
rewrite, found on asfawayalk/django-celery-redis-drf-docker). The builder puts the image's own
setuptools into the venv when something installed uses pkg_resources, and only then."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import SKELETON

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM python:3.11
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
"""


def _build_rewrite(root: Path, requirements: str) -> str:
    for rel, text in SKELETON.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "requirements.txt").write_text(requirements)
    (root / "Dockerfile").write_text(DOCKERFILE)
    outcome = optimize(root / "Dockerfile", root)
    rewritten = outcome.files["Dockerfile"]
    # psycopg2 builds from source: the image is split, the venv made without pip.
    assert "--without-pip" in rewritten and "pkg_resources" in rewritten
    (root / "Dockerfile").write_text(rewritten)
    tag = f"pkgres-{uuid.uuid4().hex[:8]}"
    build = subprocess.run(
        ["docker", "build", "--progress=plain", "-t", tag, str(root)],
        capture_output=True,
        text=True,
        timeout=900,
        env={"DOCKER_BUILDKIT": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    if build.returncode != 0:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
        pytest.fail(build.stderr[-3000:])
    return tag


def _python(tag: str, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "python", tag, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_package_importing_pkg_resources_gets_the_images_setuptools(tmp_path: Path) -> None:
    tag = _build_rewrite(tmp_path, "Django==5.1.4\npsycopg2==2.9.10\ndrf-yasg==1.20.0\n")
    try:
        ran = _python(tag, "import drf_yasg, setuptools; print(setuptools.__version__)")
        assert ran.returncode == 0, ran.stderr[-2000:]
        base = _python("python:3.11", "import setuptools; print(setuptools.__version__)")
        assert ran.stdout.strip() == base.stdout.strip()  # the image's own version
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)


def test_without_pkg_resources_the_venv_stays_lean(tmp_path: Path) -> None:
    tag = _build_rewrite(tmp_path, "Django==5.1.4\npsycopg2==2.9.10\n")
    try:
        ran = _python(tag, "import django, importlib.util as u; print(u.find_spec('setuptools'))")
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip() == "None"
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
