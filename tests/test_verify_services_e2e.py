"""verify() with the services a real app needs, against the lab engine: examples/13-postgres-redis.

Three runs (each builds both sides): driven by the compose file; the same app without compose
and with `--service postgres:17 --service redis:7`; an app without CMD run by compose's command.
Every run checks that the migration pre-step ran on each side, that `/` (which reads the row a
migration wrote and a value cached in Redis) answers 200 on both sides with Host 127.0.0.1 (the
only host the settings allow: `localhost` would get 400), and that nothing labelled with the run
is left afterwards.

The settings reader's new fields (database_engines, env_vars, allowed_hosts, uses_redis) are set
here as that reader will fill them for this project, so the plan does not depend on it.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import lab_script

from optimizer import engine
from optimizer.pipeline import optimize
from optimizer.verify import VerifyOptions, VerifyReport, verify
from optimizer.verify.runplan import Flags, apply, plan_for

pytestmark = pytest.mark.engine

EXAMPLE = Path(__file__).parent.parent / "examples" / "13-postgres-redis"
SETTINGS_FIELDS = {
    "database_engines": ("postgresql",),
    "uses_redis": True,
    "allowed_hosts": ("127.0.0.1",),
    "env_vars": (
        "DJANGO_SECRET_KEY",
        "DJANGO_DEBUG",
        "DJANGO_ALLOWED_HOSTS",
        "POSTGRES_DB",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_HOST",
        "POSTGRES_PORT",
        "REDIS_URL",
    ),
}


@pytest.fixture(scope="module", autouse=True)
def _images() -> None:
    needed = ["python:3.11", "python:3.11-slim", "postgres:17", "redis:7"]
    missing = [i for i in needed if not engine.image_exists(i)]
    if missing:
        pytest.skip(f"lab images missing: {missing} (run ../shared/lab/images-up)")
    if not engine.image_exists("postgres:16"):
        # The compose file pins postgres:16, as real ones pin versions: tag the stand-in.
        subprocess.run([str(lab_script("images-up")), "--alias", "postgres:16"], check=True,
                       timeout=120)


def _run(root: Path, flags: Flags) -> VerifyReport:
    outcome = optimize(root / "Dockerfile", root)
    assert outcome.changed
    project = dataclasses.replace(outcome.project, **SETTINGS_FIELDS)  # type: ignore[arg-type]
    key = outcome.dockerfile_key
    before = {key: outcome.original[key] or ""}
    after = {key: outcome.files.get(key, before[key])}
    after.update({k: v for k, v in outcome.files.items() if k != key})
    plan = plan_for(project, root, root / "Dockerfile", before[key], flags)
    options = apply(plan, VerifyOptions(measure_rebuild=False, env=flags.env))
    report = verify(root, before, after, options)
    _assert_nothing_left(report.run_id)
    return report


def _assert_nothing_left(run_id: str) -> None:
    label = f"label=dj-optimize.run={run_id}"
    for kind in ("ps -a", "network ls"):
        done = subprocess.run(
            ["docker", *kind.split(), "-q", "--filter", label],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        assert done.stdout.strip() == "", f"{kind} left: {done.stdout}"


def _assert_served_from_postgres_and_redis(report: VerifyReport) -> None:
    assert report.passed, (report.reasons, report.inconclusive, report.notes)
    for side in (report.before, report.after):
        assert [s["ready"] for s in side.services] == [True, True], side.services
        assert side.pre_step is not None and side.pre_step["ok"], side.pre_step
        root = next(p for p in side.probes if p.path == "/")
        assert root.status == 200, (root, side.container_log_tail)
        assert "1 notes (written by a migration); hello from redis" in root.body
    assert report.run_plan is not None
    assert report.run_plan["host"] == "127.0.0.1"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("*.expected"))
    return root


def test_compose_driven(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    report = _run(root, Flags())
    _assert_served_from_postgres_and_redis(report)
    plan = report.run_plan
    assert plan is not None
    assert [(s["name"], s["image"]) for s in plan["services"]] == [
        ("db", "postgres:16"),
        ("redis", "redis:7"),
    ]
    assert plan["command_source"] == "image"
    assert plan["pre_source"] == "default (server database)"
    assert plan["host_source"] == "ALLOWED_HOSTS in the settings"
    assert any("bind-mounts" in n and "dropped" in n for n in report.notes)


def test_without_compose_with_service_flags(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "docker-compose.yml").unlink()
    report = _run(root, Flags(services=["postgres:17", "redis:7"]))
    _assert_served_from_postgres_and_redis(report)
    plan = report.run_plan
    assert plan is not None
    assert [(s["name"], s["image"]) for s in plan["services"]] == [
        ("postgres", "postgres:17"),
        ("redis", "redis:7"),
    ]
    # The variables the settings read were pointed at the throwaway services.
    assert {"DATABASE_URL", "POSTGRES_HOST", "POSTGRES_PASSWORD", "REDIS_URL"} <= set(
        plan["env_keys"]
    )


def test_no_cmd_runs_compose_command(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    dockerfile = root / "Dockerfile"
    text = dockerfile.read_text()
    dockerfile.write_text(text[: text.index("CMD")])
    compose = root / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace(
            "    build: .\n",
            "    build: .\n    command: gunicorn mysite.wsgi:application --bind 0.0.0.0:8000\n",
        )
    )
    report = _run(root, Flags())
    _assert_served_from_postgres_and_redis(report)
    plan = report.run_plan
    assert plan is not None
    assert plan["command_source"] == "compose service web"
    assert plan["command"][0] == "gunicorn"
    assert report.before.port == report.after.port == 8000


def test_service_commands_of_options_only(tmp_path: Path) -> None:
    """`command: -c fsync=off` on postgres and `command: --appendonly no` on redis: the
    official images put their server in front; verify says so outright, so the lab's stand-ins
    (whose entrypoints run the command as written) start the same."""
    root = _copy(tmp_path)
    compose = root / "docker-compose.yml"
    text = compose.read_text()
    assert "    image: postgres:16\n" in text and "    image: redis:7\n" in text
    compose.write_text(
        text.replace(
            "    image: postgres:16\n", "    image: postgres:16\n    command: -c fsync=off\n"
        ).replace("    image: redis:7\n", "    image: redis:7\n    command: --appendonly no\n")
    )
    report = _run(root, Flags())
    _assert_served_from_postgres_and_redis(report)
