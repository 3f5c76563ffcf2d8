"""multi-stage: an `rm` after the install of a file that only the builder has (sweep26,
mordaha/django-docker-seed: `COPY requirements.txt /tmp/requirements.txt`, `RUN pip install -r
/tmp/requirements.txt`, `RUN rm /tmp/requirements.txt`). The split copies the requirements into
the builder alone; the final stage kept the `rm`, which found nothing there and failed the
build. It is now left out of the final stage; an `rm` of anything else, or after a COPY that
may have brought the file back, stays."""

from __future__ import annotations

from pathlib import Path

from helpers import multi_stage_final

REQUIREMENTS = "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n"
CMD = 'CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n'


def test_a_separate_rm_of_the_copied_requirements_is_dropped(tmp_path: Path) -> None:
    final, notes = multi_stage_final(
        tmp_path,
        "FROM python:3.11-slim\n"
        "COPY requirements.txt /tmp/requirements.txt\n"
        "RUN pip install -r /tmp/requirements.txt\n"
        "RUN rm /tmp/requirements.txt\n"
        "WORKDIR /app\nCOPY . /app\n" + CMD,
        REQUIREMENTS,
    )
    assert "rm /tmp/requirements.txt" not in final
    assert any(
        "`rm /tmp/requirements.txt` left out of the final stage" in n and "(line 2)" in n
        for n in notes
    )


def test_a_relative_rm_goes_and_the_rest_of_its_run_stays(tmp_path: Path) -> None:
    final, _ = multi_stage_final(
        tmp_path,
        "FROM python:3.11-slim\nWORKDIR /app\n"
        "COPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n"
        "RUN rm requirements.txt && useradd app\n"
        "COPY . /app\n" + CMD,
        REQUIREMENTS,
    )
    assert "rm requirements.txt" not in final
    assert "RUN useradd app" in final


def test_a_copy_into_a_directory_counts(tmp_path: Path) -> None:
    # `COPY requirements.txt /tmp` puts the file in /tmp, a directory the image has.
    final, _ = multi_stage_final(
        tmp_path,
        "FROM python:3.11-slim\n"
        "COPY requirements.txt /tmp\n"
        "RUN pip install -r /tmp/requirements.txt\n"
        "RUN rm -rf /tmp/requirements.txt\n"
        "WORKDIR /app\nCOPY . /app\n" + CMD,
        REQUIREMENTS,
    )
    assert "rm -rf /tmp/requirements.txt" not in final


def test_an_rm_after_the_source_copy_stays(tmp_path: Path) -> None:
    # taigaio/taiga-back's shape: `COPY . .` brings requirements.txt back before the rm.
    final, notes = multi_stage_final(
        tmp_path,
        "FROM python:3.11-slim\nWORKDIR /app\n"
        "COPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n"
        "COPY . /app\n"
        "RUN rm requirements.txt\n" + CMD,
        REQUIREMENTS,
    )
    assert "RUN rm requirements.txt" in final
    assert not any("left out of the final stage" in n for n in notes)


def test_an_rm_of_something_else_stays(tmp_path: Path) -> None:
    final, _ = multi_stage_final(
        tmp_path,
        "FROM python:3.11-slim\n"
        "COPY requirements.txt /tmp/requirements.txt\n"
        "RUN pip install -r /tmp/requirements.txt\n"
        "RUN rm -f /tmp/requirements.txt /etc/motd\n"
        "WORKDIR /app\nCOPY . /app\n" + CMD,
        REQUIREMENTS,
    )
    assert "RUN rm -f /tmp/requirements.txt /etc/motd" in final


def test_a_copied_requirements_directory_counts(tmp_path: Path) -> None:
    from helpers import materialize

    from optimizer.pipeline import optimize

    case = tmp_path / "case"
    (case / "requirements").mkdir(parents=True)
    (case / "requirements" / "base.txt").write_text(REQUIREMENTS)
    (case / "Dockerfile").write_text(
        "FROM python:3.11-slim\n"
        "COPY requirements/ /tmp/requirements/\n"
        "RUN pip install -r /tmp/requirements/base.txt\n"
        "RUN rm -r /tmp/requirements\n"
        "WORKDIR /app\nCOPY . /app\n" + CMD
    )
    root = materialize(case, tmp_path / "ctx")
    final = optimize(root / "Dockerfile", root, only=["multi-stage"]).files["Dockerfile"]
    assert "AS builder" in final
    assert "rm -r /tmp/requirements" not in final
