"""The template of a missing env file kept in a tree of templates (optimizer/compose.py
example_for with `top`, _tree_example; RunPlan.template_hint's `cp`).

cookiecutter-django's compose files read `.envs/.local/.django` and `.envs/.local/.postgres`,
which projects often leave uncommitted and commit as a template tree: `.envs.example/.local/
.django` (15 repositories in the code index), `.envs/.example/.django`, or
ElmurodovJavohir/price-parser's `.envs/env.example/.django` and `.postgres`. Verify looked for a
template only beside the missing file, read it as empty ("env file .envs/.local/.django not
found: read as empty") and the settings had no database URL or secret key; and the hint's `cp`
named `.env` beside the template whatever file was missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer import compose
from optimizer.compose import example_for
from optimizer.verify.runplan import RunPlan


def _write(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("DATABASE_URL=postgres://u:p@postgres:5432/db\n")


def test_templates_in_a_tree_beside_or_above_the_missing_file(tmp_path: Path) -> None:
    _write(tmp_path, ".envs.example/.local/.django")
    assert example_for(tmp_path / ".envs/.local/.django", tmp_path) == (
        tmp_path / ".envs.example/.local/.django"
    )
    # Only with the project's directory to stay below; another env file's template is not it.
    assert example_for(tmp_path / ".envs/.local/.django") is None
    assert example_for(tmp_path / ".envs/.local/.postgres", tmp_path) is None
    other = tmp_path / "other"
    _write(other, ".envs/env.example/.django", ".envs/.example/.postgres", ".envs/.local/.x")
    assert example_for(other / ".envs/.local/.django", other) == (
        other / ".envs/env.example/.django"
    )
    assert example_for(other / ".envs/.local/.postgres", other) == (
        other / ".envs/.example/.postgres"
    )
    # An environment's committed directory is no template of another's.
    assert example_for(other / ".envs/.production/.x", other) is None
    # Nothing above the project: a neighbour named like a template is another project.
    _write(tmp_path, "app.example/.env")
    (tmp_path / "app").mkdir()
    assert example_for(tmp_path / "app/.env", tmp_path / "app") is None


def test_compose_reads_it_and_the_hint_copies_it_to_the_missing_file(tmp_path: Path) -> None:
    if not compose.compose_available() and not os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"):
        pytest.skip("docker compose is not installed")
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  django:\n"
        "    build: .\n"
        "    env_file: [./.envs/.local/.django]\n"
    )
    _write(tmp_path, ".envs/env.example/.django")
    loaded = compose.load(tmp_path)
    assert loaded is not None
    assert loaded.services["django"].environment["DATABASE_URL"].startswith("postgres://")
    assert loaded.templates == (".envs/env.example/.django",)
    assert loaded.copies == ((".envs/env.example/.django", ".envs/.local/.django"),)
    assert (
        "env file .envs/.local/.django not found: read .envs/env.example/.django in its place"
        in loaded.notes
    )
    plan = RunPlan(
        templates=loaded.templates,
        blank_template_values=("SECRET_KEY",),
        template_copies=loaded.copies,
    )
    hint = plan.template_hint()
    assert hint is not None
    assert "`cp .envs/env.example/.django .envs/.local/.django`" in hint
    # A plain .env template keeps its `cp`.
    plan = RunPlan(templates=(".env.example",), blank_template_values=("SECRET_KEY",))
    assert "`cp .env.example .env`" in (plan.template_hint() or "")
