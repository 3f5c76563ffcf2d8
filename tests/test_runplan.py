"""How verify runs the app (optimizer/verify/runplan.py): derived from flags, compose, settings.

Pure derivation: DjangoProject and compose Service values are built here, no engine. One test
reads a real compose file with `docker compose config` (skipped without the plugin).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import compose
from optimizer.compose import ComposeProject, Port, Service
from optimizer.context import DjangoProject
from optimizer.verify import VerifyOptions
from optimizer.verify.runplan import (
    MIGRATE,
    Flags,
    apply,
    compose_candidates,
    connection_env,
    default_probes,
    derive,
    family,
    host_from_allowed,
    image_command,
    plan_for,
    service_for_image,
    split_command,
)

ROOT = Path("/proj")
DOCKERFILE = "FROM python:3.11\nCOPY . .\nCMD gunicorn mysite.wsgi -b 0.0.0.0:8000\n"
NO_CMD = "FROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\n"


def project(**fields: object) -> DjangoProject:
    base: dict[str, object] = {"root": ROOT, "manage_py": "manage.py"}
    base.update(fields)
    return DjangoProject(**base)  # type: ignore[arg-type]


def web(**fields: object) -> Service:
    base: dict[str, object] = {
        "name": "web",
        "build_context": ROOT,
        "dockerfile": ROOT / "Dockerfile",
        "depends_on": ("db", "redis"),
    }
    base.update(fields)
    return Service(**base)  # type: ignore[arg-type]


def compose_project(*services: Service) -> ComposeProject:
    return ComposeProject(ROOT, (ROOT / "docker-compose.yml",), {s.name: s for s in services})


DB = Service(
    name="db",
    image="postgres:14.1",
    environment={"POSTGRES_PASSWORD": "pw"},
    healthcheck={"test": ["CMD-SHELL", "pg_isready -U postgres"]},
)
REDIS = Service(name="redis", image="redis:6-alpine")


# -- host, probes, commands ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        ((), None),
        (("*",), None),
        (("127.0.0.1",), "127.0.0.1"),
        ((".example.com", "localhost"), "example.com"),
        (("*", "api.example.org"), "api.example.org"),
        (("*.example.com", "web"), "web"),
        (("0.0.0.0|127.0.0.1", "web"), "web"),
        (("[::1]",), "[::1]"),
    ],
)
def test_host_from_allowed_hosts(hosts: tuple[str, ...], expected: str | None) -> None:
    assert host_from_allowed(hosts) == expected


def test_default_host_comes_from_the_settings_then_localhost() -> None:
    plan = derive(project(allowed_hosts=("127.0.0.1",)), DOCKERFILE, Flags())
    assert (plan.host, plan.host_source) == ("127.0.0.1", "ALLOWED_HOSTS in the settings")
    assert derive(project(allowed_hosts=("*",)), DOCKERFILE, Flags()).host == "localhost"
    assert derive(project(), DOCKERFILE, Flags()).host == "localhost"
    flagged = derive(project(allowed_hosts=("a.test",)), DOCKERFILE, Flags(host="b.test"))
    assert (flagged.host, flagged.host_source) == ("b.test", "--host")


def test_allowed_hosts_set_by_the_environment_win_over_the_settings_default() -> None:
    app = web(environment={"DJANGO_ALLOWED_HOSTS": "app.internal,localhost"}, depends_on=())
    plan = derive(
        project(allowed_hosts=("127.0.0.1",)),
        DOCKERFILE,
        Flags(),
        compose_project(app),
        ROOT / "Dockerfile",
    )
    assert plan.host == "app.internal"


def test_allowed_hosts_in_the_environment_count_only_when_the_settings_read_them() -> None:
    # ArtsemDev/django-docker-postgres-example: compose sets ALLOWED_HOSTS=0.0.0.0|127.0.0.1,
    # the settings hard-code ['0.0.0.0', '127.0.0.1'] and never read it: the Host header
    # "0.0.0.0|127.0.0.1" got a 400 on every probe.
    app = web(environment={"ALLOWED_HOSTS": "0.0.0.0|127.0.0.1"}, depends_on=())
    hard_coded = project(
        settings_file="belhard/settings.py", env_vars=(), allowed_hosts=("0.0.0.0", "127.0.0.1")
    )
    plan = derive(hard_coded, DOCKERFILE, Flags(), compose_project(app), ROOT / "Dockerfile")
    assert (plan.host, plan.host_source) == ("0.0.0.0", "ALLOWED_HOSTS in the settings")
    # Read by the settings: the environment wins, but "a|b" is no host: localhost.
    reading = project(
        settings_file="s.py", env_vars=("ALLOWED_HOSTS",), allowed_hosts=("127.0.0.1",)
    )
    plan = derive(reading, DOCKERFILE, Flags(), compose_project(app), ROOT / "Dockerfile")
    assert plan.host == "localhost"
    other = web(environment={"ALLOWED_HOSTS": "app.internal"}, depends_on=())
    plan = derive(reading, DOCKERFILE, Flags(), compose_project(other), ROOT / "Dockerfile")
    assert (plan.host, plan.host_source) == ("app.internal", "ALLOWED_HOSTS from the environment")


def test_default_probes_admin_and_a_few_literal_url_paths() -> None:
    p = project(
        installed_apps=("django.contrib.admin",),
        url_paths=("/healthz", "/", "/admin/", "/about/", "/api/v1/", "/blog/", "/more/"),
    )
    assert default_probes(p) == ["/", "/admin/login/", "/healthz", "/about/", "/api/v1/"]
    assert derive(p, DOCKERFILE, Flags(probes=["/x"])).probes == ("/x",)


def test_split_command_uses_a_shell_only_when_the_line_needs_one() -> None:
    assert split_command("gunicorn a.wsgi -b 0.0.0.0:8000") == [
        "gunicorn",
        "a.wsgi",
        "-b",
        "0.0.0.0:8000",
    ]
    line = "python manage.py migrate && gunicorn a.wsgi"
    assert split_command(line) == ["/bin/sh", "-c", line]
    assert split_command("gunicorn -b 0.0.0.0:$PORT a.wsgi")[0] == "/bin/sh"


def test_image_command_follows_the_final_stage_to_its_base_stage() -> None:
    assert image_command(DOCKERFILE)[2]
    assert not image_command(NO_CMD)[2]
    staged = 'FROM python:3.11 AS base\nCMD ["python", "app.py"]\nFROM base\nRUN true\n'
    assert image_command(staged) == (["python", "app.py"], None, True)


def test_no_cmd_anywhere_blocks_with_the_flag_to_use() -> None:
    plan = derive(project(), NO_CMD, Flags())
    assert plan.blockers and "--cmd" in plan.blockers[0]
    given = derive(project(), NO_CMD, Flags(cmd="gunicorn mysite.wsgi -b 0.0.0.0:8123"))
    assert not given.blockers
    assert (given.command_source, given.port) == ("--cmd", 8123)


# -- compose -----------------------------------------------------------------------------------


def test_compose_services_environment_command_and_port() -> None:
    app = web(
        environment={"DATABASE_URL": "postgres://postgres:pw@db:5432/postgres"},
        command=["python", "manage.py", "runserver", "0.0.0.0:9000"],
        ports=(Port(9000, "80"),),
        bind_mounts=(compose.BindMount("/proj", "/app"),),
    )
    plan = derive(
        project(database_engines=("postgresql",)),
        NO_CMD,
        Flags(env={"EXTRA": "1"}),
        compose_project(app, DB, REDIS),
        ROOT / "Dockerfile",
    )
    assert [s.name for s in plan.services] == ["db", "redis"]
    db = plan.services[0]
    assert (db.image, db.port, db.environment) == (
        "postgres:14.1",
        5432,
        {"POSTGRES_PASSWORD": "pw"},
    )
    assert db.healthcheck == ["CMD-SHELL", "pg_isready -U postgres"]
    assert plan.services[1].port == 6379
    assert plan.env == {"DATABASE_URL": "postgres://postgres:pw@db:5432/postgres", "EXTRA": "1"}
    assert plan.command == ["python", "manage.py", "runserver", "0.0.0.0:9000"]
    assert plan.command_source == "compose service web"
    assert plan.port == 9000
    assert not plan.blockers  # the compose command stands in for the missing CMD
    assert any("bind-mounts /proj:/app: dropped" in n for n in plan.notes)
    assert plan.dropped_mounts == ("/proj:/app",)
    assert "compose bind-mounts /proj:/app into the app" in (plan.mount_hint() or "")
    assert any("images' own CMD is not exercised" in n for n in plan.notes)
    # A server database and a service for it, the command does not migrate: migrate first.
    assert (plan.pre, plan.pre_source) == (MIGRATE, "default (server database)")


def test_no_pre_step_when_the_command_migrates_or_the_flag_says_none() -> None:
    app = web(command=["sh", "-c", "python manage.py migrate && gunicorn a.wsgi"])
    cp = compose_project(app, DB, REDIS)
    p = project(database_engines=("postgresql",))
    plan = derive(p, DOCKERFILE, Flags(), cp, ROOT / "Dockerfile")
    assert plan.pre is None
    assert derive(p, DOCKERFILE, Flags(pre=""), cp, ROOT / "Dockerfile").pre is None
    custom = derive(p, DOCKERFILE, Flags(pre="python manage.py seed"), cp, ROOT / "Dockerfile")
    assert (custom.pre, custom.pre_source) == (["python", "manage.py", "seed"], "--pre")


def test_no_default_pre_step_for_sqlite_or_without_a_database_service() -> None:
    assert derive(project(database_engines=("sqlite3",)), DOCKERFILE, Flags()).pre is None
    lonely = derive(project(database_engines=("postgresql",)), DOCKERFILE, Flags(services=["none"]))
    assert lonely.pre is None and lonely.services == ()
    assert any("--service postgres:17" in n for n in lonely.notes)


def test_without_compose_the_services_the_settings_need_are_started() -> None:
    # zheleznoff/absolut_backend, yuhexiong/library-api-python-django (round 15's init sweep):
    # no compose file builds the image, the settings use Postgres (MariaDB): verify started
    # nothing and the app failed on localhost:5432 on both sides.
    plan = derive(project(database_engines=("postgresql",), uses_redis=True), DOCKERFILE, Flags())
    assert [(s.name, s.image, s.origin) for s in plan.services] == [
        ("postgres", "postgres:17", "the settings"),
        ("redis", "redis:7", "the settings"),
    ]
    assert plan.env["DATABASE_URL"].startswith("postgres://")
    assert plan.pre is not None and "migrate" in " ".join(plan.pre)
    assert any("started postgres:17 and redis:7 for each side" in n for n in plan.notes)
    assert not any("no service was started" in n for n in plan.notes)
    maria = derive(project(database_engines=("mysql",)), DOCKERFILE, Flags())
    assert [s.image for s in maria.services] == ["mariadb:10.11"]


def test_a_sqlite_default_database_is_not_replaced_by_a_started_one() -> None:
    # An environment variable may switch it to Postgres; as it is, it needs no server.
    plan = derive(
        project(database_engines=("sqlite3", "postgresql"), uses_redis=True), DOCKERFILE, Flags()
    )
    assert [s.image for s in plan.services] == ["redis:7"]
    assert derive(project(database_engines=("sqlite3",)), DOCKERFILE, Flags()).services == ()


def test_a_compose_app_service_gets_only_its_own_services() -> None:
    cp = compose_project(web())
    plan = derive(
        project(database_engines=("postgresql",)), DOCKERFILE, Flags(), cp, ROOT / "Dockerfile"
    )
    assert plan.services == ()
    assert any("--service postgres:17" in n for n in plan.notes)


def test_migrate_finds_manage_py_below_the_workdir() -> None:
    plan = derive(
        project(manage_py="src/manage.py", database_engines=("postgresql",)),
        DOCKERFILE,
        Flags(services=["postgres:17"]),
    )
    assert plan.pre is not None and plan.pre[:2] == ["/bin/sh", "-c"]
    assert "python src/manage.py migrate --noinput" in plan.pre[2]


def test_a_worker_built_from_the_same_dockerfile_and_a_built_service_are_not_started(
    tmp_path: Path,
) -> None:
    pg_dockerfile = tmp_path / "compose" / "postgres" / "Dockerfile"
    pg_dockerfile.parent.mkdir(parents=True)
    pg_dockerfile.write_text("FROM postgres:16\nCOPY maintenance /usr/local/bin/\n")
    other = tmp_path / "Dockerfile.nginx"
    other.write_text("FROM nginx\n")
    app = web(depends_on=("worker", "postgres", "nginx"), ports=(Port(8000),))
    worker = web(name="worker", depends_on=(), command=["celery", "-A", "proj", "worker"])
    postgres = Service(name="postgres", dockerfile=pg_dockerfile, build_context=tmp_path)
    nginx = Service(name="nginx", dockerfile=other, build_context=tmp_path)
    plan = derive(
        project(),
        DOCKERFILE,
        Flags(),
        compose_project(app, worker, postgres, nginx),
        ROOT / "Dockerfile",
    )
    # cookiecutter-django's postgres Dockerfile: its base image stands in for it.
    assert [(s.name, s.image) for s in plan.services] == [("postgres", "postgres:16")]
    assert any("'worker' runs this image too" in n for n in plan.notes)
    assert any("'nginx' builds its own image" in n for n in plan.notes)


def test_the_web_service_is_chosen_over_a_worker_of_the_same_dockerfile() -> None:
    worker = web(name="celery", depends_on=(), command=["celery", "worker"])
    app = web(name="django", depends_on=(), ports=(Port(8000),), command=["gunicorn", "a.wsgi"])
    plan = derive(project(), DOCKERFILE, Flags(), compose_project(worker, app), ROOT / "Dockerfile")
    assert plan.command == ["gunicorn", "a.wsgi"]


# -- --service ---------------------------------------------------------------------------------


def test_families() -> None:
    assert family("postgres:14.1") == "postgres"
    assert family("postgis/postgis:15-3.4") == "postgres"
    assert family("mysql:8") == "mysql"
    assert family("mariadb:10.11") == "mysql"
    assert family("bitnami/redis:7.2") == "redis"
    assert family("valkey/valkey:8") == "redis"
    assert family("rabbitmq:3-management") == "rabbitmq"
    assert family("nginx:1.27") is None


def test_service_flags_set_the_variables_the_settings_read() -> None:
    p = project(
        database_engines=("postgresql",),
        uses_redis=True,
        env_vars=(
            "SECRET_KEY",
            "DB_HOST",
            "DB_PORT",
            "DB_NAME",
            "DB_USER",
            "DB_PASSWORD",
            "SQL_ENGINE",
            "REDIS_HOST",
            "CACHE_URL",
            "CELERY_RESULT_BACKEND",
            "DATABASE",
        ),
    )
    plan = derive(p, DOCKERFILE, Flags(services=["postgres:17", "redis:7"]))
    assert [(s.name, s.image, s.port) for s in plan.services] == [
        ("postgres", "postgres:17", 5432),
        ("redis", "redis:7", 6379),
    ]
    env = plan.env
    assert env["DATABASE_URL"] == "postgres://app:djopt-throwaway@postgres:5432/app"
    assert (env["DB_HOST"], env["DB_PORT"], env["DB_NAME"]) == ("postgres", "5432", "app")
    assert (env["DB_USER"], env["DB_PASSWORD"]) == ("app", "djopt-throwaway")
    assert env["SQL_ENGINE"] == "django.db.backends.postgresql"
    assert env["REDIS_URL"] == env["CACHE_URL"] == "redis://redis:6379/0"
    assert env["CELERY_BROKER_URL"] == env["CELERY_RESULT_BACKEND"] == "redis://redis:6379/0"
    assert env["REDIS_HOST"] == "redis"
    assert "SECRET_KEY" not in env and "DATABASE" not in env
    # The service is configured to match what the app is told.
    assert plan.services[0].environment["POSTGRES_PASSWORD"] == "djopt-throwaway"
    assert plan.pre == MIGRATE


def test_mariadb_service_and_user_env_override() -> None:
    env = connection_env([service_for_image("mariadb:10.11")], ("MYSQL_HOST", "DB_NAME"))
    assert env["DATABASE_URL"].startswith("mysql://app:")
    assert (env["MYSQL_HOST"], env["DB_NAME"]) == ("mysql", "app")
    plan = derive(
        project(), DOCKERFILE, Flags(services=["redis:7"], env={"REDIS_URL": "redis://x:1/2"})
    )
    assert plan.env["REDIS_URL"] == "redis://x:1/2"


def test_service_flag_replaces_the_compose_service_of_its_family() -> None:
    plan = derive(
        project(),
        DOCKERFILE,
        Flags(services=["postgres:17"]),
        compose_project(web(), DB, REDIS),
        ROOT / "Dockerfile",
    )
    assert [(s.name, s.image) for s in plan.services] == [
        ("redis", "redis:6-alpine"),
        ("postgres", "postgres:17"),
    ]


def test_suggests_services_the_settings_need() -> None:
    plan = derive(
        project(database_engines=("mysql",), uses_redis=True), DOCKERFILE,
        Flags(services=["none"]),
    )
    assert any("--service mariadb:10.11 --service redis:7" in n for n in plan.notes)


def test_apply_sets_probes_and_host_on_the_options() -> None:
    plan = derive(project(allowed_hosts=("127.0.0.1",)), DOCKERFILE, Flags(probes=["/a"]))
    options = apply(plan, VerifyOptions(measure_rebuild=False))
    assert (options.probes, options.host_header, options.run_plan) == (["/a"], "127.0.0.1", plan)
    assert options.measure_rebuild is False


# -- finding the compose file (docker compose config) ------------------------------------------


def test_compose_candidates_order(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    for name in ("docker-compose.prod.yml", "docker-compose.local.yml", "docker-compose.yml"):
        (tmp_path / name).write_text("services: {}\n")
    (tmp_path / "deploy" / "compose.yaml").write_text("services: {}\n")
    found = compose_candidates(tmp_path, tmp_path / "deploy" / "Dockerfile")
    assert [[p.name for p in files] for files in found] == [
        ["docker-compose.yml"],
        ["compose.yaml"],
        ["docker-compose.local.yml"],
        ["docker-compose.prod.yml"],
    ]


@pytest.mark.skipif(not compose.compose_available(), reason="docker compose plugin missing")
def test_plan_for_reads_the_compose_file_that_builds_the_dockerfile(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(NO_CMD)
    (tmp_path / "docker-compose.yml").write_text("services:\n  other:\n    image: nginx\n")
    (tmp_path / "docker-compose.dev.yml").write_text(
        "services:\n"
        "  web:\n"
        "    build: .\n"
        "    env_file: .env\n"
        "    command: python manage.py runserver 0.0.0.0:8000\n"
        "    depends_on: [db]\n"
        "  db:\n"
        "    image: postgres:16\n"
    )
    plan = plan_for(
        project(root=tmp_path, database_engines=("postgresql",)),
        tmp_path,
        tmp_path / "Dockerfile",
        NO_CMD,
        Flags(),
    )
    assert [s.image for s in plan.services] == ["postgres:16"]
    assert plan.command == ["python", "manage.py", "runserver", "0.0.0.0:8000"]
    assert "run as compose file docker-compose.dev.yml says" in plan.notes
    assert "env file .env not found: read as empty" in plan.notes
    assert plan.pre == MIGRATE


def test_compose_hostname_and_container_name_are_aliases_too() -> None:
    db = Service(
        name="db",
        image="postgres:15.2-alpine",
        raw={"hostname": "pg", "container_name": "proj_db", "networks": {"x": {"aliases": ["d"]}}},
    )
    plan = derive(project(), DOCKERFILE, Flags(), compose_project(web(), db), ROOT / "Dockerfile")
    assert plan.services[0].aliases == ("pg", "proj_db", "d")


def test_no_pre_step_when_the_start_script_migrates(tmp_path: Path) -> None:
    script = tmp_path / "deployment" / "scripts" / "start.sh"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\npython manage.py migrate --noinput\nexec gunicorn a.wsgi\n")
    app = web(command=["/bin/sh", "/app/deployment/scripts/start.sh"], build_context=tmp_path)
    p = project(root=tmp_path, database_engines=("postgresql",))
    plan = derive(p, DOCKERFILE, Flags(), compose_project(app, DB), ROOT / "Dockerfile")
    assert plan.pre is None
    assert "the command runs migrate itself: no pre-step" in plan.notes
    script.write_text("#!/bin/sh\nexec gunicorn a.wsgi\n")
    plan = derive(p, DOCKERFILE, Flags(), compose_project(app, DB), ROOT / "Dockerfile")
    assert plan.pre == MIGRATE


def test_a_commented_out_migrate_in_the_start_script_does_not_count(tmp_path: Path) -> None:
    # Boburshoh-oss/django-template-docker's local-entrypoint.sh: the migrate line is a
    # comment, so the app runs with no tables unless verify's pre-step makes them.
    script = tmp_path / "devops" / "backend" / "local-entrypoint.sh"
    script.parent.mkdir(parents=True)
    script.write_text(
        "#!/bin/sh\ncd backend\n# python manage.py migrate\n"
        "   #python manage.py migrate --noinput\n"
        "python manage.py runserver 0.0.0.0:8000\n"
    )
    app = web(entrypoint=["/code/devops/backend/local-entrypoint.sh"], build_context=tmp_path)
    p = project(root=tmp_path, database_engines=("postgresql",))
    plan = derive(p, DOCKERFILE, Flags(), compose_project(app, DB), ROOT / "Dockerfile")
    assert "the command runs migrate itself: no pre-step" not in plan.notes
    assert plan.pre == MIGRATE


@pytest.mark.skipif(not compose.compose_available(), reason="docker compose plugin missing")
def test_compose_files_given_by_flag_are_read_together(tmp_path: Path) -> None:
    """Split files (app.yaml + storages.yaml, run with -f -f) are found by no default name."""
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    split = tmp_path / "docker_compose"
    split.mkdir()
    (split / "storages.yaml").write_text("services:\n  postgres:\n    image: postgres:16\n")
    (split / "app.yaml").write_text(
        "services:\n  app:\n    build: {context: .., dockerfile: Dockerfile}\n"
        "    depends_on: [postgres]\n"
    )
    flags = Flags(compose_files=[split / "storages.yaml", split / "app.yaml"])
    plan = plan_for(project(root=tmp_path), tmp_path, tmp_path / "Dockerfile", DOCKERFILE, flags)
    assert [s.name for s in plan.services] == ["postgres"]
    assert "run as compose file storages.yaml, app.yaml says" in plan.notes


def test_compose_file_above_the_context_is_a_candidate(tmp_path: Path) -> None:
    backend = tmp_path / "repo" / "backend"
    backend.mkdir(parents=True)
    (tmp_path / "repo" / "docker-compose.yml").write_text("services: {}\n")
    found = compose_candidates(backend, backend / "Dockerfile")
    assert [tmp_path / "repo" / "docker-compose.yml"] in found


def test_a_service_the_environment_names_is_started_without_depends_on() -> None:
    app = web(
        depends_on=(),
        environment={"DATABASE_URL": "postgres://u:p@db:5432/x", "CACHE_HOST": "redis"},
    )
    mail = Service(name="mail", image="mailhog/mailhog")
    plan = derive(
        project(), DOCKERFILE, Flags(), compose_project(app, DB, REDIS, mail), ROOT / "Dockerfile"
    )
    assert [s.name for s in plan.services] == ["db", "redis"]
    assert any("'db' started too" in n for n in plan.notes)


def test_a_start_script_copied_from_the_context_root_is_found_by_its_name(tmp_path: Path) -> None:
    """kingIsmoil/BT: `COPY . .` under WORKDIR /app, compose runs `sh /app/entrypoint.sh`,
    and the script (which migrates) sits at the context's root, not under an `app/` dir."""
    (tmp_path / "entrypoint.sh").write_text(
        "#!/bin/sh\nuntil nc -z db 5432; do sleep 1; done\npython manage.py migrate\n"
        "gunicorn server.wsgi:application --bind 0.0.0.0:8000\n"
    )
    app = web(command=["sh", "/app/entrypoint.sh"], build_context=tmp_path)
    p = project(root=tmp_path, database_engines=("postgresql",))
    plan = derive(p, DOCKERFILE, Flags(), compose_project(app, DB), ROOT / "Dockerfile")
    assert plan.pre is None
    assert "the command runs migrate itself: no pre-step" in plan.notes
    # Two scripts of that name, neither under app/: which one runs is not known; migrate.
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "entrypoint.sh").write_text("#!/bin/sh\nexec gunicorn a.wsgi\n")
    plan = derive(p, DOCKERFILE, Flags(), compose_project(app, DB), ROOT / "Dockerfile")
    assert plan.pre == MIGRATE


