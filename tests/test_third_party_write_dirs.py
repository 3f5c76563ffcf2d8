"""Where django-compressor, Haystack's Whoosh backend and django-dbbackup write at run time is
read from their settings (settings.runtime_dirs), so non-root hands those directories to the
app. Before, only Django's own write locations were read: as uid 10001 the first compressed
page, the first update_index and the first dbbackup failed with PermissionError (sweep15:
nevtum/hivemind rebuilds a Whoosh index at start, Kagee/homelab-organizer keeps one beside
the app, droxey/docker-django and beobachtergruppe/beobgrp_new_site compress at request
time, rahular3655/Rider-App backs up into BASE_DIR/backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from optimizer.pipeline import optimize
from optimizer.settings import runtime_dirs

BASE: dict[str, Any] = {
    "STATIC_ROOT": "/app/staticfiles", "INSTALLED_APPS": ["django.contrib.admin"]
}


def _dirs(**settings: Any) -> tuple[str, ...]:
    apps = settings.pop("apps", [])
    namespace = {**BASE, **settings}
    namespace["INSTALLED_APPS"] = [*BASE["INSTALLED_APPS"], *apps]
    return runtime_dirs(namespace, "")


def test_compressor_writes_its_cache_under_static_root_by_default() -> None:
    assert _dirs(apps=["compressor"]) == ("/app/staticfiles/CACHE",)


def test_compressor_root_and_output_dir_are_read() -> None:
    dirs = _dirs(apps=["compressor"], COMPRESS_ROOT="/srv/compress", COMPRESS_OUTPUT_DIR="out/")
    assert dirs == ("/srv/compress/out",)


def test_offline_compression_writes_nothing_at_run_time() -> None:
    assert _dirs(apps=["compressor"], COMPRESS_OFFLINE=True) == ()


def test_compressor_settings_without_the_app_are_ignored() -> None:
    assert _dirs(COMPRESS_ROOT="/srv/compress") == ()


def test_whoosh_index_path_of_any_alias() -> None:
    connections = {
        "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"},
        "search": {"ENGINE": "haystack.backends.whoosh_backend.WhooshEngine", "PATH": "index"},
    }
    assert _dirs(apps=["haystack"], HAYSTACK_CONNECTIONS=connections) == ("index",)


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        (None, ("/backups",)),  # dbbackup's default storage is the file system
        ("django.core.files.storage.FileSystemStorage", ("/backups",)),
        ("dbbackup.storage.filesystem_storage", ("/backups",)),  # dbbackup < 3
        ("storages.backends.s3boto3.S3Boto3Storage", ()),
    ],
)
def test_dbbackup_location(storage: str | None, expected: tuple[str, ...]) -> None:
    settings: dict[str, Any] = {"DBBACKUP_STORAGE_OPTIONS": {"location": "/backups"}}
    if storage:
        settings["DBBACKUP_STORAGE"] = storage
    assert _dirs(apps=["dbbackup"], **settings) == expected


def test_dbbackup_under_tmp_is_left_alone() -> None:
    assert _dirs(apps=["dbbackup"], DBBACKUP_STORAGE_OPTIONS={"location": "/tmp/b"}) == ()


def _compress_project(root: Path, start: str, offline: bool = True) -> Path:
    (root / "mysite").mkdir()
    (root / "mysite" / "__init__.py").write_text("")
    (root / "mysite" / "settings.py").write_text(
        "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
        'SECRET_KEY = "x"\nINSTALLED_APPS = ["django.contrib.staticfiles", "compressor"]\n'
        'ROOT_URLCONF = "mysite.urls"\nSTATIC_URL = "/static/"\n'
        'STATIC_ROOT = BASE_DIR / "staticfiles"\nCOMPRESS_ROOT = BASE_DIR / "assets"\n'
        f"COMPRESS_OFFLINE = {offline}\n"
    )
    (root / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\ndjango-compressor\n")
    (root / "entrypoint.sh").write_text(f"#!/bin/sh\nset -e\n{start}\nexec \"$@\"\n")
    (root / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        'ENTRYPOINT ["/app/entrypoint.sh"]\n'
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    return root


@pytest.mark.parametrize(
    "start",
    [
        "python manage.py compress --force",
        "python /app/manage.py -v 0 compress",
        "django-admin compress --settings mysite.settings",
    ],
)
def test_offline_compression_run_at_start_is_a_write(tmp_path: Path, start: str) -> None:
    """With COMPRESS_OFFLINE the requests only read, but an entrypoint that runs `manage.py
    compress` writes COMPRESS_ROOT/CACHE as the app user (sweep15's leftover)."""
    root = _compress_project(tmp_path, start)
    text = optimize(root / "Dockerfile", root, only=["non-root"]).files["Dockerfile"]
    assert "USER 10001" in text, text
    assert "/app/assets/CACHE" in text, text


def test_offline_compression_at_build_is_not_a_run_time_write(tmp_path: Path) -> None:
    root = _compress_project(tmp_path, "python manage.py migrate --noinput")
    text = optimize(root / "Dockerfile", root, only=["non-root"]).files["Dockerfile"]
    assert "USER 10001" in text, text
    assert "assets" not in text, text
