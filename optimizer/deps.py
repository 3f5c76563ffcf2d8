"""Which dependency manager a project uses, what it installs and which files the install reads.

Nothing is resolved or downloaded: requirement files, Pipfiles, pyproject.toml and lock files are
read as text/TOML/JSON. Unreadable or malformed files are skipped rather than raised on, because a
half-broken repository still deserves a Dockerfile rewrite.
"""

from __future__ import annotations

import ast
import codecs
import json
import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from optimizer.context import Dependencies, Manager, manifest_dirs, normalize_name
from optimizer.makefile import make_recipe
from optimizer.shell import shell_c_script
from optimizer.shell import words as shell_words

# Installer tooling that Dockerfiles pip-install next to the real dependencies; it says nothing
# about what the application needs.
_TOOLING = frozenset(
    normalize_name(n)
    for n in (
        "pip",
        "setuptools",
        "wheel",
        "poetry",
        "poetry-core",
        "poetry-plugin-export",
        "pipenv",
        "uv",
        "pdm",
        "virtualenv",
        "pip-tools",
    )
)

# Extras whose only effect is pulling in another distribution that matters for system packages
# (psycopg[binary] bundles libpq, psycopg[c] compiles against it). Extras are otherwise dropped.
EXTRA_DISTRIBUTIONS: dict[tuple[str, str], str] = {
    ("psycopg", "binary"): "psycopg-binary",
    ("psycopg", "c"): "psycopg-c",
    ("psycopg", "pool"): "psycopg-pool",
}

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_EGG = re.compile(r"#.*?egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_VCS = re.compile(r"^(git|hg|svn|bzr)\+", re.IGNORECASE)
_MAX_BYTES = 2_000_000

# Options that take a value as the next token; knowing them keeps the value from being read as
# a requirement.
_VALUE_OPTIONS = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--trusted-host",
        "--no-binary",
        "--only-binary",
        "--hash",
        "--config-settings",
        "--global-option",
        "--install-option",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--src",
        "--cache-dir",
        "--log",
        "--progress-bar",
        "--upgrade-strategy",
        "--python",
        "-p",
        "--index",
        "--default-index",
        "--extra-index",
        "--group",
        "--extra",
        "--package",
        "--only-group",
        "--no-group",
        "--with",
        "--without",
        "--only",
        "-E",
        "--extras",
    }
)


@dataclass
class _Collected:
    """Mutable accumulator for one manager's reading, frozen into Dependencies at the end."""

    files: list[str] = field(default_factory=list)
    packages: set[str] = field(default_factory=set)
    local: bool = False
    git: bool = False
    # Exact pins (`name==1.2.3`) by normalised name: an old pin may have no wheel for the
    # image's Python.
    pins: dict[str, str] = field(default_factory=dict)
    # Version ranges as written (`>=3.0,<4.0`, Poetry's `^3.2`) by normalised name.
    ranges: dict[str, str] = field(default_factory=dict)
    # Names a `--no-binary` option in a requirement file forces from source (":all:" too).
    no_binary: set[str] = field(default_factory=set)
    # The file names a lock (poetry.lock, uv.lock, pdm.lock) lists for each package it
    # installs: which wheels exist, read offline (locked_source_builds).
    lock_files: dict[str, list[str]] = field(default_factory=dict)

    def add_lock_files(self, name: str, files: Iterable[str]) -> None:
        names = [f for f in files if f]
        if names:
            self.lock_files.setdefault(normalize_name(name), []).extend(names)

    def add_file(self, rel: str) -> None:
        if rel not in self.files:
            self.files.append(rel)

    def add_package(self, name: str, extras: Iterable[str] = ()) -> None:
        norm = normalize_name(name)
        self.packages.add(norm)
        for extra in extras:
            extra_dist = EXTRA_DISTRIBUTIONS.get((norm, normalize_name(extra)))
            if extra_dist:
                self.packages.add(extra_dist)

    def freeze(self, manager: Manager) -> Dependencies:
        return Dependencies(
            manager=manager,
            manifest_files=tuple(self.files),
            packages=frozenset(self.packages),
            installs_local_source=self.local,
            needs_git=self.git,
            pins=tuple(sorted(self.pins.items())),
            ranges=tuple(sorted(self.ranges.items())),
        )


# -- public API ------------------------------------------------------------------------------


def read_dependencies(
    context: Path, project_dir: str = ".", *, dockerfile_text: str | None = None
) -> Dependencies:
    """Read the project's dependency declarations.

    Manifests are looked for in the context root, the directories on the way down, and
    `project_dir` (the manage.py directory), since any is where people keep them. With
    `dockerfile_text`, the manager its RUN lines use wins when that manager's files exist, and
    the requirement files it names are the ones read; packages the Dockerfile pip-installs by
    name are added too.
    """
    context = Path(context)
    commands = run_commands(dockerfile_text) if dockerfile_text else []
    recipes = _make_recipe_commands(context, project_dir, commands)
    commands += [recipe for _, recipe in recipes]
    wanted = manager_from_commands(commands)
    named_roots: list[tuple[str, bool]] = []
    # The files a `make` target's installs name are paths from the Makefile's directory.
    recipe_roots = [
        (joined, constraints)
        for base, recipe in recipes
        for words in _simple_commands(recipe)
        for path, constraints in _requirement_roots(*_classify(words), workdir=None)
        if (joined := _normalize_rel(_join(base, path))) is not None
    ]
    for root in [*_named_requirement_files(context, dockerfile_text, commands), *recipe_roots]:
        if root not in named_roots and (context / root[0]).is_file():
            named_roots.append(root)

    candidates: list[tuple[Manager, _Collected]] = []
    for base in _search_dirs(context, project_dir):
        candidates.extend(_candidates_in(context, base))

    chosen: tuple[Manager, _Collected] | None = None
    if named_roots and wanted in (None, "pip"):
        # The requirement files the Dockerfile installs beat any guess at which ones matter.
        chosen = ("pip", _read_requirement_set(context, named_roots))
    elif wanted is not None:
        chosen = next((c for c in candidates if c[0] == wanted), None)
    if chosen is None and candidates:
        chosen = min(candidates, key=lambda c: _PRIORITY.index(c[0]))

    extra = {normalize_name(p) for p in _packages_named_in_commands(commands)}
    if chosen is None:
        if extra - _TOOLING:
            return Dependencies(manager="pip", packages=frozenset(extra - _TOOLING))
        return Dependencies()
    manager, collected = chosen
    collected.packages |= extra - _TOOLING
    python = final_python(dockerfile_text) if dockerfile_text else None
    collected.packages |= built_from_source(collected.pins, python)
    collected.packages |= locked_source_builds(collected.lock_files, python)
    forced = collected.no_binary | _no_binary_in_dockerfile(dockerfile_text or "", commands)
    collected.packages |= forced_from_source(forced, collected.packages)
    if manager == "pip" and any(_installs_local_in_command(c) for c in commands):
        collected.local = True
    return collected.freeze(manager)


