"""Find the Django project in a build context and read its settings without running it.

Settings are evaluated by a small, side-effect-free interpreter over the module's AST: enough of
Python to follow `BASE_DIR = Path(__file__).resolve().parent.parent`, `os.path.join`, list
concatenation, `from .base import *` and the usual env-var helpers, and nothing that could touch
the network, a database or the host. Whatever it cannot work out becomes unknown instead of an
error, because a project whose settings we only half understand still needs a Dockerfile.

Environment lookups evaluate to their default (or None): a `docker build` has none of the
deployment's variables, and production settings are the ones that matter for the image.
"""

from __future__ import annotations

import ast
import copy
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from optimizer.context import DjangoProject
from optimizer.deps import read_dependencies

_SKIP_DIRS = frozenset(
    {
        "node_modules",
        "site-packages",
        "dist-packages",
        "__pycache__",
        "venv",
        "env",
        "virtualenv",
        "bower_components",
    }
)
_MAX_SOURCE_BYTES = 1_000_000
_MAX_WALK_FILES = 5_000
_MAX_STATEMENTS = 50_000

# Settings run against a virtual absolute path rather than the real one: results do not depend on
# where the context sits on the host, and a BASE_DIR that climbs out of the context is recognisable
# (it stays under _VROOT) instead of colliding with an absolute container path like /var/www.
_VROOT = PurePosixPath("/__dj_optimize__/a/b/c/d/e/f/context")
_VANCHOR = PurePosixPath("/__dj_optimize__")


def inspect_project(context: Path, dockerfile_text: str | None = None) -> DjangoProject:
    """Everything the transforms need to know about the Django project inside `context`."""
    context = Path(context)
    manage_py = find_manage_py(context)
    project_dir = (posixpath.dirname(manage_py) or ".") if manage_py else "."
    finder = _ModuleFinder(context, project_dir)

    settings_module = _settings_from_dockerfile(dockerfile_text) if dockerfile_text else None
    entry_points = _find_entry_points(context, project_dir)
    if settings_module is None:
        settings_module = _settings_from_entry_files(
            context, [manage_py] if manage_py else [], entry_points
        )

    namespace: dict[str, Any] = {}
    if settings_module:
        settings_file = finder.resolve(settings_module)
        if settings_file is not None:
            namespace = _Interpreter(context, finder, project_dir).run_module(settings_file)

    wsgi = _application(namespace.get("WSGI_APPLICATION"), finder, entry_points, "wsgi",
                        settings_module)
    asgi = _application(namespace.get("ASGI_APPLICATION"), finder, entry_points, "asgi",
                        settings_module)

    return DjangoProject(
        root=context,
        manage_py=manage_py,
        settings_module=settings_module,
        wsgi_application=wsgi,
        asgi_application=asgi,
        installed_apps=_installed_apps(namespace.get("INSTALLED_APPS")),
        static_root=_context_path(namespace.get("STATIC_ROOT"), project_dir),
        media_root=_context_path(namespace.get("MEDIA_ROOT"), project_dir),
        sqlite_path=_sqlite_path(namespace.get("DATABASES"), project_dir),
        dependencies=read_dependencies(context, project_dir, dockerfile_text=dockerfile_text),
    )


def find_manage_py(context: Path) -> str | None:
    """Context-relative path of manage.py: the root first, then up to three directories deep.

    The shallowest one wins; among equals one that sets DJANGO_SETTINGS_MODULE is preferred, since
    stray manage.py files in docs or templates usually do not.
    """
    if (context / "manage.py").is_file():
        return "manage.py"
    found: list[tuple[int, bool, str]] = []
    for rel, depth in _walk_dirs(context, max_depth=3):
        if rel == ".":
            continue
        candidate = context / rel / "manage.py"
        if candidate.is_file():
            text = _read_source(candidate) or ""
            found.append((depth, "DJANGO_SETTINGS_MODULE" not in text, f"{rel}/manage.py"))
    return min(found)[2] if found else None


