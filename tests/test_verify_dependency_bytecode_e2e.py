"""engine.image_site_bytecode on the lab engine: the .pyc bytes below the site-packages of
the image's own python (a venv first on PATH), as verify measures them when the rewrite
compiles its dependencies' bytecode (tests/test_verify_dependency_bytecode.py)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from optimizer import engine

pytestmark = pytest.mark.engine

VENV = (
    "FROM python:3.11-slim\n"
    "RUN python -m venv --without-pip /venv && mkdir -p /venv/lib/python3.11/site-packages/dep\n"
    "RUN python -c \"open('/venv/lib/python3.11/site-packages/dep/__init__.py', 'w')"
    ".write('X = 1\\\\n' * 5000)\"\n"
    "ENV PATH=/venv/bin:$PATH\n"
)
COMPILED = VENV + "RUN python -m compileall -q /venv/lib/python3.11/site-packages\n"


def test_the_site_packages_bytecode_of_the_image_s_python(tmp_path: Path) -> None:
    if not engine.image_exists("python:3.11-slim"):
        pytest.skip("lab image python:3.11-slim missing (run ../shared/lab/images-up)")
    run = uuid.uuid4().hex[:8]
    tags = {name: f"djopt-test-pyc-{name}-{run}" for name in ("plain", "compiled")}
    try:
        for name, text in (("plain", VENV), ("compiled", COMPILED)):
            (tmp_path / name).mkdir()
            (tmp_path / name / "Dockerfile").write_text(text)
            subprocess.run(["docker", "build", "-q", "-t", tags[name], str(tmp_path / name)],
                           check=True, capture_output=True, timeout=300)
        plain = engine.image_site_bytecode(tags["plain"], name=f"djopt-test-pyc-a-{run}")
        compiled = engine.image_site_bytecode(tags["compiled"], name=f"djopt-test-pyc-b-{run}")
        assert plain == 0
        assert compiled is not None and compiled > 1000  # the venv's, not the base image's
    finally:
        subprocess.run(["docker", "rmi", "-f", *tags.values()], capture_output=True, timeout=60)
    left = subprocess.run(["docker", "ps", "-aq", "--filter", f"name=djopt-test-pyc-.-{run}"],
                          capture_output=True, text=True, check=True, timeout=30)
    assert left.stdout.strip() == ""
