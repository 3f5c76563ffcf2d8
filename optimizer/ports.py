"""Which port a server command listens on (used by verify and by transforms).

The command line first; when it names no bind, the server's own configuration: uwsgi's ini file
(`http`, `http-socket`, `https`, `socket`, or their `UWSGI_*` environment variables), gunicorn's
config file (`-c FILE`, else `./gunicorn.conf.py`, read with the settings interpreter, never
run), `GUNICORN_CMD_ARGS`, gunicorn's `$PORT` default, and hypercorn's `-c` file (TOML, or
Python read the same way).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace

from optimizer.shell import addrport_at, expand_vars

DEFAULT_PORT = 8000

# daphne's `-p PORT`; gunicorn's `-p` is its pidfile, uwsgi's its process count (see
# port_from_command).
_DAPHNE_P = re.compile(r"(?<!\S)-p[=\s]+(\d+)")
_BIND_PATTERNS = [
    re.compile(r"(?:--bind|(?<!\S)-b)[=\s]+['\"]?([^\s'\"]+)"),  # gunicorn
    re.compile(r"--(?:http|http-socket)[=\s]+['\"]?([^\s'\"]+)"),  # uwsgi
    re.compile(r"--port[=\s]+['\"]?(\d+)"),  # uvicorn, daphne, granian, waitress
    re.compile(r"--listen[=\s]+['\"]?([^\s'\"]+)"),  # waitress-serve
    _DAPHNE_P,
    re.compile(r"(?:-e|--endpoint)[=\s]+['\"]?(?:tcp6?|ssl):(?:port=)?(\d+)"),  # daphne
]
_RUNSERVER = re.compile(r"\brunserver(?:_plus)?\b((?:\s+\S+)*)")


def expand(text: str, env: dict[str, str]) -> str:
    """`$PORT` / `${PORT:-8000}` replaced from `env` (the image's ENV); unknown ones stay."""
    return expand_vars(text, env)


def _port_of(address: str) -> int | None:
    if address.startswith("unix:"):
        return None
    tail = address.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def port_from_command(command: list[str] | None, env: dict[str, str]) -> int | None:
    """The port a server command binds, when it says so."""
    if not command:
        return None
    text = expand_vars(" ".join(command), env)
    # `-p` is daphne's port but gunicorn's pidfile (`gunicorn --bind 0.0.0.0 -p 8079`, a bind
    # without a port, listens on 8000: GithubParvana/travel-GOGsky's HEALTHCHECK probed 8079).
    daphne = any(w.rsplit("/", 1)[-1] == "daphne" for w in text.split())
    for pattern in _BIND_PATTERNS:
        if pattern is _DAPHNE_P and not daphne:
            continue
        match = pattern.search(text)
        if match:
            port = _port_of(match.group(1))
            if port is not None:
                return port
    # uvicorn takes an option it is not given from UVICORN_<NAME> in its environment.
    uvicorn_port = env.get("UVICORN_PORT", "")
    if uvicorn_port.isdigit() and any(w.rsplit("/", 1)[-1] == "uvicorn" for w in text.split()):
        return int(uvicorn_port)
    match = _RUNSERVER.search(text)
    if match:
        # Its own words only: the command ends at a shell operator.
        own = re.split(r"[;&|]", match.group(1))[0]
        args = ["runserver", *(w.strip("'\"") for w in own.split())]
        found = addrport_at(args, 0)
        port = None if found is None else _port_of(args[found])
        return DEFAULT_PORT if port is None else port  # runserver's default
    return None


@dataclass(frozen=True)
class ConfigBind:
    """A bind the server takes from its configuration rather than its command line."""

    source: str  # what says it: "uwsgi.ini", "gunicorn.conf.py", "GUNICORN_CMD_ARGS", "$PORT"
    port: int | None  # None: the configuration binds, but to what could not be read
    host: str | None = None
    # A unix socket (`bind = "unix:/run/gunicorn.sock"`): no TCP port at all.
    socket: bool = False
    # False: uwsgi's `socket`/`uwsgi-socket` speak the uwsgi protocol (for nginx's uwsgi_pass),
    # not HTTP; `socket = :3031` is a TCP port no HTTP client gets an answer from.
    http: bool = True


# Reads a file the command names (an image path or one relative to the working directory).
Reader = Callable[[str], str | None]

_UWSGI_KEYS = ("http", "http-socket", "https", "socket", "uwsgi-socket")
# Those that speak the uwsgi protocol, not HTTP.
_UWSGI_PROTOCOL_KEYS = ("socket", "uwsgi-socket")


def config_bind(
    server: str, argv: list[str], env: dict[str, str], read: Reader
) -> ConfigBind | None:
    """Where `server` (uwsgi or gunicorn) binds when `argv` has no bind option; None when no
    configuration says (the server's own default applies)."""
    if server == "uwsgi":
        return _uwsgi_bind(argv, env, read)
    if server == "gunicorn":
        return _gunicorn_bind(argv, env, read)
    if server == "hypercorn":
        return _hypercorn_bind(argv, env, read)
    return None


def _option_values(argv: list[str], names: tuple[str, ...]) -> list[str]:
    values: list[str] = []
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                values.append(argv[i + 1])
            elif name.startswith("--") and arg.startswith(name + "="):
                values.append(arg[len(name) + 1 :])
    return values


def _bind(
    source: str, address: str, env: dict[str, str], uwsgi: bool = False, http: bool = True
) -> ConfigBind:
    address = expand_vars(address.strip().strip("'\""), env)
    # uwsgi's https value is "addr,cert,key"; its `$(VAR)` placeholders read the environment.
    address = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), address)
    address = address.split(",", 1)[0]
    if address.startswith("unix:") and "$" not in address:
        return ConfigBind(source, None, socket=True)
    if uwsgi and "$" not in address and _uwsgi_path(address):
        # uwsgi takes a path (`socket = /code/educa/uwsgi_app.sock`) as a unix socket.
        return ConfigBind(source, None, socket=True)
    if "$" in address or address.startswith("unix:") or "/" in address:
        return ConfigBind(source, None)
    host, _, tail = address.rpartition(":")
    port = int(tail) if tail.isdigit() else None
    return ConfigBind(source, port, host or None, http=http)


