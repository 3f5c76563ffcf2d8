"""The shell script a container starts with, read and edited line by line.

Why: many images start through `entrypoint.sh` / `start.sh`, which waits for the database,
migrates and then starts gunicorn itself. What the server binds and whether it gets docker stop's
SIGTERM is then decided by a line of that script, not by CMD. This module finds the script the
start command runs as PID 1 and maps its logical lines (`\\` continuations joined) back to the
file's physical lines, so fix-cmd-binding can edit one line and leave every other byte alone.
"""

from __future__ import annotations

import ast
import difflib
import fnmatch
import re
from dataclasses import dataclass

from optimizer.dockerfile import Dockerfile
from optimizer.shell import (
    WAITERS,
    has_shell_syntax,
    inner_commands,
    python_args,
    server_argv,
    split_commands,
    words,
)

_SHELLS = {"sh", "bash", "dash", "ash", "zsh"}
_SHELL_SHEBANG = re.compile(r"#!\s*(/usr/bin/env\s+)?\S*\b(ba|da|a|z)?sh\b")
# `exec "$@"` as a script's own line: the arguments (CMD) replace the script's shell.
_EXEC_PASS_THROUGH = re.compile(r'^[ \t]*exec[ \t]+"?\$(@|\{@\})"?[ \t]*$', re.MULTILINE)
_OPENERS = {"if", "while", "until", "for", "case", "select"}
_CLOSERS = {"fi", "done", "esac", "}"}
# Words before the command they guard, on the same line: `then gunicorn ...`.
_GUARDS = {"then", "do", "else", "!", "{"}
_HEREDOC = re.compile(r"(?<!<)<<(?!<)-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


@dataclass(frozen=True)
class ScriptLine:
    first: int  # index of its first physical line
    last: int  # index of its last physical line (`\` continuations)
    text: str  # the joined command text
    depth: int  # how many blocks (if/while/case/function bodies) it is inside


def is_shell_script(path: str, text: str) -> bool:
    """A shell's `#!` line, or a `.sh` file without one (run as `sh start.sh`)."""
    first = text.split("\n", 1)[0]
    if _SHELL_SHEBANG.match(first):
        return True
    return path.endswith(".sh") and not first.startswith("#!")


def script_word(argv: list[str]) -> str | None:
    """The script an exec-form command runs: `["./entrypoint.sh", ...]`, `["/start"]`,
    `["sh", "start.sh"]`; None for `sh -c "..."` and for programs on PATH."""
    if not argv:
        return None
    head = argv[0]
    if head.rsplit("/", 1)[-1] in WAITERS and "--" in argv:
        # `["./docker/wait-for-it.sh", "db:5432", "--", "sh", "/code/start.sh"]` (EvalAI's dev
        # image): the waiter execs the command after `--`, whose script is what runs as PID 1.
        return script_word(argv[argv.index("--") + 1 :])
    shell = head.rsplit("/", 1)[-1]
    if shell == "bash" and len(argv) == 3 and argv[1] == "-c":
        # `bash -c "/app/runserver.sh"` (thechip911/test-docker's compose): bash replaces itself
        # with a lone simple command, so the script is PID 1. Debian's dash does not (measured
        # on the lab's slim image: `sh -c 'cut ... /proc/self/stat'` is PID 7, bash's PID 1).
        inner = words(argv[2])
        return script_word(inner) if len(inner) == 1 and inner[0] == argv[2].strip() else None
    if shell in _SHELLS:
        if any(a.startswith("-") and "c" in a for a in argv[1:]):
            return None
        rest = [a for a in argv[1:] if not a.startswith("-")]
        if not rest:
            return None
        head = rest[0]
    elif not head.startswith(("/", "./")) and not head.endswith(".sh"):
        return None
    return None if "$" in head else head


def start_scripts(dockerfile: Dockerfile) -> tuple[int, list[str]] | None:
    """(index of the instruction that starts the container, the scripts that run as PID 1 in
    turn: the ENTRYPOINT's, then the CMD's when the entrypoint ends with `exec "$@"`).

    Only starts that run the script as PID 1 count: `CMD ./start.sh` (shell form) or
    `["sh", "-c", "./start.sh"]` run it under `/bin/sh -c`, whose shell is PID 1 whatever the
    script does; `shell_started` finds those. Whether the ENTRYPOINT script passes on to the
    CMD is for the caller to check (`passes_to_cmd`), since that needs the script's text."""
    entry, cmd = dockerfile.start_indices()
    if entry is not None:
        argv = dockerfile.instructions[entry].exec_form
        word = script_word(argv) if argv else None
        if word is None:
            return None
        found = [word]
        cmd_argv = dockerfile.instructions[cmd].exec_form if cmd is not None else None
        cmd_word = script_word(cmd_argv) if cmd_argv else None
        if cmd_word is not None:
            found.append(cmd_word)
        return entry, found
    if cmd is None:
        return None
    argv = dockerfile.instructions[cmd].exec_form
    word = script_word(argv) if argv else None
    return None if word is None else (cmd, [word])


def shell_started(dockerfile: Dockerfile) -> tuple[int, str, list[str] | None] | None:
    """A start that runs a script through `/bin/sh -c`, which stays PID 1 and does not pass
    docker stop's SIGTERM on: (index of the instruction, the script, the exec-form command that
    runs the same script as PID 1; None when an `exec` already makes it PID 1).

    `CMD ./entrypoint.sh` and `CMD sh start.sh` (shell form: Docker runs them under
    `/bin/sh -c`) and `CMD ["sh", "-c", "./entrypoint.sh"]`: Debian's dash runs a lone command
    as its child, not in its place (bash's `-c` does replace itself, see `script_word`). Only a
    lone simple command without variables, globs or operators, so the exec form runs exactly
    what the shell ran. A CMD only when there is no ENTRYPOINT (else it is the entrypoint's
    arguments), an ENTRYPOINT only when no CMD follows it in the stage (a shell-form ENTRYPOINT
    ignores the CMD, which the exec form would pass to the script)."""
    entry, cmd = dockerfile.start_indices()
    index = entry if entry is not None else cmd
    if index is None or (entry is not None and cmd is not None and cmd > entry):
        return None
    ins = dockerfile.instructions[index]
    argv = ins.exec_form
    if argv is None:
        text = ins.args.strip()
    elif len(argv) == 3 and argv[0].rsplit("/", 1)[-1] in {"sh", "dash"} and argv[1] == "-c":
        text = argv[2].strip()
    else:
        return None
    if not text or text.startswith("[") or has_shell_syntax(text) or "\\" in text:
        return None
    inner = words(text)
    execs = bool(inner) and inner[0] == "exec"
    if execs:
        inner = inner[1:]
    word = script_word(inner)
    if word is None or any(w.startswith("-") for w in inner[:1]):
        return None
    return index, word, None if execs else inner


def passes_to_cmd(text: str) -> bool:
    """The script ends by replacing itself with its arguments (`exec "$@"`)."""
    return bool(_EXEC_PASS_THROUGH.search(text))


def logical_lines(text: str) -> list[ScriptLine]:
    """The script's commands: comments, blank lines and heredoc bodies skipped, `\\`
    continuations joined, each with the block depth it runs at."""
    lines = text.split("\n")
    found: list[ScriptLine] = []
    depth = 0
    heredoc: str | None = None
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if heredoc is not None:
            if stripped == heredoc:
                heredoc = None
            i += 1
            continue
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        first = i
        parts: list[str] = []
        while True:
            line = lines[i].rstrip()
            if line.endswith("\\") and i + 1 < len(lines):
                parts.append(line[:-1].strip())
                i += 1
                continue
            parts.append(line.strip())
            break
        joined = " ".join(p for p in parts if p)
        found.append(ScriptLine(first, i, joined, depth))
        depth = max(0, depth + _depth_change(joined))
        match = _HEREDOC.search(joined)
        heredoc = match.group(2) if match else None
        i += 1
    return found


# `case "$1" in`, `case $1 in`, `case "${1:-web}" in`: a script choosing what to run by its
# first argument (`docker-entrypoint.sh production`).
_CASE_ON_ARG1 = re.compile(
    r"""case\s+(["']?)\$(?:1|\{1(?::?-(?P<default>[^}]*))?\})\1\s+in"""
)
_PATTERN_WORD = r"""(?:"[^"]*"|'[^']*'|[^\s()|;&"']+)"""
# A branch's head, `production)` or `(web|prod)`, and what follows it on the line.
_BRANCH_HEAD = re.compile(
    rf"\(?\s*(?P<patterns>{_PATTERN_WORD}(?:\s*\|\s*{_PATTERN_WORD})*)\s*\)\s*(?P<rest>.*)"
)


@dataclass(frozen=True)
class CaseBranch:
    patterns: tuple[str, ...]  # as written, quotes kept (a quoted pattern matches literally)
    head: int  # index in `logical_lines` of the `pattern)` line
    body: tuple[int, ...]  # indices of the branch's further lines, through the one with `;;`

    def lines(self) -> tuple[int, ...]:
        return (self.head, *self.body)

    def matches(self, value: str) -> bool:
        for pattern in self.patterns:
            if pattern[:1] in {'"', "'"}:
                if pattern[1:-1] == value:
                    return True
            elif fnmatch.fnmatchcase(value, pattern):
                return True
        return False


@dataclass(frozen=True)
class CaseOnArg1:
    """The script's top-level `case "$1" in ... esac`, as `logical_lines` indices."""

    start: int
    end: int  # the `esac` line
    depth: int  # the depth of its branches' own commands
    default: str | None  # `${1:-web}`: what an empty or missing first argument stands for
    branches: tuple[CaseBranch, ...]

    def branch_for(self, arg1: str | None) -> CaseBranch | None:
        """The branch the shell runs when the script's first argument is `arg1` (None: no
        arguments), or None when no pattern matches."""
        value = arg1 or ""
        if not value and self.default is not None:
            value = self.default
        return next((b for b in self.branches if b.matches(value)), None)


def case_on_arg1(lines: list[ScriptLine]) -> CaseOnArg1 | None:
    """The first top-level `case` on the script's first argument whose branches are all of
    the plain `pattern) ...;;` shape; None when there is none (bash's `;&`/`;;&`
    fall-throughs, or a head this does not read, give None as well)."""
    found = next(
        (
            (k, m) for k, ln in enumerate(lines)
            if ln.depth == 0 and (m := _CASE_ON_ARG1.fullmatch(ln.text)) is not None
        ),
        None,
    )
    if found is None:
        return None
    start, match = found
    inner = 1
    branches: list[CaseBranch] = []
    k = start + 1
    while k < len(lines):
        text = lines[k].text
        if lines[k].depth != inner:
            return None
        if text == "esac" or text.startswith("esac ") or text.startswith("esac;"):
            return CaseOnArg1(start, k, inner, match["default"], tuple(branches))
        head = _BRANCH_HEAD.fullmatch(text)
        if head is None:
            return None
        patterns = tuple(p.strip() for p in re.split(r"\s*\|\s*", head["patterns"]))
        rest = head["rest"].strip()
        body: list[int] = []
        closed = _ends_branch(rest)
        head_at = k
        k += 1
        while not closed and k < len(lines):
            if lines[k].depth < inner or (lines[k].depth == inner and lines[k].text == "esac"):
                break  # the last branch may leave out its `;;`
            body.append(k)
            closed = lines[k].depth == inner and _ends_branch(lines[k].text)
            k += 1
        if rest.endswith((";&", ";;&")) or any(
            lines[b].text.endswith((";&", ";;&")) for b in body
        ):
            return None
        branches.append(CaseBranch(patterns, head_at, tuple(body)))
    return None


def branch_heads(lines: list[ScriptLine]) -> dict[int, str]:
    """The `pattern) command` lines of every `case` in the script (index in `lines` -> the
    command after the head, `;;` removed): `web) gunicorn ... ;;` starts gunicorn, which a
    reader of the line's first word would miss."""
    heads: dict[int, str] = {}
    expecting: int | None = None  # the depth a branch head is expected at
    for k, line in enumerate(lines):
        text = line.text
        if expecting is not None and line.depth == expecting and text != "esac":
            head = _BRANCH_HEAD.fullmatch(text)
            if head is not None:
                rest = head["rest"].strip()
                heads[k] = rest[:-2].rstrip() if rest.endswith(";;") else rest
                expecting = line.depth if _ends_branch(rest) else None
                continue
        if re.match(r"case\s.*\sin$", text):
            expecting = line.depth + 1
        elif _ends_branch(text) and line.depth > 0:
            expecting = line.depth
    return heads


def _ends_branch(text: str) -> bool:
    return text.rstrip().endswith(";;")


def _depth_change(text: str) -> int:
    """How many blocks the line opens minus how many it closes."""
    change = 0
    at_command = True
    tokens = words(text, punctuation=";&|()")
    for k, token in enumerate(tokens):
        if token in {";", "&", "|"}:
            at_command = True
            continue
        if not at_command:
            if token == "{" and k > 0 and (tokens[k - 1].endswith(")") or tokens[0] == "function"):
                change += 1  # `name() {`, `function name {`
            continue
        if token in _GUARDS:
            if token == "{":
                change += 1
            continue
        if token in _OPENERS:
            change += 1
        elif token in _CLOSERS:
            change -= 1
        at_command = False
    return change


def strip_guards(text: str) -> str:
    """The command after `then`/`do`/`else`/`!` on its line."""
    rest = text.strip()
    while rest.split(None, 1) and rest.split(None, 1)[0] in _GUARDS:
        parts = rest.split(None, 1)
        rest = parts[1] if len(parts) > 1 else ""
    return rest


def insert_exec(lines: list[str], line: ScriptLine, head: str, *, first_command: bool) -> bool:
    """Put `exec ` before the command whose first word is `head` on a logical line: at the
    line's start when it is the line's first command, else after the `&&`/`;` before it (in
    `migrate && runserver` the line starts with `python` too). False when that place is not
    found exactly once."""
    span = "\n".join(lines[line.first : line.last + 1])
    first = lines[line.first]
    if first_command:
        if not first.lstrip().startswith(head):
            return False
        indent = len(first) - len(first.lstrip())
        lines[line.first] = first[:indent] + "exec " + first[indent:]
        return True
    # `migrate && \` on one line, the server on the next.
    pattern = re.compile(
        r"(&&|;)([ \t]*(?:\\\n[ \t]*)?)(" + re.escape(head) + r")(?=[ \t\n]|$)"
    )
    hits = list(pattern.finditer(span))
    if len(hits) != 1:
        return False
    at = hits[0].start(3)
    edited = span[:at] + "exec " + span[at:]
    lines[line.first : line.last + 1] = edited.split("\n")
    return True


def edit_words(lines: list[str], line: ScriptLine, old: list[str], new: list[str]) -> bool:
    """Rewrite a logical line's words from `old` to `new` in place: one word replaced, words
    appended at its end, or words inserted after a word. False when the change is none of
    those or the place is ambiguous (the caller then says to fix it by hand)."""
    ops = [op for op in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
           if op[0] != "equal"]
    if len(ops) != 1:
        return False
    tag, i1, i2, j1, j2 = ops[0]
    span = "\n".join(lines[line.first : line.last + 1])
    added = " ".join(_quote(w) for w in new[j1:j2])
    if tag == "replace" and i2 - i1 == 1 and j2 - j1 == 1:
        starts = [m.start() for m in re.finditer(re.escape(old[i1]), span)]
        if len(starts) != 1:
            return False
        edited = span[: starts[0]] + new[j1] + span[starts[0] + len(old[i1]) :]
    elif tag == "insert" and i1 == len(old):
        last = lines[line.last]
        # A comment, redirection, pipe or `&` on that line would swallow or misroute the words.
        if re.search(r"#|[|<>&;]", last):
            return False
        lines[line.last] = last.rstrip() + " " + added
        return True
    elif tag == "insert" and i1 > 0:
        pattern = re.compile(r"(?<![\w./-])" + re.escape(old[i1 - 1]) + r"(?![\w./-])")
        hits = list(pattern.finditer(span))
        if len(hits) != 1:
            return False
        at = hits[0].end()
        edited = span[:at] + " " + added + span[at:]
    else:
        return False
    lines[line.first : line.last + 1] = edited.split("\n")
    return True


def _quote(arg: str) -> str:
    if arg and re.fullmatch(r"[A-Za-z0-9_@%+=:,./$-]+", arg):
        return arg
    return "'" + arg.replace("'", "'\"'\"'") + "'"


# Calls that start a program as the Python script's child, which keeps the script as PID 1:
# subprocess's (`subprocess.run([...])`, or the name imported from it) and os.system/os.popen.
_CHILD_CALLS = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
     "subprocess.Popen", "os.system", "os.popen"}
)
# os.exec*: the program replaces the script, so it is PID 1 itself.
_OS_EXEC = re.compile(r"os\.exec[lv]p?e?")


