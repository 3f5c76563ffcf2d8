"""Compose services that run, by `image:`, a registry user's image named as the project
(optimizer/verify/runplan._runs_project_image).

acunathink/CityShop (round 13): docker-compose.yml runs `image: acunathink/cityshop` for the
backend (env_file .env, depends_on db: postgres) and nginx; nothing builds it, no workflow
either, the README says to put the compose file in a directory and `docker compose up`. Verify
said "no compose file builds this Dockerfile", started no Postgres, and passed on
`/admin/login/` alone while both sides' migrate failed against an unreachable database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import compose
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, plan_for

if not compose.compose_available():
    pytest.skip("the docker compose plugin is not installed", allow_module_level=True)

DOCKERFILE = (
    "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
    'ENTRYPOINT ["sh", "/app/entrypoint.sh"]\n'
)
COMPOSE = """\
services:
  db:
    image: postgres:16
    environment: {POSTGRES_PASSWORD: pw}
  backend:
    image: {image}
    depends_on: [db]
  nginx:
    image: nginx:1.19.3
    depends_on: [backend]
"""


def _plan(tmp_path: Path, image: str, name: str = "CityShop", extra: str = ""):  # type: ignore[no-untyped-def]
    root = tmp_path / name
    root.mkdir()
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "docker-compose.yml").write_text(COMPOSE.replace("{image}", image) + extra)
    (root / "entrypoint.sh").write_text(
        "python manage.py migrate\nexec gunicorn config.wsgi --bind 0.0.0.0:8000\n"
    )
    project = DjangoProject(root=root, manage_py="manage.py")  # type: ignore[call-arg]
    return plan_for(project, root, root / "Dockerfile", DOCKERFILE, Flags())


@pytest.mark.parametrize(
    "image", ["acunathink/cityshop", "acunathink/city-shop:1.2", "ghcr.io/acunathink/CityShop"]
)
def test_a_user_image_named_as_the_project_is_built_from_its_dockerfile(
    tmp_path: Path, image: str
) -> None:
    plan = _plan(tmp_path, image)
    assert [s.name for s in plan.services] == ["db"], plan.notes
    assert any(
        f"'backend' runs the image {image}, named as this project (CityShop)" in n
        for n in plan.notes
    ), plan.notes
    assert "no compose file builds this Dockerfile" not in plan.notes


@pytest.mark.parametrize("image", ["acunathink/othershop", "cityshop", "library/cityshop"])
def test_other_images_are_not_taken(tmp_path: Path, image: str) -> None:
    plan = _plan(tmp_path, image)
    assert plan.services == ()
    assert "no compose file builds this Dockerfile" in plan.notes


def test_not_taken_when_compose_builds_another_image(tmp_path: Path) -> None:
    extra = "  worker:\n    build: {context: ., dockerfile: Dockerfile.worker}\n"
    plan = _plan(tmp_path, "acunathink/cityshop", extra=extra)
    assert not any("named as this project" in n for n in plan.notes), plan.notes