def _uwsgi_bind(argv: list[str], env: dict[str, str], read: Reader) -> ConfigBind | None:
    """uwsgi's bind from its UWSGI_* environment, then its ini files; an HTTP one (`http`,
    `http-socket`, `https`) over a uwsgi-protocol one (`socket`, `uwsgi-socket`) wherever each
    is given: uwsgi binds them all, and only the HTTP one answers a probe."""
    found: list[ConfigBind] = []
    # `protocol = http` makes uwsgi's `socket` speak HTTP (hamwan-portal's `uwsgi --protocol
    # http --socket :9090`).
    protocols = [env.get("UWSGI_PROTOCOL", ""), *_option_values(argv, ("--protocol",))]
    for key in _UWSGI_KEYS:
        value = env.get("UWSGI_" + key.upper().replace("-", "_"))
        if value:
            found.append(_uwsgi_key_bind(f"UWSGI_{key.upper().replace('-', '_')}", key, value, env))
    inis = _option_values(argv, ("--ini",)) + [
        a for a in argv[1:] if a.endswith(".ini") and not a.startswith("-")
    ]
    for ini in inis:
        path, _, section = ini.partition(":")
        text = read(path)
        if text is None:
            found.append(ConfigBind(path, None))
            break
        import configparser  # only for a uwsgi ini file

        # uwsgi ini files repeat keys (inside if-env blocks) and have bare flags (`master`).
        parser = configparser.ConfigParser(interpolation=None, strict=False, allow_no_value=True)
        try:
            parser.read_string(text)
        except configparser.Error:
            found.append(ConfigBind(path, None))
            break
        name = section or "uwsgi"
        if not parser.has_section(name):
            continue
        protocols.append(parser.get(name, "protocol", fallback="") or "")
        for key in _UWSGI_KEYS:
            value = parser.get(name, key, fallback=None)
            if value:
                found.append(_uwsgi_key_bind(path, key, value, env))
    if any(p.strip().strip("'\"").lower().startswith("http") for p in protocols):
        found = [replace(b, http=True) for b in found]
    # The first HTTP bind that says where, else the first found (as before).
    known = (b for b in found if b.http and (b.port is not None or b.socket))
    return next(known, found[0] if found else None)


def _uwsgi_key_bind(source: str, key: str, value: str, env: dict[str, str]) -> ConfigBind:
    return _bind(source, value, env, uwsgi=True, http=key not in _UWSGI_PROTOCOL_KEYS)


_TRUE_WORDS = {"", "1", "true", "yes", "on", "y", "t"}


