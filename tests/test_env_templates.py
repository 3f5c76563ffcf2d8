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
