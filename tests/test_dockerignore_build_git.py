"""dockerignore keeps what the build itself reads from the context: `.git` when a script a RUN
runs calls git or the project's version comes from git, `node_modules` when a node build runs
with no install before it."""

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


_SCM_PYPROJECT = (
    '[build-system]\nrequires = ["setuptools >= 43", "wheel", "setuptools_scm[toml] >= 3.4"]\n'
    'build-backend = "setuptools.build_meta"\n'
)


@pytest.mark.parametrize(
    "install",
    [
        # MozillaSecurity/FuzzManager: the project with extras, by its path in the image.
        "pip install --no-cache-dir --no-index --find-links /wheels --no-deps -q /src[server]",
        "pip install --no-cache-dir .",
        "pip install --no-cache-dir -e .",
        "python -m pip wheel --no-deps -w /wheels .",
        "poetry install --only main",
        "uv sync --frozen",
        "python -m build",
    ],
)
def test_installing_a_git_versioned_project_keeps_git(tmp_path: Path, install: str) -> None:
    root = _project(
        tmp_path,
        "FROM python:3.11-slim\nARG SETUPTOOLS_SCM_PRETEND_VERSION_FOR_mysite\n"
        "ENV SETUPTOOLS_SCM_PRETEND_VERSION_FOR_mysite=$SETUPTOOLS_SCM_PRETEND_VERSION_FOR_mysite\n"
        f"COPY . /src/\nWORKDIR /src\nRUN {install}\nCMD [\"gunicorn\"]\n",
    )
    (root / "pyproject.toml").write_text(_SCM_PYPROJECT)
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert ".git" not in outcome.files[".dockerignore"].splitlines()
    notes = [n for c in outcome.changes for n in c.notes]
    assert any("whose version comes from git" in n for n in notes), notes


@pytest.mark.parametrize(
    "dockerfile_tail, pyproject",
    [
        # Only the requirements are installed, not the project.
        ("RUN pip install --no-cache-dir -r /src/requirements.txt\n", _SCM_PYPROJECT),
        ("RUN poetry install --no-root\n", _SCM_PYPROJECT),
        ("RUN uv sync --no-install-project\n", _SCM_PYPROJECT),
        # Wheels built elsewhere (a wheel stage with .git, or CI) are installed, not built.
        ("RUN pip install --no-cache-dir /wheels/*.whl\n", _SCM_PYPROJECT),
        ("RUN pip install --no-cache-dir ./dist/mysite-1.0-py3-none-any.whl\n", _SCM_PYPROJECT),
        # The version is passed to the build.
        (
            "ENV SETUPTOOLS_SCM_PRETEND_VERSION=1.0\nRUN pip install --no-cache-dir .\n",
            _SCM_PYPROJECT,
        ),
        # A static version.
        (
            "RUN pip install --no-cache-dir .\n",
            '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
        ),
    ],
)
def test_git_stays_out_when_the_build_does_not_read_the_version_from_it(
    tmp_path: Path, dockerfile_tail: str, pyproject: str
) -> None:
    root = _project(
        tmp_path, "FROM python:3.11-slim\nCOPY . /src/\nWORKDIR /src\n" + dockerfile_tail
    )
    (root / "pyproject.toml").write_text(pyproject)
    assert ".git" in _ignored(root)


def test_setup_py_with_use_scm_version_keeps_git(tmp_path: Path) -> None:
    root = _project(
        tmp_path, "FROM python:3.11-slim\nCOPY . /src/\nRUN pip install --no-cache-dir /src\n"
    )
    (root / "setup.py").write_text(
        "from setuptools import setup\nsetup(name='mysite', use_scm_version=True)\n"
    )
    assert ".git" not in _ignored(root)


@pytest.mark.parametrize(
    "build",
    [
        # SophiaH67/roboco.dev: django-tailwind's build, no `tailwind install`.
        "python manage.py tailwind build",
        "cd frontend && npm run build",
        "npx webpack --mode production",
        "yarn build",
        "./node_modules/.bin/sass src:dist",
    ],
)
def test_a_node_build_without_an_install_keeps_node_modules(tmp_path: Path, build: str) -> None:
    root = _project(
        tmp_path,
        "FROM nikolaik/python-nodejs:python3.12-nodejs22\nWORKDIR /app\nCOPY . .\n"
        f"RUN pip install --no-cache-dir -r requirements.txt\nRUN {build}\n",
    )
    outcome = optimize(root / "Dockerfile", root, only=["dockerignore"])
    assert "**/node_modules" not in outcome.files[".dockerignore"].splitlines()
    notes = [n for c in outcome.changes for n in c.notes]
    assert any("node modules of the context" in n for n in notes), notes


@pytest.mark.parametrize(
    "install",
    [
        "npm ci",
        "yarn install --frozen-lockfile",
        "yarn",
        "pnpm install",
        "python manage.py tailwind install",
    ],
)
def test_node_modules_stay_out_when_the_build_installs_them(tmp_path: Path, install: str) -> None:
    root = _project(
        tmp_path,
        "FROM nikolaik/python-nodejs:python3.12-nodejs22\nWORKDIR /app\nCOPY . .\n"
        f"RUN {install}\nRUN npm run build\n",
    )
    assert "**/node_modules" in _ignored(root)


@pytest.mark.parametrize(
    ("run", "kept"),
    [
        # OpenCVE's web/Dockerfile: the source comes from the network, not the context's .git.
        ('git clone --depth 1 -b "${V}" --single-branch https://github.com/o/r.git', False),
        ("git ls-remote https://github.com/o/r.git > /refs.txt", False),
        ("git config --global advice.detachedHead false", False),
        ("git --version", False),
        ("git rev-parse HEAD > /version.txt", True),
        ("git -C /src describe --tags > /version.txt", True),
    ],
)
def test_git_run_in_the_dockerfile_keeps_git_only_when_it_reads_a_repository(
    tmp_path: Path, run: str, kept: bool
) -> None:
    root = _project(
        tmp_path,
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
        f"RUN {run}\nRUN pip install --no-cache-dir -r requirements.txt\nCMD [\"gunicorn\"]\n",
    )
    assert (".git" not in _ignored(root)) is kept


def test_a_committed_virtualenv_is_not_the_apps_code(tmp_path: Path) -> None:
    """Santhosh-Nagarajan/Github-Action-Registration-Flask commits a virtualenv as `env/`; the
    django/utils/version.py in its site-packages runs git. That is not the app running git at
    start: .git stays out of the image and the app still gets a non-root user."""
    root = _project(tmp_path, "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
                    "RUN pip install --no-cache-dir -r requirements.txt\n"
                    'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n')
    version = root / "env" / "lib" / "python3.10" / "site-packages" / "django" / "utils"
    version.mkdir(parents=True)
    (root / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (version / "version.py").write_text(
        "import subprocess\n\ndef get_git_changeset():\n"
        "    return subprocess.run(['git', 'log', '--pretty=format:%ct'], capture_output=True)\n"
    )
    assert ".git" in _ignored(root)
    text = optimize(root / "Dockerfile", root).files["Dockerfile"]
    assert "USER 10001" in text, text
