"""A start script that ends by running an ASGI server without `exec` (round 9, asgi9:
nolabel-tech/nolabel-backend, pam-param-pam/I-Drive, nexisltd/Door-Opener, RomanL91/skud): the
script's shell stays PID 1 and docker stop kills the server after 10 s. fix-cmd-binding's start
script editor (transforms/start_script.py, entry9) puts `exec` in front of the server, also
when the command is continued over several lines; an ending it cannot make PID 1 safely
(backgrounded, piped) is left as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize

DOCKERFILE = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\nCOPY . .\nENTRYPOINT [\"./entrypoint.sh\"]\n"
)


def _rewrite(tmp_path: Path, script: str) -> tuple[str | None, list[str]]:
    """The rewritten entrypoint.sh (None: not edited) and the notes."""
    case = tmp_path / "case"
    case.mkdir()
    (case / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    (case / "requirements.txt").write_text("Django==5.1.4\ndaphne==4.1.2\n", encoding="utf-8")
    (case / "entrypoint.sh").write_text(script, encoding="utf-8")
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"])
    notes = [n for change in outcome.skipped + outcome.changes for n in change.notes]
    return outcome.files.get("entrypoint.sh"), notes


@pytest.mark.parametrize(
    "last",
    [
        "daphne -b 0.0.0.0 -p 80 mysite.asgi:application",
        "gunicorn \\\n  -k uvicorn.workers.UvicornWorker \\\n  --bind 0.0.0.0:8000 \\\n"
        "  mysite.asgi:application",
        'uvicorn mysite.asgi:application --host 0.0.0.0 --port "$PORT"',
    ],
)
def test_a_script_ending_with_the_server_without_exec_gets_exec(
    tmp_path: Path, last: str
) -> None:
    script, notes = _rewrite(tmp_path, f"#!/bin/sh\npython manage.py migrate\n{last}\n")
    assert script == f"#!/bin/sh\npython manage.py migrate\nexec {last}\n", notes
    assert any("now replaces the script's shell (`exec`)" in n for n in notes), notes


@pytest.mark.parametrize(
    "last",
    [
        "exec daphne -b 0.0.0.0 -p 8000 mysite.asgi:application",
        "daphne -b 0.0.0.0 -p 8000 mysite.asgi:application &\nwait",
        "daphne -b 0.0.0.0 -p 8000 mysite.asgi:application 2>&1 | tee /tmp/log",
        'exec "$@"',
    ],
)
def test_exec_background_or_pipeline_is_left_as_written(tmp_path: Path, last: str) -> None:
    script, notes = _rewrite(tmp_path, f"#!/bin/sh\npython manage.py migrate\n{last}\n")
    assert script is None, script
    assert not any("now replaces the script's shell" in n for n in notes), notes


@pytest.mark.parametrize(
    ("script", "how"),
    [
        # pathfindermilan/Intervuo's entrypoint (sweep16b): the server in the background, a
        # worker beside it, `wait -n`. It was said to be "not the script's last command (`uv run
        # celery ...` runs after it exits)", with the advice to move it last.
        (
            "uv run manage.py migrate\nuv run manage.py runserver 0.0.0.0:8001 &\n\n"
            "uv run celery -A config worker --loglevel=info &\n\nwait -n\n\nexit $?\n",
            "in the background (`&`)",
        ),
        ("daphne -b 0.0.0.0 -p 8000 mysite.asgi:application | tee /tmp/log\nwait\n",
         "in a pipeline"),
    ],
)
def test_a_server_in_the_background_is_not_called_a_command_before_the_last(
    tmp_path: Path, script: str, how: str
) -> None:
    edited, notes = _rewrite(tmp_path, "#!/bin/bash\n" + script)
    assert edited is None, edited
    assert any(f"runs {how}, so the script's shell stays PID 1" in n for n in notes), notes
    assert not any("is not the script's last command" in n for n in notes), notes
