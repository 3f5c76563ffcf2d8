"""Unusual but valid Dockerfiles: each gets a clean result or one clear refusal, never a
traceback or a corrupted file; whatever is proposed parses and is stable on a second run."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SKELETON

from optimizer.dockerfile import Dockerfile
from optimizer.pipeline import OptimizeError, optimize

LONG_RUN = "RUN pip install -r requirements.txt && " + " && ".join(
    f"echo step{n}" for n in range(200)
)

CASES = {
    "syntax-directive": "# syntax=docker/dockerfile:1\nFROM python:3.11\nCOPY . .\n"
    "RUN pip install -r requirements.txt\nCMD gunicorn mysite.wsgi\n",
    "onbuild": "FROM python:3.11\nONBUILD COPY . /app\n"
    "ONBUILD RUN pip install -r requirements.txt\nCMD gunicorn mysite.wsgi\n",
    "crlf": "FROM python:3.11\r\nWORKDIR /app\r\nCOPY . .\r\n"
    "RUN pip install -r requirements.txt\r\nCMD python manage.py runserver\r\n",
    "long-run": f"FROM python:3.11\nCOPY . .\n{LONG_RUN}\nCMD gunicorn mysite.wsgi\n",
    "continuations-and-comments": "FROM python:3.11\nCOPY . .\nRUN pip install \\\n"
    '    # pinned below\n    -r requirements.txt\nCMD ["gunicorn", "mysite.wsgi"]\n',
    "json-copy-and-platform": "FROM --platform=linux/amd64 python:3.11 AS app\n"
    'COPY ["requirements.txt", "/app/"]\nRUN pip install -r /app/requirements.txt\n'
    'COPY [".", "/app"]\nWORKDIR /app\nCMD ["gunicorn", "mysite.wsgi"]\n',
    "entrypoint-shell-form": "FROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\n"
    "ENTRYPOINT gunicorn mysite.wsgi --bind 127.0.0.1:8000\n",
    "lowercase": "from python:3.11\ncopy . .\nrun pip install -r requirements.txt\n"
    "cmd python manage.py runserver\n",
    "healthcheck-and-stopsignal": "FROM python:3.11\nCOPY . .\n"
    "RUN pip install -r requirements.txt\n"
    "HEALTHCHECK --interval=30s CMD curl -f http://localhost:8000/ || exit 1\n"
    'STOPSIGNAL SIGTERM\nCMD ["gunicorn", "mysite.wsgi"]\n',
    "alpine": "FROM python:3.11-alpine\nRUN apk add --no-cache postgresql-dev gcc musl-dev\n"
    "COPY . .\nRUN pip install -r requirements.txt\nCMD gunicorn mysite.wsgi\n",
    "heredoc": "FROM python:3.11\nWORKDIR /app\nCOPY <<EOF /etc/motd\nFROM hello\nEOF\n"
    "COPY . .\nRUN <<EOT\nset -e\npip install -r requirements.txt\nEOT\n"
    "CMD python manage.py runserver\n",
    "bom": "\ufeffFROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\n"
    "CMD gunicorn mysite.wsgi\n",
    "env-legacy-form-and-args": "ARG PY=3.11\nFROM python:$PY\nENV APP_HOME /app\n"
    "WORKDIR $APP_HOME\nCOPY . $APP_HOME\nRUN pip install -r requirements.txt\n"
    "CMD gunicorn mysite.wsgi -b :8000\n",
}

REFUSED = {
    "heredoc-never-closed": ("FROM python:3.11\nRUN <<EOF\npip install django\n", "never closed"),
    "escape-directive": ("# escape=`\nFROM python:3.11\nRUN echo hi\n", "escape"),
    "binary": ("FROM python:3.11\n\x00\x01\n", "not a text file"),
}


def _project(tmp_path: Path, dockerfile: str) -> Path:
    for rel, content in SKELETON.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_bytes(dockerfile.encode())
    return tmp_path


@pytest.mark.parametrize("name", sorted(CASES))
def test_clean_result_that_parses_and_is_stable(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path, CASES[name])
    outcome = optimize(root / "Dockerfile", root)
    for key, content in outcome.files.items():
        if key == "Dockerfile":
            Dockerfile.parse(content)
        (root / key).write_bytes(content.encode())
    assert optimize(root / "Dockerfile", root).files == {}


def test_crlf_is_kept(tmp_path: Path) -> None:
    root = _project(tmp_path, CASES["crlf"])
    text = optimize(root / "Dockerfile", root).files["Dockerfile"]
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")


def test_mixed_line_endings_keep_each_lines_own(tmp_path: Path) -> None:
    """A file with CRLF and LF lines: unchanged lines keep their ending, new lines take the
    file's usual one (here LF), so the diff shows no line changed only by its ending (every
    line used to become CRLF when any was)."""
    lines = CASES["crlf"].replace("\r\n", "\n").split("\n")
    crlf_head = "\r\n".join(lines[:2]) + "\r\n"  # the first two lines end in CRLF
    original = crlf_head + "\n".join(lines[2:])
    root = _project(tmp_path, original)
    text = optimize(root / "Dockerfile", root).files["Dockerfile"]
    assert lines[1] == "WORKDIR /app" and "WORKDIR /app\r\n" in text
    body = [line for line in text.split("\n") if line and not line.endswith("\r")]
    assert len(body) > len(text.split("\n")) // 2  # LF stays the usual ending
    assert optimize(root / "Dockerfile", root).files["Dockerfile"] == text
    (root / "Dockerfile").write_bytes(text.encode())
    assert "Dockerfile" not in optimize(root / "Dockerfile", root).files


def test_mostly_lf_file_with_one_crlf_line_is_not_made_crlf(tmp_path: Path) -> None:
    original = (
        "FROM python:3.11\r\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements.txt\n"
        'CMD ["gunicorn", "mysite.wsgi"]\n'
    )
    root = _project(tmp_path, original)
    text = optimize(root / "Dockerfile", root).files["Dockerfile"]
    assert text.count("\r\n") <= 1
    assert "WORKDIR /app\n" in text and "WORKDIR /app\r\n" not in text


def test_directive_stays_first(tmp_path: Path) -> None:
    root = _project(tmp_path, CASES["syntax-directive"])
    text = optimize(root / "Dockerfile", root).files["Dockerfile"]
    assert text.startswith("# syntax=docker/dockerfile:1\n")


def test_onbuild_left_alone(tmp_path: Path) -> None:
    root = _project(tmp_path, CASES["onbuild"])
    text = optimize(root / "Dockerfile", root).files.get("Dockerfile", CASES["onbuild"])
    assert "ONBUILD COPY . /app\nONBUILD RUN pip install -r requirements.txt\n" in text


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_one_clear_message(name: str, tmp_path: Path) -> None:
    text, message = REFUSED[name]
    root = _project(tmp_path, text)
    with pytest.raises(OptimizeError, match=message):
        optimize(root / "Dockerfile", root)
    assert (root / "Dockerfile").read_bytes() == text.encode()


@pytest.mark.parametrize(
    "text",
    [
        "FROM nginx\nRUN addgroup --system django\nCOPY ./nginx.conf /etc/nginx/conf.d\n",
        "FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\n"
        'CMD ["npm", "run", "dev"]\n',
        "FROM postgres:15\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
    ],
    ids=["nginx", "node", "postgres"],
)
def test_other_services_dockerfiles_are_left_alone(text: str, tmp_path: Path) -> None:
    """A Django repository's nginx/Node/Postgres Dockerfiles get no Python hygiene, no
    .dockerignore and no error: exit 0 with the reason (pre-commit passes them all)."""
    (tmp_path / "Dockerfile").write_text(text)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    assert not outcome.changed
    assert "not a Django app image" in outcome.skipped[0].notes[0]


def test_a_python_named_tool_package_does_not_make_a_python_image(tmp_path: Path) -> None:
    """texastribune/docks' postgres image (ubuntu:14.04) installs `python-software-properties`
    for add-apt-repository: not Python installed for an app. It was refused with "no Django
    project here" (exit 2, pre-commit fails) instead of left alone as another service's image."""
    body = (
        "FROM ubuntu:14.04\nRUN apt-get update && apt-get -y -q install {pkg}\n"
        "RUN apt-get install -y postgresql-9.3\nEXPOSE 5432\n"
        'CMD ["/usr/lib/postgresql/9.3/bin/postgres"]\n'
    )
    for pkg in ("python-software-properties software-properties-common", "python3-apt"):
        (tmp_path / "Dockerfile").write_text(body.format(pkg=pkg))
        outcome = optimize(tmp_path / "Dockerfile", tmp_path)
        assert not outcome.changed
        assert "not a Django app image" in outcome.skipped[0].notes[0]
    for pkg in ("python3 python3-pip", "python3.9", "python"):
        (tmp_path / "Dockerfile").write_text(body.format(pkg=pkg))
        with pytest.raises(OptimizeError, match="no Django project"):
            optimize(tmp_path / "Dockerfile", tmp_path)


def test_python_installed_in_a_heredoc_run_is_a_python_image(tmp_path: Path) -> None:
    """OpenDroneMap/WebODM's app stage (ubuntu) installs Python and runs manage.py inside
    `RUN <<EOT ... EOT`: the body counts, so it is not refused as "none of its instructions
    installs or runs Python"; a heredoc that installs only nginx still is."""
    body = (
        "FROM ubuntu:22.04\nWORKDIR /app\nRUN <<EOT\n    apt-get update\n"
        "    apt-get install -y --no-install-recommends {pkg}\nEOT\nCOPY . .\n"
    )
    for rel, content in SKELETON.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    (tmp_path / "Dockerfile").write_text(body.format(pkg="python3.9 gdal-bin"))
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    assert not any("not a Django app image" in n for s in outcome.skipped for n in s.notes)
    (tmp_path / "Dockerfile").write_text(body.format(pkg="nginx"))
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    assert "not a Django app image" in outcome.skipped[0].notes[0]


@pytest.mark.parametrize(
    "text",
    [
        "FROM nginx:alpine\nRUN apk add python3 py3-pip\nRUN pip3 install Django uwsgi\n"
        "COPY . /app\n",
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y python3\n"
        'COPY . /app\nCMD ["python3", "/app/manage.py", "runserver"]\n',
        "FROM ghcr.io/example/base:1\nCOPY . /app\nCMD gunicorn mysite.wsgi\n",
    ],
    ids=["pip-on-nginx", "debian-python3", "unknown-base-runs-gunicorn"],
)
def test_images_that_install_or_run_python_are_rewritten(text: str, tmp_path: Path) -> None:
    root = tmp_path
    for rel, content in SKELETON.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    (root / "Dockerfile").write_text(text)
    outcome = optimize(root / "Dockerfile", root)
    assert not any(c.transform == "all" for c in outcome.skipped)


