"""pin-python: an untagged `FROM python` (or `python:latest`) pinned to the project's Python.

Why: `python` means whatever Python was newest on the day of the build, so the same Dockerfile
builds a different interpreter next year and breaks when a dependency has no wheel for it yet
(hadolint DL3006, DL3007). The project usually says which Python it runs on; the tag should
agree, and the other transforms (slim-base) need a version to work with.

Where the version comes from, first found wins: `.python-version` (pyenv, uv), `runtime.txt`
(`python-3.11.4`, Heroku), Pipfile `[requires] python_version` / `python_full_version`,
pyproject `requires-python` or Poetry's `python` dependency. A file in the build context's root
is read first, then one beside manage.py. Only the minor is pinned (`python:3.11`): patch
releases are fixes the image should keep receiving. A range pins the highest minor it allows,
up to NEWEST_MINOR (an untagged image meant "the newest", a range bounds how new); nothing
declared, or a declaration this cannot read, leaves the FROM alone with a note.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from optimizer.dockerfile import Dockerfile
from transforms.base import Context, NotesTransform, Result
from transforms.raw_edit import Edit, apply_edits

# The newest Python minor with official images this tool is tested against.
NEWEST_MINOR = 13
_OLDEST_MINOR = 6
_PREFIXES = ("docker.io/library/", "library/", "docker.io/")


@dataclass(frozen=True)
class Declared:
    minor: int
    source: str  # "runtime.txt (python-3.11.4)"


class PinPython(NotesTransform):
    """Pin `FROM python` / `python:latest` to the Python minor the project declares."""

    name = "pin-python"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        skipped: list[str] = []
        declared: Declared | None = None
        looked = False
        stages = out.stages()
        for stage in stages:
            ins = out.instructions[stage.start]
            # `FROM python:${V} AS python` then `FROM python AS run`: the later `python` is the
            # earlier stage (names are case-insensitive), not the untagged image.
            if any(
                s.name and s.name.lower() == stage.base.lower() and s.index < stage.index
                for s in stages
            ):
                continue
            resolved = out.resolve(stage.base)
            if not _unpinned(resolved):
                continue
            if not looked:
                declared, looked = declared_python(ctx), True
            if declared is None:
                skipped.append(
                    f"line {ins.line}: {resolved} is not pinned to a Python version, and "
                    "nothing in the project declares one (.python-version, runtime.txt, Pipfile "
                    "python_version, requires-python); left alone: tag it yourself"
                )
                continue
            tag = f"3.{declared.minor}"
            edit = _retag(ins.value, tag)
            if edit is None:
                skipped.append(
                    f"line {ins.line}: {resolved} comes from a build argument; left alone: "
                    f"the project declares Python 3.{declared.minor} ({declared.source})"
                )
                continue
            out.instructions[stage.start] = apply_edits(ins, [edit])
            notes.append(
                f"line {ins.line}: {stage.base} -> python:{tag}: the project declares Python "
                f"{tag} ({declared.source}); an untagged image changes under you"
            )
        return Result(out, notes, skipped)


def _image_name(reference: str) -> str:
    name = reference.lower()
    for prefix in _PREFIXES:
        name = name.removeprefix(prefix)
    return name


def _unpinned(reference: str) -> bool:
    return _image_name(reference) in {"python", "python:latest"}


def _retag(value: str, tag: str) -> Edit | None:
    """The edit turning the FROM's literal image word into `<image>:<tag>`."""
    position = 0
    for word in value.split():
        at = value.index(word, position)
        position = at + len(word)
        if word.startswith("--"):
            continue
        if not _unpinned(word) or "$" in word:
            return None
        base = word[: -len(":latest")] if word.lower().endswith(":latest") else word
        return Edit(at, at + len(word), f"{base}:{tag}")
    return None


def declared_python(ctx: Context) -> Declared | None:
    project_dir = ctx.project.project_dir
    prefixes = [""] if project_dir in {"", "."} else ["", project_dir.rstrip("/") + "/"]
    for prefix in prefixes:
        for reader in (_python_version_file, _runtime_txt, _pipfile, _pyproject):
            found = reader(ctx, prefix)
            if found is not None:
                return found
    return None


def _minor_of(version: str) -> int | None:
    """3 from "3.11.4" -> 11; None for anything that is not a CPython 3.X version."""
    parts = version.strip().split(".")
    if len(parts) < 2 or parts[0] != "3" or not parts[1].isdigit():
        return None
    minor = int(parts[1])
    return minor if _OLDEST_MINOR <= minor <= 99 else None