def test_a_bind_mount_over_code_the_image_copies_is_no_cause_of_a_failing_original() -> None:
    # CR_8_Docker: `WORKDIR /app_habits` + `COPY . .`, compose mounts `.:/app_habits`; the
    # original failed on an empty SECRET_KEY and the reason blamed the dropped mount.
    app = web(
        command=["python", "manage.py", "runserver", "0.0.0.0:8080"],
        bind_mounts=(compose.BindMount("/proj", "/app_habits"),),
    )
    copies = "FROM python:3.13-slim\nWORKDIR /app_habits\nCOPY requirements.txt /\nCOPY . .\n"
    plan = derive(project(), copies, Flags(), compose_project(app, DB, REDIS), ROOT / "Dockerfile")
    assert any("bind-mounts /proj:/app_habits: dropped" in n for n in plan.notes)
    assert plan.dropped_mounts == ()
    assert plan.mount_hint() is None
    # testdrivenio: only requirements.txt is copied, the code comes from the mount.
    reqs_only = "FROM python:3.13-slim\nWORKDIR /app_habits\nCOPY requirements.txt .\n"
    plan = derive(
        project(), reqs_only, Flags(), compose_project(app, DB, REDIS), ROOT / "Dockerfile"
    )
    assert plan.dropped_mounts == ("/proj:/app_habits",)
    assert "compose bind-mounts /proj:/app_habits" in (plan.mount_hint() or "")


