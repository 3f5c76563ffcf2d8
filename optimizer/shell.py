"""Just enough shell understanding to rewrite RUN and CMD lines safely.

We split a command line at top-level `&&` and `;` (outside quotes, parentheses and `$(...)`),
classify each piece (apt, dependency install, tool install, server start) and join pieces back.
Anything we do not understand is classed "other" and is never moved past what it may need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["apt", "deps", "tool", "venv", "server", "other"]

SERVERS = (
    "runserver", "gunicorn", "uvicorn", "daphne", "hypercorn", "uwsgi", "granian",
    "waitress-serve",
)
# Servers that, as PID 1, ignore docker stop's SIGTERM (Python sets no handler for it and the
# kernel drops a PID 1's default-action signals) but stop cleanly on SIGINT: measured on the
# lab, waitress-serve 10.3 s to stop on SIGTERM (killed), 0.29 s on SIGINT, exit 0.
SIGINT_SERVERS = frozenset({"runserver", "waitress-serve"})
# Management commands that serve as runserver does: an `addrport` argument, 127.0.0.1:8000 by
# default, an autoreloading parent process. django-extensions' runserver_plus (Werkzeug) is
# what cookiecutter-django's local image starts; both are reported as "runserver".
RUNSERVERS = frozenset({"runserver", "runserver_plus"})
# `python -m NAME` for a server whose console script has another name: `python -m waitress`
# takes waitress-serve's options.
_MODULE_SERVERS = {"waitress": "waitress-serve"}
TOOLS = frozenset({"pip", "setuptools", "wheel", "poetry", "pipenv", "uv", "pdm", "virtualenv"})
# Tools that run a command in the project's environment: `pdm run gunicorn` starts gunicorn.
_RUNNER_PREFIXES = (
    ("poetry", "run"),
    ("pipenv", "run"),
    ("uv", "run"),
    ("pdm", "run"),
)


@dataclass(frozen=True)
class Segment:
    text: str
    # The separator that followed this segment in the original ("&&", ";", or "" for the last).
    sep: str = ""


def split_commands(command: str) -> list[Segment]:
    """Split at top-level `&&` / `;`. `||`, pipes and subshells stay inside their segment."""
    return _merge_compound(_split_flat(command))


# Words that open, continue or close a compound command, before the command they guard.
_COMPOUND_WORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "{", "}", "!"}
)


def inner_commands(text: str) -> list[str]:
    """The commands of one segment: the segment itself, or for a compound (`if [ ... ]; then
    apt-get install ... && pip install -r a.txt; else pip install -r b.txt; fi`) the commands
    inside it, each without the keywords before it (`pip install -r b.txt`)."""
    head = text.split(None, 1)[0] if text.split() else ""
    if head not in _OPENERS:
        return [text]
    found: list[str] = []
    for seg in _split_flat(text):
        rest = seg.text
        while rest.split(None, 1) and rest.split(None, 1)[0] in _COMPOUND_WORDS:
            parts = rest.split(None, 1)
            rest = parts[1] if len(parts) > 1 else ""
        if rest:
            found.append(rest)
    return found


def _split_flat(command: str) -> list[Segment]:
    """split_commands without keeping compounds together."""
    segments: list[Segment] = []
    buf: list[str] = []
    quote: str | None = None
    depth = 0
    i = 0
    while i < len(command):
        # Copy runs of ordinary characters at once: a character loop alone is slow on long lines.
        plain = (_QUOTED_PLAIN if quote else _UNQUOTED_PLAIN).match(command, i)
        if plain:
            buf.append(plain.group(0))
            i = plain.end()
            continue
        ch = command[i]
        if quote:
            buf.append(ch)
            if ch == "\\" and quote in "\"`" and i + 1 < len(command):
                buf.append(command[i + 1])
                i += 1
            elif ch == quote:
                quote = None
        elif ch == "\\" and i + 1 < len(command):
            buf.append(command[i : i + 2])
            i += 1
        elif ch in "'\"`":
            # A backtick substitution (`# a comment & more` between package names) is quoted
            # text: its `&` and `;` separate nothing outside it.
            quote = ch
            buf.append(ch)
        elif ch == "(":
            depth += 1
            buf.append(ch)
        elif ch == ")":
            depth = max(0, depth - 1)
            buf.append(ch)
        elif depth == 0 and command.startswith("&&", i):
            segments.append(Segment("".join(buf).strip(), "&&"))
            buf = []
            i += 1
        elif depth == 0 and ch == ";":
            segments.append(Segment("".join(buf).strip(), ";"))
            buf = []
        else:
            buf.append(ch)
        i += 1
    tail = "".join(buf).strip()
    if tail or not segments:
        segments.append(Segment(tail, ""))
    return [s for s in segments if s.text]


_UNQUOTED_PLAIN = re.compile(r"[^\\'\"`()&;]+")
_QUOTED_PLAIN = re.compile(r"[^\\'\"`]+")

_OPENERS = {"if": "fi", "for": "done", "while": "done", "until": "done", "case": "esac", "{": "}"}
_CLOSERS = {"fi", "done", "esac", "}"}


def _merge_compound(segments: list[Segment]) -> list[Segment]:
    """Keep `if ...; then ...; fi`, loops, `case` and `{ ...; }` as one segment each."""
    merged: list[Segment] = []
    depth = 0
    for seg in segments:
        first = seg.text.split(None, 1)[0] if seg.text.split() else ""
        last = seg.text.split()[-1] if seg.text.split() else ""
        if depth:
            previous = merged[-1]
            joiner = "; " if previous.sep == ";" else " && "
            merged[-1] = Segment(previous.text + joiner + seg.text, seg.sep)
        else:
            merged.append(seg)
        depth += 1 if first in _OPENERS else 0
        if first in _CLOSERS or last in _CLOSERS:
            depth = max(0, depth - 1)
        # A one-line compound such as `if x; then y; fi` closes in its last segment.
    return merged


def join_commands(segments: list[str]) -> str:
    return " && ".join(s.strip() for s in segments if s.strip())


def join_segments(segments: list[Segment], texts: list[str] | None = None) -> str:
    """Rejoin segments with the separators they were written with (texts may replace them)."""
    texts = [s.text for s in segments] if texts is None else texts
    parts: list[str] = []
    for k, (seg, text) in enumerate(zip(segments, texts, strict=True)):
        parts.append(text)
        if k < len(segments) - 1:
            parts.append("; " if seg.sep == ";" else " && ")
    return "".join(parts)


def words(text: str, punctuation: str = "") -> list[str]:
    """`shlex.split(text, comments=False)`, in linear time.

    With `punctuation` (e.g. ";&|()"), runs of those characters outside quotes are words of
    their own, as with `shlex.shlex(text, posix=True, punctuation_chars=...)` splitting on
    whitespace.

    shlex grows each token one character at a time by string concatenation, quadratic in the
    token's length (a 2 MB RUN line never finished). Same rules: whitespace splits; single quotes
    are literal; in double quotes a backslash escapes only `"` and `\\`; outside quotes it escapes
    any character. An unclosed quote or a trailing backslash falls back to splitting on
    whitespace, as before."""
    out: list[str] = []
    token: list[str] = []
    started = False  # a token is open, possibly empty ('' is a word)
    i, n = 0, len(text)
    plain_re = _PLAIN
    if punctuation:
        plain_re = re.compile(r"[^ \t\r\n\\'\"" + re.escape(punctuation) + "]+")
    while i < n:
        plain = plain_re.match(text, i)
        if plain:
            token.append(plain.group(0))
            started = True
            i = plain.end()
            continue
        ch = text[i]
        if ch in _BLANKS:
            if started:
                out.append("".join(token))
                token, started = [], False
            i += 1
        elif ch in punctuation:
            if started:
                out.append("".join(token))
                token, started = [], False
            end = i
            while end < n and text[end] in punctuation:
                end += 1
            out.append(text[i:end])
            i = end
        elif ch == "\\":
            if i + 1 >= n:
                return text.split()
            token.append(text[i + 1])
            started = True
            i += 2
        elif ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                return text.split()
            token.append(text[i + 1 : end])
            started = True
            i = end + 1
        else:  # a double quote
            started = True
            i += 1
            while True:
                quoted = _IN_DOUBLE.match(text, i)
                if quoted:
                    token.append(quoted.group(0))
                    i = quoted.end()
                if i >= n:
                    return text.split()
                if text[i] == '"':
                    i += 1
                    break
                if i + 1 >= n:  # a backslash at the very end
                    return text.split()
                following = text[i + 1]
                token.append(following if following in '"\\' else "\\" + following)
                i += 2
    if started:
        out.append("".join(token))
    return out


_BLANKS = " \t\r\n"
# Runs of characters with no special meaning; single character classes cannot backtrack.
_PLAIN = re.compile(r"[^ \t\r\n\\'\"]+")
_IN_DOUBLE = re.compile(r'[^"\\]+')


def _strip_env_prefix(argv: list[str]) -> list[str]:
    """Drop leading `VAR=value` assignments, `exec`, `env` and `set -x`-like noise."""
    out = list(argv)
    while out and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", out[0]) or out[0] in {"exec", "env"}):
        out = out[1:]
    return out


_SHELL_NAMES = frozenset({"sh", "bash", "dash", "ash", "zsh"})
_SHELL_LONG_WITH_VALUE = frozenset({"--rcfile", "--init-file"})


def shell_c_script(argv: list[str]) -> str | None:
    """The script a `sh -c SCRIPT` (`/bin/bash -lc`, `bash -ec`) or `su USER -c SCRIPT` runs,
    None for any other command. A shell's script is the word after the first option that
    holds `c` (`-o pipefail` and long options like `--login` skipped on the way); `su` takes it
    from `-c`/`--command`."""
    argv = _strip_env_prefix(argv)
    if not argv:
        return None
    name = argv[0].rsplit("/", 1)[-1]
    if name in _SHELL_NAMES:
        k = 1
        while k < len(argv):
            word = argv[k]
            if word in _SHELL_LONG_WITH_VALUE:
                k += 2
            elif word.startswith("--") and word != "--":
                k += 1  # --login, --norc, --noprofile, --posix
            elif len(word) > 1 and word[0] in "-+" and word != "--":
                if word[0] == "-" and "c" in word[1:]:
                    return argv[k + 1] if k + 1 < len(argv) else None
                # `-o pipefail`, `-eo pipefail`, `+o posix`: the option's name is the next word.
                k += 2 if "o" in word[1:] else 1
            else:
                return None  # a script file, `--`, or nothing that runs a string
        return None
    if name in {"su", "runuser"}:
        for k, word in enumerate(argv[1:], 1):
            if word in {"-c", "--command"}:
                return argv[k + 1] if k + 1 < len(argv) else None
            if word.startswith("--command="):
                return word.split("=", 1)[1]
    return None


def program(text: str) -> list[str]:
    """argv of a simple command, with assignments and `exec` removed."""
    return _strip_env_prefix(words(text))


# apt-get options whose value is the next word (`-o Acquire::Retries=3`, `-t bookworm-backports`).
APT_VALUE_OPTIONS = frozenset(
    {"-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release"}
)


def apt_install_words(args: list[str]) -> tuple[list[str], list[str]]:
    """(options, package words) of the words after `apt-get install`. An option that takes a
    value keeps it (`--option Acquire::Retries=3`): the value is no package, and separating
    them gives apt the next option as the value (freelawproject/doctor)."""
    options: list[str] = []
    packages: list[str] = []
    k = 0
    while k < len(args):
        arg = args[k]
        if arg in APT_VALUE_OPTIONS:
            options += args[k : k + 2]
            k += 2
            continue
        (options if arg.startswith("-") else packages).append(arg)
        k += 1
    return options, packages


def _pip_args(argv: list[str]) -> list[str] | None:
    """Arguments after `install` for any spelling of pip, or None if it is not pip install."""
    if not argv:
        return None
    name = argv[0].rsplit("/", 1)[-1]
    rest: list[str]
    if re.fullmatch(r"pip(3(\.\d+)?)?", name):
        rest = argv[1:]
    elif re.fullmatch(r"python(3(\.\d+)?)?", name) and argv[1:3] == ["-m", "pip"]:
        rest = argv[3:]
    elif name == "uv" and argv[1:3] == ["pip", "install"]:
        return argv[3:]
    else:
        return None
    # pip's global options may precede the subcommand.
    while rest and rest[0].startswith("-") and rest[0] != "install":
        rest = rest[1:]
    if not rest or rest[0] != "install":
        return None
    return rest[1:]


def pip_install_targets(argv: list[str]) -> tuple[list[str], list[str]] | None:
    """(requirement files, package specs) of a pip install, None when not a pip install."""
    args = _pip_args(argv)
    if args is None:
        return None
    files: list[str] = []
    specs: list[str] = []
    takes_value = {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--cache-dir",
        "--trusted-host",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--progress-bar",
        "-e",
        "--editable",
        "--src",
        "--upgrade-strategy",
        "--timeout",
        "--retries",
        "--python",
    }
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in {"-r", "--requirement", "-c", "--constraint"} and i + 1 < len(args):
            files.append(args[i + 1])
            i += 2
            continue
        if arg.startswith(("--requirement=", "--constraint=")):
            files.append(arg.split("=", 1)[1])
        elif arg.startswith("-r") and len(arg) > 2:
            files.append(arg[2:])
        elif arg in {"-e", "--editable"} and i + 1 < len(args):
            specs.append("-e " + args[i + 1])
            i += 2
            continue
        elif arg in takes_value:
            i += 2
            continue
        elif not arg.startswith("-"):
            specs.append(arg)
        i += 1
    return files, specs


# Options of pip-sync and `uv pip sync` that take a value: the value is not a file to sync.
_SYNC_VALUE_OPTIONS = frozenset({
    "--python-executable", "--pip-args", "--config", "-f", "--find-links", "-i", "--index-url",
    "--extra-index-url", "--trusted-host", "--index", "--default-index", "-p", "--python",
    "--target", "--prefix", "--python-version", "--python-platform", "--cache-dir",
    "--index-strategy", "--keyring-provider", "--reinstall-package", "--link-mode", "-C",
    "--config-setting", "--exclude-newer", "--directory", "--project", "--color",
    "--config-file", "-b", "--build-constraint", "--no-binary", "--only-binary",
})


def sync_targets(argv: list[str]) -> list[str] | None:
    """The files pip-tools' `pip-sync` or `uv pip sync` installs from (its lock files and `-c`
    constraints), None when argv is neither. pip-sync without a file syncs requirements.txt."""
    head = argv[0].rsplit("/", 1)[-1] if argv else ""
    if head == "pip-sync":
        args = argv[1:]
    elif head == "uv" and argv[1:3] == ["pip", "sync"]:
        args = argv[3:]
    else:
        return None
    files: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in {"-c", "--constraint", "-r", "--requirement"} and i + 1 < len(args):
            files.append(args[i + 1])
            i += 2
            continue
        if arg.startswith(("--constraint=", "--requirement=")):
            files.append(arg.split("=", 1)[1])
        elif arg in _SYNC_VALUE_OPTIONS:
            i += 2
            continue
        elif not arg.startswith("-"):
            files.append(arg)
        i += 1
    if head == "pip-sync" and not files:
        files.append("requirements.txt")
    return files


def spec_name(spec: str) -> str:
    return re.split(r"[<>=!~\[;@ ]", spec, maxsplit=1)[0].strip().lower()


def classify(text: str) -> Kind:
    argv = program(text)
    # `poetry run pip install ...` is a pip install run in poetry's environment.
    runner, rest = strip_runner(argv)
    if runner and rest and server_argv(rest) is None:
        argv = rest
    if not argv:
        return "other"
    head = argv[0].rsplit("/", 1)[-1]
    if head in {"apt-get", "apt", "rm"} and (
        head != "rm" or any("/var/lib/apt/lists" in a for a in argv)
    ):
        return "apt"
    if server_argv(argv) is not None:
        return "server"
    pip = pip_install_targets(argv)
    if pip is not None:
        files, specs = pip
        if files:
            return "deps"
        names = [spec_name(s) for s in specs]
        if names and all(n in TOOLS for n in names):
            return "tool"
        return "deps"
    if head == "poetry":
        if argv[1:2] == ["install"] or argv[1:2] == ["sync"]:
            return "deps"
        if argv[1:2] in (["config"], ["self"]):
            return "tool"
    if head == "pipenv" and argv[1:2] in (["install"], ["sync"]):
        return "deps"
    if head == "uv" and argv[1:2] == ["sync"]:
        return "deps"
    # pip-tools' `pip-sync` and `uv pip sync` install (and uninstall down to) a lock file: a
    # dependency install like `pip install -r`, which deps.py already reads them as.
    if head == "pip-sync" or (head == "uv" and argv[1:3] == ["pip", "sync"]):
        return "deps"
    if head == "pdm":
        if argv[1:2] in (["install"], ["sync"]):
            return "deps"
        if argv[1:2] in (["config"], ["self"], ["use"]):
            return "tool"
    if head == "uv" and argv[1:2] == ["venv"]:
        return "venv"
    if re.fullmatch(r"python(3(\.\d+)?)?", head) and argv[1:3] == ["-m", "venv"]:
        return "venv"
    if head == "virtualenv":
        return "venv"
    return "other"


# Runners that start the command as a child and forward SIGTERM to it (uv since
# astral-sh/uv#8933, Nov 2024; pdm's task runner), unlike `poetry run` and `pipenv run`, which
# exec it: under them runserver is not PID 1 and needs no STOPSIGNAL; without them it does.
PARENT_RUNNERS = frozenset({"uv", "pdm"})
# WRAPPERS that stay PID 1 with the server as their child and pass signals on to it (init
# processes, secret injectors, runuser, which forks like su and sends its child the SIGTERM it
# gets); the others exec the server, which is then PID 1 itself.
FORWARDING_WRAPPERS = frozenset(
    {"tini", "tini-static", "dumb-init", "doppler", "infisical", "op", "chamber", "aws-vault",
     "runuser"}
)


def strip_runner(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split `poetry run gunicorn ...` into (["poetry", "run"], ["gunicorn", ...])."""
    for prefix in _RUNNER_PREFIXES:
        if tuple(argv[: len(prefix)]) == prefix:
            return list(prefix), argv[len(prefix) :]
    return [], argv


