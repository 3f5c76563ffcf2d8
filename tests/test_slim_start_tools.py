"""slim-base reads what the container runs at start (CMD, ENTRYPOINT, HEALTHCHECK and the
scripts they name): the full image's tools they call must be installed on slim."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import optimize
from transforms.slim_base import script_lines

_SETTINGS = 'SECRET_KEY = "x"\nINSTALLED_APPS = []\nROOT_URLCONF = "mysite.urls"\n'


def _project(tmp_path: Path, dockerfile: str, script: str | None = None) -> Path:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text(_SETTINGS)
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(dockerfile)
    if script is not None:
        (tmp_path / "entrypoint.sh").write_text(script)
    return tmp_path


_HEAD = (
    "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
)
_CMD = 'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'


@pytest.mark.parametrize(
    "healthcheck",
    [
        "HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1",
        "HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost:8000/",
        'HEALTHCHECK --interval=30s CMD ["curl", "-f", "http://localhost:8000/"]',
    ],
)
def test_a_healthcheck_calling_curl_gets_curl_on_slim(tmp_path: Path, healthcheck: str) -> None:
    root = _project(tmp_path, _HEAD + healthcheck + "\n" + _CMD)
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    assert "FROM python:3.11-slim" in text
    assert "apt-get install -y --no-install-recommends curl" in text, text


def test_entrypoint_tools_the_full_image_had_but_not_others(tmp_path: Path) -> None:
    """wget and git are in the full image; pg_isready never was (the original could not have
    run that branch either), and a heredoc's Python is not read as commands."""
    script = (
        "#!/bin/sh\nset -e\nuntil wget -q -O /dev/null \"$UPSTREAM\"; do sleep 1; done\n"
        "git rev-parse HEAD > /tmp/rev\n"
        "if [ -n \"$WAIT\" ]; then pg_isready -h db; fi\n"
        "python << END\nfile = open('/tmp/x', 'w')\nEND\nexec \"$@\"\n"
    )
    root = _project(tmp_path, _HEAD + 'ENTRYPOINT ["./entrypoint.sh"]\n' + _CMD, script)
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    install = next(line for line in text.splitlines() if "apt-get install" in line)
    assert "wget" in install and "git" in install, text
    assert "postgresql-client" not in text and " file" not in install, text


def test_script_lines_join_continuations_and_skip_heredocs() -> None:
    script = "#!/bin/sh\n# comment\napt-get install \\\n  curl\ncat <<'EOF' > f\nwget x\nEOF\nls\n"
    assert list(script_lines(script)) == ["apt-get install  curl", "cat <<'EOF' > f", "ls"]