def _make_recipe_commands(
    context: Path, project_dir: str, commands: list[str]
) -> list[tuple[str, str]]:
    """(the Makefile's directory in the context, what it runs) for each `make` command of
    these RUN lines (`RUN make install`: the install target's recipe), from a Makefile at the
    context's root or beside manage.py (`-C dir` from there)."""
    where: list[str] = []

    def read(path: str) -> str | None:
        for base in _search_dirs(context, project_dir):
            rel = _normalize_rel(_join(base, path.removeprefix("./")))
            text = _read_text(context / rel) if rel is not None else None
            if text is not None and rel is not None:
                where.append(posixpath.dirname(rel) or ".")
                return text
        return None

    found: list[tuple[str, str]] = []
    for command in commands:
        for words in _simple_commands(command):
            recipe = make_recipe(words, read)
            if recipe is not None:
                found.append((where[-1], recipe[1]))
    return found


def _named_requirement_files(
    context: Path, dockerfile_text: str | None, commands: list[str]
) -> list[tuple[str, bool]]:
    """(context file, is_constraints) for each requirement file the Dockerfile's installs name.

    An install names the file by its path in the image (`-r /REQUIREMENTS.txt`, `-r req.txt`
    after `COPY requirements/prod.txt req.txt`); the COPY/ADD lines before it say which context
    file that is. A path no COPY explains is read as context-relative, as people mostly write
    `COPY requirements.txt .` and then `-r requirements.txt`.
    """
    from optimizer.dockerfile import Dockerfile, DockerfileError, next_workdir

    found: list[tuple[str, bool]] = []
    try:
        dockerfile = Dockerfile.parse(dockerfile_text) if dockerfile_text else None
    except (DockerfileError, ValueError, IndexError, KeyError):
        dockerfile = None
    if dockerfile is None:
        for command in commands:
            for words in _simple_commands(command):
                found.extend(_requirement_roots(*_classify(words), workdir=None))
        return found
    for stage in dockerfile.stages():
        cwd = "/"
        copies: list[tuple[str, str, bool]] = []  # (image path, context path, is a dir)
        for _, ins in dockerfile.iter_stage(stage):
            cwd = next_workdir(cwd, ins)
            if ins.keyword in {"COPY", "ADD"} and "from" not in ins.flags:
                copies.extend(_copied_paths(context, ins, cwd))
            if ins.keyword != "RUN" or ins.exec_form is not None:
                continue
            for words in _simple_commands(ins.args):
                kind, args = _classify(words)
                if kind not in {"pip-install", "pip-sync", "pip-compile"}:
                    continue
                if kind == "pip-compile":
                    # pip-tools' `pip-compile requirements.in` / `uv pip compile pyproject.toml
                    # -o requirements.txt` in the build: the lock it writes is not in the
                    # context, its inputs are, and they name what the install installs.
                    args = _compile_inputs(args)
                for option, value in _iter_options(args):
                    named = option in {"-r", "--requirement", "-c", "--constraint"} or (
                        option is None and kind in {"pip-sync", "pip-compile"}
                    )
                    if not named or "$" in value or _URL.match(value):
                        continue
                    rel = _image_to_context(posixpath.join(cwd, value), copies)
                    if rel is None:
                        rel = _container_to_context(value, None)
                    if rel is not None:
                        found.append((rel, option in {"-c", "--constraint"}))
    return found


# Options of pip-compile / `uv pip compile` that take a value which is not an input file.
_COMPILE_VALUE_OPTIONS = frozenset({
    "-o", "--output-file", "-i", "--index-url", "--extra-index-url", "-f", "--find-links",
    "-P", "--upgrade-package", "--pip-args", "--cache-dir", "--python-version", "-p",
    "--python", "--python-platform", "--resolver", "--extra", "--annotation-style",
    "--custom-compile-command", "--build-deps-for", "--output-file=", "--index-strategy",
    "--exclude-newer", "--group", "--unsafe-package", "--no-emit-package",
})


def _compile_inputs(args: list[str]) -> list[str]:
    """The arguments of a compile, its output and option values dropped: input files as
    positionals, `-c` constraints kept. No input is requirements.in (pip-compile's default)."""
    kept: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word in _COMPILE_VALUE_OPTIONS:
            i += 2
            continue
        if word.startswith("-") and not word.startswith(("-c", "--constraint")):
            i += 1
            continue
        kept.append(word)
        i += 1
    if not any(not w.startswith("-") for w in kept):
        kept.append("requirements.in")
    return kept


def _copied_paths(context: Path, ins: Any, cwd: str) -> list[tuple[str, str, bool]]:
    """(image path, context path, is a directory) for what a COPY/ADD puts in place."""
    try:
        parts = (ins.exec_form or shlex.split(ins.args)) if "$" not in ins.args else []
    except ValueError:
        return []
    if len(parts) < 2:
        return []
    *sources, target = parts
    into_dir = target.endswith("/") or len(sources) > 1
    target = posixpath.normpath(posixpath.join(cwd, target))
    pairs = []
    for source in sources:
        if _URL.match(source) or any(c in source for c in "*?["):
            continue
        rel = _normalize_rel(source.lstrip("/")) or "."
        if (context / rel).is_dir():
            # A directory's contents land in the target directory.
            pairs.append((target, rel, True))
        elif into_dir:
            pairs.append((posixpath.join(target, posixpath.basename(rel)), rel, False))
        else:
            pairs.append((target, rel, False))
            # `COPY requirements.txt /app` into an existing directory /app.
            pairs.append((posixpath.join(target, posixpath.basename(rel)), rel, False))
    return pairs


def _image_to_context(image_path: str, copies: list[tuple[str, str, bool]]) -> str | None:
    image_path = posixpath.normpath(image_path)
    for target, rel, is_dir in reversed(copies):
        if image_path == target and not is_dir:
            return rel
        if is_dir and image_path.startswith(target.rstrip("/") + "/"):
            inner = image_path[len(target.rstrip("/")) + 1 :]
            return _normalize_rel(posixpath.join(rel, inner))
    return None


