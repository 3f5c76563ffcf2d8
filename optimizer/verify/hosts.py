"""Database, cache and broker hosts that no container can reach under verify.

Verify runs each side on its own network with throwaway services reachable by their compose
names (`db:5432`). A project whose environment or settings point at `host.docker.internal`
(the machine running Docker: a database installed there, or one published by another compose
project) or at `localhost` / `127.0.0.1` (inside a container: the container itself, where no
database listens) cannot reach them: the original then fails to migrate or answers 500, and
the verdict alone does not say why. This module finds such hosts, with where each comes from,
so the plan's notes and the verdict's first reason can name the variable or setting.

Where a value comes from, in the order the app sees it: the app's environment under verify (the
compose service's `environment`/`env_file`, `--service`'s connection variables, `--env`), then
the settings evaluated with that environment (a literal `'HOST': 'localhost'` or a default
`env('DB_HOST', default='localhost')` that nothing overrides).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# host.docker.internal and its Docker Desktop spellings; the loopback names.
DOCKER_HOST_NAMES = frozenset(
    {"host.docker.internal", "gateway.docker.internal", "docker.for.mac.localhost",
     "docker.for.win.localhost", "host-gateway"}
)
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "ip6-localhost"})

# Settings whose value is (or holds) a Redis/broker URL.
_URL_SETTINGS = (
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "BROKER_URL",
    "CELERY_BROKER",
    "REDIS_URL",
)


@dataclass(frozen=True)
class LocalHost:
    """One value pointing at a host verify's services are not on."""

    where: str  # "DB_HOST (compose service web's environment)", "DATABASES['default'] HOST ..."
    host: str
    kind: str  # "database", "redis", "broker"
    value: str = ""  # the whole value (a URL, or the host itself)
    # Where the setting is in the settings' namespace (("DATABASES", "default", "HOST")); empty
    # for a variable of the environment.
    path: tuple[str, ...] = ()
    # The environment variable the value comes from: the variable itself for the environment's,
    # for a setting the variable whose default it is (None: written into the settings; "" the
    # environment decides it, through a variable we cannot name).
    variable: str | None = None
    # The host is a name no service verify starts is reachable by (not a loopback or the
    # Docker host's name).
    absent: bool = False

    def describe(self) -> str:
        said = f"{self.where} = {self.host}" if self.host else f"{self.where} is empty"
        if self.path and self.variable:
            said += f" (the default of {self.variable}, which nothing sets)"
        elif self.path and self.variable is None:
            said += " (written into the settings)"
        return said


# What an unset variable is given when the settings are read again to see which setting it
# feeds: a value no project uses that names the variable, shaped as a URL too, so that
# `dj_database_url.config()` and `env.cache()` still parse it (their host is lower-cased).
MARKER = "djopt-unset-variable-"


def marker(variable: str) -> str:
    return f"djopt://{MARKER}{variable}/"


def attribute(item: LocalHost, marked: dict[str, Any], variables: Iterable[str]) -> LocalHost:
    """`item` (a setting) with the variable it comes from, read from the settings evaluated
    again with every unset variable they read set to `marker(name)` (`marked`); `variables`:
    the names that were marked."""
    if not item.path:
        return item
    value: Any = marked
    for key in item.path:
        value = value.get(key) if isinstance(value, dict) else None
    text = repr(value).lower()
    if MARKER in text:
        name = text.split(MARKER, 1)[1]
        end = next((i for i, ch in enumerate(name) if not (ch.isalnum() or ch == "_")), len(name))
        by_lower = {v.lower(): v for v in variables}
        return replace(item, variable=by_lower.get(name[:end], name[:end].upper()))
    if not any(item.value == v for v in _strings(value)):
        return replace(item, variable="")  # it changed: the environment decides it somehow
    return item


def host_of(value: str) -> str | None:
    """The host a URL (`postgres://u:p@localhost:5432/db`, `redis://127.0.0.1:6379/0`) or a bare
    host value (`localhost`, `host.docker.internal:5432`) names; None when it names none."""
    text = value.strip().strip("\"'")
    if not text:
        return None
    if "://" in text:
        try:
            host = urlsplit(text).hostname
        except ValueError:
            return None
        return host.lower() if host else None
    if any(ch in text for ch in "/ ;,=@"):
        return None
    if text.startswith("[") and "]" in text:  # [::1]:5432
        return text[1 : text.index("]")].lower()
    if text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text.lower() or None


def unreachable(host: str | None) -> bool:
    return host is not None and (host in DOCKER_HOST_NAMES or host in LOOPBACK)


def kind_of(var: str) -> str | None:
    """database / redis / broker for an environment variable's name, when it names a host or a
    URL of one (DB_HOST, DATABASE_URL, POSTGRES_HOST, REDIS_URL, CELERY_BROKER_URL...)."""
    from optimizer.verify.runplan import _classify

    found = _classify(var)
    if found is None or found[1] not in ("host", "url"):
        return None
    return {"db": "database", "redis": "redis", "broker": "broker"}[found[0]]


