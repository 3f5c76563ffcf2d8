"""slim-base keeps the tools of compose services that run the image by name, not by `build:`
(transforms/dev_image.services_running_image, transforms/slim_base).

sweep24: posholokia/pwave-drf-api's .gitlab-ci.yml runs `docker build --network host -t
$CI_REGISTRY_IMAGE .` and deploys docker-compose.yml with `docker stack deploy`; its services
run `image: ${CI_REGISTRY_IMAGE}` with `healthcheck: test: "curl --fail http://localhost:8000/
api/healthcheck/"` (`deploy: update_config: failure_action: rollback`). The rewrite moved
python:3.10 to python:3.10-slim, which has no curl: every healthcheck fails and the swarm rolls
the update back. Only services with `build:` were read for the tools they call.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SKELETON

from optimizer.compose import compose_available
from optimizer.pipeline import optimize

pytestmark = pytest.mark.skipif(not compose_available(), reason="docker compose plugin missing")

DOCKERFILE = """\
FROM python:3.11
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""

CI = """\
build:
  stage: build
  script:
    - docker build --network host -t $CI_REGISTRY_IMAGE .
    - docker push $CI_REGISTRY_IMAGE
"""

COMPOSE = """\
services:
  django:
    image: ${CI_REGISTRY_IMAGE}
    healthcheck:
      test: "curl --fail http://localhost:8000/api/healthcheck/"
      interval: 10s
    deploy:
      update_config:
        failure_action: rollback
  proxy:
    image: nginx
    healthcheck:
      test: wget -q localhost
"""


def _rewrite(root: Path, ci: str | None, compose: str) -> tuple[str, str]:
    for rel, content in {**SKELETON, "requirements.txt": "Django==5.1.4\ngunicorn\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    (root / "Dockerfile").write_text(DOCKERFILE)
    if ci is not None:
        (root / ".gitlab-ci.yml").write_text(ci)
    (root / "docker-compose.yml").write_text(compose)
    outcome = optimize(root / "Dockerfile", root, only=["slim-base"])
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    return outcome.files["Dockerfile"], notes


@pytest.mark.parametrize(
    "command",
    [
        "docker build --network host -t $CI_REGISTRY_IMAGE .",
        "docker build --tag=${CI_REGISTRY_IMAGE}:latest -f Dockerfile .",
        "docker buildx build --push -t $CI_REGISTRY_IMAGE --build-arg X=1 .",
    ],
)
def test_a_service_running_the_image_ci_builds_keeps_its_healthcheck_tool(
    tmp_path: Path, command: str
) -> None:
    text, notes = _rewrite(
        tmp_path, CI.replace("docker build --network host -t $CI_REGISTRY_IMAGE .", command),
        COMPOSE,
    )
    assert "FROM python:3.11-slim" in text, text
    assert "apt-get install -y --no-install-recommends curl" in text, text
    assert "wget" not in text, text  # nginx's healthcheck runs in nginx's image
    assert "compose service `django` (runs `${CI_REGISTRY_IMAGE}`, which .gitlab-ci.yml" in notes


def test_a_service_sharing_the_image_name_of_the_one_that_builds_it(tmp_path: Path) -> None:
    # softdev1029's layout: `web` builds and names the image, `celery` runs it by that name.
    compose = (
        "services:\n"
        "  web:\n    build: .\n    image: registry.example.com/site-dev\n"
        "  worker:\n    image: registry.example.com/site-dev\n"
        "    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://web:8000/\"]\n"
    )
    text, notes = _rewrite(tmp_path, None, compose)
    assert "apt-get install -y --no-install-recommends curl" in text, text
    assert "compose service `worker` (runs the image `registry.example.com/site-dev`" in notes


@pytest.mark.parametrize(
    "ci",
    [
        None,
        # CI builds another Dockerfile under that tag.
        CI.replace("-t $CI_REGISTRY_IMAGE .", "-t $CI_REGISTRY_IMAGE -f docker/Dockerfile.api ."),
        # CI builds this one under another tag.
        CI.replace("-t $CI_REGISTRY_IMAGE .", "-t $CI_REGISTRY_IMAGE/web ."),
    ],
)
def test_a_service_running_another_image_does_not_count(tmp_path: Path, ci: str | None) -> None:
    text, _ = _rewrite(tmp_path, ci, COMPOSE)
    assert "FROM python:3.11-slim" in text, text
    assert "curl" not in text, text
