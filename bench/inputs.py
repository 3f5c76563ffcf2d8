"""The benchmark's inputs and the edits it makes to them; pure functions, no engine.

An input is an example project (its own Dockerfile), or an example's app with a peer tool's
Dockerfile template swapped in (bench/templates/<name>/). Every build happens in a scratch
copy; these helpers compute what goes into that copy: the adapted template, the code change,
the added dependency, and the Dockerfile with its cache mounts made private to one run.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TEMPLATES = Path(__file__).resolve().parent / "templates"

# Files beside each example that are the reviewed output of dj-optimize, not part of the app.
NOT_APP = ("Dockerfile.expected", "dockerignore.expected")

# The dependency added for the "add one dependency" rebuild: pure Python, tiny, on PyPI.
ADDED_PACKAGE = "six"
ADDED_VERSION = "1.17.0"
ADDED_REQUIREMENT = f"{ADDED_PACKAGE}=={ADDED_VERSION}"

# The comment appended to a views.py for the "code change" rebuild; the run id makes it unique,
# so that no run's rebuild is served from the shared build cache by an earlier run's.
CODE_CHANGE = "\n# djopt-bench: a code change ({run})\n"
# The same for the added dependency: a comment line naming the run in the manifest.
RUN_MARK = "# djopt-bench: added a dependency ({run})\n"
MARKABLE = (".txt", "pyproject.toml", "Pipfile")


@dataclass(frozen=True)
class Input:
    """One row of the benchmark."""

    name: str
    app: Path  # the example directory the app comes from
    template: str | None = None  # bench/templates/<template>, or the example's own Dockerfile

    @property
    def kind(self) -> str:
        return "template" if self.template else "example"


def examples(only: list[str] | None = None) -> list[Path]:
    """Examples with a Dockerfile, optionally only those whose name starts with one of `only`."""
    found = sorted(p for p in EXAMPLES.iterdir() if (p / "Dockerfile").is_file())
    if not only:
        return found
    return [p for p in found if any(p.name.startswith(prefix) for prefix in only)]


def template_names() -> list[str]:
    return sorted(p.name for p in TEMPLATES.iterdir() if (p / "Dockerfile").is_file())


def inputs(
    only: list[str] | None, templates: list[str], template_app: str
) -> tuple[list[Input], list[str]]:
    """The inputs to run and the problems with the selection (unknown names)."""
    problems: list[str] = []
    chosen = [Input(p.name, p) for p in examples(only)]
    if only and not chosen:
        problems.append(f"no example matches {','.join(only)}")
    apps = examples([template_app])
    known = template_names()
    for name in templates:
        if name not in known:
            problems.append(f"unknown template {name!r} (known: {', '.join(known)})")
        elif not apps:
            problems.append(f"no example matches --template-app {template_app}")
        else:
            chosen.append(Input(f"{name}@{apps[0].name[:2]}", apps[0], name))
    return chosen, problems


def copy_app(example: Path, target: Path) -> None:
    """The example's project without the reviewed expectations beside it."""
    shutil.copytree(example, target, ignore=shutil.ignore_patterns(*NOT_APP), symlinks=True)


def django_project(root: Path) -> str | None:
    """The Django project package: the top-level directory holding wsgi.py (or asgi.py)."""
    for marker in ("wsgi.py", "asgi.py"):
        found = sorted(p.parent.name for p in root.glob(f"*/{marker}"))
        if found:
            return found[0]
    return None


def uses_postgres(root: Path) -> bool:
    """Whether the app's requirements name psycopg (the fly scanner's PostgreSQL test)."""
    for path in sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").lower().splitlines():
            if line.split("#", 1)[0].strip().startswith("psycopg"):
                return True
    return False


class TemplateError(ValueError):
    """A template cannot be rendered for this app."""


def render_template(text: str, *, python: str, project: str, postgres: bool) -> str:
    """Fill a template: `{{python}}`, `{{project}}`, and `{{if postgres}}...{{end}}` blocks.

    The marker lines go; a conditional block's lines stay only when `postgres` is true."""
    if not re.fullmatch(r"3\.\d{1,2}", python):
        raise TemplateError(f"python {python!r} is not a minor version like 3.11")
    if not project.isidentifier():
        raise TemplateError(f"project {project!r} is not a Python package name")
    out: list[str] = []
    keep = True
    depth = 0
    for line in text.splitlines(keepends=True):
        marker = line.strip()
        if marker == "{{if postgres}}":
            if depth:
                raise TemplateError("nested {{if}} blocks are not supported")
            depth, keep = 1, postgres
            continue
        if marker == "{{end}}":
            if not depth:
                raise TemplateError("{{end}} without {{if}}")
            depth, keep = 0, True
            continue
        if keep:
            out.append(line.replace("{{python}}", python).replace("{{project}}", project))
    if depth:
        raise TemplateError("{{if}} without {{end}}")
    rendered = "".join(out)
    if "{{" in rendered:
        raise TemplateError("unknown template marker left: " + rendered.split("{{", 1)[1][:20])
    return rendered


