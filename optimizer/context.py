"""Typed facts about the Django project that transforms receive.

Everything here is read from the files (ast/libcst, TOML, requirement files) without importing or
running the project: the project may need a database, secrets or packages we do not have.
`optimizer.project.inspect_project` fills these in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

Manager = Literal["pip", "poetry", "pipenv", "uv", "pdm", "pep621", "none"]


@dataclass(frozen=True)
class Dependencies:
    """What the project depends on and which files declare it.

    `manifest_files` are context-relative POSIX paths, in a stable order, of every file an install
    reads: requirement files and their `-r`/`-c` includes, Pipfile + Pipfile.lock,
    pyproject.toml + poetry.lock / uv.lock / pdm.lock. Copying exactly these before the install is
    what makes the install layer cacheable.
    """

    manager: Manager = "none"
    manifest_files: tuple[str, ...] = ()
    # PEP 503-normalised distribution names (lower case, runs of -_. become -).
    packages: frozenset[str] = frozenset()
    # An install that needs the project's own source (`.`, `-e .`, a local path, or a
    # pyproject that is itself the package), so it cannot run before `COPY . .`.
    installs_local_source: bool = False
    # Requirements fetched with git (git+https://...), which need git in the build image.
    needs_git: bool = False
    # Exact pins (`Django==2.2.10`, a lock file's versions) as (normalised name, version).
    pins: tuple[tuple[str, str], ...] = ()
    # Version ranges as written (`>=3.0,<4.0`, `^3.2`) of the names not pinned exactly.
    ranges: tuple[tuple[str, str], ...] = ()

    def has(self, name: str) -> bool:
        return normalize_name(name) in self.packages

    def pin(self, name: str) -> str | None:
        """The version `name` is pinned to exactly, or None."""
        wanted = normalize_name(name)
        return next((version for pinned, version in self.pins if pinned == wanted), None)

    def version_spec(self, name: str) -> str | None:
        """What the project asks of `name`'s version: `==2.2.10` for a pin, the range as
        written (`>=3.0,<4.0`), or None when it says nothing."""
        pinned = self.pin(name)
        if pinned is not None:
            return f"=={pinned}"
        wanted = normalize_name(name)
        return next((spec for ranged, spec in self.ranges if ranged == wanted), None)


@dataclass(frozen=True)
class DjangoProject:
    """The Django project inside a build context. Paths are context-relative POSIX strings."""

    root: Path
    manage_py: str | None = None
    settings_module: str | None = None
    # Context-relative file of the settings module, None when it is not in the context.
    settings_file: str | None = None
    # gunicorn-style "package.wsgi:application" / "package.asgi:application".
    wsgi_application: str | None = None
    asgi_application: str | None = None
    installed_apps: tuple[str, ...] = ()
    static_root: str | None = None
    media_root: str | None = None
    # sqlite database file path relative to the context, when the default database is sqlite.
    sqlite_path: str | None = None
    # Other directories Django writes at run time (a file-based cache, a FileSystemStorage's
    # location, file sessions, upload temp files, file e-mail): settings.runtime_dirs.
    runtime_dirs: tuple[str, ...] = ()
    # django-compressor's output directory (COMPRESS_ROOT/COMPRESS_OUTPUT_DIR), also under
    # COMPRESS_OFFLINE, where `manage.py compress` writes it: a run-time write when the start
    # runs that command.
    compress_output: str | None = None
    dependencies: Dependencies = field(default_factory=Dependencies)
    # Database backends of DATABASES, default first: the ENGINE's last component
    # ("postgresql", "postgis", "mysql", "sqlite3", ...), also from a DATABASE_URL default.
    database_engines: tuple[str, ...] = ()
    # Environment variables the settings read (os.environ/getenv, django-environ, decouple), in
    # the order they are read; verify sets the URL ones (DATABASE_URL, REDIS_URL...) it provides.
    env_vars: tuple[str, ...] = ()
    # Literal hosts of ALLOWED_HOSTS (their default when read from the environment); "*" kept.
    allowed_hosts: tuple[str, ...] = ()
    # Redis in CACHES, CELERY_BROKER_URL / CELERY_RESULT_BACKEND, CHANNEL_LAYERS or a REDIS_URL.
    uses_redis: bool = False
    root_urlconf: str | None = None
    # Literal paths routed by the root URLconf (no converters, no regex groups), e.g. "/healthz/".
    url_paths: tuple[str, ...] = ()
    # Literal paths of Channels' websocket routes (`websocket_urlpatterns`), e.g. "/ws/chat/".
    websocket_paths: tuple[str, ...] = ()
    # Where the root URLconf mounts the admin ("/secret-admin/"), when it is not "/admin/":
    # a literal route, or a setting's value (cookiecutter-django's `settings.ADMIN_URL`).
    admin_path: str | None = None
    # Context-relative settings files that could not be parsed; reported, never silently skipped.
    unreadable_settings: tuple[str, ...] = ()
    # Path settings assigned a value that could not be read or mapped into the context
    # ("MEDIA_ROOT", "STATIC_ROOT", "DATABASES NAME" for sqlite): where the app writes is unknown.
    unresolved_settings: tuple[str, ...] = ()

    @property
    def is_django(self) -> bool:
        return self.manage_py is not None or self.settings_module is not None

    @property
    def admin_installed(self) -> bool:
        return "django.contrib.admin" in self.installed_apps

    @property
    def project_dir(self) -> str:
        """Directory holding manage.py ("." for the context root)."""
        if self.manage_py is None:
            return "."
        parent = str(Path(self.manage_py).parent)
        return parent if parent else "."


def normalize_name(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def manifest_dirs(project_dir: str) -> list[str]:
    """Where a project keeps its manifests (requirements, pyproject.toml, .python-version...),
    in the order they count: the context root, each directory on the way down, then
    `project_dir` (manage.py's directory), as context-relative POSIX paths ("." the root).
    Monorepos keep them at the root, a backend folder (`backend/requirements.txt` beside
    `backend/src/manage.py`) or beside manage.py; a path leaving the context is the root's alone."""
    parts = PurePosixPath(project_dir).parts if project_dir not in {"", "."} else ()
    if not parts or parts[0] in {"/", ".."} or ".." in parts:
        return ["."]
    return ["."] + ["/".join(parts[: i + 1]) for i in range(len(parts))]
