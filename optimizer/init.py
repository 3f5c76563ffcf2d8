"""`dj-optimize init`: a Dockerfile for a Django project that has none, written by the pipeline.

We do not keep a second, hand-written "good" Dockerfile that could drift from what the transforms
know. Instead we write the Dockerfile the Django and Docker tutorials teach for the project's
dependency manager (the same naive files as examples/01, 03, 04, 05 and 12), with the Python
version the project declares and the server it depends on, and run the optimizer on it. So an
`init` Dockerfile is exactly what `dj-optimize --write` makes of the tutorial's, and improves
whenever a transform does.

Decisions where the project says nothing: Python 3.13 (the newest release the lab and the
official images both have; the lab builds only 3.11 and 3.13, so a project declaring 3.12 gets a
Dockerfile for python:3.12 that only a real registry can build); gunicorn when it is a
dependency and a WSGI application is found, else Django's runserver (bound to 0.0.0.0:8000);
the install tools pinned to the versions the examples are tested with.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.context import DjangoProject
from optimizer.deps import _default_requirement_roots
from optimizer.pipeline import OptimizeError, Outcome, optimize_text
from optimizer.project import inspect_project
from transforms.base import Options

DEFAULT_PYTHON = "3.13"
# Newest first: the release a version range gets is the newest it allows.
KNOWN_PYTHONS = ("3.13", "3.12", "3.11", "3.10", "3.9")
# The versions examples/03-poetry, 04-pipenv and 05-uv pin, which CI builds in the lab.
POETRY = "poetry==2.5.1"
PIPENV = "pipenv==2026.10.3"
UV = "uv==0.13.9"
PORT = 8000


@dataclass(frozen=True)
class Naive:
    """The tutorial's Dockerfile for this project, and why it looks the way it does."""

    text: str
    python: str
    manager: str
    server: str  # "gunicorn" or "runserver"
    notes: tuple[str, ...] = ()


@dataclass
class Generated:
    """What `init` would write: the pipeline's outcome for the naive Dockerfile.

    `outcome.original` has the Dockerfile as absent (None) and `outcome.files` holds every file
    to write, the Dockerfile always; `files` is that mapping (context-relative keys)."""

    naive: Naive
    outcome: Outcome
    notes: list[str] = field(default_factory=list)

    @property
    def context_dir(self) -> Path:
        return self.outcome.context_dir

    @property
    def dockerfile_key(self) -> str:
        return self.outcome.dockerfile_key

    @property
    def files(self) -> dict[str, str]:
        return dict(self.outcome.files)


def generate(
    context_dir: Path,
    dockerfile_name: str = "Dockerfile",
    *,
    only: tuple[str, ...] | list[str] = (),
    skip: tuple[str, ...] | list[str] = (),
    options: Options | None = None,
) -> Generated:
    """The Dockerfile (and .dockerignore) `init` writes for the project in `context_dir`.

    Raises OptimizeError (bad input, exit 2) when a Dockerfile is already there, when the
    directory holds no Django project, or when no dependency manifest says what to install.
    Writes nothing."""
    if not context_dir.is_dir():
        raise OptimizeError(f"{context_dir}: not a directory")
    dockerfile_path = context_dir / dockerfile_name
    if dockerfile_path.exists() or dockerfile_path.is_symlink():
        raise OptimizeError(
            f"{dockerfile_path} already exists; init never overwrites a Dockerfile "
            f"(run `dj-optimize {dockerfile_path}` to optimize it)"
        )
    try:
        project = inspect_project(context_dir)
    except OSError as exc:
        raise OptimizeError(f"{context_dir}: cannot read the project ({exc})") from exc
    if not project.is_django:
        raise OptimizeError(
            f"{context_dir}: no Django project here (no manage.py or settings module found)"
        )
    naive = naive_dockerfile(project, context_dir)
    outcome = optimize_text(
        naive.text, dockerfile_path, context_dir, only=only, skip=skip, options=options
    )
    key = outcome.dockerfile_key
    final = outcome.files.get(key, naive.text)
    outcome.original[key] = None
    outcome.files = {key: final, **{k: v for k, v in outcome.files.items() if k != key}}
    return Generated(naive, outcome, list(naive.notes))