@pytest.mark.parametrize(
    ("dockerfile", "copies"),
    [
        ("FROM python:3.11\nWORKDIR /app\nCOPY . .\n", True),
        ("FROM python:3.11\nADD . /app/\n", True),
        ('FROM python:3.11\nCOPY ["./", "/app"]\n', True),
        ("FROM python:3.11 AS base\nWORKDIR /app\nCOPY . .\nFROM base\nCMD x\n", True),
        ("FROM python:3.11\nCOPY . /srv\n", False),
        ("FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n", False),
    ],
)
def test_which_dockerfiles_copy_the_code_into_a_directory(dockerfile: str, copies: bool) -> None:
    from optimizer.verify.runplan import copies_code_into

    assert copies_code_into(dockerfile, "/app", ROOT) is copies


def test_empty_values_of_an_env_template_are_named_with_how_to_fill_them_in() -> None:
    # CR_8_Docker: `env_file: .env` (not committed) read from `.env.sample`, every value empty:
    # Postgres exited ("Set POSTGRES_PASSWORD") and Django had no SECRET_KEY; the reasons said
    # so without pointing at the template.
    db = Service(name="db", image="postgres:16-alpine", environment={"POSTGRES_PASSWORD": ""})
    app = web(
        environment={"SECRET_KEY": "", "POSTGRES_HOST": "", "TELEGRAM_URL": "", "DEBUG": "1"},
        command=["python", "manage.py", "runserver", "0.0.0.0:8080"],
        depends_on=("db",),
    )
    settings = project(
        settings_file=ROOT / "config" / "settings.py",
        env_vars=("SECRET_KEY", "POSTGRES_HOST", "DEBUG"),
    )
    blank = ComposeProject(ROOT, (ROOT / "docker-compose.yml",), {"web": app, "db": db})
    plan = derive(settings, DOCKERFILE, Flags(), blank, ROOT / "Dockerfile")
    assert plan.templates == ()  # no template was read: the empty values are the project's
    assert plan.template_hint() is None
    templated = ComposeProject(ROOT, blank.files, blank.services, (), (".env.sample",))
    plan = derive(settings, DOCKERFILE, Flags(), templated, ROOT / "Dockerfile")
    # The service's empty credential and the empty variables the settings read.
    assert plan.blank_template_values == ("POSTGRES_PASSWORD", "SECRET_KEY", "POSTGRES_HOST")
    assert plan.template_hint() == (
        ".env.sample (read in place of the missing env file) leaves POSTGRES_PASSWORD, "
        "SECRET_KEY, POSTGRES_HOST empty: `cp .env.sample .env` and fill them in before "
        "verifying"
    )
    # A value the user gives with --env is no blank; a template with none: no hint.
    flags = Flags(env={"SECRET_KEY": "s"})
    plan = derive(settings, DOCKERFILE, flags, templated, ROOT / "Dockerfile")
    assert "SECRET_KEY" not in plan.blank_template_values
    full = ComposeProject(
        ROOT, blank.files, {"web": web(environment={"SECRET_KEY": "x"}, depends_on=())}, (),
        (".env.sample",),
    )
    assert derive(settings, DOCKERFILE, Flags(), full, ROOT / "Dockerfile").template_hint() is None