def _python_version_file(ctx: Context, prefix: str) -> Declared | None:
    text = ctx.read_disk(prefix + ".python-version")
    if text is None:
        return None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            minor = _minor_of(line.removeprefix("cpython-").removeprefix("python"))
            return Declared(minor, f"{prefix}.python-version: {line}") if minor else None
    return None


def _runtime_txt(ctx: Context, prefix: str) -> Declared | None:
    text = ctx.read_disk(prefix + "runtime.txt")
    if text is None:
        return None
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    minor = _minor_of(line.removeprefix("python-")) if line.startswith("python-") else None
    return Declared(minor, f"{prefix}runtime.txt: {line}") if minor else None


def _toml(ctx: Context, path: str) -> dict[str, object] | None:
    text = ctx.read_disk(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return None


def _pipfile(ctx: Context, prefix: str) -> Declared | None:
    data = _toml(ctx, prefix + "Pipfile")
    requires = data.get("requires") if data else None
    if not isinstance(requires, dict):
        return None
    for key in ("python_full_version", "python_version"):
        value = requires.get(key)
        if isinstance(value, str):
            minor = _minor_of(value)
            if minor:
                return Declared(minor, f"{prefix}Pipfile {key} = {value!r}")
    return None


def _pyproject(ctx: Context, prefix: str) -> Declared | None:
    data = _toml(ctx, prefix + "pyproject.toml")
    if not data:
        return None
    project = data.get("project")
    spec = project.get("requires-python") if isinstance(project, dict) else None
    where = "requires-python"
    if not isinstance(spec, str):
        tool = data.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
        spec = deps.get("python") if isinstance(deps, dict) else None
        where = "[tool.poetry.dependencies] python"
    if not isinstance(spec, str):
        return None
    minor = highest_minor(spec)
    return Declared(minor, f"{prefix}pyproject.toml {where} = {spec!r}") if minor else None


def highest_minor(spec: str) -> int | None:
    """The highest 3.X (X <= NEWEST_MINOR) a PEP 440 or Poetry specifier allows, or None."""
    if "||" in spec or "|" in spec:
        return None
    clauses = [c.strip() for c in spec.replace(" ,", ",").split(",") if c.strip()]
    if not clauses:
        return None
    allowed = [m for m in range(_OLDEST_MINOR, NEWEST_MINOR + 1) if _allows(clauses, m)]
    return allowed[-1] if allowed else None


def _allows(clauses: list[str], minor: int) -> bool:
    return all(_clause_allows(c, minor) for c in clauses)


def _version(text: str) -> tuple[int, ...] | None:
    parts = text.strip().removesuffix(".*").split(".")
    if not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def _clause_allows(clause: str, minor: int) -> bool:
    """Does some 3.<minor>.<patch> satisfy this one clause? Unreadable clauses allow nothing."""
    for op in ("===", "==", "~=", ">=", "<=", "!=", ">", "<", "^", "~", ""):
        if clause.startswith(op):
            version = _version(clause[len(op) :])
            break
    if clause == "*":
        return True
    if version is None or version[0] != 3:
        return version is not None and (
            (op in {">", ">="} and version[0] < 3) or (op in {"<", "<="} and version[0] > 3)
        )
    wildcard = clause.endswith(".*")
    low = (3, minor, 0)
    high = (3, minor, 10**6)
    padded = version + (0,) * (3 - len(version))
    if op in {"==", "===", ""}:
        if wildcard or len(version) <= 2:
            return len(version) == 1 or version[1] == minor
        return version[1] == minor
    if op == "!=":
        return not (wildcard and len(version) == 2 and version[1] == minor)
    if op == ">=":
        return high >= padded
    if op == ">":
        return high > padded
    if op == "<=":
        return low <= padded
    if op == "<":
        return low < padded
    if op == "~=":
        # ~=3.11 means >=3.11,<4; ~=3.11.2 means >=3.11.2,<3.12.
        if len(version) <= 2:
            return high >= padded
        return high >= padded and minor == version[1]
    if op == "^":
        return high >= padded
    # Poetry's ~3.11 / ~3.11.2: >=version, same minor.
    return high >= padded and (len(version) == 1 or minor == version[1])
