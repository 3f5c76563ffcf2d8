"""On the lab engine: python:3.11 ships setuptools, and packages written for it import
pkg_resources at start (drf-yasg 1.20: `No module named 'pkg_resources'` in the isolated lean
venv of an earlier rewrite, found on asfawayalk/django-celery-redis-drf-docker). The lean venv
now sees the image's own packages (--system-site-packages), as the original's install did: the
final stage's slim image has the same setuptools, so nothing is copied into the venv, and pip
builds psycopg2 with it instead of in an isolated environment. A builder that upgrades
setuptools in the image gets the isolated venv, and the image's setuptools goes into the venv
when something installed uses pkg_resources, and only then."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM python:3.11
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
"""


def _build_rewrite(
    root: Path, requirements: str, dockerfile: str = DOCKERFILE, *, isolated: bool = False
) -> str:
    """The rewrite's image tag."""
    write_skeleton(root)
    (root / "requirements.txt").write_text(requirements)
    (root / "Dockerfile").write_text(dockerfile)
    outcome = optimize(root / "Dockerfile", root)
    rewritten = outcome.files["Dockerfile"]
    # psycopg2 builds from source: the image is split, the venv made without pip.
    assert "--without-pip" in rewritten
    assert ("--system-site-packages" in rewritten) is not isolated
    assert ("grep -rqs" in rewritten) is isolated  # the pkg_resources check
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


def _setuptools(tag: str, imports: str = "") -> list[str]:
    """[setuptools version, whether it is the venv's own] in the image, after `imports`."""
    ran = _python(
        tag,
        f"import {imports}setuptools, sys; "
        "print(setuptools.__version__, setuptools.__file__.startswith(sys.prefix))",
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    return ran.stdout.split()


def test_a_package_importing_pkg_resources_finds_the_images_setuptools(tmp_path: Path) -> None:
    tag = _build_rewrite(tmp_path, "Django==5.1.4\npsycopg2==2.9.10\ndrf-yasg==1.20.0\n")
    builder = f"{tag}-builder"
    try:
        # In the builder, the venv's Python finds the image's setuptools: pip builds psycopg2
        # with it (`setup.py bdist_wheel`), not in an isolated environment it installs first.
        subprocess.run(
            ["docker", "build", "-q", "--target", "builder", "-t", builder, str(tmp_path)],
            capture_output=True, text=True, timeout=900, check=True,
            env={"DOCKER_BUILDKIT": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"},
        )
        found = subprocess.run(
            ["docker", "run", "--rm", builder, "/opt/venv/bin/python", "-c",
             "import setuptools; print(setuptools.__file__)"],
            capture_output=True, text=True, timeout=120,
        )
        assert found.stdout.startswith("/usr/local/lib/python3.11/site-packages/"), found
        base = _python("python:3.11", "import setuptools; print(setuptools.__version__)")
        # The image's own version, from the image, not a copy in the venv.
        assert _setuptools(tag, "drf_yasg, ") == [base.stdout.strip(), "False"]
    finally:
        subprocess.run(["docker", "rmi", "-f", tag, builder], capture_output=True, timeout=120)


def test_a_pinned_setuptools_goes_into_the_venv(tmp_path: Path) -> None:
    """A requirement the image does not satisfy is installed into the venv, ahead of the
    image's copy on the path."""
    tag = _build_rewrite(tmp_path, "Django==5.1.4\npsycopg2==2.9.10\nsetuptools==70.3.0\n")
    try:
        assert _setuptools(tag) == ["70.3.0", "True"]
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)


# Below 81: setuptools 81 dropped pkg_resources, and with it the original breaks as well.
UPGRADES_SETUPTOOLS = DOCKERFILE.replace(
    "COPY . .\n", 'RUN pip install --upgrade pip "setuptools>=80,<81"\nCOPY . .\n'
)


def test_upgraded_setuptools_isolated_venv_gets_it_for_pkg_resources(tmp_path: Path) -> None:
    """The builder upgrades setuptools in the image, which the final stage's image lacks: the
    venv is isolated, and gets the builder's setuptools when an installed package uses it."""
    tag = _build_rewrite(
        tmp_path,
        "Django==5.1.4\npsycopg2==2.9.10\ndrf-yasg==1.20.0\n",
        UPGRADES_SETUPTOOLS,
        isolated=True,
    )
    try:
        version, own = _setuptools(tag, "drf_yasg, ")
        assert (version.split(".")[0], own) == ("80", "True")
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)


def test_without_pkg_resources_the_isolated_venv_stays_lean(tmp_path: Path) -> None:
    tag = _build_rewrite(
        tmp_path, "Django==5.1.4\npsycopg2==2.9.10\n", UPGRADES_SETUPTOOLS, isolated=True
    )
    try:
        ran = _python(tag, "import django, importlib.util as u; print(u.find_spec('setuptools'))")
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip() == "None"
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
