"""dockerignore keeps `.git` when the build itself needs the repository: a script a RUN runs
calls git (a version file written at build time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import optimize

_SETTINGS = 'SECRET_KEY = "x"\nINSTALLED_APPS = []\nROOT_URLCONF = "mysite.urls"\n'


def _project(tmp_path: Path, dockerfile: str) -> Path:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text(_SETTINGS)
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(dockerfile)
    (tmp_path / ".git").mkdir()
    return tmp_path


def _ignored(root: Path) -> list[str]:
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    return outcome.files[".dockerignore"].splitlines()


# freedomofpress/securedrop.org's shape: the source comes through a node stage, and the
# script is run by its path in the image.
_NODE_STAGE = (
    "FROM node:20-slim AS assets\nCOPY ./ /src-files\n"
    "RUN cd /src-files && npm install && npm run build\n"
    "FROM python:3.12-slim\nCOPY --from=assets /src-files/ /django/\nWORKDIR /django\n"
    "RUN pip install --no-cache-dir -r requirements.txt\n"
)


@pytest.mark.parametrize(
    "line",
    [
        'commit="$(git rev-parse --short HEAD)"',
        "echo `git describe --tags` > /deploy/version.txt",
        "git log -5 --oneline > /deploy/log.txt",
        'if [ -d .git ]; then sha=$( git rev-parse HEAD ); fi',
    ],
)
def test_a_script_a_run_runs_that_calls_git_keeps_git(tmp_path: Path, line: str) -> None:
    root = _project(
        tmp_path, _NODE_STAGE + "RUN /django/scripts/version-file.sh\nCMD [\"gunicorn\"]\n"
    )
    (root / "scripts").mkdir()
    (root / "scripts/version-file.sh").write_text(f"#!/bin/bash\nset -e\n{line}\n")
    assert ".git" not in _ignored(root)


def test_a_script_that_only_mentions_git_does_not_keep_it(tmp_path: Path) -> None:
    root = _project(tmp_path, _NODE_STAGE + "RUN bash scripts/setup.sh\nCMD [\"gunicorn\"]\n")
    (root / "scripts").mkdir()
    (root / "scripts/setup.sh").write_text(
        "#!/bin/sh\n# no git here: a digit is not a command\necho legit > /tmp/x\n"
        "mkdir -p /srv/git-mirror\n"
    )
    assert ".git" in _ignored(root)
