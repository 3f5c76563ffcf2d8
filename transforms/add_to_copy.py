"""add-to-copy: `ADD` of local files and directories becomes `COPY`.

Why: ADD does more than copy. A source that is a local tar archive (plain, gzip, bzip2 or xz,
recognised by its content, not its name) is unpacked at the destination, and a URL is
downloaded. For anything else COPY does the same thing and says so, and a reader (or a later
edit that drops an archive into the directory) is not surprised (hadolint DL3020).

ADD is kept, and the reason noted, for URLs and git sources, for sources that are archives
(by name: .tar, .tar.gz, .tgz, .tar.bz2, .tbz2, .tar.xz, .txz; or by their first bytes when the
file is in the build context), for sources spelled with variables (unknown until build time)
for ADD-only flags (`--checksum`, `--keep-git-dir`, `--unpack`), and for a relative destination
with no WORKDIR before it: where it lands depends on the base image, and hadolint (DL3045)
rightly flags that on COPY; the fix is a WORKDIR, which is the user's call.
"""

from __future__ import annotations

import glob
from dataclasses import replace
from pathlib import Path

from optimizer.dockerfile import Dockerfile, Instruction
from optimizer.shell import words
from transforms.base import Context, NotesTransform, Result

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")
_ADD_ONLY_FLAGS = frozenset({"checksum", "keep-git-dir", "unpack"})
# Magic numbers of what ADD unpacks: gzip, bzip2, xz; plain tar has "ustar" at offset 257.
_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


class AddToCopy(NotesTransform):
    """ADD of local files and directories -> COPY."""

    name = "add-to-copy"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        skipped: list[str] = []
        workdir_set: dict[int, bool] = {}
        for stage in out.stages():
            parent = next(
                (s for s in out.stages() if s.name and s.name.lower() == stage.base.lower()),
                None,
            )
            has_workdir = parent is not None and workdir_set.get(parent.index, False)
            for n, ins in out.iter_stage(stage):
                if ins.keyword == "WORKDIR":
                    has_workdir = True
                if ins.keyword != "ADD":
                    continue
                reason = _keep_add(ins, ctx.context_dir) or _relative_without_workdir(
                    ins, has_workdir
                )
                if reason:
                    skipped.append(f"line {ins.line}: ADD kept: {reason}")
                    continue
                out.instructions[n] = _as_copy(ins)
                notes.append(
                    f"line {ins.line}: ADD -> COPY: the sources are local files or directories, "
                    "which COPY copies the same way without ADD's unpacking and downloading"
                )
            workdir_set[stage.index] = has_workdir
        return Result(out, notes, skipped)


def _relative_without_workdir(ins: Instruction, has_workdir: bool) -> str | None:
    form = ins.exec_form
    parts = form if form is not None else words(ins.args)
    destination = parts[-1] if parts else ""
    if has_workdir or destination.startswith(("/", "$")):
        return None
    return (
        f"its destination {destination} is relative and no WORKDIR is set, so where it lands "
        "depends on the base image; set a WORKDIR (or an absolute destination) first"
    )


def _sources(ins: Instruction) -> list[str]:
    form = ins.exec_form
    parts = form if form is not None else words(ins.args)
    return parts[:-1]


def _keep_add(ins: Instruction, context_dir: Path) -> str | None:
    flags = set(ins.flags) & _ADD_ONLY_FLAGS
    if flags:
        return f"--{sorted(flags)[0]} exists only for ADD"
    if "from" in ins.flags:
        # ADD --from=stage is COPY --from in practice, but archives from a stage cannot be
        # inspected here.
        return "its sources come from another stage or image, which cannot be inspected here"
    for source in _sources(ins):
        if "://" in source or source.startswith("git@"):
            return f"{source} is downloaded by ADD"
        if "$" in source:
            return f"{source} is only known at build time (it may be an archive ADD unpacks)"
        if source.lower().endswith(ARCHIVE_SUFFIXES):
            return f"{source} is an archive, which ADD unpacks"
        for path in _matches(context_dir, source):
            if path.is_file() and _is_archive(path):
                return f"{source} is an archive ({path.name}), which ADD unpacks"
    return None


def _matches(context_dir: Path, source: str) -> list[Path]:
    rel = source.lstrip("/")
    if any(ch in rel for ch in "*?["):
        return [Path(p) for p in glob.glob(str(context_dir / rel))]
    path = context_dir / rel
    return [path] if path.exists() else []


def _is_archive(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(262)
    except OSError:
        return False
    return head.startswith(_MAGIC) or head[257:262] == b"ustar"


def _as_copy(ins: Instruction) -> Instruction:
    """The same instruction under the COPY keyword, its text otherwise untouched."""
    if ins.raw is None:
        return Instruction.new("COPY", ins.value, ins.leading)
    stripped = ins.raw.lstrip()
    lead = len(ins.raw) - len(stripped)
    raw = ins.raw[:lead] + "COPY" + stripped[len("ADD") :]
    return replace(ins, keyword="COPY", raw=raw)
