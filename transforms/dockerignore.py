"""dockerignore: keep history, secrets and local state out of the build context.

Why: without a `.dockerignore`, `COPY . .` ships `.git` (the whole history), `.env` files
(secrets), virtualenvs built for another OS, `node_modules`, the developer's sqlite database and
media uploads, and every cache, into the image; it also makes every local change invalidate the
source layer. An existing file is extended, never rewritten: the user's lines keep their order
and meaning. Files the project's code or Dockerfile names explicitly are never excluded.

Besides the usual names, the project's own local state is excluded by what the settings say: the
sqlite database file DATABASES names (whatever it is called: `app_db`, `data/site.db`), and the
media uploads the user did not commit. A file the Dockerfile copies by name is kept, and the note
says so. A `.env` that git tracks is kept when the project's code loads a dotenv file
(`load_dotenv()`, `read_env()`, decouple): it is the repository's configuration, which the
original image carried, not the developer's secrets, and without it the settings fall back to
other values wherever nothing else passes the variables. `.git` is kept when another Dockerfile
that reads the same .dockerignore (built from the same context) copies the whole context and
runs or installs git.

A directory of the context that a compose service keeps a database's data in
(`./data:/var/lib/mysql`, `./postgres_data:/var/lib/postgresql/data`, a Redis image's
`./redis:/data`) is excluded too:
once `docker compose up` has run, it holds the database's files, owned by the database's user
(PostgreSQL's with mode 0700): `COPY . .` ships them into the image (a copy of the developer's
data, and a build by a user who cannot read them fails), and the Django image never reads them.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from optimizer.composefiles import ComposeError
from optimizer.dockerfile import Dockerfile, DockerfileError
from optimizer.shell import pip_install_targets, program, split_commands
from optimizer.sources import has_files, python_sources
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

        copied = _copied_names(dockerfile)
        needed = _needed_names(dockerfile, ctx) - _local_state(ctx, copied)
        database = _context_file(ctx.project.sqlite_path)
        # Asked once: a git process; _project_patterns reads the answer too.
        committed = database is not None and _committed(ctx.context_dir, database)
        if database is not None and committed:
            needed.add(database)  # `!db.sqlite3` after our `**/*.sqlite3`
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
            if pattern == ".git" and "git-version" in needed:
                kept.append(
                    ".git (the build installs the project, whose version comes from git: "
                    "setuptools_scm or the like; set its pretend version to drop .git)"
                )
                continue
            builder = _node_build_without_install(dockerfile) if "node" in pattern else None
            if builder is not None:
                # The node modules come from the developer's checkout: excluding them fails
                # the build where it worked (SophiaH67/roboco.dev: `manage.py tailwind build`
                # and no `tailwind install` or `npm ci`).
                kept.append(
                    f"node_modules (`{builder}` builds with the node modules of the context: "
                    "no RUN installs them; add `npm ci` before it to exclude them)"
                )
                continue
            if pattern == ".git" and key == ".dockerignore" and (
                sharer := _sibling_using_git(ctx)
            ):
                kept.append(
                    f".git ({sharer} builds from the same context and this .dockerignore, "
                    "copies the whole context and uses git)"
                )
                continue
            if pattern == ".git" and "git-at-run-time" in needed:
                kept.append(".git (the app runs git at run time: " + needed_git_file(ctx) + ")")
                continue
            if pattern == ".env" and (loader := _committed_env_loaded(ctx)) is not None:
                # The repository ships this .env: it is the project's configuration, not
                # the developer's secrets, and without it the settings fall back to other
                # values (DB_HOST=localhost) wherever nothing passes the variables.
                kept.append(
                    f".env (committed to git, and {loader} loads it: the image keeps its "
                    "configuration; pass it at run time (env_file:) and untrack it if it "
                    "holds secrets)"
                )
                continue
            wanted.append(pattern)
        # Docker's patterns as written (`**/*.sqlite3` is not `*.sqlite3`): what they exclude.
        excluding = [p for p in stripped if not p.startswith("!")] + wanted
        extra, said, why = _project_patterns(ctx, stripped | negated, excluding, copied, committed)
        wanted.extend(extra)
        kept.extend(why)
        for directory, why_data in _database_data_dirs(ctx, copied, _copies_context(dockerfile)):
            if directory not in wanted and not _excluded(directory, excluding + wanted):
                wanted.append(directory)
                said.append(why_data)
        exceptions = sorted(
            name
            for name in needed
            if name not in {"git", "git-at-run-time", "git-version"}
            and _excluded(name, wanted)
            and f"!{name}" not in stripped
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
        if said:
            note += f" ({'; '.join(said)})"
        read = [e for e in exceptions if not any(k.startswith(e + " ") for k in kept)]
        if read:
            note += f"; kept {', '.join(read)}, which the project reads"
        if kept:
            note += f"; kept {', '.join(kept)}"
        return Result(out, [note], files={key: text})


# Python that loads a dotenv file into the environment: python-dotenv, django-dotenv,
# django-environ / environs' read_env, python-decouple (which reads `.env` by itself).
_LOADS_DOTENV = re.compile(
    r"\b(?:load_dotenv|read_dotenv|dotenv_values|read_env)\s*\("
    r"|^[ \t]*(?:from[ \t]+decouple[ \t]+import|import[ \t]+decouple)\b",
    re.MULTILINE,
)


def _committed_env_loaded(ctx: Context) -> str | None:
    """The project file that loads a `.env` when git tracks the context's `.env`, else None."""
    if not _committed(ctx.context_dir, ".env"):
        return None
    for path, text in python_sources(ctx.context_dir, skip_dir=lambda d: "test" in d):
        if _LOADS_DOTENV.search(text):
            return path.relative_to(ctx.context_dir).as_posix()
    return None


