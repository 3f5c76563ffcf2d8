"""Compose services that run, by `image:`, what CI builds from this Dockerfile
(optimizer/verify/runplan._runs_ci_image).

duckinzzz/duckinzzz.ru's docker-compose.yml runs `ghcr.io/duckinzzz/duckinzzz.ru:latest` for
web (entrypoint /app/entrypoint.sh: gunicorn), a one-shot migrate service, celery and
celery-beat; .github/workflows/deploy.yml builds that image from ./Dockerfile with
build-push-action (`tags: ghcr.io/${{ github.repository }}:latest`). The Dockerfile has no
CMD: verify stopped before building at "no compose file builds this Dockerfile" and "the
Dockerfile has no CMD ... say how the app starts with --cmd".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import compose
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, _ci_builds, _tag_pattern, plan_for

if not compose.compose_available():
    pytest.skip("the docker compose plugin is not installed", allow_module_level=True)

DOCKERFILE = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\nCOPY . .\nRUN chmod +x /app/entrypoint.sh\n"
)
COMPOSE = """\
x-app-image: &app-image ghcr.io/duckinzzz/duckinzzz.ru:latest
services:
  migrate:
    image: *app-image
    restart: "no"
    command: bash -c "python manage.py migrate --noinput"
  web:
    image: *app-image
    depends_on:
      migrate: {condition: service_completed_successfully}
    expose: ["8000"]
    entrypoint: ["/bin/bash", "/app/entrypoint.sh"]
  celery:
    image: *app-image
    depends_on: [redis]
    command: celery -A config worker
  redis:
    image: redis:alpine
  nginx:
    image: nginx:alpine
    depends_on: [web]
"""
WORKFLOW = """\
name: Deploy
on: {push: {branches: [main]}}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Checkout
        uses: actions/checkout@v4
      - name: Build and push image
        uses: docker/build-push-action@v5
        with:
          context: .
          push: true
          tags: |
            ghcr.io/${{ github.repository }}:latest
            ghcr.io/${{ github.repository }}:${{ github.sha }}
"""


def _tree(tmp_path: Path, workflow: str = WORKFLOW) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    (tmp_path / "entrypoint.sh").write_text(
        "#!/bin/bash\nexec gunicorn config.wsgi:application --bind 0.0.0.0:8000\n"
    )
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "deploy.yml").write_text(workflow)
    return tmp_path


def _plan(root: Path):  # type: ignore[no-untyped-def]
    project = DjangoProject(root=root, manage_py="manage.py")  # type: ignore[call-arg]
    return plan_for(project, root, root / "Dockerfile", DOCKERFILE, Flags())


def test_services_running_the_image_ci_builds_from_the_dockerfile_are_its_services(
    tmp_path: Path,
) -> None:
    plan = _plan(_tree(tmp_path))
    assert plan.blockers == (), plan.blockers
    assert plan.entrypoint == ["/bin/bash", "/app/entrypoint.sh"]
    assert sorted((w.name, w.first) for w in plan.workers) == [("celery", False), ("migrate", True)]
    assert [s.name for s in plan.services] == ["redis"]
    assert any(
        "'celery', 'migrate', 'web' run the image .github/workflows/deploy.yml builds from "
        "this Dockerfile: read as building it" in n for n in plan.notes
    ), plan.notes
    assert "no compose file builds this Dockerfile" not in plan.notes


def test_an_image_ci_builds_from_another_dockerfile_is_not_taken(tmp_path: Path) -> None:
    other = WORKFLOW.replace("context: .", "context: .\n          file: docker/Dockerfile.prod")
    plan = _plan(_tree(tmp_path, other))
    assert plan.workers == ()
    assert "no compose file builds this Dockerfile" in plan.notes


def test_a_docker_build_line_is_read_too(tmp_path: Path) -> None:
    workflow = (
        "jobs:\n  b:\n    steps:\n"
        "      - run: docker build -t ghcr.io/o/app:${{ github.sha }} -f docker/Dockerfile .\n"
    )
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(workflow)
    assert _ci_builds(tmp_path) == [("ci.yml", ["ghcr.io/o/app:${{}}"], "docker/Dockerfile")]


METADATA_WORKFLOW = """\
env:
  REGISTRY: ghcr.io
  IMAGE_NAME: ${{ github.repository }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/metadata-action@v6
        id: meta
        with:
          images: ${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}
      - uses: docker/build-push-action@v7
        with:
          context: .
          file: Dockerfile
          tags: ${{ steps.meta.outputs.tags }}
"""


def test_a_tag_that_is_all_expressions_names_no_image(tmp_path: Path) -> None:
    # teo-garcia/django-template-monolith: metadata-action's tags output matched every image,
    # and its postgres, redis and pgadmin were read as built from the Dockerfile (postgres
    # taken for the app).
    plan = _plan(_tree(tmp_path, METADATA_WORKFLOW))
    assert plan.workers == (), plan.workers
    assert not any("run the image" in n or "runs the image" in n for n in plan.notes)
    assert "no compose file builds this Dockerfile" in plan.notes
    for tag in ("${{ steps.meta.outputs.tags }}", "$IMAGE:latest",
                "${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}:${{ github.sha }}"):
        assert _tag_pattern(tag) is None, tag
    pattern = _tag_pattern("ghcr.io/${{ github.repository }}:latest")
    assert pattern is not None and pattern.fullmatch("ghcr.io/duckinzzz/duckinzzz.ru")
    assert not pattern.fullmatch("redis")
