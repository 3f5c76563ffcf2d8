"""An ARG's comments follow the lines that use it: docker init's `# Create a non-privileged
user...` above `ARG UID=10001` describes the adduser, which the split moves to the final stage,
so the comment goes there with the final stage's copy of the ARG (it sat above the builder's
venv ENV). An ARG the builder's own lines use keeps its comment in the builder."""

from __future__ import annotations

from pathlib import Path

from helpers import write_skeleton

from optimizer.pipeline import optimize

_COMMENT = "# Create a non-privileged user that the app will run under.\n"


def _rewrite(tmp_path: Path, install: str) -> tuple[str, str]:
    root = tmp_path / "app"
    write_skeleton(root)
    (root / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    (root / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev\n"
        f"{_COMMENT}ARG UID=10001\n"
        'RUN adduser --disabled-password --gecos "" --uid "${UID}" appuser\n'
        f"COPY requirements.txt .\nRUN {install}\nUSER appuser\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n'
    )
    text = optimize(root / "Dockerfile", root).files["Dockerfile"]
    builder, _, final = text.partition("\nFROM python:3.11-slim\n")
    assert final, text
    return builder, final


def test_the_comment_of_an_arg_only_the_moved_adduser_uses_goes_with_it(tmp_path: Path) -> None:
    builder, final = _rewrite(tmp_path, "pip install -r requirements.txt")
    assert "ARG UID=10001" in builder and _COMMENT not in builder
    assert f'{_COMMENT}ARG UID=10001\nRUN adduser --disabled-password --gecos "" ' in final


def test_an_arg_the_builder_uses_keeps_its_comment_there(tmp_path: Path) -> None:
    builder, final = _rewrite(tmp_path, 'pip install -r requirements.txt && echo "$UID"')
    assert f"{_COMMENT}ARG UID=10001\n" in builder
    assert _COMMENT not in final and "ARG UID=10001\nRUN adduser" in final
