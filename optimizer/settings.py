"""Read Django settings without running them: a small, side-effect-free interpreter.

Settings are evaluated over the module's AST: enough of Python to follow
`BASE_DIR = Path(__file__).resolve().parent.parent`, `os.path.join`, list concatenation,
`from .base import *` and the usual env-var helpers, and nothing that could touch the network, a
database or the host. Whatever it cannot work out becomes unknown instead of an error, because a
project whose settings we only half understand still needs a Dockerfile.

Environment lookups evaluate to their default (or None): a `docker build` has none of the
deployment's variables, and production settings are the ones that matter for the image. The same
holds for the other ways settings hide a default: `getattr(module, "X", default)`,
`mapping.get("X", default)`, `os.environ.get("X") or default`. Every variable name read is
recorded, so verify knows which ones it may have to provide.

Files are parsed with `ast` when the running interpreter's grammar reads them, otherwise with
libcst, which reads newer syntax (PEP 701 f-strings, PEP 695 type statements) whatever Python runs
the tool: the constructs `ast` cannot read become unknown values. A file neither can read is
recorded as unreadable, never skipped silently.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

_MAX_SOURCE_BYTES = 1_000_000
_MAX_STATEMENTS = 50_000

# Settings run against a virtual absolute path rather than the real one: results do not depend on
# where the context sits on the host, and a BASE_DIR that climbs out of the context is recognisable
# (it stays under _VROOT) instead of colliding with an absolute container path like /var/www.
_VROOT = PurePosixPath("/__dj_optimize__/a/b/c/d/e/f/context")
_VANCHOR = PurePosixPath("/__dj_optimize__")
# What the libcst fallback puts where `ast` cannot read a construct; never defined, so unknown.
_PLACEHOLDER = "__dj_optimize_unreadable__"


def read_source(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_SOURCE_BYTES:
            return None
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def parse(path: Path) -> ast.Module | None:
    """The module's AST; None when the file is missing, too large, or no parser reads it."""
    source = read_source(path)
    if source is None:
        return None
    return parse_source(source, str(path))


