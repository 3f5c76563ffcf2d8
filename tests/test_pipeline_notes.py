"""The pipeline reports each distinct note of a transform once."""

from __future__ import annotations

from pathlib import Path

from helpers import SKELETON

from optimizer.pipeline import optimize


def test_a_note_said_once_per_change(tmp_path: Path) -> None:
    # Donate-Anything: one RUN chaining four `apt-get install -y`, each given the same note.
    for rel, content in SKELETON.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nRUN apt-get update \\\n"
        "  && apt-get install -y gettext \\\n  && apt-get install -y libpq5 \\\n"
        "  && rm -rf /var/lib/apt/lists/*\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["apt-hygiene"])
    notes = [n for c in outcome.changes for n in c.notes]
    assert "--no-install-recommends" in outcome.files["Dockerfile"]
    assert len(notes) == len(set(notes)), notes