def naive_dockerfile(project: DjangoProject, context_dir: Path) -> Naive:
    deps = project.dependencies
    python, python_note = declared_python(context_dir, project.project_dir)
    server = (
        "gunicorn" if deps.has("gunicorn") and project.wsgi_application is not None else "runserver"
    )
    manager = deps.manager
    lines = [
        "# Written by `dj-optimize init`; yours to edit (`dj-optimize` re-checks it).",
        f"FROM python:{python}",
        "",
        "WORKDIR /app",
        "",
    ]
    run_prefix = ""
    if manager == "pip":
        roots = _pip_roots(context_dir, project.project_dir)
        lines += ["COPY . /app", "", "RUN pip install " + " ".join(f"-r {r}" for r in roots)]
    elif manager == "poetry":
        lines += [
            f"RUN pip install {POETRY}",
            "",
            "COPY . /app",
            "",
            "RUN poetry config virtualenvs.create false "
            "&& poetry install --no-root --no-interaction",
        ]
    elif manager == "pipenv":
        locked = any(f.endswith("Pipfile.lock") for f in deps.manifest_files)
        lines += [
            f"RUN pip install {PIPENV}",
            "",
            "COPY . /app",
            "",
            "RUN pipenv install --system " + ("--deploy" if locked else "--skip-lock"),
        ]
    elif manager == "uv":
        locked = any(f.endswith("uv.lock") for f in deps.manifest_files)
        lines += [
            f"RUN pip install {UV}",
            "",
            "COPY . /app",
            "",
            "RUN uv sync" + (" --frozen" if locked else ""),
        ]
        run_prefix = "uv run "
    elif manager == "pep621":
        lines += ["COPY . /app", "", "RUN pip install ."]
    else:
        raise OptimizeError(
            f"{context_dir}: no dependency manifest (requirements.txt, pyproject.toml, Pipfile) "
            "says what to install; init needs one, at least with Django in it"
        )
    if project.project_dir != ".":
        lines += ["", f"WORKDIR /app/{project.project_dir}"]
    lines += ["", f"EXPOSE {PORT}", ""]
    if server == "gunicorn":
        lines.append(f"CMD {run_prefix}gunicorn {project.wsgi_application} --bind 0.0.0.0:{PORT}")
    else:
        lines.append(f"CMD {run_prefix}python manage.py runserver 0.0.0.0:{PORT}")
    notes = [
        f"Python {python} ({python_note})",
        f"dependencies installed with {manager}",
        (
            f"served by gunicorn ({project.wsgi_application})"
            if server == "gunicorn"
            else "served by Django's runserver: "
            + (
                "no WSGI application found"
                if deps.has("gunicorn")
                else "gunicorn is not a dependency (add it for production)"
            )
        ),
    ]
    return Naive("\n".join(lines) + "\n", python, manager, server, tuple(notes))


def _pip_roots(context_dir: Path, project_dir: str) -> list[str]:
    for base in dict.fromkeys([".", project_dir]):
        roots = _default_requirement_roots(context_dir, base)
        if roots:
            return roots
    return ["requirements.txt"]


# -- the declared Python version -----------------------------------------------------------------


