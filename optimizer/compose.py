"""The project's Docker Compose file, read by Docker Compose itself.

`docker compose config --format json` does what a home-made YAML reading would get wrong:
overrides (`docker-compose.override.yml`), `extends`, `env_file` merged into `environment`,
variable interpolation, short and long syntaxes, relative paths. We only interpret its canonical
JSON. Compose is never asked to build, pull or run anything here.

Nothing in this module is required: without a compose file, or without the `docker compose`
plugin, callers get None and a reason they may show.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The file-name check lives apart so that a dry run without a compose file skips this module.
from optimizer.composefiles import ComposeError as ComposeError
from optimizer.composefiles import find_compose_files as find_compose_files

_TIMEOUT = 30.0
_MISSING_ENV_FILE = re.compile(r"env file (\S+) not found")
_MISSING_VARIABLE = re.compile(r"required variable (\w+) is missing a value")
_V1_FORMAT = re.compile(r"\(root\) Additional property (\S+) is not allowed")
# A `ports:` entry made only of variables that are not set here (hammer_test's `- ${PORT}`):
# Compose reads it as empty and refuses the whole file.
_EMPTY_PORT = re.compile(r"No port specified: :?<empty>")
_UNSET_VARIABLE = re.compile(r'The \\?"(\w+)\\?" variable is not set')
# What such a variable is read as: a port Compose accepts (Django's usual one).
PORT_PLACEHOLDER = "8000"
# What a required variable (`${CELERY_BROKER:?err}`) is read as when it is not set here.
PLACEHOLDER = "dj-optimize-unset"
_MIRROR_DEPTH = 2
# The names projects give an env file's committed template (`.exemple`: French-speaking
# projects' spelling, seen in the corpus).
_EXAMPLE_SUFFIXES = (
    ".example", ".sample", ".template", ".dist", ".default", ".defaults", ".exemple", ".tpl",
    ".tmpl",
)


@dataclass(frozen=True)
class BindMount:
    source: str  # absolute host path
    target: str  # path in the container
    read_only: bool = False


@dataclass(frozen=True)
class Port:
    target: int
    published: str | None = None
    protocol: str = "tcp"


@dataclass(frozen=True)
class Service:
    name: str
    image: str | None = None
    # Absolute build context and the Dockerfile's absolute path, when the service builds.
    build_context: Path | None = None
    dockerfile: Path | None = None
    build_target: str | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    # Variables the service passes through without a value (`environment: [DEBUG]`) that
    # neither the shell nor .env sets: Compose leaves them out of the container, so the
    # settings' defaults apply (`int(os.environ.get("DEBUG", 0))`); they are not "" there.
    unset: tuple[str, ...] = ()
    ports: tuple[Port, ...] = ()
    depends_on: tuple[str, ...] = ()
    bind_mounts: tuple[BindMount, ...] = ()
    user: str | None = None
    working_dir: str | None = None
    healthcheck: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def builds(self, dockerfile: Path) -> bool:
        return self.dockerfile is not None and _same(_built_file(self.dockerfile), dockerfile)

    def mounts_over(self, container_path: str) -> BindMount | None:
        """The bind mount that hides `container_path` in the image (the source mounted over it)."""
        path = container_path.rstrip("/") or "/"
        for mount in self.bind_mounts:
            target = mount.target.rstrip("/") or "/"
            if path == target or path.startswith(target.rstrip("/") + "/"):
                return mount
        return None


@dataclass(frozen=True)
class ComposeProject:
    directory: Path
    files: tuple[Path, ...]
    services: dict[str, Service]
    # Things the reader had to assume, for the report ("env file .env not found: read as empty").
    notes: tuple[str, ...] = ()
    # Committed templates read in place of missing env files (".env.example"): their empty
    # values are placeholders the user fills in, so verify names them when nothing runs.
    templates: tuple[str, ...] = ()
    # The profiles read as active (`docker compose --profile dev`); () : none, compose's default.
    profiles: tuple[str, ...] = ()
    # Each template read and the missing env file it stood for, both relative to `directory`
    # (`.envs/env.example/.django`, `.envs/.local/.django`): the `cp` that makes the file.
    copies: tuple[tuple[str, str], ...] = ()

    def building(self, dockerfile: Path) -> list[Service]:
        """Services whose build uses this Dockerfile."""
        return [s for s in self.services.values() if s.builds(dockerfile)]

    def dependencies(self, service: Service) -> list[Service]:
        """`depends_on` services, transitively, dependencies first."""
        order: list[Service] = []
        seen: set[str] = {service.name}

        def visit(name: str) -> None:
            if name in seen or name not in self.services:
                return
            seen.add(name)
            for dep in self.services[name].depends_on:
                visit(dep)
            order.append(self.services[name])

        for dep in service.depends_on:
            visit(dep)
        return order


def compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(
            ["docker", "compose", "version"],
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def load(
    directory: Path,
    files: list[Path] | None = None,
    env_file: Path | None = None,
    profiles: tuple[str, ...] = (),
) -> ComposeProject | None:
    """Read the compose project in `directory` (or the given files) with `profiles` active
    ("*": all). None when there is no compose file; ComposeError when there is one Compose
    cannot read or Compose is missing."""
    directory = directory.resolve()
    files = [f.resolve() for f in files] if files else find_compose_files(directory)
    if not files:
        return None
    if not compose_available():
        raise ComposeError("`docker compose` is not installed, so the compose file was not read")
    data, notes, templates, copies = _config(directory, files, env_file, profiles)
    services = {
        name: _service(name, raw)
        for name, raw in (data.get("services") or {}).items()
        if isinstance(raw, dict)
    }
    return ComposeProject(
        directory, tuple(files), services, tuple(notes), tuple(templates), tuple(profiles),
        tuple(copies),
    )


def services_as_written(path: Path) -> list[Service]:
    """The services of one compose file with their `${VARS}` as written (`docker compose
    config --no-interpolate`): `image: ${CI_REGISTRY_IMAGE}` is the tag a CI job fills in, where
    the interpolated file says "". Empty when Compose is missing or cannot read the file."""
    if not compose_available():
        return []
    command = [
        "docker", "compose", "--project-directory", str(path.parent), "-f", str(path),
        "config", "--no-interpolate", "--format", "json",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, errors="replace", timeout=_TIMEOUT,
            check=False, stdin=subprocess.DEVNULL, env=env,
        )
        data = _json(done.stdout) if done.returncode == 0 else {}
    except (OSError, subprocess.SubprocessError, ComposeError):
        return []
    return [
        _service(name, raw)
        for name, raw in (data.get("services") or {}).items()
        if isinstance(raw, dict)
    ]


def example_for(path: Path, top: Path | None = None) -> Path | None:
    """The committed template of a missing env file (`.env.example` for `.env`, ...): what a
    new user copies before `docker compose up`; with `top` (the compose project's directory),
    also in a tree of templates below it (`.envs.example/.local/.django`)."""
    bare = path.name.lstrip(".")
    for suffix in _EXAMPLE_SUFFIXES:
        word = suffix.lstrip(".")
        # .env.example, env.example, example.env, .example.env; then with `_` or `-` for the
        # dot (orimi's `env_example`, `.env-sample`), which a listing shows just as plainly.
        names = [path.name + suffix, bare + suffix, f"{word}.{bare}", f".{word}.{bare}"]
        for sep in ("_", "-"):
            names += [f"{path.name}{sep}{word}", f"{bare}{sep}{word}", f"{word}{sep}{bare}"]
        for name in names:
            candidate = path.with_name(name)
            if name != path.name and candidate.is_file():
                return candidate
    return _loose_example(path) or (_tree_example(path, top) if top is not None else None)


def _is_template_name(name: str) -> bool:
    """A directory named as a template (`.example`, `env.example`, `.envs-sample`): its last
    word, after a dot, `_` or `-`, is a template word."""
    words = [w for w in _LOOSE_SEPARATORS.split(name.lower()) if w]
    return bool(words) and words[-1] in _LOOSE_WORDS


def _tree_example(path: Path, top: Path, levels: int = 3) -> Path | None:
    """The template of a missing env file kept in a directory tree of templates: cookiecutter-
    django's `.envs/.local/.django` is committed as `.envs.example/.local/.django` (a template
    copy of the tree beside it) or `.envs/.example/.django` (a template beside the
    environment's directory; ElmurodovJavohir/price-parser's `.envs/env.example/.django`).
    Verify read the env file as empty, and the settings had no database."""
    rel = Path(path.name)
    directory = path.parent
    for _ in range(levels):
        parent = directory.parent
        # Not above the project: its neighbours are other projects.
        if parent == directory or not parent.is_relative_to(top):
            break
        try:
            siblings = sorted(c for c in parent.iterdir() if c.is_dir() and c != directory)
        except OSError:
            siblings = []  # `.envs` itself not committed: its template tree may be above
        base = directory.name.lstrip(".").lower()
        for sibling in siblings:
            name = sibling.name.lstrip(".").lower()
            # `.envs.example` beside `.envs`: the same tree below it.
            if name.startswith(base) and _is_template_name(name[len(base):] or "-"):
                candidate = sibling / rel
                if candidate.is_file():
                    return candidate
        if len(rel.parts) == 1:
            # `.envs/.example/.django` for `.envs/.local/.django`: the template directory
            # stands for the environment's.
            for sibling in siblings:
                if _is_template_name(sibling.name) and (sibling / rel).is_file():
                    return sibling / rel
        rel = Path(directory.name) / rel
        directory = parent
    return None


# What the names above miss, matched on the directory's listing without regard to case: the
# env file's name, then (a separator or none) an optional "file" and a template word, also
# abbreviated (`.env-SAMPLE`, `.envFileExample`, `.env.prod.exmp`; seen on grumatic,
# xorazmiy1996 and Exillite). Anything else between the name and the word (`.env.prod.exmp`
# for `.env`) is another file's template, not this one's.
_LOOSE_WORDS = (
    *(s.lstrip(".") for s in _EXAMPLE_SUFFIXES), "exmp", "expl", "examples", "samples", "templ",
    "orig",
)
_LOOSE_SEPARATORS = re.compile(r"[._-]+")


def _loose_example(path: Path) -> Path | None:
    bare = path.name.lstrip(".").lower()
    if not bare:
        return None
    try:
        listing = sorted(c for c in path.parent.iterdir() if c.is_file())
    except OSError:
        return None
    for candidate in listing:
        name = candidate.name.lstrip(".").lower()
        if candidate.name == path.name or not name.startswith(bare):
            continue
        rest = _LOOSE_SEPARATORS.sub("", name[len(bare):])
        rest = rest.removeprefix("file")
        if rest in _LOOSE_WORDS:
            return candidate
    return None


def _config(
    directory: Path,
    files: list[Path],
    env_file: Path | None = None,
    profiles: tuple[str, ...] = (),
) -> tuple[dict[str, Any], list[str], list[str], list[tuple[str, str]]]:
    # No .env but a template of it: Compose interpolates ${VARS} from .env, so read as if the
    # user had copied the template, as its README tells them to. `env_file` (compose's
    # --env-file) replaces the project directory's .env.
    dot_env = (
        example_for(directory / ".env")
        if env_file is None and not (directory / ".env").exists()
        else None
    )
    done = _run_config(directory, files, env_file, profiles=profiles) if dot_env is None else None
    if done is not None and done.returncode == 0:
        return _json(done.stdout), [], [], []
    if done is not None and not _recoverable(done.stderr, files):
        raise ComposeError(_first_error(done.stderr))
    # Compose refuses the whole file for things a checkout normally lacks or an older Compose
    # accepted: `env_file: .env` not committed (an .env.example beside it), a required
    # `${VAR:?err}` set only on the deploy host, the version 1 format (services at the top,
    # no `services:`). Read a copy in which those are provided, and map the copy's paths
    # back. The user's tree is never written to.
    with tempfile.TemporaryDirectory(prefix="djopt-compose-") as scratch:
        # The copy sits _MIRROR_DEPTH levels down, so `env_file: ../.env` stays inside it.
        top = Path(scratch)
        levels = [p for p in directory.parents][:_MIRROR_DEPTH]
        root = top.joinpath(*[f"up{n}" for n in range(len(levels), 0, -1)])
        root.mkdir(parents=True)
        mapping = _mirror(directory, files, root)
        notes: list[str] = []
        templates: list[str] = []
        copies: list[tuple[str, str]] = []
        if dot_env is not None:
            shutil.copyfile(dot_env, root / ".env")
            notes.append(f".env not found: read {dot_env.name} in its place")
            templates.append(os.path.relpath(dot_env, directory).replace(os.sep, "/"))
        elif env_file is None and (directory / ".env").is_file():
            # The project's own .env interpolates the copy as it does the project (the copy
            # holds only the compose files).
            shutil.copyfile(directory / ".env", root / ".env")
        variables: dict[str, str] = {}
        for _ in range(20):  # each run reports the next problem
            done = _run_config(
                root, [mapping[f] for f in files], env_file, variables, profiles=profiles
            )
            if done.returncode == 0:
                text = done.stdout.replace(str(root), str(directory))
                # Then the levels above: up2/up1 -> directory's parent, up2 -> its parent.
                mirror = root
                for real in levels:
                    mirror = mirror.parent
                    text = text.replace(str(mirror), str(real))
                return _json(text), notes, templates, copies
            missing = _MISSING_ENV_FILE.findall(done.stderr)
            for path in missing:
                target = Path(os.path.normpath(path))
                if not target.is_relative_to(top) or target == top:
                    raise ComposeError(_first_error(done.stderr))
                target.parent.mkdir(parents=True, exist_ok=True)
                rel = os.path.relpath(target, root).replace(os.sep, "/")
                real = Path(os.path.normpath(directory / rel))
                template = example_for(real, directory)
                if real.is_file():
                    # Missing only from the copy, which holds just the compose files: the
                    # project's own file is read (37dev/wagtail-docker's committed .env.nginx
                    # was "not found: read as empty" because its .env was missing).
                    shutil.copyfile(real, target)
                elif template is not None:
                    shutil.copyfile(template, target)
                    shown = (
                        template.name if template.parent == real.parent
                        else os.path.relpath(template, directory).replace(os.sep, "/")
                    )
                    notes.append(f"env file {rel} not found: read {shown} in its place")
                    templates.append(os.path.relpath(template, directory).replace(os.sep, "/"))
                    copies.append((templates[-1], rel))
                else:
                    target.touch()
                    notes.append(f"env file {rel} not found: read as empty")
            if missing:
                continue
            variable = _MISSING_VARIABLE.search(done.stderr)
            if variable and variable.group(1) not in variables:
                variables[variable.group(1)] = PLACEHOLDER
                notes.append(
                    f"required variable {variable.group(1)} is not set here: read as "
                    f"{PLACEHOLDER!r}"
                )
                continue
            if _EMPTY_PORT.search(done.stderr):
                in_ports = _port_variables(files)
                unset = [
                    n for n in dict.fromkeys(_UNSET_VARIABLE.findall(done.stderr))
                    if n in in_ports and n not in variables
                ]
                # Or set to nothing: a template's `DB_PORT=` (jafaul/lms's `.env.template`,
                # read for the missing .env) is no "variable is not set" for Compose.
                blank = _blank_variables(
                    [env_file] if env_file is not None else [root / ".env"]
                )
                unset += [
                    n for n in sorted(in_ports & blank) if n not in variables and n not in unset
                ]
                if unset:
                    for name in unset:
                        variables[name] = PORT_PLACEHOLDER
                    notes.append(
                        f"variable{'s' if len(unset) > 1 else ''} {', '.join(unset)} "
                        f"{'are' if len(unset) > 1 else 'is'} unset or empty here and a "
                        f"`ports:` entry is made of {'them' if len(unset) > 1 else 'it'}: read as "
                        f"{PORT_PLACEHOLDER}"
                    )
                    continue
            v1 = _V1_FORMAT.search(done.stderr)
            if v1:
                source = next((f for f in files if str(mapping[f]) in done.stderr), None)
                if source is not None and _upgrade_v1(mapping[source]):
                    notes.append(
                        f"{source.name} is in the version 1 format (services at the "
                        "top): read as if under `services:`"
                    )
                    continue
            break
    raise ComposeError(_first_error(done.stderr if done is not None else ""))


def _port_variables(files: list[Path]) -> set[str]:
    """The variables named in the list items under a `ports:` or `expose:` key."""
    found: set[str] = set()
    for f in files:
        try:
            lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        key = ""
        for line in lines:
            stripped = line.split("#", 1)[0].rstrip()
            named = re.match(r"\s*([\w.-]+)\s*:\s*$", stripped)
            if named:
                key = named.group(1)
            elif re.match(r"\s*[\w.-]+\s*:", stripped):
                key = ""
            elif key in {"ports", "expose"} and re.match(r"\s*-", stripped):
                found.update(re.findall(r"\$\{?(\w+)", stripped))
    return found


def _blank_variables(paths: list[Path]) -> set[str]:
    """The variables an env file sets to nothing (`NAME=`, `NAME=""`), and those set to
    nothing in this process's environment."""
    found = {name for name, value in os.environ.items() if not value}
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            match = re.match(r"\s*(?:export\s+)?(\w+)\s*=\s*(.*)$", line)
            if not match:
                continue
            value = match.group(2).strip()
            if value[:1] not in {"'", '"'}:
                value = re.split(r"(?:^|\s)#", value, maxsplit=1)[0].strip()
            if value in {"", "''", '""'}:
                found.add(match.group(1))
    return found


