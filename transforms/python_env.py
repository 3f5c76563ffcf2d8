"""python-env: PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE in the final image.

Why: without PYTHONUNBUFFERED, stdout is block-buffered when it is not a TTY, so a container's
logs arrive late or are lost when it crashes. PYTHONDONTWRITEBYTECODE stops the app writing
`.pyc` files into the image's layer at run time (and failing to, once it runs as non-root).

The official python images ship no `.pyc` for the standard library, and a root app without the
variable wrote them at its first start: with it, every start compiles them again (runserver
twice, gunicorn in every worker; verify23 saw first responses 1.7x slower on pkhorenyan's and
Kelvich322's projects). Where this transform adds the variable to such an image, it also
compiles what Django and its server import at build time, as the multi-stage final stage does.

uv, unlike pip, installs without bytecode unless asked (`--compile-bytecode`,
UV_COMPILE_BYTECODE=1): the app then wrote its dependencies' `.pyc` at its first start, and with
the variable every start compiles Django and the rest again (example 01 without them: 5.0 s to
the first 200 instead of 2.8 s on the lab; sweep24's camercadop/drf-enterprise-information-
platform, whose builder runs `uv sync` and whose user owns the copied `.venv`). Where this
transform adds the variable to such an image, it sets UV_COMPILE_BYTECODE=1 above the stage's
first uv install, as the multi-stage builder does.

Poetry's own installer (1.4 and later, its "modern installation") does the same: it writes no
bytecode unless `poetry install --compile` asks for it (sweep25: ONSdigital/dis-wagtail's and
torchbox's Wagtail images install with Poetry 2.4 and 1.8 into a venv their app's user owns;
the multi-stage builder's `poetry install` into /opt/venv too). Where this transform adds the
variable, each `poetry install` / `poetry sync` of the stages the final image is built from
gets `--compile`, unless the Dockerfile pins a Poetry older than 1.4 (no such option; its
pip-based installer compiles) or turns the modern installer off.

Where the Dockerfile itself keeps the dependencies' bytecode out, `pip install --no-compile` or
the official images' `find /usr/local ... -name '*.pyc' ... -exec rm -rf '{}' +` copied after
its install (sweep26: dantium/django-docker-tailwind), the app wrote that bytecode at its first
start, and the variable would make every process compile Django and the rest again: it is not
added there (said so), and with it goes the standard library's step.
"""

from __future__ import annotations

import re

from optimizer.dockerfile import (
    Dockerfile,
    Instruction,
    Stage,
    env_pairs,
    official_python_name,
)
from optimizer.dockerfile import parse_from as _parse_from
from optimizer.shell import program, split_commands, words
from transforms.base import Context, NotesTransform, Result
from transforms.bytecode import (
    deletes_bytecode,
    has_bytecode_step,
    indent_bytecode,
    stdlib_bytecode,
)
from transforms.raw_edit import Edit, apply_edits, indent_like

_COMMENT = (
    "# The image has no bytecode for the standard library and PYTHONDONTWRITEBYTECODE keeps\n",
    "# the app from writing it: compile what Django and its server import, once, instead of\n",
    "# at every start.\n",
)
WANTED = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
WHY = {
    "PYTHONDONTWRITEBYTECODE": "no .pyc writes at run time",
    "PYTHONUNBUFFERED": "logs reach `docker logs` at once",
}


