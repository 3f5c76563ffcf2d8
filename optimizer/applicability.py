"""Is this Dockerfile one dj-optimize should rewrite at all?

A Django repository holds Dockerfiles for its other services too: nginx in front, a Postgres
with extensions, a Node build of the front end. Run over every `Dockerfile*` (pre-commit does
exactly that), the Python-specific transforms would add `PYTHONUNBUFFERED` to an nginx image and
a Python `.dockerignore` to a Node context. So the final stage must be a Python image: a Python
base, or one whose steps install or run Python. Anything else is left alone with a reason.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from optimizer.dockerfile import Dockerfile, parse_from
from optimizer.shell import program, python_args, server_argv, split_commands

# Image names that carry a Python interpreter (the official images and their common relatives).
_PYTHON_BASE = re.compile(r"python|pypy|conda|mamba|django")
_PYTHON_TOOLS = re.compile(r"^(python[\d.]*|pip[\d.]*|poetry|pipenv|uv|gunicorn|uwsgi|daphne|"
                           r"uvicorn|hypercorn|celery|django-admin|manage\.py|\./manage\.py)$")
# The interpreter as a whole package name: `python-software-properties` (add-apt-repository,
# texastribune/docks' postgres image on ubuntu:14.04) or `python3-apt` is a tool of the image,
# not Python installed for an app.
_INSTALLS_PYTHON = re.compile(r"(?<![\w.-])(python3?(\.\d+)?|py3-pip|python3-pip)(?![\w.-])")
# Images of another runtime or service. They install python3 as a build tool (node-gyp compiles
# native modules with it) without being Python apps, so only running Python makes them one.
_OTHER_RUNTIMES = re.compile(
    r"^(node|nginx|golang|rust|openjdk|eclipse-temurin|amazoncorretto|maven|gradle|ruby|php|"
    r"httpd|caddy|traefik|haproxy|postgres|postgis|redis|mysql|mariadb|mongo|elasticsearch|"
    r"dotnet|mcr\.microsoft\.com/dotnet|denoland/deno|oven/bun)"
)


def not_python_reason(dockerfile: Dockerfile) -> str | None:
    """Why the final image is not a Python one, or None when it is (or may be)."""
    chain = dockerfile.lineage(dockerfile.final_stage())
    base = dockerfile.resolve(parse_from(dockerfile.instructions[chain[-1].start].value)[0])
    if "$" in base or _PYTHON_BASE.search(base.lower()):
        return None
    image = base.lower().split("@", 1)[0].rsplit(":", 1)[0]
    image = image.removeprefix("docker.io/").removeprefix("library/")
    installs_count = not _OTHER_RUNTIMES.match(image)
    for stage in chain:
        for _, ins in dockerfile.iter_stage(stage):
            if ins.keyword in {"RUN", "CMD", "ENTRYPOINT"} and _runs_python(
                ins.exec_form, ins.args, installs_count
            ):
                return None
            # A heredoc RUN's commands are in its body, not its first line (OpenDroneMap/WebODM's
            # app stage installs python3.9 and runs manage.py in `RUN <<EOT ... EOT`).
            if ins.keyword == "RUN" and ins.opaque and ins.raw is not None and any(
                _runs_python(None, line, installs_count) for line in ins.raw.splitlines()[1:]
            ):
                return None
    if not installs_count:
        return (
            f"the final image builds on {base} and runs no Python (a python3 it installs is a "
            "build tool, as for node-gyp): not a Django app image, nothing to do"
        )
    return (
        f"the final image builds on {base} and none of its instructions installs or runs "
        "Python (a script or package it copies may bring an app, "
        "but there is nothing here to change): not a Django app image as the Dockerfile "
        "shows it, nothing to do"
    )


def _runs_python(exec_form: list[str] | None, args: str, installs_count: bool = True) -> bool:
    if exec_form is not None:
        if server_argv(exec_form) is not None:
            return True
        args = " ".join(exec_form)
    if installs_count and _INSTALLS_PYTHON.search(args):
        return True
    for segment in split_commands(args):
        argv = program(segment.text)
        if argv and _PYTHON_TOOLS.match(argv[0].rsplit("/", 1)[-1]):
            return True
        if server_argv(argv) is not None:
            return True
    return False


def _flask_argv(argv: list[str]) -> bool:
    if not argv:
        return False
    name = argv[0].rsplit("/", 1)[-1]
    if name == "flask":
        return True
    return bool(re.fullmatch(r"python[\d.]*", name)) and argv[1:3] == ["-m", "flask"]


# Web frameworks other than Django, by the top-level package a module imports, and the tools
# whose command is the app itself (`streamlit run app.py`).
_FRAMEWORKS = {
    "fastapi": "FastAPI", "flask": "Flask", "starlette": "Starlette", "litestar": "Litestar",
    "sanic": "Sanic", "aiohttp": "aiohttp", "quart": "Quart", "falcon": "Falcon",
    "bottle": "Bottle", "tornado": "Tornado", "streamlit": "Streamlit", "gradio": "Gradio",
    "dash": "Dash", "chainlit": "Chainlit",
}
_APP_TOOLS = {"streamlit": "Streamlit", "chainlit": "Chainlit", "gradio": "Gradio"}
# A server's app argument: `main:app`, `app.main:app`, `wsgi:create_app()`. Not host:port
# (`localhost:8000`: the part after the colon starts with a digit).
_APP_SPEC = re.compile(r"([A-Za-z_][\w.]*):[A-Za-z_]\w*(\(.*\))?")
_SKIP_DIRS = {"node_modules", "venv", "env", "site-packages", "__pycache__", "static", "media"}
_MAX_FILES = 5000
_MAX_FOLLOW = 12


def _commands(dockerfile: Dockerfile) -> list[list[str]]:
    """The argv of every CMD/ENTRYPOINT of the final stage's lineage, and of every command in
    its shell form or `sh -c` string."""
    found: list[list[str]] = []
    for stage in dockerfile.lineage(dockerfile.final_stage()):
        for _, ins in dockerfile.iter_stage(stage):
            if ins.keyword not in {"CMD", "ENTRYPOINT"}:
                continue
            if ins.exec_form is not None:
                argv = list(ins.exec_form)
                shell = argv[0].rsplit("/", 1)[-1] in {"sh", "bash"}
                if len(argv) >= 3 and shell and argv[1] == "-c":
                    found += [program(seg.text) for seg in split_commands(argv[2])]
                else:
                    found.append(argv)
            else:
                found += [program(seg.text) for seg in split_commands(ins.args)]
    return [argv for argv in found if argv]


def _targets(argv: list[str]) -> tuple[str, list[str]] | None:
    """(what runs, the Python files or dotted modules it loads) for a server with an app
    argument (`uvicorn main:app`) or `python script.py`, else None."""
    served = server_argv(argv)
    if served is not None:
        offset, name = served
        specs = [m for word in argv[offset + 1:] if (m := _APP_SPEC.fullmatch(word))]
        return (f"`{name} {specs[0].group(0)}`", [specs[0].group(1)]) if specs else None
    args = python_args(argv)
    if args:
        if args[0] == "-m" and len(args) > 1:
            return f"`python -m {args[1]}`", [args[1]]
        if args[0].endswith(".py"):
            return f"`python {args[0]}`", [args[0]]
    return None


def _python_files(context_dir: Path) -> dict[str, Path]:
    """The context's Python files by their context-relative POSIX path."""
    files: dict[str, Path] = {}
    for root, dirs, names in os.walk(context_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS]
        for name in names:
            if name.endswith(".py"):
                path = Path(root, name)
                files[path.relative_to(context_dir).as_posix()] = path
        if len(files) > _MAX_FILES:
            break
    return files


