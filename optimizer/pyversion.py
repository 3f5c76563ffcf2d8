"""The Python version a project declares: one reader for `init` and the pin-python transform.

Where it comes from, in the order it counts: in the build context's root, then beside manage.py,
`.python-version` (pyenv, uv: the first line naming a CPython 3.X, `#` comments dropped),
`runtime.txt` (Heroku's `python-3.11.4`), Pipfile `[requires]` `python_full_version` then
`python_version`, pyproject's `requires-python` or else Poetry's `python` dependency (a range).

What a declaration resolves to is the caller's policy (`Policy`): which minors a range may pick
(the newest it allows wins), which exact versions count, and whether a range no candidate fits
falls back to the first version it names. The first declaration that resolves wins; one that
does not under the policy is passed over for the next.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from optimizer.context import manifest_dirs

# `3.11`, `3.11.4`, `cpython-3.12.1`, `python3.11`, `python-3.10.4`: CPython 3 only.
_EXACT = re.compile(r"^(?:cpython-|python-?)?3\.(\d+)")
_NAMED = re.compile(r"3\.(\d+)")
_CLAUSE = re.compile(r"^(~=|===|==|!=|<=|>=|<|>|\^|~|=)?\s*v?(\d+(?:\.\d+){0,2})(\.\*)?$")
_PATCHES = range(40)  # a minor "allows" a range when some 3.X.<patch> below this satisfies it

POETRY_PYTHON = "[tool.poetry.dependencies] python"  # the key of Poetry's declaration

Clause = tuple[str, tuple[int, ...], bool]


@dataclass(frozen=True)
class Declaration:
    """One place that states the project's Python, as written there."""

    path: str  # context-relative file: ".python-version", "backend/pyproject.toml"
    key: str  # where in it: "" (the line), "python_version", "requires-python", POETRY_PYTHON
    value: str  # "3.11.9", "python-3.10.4", ">=3.8,<3.12"
    is_range: bool = False  # pyproject's specifiers; the other files name one version


@dataclass(frozen=True)
class Policy:
    """How a caller turns a declaration into a minor."""

    range_minors: Sequence[int]  # what a range may resolve to; the newest it allows wins
    exact_minors: range | None = None  # which minors an exact version may name (None: any)
    named_fallback: bool = False  # an unmet or unreadable range: the first 3.X it names


def declarations(read: Callable[[str], str | None], project_dir: str) -> Iterator[Declaration]:
    """Every declaration in the order it counts; `read` gives a context-relative file's text
    (None when absent or unreadable)."""
    prefixes = ["" if d == "." else d + "/" for d in manifest_dirs(project_dir)]
    for prefix in prefixes:
        text = _text(read, prefix + ".python-version")
        for line in (text or "").splitlines():
            line = line.split("#", 1)[0].strip()
            if exact_minor(line) is not None:
                yield Declaration(prefix + ".python-version", "", line)
                break
        text = _text(read, prefix + "runtime.txt")
        line = text.strip().splitlines()[0].strip() if text and text.strip() else ""
        if line.startswith("python-"):
            yield Declaration(prefix + "runtime.txt", "", line)
        requires = _toml(read, prefix + "Pipfile").get("requires")
        if isinstance(requires, dict):
            for key in ("python_full_version", "python_version"):
                value = requires.get(key)
                if isinstance(value, str):
                    yield Declaration(prefix + "Pipfile", key, value)
        pyproject = _toml(read, prefix + "pyproject.toml")
        project = pyproject.get("project")
        spec = project.get("requires-python") if isinstance(project, dict) else None
        key = "requires-python"
        if not isinstance(spec, str):
            tool = pyproject.get("tool")
            poetry = tool.get("poetry") if isinstance(tool, dict) else None
            deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
            spec = deps.get("python") if isinstance(deps, dict) else None
            key = POETRY_PYTHON
        if isinstance(spec, str):
            yield Declaration(prefix + "pyproject.toml", key, spec, is_range=True)


def declared_minor(
    read: Callable[[str], str | None], project_dir: str, policy: Policy
) -> tuple[int, Declaration] | None:
    """(minor, where it is declared) of the first declaration that resolves under `policy`."""
    for declaration in declarations(read, project_dir):
        minor = resolve(declaration, policy)
        if minor is not None:
            return minor, declaration
    return None


def resolve(declaration: Declaration, policy: Policy) -> int | None:
    if not declaration.is_range:
        minor = exact_minor(declaration.value)
        if minor is None or (policy.exact_minors is not None and minor not in policy.exact_minors):
            return None
        return minor
    allowed = newest_minor(declaration.value, policy.range_minors)
    if allowed is None and policy.named_fallback:
        # A range none of the candidates satisfies (>=3.14): the first version it names.
        named = _NAMED.search(declaration.value)
        return int(named[1]) if named else None
    return allowed


def exact_minor(value: str) -> int | None:
    """11 for "3.11.4", "cpython-3.11", "python-3.11.4"; None when no CPython 3.X is named."""
    match = _EXACT.match(value.strip())
    return int(match[1]) if match else None