def _norm(pattern: str) -> str:
    return pattern.strip().rstrip("/").removeprefix("./").removeprefix("/")


def _project_patterns(
    ctx: Context,
    present: set[str],
    patterns: list[str],
    copied: set[str],
    database_committed: bool,
) -> tuple[list[str], list[str], list[str]]:
    """(patterns, what they are, what was kept and why): the sqlite database the settings
    name (`database_committed`: git tracks it), media uploads and local virtualenvs under
    other names, found on disk."""
    found: list[str] = []
    said: list[str] = []
    kept: list[str] = []
    database = _context_file(ctx.project.sqlite_path)
    if database and database_committed:
        # The original image shipped the committed database and the app serves its rows:
        # excluding it would leave the rewrite with empty (or no) tables.
        kept.append(f"{database} (the sqlite database the settings name is committed to git, "
                    "so the image keeps serving its data; untrack it if it is only local data)")
    elif database and not _excluded(database, patterns) and _norm(database) not in present:
        if database in copied:
            kept.append(f"{database} (the sqlite database the settings name: the Dockerfile "
                        "copies it by name)")
        else:
            found.append(database)
            said.append(f"{database} is the sqlite database DATABASES names")
    media = _context_file(ctx.project.media_root)
    # Already left out by the user's own patterns (`*/media/`): appending it would only undo
    # the user's later exceptions (NotMainCode/octopus's `!*/media/static`), since the last
    # matching line wins.
    if (
        media
        and _norm(media) not in present
        and media not in copied
        and not _excluded(media, patterns)
    ):
        tracked = _tracked_files(ctx.context_dir, media)
        if (tracked is None and not has_files(ctx.context_dir / media)) or tracked == set():
            found.append(media)
        elif tracked is not None:
            # Committed files there ship with the app; only the uploads nobody committed stay out.
            untracked = [
                f for f in _untracked_files(ctx.context_dir, media, tracked)
                if not _excluded(f, patterns)
            ]
            if untracked and len(untracked) <= _MAX_LISTED:
                found.extend(untracked)
                said.append(f"{len(untracked)} file(s) in MEDIA_ROOT {media} are uploads nobody "
                            "committed; its committed files stay")
            elif untracked:
                kept.append(f"{media} ({len(untracked)} uploads not committed beside committed "
                            "files; list them in .dockerignore yourself)")
    try:
        entries = sorted(ctx.context_dir.iterdir())
    except OSError:
        return found, said, kept
    for entry in entries:
        if (
            entry.is_dir()
            and (entry / "pyvenv.cfg").is_file()
            and entry.name not in {".venv", "venv"}
        ) and _norm(entry.name) not in present:
            found.append(entry.name)
    return found, said, kept


_MAX_LISTED = 20

