"""On the lab engine: a project whose code and requirements live in `backend/`, copied with
`COPY backend/ .` before the install (transforms/cache_friendly_order._source_copy).

Only `COPY . dest` was taken for the source copy, so this layout, common in repositories that
hold a frontend beside the Django app, kept its install after the code: every change under
backend/ ran the whole install again, and the tool said nothing. The rewrite copies
backend/requirements.txt first; verify passes (same responses), and a code change rebuilds
with the install's step from the cache.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import write_skeleton
from typer.testing import CliRunner

from optimizer.cli import app

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY backend/ .
RUN pip install --no-cache-dir -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def _build(root: Path, tag: str) -> str:
    built = subprocess.run(
        ["docker", "build", "--progress=plain", "-t", tag, str(root)],
        capture_output=True, text=True, timeout=900,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return built.stderr


def _write_app(code: Path, body: str) -> None:
    write_skeleton(code)
    (code / "mysite" / "urls.py").write_text(
        "from django.contrib import admin\nfrom django.http import HttpResponse\n"
        "from django.urls import path\n\n"
        f"urlpatterns = [path('', lambda r: HttpResponse('{body}')),\n"
        "               path('admin/', admin.site.urls)]\n"
    )


def _rewrite_verified(root: Path) -> str:
    result = CliRunner().invoke(
        app, ["--verify", "--no-rebuild", "--write", "--only", "cache-friendly-order",
              str(root / "Dockerfile")]
    )
    assert result.exit_code == 0, result.output
    assert "verify: PASS" in result.output, result.output
    return (root / "Dockerfile").read_text()


def _install_cached_after_a_code_change(root: Path, code: Path, source_copy: str) -> None:
    """Build, change the code, build again: the install's step comes from the cache and the
    code's copy runs again."""
    # Two tags: a second build under the first one's tag would leave the first image dangling.
    tag = f"djopt-subdir-{uuid.uuid4().hex[:8]}"
    try:
        _build(root, tag)
        urls = code / "mysite" / "urls.py"
        # A change of its own: the same text appended by an earlier run of this test is in the
        # engine's build cache, and the copy would come from there.
        urls.write_text(urls.read_text() + f"\n# a code change {uuid.uuid4().hex}\n")
        log = _build(root, f"{tag}-changed")
        install = next(block for block in log.split("\n\n") if "RUN pip install" in block)
        assert "CACHED" in install, install
        copy = next(block for block in log.split("\n\n") if source_copy in block)
        assert "CACHED" not in copy, copy
    finally:
        subprocess.run(
            ["docker", "rmi", "-f", tag, f"{tag}-changed"], capture_output=True, timeout=120
        )


def test_a_backend_directory_copy_gets_its_install_first_and_serves_the_same(
    tmp_path: Path,
) -> None:
    root = tmp_path / "proj"
    _write_app(root / "backend", "backend ok")
    (root / "backend" / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (root / "Dockerfile").write_text(DOCKERFILE)
    written = _rewrite_verified(root)
    assert written.index("COPY backend/requirements.txt ./") < written.index(
        "RUN pip install"
    ) < written.index("COPY backend/ ."), written
    _install_cached_after_a_code_change(root, root / "backend", "COPY backend/ .")

KEPT_COPY_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY src /app
COPY requirements.txt /app/
RUN pip install --no-cache-dir -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def test_a_requirements_copy_after_the_source_moves_up_with_the_install(tmp_path: Path) -> None:
    # The code in src/, the requirements at the root, copied on its own after the code: the
    # install could not read its file from the source copy, so nothing moved it, and every
    # change under src/ ran the install again. The requirements COPY moves up with it.
    root = tmp_path / "proj"
    _write_app(root / "src", "src ok")
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (root / "Dockerfile").write_text(KEPT_COPY_DOCKERFILE)
    written = _rewrite_verified(root)
    assert written.index("COPY requirements.txt /app/") < written.index(
        "RUN pip install"
    ) < written.index("COPY src /app"), written
    _install_cached_after_a_code_change(root, root / "src", "COPY src /app")
