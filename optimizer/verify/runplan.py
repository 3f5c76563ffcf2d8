"""How verify runs the app: command, environment, services, pre-step, Host header and probes.

Derived from the command-line flags, the project's compose file (read by Docker Compose, see
optimizer/compose.py) and what the settings read (optimizer/context.py). Deriving is pure: the
plan is data, so every choice below is unit-tested without an engine; verify/services.py and
verify/__init__.py carry it out.

Choices, in order of precedence:
- command: `--cmd`, else the compose service's command/entrypoint (that is how the app is run;
  both sides then run it and the images' own CMD is not exercised, which the notes say), else
  the image's CMD. No CMD, no compose command and no `--cmd`: nothing to run, said so.
- services: the compose service's `depends_on` (transitively), each on a per-side network under
  its compose name, with its compose environment; plus each `--service IMAGE`, named after its
  family (`postgres`, `mysql`, `redis`, `rabbitmq`), whose connection variables (DATABASE_URL,
  DB_HOST, REDIS_URL, CELERY_BROKER_URL...) are set when the settings read them.
- pre-step: `--pre` (empty string: none), else `python manage.py migrate --noinput` when the
  project uses a server database, a service is started for it, and the command does not migrate
  already (a migrate in a throwaway container is lost with sqlite, so sqlite gets none).
- Host header: `--host`, else a host the settings allow (ALLOWED_HOSTS from the environment
  verify sets, else the settings' literals): the first non-wildcard one, "localhost" for "*".
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import posixpath
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer.compose import ComposeProject, Service
from optimizer.context import DjangoProject
from optimizer.dockerfile import (
    Dockerfile,
    Stage,
    engine_ref,
    next_workdir,
    through_stage,
)
from optimizer.ports import port_from_command
from optimizer.verify import hosts

# Database backends that live in a server, so need a service and migrations run into it.
SERVER_DATABASES = frozenset({"postgresql", "postgis", "mysql", "oracle", "cockroachdb"})
MAX_URL_PROBES = 3
MIGRATE = ["python", "manage.py", "migrate", "--noinput"]

# Credentials of the throwaway services `--service` starts (never a real deployment's).
SERVICE_USER = "app"
SERVICE_PASSWORD = "djopt-throwaway"
SERVICE_DB = "app"

# Image family -> (network alias, port its readiness is checked on).
_FAMILIES: dict[str, tuple[str, int]] = {
    "postgres": ("postgres", 5432),
    "mysql": ("mysql", 3306),
    "redis": ("redis", 6379),
    "rabbitmq": ("rabbitmq", 5672),
    "memcached": ("memcached", 11211),
    "mongo": ("mongo", 27017),
    "elasticsearch": ("elasticsearch", 9200),
}


@dataclass(frozen=True)
class ServiceSpec:
    """A throwaway service one side's app talks to."""

    name: str  # network alias: the compose service name, or the image family
    image: str
    environment: dict[str, str] = field(default_factory=dict)
    port: int | None = None  # where readiness is checked (TCP), None: none known
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    # Compose's healthcheck test (["CMD-SHELL", "pg_isready"]), run with docker exec until it
    # succeeds; None when there is none.
    healthcheck: list[str] | None = None
    origin: str = "--service"  # or "compose service NAME"
    # More names the app may use for it: compose `hostname`, `container_name`, network aliases.
    aliases: tuple[str, ...] = ()
    # What its compose file bind-mounts into it from the project (a healthcheck script, an
    # init.sql, a redis.conf): (host path, container path), copied in before it starts.
    files: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "image": self.image, "port": self.port, "origin": self.origin}


@dataclass(frozen=True)
class WorkerSpec:
    """A compose service that runs the app's own image with another command (a Celery worker
    or beat): started beside the app on each side and watched (verify/workers.py)."""

    name: str  # the compose service name
    command: list[str] | None = None  # None: the image's CMD
    entrypoint: list[str] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    working_dir: str | None = None
    # The app `depends_on` it with `condition: service_completed_successfully` (a one-shot
    # `migrate` service): compose runs it to completion before the app starts, so verify does
    # too; run beside the app instead, two migrates would race on an empty database.
    first: bool = False
    # Its compose `restart:` (always, unless-stopped, on-failure[:N]): under compose the engine
    # starts it again when it exits, so a beat that crashes on a table the app's migrate has
    # not made yet runs once the migrate is done; verify applies the same policy.
    restart: str | None = None
    # Seconds a start script its command runs sleeps before the daemon (`sleep 10` to wait
    # for the database): it is watched that much longer.
    script_sleep: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "command": self.command,
            "entrypoint": self.entrypoint,
            "first": self.first,
            "restart": self.restart,
        }


@dataclass(frozen=True)
class RunPlan:
    # None: the image's own (CMD / ENTRYPOINT).
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    command_source: str = "image"
    # The compose service's working_dir (`docker run -w`), None: the image's WORKDIR.
    working_dir: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    pre: list[str] | None = None
    pre_source: str = "none"
    # The pre-step's entrypoint when it cannot be the app's: [""] (none) when that entrypoint
    # does not run its arguments; None: the app's (the command's or the image's).
    pre_entrypoint: list[str] | None = None
    host: str = "localhost"
    host_source: str = "default"
    probes: tuple[str, ...] = ("/",)
    # Container port of the app when the plan knows it (from its command or compose `ports`).
    port: int | None = None
    services: tuple[ServiceSpec, ...] = ()
    # Compose services built from this Dockerfile besides the app (celery worker, beat).
    workers: tuple[WorkerSpec, ...] = ()
    notes: tuple[str, ...] = ()
    # Why nothing can be proven before anything is built (no command to run, say).
    blockers: tuple[str, ...] = ()
    # The compose service's bind mounts verify dropped ("./src:/app"): the code the app runs
    # in compose but not in the image, when the image does not COPY it.
    dropped_mounts: tuple[str, ...] = ()
    # Committed env templates read in place of missing env files, and the variables they leave
    # empty (SECRET_KEY=, POSTGRES_PASSWORD=): placeholders, not values a project runs with.
    templates: tuple[str, ...] = ()
    blank_template_values: tuple[str, ...] = ()
    # (template, the missing env file it stood for) when that file is not `.env` beside it.
    template_copies: tuple[tuple[str, str], ...] = ()
    # Variables the compose file itself sets empty (`POSTGRES_PASSWORD=`), and its file names.
    compose_blank_values: tuple[str, ...] = ()
    compose_files: tuple[str, ...] = ()
    # The app service's compose healthcheck, which replaces the image's HEALTHCHECK under
    # compose: its source ("compose service web") when compose sets one or disables it (test
    # None then); source None: the image's own runs.
    app_healthcheck: tuple[str, ...] | None = None
    app_healthcheck_source: str | None = None
    # Database/redis/broker hosts the app is pointed at that no container under verify reaches
    # (host.docker.internal, localhost), with where each is set; and the sentence saying so.
    unreachable_hosts: tuple[str, ...] = ()
    unreachable_hint: str | None = None
    # The app service's `build:` args and target: both sides are built as compose builds them
    # (EMenu124ru's MODE arg chose poetry's groups; a target picks the stage that runs).
    build_args: dict[str, str] = field(default_factory=dict)
    build_target: str | None = None
    # Why Django will refuse the Host header verify sends (ALLOWED_HOSTS as the app runs
    # here does not allow it), said under a 400; None when it allows it or is not known.
    refused_host_hint: str | None = None

    def template_hint(self) -> str | None:
        """Why an original may not run at all here: the env template it was given is a form
        to fill in (CR_8_Docker's .env.sample: every value empty, so Postgres refused to start
        and Django had no SECRET_KEY)."""
        if not self.templates or not self.blank_template_values:
            return None
        names = list(self.blank_template_values)
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        first = self.templates[0]
        target = dict(self.template_copies).get(first) or Path(first).with_name(".env").as_posix()
        return (
            f"{' and '.join(self.templates)} (read in place of the missing env file) "
            f"leave{'s' if len(self.templates) == 1 else ''} {shown} empty: "
            f"`cp {first} {target}` and fill {'it' if len(names) == 1 else 'them'} in "
            "before verifying"
        )

    def compose_blank_hint(self) -> str | None:
        """Why an original may not run at all here: the compose file writes the values empty
        itself (a form to fill in there), so no env file or template can fill them."""
        if not self.compose_blank_values:
            return None
        names = list(self.compose_blank_values)
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        return (
            f"{' and '.join(self.compose_files) or 'the compose file'} itself sets {shown} "
            "empty (`KEY=` with no value), which no env file fills: write the values there "
            "before verifying"
        )

    def mount_hint(self) -> str | None:
        """Why an original that runs under compose may not run here: the code came from a
        bind mount verify drops."""
        if not self.dropped_mounts:
            return None
        return (
            f"compose bind-mounts {', '.join(self.dropped_mounts)} into the app; verify runs "
            "the image as built, without it: an image that does not COPY the code there cannot "
            "run as compose runs it"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "entrypoint": self.entrypoint,
            "command_source": self.command_source,
            "working_dir": self.working_dir,
            "env_keys": sorted(self.env),  # names only: compose environments hold secrets
            "pre": self.pre,
            "pre_source": self.pre_source,
            "pre_entrypoint": self.pre_entrypoint,
            "host": self.host,
            "host_source": self.host_source,
            "probes": list(self.probes),
            "port": self.port,
            "services": [s.to_dict() for s in self.services],
            "workers": [w.to_dict() for w in self.workers],
            "notes": list(self.notes),
            "blockers": list(self.blockers),
            "dropped_mounts": list(self.dropped_mounts),
            "templates": list(self.templates),
            "blank_template_values": list(self.blank_template_values),
            "app_healthcheck": list(self.app_healthcheck) if self.app_healthcheck else None,
            "app_healthcheck_source": self.app_healthcheck_source,
            "unreachable_hosts": list(self.unreachable_hosts),
            "build_args": sorted(self.build_args),  # names only, as env_keys
            "build_target": self.build_target,
        }


def literal_blanks(files: tuple[Path, ...] | list[Path], names: list[str]) -> list[str]:
    """Of `names`, those a compose file writes with an empty value itself (`- KEY=`,
    `[KEY=, ...]`, `KEY: ""`), as opposed to an empty `${KEY}` interpolated from an env file
    or a template. Unreadable files count as saying nothing."""
    text = ""
    for path in files:
        try:
            text += path.read_text(encoding="utf-8", errors="replace") + "\n"
        except OSError:
            continue
    found: list[str] = []
    for name in names:
        key = re.escape(name)
        listed = re.search(
            rf"(?:^|[\s\[,\-])[\"']?{key}=[ \t]*[\"']?[ \t]*(?=[\],#\n]|$)", text, re.M
        )
        mapped = re.search(
            rf"^[ \t]*[\"']?{key}[\"']?[ \t]*:[ \t]*(?:\"\"|'')[ \t]*(?:#.*)?$", text, re.M
        )
        if listed or mapped:
            found.append(name)
    return found


def split_command(text: str) -> list[str]:
    """A command line as the user typed it: exec form when it is plain words, `sh -c` when it
    uses the shell (&&, pipes, redirections, variables), as Docker's shell form would."""
    if any(ch in text for ch in "&|;<>$`*?(){}\n") or "~" in text:
        return ["/bin/sh", "-c", text]
    try:
        return shlex.split(text)
    except ValueError:
        return ["/bin/sh", "-c", text]


def family(image: str) -> str | None:
    """postgres/mysql/redis/... for an image reference, from its repository's last component."""
    repo = image.rsplit("@", 1)[0]
    last = repo.rsplit("/", 1)[-1]
    name = last.split(":", 1)[0].lower()
    if "postgis" in name or "postgres" in name or "timescale" in name:
        return "postgres"
    if "mysql" in name or "mariadb" in name or "percona" in name:
        return "mysql"
    if "redis" in name or "valkey" in name or "keydb" in name or "dragonfly" in name:
        return "redis"
    for known in ("rabbitmq", "memcached", "mongo", "elasticsearch"):
        if known in name:
            return known
    return None


