"""Which exact pins build from source is judged against the Python the image ends up with:
pin-python gives `FROM python:latest` the project's version before slim-base asks.
cquentin48/Docker-nginx-django-react-template's backend (`FROM python:latest`, Pipfile 3.10.6)
pins cffi 1.15.1, which has wheels for 3.10; judged against `latest` (the newest Python the
wheel table knows), slim-base installed gcc and libffi-dev for a build that does not happen."""

from __future__ import annotations

from pathlib import Path

from optimizer.pipeline import optimize


def _project(root: Path, python_version: str) -> Path:
    (root / "mysite").mkdir(parents=True)
    (root / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
    )
    (root / "mysite" / "__init__.py").write_text("")
    (root / "mysite" / "settings.py").write_text(
        "SECRET_KEY = 'x'\nROOT_URLCONF = 'mysite.urls'\n"
        "WSGI_APPLICATION = 'mysite.wsgi.application'\n"
    )
    (root / "mysite" / "urls.py").write_text("urlpatterns = []\n")
    (root / "mysite" / "wsgi.py").write_text("application = None\n")
    (root / ".python-version").write_text(python_version + "\n")
    (root / "requirements.txt").write_text("Django==4.1.7\ncffi==1.15.1\ngunicorn==20.1.0\n")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(
        "FROM python:latest\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements.txt\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    return dockerfile


def test_pins_are_judged_against_the_python_pin_python_chose(tmp_path: Path) -> None:
    dockerfile = _project(tmp_path, "3.10")
    outcome = optimize(dockerfile, tmp_path, only=["pin-python", "slim-base"])
    text = outcome.files["Dockerfile"]
    assert text.startswith("FROM python:3.10-slim\n")
    assert "libffi-dev" not in text and "gcc" not in text


def test_an_old_pin_for_the_chosen_python_still_gets_its_compiler(tmp_path: Path) -> None:
    # cffi 1.15.1 has no wheel for 3.12 (its first is 1.16.0): the build compiles it.
    dockerfile = _project(tmp_path, "3.12")
    outcome = optimize(dockerfile, tmp_path, only=["pin-python", "slim-base"])
    text = outcome.files["Dockerfile"]
    assert text.startswith("FROM python:3.12-slim\n")
    assert "libffi-dev" in text and "gcc" in text