def parse_source(source: str, filename: str = "<settings>") -> ast.Module | None:
    try:
        return ast.parse(source, filename=filename)
    except (RecursionError, MemoryError):
        # Too deep for `ast`: a grammar problem libcst could solve it is not, and libcst's native
        # parser crashes the whole process (SIGSEGV) on such nesting.
        return None
    except (SyntaxError, ValueError) as exc:
        if any(limit in str(exc) for limit in _DEPTH_LIMITS):
            return None
    if not libcst_safe(source):
        return None
    downgraded = _downgrade(source)
    if downgraded is None:
        return None
    try:
        return ast.parse(downgraded, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# CPython's own nesting limits: a file that hits them does not run on any Python, newer or not.
_DEPTH_LIMITS = ("too many nested parentheses", "too many levels of indentation")
# libcst's native parser overflows its stack (a segfault, not an exception) at about 5,000 nested
# brackets or chained operators (`a.b.b...`, `1+1+...`); CPython accepts at most 200 brackets and
# compiles chains of about 2,500 terms, so nothing a real project runs comes near these bounds.
_MAX_BRACKET_DEPTH = 200
_MAX_CHAIN_OPERATORS = 2_000
_FLAT_OPERATORS = frozenset({",", ":", ";", "=", "(", ")", "[", "]", "{", "}"})


def libcst_safe(source: str) -> bool:
    """Whether libcst may parse `source` without crashing the process: no bracket nesting and no
    logical line with more operators than CPython itself reads (a flat list of any length is
    fine). A scan that stops on a token it cannot read judges what it read."""
    import io
    import tokenize

    depth = operators = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                operators = 0
            elif token.type == tokenize.OP:
                if token.string in "([{":
                    depth += 1
                    if depth > _MAX_BRACKET_DEPTH:
                        return False
                elif token.string in ")]}":
                    depth = max(depth - 1, 0)
                if token.string not in _FLAT_OPERATORS:
                    operators += 1
                    if operators > _MAX_CHAIN_OPERATORS:
                        return False
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return True


def _downgrade(source: str) -> str | None:
    """Source the running `ast` reads: libcst parses the file (it knows newer grammars) and every
    expression or statement `ast` cannot read is replaced by an unknown placeholder."""
    import libcst as cst

    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None

    def readable(code: str, mode: str) -> bool:
        try:
            ast.parse(code, mode=mode)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return True

    class Downgrade(cst.CSTTransformer):
        def leave_FormattedString(
            self, original: cst.FormattedString, updated: cst.FormattedString
        ) -> cst.BaseExpression:
            code = module.code_for_node(updated)
            if readable(f"({code})", "eval"):
                return updated
            # Python 3.12's f-strings may reuse their own quote inside a replacement field
            # (`f"sqlite:///{BASE_DIR / "db.sqlite3"}"`, PEP 701); with the inner strings
            # quoted the other way the running `ast` reads it, and its value stays known.
            requoted: cst.FormattedString = _requote_fields(updated)
            if readable(f"({module.code_for_node(requoted)})", "eval"):
                return requoted
            return cst.Name(_PLACEHOLDER)

    try:
        module = module.visit(Downgrade())
    except (RecursionError, MemoryError):
        return None
    if readable(module.code, "exec"):
        return module.code
    # Statements still unreadable (PEP 695 `type X = ...`, generic classes): each becomes an
    # assignment of the placeholder to the names it binds, so they read as unknown.
    body: list[cst.BaseStatement] = []
    for statement in module.body:
        code = module.code_for_node(statement)
        if readable(_dedent(code), "exec"):
            body.append(statement)
            continue
        names = sorted(_cst_bound_names(statement))
        line = " = ".join([*names, _PLACEHOLDER]) if names else "pass"
        body.append(cst.parse_statement(line + "\n"))
    code = module.with_changes(body=body).code
    return code if readable(code, "exec") else None


def _requote_fields(node: Any) -> Any:
    """The f-string with the plain string literals inside its replacement fields quoted with
    the quote it does not use itself, where that needs no escaping."""
    import libcst as cst

    quote = node.start.lstrip("fFrRbBuU")[:1]
    other = "'" if quote == '"' else '"'

    class Requote(cst.CSTTransformer):
        def leave_SimpleString(
            self, original: cst.SimpleString, updated: cst.SimpleString
        ) -> cst.SimpleString:
            mark = updated.quote
            if mark[:1] != quote:
                return updated
            body = updated.value[len(updated.prefix) + len(mark) : -len(mark)]
            if other in body or "\\" in body:
                return updated
            swapped = other * len(mark)
            return updated.with_changes(value=f"{updated.prefix}{swapped}{body}{swapped}")

    parts = [
        part.with_changes(expression=part.expression.visit(Requote()))
        if isinstance(part, cst.FormattedStringExpression)
        else part
        for part in node.parts
    ]
    return node.with_changes(parts=parts)


def _dedent(code: str) -> str:
    import textwrap

    return textwrap.dedent(code)


def _cst_bound_names(statement: Any) -> set[str]:
    import libcst as cst

    names: set[str] = set()

    class Collector(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            if isinstance(node.target, cst.Name):
                names.add(node.target.value)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if isinstance(node.target, cst.Name):
                names.add(node.target.value)

        def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
            names.add(node.name.value)

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            names.add(node.name.value)
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            names.add(node.name.value)
            return False

    statement.visit(Collector())
    return names


# -- module resolution -----------------------------------------------------------------------


class ModuleFinder:
    """Maps dotted module names to files the way `python manage.py` would find them."""

    def __init__(self, context: Path, project_dir: str) -> None:
        self.context = context
        self.project_dir = project_dir
        roots = [project_dir, ".", "src"] if project_dir != "." else [".", "src"]
        self.roots = [r for r in dict.fromkeys(roots) if (context / r).is_dir()]

    def resolve(self, dotted: str) -> Path | None:
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", dotted):
            return None
        parts = dotted.split(".")
        for root in self.roots:
            base = self.context / root
            for candidate in (
                base.joinpath(*parts).with_suffix(".py"),
                base.joinpath(*parts, "__init__.py"),
            ):
                if candidate.is_file():
                    return candidate
        return None

    def resolve_relative(self, current: Path, level: int, module: str | None) -> Path | None:
        """`from ..x import y` inside `current`."""
        package = current.parent
        for _ in range(level - 1):
            package = package.parent
        parts = module.split(".") if module else []
        if not parts:
            init = package / "__init__.py"
            return init if init.is_file() else None
        for candidate in (
            package.joinpath(*parts).with_suffix(".py"),
            package.joinpath(*parts, "__init__.py"),
        ):
            if candidate.is_file():
                return candidate
        return None

    def dotted(self, path: Path) -> str | None:
        try:
            rel = path.relative_to(self.context).as_posix()
        except ValueError:
            return None
        return self.dotted_rel(rel)

    def dotted_rel(self, rel: str) -> str | None:
        """Dotted module name of a context-relative file, relative to the manage.py directory."""
        if self.project_dir != ".":
            prefix = self.project_dir + "/"
            if not rel.startswith(prefix):
                return None
            rel = rel[len(prefix) :]
        parts = rel[: -len(".py")].split("/") if rel.endswith(".py") else []
        if parts and parts[-1] == "__init__":
            parts.pop()
        if not parts or not all(p.isidentifier() for p in parts):
            return None
        return ".".join(parts)


# -- the settings interpreter ----------------------------------------------------------------


class _Unknown:
    """A value the interpreter could not work out."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unknown:
        return self


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class _FsPath:
    """A pathlib.Path (or django-environ Path) value; relative ones are relative to the cwd."""

    path: PurePosixPath

    def join(self, *parts: str) -> _FsPath:
        return _FsPath(PurePosixPath(posixpath.normpath(self.path.joinpath(*parts).as_posix())))

    @property
    def parent(self) -> _FsPath:
        return _FsPath(self.path.parent)

    def __str__(self) -> str:
        return self.path.as_posix()


@dataclass(frozen=True)
class _Parents:
    path: _FsPath


@dataclass
class _EnvScheme:
    """A django-environ `Env(NAME=(cast, default), ...)`: lookups of NAME default to it."""

    defaults: dict[str, Any]


_ENV_CLASSES = frozenset({"environ.Env", "environ.FileAwareEnv", "Env", "FileAwareEnv",
                          "environs.Env"})


class _ImportFailed(Exception):
    """A project-relative import could not be resolved (drives `except ImportError:` branches)."""


class _Return(Exception):
    """`return` inside a settings helper function being evaluated."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


@dataclass(frozen=True)
class _Function:
    """A helper the settings define (`def path(key, default): ...`, `location = lambda x: ...`),
    evaluated when called with what the call passes."""

    node: ast.FunctionDef | ast.Lambda

    def __deepcopy__(self, memo: dict[int, Any]) -> _Function:
        return self


class _Environ:
    """`os.environ` during a build: no variable is set (lookups take their defaults)."""

    def __bool__(self) -> bool:
        return False


_ENVIRON = _Environ()
_MAX_CALL_DEPTH = 8


@dataclass
class _Frame:
    file: Path
    namespace: dict[str, Any] = field(default_factory=dict)
    in_try: int = 0
    in_function: bool = False


class Interpreter:
    def __init__(
        self,
        context: Path,
        finder: ModuleFinder,
        project_dir: str,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.context = context
        # Variables the image sets (ENV): lookups of them read these instead of their defaults.
        self.environ = dict(environ or {})
        self.decouple_read = False
        self.finder = finder
        self.project_dir = project_dir
        self.cache: dict[Path, dict[str, Any]] = {}
        self.running: set[Path] = set()
        self.steps = 0
        self.depth = 0
        # Environment variable names the settings read, in order.
        self.env_vars: dict[str, None] = {}
        # Context-relative files the settings import that no parser could read.
        self.unreadable: dict[str, None] = {}

    def parse(self, path: Path) -> ast.Module | None:
        module = parse(path)
        if module is not None:
            for name in static_env_reads(module):
                self.env_vars.setdefault(name, None)
        elif path.is_file():
            try:
                rel = path.relative_to(self.context).as_posix()
            except ValueError:
                rel = path.as_posix()
            self.unreadable[rel] = None
        return module

    def read_env(self, node: ast.expr | None, frame: _Frame) -> str | None:
        """Record the variable a lookup names (`os.environ["X"]`, `env("X")`, ...); its value
        when the image sets it (the Dockerfile's ENV), else None."""
        if node is None:
            return None
        name = self.eval(node, frame)
        if isinstance(name, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            self.env_vars.setdefault(name, None)
            return self.environ.get(name)
        return None

    # -- modules -----------------------------------------------------------------------------
    def run_module(self, path: Path) -> dict[str, Any]:
        """Evaluate a module; a module already being evaluated (an import cycle) gives nothing."""
        key = path.resolve() if path.exists() else path
        if key in self.cache:
            return copy.deepcopy(self.cache[key])
        if key in self.running:
            return {}
        module = self.parse(path)
        if module is None:
            return {}
        self.running.add(key)
        frame = _Frame(path)
        try:
            self.exec_block(module.body, frame)
        finally:
            self.running.discard(key)
        self.cache[key] = frame.namespace
        return copy.deepcopy(frame.namespace)

    def virtual_file(self, path: Path) -> Any:
        try:
            rel = path.relative_to(self.context).as_posix()
        except ValueError:
            return UNKNOWN
        return (_VROOT / rel).as_posix()

    # -- statements --------------------------------------------------------------------------
    def exec_block(self, body: list[ast.stmt], frame: _Frame) -> None:
        for statement in body:
            self.steps += 1
            if self.steps > _MAX_STATEMENTS:
                return
            try:
                self.exec_statement(statement, frame)
            except _Return:
                raise
            except _ImportFailed:
                # Only a surrounding `try:` cares (it runs its `except ImportError:`); elsewhere
                # the rest of the module is still worth reading.
                if frame.in_try:
                    raise
            except Exception:
                # One statement we got wrong must not lose every setting after it.
                for name in _assigned_names(statement):
                    frame.namespace[name] = UNKNOWN

    def exec_statement(self, node: ast.stmt, frame: _Frame) -> None:
        ns = frame.namespace
        if isinstance(node, ast.Assign):
            value = self.eval(node.value, frame)
            for target in node.targets:
                self.assign(target, value, frame)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.assign(node.target, self.eval(node.value, frame), frame)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            current = ns.get(node.target.id, UNKNOWN)
            ns[node.target.id] = _binop(node.op, current, self.eval(node.value, frame))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self.exec_call_statement(node.value, frame)
        elif isinstance(node, ast.ImportFrom):
            self.exec_import_from(node, frame)
        elif isinstance(node, ast.If):
            test = _truth(self.eval(node.test, frame))
            if test is True:
                self.exec_block(node.body, frame)
            elif test is False:
                self.exec_block(node.orelse, frame)
            else:
                self.exec_undecided(node, frame)
        elif isinstance(node, ast.Try | ast.TryStar):
            frame.in_try += 1
            try:
                self.exec_block(node.body, frame)
            except _ImportFailed:
                frame.in_try -= 1
                if node.handlers:
                    self.exec_block(node.handlers[0].body, frame)
            else:
                frame.in_try -= 1
                self.exec_block(node.orelse, frame)
            self.exec_block(node.finalbody, frame)
        elif isinstance(node, ast.With):
            self.exec_block(node.body, frame)
        elif isinstance(node, ast.FunctionDef) and not node.decorator_list:
            ns[node.name] = _Function(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            ns[node.name] = UNKNOWN
        elif isinstance(node, ast.Return) and frame.in_function:
            raise _Return(self.eval(node.value, frame) if node.value is not None else None)

    def exec_undecided(self, node: ast.If, frame: _Frame) -> None:
        """An `if` whose test is unknown. Names it defines keep the value they get when that
        value does not depend on the branch (`if USE_LOCAL_FILES: MEDIA_ROOT = BASE_DIR /
        "media"`: if MEDIA_ROOT is set at all, it is that); names defined before keep theirs;
        anything else is unknown."""
        ns = frame.namespace
        outcomes: list[dict[str, Any]] = []
        returned = False
        for body in (node.body, node.orelse):
            branch = _Frame(frame.file, copy.deepcopy(ns), frame.in_try, frame.in_function)
            # An import that fails in a branch that may not run decides nothing outside it.
            with contextlib.suppress(_ImportFailed):
                try:
                    self.exec_block(body, branch)
                except _Return:
                    returned = True
            outcomes.append(branch.namespace)
        if returned:
            # A helper that returns in a branch we cannot decide returns we know not what.
            raise _Return(UNKNOWN)
        for name in _assigned_names(node):
            if name in ns:
                continue
            values = [o[name] for o in outcomes if name in o]
            first = values[0] if values else UNKNOWN
            same = all(_same_value(first, v) for v in values[1:])
            ns[name] = first if same else UNKNOWN

    def assign(self, target: ast.expr, value: Any, frame: _Frame) -> None:
        ns = frame.namespace
        if isinstance(target, ast.Name):
            ns[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            items = value if isinstance(value, list | tuple) else None
            if items is not None and len(items) == len(target.elts):
                for element, item in zip(target.elts, items, strict=True):
                    self.assign(element, item, frame)
            else:
                for element in target.elts:
                    self.assign(element, UNKNOWN, frame)
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value, frame)
            key = self.eval(target.slice, frame)
            if isinstance(container, dict) and _hashable(key):
                container[key] = value

    def exec_call_statement(self, call: ast.Call, frame: _Frame) -> None:
        name = dotted(call.func)
        if name.rsplit(".", 1)[-1] == "include":
            self.exec_split_settings(call, frame)
            return
        if name.rsplit(".", 1)[-1] in _ENV_FILE_LOADERS:
            self.load_env_file(call, frame)
            return
        if not isinstance(call.func, ast.Attribute):
            return
        target = self.eval(call.func.value, frame)
        method = call.func.attr
        args = [self.eval(a, frame) for a in call.args]
        if isinstance(target, list):
            if method == "append" and len(args) == 1:
                target.append(args[0])
            elif method == "extend" and len(args) == 1 and isinstance(args[0], list | tuple):
                target.extend(args[0])
            elif method == "insert" and len(args) == 2 and isinstance(args[0], int):
                target.insert(args[0], args[1])
            elif method == "remove" and len(args) == 1 and args[0] in target:
                target.remove(args[0])
        elif isinstance(target, dict) and method == "update" and args and isinstance(
            args[0], dict
        ):
            target.update(args[0])

    def own_module_missing(self, module: str | None) -> bool:
        """A module of the project's own package that is not there: `from
        configurations.settings.local import *`, local.py being untracked (ducdat147/
        django-boilerplate). Python raises ImportError, and the `except ImportError:` that
        follows decides the settings; a third-party module (not in the context) is not one."""
        if not module or "." not in module:
            return False
        parent = self.finder.resolve(module.rsplit(".", 1)[0])
        return parent is not None and parent.name == "__init__.py"

    def load_env_file(self, call: ast.Call, frame: _Frame) -> None:
        """django-environ's `env.read_env(path)` and python-dotenv's `load_dotenv(path)`: the
        file's variables, for those the environment does not set (neither overrides by
        default). With no path, `.env` beside the module (read_env), or in its directory or
        one above it within the context (load_dotenv's search). sakagb/django-docker reads
        api/.env this way: its DJANGO_REDIS_URL was said to be set by nothing."""
        loader = dotted(call.func).rsplit(".", 1)[-1]
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        node = call.args[0] if call.args else keywords.get(_ENV_FILE_LOADERS[loader])
        found: Path | None = None
        if node is not None:
            value = self.eval(node, frame)
            text = str(value) if isinstance(value, str | _FsPath) else None
            if text and text.startswith(_VROOT.as_posix() + "/"):
                found = self.context / PurePosixPath(text).relative_to(_VROOT)
        else:
            here = frame.file.parent
            while True:
                if (here / ".env").is_file():
                    found = here / ".env"
                    break
                if loader == "read_env" or here == self.context or self.context not in here.parents:
                    break
                here = here.parent
        if found is None or not found.is_file():
            return
        self.read_env_lines(found)

    def load_decouple_file(self, frame: _Frame) -> None:
        """python-decouple's `config` (AutoConfig): on first use it reads the first
        `settings.ini` (its [settings] section) or `.env` it finds from the caller's directory
        up, for the variables the environment does not set (the environment wins). Followed
        within the build context; read once, as AutoConfig caches what it found."""
        if self.decouple_read:
            return
        self.decouple_read = True
        here = frame.file.parent
        while True:
            if (here / "settings.ini").is_file():
                self.read_ini_settings(here / "settings.ini")
                return
            if (here / ".env").is_file():
                self.read_env_lines(here / ".env")
                return
            if here == self.context or self.context not in here.parents:
                return
            here = here.parent

    def read_ini_settings(self, path: Path) -> None:
        """The [settings] section of decouple's settings.ini, for unset variables."""
        import configparser  # here: a dry run's startup does without it

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, configparser.Error):
            return
        if parser.has_section("settings"):
            for key, value in parser.items("settings"):
                # ConfigParser lower-cases keys; decouple looks them up as written in
                # config("NAME"), case-insensitively.
                self.environ.setdefault(key.upper(), value)

    def read_env_lines(self, found: Path) -> None:
        """An env file's KEY=VALUE lines, for the variables the environment does not set."""
        try:
            lines = found.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        for line in lines:
            line = line.strip()
            if line.startswith("export "):
                line = line[len("export "):].lstrip()
            key, sep, value = line.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                continue
            if value[:1] in ("'", '"') and value.find(value[0], 1) > 0:
                value = value[1:value.find(value[0], 1)]
            elif " #" in value:
                value = value.split(" #", 1)[0].rstrip()
            self.environ.setdefault(key, value)

    def exec_split_settings(self, call: ast.Call, frame: _Frame) -> None:
        """django-split-settings: `include("components/*.py", optional("local.py"))`."""
        patterns: list[str] = []
        for arg in call.args:
            if isinstance(arg, ast.Call) and dotted(arg.func).endswith("optional") and arg.args:
                arg = arg.args[0]
            if isinstance(arg, ast.Starred):
                # `include(*_settings)` over a tuple of patterns (food_marketplace_api's
                # core/settings/__init__.py): each of its strings is a pattern, `optional(...)`
                # ones too (eval_call reads `optional(x)` as x, as split_settings' str does).
                values = self.eval(arg.value, frame)
                if isinstance(values, list | tuple):
                    patterns.extend(v for v in values if isinstance(v, str))
                continue
            value = self.eval(arg, frame)
            if isinstance(value, str):
                patterns.append(value)
        here = frame.file.parent
        for pattern in patterns:
            try:
                matches = sorted(here.glob(pattern)) if not pattern.startswith("/") else []
            except (OSError, ValueError, NotImplementedError):
                continue
            for path in matches:
                key = path.resolve()
                if not path.is_file() or key in self.running:
                    continue
                module = self.parse(path)
                if module is None:
                    continue
                self.running.add(key)
                previous = frame.file
                frame.file = path
                try:
                    self.exec_block(module.body, frame)
                finally:
                    frame.file = previous
                    self.running.discard(key)

    def exec_import_from(self, node: ast.ImportFrom, frame: _Frame) -> None:
        if node.level:
            path = self.finder.resolve_relative(frame.file, node.level, node.module)
        else:
            path = self.finder.resolve(node.module) if node.module else None
        names = [alias for alias in node.names]
        if path is None:
            if node.level or self.own_module_missing(node.module):
                raise _ImportFailed(node.module or ".")
            if node.module == "decouple" and any(a.name == "config" for a in names):
                # `from decouple import config`: its first call reads a .env or settings.ini
                # found from this module's directory up (bound below as any unknown name).
                self.load_decouple_file(frame)
            for alias in names:
                if alias.name != "*":
                    frame.namespace[alias.asname or alias.name] = UNKNOWN
            return
        imported = self.run_module(path)
        for alias in names:
            if alias.name == "*":
                public = imported.get("__all__")
                keys = (
                    [k for k in public if isinstance(k, str)]
                    if isinstance(public, list | tuple)
                    else [k for k in imported if not k.startswith("_")]
                )
                for key in keys:
                    if key in imported:
                        frame.namespace[key] = imported[key]
            elif alias.name in imported:
                frame.namespace[alias.asname or alias.name] = imported[alias.name]
            else:
                # `from proj import configuration`: a submodule, read as a namespace (a dict, so
                # `getattr(configuration, "X", default)` sees what it defines).
                sub = self.finder.resolve_relative(path, 1, alias.name)
                frame.namespace[alias.asname or alias.name] = (
                    self.run_module(sub)
                    if sub is not None and path.name == "__init__.py"
                    else UNKNOWN
                )

    # -- expressions -------------------------------------------------------------------------
    def eval(self, node: ast.expr, frame: _Frame) -> Any:
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str | int | float | bool | None) else (
                UNKNOWN
            )
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return self.virtual_file(frame.file)
            return frame.namespace.get(node.id, UNKNOWN)
        if isinstance(node, ast.JoinedStr):
            return self.eval_fstring(node, frame)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            items: list[Any] = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    inner = self.eval(element.value, frame)
                    if isinstance(inner, list | tuple):
                        items.extend(inner)
                else:
                    items.append(self.eval(element, frame))
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Dict):
            result: dict[Any, Any] = {}
            for key_node, value_node in zip(node.keys, node.values, strict=True):
                value = self.eval(value_node, frame)
                if key_node is None:
                    if isinstance(value, dict):
                        result.update(value)
                    continue
                key = self.eval(key_node, frame)
                if _hashable(key):
                    result[key] = value
            return result
        if isinstance(node, ast.BinOp):
            return _binop(node.op, self.eval(node.left, frame), self.eval(node.right, frame))
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand, frame)
            if isinstance(node.op, ast.Not):
                truth = _truth(operand)
                return UNKNOWN if truth is None else not truth
            if isinstance(node.op, ast.USub) and isinstance(operand, int | float):
                return -operand
            return UNKNOWN
        if isinstance(node, ast.BoolOp):
            return self.eval_boolop(node, frame)
        if isinstance(node, ast.Compare):
            return self.eval_compare(node, frame)
        if isinstance(node, ast.Lambda):
            return _Function(node)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            return self.eval_comprehension(node, frame)
        if isinstance(node, ast.NamedExpr):
            value = self.eval(node.value, frame)
            frame.namespace[node.target.id] = value
            return value
        if isinstance(node, ast.IfExp):
            truth = _truth(self.eval(node.test, frame))
            if truth is None:
                return UNKNOWN
            return self.eval(node.body if truth else node.orelse, frame)
        if isinstance(node, ast.Attribute):
            return self.eval_attribute(node, frame)
        if isinstance(node, ast.Subscript):
            return self.eval_subscript(node, frame)
        if isinstance(node, ast.Call):
            return self.eval_call(node, frame)
        return UNKNOWN

    def eval_comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp, frame: _Frame
    ) -> Any:
        """`[h.strip() for h in os.environ.get("HOSTS", "a, b").split(",") if h]`: one `for`
        over a known sequence, a plain name as its target."""
        if len(node.generators) != 1:
            return UNKNOWN
        generator = node.generators[0]
        if not isinstance(generator.target, ast.Name) or generator.is_async:
            return UNKNOWN
        items = self.eval(generator.iter, frame)
        if not isinstance(items, list | tuple | str) or len(items) > 1000:
            return UNKNOWN
        inner = _Frame(frame.file, dict(frame.namespace), frame.in_try)
        result: list[Any] = []
        for item in items:
            inner.namespace[generator.target.id] = item
            keep = [_truth(self.eval(test, inner)) for test in generator.ifs]
            if None in keep:
                return UNKNOWN
            if all(keep):
                result.append(self.eval(node.elt, inner))
        return result

    def eval_fstring(self, node: ast.JoinedStr, frame: _Frame) -> Any:
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue) and value.format_spec is None:
                inner = self.eval(value.value, frame)
                if isinstance(inner, str | int | float | _FsPath) and not isinstance(inner, bool):
                    parts.append(str(inner))
                else:
                    return UNKNOWN
            else:
                return UNKNOWN
        return "".join(parts)

    def eval_boolop(self, node: ast.BoolOp, frame: _Frame) -> Any:
        result: Any = UNKNOWN
        for value_node in node.values:
            result = self.eval(value_node, frame)
            truth = _truth(result)
            if truth is None:
                return UNKNOWN
            if isinstance(node.op, ast.And) and not truth:
                return result
            if isinstance(node.op, ast.Or) and truth:
                return result
        return result

    def eval_compare(self, node: ast.Compare, frame: _Frame) -> Any:
        left = self.eval(node.left, frame)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node, frame)
            if isinstance(right, _Environ) and isinstance(op, ast.In | ast.NotIn):
                # `"X" in os.environ`: read; set only when the image sets it.
                present = False
                if isinstance(left, str):
                    self.env_vars.setdefault(left, None)
                    present = left in self.environ
                ok = present != isinstance(op, ast.NotIn)
                if not ok:
                    return False
                left = right
                continue
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            try:
                if isinstance(op, ast.Eq):
                    ok = left == right
                elif isinstance(op, ast.NotEq):
                    ok = left != right
                elif isinstance(op, ast.Is):
                    ok = left is right
                elif isinstance(op, ast.IsNot):
                    ok = left is not right
                elif isinstance(op, ast.In):
                    ok = left in right
                elif isinstance(op, ast.NotIn):
                    ok = left not in right
                else:
                    return UNKNOWN
            except TypeError:
                return UNKNOWN
            if not ok:
                return False
            left = right
        return True

    def eval_attribute(self, node: ast.Attribute, frame: _Frame) -> Any:
        name = dotted(node)
        if name in {"os.sep", "os.path.sep"}:
            return "/"
        if name == "os.environ":
            return _ENVIRON
        value = self.eval(node.value, frame)
        if isinstance(value, _FsPath):
            if node.attr == "parent":
                return value.parent
            if node.attr == "parents":
                return _Parents(value)
            if node.attr == "name":
                return value.path.name
        return UNKNOWN

    def eval_subscript(self, node: ast.Subscript, frame: _Frame) -> Any:
        if dotted(node.value).endswith("environ"):
            value = self.read_env(node.slice, frame)
            return UNKNOWN if value is None else value
        container = self.eval(node.value, frame)
        key = self.eval(node.slice, frame)
        if isinstance(container, _Parents) and isinstance(key, int) and key >= 0:
            path = container.path
            for _ in range(key + 1):
                path = path.parent
            return path
        if isinstance(container, dict) and _hashable(key):
            return container.get(key, UNKNOWN)
        if isinstance(container, list | tuple | str) and isinstance(key, int):
            try:
                return container[key]
            except IndexError:
                return UNKNOWN
        return UNKNOWN

    def eval_call(self, node: ast.Call, frame: _Frame) -> Any:
        name = dotted(node.func)
        short = name.rsplit(".", 1)[-1]
        kwargs = {k.arg: k.value for k in node.keywords if k.arg is not None}

        if name in {"Path", "pathlib.Path", "PurePath", "PosixPath", "pathlib.PurePath",
                    "environ.Path", "Path.cwd"}:
            if name == "Path.cwd":
                return _FsPath(PurePosixPath("."))
            args = [self.eval(a, frame) for a in node.args]
            if not all(isinstance(a, str | _FsPath) for a in args):
                return UNKNOWN
            return _FsPath(PurePosixPath(".")).join(*(str(a) for a in args))
        if name.startswith("os.path."):
            return self.eval_os_path(short, node, frame)
        if short == "optional" and len(node.args) == 1 and not node.keywords:
            # django-split-settings' optional("local.py"): a str subclass of its pattern.
            return self.eval(node.args[0], frame)
        if name == "str" and len(node.args) == 1:
            value = self.eval(node.args[0], frame)
            return str(value) if isinstance(value, str | _FsPath | int) else UNKNOWN
        if name in {"list", "tuple"} and len(node.args) == 1:
            value = self.eval(node.args[0], frame)
            if isinstance(value, list | tuple):
                return list(value) if name == "list" else tuple(value)
            return UNKNOWN
        if name in {"os.environ.get", "os.getenv", "environ.get", "getenv",
                    "os.environ.setdefault"}:
            value = self.read_env(node.args[0] if node.args else kwargs.get("key"), frame)
            if value is not None:
                return value
            if len(node.args) >= 2:
                return self.eval(node.args[1], frame)
            if "default" in kwargs:
                return self.eval(kwargs["default"], frame)
            return None
        if name in _ENV_CLASSES:
            defaults: dict[str, Any] = {}
            for key, value_node in kwargs.items():
                value = self.eval(value_node, frame)
                if isinstance(value, tuple) and len(value) == 2:
                    defaults[key] = value[1]
            return _EnvScheme(defaults)
        scheme = self.env_scheme(node.func, frame)
        url_kind = _url_call(name)
        if url_kind is not None:
            return self.eval_url_call(url_kind, short, node, kwargs, frame, scheme)
        if _is_env_call(name) or scheme is not None:
            return self.eval_env_call(node, kwargs, frame, scheme)
        if name == "getattr" and len(node.args) == 3:
            # getattr(configuration, "MEDIA_ROOT", default): the module is rarely readable;
            # its default is what an image without that setting runs with.
            owner = self.eval(node.args[0], frame)
            attribute = self.eval(node.args[1], frame)
            if isinstance(owner, dict) and isinstance(attribute, str) and attribute in owner:
                return owner[attribute]
            return self.eval(node.args[2], frame)

        if isinstance(node.func, ast.Attribute):
            receiver = self.eval(node.func.value, frame)
            method = node.func.attr
            if isinstance(receiver, _FsPath):
                return self.eval_path_method(receiver, method, node, frame)
            if isinstance(receiver, str) and method in _STR_METHODS:
                args = [self.eval(a, frame) for a in node.args]
                if all(isinstance(a, str | int) for a in args) and not node.keywords:
                    return getattr(receiver, method)(*args)
            if method == "get" and 1 <= len(node.args) <= 2:
                # mapping.get("X", default): a dict we know, or the default of one we do not.
                key = self.eval(node.args[0], frame)
                default = self.eval(node.args[1], frame) if len(node.args) == 2 else None
                if isinstance(receiver, dict) and _hashable(key):
                    return receiver.get(key, default)
                if receiver is UNKNOWN and isinstance(key, str) and len(node.args) == 2:
                    return default
            return UNKNOWN
        callee = self.eval(node.func, frame)
        if isinstance(callee, _Function):
            return self.call_function(callee, node, frame)
        if isinstance(callee, _FsPath):
            # django-environ: root = environ.Path(__file__) - 2; root("static")
            args = [self.eval(a, frame) for a in node.args]
            if all(isinstance(a, str) for a in args):
                return callee.join(*args)
        return UNKNOWN

    def call_function(self, function: _Function, call: ast.Call, frame: _Frame) -> Any:
        """Evaluate a settings helper with the call's arguments, in a namespace of its own."""
        if self.depth >= _MAX_CALL_DEPTH or any(
            isinstance(a, ast.Starred) for a in call.args
        ) or any(k.arg is None for k in call.keywords):
            return UNKNOWN
        arguments = function.node.args
        if arguments.vararg or arguments.kwarg or arguments.posonlyargs or arguments.kwonlyargs:
            return UNKNOWN
        params = [a.arg for a in arguments.args]
        if len(call.args) > len(params):
            return UNKNOWN
        local = _Frame(frame.file, dict(frame.namespace), 0, in_function=True)
        defaults = dict(zip(params[len(params) - len(arguments.defaults) :],
                            arguments.defaults, strict=True))
        given = {k.arg: k.value for k in call.keywords if k.arg is not None}
        for index, param in enumerate(params):
            if index < len(call.args):
                local.namespace[param] = self.eval(call.args[index], frame)
            elif param in given:
                local.namespace[param] = self.eval(given[param], frame)
            elif param in defaults:
                local.namespace[param] = self.eval(defaults[param], frame)
            else:
                return UNKNOWN
        self.depth += 1
        try:
            if isinstance(function.node, ast.Lambda):
                return self.eval(function.node.body, local)
            try:
                self.exec_block(function.node.body, local)
            except _Return as done:
                return done.value
            # Fell off the end: None, unless a statement we do not follow could have returned.
            followed = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.If, ast.Pass,
                        ast.Return)
            if all(isinstance(n, followed) for n in function.node.body):
                return None
            return UNKNOWN
        finally:
            self.depth -= 1

    def env_scheme(self, func: ast.expr, frame: _Frame) -> _EnvScheme | None:
        """The django-environ Env a call goes through (`env(...)`, `env.str(...)`), if any."""
        owner = func.value if isinstance(func, ast.Attribute) else func
        if not isinstance(owner, ast.Name):
            return None
        value = frame.namespace.get(owner.id)
        return value if isinstance(value, _EnvScheme) else None

    def eval_env_call(
        self,
        node: ast.Call,
        kwargs: dict[str, ast.expr],
        frame: _Frame,
        scheme: _EnvScheme | None = None,
    ) -> Any:
        """django-environ `env("X", default=...)`, `env.list(...)`, decouple `config(...)`,
        environs `env.str(...)`: the default (also the one `Env(X=(cast, default))` declared),
        else unknown (they raise without one)."""
        var = node.args[0] if node.args else kwargs.get("var") or kwargs.get("option")
        value = self.read_env(var, frame)
        if value is not None:
            method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            cast = kwargs.get("cast") or (node.args[1] if len(node.args) >= 2 else None)
            return _cast(value, method, dotted(cast) if cast is not None else "")
        if "default" in kwargs:
            return self.eval(kwargs["default"], frame)
        if len(node.args) >= 2:
            # The second slot is the default for decouple and environs, the cast (`bool`,
            # `str`, which read as unknown here) for django-environ.
            value = self.eval(node.args[1], frame)
            if value is not UNKNOWN or scheme is None:
                return value
        name = self.eval(var, frame) if var is not None else UNKNOWN
        if scheme is not None and isinstance(name, str) and name in scheme.defaults:
            return scheme.defaults[name]
        return UNKNOWN

    def eval_url_call(
        self,
        kind: str,
        short: str,
        node: ast.Call,
        kwargs: dict[str, ast.expr],
        frame: _Frame,
        scheme: _EnvScheme | None = None,
    ) -> Any:
        """dj-database-url and django-environ's `env.db()` / `env.cache()`: the entry their URL
        (the environment's, else the default) describes."""
        if short == "parse":
            url = self.eval(node.args[0], frame) if node.args else UNKNOWN
        else:
            var_node = kwargs.get("env") or kwargs.get("var")
            url = UNKNOWN
            positional = list(node.args)
            if var_node is None and positional:
                first = self.eval(positional[0], frame)
                if isinstance(first, str) and "://" in first:
                    url = first
                else:
                    var_node = positional[0]
                positional = positional[1:]
            if var_node is not None:
                value = self.read_env(var_node, frame)
                if value is not None and url is UNKNOWN:
                    url = value
            else:
                # `dj_database_url.config()`, `env.db()`: the default variable, read like any.
                default_var = "DATABASE_URL" if kind == "db" else "CACHE_URL"
                self.env_vars.setdefault(default_var, None)
                value = self.environ.get(default_var)
                if value is not None and url is UNKNOWN:
                    url = value
            default_node = kwargs.get("default") or (positional[0] if positional else None)
            if url is UNKNOWN and default_node is not None:
                url = self.eval(default_node, frame)
            var = (
                self.eval(var_node, frame)
                if var_node is not None
                else ("DATABASE_URL" if kind == "db" else "CACHE_URL")
            )
            if url is UNKNOWN and scheme is not None and isinstance(var, str):
                url = scheme.defaults.get(var, UNKNOWN)
        if isinstance(url, str) and "://" in url:
            return _database_from_url(url) if kind == "db" else _cache_from_url(url)
        return UNKNOWN

    def eval_path_method(self, path: _FsPath, method: str, node: ast.Call, frame: _Frame) -> Any:
        args = [self.eval(a, frame) for a in node.args]
        if method in {"resolve", "absolute", "expanduser"}:
            return path
        if method in {"joinpath", "path"} and all(isinstance(a, str | _FsPath) for a in args):
            return path.join(*(str(a) for a in args))
        if method == "as_posix" or method == "__str__":
            return str(path)
        if method == "with_name" and len(args) == 1 and isinstance(args[0], str):
            return path.parent.join(args[0])
        return UNKNOWN

    def eval_os_path(self, function: str, node: ast.Call, frame: _Frame) -> Any:
        args = [self.eval(a, frame) for a in node.args]
        if not args or not all(isinstance(a, str | _FsPath) for a in args):
            return UNKNOWN
        texts = [str(a) for a in args]
        if function == "join":
            return posixpath.join(*texts)
        if function in {"abspath", "realpath", "normpath"}:
            return posixpath.normpath(texts[0])
        if function == "dirname":
            return posixpath.dirname(texts[0])
        if function == "basename":
            return posixpath.basename(texts[0])
        if function == "expanduser":
            return texts[0]
        return UNKNOWN


