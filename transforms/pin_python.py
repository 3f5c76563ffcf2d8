"""pin-python: an untagged `FROM python` (or `python:latest`) pinned to the project's Python.

Why: `python` means whatever Python was newest on the day of the build, so the same Dockerfile
builds a different interpreter next year and breaks when a dependency has no wheel for it yet
(hadolint DL3006, DL3007). The project usually says which Python it runs on; the tag should
agree, and the other transforms (slim-base) need a version to work with.

Where the version comes from, first found wins (optimizer/pyversion.py, shared with `init`):
`.python-version` (pyenv, uv), `runtime.txt` (`python-3.11.4`, Heroku), Pipfile `[requires]
python_full_version` / `python_version`, pyproject `requires-python` or Poetry's `python`
dependency. A file in the build context's root is read first, then one beside manage.py. Only
the minor is pinned (`python:3.11`): patch releases are fixes the image should keep receiving. A
range pins the highest minor it allows, up to NEWEST_MINOR (an untagged image meant "the
newest", a range bounds how new); a version older than 3.6, or a range that allows none of
3.6-NEWEST_MINOR, is passed over for the next declaration; nothing declared, or a declaration
this cannot read, leaves the FROM alone with a note.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.dockerfile import Dockerfile, official_python_name
from transforms.base import Context, NotesTransform, Result
from transforms.raw_edit import Edit, apply_edits

# The newest Python minor with official images this tool is tested against.
NEWEST_MINOR = 13
_OLDEST_MINOR = 6
# What a range may pin (the newest it allows wins) and which exact minors count.
_RANGE_MINORS = tuple(range(_OLDEST_MINOR, NEWEST_MINOR + 1))
_EXACT_MINORS = range(_OLDEST_MINOR, 100)


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
    return official_python_name(reference.lower())


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
    """The minor the project declares (optimizer/pyversion.py reads it), under this transform's
    policy: a range pins the newest minor from 3.6 to NEWEST_MINOR it allows, an exact version
    counts from 3.6 up; a declaration outside that is passed over for the next."""
    # Imported here: only a Dockerfile with an untagged `FROM python` needs the reader.
    from optimizer.pyversion import Policy, declared_minor

    found = declared_minor(
        ctx.read_disk, ctx.project.project_dir, Policy(_RANGE_MINORS, _EXACT_MINORS)
    )
    if found is None:
        return None
    minor, where = found
    if where.key:
        return Declared(minor, f"{where.path} {where.key} = {where.value!r}")
    return Declared(minor, f"{where.path}: {where.value}")


def highest_minor(spec: str) -> int | None:
    """The highest 3.X (X <= NEWEST_MINOR) a PEP 440 or Poetry specifier allows, or None."""
    from optimizer.pyversion import newest_minor

    return newest_minor(spec, _RANGE_MINORS)
