"""The deployed stage when it is not the last one (optimizer/deploy_target.py), and what the
pipeline does with it: torchbox's Wagtail sites end with a `dev` stage built FROM the
`production` stage that heroku.yml deploys, and the changes went to `dev`."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.deploy_target import deployed_target
from optimizer.dockerfile import Dockerfile
from optimizer.pipeline import optimize
from transforms.base import Options

DOCKERFILE = """\
FROM python:3.11-bookworm AS production
ENV DJANGO_SETTINGS_MODULE=mysite.settings
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8000
CMD gunicorn mysite.wsgi:application --bind 0.0.0.0:8000

FROM production AS dev
ENV DJANGO_SETTINGS_MODULE=mysite.settings_dev
COPY requirements-dev.txt .
RUN pip install -r requirements-dev.txt
CMD ["tail", "-f", "/dev/null"]
"""

HEROKU = "build:\n  docker:\n    web:\n      dockerfile: Dockerfile\n      target: production\n"


def _project(root: Path, dockerfile: str = DOCKERFILE, **files: str) -> Path:
    write_skeleton(root)
    (root / "mysite" / "settings_dev.py").write_text("from .settings import *\nDEBUG = True\n")
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (root / "requirements-dev.txt").write_text("pytest\n")
    (root / "Dockerfile").write_text(dockerfile)
    for name, text in files.items():
        path = root / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _found(root: Path, explicit: str | None = None) -> tuple[str, str] | None:
    text = (root / "Dockerfile").read_text()
    return deployed_target(Dockerfile.parse(text), root / "Dockerfile", root, explicit)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("heroku.yml", HEROKU, ("production", "heroku.yml's target")),
        # The web process first: a worker built from another target does not decide.
        (
            "heroku.yml",
            "build:\n  docker:\n    worker:\n      dockerfile: Dockerfile\n      target: dev\n"
            "    web:\n      dockerfile: Dockerfile\n      target: production\n",
            ("production", "heroku.yml's target"),
        ),
        # Another Dockerfile's target is not this one's.
        (
            "heroku.yml",
            "build:\n  docker:\n    web:\n      dockerfile: Dockerfile.prod\n"
            "      target: production\n",
            None,
        ),
        ("heroku.yml", "build:\n  docker:\n    web: Dockerfile\n", None),
        (
            "fly.toml",
            'app = "mysite"\n\n[build]\n  build-target = "production"\n',
            ("production", "fly.toml's build-target"),
        ),
        (
            "docker-bake.hcl",
            'group "default" {\n  targets = ["app", "httpd"]\n}\n\n'
            'target "base" {\n  dockerfile = "Dockerfile"\n  target = "dev"\n}\n'
            'target "app" {\n  dockerfile = "Dockerfile"\n  target     = "production"\n'
            '  args = {\n    VERSION : VERSION,\n  }\n}\n'
            'target "httpd" {\n  dockerfile = "docker/httpd/Dockerfile"\n}\n',
            ("production", "docker-bake.hcl's default group"),
        ),
        # A bake target outside the default group is built on demand (a test image).
        (
            "docker-bake.hcl",
            'group "default" {\n  targets = ["app"]\n}\n'
            'target "app" {\n  dockerfile = "Dockerfile.other"\n  target = "production"\n}\n'
            'target "app-test" {\n  target = "production"\n}\n',
            None,
        ),
        (
            "docker-compose.prod.yml",
            "services:\n  web:\n    build:\n      context: .\n      target: production\n",
            ("production", "docker-compose.prod.yml's target"),
        ),
        # The long forms of ports and volumes name no stage.
        (
            "docker-compose.prod.yml",
            "services:\n  web:\n    build:\n      context: .\n      target: production\n"
            "    ports:\n      - target: 8000\n        published: 80\n"
            "    volumes:\n      - type: volume\n        source: media\n        target: /media\n",
            ("production", "docker-compose.prod.yml's target"),
        ),
        # The default compose file is what developers run: its `dev` target says nothing.
        (
            "docker-compose.yml",
            "services:\n  web:\n    build:\n      context: .\n      target: production\n",
            None,
        ),
        (
            ".github__workflows__deploy.yml",
            "jobs:\n  build:\n    steps:\n      - run: docker build --target production -t x .\n"
            "      - run: docker push x\n",
            ("production", "the build in .github/workflows/deploy.yml"),
        ),
        (
            ".github__workflows__deploy.yml",
            "jobs:\n  build:\n    steps:\n      - uses: docker/build-push-action@v6\n"
            "        with:\n          target: production\n          push: true\n",
            ("production", "the build in .github/workflows/deploy.yml"),
        ),
        # A workflow that builds and tests, pushing nothing, deploys nothing.
        (
            ".github__workflows__ci.yml",
            "jobs:\n  build:\n    steps:\n      - run: docker build --target production -t x .\n",
            None,
        ),
        # Two targets in one workflow: which builds this Dockerfile is not read.
        (
            ".github__workflows__deploy.yml",
            "jobs:\n  a:\n    steps:\n      - run: docker build --target production .\n"
            "      - run: docker build --target dev .\n",
            None,
        ),
        # A name that is no stage of this Dockerfile.
        ("heroku.yml", HEROKU.replace("production", "release"), None),
        # The last stage: nothing changes.
        ("heroku.yml", HEROKU.replace("production", "dev"), None),
    ],
)
def test_what_deploys_the_dockerfile_names_its_stage(
    tmp_path: Path, name: str, text: str, expected: tuple[str, str] | None
) -> None:
    root = _project(tmp_path / "p", **{name: text})
    assert _found(root) == expected


def test_a_stage_named_for_tests_is_not_what_a_workflow_deploys(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE.replace("AS production", "AS app-test").replace(
        "FROM production AS dev", "FROM app-test AS app"
    )
    workflow = "steps:\n  - run: docker build --target app-test -t x . && docker push x\n"
    root = _project(tmp_path / "p", dockerfile, **{".github__workflows__ci.yml": workflow})
    assert _found(root) is None
    (root / ".github/workflows/ci.yml").write_text(workflow.replace("app-test", "app"))
    assert _found(root) is None  # the last stage


def test_target_option_names_the_stage_and_wins(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", **{"heroku.yml": HEROKU})
    three = DOCKERFILE.replace("FROM production AS dev", "FROM production AS staging\n"
                               "FROM staging AS dev")
    (root / "Dockerfile").write_text(three)
    assert _found(root, "staging") == ("staging", "--target")
    assert _found(root, "nope") == ("production", "heroku.yml's target")


def test_no_deploy_file_keeps_the_last_stage(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    assert _found(root) is None
    outcome = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"])
    # As before: the dev stage's CMD is what the tool reads, and the deployed CMD stays shell.
    assert "CMD gunicorn mysite.wsgi:application" in outcome.files.get(
        "Dockerfile", DOCKERFILE
    )


def test_the_deployed_stage_gets_the_changes_and_the_dev_stage_is_left(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", **{"heroku.yml": HEROKU})
    outcome = optimize(root / "Dockerfile", root)
    assert outcome.deployed == ("production", "heroku.yml's target")
    assert any("deployed stage: production (heroku.yml's target)" in n for n in outcome.notes)
    text = outcome.files["Dockerfile"]
    production, dev = text.split("FROM production AS dev")
    assert (
        'CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]' in production
    )
    assert "PYTHONDONTWRITEBYTECODE" in production
    assert dev == DOCKERFILE.split("FROM production AS dev")[1]
    # The dev stage installs with pip on top of production as root: no split, no USER.
    skipped = {c.transform: " ".join(c.notes) for c in outcome.skipped}
    assert "builds on the deployed stage production" in skipped["multi-stage"]
    assert "builds on the deployed stage production" in skipped["non-root"]
    # The project is read from the deployed stage: its settings, not the dev stage's.
    assert outcome.project.settings_module == "mysite.settings"
    # Idempotent.
    (root / "Dockerfile").write_text(text)
    assert optimize(root / "Dockerfile", root).files.get("Dockerfile") is None


def test_a_deployed_stage_nothing_builds_on_gets_the_user_and_the_slim_base(
    tmp_path: Path,
) -> None:
    # springload/madewithwagtail's layout: `app` deployed, `app-test` last, built FROM the
    # image, not from `app`: non-root and slim-base change the deployed stage alone.
    dockerfile = DOCKERFILE.replace("FROM production AS dev", "FROM python:3.11-bookworm AS dev")
    root = _project(tmp_path / "p", dockerfile, **{"heroku.yml": HEROKU})
    text = optimize(root / "Dockerfile", root, options=Options()).files["Dockerfile"]
    assert [s.name for s in Dockerfile.parse(text).stages()] == ["production", "dev"]
    production, dev = text.split("FROM python:3.11-bookworm AS dev")
    assert production.startswith("FROM python:3.11-slim-bookworm AS production")
    assert "\nUSER 10001\n" in production
    assert dev == DOCKERFILE.split("FROM production AS dev")[1]


def test_a_server_started_by_run_becomes_the_deployed_stages_cmd(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11-slim AS production\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install -r requirements.txt && gunicorn mysite.wsgi -b 0.0.0.0:8000\n\n"
        "FROM production AS dev\nRUN pip install -r requirements-dev.txt\n"
    )
    root = _project(tmp_path / "p", dockerfile, **{"heroku.yml": HEROKU})
    text = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"]).files["Dockerfile"]
    production, dev = text.split("FROM production AS dev")
    assert 'CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]' in production, text
    assert "CMD" not in dev


def test_verify_plans_the_run_from_the_target_stage(tmp_path: Path) -> None:
    # The last stage (tests, FROM the image) has no CMD; the deployed stage has one. The plan
    # read the last stage and stopped: "the Dockerfile has no CMD".
    from optimizer.project import inspect_project
    from optimizer.verify import runplan

    dockerfile = DOCKERFILE.split("FROM production AS dev")[0] + (
        "FROM python:3.11-bookworm AS test\nRUN pip install pytest\n"
    )
    root = _project(tmp_path / "p", dockerfile)
    project = inspect_project(root, dockerfile)
    plan = runplan.plan_for(
        project, root, root / "Dockerfile", dockerfile,
        runplan.Flags(target="production", target_source="the deployed stage: heroku.yml"),
    )
    assert plan.blockers == (), plan.blockers
    assert plan.build_target == "production"
    assert "both sides build stage 'production' (the deployed stage: heroku.yml)" in plan.notes
    last = runplan.plan_for(project, root, root / "Dockerfile", dockerfile, runplan.Flags())
    assert any("no CMD" in b for b in last.blockers), last.blockers


def test_verify_runs_the_deployed_stages_cmd_not_the_dev_services_command(
    tmp_path: Path,
) -> None:
    # rca-wagtail-2019: compose builds `dev` and runs `tail -f /dev/null` there; run on the
    # production image that command serves nothing, on either side.
    from optimizer.verify import runplan

    compose = (
        "services:\n  web:\n    build:\n      context: .\n      target: dev\n"
        "    command: tail -f /dev/null\n    ports:\n      - 8000:8000\n"
    )
    root = _project(tmp_path / "p", **{"heroku.yml": HEROKU, "docker-compose.yml": compose})
    outcome = optimize(root / "Dockerfile", root)
    assert outcome.deployed is not None
    flags = runplan.Flags(target=outcome.deployed[0], target_source="the deployed stage")
    plan = runplan.plan_for(outcome.project, root, root / "Dockerfile", DOCKERFILE, flags)
    assert plan.command is None and plan.command_source == "image", plan.command
    assert plan.build_target == "production"
    assert (
        "compose service 'web' builds stage 'dev' and runs its own command there; both sides "
        "run stage 'production''s CMD" in plan.notes
    ), plan.notes
    # Where compose builds the same stage, its command is what runs (as before).
    same = runplan.plan_for(
        outcome.project, root, root / "Dockerfile", DOCKERFILE, runplan.Flags(target="dev")
    )
    assert same.command == ["tail", "-f", "/dev/null"]
