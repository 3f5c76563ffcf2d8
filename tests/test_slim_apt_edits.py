"""slim-base's word-level apt edits: packages go inside the install command's words, never after
`||`, a pipe or a redirection; `-y` goes after `install` when the line does not answer apt."""

from __future__ import annotations

import pytest

from optimizer.dockerfile import Instruction
from transforms.raw_edit import apply_edits
from transforms.slim_base import _install_edits, _yes_edits


def _run(value: str) -> Instruction:
    return Instruction("RUN", value, (), f"RUN {value}\n", 1)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "apt-get update && apt-get install -y gettext || true",
            "apt-get update && apt-get install -y gettext gcc || true",
        ),
        (
            "apt-get update && apt-get install -y gettext 2>&1 | tee log",
            "apt-get update && apt-get install -y gettext gcc 2>&1 | tee log",
        ),
        (
            "apt-get update && apt-get install -y gettext >/dev/null",
            "apt-get update && apt-get install -y gettext gcc >/dev/null",
        ),
        (
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install gettext",
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y gettext gcc",
        ),
    ],
)
def test_packages_go_into_the_install_words(command: str, expected: str) -> None:
    ins = _run(command)
    segment = command.split(" && ", 1)[1]
    edits = _install_edits(ins, segment, ["gcc"])
    assert edits is not None
    assert apply_edits(ins, edits).value == expected


def test_a_compound_install_gets_no_edits() -> None:
    command = "if true; then apt-get install -y gettext; fi"
    assert _install_edits(_run(command), command, ["gcc"]) is None


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("apt-get install file", "apt-get install -y file"),
        ("apt-get install -qq file", "apt-get install -y -qq file"),
        ("apt-get -qy install file", "apt-get -qy install file"),
        ("apt-get install --assume-yes file", "apt-get install --assume-yes file"),
        ("DEBIAN_FRONTEND=noninteractive apt-get install file", None),
    ],
)
def test_yes_where_apt_would_ask(command: str, expected: str | None) -> None:
    ins = _run(command)
    out = apply_edits(ins, _yes_edits(ins)).value
    if expected is None:
        assert out == command.replace("install", "install -y")
    else:
        assert out == expected
