"""On the lab engine: a source COPY spelled with a build variable (`COPY ./$SRC_DIR
$PROJECT_ROOT`, `ENV SRC_DIR /src`) is where non-root looks for the app's directories. Before,
the source was read unexpanded, the copy was not seen, and the context root was taken for the
app dir: STATIC_ROOT became /project/src/static while Django writes /project/staticfiles
(surovaen/django_wines). With the compose file's named volume on STATIC_ROOT, the volume took
the image's missing directory as root's, and collectstatic as uid 10001 failed with
PermissionError. The image is built from the rewrite and collectstatic runs with a fresh
volume there, as compose mounts it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import built_image, rewrite_in_place

pytestmark = pytest.mark.engine

CASE = Path(__file__).parent / "golden" / "non-root" / "copy-source-with-variable"


def test_collectstatic_writes_the_volume_on_static_root(tmp_path: Path) -> None:
    root = tmp_path / "ctx"
    shutil.copytree(CASE, root, ignore=shutil.ignore_patterns("expected.Dockerfile"))
    assert "/project/staticfiles" in rewrite_in_place(root, ["non-root"])
    with built_image(root, "copy-source-variable") as tag:
        # An anonymous volume, removed with the container (--rm).
        ran = subprocess.run(
            ["docker", "run", "--rm", "-v", "/project/staticfiles", tag,
             "sh", "-c", "id -u && python manage.py collectstatic --noinput"],
            capture_output=True, text=True, timeout=180,
        )
        assert ran.returncode == 0, ran.stderr[-3000:]
        assert ran.stdout.split()[0] == "10001"
        assert "static files copied to '/project/staticfiles'" in ran.stdout
