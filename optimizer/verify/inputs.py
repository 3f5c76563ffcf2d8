"""What each side of a verify run builds: the proposed rewrite against the file on disk, the
file on disk against a baseline (`--baseline REF` read with git, or `--baseline FILE`), or one
Dockerfile with no baseline at all (`--baseline none`, `dj-optimize init --verify`).

A side is a map of context-relative paths to the text that replaces the context's file on that
side (None: the file is absent on that side).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

GIT_TIMEOUT = 30.0


class BaselineError(Exception):
    """The baseline is neither a readable file nor a git revision holding the Dockerfile."""


# `--baseline none`: no before side; verify builds and runs the one image.
NO_BASELINE = "none"


@dataclass
class Sides:
    before: dict[str, str | None] | None  # None: no baseline, only `after` is built and run
    after: dict[str, str | None]
    dockerfile: str  # the key of the Dockerfile in both maps
    outside: bool  # the Dockerfile lives outside the build context
    description: str = ""  # what "before" is, for the report
    notes: list[str] = field(default_factory=list)


def dockerfile_key(dockerfile_path: Path, context_dir: Path) -> tuple[str, bool]:
    """The Dockerfile's context-relative path, and whether it lies outside the context (a
    `deploy/Dockerfile --context backend` layout, or a symlink out of the context): then its
    name, the key the pipeline uses for it."""
    try:
        rel = dockerfile_path.resolve().relative_to(context_dir.resolve())
    except ValueError:
        return dockerfile_path.name, True
    return rel.as_posix(), False


def rewrite_sides(
    dockerfile_path: Path,
    context_dir: Path,
    original: dict[str, str | None],
    files: dict[str, str],
) -> Sides:
    """Before: the files as they are; after: the proposed rewrite (Dockerfile and the other
    files it changes, such as .dockerignore)."""
    key, outside = dockerfile_key(dockerfile_path, context_dir)
    # The pipeline names a Dockerfile outside the context by its path from the context
    # (`../deploy/Dockerfile`); verify writes each side's next to its copy, under `key`.
    pipeline_key = next(
        (k for k in (*files, *original) if k.startswith("../") or k == key), key
    )
    before: dict[str, str | None] = {key: original.get(pipeline_key) or ""}
    after: dict[str, str | None] = {key: files.get(pipeline_key, before[key])}
    for name, content in files.items():
        if name not in (key, pipeline_key):
            after[name] = content
    return Sides(before, after, key, outside, "the Dockerfile on disk")


def alone_sides(
    dockerfile_path: Path, context_dir: Path, dockerfile_text: str, files: Mapping[str, str]
) -> Sides:
    """No baseline: only `dockerfile_text` is built (with `files`, context-relative, overlaid:
    init's .dockerignore), to show that it builds, starts and answers."""
    key, outside = dockerfile_key(dockerfile_path, context_dir)
    # The pipeline names a Dockerfile outside the context `../deploy/Dockerfile`: it is `key`.
    after: dict[str, str | None] = {k: v for k, v in files.items() if not k.startswith("../")}
    after[key] = dockerfile_text
    return Sides(None, after, key, outside, NO_BASELINE)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise BaselineError(f"cannot run git: {exc}") from exc


def _git_show(top: Path, ref: str, path: str) -> str | None:
    done = _git(top, "show", f"{ref}:{path}")
    if done.returncode != 0:
        return None
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BaselineError(f"{ref}:{path} is not UTF-8 text") from exc


def baseline_sides(spec: str, dockerfile_path: Path, context_dir: Path, current: str) -> Sides:
    """Verify the Dockerfile on disk (`current`, "after", with the context's .dockerignore as
    it is) against a baseline ("before"): a FILE, or a git revision REF read with
    `git show REF:<path>` (with the .dockerignore the context had at REF, or none if it had
    none)."""
    key, outside = dockerfile_key(dockerfile_path, context_dir)
    after: dict[str, str | None] = {key: current}
    as_file = Path(spec)
    if as_file.is_file():
        try:
            text = as_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"--baseline {spec}: cannot read ({exc})") from exc
        return Sides(
            {key: text},
            after,
            key,
            outside,
            f"the file {spec}",
            ["baseline is a file: both sides use the context's current .dockerignore"],
        )
    done = _git(dockerfile_path.resolve().parent, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise BaselineError(
            f"--baseline {spec}: no such file, and {dockerfile_path} is not in a git repository"
        )
    top = Path(done.stdout.decode("utf-8", "replace").strip())
    if _git(top, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}").returncode != 0:
        raise BaselineError(f"--baseline {spec}: neither a file nor a git revision")
    try:
        df_rel = dockerfile_path.resolve().relative_to(top.resolve()).as_posix()
        ctx_rel = context_dir.resolve().relative_to(top.resolve()).as_posix()
    except ValueError as exc:
        raise BaselineError(f"--baseline {spec}: the Dockerfile is outside {top}") from exc
    old = _git_show(top, spec, df_rel)
    if old is None:
        raise BaselineError(f"--baseline {spec}: {df_rel} does not exist at {spec}")
    ignore_rel = ".dockerignore" if ctx_rel == "." else f"{ctx_rel}/.dockerignore"
    before: dict[str, str | None] = {key: old, ".dockerignore": _git_show(top, spec, ignore_rel)}
    notes: list[str] = []
    if before[".dockerignore"] is None:
        notes.append(f"{ignore_rel} did not exist at {spec}: the baseline builds without one")
    return Sides(before, after, key, outside, f"{df_rel} at {spec}", notes)