_STR_METHODS = frozenset(
    {"replace", "strip", "rstrip", "lstrip", "lower", "upper", "split", "rsplit"}
)
_ENV_READERS = frozenset({"env", "ENV", "config", "environ.Env", "get_env", "get_env_variable",
                          "get_env_setting", "env_var", "getenv_or_default"})
_ENV_METHODS = frozenset({"str", "bool", "int", "float", "path", "list", "tuple", "dict",
                          "json", "url", "decimal", "bytes", "get_value", "unicode", "parse_value"})


# Calls that load an env file into the environment, and the keyword naming the file.
_ENV_FILE_LOADERS = {"read_env": "env_file", "load_dotenv": "dotenv_path"}


def _is_env_call(name: str) -> bool:
    head, _, short = name.rpartition(".")
    if not head:
        return short in _ENV_READERS
    return head in {"env", "ENV", "environ", "self.env", "config"} and short in _ENV_METHODS


def _url_call(name: str) -> str | None:
    """"db" or "cache" for the URL-reading helpers, else None."""
    head, _, short = name.rpartition(".")
    if head.endswith(("dj_database_url", "db_url")):
        return "db" if short in {"config", "parse", "get"} else None
    if head.endswith(("django_cache_url", "cache_url")):
        return "cache" if short in {"config", "parse", "get"} else None
    if head in {"env", "environ", "environ.Env", "ENV"}:
        if short in {"db", "db_url", "database_url"}:
            return "db"
        if short in {"cache", "cache_url"}:
            return "cache"
    return None


