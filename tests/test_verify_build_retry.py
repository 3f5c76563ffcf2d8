"""A build that fails at a RUN step is tried once more before it counts (verify._verify,
verify.retry_worthy).

Dmitriy-Bychkov/LMS_DRF's `poetry install` (poetry installing into its own environment)
downgrades `packaging` while it builds cron-descriptor's sdist, whose isolated build imports
`packaging/tags.py` from that environment: FileNotFoundError, one cold build in two or three,
the original's and the rewrite's alike (seen building each several times by hand). Verify
said FAIL, "the rewritten Dockerfile does not build (the original does)". No engine: the
engine's calls are replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from optimizer import engine
from optimizer.verify import VerifyOptions, retry_worthy, verify

RUN_STEP = "[builder 6/6] RUN poetry install --no-interaction"
RACE = "FileNotFoundError: [Errno 2] No such file or directory: '.../packaging/tags.py'"


def failed(
    step: str | None = RUN_STEP, errors: tuple[str, ...] = (), said: str = RACE
) -> engine.BuildResult:
    return engine.BuildResult(
        False, 5.0, ["..."], None, failed_step=step, errors=list(errors),
        step_errors=[said] if step else [],
    )


@pytest.mark.parametrize(
    ("result", "worth"),
    [
        (failed(), True),
        (failed("[2/5] COPY requirements.txt /app/"), False),  # a missing file: every time
        (failed(None, ("ERROR: failed to solve: dockerfile parse error",)), False),
        (failed(errors=("build timed out after 900 s",)), False),
        (engine.BuildResult(True, 5.0, [], "sha256:x"), False),
        # Errors that come back every time (verify14: django_librest compiled a package that
        # cannot build on 3.11 twice): no second try.
        (failed(said="    psycopg/psycopg.h:36:10: fatal error: Python.h: No such file or "
                     "directory"), False),
        (failed(said="error: command '/usr/bin/gcc' failed with exit code 1"), False),
        (failed(said="django.core.exceptions.ImproperlyConfigured: STATIC_ROOT not set"), False),
        (failed(said="ModuleNotFoundError: No module named 'setuptools'"), False),
        (failed(said="E: Unable to locate package libmysqlclient-dev"), False),
        (failed(said="/bin/sh: 1: poetry: not found"), False),
        # verify15: psycopg2-binary 2.9.9 on 3.13 builds from source and fails the same twice.
        (failed(said="      Error: pg_config executable not found."), False),
        (failed(said="      /bin/sh: 1: mysql_config: not found"), False),
        (failed(said="      OSError: mysql_config not found"), False),
        (failed(said="Exception: Can not find valid pkg-config name."), False),
        (failed(said="ERROR: Package 'x' requires a different Python: 3.13.1 not in '<3.12'"),
         False),
        # A download that broke off says nothing of the kind: worth the retry.
        (failed(said="ERROR: Could not install packages due to an OSError: "
                     "('Connection broken: IncompleteRead')"), True),
    ],
)
def test_retry_worthy(result: engine.BuildResult, worth: bool) -> None:
    assert retry_worthy(result) is worth


def _fake_engine(monkeypatch: pytest.MonkeyPatch, results: list[engine.BuildResult]) -> list[Any]:
    calls: list[Any] = []

    def build(*args: object, **kwargs: Any) -> engine.BuildResult:
        calls.append((args[2], kwargs.get("no_cache")))
        return results.pop(0)

    monkeypatch.setattr(engine, "engine_available", lambda: True)
    monkeypatch.setattr(engine, "build", build)
    monkeypatch.setattr(engine, "remove", lambda **k: [])
    monkeypatch.setattr(engine, "find_labelled", lambda run_id=None: engine.Labelled())
    return calls


def test_a_build_failing_by_chance_is_tried_once_more(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The original fails once and passes; the rewrite fails both times: a fail, with a note
    # on the original's second try. The second try reuses the cache (no --no-cache).
    ok = engine.BuildResult(True, 3.0, [], "sha256:before")
    calls = _fake_engine(monkeypatch, [failed(), ok, failed(), failed()])
    text = {"Dockerfile": "FROM python:3.11\nRUN poetry install\n"}
    monkeypatch.setattr(engine, "image_info", lambda tag: (_ for _ in ()).throw(AssertionError))
    report = verify(tmp_path, text, text, VerifyOptions(measure_rebuild=False))
    assert [no_cache for _, no_cache in calls] == [True, False, True, False]
    assert report.before is not None
    assert report.before.build_ok and report.before.build_attempts == 2
    assert report.before.cold_build_seconds is None
    assert not report.after.build_ok and report.after.build_attempts == 2
    assert report.verdict == "fail"
    assert any(
        note.startswith(f"before: the first build failed at {RUN_STEP} (FileNotFoundError")
        and note.endswith("that step fails by chance (a race or a download), not every time")
        for note in report.notes
    )


def test_a_copy_failure_is_not_tried_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = _fake_engine(monkeypatch, [failed("[3/5] COPY app.py /app/")])
    text = {"Dockerfile": "FROM python:3.11\nCOPY app.py /app/\n"}
    report = verify(tmp_path, text, text, VerifyOptions(measure_rebuild=False))
    assert len(calls) == 1
    assert report.before is not None and report.before.build_attempts == 1
    assert report.verdict == "inconclusive"
