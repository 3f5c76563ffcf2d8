"""multi-stage keeps in the final stage the build tools its own RUNs after the install call
(django-oscar/django-oscar: `RUN make install` after `pip3 install`). A first run left the full
image single-stage (nothing to leave behind), slim-base added `apt-get install make`, and a
second run split make off into the builder: not idempotent, and the final stage's
`make install` would have failed."""

from __future__ import annotations

from pathlib import Path

from helpers import write_skeleton

from optimizer.pipeline import optimize

OSCAR_LIKE = """\
FROM python:3.12
ENV PYTHONUNBUFFERED 1
COPY ./requirements.txt /requirements.txt
RUN pip3 install -r /requirements.txt
COPY . /app
WORKDIR /app
RUN make install
CMD uwsgi --ini uwsgi.ini
"""


def _project(root: Path, dockerfile: str, requirements: str) -> Path:
    write_skeleton(root)
    (root / "Dockerfile").write_text(dockerfile)
    (root / "requirements.txt").write_text(requirements)
    (root / "Makefile").write_text("install:\n\tpython -m pip --version\n")
    return root


def _write(root: Path) -> str:
    outcome = optimize(root / "Dockerfile", root)
    for rel, text in outcome.files.items():
        (root / rel).write_text(text)
    return (root / "Dockerfile").read_text()


def test_make_called_after_the_install_is_not_split_off_and_the_rewrite_is_stable(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path, OSCAR_LIKE, "Django==5.1.4\ngunicorn==23.0.0\n")
    first = _write(root)
    assert "AS builder" not in first
    assert "make" in first.split("RUN make install")[0]  # slim-base installs make before it
    assert optimize(root / "Dockerfile", root).files == {}


def test_split_for_a_compiler_keeps_make_in_the_final_stage(tmp_path: Path) -> None:
    dockerfile = OSCAR_LIKE.replace(
        "COPY ./requirements.txt",
        "RUN apt-get update && apt-get install -y gcc libpq-dev make\nCOPY ./requirements.txt",
    ).replace("python:3.12", "python:3.12-slim")
    root = _project(tmp_path, dockerfile, "Django==5.1.4\nuwsgi==2.0.28\npsycopg2==2.9.10\n")
    text = _write(root)
    builder, final = text.split("\n# Runtime image")
    assert "AS builder" in builder and "libpq-dev" in builder
    assert "libpq-dev" not in final
    apt_final = next(line for line in final.splitlines() if "apt-get install" in line)
    assert " make" in apt_final and "gcc" not in apt_final
    assert optimize(root / "Dockerfile", root).files == {}