def _recoverable(stderr: str, files: list[Path]) -> bool:
    return bool(
        _MISSING_ENV_FILE.search(stderr)
        or _MISSING_VARIABLE.search(stderr)
        or (_EMPTY_PORT.search(stderr) and _port_variables(files))
        or (_V1_FORMAT.search(stderr) and any(str(f) in stderr for f in files))
    )


def _upgrade_v1(path: Path) -> bool:
    """Indent a version 1 compose file under `services:`; False when it is not one (it has
    a top-level `services` or `version` key: then the error is the user's)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    if any(re.match(r"(services|version)\s*:", line) for line in lines):
        return False
    body = "".join(f"  {line}\n" if line.strip() else "\n" for line in lines)
    path.write_text("services:\n" + body, encoding="utf-8")
    return True


def _mirror(directory: Path, files: list[Path], root: Path) -> dict[Path, Path]:
    """Copy the compose files (and only them) to `root`, at their paths relative to
    `directory`; files outside it go to root's top."""
    mapping: dict[Path, Path] = {}
    for f in files:
        rel = f.relative_to(directory) if f.is_relative_to(directory) else Path(f.name)
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
        mapping[f] = target
    return mapping


def _run_config(
    directory: Path,
    files: list[Path],
    env_file: Path | None = None,
    variables: dict[str, str] | None = None,
    *,
    profiles: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    command = ["docker", "compose", "--project-directory", str(directory)]
    for profile in profiles:
        command += ["--profile", profile]
    for f in files:
        command += ["-f", str(f)]
    if env_file is not None:
        command += ["--env-file", str(env_file)]
    command += ["config", "--format", "json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    env.update(variables or {})
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise ComposeError(f"`docker compose config` did not answer in {_TIMEOUT:.0f} s") from exc
    except OSError as exc:
        raise ComposeError(f"cannot run docker compose: {exc}") from exc


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ComposeError(f"docker compose printed no JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ComposeError("docker compose printed no JSON object")
    return data


def _first_error(stderr: str) -> str:
    lines = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and "level=warning" not in line
    ]
    return lines[-1] if lines else "docker compose could not read the compose file"


def _service(name: str, raw: dict[str, Any]) -> Service:
    build = raw.get("build")
    context: Path | None = None
    dockerfile: Path | None = None
    target: str | None = None
    args: dict[str, str] = {}
    if isinstance(build, dict) and build.get("context"):
        context = Path(str(build["context"]))
        dockerfile = Path(os.path.normpath(context / str(build.get("dockerfile") or "Dockerfile")))
        target = str(build["target"]) if build.get("target") else None
        args = {str(k): str(v) for k, v in (build.get("args") or {}).items() if v is not None}
    depends = raw.get("depends_on") or {}
    mounts = tuple(
        BindMount(str(v["source"]), str(v["target"]), bool(v.get("read_only")))
        for v in raw.get("volumes") or []
        if isinstance(v, dict) and v.get("type") == "bind" and v.get("source") and v.get("target")
    )
    ports = tuple(
        Port(int(p["target"]), str(p["published"]) if p.get("published") else None,
             str(p.get("protocol") or "tcp"))
        for p in raw.get("ports") or []
        if isinstance(p, dict) and str(p.get("target", "")).isdigit()
    )
    # `docker compose config` prints a pass-through variable nothing sets as null, and
    # Compose does not set it in the container: it is not an empty value (Zakodirovannie's
    # `- DEBUG` became DEBUG="" and `int("")` stopped the settings compose runs fine).
    declared = raw.get("environment") or {}
    environment = {str(k): str(v) for k, v in declared.items() if v is not None}
    unset = tuple(str(k) for k, v in declared.items() if v is None)
    return Service(
        name=name,
        image=str(raw["image"]) if raw.get("image") else None,
        build_context=context,
        dockerfile=dockerfile,
        build_target=target,
        build_args=args,
        command=_argv(raw.get("command")),
        entrypoint=_argv(raw.get("entrypoint")),
        environment=environment,
        unset=unset,
        ports=ports,
        depends_on=tuple(str(d) for d in depends),
        bind_mounts=mounts,
        user=str(raw["user"]) if raw.get("user") else None,
        working_dir=str(raw["working_dir"]) if raw.get("working_dir") else None,
        healthcheck=raw.get("healthcheck") if isinstance(raw.get("healthcheck"), dict) else None,
        raw=raw,
    )


def _argv(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        # Compose's canonical form is a list; a string here is a shell command line.
        return ["/bin/sh", "-c", value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return None


def _built_file(path: Path) -> Path:
    """The file a build of `path` reads: BuildKit, like the classic builder, falls back to a
    lowercase `dockerfile` when a `Dockerfile` (compose's default name) is not there."""
    if path.name == "Dockerfile" and not path.exists():
        lower = path.with_name("dockerfile")
        if lower.is_file():
            return lower
    return path


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return os.path.normpath(a) == os.path.normpath(b)
