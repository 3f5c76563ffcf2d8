"""On the lab engine: `Pillow==9.1.1` has no wheel for Python 3.11 (the first is 9.2.0), so pip
builds it from its sdist in the full python:3.11 builder, and the build links every image
library that image offers (libxcb, libjpeg, freetype, webp; tiff, lcms2 and openjpeg too on the
official image). The rewrite's slim final stage must install them: before it did, the image
built and `import PIL.Image` failed on `libxcb.so.1: cannot open shared object file`. Here
every extension module Pillow built is imported in the final image, ldd finds every library,
and no gcc ships. `cffi==1.15.0` (first cp311 wheel: 1.15.1) needs only the compiler: before,
the rewrite had no builder for it and pip would have compiled it in a single slim stage.
`psycopg2-binary==2.9.3` (first cp311 wheel: 2.9.5) builds from its sdist too, which the full
image can and a slim one cannot (`pg_config executable not found`): the rewrite keeps a builder
with the compiler and gives the slim final stage libpq5.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

_LABEL = "dj-optimize.test=old-source-pin"

DOCKERFILE = """\
FROM python:3.11
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]
"""

# Imports PIL.Image and PIL.ImageFont, then every extension module the build produced (a
# missing library fails the import), and prints the version and the modules. Not _imagingtk:
# it imports tkinter, which no slim image can (CPython's _tkinter needs libtk8.6), however
# Pillow was installed.
_PROBE = """\
import importlib, pathlib, PIL, PIL.Image, PIL.ImageFont
mods = sorted(p.name.split('.')[0] for p in pathlib.Path(PIL.__file__).parent.glob('*.so'))
mods.remove('_imagingtk')
for m in mods:
    importlib.import_module('PIL.' + m)
print(PIL.__version__, *mods)
"""

# Every library every extension module in the venv needs, as ldd resolves it.
_LDD = "find /opt/venv -name '*.so' -exec ldd {} + | grep 'not found' || true"


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _project(root: Path, requirements: str) -> str:
    """Writes the project, rewrites its Dockerfile in place and returns the rewrite."""
    write_skeleton(root)
    (root / "requirements.txt").write_text(requirements)
    (root / "Dockerfile").write_text(DOCKERFILE)
    rewritten = optimize(root / "Dockerfile", root).files["Dockerfile"]
    (root / "Dockerfile").write_text(rewritten)
    return rewritten


def _froms(dockerfile: str) -> list[str]:
    return [line for line in dockerfile.splitlines() if line.startswith("FROM ")]


def test_an_old_pillow_pin_built_in_the_builder_loads_in_the_slim_image(tmp_path: Path) -> None:
    rewritten = _project(tmp_path, "Django==4.2.16\ngunicorn==23.0.0\nPillow==9.1.1\n")
    assert _froms(rewritten) == ["FROM python:3.11 AS builder", "FROM python:3.11-slim"], rewritten
    tag = f"pillowk-old-source-pin-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(tmp_path), timeout=1200)
        assert built.returncode == 0, built.stderr[-3000:]
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", _PROBE, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        version, *modules = ran.stdout.split()
        assert version == "9.1.1", ran.stdout
        # The lab's full image has the -dev packages of these (the official one more).
        assert {"_imaging", "_imagingft", "_webp"} <= set(modules), ran.stdout
        missing = _docker("run", "--rm", "--label", _LABEL, tag, "sh", "-c", _LDD)
        assert missing.returncode == 0 and missing.stdout.strip() == "", missing.stdout
        gcc = _docker("run", "--rm", "--label", _LABEL, tag, "sh", "-c", "command -v gcc || true")
        assert gcc.stdout.strip() == "", gcc.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)


def test_an_old_cffi_pin_is_compiled_in_the_builder(tmp_path: Path) -> None:
    rewritten = _project(tmp_path, "Django==4.2.16\ngunicorn==23.0.0\ncffi==1.15.0\n")
    assert _froms(rewritten) == ["FROM python:3.11 AS builder", "FROM python:3.11-slim"], rewritten
    tag = f"pillowk-old-cffi-pin-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(tmp_path), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        probe = "import _cffi_backend, cffi; print(cffi.__version__)"
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip() == "1.15.0", ran.stdout
        gcc = _docker("run", "--rm", "--label", _LABEL, tag, "sh", "-c", "command -v gcc || true")
        assert gcc.stdout.strip() == "", gcc.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)


def test_an_old_binary_pin_is_built_in_the_builder_and_loads_in_the_slim_image(
    tmp_path: Path,
) -> None:
    rewritten = _project(tmp_path, "Django==4.2.16\ngunicorn==23.0.0\npsycopg2-binary==2.9.3\n")
    assert _froms(rewritten) == ["FROM python:3.11 AS builder", "FROM python:3.11-slim"], rewritten
    tag = f"old-binary-pin-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(tmp_path), timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        probe = "import psycopg2; print(psycopg2.__version__.split()[0])"
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "python", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip() == "2.9.3", ran.stdout
        gcc = _docker("run", "--rm", "--label", _LABEL, tag, "sh", "-c", "command -v gcc || true")
        assert gcc.stdout.strip() == "", gcc.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)
