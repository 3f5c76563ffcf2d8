"""dockerignore: keep history, secrets and local state out of the build context.

Why: without a `.dockerignore`, `COPY . .` ships `.git` (the whole history), `.env` files
(secrets), virtualenvs built for another OS, `node_modules`, the developer's sqlite database and
media uploads, and every cache, into the image; it also makes every local change invalidate the
source layer. An existing file is extended, never rewritten: the user's lines keep their order
and meaning. Files the project's code or Dockerfile names explicitly are never excluded.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from optimizer.dockerfile import Dockerfile
from optimizer.shell import program, split_commands
from transforms.base import Context, NotesTransform, Result

HEADER = "# Added by dj-optimize: keep history, secrets and local state out of the image.\n"
# (pattern, a name it must exclude, essential?) in the order they are written. Non-essential
# patterns (tool caches, editor files) go only into a new file, not into one the user keeps.
PATTERNS: tuple[tuple[str, str, bool], ...] = (
    (".git", ".git", True),
    (".env", ".env", True),
    (".env.*", ".env.local", True),
    (".venv", ".venv", True),
    ("venv", "venv", True),
    ("**/__pycache__", "__pycache__", True),
    ("**/*.py[cod]", "views.pyc", True),
    (".pytest_cache", ".pytest_cache", False),
    (".mypy_cache", ".mypy_cache", False),
    (".ruff_cache", ".ruff_cache", False),
    (".coverage", ".coverage", False),
    ("htmlcov", "htmlcov", False),
    (".tox", ".tox", False),
    ("**/node_modules", "node_modules", True),
    ("**/*.sqlite3", "db.sqlite3", True),
    (".idea", ".idea", False),
    (".vscode", ".vscode", False),
    (".DS_Store", ".DS_Store", False),
)
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"}


class DockerIgnore(NotesTransform):
    """Write or extend .dockerignore so .git, .env*, venvs, caches and sqlite stay out."""

    name = "dockerignore"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        # BuildKit prefers <Dockerfile>.dockerignore next to the Dockerfile when it exists.
        specific = ctx.dockerfile_path + ".dockerignore"
        key = specific if ctx.read(specific) is not None else ".dockerignore"
        current = ctx.read(key)
        lines = [] if current is None else current.splitlines()
        stripped = {_norm(line) for line in lines if line.strip() and not line.startswith("#")}
        negated = {p[1:] for p in stripped if p.startswith("!")}
        if "*" in stripped or "**" in stripped:
            return Result(out, skipped=[f"{key} is an allow-list (`*` then `!` lines); left as is"])

        needed = _needed_names(dockerfile, ctx)
        wanted: list[str] = []
        kept: list[str] = []
        from fnmatch import fnmatch

        existing = [_norm(p).removeprefix("**/") for p in stripped | negated]
        for pattern, example, essential in PATTERNS:
            if current is not None and not essential:
                continue
            if any(fnmatch(example, p) for p in existing):
                continue
            if pattern == ".git" and "git" in needed:
                kept.append(".git (the build runs git)")
                continue
            wanted.append(pattern)
        extra = _project_patterns(ctx, stripped | negated)
        wanted.extend(extra)
        exceptions = sorted(
            name
            for name in needed
            if name != "git" and _excluded(name, wanted) and f"!{name}" not in stripped
        )
        # Later lines win in .dockerignore: the user's own `!x` lines must still win over ours.
        exceptions += sorted(n for n in negated if _excluded(n, wanted) and n not in exceptions)
        if not wanted:
            return Result(out)
        block = [HEADER.rstrip("\n"), *wanted, *[f"!{name}" for name in exceptions]]
        text = current or ""
        if text and not text.endswith("\n"):
            text += "\n"
        if text:
            text += "\n"
        text += "\n".join(block) + "\n"
        verb = "extended" if current is not None else "created"
        note = f"{verb} {key}: {', '.join(wanted)} stay out of the build context"
        if exceptions:
            note += f"; kept {', '.join(exceptions)}, which the project reads"
        if kept:
            note += f"; kept {', '.join(kept)}"
        return Result(out, [note], files={key: text})


def _norm(pattern: str) -> str:
    return pattern.strip().rstrip("/").removeprefix("./").removeprefix("/")


def _project_patterns(ctx: Context, present: set[str]) -> list[str]:
    """Media uploads and local virtualenvs under other names, found on disk."""
    found: list[str] = []
    media = ctx.project.media_root  # context-relative already
    if media and not media.startswith("/"):
        rel = os.path.normpath(media).replace(os.sep, "/")
        if (
            not rel.startswith("..")
            and rel != "."
            and _norm(rel) not in present
            and not _has_committed_files(ctx.context_dir, rel)
        ):
            found.append(rel)
    try:
        entries = sorted(ctx.context_dir.iterdir())
    except OSError:
        return found
    for entry in entries:
        if (
            entry.is_dir()
            and (entry / "pyvenv.cfg").is_file()
            and entry.name not in {".venv", "venv"}
        ) and _norm(entry.name) not in present:
            found.append(entry.name)
    return found


def _has_committed_files(root: Path, rel: str) -> bool:
    """Whether a media directory holds files the project ships (so must not be ignored).

    With git we ask which files are tracked; without it, any file there may be intended."""
    directory = root / rel
    if not directory.is_dir():
        return False
    if (root / ".git").exists():
        try:
            done = subprocess.run(
                ["git", "-C", str(root), "ls-files", "--", rel],
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return True
        if done.returncode == 0:
            return bool(done.stdout.strip())
    return any(p.is_file() for p in directory.rglob("*"))


def _needed_names(dockerfile: Dockerfile, ctx: Context) -> set[str]:
    """Ignored-looking files the build or the app uses by name; "git" when a RUN calls git."""
    names: set[str] = set()
    for ins in dockerfile.instructions:
        if ins.keyword == "RUN":
            for seg in split_commands(ins.args):
                argv = program(seg.text)
                if argv and argv[0] == "git":
                    names.add("git")
        if ins.keyword in {"COPY", "ADD"} and "from" not in ins.flags:
            for token in ins.args.split()[:-1]:
                names.add(_norm(token))
    if ctx.project.dependencies.has("setuptools-scm"):
        names.add("git")
    names.update(_names_in_code(ctx.context_dir))
    return {n for n in names if n}


_DOTFILE = re.compile(r"""["'/]((?:[\w.-]+/)*\.env[\w.-]*|[\w.-]*\.sqlite3)["']""")


def _names_in_code(root: Path) -> set[str]:
    """Literal `.env.something` / `*.sqlite3` names in the project's Python files."""
    found: set[str] = set()
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        for filename in filenames:
            if not filename.endswith(".py"):
                continue
            count += 1
            if count > 2000:
                return found
            try:
                text = (Path(dirpath) / filename).read_text(encoding="utf-8", errors="ignore")
            except OSError:
                continue
            for match in _DOTFILE.finditer(text):
                name = match.group(1).rsplit("/", 1)[-1]
                # The default sqlite name is created at run time, not read from the context.
                if name in {"db.sqlite3", ".env"}:
                    continue
                # BASE_DIR / ".env.defaults" in mysite/settings.py names a file one level up:
                # look in the file's directory and each parent up to the context.
                here = Path(dirpath)
                while True:
                    if (here / name).exists():
                        found.add((here / name).relative_to(root).as_posix())
                        break
                    if here == root or root not in here.parents:
                        break
                    here = here.parent
    return found


def _excluded(name: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatch

    base = name.rsplit("/", 1)[-1]
    return any(
        fnmatch(name, p.removeprefix("**/")) or fnmatch(base, p.removeprefix("**/"))
        for p in patterns
    )