def python_minor_of(dockerfile_text: str) -> str | None:
    """The Python minor of the final stage's base (`python:3.11...` -> "3.11")."""
    ref = final_base(dockerfile_text)
    if ref is None:
        return None
    slim = slim_of(ref)
    if slim is None:
        return None
    match = re.match(r"python:(3\.\d{1,2})", slim)
    return match.group(1) if match else None


def logical_lines(text: str) -> list[str]:
    """Instructions with backslash continuations joined, comments and blank lines dropped."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment inside a continuation
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            lines.append(current.strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return lines


def _substitute(value: str, args: dict[str, str]) -> str:
    """`${NAME}`, `${NAME:-default}` and `$NAME` from `args` (unknown names become "")."""

    def braced(match: re.Match[str]) -> str:
        name, _, default = match.group(1).partition(":-")
        return args.get(name) or default

    value = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?)\}", braced, value)
    return re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", lambda m: args.get(m.group(1), ""), value)


def final_base(dockerfile_text: str) -> str | None:
    """The image the final stage starts from, ARG defaults resolved and stage names followed."""
    args: dict[str, str] = {}
    stages: dict[str, str] = {}
    last: str | None = None
    seen_from = False
    for line in logical_lines(dockerfile_text):
        word, _, rest = line.partition(" ")
        keyword = word.upper()
        if keyword == "ARG" and not seen_from:
            name, sep, default = rest.strip().partition("=")
            args[name.strip()] = default.strip().strip("\"'") if sep else ""
        elif keyword == "FROM":
            seen_from = True
            parts = [p for p in rest.split() if not p.startswith("--")]
            if not parts:
                continue
            image = _substitute(parts[0], args)
            image = stages.get(image.lower(), image)
            if len(parts) >= 3 and parts[1].upper() == "AS":
                stages[parts[2].lower()] = image
            last = image
    return last


def slim_of(ref: str) -> str | None:
    """The official slim image of the same Python version and Debian release as `ref`.

    `python:3.11` -> `python:3.11-slim`; `python:3.11-bookworm` -> `python:3.11-slim-bookworm`;
    slim refs stay. None for anything that is not a Debian-based `python:` tag (alpine,
    digests, other images)."""
    name, _, tag = ref.partition(":")
    if name not in ("python", "library/python", "docker.io/library/python") or not tag:
        return None
    if "@" in tag:
        return None
    match = re.fullmatch(r"(3(?:\.\d{1,2}){0,2})((?:-slim)?)((?:-[a-z]+)?)", tag)
    if not match:
        return None
    version, _slim, release = match.groups()
    if release.startswith("-alpine") or release == "-windowsservercore":
        return None
    return f"python:{version}-slim{release}"


def isolate_cache_mounts(dockerfile_text: str, prefix: str) -> str:
    """Give every `RUN --mount=type=cache` an id private to this run (`prefix-N-target`).

    A cache mount lives in the builder's cache, keyed by its id (by default its target), shared
    by every build on the engine. `docker build --no-cache` is given an empty one (BuildKit since
    2019), but what it writes stays for later builds; a private id keeps other builds (tests, an
    earlier run) out of this run's caches, as on a fresh CI runner. Later builds of the same run
    reuse the ids, as a developer's machine does. Mounts that share a cache in the
    Dockerfile (the same id, or the same target without one) share the private id too."""
    private: dict[str, str] = {}
    out: list[str] = []
    for token in re.split(r"(\s+)", dockerfile_text):
        if token.startswith("--mount=") and "type=cache" in token.split(",")[0] + ",":
            options = [o for o in token[len("--mount=") :].split(",") if o]
            target = next((o.split("=", 1)[1] for o in options if o.startswith("target=")), "")
            given = next((o.split("=", 1)[1] for o in options if o.startswith("id=")), target)
            kept = [o for o in options if not o.startswith("id=")]
            slug = re.sub(r"[^A-Za-z0-9]+", "-", target).strip("-")
            ident = private.setdefault(given, f"{prefix}-{len(private) + 1}-{slug}")
            token = "--mount=" + ",".join([*kept, f"id={ident}"])
        out.append(token)
    return "".join(out)


def append_code_change(root: Path, run: str) -> Path | None:
    """Append a comment naming the run to the app's views.py (the shallowest one); the file."""
    views = sorted(root.rglob("views.py"), key=lambda p: (len(p.parts), str(p)))
    views = [p for p in views if not any(s.startswith(".") for s in p.relative_to(root).parts)]
    if not views:
        return None
    with views[0].open("a", encoding="utf-8") as handle:
        handle.write(CODE_CHANGE.format(run=run))
    return views[0]