@pytest.mark.skipif(not compose.compose_available(), reason="docker compose plugin missing")
def test_a_symlinked_override_is_named_as_found(tmp_path: Path) -> None:
    # thechip911/test-docker: docker-compose.override.yml is a symlink to
    # docker/compose/local.yml; the note said "run as compose file docker-compose.yml, local.yml".
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "docker-compose.yml").write_text("services:\n  app:\n    build: .\n")
    (tmp_path / "docker" / "compose").mkdir(parents=True)
    (tmp_path / "docker" / "compose" / "local.yml").write_text(
        "services:\n  app:\n    depends_on: [db]\n  db:\n    image: postgres:16\n"
    )
    (tmp_path / "docker-compose.override.yml").symlink_to("docker/compose/local.yml")
    plan = plan_for(project(root=tmp_path), tmp_path, tmp_path / "Dockerfile", DOCKERFILE, Flags())
    assert [s.name for s in plan.services] == ["db"]
    assert (
        "run as compose file docker-compose.yml, docker-compose.override.yml (-> local.yml) says"
        in plan.notes
    )


@pytest.mark.skipif(not compose.compose_available(), reason="docker compose plugin missing")
def test_a_compose_file_above_reads_a_symlinked_env_template(tmp_path: Path) -> None:
    # A compose file above the context interpolates from the context's .env template; a
    # template that is a symlink to a shared file elsewhere made the plan crash (ValueError).
    shared = tmp_path / "shared.env"
    shared.write_text("SECRET_KEY=\n", encoding="utf-8")
    app = tmp_path / "proj" / "app"
    app.mkdir(parents=True)
    (app / "Dockerfile").write_text(DOCKERFILE)
    (app / ".env.example").symlink_to(shared)
    (app.parent / "docker-compose.yml").write_text(
        "services:\n  web:\n    build: ./app\n"
        "    environment:\n      SECRET_KEY: ${SECRET_KEY}\n"
    )
    plan = plan_for(project(root=app), app, app / "Dockerfile", DOCKERFILE, Flags())
    assert "docker-compose.yml: variables read from .env.example" in plan.notes
    assert plan.templates == (".env.example",)
    assert plan.blank_template_values == ("SECRET_KEY",)


