"""Thin wrappers over the Docker CLI and SDK, for the verify step.

Images are built with the CLI (`docker build`, BuildKit): the docker SDK only drives the legacy
builder, which ignores `RUN --mount`, `<Dockerfile>.dockerignore` and other things the rewritten
Dockerfiles rely on. Everything else (inspect, run, exec, stop, logs, remove) goes through the SDK.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors

LOG_TAIL_LINES = 40


class EngineError(Exception):
    """The container engine refused or failed an operation."""


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    seconds: float
    log_tail: list[str]
    image_id: str | None


@dataclass(frozen=True)
class Layer:
    size: int
    created_by: str


@dataclass(frozen=True)
class ImageInfo:
    id: str
    size: int
    # Filesystem layers (RootFS); `history` also lists metadata-only steps with size 0.
    layer_count: int
    history: list[Layer]
    user: str
    exposed_ports: list[int]
    cmd: list[str] | None
    entrypoint: list[str] | None
    working_dir: str
    env: dict[str, str] = field(default_factory=dict)

    def top_layers(self, n: int = 5, base_entries: int = 0) -> list[Layer]:
        """The biggest layers; `base_entries` oldest history entries (the base's) left out."""
        own = self.history[: len(self.history) - base_entries] if base_entries else self.history
        return sorted((x for x in own if x.size > 0), key=lambda x: -x.size)[:n]


_client: Any = None


def client() -> Any:
    global _client
    if _client is None:
        # Generous HTTP timeout: `stop` waits for the container's own grace period on top.
        _client = docker.from_env(timeout=120)
    return _client


def engine_available() -> bool:
    """True when both the SDK reaches a daemon and the CLI (which builds) is installed."""
    try:
        client().ping()
    except Exception:
        return False
    try:
        done = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def build(
    context: Path,
    dockerfile_text: str,
    tag: str,
    *,
    timeout: float,
    on_line: Callable[[str], None] | None = None,
    dockerfile: str = "Dockerfile",
    no_cache: bool = False,
) -> BuildResult:
    """Build `context` with `dockerfile_text` written to `context/dockerfile`.

    The text is written into the context, so pass a scratch copy, never the user's tree. Placing
    it at its real context-relative path keeps docker's .dockerignore lookup (`<name>.dockerignore`
    next to the Dockerfile, else the context's) and `COPY . .` behaving as in the user's build.
    """
    target = context / dockerfile
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dockerfile_text, encoding="utf-8")
    fd, iidfile = tempfile.mkstemp(prefix="djopt-iid-")
    os.close(fd)
    command = ["docker", "build", "--progress=plain", "-f", str(target), "-t", tag]
    command += ["--iidfile", iidfile]
    if no_cache:
        command.append("--no-cache")
    command.append(str(context))
    env = dict(os.environ, DOCKER_BUILDKIT="1")
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            env=env,
            start_new_session=True,  # so a timeout can end the CLI without signalling us
        )
    except OSError as exc:
        Path(iidfile).unlink(missing_ok=True)
        return BuildResult(False, 0.0, [f"cannot run docker: {exc}"], None)

    def pump() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            tail.append(line)
            if on_line is not None:
                with contextlib.suppress(Exception):
                    on_line(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _terminate(proc)
    except BaseException:
        # KeyboardInterrupt: the CLI runs in its own session, so end it ourselves; closing its
        # session makes BuildKit cancel the build.
        _terminate(proc)
        raise
    finally:
        reader.join(timeout=10)
    seconds = time.monotonic() - start
    image_id = Path(iidfile).read_text().strip() or None
    Path(iidfile).unlink(missing_ok=True)
    lines = list(tail)
    if timed_out:
        lines.append(f"build timed out after {timeout:.0f} s")
    ok = not timed_out and proc.returncode == 0 and image_id is not None
    return BuildResult(ok, seconds, lines, image_id if ok else None)


def _terminate(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=10)


def image_size(ref: str) -> int | None:
    """Size in bytes of a local image, None when it is not present."""
    try:
        return int(client().images.get(ref).attrs["Size"])
    except docker.errors.ImageNotFound:
        return None


def image_info(tag: str) -> ImageInfo:
    image = client().images.get(tag)
    attrs = image.attrs
    config = attrs.get("Config") or {}
    history = [
        Layer(int(entry.get("Size") or 0), shorten_created_by(str(entry.get("CreatedBy") or "")))
        for entry in image.history()
    ]
    ports: list[int] = []
    for key in config.get("ExposedPorts") or {}:
        number, _, proto = str(key).partition("/")
        if (proto or "tcp") == "tcp" and number.isdigit():
            ports.append(int(number))
    env: dict[str, str] = {}
    for item in config.get("Env") or []:
        name, _, value = str(item).partition("=")
        env[name] = value
    return ImageInfo(
        id=str(attrs["Id"]),
        size=int(attrs["Size"]),
        layer_count=len((attrs.get("RootFS") or {}).get("Layers") or []),
        history=history,
        user=str(config.get("User") or ""),
        exposed_ports=sorted(ports),
        cmd=_str_list(config.get("Cmd")),
        entrypoint=_str_list(config.get("Entrypoint")),
        working_dir=str(config.get("WorkingDir") or ""),
        env=env,
    )


def _str_list(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return None


def shorten_created_by(text: str, width: int = 100) -> str:
    """History's CreatedBy without the shell wrapper and BuildKit decorations."""
    text = text.strip()
    for prefix in ("/bin/sh -c #(nop) ", "/bin/sh -c #(nop)"):
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
    if text.startswith("RUN |"):
        # `RUN |2 A=1 B=2 /bin/sh -c cmd`: the build args used by the step.
        parts = text.split(" ")
        try:
            count = int(parts[1][1:])
            text = "RUN " + " ".join(parts[2 + count :])
        except (ValueError, IndexError):
            pass
    text = text.replace("/bin/sh -c ", "", 1)
    text = text.removesuffix(" # buildkit")
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def image_paths_present(tag: str, paths: list[str], *, name: str | None = None) -> dict[str, bool]:
    """Which of `paths` exist in the image, checked as root in a throwaway container.

    Root, because `/root/.cache/pip` is invisible to an unprivileged image user. Raises
    EngineError when the image has no /bin/sh to ask.
    """
    if not paths:
        return {}
    script = (
        'for p in "$@"; do '
        'if test -e "$p" || test -L "$p"; then echo "1 $p"; else echo "0 $p"; fi; done'
    )
    try:
        output = client().containers.run(
            tag,
            command=paths,
            entrypoint=["/bin/sh", "-c", script, "sh"],
            user="0",
            network_disabled=True,
            name=name,
            remove=True,
            stdout=True,
            stderr=False,
        )
    except docker.errors.DockerException as exc:
        if name is not None:
            remove(containers=[name])
        raise EngineError(f"cannot list paths in {tag}: {exc}") from exc
    found: dict[str, bool] = dict.fromkeys(paths, False)
    for line in bytes(output).decode("utf-8", "replace").splitlines():
        flag, _, path = line.partition(" ")
        if path in found:
            found[path] = flag == "1"
    return found


def run_container(
    tag: str,
    name: str,
    *,
    port: int | None,
    env: dict[str, str],
    network: str | None = None,
    command: list[str] | None = None,
    entrypoint: list[str] | None = None,
    labels: dict[str, str] | None = None,
    aliases: list[str] | None = None,
) -> Any:
    """Start a detached container with `port` published on 127.0.0.1 (random host port).

    `command`/`entrypoint` None keep the image's; an `entrypoint` given without a `command`
    clears the image's CMD, as `docker run --entrypoint` and Compose do. `aliases` are the
    container's names on `network` (a compose service name, so `db:5432` resolves).
    """
    kwargs: dict[str, Any] = {
        "detach": True,
        "name": name,
        "environment": env,
        "network": network,
        "labels": labels or {},
    }
    if port is not None:
        kwargs["ports"] = {f"{port}/tcp": ("127.0.0.1", None)}
    if entrypoint is not None:
        kwargs["entrypoint"] = entrypoint
        kwargs["command"] = command if command is not None else []
    elif command is not None:
        kwargs["command"] = command
    if network is not None and aliases:
        api = client().api
        kwargs["networking_config"] = {network: api.create_endpoint_config(aliases=aliases)}
    try:
        return client().containers.run(tag, **kwargs)
    except docker.errors.DockerException as exc:
        raise EngineError(f"cannot start {tag}: {exc}") from exc


def image_exists(ref: str) -> bool:
    try:
        client().images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    except docker.errors.DockerException:
        return False
    return True


def wait_exit(container: Any, timeout: float) -> int | None:
    """Wait (bounded) for a container to exit: its exit code, None when it did not in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            container.reload()
        except docker.errors.NotFound:
            return None
        state = container.attrs.get("State") or {}
        if not state.get("Running") and state.get("Status") in ("exited", "dead"):
            code = state.get("ExitCode")
            return int(code) if code is not None else None
        time.sleep(0.5)
    return None


def host_port(container: Any, port: int) -> int | None:
    container.reload()
    bindings = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    for binding in bindings.get(f"{port}/tcp") or []:
        if binding.get("HostIp") in ("127.0.0.1", "") and str(binding.get("HostPort")).isdigit():
            return int(binding["HostPort"])
    return None


def is_running(container: Any) -> bool:
    try:
        container.reload()
    except docker.errors.NotFound:
        return False
    return bool((container.attrs.get("State") or {}).get("Running"))


def exec_in(container: Any, command: list[str], *, user: str | None = None) -> tuple[int, str]:
    """Run a command in a running container: (exit code, stdout+stderr)."""
    try:
        kwargs: dict[str, Any] = {"demux": False}
        if user is not None:
            kwargs["user"] = user
        result = container.exec_run(command, **kwargs)
    except docker.errors.DockerException as exc:
        return 126, str(exc)
    output = result.output or b""
    return int(result.exit_code if result.exit_code is not None else 126), bytes(output).decode(
        "utf-8", "replace"
    )


def stop(container: Any, timeout: float) -> tuple[int | None, float]:
    """`docker stop -t timeout`: (exit code, seconds the stop took)."""
    start = time.monotonic()
    try:
        container.stop(timeout=round(timeout))
        container.reload()
    except docker.errors.DockerException:
        return None, time.monotonic() - start
    seconds = time.monotonic() - start
    code = (container.attrs.get("State") or {}).get("ExitCode")
    return (int(code) if code is not None else None), seconds


def logs_tail(container: Any, lines: int = LOG_TAIL_LINES) -> list[str]:
    try:
        raw = container.logs(tail=lines)
    except docker.errors.DockerException:
        return []
    return bytes(raw).decode("utf-8", "replace").splitlines()


def create_network(name: str, labels: dict[str, str] | None = None) -> None:
    try:
        client().networks.create(name, driver="bridge", labels=labels or {})
    except docker.errors.DockerException as exc:
        raise EngineError(f"cannot create network {name}: {exc}") from exc


def remove(
    *,
    containers: Iterable[str] = (),
    images: Iterable[str] = (),
    networks: Iterable[str] = (),
) -> list[str]:
    """Force-remove by name/tag/id, ignoring what is already gone. Returns the failures."""
    failures: list[str] = []
    api = client()
    for name in containers:
        try:
            api.containers.get(name).remove(force=True, v=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.DockerException as exc:
            failures.append(f"container {name}: {exc}")
    for name in networks:
        try:
            api.networks.get(name).remove()
        except docker.errors.NotFound:
            pass
        except docker.errors.DockerException as exc:
            failures.append(f"network {name}: {exc}")
    for ref in images:
        try:
            api.images.remove(ref, force=True, noprune=False)
        except docker.errors.ImageNotFound:
            pass
        except docker.errors.DockerException as exc:
            failures.append(f"image {ref}: {exc}")
    return failures
