"""Without --context, a Dockerfile in a subdirectory is read with the build context the compose
file that builds it names (SULTAN_HAGRY's docker/Django.Dockerfile with `context: ..`,
cookiecutter-django's compose/production/django/Dockerfile from production.yml): its own
directory held neither the project nor the files its COPY lines name, and the dry run wrote a
.dockerignore there that no build reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer import compose
from optimizer.dockerfile import Dockerfile
from optimizer.pipeline import OptimizeError, missing_copy_sources, optimize

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ENV DJANGO_SETTINGS_MODULE=config.settings
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
"""


def _project(root: Path) -> None:
    (root / "config").mkdir(parents=True)
    (root / "config" / "__init__.py").write_text("")
    (root / "config" / "settings.py").write_text(
        "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
        "MEDIA_ROOT = BASE_DIR / 'media'\nINSTALLED_APPS = ['django.contrib.staticfiles']\n"
    )
    (root / "config" / "wsgi.py").write_text("application = None\n")
    (root / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
    )
    (root / "requirements.txt").write_text("django==5.1\ngunicorn==23.0.0\n")


def test_missing_copy_sources() -> None:
    df = Dockerfile.parse(
        "FROM python:3.12\nCOPY --from=node /x /x\nCOPY --chown=app:app req*.txt ./\n"
        "ADD https://example.org/a.tgz /a\nCOPY ${WHERE} /src\n"
    )
    here = Path(__file__).parent
    assert missing_copy_sources(df, here) == "req*.txt"
    present = Dockerfile.parse("FROM python:3.12\nCOPY conftest.py /\n")
    assert missing_copy_sources(present, here) is None


needs_compose = pytest.mark.skipif(
    not compose.compose_available() and not os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"),
    reason="the docker compose plugin is not installed",
)


@needs_compose
def test_context_from_a_compose_file_beside_the_dockerfile(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "docker").mkdir()
    dockerfile = tmp_path / "docker" / "Django.Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    (tmp_path / "docker" / "docker-compose.yml").write_text(
        "services:\n  django:\n    build:\n      context: ..\n"
        "      dockerfile: docker/Django.Dockerfile\n"
    )
    outcome = optimize(dockerfile)
    assert outcome.context_dir.resolve() == tmp_path.resolve()
    assert outcome.dockerfile_key == "docker/Django.Dockerfile"
    # The .dockerignore goes where the build reads it, and non-root read the settings.
    assert ".dockerignore" in outcome.files
    assert "docker/.dockerignore" not in outcome.files
    assert "USER 10001" in outcome.files["docker/Django.Dockerfile"]
    assert any("docker-compose.yml" in n and "requirements.txt" in n for n in outcome.notes)


@needs_compose
def test_context_from_a_service_under_a_profile(tmp_path: Path) -> None:
    # The default project leaves a service under `profiles:` out; read with every profile, it
    # gives the context as a default service would.
    # The project in src/, beside docker/: no directory above the Dockerfile holds it, so
    # only the compose file can say where the context is.
    _project(tmp_path / "src")
    (tmp_path / "docker").mkdir()
    dockerfile = tmp_path / "docker" / "Django.Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    (tmp_path / "docker" / "docker-compose.yml").write_text(
        "services:\n  db:\n    image: postgres:16\n"
        "  django:\n    profiles: [app]\n    build:\n      context: ../src\n"
        "      dockerfile: ../docker/Django.Dockerfile\n"
    )
    outcome = optimize(dockerfile)
    assert outcome.context_dir.resolve() == (tmp_path / "src").resolve()


@needs_compose
def test_context_from_a_named_compose_file_above(tmp_path: Path) -> None:
    # cookiecutter-django: production.yml (not a default name) at the root, three levels up.
    _project(tmp_path)
    where = tmp_path / "compose" / "production" / "django"
    where.mkdir(parents=True)
    (where / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "production.yml").write_text(
        "services:\n  django:\n    build:\n      context: .\n"
        "      dockerfile: ./compose/production/django/Dockerfile\n"
    )
    outcome = optimize(where / "Dockerfile")
    assert outcome.context_dir.resolve() == tmp_path.resolve()
    assert outcome.dockerfile_key == "compose/production/django/Dockerfile"