def test_the_compose_working_dir_is_applied_the_user_is_not() -> None:
    # zmilv/dont-forgetter: `working_dir: /usr/src/app/backend` and `python manage.py
    # runserver`; without the directory the original could not start ("can't open file
    # '/usr/src/app/manage.py'") and verify was inconclusive for a project compose runs.
    app = web(
        working_dir="/usr/src/app/backend",
        user="1000:1000",
        command=["sh", "-c", "python manage.py runserver 0.0.0.0:8000"],
    )
    plan = derive(project(), NO_CMD, Flags(), compose_project(app), ROOT / "Dockerfile")
    assert plan.working_dir == "/usr/src/app/backend"
    assert plan.to_dict()["working_dir"] == "/usr/src/app/backend"
    said = "sets working_dir /usr/src/app/backend: both sides run there"
    assert any(said in n for n in plan.notes)
    assert any("sets user: not applied" in n for n in plan.notes)
    assert derive(project(), DOCKERFILE, Flags()).working_dir is None


def test_the_compose_expose_of_the_app_gives_its_port() -> None:
    # NotMainCode/octopus: `expose: ["8008"]` behind nginx, gunicorn bound in a script.
    app = web(
        raw={"expose": ["8008"]},
        command=["./wait-for-it.sh", "db:5432", "--", "./run_app.dev.sh"],
    )
    plan = derive(project(), NO_CMD, Flags(), compose_project(app), ROOT / "Dockerfile")
    assert plan.port == 8008
    published = web(raw={"expose": ["8008"]}, ports=(Port(9000, "80"),))
    plan = derive(project(), DOCKERFILE, Flags(), compose_project(published), ROOT / "Dockerfile")
    assert plan.port == 9000