def uwsgi_dies_on_term(argv: list[str], env: dict[str, str], read: Reader) -> bool | None:
    """Whether uwsgi started with `argv` exits on SIGTERM: `--die-on-term`, UWSGI_DIE_ON_TERM,
    or `die-on-term` in an ini file it loads. uwsgi 2.0 otherwise takes SIGTERM as a brutal
    reload and keeps running. None when a configuration it loads could not be read (a yaml,
    xml or json one, an ini file not in the context, a variable in the path)."""
    if any(a == "--die-on-term" or a.startswith("--die-on-term=") for a in argv):
        value = next(a for a in argv if a.startswith("--die-on-term")).partition("=")[2]
        return value.lower() in _TRUE_WORDS
    if "UWSGI_DIE_ON_TERM" in env:
        return env["UWSGI_DIE_ON_TERM"].strip().lower() in _TRUE_WORDS
    if _option_values(argv, ("--yaml", "--json", "--xml", "-x", "-y", "-j")) or any(
        a.endswith((".yaml", ".yml", ".json", ".xml")) for a in argv[1:]
    ):
        return None
    inis = _option_values(argv, ("--ini",)) + [
        a for a in argv[1:] if a.endswith(".ini") and not a.startswith("-")
    ]
    for ini in inis:
        path, _, section = ini.partition(":")
        text = read(path) if "$" not in path else None
        if text is None:
            return None
        import configparser  # only for a uwsgi ini file

        parser = configparser.ConfigParser(interpolation=None, strict=False, allow_no_value=True)
        try:
            parser.read_string(text)
        except configparser.Error:
            return None
        name = section or "uwsgi"
        for key in ("die-on-term", "die_on_term"):
            if parser.has_section(name) and parser.has_option(name, key):
                value = parser.get(name, key, fallback="")
                return (value or "").strip().lower() in _TRUE_WORDS
    return False


def _gunicorn_bind(argv: list[str], env: dict[str, str], read: Reader) -> ConfigBind | None:
    args = env.get("GUNICORN_CMD_ARGS", "")
    if args:
        try:
            words = shlex.split(args)
        except ValueError:
            words = args.split()
        values = _option_values(words, ("--bind", "-b")) + [
            w[2:] for w in words if w.startswith("-b") and len(w) > 2
        ]
        if values:
            return _bind("GUNICORN_CMD_ARGS", values[0], env)
    configs = _option_values(argv, ("-c", "--config")) + [
        a[2:] for a in argv if a.startswith("-c") and len(a) > 2 and not a.startswith("--")
    ]
    config = configs[0] if configs else "gunicorn.conf.py"
    if config.startswith("python:"):
        return ConfigBind(config, None)
    text = read(config)
    if text is None and configs:
        return ConfigBind(config, None)
    if text is not None and re.search(r"^\s*bind\s*[:=]", text, re.MULTILINE):
        from optimizer.settings import evaluate_source

        value = evaluate_source(text, config, env).get("bind")
        if isinstance(value, list | tuple) and value:
            value = value[0]
        if isinstance(value, str):
            return _bind(config.rsplit("/", 1)[-1], value, env)
        return ConfigBind(config.rsplit("/", 1)[-1], None)
    # Without a bind anywhere gunicorn listens on 0.0.0.0:$PORT when PORT is set.
    if env.get("PORT", "").isdigit():
        return ConfigBind("$PORT", int(env["PORT"]), "0.0.0.0")
    return None


def _hypercorn_bind(argv: list[str], env: dict[str, str], read: Reader) -> ConfigBind | None:
    """hypercorn's `-c/--config`: a TOML file, `file:path.py` or `python:module`. Its `bind`
    is where hypercorn listens when the command gives no `--bind` (a `--bind` replaces it)."""
    configs = _option_values(argv, ("-c", "--config")) + [
        a[2:] for a in argv if a.startswith("-c") and len(a) > 2 and not a.startswith("--")
    ]
    if not configs:
        return None
    config = configs[0]
    if config.startswith("python:"):
        return ConfigBind(config, None)
    path = config[len("file:"):] if config.startswith("file:") else config
    text = read(path)
    if text is None:
        return ConfigBind(path, None)
    name = path.rsplit("/", 1)[-1]
    value: object = None
    if config.startswith("file:") or path.endswith(".py"):
        if not re.search(r"^\s*bind\s*=", text, re.MULTILINE):
            return None
        from optimizer.settings import evaluate_source

        value = evaluate_source(text, path, env).get("bind")
    else:
        import tomllib  # only for a hypercorn TOML file

        try:
            value = tomllib.loads(text).get("bind")
        except tomllib.TOMLDecodeError:
            return ConfigBind(name, None)
        if value is None:
            return None
    if isinstance(value, list | tuple) and value:
        value = value[0]
    if isinstance(value, str):
        return _bind(name, value, env)
    return ConfigBind(name, None)