# Scripts that wait for a host:port, then exec the command after `--` (vishnubob/wait-for-it,
# eficode/wait-for): `./wait-for-it.sh db:5432 -- gunicorn mysite.wsgi` starts gunicorn.
WAITERS = frozenset({"wait-for-it", "wait-for-it.sh", "wait-for", "wait-for.sh", "wait_for_it.sh"})


# Programs that run the command given after them, replacing themselves with it or running it
# as a child they pass signals to: init processes (tini, dumb-init), tracers that exec the
# program (ddtrace-run, opentelemetry-instrument, newrelic-admin run-program), privilege
# droppers (gosu, su-exec: a user first) and secret injectors whose command follows `--`
# (doppler run, infisical run, op run, chamber exec, aws-vault exec). What the server binds
# is decided behind them: `tini -- gunicorn -b 127.0.0.1:8000` is as unreachable as without.
# The value says where the command starts when no `--` does: "options" (after the wrapper's
# own `-x` flags; opentelemetry-instrument's take a value each), "user" (after one word), a
# subcommand (after it), or "--" (only after a `--`).
WRAPPERS: dict[str, str] = {
    "tini": "options", "tini-static": "options", "dumb-init": "options",
    "ddtrace-run": "options", "opentelemetry-instrument": "valued-options",
    "newrelic-admin": "run-program", "gosu": "user", "su-exec": "user",
    "setuidgid": "user", "s6-setuidgid": "user",
    # util-linux's runuser (`runuser -u app -- gunicorn ...`; its su-like `-c` form is a
    # string, see shell_c_script) and setpriv, runit's chpst: options, some with a value.
    "runuser": "options", "setpriv": "options", "chpst": "options",
    "doppler": "--", "infisical": "--", "op": "--", "chamber": "--", "aws-vault": "--",
}
# The options of an "options" wrapper that take the next word as their value.
_WRAPPER_VALUED: dict[str, frozenset[str]] = {
    "runuser": frozenset({"-u", "-g", "-G", "--user", "--group", "--supp-group", "-w",
                          "--whitelist-environment"}),
    "setpriv": frozenset({"--reuid", "--regid", "--ruid", "--euid", "--rgid", "--egid",
                          "--groups", "--securebits", "--pdeathsig", "--bounding-set",
                          "--inh-caps", "--ambient-caps", "--selinux-label",
                          "--apparmor-profile", "--landlock-access", "--landlock-rule"}),
    "chpst": frozenset({"-u", "-U", "-b", "-e", "-/", "-n", "-l", "-L", "-m", "-d", "-o", "-p",
                        "-f", "-c", "-r", "-t"}),
}