def test_a_python_program_run_by_path_is_not_read_as_a_shell_script(tmp_path: Path) -> None:
    """`RUN ./manage.py collectstatic`: manage.py's lines are Python; `file = ...` or
    `git = ...` in them are no commands (no `file`/`git` package put back)."""
    root = _project(tmp_path, _HEAD + "RUN ./manage.py collectstatic --noinput\n" + _CMD)
    (root / "manage.py").write_text(
        "#!/usr/bin/env python\nimport os\nfile = os.environ.get('X')\ngit = 1\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    assert "FROM python:3.11-slim" in text
    assert "apt-get install" not in text, text


def test_only_code_loaded_at_start_counts_as_running_git(tmp_path: Path) -> None:
    """A settings module running `git rev-parse` needs git and .git; a management command
    running git does so on demand only."""
    from transforms.dockerignore import runs_git_at_run_time

    (tmp_path / "mysite" / "management" / "commands").mkdir(parents=True)
    (tmp_path / "mysite" / "management" / "commands" / "deploy.py").write_text(
        'import subprocess\nsubprocess.run(["git", "pull"])\n'
    )
    assert runs_git_at_run_time(tmp_path) is None
    (tmp_path / "mysite" / "settings.py").write_text(
        'import subprocess\nREV = subprocess.check_output(["git", "rev-parse", "HEAD"])\n'
    )
    assert runs_git_at_run_time(tmp_path) == "mysite/settings.py"


def test_archived_release_needing_apt_stays_on_the_full_image(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "FROM python:3.8-buster\nWORKDIR /app\nCOPY . .\n"
        "HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\n" + _CMD,
    )
    outcome = optimize(root / "Dockerfile", root, only=["slim-base"])
    assert "Dockerfile" not in outcome.files and not outcome.changes
    notes = [n for change in outcome.skipped for n in change.notes]
    assert any("buster" in n and "apt-get install curl" in n for n in notes), notes


def test_archived_release_needing_nothing_still_goes_slim(tmp_path: Path) -> None:
    root = _project(tmp_path, "FROM python:3.8-buster\nWORKDIR /app\nCOPY . .\n" + _CMD)
    outcome = optimize(root / "Dockerfile", root, only=["slim-base"])
    assert "python:3.8-slim-buster" in "".join(outcome.files.values())

def _compose_available() -> bool:
    from optimizer import compose

    return compose.compose_available()


@pytest.mark.skipif(not _compose_available(), reason="the docker compose plugin is not installed")
@pytest.mark.parametrize(
    "service",
    [
        # power-ops/cmdb: the compose file's healthcheck, not the Dockerfile's, calls curl.
        "    healthcheck:\n      test: curl localhost:8000\n",
        '    healthcheck:\n      test: ["CMD", "curl", "-f", "http://localhost:8000/"]\n',
        '    command: sh -c "wget -qO- http://backend/ready && gunicorn mysite.wsgi"\n',
        "    command: ./entrypoint.sh\n",
    ],
)
def test_a_compose_service_building_the_image_gets_its_tools_on_slim(
    tmp_path: Path, service: str
) -> None:
    root = _project(
        tmp_path, _HEAD + _CMD, script="#!/bin/sh\ncurl -fsS http://backend/ready\nexec gunicorn\n"
    )
    (root / "docker-compose.yml").write_text("services:\n  web:\n    build: .\n" + service)
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    assert "FROM python:3.11-slim" in text
    tool = "wget" if "wget" in service else "curl"
    assert f"apt-get install -y --no-install-recommends {tool}" in text, text


@pytest.mark.skipif(not _compose_available(), reason="the docker compose plugin is not installed")
def test_a_compose_service_building_another_image_does_not_count(tmp_path: Path) -> None:
    root = _project(tmp_path, _HEAD + _CMD)
    (root / "docker-compose.yml").write_text(
        "services:\n  proxy:\n    image: nginx\n    healthcheck:\n      test: curl localhost\n"
    )
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    assert "curl" not in text


def test_stages_built_on_the_slim_stage_are_read(tmp_path: Path) -> None:
    """wagtail/wagtail.org: `backend` names the image, `prod` and `dev` build FROM it; dev's
    `curl ... | bash -` (NodeSource) and prod's dependency install run on the slim image too.
    Only the base stage's RUNs were read: curl was not put back and dev failed."""
    dockerfile = (
        "FROM python:3.11 AS backend\nWORKDIR /app\n"
        "RUN apt-get update && apt-get install -y rsync && rm -rf /var/lib/apt/lists/*\n"
        "FROM backend AS prod\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n" + _CMD
        + "FROM backend AS dev\n"
        "RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -\n"
        "RUN apt-get install -y nodejs\n"
    )
    root = _project(tmp_path, dockerfile)
    (root / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    assert "FROM python:3.11-slim AS backend" in text
    backend, prod, dev = text.split("\nFROM ")
    # What runs everywhere (psycopg2's libpq5) goes into backend; the compiler and headers of
    # prod's psycopg2 build into prod, curl for dev's NodeSource script into dev: neither
    # lands in the other images built on backend.
    assert "rsync libpq5" in backend and "gcc" not in backend and "curl" not in backend, text
    assert "gcc libc6-dev libpq-dev" in prod and "curl" not in prod, text
    install = dev.partition("RUN curl")[0]
    assert "--no-install-recommends curl" in install and "gcc" not in dev, text


def test_a_chain_of_stages_gets_a_package_once(tmp_path: Path) -> None:
    """`test` FROM `builder` FROM `base`: the compiler put into builder is there for test."""
    dockerfile = (
        "FROM python:3.11 AS base\nWORKDIR /app\n"
        "FROM base AS builder\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "FROM builder AS test\nRUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY . .\n" + _CMD
    )
    root = _project(tmp_path, dockerfile)
    (root / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    assert text.count("libpq-dev") == 1, text
    assert text.index("libpq-dev") < text.index("FROM builder AS test"), text


def test_a_tool_a_later_stage_installs_itself_is_not_added(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.11 AS backend\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        "FROM backend AS dev\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl\n"
        "RUN curl -fsSL https://example.com/x -o /tmp/x\n" + _CMD
    )
    root = _project(tmp_path, dockerfile)
    outcome = optimize(root / "Dockerfile", root, only=["slim-base"])
    text = outcome.files["Dockerfile"]
    assert "FROM python:3.11-slim AS backend" in text
    assert text.count("curl") == 2, text


_NODE_HEAD = (
    "FROM python:3.11\nWORKDIR /code\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\n"
    "RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm\n"
    "COPY . .\n"
)


@pytest.mark.parametrize(
    "manifest, text",
    [
        ("frontend/package.json", '{"devDependencies": {"node-sass": "^4.14.1"}}'),
        # A dependency of a dependency (gulp-sass 4 pulls node-sass): in the lockfile only.
        ("frontend/package-lock.json", '{"packages": {"node_modules/node-sass": {}}}'),
        ("frontend/yarn.lock", 'node-sass@^4.14.1:\n  version "4.14.1"\n'),
    ],
)
def test_npm_install_of_a_node_gyp_package_keeps_the_compilers(
    tmp_path: Path, manifest: str, text: str
) -> None:
    """Debian's npm only recommends build-essential, and slim has no make or g++: npm's
    node-gyp build of node-sass failed there (`not found: make`, on the engine)."""
    root = _project(tmp_path, _NODE_HEAD + "RUN cd frontend && npm ci && npm run build\n" + _CMD)
    (root / manifest).parent.mkdir(parents=True, exist_ok=True)
    (root / manifest).write_text(text)
    outcome = optimize(root / "Dockerfile", root, only=["slim-base"])
    text_out = outcome.files["Dockerfile"]
    assert "FROM python:3.11-slim" in text_out
    assert "nodejs npm build-essential" in text_out, text_out
    notes = [n for c in outcome.changes for n in c.notes]
    assert any("node-gyp compiles" in n for n in notes), notes


def test_npm_install_without_a_node_gyp_package_adds_no_compilers(tmp_path: Path) -> None:
    root = _project(tmp_path, _NODE_HEAD + "RUN cd frontend && npm ci && npm run build\n" + _CMD)
    (root / "frontend").mkdir()
    (root / "frontend/package.json").write_text('{"devDependencies": {"sass": "^1.69.0"}}')
    # A node-gyp package only under node_modules is not the project's.
    (root / "frontend/node_modules/x").mkdir(parents=True)
    (root / "frontend/node_modules/x/package.json").write_text('{"dependencies": {"fibers": "1"}}')
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    assert "FROM python:3.11-slim" in text
    assert "build-essential" not in text, text


@pytest.mark.parametrize(
    "setup",
    [
        # Tabbycat: nvm (under a login SHELL) brings node and npm.
        'SHELL ["/bin/bash", "--login", "-c"]\n'
        "RUN curl -o- https://raw.githubusercontent.com/nvm-sh/nvm/v0.39.7/install.sh | bash\n"
        "RUN nvm install 20 && nvm use 20\n",
        "COPY --from=node:20-slim /usr/local/bin/node /usr/local/bin/npm /usr/local/bin/\n",
    ],
)
def test_a_tool_the_full_image_lacks_is_not_installed_for_a_run(
    tmp_path: Path, setup: str
) -> None:
    """npm is not in the full python image: the original's `RUN npm ci` got it from the
    Dockerfile itself, and gets it the same way on slim; Debian's npm is not added."""
    root = _project(tmp_path, _HEAD + setup + "RUN npm ci && npm run build\n" + _CMD)
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    assert "FROM python:3.11-slim" in text, text
    installs = [line for line in text.splitlines() if "apt-get install" in line]
    assert not any("npm" in line or "nodejs" in line for line in installs), text


def test_a_tool_the_full_image_had_is_installed_for_a_run(tmp_path: Path) -> None:
    root = _project(tmp_path, _HEAD + "RUN git rev-parse HEAD > /version.txt\n" + _CMD)
    text = optimize(root / "Dockerfile", root, only=["slim-base"]).files["Dockerfile"]
    installs = [line for line in text.splitlines() if "apt-get install" in line]
    assert any(line.rstrip(" \\").endswith(" git") for line in installs), text