# -- discovering files -----------------------------------------------------------------------


def _walk_dirs(context: Path, max_depth: int) -> Iterator[tuple[str, int]]:
    """Context-relative directories breadth first, skipping virtualenvs, caches and VCS dirs."""
    queue: list[tuple[Path, str, int]] = [(context, ".", 0)]
    while queue:
        path, rel, depth = queue.pop(0)
        yield rel, depth
        if depth >= max_depth:
            continue
        try:
            children = sorted(p for p in path.iterdir() if p.is_dir() and not p.is_symlink())
        except OSError:
            continue
        for child in children:
            if _skipped_dir(child):
                continue
            child_rel = child.name if rel == "." else f"{rel}/{child.name}"
            queue.append((child, child_rel, depth + 1))


def _skipped_dir(path: Path) -> bool:
    name = path.name
    if name.startswith(".") or name in _SKIP_DIRS or name.endswith((".egg-info", ".dist-info")):
        return True
    # Any virtualenv, whatever it is called, has a pyvenv.cfg at its root.
    return (path / "pyvenv.cfg").exists()


def _read_source(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_SOURCE_BYTES:
            return None
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def _parse(path: Path) -> ast.Module | None:
    source = _read_source(path)
    if source is None:
        return None
    try:
        return ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


@dataclass(frozen=True)
class _EntryPoint:
    rel: str  # context-relative path of the module
    kind: str  # "wsgi" or "asgi"
    attribute: str


def _find_entry_points(context: Path, project_dir: str) -> list[_EntryPoint]:
    """Modules that build a WSGI/ASGI application, under the manage.py directory."""
    found: list[_EntryPoint] = []
    budget = _MAX_WALK_FILES
    base = context if project_dir == "." else context / project_dir
    for rel, _depth in _walk_dirs(base, max_depth=4):
        directory = base if rel == "." else base / rel
        try:
            files = sorted(p for p in directory.iterdir() if p.suffix == ".py" and p.is_file())
        except OSError:
            continue
        for path in files:
            budget -= 1
            if budget < 0:
                return found
            named = path.name in {"wsgi.py", "asgi.py"}
            if not named:
                source = _read_source(path) or ""
                if "get_wsgi_application" not in source and "get_asgi_application" not in source:
                    continue
            module = _parse(path)
            if module is None:
                continue
            file_rel = path.relative_to(context).as_posix()
            found.extend(_entry_points_in(module, file_rel, path.name))
    return found


def _entry_points_in(module: ast.Module, rel: str, filename: str) -> Iterator[_EntryPoint]:
    for statement in module.body:
        if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if not names:
            continue
        called = {
            _dotted(node.func).rsplit(".", 1)[-1]
            for node in ast.walk(statement.value)
            if isinstance(node, ast.Call)
        }
        if "get_asgi_application" in called:
            kind = "asgi"
        elif "get_wsgi_application" in called:
            kind = "wsgi"
        elif filename in {"wsgi.py", "asgi.py"} and "application" in names:
            kind = filename[:4]
        else:
            continue
        for name in names:
            yield _EntryPoint(rel, kind, name)


def _settings_from_entry_files(
    context: Path, manage_py: list[str], entry_points: list[_EntryPoint]
) -> str | None:
    files = manage_py + sorted(
        {e.rel for e in entry_points}, key=lambda r: (not r.endswith("wsgi.py"), r.count("/"), r)
    )
    for rel in files:
        module = _parse(context / rel)
        if module is not None:
            value = _settings_default(module)
            if value:
                return value
    return None


def _settings_default(module: ast.Module) -> str | None:
    """The DJANGO_SETTINGS_MODULE a module sets: setdefault(...), environ[...] = or putenv."""
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and node.args:
            name = _dotted(node.func)
            if name.endswith(("environ.setdefault", "putenv")) and len(node.args) >= 2:
                key, value = node.args[0], node.args[1]
                if _const(key) == "DJANGO_SETTINGS_MODULE":
                    text = _settings_literal(value)
                    if text:
                        return text
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and _dotted(target.value).endswith("environ")
                    and _const(target.slice) == "DJANGO_SETTINGS_MODULE"
                ):
                    text = _settings_literal(node.value)
                    if text:
                        return text
    return None


