"""`make TARGET` is read through the project's Makefile (never run): cquentin48/Docker-nginx-
django-react-template's backend installs with `RUN make install` (`pip install -e .[dev]`) and
its entrypoint runs `make make_migrations` and `make run`; read as the word `make`, the install
(psycopg2, built on the full image) and the makemigrations at start went unseen."""

from __future__ import annotations

from pathlib import Path

from optimizer.deps import read_dependencies
from optimizer.makefile import make_invocation, make_recipe, recipe_commands

MAKEFILE = """\
PYTHON ?= python
VERSION := 1.0

.PHONY: install run migrate

## the first rule is the default goal
all: install

install: deps
\t@echo installing
\tpip install -e .[dev] \\
\t    --no-deps

deps:
\t-pip install -r deploy/pins.txt

migrate:
\t./manage.py makemigrations
\t$(MAKE) collect

collect: ; ./manage.py collectstatic --noinput

run: migrate
\tgunicorn -b 0.0.0.0:8000 server.wsgi:application
"""


def test_make_invocation() -> None:
    assert make_invocation(["make", "run"]) == (
        ["GNUmakefile", "makefile", "Makefile"], "", ["run"]
    )
    assert make_invocation(["make", "-f", "docker.mk", "-C", "app", "-j4", "A=1", "x"]) == (
        ["docker.mk"], "app", ["x"]
    )
    assert make_invocation(["/usr/bin/make", "--file=m.mk", "--directory=src"]) == (
        ["m.mk"], "src", []
    )
    assert make_invocation(["cmake", "."]) is None
    assert make_invocation([]) is None


def test_recipes_prerequisites_first_prefixes_off_continuations_joined() -> None:
    assert recipe_commands(MAKEFILE, ["install"]) == [
        "pip install -r deploy/pins.txt",
        "echo installing",
        "pip install -e .[dev]  --no-deps",
    ]


def test_nested_make_inline_recipe_and_default_goal() -> None:
    assert recipe_commands(MAKEFILE, ["run"]) == [
        "./manage.py makemigrations",
        "$(MAKE) collect",
        "./manage.py collectstatic --noinput",
        "gunicorn -b 0.0.0.0:8000 server.wsgi:application",
    ]
    assert recipe_commands(MAKEFILE, [])[:2] == [
        "pip install -r deploy/pins.txt", "echo installing"
    ]
    assert recipe_commands(MAKEFILE, ["nothing"]) == []


def test_make_recipe_reads_the_makefile_the_command_names() -> None:
    files = {"Makefile": MAKEFILE, "app/docker.mk": "up:\n\tpython manage.py migrate\n"}
    assert make_recipe(["make", "collect"], files.get) == (
        "make collect", "./manage.py collectstatic --noinput\n"
    )
    assert make_recipe(["make", "-C", "app", "-f", "docker.mk", "up"], files.get) == (
        "make up", "python manage.py migrate\n"
    )
    assert make_recipe(["make", "run"], {}.get) is None
    assert make_recipe(["pip", "install", "x"], files.get) is None


def test_a_run_make_install_is_read_for_what_it_installs(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "pins.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    (tmp_path / "Makefile").write_text(MAKEFILE)
    dockerfile = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN make deps\n"
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert {"django", "psycopg2"} <= deps.packages
    assert "deploy/pins.txt" in deps.manifest_files


def test_plain_variables_are_replaced_in_recipes() -> None:
    # bubaley/production-django-docker-example: `MANAGE := python manage.py`, then
    # `$(MANAGE) makemigrations`; read as written, the makemigrations was a word `$(MANAGE)`.
    text = """\
MANAGE := python manage.py
PYTHON ?= python3
PYTHON ?= python2
PIP = $(PYTHON) -m pip
FLAGS = --no-cache-dir
FLAGS += --upgrade
log = echo $(1)

mm:
\t$(MANAGE) makemigrations
install:
\t@$(call log, installing)
\t${PIP} install $(FLAGS) -r $(REQUIREMENTS) $$HOME
"""
    assert recipe_commands(text, ["mm"]) == ["python manage.py makemigrations"]
    assert recipe_commands(text, ["install"]) == [
        "$(call log, installing)",
        "python3 -m pip install --no-cache-dir --upgrade -r $(REQUIREMENTS) $$HOME",
    ]


def test_a_recipe_names_files_from_its_makefile_directory(tmp_path: Path) -> None:
    # The Makefile beside manage.py in backend/: its `-r requirements.txt` is
    # backend/requirements.txt, not the repository root's file of the same name.
    (tmp_path / "backend").mkdir()
    (tmp_path / "requirements.txt").write_text("mkdocs==1.6.1\n")
    (tmp_path / "backend" / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    (tmp_path / "backend" / "Makefile").write_text("install:\n\tpip install -r requirements.txt\n")
    dockerfile = "FROM python:3.12\nWORKDIR /app\nCOPY backend/ .\nRUN make install\n"
    deps = read_dependencies(tmp_path, "backend", dockerfile_text=dockerfile)
    assert {"django", "psycopg2"} <= deps.packages
    assert "mkdocs" not in deps.packages
    assert "backend/requirements.txt" in deps.manifest_files
