"""`--target STAGE` (optimizer/cli.py, runplan._target).

arhebs/django-celery-payouts (verify23): compose builds `target: development`, the rewrite
changed the `production` stage only, and verify (rightly, since f7e1029) said it proved
nothing. There was no way to ask it to build and check the production stage instead.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from optimizer.compose import ComposeProject, Service
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, derive

DOCKERFILE = """\
FROM python:3.11-slim AS base
WORKDIR /app
COPY . .
FROM base AS development
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
FROM base AS production
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def _plan(tmp_path: Path, target: str | None, compose_target: str | None = "development"):  # type: ignore[no-untyped-def]
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    web = Service("web", build_context=tmp_path, dockerfile=dockerfile,
                  build_target=compose_target)
    loaded = ComposeProject(tmp_path, (tmp_path / "compose.yml",), {"web": web})
    project = DjangoProject(root=tmp_path, manage_py="manage.py")  # type: ignore[call-arg]
    flags = Flags()
    flags.target = target
    return derive(project, DOCKERFILE, flags, loaded, dockerfile)


def test_the_flag_wins_over_compose_and_says_so(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "production")
    assert plan.build_target == "production"
    assert any("both sides build stage 'production' (--target), not 'development'" in n
               for n in plan.notes), plan.notes
    assert plan.blockers == ()
    # compose's target is not what is built: its note is gone
    assert not any("target development" in n for n in plan.notes), plan.notes


def test_without_the_flag_compose_decides(tmp_path: Path) -> None:
    assert _plan(tmp_path, None).build_target == "development"
    assert _plan(tmp_path, None, None).build_target is None


def test_a_stage_the_dockerfile_lacks_blocks_the_run(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "prod")
    assert plan.blockers and "--target prod: the Dockerfile has no stage of that name" in (
        plan.blockers[0]
    ) and "base, development, production" in plan.blockers[0]


def test_the_cli_passes_it_to_verify() -> None:
    from optimizer import cli
    from optimizer.config import Config

    settings = cli.verify_settings(Config(), cli.VerifyArgs(target="production"))
    assert settings.flags.target == "production"
    assert cli.verify_settings(Config(), cli.VerifyArgs()).flags.target is None
    assert "--target" in CliRunner().invoke(cli.app, ["--help"]).output


def test_the_config_sets_target_and_compose_files_and_the_flags_win(tmp_path: Path) -> None:
    from optimizer import cli
    from optimizer.config import Config, VerifyConfig

    configured = Config(verify=VerifyConfig(
        target="production", compose=(tmp_path / "docker-compose.prod.yml",)
    ))
    flags = cli.verify_settings(configured, cli.VerifyArgs()).flags
    assert flags.target == "production"
    assert flags.compose_files == [tmp_path / "docker-compose.prod.yml"]
    flags = cli.verify_settings(configured, cli.VerifyArgs(
        target="staging", compose_file=[tmp_path / "other.yml"]
    )).flags
    assert flags.target == "staging"
    assert flags.compose_files == [tmp_path / "other.yml"]
