"""Unit tests for the hygiene transforms' helpers: raw-text edits and Python version specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.dockerfile import Dockerfile
from transforms.pin_python import highest_minor
from transforms.raw_edit import Edit, apply_edits, logical_map, rewrite_commands

ROOT = Path(__file__).parent.parent
DOCKERFILES = sorted(
    [*ROOT.glob("examples/*/Dockerfile*"), *ROOT.glob("tests/golden/*/*/*Dockerfile")]
)


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_logical_map_agrees_with_the_model(path: Path) -> None:
    for ins in Dockerfile.parse(path.read_text()).instructions:
        assert ins.raw is not None
        logical, index = logical_map(ins.raw)
        assert logical == ins.value
        assert all(k < 0 or ins.raw[k] == ch for ch, k in zip(logical, index, strict=True))


def _run(text: str) -> Dockerfile:
    return Dockerfile.parse("FROM python:3.11-slim\n" + text)


def test_edits_keep_continuations_tabs_and_comment_lines() -> None:
    raw = "RUN apt-get install \\\n\t# why\n\tgcc  \\\n\tmake\n"
    ins = _run(raw).instructions[1]
    at = ins.value.index("install") + len("install")
    new = apply_edits(ins, [Edit(at, at, " -y"), Edit(len(ins.value), len(ins.value), " && x")])
    assert new.raw == "RUN apt-get install -y \\\n\t# why\n\tgcc  \\\n\tmake && x\n"
    assert new.value == "apt-get install -y gcc make && x"


def test_insertions_at_one_point_keep_their_order() -> None:
    ins = _run("RUN a\n").instructions[1]
    end = len(ins.value)
    assert apply_edits(ins, [Edit(end, end, " 1"), Edit(end, end, " 2")]).raw == "RUN a 1 2\n"


def test_deletion_across_a_line_join_edits_the_text() -> None:
    ins = _run("RUN sudo \\\n  apt-get update\n").instructions[1]
    new = apply_edits(ins, [Edit(0, len("sudo "), "")])
    assert new.value == "apt-get update"
    assert new.raw == "RUN apt-get update\n"


_COMMENTED = (
    "RUN apt-get update \\\n"
    "  # to build psycopg2\n"
    "  && apt-get install -y build-essential libpq-dev \\\n"
    "  # translations\n"
    "  && apt-get install -y gettext \\\n"
    "  && rm -rf /var/lib/apt/lists/*\n"
)


def test_rewritten_commands_keep_the_comments_of_the_commands_that_stay() -> None:
    ins = _run(_COMMENTED).instructions[1]
    new = rewrite_commands(
        ins,
        ["apt-get update", None, "apt-get install -y --no-install-recommends gettext",
         "rm -rf /var/lib/apt/lists/*"],
        append=("apt-get clean",),
    )
    assert new.raw == (
        "RUN apt-get update \\\n"
        "  # translations\n"
        "  && apt-get install -y --no-install-recommends gettext \\\n"
        "  && rm -rf /var/lib/apt/lists/* \\\n"
        "  && apt-get clean\n"
    )
    assert new.value == (
        "apt-get update && apt-get install -y --no-install-recommends gettext"
        " && rm -rf /var/lib/apt/lists/* && apt-get clean"
    )


def test_rewritten_commands_take_options_and_a_first_command() -> None:
    ins = _run(_COMMENTED).instructions[1]
    new = rewrite_commands(
        ins,
        ["apt-get update", "apt-get install -y build-essential libpq-dev",
         "apt-get install -y gettext", None],
        prefix="--mount=type=cache,target=/var/cache/apt",
        head="rm -f /etc/apt/apt.conf.d/docker-clean && echo keep",
    )
    assert new.raw == (
        "RUN --mount=type=cache,target=/var/cache/apt rm -f /etc/apt/apt.conf.d/docker-clean \\\n"
        "  && echo keep \\\n"
        "  && apt-get update \\\n"
        "  # to build psycopg2\n"
        "  && apt-get install -y build-essential libpq-dev \\\n"
        "  # translations\n"
        "  && apt-get install -y gettext\n"
    )
    assert logical_map(new.raw)[0] == new.value


def test_a_word_dropped_from_a_line_of_its_own_takes_the_line_and_its_comment() -> None:
    ins = _run(
        "RUN apt-get install -y \\\n"
        "        # the renderer shells out to it\n"
        "        curl \\\n"
        "        # only for the build\n"
        "        gcc \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    ).instructions[1]
    new = rewrite_commands(ins, ["apt-get install -y curl", "rm -rf /var/lib/apt/lists/*"])
    assert new.raw == (
        "RUN apt-get install -y \\\n"
        "        # the renderer shells out to it\n"
        "        curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )


def test_rewritten_commands_without_comments_render_a_command_a_line() -> None:
    ins = _run("RUN apt-get update; apt-get install -y gcc curl && rm -rf /x\n").instructions[1]
    new = rewrite_commands(ins, ["apt-get update", "apt-get install -y curl", None],
                           append=("apt-get clean",))
    assert new.raw is None
    # The user's `;` stays a `;`.
    assert new.value == "apt-get update; apt-get install -y curl && apt-get clean"


@pytest.mark.parametrize(
    ("spec", "minor"),
    [
        (">=3.10", 13),
        (">=3.10,<3.13", 12),
        ("~=3.11", 13),
        ("~=3.11.2", 11),
        ("==3.11.*", 11),
        ("==3.12.4", 12),
        ("^3.11", 13),
        ("~3.10", 10),
        ("3.9", 9),
        (">=3.8, !=3.13.*", 12),
        ("<3.12", 11),
        (">=2.7", 13),
        ("^3.9 || ^3.11", 13),  # Poetry's alternatives, read as init reads them
        ("banana", None),
        (">=4", None),
    ],
)
def test_highest_minor(spec: str, minor: int | None) -> None:
    assert highest_minor(spec) == minor


def test_a_line_the_edits_shortened_keeps_no_trailing_blanks() -> None:
    ins = _run(
        "RUN apt-get update \\\n"
        "    # cache cleaning:\n"
        "    && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \n"
    ).instructions[1]
    new = rewrite_commands(ins, ["apt-get update", "apt-get autoremove -y", None])
    assert new.raw == "RUN apt-get update \\\n    # cache cleaning:\n    && apt-get autoremove -y\n"