class PythonEnv(NotesTransform):
    """Set PYTHONDONTWRITEBYTECODE=1 and PYTHONUNBUFFERED=1 where the app runs."""

    name = "python-env"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        stage = out.final_stage()
        present: set[str] = set()
        chain = out.lineage(stage)
        # ENV set in a stage the final one builds FROM (`FROM base AS production`) is inherited.
        for ancestor in chain:
            for _, ins in out.iter_stage(ancestor):
                if ins.keyword == "ENV":
                    present.update(name for name, _ in env_pairs(ins.value))
        missing = {k: v for k, v in WANTED.items() if k not in present}
        skipped: list[str] = []
        if "PYTHONDONTWRITEBYTECODE" in missing:
            without = dependencies_without_bytecode(out, chain)
            if without is not None:
                del missing["PYTHONDONTWRITEBYTECODE"]
                skipped.append(
                    f"PYTHONDONTWRITEBYTECODE not added: {without}, which the app then writes "
                    "at its first start where it may write there; with the variable every start "
                    "(runserver twice, gunicorn in every worker) would compile Django and the "
                    "other dependencies again"
                )
        if not missing:
            return Result(out, [], skipped)
        at = stage.start + 1
        while at < stage.end and out.instructions[at].keyword in {"ARG", "LABEL", "MAINTAINER"}:
            at += 1
        value = " ".join(f"{k}={v}" for k, v in missing.items())
        notes = [f"added ENV {value}: " + "; ".join(WHY[k] for k in missing)]
        step: list[Instruction] = []
        base = out.resolve(_parse_from(out.instructions[chain[-1].start].value)[0])
        official = official_python_name(base)
        if (
            "PYTHONDONTWRITEBYTECODE" in missing
            and official.startswith("python:")
            # Python 2 has no importlib.util (nor the modules Django 2+ imports).
            and not re.match(r"python:2(?:\.|-|$)", official)
            and "$" not in base
            and not has_bytecode_step(
                [i for st in chain for _, i in out.iter_stage(st)]
            )
        ):
            # Right after the ENV: nothing before it changes with the app, so the layer stays
            # cached through dependency and code changes.
            step = [stdlib_bytecode(_COMMENT)]
            notes.append(
                "the image compiles the bytecode of the standard-library modules Django and its "
                f"server import ({base} ships none): with PYTHONDONTWRITEBYTECODE every start "
                "compiled them again (runserver twice, gunicorn in every worker)"
            )
        out.insert_before(at, Instruction.new("ENV", value))
        for offset, ins in enumerate(step, start=1):
            out.insert_before(at + offset, ins)
        if step:
            # An indented file stays indented: the new lines as their neighbours.
            out.instructions[:] = indent_bytecode(
                indent_like(dockerfile.instructions, out.instructions)
            )
        if "PYTHONDONTWRITEBYTECODE" in missing:
            # Last: an ENV above a builder's install moves every later index.
            for index, command in reversed(uv_installs_without_bytecode(out)):
                out.insert_before(index, Instruction.new("ENV", "UV_COMPILE_BYTECODE=1"))
                notes.append(
                    f"added ENV UV_COMPILE_BYTECODE=1 above `{command}`: uv installs without "
                    "bytecode unless asked (pip compiles it), and with PYTHONDONTWRITEBYTECODE "
                    "the app no longer writes it at its first start, so every start would "
                    "compile Django and its dependencies again"
                )
            for index, edits, line in poetry_installs_without_bytecode(out):
                out.instructions[index] = apply_edits(out.instructions[index], edits)
                notes.append(
                    f"line {line}: `poetry install --compile`: Poetry's installer writes no "
                    "bytecode unless asked (pip compiles it), and with PYTHONDONTWRITEBYTECODE "
                    "the app no longer writes it at its first start, so every start would "
                    "compile Django and its dependencies again"
                )
        return Result(out, notes, skipped)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
# Where pip puts what it installs: the official images' /usr/local/lib/pythonX.Y, Debian's
# and Ubuntu's /usr/local/lib/python3.X/dist-packages, alpine's apk python3 /usr/lib/python3.X
# (jaimebuelta/django-docker-template's `find /usr/local` there deletes nothing pip wrote);
# the stage's venv is added.
_SITE_PREFIXES = ("/usr/local/lib/python", "/usr/lib/python")