# Settings of a server's configuration file that name a file it writes: (key, is a pid file).
_GUNICORN_FILES = (("accesslog", False), ("errorlog", False), ("pidfile", True))
_UWSGI_FILES = (
    ("logto", False), ("logto2", False), ("daemonize", False), ("logger", False),
    ("req-logger", False), ("pidfile", True), ("pidfile2", True), ("safe-pidfile", True),
)


def config_files(
    server: str, argv: list[str], env: dict[str, str], read: Reader
) -> list[tuple[str, bool]]:
    """(path, is a pid file) for the log and pid files `server`'s configuration file (the one
    `argv` names, or gunicorn.conf.py) makes it write. `-` (stdout) and unreadable values are
    left out."""
    found: list[tuple[str, bool]] = []
    if server == "gunicorn":
        configs = _option_values(argv, ("-c", "--config")) + [
            a[2:] for a in argv if a.startswith("-c") and len(a) > 2 and not a.startswith("--")
        ]
        config = configs[0] if configs else "gunicorn.conf.py"
        text = None if config.startswith("python:") else read(config)
        if text is None or not any(key in text for key in (*dict(_GUNICORN_FILES), "bind")):
            return found
        from optimizer.settings import evaluate_source

        namespace = evaluate_source(text, config, env)
        for key, is_pid in _GUNICORN_FILES:
            value = namespace.get(key)
            if isinstance(value, str) and value not in {"", "-"}:
                found.append((value, is_pid))
        # `bind = "unix:/run/gunicorn/app.sock"`: gunicorn makes the socket at start, like a
        # pid file, in a directory its user must be able to write.
        binds = namespace.get("bind")
        for value in [binds] if isinstance(binds, str) else binds or []:
            if isinstance(value, str) and value.startswith("unix:"):
                found.append((value[len("unix:"):], True))
    elif server == "uwsgi":
        import configparser  # only for a uwsgi ini file

        inis = _option_values(argv, ("--ini",)) + [
            a for a in argv[1:] if a.endswith(".ini") and not a.startswith("-")
        ]
        for ini in dict.fromkeys(inis):
            path, _, section = ini.partition(":")
            text = read(path)
            if text is None:
                continue
            parser = configparser.ConfigParser(
                interpolation=None, strict=False, allow_no_value=True
            )
            try:
                parser.read_string(text)
            except configparser.Error:
                continue
            name = section or "uwsgi"
            for key, is_pid in _UWSGI_FILES:
                value = parser.get(name, key, fallback=None) if parser.has_section(name) else None
                if value and key.endswith("logger"):
                    # `logger = file:/var/log/uwsgi/err.log`; other plugins (syslog) are no file.
                    value = value[5:] if value.startswith("file:") else None
                if value and "$(" not in value and not value.startswith("%"):
                    found.append((value.strip(), is_pid))
    return found


def _uwsgi_path(address: str) -> bool:
    return address.startswith(("/", "./", "@")) or (
        ":" not in address and address.endswith(".sock")
    )


_SOCKET_OPTIONS = {
    "gunicorn": re.compile(r"(?:--bind|(?<!\S)-b)[=\s]+['\"]?(unix:[^\s'\"]+)"),
    "daphne": re.compile(r"(?:(?<!\S)-u|--unix-socket)[=\s]+['\"]?([^\s'\"]+)"),
    "uvicorn": re.compile(r"--uds[=\s]+['\"]?([^\s'\"]+)"),
    "uwsgi": re.compile(
        r"(?:--socket|--uwsgi-socket|--http-socket|(?<!\S)-s)[=\s]+['\"]?([^\s'\"]+)"
    ),
}


