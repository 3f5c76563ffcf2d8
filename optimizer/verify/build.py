"""Building each side from a scratch copy of the context, and the rebuild measurement."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import posixpath
import re
import shutil
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from optimizer.dockerfile import Dockerfile, DockerfileError, Stage


def base_image(dockerfile_text: str) -> str | None:
    """The external image the final stage builds on (following `FROM <stage>` chains)."""
    try:
        parsed = Dockerfile.parse(dockerfile_text)
    except DockerfileError:
        return None
    stages = parsed.stages()
    return parsed.resolve(parsed.lineage(stages[-1])[-1].base) if stages else None


def changed_stages(
    before_text: str | None, after_text: str | None, target: str | None
) -> tuple[list[str], list[str]]:
    """The rewrite's changed stages, split into those a build of `target` (None: the final
    stage) runs and those it does not: ([built], [not built]), each by its name (`stage 2` when
    unnamed). A stage is changed when the original has no stage of that name (of that position,
    when unnamed) with the same instructions. Both empty when a file does not parse or the
    target is not a stage of the rewrite (the build says so)."""
    try:
        old = Dockerfile.parse(before_text or "")
        new = Dockerfile.parse(after_text or "")
    except DockerfileError:
        return [], []
    built = new.stages_built(target)
    if built is None:
        return [], []

    def steps(parsed: Dockerfile, stage: Stage) -> tuple[tuple[str, str], ...]:
        return tuple((ins.keyword, ins.value) for _, ins in parsed.iter_stage(stage))

    def key(stage: Stage) -> str:
        return stage.name.lower() if stage.name else f"#{stage.index}"

    original = {key(s): steps(old, s) for s in old.stages()}
    runs = {s.index for s in built}
    inside: list[str] = []
    outside: list[str] = []
    for stage in new.stages():
        if original.get(key(stage)) != steps(new, stage):
            label = stage.name or f"stage {stage.index}"
            (inside if stage.index in runs else outside).append(label)
    return inside, outside


def copied_into_build(dockerfile_text: str | None, target: str | None, path: str) -> bool:
    """Does a build of `target` (None: the final stage) copy the context file `path` (relative
    to the context) in a stage it runs: a COPY/ADD from the context (no --from) naming it, a
    directory holding it, a pattern matching it, or the whole context? Then a change to that
    file is in the image both sides run, whatever stages the Dockerfile's own change is in
    (sakagb/django-docker: compose builds `dev`, which copies docker-entrypoint.sh, the
    script the rewrite changed; the Dockerfile's change is in `production`)."""
    try:
        parsed = Dockerfile.parse(dockerfile_text or "")
    except DockerfileError:
        return False
    built = parsed.stages_built(target)
    want = posixpath.normpath(path)
    for stage in built or []:
        for _, ins in parsed.iter_stage(stage):
            if ins.keyword not in ("COPY", "ADD") or "from" in ins.flags:
                continue
            words = ins.exec_form or ins.args.split()
            for source in words[:-1]:
                clean = posixpath.normpath(parsed.resolve(source).lstrip("/") or ".")
                if (
                    clean == "."
                    or want == clean
                    or want.startswith(clean + "/")
                    or fnmatch.fnmatchcase(want, clean)
                ):
                    return True
    return False


def pick_touch_file(root: Path) -> str | None:
    """A project source file to change for the rebuild measurement: views.py, else urls.py, else
    another .py file; never a dependency manifest (changing one reinstalls everything)."""
    skip_dirs = {".git", ".venv", "venv", "env", "node_modules", "__pycache__", ".tox", "build"}
    manifests = {"setup.py", "conftest.py"}
    rank = {"views.py": 0, "urls.py": 1, "models.py": 2}
    best: tuple[int, int, str] | None = None
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and "site-packages" not in d)
        rel_dir = Path(dirpath).relative_to(root)
        for filename in filenames:
            if not filename.endswith(".py") or filename in manifests:
                continue
            rel = (rel_dir / filename).as_posix()
            candidate = (rank.get(filename, 3), rel.count("/"), rel)
            if best is None or candidate < best:
                best = candidate
    return best[2] if best else None


def _copy_context(source: Path, target: Path) -> None:
    def special(directory: str, names: list[str]) -> list[str]:
        # Sockets and FIFOs: copying a FIFO would block, and docker cannot send them anyway.
        skipped = []
        for name in names:
            with contextlib.suppress(OSError):
                mode = os.lstat(os.path.join(directory, name)).st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                    skipped.append(name)
        return skipped

    shutil.copytree(source, target, symlinks=True, ignore=special)


def overlay_files(root: Path, files: Mapping[str, str | None], skip: str | None = None) -> None:
    """Put one side's files over its copy of the context (None: absent on that side). A file
    that replaces one keeps its mode: an edited `entrypoint.sh` must stay executable, since
    `ENTRYPOINT ["./entrypoint.sh"]` is run by the kernel, not by a shell (`permission
    denied` at start otherwise)."""
    for rel, text in files.items():
        if rel == skip:
            continue
        target = root / rel
        mode = None
        if target.is_symlink() or target.is_file():
            with contextlib.suppress(OSError):
                mode = stat.S_IMODE(target.stat().st_mode)  # a link's target's, as written
            target.unlink()
        if text is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if mode is not None:
            os.chmod(target, mode)


_BUILD_STEP = re.compile(r"^#\d+ \[(?:[\w.-]+ )? *\d+/\d+\] ")  # `[ 2/12]`: padded


def _step_lines(side: str, progress: Callable[[str], None]) -> Callable[[str], None]:
    """Forward BuildKit's step headers (`#7 [3/6] RUN pip install ...`), not every log line."""

    def forward(line: str) -> None:
        if _BUILD_STEP.match(line):
            progress(f"{side}: {line.split(' ', 1)[1][:120]}")

    return forward