@dataclass
class DependencyChange:
    """How to add one dependency to a project: files to rewrite, or why it cannot be done."""

    manager: str
    files: dict[str, str] = field(default_factory=dict)  # relative path -> new content
    command: list[str] | None = None  # a lock tool to run in a copy instead (uv, poetry, pipenv)
    reason: str | None = None  # set when the change is not feasible: the cell is "n/a"


def requirements_file(root: Path, dockerfile_text: str) -> str | None:
    """The requirements file the Dockerfile installs (`-r FILE`), else requirements.txt."""
    for line in logical_lines(dockerfile_text):
        words = line.split()
        for i, word in enumerate(words[:-1]):
            if word in ("-r", "--requirement") and not words[i + 1].startswith("$"):
                candidate = words[i + 1]
                # The path is the image's; in the context it is usually the same relative path
                # or just the file name (`COPY requirements.txt /tmp/requirements.txt`).
                for rel in (candidate.removeprefix("./").lstrip("/"), Path(candidate).name):
                    if (root / rel).is_file():
                        return rel
            if word.startswith("--mount=") and "source=" in word:
                source = next(
                    (o.split("=", 1)[1] for o in word.split(",") if o.startswith("source=")), ""
                )
                if source.endswith(".txt") and (root / source).is_file():
                    return source
    return "requirements.txt" if (root / "requirements.txt").is_file() else None


def add_to_dependencies_array(pyproject: str, requirement: str) -> str | None:
    """Insert `requirement` first in `[project].dependencies` by editing the text in place.

    Returns None when the array is not found as a plain `dependencies = [` line of the
    [project] table. The result is checked by parsing it again."""
    lines = pyproject.splitlines(keepends=True)
    table = ""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[]").strip()
        if table != "project":
            continue
        key, sep, value = stripped.partition("=")
        if sep and key.strip() == "dependencies" and value.strip().startswith("["):
            start = line.index("[") + 1
            if value.strip() == "[":
                indent = " " * 4
                lines[i] = line[:start] + "\n" + f'{indent}"{requirement}",' + line[start:]
            else:
                lines[i] = line[:start] + f'"{requirement}", ' + line[start:]
            text = "".join(lines)
            try:
                deps = tomllib.loads(text)["project"]["dependencies"]
            except (tomllib.TOMLDecodeError, KeyError):
                return None
            return text if requirement in deps else None
    return None


def dependency_change(root: Path, dockerfile_text: str) -> DependencyChange:
    """What adding ADDED_REQUIREMENT means for this project's dependency manager."""
    if (root / "uv.lock").is_file():
        return DependencyChange(
            "uv", command=["uv", "add", "--no-sync", "--quiet", ADDED_REQUIREMENT]
        )
    if (root / "poetry.lock").is_file():
        return DependencyChange(
            "poetry",
            command=["uv", "tool", "run", "--from", "poetry>=2,<3", "poetry", "add", "--lock",
                     ADDED_REQUIREMENT],
        )
    if (root / "Pipfile.lock").is_file():
        return DependencyChange(
            "pipenv",
            command=["uv", "tool", "run", "--from", "pipenv", "pipenv", "install",
                     ADDED_REQUIREMENT],
        )
    requirements = requirements_file(root, dockerfile_text)
    if requirements is not None:
        text = (root / requirements).read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            text += "\n"
        return DependencyChange("pip", files={requirements: text + ADDED_REQUIREMENT + "\n"})
    if (root / "pyproject.toml").is_file():
        new = add_to_dependencies_array((root / "pyproject.toml").read_text(), ADDED_REQUIREMENT)
        if new is None:
            return DependencyChange(
                "pep621", reason="no [project] dependencies array to add to in pyproject.toml"
            )
        return DependencyChange("pep621", files={"pyproject.toml": new})
    return DependencyChange("unknown", reason="no requirements file, lock or pyproject.toml")


def mark_run(files: dict[str, str], run: str) -> dict[str, str]:
    """The dependency change with a comment naming the run appended to its manifest (a
    requirements file, pyproject.toml or Pipfile; lock files take no comments). Without it a
    later run would find the changed manifest's layers in the shared build cache."""
    out = dict(files)
    for rel in sorted(out):
        if rel.endswith(MARKABLE):
            text = out[rel]
            out[rel] = text + ("" if not text or text.endswith("\n") else "\n")
            out[rel] += RUN_MARK.format(run=run)
            break
    return out


# What each lock tool rewrites; copied from the scratch copy it ran in to both sides.
LOCK_OUTPUTS = {
    "uv": ("pyproject.toml", "uv.lock"),
    "poetry": ("pyproject.toml", "poetry.lock"),
    "pipenv": ("Pipfile", "Pipfile.lock"),
}