def _after_wrapper(argv: list[str]) -> int | None:
    """Where the wrapped command starts in argv (argv[0] a WRAPPERS program, or a WAITERS
    script, whose command follows `--`), or None."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    kind = WRAPPERS.get(name) or ("--" if name in WAITERS else None)
    if kind is None:
        return None
    if "--" in argv:
        return argv.index("--") + 1
    k = 1
    if kind in {"options", "valued-options"}:
        valued = _WRAPPER_VALUED.get(name, frozenset())
        while k < len(argv) and argv[k].startswith("-"):
            if name == "runuser" and (
                argv[k] in {"-c", "--command"} or argv[k].startswith("--command=")
            ):
                return None  # runuser -c STRING: a shell string, not a command's words
            takes = (kind == "valued-options" and "=" not in argv[k]) or argv[k] in valued
            k += 2 if takes else 1
        return k
    if kind == "user":
        return 2
    if kind != "--" and argv[1:2] == [kind]:
        return 2
    return None


def python_args(argv: list[str]) -> list[str] | None:
    """What `python [switches] ...` runs, after the interpreter's own switches (`-u`, `-W
    arg`, `-X arg`): a script and its arguments, or `-m module ...`; None for `-c`/`-` (code
    given inline) and when argv[0] is no python."""
    if not argv or not _is_python(argv[0]):
        return None
    args = argv[1:]
    while args and args[0].startswith("-") and args[0] != "-m":
        if args[0] in {"-c", "-"}:
            return None
        args = args[2:] if args[0] in {"-W", "-X"} else args[1:]
    return args


def _program(argv: list[str]) -> tuple[int, list[str]] | None:
    """(index where the program starts, its words) behind an env prefix, a wrapper (`tini --`,
    `./wait-for-it.sh db:5432 --`) and a runner (`poetry run`), or None when nothing is left."""
    stripped = _strip_env_prefix(argv)
    wrapped = _after_wrapper(stripped)
    if wrapped is not None:
        after = len(argv) - len(stripped) + wrapped
        found = _program(argv[after:])
        return None if found is None else (after + found[0], found[1])
    _prefix, rest = strip_runner(stripped)
    if not rest:
        return None
    return len(stripped) - len(rest), rest


def _is_python(word: str) -> bool:
    return re.fullmatch(r"python(3(\.\d+)?)?", word.rsplit("/", 1)[-1]) is not None


def _management(rest: list[str]) -> list[str] | None:
    """The management command and its arguments when the program's words run manage.py or
    django-admin (`python -m manage`, `python -m django` too), else None."""
    if _is_python(rest[0]):
        args = python_args(rest)
        if args and args[0].endswith("manage.py"):
            return args[1:]
        # `python -m manage runserver` (manage.py as a module), `python -m django runserver`.
        if args is not None and args[:1] == ["-m"] and args[1:2] in (["manage"], ["django"]):
            return args[2:]
        return None
    head = rest[0].rsplit("/", 1)[-1]
    if head.endswith("manage.py") or head in {"django-admin", "django-admin.py"}:
        return rest[1:]
    return None


def management_command(argv: list[str]) -> list[str] | None:
    """The Django management command argv runs, with its arguments (`["migrate",
    "--noinput"]` for `python manage.py migrate --noinput`), or None."""
    found = _program(argv)
    return None if found is None else _management(found[1])


# runserver's and runserver_plus's options that take the next word as their value: `runserver
# --settings mysite.settings` has no addrport (it binds 127.0.0.1:8000), `-v 2` no port 2.
_RUNSERVER_VALUED = frozenset({
    "--settings", "--pythonpath", "-v", "--verbosity", "--cert-file", "--key-file",
    "--extra-file", "--reloader-interval", "--reloader-type", "--output",
    "--print-sql-location", "--startup-messages", "--sql-truncate",
})
# Django's own addrport shape (runserver's naiveip_re): PORT, IPV4:PORT, [IPV6]:PORT, NAME:PORT.
_ADDRPORT = re.compile(
    r"(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[a-fA-F0-9:]+\]|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*):)?\d+"
)