def from_environment(
    env: dict[str, str], source: str, services: Iterable[str] | None = None
) -> list[LocalHost]:
    """Variables of the app's environment that point a service at an unreachable host: a
    database, redis or broker variable at localhost or host.docker.internal, and any host or
    URL variable at host.docker.internal, which names nothing else (ctibutler's
    `ARANGODB_HOST_URL=http://host.docker.internal:8529`). `localhost` in another variable may
    be the app's own (ALLOWED_HOSTS, a callback URL), so it is not blamed."""
    found: list[LocalHost] = []
    names = {n.lower() for n in services or ()}
    for var, value in env.items():
        kind = kind_of(var)
        host = host_of(value)
        if kind is None and host in DOCKER_HOST_NAMES:
            upper = var.upper()
            if "://" in value or upper.endswith(("HOST", "HOSTNAME", "URL", "URI", "ADDR")):
                kind = "other"
        if kind is not None and unreachable(host):
            found.append(LocalHost(f"{var} ({source})", str(host), kind, value, (), var))
        elif (
            kind is not None
            and services is not None
            and host is not None
            and "." not in host
            and ":" not in host
            and host not in names
        ):
            # A one-word name is a compose service's: ctibutler's POSTGRES_HOST=pgdb, with no
            # pgdb in its compose file, resolves nowhere on verify's network.
            found.append(LocalHost(f"{var} ({source})", host, kind, value, (), var, absent=True))
    return found


def from_settings(namespace: dict[str, Any], settings_file: str) -> list[LocalHost]:
    """DATABASES hosts, CACHES locations and broker URLs of the evaluated settings (the
    environment verify sets already applied) that name an unreachable host."""
    found: list[LocalHost] = []
    databases = namespace.get("DATABASES")
    if isinstance(databases, dict):
        for alias, entry in databases.items():
            if not isinstance(entry, dict):
                continue
            engine = entry.get("ENGINE")
            if isinstance(engine, str) and ("sqlite" in engine or "spatialite" in engine):
                continue  # a file: its HOST (a leftover default) is never used
            host = entry.get("HOST")
            if isinstance(host, str) and unreachable(host_of(host)):
                found.append(
                    LocalHost(
                        f"DATABASES[{alias!r}]['HOST'] in {settings_file}",
                        str(host_of(host)),
                        "database",
                        host,
                        ("DATABASES", str(alias), "HOST"),
                    )
                )
    caches = namespace.get("CACHES")
    if isinstance(caches, dict):
        for alias, entry in caches.items():
            if not isinstance(entry, dict):
                continue
            for location in _strings(entry.get("LOCATION")):
                host = host_of(location)
                if "redis" in location.lower() and unreachable(host):
                    found.append(
                        LocalHost(
                            f"CACHES[{alias!r}]['LOCATION'] in {settings_file}",
                            str(host),
                            "redis",
                            location,
                            ("CACHES", str(alias), "LOCATION"),
                        )
                    )
    for name in _URL_SETTINGS:
        for value in _strings(namespace.get(name)):
            host = host_of(value)
            if unreachable(host):
                kind = "broker" if "BROKER" in name else "redis"
                found.append(
                    LocalHost(f"{name} in {settings_file}", str(host), kind, value, (name,))
                )
    return found


# Database engines whose empty HOST means the server's Unix socket on the app's own machine.
_SOCKET_ENGINES = ("postgres", "postgis", "mysql")


def empty_database_hosts(namespace: dict[str, Any], settings_file: str) -> list[LocalHost]:
    """DATABASES entries of a server database whose HOST is empty or None: Django then connects
    through the server's Unix socket inside the app's container, where none runs
    (xorazmiy1996's `'HOST': os.environ.get('POSTGRES_HOST')`, a variable its env template
    lacks: `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed`)."""
    found: list[LocalHost] = []
    databases = namespace.get("DATABASES")
    if not isinstance(databases, dict):
        return found
    for alias, entry in databases.items():
        if not isinstance(entry, dict):
            continue
        engine = entry.get("ENGINE")
        if not isinstance(engine, str) or not any(e in engine for e in _SOCKET_ENGINES):
            continue
        host = entry.get("HOST")
        if host is None or (isinstance(host, str) and not host.strip()):
            found.append(
                LocalHost(
                    f"DATABASES[{alias!r}]['HOST'] in {settings_file}",
                    "",
                    "database",
                    "",
                    ("DATABASES", str(alias), "HOST"),
                )
            )
    return found


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        yield from (v for v in value if isinstance(v, str))