# Where database images keep their data in the container. `/data` only for the images below
# that keep it there (Redis, MongoDB's /data/db is listed itself); elsewhere `/data` is often
# the app's own input.
_DATA_TARGETS = frozenset(
    {
        "/var/lib/postgresql/data",
        "/var/lib/postgresql",
        "/var/lib/mysql",
        "/var/lib/mariadb",
        "/data/db",
        "/data/configdb",
        "/var/lib/rabbitmq",
        "/var/lib/redis",
        "/usr/share/elasticsearch/data",
        "/bitnami/postgresql",
        "/bitnami/mysql",
        "/bitnami/mariadb",
        "/bitnami/redis/data",
        "/bitnami/mongodb",
    }
)
_DATA_AT_ROOT_IMAGES = frozenset({"redis", "valkey", "keydb", "redis-stack", "redis-stack-server"})


def _image_name(image: str) -> str:
    """`bitnami/redis:7` -> `redis`, `docker.io/library/redis@sha256:..` -> `redis`."""
    return image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower()


def _database_data_dirs(
    ctx: Context, copied: set[str], copies_context: bool
) -> list[tuple[str, str]]:
    """(context-relative directory, why) for each host directory inside the context that a
    compose service bind-mounts as a database's data directory. `copies_context`: a COPY of
    the whole context would ship it (else it is only sent with the context)."""
    from transforms.dev_image import load_compose  # compose is read only when asked

    try:
        context = ctx.context_dir.resolve()
    except OSError:
        return []
    dockerfile = (ctx.context_dir / ctx.dockerfile_path).resolve()
    found: dict[str, str] = {}
    for directory in ctx.compose_directories():
        try:
            project = load_compose(directory, dockerfile)
        except ComposeError:  # a compose file Compose cannot read adds nothing
            continue
        if project is None:
            continue
        for service in project.services.values():
            if service.builds(dockerfile):
                continue
            image = _image_name(service.image or "")
            for mount in service.bind_mounts:
                target = mount.target.rstrip("/") or "/"
                if target not in _DATA_TARGETS and not (
                    target == "/data" and image in _DATA_AT_ROOT_IMAGES
                ):
                    continue
                try:
                    inside = Path(mount.source).resolve().relative_to(context).as_posix()
                except (OSError, ValueError):
                    continue  # outside the context: never sent
                rel = _context_file(inside)
                if rel is None or rel in copied or rel in found:
                    continue
                compose_file = project.files[0].name if project.files else "compose"
                found[rel] = (
                    f"{rel} is where compose service `{service.name}` ({compose_file}) keeps "
                    f"{target}: the database's own files, "
                    + ("which `COPY . .` would ship" if copies_context
                       else "sent with the build context for nothing")
                )
    return list(found.items())


def _context_file(rel: str | None) -> str | None:
    """A settings path inside the context, as a .dockerignore pattern; None for container
    paths, the context itself and paths outside it."""
    if not rel or rel.startswith("/"):
        return None
    rel = os.path.normpath(rel).replace(os.sep, "/")
    if rel.startswith("..") or rel == ".":
        return None
    # Pattern metacharacters in a file name would match other files.
    if any(c in rel for c in "*?[]!\\"):
        return None
    return rel


def _local_state(ctx: Context, copied: set[str]) -> set[str]:
    """Files the code names that are local state, not inputs: the settings' sqlite database
    (literal in the settings, so `_names_in_code` finds it) unless the Dockerfile copies it."""
    database = _context_file(ctx.project.sqlite_path)
    return {database} if database and database not in copied else set()


def _committed(root: Path, rel: str) -> bool:
    """Git tracks this very file (not only a directory of that name). A file that is not in
    the context is not asked about: nothing would ship it, and `git` costs a process."""
    if not (root / rel).is_file():
        return False
    return rel in (_tracked_files(root, rel) or set())


def _copied_names(dockerfile: Dockerfile) -> set[str]:
    names: set[str] = set()
    for ins in dockerfile.instructions:
        if ins.keyword in {"COPY", "ADD"} and "from" not in ins.flags:
            parts = ins.exec_form or ins.args.split()
            names.update(_norm(token) for token in parts[:-1])
    return {n for n in names if n}