@dataclass(frozen=True)
class ChildServer:
    line: int  # the call's line in the script
    call: str  # as the module names it: `subprocess.run`, `os.system`
    argv: list[str]
    server: str


def python_script_word(argv: list[str]) -> str | None:
    """The script of `python [switches] path.py ...` (exec form, or a shell form's words);
    None for `-m`/`-c`, manage.py (Django's own commands) and anything else."""
    args = python_args(argv)
    if not args or not args[0].endswith(".py") or args[0].endswith("manage.py"):
        return None
    return None if "$" in args[0] else args[0]


def python_child_servers(text: str) -> list[ChildServer]:
    """Web servers a Python start script runs as its child (`subprocess.run(["gunicorn", ...])`,
    `os.system("... && gunicorn ...")`), read with ast, not run. [] when the script replaces
    itself with a server (`os.execvp("gunicorn", [...])`: the server is PID 1 then) or does not
    parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    # `from subprocess import run as sh_run`: the bare name's module function.
    imported = {
        alias.asname or alias.name: f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in {"subprocess", "os"}
        for alias in node.names
    }
    found: list[ChildServer] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            name = f"{func.value.id}.{func.attr}"
        elif isinstance(func, ast.Name):
            name = imported.get(func.id, "")
        else:
            continue
        if _OS_EXEC.fullmatch(name):
            if any(server_argv(argv) for a in node.args[1:2] for argv in _literal_argvs(a)):
                return []
            continue
        if name not in _CHILD_CALLS:
            continue
        first = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg in {"args", "cmd", "command"}), None
        )
        for argv in _literal_argvs(first):
            if (server := server_argv(argv)) is not None:
                found.append(ChildServer(node.lineno, name, argv, server[1]))
    return sorted(found, key=lambda s: s.line)


def _literal_argvs(node: ast.expr | None) -> list[list[str]]:
    """The commands a call's argument spells out: a list/tuple of string literals, or a string
    (shell=True, os.system) split into its simple commands."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [words(c) for seg in split_commands(node.value) for c in inner_commands(seg.text)]
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        argv = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(argv) == len(node.elts) and all(isinstance(a, str) for a in argv):
            return [[str(a) for a in argv]]
    return []