def _settings_literal(node: ast.expr) -> str | None:
    """A settings module string, also the default of `os.environ.get("X", "proj.settings")`."""
    value = _const(node)
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][\w.]*", value):
        return value
    if isinstance(node, ast.Call) and len(node.args) >= 2:
        return _settings_literal(node.args[1])
    return None


def _settings_from_dockerfile(text: str) -> str | None:
    """DJANGO_SETTINGS_MODULE set by ENV in the final stage: it beats manage.py's default."""
    from optimizer.dockerfile import Dockerfile, DockerfileError

    try:
        dockerfile = Dockerfile.parse(text)
        final = dockerfile.final_stage()
        values = [ins.value for _, ins in dockerfile.iter_stage(final) if ins.keyword == "ENV"]
    except (DockerfileError, ValueError, IndexError, KeyError):
        values = re.findall(r"^\s*ENV\s+(.*)$", text, re.IGNORECASE | re.MULTILINE)
    found: str | None = None
    for value in values:
        match = re.search(r"(?:^|\s)DJANGO_SETTINGS_MODULE(?:=|\s+)[\"']?([A-Za-z_][\w.]*)", value)
        if match:
            found = match.group(1)
    return found


def _application(
    setting: object,
    finder: _ModuleFinder,
    entry_points: list[_EntryPoint],
    kind: str,
    settings_module: str | None,
) -> str | None:
    """The gunicorn/uvicorn target "pkg.wsgi:application", dotted from the manage.py directory."""
    if isinstance(setting, str) and "." in setting:
        module, _, attribute = setting.rpartition(".")
        path = finder.resolve(module)
        if path is not None:
            dotted = finder.dotted(path)
            if dotted:
                return f"{dotted}:{attribute}"
    candidates = [e for e in entry_points if e.kind == kind]
    if not candidates:
        return None
    top = settings_module.split(".", 1)[0] if settings_module else None

    def rank(entry: _EntryPoint) -> tuple[bool, bool, int, str]:
        dotted = finder.dotted_rel(entry.rel) or ""
        return (
            dotted.split(".", 1)[0] != top,
            entry.attribute != "application",
            entry.rel.count("/"),
            entry.rel,
        )

    for entry in sorted(candidates, key=rank):
        dotted = finder.dotted_rel(entry.rel)
        if dotted:
            return f"{dotted}:{entry.attribute}"
    return None


# -- module resolution -----------------------------------------------------------------------


class _ModuleFinder:
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


class _ImportFailed(Exception):
    """A project-relative import could not be resolved (drives `except ImportError:` branches)."""


@dataclass
class _Frame:
    file: Path
    namespace: dict[str, Any] = field(default_factory=dict)
    in_try: int = 0


