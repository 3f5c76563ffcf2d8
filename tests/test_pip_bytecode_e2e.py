"""On the lab engine: the lean venv's installs write no bytecode themselves (PIP_COMPILE=0) and
pip's own modules are compiled into the pip cache mount (PYTHONPYCACHEPREFIX); one compile
after the install writes the venv's .pyc. The final image has them all, nothing from the cache
mount, and a module that does not compile (a package's Python 2 example, which pip skips) does
not fail the build, as `python -m compileall` would."""

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
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
"""

# A local package with a module only Python 2 parses, installed from the context.
SETUP = """\
from setuptools import setup
setup(name="oldexample", version="1.0", py_modules=["oldexample", "oldexample_py2"])
"""


def _docker(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout,
                          env={"DOCKER_BUILDKIT": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"})


def test_venv_bytecode_compiled_after_install_and_pip_cache_kept_out(tmp_path: Path) -> None:
    root = tmp_path / "app"
    write_skeleton(root)
    pkg = root / "vendor" / "oldexample"
    pkg.mkdir(parents=True)
    (pkg / "setup.py").write_text(SETUP)
    (pkg / "oldexample.py").write_text("VALUE = 1\n")
    (pkg / "oldexample_py2.py").write_text('print "hello"\n')
    (root / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    (root / "Dockerfile").write_text(DOCKERFILE.replace(
        "RUN pip install -r requirements.txt",
        "COPY vendor vendor\nRUN pip install -r requirements.txt ./vendor/oldexample",
    ))
    rewritten = optimize(root / "Dockerfile", root).files["Dockerfile"]
    assert "PIP_COMPILE=0" in rewritten and "os.walk('/opt/venv')" in rewritten
    (root / "Dockerfile").write_text(rewritten)
    tag = f"djopt-pipbc-{uuid.uuid4().hex[:8]}"
    try:
        build = _docker("build", "--progress=plain", "-t", tag, str(root))
        assert build.returncode == 0, build.stderr[-3000:]
        check = _docker(
            "run", "--rm", "--user", "0", "--network", "none", tag, "python", "-c",
            "import glob, os, django, oldexample;"
            "site = os.path.dirname(os.path.dirname(django.__file__));"
            "assert glob.glob(site + '/django/__pycache__/__init__.cpython-311.pyc');"
            "assert glob.glob(site + '/__pycache__/oldexample.cpython-311.pyc');"
            "assert not glob.glob(site + '/__pycache__/oldexample_py2.*');"
            "assert not os.path.exists('/root/.cache/pip');"
            "print('ok', oldexample.VALUE)",
            timeout=120,
        )
        assert check.returncode == 0 and "ok 1" in check.stdout, check.stdout + check.stderr
    finally:
        _docker("rmi", "-f", tag, timeout=120)


def test_pip_bytecode_reaches_the_cache_mount_under_pythondontwritebytecode(
    tmp_path: Path,
) -> None:
    """The original sets PYTHONDONTWRITEBYTECODE (as most tutorials do) and the builder keeps it:
    without the install's own `PYTHONDONTWRITEBYTECODE=`, Python wrote no .pyc into the prefix
    and pip ran from source on every install (about 2 s a run on the slim image)."""
    root = tmp_path / "app"
    write_skeleton(root)
    (root / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    (root / "Dockerfile").write_text(
        DOCKERFILE.replace(
            "FROM python:3.11\n", "FROM python:3.11\nENV PYTHONDONTWRITEBYTECODE=1\n"
        )
    )
    rewritten = optimize(root / "Dockerfile", root).files["Dockerfile"]
    assert "PYTHONPYCACHEPREFIX=" in rewritten
    # A cache mount of this test's own, so no other build's pip bytecode is counted.
    cache_id = f"djopt-pipbc-{uuid.uuid4().hex[:8]}"
    mount = "--mount=type=cache,target=/root/.cache/pip"
    assert mount in rewritten
    (root / "Dockerfile").write_text(
        rewritten.replace(mount, f"--mount=type=cache,id={cache_id},target=/root/.cache/pip")
    )
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "Dockerfile").write_text(
        "FROM python:3.11-slim\n"
        f"RUN --mount=type=cache,id={cache_id},target=/root/.cache/pip "
        "find /root/.cache/pip/pycache -path '*site-packages/pip/*' -name '*.pyc' "
        "| wc -l > /count\n"
        'CMD ["cat", "/count"]\n'
    )
    tag = cache_id
    try:
        build = _docker("build", "--progress=plain", "-t", tag, str(root))
        assert build.returncode == 0, build.stderr[-3000:]
        # Not --no-cache: BuildKit 0.8 then gives the RUN an empty cache mount. The id in the
        # RUN makes its layer new anyway.
        counted = _docker("build", "-q", "-t", f"{tag}-probe", str(probe))
        assert counted.returncode == 0, counted.stderr[-3000:]
        count = _docker("run", "--rm", "--network", "none", f"{tag}-probe", timeout=120)
        assert count.returncode == 0, count.stderr
        # pip imports a few hundred of its modules for an install.
        assert int(count.stdout.strip()) > 100, count.stdout
        # The final image keeps the variable: the app still writes no .pyc at run time.
        check = _docker(
            "run", "--rm", "--network", "none", tag, "python", "-c",
            "import os; assert os.environ['PYTHONDONTWRITEBYTECODE'] == '1'; print('ok')",
            timeout=120,
        )
        assert check.returncode == 0 and "ok" in check.stdout, check.stdout + check.stderr
    finally:
        _docker("rmi", "-f", tag, f"{tag}-probe", timeout=120)
