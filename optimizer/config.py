"""Settings from `[tool.dj-optimize]` in pyproject.toml, so a team writes its options once.

Where: the build context's pyproject.toml, else the nearest one walking up from the Dockerfile's
directory, stopping at the repository root (the directory holding `.git`) or the filesystem
root. Only a file that has a `[tool.dj-optimize]` table counts, as ruff does with `[tool.ruff]`:
a Django project's own pyproject.toml without one does not hide a monorepo's settings.

    [tool.dj-optimize]
    only = ["slim-base", "multi-stage"]
    skip = ["non-root"]
    production-server = true

    [tool.dj-optimize.verify]
    env = { DJANGO_SETTINGS_MODULE = "mysite.settings.prod" }
    env-file = ".env.ci"            # relative to this pyproject.toml
    probes = ["/", "/health/"]
    host = "example.com"
    services = ["postgres:17", "redis:7"]
    cmd = "gunicorn mysite.wsgi -b 0.0.0.0:8000"
    pre = "python manage.py migrate --noinput"
    keep-images = false
    no-rebuild = false
    builder = "remote"
    target = "production"           # the deployed stage: rewritten, built on both sides (--target)
    compose = ["docker-compose.yml", "docker-compose.prod.yml"]   # relative to this file

Command-line flags win (the CLI merges); `--no-config` ignores the file. An unknown key or a value
of the wrong type is an error naming the file and the key: a typo must not silently do nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

TABLE = "tool.dj-optimize"
T = TypeVar("T")


class ConfigError(Exception):
    """A configuration file that cannot be used: bad input, exit status 2."""


@dataclass(frozen=True)
class VerifyConfig:
    env: dict[str, str] = field(default_factory=dict)
    env_file: Path | None = None  # resolved against the pyproject.toml's directory
    probes: tuple[str, ...] = ()
    host: str | None = None
    services: tuple[str, ...] = ()
    cmd: str | None = None
    pre: str | None = None
    keep_images: bool = False
    no_rebuild: bool = False
    builder: str | None = None
    target: str | None = None
    compose: tuple[Path, ...] = ()  # resolved against the pyproject.toml's directory


@dataclass(frozen=True)
class Config:
    path: Path | None = None  # the file read; None when there was none (or --no-config)
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    production_server: bool = False
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    no_buildkit: bool = False  # classic Dockerfiles (no RUN --mount) for the legacy builder
    healthcheck: bool = False  # the opt-in healthcheck transform
    installer: str = "pip"  # the builder's installer: pip or uv


def pick(flag: T | None, configured: T) -> T:
    """The command-line value when one was given (not None, not empty), else the configured."""
    if flag is None or (isinstance(flag, list | tuple | dict) and not flag):
        return configured
    return flag


def find(dockerfile: Path, context: Path | None = None) -> Path | None:
    """The pyproject.toml whose `[tool.dj-optimize]` applies, or None."""
    candidates: list[Path] = []
    if context is not None:
        candidates.append(context / "pyproject.toml")
    directory = dockerfile.parent.resolve()
    for parent in (directory, *directory.parents):
        candidates.append(parent / "pyproject.toml")
        if (parent / ".git").exists():
            break
    seen: set[Path] = set()
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved in seen or not resolved.is_file():
            continue
        seen.add(resolved)
        if _table(candidate) is not None:
            return candidate
    return None


def load(
    dockerfile: Path, context: Path | None = None, known_transforms: Iterable[str] = ()
) -> Config:
    """The settings that apply to this Dockerfile (defaults when no file has any)."""
    path = find(dockerfile, context)
    if path is None:
        return Config()
    table = _table(path)
    assert table is not None  # find() returned it because it has the table
    return parse(table, path, known_transforms)


def _table(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from exc
    # Most pyproject.toml files never mention us: skip parsing those (a dry run stays fast).
    if "dj-optimize" not in text:
        return None
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    table = data.get("tool", {}).get("dj-optimize")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{TABLE}] must be a table")
    return table


def parse(table: Mapping[str, Any], path: Path, known_transforms: Iterable[str] = ()) -> Config:
    """Check every key and type of a `[tool.dj-optimize]` table; build the Config."""
    reader = _Reader(path, TABLE, table)
    only = reader.strings("only")
    skip = reader.strings("skip")
    known = list(known_transforms)
    if known:
        for key, names in (("only", only), ("skip", skip)):
            for name in names:
                if name not in known:
                    raise ConfigError(
                        f"{path}: [{TABLE}] {key}: unknown transform {name!r}; "
                        f"known: {', '.join(known)}"
                    )
    production_server = reader.get("production-server", bool, "true or false", False)
    no_buildkit = reader.get("no-buildkit", bool, "true or false", False)
    healthcheck = reader.get("healthcheck", bool, "true or false", False)
    installer = reader.get("installer", str, 'a string ("pip" or "uv")', "pip")
    if installer not in {"pip", "uv"}:
        raise ConfigError(f'{path}: [{TABLE}] installer must be "pip" or "uv", not {installer!r}')
    verify_table = reader.get("verify", dict, "a table", {})
    reader.finish()

    v = _Reader(path, f"{TABLE}.verify", verify_table)
    env = v.get("env", dict, "a table of strings", {})
    for key, value in env.items():
        if not isinstance(value, str):
            raise ConfigError(
                f"{path}: [{TABLE}.verify] env.{key} must be a string, not "
                f'{_kind(value)} (quote it: {key} = "{value}")'
            )
    env_file = v.get("env-file", str, "a path (string)", None)
    verify = VerifyConfig(
        env=dict(env),
        env_file=(path.parent / env_file) if env_file is not None else None,
        probes=v.strings("probes"),
        host=v.get("host", str, "a string", None),
        services=v.strings("services"),
        cmd=v.get("cmd", str, "a string", None),
        pre=v.get("pre", str, "a string", None),
        keep_images=v.get("keep-images", bool, "true or false", False),
        no_rebuild=v.get("no-rebuild", bool, "true or false", False),
        builder=v.get("builder", str, "a string", None),
        target=v.get("target", str, "a string (a stage name)", None),
        compose=tuple(path.parent / name for name in v.strings("compose")),
    )
    v.finish()
    return Config(
        path, only, skip, production_server, verify, no_buildkit, healthcheck, installer
    )


class _Reader:
    """Reads keys off one table, remembering which were read, so leftovers are unknown keys."""

    def __init__(self, path: Path, name: str, table: Mapping[str, Any]) -> None:
        self.path, self.name, self.table = path, name, table
        self.read: list[str] = []

    def get(self, key: str, kind: type[T], expected: str, default: T) -> T:
        self.read.append(key)
        if key not in self.table:
            return default
        value = self.table[key]
        # bool is an int in Python; no key here takes a number, so a plain check is enough.
        if not isinstance(value, kind):
            raise ConfigError(
                f"{self.path}: [{self.name}] {key} must be {expected}, not {_kind(value)}"
            )
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values: list[Any] = self.get(key, list, "a list of strings", [])
        for value in values:
            if not isinstance(value, str):
                raise ConfigError(
                    f"{self.path}: [{self.name}] {key} must be a list of strings; "
                    f"{value!r} is {_kind(value)}"
                )
        return tuple(values)

    def finish(self) -> None:
        unknown = [key for key in self.table if key not in self.read]
        if unknown:
            raise ConfigError(
                f"{self.path}: [{self.name}] unknown key {unknown[0]!r}; "
                f"known: {', '.join(self.read)}"
            )


def _kind(value: object) -> str:
    names: dict[type, str] = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)
