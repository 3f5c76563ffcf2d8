"""Find the Django project in a build context and what its settings say, without running it.

The settings module comes from the Dockerfile's ENV, manage.py / wsgi.py / asgi.py
(`setdefault`, `environ[...] =`), a `--settings` flag in the Dockerfile, or the project's pytest
configuration; when none names it, from the module that defines INSTALLED_APPS (a settings
package's base). Its values are read by `optimizer.settings`, a side-effect-free interpreter.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from optimizer.context import DjangoProject
from optimizer.deps import final_python, read_dependencies
from optimizer.settings import (
    ModuleFinder,
    admin_route,
    allowed_hosts,
    compress_output,
    const,
    context_path,
    database_engines,
    dotted,
    installed_apps,
    parse,
    read_settings,
    read_source,
    runtime_dirs,
    sqlite_path,
    unresolved_paths,
    url_paths,
    uses_redis,
    websocket_paths,
)
from optimizer.sources import python_sources

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
_MAX_WALK_FILES = 5_000


def inspect_project(
    context: Path,
    dockerfile_text: str | None = None,
    settings_module: str | None = None,
    run_environ: dict[str, str] | None = None,
) -> DjangoProject:
    """Everything the transforms need to know about the Django project inside `context`.

    `settings_module`: the DJANGO_SETTINGS_MODULE the container is known to run with from
    outside the Dockerfile (a compose service's environment, `--env`); it beats every guess.
    `run_environ`: that environment, over the image's ENV, for the values the settings read."""
    context = Path(context)
    manage_py = find_manage_py(context)
    project_dir = (posixpath.dirname(manage_py) or ".") if manage_py else "."
    finder = ModuleFinder(context, project_dir)

    if settings_module is None and dockerfile_text:
        settings_module = _settings_from_dockerfile(dockerfile_text)
    if settings_module is None and dockerfile_text:
        # `--settings` on the command the container runs beats every default.
        settings_module = _settings_flag(dockerfile_text, runtime=True)
    if settings_module is None and dockerfile_text:
        settings_module = _settings_from_uwsgi_ini(context, project_dir, dockerfile_text)
    entry_points = _find_entry_points(context, project_dir)
    if settings_module is None:
        settings_module = _settings_from_entry_files(
            context, [manage_py] if manage_py else [], entry_points
        )
    if settings_module is None and dockerfile_text:
        settings_module = _settings_flag(dockerfile_text)
    if settings_module is None:
        settings_module = _settings_from_test_config(context, project_dir)
    if settings_module is None and manage_py is not None:
        settings_module = _settings_by_definition(context, project_dir, finder)

    namespace: dict[str, Any] = {}
    env_vars: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()
    settings_file: str | None = None
    if settings_module:
        path = finder.resolve(settings_module)
        if path is None and manage_py is not None:
            # Named but not in the context (a local.py or config.py made at deploy time, most
            # often importing a committed base): read the module that defines the settings.
            stand_in = _settings_by_definition(context, project_dir, finder)
            path = finder.resolve(stand_in) if stand_in else None
        if path is not None:
            settings_file = path.relative_to(context).as_posix()
            environ = _image_environ(dockerfile_text) if dockerfile_text else {}
            environ.update(run_environ or {})
            settings = read_settings(context, finder, project_dir, path, environ)
            namespace, env_vars, unreadable = (
                settings.namespace, settings.env_vars, settings.unreadable
            )

    wsgi = _application(namespace.get("WSGI_APPLICATION"), finder, entry_points, "wsgi",
                        settings_module)
    asgi = _application(namespace.get("ASGI_APPLICATION"), finder, entry_points, "asgi",
                        settings_module)
    urlconf = namespace.get("ROOT_URLCONF")
    root_urlconf = urlconf if isinstance(urlconf, str) and urlconf else None

    dependencies = read_dependencies(context, project_dir, dockerfile_text=dockerfile_text)
    return DjangoProject(
        root=context,
        manage_py=manage_py,
        settings_module=settings_module,
        settings_file=settings_file,
        wsgi_application=wsgi,
        asgi_application=asgi,
        installed_apps=installed_apps(namespace.get("INSTALLED_APPS")),
        static_root=context_path(namespace.get("STATIC_ROOT"), project_dir),
        media_root=context_path(namespace.get("MEDIA_ROOT"), project_dir),
        sqlite_path=sqlite_path(namespace.get("DATABASES"), project_dir),
        runtime_dirs=runtime_dirs(namespace, project_dir),
        compress_output=compress_output(namespace, project_dir),
        dependencies=dependencies,
        database_engines=database_engines(namespace.get("DATABASES")),
        env_vars=env_vars,
        allowed_hosts=allowed_hosts(namespace.get("ALLOWED_HOSTS")),
        uses_redis=uses_redis(namespace, env_vars),
        root_urlconf=root_urlconf,
        url_paths=url_paths(finder, root_urlconf) if root_urlconf else (),
        # Channels' routes, which verify's websocket probe opens: only Channels routes them.
        websocket_paths=websocket_paths(python_sources(
            context / project_dir, keep_file=lambda p: "routing" in p.name or p.name == "asgi.py"
        )) if dependencies.has("channels") else (),
        admin_path=_admin_path(finder, root_urlconf, namespace) if root_urlconf else None,
        unreadable_settings=unreadable,
        unresolved_settings=unresolved_paths(namespace, project_dir),
    )


def settings_namespace(
    project: DjangoProject, dockerfile_text: str, environ: dict[str, str]
) -> dict[str, Any] | None:
    """The settings as the running container sees them: evaluated with the image's ENV and
    `environ` (the variables the container is started with) over it; None when they are not
    in the context."""
    if project.settings_file is None:
        return None
    context = Path(project.root)
    path = context / project.settings_file
    if not path.is_file():
        return None
    finder = ModuleFinder(context, project.project_dir)
    image = _image_environ(dockerfile_text) if dockerfile_text else {}
    return read_settings(context, finder, project.project_dir, path, {**image, **environ}).namespace


def _admin_path(finder: ModuleFinder, urlconf: str, namespace: dict[str, Any]) -> str | None:
    """"/secret/" when the root URLconf mounts the admin there (a literal route, or a setting
    whose value the settings give); None for "admin/" or when it is not known."""
    found = admin_route(finder, urlconf)
    if found is None:
        return None
    kind, value = found
    route = value if kind == "route" else namespace.get(value)
    if not isinstance(route, str) or "<" in route or route.strip("/") in ("", "admin"):
        return None
    return "/" + route.strip("/") + "/"


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
            text = read_source(candidate) or ""
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
                source = read_source(path) or ""
                if "get_wsgi_application" not in source and "get_asgi_application" not in source:
                    continue
            module = parse(path)
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
            dotted(node.func).rsplit(".", 1)[-1]
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
        module = parse(context / rel)
        if module is not None:
            value = _settings_default(module)
            if value:
                return value
    return None


def _settings_default(module: ast.Module) -> str | None:
    """The DJANGO_SETTINGS_MODULE a module sets: setdefault(...), environ[...] = or putenv."""
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and node.args:
            name = dotted(node.func)
            if name.endswith(("environ.setdefault", "putenv")) and len(node.args) >= 2:
                key, value = node.args[0], node.args[1]
                if const(key) == "DJANGO_SETTINGS_MODULE":
                    text = _settings_literal(value)
                    if text:
                        return text
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and dotted(target.value).endswith("environ")
                    and const(target.slice) == "DJANGO_SETTINGS_MODULE"
                ):
                    text = _settings_literal(node.value)
                    if text:
                        return text
    return None