def _tracked_files(root: Path, rel: str) -> set[str] | None:
    """Files git tracks under `rel`; None without git (then any file there may be intended).
    The context may be a directory inside the repository (`build: ./belhard`): git finds the
    repository above it, and `ls-files` answers relative to the context."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", rel],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return {f for f in done.stdout.split("\0") if f}


def _untracked_files(root: Path, rel: str, tracked: set[str]) -> list[str]:
    found: list[str] = []
    for path in sorted((root / rel).rglob("*")):
        if path.is_file():
            name = path.relative_to(root).as_posix()
            if name not in tracked:
                found.append(name)
                if len(found) > _MAX_LISTED:
                    break
    return found


# Where other Dockerfiles of a repository live: the context's root, `docker/`, `deploy/x/`.
_DOCKERFILE_GLOBS = ("Dockerfile*", "*.Dockerfile", "*.dockerfile", "dockerfile")
_GIT_PACKAGE = re.compile(r"(?:^|\s)git(?:=\S*)?(?:\s|$)")


def _sibling_using_git(ctx: Context) -> str | None:
    """Another Dockerfile in the context that copies all of it and runs or installs git.

    The context's .dockerignore serves every Dockerfile built from it (`docker build -f
    docker/Dockerfile-deb .`): allegro/ralph's local-dev Dockerfile copies four scripts, but
    its deb-building Dockerfile copies the repository, installs git and git-buildpackage and
    runs `git describe`; `.git` added for the one broke the other. A Dockerfile with its own
    `<name>.dockerignore` does not read the shared file."""
    root = ctx.context_dir
    if not (root / ".git").exists():
        return None  # nothing to keep: excluding it or not changes no build
    own = (root / ctx.dockerfile_path).resolve()
    seen = 0
    for depth in ("", "*/", "*/*/"):
        for glob in _DOCKERFILE_GLOBS:
            for path in sorted(root.glob(depth + glob)):
                if seen >= 50:
                    return None
                if (
                    not path.is_file()
                    or path.name.endswith(".dockerignore")
                    or path.resolve() == own
                    or "node_modules" in path.parts
                    or Path(str(path) + ".dockerignore").exists()
                ):
                    continue
                seen += 1
                try:
                    other = Dockerfile.parse(path.read_text(encoding="utf-8", errors="ignore"))
                except (DockerfileError, OSError):  # not a Dockerfile we can read: not a sharer
                    continue
                if _copies_context(other) and _uses_git(other):
                    return path.relative_to(root).as_posix()
    return None


def _copies_context(dockerfile: Dockerfile) -> bool:
    for ins in dockerfile.instructions:
        if ins.keyword in {"COPY", "ADD"} and "from" not in ins.flags:
            parts = ins.exec_form or ins.args.split()
            if any(p.rstrip("/") in {".", ""} or p == "./" for p in parts[:-1]):
                return True
    return False


def _uses_git(dockerfile: Dockerfile) -> bool:
    for ins in dockerfile.instructions:
        if ins.keyword != "RUN":
            continue
        for seg in split_commands(ins.args):
            argv = program(seg.text)
            if argv and argv[0] == "git":
                return True
            head = argv[0].rsplit("/", 1)[-1] if argv else ""
            if head in {"apt-get", "apt", "apk", "dnf", "yum", "microdnf"} and (
                "install" in argv or "add" in argv
            ) and _GIT_PACKAGE.search(" ".join(argv[1:])):
                return True
    return False


# git subcommands that work without a repository in the working directory.
_REMOTE_ONLY_GIT = frozenset({"clone", "ls-remote", "init", "--version", "version"})


def _reads_no_local_repo(argv: list[str]) -> bool:
    """`git clone <url>`, `git ls-remote <url>`: git reads the network, not the context's
    .git (OpenCVE's web/Dockerfile clones its repository at build time, and `.git` was kept
    in the build context for it). `git config --global` writes ~/.gitconfig only."""
    words_ = [w for w in argv[1:] if not w.startswith("-") or w == "--version"]
    if not words_:
        return False
    if words_[0] in _REMOTE_ONLY_GIT:
        return True
    return words_[0] == "config" and ("--global" in argv or "--system" in argv)


def _needed_names(dockerfile: Dockerfile, ctx: Context) -> set[str]:
    """Ignored-looking files the build or the app uses by name; "git" when a RUN calls git."""
    names: set[str] = set()
    for ins in dockerfile.instructions:
        if ins.keyword == "RUN":
            for seg in split_commands(ins.args):
                argv = program(seg.text)
                if argv and argv[0] == "git" and not _reads_no_local_repo(argv):
                    names.add("git")
        if ins.keyword in {"COPY", "ADD"} and "from" not in ins.flags:
            for token in ins.args.split()[:-1]:
                names.add(_norm(token))
    if ctx.project.dependencies.has("setuptools-scm"):
        names.add("git")
    if _build_script_runs_git(dockerfile, ctx):
        names.add("git")
    if _builds_vcs_versioned_project(dockerfile, ctx):
        names.add("git-version")
    names.update(_names_in_code(ctx.context_dir))
    if runs_git_at_run_time(ctx.context_dir) is not None:
        names.add("git-at-run-time")
    names.update(_names_in_shell(dockerfile, ctx.context_dir))
    return {n for n in names if n}


def _node_build_without_install(dockerfile: Dockerfile) -> str | None:
    """The first RUN command that runs a node build (`npm run build`, `npx webpack`, `yarn
    build`, `manage.py tailwind build`) when no RUN of the Dockerfile installs node modules
    (`npm ci|install`, `yarn`, `pnpm install`, `manage.py tailwind install`), else None."""
    from transforms.slim_base import installs_node_modules, line_argvs

    build: str | None = None
    for ins in dockerfile.instructions:
        if ins.keyword != "RUN" or ins.opaque:
            continue
        for argv in line_argvs(ins.args):
            if installs_node_modules(argv) or _tailwind(argv) == "install":
                return None
            if build is None and (_runs_node_build(argv) or _tailwind(argv) == "build"):
                build = " ".join(argv)
    return build


def _tailwind(argv: list[str]) -> str | None:
    """`install` or `build` of django-tailwind's `manage.py tailwind <command>`."""
    if "tailwind" in argv[:-1] and any(a.endswith("manage.py") for a in argv):
        return argv[argv.index("tailwind") + 1]
    return None


def _runs_node_build(argv: list[str]) -> bool:
    head = argv[0].rsplit("/", 1)[-1] if argv else ""
    rest = [a for a in argv[1:] if not a.startswith("-")]
    if head in {"npm", "pnpm"}:
        return rest[:1] in (["run"], ["run-script"], ["exec"], ["build"])
    if head == "yarn":
        return bool(rest) and rest[0] not in {"install", "add", "global", "config", "cache"}
    return head == "npx" or "node_modules/.bin/" in argv[0]


# git run by a script line, also inside a command substitution (`commit="$(git rev-parse
# --short HEAD)"`), which the line's argv does not show.
_GIT_IN_SCRIPT = re.compile(r"(?:^|[;&|({`]|\$\()\s*git\s")