def unix_socket_bind(
    argv: list[str], env: dict[str, str], read: Reader | None = None
) -> str | None:
    """What says that the server `argv` starts binds only a unix socket (for a proxy in front
    of it): its option (`daphne -u /run/d.sock`) or its configuration file (uwsgi's
    `socket = /code/app.sock`); None when it binds a TCP port, or nothing says.
    rezajkee/e-learning-app runs `uwsgi --ini config/uwsgi/uwsgi.ini` with only `socket=` a
    path, for nginx: verify probed port 8000 and said only "does not answer HTTP"."""
    if port_from_command(argv, env) is not None:
        return None
    text = expand_vars(" ".join(argv), env)
    words = text.split()
    servers = [s for s in _SOCKET_OPTIONS if any(w.rsplit("/", 1)[-1] == s for w in words)]
    for server in servers:
        match = _SOCKET_OPTIONS[server].search(text)
        if match is None:
            continue
        if server != "uwsgi" or match.group(1).startswith("unix:") or _uwsgi_path(match.group(1)):
            return f"`{server} {match.group(0).strip()}`"
    if read is not None:
        for server in servers:
            if server not in ("gunicorn", "uwsgi"):
                continue
            bind = config_bind(server, words, env, read)
            if bind is not None and bind.socket:
                return f"{server}'s configuration {bind.source}"
    return None


def config_port(argv: list[str], env: dict[str, str], read: Reader) -> int | None:
    """The TCP port the configuration file of the server `argv` starts binds (gunicorn's
    `-c`, uwsgi's `--ini`, hypercorn's `--config`), when it says one."""
    words = expand_vars(" ".join(argv), env).split()
    for server in ("gunicorn", "uwsgi", "hypercorn"):
        if any(w.rsplit("/", 1)[-1] == server for w in words):
            bind = config_bind(server, words, env, read)
            if bind is not None and bind.port is not None and bind.http:
                return bind.port
    return None


_UWSGI_PROTOCOL_OPTION = re.compile(r"(?:--socket|--uwsgi-socket|(?<!\S)-s)[=\s]+['\"]?([^\s'\"]+)")
_UWSGI_HTTP_OPTION = re.compile(r"--(?:http|http-socket|https)[=\s]|--protocol[=\s]+['\"]?http")


def uwsgi_protocol_bind(
    argv: list[str], env: dict[str, str], read: Reader | None = None
) -> tuple[str, int] | None:
    """What says that the uwsgi `argv` starts serves TCP only with the uwsgi protocol (for
    nginx's `uwsgi_pass`), not HTTP, and on which port: `uwsgi --socket :3031`, or `socket =
    :3031` in its ini file or UWSGI_SOCKET, with no `http`/`http-socket`/`https` anywhere. An HTTP
    probe there gets no answer (uwsgi waits for the rest of a packet that never comes); verify
    said only "does not answer HTTP"."""
    text = expand_vars(" ".join(argv), env)
    words = text.split()
    if not any(w.rsplit("/", 1)[-1] == "uwsgi" for w in words) or _UWSGI_HTTP_OPTION.search(text):
        return None
    bind = config_bind("uwsgi", words, env, read or (lambda _: None))
    if bind is not None and bind.http:
        return None  # an HTTP bind, or a file not read that may have one
    match = _UWSGI_PROTOCOL_OPTION.search(text)
    if match is not None and not _uwsgi_path(match.group(1)):
        port = _port_of(match.group(1).split(",", 1)[0])
        if port is not None:
            return f"`uwsgi {match.group(0).strip()}`", port
    if bind is not None and bind.port is not None:
        return f"uwsgi's configuration {bind.source}", bind.port
    return None


def detect_port(
    cmd: list[str] | None,
    entrypoint: list[str] | None,
    exposed: list[int],
    env: dict[str, str],
    read: Reader | None = None,
) -> int:
    """The container port to probe: the server command's bind (what is really listened on),
    else its configuration's (when `read` can read the files the command names), else the
    first EXPOSE, else $PORT, else 8000."""
    argv = (entrypoint or []) + (cmd or [])
    port = port_from_command(argv, env)
    if port is not None:
        return port
    if read is not None:
        words = " ".join(argv).split()
        for server in ("gunicorn", "uwsgi", "hypercorn"):
            if any(w.rsplit("/", 1)[-1] == server for w in words):
                bind = config_bind(server, words, env, read)
                if bind is not None and bind.port is not None and bind.http:
                    return bind.port
    if exposed:
        return exposed[0]
    if env.get("PORT", "").isdigit():
        return int(env["PORT"])
    return DEFAULT_PORT
