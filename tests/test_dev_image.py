"""Dev-only images: multi-stage, slim-base and non-root leave them alone (transforms/dev_image)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SKELETON

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