def _build_script_runs_git(dockerfile: Dockerfile, ctx: Context) -> bool:
    """Whether a RUN runs a script of the context that runs git (freedomofpress/securedrop.org:
    `RUN /django/devops/scripts/version-file.sh`, which writes `git rev-parse`/`git describe`
    into a version file): the build needs the repository, as when the RUN calls git itself."""
    # slim_base reads the scripts a command runs; it imports this module, hence here.
    from transforms.image_paths import context_reader
    from transforms.slim_base import line_argvs, run_scripts, script_lines

    read = context_reader(dockerfile, ctx)
    for ins in dockerfile.instructions:
        if ins.keyword != "RUN" or ins.opaque:
            continue
        for _, text in run_scripts(line_argvs(ins.args), read):
            for line in script_lines(text):
                if _GIT_IN_SCRIPT.search(line) or any(
                    argv[0] == "git" for argv in line_argvs(line)
                ):
                    return True
    return False


# Build backends and plugins that take the version from the repository: building the project
# without `.git` fails ("unable to detect version") unless a pretend version is passed.
_VCS_VERSIONING = frozenset(
    {
        "setuptools-scm", "hatch-vcs", "versioningit", "setuptools-git-versioning",
        "poetry-dynamic-versioning", "uv-dynamic-versioning", "pbr",
    }
)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_USES_SCM_IN_SETUP = re.compile(r"\buse_scm_version\b|\bsetuptools_scm\b|\bpbr\s*=\s*True")
# A pretend version the build passes itself: with it the repository is not read.
_PRETEND_VERSION = re.compile(
    r"^(?:SETUPTOOLS_SCM_PRETEND_VERSION\w*|PBR_VERSION|POETRY_DYNAMIC_VERSIONING_BYPASS"
    r"|UV_DYNAMIC_VERSIONING_BYPASS)$"
)


