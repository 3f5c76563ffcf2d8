"""Atomic writes: the user's file is either the old bytes or the new bytes, never half of each."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from optimizer.dockerfile import Dockerfile


def write_files(context_dir: Path, files: dict[str, str], dockerfile_key: str) -> list[Path]:
    """Write every proposed file; the Dockerfile is checked to parse before anything is written."""
    if dockerfile_key in files:
        # Raises DockerfileError before any byte reaches the disk.
        Dockerfile.parse(files[dockerfile_key])
    written: list[Path] = []
    for key, content in files.items():
        path = context_dir / key
        atomic_write(path, content)
        written.append(path)
    return written


def atomic_write(path: Path, content: str) -> None:
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dj-optimize", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
