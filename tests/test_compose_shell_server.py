"""fix-cmd-binding says when a compose service building this image starts the web server inside
`sh -c` without `exec` (`sh -c "python manage.py migrate && python manage.py runserver ..."`).
Debian's sh is dash, which keeps itself as PID 1 even for the last command; as PID 1 it ignores
SIGTERM and passes nothing on. Measured on the rewritten examples/01-tutorial image
(python:3.11-slim): `docker stop` took 10.3 s with that command (SIGINT or SIGTERM alike), 0.8 s
with `exec` before runserver, 0.7 s with `bash -c` (bash execs the last command). The compose
file is not the tool's to rewrite, so this is advice, and the Dockerfile is unchanged by it.
A Celery worker or beat under `sh -c` is flagged too: SIGTERM is its warm shutdown, and the
same sh as PID 1 never passes it on, so the worker is killed with its running tasks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer import compose
from optimizer.pipeline import optimize
from transforms.fix_cmd_binding import _unexeced_server

pytestmark = pytest.mark.skipif(
    not compose.compose_available() and not os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"),
    reason="the docker compose plugin is not installed",
)

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def _project(tmp_path: Path, service: str, dockerfile: str = DOCKERFILE) -> Path:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\ncelery\n")
    (tmp_path / "Dockerfile").write_text(dockerfile)
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    build: .\n" + service + "  db:\n    image: postgres:17\n"
    )
    return tmp_path


def _advice(root: Path) -> list[str]:
    outcome = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"])
    notes = [n for c in outcome.skipped if c.transform == "fix-cmd-binding" for n in c.notes]
    return [n for n in notes if "inside `sh -c`" in n]


MIGRATE_THEN_RUNSERVER = (
    '    command: sh -c "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"\n'
)


def test_runserver_after_migrate_in_sh_c_is_flagged(tmp_path: Path) -> None:
    advice = _advice(_project(tmp_path, MIGRATE_THEN_RUNSERVER))
    assert len(advice) == 1, advice
    assert "compose service `web`" in advice[0]
    assert "`exec python manage.py runserver 0.0.0.0:8000`" in advice[0], advice


def test_list_form_and_lone_server_are_flagged(tmp_path: Path) -> None:
    service = '    command: ["/bin/sh", "-c", "gunicorn mysite.wsgi -b 0.0.0.0:8000"]\n'
    advice = _advice(_project(tmp_path, service))
    assert len(advice) == 1 and "starts gunicorn" in advice[0], advice


def test_entrypoint_sh_c_of_the_service_is_read(tmp_path: Path) -> None:
    service = (
        '    entrypoint: ["sh", "-c"]\n'
        '    command: ["python manage.py migrate; gunicorn mysite.wsgi -b 0.0.0.0:8000"]\n'
    )
    assert len(_advice(_project(tmp_path, service))) == 1


@pytest.mark.parametrize(
    "service",
    [
        # exec replaces sh with the server: it is PID 1 and gets the signal.
        '    command: sh -c "python manage.py migrate && exec gunicorn mysite.wsgi"\n',
        # bash execs the last command of -c itself.
        '    command: bash -c "python manage.py migrate && gunicorn mysite.wsgi"\n',
        # A worker exec'd: it gets the signal (its warm shutdown).
        '    command: sh -c "exec celery -A mysite worker -l info"\n',
        # No shell at all.
        '    command: ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n',
    ],
)
def test_not_flagged(tmp_path: Path, service: str) -> None:
    assert _advice(_project(tmp_path, service)) == []


def test_an_image_entrypoint_the_service_keeps_is_left_out(tmp_path: Path) -> None:
    """The command becomes the ENTRYPOINT's arguments; whether that wrapper execs them is the
    wrapper's business (non-root and the start-script checks read it)."""
    dockerfile = DOCKERFILE.replace("CMD [", 'ENTRYPOINT ["/app/entrypoint.sh"]\nCMD [')
    (tmp_path / "entrypoint.sh").write_text('#!/bin/sh\nexec "$@"\n')
    assert _advice(_project(tmp_path, MIGRATE_THEN_RUNSERVER, dockerfile)) == []


def test_a_service_that_does_not_build_this_image_is_left_out(tmp_path: Path) -> None:
    root = _project(tmp_path, "    command: gunicorn mysite.wsgi -b 0.0.0.0:8000\n")
    (root / "compose.yaml").write_text(
        "services:\n  web:\n    build: .\n  other:\n    image: python:3.11-slim\n"
        '    command: sh -c "python -m http.server"\n'
        '  proxy:\n    image: python:3.11-slim\n    command: sh -c "gunicorn x.wsgi"\n'
    )
    assert _advice(root) == []


def test_the_dockerfile_is_not_changed_by_the_advice(tmp_path: Path) -> None:
    root = _project(tmp_path, MIGRATE_THEN_RUNSERVER)
    outcome = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"])
    assert "Dockerfile" not in outcome.files, outcome.files.get("Dockerfile")


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "python manage.py migrate && python manage.py runserver 0.0.0.0:8000",
            ("runserver", "python manage.py runserver 0.0.0.0:8000"),
        ),
        ("cd /app; gunicorn mysite.wsgi", ("gunicorn", "gunicorn mysite.wsgi")),
        ("python manage.py migrate && exec uvicorn mysite.asgi:application", None),
        ("python manage.py collectstatic --noinput", None),
        (
            "sleep 5 && celery -A mysite worker -l info",
            ("celery worker", "celery -A mysite worker -l info"),
        ),
        ("python -m celery -A mysite beat", ("celery beat", "python -m celery -A mysite beat")),
        ("celery -A mysite inspect ping", None),
        ("", None),
    ],
)
def test_unexeced_server(script: str, expected: tuple[str, str] | None) -> None:
    assert _unexeced_server(script) == expected


def test_a_celery_worker_in_sh_c_is_flagged(tmp_path: Path) -> None:
    """SIGTERM is Celery's warm shutdown; as sh's child it never comes, and after 10 s the
    worker is killed with its running tasks."""
    root = _project(tmp_path, "    command: gunicorn mysite.wsgi -b 0.0.0.0:8000\n")
    (root / "compose.yaml").write_text(
        "services:\n  web:\n    build: .\n  worker:\n    build: .\n"
        '    command: sh -c "python manage.py migrate && celery -A mysite worker -l info"\n'
    )
    advice = _advice(root)
    assert len(advice) == 1 and "service `worker` starts celery worker" in advice[0], advice
    assert "with its running tasks" in advice[0], advice