def dependencies_without_bytecode(dockerfile: Dockerfile, chain: list[Stage]) -> str | None:
    r"""What leaves the installed dependencies of the final image (the stages in `chain`)
    without bytecode, by the user's choice: `pip install --no-compile` (PIP_COMPILE or, as pip
    reads it inverted, PIP_NO_COMPILE set false), or a `find` that deletes the `.pyc` files
    (or `__pycache__`) under the install location after an install: the official images'
    recipe copied into an app's RUN (`find /usr/local \( ... -name '*.pyc' -o -name '*.pyo'
    \) -exec rm -rf '{}' +`; sweep26: dantium/django-docker-tailwind's alpine image). Such an
    app wrote the bytecode at its first start; with PYTHONDONTWRITEBYTECODE every process
    compiles the dependencies again. `line N: ...`, or None."""
    stages = list(reversed(chain))
    names: dict[str, str] = {}
    for stage in stages:
        names.update(dockerfile.stage_vars(stage))
    if names.get("PIP_COMPILE", "").lower() in _FALSE or (
        names.get("PIP_NO_COMPILE", "").lower() in _FALSE
    ):
        return "the Dockerfile sets pip's compile option off (PIP_COMPILE / PIP_NO_COMPILE)"
    base = dockerfile.resolve(_parse_from(dockerfile.instructions[chain[-1].start].value)[0])
    if official_python_name(base).startswith("python:"):
        prefixes = ["/usr/local/lib/python"]
    elif "alpine" in base.lower():
        prefixes = ["/usr/lib/python"]  # apk's python3: pip installs beside it
    else:
        prefixes = list(_SITE_PREFIXES)  # Debian's pip: /usr/local/lib/python3/dist-packages
    venv = names.get("VIRTUAL_ENV", "")
    if venv.startswith("/") and "$" not in venv:
        prefixes.append(venv.rstrip("/") + "/")
    installed = False
    for stage in stages:
        for _, ins in dockerfile.iter_stage(stage):
            if ins.keyword == "COPY" and "from" in ins.flags:
                installed = True  # a builder's venv or site-packages
            if ins.keyword != "RUN" or ins.exec_form is not None:
                continue
            for seg in split_commands(ins.args):
                argv = program(seg.text)
                if _pip_install(argv):
                    if "--no-compile" in argv:
                        return f"line {ins.line}: `pip install --no-compile` installs without it"
                    installed = True
                elif argv[:1] and argv[0].rsplit("/", 1)[-1] in {"pipenv", "poetry", "uv"}:
                    installed = True
                elif installed and (name := deletes_bytecode(argv, prefixes)):
                    return (
                        f"line {ins.line}: `find {argv[1]} ... -name '{name}' ...` deletes the "
                        "installed packages' bytecode"
                    )
    return None


def _pip_install(argv: list[str]) -> bool:
    if len(argv) > 2 and argv[0].rsplit("/", 1)[-1].startswith("python") and argv[1:3] == [
        "-m",
        "pip",
    ]:
        argv = argv[2:]
    return bool(argv) and bool(re.fullmatch(r"pip[\d.]*", argv[0].rsplit("/", 1)[-1])) and (
        "install" in argv[1:]
    )


def uv_installs_without_bytecode(dockerfile: Dockerfile) -> list[tuple[int, str]]:
    """(index, command) of the first uv install (`uv sync`, `uv pip install|sync`) that writes
    no bytecode in each stage the final image is built from (its own, the ones it builds FROM
    and copies from): none of `--compile-bytecode`, an ENV or inline UV_COMPILE_BYTECODE=1."""
    found: list[tuple[int, str]] = []
    for stage in dockerfile.stages_built() or []:
        names: dict[str, str] = {}
        for ancestor in reversed(dockerfile.lineage(stage)):
            names.update(dockerfile.stage_vars(ancestor))
        if names.get("UV_COMPILE_BYTECODE", "").lower() in _TRUE:
            continue
        for n, ins in dockerfile.iter_stage(stage):
            if ins.keyword != "RUN" or ins.exec_form is not None:
                continue
            command = next(
                (seg.text.strip() for seg in split_commands(ins.args) if _uv_install(seg.text)),
                None,
            )
            if command is not None:
                found.append((n, " ".join(program(command)[:3])))
                break
    return found


