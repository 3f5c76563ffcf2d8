"""Is this Dockerfile one dj-optimize should rewrite at all?

A Django repository holds Dockerfiles for its other services too: nginx in front, a Postgres
with extensions, a Node build of the front end. Run over every `Dockerfile*` (pre-commit does
exactly that), the Python-specific transforms would add `PYTHONUNBUFFERED` to an nginx image and
a Python `.dockerignore` to a Node context. So the final stage must be a Python image: a Python
base, or one whose steps install or run Python. Anything else is left alone with a reason.
"""

from __future__ import annotations

import re

from optimizer.dockerfile import Dockerfile, parse_from
from optimizer.shell import program, server_argv, split_commands

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


def other_framework_reason(dockerfile: Dockerfile) -> str | None:
    """Why an image in a directory without a Django project is another framework's app, or None.

    A Django repository can hold a Flask microservice (ibm-developer-skills-network's
    xrwvm-fullstack_developer_capstone: server/djangoapp/microservices, `python3 -m flask run`).
    Without this it ended in "no Django project here ... use --context", which invites pointing
    the Flask image at the Django project and rewriting it as one. Only Flask is recognised:
    uvicorn or gunicorn could be serving a Django project the context just does not hold.
    """
    chain = dockerfile.lineage(dockerfile.final_stage())
    for stage in chain:
        for _, ins in dockerfile.iter_stage(stage):
            if ins.keyword not in {"CMD", "ENTRYPOINT"}:
                continue
            if ins.exec_form is not None:
                argv = list(ins.exec_form)
                shell = argv[0].rsplit("/", 1)[-1] in {"sh", "bash"}
                if len(argv) >= 3 and shell and argv[1] == "-c":
                    texts = [seg.text for seg in split_commands(argv[2])]
                else:
                    texts = []
                    if _flask_argv(argv):
                        return _FLASK
                for text in texts:
                    if _flask_argv(program(text)):
                        return _FLASK
            else:
                for seg in split_commands(ins.args):
                    if _flask_argv(program(seg.text)):
                        return _FLASK
    return None


_FLASK = (
    "no Django project in the build context and the image's command runs Flask "
    "(`flask run`): a Flask app, not a Django app image, nothing to do"
)
