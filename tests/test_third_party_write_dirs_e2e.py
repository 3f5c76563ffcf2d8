"""On the lab engine: what django-compressor, Haystack's Whoosh backend and django-dbbackup
write at run time is writable for the rewrite's user. Before, non-root handed over only Django's
own write locations, and as uid 10001 compressor's first CACHE file, the Whoosh index and the
first backup failed with PermissionError (the app dir's subdirectories they create, and
/var/backups, are root's). The image is built from the rewrite; each app writes through its
own API as the image's user (the Whoosh index through the path Haystack's backend reads,
as update_index would create it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import built_image, rewrite_in_place

pytestmark = pytest.mark.engine

CASE = Path(__file__).parent / "golden" / "non-root" / "third-party-write-dirs"
WRITE = (
    "import os; from django.core.files.base import ContentFile; "
    "from compressor.storage import default_storage as c; "
    "from haystack import connections; from dbbackup.storage import get_storage; "
    "print(os.getuid(), c.save('CACHE/css/a.css', ContentFile(b'a{}')), end=' '); "
    "import whoosh.fields, whoosh.index; path = connections['default'].get_backend().path; "
    "os.makedirs(path, exist_ok=True); "
    "whoosh.index.create_in(path, whoosh.fields.Schema(t=whoosh.fields.TEXT)); "
    "print(whoosh.index.exists_in(path), end=' '); "
    "get_storage().write_file(ContentFile(b'x'), 'default.dump'); "
    "print(os.listdir('/var/backups/mysite'))"
)


def test_compressor_whoosh_and_dbbackup_write_as_the_app(tmp_path: Path) -> None:
    root = tmp_path / "ctx"
    shutil.copytree(CASE, root, ignore=shutil.ignore_patterns("expected.Dockerfile"))
    rewrite_in_place(root, ["non-root"])
    with built_image(root, "third-party-dirs") as tag:
        ran = subprocess.run(
            ["docker", "run", "--rm", tag, "python", "manage.py", "shell", "-c", WRITE],
            capture_output=True, text=True, timeout=120,
        )
        assert ran.returncode == 0, ran.stderr[-3000:]
        assert ran.stdout.strip().split(maxsplit=3) == [
            "10001", "CACHE/css/a.css", "True", "['default.dump']"
        ], ran.stdout