@pytest.mark.skipif(not compose.compose_available(), reason="docker compose plugin missing")
def test_the_settings_module_the_compose_service_selects_is_the_one_read(tmp_path: Path) -> None:
    """cookiecutter-django: manage.py defaults to config.settings.local, the production compose
    file's env file sets config.settings.production. The Host header and the variables the
    settings read come from the module that runs, not from manage.py's default."""
    from optimizer.project import inspect_project

    settings = tmp_path / "config" / "settings"
    settings.mkdir(parents=True)
    (tmp_path / "config" / "__init__.py").write_text("")
    (settings / "__init__.py").write_text("")
    (settings / "base.py").write_text(
        "import environ\nenv = environ.Env()\nROOT_URLCONF = 'config.urls'\n"
        "INSTALLED_APPS = ['django.contrib.admin']\n"
    )
    (settings / "local.py").write_text(
        "from .base import *\nSECRET_KEY = 'dev'\nALLOWED_HOSTS = ['localhost']\n"
    )
    (settings / "production.py").write_text(
        "from .base import *\nSECRET_KEY = env('DJANGO_SECRET_KEY')\n"
        "ALLOWED_HOSTS = env.list('DJANGO_ALLOWED_HOSTS', default=['graditude.example'])\n"
        "ADMIN_URL = env('DJANGO_ADMIN_URL')\n"
    )
    (tmp_path / "config" / "urls.py").write_text(
        "from django.conf import settings\nfrom django.contrib import admin\n"
        "from django.urls import path\n\n"
        "urlpatterns = [path(settings.ADMIN_URL, admin.site.urls)]\n"
    )
    (tmp_path / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.local')\n"
    )
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    envs = tmp_path / ".envs" / ".production"
    envs.mkdir(parents=True)
    (envs / ".django").write_text(
        "DJANGO_SETTINGS_MODULE=config.settings.production\nDJANGO_SECRET_KEY=x\n"
        "DJANGO_ADMIN_URL=x7Qk2/\n"
    )
    (tmp_path / "docker-compose.production.yml").write_text(
        "services:\n"
        "  django:\n"
        "    build: .\n"
        "    env_file: ./.envs/.production/.django\n"
        "    command: /start\n"
    )
    read = inspect_project(tmp_path, DOCKERFILE)
    assert read.settings_module == "config.settings.local"
    plan = plan_for(read, tmp_path, tmp_path / "Dockerfile", DOCKERFILE, Flags())
    assert plan.host == "graditude.example"
    # The admin is where the environment's DJANGO_ADMIN_URL puts it, not at /admin/.
    assert "/x7Qk2/login/" in plan.probes
    assert "/admin/login/" not in plan.probes
    assert (
        "settings read from config.settings.production (compose service `django`'s "
        "DJANGO_SETTINGS_MODULE), not config.settings.local" in plan.notes
    )
    # `--env` names the module too, and wins.
    flags = Flags(env={"DJANGO_SETTINGS_MODULE": "config.settings.local"})
    plan = plan_for(read, tmp_path, tmp_path / "Dockerfile", DOCKERFILE, flags)
    assert plan.host == "localhost"