def _builds_vcs_versioned_project(dockerfile: Dockerfile, ctx: Context) -> bool:
    """Whether the Dockerfile builds the project itself (`pip install /src[server]`, `pip
    install .`, `poetry install` without --no-root, `uv sync` without --no-install-project)
    and the project takes its version from git (setuptools_scm in [build-system] requires,
    `use_scm_version` in setup.py), with no pretend version set in the Dockerfile.
    MozillaSecurity/FuzzManager: `pip install ... /src[docker,server]` with setuptools_scm,
    whose `SETUPTOOLS_SCM_PRETEND_VERSION_FOR_FuzzManager` ARG has no default."""
    if not _vcs_versioned(ctx):
        return False
    for ins in dockerfile.instructions:
        if ins.keyword in {"ENV", "ARG"}:
            for name, value in _assignments(ins.args):
                if _PRETEND_VERSION.match(name) and value and "$" not in value:
                    return False
    for ins in dockerfile.instructions:
        if ins.keyword != "RUN":
            continue
        for seg in split_commands(ins.args):
            if _installs_project(program(seg.text)):
                return True
    return False


def _vcs_versioned(ctx: Context) -> bool:
    text = ctx.read("pyproject.toml")
    if text is not None:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            data = {}
        requires = data.get("build-system", {}).get("requires", [])
        for requirement in requires if isinstance(requires, list) else []:
            match = _REQUIREMENT_NAME.match(str(requirement))
            if match and re.sub(r"[._]", "-", match[1].lower()) in _VCS_VERSIONING:
                return True
    setup = ctx.read("setup.py")
    return setup is not None and bool(_USES_SCM_IN_SETUP.search(setup))


def _assignments(args: str) -> list[tuple[str, str]]:
    """(name, value) of `ENV A=1 B=2`, `ENV A 1`, `ARG A=1`, `ARG A` (value "")."""
    words = args.split()
    if len(words) >= 2 and "=" not in words[0]:
        return [(words[0], args.split(None, 1)[1].strip().strip("\"'"))]
    found = []
    for word in words:
        name, _, value = word.partition("=")
        found.append((name, value.strip("\"'")))
    return found


def _installs_project(argv: list[str]) -> bool:
    """A command that builds the project from its source: pip install/wheel of a local path,
    poetry/uv/pdm installs of the project, `python -m build`."""
    if not argv:
        return False
    head = argv[0].rsplit("/", 1)[-1]
    rest = argv[1:]
    if re.fullmatch(r"python(3(\.\d+)?)?", head) and rest[:1] == ["-m"] and len(rest) > 1:
        head, rest = rest[1], rest[2:]
    if head == "uv" and rest[:1] == ["pip"]:
        head, rest = "pip", rest[1:]
    if re.fullmatch(r"pip(3(\.\d+)?)?", head) and rest[:1] in (["install"], ["wheel"]):
        targets = pip_install_targets(["pip", "install", *rest[1:]])
        specs = [t.removeprefix("-e ") for t in targets[1]] if targets else []
        # A directory of the project, not built archives (`/wheels/*.whl`, `dist/x.tar.gz`).
        return any(
            (a == "." or a.startswith(("./", "/", ".[")))
            and not a.endswith((".whl", ".tar.gz", ".zip"))
            and "*" not in a
            for a in specs
        )
    if head == "poetry":
        return rest[:1] == ["build"] or (rest[:1] == ["install"] and "--no-root" not in rest)
    if head == "uv":
        return rest[:1] == ["build"] or (
            rest[:1] == ["sync"] and "--no-install-project" not in rest
        )
    if head == "pdm":
        return rest[:1] == ["build"] or (
            rest[:1] in (["install"], ["sync"]) and "--no-self" not in rest
        )
    # `python -m build`: the module, not a program on PATH.
    return head == "build" and argv[0] != "build"


# Shell words: split at blanks, quotes and operators (one character class: linear).
_SHELL_SPLIT = re.compile(r"[\s\"'=;|&()<>`]+")