def _settings_literal(node: ast.expr) -> str | None:
    """A settings module string, also the default of `os.environ.get("X", "proj.settings")`."""
    value = const(node)
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][\w.]*", value):
        return value
    if isinstance(node, ast.Call) and len(node.args) >= 2:
        return _settings_literal(node.args[1])
    return None


def image_environ(text: str) -> dict[str, str]:
    return _image_environ(text)


def _image_environ(text: str) -> dict[str, str]:
    """Variables the final stage sets with ENV: at run time the settings read these, not the
    defaults (`ENV MEDIA_ROOT=/data/media` moves the uploads). Values built from other
    variables are left out."""
    from optimizer.dockerfile import Dockerfile, DockerfileError, env_pairs

    try:
        dockerfile = Dockerfile.parse(text)
        final = dockerfile.final_stage()
    except (DockerfileError, ValueError, IndexError):
        return {}
    environ: dict[str, str] = {}
    for _, ins in dockerfile.iter_stage(final):
        if ins.keyword == "ENV":
            for key, value in env_pairs(ins.value):
                if "$" in value:
                    environ.pop(key, None)
                else:
                    environ[key] = value
    return environ


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


_SETTINGS_FLAG = re.compile(r"--settings[=\s]+[\"']?([A-Za-z_][\w.]*)")