@pytest.mark.skipif(not compose.compose_available(), reason="docker compose plugin missing")
def test_the_settings_module_of_the_stage_the_build_runs_is_the_one_read(tmp_path: Path) -> None:
    """sakagb/django-docker: compose builds `target: dev`, whose ENV selects config.local; the
    final stage, `production`, selects config.production. The settings read (the Host header,
    the hosts hint's file) are the dev stage's: the production host sent to a dev container is
    DisallowedHost's 400 on both sides."""
    from optimizer.project import inspect_project

    config = tmp_path / "config"
    config.mkdir()
    (config / "__init__.py").write_text("")
    (config / "base.py").write_text("ROOT_URLCONF = 'config.urls'\nSECRET_KEY = 'x'\n")
    (config / "local.py").write_text("from .base import *\nALLOWED_HOSTS = ['localhost']\n")
    (config / "production.py").write_text(
        "from .base import *\nALLOWED_HOSTS = ['prod.example']\n"
    )
    (config / "urls.py").write_text("urlpatterns = []\n")
    (tmp_path / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.local')\n"
    )
    dockerfile = (
        "FROM python:3.11-slim AS build\nWORKDIR /app\nCOPY . .\n"
        "FROM build AS dev\nENV DJANGO_SETTINGS_MODULE=config.local\n"
        "FROM build AS production\nENV DJANGO_SETTINGS_MODULE=config.production\n"
        'CMD ["gunicorn", "config.wsgi", "-b", "0.0.0.0:5000"]\n'
    )
    (tmp_path / "Dockerfile").write_text(dockerfile)
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  api:\n    build:\n      context: .\n      target: dev\n"
        "    command: gunicorn config.wsgi -b 0.0.0.0:5000\n    ports: ['8000:5000']\n"
    )
    read = inspect_project(tmp_path, dockerfile)
    assert read.settings_module == "config.production"
    plan = plan_for(read, tmp_path, tmp_path / "Dockerfile", dockerfile, Flags())
    assert plan.host == "localhost", plan.notes
    assert (
        "settings read from config.local (as stage 'dev', which the build runs, sets them), "
        "not config.production (the final stage's)" in plan.notes
    )
    # --target production builds the final stage: its settings stand.
    plan = plan_for(read, tmp_path, tmp_path / "Dockerfile", dockerfile,
                    Flags(target="production"))
    assert plan.host == "prod.example", plan.notes