def newest_minor(spec: str, minors: Sequence[int]) -> int | None:
    """The newest of `minors` some 3.X release of which a PEP 440 or Poetry range allows
    (`>=3.8,<3.12`, `~=3.10`, `^3.11`, `>=3.8 <3.12`, `^3.8 || ^3.11`); None when none does or
    the range cannot be read."""
    alternatives = [a for a in spec.split("||") if a.strip()]
    for minor in sorted(minors, reverse=True):
        for alternative in alternatives:
            clauses = _clauses(alternative)
            if clauses is None:
                return None
            if _series_allowed(clauses, 3, minor):
                return minor
    return None


def _series_allowed(clauses: list[Clause], major: int, minor: int) -> bool:
    """Whether some MAJOR.MINOR.<patch> release satisfies every clause of one alternative."""
    return any(all(_holds(c, (major, minor, p)) for c in clauses) for p in _PATCHES)


def _clauses(text: str) -> list[Clause] | None:
    found: list[Clause] = []
    # Clauses are separated by commas (PEP 440) or spaces (Poetry); `>= 3.11` is one clause.
    tokens: list[str] = []
    for token in text.replace(",", " ").split():
        if tokens and tokens[-1].strip("<>=!~^") == "":
            tokens[-1] += token
        else:
            tokens.append(token)
    for raw in tokens:
        if raw == "*":
            continue
        match = _CLAUSE.match(raw)
        if not match:
            return None
        op = match[1] or "=="
        version = tuple(int(p) for p in match[2].split("."))
        wildcard = bool(match[3])
        if op == "^":  # Poetry: ^3.10 = >=3.10,<4
            found += [(">=", version, False), ("<", (version[0] + 1,), False)]
        elif op == "~":  # Poetry: ~3.10 = >=3.10,<3.11
            upper = (version[0], version[1] + 1) if len(version) > 1 else (version[0] + 1,)
            found += [(">=", version, False), ("<", upper, False)]
        else:
            found.append(("==" if op in {"=", "==="} else op, version, wildcard))
    return found


def _holds(clause: Clause, version: tuple[int, int, int]) -> bool:
    op, want, wildcard = clause
    padded = (*want, 0, 0)[:3]
    if op == "==":
        # `==3.11` strictly means 3.11.0; people (and Poetry's bare `3.11`) mean the series.
        return version[: len(want)] == want if wildcard or len(want) < 3 else version == padded
    if op == "!=":
        return not _holds(("==", want, wildcard), version)
    if op == ">=":
        return version >= padded
    if op == ">":
        return version > padded
    if op == "<=":
        return version <= padded
    if op == "<":
        return version < padded
    if op == "~=":
        return version >= padded and version[: len(want) - 1] == want[:-1]
    return False


def _text(read: Callable[[str], str | None], path: str) -> str | None:
    text = read(path)
    return text.removeprefix("\ufeff") if text is not None else None


def _toml(read: Callable[[str], str | None], path: str) -> dict[str, object]:
    text = _text(read, path)
    if text is None:
        return {}
    import tomllib  # only projects with a Pipfile or pyproject.toml need the parser

    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return {}


# Django feature release -> the newest Python minor it supports (Django's own FAQ, "What Python
# version can I use with Django?", at each release's last patch). A project that pins an old
# Django and declares no Python does not run on today's newest: Django 2.2 imports `cgi`, which
# Python 3.13 removed, and the gunicorn of its day fails on 3.12 (`gunicorn.six.moves`).
DJANGO_NEWEST_PYTHON: dict[tuple[int, int], int] = {
    (1, 8): 5, (1, 9): 5, (1, 10): 5, (1, 11): 7, (2, 0): 7, (2, 1): 7, (2, 2): 9,
    (3, 0): 9, (3, 1): 9, (3, 2): 10,
    (4, 0): 10, (4, 1): 11, (4, 2): 12, (5, 0): 12, (5, 1): 13, (5, 2): 14, (6, 0): 14,
}


def django_newest_minor(spec: str | None) -> tuple[int, str] | None:
    """(the newest Python 3 minor, the Django series) for the newest Django release a version
    specifier allows: `==2.2.10` -> (9, "2.2"), `>=3.0,<4.0` -> (10, "3.2"). None when it
    allows a release newer than the table (no cap), says nothing, or cannot be read."""
    if not spec:
        return None
    newest = max(DJANGO_NEWEST_PYTHON)
    # A release past the table (6.1, 7.0) allowed means a Django this does not know: no cap.
    series = [(newest[0] + 1, 0), (newest[0], newest[1] + 1), *sorted(DJANGO_NEWEST_PYTHON)[::-1]]
    alternatives: list[list[Clause]] = []
    for text in (a for a in spec.split("||") if a.strip()):
        clauses = _clauses(text)
        if clauses is None:
            return None
        alternatives.append(clauses)
    for major, minor in series:
        if any(_series_allowed(clauses, major, minor) for clauses in alternatives):
            cap = DJANGO_NEWEST_PYTHON.get((major, minor))
            return None if cap is None else (cap, f"{major}.{minor}")
    return None