def _resolve(target: str, files: dict[str, Path]) -> list[Path]:
    """The context's files a script path or a dotted module may be (the Dockerfile's WORKDIR
    and COPY destinations are not followed: any file whose path ends the same way counts)."""
    if target.endswith(".py"):
        tail = [p for p in target.split("/") if p not in {"", "."}]
    else:
        tail = target.split(".")
    if not tail:
        return []
    joined = "/".join(tail)
    if target.endswith(".py"):
        suffixes = {joined}
    else:
        # A dotted module is a file or a package (`python -m pkg` runs its __main__.py).
        suffixes = {joined + ".py", joined + "/__init__.py", joined + "/__main__.py"}
    return [
        path for rel, path in files.items()
        if any(rel == s or rel.endswith("/" + s) for s in suffixes)
    ]


def _imports(path: Path) -> tuple[set[str], list[str]]:
    """(top-level packages, dotted modules) a file imports, read with ast (never run)."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return set(), []
    tops: set[str] = set()
    dotted: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                tops.add(alias.name.split(".")[0])
                dotted.append(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            tops.add(node.module.split(".")[0])
            # `from pkg import mod` may name a submodule as well as an attribute.
            dotted += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return tops, dotted


def _framework(targets: list[str], files: dict[str, Path]) -> tuple[str, Path] | None:
    """(framework, the file importing it) when the modules a command loads, and the context's
    modules they import in turn, use another web framework and never Django; else None."""
    queue = [p for t in targets for p in _resolve(t, files)]
    if not queue:
        return None
    seen: set[Path] = set()
    found: tuple[str, Path] | None = None
    while queue and len(seen) < _MAX_FOLLOW:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        tops, dotted = _imports(path)
        if "django" in tops:
            return None
        if found is None:
            for top in sorted(tops):
                if top in _FRAMEWORKS:
                    found = (_FRAMEWORKS[top], path)
                    break
        for module in dotted:
            queue += [p for p in _resolve(module, files) if p not in seen]
    return found


def other_framework_reason(dockerfile: Dockerfile, context_dir: Path | None = None) -> str | None:
    """Why an image in a directory without a Django project is another framework's app, or None.

    A Django repository can hold a Flask or FastAPI microservice, a Streamlit dashboard
    (ibm-developer-skills-network's xrwvm-fullstack_developer_capstone:
    server/djangoapp/microservices, `python3 -m flask run`). Without this it ended in "no Django
    project here ... use --context", which invites pointing the image at the Django project and
    rewriting it as one, and fails a CI run over every Dockerfile of the repository. A server's
    app (`uvicorn main:app`) or a script (`python main.py`) counts only when its file is in the
    context and it, or a module of the context it imports, imports the framework and nothing
    imports Django: uvicorn or gunicorn could be serving a Django project the context just does
    not hold.
    """
    files: dict[str, Path] | None = None  # the context's Python files, read once if needed
    for argv in _commands(dockerfile):
        if _flask_argv(argv):
            return _FLASK
        head = argv[0].rsplit("/", 1)[-1]
        args = python_args(argv) or []
        tool = head if head in _APP_TOOLS else (
            args[1] if args[:1] == ["-m"] and len(args) > 1 and args[1] in _APP_TOOLS else None
        )
        if tool is not None and (tool == "gradio" or "run" in argv):
            return _other(_APP_TOOLS[tool], f"`{tool} run`")
        if context_dir is None:
            continue
        target = _targets(argv)
        if target is None:
            continue
        if files is None:
            files = _python_files(context_dir)
        found = _framework(target[1], files)
        if found is not None:
            framework, path = found
            rel = path.relative_to(context_dir).as_posix()
            return _other(framework, f"{target[0]}, {rel} imports {framework.lower()}")
    return None


def _other(framework: str, how: str) -> str:
    article = "an" if framework[0].lower() in "aeiou" else "a"
    return (
        f"no Django project in the build context and the image's command runs {framework} "
        f"({how}): {article} {framework} app, not a Django app image, nothing to do"
    )


_FLASK = _other("Flask", "`flask run`")