def _with_host(value: str, host: str) -> str:
    """`value` pointing at `host` instead: a URL keeps its scheme, credentials, port and path."""
    if "://" not in value:
        return host
    try:
        parts = urlsplit(value)
        old = parts.hostname
    except ValueError:
        return host
    if not old:
        return value
    netloc = parts.netloc
    at = netloc.rfind("@") + 1
    tail = netloc[at:]
    bracketed = f"[{old}]"
    new_tail = tail.replace(bracketed if bracketed in tail else old, host, 1)
    return urlunsplit(parts._replace(netloc=netloc[:at] + new_tail))


# A whole URL for a URL variable whose value is no URL, by kind of service: the defaults of the
# official images (redis, rabbitmq's guest account); a database's account is the project's own.
_URL_FORMS = {
    "redis": "redis://{host}:6379/0",
    "broker": "redis://{host}:6379/0",
    "database": "postgres://USER:PASSWORD@{host}:5432/NAME",
}


def _pointed_at(item: LocalHost, host: str) -> str:
    """The value of `item`'s variable that points it at `host`: a URL keeps the rest of itself;
    a URL variable holding no URL (an env template's placeholder, YourBlog's
    `CELERY_BROKER_URL=CELERY_BROKER_URL`) gets a whole one, since `--env
    CELERY_BROKER_URL=redis` is no broker URL; a host variable gets the host."""
    if "://" in item.value or not item.variable:
        return _with_host(item.value, host)
    name = item.variable.upper()
    if not name.endswith(("URL", "URI", "DSN", "LOCATION")):
        return host
    form = _URL_FORMS.get(item.kind)
    if item.kind == "broker" and "rabbit" in host.lower():
        form = "amqp://guest:guest@{host}:5672//"
    return form.format(host=host) if form else host


def explain(found: list[LocalHost], services: dict[str, str]) -> str | None:
    """One sentence naming every such value, why no container under verify reaches it, and what
    to do; None when there is none. `services`: kind ("database", "redis", "broker") -> the
    name verify's service of that kind is reachable by."""
    if not found:
        return None
    items = "; ".join(f.describe() for f in found)
    hosts = {f.host for f in found if not f.absent}
    absent = [f.host for f in found if f.absent]
    why: list[str] = []
    if hosts & DOCKER_HOST_NAMES:
        why.append(
            "host.docker.internal is the machine running Docker (a server installed there), "
            "not one of verify's throwaway services"
        )
    if absent:
        why.append(
            f"no service verify starts is named {', '.join(dict.fromkeys(absent))} (the compose "
            "file has none of that name, or verify does not start it)"
        )
    if hosts & LOOPBACK:
        why.append(
            "inside a container localhost is the container itself, where nothing else listens"
        )
    if "" in hosts:
        why.append(
            "an empty HOST makes Django connect through the database's Unix socket in the app's "
            "own container, where no server runs"
        )
    fixes: list[str] = []
    written: list[str] = []
    missing: list[str] = []
    others: list[str] = []
    for item in found:
        target = services.get(item.kind) or (
            services.get("redis") if item.kind == "broker" else None
        )
        if item.variable is None:
            written.append(item.where.split(" in ", 1)[0])
        elif item.kind == "other":
            others.append(item.variable or item.where)
        elif target is None:
            missing.append(item.kind)
        elif item.variable:
            fixes.append(f"`--env {item.variable}={_pointed_at(item, target)}`")
    advice: list[str] = []
    if fixes:
        advice.append("point it at verify's service with " + " ".join(dict.fromkeys(fixes)))
    if missing:
        images = {"database": "postgres:17", "redis": "redis:7", "broker": "redis:7"}
        flags = " ".join(dict.fromkeys(f"--service {images[k]}" for k in missing))
        advice.append(
            f"give {flags} (it sets DATABASE_URL, REDIS_URL and the host variables the "
            "settings read)"
        )
    if others:
        advice.append(
            f"verify starts no service for {', '.join(dict.fromkeys(others))}: run it as a "
            "compose service the app depends on and point the variable at its name"
        )
    if written:
        # The example reads the setting's own name when it is a plain name: rg3915's
        # `CELERY_BROKER_URL = 'redis://localhost:6379'` was shown `os.environ.get('DB_HOST',
        # 'localhost')`.
        plain = next(
            (
                (item.where.split(" in ", 1)[0], item.value)
                for item in found
                if item.variable is None
                and re.fullmatch(r"[A-Z][A-Z0-9_]*", item.where.split(" in ", 1)[0])
            ),
            None,
        )
        name, value = plain if plain is not None else ("DB_HOST", "localhost")
        advice.append(
            f"{', '.join(dict.fromkeys(written))} cannot be changed from outside: read "
            f"it from the environment (`os.environ.get('{name}', '{value or 'localhost'}')`)"
        )
    if not advice:
        advice.append("set the variable that decides it with --env")
    return (
        f"the app is pointed at a host verify's containers cannot reach: {items} "
        f"({'; '.join(why)}): {'; '.join(advice)}"
    )
