"""On the lab engine: a slim-based Dockerfile that apt-installs libgeos-dev for GeoDjango, whose
GEOS bindings load libgeos_c with ctypes (no built .so links it, so nothing in the venv shows
it). The split leaves libgeos-dev in the builder; the final stage must get libgeos-c1v5, the
library package libgeos-dev depends on, or Django's GEOS bindings fail with "Could not find the
GEOS library" (GEOS is small: the image stays quick to build).
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

_LABEL = "dj-optimize.test=dev-runtime-libs"

DOCKERFILE = """\
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gcc libgeos-dev \\
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_final_stage_loads_geos_with_ctypes_after_the_split(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    rewritten = outcome.files["Dockerfile"]
    final = rewritten[rewritten.rindex("\nFROM ") :]
    assert "libgeos-c1v5" in final and "libgeos-dev" not in final, rewritten
    (tmp_path / "Dockerfile").write_text(rewritten)
    tag = f"dev-runtime-libs-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(tmp_path), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        # What django.contrib.gis.geos.libgeos does (its package imports GDAL as well, which
        # this project does not install): find libgeos_c by name, load it with ctypes.
        probe = (
            "import ctypes, ctypes.util; lib = ctypes.CDLL(ctypes.util.find_library('geos_c')); "
            "lib.GEOSversion.restype = ctypes.c_char_p; print(lib.GEOSversion().decode()[:2])"
        )
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.split() == ["3."], ran.stdout
        # The headers stayed in the builder.
        headers = _docker(
            "run", "--rm", "--label", _LABEL, tag, "sh", "-c", "ls /usr/include/geos_c.h || true"
        )
        assert headers.stdout.strip() == "", headers.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)


def test_geos_library_path_naming_the_dev_link_loads_after_the_split(tmp_path: Path) -> None:
    # GEOS_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/libgeos_c.so is the link libgeos-dev ships;
    # the final stage has libgeos-c1v5 (libgeos_c.so.1) only, unless the split keeps the name.
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    path = "/usr/lib/x86_64-linux-gnu/libgeos_c.so"
    (tmp_path / "Dockerfile").write_text(
        DOCKERFILE.replace("WORKDIR /app\n", f"ENV GEOS_LIBRARY_PATH={path}\nWORKDIR /app\n")
    )
    rewritten = optimize(tmp_path / "Dockerfile", tmp_path).files["Dockerfile"]
    assert f"ln -sf libgeos_c.so.1 {path}" in rewritten, rewritten
    (tmp_path / "Dockerfile").write_text(rewritten)
    tag = f"dev-runtime-libs-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(tmp_path), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        # What django.contrib.gis.geos.libgeos does with settings.GEOS_LIBRARY_PATH.
        probe = (
            "import ctypes, os; lib = ctypes.CDLL(os.environ['GEOS_LIBRARY_PATH']); "
            "lib.GEOSversion.restype = ctypes.c_char_p; print(lib.GEOSversion().decode()[:2])"
        )
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.split() == ["3."], ran.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)