# URL schemes (dj-database-url, django-environ) -> Django database backends.
_DB_SCHEMES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "psql": "django.db.backends.postgresql",
    "postgis": "django.contrib.gis.db.backends.postgis",
    "mysql": "django.db.backends.mysql",
    "mysql2": "django.db.backends.mysql",
    "mysqlgis": "django.contrib.gis.db.backends.mysql",
    "mysql-connector": "mysql.connector.django",
    "oracle": "django.db.backends.oracle",
    "oraclegis": "django.contrib.gis.db.backends.oracle",
    "sqlite": "django.db.backends.sqlite3",
    "spatialite": "django.contrib.gis.db.backends.spatialite",
    "cockroach": "django_cockroachdb",
    "timescale": "timescale.db.backends.postgresql",
    "timescalegis": "timescale.db.backends.postgis",
    "redshift": "django_redshift_backend",
}


def _database_from_url(url: str) -> dict[str, Any]:
    """The Django DATABASES entry a database URL describes (only what we read from it)."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    engine = _DB_SCHEMES.get(scheme, scheme)
    if scheme in {"sqlite", "spatialite"}:
        # sqlite:///relative.db and sqlite:////absolute.db, as dj-database-url reads them.
        name = rest[1:] if rest.startswith("/") else rest
        name = name.split("?", 1)[0]
        return {"ENGINE": engine, "NAME": name or ":memory:"}
    entry: dict[str, Any] = {"ENGINE": engine}
    # The host, for verify to tell a server it cannot reach (`@localhost`, host.docker.internal).
    with contextlib.suppress(ValueError):
        host = urlsplit(url).hostname
        if host:
            entry["HOST"] = host
    return entry


def _cache_from_url(url: str) -> dict[str, Any]:
    scheme = url.partition("://")[0].lower()
    if scheme in {"redis", "rediss", "redis+socket", "hiredis"}:
        return {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url}
    return {"BACKEND": scheme, "LOCATION": url}


def _binop(op: ast.operator, left: Any, right: Any) -> Any:
    if isinstance(op, ast.Add):
        # Apps appended to a list we could not read are still apps the project installs.
        if left is UNKNOWN and isinstance(right, list | tuple):
            return list(right)
        if isinstance(left, list | tuple) and right is UNKNOWN:
            return left
        if isinstance(left, list | tuple) and isinstance(right, list | tuple):
            combined = list(left) + list(right)
            return tuple(combined) if isinstance(left, tuple) else combined
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        if isinstance(left, int | float) and isinstance(right, int | float):
            return left + right
        return UNKNOWN
    if isinstance(op, ast.Div):
        if isinstance(left, _FsPath) and isinstance(right, str | _FsPath):
            return left.join(str(right))
        if isinstance(left, str) and isinstance(right, _FsPath):
            return _FsPath(PurePosixPath(left)).join(str(right))
        return UNKNOWN
    if isinstance(op, ast.Sub):
        # django-environ's Path - n climbs n directories.
        if isinstance(left, _FsPath) and isinstance(right, int) and 0 <= right < 64:
            for _ in range(right):
                left = left.parent
            return left
        if isinstance(left, int | float) and isinstance(right, int | float):
            return left - right
        return UNKNOWN
    if isinstance(op, ast.Mod) and isinstance(left, str):
        values = right if isinstance(right, tuple) else (right,)
        if all(isinstance(v, str | int | _FsPath) for v in values):
            try:
                return left % tuple(str(v) if isinstance(v, _FsPath) else v for v in values)
            except (TypeError, ValueError):
                return UNKNOWN
    return UNKNOWN


def _cast(value: str, method: str, cast: str) -> Any:
    """An environment string as django-environ / decouple / environs would return it."""
    kind = method or cast.rsplit(".", 1)[-1]
    if kind in {"bool"}:
        return value.strip().lower() in {"1", "true", "yes", "on", "y", "t"}
    if kind == "int":
        try:
            return int(value)
        except ValueError:
            return UNKNOWN
    if kind in {"list", "tuple", "Csv"}:
        items = [v.strip() for v in value.split(",") if v.strip()]
        return tuple(items) if kind == "tuple" else items
    return value


def _same_value(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def _truth(value: Any) -> bool | None:
    if value is UNKNOWN:
        return None
    try:
        return bool(value)
    except Exception:
        return None


def _hashable(value: Any) -> bool:
    if value is UNKNOWN:
        return False
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _assigned_names(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.add(child.id)
    return names


def dotted(node: ast.expr) -> str:
    """`os.path.join` for an attribute chain, '' for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def const(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else None


# -- reading a settings module ---------------------------------------------------------------


@dataclass
class Settings:
    """What reading one settings module gave."""

    namespace: dict[str, Any]
    env_vars: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()


def read_settings(
    context: Path,
    finder: ModuleFinder,
    project_dir: str,
    path: Path,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Evaluate the settings module at `path`; `environ` holds the variables the image sets."""
    interpreter = Interpreter(context, finder, project_dir, environ)
    namespace = interpreter.run_module(path)
    return Settings(namespace, tuple(interpreter.env_vars), tuple(interpreter.unreadable))


def evaluate_source(
    source: str, name: str, environ: dict[str, str] | None = None
) -> dict[str, Any]:
    """The top-level values of a Python file that is not part of a project tree (a gunicorn
    config), evaluated like settings: never run, unknowns stay unknown."""
    module = parse_source(source, name)
    if module is None:
        return {}
    nowhere = Path("/__dj_optimize__/nowhere")
    interpreter = Interpreter(nowhere, ModuleFinder(nowhere, "."), ".", environ)
    frame = _Frame(nowhere / name)
    interpreter.exec_block(module.body, frame)
    return frame.namespace


def static_env_reads(module: ast.Module) -> list[str]:
    """Environment variable names a module reads with a literal name, in any branch (the
    interpreter only follows the branches it can decide)."""
    found: list[str] = []
    for node in ast.walk(module):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and dotted(node.value).endswith("environ"):
            key = node.slice
        elif isinstance(node, ast.Call):
            name = dotted(node.func)
            if (
                name in {"os.environ.get", "os.getenv", "environ.get", "getenv",
                         "os.environ.setdefault", "os.environ.pop"}
                or _is_env_call(name)
                or (_url_call(name) is not None and not name.endswith(".parse"))
            ):
                key = node.args[0] if node.args else None
                for keyword in node.keywords:
                    if keyword.arg in {"var", "env", "key", "option"}:
                        key = keyword.value
        if (
            isinstance(node, ast.Compare)
            and len(node.comparators) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and dotted(node.comparators[0]).endswith("environ")
        ):
            key = node.left
        value = const(key) if key is not None else None
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            found.append(value)
    return found


# -- turning settings values into facts ------------------------------------------------------


def installed_apps(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(dict.fromkeys(v for v in value if isinstance(v, str)))


def context_path(value: object, project_dir: str) -> str | None:
    """A settings path as a context-relative POSIX path.

    Relative paths are relative to the working directory, which for `manage.py` and the server is
    the manage.py directory. Absolute paths that do not come from the project's files (a literal
    "/var/www/static") are container paths and are returned as written. Paths that climb out of
    the context cannot be mapped and give None.
    """
    if isinstance(value, _FsPath):
        text = str(value)
    elif isinstance(value, str) and value:
        text = value
    else:
        return None
    path = PurePosixPath(posixpath.normpath(text))
    if not path.is_absolute():
        path = PurePosixPath(posixpath.normpath((_VROOT / project_dir / path).as_posix()))
    if path == _VROOT:
        return "."
    if path.is_relative_to(_VROOT):
        return path.relative_to(_VROOT).as_posix()
    if path.is_relative_to(_VANCHOR):
        return None
    return path.as_posix()


def runtime_dirs(namespace: dict[str, Any], project_dir: str) -> tuple[str, ...]:
    """Directories Django itself writes at run time, besides MEDIA_ROOT, STATIC_ROOT and the
    sqlite file: a file-based cache's LOCATION (any alias), a FileSystemStorage's `location`
    (STORAGES, Django 4.2+), SESSION_FILE_PATH under the file session engine,
    FILE_UPLOAD_TEMP_DIR, EMAIL_FILE_PATH under the file email backend, and what
    django-compressor, Haystack's Whoosh backend and django-dbbackup write (see
    `_third_party_write_dirs`). Context-relative
    or absolute, as `context_path` gives them; /tmp and what is under it are left out (anyone
    may write there)."""
    found: list[object] = []
    caches = namespace.get("CACHES")
    for entry in caches.values() if isinstance(caches, dict) else ():
        if isinstance(entry, dict) and str(entry.get("BACKEND", "")).endswith("FileBasedCache"):
            found.append(entry.get("LOCATION"))
    storages = namespace.get("STORAGES")
    for entry in storages.values() if isinstance(storages, dict) else ():
        backend = entry.get("BACKEND", "") if isinstance(entry, dict) else ""
        options = entry.get("OPTIONS") if isinstance(entry, dict) else None
        if str(backend).endswith("FileSystemStorage") and isinstance(options, dict):
            found.append(options.get("location"))
    if namespace.get("SESSION_ENGINE") == "django.contrib.sessions.backends.file":
        found.append(namespace.get("SESSION_FILE_PATH"))
    found.append(namespace.get("FILE_UPLOAD_TEMP_DIR"))
    if str(namespace.get("EMAIL_BACKEND", "")).endswith("filebased.EmailBackend"):
        found.append(namespace.get("EMAIL_FILE_PATH"))
    found.extend(_third_party_write_dirs(namespace))
    paths = [context_path(value, project_dir) for value in found]
    return tuple(
        dict.fromkeys(
            p for p in paths if p and not (p == "/tmp" or p.startswith(("/tmp/", "/dev/")))
        )
    )


def _third_party_write_dirs(namespace: dict[str, Any]) -> list[object]:
    """Where three common apps write at run time, read from their own settings:

    - django-compressor (`compressor` installed) writes its output under
      COMPRESS_ROOT/COMPRESS_OUTPUT_DIR (STATIC_ROOT/CACHE by default) when a page renders a
      `{% compress %}` block, unless COMPRESS_OFFLINE is True (then `manage.py compress` wrote
      it at build time and requests only read it);
    - Haystack's Whoosh backend keeps its index in the connection's PATH (any alias), created
      and rewritten by update_index, rebuild_index and the realtime signal processor;
    - django-dbbackup's file-system storage writes backups to DBBACKUP_STORAGE_OPTIONS'
      `location` (its newer STORAGES["dbbackup"] form is read with STORAGES above).
    """
    found: list[object] = []
    apps = installed_apps(namespace.get("INSTALLED_APPS"))
    if namespace.get("COMPRESS_OFFLINE") is not True:
        found.append(_compress_output(namespace))
    haystack = namespace.get("HAYSTACK_CONNECTIONS")
    for entry in haystack.values() if isinstance(haystack, dict) else ():
        if isinstance(entry, dict) and str(entry.get("ENGINE", "")).endswith("WhooshEngine"):
            found.append(entry.get("PATH"))
    if "dbbackup" in apps:
        storage = str(namespace.get("DBBACKUP_STORAGE", "FileSystemStorage"))
        options = namespace.get("DBBACKUP_STORAGE_OPTIONS")
        if storage.endswith(("FileSystemStorage", "filesystem_storage")) and isinstance(
            options, dict
        ):
            found.append(options.get("location"))
    return found


def _compress_output(namespace: dict[str, Any]) -> object:
    """Where django-compressor (`compressor` installed) writes its output:
    COMPRESS_ROOT/COMPRESS_OUTPUT_DIR, STATIC_ROOT/CACHE by default. None without the app or
    when it cannot be read."""
    if "compressor" not in installed_apps(namespace.get("INSTALLED_APPS")):
        return None
    root = namespace.get("COMPRESS_ROOT", namespace.get("STATIC_ROOT"))
    output = namespace.get("COMPRESS_OUTPUT_DIR", "CACHE")
    if isinstance(output, str) and output.strip("/") and isinstance(root, str | _FsPath):
        base = root if isinstance(root, _FsPath) else _FsPath(PurePosixPath(root))
        return base.join(output.strip("/"))
    return None


def compress_output(namespace: dict[str, Any], project_dir: str) -> str | None:
    """django-compressor's output directory whatever COMPRESS_OFFLINE says, context-relative or
    absolute: with offline compression it is `manage.py compress` that writes it, so it is a
    run-time write when that command runs at start (non-root reads the start)."""
    return context_path(_compress_output(namespace), project_dir)


def sqlite_path(value: object, project_dir: str) -> str | None:
    if not isinstance(value, dict):
        return None
    default = value.get("default")
    if not isinstance(default, dict):
        return None
    engine = default.get("ENGINE")
    if not (isinstance(engine, str) and engine.endswith(("sqlite3", "spatialite"))):
        return None
    name = default.get("NAME")
    if isinstance(name, str) and (name == ":memory:" or name.startswith("file::memory:")):
        return None
    return context_path(name, project_dir)


def database_engines(value: object) -> tuple[str, ...]:
    """The backend of each DATABASES entry, default first: the ENGINE's last dotted component
    ("postgresql", "postgis", "mysql", "sqlite3"), or the module name for third-party ones."""
    if not isinstance(value, dict):
        return ()
    keys = sorted(value, key=lambda k: (k != "default", str(k)))
    engines: list[str] = []
    for key in keys:
        entry = value.get(key)
        engine = entry.get("ENGINE") if isinstance(entry, dict) else None
        if isinstance(engine, str) and engine:
            parts = engine.split(".")
            # "django.db.backends.postgresql" -> "postgresql"; "django_cockroachdb" stays.
            short = parts[-2] if parts[-1] == "base" and len(parts) > 1 else parts[-1]
            if short == "postgresql_psycopg2":
                short = "postgresql"
            engines.append(short)
    return tuple(dict.fromkeys(engines))


def allowed_hosts(value: object) -> tuple[str, ...]:
    """Literal ALLOWED_HOSTS entries; a comma-separated string (an env default read without its
    cast) is split as `Csv()` or `.split(",")` would."""
    items: list[object]
    if isinstance(value, str):
        items = list(value.split(","))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return ()
    hosts: list[str] = []
    for item in items:
        if isinstance(item, str):
            hosts.extend(h.strip() for h in item.split(",") if h.strip())
    return tuple(dict.fromkeys(hosts))


_REDIS_SETTINGS = ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "BROKER_URL",
                   "CELERY_BROKER", "REDIS_URL", "RQ_QUEUES", "HUEY")


def uses_redis(namespace: dict[str, Any], env_vars: tuple[str, ...]) -> bool:
    """Redis in CACHES or CHANNEL_LAYERS backends, a redis:// broker/result/URL setting, or an
    environment variable whose name says Redis."""
    if any("REDIS" in name.upper() for name in env_vars):
        return True
    for setting in ("CACHES", "CHANNEL_LAYERS", "SESSION_REDIS"):
        if _mentions_redis(namespace.get(setting)):
            return True
    return any(_mentions_redis(namespace.get(name)) for name in _REDIS_SETTINGS)


def _mentions_redis(value: object, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if isinstance(value, str):
        low = value.lower()
        return low.startswith(("redis://", "rediss://", "redis+socket://")) or "redis" in low
    if isinstance(value, dict):
        return any(_mentions_redis(v, depth + 1) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_mentions_redis(v, depth + 1) for v in value)
    return False


# -- the root URLconf ------------------------------------------------------------------------

_MAX_URL_PATHS = 20
_LITERAL_REGEX = re.compile(r"(?:[A-Za-z0-9_/-]|\\[./-])*")


def url_paths(finder: ModuleFinder, urlconf: str) -> tuple[str, ...]:
    """Literal paths the root URLconf routes: `path("healthz/", ...)`, `re_path(r"^about/$")`
    when the regex is a literal; no converters or groups. `include("app.urls")` prefixes are
    followed one level when the included module is in the project."""
    found: list[str] = []
    routed: list[str] = []
    for prefix, route in _routes(finder, urlconf, follow=True):
        # A router's routes come after the URLconfs' own literal paths: the probes take the
        # first few, and a health view written out (Segwise_backend's `health/`) says more.
        into = routed if route.startswith(_ROUTER) else found
        path = "/" + prefix + route.removeprefix(_ROUTER)
        if path not in found and path not in routed:
            into.append(path)
    return tuple((found + routed)[:_MAX_URL_PATHS])


def websocket_paths(sources: Iterable[tuple[Path, str]], limit: int = 2) -> tuple[str, ...]:
    """Literal paths of Channels' websocket routes: `path("ws/increment/", Consumer.as_asgi())`
    in a module-level `websocket_urlpatterns` (any name holding "websocket"), as url_paths reads
    urlpatterns: no converters, literal regexes only. `sources` are (path, text) pairs."""
    found: list[str] = []
    for path, text in sources:
        if "websocket" not in text:
            continue
        module = parse_source(text, str(path))
        if module is None:
            continue
        # include() is not followed (follow=False): the finder only satisfies _route.
        finder = ModuleFinder(path.parent, ".")
        for statement in module.body:
            if not isinstance(statement, ast.Assign):
                continue
            if not any(isinstance(t, ast.Name) and "websocket" in t.id.lower()
                       for t in statement.targets):
                continue
            for call in _pattern_calls(statement.value):
                routes = [r for _, r in _route(finder, call, follow=False)]
                sample = _sample_route(call)
                for route in routes or ([sample] if sample is not None else []):
                    ws = "/" + route.lstrip("/")
                    if ws not in found:
                        found.append(ws)
                    if len(found) >= limit:
                        return tuple(found)
    return tuple(found)


# Channels' tutorial routes `re_path(r"ws/chat/(?P<room_name>\w+)/$", ...)`; a consumer that
# takes any room accepts a sample name, one that checks it in the database refuses it alike.
_CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")
_SAMPLES = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000000"}
# What a named regex group is filled with: the first sample its own pattern matches whole
# (`\w+` and `[^/]+` take "probe", `\d+` "1", a hand-written UUID pattern the UUID).
_GROUP_SAMPLES = ("probe", _SAMPLES["int"], _SAMPLES["uuid"])


def _sample_route(call: ast.Call) -> str | None:
    """A route with its parameters filled by samples ("1" for int, the UUID for uuid, "probe"
    for the rest; a regex group the first sample its pattern matches): `<str:room_name>` and
    `(?P<room_name>\\w+)` alike; None when it is not that simple."""
    short = dotted(call.func).rsplit(".", 1)[-1]
    raw = const(call.args[0]) if call.args else None
    if not isinstance(raw, str):
        return None
    if short == "path":
        if not _CONVERTER.search(raw):
            return None
        filled = _CONVERTER.sub(lambda m: _SAMPLES.get(m.group(1) or "str", "probe"), raw)
        return None if "<" in filled else filled
    if short not in {"re_path", "url"}:
        return None
    body = _fill_groups(raw)
    return _literal_regex(body) if body is not None else None


def _fill_groups(raw: str) -> str | None:
    """`raw` with each named group `(?P<name>...)` replaced by the first of _GROUP_SAMPLES its
    pattern matches whole; None when it has none, or one that no sample matches, that also
    matches a slash or that does not parse. ATOUIYakoub/django-celery-task-queue's
    `ws/tasks/(?P<task_id>[0-9a-f]{8}-[0-9a-f]{4}-...)/$` was not probed: only six spellings
    of "any word" were filled."""
    out: list[str] = []
    i = 0
    filled = False
    while (start := raw.find("(?P<", i)) >= 0:
        close = raw.find(">", start)
        if close < 0:
            return None
        j = _group_end(raw, close + 1)
        if j is None:
            return None
        pattern = raw[close + 1 : j - 1]
        try:
            sample = next((x for x in _GROUP_SAMPLES if re.fullmatch(pattern, x)), None)
            # One that also takes a slash (`.+`, `\d+(?:/\d+)*`) may span segments: left out.
            wide = any(re.fullmatch(pattern, x) for x in ("a/b", f"{sample}/{sample}", "/"))
        except re.error:
            return None
        if sample is None or wide:
            return None
        out += [raw[i:start], sample]
        filled = True
        i = j
    return "".join([*out, raw[i:]]) if filled else None


def _group_end(raw: str, j: int) -> int | None:
    """The index just past the `)` that closes the group whose body starts at `j`; None when
    it is not closed. Escapes and character classes (`[^)/]+`, `[])]`) hold no parenthesis."""
    depth = 1
    in_class = False
    while j < len(raw):
        char = raw[j]
        if char == "\\":
            j += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # A `]` first in a class (after `^`) is one of its characters.
            j += 1 + raw.startswith("^", j + 1)
            j += raw.startswith("]", j)
            continue
        elif char in "()":
            depth += 1 if char == "(" else -1
            if not depth:
                return j + 1
        j += 1
    return None


def admin_route(finder: ModuleFinder, urlconf: str) -> tuple[str, str] | None:
    """Where the root URLconf mounts `admin.site.urls`: ("route", "admin/") for a literal,
    ("setting", "ADMIN_URL") for `path(settings.ADMIN_URL, admin.site.urls)`; None when it
    mounts none or names it some other way."""
    path = finder.resolve(urlconf)
    module = parse(path) if path is not None else None
    if module is None:
        return None
    for statement in module.body:
        if not isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if not any(isinstance(t, ast.Name) and t.id == "urlpatterns" for t in targets):
            continue
        if statement.value is None:
            continue
        for call in _pattern_calls(statement.value):
            if dotted(call.func).rsplit(".", 1)[-1] != "path" or len(call.args) < 2:
                continue
            if not dotted(call.args[1]).endswith("admin.site.urls"):
                continue
            first = call.args[0]
            literal = const(first)
            if isinstance(literal, str):
                return ("route", literal)
            if (
                isinstance(first, ast.Attribute)
                and isinstance(first.value, ast.Name)
                and first.value.id == "settings"
            ):
                return ("setting", first.attr)
            return None
    return None


def _routes(finder: ModuleFinder, dotted: str, follow: bool) -> list[tuple[str, str]]:
    path = finder.resolve(dotted)
    module = parse(path) if path is not None else None
    if module is None:
        return []
    routes: list[tuple[str, str]] = []
    routers = _router_prefixes(module)
    for statement in module.body:
        value: ast.expr | None = None
        if (isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "urlpatterns" for t in statement.targets
        )) or (
            isinstance(statement, ast.AugAssign | ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.target.id == "urlpatterns"
        ):
            value = statement.value
        if value is None:
            continue
        for call in _pattern_calls(value):
            routes.extend(_route(finder, call, follow, routers))
        for name in _router_parts(value):
            routes.extend(("", _ROUTER + prefix) for prefix in routers.get(name, ()))
    return routes


# Marks a route a REST framework router makes (url_paths puts those last).
_ROUTER = "\0"


def _router_prefixes(module: ast.Module) -> dict[str, list[str]]:
    """REST framework routers of a URLconf module: the name of each `X = DefaultRouter()` (any
    class whose name ends in Router) and the literal routes its `X.register(r"shops", ...)` calls
    make ("shops/"; "shops" with `trailing_slash=False`). acunathink/CityShop's root URLconf
    routes only `admin/` and `include(router.urls)`: verify probed `/` and `/admin/login/`, no
    view that reads the database."""
    slashes: dict[str, str] = {}
    for statement in module.body:
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and dotted(statement.value.func).rsplit(".", 1)[-1].endswith("Router")
        ):
            slash = "/"
            for keyword in statement.value.keywords:
                if keyword.arg == "trailing_slash" and const(keyword.value) is False:
                    slash = ""
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    slashes[target.id] = slash
    found: dict[str, list[str]] = {name: [] for name in slashes}
    for statement in module.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "register"
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id in slashes
            and call.args
        ):
            continue
        raw = const(call.args[0])
        literal = _literal_regex(raw) if isinstance(raw, str) else None
        if literal:
            route = literal.strip("/") + slashes[call.func.value.id]
            if route not in found[call.func.value.id]:
                found[call.func.value.id].append(route)
    return found


def _router_parts(value: ast.expr) -> list[str]:
    """The routers whose `.urls` a urlpatterns value adds (`[...] + router.urls`)."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _router_parts(value.left) + _router_parts(value.right)
    if (
        isinstance(value, ast.Attribute)
        and value.attr == "urls"
        and isinstance(value.value, ast.Name)
    ):
        return [value.value.id]
    return []


