"""A rewrite that answers much later after start than the original is named.

pkhorenyan/django-graphql-rabbitmq-celery-postgres: the rewrite added
`ENV PYTHONDONTWRITEBYTECODE=1` to a single-stage python:3.11-slim image (no standard-library
bytecode) whose compose command runs `migrate && runserver`; first response 9.2 s -> 18.5 s,
shown in the table, said nowhere, verdict PASS.
"""

from __future__ import annotations

from optimizer.verify import slower_start_note

BEFORE = "FROM python:3.11-slim\nCOPY . .\n"
AFTER = "FROM python:3.11-slim\nENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1\nCOPY . .\n"


def test_a_much_slower_start_is_named_with_the_bytecode_cause() -> None:
    said = slower_start_note(9.2, 18.5, BEFORE, AFTER)
    assert said is not None
    assert "18.5 s after start, the original 9.2 s (2.0 times as long)" in said
    assert "PYTHONDONTWRITEBYTECODE" in said


def test_the_cause_is_named_only_when_the_rewrite_added_it() -> None:
    said = slower_start_note(9.2, 18.5, AFTER, AFTER)
    assert said is not None and "PYTHONDONTWRITEBYTECODE" not in said


def test_small_or_unknown_differences_say_nothing() -> None:
    assert slower_start_note(18.1, 20.0, BEFORE, AFTER) is None  # under 1.5 times
    assert slower_start_note(1.0, 3.5, BEFORE, AFTER) is None  # under 3 s more
    assert slower_start_note(None, 18.5, BEFORE, AFTER) is None
    assert slower_start_note(9.2, None, BEFORE, AFTER) is None
    assert slower_start_note(18.5, 9.2, BEFORE, AFTER) is None  # faster
