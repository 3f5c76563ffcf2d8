"""The standard library's bytecode, compiled at build time (shared by multi-stage and
python-env; not a transform).

Official python images delete every `.pyc`. A process that cannot write them, because it runs
as a user who does not own /usr/local or under PYTHONDONTWRITEBYTECODE, compiles every module it
imports at every start: runserver twice (its autoreloader's child), gunicorn once per worker.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap

from optimizer.dockerfile import Instruction, split_lines
from transforms.raw_edit import indent_of

# Standard-library modules that import the rest of what Django (5.1) and its server (runserver
# or gunicorn) load before the first response: `python -v` on examples 01 and 02 (Python 3.11)
# listed 196 modules; importing these 33 loads every one of them. A module a Python version
# lacks is skipped.
STDLIB_ROOTS = (
    "argparse asyncio concurrent.futures.thread difflib email.generator email.mime.message "
    "email.mime.multipart email.mime.text encodings.idna getpass glob graphlib gzip html.parser "
    "http.cookies importlib.metadata ipaddress json logging.config multiprocessing pkgutil "
    "pprint secrets shlex sqlite3 statistics urllib.request uuid wsgiref.simple_server zoneinfo"
)
# What pip imports to install, standard library and pip alike: `pip install -r
# requirements.txt` into a fresh venv (python:3.11, pip 24) wrote 558 .pyc; importing these
# writes 554 of them (not pip's and venv's `__main__`, nor two small codecs). A module an older
# pip lacks is skipped.
PIP_ROOTS = (
    "argparse importlib.metadata netrc venv pip._internal.cli.main pip._internal.commands.install "
    "pip._internal.resolution.resolvelib.resolver pip._internal.network.download "
    "pip._internal.operations.install.wheel pip._internal.self_outdated_check "
    "pip._internal.build_env pip._internal.metadata.importlib pip._internal.metadata.pkg_resources "
    "pip._vendor.pkg_resources pip._vendor.distro"
)
BUILDER_BYTECODE_COMMENT = (
    "# The image has no bytecode for pip or the standard library: compiled once here, so a\n",
    "# dependency change does not compile what pip imports again.\n",
)
BYTECODE_START = 'python -c "import compileall, importlib.util, sys;'
STDLIB_COMMENT = (
    "# The image has no bytecode for the standard library and the app's user cannot write it:\n",
    "# compile what Django and its server import, once, instead of at every start.\n",
)


def stdlib_bytecode(
    comment: tuple[str, ...] = STDLIB_COMMENT,
    roots: str = STDLIB_ROOTS,
    *,
    optional: bool = False,
) -> Instruction:
    """A RUN that writes the .pyc of the standard-library modules Django and its server import
    (in the builder: those pip imports, and pip's own).

    Official images delete every .pyc; the original's pip install, run as root, wrote
    those of the modules pip imports, and a root process writes the rest at start-up (runserver's
    autoreloader child then reads them). In the final stage nothing installs, the app may run as
    a user that cannot write to /usr/local, and PYTHONDONTWRITEBYTECODE is set: every start
    compiled ~190 modules, twice under runserver (example 01: CPU to the first 200 2.8 s against
    1.1 s before the split; 1.2 s with this step, which adds 5.2 MB). In the builder the same
    holds for pip: each install's RUN starts from the layer before it, so without this step
    every dependency change compiled pip's ~500 modules again (1.2 s of CPU on the lab). Only
    modules with a source file are compiled (frozen ones have none to compile), by compileall,
    as root at build time. A root a Python version lacks is skipped; with `optional` (pip's
    modules, which older pips lack) also one whose parent package is missing."""
    names = textwrap.wrap(roots, 84)
    names[0] = f"[__import__(m) for m in '{names[0]}"
    if not optional:
        names[-1] = f"{names[-1]}'.split() if importlib.util.find_spec(m)];"
        guard = []
    else:
        # find_spec of `a.b.c` imports `a.b` and fails when it is missing (an older pip).
        names[-1] = f"{names[-1]}'.split()"
        guard = [
            "if all(importlib.util.find_spec(m.rsplit('.', k)[0])",
            "for k in range(m.count('.'), -1, -1))];",
        ]
    lines = [
        # The imports write the .pyc themselves, also under PYTHONDONTWRITEBYTECODE (which
        # made compileall compile every module a second time: 1.2 s -> 0.8 s in the final stage).
        f"{BYTECODE_START} sys.dont_write_bytecode = False;",
        *names,
        *guard,
        "[compileall.compile_file(m.__file__, quiet=1) for m in list(sys.modules.values())",
        "if getattr(getattr(m, '__spec__', None), 'cached', None)]\"",
    ]
    value = " ".join(lines)
    raw = "RUN " + " \\\n    ".join(lines) + "\n"
    return Instruction("RUN", value, ("\n", *comment), raw)


def has_bytecode_step(instructions: list[Instruction]) -> bool:
    """Does one of these instructions already compile the standard library's bytecode?"""
    return any(i.keyword == "RUN" and i.value.startswith(BYTECODE_START) for i in instructions)


def indent_bytecode(instructions: list[Instruction]) -> list[Instruction]:
    """The bytecode RUN (new, but written with its own continuation lines, which
    `indent_like` leaves alone) indented like the instruction before it; new comments too."""
    out = list(instructions)
    for k in range(1, len(out)):
        ins = out[k]
        indent = indent_of(out[k - 1])
        if ins.line or not indent:
            continue
        if ins.leading and any(c.startswith("#") for c in ins.leading):
            # New comments above new lines (the pkg_resources step) sit at the lines' indent.
            leading = tuple(indent + c if c.startswith("#") else c for c in ins.leading)
            out[k] = ins = dataclasses.replace(ins, leading=leading)
        if ins.raw is None:
            continue
        if ins.value.startswith(BYTECODE_START):
            raw = "".join(indent + line for line in split_lines(ins.raw))
            out[k] = dataclasses.replace(ins, raw=raw)
    return out


_PYC_NAMES = re.compile(r"^\*?\.?py[co]$|^\*\.py\[[cod]+\]$|^__pycache__$|^\*pyc$")


def deletes_bytecode(argv: list[str], prefixes: list[str]) -> str | None:
    """The `-name` pattern of a `find PATH... -name '*.pyc' ... -delete | -exec rm ... | xargs
    rm` (argv) over a directory under or above one of `prefixes`, or None: the official
    images' recipe that apps copy after their install (python-env, multi-stage)."""
    if not argv or argv[0] != "find":
        return None
    paths = []
    for word in argv[1:]:
        if word.startswith(("-", "(", "!", "\\")):
            break
        paths.append(word.rstrip("/") or "/")
    covers = any(
        "$" not in p and any((p + "/").startswith(x) or x.startswith(p + "/") or p == "/"
                             for x in prefixes)
        for p in paths
    )
    named = next(
        (
            argv[k + 1]
            for k in range(len(argv) - 1)
            if argv[k] in {"-name", "-iname"} and _PYC_NAMES.match(argv[k + 1])
        ),
        None,
    )
    removes = "-delete" in argv or any(
        argv[k] in {"-exec", "-execdir", "xargs"} and "rm" in argv[k + 1 : k + 4]
        for k in range(len(argv) - 1)
    )
    return named if covers and removes else None
