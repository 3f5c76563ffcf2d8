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

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.context import DjangoProject, manifest_dirs
from optimizer.deps import _default_requirement_roots
from optimizer.pipeline import OptimizeError, Outcome, optimize_text
from optimizer.project import inspect_project
from optimizer.pyversion import (
    POETRY_PYTHON,
    Policy,
    declared_minor,
    django_newest_minor,
    newest_minor,
)
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
    python, python_note = declared_python(
        context_dir, project.project_dir, deps.version_spec("django")
    )
    server = (
        "gunicorn" if deps.has("gunicorn") and project.wsgi_application is not None else "runserver"
    )
    manager = deps.manager
    if manager == "pdm":
        # Not written with PDM yet: its PEP 621 table installs with pip as before.
        manager = "pep621"
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
    for base in manifest_dirs(project_dir):
        roots = _default_requirement_roots(context_dir, base)
        if roots:
            return roots
    return ["requirements.txt"]


# -- the declared Python version -----------------------------------------------------------------

# init's policy: a range gets the newest release it allows of those it knows; a range none of
# them fits (>=3.14) gets the first version it names; an exact version counts whatever it is.
_POLICY = Policy(tuple(int(v.split(".")[1]) for v in KNOWN_PYTHONS), named_fallback=True)


def declared_python(
    context_dir: Path, project_dir: str = ".", django: str | None = None
) -> tuple[str, str]:
    """(`3.X`, where it comes from): .python-version, runtime.txt, Pipfile's [requires],
    pyproject's requires-python or Poetry's python dependency, first found wins; else 3.13
    (optimizer/pyversion.py reads them). `django`, what the project asks of Django's version
    (`==2.2.10`, `>=3.0,<4.0`), caps what a range or the default picks at the newest Python
    the newest Django release it allows supports; an exact declaration stands as written."""
    capped = django_newest_minor(django)
    policy = _POLICY
    if capped is not None:
        cap, series = capped
        allowed = tuple(m for m in _POLICY.range_minors if m <= cap)
        policy = dataclasses.replace(_POLICY, range_minors=allowed or (cap,))
        supports = f"Django {series} ({django}) supports Python up to 3.{cap}"
    found = declared_minor(lambda rel: _read(context_dir / rel), project_dir, policy)
    if found is None:
        if capped is not None and cap < int(DEFAULT_PYTHON.split(".")[1]):
            return f"3.{cap}", f"no version declared, and {supports}"
        return DEFAULT_PYTHON, "no version declared: the default"
    minor, where = found
    if not where.is_range:
        verb = "requires" if where.key else "says"  # Pipfile's [requires], or the file's line
        return f"3.{minor}", f"{where.path} {verb} {where.value}"
    key = "Poetry's python dependency" if where.key == POETRY_PYTHON else where.key
    why = f"{where.path} {key} {where.value!r}: the newest allowed"
    # Say the cap only where it chose an older Python than the range alone would.
    uncapped = newest_minor(where.value, _POLICY.range_minors) if capped is not None else None
    if uncapped is not None and uncapped > minor:
        why += f", as {supports}"
    return f"3.{minor}", why


def newest_allowed(spec: str) -> str | None:
    """The newest `3.X` in KNOWN_PYTHONS some release of which a PEP 440 (or Poetry) version
    range allows: `>=3.11` -> 3.13, `~=3.11.4` -> 3.11, `^3.10` -> 3.13, `>=3.8,<3.12` -> 3.11."""
    minor = newest_minor(spec, _POLICY.range_minors)
    return None if minor is None else f"3.{minor}"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
