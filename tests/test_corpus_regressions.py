"""Wrong changes found on real public Django projects, reduced to the few lines that show them.

Each test names the shape of the project it came from; none of their code is copied here.
"""

from __future__ import annotations

from pathlib import Path

from helpers import materialize

from optimizer.pipeline import optimize


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
