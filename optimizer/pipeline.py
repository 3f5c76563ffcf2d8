"""Load, inspect, transform, render: everything between the command line and the disk.

The pipeline never writes. It returns the new text of every file it would change, so the CLI can
diff it, verify it, and only then write it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.context import DjangoProject
from optimizer.dockerfile import Dockerfile, DockerfileError
from optimizer.project import inspect_project
from transforms import ALL, by_name
from transforms.base import Context, Options, Transform


class OptimizeError(Exception):
    """Bad input: one clear message for the user, exit status 2."""


@dataclass
class Change:
    transform: str
    notes: list[str]
    # The Dockerfile as this transform saw it: its notes' "line N" count lines of this text,
    # which earlier transforms may have shifted (output.py maps them back to the original).
    seen: str | None = None


@dataclass
class Outcome:
    dockerfile_path: Path
    context_dir: Path
    project: DjangoProject
    original: dict[str, str | None]  # context-relative path -> current content (None: absent)
    files: dict[str, str]  # context-relative path -> proposed content, only files that change
    changes: list[Change] = field(default_factory=list)
    skipped: list[Change] = field(default_factory=list)

    @property
    def dockerfile_key(self) -> str:
        return self.dockerfile_path.resolve().relative_to(self.context_dir.resolve()).as_posix()

    @property
    def changed(self) -> bool:
        return bool(self.files)

    def diff(self) -> str:
        chunks: list[str] = []
        for key, new in self.files.items():
            old = self.original.get(key)
            chunks.extend(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile=f"a/{key}" if old is not None else "/dev/null",
                    tofile=f"b/{key}",
                )
            )
        return "".join(c if c.endswith("\n") else c + "\n" for c in chunks)


def select(only: Sequence[str] = (), skip: Sequence[str] = ()) -> list[Transform]:
    known = {t.name for t in ALL}
    for name in [*only, *skip]:
        if name not in known:
            raise OptimizeError(
                f"unknown transform {name!r}; known: {', '.join(t.name for t in ALL)}"
            )
    chosen = [by_name(n) for n in only] if only else list(ALL)
    # Keep the pipeline's order whatever order --only named them in.
    order = [t.name for t in ALL]
    chosen.sort(key=lambda t: order.index(t.name))
    return [t for t in chosen if t.name not in skip]


def load(dockerfile_path: Path) -> str:
    if not dockerfile_path.exists():
        raise OptimizeError(f"{dockerfile_path}: no such file")
    if dockerfile_path.is_dir():
        raise OptimizeError(f"{dockerfile_path}: is a directory, not a Dockerfile")
    try:
        return dockerfile_path.read_bytes().decode("utf-8")
    except PermissionError as exc:
        raise OptimizeError(f"{dockerfile_path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise OptimizeError(f"{dockerfile_path}: not UTF-8 text") from exc
    except OSError as exc:
        raise OptimizeError(f"{dockerfile_path}: cannot read ({exc})") from exc


def optimize(
    dockerfile_path: Path,
    context_dir: Path | None = None,
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    options: Options | None = None,
) -> Outcome:
    transforms = select(only, skip)
    text = load(dockerfile_path)
    context_dir = context_dir if context_dir is not None else dockerfile_path.parent
    if not context_dir.is_dir():
        raise OptimizeError(f"{context_dir}: the build context is not a directory")
    try:
        dockerfile = Dockerfile.parse(text)
    except DockerfileError as exc:
        raise OptimizeError(f"{dockerfile_path}: {exc}") from exc

    try:
        project = inspect_project(context_dir, text)
    except OSError as exc:
        raise OptimizeError(f"{context_dir}: cannot read the project ({exc})") from exc
    if not project.is_django:
        raise OptimizeError(
            f"{context_dir}: no Django project here (no manage.py or settings module found); "
            "use --context to point at the project the Dockerfile builds"
        )

    try:
        rel = dockerfile_path.resolve().relative_to(context_dir.resolve()).as_posix()
    except ValueError:
        rel = dockerfile_path.name
    ctx = Context(project, context_dir, options or Options(), rel)
    outcome = Outcome(dockerfile_path, context_dir, project, {rel: text}, {})
    for transform in transforms:
        seen = dockerfile.render()
        result = transform.apply(dockerfile, ctx)
        new_text = result.dockerfile.render()
        changed_files = {k: v for k, v in result.files.items() if v != ctx.read(k)}
        if new_text != seen or changed_files:
            try:
                # Every intermediate result must parse, so a broken transform fails loudly here.
                dockerfile = Dockerfile.parse(new_text)
            except DockerfileError as exc:
                raise OptimizeError(
                    f"internal error: {transform.name} produced an unparseable Dockerfile ({exc})"
                ) from exc
            outcome.changes.append(Change(transform.name, result.notes or ["changed"], seen))
            ctx.files.update(changed_files)
        if result.skipped:
            outcome.skipped.append(Change(transform.name, result.skipped, seen))

    final = dockerfile.render()
    if final != text:
        outcome.files[rel] = final
    for key, content in ctx.files.items():
        current = ctx.read_disk(key)
        outcome.original[key] = current
        if content != current:
            outcome.files[key] = content
    return outcome