def _settings_flag(text: str, runtime: bool = False) -> str | None:
    """`manage.py ... --settings=proj.settings.prod` in the Dockerfile's commands (only CMD and
    ENTRYPOINT when `runtime`); the last one wins, as the last CMD does."""
    if runtime:
        from optimizer.dockerfile import Dockerfile, DockerfileError

        try:
            dockerfile = Dockerfile.parse(text)
            final = dockerfile.final_stage()
        except (DockerfileError, ValueError, IndexError):
            return None
        text = "\n".join(
            ins.value for _, ins in dockerfile.iter_stage(final)
            if ins.keyword in {"CMD", "ENTRYPOINT"}
        )
    found = _SETTINGS_FLAG.findall(text)
    return found[-1] if found else None


_INI_NAME = re.compile(r"[\w./-]{1,200}\.ini\b")
_INI_ENV = re.compile(r"^\s*env\s*=\s*DJANGO_SETTINGS_MODULE\s*=\s*([A-Za-z_][\w.]*)", re.MULTILINE)


def _settings_from_uwsgi_ini(context: Path, project_dir: str, dockerfile_text: str) -> str | None:
    """`env = DJANGO_SETTINGS_MODULE=...` in the uwsgi ini file the Dockerfile names: uwsgi sets
    it before the app loads, so it beats manage.py's and wsgi.py's defaults."""
    if "uwsgi" not in dockerfile_text:
        return None
    for name in dict.fromkeys(_INI_NAME.findall(dockerfile_text)):
        # An image path (/app/deploy/uwsgi.ini): try each tail of it in the context.
        parts = name.lstrip("/").split("/")
        tails = ["/".join(parts[i:]) for i in range(len(parts))]
        candidates = tails + [f"{project_dir}/{t}" for t in tails]
        for candidate in dict.fromkeys(candidates):
            text = read_source(context / candidate)
            if text:
                match = _INI_ENV.search(text)
                if match:
                    return match.group(1)
    return None


def _settings_from_test_config(context: Path, project_dir: str) -> str | None:
    """DJANGO_SETTINGS_MODULE in pytest-django's configuration (pytest.ini, setup.cfg, tox.ini,
    pyproject.toml): projects whose manage.py leaves it to the environment often name it there."""
    for directory in dict.fromkeys([project_dir, "."]):
        for name, section in (
            ("pytest.ini", "pytest"),
            ("setup.cfg", "tool:pytest"),
            ("tox.ini", "pytest"),
        ):
            text = read_source(context / directory / name)
            if not text or "DJANGO_SETTINGS_MODULE" not in text:
                continue
            import configparser  # only when such a file names the settings

            parser = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                parser.read_string(text)
            except configparser.Error:
                continue
            value = parser.get(section, "DJANGO_SETTINGS_MODULE", fallback=None)
            if value and re.fullmatch(r"[A-Za-z_][\w.]*", value.strip()):
                return value.strip()
        text = read_source(context / directory / "pyproject.toml")
        if text and "DJANGO_SETTINGS_MODULE" in text:
            import tomllib

            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                continue
            options = data.get("tool", {}).get("pytest", {}).get("ini_options", {})
            value = options.get("DJANGO_SETTINGS_MODULE") if isinstance(options, dict) else None
            if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][\w.]*", value):
                return value
    return None