def _declared_args(dockerfile_text: str) -> dict[str, str] | None:
    """Every ARG the Dockerfile declares, with its default ("" when none); None when it cannot
    be read."""
    try:
        parsed = Dockerfile.parse(dockerfile_text)
    except Exception:
        return None
    declared: dict[str, str] = {}
    for ins in parsed.instructions:
        if ins.keyword != "ARG":
            continue
        try:
            words = shlex.split(ins.value)
        except ValueError:
            return None
        for word in words:
            name, _, default = word.partition("=")
            declared.setdefault(name, default)
    return declared


def _same_build_args(
    one: Mapping[str, str], other: Mapping[str, str], dockerfile_text: str
) -> bool:
    """Do two compose services' build args make the same image of this Dockerfile? Compared
    as the build sees them: an arg the Dockerfile does not declare changes nothing, and one
    left out takes the ARG's default. EMenu124ru's workers give `MODE: "--with dev"` and the
    app also `APP_HOME: "/server"`, the Dockerfile's own default: the same image, yet its
    worker, beat and flower were "another image, not started"."""
    if dict(one) == dict(other):
        return True
    declared = _declared_args(dockerfile_text)
    if declared is None:
        return False
    return all(
        one.get(name, default) == other.get(name, default) for name, default in declared.items()
    )


def image_command(dockerfile_text: str) -> tuple[list[str] | None, list[str] | None, bool]:
    """(CMD, ENTRYPOINT, has either) of the final stage, following `FROM <earlier stage>`."""
    try:
        parsed = Dockerfile.parse(dockerfile_text)
    except Exception:  # an unparseable Dockerfile is the pipeline's to report, not ours
        return None, None, True
    stages = parsed.stages()
    by_name = {s.name: s for s in stages if s.name}
    stage = stages[-1] if stages else None
    cmd: list[str] | None = None
    entrypoint: list[str] | None = None
    found = False
    seen: set[int] = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        for _, ins in parsed.iter_stage(stage):
            if ins.keyword in ("CMD", "ENTRYPOINT"):
                found = True
                value = ins.exec_form or ["/bin/sh", "-c", ins.args]
                if ins.keyword == "CMD" and cmd is None:
                    cmd = value
                if ins.keyword == "ENTRYPOINT" and entrypoint is None:
                    entrypoint = value
        if found:
            break
        stage = by_name.get(stage.base)
    return cmd, entrypoint, found


# What a Host header may hold (Django's host validation: a name, an IPv4 or a bracketed IPv6
# address, an optional port); anything else is not one host ("a|b" is two, joined).
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")


def host_from_allowed(hosts: tuple[str, ...] | list[str]) -> str | None:
    """The first literal host of ALLOWED_HOSTS: ".example.com" -> "example.com"; "*",
    wildcards and values that are no host name ("a|b") skipped; None when there is none."""
    for raw in hosts:
        host = raw.strip().strip("\"'")
        if not host or "*" in host or not set(host) <= _HOST_CHARS:
            continue
        host = host.lstrip(".")
        if host:
            return host
    return None


def host_allowed(host: str, allowed: list[str], debug: bool) -> bool:
    """Django's own test of a Host header (`validate_host`): "*", the name itself, or a
    ".example.com" pattern for it and its subdomains; with DEBUG on, an empty list allows
    localhost, 127.0.0.1 and [::1]."""
    name = host.lower().rsplit(":", 1)[0] if host.count(":") == 1 else host.lower()
    patterns = allowed or ([".localhost", "127.0.0.1", "[::1]"] if debug else [])
    for pattern in (p.lower() for p in patterns):
        if pattern == "*" or pattern == name:
            return True
        if pattern.startswith(".") and (name.endswith(pattern) or name == pattern[1:]):
            return True
    return False


def refused_host(
    project: DjangoProject, dockerfile_text: str, env: dict[str, str], host: str
) -> str | None:
    """Why Django will answer 400 to every probe: ALLOWED_HOSTS, as the app runs with the
    environment verify gives it, does not allow the Host header verify sends (ducdat147/
    django-boilerplate: `env.list("ALLOWED_HOSTS", default=[])` with DEBUG off, which nothing
    sets: every page 400 on both sides, and the verdict said only "the same error"). Names the
    setting's value, the variable it is read from and what to give; None when the host is
    allowed or the settings cannot be read that far."""
    from optimizer.project import image_environ, settings_namespace

    try:
        namespace = settings_namespace(project, dockerfile_text, env) or {}
    except (OSError, RecursionError):
        return None
    allowed, debug = namespace.get("ALLOWED_HOSTS"), namespace.get("DEBUG", False)
    if not isinstance(allowed, list | tuple) or not all(isinstance(h, str) for h in allowed):
        return None
    if not isinstance(debug, bool) or host_allowed(host, list(allowed), debug):
        return None
    # The variable it comes from: read again with every variable nothing sets marked.
    image = image_environ(dockerfile_text) if dockerfile_text else {}
    unset = {v: hosts.marker(v) for v in project.env_vars if v not in env and v not in image}
    variable: str | None = None
    if unset:
        try:
            marked = settings_namespace(project, dockerfile_text, {**unset, **env}) or {}
        except (OSError, RecursionError):
            marked = {}
        text = repr(marked.get("ALLOWED_HOSTS")).lower()
        by_lower = {v.lower(): v for v in unset}
        if hosts.MARKER in text:
            tail = text.split(hosts.MARKER, 1)[1]
            variable = by_lower.get(re.split(r"[^a-z0-9_]", tail, maxsplit=1)[0])
    if variable is None:
        variable = next(
            (k for k in env if "ALLOWED_HOSTS" in k.upper() and k in project.env_vars), None
        )
    shown = "[" + ", ".join(repr(h) for h in allowed) + "]"
    empty = "allows no host" if not allowed else f"does not allow {host}"
    if variable is not None:
        origin = (
            f"read from {variable}, which nothing sets here"
            if variable in unset
            else f"read from {variable} = {env.get(variable, '')!r}"
        )
        advice = f"give `--env {variable}={host}` (or --host a host it allows)"
    else:
        origin = f"as {project.settings_file or 'the settings'} set it"
        advice = "give --host a host it allows, or allow one in the settings"
    why = " with DEBUG off" if not debug and not allowed else ""
    return (
        f"Django will refuse the Host header {host} verify sends (400 Bad Request): "
        f"ALLOWED_HOSTS is {shown} as the app runs here ({origin}), which {empty}{why}: "
        f"{advice}"
    )


def _allowed_from_env(env: dict[str, str], read: tuple[str, ...] | None) -> list[str] | None:
    """ALLOWED_HOSTS as the environment sets it, when the settings read that variable (`read`:
    the names they read, None when the settings could not be read): a compose file may set
    ALLOWED_HOSTS for settings that hard-code theirs."""
    for key, value in env.items():
        if "ALLOWED_HOSTS" in key.upper() and value.strip():
            if read is not None and key not in read:
                continue
            return [h for h in value.replace(",", " ").split() if h]
    return None


WEBSOCKET_PROBE = "ws:"


def default_probes(project: DjangoProject) -> list[str]:
    probes = ["/"]
    if project.admin_installed:
        # cookiecutter-django mounts it at settings.ADMIN_URL, read from the environment.
        probes.append((project.admin_path or "/admin/") + "login/")
    extra = 0
    for path in project.url_paths:
        if extra >= MAX_URL_PROBES:
            break
        norm = "/" + path.lstrip("/")
        if norm in probes or norm.startswith("/admin/") or "<" in norm or "(" in norm:
            continue
        probes.append(norm)
        extra += 1
    # A websocket handshake on Channels' routes (`ws:` marks it): the ASGI server, the routing
    # and the consumer's connect() (often a Redis channel layer's group_add) answer it.
    probes += [WEBSOCKET_PROBE + path for path in project.websocket_paths]
    return probes


def migrate_command(project: DjangoProject) -> list[str]:
    if project.manage_py in (None, "manage.py"):
        return list(MIGRATE)
    # The image may hold the project at its WORKDIR (COPY src/ .) or below it (COPY . .).
    path = shlex.quote(project.manage_py)
    return [
        "/bin/sh",
        "-c",
        "if [ -f manage.py ]; then exec python manage.py migrate --noinput; "
        f"else exec python {path} migrate --noinput; fi",
    ]


# Runners that start the project's Python in its own environment: `uv run -- manage.py ...`,
# `poetry run python manage.py ...`.
_RUNNERS = {"uv", "poetry", "pipenv", "pdm", "hatch", "rye"}


def _migrate_as_run(command: list[str]) -> list[str] | None:
    """migrate, run by the Python the app's command runs manage.py with, when that is not plain
    `python`: a runner's (`uv run -- manage.py runserver`) or a virtualenv's
    (`/app/.venv/bin/python manage.py runserver`). audricsun/Nephele runs `uv run -- manage.py
    runserver` and its Django is only in uv's /opt/nephele/.venv: the default `python manage.py
    migrate` failed on both sides, "Couldn't import Django", and nothing was proven. None when
    the command runs manage.py otherwise (plain python, a shell, a script)."""
    at = next(
        (k for k, word in enumerate(command) if posixpath.basename(word) == "manage.py"), None
    )
    if not at:
        return None
    before = command[:at]
    runner = posixpath.basename(before[0]) in _RUNNERS and len(before) > 1 and before[1] == "run"
    interpreter = "/" in before[0] and re.fullmatch(
        r"python[\d.]*", posixpath.basename(before[0])
    ) is not None
    if not (runner or interpreter):
        return None
    return [*before, command[at], "migrate", "--noinput"]


# -- connection variables for `--service` ------------------------------------------------------


def _classify(var: str) -> tuple[str, str] | None:
    """(kind, field) of an environment variable name the settings read: kind "db"/"redis"/
    "broker", field "url"/"host"/"port"/"name"/"user"/"password"/"engine"."""
    name = var.upper()
    words = [w for w in name.split("_") if w]
    if not words:
        return None
    if "BROKER" in words:
        kind = "broker"
    elif "REDIS" in words or "CACHE" in words or "CACHES" in words or "RESULT" in words:
        kind = "redis"
    elif words[0] in ("DB", "DATABASE", "POSTGRES", "POSTGRESQL", "PG", "SQL", "MYSQL", "PSQL"):
        kind = "db"
    elif len(words) == 1 and name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"):
        return "db", {
            "PGHOST": "host",
            "PGPORT": "port",
            "PGUSER": "user",
            "PGPASSWORD": "password",
            "PGDATABASE": "name",
        }[name]
    else:
        return None
    last = words[-1]
    if last in ("URL", "URI", "DSN", "LOCATION"):
        return kind, "url"
    if kind == "db":
        if len(words) == 1:  # "DATABASE" alone names the engine in some tutorials; leave it
            return None
        if last in ("HOST", "HOSTNAME", "SERVER", "ADDR"):
            return kind, "host"
        if last == "PORT":
            return kind, "port"
        if last in ("NAME", "DB", "DATABASE", "DBNAME"):
            return kind, "name"
        if last in ("USER", "USERNAME", "LOGIN"):
            return kind, "user"
        if last in ("PASSWORD", "PASS", "PASSWD", "PWD"):
            return kind, "password"
        if last == "ENGINE":
            return kind, "engine"
        return None
    if last in ("HOST", "HOSTNAME"):
        return kind, "host"
    if last == "PORT":
        return kind, "port"
    if kind == "broker" and last == "BROKER":  # CELERY_BROKER
        return kind, "url"
    if kind == "redis" and last == "BACKEND" and "RESULT" in words:  # CELERY_RESULT_BACKEND
        return kind, "url"
    return None


def service_for_image(image: str) -> ServiceSpec:
    """A `--service IMAGE`: its alias, its port and the environment that configures it."""
    fam = family(image)
    alias, port = _FAMILIES.get(fam or "", (_alias_of(image), 0))
    port_or_none = port or None
    env: dict[str, str] = {}
    if fam == "postgres":
        env = {
            "POSTGRES_USER": SERVICE_USER,
            "POSTGRES_PASSWORD": SERVICE_PASSWORD,
            "POSTGRES_DB": SERVICE_DB,
        }
    elif fam == "mysql":
        env = {
            "MYSQL_ROOT_PASSWORD": SERVICE_PASSWORD,
            "MARIADB_ROOT_PASSWORD": SERVICE_PASSWORD,
            "MYSQL_DATABASE": SERVICE_DB,
            "MYSQL_USER": SERVICE_USER,
            "MYSQL_PASSWORD": SERVICE_PASSWORD,
        }
    elif fam == "rabbitmq":
        env = {"RABBITMQ_DEFAULT_USER": SERVICE_USER, "RABBITMQ_DEFAULT_PASS": SERVICE_PASSWORD}
    return ServiceSpec(
        name=alias, image=image, environment=env, port=port_or_none, origin="--service"
    )


