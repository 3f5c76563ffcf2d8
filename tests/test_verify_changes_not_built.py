"""The rewrite's changes in stages the build does not run are not checked by verify.

arhebs/django-celery-payouts: compose builds `target: development`; the rewrite changed only
the `production` stage (non-root, the install before the source). Both sides built and ran the
same development steps and verify said PASS, having checked nothing of the change.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from optimizer import engine
from optimizer.dockerfile import Dockerfile
from optimizer.verify import _changes_not_built
from optimizer.verify.build import changed_stages
from optimizer.verify.report import SideReport, VerifyReport
from optimizer.verify.runplan import RunPlan

BEFORE = """\
FROM python:3.11-slim AS base
WORKDIR /app
FROM base AS dependencies
COPY pyproject.toml poetry.lock ./
RUN poetry install --only main
FROM dependencies AS development
RUN poetry install
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
FROM dependencies AS production
COPY . .
RUN poetry install --only main
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
"""

AFTER = BEFORE.replace(
    "FROM dependencies AS production\nCOPY . .\n",
    "FROM dependencies AS production\nCOPY pyproject.toml poetry.lock ./\n"
    "RUN poetry install --no-cache --only main\nCOPY . .\nUSER 10001\n",
)


def _report() -> VerifyReport:
    return VerifyReport(run_id="t", before=SideReport(), after=SideReport())


def test_stages_built_follow_from_copy_from_and_mounts() -> None:
    parsed = Dockerfile.parse(
        "FROM python:3.11 AS builder\nRUN true\n"
        "FROM node:20-slim AS assets\nRUN true\n"
        "FROM python:3.11 AS tools\nRUN true\n"
        "FROM python:3.11-slim AS production\nCOPY --from=builder /opt/venv /opt/venv\n"
        "RUN --mount=type=bind,from=assets,source=/dist,target=/dist cp -r /dist /app\n"
        "FROM production AS development\nCOPY --from=2 /x /x\n"
    )
    names = lambda target: [s.name for s in parsed.stages_built(target) or []]  # noqa: E731
    assert names("production") == ["builder", "assets", "production"]
    assert names(None) == names("development") == ["builder", "assets", "tools", "production",
                                                   "development"]
    assert names("builder") == ["builder"]
    assert parsed.stages_built("missing") is None


def test_changed_stages_split_by_the_target() -> None:
    assert changed_stages(BEFORE, AFTER, "development") == ([], ["production"])
    assert changed_stages(BEFORE, AFTER, "production") == (["production"], [])
    assert changed_stages(BEFORE, AFTER, None) == (["production"], [])
    assert changed_stages(BEFORE, BEFORE, "development") == ([], [])
    # A target the rewrite does not have: the build says so, not this.
    assert changed_stages(BEFORE, AFTER, "staging") == ([], [])


def test_a_target_that_runs_none_of_the_change_is_inconclusive() -> None:
    report = _report()
    files_before = {"Dockerfile": BEFORE, ".dockerignore": ".git\n"}
    files_after = {"Dockerfile": AFTER, ".dockerignore": ".git\n.env.*\n"}
    _changes_not_built(
        files_before, files_after, "Dockerfile", RunPlan(build_target="development"), report
    )
    assert len(report.inconclusive) == 1
    said = report.inconclusive[0]
    assert "'production'" in said and "'development'" in said
    assert "nothing of the Dockerfile's change was checked" in said
    assert "only the change to .dockerignore" in said


def test_a_target_that_runs_part_of_the_change_gets_a_note() -> None:
    after = AFTER.replace(
        "RUN poetry install\nCOPY . .\n", "RUN poetry install --no-cache\nCOPY . .\n"
    )
    report = _report()
    _changes_not_built(
        {"Dockerfile": BEFORE}, {"Dockerfile": after}, "Dockerfile",
        RunPlan(build_target="development"), report,
    )
    assert report.inconclusive == []
    assert any("'production'" in n and "did not check" in n for n in report.notes)


def test_the_target_that_runs_the_change_says_nothing() -> None:
    report = _report()
    _changes_not_built(
        {"Dockerfile": BEFORE}, {"Dockerfile": AFTER}, "Dockerfile",
        RunPlan(build_target="production"), report,
    )
    assert report.inconclusive == [] and report.notes == []


@pytest.mark.engine
def test_the_engine_does_not_run_a_stage_the_target_does_not_need(tmp_path: Path) -> None:
    """What changed_stages assumes of the build verify runs: a stage the target does not
    build from, copy from or mount is skipped, even one that fails."""
    if not engine.engine_available() or not engine.image_exists("debian:bookworm-slim"):
        pytest.skip("no engine or no debian:bookworm-slim stand-in (run ../shared/lab/images-up)")
    text = (
        "FROM debian:bookworm-slim AS base\nRUN echo base > /base\n"
        "FROM base AS development\nCMD [\"cat\", \"/base\"]\n"
        "FROM base AS production\nRUN false\n"
    )
    assert [s.name for s in Dockerfile.parse(text).stages_built("development") or []] == [
        "base", "development"
    ]
    run_id = f"verify23-stages-{uuid.uuid4().hex[:8]}"
    tag = f"{run_id}-dev"
    try:
        result = engine.build(
            tmp_path, text, tag, timeout=300, labels={"dj-optimize.run": run_id},
            target="development",
        )
        assert result.ok, result.log_tail
        assert engine.image_info(tag).cmd == ["cat", "/base"]
    finally:
        assert not engine.remove(images=[tag])
        assert engine.find_labelled(run_id).empty()


# sakagb/django-docker: compose builds `dev` and runs the entrypoint script `dev` copies; the
# rewrite changed the `production` stage and that script (`exec gunicorn`).
SCRIPTED = """\
FROM python:3.11-slim AS build
WORKDIR /app
COPY api/ /app
FROM build AS celery
COPY docker-entrypoint-celery.sh /docker-entrypoint-celery.sh
FROM build AS dev
COPY docker-entrypoint.sh /docker-entrypoint.sh
ENV DJANGO_SETTINGS_MODULE=config.local
FROM build AS production
COPY docker-entrypoint.sh /docker-entrypoint.sh
ENTRYPOINT ["/docker-entrypoint.sh"]
"""


def test_a_changed_file_the_target_copies_is_checked_though_its_stages_are_not() -> None:
    after = SCRIPTED.replace(
        'ENTRYPOINT ["/docker-entrypoint.sh"]', 'USER 10001\nENTRYPOINT ["/docker-entrypoint.sh"]'
    )
    script = "#!/bin/sh\nmigrate\ngunicorn --bind 0.0.0.0:5000 wsgi"
    report = _report()
    _changes_not_built(
        {"Dockerfile": SCRIPTED, "docker-entrypoint.sh": script, ".dockerignore": None},
        {"Dockerfile": after, ".dockerignore": ".git\n",
         "docker-entrypoint.sh": script.replace("\ngunicorn", "\nexec gunicorn")},
        "Dockerfile", RunPlan(build_target="dev"), report,
    )
    assert report.inconclusive == []
    assert any(
        "'production'" in n and "did not check" in n
        and "checked the change to docker-entrypoint.sh, which the build copies" in n
        for n in report.notes
    ), report.notes
    # Not copied by the target that runs (celery copies another script): still inconclusive.
    report = _report()
    _changes_not_built(
        {"Dockerfile": SCRIPTED, "docker-entrypoint.sh": script},
        {"Dockerfile": after, "docker-entrypoint.sh": script + "\n"},
        "Dockerfile", RunPlan(build_target="celery"), report,
    )
    assert len(report.inconclusive) == 1 and "docker-entrypoint.sh" in report.inconclusive[0]


def test_what_a_build_copies_from_the_context() -> None:
    from optimizer.verify.build import copied_into_build

    text = (
        "FROM python:3.11 AS builder\nCOPY requirements/ /req/\n"
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY --from=builder /req /req\n"
        "COPY --chown=app [\"scripts/*.sh\", \"/usr/local/bin/\"]\nADD src /app/src\n"
    )
    assert copied_into_build(text, None, "requirements/base.txt")  # the builder runs too
    assert copied_into_build(text, None, "scripts/start.sh")
    assert copied_into_build(text, None, "src/app/views.py")
    assert not copied_into_build(text, None, "docker-entrypoint.sh")
    assert not copied_into_build(text, None, "srcx/a.py")
    assert copied_into_build("FROM python:3.11\nCOPY . .\n", None, "entrypoint.sh")
    assert not copied_into_build("FROM python:3.11\nRUN true\n", None, "entrypoint.sh")
    assert not copied_into_build("not a dockerfile", None, "entrypoint.sh")