def requirement_files_from_command(
    context: Path, command: str, workdir: str | None = None
) -> list[str]:
    """Context files that a shell command's installs read, transitive `-r`/`-c` includes included.

    Understands pip / pip3 / python -m pip / uv pip install (-r, -c, --requirement=...), uv pip
    sync and pip-sync (positional files), and `poetry install`, `pipenv install|sync`, `uv sync`,
    `pdm install|sync` (their manifest and lock files). Paths are taken relative to the context
    root; absolute paths are mapped through `workdir` (the container directory the context is
    copied to) when given.
    Files missing from the context are left out: they come from an earlier build step (a
    `poetry export`, say) and copying them would fail.
    """
    context = Path(context)
    found: list[str] = []

    def add(rel: str) -> None:
        if rel not in found:
            found.append(rel)

    for words in _simple_commands(command):
        kind, args = _classify(words)
        if kind is None:
            continue
        if kind in {"pip-install", "pip-sync"}:
            for root, constraint in _requirement_roots(kind, args, workdir):
                collected = _Collected()
                _read_requirements(context, root, collected, set(), constraint)
                for rel in collected.files:
                    add(rel)
        else:
            for rel in _MANAGER_FILES[kind]:
                if (context / rel).is_file():
                    add(rel)
    return found


def _requirement_roots(
    kind: str | None, args: list[str], workdir: str | None
) -> list[tuple[str, bool]]:
    """(file, is_constraints) for each requirement file an install command names."""
    if kind not in {"pip-install", "pip-sync"}:
        return []
    roots: list[tuple[str, bool]] = []
    for option, value in _iter_options(args):
        if option in {"-r", "--requirement", "-c", "--constraint"} or (
            option is None and kind == "pip-sync"
        ):
            rel = _container_to_context(value, workdir)
            if rel is not None:
                roots.append((rel, option in {"-c", "--constraint"}))
    return roots


def run_commands(dockerfile_text: str) -> list[str]:
    """The shell text of every RUN instruction, in order; exec-form RUNs are joined with spaces."""
    from optimizer.dockerfile import Dockerfile, DockerfileError

    try:
        dockerfile = Dockerfile.parse(dockerfile_text)
    except (DockerfileError, ValueError, IndexError, KeyError):
        return _run_commands_fallback(dockerfile_text)
    commands = []
    for ins in dockerfile.instructions:
        if ins.keyword != "RUN":
            continue
        form = ins.exec_form
        commands.append(" ".join(shlex.quote(w) for w in form) if form is not None else ins.args)
    return commands


def manager_from_commands(commands: Iterable[str]) -> Manager | None:
    """The manager the Dockerfile installs with; a dedicated tool beats a plain pip install."""
    seen: set[str] = set()
    for command in commands:
        for words in _simple_commands(command):
            kind, args = _classify(words)
            if kind == "pip-install" and _installs_local(args):
                seen.add("pep621")
            elif kind is not None:
                seen.add(kind)
    for kind, manager in (
        ("poetry", "poetry"),
        ("pipenv", "pipenv"),
        ("uv-sync", "uv"),
        ("pdm", "pdm"),
        ("pip-install", "pip"),
        ("pip-sync", "pip"),
        ("pep621", "pep621"),
    ):
        if kind in seen:
            return manager  # type: ignore[return-value]
    return None


# -- discovery -------------------------------------------------------------------------------

_PRIORITY: tuple[Manager, ...] = ("poetry", "uv", "pdm", "pipenv", "pip", "pep621")

_MANAGER_FILES: dict[str, tuple[str, ...]] = {
    "poetry": ("pyproject.toml", "poetry.lock", "poetry.toml"),
    "pipenv": ("Pipfile", "Pipfile.lock"),
    "uv-sync": ("pyproject.toml", "uv.lock", "uv.toml", ".python-version"),
    # pdm.toml is the project's PDM configuration (source URLs, venv settings) the install reads.
    "pdm": ("pyproject.toml", "pdm.lock", "pdm.toml"),
}


def _search_dirs(context: Path, project_dir: str) -> list[str]:
    return [d for d in manifest_dirs(project_dir) if (context / d).is_dir()]


def _join(base: str, name: str) -> str:
    return name if base == "." else f"{base}/{name}"


def _candidates_in(
    context: Path, base: str
) -> Iterator[tuple[Manager, _Collected]]:
    pyproject = _load_toml(context / base / "pyproject.toml")
    tool = pyproject.get("tool") if isinstance(pyproject.get("tool"), dict) else {}
    assert isinstance(tool, dict)
    project = pyproject.get("project") if isinstance(pyproject.get("project"), dict) else None

    poetry = tool.get("poetry")
    if isinstance(poetry, dict) or (context / base / "poetry.lock").is_file():
        yield "poetry", _read_poetry(context, base, pyproject)
    if (context / base / "uv.lock").is_file():
        yield "uv", _read_uv(context, base, pyproject)
    if (context / base / "pdm.lock").is_file() or isinstance(tool.get("pdm"), dict):
        yield "pdm", _read_pdm(context, base, pyproject)
    if (context / base / "Pipfile").is_file() or (context / base / "Pipfile.lock").is_file():
        yield "pipenv", _read_pipenv(context, base)
    roots = _default_requirement_roots(context, base)
    if roots:
        yield "pip", _read_requirement_set(context, roots)
    if isinstance(project, dict):
        collected = _Collected(local=True)
        collected.add_file(_join(base, "pyproject.toml"))
        _add_pep508_list(collected, project.get("dependencies"))
        yield "pep621", collected
    else:
        # A setuptools project without a [project] table: `pip install .` installs what its
        # setup.cfg or setup.py requires (cquentin48/Docker-nginx-django-react-template's
        # backend: psycopg2 in setup.py's install_requires, nothing else names it).
        setup = _Collected(local=True)
        for name in ("setup.cfg", "setup.py"):
            rel = _join(base, name)
            text = _read_text(context / rel)
            if text is not None:
                setup.add_file(rel)
                _add_project_metadata(context, rel, name, text, setup)
        if setup.files:
            yield "pep621", setup


def _default_requirement_roots(context: Path, base: str) -> list[str]:
    """Requirement files an install most likely starts from, when no Dockerfile names them.

    requirements.txt is the convention; a requirements/ directory is read through its production
    files when there are some (dev files would drag in test tooling), otherwise whole.
    """
    root = context / base
    top = sorted(p.name for p in _safe_glob(root, "requirements*.txt"))
    if "requirements.txt" in top:
        return [_join(base, "requirements.txt")]
    nested = sorted(p.name for p in _safe_glob(root / "requirements", "*.txt"))
    production = [
        n for n in nested if re.match(r"(prod|production|deploy|docker|main|base|common)\b", n)
    ]
    prod_top = [n for n in top if re.search(r"(prod|production|deploy|docker)", n)]
    if prod_top:
        return [_join(base, n) for n in prod_top]
    if production:
        return [_join(base, f"requirements/{n}") for n in production]
    if nested:
        return [_join(base, f"requirements/{n}") for n in nested]
    return [_join(base, n) for n in top]


