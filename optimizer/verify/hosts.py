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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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
    in_settings: bool = False  # written in (or defaulted by) the settings, not the environment

    def describe(self) -> str:
        return f"{self.where} = {self.host}"


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


def from_environment(env: dict[str, str], source: str) -> list[LocalHost]:
    """Variables of the app's environment that point a service at an unreachable host."""
    found: list[LocalHost] = []
    for var, value in env.items():
        kind = kind_of(var)
        host = host_of(value) if kind is not None else None
        if kind is not None and unreachable(host):
            found.append(LocalHost(f"{var} ({source})", str(host), kind))
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
            host = entry.get("HOST")
            if isinstance(host, str) and unreachable(host_of(host)):
                found.append(
                    LocalHost(
                        f"DATABASES[{alias!r}]['HOST'] in {settings_file}",
                        str(host_of(host)),
                        "database",
                        True,
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
                            True,
                        )
                    )
    for name in _URL_SETTINGS:
        for value in _strings(namespace.get(name)):
            host = host_of(value)
            if unreachable(host):
                kind = "broker" if "BROKER" in name else "redis"
                found.append(LocalHost(f"{name} in {settings_file}", str(host), kind, True))
    return found


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        yield from (v for v in value if isinstance(v, str))


def explain(found: list[LocalHost], service_names: Iterable[str]) -> str | None:
    """One sentence naming every such value, why no container under verify reaches it, and what
    to do; None when there is none."""
    if not found:
        return None
    items = "; ".join(f.describe() for f in found)
    hosts = {f.host for f in found}
    why: list[str] = []
    if hosts & DOCKER_HOST_NAMES:
        why.append(
            "host.docker.internal is the machine running Docker (a server installed there), "
            "not one of verify's throwaway services"
        )
    if hosts & LOOPBACK:
        why.append(
            "inside a container localhost is the container itself, where nothing else listens"
        )
    names = sorted(dict.fromkeys(service_names))
    if names:
        fix = (
            "verify's services are reachable by their names ("
            + ", ".join(names)
            + "): point the variable at one (`--env DB_HOST="
            + names[0]
            + "`, say)"
        )
    else:
        fix = (
            "give `--service postgres:17` / `--service redis:7`, which sets DATABASE_URL, "
            "REDIS_URL and the host variables the settings read"
        )
    if any(f.in_settings for f in found):
        fix += (
            "; a value written into the settings cannot be changed from outside: read it from "
            "the environment (`os.environ.get('DB_HOST', 'localhost')`)"
        )
    return (
        f"the app is pointed at a host verify's containers cannot reach: {items} "
        f"({'; '.join(why)}): {fix}"
    )