class _Interpreter:
    def __init__(self, context: Path, finder: _ModuleFinder, project_dir: str) -> None:
        self.context = context
        self.finder = finder
        self.project_dir = project_dir
        self.cache: dict[Path, dict[str, Any]] = {}
        self.running: set[Path] = set()
        self.steps = 0

    # -- modules -----------------------------------------------------------------------------
    def run_module(self, path: Path) -> dict[str, Any]:
        """Evaluate a module; a module already being evaluated (an import cycle) gives nothing."""
        key = path.resolve() if path.exists() else path
        if key in self.cache:
            return copy.deepcopy(self.cache[key])
        if key in self.running:
            return {}
        module = _parse(path)
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
                for name in _assigned_names(node):
                    if name not in ns:
                        ns[name] = UNKNOWN
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
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            ns[node.name] = UNKNOWN

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
        name = _dotted(call.func)
        if name.rsplit(".", 1)[-1] == "include":
            self.exec_split_settings(call, frame)
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

    def exec_split_settings(self, call: ast.Call, frame: _Frame) -> None:
        """django-split-settings: `include("components/*.py", optional("local.py"))`."""
        patterns: list[str] = []
        for arg in call.args:
            if isinstance(arg, ast.Call) and _dotted(arg.func).endswith("optional") and arg.args:
                arg = arg.args[0]
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
                module = _parse(path)
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
            if node.level:
                raise _ImportFailed(node.module or ".")
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
            else:
                frame.namespace[alias.asname or alias.name] = imported.get(alias.name, UNKNOWN)

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
        name = _dotted(node)
        if name in {"os.sep", "os.path.sep"}:
            return "/"
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
        name = _dotted(node.func)
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
            if len(node.args) >= 2:
                return self.eval(node.args[1], frame)
            if "default" in kwargs:
                return self.eval(kwargs["default"], frame)
            return None
        if _is_database_url_call(name):
            url_node = kwargs.get("default") or (node.args[0] if node.args else None)
            url = self.eval(url_node, frame) if url_node is not None else UNKNOWN
            if not (isinstance(url, str) and "://" in url) and "default" in kwargs:
                url = self.eval(kwargs["default"], frame)
            if isinstance(url, str) and "://" in url:
                return _database_from_url(url)
            return UNKNOWN
        if "default" in kwargs and (
            short in {"env", "config", "get_env", "get_env_variable", "getenv"}
            or name.startswith(("env.", "environ.", "config."))
        ):
            return self.eval(kwargs["default"], frame)
        if name in {"env.bool", "env.str", "env.int", "env.float", "env.path"}:
            # django-environ takes the default second (for list/dict that slot is the cast).
            return self.eval(node.args[1], frame) if len(node.args) >= 2 else UNKNOWN

        if isinstance(node.func, ast.Attribute):
            receiver = self.eval(node.func.value, frame)
            method = node.func.attr
            if isinstance(receiver, _FsPath):
                return self.eval_path_method(receiver, method, node, frame)
            if isinstance(receiver, str) and method in _STR_METHODS:
                args = [self.eval(a, frame) for a in node.args]
                if all(isinstance(a, str | int) for a in args) and not node.keywords:
                    return getattr(receiver, method)(*args)
            return UNKNOWN
        callee = self.eval(node.func, frame)
        if isinstance(callee, _FsPath):
            # django-environ: root = environ.Path(__file__) - 2; root("static")
            args = [self.eval(a, frame) for a in node.args]
            if all(isinstance(a, str) for a in args):
                return callee.join(*args)
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


_STR_METHODS = frozenset({"replace", "strip", "rstrip", "lstrip", "lower", "upper"})


def _is_database_url_call(name: str) -> bool:
    head, _, short = name.rpartition(".")
    if head.endswith(("dj_database_url", "db_url")):
        return short in {"config", "parse", "get"}
    return short in {"db", "db_url", "database_url"} and head in {"env", "environ", "environ.Env"}


def _database_from_url(url: str) -> dict[str, Any]:
    """The Django DATABASES entry a database URL describes (only what we read from it)."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme in {"sqlite", "spatialite"}:
        # sqlite:///relative.db and sqlite:////absolute.db, as dj-database-url reads them.
        name = rest[1:] if rest.startswith("/") else rest
        name = name.split("?", 1)[0]
        engine = (
            "django.db.backends.sqlite3"
            if scheme == "sqlite"
            else "django.contrib.gis.db.backends.spatialite"
        )
        return {"ENGINE": engine, "NAME": name or ":memory:"}
    return {"ENGINE": scheme}


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


def _dotted(node: ast.expr) -> str:
    """`os.path.join` for an attribute chain, '' for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _const(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else None


# -- turning settings values into facts ------------------------------------------------------


def _installed_apps(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(dict.fromkeys(v for v in value if isinstance(v, str)))


def _context_path(value: object, project_dir: str) -> str | None:
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


def _sqlite_path(value: object, project_dir: str) -> str | None:
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
    return _context_path(name, project_dir)
