"""A `ports:` entry made of variables an env file sets to nothing (optimizer/compose.py).

jafaul/lms (round 13): its compose file publishes Postgres on `${DB_PORT}:${DB_PORT}` and its
`.env.template` (read for the missing `.env`) says `DB_PORT=`. Compose refused the whole file
("No port specified: :<empty>"), so verify found no service building the Dockerfile, no
command and no database. Unset port variables were already read as a placeholder; blank ones
were not. The same file as the project's own `.env` was not copied beside the compose files
Compose re-reads, so its values were lost there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer import compose

COMPOSE = """\
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_DB: ${DB_NAME}
    ports:
      - ${DB_PORT_R13}:${DB_PORT_R13}
  web:
    build: .
    command: python manage.py runserver 0.0.0.0:${WEB_PORT_R13}
    ports:
      - "${WEB_PORT_R13}:${WEB_PORT_R13}"
    depends_on: [db]
"""


@pytest.fixture(autouse=True)
def _needs_compose() -> None:
    if not compose.compose_available() and not os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"):
        pytest.skip("docker compose is not installed")


@pytest.mark.parametrize("env_name", [".env.template", ".env"])
def test_a_port_variable_set_to_nothing_is_read_as_a_placeholder(
    tmp_path: Path, env_name: str
) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    (tmp_path / env_name).write_text(
        "DB_NAME=lms\nDB_PORT_R13=\nWEB_PORT_R13=8080\n", encoding="utf-8"
    )
    project = compose.load(tmp_path)
    assert project is not None
    assert set(project.services) == {"db", "web"}
    # The other values still come from the env file, in the copy too.
    assert project.services["web"].command[-1] == "0.0.0.0:8080"
    assert project.services["db"].environment.get("POSTGRES_DB") == "lms"
    assert any(
        "DB_PORT_R13" in n and compose.PORT_PLACEHOLDER in n for n in project.notes
    ), project.notes


def test_blank_values_are_told_from_set_ones(tmp_path: Path) -> None:
    env = tmp_path / "env"
    env.write_text(
        "A=\nB=''\nexport C=\"\"\nD=x\nE= # comment\nF='#'\n# G=\nH=0\n", encoding="utf-8"
    )
    blank = compose._blank_variables([env, tmp_path / "missing"])
    assert {"A", "B", "C", "E"} <= blank
    assert not {"D", "F", "G", "H"} & blank