def _alias_of(image: str) -> str:
    last = image.rsplit("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in last.lower())
    return cleaned or "service"


def connection_env(specs: list[ServiceSpec], env_vars: tuple[str, ...]) -> dict[str, str]:
    """The variables that point the settings at the `--service` services: the usual URL names
    always (DATABASE_URL, REDIS_URL, CELERY_BROKER_URL), plus every name the settings read that
    looks like a database/redis/broker setting (DB_HOST, POSTGRES_DB, REDIS_PORT...)."""
    values: dict[str, dict[str, str]] = {}
    for spec in specs:
        fam = family(spec.image)
        if fam == "postgres" and "db" not in values:
            values["db"] = {
                "url": f"postgres://{SERVICE_USER}:{SERVICE_PASSWORD}@{spec.name}:5432/{SERVICE_DB}",
                "host": spec.name,
                "port": "5432",
                "name": SERVICE_DB,
                "user": SERVICE_USER,
                "password": SERVICE_PASSWORD,
                "engine": "django.db.backends.postgresql",
            }
        elif fam == "mysql" and "db" not in values:
            values["db"] = {
                "url": f"mysql://{SERVICE_USER}:{SERVICE_PASSWORD}@{spec.name}:3306/{SERVICE_DB}",
                "host": spec.name,
                "port": "3306",
                "name": SERVICE_DB,
                "user": SERVICE_USER,
                "password": SERVICE_PASSWORD,
                "engine": "django.db.backends.mysql",
            }
        elif fam == "redis" and "redis" not in values:
            values["redis"] = {
                "url": f"redis://{spec.name}:6379/0",
                "host": spec.name,
                "port": "6379",
            }
        elif fam == "rabbitmq" and "broker" not in values:
            values["broker"] = {
                "url": f"amqp://{SERVICE_USER}:{SERVICE_PASSWORD}@{spec.name}:5672//",
                "host": spec.name,
                "port": "5672",
            }
    if "broker" not in values and "redis" in values:
        values["broker"] = values["redis"]
    env: dict[str, str] = {}
    if "db" in values:
        env["DATABASE_URL"] = values["db"]["url"]
    if "redis" in values:
        env["REDIS_URL"] = values["redis"]["url"]
    if "broker" in values:
        env["CELERY_BROKER_URL"] = values["broker"]["url"]
    for var in env_vars:
        kind_field = _classify(var)
        if kind_field is None:
            continue
        kind, what = kind_field
        source = values.get(kind) or (values.get("redis") if kind == "broker" else None)
        if source is not None and what in source:
            env[var] = source[what]
    return env


# `--service none`: start no service, not even those the settings need.
NO_SERVICES = "none"


def auto_services(project: DjangoProject) -> list[str]:
    """The services verify starts by itself when no compose file or flag gives any: those the
    settings need, the database only when the default one is a server's (a sqlite default that
    an environment variable may switch to Postgres runs as it is)."""
    engines = project.database_engines
    server_db = bool(engines) and engines[0] not in {"sqlite3", "spatialite"}
    return [
        image for image in needed_services(project)
        if server_db or family(image) not in {"postgres", "mysql"}
    ]


def needed_services(project: DjangoProject) -> list[str]:
    """The `--service` images the settings suggest, for the message when none is given."""
    wanted: list[str] = []
    engines = set(project.database_engines)
    if engines & {"postgresql", "postgis"}:
        wanted.append("postgres:17")
    if "mysql" in engines:
        wanted.append("mariadb:10.11")
    if project.uses_redis:
        wanted.append("redis:7")
    return wanted


# -- compose -----------------------------------------------------------------------------------


def compose_service_spec(
    service: Service, context_files: dict[str, str] | None = None
) -> tuple[ServiceSpec | None, str | None]:
    """A compose dependency as a throwaway service, or None and why it is not started."""
    image = service.image
    origin = f"compose service {service.name}"
    if service.dockerfile is not None:
        # cookiecutter-django's `compose/production/postgres/Dockerfile` adds maintenance
        # scripts to postgres:N: run that base image. Anything else would need its own build.
        base = _first_from(service.dockerfile)
        if base is not None and family(base) is not None:
            image = base
            origin += f" (its Dockerfile's base {base}, not its own build)"
        else:
            return None, (
                f"compose service {service.name!r} builds its own image "
                f"({service.dockerfile.name}): not started"
            )
    if not image:
        return None, f"compose service {service.name!r} has no image: not started"
    fam = family(image)
    port = _FAMILIES[fam][1] if fam in _FAMILIES else None
    if fam is not None:
        # `command: redis-server --port 6388` (Erserik/test_redis): the service listens there,
        # and readiness checked on the family's default port would wait out its timeout.
        port = _command_port(fam, [*(service.entrypoint or []), *(service.command or [])],
                             dict(service.environment)) or port
    if port is None:
        expose = service.raw.get("expose") or []
        candidates = [int(str(p).split("/")[0]) for p in expose if str(p).split("/")[0].isdigit()]
        candidates += [p.target for p in service.ports]
        port = candidates[0] if candidates else None
    health = compose_healthcheck(service)
    # Compose makes a service reachable by these too; apps name them in DATABASE_URL & co.
    aliases: list[str] = []
    for key in ("hostname", "container_name"):
        value = service.raw.get(key)
        if isinstance(value, str) and value and value != service.name:
            aliases.append(value)
    for network in (service.raw.get("networks") or {}).values():
        if isinstance(network, dict):
            aliases += [str(a) for a in network.get("aliases") or [] if a != service.name]
    return (
        ServiceSpec(
            name=service.name,
            image=image,
            environment=dict(service.environment),
            port=port,
            command=service.command,
            entrypoint=service.entrypoint,
            healthcheck=health,
            origin=origin,
            aliases=tuple(dict.fromkeys(aliases)),
            files=service_files(service, fam),
        ),
        None,
    )


# Where each family keeps its data: a directory mounted there is state (a committed
# `./db:/var/lib/postgresql/data`), which each side must start without.
_DATA_DIRS = {
    "postgres": "/var/lib/postgresql",
    "mysql": "/var/lib/mysql",
    "redis": "/data",
    "rabbitmq": "/var/lib/rabbitmq",
}
# A mounted directory bigger than this is data, not configuration.
FILES_LIMIT = 20 * 1024 * 1024


def service_files(service: Service, fam: str | None) -> tuple[tuple[str, str], ...]:
    """The bind mounts of a compose service (not the app) that verify copies into its container:
    its configuration, which its command or healthcheck needs. Despair-17/YourBlog's postgres
    healthcheck runs `chmod +x /usr/local/bin/pg_healthcheck.sh`, mounted from the project;
    without it the check failed for 90 s and no side ran. A file or a small directory that
    exists; not the family's data directory (state), nor a socket or a device (docker.sock)."""
    found: list[tuple[str, str]] = []
    data = _DATA_DIRS.get(fam or "")
    for mount in service.bind_mounts:
        source = Path(mount.source)
        target = mount.target.rstrip("/") or "/"
        if target == "/" or not source.is_absolute():
            continue
        if source.is_file():
            found.append((str(source), target))
        elif source.is_dir() and not source.is_symlink():
            if data is not None and (target == data or target.startswith(data + "/")):
                continue
            if _tree_size(source) <= FILES_LIMIT:
                found.append((str(source), target))
    return tuple(found)


def _shown(source: str, root: Path) -> str:
    """A host path as the report shows it: relative to the project when it is inside."""
    try:
        return "./" + Path(source).relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return source


def _tree_size(root: Path) -> int:
    total = 0
    for path in root.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
                if total > FILES_LIMIT:
                    break
    return total


# The options that move a database or broker server off its default port, by family:
# redis-server's `--port N`, postgres's `-p N` and `-c port=N`, mysqld's `--port=N`/`-P N`.
_PORT_OPTIONS: dict[str, tuple[str, ...]] = {
    "redis": ("--port",),
    "postgres": ("-p", "--port"),
    "mysql": ("--port", "-P"),
}
# Variables the server itself reads for its port.
_PORT_VARIABLES = {"postgres": "PGPORT", "mysql": "MYSQL_TCP_PORT"}


def _command_port(fam: str, argv: list[str], environment: dict[str, str]) -> int | None:
    """The port a compose service's own command (or its environment) makes it listen on,
    None when it says nothing (the family's default holds)."""
    names = _PORT_OPTIONS.get(fam, ())
    found: str | None = None
    for i, word in enumerate(argv):
        option, eq, inline = word.partition("=")
        following = argv[i + 1] if i + 1 < len(argv) else ""
        if option in names:
            found = inline if eq else following
        elif fam == "postgres" and word in {"-c", "--config"} and following.startswith("port="):
            found = following[len("port="):]
        elif fam == "postgres" and word.startswith("-cport="):
            found = word[len("-cport="):]
        elif fam == "mysql" and word.startswith("-P") and word[2:].isdigit():
            found = word[2:]
    if found is None:
        found = environment.get(_PORT_VARIABLES.get(fam, ""))
    return int(found) if found and found.isdigit() else None


def compose_healthcheck(service: Service) -> list[str] | None:
    """A compose service's healthcheck test as Docker stores it (["CMD-SHELL", "..."] or
    ["CMD", ...]); None when it has none, disables it or says ["NONE"]."""
    test = (service.healthcheck or {}).get("test")
    health: list[str] | None = None
    if isinstance(test, list) and test and test[0] in ("CMD", "CMD-SHELL"):
        health = [str(t) for t in test]
    elif isinstance(test, str) and test:
        health = ["CMD-SHELL", test]
    if (service.healthcheck or {}).get("disable"):
        health = None
    return health


def _first_from(dockerfile: Path) -> str | None:
    try:
        text = dockerfile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        words = line.split()
        if words and words[0].upper() == "FROM":
            refs = [w for w in words[1:] if not w.startswith("--")]
            return refs[0] if refs and "$" not in refs[0] else None
    return None


def app_service(compose: ComposeProject, dockerfile: Path) -> Service | None:
    """The compose service that builds this Dockerfile; of several, the one that publishes a
    port (the web server, not the celery worker built from the same file). A service that runs
    a task queue (Celery's worker, beat or flower, RQ, ...) is the app only when every one is:
    woeislolo/service_app's `celery-flower` publishes 5555 and sorts before `drf-api`, and
    verify probed Flower as the app while the Django server ran as a "worker"."""
    building = compose.building(dockerfile)
    if not building:
        return None
    servers = [s for s in building if not runs_task_queue(s)] or building
    # One whose command starts a web server beats one that only shares the build: melehin/
    # django-celery-vue-template's `api` holds the build and environment its `django` (gunicorn)
    # and `celery` services extend, and has no command of its own; verify ran `api` as the app
    # (an entrypoint with nothing to exec) and gunicorn's `django` as a worker.
    servers = [s for s in servers if _runs_web_server(s)] or servers
    with_ports = [s for s in servers if s.ports]
    named = [s for s in servers if s.name in ("web", "app", "django", "backend", "api")]
    return (named or with_ports or servers)[0]


# Programs that serve the Django site, and manage.py's command that does.
_WEB_SERVERS = frozenset({"gunicorn", "uwsgi", "daphne", "uvicorn", "hypercorn", "granian"})


def _runs_web_server(service: Service) -> bool:
    """Whether the compose service's own command or entrypoint names a web server (gunicorn,
    uwsgi, daphne, uvicorn, `manage.py runserver`), shell wrappers included."""
    words = " ".join(list(service.entrypoint or []) + list(service.command or [])).split()
    programs = [w.strip("'\"").rsplit("/", 1)[-1] for w in words]
    return any(w in _WEB_SERVERS for w in programs) or "runserver" in programs


# Programs that run a task queue's worker, scheduler or monitor, not the Django site.
_QUEUE_PROGRAMS = frozenset({"celery", "flower", "rq", "rqworker", "dramatiq", "huey"})
# manage.py commands of the same kind (django-rq, django-q, django-huey, django-background-tasks).
_QUEUE_MANAGE_COMMANDS = frozenset(
    {"rqworker", "rqscheduler", "qcluster", "run_huey", "process_tasks", "celery"}
)
# Service names that say the same when the command is a script (`/start-celeryworker`).
_QUEUE_NAME = re.compile(r"(?:^|[-_.])(?:celery\w*|worker|beat|flower|scheduler)(?:$|[-_.\d])")


def runs_task_queue(service: Service) -> bool:
    """Whether the compose service runs a task queue (`celery -A proj worker`, `celery flower`,
    `python -m celery`, `manage.py rqworker`, a service named celery-worker or beat running a
    script) rather than the web server."""
    words = list(service.entrypoint or []) + list(service.command or [])
    if words and words[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash", "dash") and "-c" in words:
        index = words.index("-c")
        try:
            words = shlex.split(words[index + 1], posix=True) if index + 1 < len(words) else []
        except ValueError:
            words = words[index + 1].split()
    programs = [w.rsplit("/", 1)[-1] for w in words]
    for i, word in enumerate(programs):
        if word in ("&&", ";", "||", "exec"):
            continue
        if word in _QUEUE_PROGRAMS:
            return True
        if word == "-m" and i + 1 < len(programs) and programs[i + 1] in _QUEUE_PROGRAMS:
            return True
        if word == "manage.py" and i + 1 < len(programs) and (
            programs[i + 1] in _QUEUE_MANAGE_COMMANDS
        ):
            return True
    if words and any(
        re.search(r"\b(runserver|gunicorn|uvicorn|daphne|hypercorn|uwsgi|granian|waitress)",
                  w)
        for w in words
    ):
        return False
    return bool(_QUEUE_NAME.search(service.name.lower()))


# -- the plan ----------------------------------------------------------------------------------


@dataclass
class Flags:
    services: list[str] = field(default_factory=list)
    cmd: str | None = None
    pre: str | None = None  # "" disables the default pre-step
    host: str | None = None
    probes: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    # Compose files to read instead of looking for them (`-f a.yml -f b.yml`).
    compose_files: list[Path] = field(default_factory=list)
    # `--target STAGE`: the stage both sides build, over compose's `target:`; also the stage
    # the rewrite took as deployed (heroku.yml's target...), where `target_source` says so.
    target: str | None = None
    target_source: str = "--target"


def derive(
    project: DjangoProject,
    dockerfile_text: str,
    flags: Flags,
    compose: ComposeProject | None = None,
    dockerfile_path: Path | None = None,
) -> RunPlan:
    notes: list[str] = []
    dropped: tuple[str, ...] = ()
    blockers: list[str] = []
    env: dict[str, str] = {}
    specs: list[ServiceSpec] = []
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    command_source = "image"
    port: int | None = None
    app_health: tuple[str, ...] | None = None
    app_health_source: str | None = None
    working_dir: str | None = None

    app: Service | None = None
    worker_services: list[Service] = []
    build_args: dict[str, str] = {}
    build_target: str | None = None
    if compose is not None and dockerfile_path is not None:
        app = app_service(compose, dockerfile_path)
        notes.extend(compose.notes)
        if app is None:
            notes.append("no compose service builds this Dockerfile: the compose file is not used")
    # Where each variable of the app's environment comes from, for the report.
    origin: dict[str, str] = {}
    if app is not None:
        env.update(app.environment)
        origin.update(dict.fromkeys(app.environment, f"compose service {app.name}'s environment"))
        for dep in compose.dependencies(app) if compose is not None else []:
            if (
                dep.dockerfile is not None
                and dockerfile_path is not None
                and dep.builds(dockerfile_path)
            ):
                continue  # a worker of this image: started beside the app (below)
            spec, why = compose_service_spec(dep)
            if spec is None:
                notes.append(why or f"compose service {dep.name!r}: not started")
            else:
                specs.append(spec)
        # A service the environment names as a host but `depends_on` forgot (compose starts
        # everything on `up`, so the omission goes unnoticed there).
        started = {s.name for s in specs} | {app.name}
        for other in compose.services.values() if compose is not None else []:
            if other.name in started or not _named_in(other.name, app.environment):
                continue
            spec, _ = compose_service_spec(other)
            if spec is not None and family(spec.image) is not None:
                specs.append(spec)
                notes.append(
                    f"compose service {other.name!r} started too: the app's environment names "
                    "it, though depends_on does not"
                )
                started.add(other.name)
        # One the app's start script reaches by name (`curl http://elasticsearch:9200` in a
        # wait loop, Arthurobo/django-docker): without it the original waits forever, and
        # verify said only that it did not answer. Any image: a missing one is said up front.
        for other, script in _reached_by_scripts(
            compose, app, started, project.root, dockerfile_text, dockerfile_path
        ):
            spec, _ = compose_service_spec(other)
            if spec is not None:
                specs.append(spec)
                started.add(other.name)
                notes.append(
                    f"compose service {other.name!r} started too: the app's start script "
                    f"({script}) reaches it by name, though depends_on does not"
                )
        # The other services compose builds from this Dockerfile (celery worker, beat): `up`
        # starts them with the app and they run the rewrite's image too, under its user, PATH
        # and venv, so each is started beside the app and watched (verify/workers.py). Drako06's
        # celery and celery-beat were never run: nothing said so.
        active = set(compose.profiles) if compose is not None else set()
        for other in (
            compose.building(dockerfile_path)
            if compose is not None and dockerfile_path is not None
            else []
        ):
            if other.name == app.name:
                continue
            if other.raw.get("profiles") and not (set(other.raw["profiles"]) & active):
                notes.append(
                    f"compose service {other.name!r} runs this image only under a profile "
                    f"({', '.join(map(str, other.raw['profiles']))}): not started"
                )
                continue
            if other.build_target != app.build_target or not _same_build_args(
                other.build_args, app.build_args, dockerfile_text
            ):
                notes.append(
                    f"compose service {other.name!r} builds this Dockerfile with another target "
                    "or build args: another image, not started"
                )
                continue
            worker_services.append(other)
            for dep in compose.dependencies(other) if compose is not None else []:
                # `started` predates the services the app's environment names (joebonneau's
                # redis was started for that, then a second time for the worker).
                if dep.name in started | {s.name for s in specs} or (
                    dep.dockerfile is not None
                    and dockerfile_path is not None
                    and dep.builds(dockerfile_path)
                ):
                    continue
                spec, _ = compose_service_spec(dep)
                if spec is not None:
                    specs.append(spec)
                    started.add(dep.name)
                    notes.append(
                        f"compose service {dep.name!r} started too: worker {other.name!r} "
                        "depends on it"
                    )
        if app.bind_mounts:
            mounts = ", ".join(f"{m.source}:{m.target}" for m in app.bind_mounts)
            # Only a mount whose directory the image does not fill itself can explain an
            # original that does not run: CR_8_Docker's `COPY . .` into /app_habits holds the
            # code its compose file mounts there, and its app failed on an empty SECRET_KEY.
            dropped = tuple(
                f"{m.source}:{m.target}"
                for m in app.bind_mounts
                # pankoffDaniel/django_librest mounts ./config over /django_librest/config
                # beside `COPY . .` into /django_librest, and its .dockerignore keeps config/
                # out: the image has no uwsgi.ini, the copy does not bring what is mounted.
                if dockerignored(project.root, m.source)
                or (not copies_code_into(dockerfile_text, m.target, project.root)
                # woeislolo/service_app mounts ./service over /app/www/service beside `COPY . .`
                # into /app: the image holds the code there, a failure is not the mount's.
                and not _below_copied_code(dockerfile_text, m.target, project.root,
                                           app.working_dir)
                # rg3915's `./.env:/app/.env` beside `COPY .env .`: the image holds that file.
                and not (Path(m.source).is_file() and copies_file_to(dockerfile_text, m.target)))
            )
            notes.append(
                f"compose service {app.name!r} bind-mounts {mounts}: dropped, both sides run "
                "the code their image holds"
            )
        if app.raw.get("volumes"):
            named = [
                v.get("source")
                for v in app.raw["volumes"]
                if isinstance(v, dict) and v.get("type") == "volume"
            ]
            if named:
                notes.append(
                    f"named volumes of {app.name!r} ({', '.join(map(str, named))}) are not "
                    "reused: each side starts empty"
                )
        if app.user:
            notes.append(
                f"compose service {app.name!r} sets user: not applied, each side runs as its "
                "image says (the rewrite may change the user on purpose)"
            )
        if app.working_dir:
            # Its command is relative to it (`python manage.py runserver` in
            # /usr/src/app/backend, zmilv/dont-forgetter): without it the original cannot start.
            working_dir = app.working_dir
            notes.append(
                f"compose service {app.name!r} sets working_dir {app.working_dir}: both sides "
                "run there"
            )
        other_stage = (
            flags.target is not None
            and app.build_target is not None
            and app.build_target.lower() != flags.target.lower()
        )
        if (app.command is not None or app.entrypoint is not None) and other_stage:
            # torchbox's rca-wagtail-2019: compose builds `dev` and runs `tail -f /dev/null` in
            # it for developers to exec into; the deployed `production` stage serves with its
            # own CMD, which is what both sides must run.
            notes.append(
                f"compose service {app.name!r} builds stage {app.build_target!r} and runs its "
                f"own command there; both sides run stage {flags.target!r}'s CMD"
            )
        elif app.command is not None or app.entrypoint is not None:
            command, entrypoint = app.command, app.entrypoint
            command_source = f"compose service {app.name}"
        if app.ports:
            port = app.ports[0].target
        else:
            # `expose:` names the container port too (behind a proxy, nothing is published):
            # NotMainCode/octopus serves on 8008 from a script, and verify probed 8000.
            exposed = [
                int(str(p).split("/")[0])
                for p in app.raw.get("expose") or []
                if str(p).split("/")[0].isdigit()
            ]
            port = exposed[0] if exposed else None
        build_args, build_target = _build_as_compose(app, dockerfile_text, notes)
        if app.healthcheck and ("test" in app.healthcheck or app.healthcheck.get("disable")):
            # Compose runs this one instead of the image's HEALTHCHECK (none when disabled);
            # one with only timings (interval, retries) keeps the image's test.
            found = compose_healthcheck(app)
            app_health = tuple(found) if found else None
            app_health_source = f"compose service {app.name}"

    # `--service`: alongside the compose services, replacing one of the same family/alias.
    flag_specs = [service_for_image(image) for image in flags.services if image != NO_SERVICES]
    auto = (
        auto_services(project)
        if not flags.services and not specs and app is None else []
    )
    if auto:
        # No compose file gives the services the settings need: start them as `--service`
        # would, rather than run an app whose database is nowhere (it only fails, both sides).
        flag_specs = [
            dataclasses.replace(service_for_image(image), origin="the settings")
            for image in auto
        ]
        notes.append(
            "the settings use " + " and ".join(_service_words(project))
            + " and no compose file gives them: started "
            + " and ".join(auto)
            + " for each side (`--service IMAGE` to choose others, `--service none` for none)"
        )
    for spec in flag_specs:
        specs = [s for s in specs if s.name != spec.name and family(s.image) != family(spec.image)]
        specs.append(spec)
    connection: dict[str, str] = {}
    if flag_specs:
        connection = connection_env(flag_specs, project.env_vars)
        env.update(connection)
        origin.update(dict.fromkeys(connection, "--service"))
    # Each worker has its own compose environment; what the flags set applies to it as well.
    waits_for = _completed_first(app) if app is not None else set()
    image_ep = image_command(dockerfile_text)[1]
    workers = tuple(
        WorkerSpec(
            w.name,
            w.command,
            w.entrypoint,
            {**w.environment, **connection, **flags.env},
            w.working_dir,
            first=w.name in waits_for,
            restart=_restart(w),
            script_sleep=script_sleep(
                project.root,
                [*(w.entrypoint if w.entrypoint is not None else image_ep or []),
                 *(w.command or [])],
                dockerfile_text,
            ),
        )
        for w in worker_services
    )
    for worker in workers:
        notes.append(
            f"compose service {worker.name!r} runs this image too: "
            + (
                "run to completion before the app on both sides (the app depends on it with "
                "condition service_completed_successfully; it must exit 0)"
                if worker.first
                else "started beside the app on both sides and watched (it must stay up, or "
                "exit 0)"
                + (
                    f"; the engine restarts it as compose would (`restart: {worker.restart}`)"
                    if worker.restart else ""
                )
            )
        )
        # QaShah07/Segwise_backend: ENTRYPOINT ["sh", "docker/django/entrypoint.sh"] migrates
        # and execs gunicorn whatever it is given, so compose's `celery ... worker` and `beat`
        # ran gunicorn, and "celery ... is still running after 20 s" passed for a worker.
        start = worker.entrypoint if worker.entrypoint is not None else image_ep
        ignores = (
            _ignores_arguments(project.root, start or [], dockerfile_text)
            if worker.command else None
        )
        if ignores is not None:
            notes.append(
                f"compose service {worker.name!r}: its command (`{' '.join(worker.command or [])}`)"
                f" never runs: the entrypoint ({ignores}) does not run its arguments, under "
                "compose as here; what is watched is what the entrypoint starts"
            )
    if not specs:
        wanted = needed_services(project)
        if wanted and not auto:
            notes.append(
                "the settings use "
                + " and ".join(_service_words(project))
                + ": no service was started; give "
                + " ".join(f"--service {w}" for w in wanted)
            )

    cmd, ep, has_cmd = image_command(dockerfile_text)
    if flags.cmd:
        command, entrypoint = split_command(flags.cmd), None
        command_source = "--cmd"
    elif command is None and entrypoint is None and not has_cmd:
        blockers.append(
            "the Dockerfile has no CMD and no compose service gives a command: "
            'say how the app starts with --cmd "gunicorn mysite.wsgi -b 0.0.0.0:8000"'
        )
    if command_source.startswith("compose"):
        notes.append(
            f"runs {command_source}'s "
            + ("entrypoint and command" if entrypoint is not None else "command")
            + " on both sides (how the app is run): the images' own CMD is not exercised"
        )

    for spec in specs:
        if spec.files:
            copied = ", ".join(f"{_shown(source, project.root)}:{target}"
                               for source, target in spec.files)
            notes.append(
                f"compose service {spec.name!r} bind-mounts {copied}: copied into its "
                "container on each side (its configuration, not the app's code)"
            )

    env.update(flags.env)  # the user's --env wins
    origin.update(dict.fromkeys(flags.env, "--env"))
    unreachable = _unreachable_hosts(
        project, dockerfile_text, env, origin, [n for s in specs for n in (s.name, *s.aliases)]
    )
    unreachable_hint = hosts.explain(unreachable, _service_names(specs))
    if unreachable_hint is not None:
        notes.append(unreachable_hint)

    templates = compose.templates if compose is not None and app is not None else ()
    blanks: list[str] = []
    literal: list[str] = []
    if compose is not None and app is not None:
        # The services' empty credentials, and the app's empty variables its settings read
        # (all of them when the settings could not be read); a value --env gives is no blank.
        reads = set(project.env_vars) if project.settings_file is not None else None
        # A variable passed through unset (`- POSTGRES_PASSWORD` with no value anywhere)
        # is as much a blank to fill in as an empty one, though not set at all.
        for spec in specs:
            blanks += [k for k, v in spec.environment.items() if not v.strip()]
            source = compose.services.get(spec.name)
            blanks += list(source.unset) if source is not None else []
        blanks += [
            k
            for k, v in [*app.environment.items(), *((u, "") for u in app.unset)]
            if not v.strip() and k not in flags.env and (reads is None or k in reads)
        ]
        # Those the compose file itself writes empty no template fills: walkerchiu's
        # `environment: [POSTGRES_USER=, POSTGRES_PASSWORD=, POSTGRES_DB=]` was blamed on
        # .env.example with "`cp .env.example .env` and fill them in", which changes nothing.
        literal = literal_blanks(compose.files, list(dict.fromkeys(blanks)))
        blanks = [k for k in blanks if k not in literal] if templates else []

    effective: list[str] = []
    if command is not None or entrypoint is not None:
        effective = (entrypoint if entrypoint is not None else (ep or [])) + (
            command if command is not None else ([] if entrypoint is not None else cmd or [])
        )
        port = (
            port_from_command(effective, env)
            or _script_port(project.root, dockerfile_text, effective, env)
            or port
        )
    else:
        effective = (ep or []) + (cmd or [])

    pre: list[str] | None = None
    pre_source = "none"
    if flags.pre is not None:
        if flags.pre.strip():
            pre, pre_source = split_command(flags.pre), "--pre"
    else:
        server_db = bool(set(project.database_engines) & SERVER_DATABASES) or any(
            family(s.image) in ("postgres", "mysql") for s in specs
        )
        has_db_service = any(family(s.image) in ("postgres", "mysql") for s in specs)
        if server_db and has_db_service and project.manage_py is not None:
            if "migrate" in " ".join(effective) or _script_migrates(
                project.root, effective, dockerfile_text
            ):
                notes.append("the command runs migrate itself: no pre-step")
            elif any(
                w.first and "migrate" in " ".join((w.entrypoint or []) + (w.command or []))
                for w in workers
            ):
                # The one-shot service the app waits for migrates: a pre-step would run it twice.
                notes.append(
                    "a compose service the app waits for runs migrate first: no pre-step"
                )
            else:
                pre = _migrate_as_run(effective) or migrate_command(project)
                pre_source = "default (server database)"

    # The pre-step runs as `docker run IMAGE python manage.py migrate`: through the entrypoint,
    # which must run its arguments. latifeu/picus-case's ENTRYPOINT ["/app/django.sh"] only
    # starts runserver: the "migrate" container served instead, for the whole 300 s bound, on
    # both sides (inconclusive). Such an entrypoint is left out of the pre-step.
    pre_entrypoint: list[str] | None = None
    if pre is not None:
        start = entrypoint if entrypoint is not None else ep
        ignores = _ignores_arguments(project.root, start or [], dockerfile_text)
        if ignores is not None:
            pre_entrypoint = [""]
            notes.append(
                f"the entrypoint ({ignores}) does not run its arguments: the pre-step runs "
                "without it"
            )

    host_source = "default"
    host = "localhost"
    if flags.host:
        host, host_source = flags.host, "--host"
    else:
        read = project.env_vars if project.settings_file is not None else None
        from_env = _allowed_from_env(env, read)
        candidate = host_from_allowed(from_env) if from_env is not None else None
        if candidate is not None:
            host, host_source = candidate, "ALLOWED_HOSTS from the environment"
        elif from_env is None:
            candidate = host_from_allowed(project.allowed_hosts)
            if candidate is not None:
                host, host_source = candidate, "ALLOWED_HOSTS in the settings"

    refused = None if flags.host else refused_host(project, dockerfile_text, env, host)
    if refused is not None:
        notes.append(refused)
    probes = list(flags.probes) if flags.probes else default_probes(project)
    build_target = _target(flags, build_target, dockerfile_text, notes, blockers)
    return RunPlan(
        command=command,
        entrypoint=entrypoint,
        command_source=command_source,
        working_dir=working_dir,
        env=env,
        pre=pre,
        pre_source=pre_source,
        pre_entrypoint=pre_entrypoint,
        host=host,
        host_source=host_source,
        probes=tuple(probes),
        port=port,
        services=tuple(specs),
        workers=workers,
        notes=tuple(notes),
        blockers=tuple(blockers),
        dropped_mounts=dropped,
        templates=tuple(templates),
        template_copies=(
            tuple(c for c in compose.copies if c[0] in templates)
            if compose is not None and app is not None else ()
        ),
        blank_template_values=tuple(dict.fromkeys(blanks)),
        compose_blank_values=tuple(literal),
        compose_files=tuple(f.name for f in compose.files) if compose is not None else (),
        app_healthcheck=app_health,
        app_healthcheck_source=app_health_source,
        unreachable_hosts=tuple(h.describe() for h in unreachable),
        unreachable_hint=unreachable_hint,
        build_args=build_args,
        build_target=build_target,
        refused_host_hint=refused,
    )


def _target(
    flags: Flags, compose_target: str | None, dockerfile_text: str, notes: list[str],
    blockers: list[str],
) -> str | None:
    """The stage both sides build: --target's, else compose's `target:` (None: the last)."""
    if not flags.target:
        return compose_target
    names = [s.name for s in Dockerfile.parse(dockerfile_text).stages() if s.name]
    if flags.target not in names:
        blockers.append(
            f"{flags.target_source} {flags.target}: the Dockerfile has no stage of that name"
            + (f" (its stages: {', '.join(names)})" if names else " (its stages have no names)")
        )
        return compose_target
    if compose_target:
        # Compose's target is not what is built: its "built as compose builds them" note keeps
        # the build args only.
        said = f"target {compose_target}"
        for k, note in enumerate(notes):
            if note.startswith("both sides are built as compose service") and said in note:
                notes[k] = note.replace(f"{said} and ", "") if f"{said} and " in note else ""
        notes[:] = [n for n in notes if n]
    notes.append(
        f"both sides build stage {flags.target!r} ({flags.target_source})"
        + (f", not {compose_target!r} as the compose file does" if compose_target
           and compose_target != flags.target else "")
    )
    return flags.target


def _build_as_compose(
    app: Service, dockerfile_text: str, notes: list[str]
) -> tuple[dict[str, str], str | None]:
    """The build args and target of the app service that change the build: an arg the
    Dockerfile declares (one it does not would only make the build warn), with a value other
    than its default; the target as compose names it."""
    declared = _declared_args(dockerfile_text)
    args = {
        k: v
        for k, v in app.build_args.items()
        if declared is None or (k in declared and declared[k] != v)
    }
    said: list[str] = []
    if app.build_target:
        said.append(f"target {app.build_target}")
    if args:
        said.append("build args " + ", ".join(sorted(args)))
    if said:
        notes.append(
            f"both sides are built as compose service {app.name!r} builds them: "
            + " and ".join(said)
        )
    return args, app.build_target


def _unreachable_hosts(
    project: DjangoProject,
    dockerfile_text: str,
    env: dict[str, str],
    origin: dict[str, str],
    service_names: list[str],
) -> list[hosts.LocalHost]:
    """The app's database/redis/broker hosts that no container under verify reaches: in the
    environment it is started with (only the variables the settings read, when they could be
    read), then in the settings evaluated with that environment."""
    from optimizer.project import image_environ, settings_namespace

    reads = set(project.env_vars) if project.settings_file is not None else None
    found: list[hosts.LocalHost] = []
    for var, value in env.items():
        if reads is not None and var not in reads:
            continue
        source = origin.get(var, "the environment")
        # Only a name compose or --env gives is checked against the services: --service's
        # are the services' own names.
        names = service_names if source.startswith(("compose", "--env")) else None
        found += hosts.from_environment({var: value}, source, names)
    try:
        namespace = settings_namespace(project, dockerfile_text, env)
    except (OSError, RecursionError):
        namespace = None
    if namespace is None or project.settings_file is None:
        return found
    seen = {(f.kind, f.host) for f in found}
    # A setting that only repeats what an environment variable above set is said once.
    settings = [
        item
        for item in hosts.from_settings(namespace, project.settings_file)
        if (item.kind, item.host) not in seen
    ]
    empty = (
        hosts.empty_database_hosts(namespace, project.settings_file)
        if not any(f.kind == "database" for f in found + settings)
        else []
    )
    if settings or empty:
        # Which variable each comes from: read again with every variable the settings read
        # and nothing sets (neither the environment nor the image's ENV) marked.
        image = image_environ(dockerfile_text) if dockerfile_text else {}
        unset = {
            var: hosts.marker(var)
            for var in project.env_vars
            if var not in env and var not in image
        }
        try:
            marked = settings_namespace(project, dockerfile_text, {**unset, **env}) or {}
        except (OSError, RecursionError):
            marked = {}
        if marked:
            settings = [hosts.attribute(item, marked, unset) for item in settings]
            # An empty HOST only when a variable nothing sets leaves it empty: None may also be
            # a value the settings reader could not work out.
            settings += [
                item
                for item in (hosts.attribute(e, marked, unset) for e in empty)
                if item.variable
            ]
    return found + settings


def _service_names(specs: list[ServiceSpec]) -> dict[str, str]:
    """The name each kind of service is reachable by: database, redis, broker."""
    names: dict[str, str] = {}
    for spec in specs:
        fam = family(spec.image)
        kind = {"postgres": "database", "mysql": "database", "redis": "redis",
                "rabbitmq": "broker"}.get(fam or "")
        if kind is not None:
            names.setdefault(kind, spec.name)
    return names


def _final_copies(dockerfile_text: str) -> list[tuple[list[str], str, str]] | None:
    """Each COPY/ADD from the build context in the final stage and the stages of this file it
    builds FROM, first built first: (its sources, its destination as written, that destination
    made absolute by the WORKDIR before it). None when the file does not parse or has no
    stage (the pipeline reports it)."""
    lineage = _final_lineage(dockerfile_text)
    if lineage is None:
        return None
    parsed, final = lineage
    found: list[tuple[list[str], str, str]] = []
    cwd = "/"
    for stage in final:
        for _, ins in parsed.iter_stage(stage):
            cwd = next_workdir(cwd, ins)
            if ins.keyword not in ("COPY", "ADD") or "from" in ins.flags:
                continue
            words = ins.exec_form or ins.args.split()
            if len(words) < 2:
                continue
            *sources, dest = (parsed.resolve(w) for w in words)
            found.append((sources, dest, posixpath.normpath(posixpath.join(cwd, dest))))
    return found


def dockerignored(root: Path, source: str) -> bool:
    """Does the context's .dockerignore keep `source` (a path under `root`, absolute or
    relative) out of the build context, so no `COPY . .` brings it? Docker's rules: `*`, `?`
    within a segment, `**` across them, a pattern that excludes a directory excludes what is
    under it, the last matching line wins and `!` lines take a path back."""
    try:
        lines = (root / ".dockerignore").read_text(encoding="utf-8").splitlines()
        rel = Path(source).resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return False
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts:
        return False
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        pattern = posixpath.normpath(line.lstrip("!").strip().lstrip("/"))
        if pattern in ("", "."):
            continue
        regex = re.compile(_dockerignore_regex(pattern))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not keep
    return ignored


def _dockerignore_regex(pattern: str) -> str:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return out


def _below_copied_code(
    dockerfile_text: str, target: str, root: Path | None, working_dir: str | None
) -> bool:
    """Is the mount target below a directory (not `/`) the image fills with the code, and the
    app does not run from the target (compose's working_dir, else the final WORKDIR)? Then the
    image holds the code the app runs and the mount cannot explain a failure."""
    want = posixpath.normpath(target)
    run_dir = posixpath.normpath(working_dir or _final_workdir(dockerfile_text) or "/")
    if run_dir == want or run_dir.startswith(want.rstrip("/") + "/"):
        return False
    here = want
    while True:
        here = posixpath.dirname(here)
        if here in ("/", "", "."):
            return False
        if copies_code_into(dockerfile_text, here, root):
            return True


def _final_lineage(dockerfile_text: str) -> tuple[Dockerfile, list[Stage]] | None:
    """The parsed file, and the final stage with the stages of this file it builds FROM, first
    built first (a stage starts in the WORKDIR its parent ended in). None when the file does
    not parse or has no stage (the pipeline reports it)."""
    try:
        parsed = Dockerfile.parse(dockerfile_text)
        stages = parsed.stages()
    except Exception:
        return None
    if not stages:
        return None
    return parsed, list(reversed(parsed.lineage(stages[-1])))


def _final_workdir(dockerfile_text: str) -> str | None:
    lineage = _final_lineage(dockerfile_text)
    if lineage is None:
        return None
    parsed, final = lineage
    cwd = "/"
    for stage in final:
        for _, ins in parsed.iter_stage(stage):
            cwd = next_workdir(cwd, ins)
    return cwd


def copies_code_into(dockerfile_text: str, target: str, root: Path | None = None) -> bool:
    """Does the final stage (or a stage of this file it builds FROM) COPY/ADD the build
    context's code into `target`: the whole context (`COPY . .` under `WORKDIR target`,
    `ADD . target/`) or a directory of it (`COPY src/ target`)? A file such as
    requirements.txt copied there is not the code."""
    want = posixpath.normpath(target)
    for sources, _, dest in _final_copies(dockerfile_text) or []:
        if dest != want:
            continue
        for source in sources:
            clean = source.strip("/")
            if clean in ("", "."):
                return True
            if root is not None and (root / clean).is_dir():
                return True
    return False


def copies_file_to(dockerfile_text: str, target: str) -> bool:
    """Does the final stage (or a stage it builds FROM) put a context file at `target`:
    copied there by name (`COPY .env /app/.env`, `COPY .env .` under WORKDIR /app), or with
    the whole context into its directory (`COPY . .`, which brings it unless .dockerignore
    keeps it out)?"""
    want = posixpath.normpath(target)
    parent, name = posixpath.split(want)
    for sources, written, dest in _final_copies(dockerfile_text) or []:
        for source in sources:
            clean = source.strip("/")
            if clean in ("", ".") and dest == parent:
                return True
            if posixpath.basename(posixpath.normpath(clean)) != name:
                continue
            into_dir = written.endswith("/") or written in (".", "./") or len(sources) > 1
            if (into_dir and dest == parent) or (not into_dir and dest == want):
                return True
    return False


def _reached_by_scripts(
    compose: ComposeProject | None,
    app: Service,
    started: set[str],
    root: Path,
    dockerfile_text: str,
    dockerfile_path: Path | None,
) -> list[tuple[Service, str]]:
    """Compose services not started yet that the app's command, or a script of the context it
    runs, reaches by name as a host (`name:9200`, `//name`, `@name`): with the script's name."""
    if compose is None:
        return []
    candidates = [
        s
        for s in compose.services.values()
        if s.name not in started
        and not (dockerfile_path is not None and s.builds(dockerfile_path))
        and app.name not in s.depends_on  # a proxy in front of the app, not behind it
    ]
    if not candidates:
        return []
    cmd, ep, _ = image_command(dockerfile_text)
    words = (app.entrypoint if app.entrypoint is not None else ep or []) + (
        app.command if app.command is not None else ([] if app.entrypoint is not None else
                                                     cmd or [])
    )
    texts: list[tuple[str, str]] = [(" ".join(words), "its command")]
    for script in command_scripts(root, words, dockerfile_text)[:10]:
        try:
            text = script.read_text(encoding="utf-8", errors="replace")[:100_000]
        except OSError:
            continue
        body = "\n".join(x for x in text.splitlines() if not x.lstrip().startswith("#"))
        texts.append((body, script.name))
    found: list[tuple[Service, str]] = []
    for service in candidates:
        host = re.compile(
            rf"(?:(?://|@){re.escape(service.name)}(?![\w.-])|"
            rf"(?<![\w.-]){re.escape(service.name)}:\d+)"
        )
        where = next((name for text, name in texts if host.search(text)), None)
        if where is not None:
            found.append((service, where))
    return found


def _named_in(host: str, environment: dict[str, str]) -> bool:
    """Is `host` the host of a URL or a *_HOST value in the environment?"""
    for key, value in environment.items():
        if value == host and key.upper().endswith(("HOST", "HOSTNAME", "SERVER")):
            return True
        for before, after in (("@", ":"), ("@", "/"), ("//", ":"), ("//", "/")):
            if f"{before}{host}{after}" in value or value.endswith(f"{before}{host}"):
                return True
    return False


def _copied_from(dockerfile_text: str, image_path: str) -> list[str] | None:
    """The context files the final stage COPYs to `image_path` (an absolute path in the
    image), the last copy first; None when no COPY line names that path exactly.

    cookiecutter-django copies `./compose/production/django/start` to `/start`: the context
    has five files named `start` (local, production, celery worker, beat, flower), and only
    the COPY line says which one the container runs."""
    want = posixpath.normpath(image_path)
    found: list[str] = []
    for sources, written, dest in _final_copies(dockerfile_text) or []:
        into_dir = written.endswith("/") or len(sources) > 1
        for source in sources:
            clean = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
            target = posixpath.join(dest, posixpath.basename(clean)) if into_dir else dest
            if target == want and clean != ".":
                found.insert(0, clean)
    return found or None


def command_scripts(
    context: Path, command: list[str], dockerfile_text: str | None
) -> list[Path]:
    """Scripts of the context that the command's words name: through the Dockerfile's COPY
    lines when one copies to that path, else by the path's tail (the older guess)."""
    scripts: list[Path] = []
    for word in command:
        if "/" not in word and not word.endswith(".sh"):
            continue
        if dockerfile_text and word.startswith("/"):
            copied = _copied_from(dockerfile_text, word)
            if copied is not None:
                scripts += [context / rel for rel in copied if (context / rel).is_file()]
                continue
        tail = Path(word.lstrip("./")).parts[-2:]
        if not tail:
            continue
        try:
            named = [p for p in context.rglob(tail[-1]) if p.is_file()][:50]
        except OSError:
            continue
        candidates = [p for p in named if p.parts[-len(tail) :] == tail][:5]
        if not candidates and len(named) == 1:
            candidates = named
        scripts += candidates
    return scripts


_SCRIPT_SLEEP = re.compile(r"^sleep\s+(\d+(?:\.\d+)?)s?\s*(?:;|&&|$)")
_LOOP_START = re.compile(r"^(?:while|until|for)\b")
_LOOP_END = re.compile(r"(?:^|[;&\s])done\b")


def script_sleep(context: Path, words: list[str], dockerfile_text: str | None) -> float:
    """Seconds the context scripts `words` run sleep at their top level before anything else
    runs: wayne87140's run_celery_worker.sh is `sleep 10` then `celery ... worker`, and was
    watched as if celery started at once. A sleep inside a wait loop (`until pg_isready; do
    sleep 1; done`) lasts as long as what it waits for, not a known time, and is not counted."""
    total = 0.0
    for script in command_scripts(context, words, dockerfile_text)[:5]:
        try:
            text = script.read_text(encoding="utf-8", errors="replace")[:100_000]
        except OSError:
            continue
        depth = 0
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if _LOOP_START.match(line):
                depth += 1
            if depth == 0:
                found = _SCRIPT_SLEEP.match(line)
                if found:
                    total += float(found[1])
            if _LOOP_END.search(line):
                depth = max(0, depth - 1)
    return total


def _script_port(
    context: Path, dockerfile_text: str, command: list[str], env: dict[str, str]
) -> int | None:
    """The port a server in a script the command runs binds (`/start`: `gunicorn ... --bind
    0.0.0.0:5000`), read only from a script the Dockerfile's COPY lines name, never guessed
    by file name. Comment lines do not count."""
    for word in command:
        if not word.startswith("/"):
            continue
        for rel in _copied_from(dockerfile_text, word) or []:
            try:
                text = (context / rel).read_text(encoding="utf-8", errors="replace")[:100_000]
            except OSError:
                continue
            for line in text.splitlines():
                if line.lstrip().startswith("#"):
                    continue
                port = port_from_command([line], env)
                if port is not None:
                    return port
    return None


def _script_migrates(
    context: Path, command: list[str], dockerfile_text: str | None = None
) -> bool:
    """Does a script the command runs (start.sh, docker-entrypoint.sh: found in the context by
    its path's tail, since COPY moved it) run `migrate`? `/app/entrypoint.sh` after `COPY . .`
    is the context's `entrypoint.sh`: the container's directory is not the host's, so the name
    alone is enough when the context has one file of that name. A COPY line that puts a file at
    the named path decides first (`/start`). Comment lines do not count: Boburshoh-oss/
    django-template-docker's local-entrypoint.sh has `# python manage.py migrate`, and verify
    ran no pre-step, so both sides served with no tables."""
    for script in command_scripts(context, command, dockerfile_text)[:10]:
        try:
            text = script.read_text(encoding="utf-8", errors="replace")[:100_000]
        except OSError:
            continue
        code = "\n".join(
            line for line in text.splitlines() if not line.lstrip().startswith("#")
        )
        if "manage.py migrate" in code or "migrate --noinput" in code:
            return True
    return False


# A script's or `sh -c` string's use of its arguments: "$@", $*, $1, ${1:-...}, $0 (`sh -c`).
_USES_ARGUMENTS = re.compile(r"\$(?:[@*0-9]|\{[@*0-9#])|\$#")
_SHELLS = {"sh", "bash", "dash", "ash", "zsh"}


def _ignores_arguments(
    context: Path, entrypoint: list[str], dockerfile_text: str | None
) -> str | None:
    """The entrypoint, shown, when it does not run the command it is given: a start script of
    the context (or a `sh -c` string) that never reads its arguments. None when it does, when
    there is none, or when its script cannot be found (the command then goes through it)."""
    words = [w for w in entrypoint if w]
    if not words:
        return None
    shown = " ".join(words)
    if Path(words[0]).name in _SHELLS and "-c" in words[1:]:
        string = words[words.index("-c") + 1] if words.index("-c") + 1 < len(words) else ""
        return None if _USES_ARGUMENTS.search(string) else shown
    scripts = command_scripts(context, words, dockerfile_text)[:5]
    if not scripts:
        return None
    for script in scripts:
        try:
            text = script.read_text(encoding="utf-8", errors="replace")[:100_000]
        except OSError:
            return None
        code = "\n".join(
            line for line in text.splitlines() if not line.lstrip().startswith("#")
        )
        if _USES_ARGUMENTS.search(code):
            return None
    return shown


def _service_words(project: DjangoProject) -> list[str]:
    words = [e for e in project.database_engines if e in SERVER_DATABASES]
    if project.uses_redis:
        words.append("redis")
    return words


def apply(plan: RunPlan, options: Any) -> Any:
    """VerifyOptions that run `plan`: its probes and Host header, and the plan itself."""
    return dataclasses.replace(
        options, run_plan=plan, probes=list(plan.probes), host_header=plan.host
    )


# -- finding the compose file ------------------------------------------------------------------

_MAX_COMPOSE_CANDIDATES = 8
_PARENT_LEVELS = 2
# Directories that hold a project's compose files apart from its code (`docker compose -f
# compose/docker-compose.yml up`): JLHI/valhalla-admin's compose/docker-compose.valhalla-admin.yml
# builds ../services/django, and verify, finding no compose file, started no service.
_COMPOSE_DIRS = frozenset({
    "compose", "docker", "docker-compose", "docker_compose", "deploy", "deployment",
    "deployments", "infra", "ops", "containers",
})


def compose_candidates(context: Path, dockerfile_path: Path) -> list[list[Path]]:
    """Compose file sets to try, best first: the default names (with their override) in the
    context, the Dockerfile's directory and the directories between; then other compose files
    there (docker-compose.local.yml, local.yml...), development ones before production ones;
    last the same in those directories' compose/, docker/, deploy/... subdirectories."""
    context = context.resolve()
    dirs: list[Path] = [context]
    here = dockerfile_path.resolve().parent
    while here.is_relative_to(context) and here != context:
        dirs.append(here)
        here = here.parent
    # `build: ./backend` in a compose file at the repository root, one or two levels up.
    dirs += [context.parent, context.parent.parent][: _PARENT_LEVELS]
    dirs = list(dict.fromkeys(dirs))
    nested = [
        sub
        for directory in dirs
        for sub in _subdirectories(directory)
        if sub.name.lower().lstrip(".") in _COMPOSE_DIRS and sub not in dirs
    ]
    found = _compose_sets(dirs)
    found += [files for files in _compose_sets(nested) if files not in found]
    return found[:_MAX_COMPOSE_CANDIDATES]


def _overlay_base(directory: Path, files: list[Path]) -> Path | None:
    """The directory's main compose file (compose.yaml / docker-compose.yml, without its
    override), to read `files` over when they failed alone: they may only change services it
    defines. docker-compose.prod.yml of KCuppens/django-saas-boilerplate and teo-garcia/
    django-template-monolith, run as `docker compose -f docker-compose.yml -f
    docker-compose.prod.yml`, builds the production Dockerfile; read alone, Compose refuses it
    ("service "db" has neither an image nor a build context", or, as its checks come in no fixed
    order, "service "nginx" refers to undefined network"), and verify said "not read" and ran
    that Dockerfile with no compose file (no database, no environment). None when `files`
    already hold it or the directory has none."""
    from optimizer.composefiles import find_compose_files

    main = find_compose_files(directory)[:1]
    if not main or any(f.resolve() == main[0].resolve() for f in files):
        return None
    return main[0]


def _subdirectories(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return []


def _compose_sets(dirs: list[Path]) -> list[list[Path]]:
    """The default compose files of each directory, then their other compose files ranked."""
    from optimizer.compose import find_compose_files

    found: list[list[Path]] = []
    others: list[Path] = []
    for directory in dirs:
        default = find_compose_files(directory)
        if default:
            found.append(default)
        taken = set(default)
        for path in sorted(directory.glob("*.y*ml")):
            stem = path.name.lower()
            if path in taken or not (
                "compose" in stem or stem in ("local.yml", "production.yml", "dev.yml")
            ):
                continue
            others.append(path)

    def rank(path: Path) -> int:
        name = path.name.lower()
        if "local" in name or "dev" in name:
            return 0
        if "prod" in name:
            return 2
        return 1

    # `docker-compose-ci.override.yml` goes with `docker-compose-ci.yml`, as the project's own
    # `docker compose -f docker-compose-ci.yml -f docker-compose-ci.override.yml` reads them
    # (surister/queryzen): read alone, a file that only adds environment to services is not a
    # project ("neither an image nor a build context"), and the base lost what it adds
    # (CELERY_BROKER_URL=redis://redis:6379/1).
    names = {p.parent / p.name.lower(): p for p in others}
    overrides = {
        p: base
        for p in others
        if ".override." in p.name.lower()
        and (base := names.get(p.parent / p.name.lower().replace(".override.", ".", 1)))
    }
    bases = {base: override for override, base in overrides.items()}
    found.extend(
        [p, bases[p]] if p in bases else [p]
        for p in sorted(others, key=rank)
        if p not in overrides
    )
    return found


_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _settings_as_run(
    project: DjangoProject,
    context: Path,
    dockerfile_text: str,
    flags: Flags,
    compose: ComposeProject | None,
    dockerfile_path: Path,
    notes: list[str],
) -> DjangoProject:
    """The project read with the settings module the container runs with.

    The reader takes manage.py's default (`config.settings.local`) unless the Dockerfile says
    otherwise; cookiecutter-django's production compose file selects
    `config.settings.production` through its env file. The Host header, the variables the
    settings read and the services they need must come from the module that runs: `--env`
    first, then the compose service's environment."""
    wanted = flags.env.get("DJANGO_SETTINGS_MODULE")
    source = "--env"
    environ: dict[str, str] = {}
    service = app_service(compose, dockerfile_path) if compose is not None else None
    if service is not None:
        environ.update(service.environment)
        if wanted is None:
            wanted = service.environment.get("DJANGO_SETTINGS_MODULE")
            source = f"compose service `{service.name}`"
    environ.update(flags.env)
    from optimizer.project import inspect_project

    # The stage the build runs (compose's `target: dev`, --target), not the final one, sets
    # the image's ENV: sakagb/django-docker's `dev` stage sets config.local, its final stage
    # config.production, and the hosts hint named production.py of a container running local.
    target = flags.target or (service.build_target if service is not None else None)
    built_text = through_stage(dockerfile_text, target)
    if not wanted and built_text is not None:
        try:
            staged = inspect_project(context, built_text, run_environ=environ)
        except OSError:
            return project
        if staged.settings_module == project.settings_module:
            return project
        notes.append(
            f"settings read from {staged.settings_module or 'the default'} (as stage "
            f"{target!r}, which the build runs, sets them), not "
            f"{project.settings_module or 'the default'} (the final stage's)"
        )
        return staged
    if not wanted or wanted == project.settings_module or not _MODULE_NAME.fullmatch(wanted):
        return project

    try:
        # With the environment it runs with: `ADMIN_URL = env("DJANGO_ADMIN_URL")` has a value.
        chosen = inspect_project(
            context, built_text or dockerfile_text, settings_module=wanted, run_environ=environ
        )
    except OSError:
        return project
    if chosen.settings_file is None:
        notes.append(
            f"{source} runs with DJANGO_SETTINGS_MODULE={wanted}, which is not in the build "
            f"context: the settings read are {project.settings_module}'s"
        )
        return project
    notes.append(
        f"settings read from {wanted} ({source}'s DJANGO_SETTINGS_MODULE), not "
        f"{project.settings_module or 'the default'}"
    )
    return chosen


def _completed_first(app: Service) -> set[str]:
    """The services `app` waits for with `condition: service_completed_successfully`."""
    depends = app.raw.get("depends_on")
    if not isinstance(depends, dict):
        return set()
    return {
        str(name)
        for name, how in depends.items()
        if isinstance(how, dict) and how.get("condition") == "service_completed_successfully"
    }


def _under_profile(
    loaded: ComposeProject,
    directory: Path,
    files: list[Path],
    env_file: Path | None,
    dockerfile_path: Path,
    notes: list[str],
) -> ComposeProject:
    """`loaded` read again with the profile the service that builds this Dockerfile is under,
    when it is under one; else `loaded` as it was."""
    from optimizer import compose as compose_mod

    try:
        every = compose_mod.load(directory, files, env_file, profiles=("*",))
    except compose_mod.ComposeError:
        return loaded
    app = app_service(every, dockerfile_path) if every is not None else None
    wanted = [str(p) for p in (app.raw.get("profiles") or [])] if app is not None else []
    if app is None or not wanted:
        return loaded
    try:
        again = compose_mod.load(directory, files, env_file, profiles=(wanted[0],))
    except compose_mod.ComposeError:
        return loaded
    if again is None or app_service(again, dockerfile_path) is None:
        return loaded
    notes.append(
        f"compose service {app.name!r} runs only under profile {wanted[0]!r}: read as "
        f"`docker compose --profile {wanted[0]}` runs it"
    )
    return again


# A CI step that builds an image: build-push-action's `with:` block, or a `docker build` line.
_BUILD_PUSH = re.compile(r"uses:\s*docker/build-push-action@\S+")
_WITH_KEY = re.compile(r"^\s*(context|file|tags):\s*(.*)$")
_DOCKER_BUILD = re.compile(r"docker\s+(?:buildx\s+)?build\b([^\n]*)")
_EXPRESSION = re.compile(r"\$\{\{[^}]*\}\}|\$\{?\w+\}?")


def _ci_builds(context: Path) -> list[tuple[str, list[str], str]]:
    """(workflow, image tags, Dockerfile path relative to the repository) for each image the
    GitHub workflows build: build-push-action steps and `docker build -t TAG [-f FILE] DIR`."""
    found: list[tuple[str, list[str], str]] = []
    try:
        workflows = sorted((context / ".github" / "workflows").glob("*.y*ml"))[:20]
    except OSError:
        return found
    for path in workflows:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace")[:200_000].splitlines()
        except OSError:
            continue
        for i, line in enumerate(lines):
            if _BUILD_PUSH.search(line):
                keys: dict[str, list[str]] = {}
                indent = len(line) - len(line.lstrip(" -"))
                current: str | None = None
                for follow in lines[i + 1 : i + 40]:
                    stripped = follow.strip()
                    depth = len(follow) - len(follow.lstrip(" "))
                    if stripped.startswith("- ") and depth <= indent:
                        break  # the next step
                    match = _WITH_KEY.match(follow)
                    if match:
                        current = match.group(1)
                        value = match.group(2).strip().strip("|>").strip()
                        keys[current] = [v.strip() for v in value.split(",") if v.strip()]
                    elif current == "tags" and stripped and ":" not in stripped.split("/")[0]:
                        keys["tags"].append(stripped.lstrip("- ").strip())
                    elif stripped.endswith(":") or (":" in stripped and current != "tags"):
                        current = None
                build_dir = (keys.get("context") or ["."])[0].strip("'\"")
                file = (keys.get("file") or [f"{build_dir.rstrip('/')}/Dockerfile"])[0]
                found.append((path.name, [t.strip("'\"") for t in keys.get("tags", [])],
                              posixpath.normpath(file.strip("'\""))))
            else:
                # `${{ github.sha }}` as one word for shlex.
                match = _DOCKER_BUILD.search(re.sub(r"\$\{\{[^}]*\}\}", "${{}}", line))
                if match is None:
                    continue
                try:
                    words = shlex.split(match.group(1))
                except ValueError:
                    continue
                tags = [words[k + 1] for k, w in enumerate(words[:-1]) if w in ("-t", "--tag")]
                files = [words[k + 1] for k, w in enumerate(words[:-1]) if w in ("-f", "--file")]
                rest = [w for k, w in enumerate(words)
                        if not w.startswith("-") and (k == 0 or words[k - 1] not in
                                                      ("-t", "--tag", "-f", "--file"))]
                build_dir = rest[-1] if rest else "."
                file = files[0] if files else f"{build_dir.rstrip('/')}/Dockerfile"
                found.append((path.name, tags, posixpath.normpath(file)))
    return found


def _tag_pattern(tag: str) -> re.Pattern[str] | None:
    """A CI tag as a pattern over image names (the tag after the last `:` left out):
    `ghcr.io/${{ github.repository }}:latest` matches ghcr.io/owner/name. None when the name is
    all expressions (`${{ steps.meta.outputs.tags }}`, metadata-action's; `$IMAGE`,
    `${{ env.REGISTRY }}/${{ env.IMAGE_NAME }}`): with no literal name to hold on to, the
    pattern matched every image, and teo-garcia/django-template-monolith's postgres, redis and
    pgadmin were read as built from its Dockerfile (postgres taken for the app, port 5432)."""
    name = tag.rsplit(":", 1)[0] if ":" in tag.rsplit("/", 1)[-1] else tag
    parts = _EXPRESSION.split(name)
    if not any(ch.isalnum() for part in parts for ch in part):
        return None
    return re.compile("[^:]+".join(re.escape(part) for part in parts), re.IGNORECASE)


def _runs_ci_image(
    loaded: ComposeProject, context: Path, dockerfile_path: Path, notes: list[str]
) -> ComposeProject:
    """`loaded` with its services that run, by `image:`, what a CI workflow builds from this
    Dockerfile read as building it (duckinzzz.ru's production compose file runs
    ghcr.io/duckinzzz/duckinzzz.ru:latest for web, migrate, celery and celery-beat, which
    .github/workflows/deploy.yml builds from ./Dockerfile: verify stopped at "no compose file
    builds this Dockerfile" and "no CMD")."""
    try:
        rel = dockerfile_path.resolve().relative_to(context.resolve()).as_posix()
    except ValueError:
        return loaded
    patterns = [
        (workflow, pattern)
        for workflow, tags, file in _ci_builds(context)
        if file == rel
        for tag in tags
        if (pattern := _tag_pattern(tag)) is not None
    ]
    if not patterns:
        return loaded
    services = dict(loaded.services)
    named: list[str] = []
    workflow_of = ""
    for name, service in loaded.services.items():
        if service.dockerfile is not None or not service.image:
            continue
        image = service.image.rsplit(":", 1)[0] if ":" in service.image.rsplit("/", 1)[-1] \
            else service.image
        for workflow, pattern in patterns:
            if pattern.fullmatch(image):
                services[name] = dataclasses.replace(
                    service, dockerfile=dockerfile_path, build_context=context
                )
                named.append(name)
                workflow_of = workflow
                break
    if not named:
        return loaded
    notes.append(
        f"compose service{'s' if len(named) > 1 else ''} {', '.join(repr(n) for n in named)} "
        f"run{'' if len(named) > 1 else 's'} the image .github/workflows/{workflow_of} builds "
        "from this Dockerfile: read as building it"
    )
    return dataclasses.replace(loaded, services=services)


def _restart(service: Service) -> str | None:
    """The service's compose `restart:` policy when the engine would restart it (not `no`)."""
    value = service.raw.get("restart")
    return str(value) if isinstance(value, str) and value.strip() not in ("", "no") else None


def _runs_built_image(
    loaded: ComposeProject, dockerfile_path: Path, notes: list[str]
) -> ComposeProject:
    """`loaded` with its services that run, by `image:` and without a build of their own, the
    image a service that builds this Dockerfile tags (`build:` + `image: app:latest`) read as
    building it, with that service's context, target and build args: `docker compose up`
    builds the image once and runs it for each of them. Ronnie5562/django-celery-boilerplate's
    celery, celery-beat and flower give `image: app:latest`, the tag service `app` builds:
    verify watched no worker and said nothing of them."""
    tags: dict[str, Service] = {}
    for service in loaded.building(dockerfile_path):
        if service.image:
            tags.setdefault(engine_ref(service.image), service)
    if not tags:
        return loaded
    services = dict(loaded.services)
    by_builder: dict[str, list[str]] = {}
    for name, service in loaded.services.items():
        if service.dockerfile is not None or not service.image:
            continue
        builder = tags.get(engine_ref(service.image))
        if builder is None:
            continue
        services[name] = dataclasses.replace(
            service,
            dockerfile=builder.dockerfile,
            build_context=builder.build_context,
            build_target=builder.build_target,
            build_args=dict(builder.build_args),
        )
        by_builder.setdefault(builder.name, []).append(name)
    if not by_builder:
        return loaded
    for builder_name, named in by_builder.items():
        notes.append(
            f"compose service{'s' if len(named) > 1 else ''} "
            f"{', '.join(repr(n) for n in named)} run{'' if len(named) > 1 else 's'} the image "
            f"{loaded.services[builder_name].image} that compose service {builder_name!r} "
            "builds from this Dockerfile: read as building it"
        )
    return dataclasses.replace(loaded, services=services)


def _name_key(name: str) -> str:
    return re.sub(r"[-_.]", "", name.lower())


def _runs_project_image(
    loaded: ComposeProject, context: Path, dockerfile_path: Path, notes: list[str]
) -> ComposeProject:
    """`loaded` with its services that run, by `image:`, a registry user's image named as the
    project's directory (`acunathink/cityshop` beside the CityShop checkout) read as building
    the context's own Dockerfile. acunathink/CityShop's compose file runs its pushed image for
    the backend (README: put docker-compose.yml in a directory, `docker compose up`), no
    workflow builds it: verify started no Postgres, and passed on `/admin/login/` alone with
    the app's database unreachable on both sides."""
    if dockerfile_path.resolve().parent != context.resolve():
        return loaded
    if any(s.dockerfile is not None for s in loaded.services.values()):
        return loaded  # compose builds other images here: this is not its only way
    project_key = _name_key(context.resolve().name)
    if not project_key:
        return loaded
    services = dict(loaded.services)
    named: list[str] = []
    for name, service in loaded.services.items():
        if not service.image:
            continue
        image = service.image.rsplit(":", 1)[0] if ":" in service.image.rsplit("/", 1)[-1] \
            else service.image
        parts = image.split("/")
        # A user's repository (`user/name`, or `registry/user/name`), not an official image.
        if len(parts) < 2 or parts[-2] == "library" or _name_key(parts[-1]) != project_key:
            continue
        services[name] = dataclasses.replace(
            service, dockerfile=dockerfile_path, build_context=context
        )
        named.append(name)
    if not named:
        return loaded
    notes.append(
        f"compose service{'s' if len(named) > 1 else ''} {', '.join(repr(n) for n in named)} "
        f"run{'' if len(named) > 1 else 's'} the image {loaded.services[named[0]].image}, "
        f"named as this project ({context.resolve().name}), which no compose file builds: "
        "read as built from this Dockerfile"
    )
    return dataclasses.replace(loaded, services=services)


def plan_for(
    project: DjangoProject,
    context: Path,
    dockerfile_path: Path,
    dockerfile_text: str,
    flags: Flags,
) -> RunPlan:
    """The plan for a project on disk: reads its compose file (the first that builds this
    Dockerfile) with Docker Compose, then `derive`."""
    from optimizer import compose as compose_mod

    # A target before the last stage is the image that runs: its CMD, ENV and WORKDIR are what
    # the plan reads (a `dev` stage after it would give `tail -f` for the command).
    dockerfile_text = through_stage(dockerfile_text, flags.target) or dockerfile_text
    notes: list[str] = []
    chosen: ComposeProject | None = None
    read_any = False
    candidates = (
        [[f.resolve() for f in flags.compose_files]]
        if flags.compose_files
        else compose_candidates(context, dockerfile_path)
    )
    for files in candidates:
        directory = files[0].parent
        overlay = ""  # said when these files, read over the main one, are the ones chosen
        env_file: Path | None = None
        if directory != context.resolve() and not (directory / ".env").exists():
            # Split compose files in a subdirectory, run from the repository root with
            # `--env-file .env` (a Makefile's way): interpolate from the context's .env.
            env_file = context / ".env" if (context / ".env").is_file() else None
            env_file = env_file or compose_mod.example_for(context / ".env")
            if env_file is not None and compose_mod.example_for(directory / ".env") is None:
                notes.append(f"{files[0].name}: variables read from {env_file.name}")
            else:
                env_file = None
        try:
            loaded = compose_mod.load(directory, files, env_file)
        except compose_mod.ComposeError as exc:
            base = _overlay_base(directory, files)
            if base is None:
                notes.append(f"{files[0].name}: not read ({exc})")
                continue
            try:
                loaded = compose_mod.load(directory, [base, *files], env_file)
            except compose_mod.ComposeError as again:
                notes.append(f"{files[0].name}: not read ({exc}; over {base.name}: {again})")
                continue
            overlay = (
                f"{files[0].name} only changes services of {base.name} (alone: {exc}): read "
                f"over it, as `docker compose -f {base.name} -f {files[0].name}` runs it"
            )
            files = [base, *files]
        if loaded is not None and directory != context.resolve() and loaded.templates:
            # Compose names the templates it read from its own directory (`../.env.sample`
            # for docker/docker-compose.yml's `env_file: ../.env`); the hint's `cp` runs where
            # the project is, so each is named from the context, once (Ronnie5562/
            # django-celery-boilerplate's plan held `../.env.sample` and `.env.sample`, one
            # file, and the hint would have said `cp ../.env.sample ../.env`).
            base = context.resolve()

            def rebased(t: str, directory: Path = directory, base: Path = base) -> str:
                return Path(os.path.relpath(os.path.normpath(directory / t), base)).as_posix()

            loaded = dataclasses.replace(
                loaded,
                templates=tuple(rebased(t) for t in loaded.templates),
                copies=tuple((rebased(t), rebased(m)) for t, m in loaded.copies),
            )
        if loaded is not None and env_file is not None and env_file.name != ".env":
            # Named as the user sees it (not resolved: a symlinked template may point outside).
            template = Path(os.path.relpath(env_file, context)).as_posix()
            loaded = dataclasses.replace(loaded, templates=(*loaded.templates, template))
        if loaded is not None:
            loaded = dataclasses.replace(loaded, templates=tuple(dict.fromkeys(loaded.templates)))
        if loaded is not None:
            read_any = True
            loaded = _runs_built_image(loaded, dockerfile_path, notes)
        if loaded is not None and app_service(loaded, dockerfile_path) is None:
            # Compose leaves out services under a profile (`profiles: ["dev"]`) unless it is
            # active: every Django service of django-celery-frege is under dev or prod, so
            # nothing built the Dockerfile and the compose file was dropped without a word.
            # Read it as `docker compose --profile <the app's first profile>` runs it.
            loaded = _under_profile(loaded, directory, files, env_file, dockerfile_path, notes)
            loaded = _runs_built_image(loaded, dockerfile_path, notes)
        if loaded is not None and app_service(loaded, dockerfile_path) is None:
            loaded = _runs_ci_image(loaded, context, dockerfile_path, notes)
        if loaded is not None and app_service(loaded, dockerfile_path) is None:
            loaded = _runs_project_image(loaded, context, dockerfile_path, notes)
        if loaded is not None and app_service(loaded, dockerfile_path) is not None:
            chosen = loaded
            # The names as found: a symlinked override (test-docker's
            # docker-compose.override.yml -> docker/compose/local.yml) keeps its own name.
            names = ", ".join(
                f.name if f.name == r.name else f"{f.name} (-> {r.name})"
                for f, r in zip(files, loaded.files, strict=False)
            )
            if not flags.compose_files and not any(
                p.resolve().is_relative_to(directory) for p in (dockerfile_path, context)
            ):
                # Found in a compose/ or docker/ directory beside the code: say where.
                names += f" (in {Path(os.path.relpath(directory, context)).as_posix()})"
            if overlay:
                notes.append(overlay)
            notes.append(f"run as compose file {names} says")
            break
    project = _settings_as_run(project, context, dockerfile_text, flags, chosen, dockerfile_path,
                               notes)
    plan = derive(project, dockerfile_text, flags, chosen, dockerfile_path)
    if chosen is None and (notes or read_any):
        # Said also when a compose file was read (or given with --compose) and nothing in it
        # builds this Dockerfile: the run then ignores it, and the user must know.
        notes.append("no compose file builds this Dockerfile")
    return dataclasses.replace(plan, notes=tuple(notes) + plan.notes)
