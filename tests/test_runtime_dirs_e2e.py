"""On the lab engine: directories Django writes that the settings name outside MEDIA_ROOT (a
FileSystemStorage's `location` in STORAGES, a file-based cache's LOCATION) are the app's after
the non-root switch. Before, only MEDIA_ROOT, STATIC_ROOT and the sqlite directory were handed
over, and the first upload or cache write as uid 10001 failed: PermissionError creating
/data/uploads under the root-owned /. The image is built from the rewrite, the storage and the
cache are written through Django as the image's user."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import built_image, rewrite_in_place, write_skeleton

pytestmark = pytest.mark.engine

SETTINGS = """
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": "/data/uploads"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                      "LOCATION": "/srv/cache/django"}}
"""
WRITE = (
    "from django.core.cache import cache; from django.core.files.base import ContentFile; "
    "from django.core.files.storage import default_storage; import os; "
    "cache.set('k', 'v'); print(os.getuid(), default_storage.save('a.txt', ContentFile(b'x')), "
    "cache.get('k'))"
)


def test_the_app_writes_its_storage_and_cache(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    with (tmp_path / "mysite" / "settings.py").open("a") as handle:
        handle.write(SETTINGS)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    )
    rewrite_in_place(tmp_path, ["non-root"])
    with built_image(tmp_path, "runtime-dirs") as tag:
        ran = subprocess.run(
            ["docker", "run", "--rm", tag, "python", "manage.py", "shell", "-c", WRITE],
            capture_output=True, text=True, timeout=120,
        )
        assert ran.returncode == 0, ran.stderr[-3000:]
        assert ran.stdout.split() == ["10001", "a.txt", "v"], ran.stdout