def _pattern_calls(value: ast.expr) -> list[ast.Call]:
    """The path()/re_path() calls of a urlpatterns list (lists concatenated with `+` too;
    `static(...)` and `i18n_patterns(...)` are skipped: their paths depend on settings)."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _pattern_calls(value.left) + _pattern_calls(value.right)
    if isinstance(value, ast.List | ast.Tuple):
        return [e for e in value.elts if isinstance(e, ast.Call)]
    return []


def _route(
    finder: ModuleFinder,
    call: ast.Call,
    follow: bool,
    routers: dict[str, list[str]] | None = None,
) -> list[tuple[str, str]]:
    short = dotted(call.func).rsplit(".", 1)[-1]
    if short not in {"path", "re_path", "url"} or not call.args:
        return []
    raw = const(call.args[0])
    if not isinstance(raw, str):
        return []
    if short == "path":
        if "<" in raw:
            return []
        route = raw
    else:
        literal = _literal_regex(raw)
        if literal is None:
            return []
        route = literal
    target = call.args[1] if len(call.args) > 1 else None
    if isinstance(target, ast.Call) and dotted(target.func).rsplit(".", 1)[-1] == "include":
        if not target.args:
            return []
        included = target.args[0]
        if isinstance(included, ast.Tuple) and included.elts:
            included = included.elts[0]
        # include(router.urls): a router of this module, read without following anything.
        names = _router_parts(included)
        if names and routers and names[0] in routers:
            return [(route, _ROUTER + prefix) for prefix in routers[names[0]]]
        if not follow:
            return []
        module = const(included)
        if not isinstance(module, str):
            return []
        return [(route + p, r) for p, r in _routes(finder, module, follow=False)]
    return [("", route)]


def _literal_regex(pattern: str) -> str | None:
    """`^about/$` -> "about/"; None when the regex matches more than one literal path."""
    body = pattern.removeprefix("^").removesuffix("$")
    if body.endswith("\\") or not _LITERAL_REGEX.fullmatch(body):
        return None
    return body.replace("\\", "")



def unresolved_paths(namespace: dict[str, Any], project_dir: str) -> tuple[str, ...]:
    """Path settings the settings assign but whose value could not be read or mapped into the
    context: where the app writes them is then unknown."""
    found: list[str] = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        value = namespace.get(name)
        unset = value is None or value == ""
        if name in namespace and not unset and context_path(value, project_dir) is None:
            found.append(name)
    databases = namespace.get("DATABASES")
    default = databases.get("default") if isinstance(databases, dict) else None
    if isinstance(default, dict):
        engine = default.get("ENGINE")
        db_name = default.get("NAME")
        if (
            isinstance(engine, str)
            and engine.endswith(("sqlite3", "spatialite"))
            and not (isinstance(db_name, str) and "memory" in db_name)
            and sqlite_path(databases, project_dir) is None
        ):
            found.append("DATABASES NAME")
    return tuple(found)