def _safe_glob(directory: Path, pattern: str) -> list[Path]:
    try:
        return [p for p in directory.glob(pattern) if p.is_file()]
    except OSError:
        return []


# -- requirement files -----------------------------------------------------------------------


def _read_requirement_set(
    context: Path, roots: Iterable[str | tuple[str, bool]]
) -> _Collected:
    collected = _Collected()
    seen: set[str] = set()
    for root in roots:
        rel, constraint = (root, False) if isinstance(root, str) else root
        _read_requirements(context, rel, collected, seen, constraint)
    return collected


def _read_requirements(
    context: Path, rel: str, collected: _Collected, seen: set[str], constraint: bool = False
) -> None:
    """Read one requirement file and, depth first, the files it includes.

    `seen` guards against include cycles. A constraints file only pins versions, so its entries
    are not packages the project depends on, but the file is still read by the install.
    """
    normalized = _normalize_rel(rel)
    if normalized is None or normalized in seen:
        return
    rel = normalized
    seen.add(rel)
    text = _read_text(context / rel)
    if text is None:
        return
    collected.add_file(rel)
    name = PurePosixPath(rel).name
    if name in {"pyproject.toml", "setup.cfg", "setup.py"}:
        # uv (`uv pip install -r pyproject.toml`, `uv pip compile`) takes a project's own
        # metadata as a requirements source: its dependencies, not its lines, are what it
        # installs. Read line by line, `[project]` and `readme = ...` became package names and
        # psycopg2 was lost (no libpq5 in the final stage).
        if not constraint:
            _add_project_metadata(context, rel, name, text, collected)
        return
    here = PurePosixPath(rel).parent
    for line in _logical_lines(text):
        words = shell_words(line)  # shlex.split rules, linear time
        if not words:
            continue
        first = words[0]
        option, value = _split_option(words)
        if option in {"-r", "--requirement", "-c", "--constraint"}:
            if value and "$" not in value and not _URL.match(value):
                include = (here / value).as_posix()
                _read_requirements(
                    context,
                    include,
                    collected,
                    seen,
                    constraint=constraint or option in {"-c", "--constraint"},
                )
            continue
        if option in {"-e", "--editable"}:
            if value and not constraint:
                _add_requirement(collected, value, editable=True)
            continue
        if option == "--no-binary" and value:
            _no_binary_names(value, collected.no_binary)
            continue
        if first.startswith("-"):
            continue
        # pip reads a global option written after a requirement as on a line of its own, for
        # the whole install: `Pillow>=9.1 --no-binary :all:` builds psycopg2-binary from its
        # sdist too (tikazor/wulinwushu; checked with pip 26.2: a package on another line came
        # as its sdist). _add_requirement drops the options, so they are read here.
        _no_binary_options(words[1:], collected.no_binary)
        if not constraint:
            _add_requirement(collected, line)


def _add_project_metadata(
    context: Path, rel: str, name: str, text: str, collected: _Collected
) -> None:
    """The base dependencies a pyproject.toml ([project] dependencies), setup.cfg ([options]
    install_requires) or setup.py (a literal `install_requires`, read with ast: setup.py is
    code, which the tool does not run) declares."""
    if name == "setup.py":
        for spec in setup_py_requires(text):
            _add_requirement(collected, spec)
        return
    if name == "pyproject.toml":
        project = _load_toml(context / rel).get("project")
        if isinstance(project, dict):
            _add_pep508_list(collected, project.get("dependencies"))
        return
    if name == "setup.cfg":
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            return
        requires = parser.get("options", "install_requires", fallback="")
        for line in requires.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                _add_requirement(collected, line)