def addrport_at(argv: list[str], after: int) -> int | None:
    """Where runserver's addrport is among the words after index `after` (the runserver
    word), or None when it is given none: option values (`--settings x`, `-v 2`) are skipped,
    and a word counts only in Django's addrport shape or with a variable (`0.0.0.0:$PORT`)."""
    i = after + 1
    while i < len(argv):
        word = argv[i]
        if word in _RUNSERVER_VALUED:
            i += 2
            continue
        if not word.startswith("-") and ("$" in word or _ADDRPORT.fullmatch(word)):
            return i
        i += 1
    return None


def runserver_at(argv: list[str], start: int) -> int:
    """Where the runserver command word (runserver or runserver_plus) is in argv, from start."""
    return next(i for i in range(start, len(argv)) if argv[i] in RUNSERVERS)


def server_argv(argv: list[str]) -> tuple[int, str] | None:
    """(index where the server program starts, server name) if argv starts a web server."""
    found = _program(argv)
    if found is None:
        return None
    offset, rest = found
    command = _management(rest)
    if command is not None:
        return (offset, "runserver") if command[:1] and command[0] in RUNSERVERS else None
    if _is_python(rest[0]):
        args = python_args(rest) or []
        module = args[1] if len(args) > 1 and args[0] == "-m" else ""
        if module in SERVERS:
            return offset, module
        return (offset, _MODULE_SERVERS[module]) if module in _MODULE_SERVERS else None
    head = rest[0].rsplit("/", 1)[-1]
    if head in SERVERS:
        return offset, head
    return None


def has_shell_syntax(text: str) -> bool:
    """True when the command needs a shell: variables, operators, globs, redirections."""
    stripped = re.sub(r"'[^']*'", "", text)
    return bool(re.search(r"[$|&;<>`*?]|\$\(", stripped))


# `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME-default}`.
_VAR = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)")


def expand_vars(text: str, env: dict[str, str]) -> str:
    """`$NAME`, `${NAME}` and `${NAME:-default}` from `env`; unknown names without a default
    stay as written."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name in env:
            return env[name]
        default = match.group(2)
        return default if default is not None else match.group(0)

    return _VAR.sub(sub, text)
