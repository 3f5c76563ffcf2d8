"""non-root reads LOGGING file handlers with libcst to know which files must be writable."""

from __future__ import annotations

import shutil
from pathlib import Path

import libcst as cst
import pytest
from helpers import SKELETON

from optimizer.pipeline import optimize
from transforms.non_root import _evaluate

DOCKERFILE = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
    'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('"debug.log"', (False, "debug.log")),
        ('"/var/log/app/django.log"', (False, "/var/log/app/django.log")),
        ('BASE_DIR / "logs" / "errors.log"', (True, "logs/errors.log")),
        ('str(BASE_DIR / "app.log")', (True, "app.log")),
        ('os.path.join(BASE_DIR, "logs", "x.log")', (True, "logs/x.log")),
        ('env("LOG_FILE")', None),
        ("LOG_DIR / 'x.log'", None),
    ],
)
def test_evaluate(expr: str, expected: tuple[bool, str] | None) -> None:
    assert _evaluate(cst.parse_expression(expr)) == expected


def _project(tmp_path: Path, handler_filename: str) -> Path:
    for rel, content in SKELETON.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    settings = tmp_path / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text()
        + "import os\nLOGGING = {'version': 1, 'handlers': {'f': {\n"
        + f"    'class': 'logging.FileHandler', 'filename': {handler_filename}}}}}}}\n"
    )
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    return tmp_path


def test_log_file_is_made_writable(tmp_path: Path) -> None:
    root = _project(tmp_path, "os.environ.get('X') and 'never' or 'debug.log'")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert outcome.files == {}
    assert any("log to a file" in n for c in outcome.skipped for n in c.notes)
    shutil.rmtree(tmp_path / "mysite")
    root = _project(tmp_path, "'debug.log'")
    text = optimize(root / "Dockerfile", root, only=["non-root"]).files["Dockerfile"]
    assert "touch /app/debug.log" in text
    assert "chown 10001:10001 /app /app/debug.log" in text
