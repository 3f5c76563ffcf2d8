"""A compose variable passed through without a value that nothing sets is left out of the
container, as Compose leaves it out (optimizer/compose.py _service, Service.unset).

Zakodirovannie/vstrechya-backend's app service lists `environment: [POSTGRES_USER, ...,
ALLOWED_HOSTS, DEBUG]` with no values, for the shell or `.env` to fill; its `.env-example` sets
none of them. `docker compose config` prints each as null, and Compose does not set it in the
container: the settings' defaults apply (`DEBUG = int(os.environ.get("DEBUG", default=0))`).
Verify set every one to "", so the settings stopped on `int("")` (ValueError), which compose
never does. They are still blanks to fill in, and named so.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.compose import ComposeProject, Port, Service, _service
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, derive


def test_a_null_value_is_unset_not_empty() -> None:
    service = _service(
        "django",
        {
            "image": "x",
            "environment": {"DEBUG": None, "SECRET_KEY": "secretkey", "EMPTY": ""},
        },
    )
    assert service.environment == {"SECRET_KEY": "secretkey", "EMPTY": ""}
    assert service.unset == ("DEBUG",)
    assert _service("db", {"image": "postgres"}).unset == ()


def test_the_app_does_not_get_them_and_the_hint_names_them(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(
        "services:\n"
        "  django:\n"
        "    build: .\n"
        "    environment: [POSTGRES_PASSWORD, DEBUG, SECRET_KEY]\n"
        "    depends_on: [pgdb]\n"
        "  pgdb:\n"
        "    image: postgres:15\n"
        "    environment: [POSTGRES_PASSWORD]\n"
    )
    db = Service(name="pgdb", image="postgres:15", unset=("POSTGRES_PASSWORD",))
    web = Service(
        name="django",
        build_context=tmp_path,
        dockerfile=tmp_path / "Dockerfile",
        ports=(Port(8010),),
        depends_on=("pgdb",),
        environment={"SECRET_KEY": "secretkey"},
        unset=("POSTGRES_PASSWORD", "DEBUG"),
    )
    compose = ComposeProject(
        tmp_path, (path,), {"django": web, "pgdb": db}, (), (".env-example",)
    )
    project = DjangoProject(root=tmp_path, manage_py="manage.py")
    plan = derive(project, "FROM python:3.11\nCMD x\n", Flags(), compose, tmp_path / "Dockerfile")
    assert "DEBUG" not in plan.env and "POSTGRES_PASSWORD" not in plan.env
    assert plan.env["SECRET_KEY"] == "secretkey"
    db_spec = next(s for s in plan.services if s.name == "pgdb")
    assert "POSTGRES_PASSWORD" not in db_spec.environment
    assert plan.blank_template_values == ("POSTGRES_PASSWORD", "DEBUG")
    hint = plan.template_hint()
    assert hint is not None and "POSTGRES_PASSWORD, DEBUG empty" in hint
    assert "`cp .env-example .env`" in hint
    # --env fills one: it is no longer a blank.
    plan = derive(
        project, "FROM python:3.11\nCMD x\n", Flags(env={"DEBUG": "1"}), compose,
        tmp_path / "Dockerfile",
    )
    assert plan.env["DEBUG"] == "1"
    assert plan.blank_template_values == ("POSTGRES_PASSWORD",)
