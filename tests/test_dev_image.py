"""Dev-only images: multi-stage, slim-base and non-root leave them alone (transforms/dev_image)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SKELETON

from optimizer.compose import compose_available
from optimizer.pipeline import optimize
from transforms.base import Options
from transforms.dev_image import _named_dev

DEV_DOCKERFILE = """\
FROM python:3.12
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
"""


@pytest.mark.parametrize(
    "path",
    [
        "Dockerfile.dev",
        "dev.Dockerfile",
        "docker/Dockerfile-local-dev",
        "compose/local/django/Dockerfile",
        "Dockerfile.development",
        "../dev/Dockerfile",
    ],
)
def test_dev_names(path: str) -> None:
    assert _named_dev(path) is not None


@pytest.mark.parametrize(
    "path", ["Dockerfile", "Dockerfile.prod", "devops/Dockerfile", "docker/devel-tools/Dockerfile",
             "compose/production/django/Dockerfile", "Dockerfile.devcontainer"]
)
def test_other_names(path: str) -> None:
    assert _named_dev(path) is None


def _project(root: Path, dockerfile: str, text: str) -> Path:
    for rel, content in {**SKELETON, "requirements.txt": "Django==4.2.16\ngunicorn\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    (root / dockerfile).parent.mkdir(parents=True, exist_ok=True)
    (root / dockerfile).write_text(text)
    return root / dockerfile


def test_a_dev_named_dockerfile_keeps_its_base_pip_and_root(tmp_path: Path) -> None:
    path = _project(tmp_path, "docker/Dockerfile.dev", DEV_DOCKERFILE)
    outcome = optimize(path, tmp_path)
    text = outcome.files.get("docker/Dockerfile.dev", DEV_DOCKERFILE)
    assert text.count("FROM ") == 1 and "FROM python:3.12\n" in text, text
    assert "USER" not in text, text
    assert "STOPSIGNAL SIGINT" in text, text  # the signal bug is still fixed
    skipped = {c.transform: " ".join(c.notes) for c in outcome.skipped}
    for name in ("multi-stage", "slim-base", "non-root"):
        assert "Dockerfile.dev, says it is for development" in skipped[name], skipped


def test_production_server_treats_it_as_production(tmp_path: Path) -> None:
    path = _project(tmp_path, "docker/Dockerfile.dev", DEV_DOCKERFILE)
    outcome = optimize(path, tmp_path, options=Options(production_server=True))
    text = outcome.files["docker/Dockerfile.dev"]
    assert "FROM python:3.12-slim" in text and "USER 10001" in text, text


def test_a_dev_named_dockerfile_that_starts_gunicorn_is_optimised(tmp_path: Path) -> None:
    gunicorn = DEV_DOCKERFILE.replace(
        '"python", "manage.py", "runserver", "0.0.0.0:8000"',
        '"gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"',
    )
    path = _project(tmp_path, "Dockerfile.local", gunicorn)
    text = optimize(path, tmp_path).files["Dockerfile.local"]
    assert "FROM python:3.12-slim" in text and "USER 10001" in text, text


def test_a_deployment_config_makes_it_a_production_image(tmp_path: Path) -> None:
    path = _project(tmp_path, "Dockerfile.dev", DEV_DOCKERFILE)
    (tmp_path / "fly.toml").write_text('app = "mysite"\n[build]\n  dockerfile = "Dockerfile.dev"\n')
    text = optimize(path, tmp_path).files["Dockerfile.dev"]
    assert "FROM python:3.12-slim" in text and "USER 10001" in text, text


def test_a_workflow_that_builds_another_dockerfile_does_not_count(tmp_path: Path) -> None:
    path = _project(tmp_path, "docker/local/Dockerfile", DEV_DOCKERFILE)
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "publish.yml").write_text(
        "jobs:\n  push:\n    steps:\n      - uses: docker/build-push-action@v6\n"
        "        with:\n          file: docker/production/Dockerfile\n"
    )
    outcome = optimize(path, tmp_path)
    text = outcome.files.get("docker/local/Dockerfile", DEV_DOCKERFILE)
    assert "FROM python:3.12\n" in text and "USER" not in text, text
    (workflows / "publish.yml").write_text(
        (workflows / "publish.yml").read_text().replace("production", "local")
    )
    text = optimize(path, tmp_path).files["docker/local/Dockerfile"]
    assert "FROM python:3.12-slim" in text, text


@pytest.mark.parametrize(
    ("config", "text", "deployed"),
    [
        # PierreParienteDimitrov/OpenCongress: Railway deploys Dockerfile.production.
        ("railway.toml",
         '[build]\nbuilder = "DOCKERFILE"\ndockerfilePath = "Dockerfile.production"\n', False),
        ("railway.json",
         '{"build": {"builder": "DOCKERFILE", "dockerfilePath": "Dockerfile.prod"}}', False),
        ("fly.toml", 'app = "mysite"\n[build]\n  dockerfile = "docker/Dockerfile.fly"\n', False),
        ("heroku.yml", "build:\n  docker:\n    web: Dockerfile.prod\n", False),
        # A key on the line after a mapping's `key:` is no Dockerfile path: this one names
        # none, so the platform builds its default.
        ("render.yaml", "services:\n  - type: web\n    runtime: docker\n    build:\n"
         "      dockerfileContext: .\n", True),
        ("railway.toml", '[build]\ndockerfilePath = "Dockerfile.dev"\n', True),
        ("railway.toml", '[build]\nbuilder = "DOCKERFILE"\n', True),  # the default: ./Dockerfile...
    ],
)
def test_a_platform_config_counts_only_for_the_dockerfile_it_builds(
    tmp_path: Path, config: str, text: str, deployed: bool
) -> None:
    path = _project(tmp_path, "Dockerfile.dev", DEV_DOCKERFILE)
    (tmp_path / config).write_text(text)
    outcome = optimize(path, tmp_path)
    out = outcome.files.get("Dockerfile.dev", DEV_DOCKERFILE)
    if deployed:
        assert "FROM python:3.12-slim" in out and "USER 10001" in out, out
    else:
        assert "FROM python:3.12\n" in out and "USER" not in out, out
        skipped = {c.transform: " ".join(c.notes) for c in outcome.skipped}
        assert "says it is for development" in skipped["slim-base"], skipped


def test_another_services_production_server_does_not_deploy_this_dockerfile(
    tmp_path: Path,
) -> None:
    # zheleznoff/absolut_backend: docker-compose.yml builds the production Dockerfile for
    # `backend` (gunicorn) and Dockerfile.dev for `backend-dev` (runserver over a bind mount).
    path = _project(tmp_path, "Dockerfile.dev", DEV_DOCKERFILE)
    (tmp_path / "Dockerfile").write_text(DEV_DOCKERFILE.replace(
        '"python", "manage.py", "runserver", "0.0.0.0:8000"',
        '"gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"',
    ))
    compose = (
        "services:\n"
        "  backend:\n"
        "    build:\n      context: .\n      dockerfile: Dockerfile\n"
        "    command: gunicorn mysite.wsgi --bind 0.0.0.0:8000\n"
        "  backend-dev:\n"
        "    build:\n      context: .\n      dockerfile: Dockerfile.dev\n"
        "    command: python manage.py runserver 0.0.0.0:8000\n"
        "    volumes:\n      - .:/app\n"
    )
    (tmp_path / "docker-compose.yml").write_text(compose)
    outcome = optimize(path, tmp_path)
    out = outcome.files.get("Dockerfile.dev", DEV_DOCKERFILE)
    assert "FROM python:3.12\n" in out and "USER" not in out, out
    # The same file deploys it when the dev Dockerfile's own service serves with gunicorn.
    (tmp_path / "docker-compose.yml").write_text(
        compose.replace("python manage.py runserver 0.0.0.0:8000", "gunicorn mysite.wsgi")
        .replace("    volumes:\n      - .:/app\n", "")
        + "  worker:\n    build:\n      context: .\n      dockerfile: Dockerfile.dev\n"
        "    command: python manage.py runserver 0.0.0.0:8000\n    volumes:\n      - .:/app\n"
    )
    out = optimize(path, tmp_path).files.get("Dockerfile.dev", DEV_DOCKERFILE)
    assert "FROM python:3.12-slim" in out, out


@pytest.mark.skipif(not compose_available(), reason="docker compose plugin missing")
def test_a_service_under_a_profile_counts(tmp_path: Path) -> None:
    # sweep13's seen-and-left: the default project leaves out a service under a profile, so a
    # profile-only service running the dev-named Dockerfile's image as built (gunicorn, no
    # mount) did not count, and the image was left alone as a development image.
    path = _project(tmp_path, "Dockerfile.dev", DEV_DOCKERFILE)
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  db:\n    image: postgres:16\n"
        "  web:\n    profiles: [prod]\n"
        "    build:\n      context: .\n      dockerfile: Dockerfile.dev\n"
        "    command: gunicorn mysite.wsgi --bind 0.0.0.0:8000\n"
    )
    outcome = optimize(path, tmp_path)
    skipped = " ".join(n for c in outcome.skipped for n in c.notes)
    assert "says it is for development" not in skipped, skipped
    assert "FROM python:3.12-slim" in outcome.files["Dockerfile.dev"]
    # Under a `dev` profile with runserver over a bind mount, it is a development image still.
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  web:\n    profiles: [dev]\n"
        "    build:\n      context: .\n      dockerfile: Dockerfile.dev\n"
        "    command: python manage.py runserver 0.0.0.0:8000\n"
        "    volumes:\n      - .:/app\n"
    )
    outcome = optimize(path, tmp_path)
    skipped = " ".join(n for c in outcome.skipped for n in c.notes)
    assert "runs Django's development server: the image is for development" in skipped, skipped
