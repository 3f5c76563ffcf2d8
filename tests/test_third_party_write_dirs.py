"""Where django-compressor, Haystack's Whoosh backend and django-dbbackup write at run time is
read from their settings (settings.runtime_dirs), so non-root hands those directories to the
app. Before, only Django's own write locations were read: as uid 10001 the first compressed
page, the first update_index and the first dbbackup failed with PermissionError (sweep15:
nevtum/hivemind rebuilds a Whoosh index at start, Kagee/homelab-organizer keeps one beside
the app, droxey/docker-django and beobachtergruppe/beobgrp_new_site compress at request
time, rahular3655/Rider-App backs up into BASE_DIR/backup)."""

from __future__ import annotations

from typing import Any

import pytest

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
