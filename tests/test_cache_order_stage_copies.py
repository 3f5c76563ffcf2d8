"""cache-friendly-order and `COPY --from` right above the source copy (golden
cache-friendly-order/copy-from-stage-above-source holds the frontend-build case)."""

from __future__ import annotations

from pathlib import Path

from helpers import materialize

from optimizer.pipeline import optimize

GOLDEN = Path(__file__).parent / "golden" / "cache-friendly-order"


def _rewrite(tmp_path: Path, dockerfile: str) -> str:
    root = materialize(GOLDEN / "copy-from-stage-above-source", tmp_path / "ctx")
    (root / "Dockerfile").write_text(dockerfile)
    outcome = optimize(root / "Dockerfile", root, only=["cache-friendly-order"])
    return outcome.files["Dockerfile"]


def test_a_tool_copied_from_an_image_stays_above_the_install(tmp_path: Path) -> None:
    # The install runs what that COPY brings: moved above it, it would not find uv.
    text = _rewrite(
        tmp_path,
        "FROM python:3.11-slim\nWORKDIR /code\n"
        "COPY --from=ghcr.io/astral-sh/uv:0.5.5 /uv /uvx /bin/\n"
        "COPY ./ /code\nRUN uv pip install --system -r requirements.txt\n",
    )
    lines = text.splitlines()
    assert lines.index("COPY --from=ghcr.io/astral-sh/uv:0.5.5 /uv /uvx /bin/") < lines.index(
        "RUN uv pip install --system -r requirements.txt"
    ), text


def test_a_stage_copy_the_install_reads_stays_above_it(tmp_path: Path) -> None:
    text = _rewrite(
        tmp_path,
        "FROM python:3.11-slim\nWORKDIR /code\n"
        "COPY --from=wheels /wheels /code/wheels\n"
        "COPY ./ /code\nRUN pip install --no-index --find-links wheels -r requirements.txt\n",
    )
    lines = text.splitlines()
    assert lines.index("COPY --from=wheels /wheels /code/wheels") < lines.index(
        "RUN pip install --no-index --find-links wheels -r requirements.txt"
    ), text


def test_a_constraints_file_set_before_the_command_is_copied_with_the_manifests(
    tmp_path: Path,
) -> None:
    # `PIP_CONSTRAINT=c.txt pip install ...` reads c.txt as `-c c.txt` would (round 9, deps9).
    root = materialize(GOLDEN / "copy-from-stage-above-source", tmp_path / "ctx")
    (root / "constraints.txt").write_text("django==5.1.4\n")
    (root / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /code\nCOPY ./ /code\n"
        "RUN PIP_CONSTRAINT=constraints.txt pip install -r requirements.txt\n"
    )
    outcome = optimize(root / "Dockerfile", root, only=["cache-friendly-order"])
    assert "COPY requirements.txt constraints.txt ./\n" in outcome.files["Dockerfile"]
