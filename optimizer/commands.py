"""The project's own management commands: which ones a start command runs, and whether one
writes files outside the directories Django's settings name for run-time data.

Why: `migrate` and `collectstatic` write where the settings say (the sqlite file, STATIC_ROOT),
which non-root makes writable. A project's own command can write anywhere: BookWyrm's
entrypoint runs `python manage.py compile_themes`, which writes each theme's compiled `.css`
beside its `.scss` under `bookwyrm/static/` (the source tree, root's after non-root), so as uid
10001 the entrypoint dies with "failed to compile themes" and the web container never starts.

Read with ast, never imported.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from optimizer.sources import python_sources

# `python manage.py compile_themes`, `django-admin --settings x migrate`: the subcommand is
# the first word after manage.py/django-admin that is not an option.
# Options before the subcommand: `--settings=x.y`, and a flag with a number (`-v 0`).
_SUBCOMMAND = re.compile(
    r"(?:\bmanage\.py|\bdjango-admin(?:\.py)?)"
    r"((?:\s+--?[\w-]+(?:=\S+)?(?:\s+\d+)?)*)\s+([a-z_][a-z0-9_]*)"
)
# A path expression that names one of these is the run-time data non-root hands to the user.
_DATA_NAMES = re.compile(r"\b(STATIC_ROOT|MEDIA_ROOT|default_storage|staticfiles_storage)\b")
# File modes that write.
_WRITE_MODE = re.compile(r"[wax+]")


def started_commands(text: str) -> list[str]:
    """The management subcommands `text` (a start command or script) runs, in order."""
    return list(dict.fromkeys(m.group(2) for m in _SUBCOMMAND.finditer(text)))


def command_file_writes(context: Path, names: list[str]) -> tuple[str, str] | None:
    """(command, how it writes) for the first of the project's own management commands in
    `names` that writes a file outside STATIC_ROOT and MEDIA_ROOT (`open(css_path, 'w')` in
    bookwyrm/management/commands/compile_themes.py line 45); None when the project defines
    none of them or they write no file they open themselves. Django's own commands (migrate,
    collectstatic) are not in the context, so they are not read here. One walk for all."""
    if not names:
        return None
    targets = {f"{name}.py" for name in names}
    found: dict[str, str] = {}
    for path, text in python_sources(
        context, keep_file=lambda p: p.name in targets and p.parent.name == "commands"
        and p.parent.parent.name == "management",
    ):
        try:
            module = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(module):
            written = _written_path(node)
            if written is None or _DATA_NAMES.search(ast.unparse(written)):
                continue
            rel = path.relative_to(context).as_posix()
            call = ast.unparse(node)
            if len(call) > 60:
                call = call[:57] + "..."
            found.setdefault(path.stem, f"`{call}` in {rel} line {getattr(node, 'lineno', 0)}")
            break
    for name in names:
        if name in found:
            return name, found[name]
    return None


def _written_path(node: ast.AST) -> ast.expr | None:
    """The path a call writes: `open(p, "w")` (mode given by position or keyword),
    `p.write_text(...)`, `p.write_bytes(...)`, `p.open("w")`."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in {"write_text", "write_bytes"}:
        return func.value
    mode: ast.expr | None = None
    for keyword in node.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if isinstance(func, ast.Name) and func.id == "open" and node.args:
        mode = node.args[1] if len(node.args) > 1 else mode
        path: ast.expr | None = node.args[0]
    elif isinstance(func, ast.Attribute) and func.attr == "open" and not _is_module(func.value):
        # `Path(...).open("w")`; `os.open`/`io.open` take the path first (handled below).
        mode = node.args[0] if node.args else mode
        path = func.value
    elif isinstance(func, ast.Attribute) and func.attr == "open" and node.args:
        mode = node.args[1] if len(node.args) > 1 else mode
        path = node.args[0]
    else:
        return None
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return path if _WRITE_MODE.search(mode.value) else None
    # No mode: open() reads. A mode we cannot read (a variable) may write.
    return None if mode is None else path


def _is_module(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in {"os", "io", "codecs", "gzip", "bz2"}