def _names_in_shell(dockerfile: Dockerfile, root: Path) -> set[str]:
    """`.env.example`, `seed.sqlite3`... named by a RUN, CMD or ENTRYPOINT, or by a shell script
    in the context (`cp .env.example .env` in entrypoint.sh): the build or the start needs
    them. `.env` itself is never let in: it is the developer's secrets."""
    texts = [
        ins.args for ins in dockerfile.instructions if ins.keyword in {"RUN", "CMD", "ENTRYPOINT"}
    ]
    scripts = sorted(p for p in root.glob("*.sh") if p.is_file())
    scripts += sorted(p for p in root.glob("*/*.sh") if p.is_file())
    for script in scripts[:50]:
        try:
            texts.append(script.read_text(encoding="utf-8", errors="ignore")[:100_000])
        except OSError:
            continue
    found: set[str] = set()
    for text in texts:
        for word in _SHELL_SPLIT.split(text):
            name = _norm(word)
            base = name.rsplit("/", 1)[-1]
            if not (base.startswith(".env.") or base.endswith(".sqlite3")) or ".." in name:
                continue
            for candidate in (name, base):
                if (root / candidate).is_file():
                    found.add(candidate)
                    break
    return found


_DOTFILE = re.compile(r"""["'/]((?:[\w.-]+/)*\.env[\w.-]*|[\w.-]*\.sqlite3)["']""")


# Python that runs git (`subprocess.check_output(["git", "rev-parse", "HEAD"])` for a version
# string in settings, GitPython's `git.Repo`): it needs the repository and the git program.
_GIT_IN_PYTHON = re.compile(
    r"""[\[(]\s*["']git["']\s*,|["']git\s+(?:rev-parse|describe|log|show|rev-list)\b"""
    r"""|^\s*(?:import\s+git\b|from\s+git\s+import\b)""",
    re.MULTILINE,
)


_STARTUP_FILES = frozenset(
    {"wsgi.py", "asgi.py", "urls.py", "apps.py", "version.py", "_version.py", "__init__.py",
     "context_processors.py"}
)


def _git_file(root: Path) -> str | None:
    def starts_with_app(path: Path) -> bool:
        # What runs when the app starts: settings, the WSGI/ASGI entry, URLconfs, app configs,
        # a version module (a management command runs git only on demand); tests aside.
        name = path.name
        if name.startswith(("test", "conftest")):
            return False
        return (
            name.startswith("settings")
            or path.parent.name == "settings"
            or name in _STARTUP_FILES
        )

    for path, text in python_sources(
        root, skip_dir=lambda d: "test" in d, keep_file=starts_with_app
    ):
        if _GIT_IN_PYTHON.search(text):
            return path.relative_to(root).as_posix()
    return None


def runs_git_at_run_time(root: Path) -> str | None:
    """The project's Python file loaded at start (settings, wsgi/asgi, urls, apps, a version
    module; tests aside) that runs git, or None."""
    return _git_file(root.resolve())


def needed_git_file(ctx: Context) -> str:
    return runs_git_at_run_time(ctx.context_dir) or "?"


def _names_in_code(root: Path) -> set[str]:
    """Literal `.env.something` / `*.sqlite3` names in the project's Python files."""
    found: set[str] = set()
    for path, text in python_sources(root):
        for match in _DOTFILE.finditer(text):
            name = match.group(1).rsplit("/", 1)[-1]
            # The default sqlite name is created at run time, not read from the context.
            if name in {"db.sqlite3", ".env"}:
                continue
            # BASE_DIR / ".env.defaults" in mysite/settings.py names a file one level up:
            # look in the file's directory and each parent up to the context.
            here = path.parent
            while True:
                if (here / name).exists():
                    found.add((here / name).relative_to(root).as_posix())
                    break
                if here == root or root not in here.parents:
                    break
                here = here.parent
    return found


def _excluded(name: str, patterns: list[str]) -> bool:
    """Whether a .dockerignore with `patterns` leaves out the context path `name`, as Docker
    matches them: from the context's root (`.env` is only the top-level one), `*` within one
    path segment, `**` across any number, and a pattern that names a directory covers what is
    inside it."""
    return any(_pattern(p).fullmatch(name) for p in patterns)


def _pattern(pattern: str) -> re.Pattern[str]:
    parts = _norm(pattern).split("/")
    regex = ""
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
            continue
        at = 0
        while at < len(part):
            ch = part[at]
            if ch == "*":
                regex += "[^/]*"
            elif ch == "?":
                regex += "[^/]"
            elif ch == "[" and "]" in part[at + 1 :]:
                close = part.index("]", at + 1)
                body = part[at + 1 : close]
                regex += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
                at = close
            else:
                regex += re.escape(ch)
            at += 1
        regex += "" if last else "/"
    return re.compile(regex + "(?:/.*)?")
