"""multi-stage: the official images' `find /usr/local ... -name '*.pyc' ... -exec rm` that a
RUN runs after its `pip install` (sweep26: dantium/django-docker-tailwind, jaimebuelta/django-
docker-template) stays with the install in the builder. Before, the split kept it in the final
stage's copy of that RUN, after the standard library's bytecode step: it deleted what the step
had compiled, and every start compiled the standard library again."""

from __future__ import annotations

from pathlib import Path

from helpers import PYC_RECIPE_DOCKERFILE, multi_stage_final

REQUIREMENTS = "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n"
RECIPE = PYC_RECIPE_DOCKERFILE.replace("FROM python:3.11-slim\n", "FROM python:3.11\n")


def test_the_install_cleanup_stays_in_the_builder(tmp_path: Path) -> None:
    final, _ = multi_stage_final(tmp_path, RECIPE, REQUIREMENTS)
    assert "compileall" in final  # the standard library's step
    assert "find /usr/local" not in final, final


def test_a_find_of_something_else_goes_on(tmp_path: Path) -> None:
    text = RECIPE.replace("-name '*.pyc' -o -name '*.pyo'", "-name '*.log'")
    final, _ = multi_stage_final(tmp_path, text, REQUIREMENTS)
    assert "find /usr/local" in final
