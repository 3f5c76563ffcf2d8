"""multi-stage's notes and decisions that a golden case (the Dockerfile only) cannot show."""

from __future__ import annotations

from pathlib import Path

from helpers import materialize

from optimizer.pipeline import optimize


def _notes(tmp_path: Path, dockerfile: str, requirements: str) -> list[str]:
    case = tmp_path / "case"
    case.mkdir()
    (case / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    (case / "requirements.txt").write_text(requirements, encoding="utf-8")
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["multi-stage"])
    return [n for change in outcome.skipped + outcome.changes for n in change.notes]


def test_system_python_path_note_quotes_the_path_without_json_punctuation(
    tmp_path: Path,
) -> None:
    notes = _notes(
        tmp_path,
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["/usr/local/bin/gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n",
    )
    note = next(n for n in notes if "system Python" in n)
    assert "/usr/local/bin/gunicorn refers to" in note, note


GOLDEN = Path(__file__).parent / "golden" / "multi-stage"


def _case_notes(name: str, tmp_path: Path) -> list[str]:
    root = materialize(GOLDEN / name, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["multi-stage"])
    assert "Dockerfile" not in outcome.files
    return [n for change in outcome.skipped for n in change.notes]


def test_compose_service_running_poetry_keeps_a_single_stage_and_says_why(
    tmp_path: Path,
) -> None:
    notes = _case_notes("compose-poetry-run-no-cmd", tmp_path)
    assert any("compose service `web`" in n and "`poetry`" in n for n in notes), notes


def test_ubuntu_base_is_left_single_stage_and_says_why(tmp_path: Path) -> None:
    notes = _case_notes("ubuntu-base", tmp_path)
    assert any("ubuntu:22.04 is not an official" in n for n in notes), notes


def test_entrypoint_script_running_poetry_keeps_a_single_stage(tmp_path: Path) -> None:
    notes = _case_notes("entrypoint-poetry-run", tmp_path)
    assert any("line 8: /code/entrypoint.sh calls `poetry run`" in n for n in notes), notes


def test_compose_command_script_running_uv_keeps_a_single_stage(tmp_path: Path) -> None:
    notes = _case_notes("compose-script-uv-run", tmp_path)
    assert any("runs ./start.sh, which calls `uv run`" in n for n in notes), notes