def setup_py_requires(text: str) -> list[str]:
    """The requirements a setup.py's `setup(install_requires=...)` spells out: a list or tuple
    of strings, or a module-level name bound to one (`REQUIRES = [...]`). Anything computed
    (a file read, a function call) gives nothing: the file is parsed, never run."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    names: dict[str, ast.expr] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                names[target.id] = statement.value
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if called != "setup":
            continue
        for keyword in node.keywords:
            if keyword.arg != "install_requires":
                continue
            value = keyword.value
            if isinstance(value, ast.Name):
                value = names.get(value.id, value)
            if isinstance(value, (ast.List, ast.Tuple)):
                return [
                    e.value for e in value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                ]
    return []


def requirement_file_options(context: Path, files: Iterable[str]) -> set[str]:
    """The options (`--index-url`, `-e`, ...) the given requirements files set, by name."""
    found: set[str] = set()
    for rel in files:
        normalized = _normalize_rel(rel)
        text = _read_text(context / normalized) if normalized is not None else None
        for line in _logical_lines(text or ""):
            words = shell_words(line)
            option = _split_option(words)[0] if words else None
            if option is not None:
                found.add(option)
            found.update(w.split("=", 1)[0] for w in words[1:] if w.startswith("--"))
    return found


def _logical_lines(text: str) -> Iterator[str]:
    """Lines with continuations joined and comments removed, as pip reads them."""
    pending = ""
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            yield line
    if pending.strip():
        yield pending.strip()


def _split_option(words: list[str]) -> tuple[str | None, str | None]:
    first = words[0]
    if not first.startswith("-"):
        return None, None
    if first.startswith("--"):
        name, eq, value = first.partition("=")
        if eq:
            return name, value
        return name, words[1] if len(words) > 1 else None
    # Short options may be glued to their value: -rbase.txt, -e.
    name = first[:2]
    if len(first) > 2:
        return name, first[2:]
    return name, words[1] if len(words) > 1 else None


_EXACT_PIN = re.compile(r"(?<![=!<>~])==\s*(\d+(?:\.\d+)*)(?![\w.*])")


def _add_pin(collected: _Collected, name: str, spec: object) -> None:
    """Record `name`'s exact pin from a lock or Pipfile entry: `==9.1.1` (Pipfile, Pipfile.lock)
    or a bare `9.1.1` (poetry.lock, uv.lock); a pre-release or a range records nothing."""
    if isinstance(spec, dict):
        spec = spec.get("version")
    if not isinstance(spec, str):
        return
    spec = spec.strip()
    pin = _EXACT_PIN.search(spec if spec.startswith("==") else "==" + spec)
    if pin is not None:
        collected.pins[normalize_name(name)] = pin.group(1)
    elif spec not in {"", "*"}:
        collected.ranges[normalize_name(name)] = spec


# A distribution built from its sdist where the same name usually installs a wheel: its twin
# is `<name>+sdist` ('+' is in no distribution's name), whose needs syspkgs lists.
SDIST = "+sdist"

# Distributions that ship binary wheels, the CPython minor -> their first release with a
# manylinux x86_64 wheel for it (checked with `pip download --only-binary=:all:
# --python-version`), and the distribution whose build needs an older pin then has: pip
# builds that pin from its sdist, with a compiler and headers the slim image lacks, and it
# links whatever optional libraries the image it was built on offers.
_WHEELS_SINCE: dict[str, tuple[str, dict[tuple[int, int], tuple[int, ...]]]] = {
    "psycopg2-binary": (
        "psycopg2",
        {(3, 10): (2, 9, 1), (3, 11): (2, 9, 5), (3, 12): (2, 9, 9), (3, 13): (2, 9, 10),
         (3, 14): (2, 9, 11)},
    ),
    # A source build links every image library it finds (syspkgs' pillow+sdist). Pillow
    # before 10.4 cannot build on 3.13 at all (its setup.py reads __version__ with exec(),
    # which PEP 667 broke: `KeyError: '__version__'` for 10.3.0 on the lab), so there the
    # original Dockerfile fails as well.
    "pillow": (
        "pillow" + SDIST,
        {(3, 10): (8, 3, 2), (3, 11): (9, 2, 0), (3, 12): (10, 0, 0), (3, 13): (10, 4, 0),
         (3, 14): (11, 3, 0)},
    ),
    "lxml": (
        "lxml" + SDIST,
        {(3, 10): (4, 6, 3), (3, 11): (4, 9, 1), (3, 12): (4, 9, 3), (3, 13): (5, 3, 0),
         (3, 14): (6, 0, 1)},
    ),
    # pip freeze output pins cffi (cryptography's dependency) with everything else.
    # cryptography itself ships abi3 wheels (cp35-abi3 2.9.2, cp36-abi3 3.3.2 and later install
    # on 3.13): an old pin needs no compiler, no Rust.
    "cffi": (
        "cffi" + SDIST,
        {(3, 10): (1, 15, 0), (3, 11): (1, 15, 1), (3, 12): (1, 16, 0), (3, 13): (1, 17, 0),
         (3, 14): (2, 0, 0)},
    ),
    # numpy 1.23.1 on the lab's python:3.11: 699 s to compile, C and C++ (npysort).
    "numpy": (
        "numpy" + SDIST,
        {(3, 10): (1, 21, 2), (3, 11): (1, 23, 2), (3, 12): (1, 26, 0), (3, 13): (2, 1, 0),
         (3, 14): (2, 3, 2)},
    ),
    # psutil ships abi3 wheels from 5.9.4 on; before, one wheel per CPython minor.
    "psutil": (
        "psutil" + SDIST,
        {(3, 10): (5, 9, 0), (3, 11): (5, 9, 4), (3, 12): (5, 9, 4), (3, 13): (5, 9, 4),
         (3, 14): (5, 9, 4)},
    ),
}


# The newest CPython minor _WHEELS_SINCE lists: what a floating `python:3` tag is taken for.
NEWEST_PYTHON: tuple[int, int] = max(
    minor for _, since in _WHEELS_SINCE.values() for minor in since
)


def built_from_source(pins: dict[str, str], python: tuple[int, int] | None) -> set[str]:
    """The source twins (`psycopg2`, `pillow+sdist`) of pinned binary distributions with no
    wheel for `python`: what the build then needs is theirs. Unknown Python or version:
    nothing."""
    found: set[str] = set()
    if python is None:
        return found
    for name, version in pins.items():
        entry = _WHEELS_SINCE.get(name)
        if entry is None:
            continue
        twin, since = entry
        first = since.get(python)
        if first is None and python > max(since):
            first = max(since.values())  # a newer Python than the table: no older wheel either
        if first is not None and _release(version) < _release(first):
            found.add(twin)
    return found


# A package its lock shows to be a compiled extension with no wheel for the image's Python on
# Linux: `<name>+source`, which syspkgs gives a C/C++ toolchain (what it links is not known).
SOURCE_BUILD = "+source"
_WHEEL_NAME = re.compile(r"^(?P<stem>.+?)-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$")
_LINUX_GLIBC = re.compile(r"^(many)?linux[_\w]*_(x86_64|aarch64)$")


def locked_source_builds(
    lock_files: dict[str, list[str]], python: tuple[int, int] | None
) -> set[str]:
    """The packages a lock file shows pip or the manager will compile on this image: the lock
    lists compiled wheels for the package (a platform tag, not `none-any`), so it is a C
    extension, and none of them installs on CPython `python` under glibc Linux (x86_64 or
    aarch64), nor does a pure wheel. The installer then builds the sdist, with a compiler and
    headers the slim image lacks. Read from the lock's own file list, so the dry run needs no
    index; packages the wheel table knows (`_WHEELS_SINCE`) are left to it, and an sdist-only
    package (no wheels at all: pure Python as often as not) to the table of known ones."""
    found: set[str] = set()
    if python is None:
        return found
    for name, files in lock_files.items():
        if name in _WHEELS_SINCE:
            continue
        wheels = [m for f in files if (m := _WHEEL_NAME.match(f.rsplit("/", 1)[-1]))]
        if not any(m["plat"] != "any" for m in wheels):
            continue
        if not any(_wheel_installs(m, python) for m in wheels):
            found.add(name + SOURCE_BUILD)
    return found


def _wheel_installs(wheel: re.Match[str], python: tuple[int, int]) -> bool:
    """Whether a wheel's tags (each of them may be compressed: `py2.py3`, `manylinux_2_17_
    x86_64.manylinux2014_x86_64`) install on CPython `python` with glibc, x86_64 or aarch64."""
    plats = wheel["plat"].split(".")
    if not any(p == "any" or _LINUX_GLIBC.match(p) for p in plats):
        return False
    abis = wheel["abi"].split(".")
    for tag in wheel["py"].split("."):
        if tag in ("py3", f"py{python[0]}{python[1]}") and (
            "none" in abis or "abi3" in abis
        ):
            return True
        version = re.fullmatch(r"cp(\d)(\d+)", tag)
        if version is None:
            continue
        tagged = (int(version[1]), int(version[2]))
        if tagged == python:
            return True
        if "abi3" in abis and tagged[0] == python[0] and tagged <= python:
            return True
    return False


def _lock_file_names(entries: object) -> list[str]:
    """File names from a lock's list of files: poetry's and pdm's `{file = ...}`, uv's
    `{url = ...}` (or `filename`/`path`)."""
    names: list[str] = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict):
            for key in ("file", "filename", "url", "path"):
                value = entry.get(key)
                if isinstance(value, str) and value:
                    names.append(value.rsplit("/", 1)[-1].split("#", 1)[0])
                    break
    return names


def _no_binary_names(value: str, names: set[str] | None = None) -> set[str]:
    """The names a `--no-binary` value forces from source, added to `names` (the ones read
    before it): comma-separated names, `:all:`; `:none:` clears the ones before it, as pip
    reads it."""
    names = set() if names is None else names
    for item in value.split(","):
        item = item.strip()
        if item == ":none:":
            names.clear()
        elif item:
            names.add(item if item == ":all:" else normalize_name(item))
    return names


def _no_binary_in_dockerfile(dockerfile_text: str, commands: Iterable[str]) -> set[str]:
    """`--no-binary` given to an install command, and PIP_NO_BINARY (pip reads any option from
    PIP_<OPTION>) set by ENV, ARG or before the command."""
    names: set[str] = set()
    for match in re.finditer(r"\bPIP_NO_BINARY=(\"[^\"]*\"|'[^']*'|\S+)", dockerfile_text):
        _no_binary_names(match.group(1).strip("\"'"), names)
    for command in commands:
        for words in _simple_commands(command):
            kind, args = _classify(words)
            if kind not in {"pip-install", "pip-sync"}:
                continue
            _no_binary_options(args, names)
    return names


def _no_binary_options(args: list[str], names: set[str]) -> None:
    """Add the names of every `--no-binary X` / `--no-binary=X` among `args` to `names`."""
    for k, word in enumerate(args):
        if word == "--no-binary" and k + 1 < len(args):
            _no_binary_names(args[k + 1], names)
        elif word.startswith("--no-binary="):
            _no_binary_names(word.split("=", 1)[1], names)


def forced_from_source(no_binary: set[str], packages: set[str]) -> set[str]:
    """The source twins of binary distributions `--no-binary` makes pip build: psycopg2 for
    psycopg2-binary, lxml+sdist for lxml (python3-saml's advice against the libxml2 version
    mismatch with xmlsec is `--no-binary lxml`). Read as wheels, their build packages were
    dropped from slim and their libraries from the final stage."""
    found: set[str] = set()
    for name in packages:
        entry = _WHEELS_SINCE.get(name)
        if entry is not None and (name in no_binary or ":all:" in no_binary):
            found.add(entry[0])
    return found


def _release(version: str | tuple[int, ...]) -> tuple[int, ...]:
    """A release as a tuple padded to three parts: `10.4` is 10.4.0, not older than it."""
    parts = tuple(int(p) for p in version.split(".")) if isinstance(version, str) else version
    return parts + (0,) * (3 - len(parts))


def final_python(dockerfile_text: str) -> tuple[int, int] | None:
    """The CPython minor of the final stage's official python image (`python:3.11-slim`,
    ARG defaults expanded, an earlier stage's name followed), else None."""
    from optimizer.dockerfile import Dockerfile, DockerfileError

    try:
        dockerfile = Dockerfile.parse(dockerfile_text)
    except DockerfileError:
        return None
    stages = dockerfile.stages()
    if not stages:
        return None
    image = dockerfile.resolve(dockerfile.lineage(stages[-1])[-1].base)
    found = re.fullmatch(r"(?:[\w.-]+/)*python:(\d+)\.(\d+)\b.*", image)
    if found:
        return (int(found.group(1)), int(found.group(2)))
    # A floating tag (`python:3`, `python:latest`, `python:slim-bookworm`, bare `python`) is
    # the newest CPython on the day it builds: at least the newest minor the wheel table
    # knows. Read as unknown it hid every old pin's source build (jimenezraul/personal_cloud:
    # `FROM python:3` with Pillow 8.0.1 and cffi 1.14.4 was slimmed without a compiler).
    if re.fullmatch(r"(?:[\w.-]+/)*python(?::(?:3|latest)?(?:-?[a-z][\w.-]*)?)?", image):
        return NEWEST_PYTHON
    return None


def _add_requirement(collected: _Collected, spec: str, editable: bool = False) -> None:
    spec = spec.strip()
    # Options pip allows after a requirement on the same line (--hash, --config-settings...).
    spec = re.split(r"\s--?[A-Za-z]", " " + spec, maxsplit=1)[0].strip()
    if not spec:
        return
    if _VCS.match(spec):
        collected.git = True
        egg = _EGG.search(spec)
        if egg:
            collected.add_package(egg.group(1))
        return
    if _is_local_path(spec):
        collected.local = True
        egg = _EGG.search(spec)
        if egg:
            collected.add_package(egg.group(1))
        return
    if _URL.match(spec):
        egg = _EGG.search(spec)
        if egg:
            collected.add_package(egg.group(1))
        return
    name, extras, url = _parse_pep508(spec)
    if name is None:
        return
    collected.add_package(name, extras)
    pin = _EXACT_PIN.search(spec)
    if pin is not None:
        collected.pins[normalize_name(name)] = pin.group(1)
    elif url is None:
        version = _version_part(spec)
        if version:
            collected.ranges[normalize_name(name)] = version
    if url is not None:
        if _VCS.match(url) or "git+" in url:
            collected.git = True
        elif url.startswith("file:") or _is_local_path(url):
            collected.local = True
    if editable:
        collected.local = True


def _parse_pep508(spec: str) -> tuple[str | None, list[str], str | None]:
    """Name, extras and direct URL of a PEP 508 requirement; markers and versions are ignored."""
    match = _NAME.match(spec)
    if not match:
        return None, [], None
    extras = [e.strip() for e in (match.group(2) or "").split(",") if e.strip()]
    rest = spec[match.end() :].split(";", 1)[0].strip()
    url = rest[1:].strip() if rest.startswith("@") else None
    return match.group(1), extras, url


def _version_part(spec: str) -> str:
    """`>=3.0,<4.0` of `Django[argon2] >=3.0,<4.0 ; python_version > "3.8"`."""
    match = _NAME.match(spec)
    return "" if not match else spec[match.end() :].split(";", 1)[0].strip().strip("()")


def _is_local_path(spec: str) -> bool:
    head = spec.split(";", 1)[0].split("#", 1)[0].strip()
    if head.startswith("file:"):
        return True
    # A trailing extras block ("./pkg[dev]") still names a path.
    head = re.sub(r"\[[^\]]*\]$", "", head)
    if head in {".", ".."} or head.startswith(("./", "../", "/", "~")):
        return True
    return head.endswith((".whl", ".tar.gz", ".zip")) and not _URL.match(head)


def _add_pep508_list(collected: _Collected, specs: object) -> None:
    if not isinstance(specs, list):
        return
    for spec in specs:
        if isinstance(spec, str):
            _add_requirement(collected, spec)


# -- poetry ----------------------------------------------------------------------------------


def _read_poetry(context: Path, base: str, pyproject: dict[str, Any]) -> _Collected:
    collected = _Collected()
    for name in _MANAGER_FILES["poetry"]:
        if (context / base / name).is_file():
            collected.add_file(_join(base, name))
    tool = pyproject.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    poetry = poetry if isinstance(poetry, dict) else {}
    project = pyproject.get("project", {})
    project = project if isinstance(project, dict) else {}

    declared = poetry.get("dependencies", {})
    if isinstance(declared, dict):
        for name, spec in declared.items():
            if normalize_name(name) == "python":
                continue
            extras = spec.get("extras", []) if isinstance(spec, dict) else []
            collected.add_package(name, extras if isinstance(extras, list) else [])
            # Poetry reads a bare version (`pillow = "9.1.1"`) as ==; poetry.lock, read after,
            # has the last word.
            _add_pin(collected, name, spec)
            if isinstance(spec, dict):
                if "git" in spec:
                    collected.git = True
                if "path" in spec:
                    collected.local = True
    # Poetry 2 declares runtime dependencies in PEP 621 form.
    _add_pep508_list(collected, project.get("dependencies"))

    lock = _load_toml(context / base / "poetry.lock")
    packages = lock.get("package", [])
    if isinstance(packages, list):
        for package in packages:
            if not isinstance(package, dict) or not isinstance(package.get("name"), str):
                continue
            if not _poetry_main_group(package):
                continue
            collected.add_package(package["name"])
            _add_pin(collected, package["name"], package.get("version"))
            collected.add_lock_files(package["name"], _lock_file_names(package.get("files")))
            source = package.get("source")
            if isinstance(source, dict):
                kind = source.get("type")
                if kind == "git":
                    collected.git = True
                elif kind in {"directory", "file"}:
                    collected.local = True
    # poetry.lock before format 2.0 lists the files in [metadata.files], by name.
    metadata = lock.get("metadata")
    old_files = metadata.get("files") if isinstance(metadata, dict) else None
    if isinstance(old_files, dict):
        for name, entries in old_files.items():
            if isinstance(name, str) and normalize_name(name) in collected.packages:
                collected.add_lock_files(name, _lock_file_names(entries))
    return collected


def _poetry_main_group(package: dict[str, Any]) -> bool:
    """Whether a poetry.lock entry installs without dev groups (`category` or `groups`)."""
    groups = package.get("groups")
    if isinstance(groups, list):
        return "main" in groups
    category = package.get("category")
    if isinstance(category, str):
        return category == "main"
    return True


# -- uv --------------------------------------------------------------------------------------


def _read_uv(context: Path, base: str, pyproject: dict[str, Any]) -> _Collected:
    collected = _Collected()
    for name in _MANAGER_FILES["uv-sync"]:
        if (context / base / name).is_file():
            collected.add_file(_join(base, name))
    project = pyproject.get("project", {})
    project = project if isinstance(project, dict) else {}
    _add_pep508_list(collected, project.get("dependencies"))

    lock = _load_toml(context / base / "uv.lock")
    entries = [
        p for p in lock.get("package", []) if isinstance(p, dict) and isinstance(p.get("name"), str)
    ] if isinstance(lock.get("package"), list) else []
    by_name = {normalize_name(p["name"]): p for p in entries}
    roots = [p for p in entries if _uv_is_project(p.get("source"))]
    if roots:
        # Walk runtime dependencies from the project itself so dev groups stay out.
        reachable: set[str] = set()
        stack = [normalize_name(r["name"]) for r in roots]
        while stack:
            name = stack.pop()
            if name in reachable or name not in by_name:
                continue
            reachable.add(name)
            for dep in by_name[name].get("dependencies", []) or []:
                if isinstance(dep, dict) and isinstance(dep.get("name"), str):
                    stack.append(normalize_name(dep["name"]))
        root_names = {normalize_name(r["name"]) for r in roots}
        chosen = [by_name[n] for n in sorted(reachable - root_names)]
    else:
        chosen = entries
    for package in chosen:
        collected.add_package(package["name"])
        _add_pin(collected, package["name"], package.get("version"))
        sdist = package.get("sdist")
        collected.add_lock_files(
            package["name"],
            _lock_file_names([*(package.get("wheels") or []), *([sdist] if sdist else [])]),
        )
        source = package.get("source")
        if isinstance(source, dict):
            if "git" in source:
                collected.git = True
            elif {"path", "directory", "editable"} & source.keys():
                collected.local = True
    return collected


def _uv_is_project(source: object) -> bool:
    return isinstance(source, dict) and (
        source.get("editable") == "." or source.get("virtual") == "."
    )


# -- pdm -------------------------------------------------------------------------------------


def _read_pdm(context: Path, base: str, pyproject: dict[str, Any]) -> _Collected:
    """PEP 621 dependencies plus pdm.lock's packages of the default group (what `--prod`
    installs; dev groups are other names in each package's `groups`)."""
    collected = _Collected()
    for name in _MANAGER_FILES["pdm"]:
        if (context / base / name).is_file():
            collected.add_file(_join(base, name))
    project = pyproject.get("project", {})
    project = project if isinstance(project, dict) else {}
    _add_pep508_list(collected, project.get("dependencies"))

    lock = _load_toml(context / base / "pdm.lock")
    packages = lock.get("package", [])
    if isinstance(packages, list):
        for package in packages:
            if not isinstance(package, dict) or not isinstance(package.get("name"), str):
                continue
            groups = package.get("groups")
            if isinstance(groups, list) and "default" not in groups:
                continue
            collected.add_package(package["name"])
            collected.add_lock_files(package["name"], _lock_file_names(package.get("files")))
            if isinstance(package.get("git"), str):
                collected.git = True
            elif isinstance(package.get("path"), str):
                collected.local = True
    return collected


# -- pipenv ----------------------------------------------------------------------------------


def _read_pipenv(context: Path, base: str) -> _Collected:
    collected = _Collected()
    for name in _MANAGER_FILES["pipenv"]:
        if (context / base / name).is_file():
            collected.add_file(_join(base, name))

    def add_entry(name: str, spec: object) -> None:
        extras = spec.get("extras", []) if isinstance(spec, dict) else []
        collected.add_package(name, extras if isinstance(extras, list) else [])
        _add_pin(collected, name, spec)
        if isinstance(spec, dict):
            if "git" in spec:
                collected.git = True
            if "path" in spec or str(spec.get("file", "")).startswith("file:"):
                collected.local = True

    pipfile = _load_toml(context / base / "Pipfile")
    packages = pipfile.get("packages", {})
    if isinstance(packages, dict):
        for name, spec in packages.items():
            add_entry(name, spec)

    text = _read_text(context / base / "Pipfile.lock")
    if text is not None:
        try:
            lock = json.loads(text)
        except ValueError:
            lock = {}
        default = lock.get("default", {}) if isinstance(lock, dict) else {}
        if isinstance(default, dict):
            for name, spec in default.items():
                add_entry(name, spec)
    return collected


# -- Dockerfile commands ---------------------------------------------------------------------


def _run_commands_fallback(text: str) -> list[str]:
    r"""RUN lines of a Dockerfile our parser refuses (heredocs...), continuations joined.

    Blanks as `[ \t]`: a `\s*` at each line start runs across blank lines, quadratic."""
    joined = re.sub(r"\\\r?\n", " ", text)
    return [
        m.group(1).strip()
        for m in re.finditer(r"^[ \t]*RUN[ \t]+(.*)$", joined, re.IGNORECASE | re.MULTILINE)
    ]


def _simple_commands(command: str, depth: int = 0) -> Iterator[list[str]]:
    """Split shell text into simple commands (words), on &&, ||, ;, | and newlines; the
    commands of a `sh -c "..."` / `su app -c "..."` script follow the command that runs them.

    reach1dev/react-django-docker-boilerplate installs its app's requirements with `RUN
    /bin/bash -c "virtualenv .env && source .env/bin/activate && pip install -r
    requirements.txt"`: read as one word, mysqlclient went unseen and slim-base dropped the
    full image's MySQL headers the build compiles it with."""
    # shell.words, not shlex: shlex is quadratic in a token's length.
    tokens = shell_words(command, punctuation=";&|()")
    words: list[str] = []
    for token in [*tokens, ";"]:
        if token and set(token) <= set(";&|()"):
            if words:
                yield words
                script = shell_c_script(words)
                if script is not None and depth < 3:
                    yield from _simple_commands(script, depth + 1)
            words = []
        else:
            words.append(token)


