"""--production-server on a Channels project: with daphne (Channels 4) or channels (2-3) in
INSTALLED_APPS, runserver is their ASGI server, websockets and all; the switch to gunicorn
served WSGI only and dropped them. With daphne a dependency the image serves the ASGI app with
daphne; without it runserver stays, with a note."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize
from transforms.base import Options

CMD = 'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'


def _project(root: Path, app: str | None, requirements: str) -> Path:
    write_skeleton(root)
    settings = root / "mysite" / "settings.py"
    text = settings.read_text()
    if app:
        text = text.replace("INSTALLED_APPS = [", f'INSTALLED_APPS = ["{app}", ', 1)
    settings.write_text(text + '\nASGI_APPLICATION = "mysite.asgi.application"\n')
    (root / "requirements.txt").write_text(requirements)
    (root / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nEXPOSE 8000\n" + CMD
    )
    return root / "Dockerfile"


def _run(path: Path) -> tuple[str, str, str]:
    outcome = optimize(
        path, path.parent, only=["fix-cmd-binding"], options=Options(production_server=True)
    )
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    skipped = " ".join(n for c in outcome.skipped for n in c.notes)
    return outcome.files.get("Dockerfile", ""), notes, skipped


@pytest.mark.parametrize("app", ["daphne", "channels"])
def test_a_channels_project_is_served_by_daphne(tmp_path: Path, app: str) -> None:
    path = _project(tmp_path, app, "Django==5.1.4\ngunicorn==23.0.0\nchannels==4.1.0\ndaphne\n")
    text, notes, _ = _run(path)
    assert (
        'CMD ["daphne", "mysite.asgi:application", "--bind", "0.0.0.0", "--port", "8000"]'
        in text
    )
    assert "STOPSIGNAL" not in text  # daphne (Twisted) stops on SIGTERM
    assert f"with {app} in INSTALLED_APPS" in notes


def test_without_daphne_runserver_stays(tmp_path: Path) -> None:
    path = _project(tmp_path, "channels", "Django==5.1.4\ngunicorn==23.0.0\nchannels==3.0.5\n")
    text, _, skipped = _run(path)
    assert "gunicorn" not in text.split("CMD", 1)[-1]
    assert "daphne is not a dependency" in skipped


def test_a_plain_project_still_gets_gunicorn(tmp_path: Path) -> None:
    # ASGI_APPLICATION alone (async views) is no Channels: runserver served WSGI there.
    path = _project(tmp_path, None, "Django==5.1.4\ngunicorn==23.0.0\n")
    text, _, _ = _run(path)
    assert 'CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]' in text
