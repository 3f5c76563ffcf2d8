"""slim-base leaves a global ARG alone when another stage starts from it too: its slim default
made the builder slim as well (`ARG PYTHON_TAG=3.11-bookworm`, both stages
`FROM python:${PYTHON_TAG}`), and the builder's psycopg2 source build failed there for want
of pg_config and gcc (built on the lab: the original builds, that rewrite did not). multi-stage
now leaves such a Dockerfile single-stage, and the shared-ARG case is the golden
slim-base/arg-shared-with-builder; this test checks the whole pipeline on the single stage."""

from __future__ import annotations

from pathlib import Path

from optimizer.pipeline import optimize


def test_a_tag_from_an_arg_stays_one_slim_stage(tmp_path: Path) -> None:
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
    # multi-stage leaves it single-stage (a builder would share the ARG and keep the final
    # stage full); slim-base then switches that one stage through the ARG and installs what
    # the psycopg2 build needs there.
    assert "AS builder" not in text
    assert "ARG PYTHON_TAG=3.11-slim-bookworm\n" in text
    assert "gcc libc6-dev libpq-dev libpq5" in text
    notes = [n for c in outcome.skipped if c.transform == "multi-stage" for n in c.notes]
    assert any("build argument" in n for n in notes), notes
