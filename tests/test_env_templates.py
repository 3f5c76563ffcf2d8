"""Which committed file stands in for a missing env file (optimizer/compose.example_for)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.compose import example_for


@pytest.mark.parametrize(
    "template",
    [".env.example", "env.example", "example.env", ".env.sample", "env_example", ".env_example",
     ".env-sample", "env-template", "example_env"],
)
def test_a_committed_template_of_dot_env_is_found(tmp_path: Path, template: str) -> None:
    # dastankg/orimi commits `env_example` beside its compose file's `env_file: .env`: verify
    # read .env as empty and the database had no password.
    (tmp_path / template).write_text("A=1\n", encoding="utf-8")
    assert example_for(tmp_path / ".env") == tmp_path / template


def test_no_template_and_the_dotted_name_first(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\n", encoding="utf-8")
    (tmp_path / "envfile").write_text("A=1\n", encoding="utf-8")
    assert example_for(tmp_path / ".env") is None  # the file itself is no template of it
    (tmp_path / "env_example").write_text("A=1\n", encoding="utf-8")
    (tmp_path / ".env.example").write_text("A=1\n", encoding="utf-8")
    assert example_for(tmp_path / ".env") == tmp_path / ".env.example"
    # A named env file: `.envs/.django` -> `.envs/.django_sample`.
    (tmp_path / ".django_sample").write_text("A=1\n", encoding="utf-8")
    assert example_for(tmp_path / ".django") == tmp_path / ".django_sample"


@pytest.mark.parametrize(
    ("env", "template"),
    [(".env", ".env-SAMPLE"), (".env", ".envFileExample"), (".env.prod", ".env.prod.exmp"),
     (".env", "ENV.EXAMPLE"), (".env", ".env.Example")],
)
def test_a_template_named_in_another_case_or_word_is_found(
    tmp_path: Path, env: str, template: str
) -> None:
    # grumatic/cur_extractor_admin commits `.env-SAMPLE`, xorazmiy1996/Django-Web-Framework
    # `.envFileExample`, Exillite/fitclub `.env.prod.exmp` beside compose's `env_file`:
    # none was read, so verify ran the app with none of their values and named no template.
    (tmp_path / template).write_text("A=1\n", encoding="utf-8")
    assert example_for(tmp_path / env) == tmp_path / template


def test_another_files_template_is_not_taken_loosely(tmp_path: Path) -> None:
    # `.env.prod.exmp` is the production file's template, not `.env`'s; `.envrc` no template.
    for name in (".env.prod.exmp", ".env.prod.db.exmp", ".envrc", "environment.py"):
        (tmp_path / name).write_text("A=1\n", encoding="utf-8")
    assert example_for(tmp_path / ".env") is None
    assert example_for(tmp_path / ".env.prod") == tmp_path / ".env.prod.exmp"