def test_a_start_script_is_the_one_its_copy_line_names_for_port_and_migrate(tmp_path: Path) -> None:
    """cookiecutter-django: five files named `start`; the Dockerfile copies the production one
    to /start (gunicorn on 5000, no migrate). The local one (runserver on 8000, migrate) must
    not decide the port or drop the migrate pre-step."""
    local = tmp_path / "compose" / "local" / "django" / "start"
    production = tmp_path / "compose" / "production" / "django" / "start"
    for path in (local, production):
        path.parent.mkdir(parents=True)
    local.write_text(
        "#!/bin/bash\npython manage.py migrate\nexec python manage.py runserver 0.0.0.0:8000\n"
    )
    production.write_text(
        "#!/bin/bash\n# gunicorn --bind 0.0.0.0:9999 (an old line, commented out)\n"
        "python /app/manage.py collectstatic --noinput\n"
        "exec /usr/local/bin/gunicorn config.wsgi --bind 0.0.0.0:5000 --chdir=/app\n"
    )
    dockerfile = (
        "FROM python:3.11-slim\n"
        "COPY ./compose/production/django/start /start\n"
        "COPY . /app\nWORKDIR /app\n"
    )
    app = web(command=["/start"], build_context=tmp_path, dockerfile=tmp_path / "Dockerfile")
    p = project(root=tmp_path, database_engines=("postgresql",))
    plan = derive(p, dockerfile, Flags(), compose_project(app, DB), tmp_path / "Dockerfile")
    assert plan.port == 5000
    assert plan.pre == MIGRATE
    assert "the command runs migrate itself: no pre-step" not in plan.notes


def test_the_pre_step_migrates_with_the_python_the_command_runs() -> None:
    """audricsun/Nephele: compose runs `uv run -- manage.py runserver`; Django is only in
    uv's virtualenv, so the default `python manage.py migrate` failed on both sides ("Couldn't
    import Django") and nothing was proven. The pre-step now runs migrate the same way."""
    app = web(command=["uv", "run", "--", "manage.py", "runserver", "0.0.0.0:8000"],
              depends_on=("db",))
    pg = project(database_engines=("django.db.backends.postgresql",))
    plan = derive(pg, DOCKERFILE, Flags(), compose_project(app, DB), ROOT / "Dockerfile")
    assert plan.pre == ["uv", "run", "--", "manage.py", "migrate", "--noinput"]
    venv = web(command=["/app/.venv/bin/python", "manage.py", "runserver"], depends_on=("db",))
    plan = derive(pg, DOCKERFILE, Flags(), compose_project(venv, DB), ROOT / "Dockerfile")
    assert plan.pre == ["/app/.venv/bin/python", "manage.py", "migrate", "--noinput"]
    # Plain python, or a shell around it, keeps the default.
    for command in (["python", "manage.py", "runserver"], ["sh", "-c", "python manage.py x"],
                    ["gunicorn", "mysite.wsgi"]):
        plan = derive(pg, DOCKERFILE, Flags(), compose_project(web(command=command,
                      depends_on=("db",)), DB), ROOT / "Dockerfile")
        assert plan.pre == MIGRATE, command