def _settings_by_definition(context: Path, project_dir: str, finder: ModuleFinder) -> str | None:
    """The module that defines the settings, when nothing names it: a module under the manage.py
    directory that assigns INSTALLED_APPS (and DATABASES). Inside a settings package, the package
    itself when its `__init__` imports them, else that module (the package's base). Test and
    documentation settings rank last."""
    base = context if project_dir == "." else context / project_dir
    candidates: list[tuple[tuple[int, int, int, int, str], str]] = []
    budget = _MAX_WALK_FILES
    for rel, _depth in _walk_dirs(base, max_depth=3):
        directory = base if rel == "." else base / rel
        try:
            files = sorted(p for p in directory.iterdir() if p.suffix == ".py" and p.is_file())
        except OSError:
            continue
        for path in files:
            budget -= 1
            if budget < 0:
                break
            source = read_source(path) or ""
            if "INSTALLED_APPS" not in source:
                continue
            module = parse(path)
            if module is None:
                continue
            defined = _top_level_names(module)
            if "INSTALLED_APPS" not in defined:
                continue
            dotted = finder.dotted(path)
            if dotted is None:
                continue
            parts = dotted.split(".")
            testish = any(
                p.startswith("test") or p in {"docs", "doc", "example", "examples"}
                for p in parts
            )
            package = path.parent / "__init__.py"
            if path.name != "__init__.py" and package.is_file() and len(parts) > 1:
                init = parse(package)
                imports = init is not None and any(
                    isinstance(n, ast.ImportFrom) for n in init.body
                )
                if imports:
                    dotted = ".".join(parts[:-1])
            name_rank = {"settings": 0, "base": 1, "common": 2}.get(parts[-1], 3)
            candidates.append(
                (
                    (
                        int(testish),
                        int("DATABASES" not in defined),
                        name_rank,
                        len(parts),
                        dotted,
                    ),
                    dotted,
                )
            )
    return min(candidates)[1] if candidates else None


def _top_level_names(module: ast.Module) -> set[str]:
    names: set[str] = set()
    for statement in module.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = list(statement.targets)
        elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
            targets = [statement.target]
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _application(
    setting: object,
    finder: ModuleFinder,
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




def served_settings_paths(context: Path, dockerfile_text: str | None = None) -> list[str]:
    """Context paths MEDIA_ROOT, STATIC_ROOT and the sqlite file take in the settings module the
    WSGI/ASGI entry point defaults to, when it is not the one manage.py names.

    gunicorn/uwsgi/daphne load wsgi.py/asgi.py, whose `setdefault` often names other settings
    than manage.py's (cookiecutter-django: `local` vs `production`); the served app writes
    where those say. Empty when the image's ENV or a `--settings` flag decides for both, or
    the module cannot be read."""
    context = Path(context)
    if dockerfile_text and (
        _settings_from_dockerfile(dockerfile_text) or _settings_flag(dockerfile_text, True)
    ):
        return []
    manage_py = find_manage_py(context)
    project_dir = (posixpath.dirname(manage_py) or ".") if manage_py else "."
    entry_points = _find_entry_points(context, project_dir)
    managed = _settings_from_entry_files(context, [manage_py] if manage_py else [], [])
    served = _settings_from_entry_files(context, [], entry_points)
    if not served or served == managed:
        return []
    finder = ModuleFinder(context, project_dir)
    path = finder.resolve(served)
    if path is None:
        return []
    environ = _image_environ(dockerfile_text) if dockerfile_text else {}
    settings = read_settings(context, finder, project_dir, path, environ)
    if settings.unreadable:
        return []
    namespace = settings.namespace
    found = [
        context_path(namespace.get("MEDIA_ROOT"), project_dir),
        context_path(namespace.get("STATIC_ROOT"), project_dir),
    ]
    database = sqlite_path(namespace.get("DATABASES"), project_dir)
    if database:
        found.append(posixpath.dirname(database) or ".")
    return [p for p in found if p]


def with_image_python(
    project: DjangoProject, context: Path, before: str, after: str
) -> DjangoProject:
    """The project with its dependencies read again against the Dockerfile `after`, when the
    final stage's Python differs from `before`'s; else the project as it is.

    Which exact pins build from source depends on the image's Python: an earlier transform
    that gives a floating `FROM python:latest` its version (pin-python: 3.10, from the Pipfile)
    changes it. cquentin48/Docker-nginx-django-react-template's backend pins cffi 1.15.1, which
    has wheels for 3.10; judged against `latest` (the newest Python), slim-base installed gcc
    and libffi-dev for a cffi build that does not happen."""
    python = final_python(after)
    if python is None or python == final_python(before):
        return project
    project_dir = (posixpath.dirname(project.manage_py) or ".") if project.manage_py else "."
    return replace(
        project, dependencies=read_dependencies(context, project_dir, dockerfile_text=after)
    )
