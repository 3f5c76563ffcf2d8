"""The port a container's server listens on, read from its command (no engine needed).

Shared by verify (which port to probe) and the healthcheck transform (which port to check), so
both agree on one reading: the server command's bind, else the first EXPOSE, else $PORT, else
8000 (runserver's default).
"""

from __future__ import annotations

import re

DEFAULT_PORT = 8000

_VAR = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)")
_BIND_PATTERNS = [
    re.compile(r"(?:--bind|(?<!\S)-b)[=\s]+['\"]?([^\s'\"]+)"),  # gunicorn
    re.compile(r"--(?:http|http-socket)[=\s]+['\"]?([^\s'\"]+)"),  # uwsgi
    re.compile(r"--port[=\s]+['\"]?(\d+)"),  # uvicorn, daphne, granian, waitress
    re.compile(r"--listen[=\s]+['\"]?([^\s'\"]+)"),  # waitress-serve
    re.compile(r"(?<!\S)-p[=\s]+(\d+)"),  # daphne
]
_RUNSERVER = re.compile(r"\brunserver(?:_plus)?\b((?:\s+\S+)*)")


def _substitute(text: str, env: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name in env:
            return env[name]
        default = match.group(2)
        return default if default is not None else match.group(0)

    return _VAR.sub(sub, text)


def _port_of(address: str) -> int | None:
    if address.startswith("unix:"):
        return None
    tail = address.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def port_from_command(command: list[str] | None, env: dict[str, str]) -> int | None:
    """The port a server command binds, when it says so."""
    if not command:
        return None
    text = _substitute(" ".join(command), env)
    for pattern in _BIND_PATTERNS:
        match = pattern.search(text)
        if match:
            port = _port_of(match.group(1))
            if port is not None:
                return port
    match = _RUNSERVER.search(text)
    if match:
        for word in match.group(1).split():
            word = word.strip("'\";&|")
            if word.startswith("-"):
                continue
            port = _port_of(word)
            if port is not None:
                return port
            break
        return DEFAULT_PORT  # runserver's default
    return None


def detect_port(
    cmd: list[str] | None,
    entrypoint: list[str] | None,
    exposed: list[int],
    env: dict[str, str],
) -> int:
    """The container port to probe: the server command's bind (what is really listened on),
    else the first EXPOSE, else $PORT, else 8000."""
    port = port_from_command((entrypoint or []) + (cmd or []), env)
    if port is not None:
        return port
    if exposed:
        return exposed[0]
    if env.get("PORT", "").isdigit():
        return int(env["PORT"])
    return DEFAULT_PORT