def _classify(words: list[str]) -> tuple[str | None, list[str]]:
    """Which install a simple command is, and the arguments after the subcommand."""
    # Skip env assignments, sudo/exec wrappers and RUN --mount style leftovers.
    while words and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]) or words[0] in {
        "sudo", "exec", "env", "time", "nice",
    }):
        words = words[1:]
    if not words:
        return None, []
    program = PurePosixPath(words[0]).name
    rest = words[1:]
    if re.fullmatch(r"python[0-9.]*", program):
        if len(rest) >= 2 and rest[0] == "-m":
            program, rest = rest[1], rest[2:]
        else:
            return None, []
    if program == "uv" and rest[:1] == ["pip"]:
        program, rest = "pip", rest[1:]
    elif program == "uv":
        if rest[:1] == ["sync"]:
            return "uv-sync", rest[1:]
        return None, []
    if re.fullmatch(r"pip[0-9.]*", program):
        sub = _first_positional(rest)
        if sub == "install":
            return "pip-install", rest[rest.index("install") + 1 :]
        if sub == "sync":
            return "pip-sync", rest[rest.index("sync") + 1 :]
        if sub == "compile":  # `uv pip compile`
            return "pip-compile", rest[rest.index("compile") + 1 :]
        return None, []
    if program == "pip-sync":
        return "pip-sync", rest
    if program == "pip-compile":
        return "pip-compile", rest
    if program == "poetry" and _first_positional(rest) in {"install", "sync", "export"}:
        return "poetry", rest
    if program == "pipenv" and _first_positional(rest) in {"install", "sync", "requirements"}:
        return "pipenv", rest
    if program == "pdm" and _first_positional(rest) in {"install", "sync", "export"}:
        return "pdm", rest
    return None, []


