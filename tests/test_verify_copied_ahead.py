"""The manifests a rewrite copies ahead of its install are allowed for in verify's size check
(optimizer/verify/compare.copied_ahead_bytes).

cache-friendly-order copies the dependency manifests before the install and the source copy
brings them again: the image grows by their size. arhebs/django-celery-payouts (round 17) has
a 129 KB poetry.lock; the rewrite with it copied twice failed verify as "the rewritten image is
larger" (0.14 MB over a 64 KB tolerance), although growing by the lock is the price of the
cached install layer, not a regression.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.verify.compare import copied_ahead_bytes, decide
from optimizer.verify.report import ProbeResult, SideReport

BEFORE = "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root\n"
AFTER = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY --chown=app pyproject.toml poetry.lock ./\n"
    "RUN poetry install --no-root\nCOPY . .\nCOPY --from=builder /opt/venv /opt/venv\n"
    "COPY docs/ /docs/\n"
)


def test_only_the_files_the_rewrite_copies_on_their_own_count(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("x" * 1000)
    (tmp_path / "poetry.lock").write_text("y" * 129_000)
    (tmp_path / "docs").mkdir()
    assert copied_ahead_bytes(BEFORE, AFTER, tmp_path) == 130_000
    # a COPY the original had already costs nothing new
    assert copied_ahead_bytes(AFTER, AFTER, tmp_path) == 0
    assert copied_ahead_bytes(BEFORE, "FROM x\nCOPY *.lock ./\n", tmp_path) == 0


def _side(size: int, ahead: int = 0) -> SideReport:
    side = SideReport(build_ok=True, started=True, serving="host", image_size=size)
    side.copied_ahead_bytes = ahead
    side.probes = [ProbeResult(path="/", status=200, body_sha256="h")]
    return side


def test_growth_by_the_manifests_is_not_a_failure() -> None:
    before = _side(385_848_340)
    verdict, reasons = decide(before, _side(385_987_964, ahead=130_754), {"/": "same"})
    assert verdict == "pass", reasons
    verdict, reasons = decide(before, _side(385_987_964), {"/": "same"})
    assert verdict == "fail" and "larger" in reasons[0].text


def test_the_standard_librarys_bytecode_the_rewrite_compiles_is_allowed_for() -> None:
    # python-env's compile step on a slim single-stage rewrite: 127.1 -> 132.3 MB, which the
    # size check called "larger" (CI of round 17, test_verify_cli_engine).
    before, after = _side(127_100_000), _side(132_300_000)
    after.stdlib_bytecode_bytes = 5_200_000
    verdict, reasons = decide(before, after, {"/": "same"})
    assert verdict == "pass", reasons
    # an original that compiled it as well gets no allowance for it
    before.stdlib_bytecode_bytes = 5_200_000
    verdict, reasons = decide(before, after, {"/": "same"})
    assert verdict == "fail" and "larger" in reasons[0].text

