"""Both sides are built with the compose app service's build args and target.

EMenu124ru/backend's compose file builds with `args: {MODE: "--with dev"}` (poetry's groups);
verify built with the Dockerfile's default `--without dev`, another image than the one compose
runs. A `target:` likewise picks the stage compose runs, and a rewrite that loses that stage
must fail the build as it fails `docker compose build`.
"""

from __future__ import annotations

import os
from pathlib import Path

from optimizer import engine
from optimizer.compose import ComposeProject, Port, Service
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, derive

ROOT = Path("/proj")
DOCKERFILE = """\
FROM python:3.11-slim AS base
ARG MODE="--without dev"
ARG APP_HOME=/server
RUN pip install poetry && poetry install $MODE
FROM base AS web
CMD ["gunicorn", "proj.wsgi", "-b", "0.0.0.0:8000"]
"""


def plan_with(**build: object):  # type: ignore[no-untyped-def]
    app = Service(
        name="django",
        build_context=ROOT,
        dockerfile=ROOT / "Dockerfile",
        ports=(Port(8000),),
        **build,  # type: ignore[arg-type]
    )
    compose = ComposeProject(ROOT, (ROOT / "docker-compose.yml",), {"django": app})
    project = DjangoProject(root=ROOT, manage_py="manage.py")
    return derive(project, DOCKERFILE, Flags(), compose, ROOT / "Dockerfile")


def test_the_plan_builds_with_the_compose_args_and_target() -> None:
    plan = plan_with(
        build_args={"MODE": "--with dev", "APP_HOME": "/server", "UNDECLARED": "x"},
        build_target="web",
    )
    # APP_HOME is the Dockerfile's own default and UNDECLARED changes nothing: left out.
    assert plan.build_args == {"MODE": "--with dev"}
    assert plan.build_target == "web"
    assert (
        "both sides are built as compose service 'django' builds them: target web and "
        "build args MODE" in plan.notes
    )
    assert plan.to_dict()["build_args"] == ["MODE"]  # names only: args may hold tokens


def test_no_args_no_target_no_note() -> None:
    plan = plan_with(build_args={"APP_HOME": "/server"})
    assert plan.build_args == {} and plan.build_target is None
    assert not any("built as compose service" in n for n in plan.notes)


def test_engine_build_passes_the_args_and_the_target(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    args_file = tmp_path / "args"
    (fake / "docker").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {args_file}\nexit 1\n')
    (fake / "docker").chmod(0o755)
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{fake}:{old_path}"
    try:
        result = engine.build(
            tmp_path / "ctx", DOCKERFILE, "verify12-tag", timeout=30,
            build_args={"MODE": "--with dev"}, target="web",
        )
    finally:
        os.environ["PATH"] = old_path
    assert not result.ok
    args = args_file.read_text().splitlines()
    assert args[args.index("--build-arg") + 1] == "MODE=--with dev"
    assert args[args.index("--target") + 1] == "web"
    assert args[-1] == str(tmp_path / "ctx")
