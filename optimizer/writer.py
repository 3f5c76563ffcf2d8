"""Atomic writes: the user's files are either all the old bytes or all the new bytes.

Every file is checked before any is written (a read-only Dockerfile or a `.dockerignore` that is
a directory stops the whole write with the Dockerfile untouched), then each new text goes to a
temporary file next to its target, and only when all of them are on disk are they moved into
place. Symbolic links are written through: the link stays a link and its target gets the new
text, whether it is the Dockerfile or the `.dockerignore`. A read-only file is refused rather
than overwritten: its mode says its owner does not want it changed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from optimizer.dockerfile import Dockerfile


class WriteRefused(OSError):
    """A file cannot or must not be written; nothing was written."""


def write_files(context_dir: Path, files: dict[str, str], dockerfile_key: str) -> list[Path]:
    """Write every proposed file (keys are relative to the build context, `../` included).

    The Dockerfile is checked to parse and every target to be writable before any byte
    reaches the disk. Returns the paths as named (links, not their targets)."""
    if dockerfile_key in files:
        # Raises DockerfileError before any byte reaches the disk.
        Dockerfile.parse(files[dockerfile_key])
    named = {key: context_dir / key for key in files}
    targets = {key: check_writable(path) for key, path in named.items()}
    staged: list[tuple[str, Path]] = []
    try:
        for key, content in files.items():
            staged.append((_stage(targets[key], content), targets[key]))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
    # As named (`backend/../deploy/Dockerfile` shown as `deploy/Dockerfile`).
    return [Path(os.path.normpath(path)) for path in named.values()]


def check_writable(path: Path) -> Path:
    """The file a write to `path` lands in (links followed), or WriteRefused saying why not."""
    target = Path(os.path.realpath(path))
    shown = str(path) if target == Path(os.path.abspath(path)) else f"{path} (-> {target})"
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise WriteRefused(f"{shown}: cannot check ({exc.strerror})") from exc
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise WriteRefused(f"{shown}: is a directory, not a file; nothing written")
        if not stat.S_ISREG(st.st_mode):
            raise WriteRefused(f"{shown}: not a regular file; nothing written")
        # Root may write anything, so os.access alone would let a 0444 file be overwritten.
        if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise WriteRefused(
                f"{shown}: read-only (mode {stat.S_IMODE(st.st_mode):04o}); refused to overwrite "
                "it, nothing written (make it writable, e.g. chmod u+w, to apply the changes)"
            )
    parent = target.parent
    if not parent.is_dir():
        raise WriteRefused(f"{shown}: its directory {parent} does not exist; nothing written")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise WriteRefused(
            f"{shown}: cannot create files in {parent} (the write goes through a temporary "
            "file there); nothing written"
        )
    return target


def atomic_write(path: Path, content: str) -> None:
    """Write one file atomically (through a link to its target)."""
    target = check_writable(path)
    tmp = _stage(target, content)
    try:
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _stage(target: Path, content: str) -> str:
    """The new content in a temporary file beside `target`, with its mode and owner."""
    try:
        st: os.stat_result | None = target.stat()
    except FileNotFoundError:
        st = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".dj-optimize", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else 0o644)
        if st is not None and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            # Run as root on a user's file, keep it the user's (others cannot chown: fine).
            with contextlib.suppress(PermissionError):
                os.chown(tmp, st.st_uid, st.st_gid)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp
