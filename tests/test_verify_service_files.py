"""Files a compose service bind-mounts from the project (a healthcheck script, an init.sql) are
copied into that service's container on each side (optimizer/verify/runplan.service_files).

Despair-17/YourBlog's postgres service mounts ./pg_healthcheck.sh at
/usr/local/bin/pg_healthcheck.sh and its healthcheck runs `chmod +x` on it: verify dropped the
mount, the check failed for 90 s and neither side ran. No engine here; the copy itself is
tests/test_verify_service_files_e2e.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.compose import BindMount, Service
from optimizer.verify.runplan import FILES_LIMIT, compose_service_spec, service_files


def test_the_configuration_a_service_mounts_is_copied_not_its_data(tmp_path: Path) -> None:
    script = tmp_path / "pg_healthcheck.sh"
    script.write_text("#!/bin/sh\npg_isready\n")
    initdb = tmp_path / "initdb"
    initdb.mkdir()
    (initdb / "init.sql").write_text("CREATE DATABASE extra;\n")
    data = tmp_path / "db"
    data.mkdir()
    (data / "PG_VERSION").write_text("16\n")
    big = tmp_path / "big"
    big.mkdir()
    (big / "blob").write_bytes(b"\0" * (FILES_LIMIT + 1))
    service = Service(
        name="postgres-db",
        image="postgres:16",
        bind_mounts=(
            BindMount(str(script), "/usr/local/bin/pg_healthcheck.sh"),
            BindMount(str(initdb), "/docker-entrypoint-initdb.d/"),
            BindMount(str(data), "/var/lib/postgresql/data"),  # state: each side starts empty
            BindMount(str(big), "/srv/big"),  # too big to be configuration
            BindMount(str(tmp_path / "missing.conf"), "/etc/missing.conf"),  # not there
            BindMount("/var/run/docker.sock", "/var/run/docker.sock"),  # not a file
        ),
    )
    expected = (
        (str(script), "/usr/local/bin/pg_healthcheck.sh"),
        (str(initdb), "/docker-entrypoint-initdb.d"),
    )
    assert service_files(service, "postgres") == expected
    spec, why = compose_service_spec(service)
    assert why is None and spec is not None
    assert spec.files == expected


def test_redis_data_is_not_copied_but_its_conf_is(tmp_path: Path) -> None:
    conf = tmp_path / "redis.conf"
    conf.write_text("port 6380\n")
    data = tmp_path / "redis-data"
    data.mkdir()
    service = Service(
        name="cache",
        image="redis:7",
        bind_mounts=(
            BindMount(str(conf), "/usr/local/etc/redis/redis.conf"),
            BindMount(str(data), "/data"),
        ),
    )
    assert service_files(service, "redis") == (
        (str(conf), "/usr/local/etc/redis/redis.conf"),
    )


def test_the_plan_names_what_it_copies_relative_to_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from optimizer.verify.runplan import _shown

    (tmp_path / "pg_healthcheck.sh").write_text("exit 0\n")
    monkeypatch.chdir(tmp_path)
    assert _shown(str(tmp_path / "pg_healthcheck.sh"), Path(".")) == "./pg_healthcheck.sh"
    assert _shown("/elsewhere/x.conf", Path(".")) == "/elsewhere/x.conf"