def _first_positional(args: list[str]) -> str | None:
    return next((a for a in args if not a.startswith("-")), None)


def _iter_options(args: list[str]) -> Iterator[tuple[str | None, str]]:
    """(option, value) pairs of an install's arguments; positionals come as (None, word)."""
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("--") and "=" in word:
            name, _, value = word.partition("=")
            yield name, value
        elif word in {"-r", "--requirement", "-c", "--constraint", "-e", "--editable"}:
            if i + 1 < len(args):
                yield word, args[i + 1]
                i += 1
        elif word[:2] in {"-r", "-c", "-e"} and len(word) > 2 and not word.startswith("--"):
            yield word[:2], word[2:]
        elif word in _VALUE_OPTIONS:
            i += 1
        elif word.startswith("-"):
            yield word, ""
        else:
            yield None, word
        i += 1


def _installs_local(args: list[str]) -> bool:
    for option, value in _iter_options(args):
        if option in {"-e", "--editable"} or (option is None and _is_local_path(value)):
            return True
    return False


def _installs_local_in_command(command: str) -> bool:
    return any(
        kind == "pip-install" and _installs_local(args)
        for kind, args in (_classify(w) for w in _simple_commands(command))
    )


def _packages_named_in_commands(commands: Iterable[str]) -> set[str]:
    """Distributions a Dockerfile pip-installs by name (`pip install gunicorn psycopg2`)."""
    names: set[str] = set()
    for command in commands:
        for words in _simple_commands(command):
            kind, args = _classify(words)
            if kind != "pip-install":
                continue
            collected = _Collected()
            for option, value in _iter_options(args):
                if option is None and "$" not in value:
                    _add_requirement(collected, value)
            names |= collected.packages
    return names


