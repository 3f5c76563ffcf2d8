"""slim-base leaves a global ARG alone when another stage starts from it too: its slim default
made the builder slim as well (`ARG PYTHON_TAG=3.11-bookworm`, both stages
`FROM python:${PYTHON_TAG}`), and the builder's psycopg2 source build failed there for want
of pg_config and gcc (built on the lab: the original builds, that rewrite did not)."""

from __future__ import annotations

from pathlib import Path

from optimizer.pipeline import optimize


def test_the_builder_keeps_the_full_image_when_the_tag_is_a_shared_arg(tmp_path: Path) -> None:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text("INSTALLED_APPS = []\n")
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.9\ngunicorn\n")
    (tmp_path / "Dockerfile").write_text(
        "ARG PYTHON_TAG=3.11-bookworm\nFROM python:${PYTHON_TAG}\nWORKDIR /app\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n'
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    text = outcome.files["Dockerfile"]
    # multi-stage split it; the builder still starts from the full image the ARG names.
    assert "ARG PYTHON_TAG=3.11-bookworm\n" in text
    assert "FROM python:${PYTHON_TAG} AS builder" in text
    notes = [n for c in outcome.skipped if c.transform == "slim-base" for n in c.notes]
    assert any("ARG PYTHON_TAG" in n and "builder" in n for n in notes), notes