@needs_compose
def test_a_dockerfile_whose_sources_are_beside_it_keeps_its_directory(tmp_path: Path) -> None:
    # A compose file above naming another context does not move a Dockerfile that builds
    # from its own directory (the sources are there): no compose file is even read.
    _project(tmp_path / "app")
    (tmp_path / "app" / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  web:\n    build:\n      context: .\n      dockerfile: app/Dockerfile\n"
    )
    outcome = optimize(tmp_path / "app" / "Dockerfile")
    assert outcome.context_dir == tmp_path / "app"
    assert outcome.notes == []



def test_a_symlink_out_of_the_context_is_not_a_source(tmp_path: Path) -> None:
    # readthedocs.org: dockerfiles/requirements -> ../requirements. Docker does not follow a
    # link out of the context, so dockerfiles/ cannot be the context of `COPY requirements/...`.
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "docker.txt").write_text("django\n")
    (tmp_path / "dockerfiles").mkdir()
    (tmp_path / "dockerfiles" / "requirements").symlink_to("../requirements")
    (tmp_path / "dockerfiles" / "inside").mkdir()
    (tmp_path / "dockerfiles" / "link").symlink_to("inside")
    df = Dockerfile.parse("FROM python:3.12\nCOPY requirements/docker.txt docker.txt\n")
    assert missing_copy_sources(df, tmp_path / "dockerfiles") == "requirements/docker.txt"
    assert missing_copy_sources(df, tmp_path) is None
    inside = Dockerfile.parse("FROM python:3.12\nCOPY link/ /x/\n")
    assert missing_copy_sources(inside, tmp_path / "dockerfiles") is None


def test_without_compose_the_enclosing_project_is_the_context(tmp_path: Path) -> None:
    # mozilla/treeherder's docker/Dockerfile (CI builds it with `-f docker/Dockerfile .`; no
    # compose file does) and readthedocs' dockerfiles/Dockerfile: run as `dj-optimize
    # docker/Dockerfile`, the dry run stopped at "no Django project here".
    _project(tmp_path)
    (tmp_path / "docker").mkdir()
    dockerfile = tmp_path / "docker" / "Dockerfile"
    dockerfile.write_text(DOCKERFILE.replace("COPY . .", "COPY config/ /app/config/"))
    outcome = optimize(dockerfile)
    assert outcome.context_dir.resolve() == tmp_path.resolve()
    assert outcome.dockerfile_key == "docker/Dockerfile"
    assert ".dockerignore" in outcome.files and "USER 10001" in outcome.files["docker/Dockerfile"]
    assert any("nearest directory above" in n and "requirements.txt" in n for n in outcome.notes)


def test_the_enclosing_project_must_hold_every_source(tmp_path: Path) -> None:
    # A Dockerfile whose sources are in no directory above (a tool image that builds from its
    # own, differently laid out checkout) is not given the Django project as its context.
    _project(tmp_path)
    (tmp_path / "tools" / "lint").mkdir(parents=True)
    dockerfile = tmp_path / "tools" / "lint" / "Dockerfile"
    dockerfile.write_text("FROM python:3.12\nCOPY lint.cfg /\nCOPY requirements.txt /\n")
    with pytest.raises(OptimizeError, match="no Django project here"):
        optimize(dockerfile)


@needs_compose
def test_compose_context_for_a_dockerfile_adding_its_own_directory(tmp_path: Path) -> None:
    # mozilla/treeherder's docker/dev.Dockerfile: `ADD . /app` holds in docker/ itself, which
    # has no Django project; docker-compose.yml builds it with `context: .`.
    _project(tmp_path)
    (tmp_path / "docker").mkdir()
    dockerfile = tmp_path / "docker" / "dev.Dockerfile"
    dockerfile.write_text(
        "FROM python:3.13\nADD . /app\nWORKDIR /app\nRUN pip install -r requirements.txt\n"
    )
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  backend:\n    build:\n      context: .\n"
        "      dockerfile: docker/dev.Dockerfile\n"
    )
    outcome = optimize(dockerfile)
    assert outcome.context_dir.resolve() == tmp_path.resolve()
    assert any("holds no Django project" in n for n in outcome.notes)