# A Poetry pinned below 1.4 (pip's `poetry==1.3.2`, POETRY_VERSION for the installer script,
# the installer's `--version`) has no `--compile` and installs through pip, which compiles; so
# does a newer one with the modern installer turned off, and the 1.1-era get-poetry.py.
_POETRY_PIN = re.compile(
    r"\bpoetry\s*(?:==|~=|<=|<|@)\s*['\"]?(\d+)\.(\d+)"
    r"|\bPOETRY_VERSION[=\s]+['\"]?(\d+)\.(\d+)"
    r"|install\.python-poetry\.org.*?--version[=\s]+['\"]?(\d+)\.(\d+)"
)
_POETRY_COMPILES = re.compile(
    r"modern-installation\s+(?:false|0)\b"
    r"|POETRY_INSTALLER_MODERN_INSTALLATION=['\"]?(?:false|0)\b"
    r"|\bget-poetry\.py\b"
)


def poetry_installs_without_bytecode(dockerfile: Dockerfile) -> list[tuple[int, list[Edit], int]]:
    """(index, edits adding `--compile`, line) of each RUN whose `poetry install` / `poetry
    sync` writes no bytecode, in the stages the final image is built from (its own, the ones
    it builds FROM and copies from). None when the Dockerfile's Poetry compiles anyway (older
    than 1.4, or the modern installer off)."""
    text = "\n".join(ins.value for ins in dockerfile.instructions)
    if _POETRY_COMPILES.search(text):
        return []
    for match in _POETRY_PIN.finditer(text):
        numbers = [g for g in match.groups() if g is not None]
        if (int(numbers[0]), int(numbers[1])) < (1, 4):
            return []
    found: list[tuple[int, list[Edit], int]] = []
    for stage in dockerfile.stages_built() or []:
        for n, ins in dockerfile.iter_stage(stage):
            if ins.keyword != "RUN" or ins.exec_form is not None:
                continue
            edits: list[Edit] = []
            cursor = len(ins.value) - len(ins.args)
            for seg in split_commands(ins.args):
                at = ins.value.find(seg.text, cursor)
                if at < 0:
                    break
                cursor = at + len(seg.text)
                argv = program(seg.text)
                if (
                    not argv
                    or argv[0].rsplit("/", 1)[-1] != "poetry"
                    or _poetry_subcommand(argv) not in ("install", "sync")
                    or "--compile" in argv
                ):
                    continue
                # Right after the subcommand, past global options (`poetry --no-ansi -C app
                # install`).
                sub = re.search(r"\bpoetry\s+(?:\S+\s+)*?(?:install|sync)\b", seg.text)
                if sub is not None:
                    edits.append(Edit(at + sub.end(), at + sub.end(), " --compile"))
            if edits:
                found.append((n, edits, ins.line))
    return found


# Poetry's global options that take a value as the next word.
_POETRY_VALUE_OPTIONS = frozenset({"-C", "--directory", "-P", "--project"})


def _poetry_subcommand(argv: list[str]) -> str | None:
    """The subcommand of a `poetry ...` argv, past its global options."""
    rest = iter(argv[1:])
    for word in rest:
        if word in _POETRY_VALUE_OPTIONS:
            next(rest, None)
        elif not word.startswith("-"):
            return word
    return None


def _uv_install(text: str) -> bool:
    """An install by uv that compiles nothing: `uv sync`, `uv pip install`, `uv pip sync`
    without --compile-bytecode or an inline UV_COMPILE_BYTECODE=1."""
    argv = program(text)
    if not argv or argv[0].rsplit("/", 1)[-1] != "uv":
        return False
    sub = [w for w in argv[1:] if not w.startswith("-")][:2]
    if sub[:1] != ["sync"] and sub not in (["pip", "install"], ["pip", "sync"]):
        return False
    if "--compile-bytecode" in argv or "--compile" in argv:
        return False
    return not any(
        w.startswith("UV_COMPILE_BYTECODE=") and w.split("=", 1)[1].lower() in _TRUE
        for w in words(text)
    )