def test_heredocs_kept_byte_for_byte_and_the_rest_applied(tmp_path: Path) -> None:
    root = _project(tmp_path, CASES["heredoc"])
    outcome = optimize(root / "Dockerfile", root)
    text = outcome.files["Dockerfile"]
    assert "COPY <<EOF /etc/motd\nFROM hello\nEOF\n" in text
    assert "RUN <<EOT\nset -e\npip install -r requirements.txt\nEOT\n" in text
    assert 'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]' in text
    # The install it cannot read may need the full image's compilers: the base stays.
    assert text.startswith("FROM python:3.11\n")
    assert any("heredoc RUN" in n for c in outcome.skipped for n in c.notes)


def test_a_transform_that_would_rebuild_a_heredoc_is_dropped_whole(tmp_path: Path) -> None:
    # multi-stage rebuilds the RUN lines before the install for the final stage, which would
    # drop this heredoc's body: its result is not applied, the other transforms' are.
    dockerfile = (
        "FROM python:3.11-slim\nWORKDIR /app\nRUN <<EOT\napt-get update\n"
        "apt-get install -y gettext\nEOT\nCOPY . .\n"
        "RUN apt-get update && apt-get install -y gcc libpq-dev\n"
        "RUN pip install -r requirements.txt\n"
        "CMD python manage.py runserver\n"
    )
    root = _project(tmp_path, dockerfile)
    outcome = optimize(root / "Dockerfile", root)
    text = outcome.files["Dockerfile"]
    assert text.count("RUN <<EOT\napt-get update\napt-get install -y gettext\nEOT\n") == 1
    assert "multi-stage" not in [c.transform for c in outcome.changes]
    assert any(
        c.transform == "multi-stage" and "heredoc" in " ".join(c.notes) for c in outcome.skipped
    )
    assert "cache-friendly-order" in [c.transform for c in outcome.changes]


def test_bom_is_kept(tmp_path: Path) -> None:
    root = _project(tmp_path, CASES["bom"])
    text = optimize(root / "Dockerfile", root).files["Dockerfile"]
    assert text.startswith("\ufeffFROM python:3.11-slim")
    assert text.count("\ufeff") == 1


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    root = _project(tmp_path, "")
    (root / "Dockerfile").write_bytes(b"FROM python:3.11\nCOPY . .\nRUN echo caf\xe9\n")
    with pytest.raises(OptimizeError, match=r"line 3: not UTF-8"):
        optimize(root / "Dockerfile", root)


def test_secrets_notes_use_the_original_line_numbers(tmp_path: Path) -> None:
    # slim-base inserts an apt RUN and python-env an ENV above line 4; the note still says 4,
    # the line the user sees in their file, like the other transforms' notes.
    text = (
        "FROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\n"
        "ENV DATABASE_PASSWORD=hunter2\nCMD gunicorn mysite.wsgi\n"
    )
    root = _project(tmp_path, text)
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n")
    outcome = optimize(root / "Dockerfile", root)
    new = outcome.files["Dockerfile"].splitlines()
    assert new.index("ENV DATABASE_PASSWORD=hunter2") + 1 != 4  # lines were inserted above
    notes = [n for c in outcome.skipped if c.transform == "secrets" for n in c.notes]
    assert len(notes) == 1 and notes[0].startswith("line 4: ENV DATABASE_PASSWORD")
