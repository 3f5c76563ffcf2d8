"""Installs a RUN spells inside a shell's script string (`bash -c "..."`, `su app -c "..."`)
are read like any other: reach1dev/react-django-docker-boilerplate fills its virtualenv with
`RUN /bin/bash -c "virtualenv .env && source .env/bin/activate && pip install -r ..."`, and the
mysqlclient of that file went unseen (slim-base then dropped the MySQL headers it compiles
with)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.deps import manager_from_commands, read_dependencies
from optimizer.shell import shell_c_script


@pytest.mark.parametrize(
    ("argv", "script"),
    [
        (["/bin/bash", "-c", "pip install x"], "pip install x"),
        (["sh", "-ec", "pip install x"], "pip install x"),
        (["bash", "-l", "-c", "pip install x"], "pip install x"),
        (["FOO=1", "bash", "-xc", "pip install x"], "pip install x"),
        (["su", "app", "-c", "pip install x"], "pip install x"),
        (["su", "-", "app", "--command=pip install x"], "pip install x"),
        (["bash", "-o", "pipefail", "-c", "pip install x"], "pip install x"),
        (["bash", "-eo", "pipefail", "-c", "pip install x"], "pip install x"),
        (["bash", "--login", "-c", "pip install x"], "pip install x"),
        (["bash", "--rcfile", "/etc/rc", "-ic", "pip install x"], "pip install x"),
        (["sh", "+o", "posix", "-c", "pip install x"], "pip install x"),
        (["bash", "-o", "pipefail", "start.sh"], None),
        (["bash", "--", "start.sh"], None),
        (["bash", "start.sh"], None),
        (["bash", "--norc", "start.sh"], None),
        (["bash", "-c"], None),
        (["python", "-c", "print(1)"], None),
        (["pip", "install", "-c", "constraints.txt"], None),
    ],
)
def test_shell_c_script(argv: list[str], script: str | None) -> None:
    assert shell_c_script(argv) == script


def test_requirements_installed_in_a_bash_script_string_are_read(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "requirements.txt").write_text("uWSGI==2.0.19\n")
    (tmp_path / "src" / "requirements.txt").write_text("Django==2.2.13\nmysqlclient==1.4.6\n")
    dockerfile = (
        "FROM python:3.7\n"
        "COPY requirements.txt /usr/src/app/\n"
        "RUN pip install -r /usr/src/app/requirements.txt\n"
        "COPY ./src/requirements.txt /srv/django/\n"
        "WORKDIR /srv/django\n"
        'RUN /bin/bash -c "virtualenv /srv/django/.env \\\n'
        "    && source /srv/django/.env/bin/activate \\\n"
        '    && pip install -r /srv/django/requirements.txt"\n'
    )
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert {"uwsgi", "django", "mysqlclient"} <= deps.packages


def test_packages_named_in_a_su_script_string_are_read(tmp_path: Path) -> None:
    dockerfile = "FROM python:3.12\nRUN su app -c 'pip install --user psycopg2==2.9.9'\n"
    assert "psycopg2" in read_dependencies(tmp_path, dockerfile_text=dockerfile).packages


def test_the_manager_inside_a_script_string_is_seen() -> None:
    assert manager_from_commands(['sh -c "poetry install --no-root"']) == "poetry"


def test_the_transforms_read_commands_inside_any_shell_script_string() -> None:
    # slim-base, non-root and dockerignore read a line's commands with line_argvs; only a bare
    # `-c` was followed, so `bash -lc "..."` / `bash -o pipefail -c "..."` hid what they run.
    from transforms.slim_base import line_argvs

    for line in (
        'bash -lc "make install && pip install -r r.txt"',
        "bash -o pipefail -c 'make install && pip install -r r.txt'",
        "su app -c 'make install && pip install -r r.txt'",
    ):
        argvs = list(line_argvs(line))
        assert ["make", "install"] in argvs
        assert ["pip", "install", "-r", "r.txt"] in argvs