def _container_to_context(path: str, workdir: str | None) -> str | None:
    if "$" in path or _URL.match(path):
        return None
    if path.startswith("/"):
        if workdir is None:
            return None
        try:
            path = PurePosixPath(path).relative_to(PurePosixPath(workdir)).as_posix()
        except ValueError:
            return None
    return _normalize_rel(path)


# -- small helpers ---------------------------------------------------------------------------


def _normalize_rel(rel: str) -> str | None:
    """A relative POSIX path with `.`/`..` folded; None for absolute paths or no file at all.

    Leading `..` are kept: callers may pass a subdirectory of the context as the base, and a
    `-r ../base.txt` from there is still a file the install reads.
    """
    if rel.startswith("/"):
        return None
    folded = posixpath.normpath(rel)
    return None if folded in {".", ".."} else folded


# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_manifest(data: bytes) -> str:
    """Text of a manifest, honouring a byte-order mark as pip does.

    Windows PowerShell's `pip freeze > requirements.txt` writes UTF-16 with a BOM, which pip
    installs from; read as UTF-8 it would yield no packages. Undecodable bytes are replaced rather
    than the file dropped, so the rest of a mostly readable file still counts.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def _read_text(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return None
        return decode_manifest(path.read_bytes())
    except OSError:
        return None


def _load_toml(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    if text is None:
        return {}
    import tomllib  # only projects with a pyproject.toml or lock file need the parser

    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return {}
