"""The commands a `make TARGET` runs, read from the project's Makefile (never run).

Why: a Dockerfile's `RUN make install` or a start script's `make run` hides what runs behind a
target. cquentin48/Docker-nginx-django-react-template's backend installs with `RUN make install`
(`pip install -e .[dev]`, psycopg2 from its setup.py) and starts with `make make_migrations` and
`make run` in its entrypoint: read as the word `make`, the install and the makemigrations at
start went unseen. Only what a reader needs: rules (`a b: deps`), their tab-indented recipe
lines (`@`, `-`, `+` prefixes off, `\\` continuations joined), prerequisites' recipes first,
`$(MAKE) other` / `make other` followed a few levels down; `$(NAME)` / `${NAME}` of a plain
assignment (`NAME = v`, `:=`, `?=`, `+=`) replaced by its value, anything else (`$(shell ...)`,
a variable only the environment sets) left as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from optimizer.shell import words

_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
# `target other: prerequisites`, not an assignment (`X := y`, `X = y`, `X ?= y`).
_RULE = re.compile(r"^([^\s:=#][^:=#]*?)\s*::?(?!=)(.*)$")
# `NAME = value`, `NAME := value`, `NAME ?= value`, `NAME += more` (`override`/`export` first).
_ASSIGN = re.compile(
    r"^(?:(?:override|export)\s+)*([A-Za-z_][\w.-]*)\s*(:::=|::?=|\?=|\+=|=)\s*(.*)$"
)
_REFERENCE = re.compile(r"\$(?:\(([A-Za-z_][\w.-]*)\)|\{([A-Za-z_][\w.-]*)\})")
# make's options that take the next word as their value.
_VALUE_OPTIONS = frozenset({"-f", "--file", "--makefile", "-C", "--directory", "-I", "-j", "-l",
                            "-o", "-W", "--include-dir", "--jobs", "--load-average",
                            "--old-file", "--what-if", "--assume-old", "--assume-new"})


def make_invocation(argv: list[str]) -> tuple[list[str], str, list[str]] | None:
    """(the Makefile names to try, the directory `-C` names or "", the targets) of a `make`
    command; None for any other command."""
    if not argv or argv[0].rsplit("/", 1)[-1] not in {"make", "gmake"}:
        return None
    files: list[str] = []
    directory = ""
    targets: list[str] = []
    k = 1
    while k < len(argv):
        word = argv[k]
        if word in _VALUE_OPTIONS and k + 1 < len(argv):
            if word in {"-f", "--file", "--makefile"}:
                files.append(argv[k + 1])
            elif word in {"-C", "--directory"}:
                directory = argv[k + 1]
            k += 2
            continue
        if word.startswith("--file=") or word.startswith("--makefile="):
            files.append(word.split("=", 1)[1])
        elif word.startswith("--directory="):
            directory = word.split("=", 1)[1]
        elif not word.startswith("-") and "=" not in word:
            targets.append(word)
        k += 1
    return files or list(_MAKEFILES), directory, targets


def _logical_lines(text: str) -> Iterator[str]:
    """The Makefile's lines with `\\` continuations joined, recipe or rule alike."""
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].lstrip("\t ")
        i += 1
        yield line


def _rules(text: str) -> tuple[dict[str, tuple[list[str], list[str]]], str | None]:
    """{target: (prerequisites, recipe lines)} and the default (first) target."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    first: str | None = None
    current: list[str] = []
    for line in _logical_lines(text):
        if line.startswith("\t"):
            command = line.strip().lstrip("@-+").strip()
            for target in current:
                if command and not command.startswith("#"):
                    rules[target][1].append(command)
            continue
        match = _RULE.match(line)
        if match is None:
            if line.strip() and not line.lstrip().startswith("#"):
                current = []
            continue
        names = match.group(1).split()
        rest = match.group(2)
        inline = ""
        if ";" in rest:  # `target: deps ; command`
            rest, inline = rest.split(";", 1)
        prerequisites = [p for p in rest.split("#", 1)[0].split() if p != "|"]
        current = [n for n in names if not n.startswith(".")]
        for name in current:
            rules.setdefault(name, ([], []))
            rules[name][0].extend(prerequisites)
            if inline.strip():
                rules[name][1].append(inline.strip())
            if first is None and "%" not in name:
                first = name
    return rules, first


def _variables(text: str) -> dict[str, str]:
    """The values plain assignments outside recipes give (the last one wins, `?=` only when
    unset, `+=` appends); a value is kept as written, references expanded when used."""
    values: dict[str, str] = {}
    for line in _logical_lines(text):
        if line.startswith("\t"):
            continue
        match = _ASSIGN.match(line)
        if match is None:
            continue
        name, operator, value = match.group(1), match.group(2), match.group(3).strip()
        if operator == "?=" and name in values:
            continue
        if operator == "+=" and name in values:
            value = f"{values[name]} {value}".strip()
        values[name] = value
    return values


def _expand(command: str, values: dict[str, str], depth: int = 5) -> str:
    """`$(NAME)` / `${NAME}` replaced by what the Makefile assigns NAME, `depth` levels deep;
    references it does not assign stay as written."""
    for _ in range(depth):
        expanded = _REFERENCE.sub(
            lambda m: values.get(m.group(1) or m.group(2), m.group(0)), command
        )
        if expanded == command:
            break
        command = expanded
    return command


def recipe_commands(text: str, targets: list[str], depth: int = 3) -> list[str]:
    """The recipe lines `make TARGETS` runs from this Makefile: each target's prerequisites'
    first, then its own; the first target when none is given. Nested `$(MAKE) other` / `make
    other` lines are followed `depth` levels down, in place."""
    rules, first = _rules(text)
    values = _variables(text)
    wanted = targets or ([first] if first else [])
    found: list[str] = []
    seen: set[str] = set()

    def visit(target: str, level: int) -> None:
        if target in seen or target not in rules:
            return
        seen.add(target)
        prerequisites, commands = rules[target]
        for prerequisite in prerequisites:
            visit(prerequisite, level)
        for command in commands:
            command = _expand(command, values)
            found.append(command)
            argv = words(command.replace("$(MAKE)", "make").replace("${MAKE}", "make"))
            nested = make_invocation(argv)
            if nested is not None and level < depth:
                for inner in nested[2]:
                    visit(inner, level + 1)

    for target in wanted:
        visit(target, 0)
    return found


def make_recipe(
    argv: list[str], read: Callable[[str], str | None]
) -> tuple[str, str] | None:
    """(`make TARGET`, the commands it runs, one a line) for a `make` command whose Makefile
    `read` finds (a path as the command sees it); None otherwise."""
    invocation = make_invocation(argv)
    if invocation is None:
        return None
    files, directory, targets = invocation
    for name in files:
        path = f"{directory.rstrip('/')}/{name}" if directory else name
        if "$" in path:
            continue
        text = read(path)
        if text is not None:
            commands = recipe_commands(text, targets)
            if commands:
                return " ".join(["make", *targets]), "\n".join(commands) + "\n"
            return None
    return None