def declared_python(context_dir: Path, project_dir: str = ".") -> tuple[str, str]:
    """(`3.X`, where it comes from): .python-version, runtime.txt, Pipfile's [requires],
    pyproject's requires-python or Poetry's python dependency, first found wins; else 3.13."""
    for base in dict.fromkeys([".", project_dir]):
        root = context_dir / base
        pin = _read(root / ".python-version")
        if pin is not None:
            for line in pin.splitlines():
                match = re.match(r"^\s*(?:cpython-|python-?)?(3)\.(\d+)", line)
                if match:
                    return f"3.{match[2]}", f"{_rel(base, '.python-version')} says {line.strip()}"
        runtime = _read(root / "runtime.txt")
        if runtime is not None:
            match = re.match(r"^\s*python-(3)\.(\d+)", runtime)
            if match:
                return f"3.{match[2]}", f"{_rel(base, 'runtime.txt')} says {runtime.strip()}"
        pipfile = _toml(root / "Pipfile")
        requires = pipfile.get("requires")
        if isinstance(requires, dict):
            for name in ("python_version", "python_full_version"):
                value = requires.get(name)
                if isinstance(value, str):
                    match = re.match(r"^\s*(3)\.(\d+)", value)
                    if match:
                        return f"3.{match[2]}", f"{_rel(base, 'Pipfile')} requires {value}"
        pyproject = _toml(root / "pyproject.toml")
        project = pyproject.get("project")
        spec = project.get("requires-python") if isinstance(project, dict) else None
        where = "requires-python"
        if not isinstance(spec, str):
            tool = pyproject.get("tool")
            poetry = tool.get("poetry") if isinstance(tool, dict) else None
            poetry_deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
            spec = poetry_deps.get("python") if isinstance(poetry_deps, dict) else None
            where = "Poetry's python dependency"
        if isinstance(spec, str):
            version = newest_allowed(spec)
            named = re.search(r"3\.(\d+)", spec)
            if version is None and named:
                # A range none of the releases we know satisfies (>=3.14): its first version.
                version = f"3.{named[1]}"
            if version is not None:
                return (
                    version,
                    f"{_rel(base, 'pyproject.toml')} {where} {spec!r}: the newest allowed",
                )
    return DEFAULT_PYTHON, "no version declared: the default"


def newest_allowed(spec: str) -> str | None:
    """The newest `3.X` in KNOWN_PYTHONS some release of which a PEP 440 (or Poetry) version
    range allows: `>=3.11` -> 3.13, `~=3.11.4` -> 3.11, `^3.10` -> 3.13, `>=3.8,<3.12` -> 3.11."""
    alternatives = [a for a in spec.split("||") if a.strip()]
    for minor in KNOWN_PYTHONS:
        for alternative in alternatives:
            clauses = _clauses(alternative)
            if clauses is None:
                return None
            if any(all(_holds(c, (3, int(minor[2:]), p)) for c in clauses) for p in range(40)):
                return minor
    return None


_CLAUSE = re.compile(r"^(~=|===|==|!=|<=|>=|<|>|\^|~|=)?\s*v?(\d+(?:\.\d+){0,2})(\.\*)?$")


def _clauses(text: str) -> list[tuple[str, tuple[int, ...], bool]] | None:
    found: list[tuple[str, tuple[int, ...], bool]] = []
    # Clauses are separated by commas (PEP 440) or spaces (Poetry); `>= 3.11` is one clause.
    tokens: list[str] = []
    for token in text.replace(",", " ").split():
        if tokens and tokens[-1].strip("<>=!~^") == "":
            tokens[-1] += token
        else:
            tokens.append(token)
    for raw in tokens:
        if raw == "*":
            continue
        match = _CLAUSE.match(raw)
        if not match:
            return None
        op = match[1] or "=="
        version = tuple(int(p) for p in match[2].split("."))
        wildcard = bool(match[3])
        if op == "^":  # Poetry: ^3.10 = >=3.10,<4
            found += [(">=", version, False), ("<", (version[0] + 1,), False)]
        elif op == "~":  # Poetry: ~3.10 = >=3.10,<3.11
            upper = (version[0], version[1] + 1) if len(version) > 1 else (version[0] + 1,)
            found += [(">=", version, False), ("<", upper, False)]
        else:
            found.append(("==" if op in {"=", "==="} else op, version, wildcard))
    return found


def _holds(clause: tuple[str, tuple[int, ...], bool], version: tuple[int, int, int]) -> bool:
    op, want, wildcard = clause
    padded = (*want, 0, 0)[:3]
    if op == "==":
        # `==3.11` strictly means 3.11.0; people (and Poetry's bare `3.11`) mean the series.
        return version[: len(want)] == want if wildcard or len(want) < 3 else version == padded
    if op == "!=":
        return not _holds(("==", want, wildcard), version)
    if op == ">=":
        return version >= padded
    if op == ">":
        return version > padded
    if op == "<=":
        return version <= padded
    if op == "<":
        return version < padded
    if op == "~=":
        return version >= padded and version[: len(want) - 1] == want[:-1]
    return False


def _rel(base: str, name: str) -> str:
    return name if base == "." else f"{base}/{name}"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _toml(path: Path) -> dict[str, object]:
    text = _read(path)
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
