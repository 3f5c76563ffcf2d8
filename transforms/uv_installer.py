"""The builder's installs with uv instead of pip (opt-in: `--installer uv`).

Why: a cold build is what CI runs on every fresh runner, and a two-stage build with pip pays
for the venv's own copy on top of an install no faster than the original's (example 01 on the
lab: pip 10.7 s in the original, 11.6-12.1 s into the venv, where psycopg2 builds in an
isolated environment that pip fills with setuptools first). uv downloads and installs in
parallel and compiles the bytecode on every core: the same three pins installed in 7.3 s,
plus 2.2 s to install uv itself (a layer the next build reuses).

Opt-in, because uv is not pip: it reads neither pip.conf nor `PIP_*` variables, resolves
several indexes differently (the first index that has a name wins), and rejects pip options it
does not know. So the builder switches only when every install is a plain `pip install` that
uv reads the same way; otherwise it stays with pip and the note says why. The final stage is
unchanged: uv stays in the builder, the venv it fills has no pip, setuptools or wheel.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator

from optimizer.dockerfile import MOUNT_FIELD_ALIASES, Instruction
from optimizer.shell import classify, program, spec_name, split_commands
from transforms.raw_edit import rewrite_commands
from transforms.slim_base import command_word_spans

# The uv release the builder installs: pinned, so a rebuild next month installs the same
# tool (the requirements are the user's to pin; the installer is ours).
UV_VERSION = "0.13.9"
# Its wheels' Requires-Python (and the oldest interpreter it installs for).
UV_PYTHON = (3, 8)

# pip options with the same meaning in `uv pip install`, and whether they take a value.
_SAME = {
    "-r": True, "--requirement": True, "-c": True, "--constraint": True, "-e": True,
    "--editable": True, "-U": False, "--upgrade": False, "--no-deps": False, "-q": False,
    "--quiet": False, "-v": False, "--verbose": False, "--no-build-isolation": False,
    "--require-hashes": False, "--no-binary": True, "--only-binary": True,
    "--force-reinstall": False, "-f": True, "--find-links": True, "--no-index": False,
}
# pip options about pip's own output, checks and cache: nothing to do with what gets
# installed; uv rejects them, so they go.
_PIP_ONLY = {
    "--no-cache-dir": False, "--disable-pip-version-check": False,
    "--no-warn-script-location": False, "--root-user-action": True, "--progress-bar": True,
    "--no-input": False, "--default-timeout": True, "--timeout": True,
    "--no-python-version-warning": False, "--use-pep517": False, "--compile": False,
    "--exists-action": True, "--no-color": False,
}
# Options in a requirements file uv reads as pip does; any other (an index, a trusted host)
# keeps pip.
_FILE_OPTIONS = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "--hash", "-f",
     "--find-links", "--no-binary", "--only-binary", "--require-hashes"}
)
# pip settings from the environment that uv ignores (it reads UV_* instead): with one of these
# set, uv would install from somewhere else than pip did.
_HARMLESS_PIP_ENV = frozenset(
    {"PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_ROOT_USER_ACTION", "PIP_NO_INPUT",
     "PIP_DEFAULT_TIMEOUT", "PIP_PROGRESS_BAR", "PIP_NO_WARN_SCRIPT_LOCATION",
     "PIP_NO_PYTHON_VERSION_WARNING"}
)
_PIP_ENV = re.compile(r"\bPIP_[A-Z0-9_]+")
_PIP_NAMES = frozenset({"pip", "setuptools", "wheel"})


def _is_pip(argv: list[str]) -> int | None:
    """Index of `install` when argv is `pip install`, `pip3 install` or `python -m pip install`
    (after any VAR=value words), else None."""
    head = next((k for k, w in enumerate(argv) if "=" not in w), None)
    if head is None:
        return None
    name = argv[head].rsplit("/", 1)[-1]
    if re.fullmatch(r"pip3?(\.\d+)?", name) and argv[head + 1 : head + 2] == ["install"]:
        return head + 1
    if (
        re.fullmatch(r"python3?(\.\d+)?", name)
        and argv[head + 1 : head + 3] == ["-m", "pip"]
        and argv[head + 3 : head + 4] == ["install"]
    ):
        return head + 3
    return None


def _options(words: list[str], start: int) -> Iterator[tuple[str, int, int]]:
    """Each option of a pip install from words[start:] on: its name and the index of its first
    and last word (its value's, when the value is the next word). A value glued to its option
    (`--root-user-action=ignore`, `-rrequirements.txt`) is part of its word."""
    k = start
    while k < len(words):
        word = words[k]
        if not word.startswith("-") or word == "-":
            k += 1
            continue
        name = word.split("=", 1)[0] if word.startswith("--") else word
        if name not in _SAME and name not in _PIP_ONLY and name[:2] in _SAME and len(name) > 2:
            name = name[:2]  # -rrequirements.txt
        glued = name != word
        takes = _SAME.get(name, _PIP_ONLY.get(name)) and not glued
        last = min(k + 1, len(words) - 1) if takes else k
        yield name, k, last
        k = last + 1


def upgrades_only_pip(argv: list[str]) -> bool:
    """`pip install --upgrade pip [setuptools wheel]`: an upgrade of pip's own tools, which an
    install by uv does not use."""
    at = _is_pip(argv)
    if at is None:
        return False
    names = [w for w in argv[at + 1 :] if not w.startswith("-")]
    return bool(names) and all(spec_name(n) in _PIP_NAMES for n in names)


def command_blocker(argv: list[str]) -> str | None:
    """Why uv cannot run this pip install as pip would, or None."""
    at = _is_pip(argv)
    if at is None:
        return None
    for name, first, _ in _options(argv, at + 1):
        if name not in _SAME and name not in _PIP_ONLY:
            return f"`pip install {argv[first]}` has no equivalent in uv (or means something else)"
    return None


def uv_command(text: str) -> str | None:
    """One shell command for uv: `pip install ...` -> `uv pip install ...` with pip's own
    options dropped, an upgrade of pip's tools -> None (dropped), anything else as it is."""
    argv = program(text)
    if upgrades_only_pip(argv):
        return None
    if _is_pip(argv) is None or classify(text) != "deps":
        return text
    spans = command_word_spans(text)
    words = [text[a:b] for a, b in spans]
    install = _is_pip(words)
    if install is None:
        return text
    head = next(k for k, w in enumerate(words) if "=" not in w)
    # (start, end, new text), left to right: the program words, then each pip-only option with
    # its value and the space before it.
    edits = [(spans[head][0], spans[install - 1][1], "uv pip")]
    edits += [
        (spans[first - 1][1], spans[last][1], "")
        for name, first, last in _options(words, install + 1)
        if name in _PIP_ONLY
    ]
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text


def to_uv(ins: Instruction) -> Instruction | None:
    """A builder RUN with its pip installs run by uv (`uv_command`); None when nothing is left
    of it (`RUN pip install --upgrade pip`). Only the words that change are edited, so the
    user's comments between the commands stay."""
    if ins.keyword != "RUN" or ins.exec_form is not None:
        return ins
    segments = split_commands(ins.args)
    texts = [uv_command(s.text) for s in segments]
    if texts == [s.text for s in segments]:
        return ins
    if not any(texts):
        return None
    return _pip_cache_to_uv(rewrite_commands(ins, texts))


def _pip_cache_to_uv(ins: Instruction) -> Instruction:
    """The user's own `--mount=type=cache,target=/root/.cache/pip` (docker init's template)
    becomes uv's cache: left on pip's, uv had no cache that outlives a build, and a dependency
    change downloaded and built everything again (8.9 s against the template's 3.7 s)."""
    changed = ins
    for text in ins.cache_mounts("/root/.cache/pip"):
        token = f"--mount={text}"
        new = "--mount=" + ",".join(
            f"{key}=/root/.cache/uv"
            if MOUNT_FIELD_ALIASES.get(key := f.partition("=")[0], key) == "target"
            else f
            for f in text.split(",")
        )
        raw = changed.raw.replace(token, new, 1) if changed.raw is not None else None
        changed = dataclasses.replace(
            changed, value=changed.value.replace(token, new, 1), raw=raw
        )
    return changed


def blocker(
    instructions: Iterable[Instruction], installs: Iterable[Instruction], file_options: set[str]
) -> str | None:
    """Why the builder keeps pip: a pip setting uv would not read, an option it lacks.
    `file_options` are the options the requirements files set (`deps.requirement_file_options`)."""
    for ins in instructions:
        if ins.keyword in {"ENV", "ARG"}:
            names = set(_PIP_ENV.findall(ins.value)) - _HARMLESS_PIP_ENV
            if names:
                return f"{ins.keyword} {sorted(names)[0]} is a pip setting uv does not read"
        if ins.keyword in {"COPY", "ADD"} and "pip.conf" in ins.value:
            return "the image gets a pip.conf, which uv does not read"
    for ins in installs:
        for seg in split_commands(ins.args):
            why = command_blocker(program(seg.text))
            if why:
                return why
    odd = sorted(file_options - _FILE_OPTIONS)
    if odd:
        return f"a requirements file sets `{odd[0]}`, which uv reads differently"
    return None
