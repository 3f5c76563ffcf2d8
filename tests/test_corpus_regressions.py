"""Wrong changes found on real public Django projects, reduced to the few lines that show them.

Each test names the shape of the project it came from; none of their code is copied here.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import OptimizeError, optimize


def _project(tmp_path: Path, dockerfile: str, **files: str) -> Path:
    case = tmp_path / "case"
    case.mkdir()
    (case / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    for name, content in files.items():
        (case / name.replace("__", "/")).parent.mkdir(parents=True, exist_ok=True)
        (case / name.replace("__", "/")).write_text(content, encoding="utf-8")
    return materialize(case, tmp_path / "ctx")


def test_a_missing_final_newline_is_not_a_change(tmp_path: Path) -> None:
    # Alpine-based app image, every transform skipped: the last line lacked a newline and the
    # rewrite "changed" only that, so the run proposed a Dockerfile diff with nothing in it.
    root = _project(
        tmp_path,
        "FROM python:3.11-slim\nENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1\nWORKDIR /app\n"
        'COPY . .\nCMD ["./bin/docker-entrypoint-api.sh"]',
    )
    outcome = optimize(root / "Dockerfile", root, only=["python-env"])
    assert "Dockerfile" not in outcome.files


def test_a_missing_final_newline_stays_missing_after_a_change(tmp_path: Path) -> None:
    root = _project(tmp_path, 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["x"]')
    outcome = optimize(root / "Dockerfile", root, only=["python-env"])
    assert outcome.files["Dockerfile"].endswith('CMD ["x"]')


def test_slim_base_reads_the_requirements_the_image_installs(tmp_path: Path) -> None:
    # A repository whose pyproject.toml + uv.lock serve its tooling, while the image installs
    # deployment/docker/REQUIREMENTS.txt copied to /REQUIREMENTS.txt (kartoza/django-bims'
    # shape): the slim switch must bring what psycopg2's source build needs.
    root = _project(
        tmp_path,
        "FROM python:3.11\nCOPY deployment/docker/REQUIREMENTS.txt /REQUIREMENTS.txt\n"
        "RUN pip install -r /REQUIREMENTS.txt\nWORKDIR /app\nCOPY . /app\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        **{
            "pyproject.toml": '[project]\nname = "tools"\nversion = "1"\ndependencies = []\n',
            "uv.lock": "version = 1\n",
            "deployment__docker__REQUIREMENTS.txt": "django\ngunicorn\npsycopg2==2.9.10\n",
        },
    )
    outcome = optimize(root / "Dockerfile", root, only=["slim-base"])
    assert "libpq-dev" in outcome.files["Dockerfile"]


def test_node_image_installing_python3_for_node_gyp_is_left_alone(tmp_path: Path) -> None:
    # A monorepo's front end, built from the repository root (where manage.py is): python3 and
    # a compiler are there for node-gyp. It got PYTHONUNBUFFERED and a Python .dockerignore.
    root = _project(
        tmp_path,
        "FROM node:20-slim\nWORKDIR /app\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ "
        "&& rm -rf /var/lib/apt/lists/*\n"
        "COPY frontend/package*.json ./\nRUN npm ci\nCOPY frontend/ .\nRUN npm run build\n"
        'CMD ["npm", "run", "start"]\n',
    )
    outcome = optimize(root / "Dockerfile", root)
    assert not outcome.changed
    assert "not a Django app image" in outcome.skipped[0].notes[0]


def test_node_image_that_runs_python_is_still_a_python_image(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "FROM node:20-slim\nRUN apt-get update && apt-get install -y python3 python3-pip\n"
        "COPY . /app\nRUN pip3 install --break-system-packages django gunicorn\n"
        'CMD ["gunicorn", "--chdir", "/app", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
    )
    outcome = optimize(root / "Dockerfile", root)
    assert not any(c.transform == "all" for c in outcome.skipped)


# -- in the lab: the reordered Dockerfiles still build ------------------------------------------

_NO_PACKAGES = "# nothing to download: the build must find this file, that is all\n"


@pytest.mark.engine
@pytest.mark.parametrize(
    "dockerfile",
    [
        # `COPY . /code/` then `-r /code/requirements.txt`: moved without its file, the install
        # failed with "No such file or directory".
        "FROM python:3.11-slim\nWORKDIR /code\nCOPY . /code/\n"
        "RUN pip install -r /code/requirements.txt\n",
        # No WORKDIR at all, the file named by its absolute path.
        "FROM python:3.11-slim\nADD . /app\nRUN pip install -r /app/requirements.txt\n",
        # The cache mount stays on the moved install.
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n",
    ],
    ids=["absolute-path-under-copy", "no-workdir", "cache-mount"],
)
def test_reordered_install_builds(dockerfile: str, tmp_path: Path) -> None:
    from optimizer import engine

    root = _project(tmp_path, dockerfile, **{"requirements.txt": _NO_PACKAGES})
    outcome = optimize(root / "Dockerfile", root, only=["cache-friendly-order"])
    text = outcome.files["Dockerfile"]
    assert text.index("pip install") < text.index(" . ")  # the install moved above the source
    assert ("--mount=type=cache" in text) == ("--mount=type=cache" in dockerfile)
    tag = f"corpus-cfo-{uuid.uuid4().hex[:8]}"
    try:
        built = engine.build(root, text, tag, timeout=300)
        assert built.ok, "\n".join(built.log_tail)
    finally:
        assert engine.remove(images=[tag]) == []


def test_a_bare_runserver_cmd_under_a_start_script_is_left_to_the_script(tmp_path: Path) -> None:
    # A large app's image (Weblate's shape): `ENTRYPOINT ["/app/bin/start"]` and
    # `CMD ["runserver"]`, the script's mode word for "start supervisord with nginx and the app
    # server". It was read as Django's runserver: CMD became `runserver 0.0.0.0:8080` and
    # STOPSIGNAL SIGINT was added, each justified by a server the image never runs.
    dockerfile = (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8080\n"
        'ENTRYPOINT ["/app/bin/start"]\nCMD ["runserver"]\n'
    )
    root = _project(tmp_path, dockerfile, **{"requirements.txt": "Django==5.1.4\n"})
    outcome = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"])
    assert "Dockerfile" not in outcome.files
    notes = [n for c in outcome.skipped for n in c.notes]
    assert any("is an argument to ENTRYPOINT" in n for n in notes), notes


def test_no_project_names_the_copy_source_a_build_argument_leaves_open(tmp_path: Path) -> None:
    # netbox-docker's shape: the source comes from `COPY ${NETBOX_PATH} /opt/netbox`, an ARG
    # without default that its build script fills with the checkout it clones. The refusal
    # said only "no Django project here"; it now says why the Dockerfile cannot tell.
    root = tmp_path / "netbox-docker"  # no skeleton project: the checkout is not there
    (root / "docker").mkdir(parents=True)
    (root / "docker/launch.sh").write_text("#!/bin/sh\n", encoding="utf-8")
    (root / "Dockerfile").write_text(
        "FROM python:3.11-slim\nARG NETBOX_PATH\nCOPY ${NETBOX_PATH}/requirements.txt /\n"
        "RUN pip install -r /requirements.txt\nCOPY ${NETBOX_PATH} /opt/netbox\n"
        'CMD ["/opt/netbox/launch.sh"]\n',
        encoding="utf-8",
    )
    with pytest.raises(OptimizeError) as caught:
        optimize(root / "Dockerfile", root)
    message = str(caught.value)
    assert "no Django project here" in message
    assert "copies `${NETBOX_PATH}/requirements.txt`, spelled with a build argument" in message


def _write(root: Path, files: dict[str, str]) -> None:
    root.mkdir(parents=True)
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)


def test_flask_microservice_without_django_project_is_left_alone(tmp_path: Path) -> None:
    # ibm-developer-skills-network/xrwvm-fullstack_developer_capstone: a Flask service's
    # Dockerfile in a Django repository ended in "no Django project here ... use --context".
    root = tmp_path / "svc"
    _write(root, {
        "Dockerfile": "FROM python:3.9.18-slim-bookworm\nWORKDIR /python-docker\n"
        "COPY requirements.txt requirements.txt\nRUN pip3 install -r requirements.txt\n"
        'COPY . .\nCMD [ "python3", "-m" , "flask", "run", "--host=0.0.0.0"]\n',
        "requirements.txt": "Flask\n",
        "app.py": "from flask import Flask\napp = Flask(__name__)\n",
    })
    outcome = optimize(root / "Dockerfile", root)
    assert not outcome.changed
    assert "not a Django app image" in outcome.skipped[0].notes[0]


def test_uvicorn_without_django_project_still_asks_for_the_context(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    _write(root, {
        "Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\n"
        'CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]\n',
        "main.py": "app = None\n",
    })
    with pytest.raises(OptimizeError, match="no Django project here"):
        optimize(root / "Dockerfile", root)


@pytest.mark.parametrize(
    ("cmd", "files", "framework"),
    [
        # A FastAPI service beside the Django project (a monorepo's api/ directory).
        ('["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "80"]',
         {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n"}, "FastAPI"),
        # The app object built in a module the entry module imports, the package under src/.
        ('["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-b", "localhost:8000", '
         '"app.main:app"]',
         {"src/app/__init__.py": "",
          "src/app/main.py": "from app.api import build\napp = build()\n",
          "src/app/api.py": "import fastapi\n\ndef build():\n    return fastapi.FastAPI()\n"},
         "FastAPI"),
        ('python main.py',
         {"main.py": "import uvicorn\nfrom starlette.applications import Starlette\n"},
         "Starlette"),
        ('["streamlit", "run", "dashboard.py", "--server.port=8501"]',
         {"dashboard.py": "import streamlit as st\n"}, "Streamlit"),
        ('["sh", "-c", "python -m streamlit run app.py"]', {"app.py": "import pandas\n"},
         "Streamlit"),
    ],
)
def test_other_framework_without_django_project_is_left_alone(
    tmp_path: Path, cmd: str, files: dict[str, str], framework: str
) -> None:
    # A Django repository's other Python services: `dj-optimize **/Dockerfile` in CI ended in
    # exit 2 ("no Django project here ... use --context") on each of them.
    root = tmp_path / "svc"
    _write(root, {
        "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        f"CMD {cmd}\n",
        "requirements.txt": f"{framework.lower()}\nuvicorn\n",
        **files,
    })
    outcome = optimize(root / "Dockerfile", root)
    assert not outcome.changed
    note = outcome.skipped[0].notes[0]
    assert f"runs {framework}" in note and "not a Django app image" in note


@pytest.mark.parametrize(
    ("cmd", "files"),
    [
        # The app module imports Django: a Django project the context does not hold.
        ('["uvicorn", "config.asgi:application"]',
         {"config/asgi.py": "from django.core.asgi import get_asgi_application\n"
          "application = get_asgi_application()\n"}),
        # FastAPI mounted in a module that also sets Django up.
        ('["uvicorn", "main:app"]',
         {"main.py": "from fastapi import FastAPI\nfrom mysite import wiring\napp = FastAPI()\n",
          "mysite/wiring.py": "import django\ndjango.setup()\n"}),
        # The module is not in the context: the context may be the wrong one.
        ('["uvicorn", "main:app"]', {"other.py": "import fastapi\n"}),
        # A script of no known framework.
        ('["python", "bot.py"]', {"bot.py": "import telegram\n"}),
    ],
)
def test_server_of_unknown_app_without_django_project_still_asks_for_the_context(
    tmp_path: Path, cmd: str, files: dict[str, str]
) -> None:
    root = tmp_path / "svc"
    _write(root, {"Dockerfile": f"FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD {cmd}\n",
                  **files})
    with pytest.raises(OptimizeError, match="no Django project here"):
        optimize(root / "Dockerfile", root)
