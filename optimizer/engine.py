"""Thin wrappers over the Docker CLI and SDK, for the verify step.

Images are built with the CLI (`docker build`, BuildKit): the docker SDK only drives the legacy
builder, which ignores `RUN --mount`, `<Dockerfile>.dockerignore` and other things the rewritten
Dockerfiles rely on. Everything else (inspect, run, exec, stop, logs, remove) goes through the SDK.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import re
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
    # Where a failed build stopped, read from BuildKit's plain progress: the step header
    # (`[2/3] RUN pip install ...`), that step's last output lines and the `ERROR:` lines.
    failed_step: str | None = None
    step_tail: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # That step's own error lines (pip's `ERROR: Failed to build 'x'`, a Python exception) that
    # scrolled out of step_tail: a long package list printed after them hides the cause.
    step_errors: list[str] = field(default_factory=list)


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
    stop_signal: str = ""
    # The HEALTHCHECK's test as the engine stores it (["CMD-SHELL", "curl -f ..."] or
    # ["CMD", "curl", ...]); None when the image has none or says HEALTHCHECK NONE.
    healthcheck: list[str] | None = None

    def top_layers(self, n: int = 5, base_entries: int = 0) -> list[Layer]:
        """The biggest layers; `base_entries` oldest history entries (the base's) left out."""
        own = self.history[: len(self.history) - base_entries] if base_entries else self.history
        return sorted((x for x in own if x.size > 0), key=lambda x: -x.size)[:n]


# Every object verify creates carries this label with the run's id, so whatever a killed run
# left can be found and removed (`dj-optimize --cleanup`) and cleanup can be checked.
RUN_LABEL = "dj-optimize.run"

_client: Any = None


def docker_host_from_context(inspect_json: str) -> str | None:
    """The endpoint of the docker CLI's current context, from `docker context inspect` output.

    None when the output names no endpoint (then the SDK's defaults apply)."""
    try:
        data = json.loads(inspect_json)
    except ValueError:
        return None
    entry = data[0] if isinstance(data, list) and data else data
    if not isinstance(entry, dict):
        return None
    endpoint = ((entry.get("Endpoints") or {}).get("docker") or {}).get("Host")
    return str(endpoint) if endpoint else None


def resolve_docker_host() -> str | None:
    """Where the docker CLI sends its requests: DOCKER_HOST when set, else the endpoint of the
    current context (Docker Desktop, colima and rootless Docker set one; the SDK's `from_env`
    alone reads only DOCKER_HOST and would talk to /var/run/docker.sock instead)."""
    if os.environ.get("DOCKER_HOST"):
        return os.environ["DOCKER_HOST"]
    try:
        done = subprocess.run(
            ["docker", "context", "inspect"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return docker_host_from_context(done.stdout) if done.returncode == 0 else None


def client() -> Any:
    global _client
    if _client is None:
        # Generous HTTP timeout: `stop` waits for the container's own grace period on top.
        host = resolve_docker_host()
        if host and not os.environ.get("DOCKER_HOST"):
            _client = docker.DockerClient(base_url=host, timeout=120)
        else:
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
    dockerfile_path: Path | None = None,
    no_cache: bool = False,
    labels: dict[str, str] | None = None,
    builder: str | None = None,
    iidfile: Path | None = None,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
) -> BuildResult:
    """Build `context` with `dockerfile_text` written to `context/dockerfile`, or to
    `dockerfile_path` when the Dockerfile lives outside the context (built with `-f` there).

    The text is written into the context, so pass a scratch copy, never the user's tree. Placing
    it at its real context-relative path keeps docker's .dockerignore lookup (`<name>.dockerignore`
    next to the Dockerfile, else the context's) and `COPY . .` behaving as in the user's build.
    A failed build is a result (ok False, with the failing step), never an exception.
    `build_args` and `target` are the compose service's (`build: args:`, `target:`).
    """
    written = dockerfile_path if dockerfile_path is not None else context / dockerfile
    written.parent.mkdir(parents=True, exist_ok=True)
    if written.is_symlink():
        written.unlink()
    written.write_text(dockerfile_text, encoding="utf-8")
    if iidfile is None:
        # Never inside the context: a new file there would change what `COPY . .` sends.
        fd, name = tempfile.mkstemp(prefix="djopt-iid-")
        os.close(fd)
        iidfile = Path(name)
    iidfile.unlink(missing_ok=True)
    if builder:
        # A named buildx builder (remote BuildKit, Kubernetes): --load brings the image back.
        command = ["docker", "buildx", "build", "--builder", builder, "--load"]
    else:
        command = ["docker", "build"]
    command += ["--progress=plain", "-f", str(written), "-t", tag, "--iidfile", str(iidfile)]
    for key, value in (labels or {}).items():
        command += ["--label", f"{key}={value}"]
    for key, value in (build_args or {}).items():
        command += ["--build-arg", f"{key}={value}"]
    if target:
        command += ["--target", target]
    if no_cache:
        command.append("--no-cache")
    command.append(str(context))
    env = dict(os.environ, DOCKER_BUILDKIT="1")
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    steps = BuildLog()
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
        return BuildResult(False, 0.0, [f"cannot run docker: {exc}"], None, errors=[str(exc)])

    def pump() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            tail.append(line)
            steps.feed(line)
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
    # BuildKit removes the iidfile when the build fails: its absence is a failed build.
    try:
        image_id = iidfile.read_text().strip() or None
    except OSError:
        image_id = None
    iidfile.unlink(missing_ok=True)
    lines = list(tail)
    errors = steps.errors
    if timed_out:
        lines.append(f"build timed out after {timeout:.0f} s")
        errors = [*errors, f"build timed out after {timeout:.0f} s"]
    ok = not timed_out and proc.returncode == 0 and image_id is not None
    if ok:
        return BuildResult(True, seconds, lines, image_id)
    failed = steps.failed_step() if not timed_out else steps.current_step()
    return BuildResult(
        False,
        seconds,
        lines,
        None,
        failed_step=failed,
        step_tail=steps.tail_of(failed),
        errors=errors or ([f"docker build exited with status {proc.returncode}"]),
        step_errors=steps.errors_of(failed),
    )


# `#7 [builder 2/3] RUN pip install ...`: BuildKit's plain progress names a step by its vertex
# number; later lines of that step start with the same `#7 `.
_VERTEX = re.compile(r"#(\d+) (.*)")
# BuildKit pads the step number to the width of the count: `[ 2/12] RUN ...`,
# `[stage-1  2/12] RUN ...` (a Dockerfile of ten steps or more).
_STEP_HEADER = re.compile(r"\[(?:[\w.-]+ )? *\d+/\d+\] ")
_TIMESTAMP = re.compile(r"\d+\.\d+ ")
STEP_TAIL_LINES = 15
STEP_ERROR_LINES = 4


class BuildLog:
    """Follows BuildKit's `--progress=plain` output: step headers, each step's last lines, the
    step that reported `ERROR`, and the final `ERROR:` lines."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.outputs: dict[str, deque[str]] = {}
        self.failed: str | None = None
        self.last_header: str | None = None
        self.errors: list[str] = []
        self.error_lines: dict[str, deque[str]] = {}

    def feed(self, line: str) -> None:
        if line.startswith("ERROR:") or line.startswith("error:"):
            self.errors.append(line)
            return
        match = _VERTEX.match(line)
        if match is None:
            return
        vertex, rest = match.groups()
        if vertex not in self.headers:
            if _STEP_HEADER.match(rest):
                self.headers[vertex] = rest
                self.last_header = vertex
            return
        if rest.startswith("ERROR"):
            self.failed = vertex
            self.errors.append(rest)
            return
        if rest.startswith("DONE") or rest.startswith("CACHED") or rest.startswith("CANCELED"):
            return
        text = rest
        stamp = _TIMESTAMP.match(text)
        if stamp:
            text = text[stamp.end() :]
        self.outputs.setdefault(vertex, deque(maxlen=STEP_TAIL_LINES)).append(text)
        if is_error_line(text):
            found = self.error_lines.setdefault(vertex, deque(maxlen=STEP_ERROR_LINES))
            if text.strip() not in found:
                found.append(text.strip())

    def failed_step(self) -> str | None:
        return self.headers.get(self.failed) if self.failed else None

    def current_step(self) -> str | None:
        return self.headers.get(self.last_header) if self.last_header else None

    def tail_of(self, header: str | None) -> list[str]:
        for vertex, text in self.headers.items():
            if text == header:
                return list(self.outputs.get(vertex, ()))
        return []

    def errors_of(self, header: str | None) -> list[str]:
        """The step's error lines that are no longer in its tail."""
        for vertex, text in self.headers.items():
            if text == header:
                tail = {line.strip() for line in self.outputs.get(vertex, ())}
                return [line for line in self.error_lines.get(vertex, ()) if line not in tail]
        return []


def is_error_line(text: str) -> bool:
    """pip's and apt's error lines (`ERROR: ...`, `error: ...`, `E: ...`) and a Python
    exception's last line (`ImportError: cannot import name ...`)."""
    line = text.strip()
    if line.startswith(("ERROR:", "error:", "E: ")):
        return True
    head, colon, _ = line.partition(": ")
    return bool(colon) and head.endswith(("Error", "Exception")) and head.replace(
        ".", "_"
    ).isidentifier()


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
        stop_signal=str(config.get("StopSignal") or ""),
        healthcheck=_healthcheck_test(config.get("Healthcheck")),
    )


def _healthcheck_test(value: object) -> list[str] | None:
    """The test of an image's Config.Healthcheck; ["NONE"] (HEALTHCHECK NONE) is none."""
    test = _str_list(value.get("Test")) if isinstance(value, dict) else None
    if not test or test[0] not in ("CMD", "CMD-SHELL") or len(test) < 2:
        return None
    return test


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


def image_paths_present(
    tag: str,
    paths: list[str],
    *,
    name: str | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, bool]:
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
        output = _run_as_root(tag, ["/bin/sh", "-c", script, "sh"], paths, name, labels)
    except docker.errors.DockerException as exc:
        raise EngineError(f"cannot list paths in {tag}: {exc}") from exc
    found: dict[str, bool] = dict.fromkeys(paths, False)
    for line in bytes(output).decode("utf-8", "replace").splitlines():
        flag, _, path = line.partition(" ")
        if path in found:
            found[path] = flag == "1"
    return found


def _run_as_root(
    tag: str,
    entrypoint: list[str],
    command: list[str],
    name: str | None,
    labels: dict[str, str] | None,
) -> bytes:
    """The stdout of a throwaway container of `tag` run as root with no network; a container
    left by a failure is removed before the DockerException goes on."""
    try:
        return bytes(
            client().containers.run(
                tag,
                command=command,
                entrypoint=entrypoint,
                user="0",
                network_disabled=True,
                name=name,
                labels=labels or {},
                remove=True,
                stdout=True,
                stderr=False,
            )
        )
    except docker.errors.DockerException:
        if name is not None:
            remove(containers=[name])
        raise


# Sums the .pyc files below the site-packages directories of the image's own `python`
# (its PATH's: a venv's when the image puts one first), each directory once.
_SITE_BYTECODE = (
    "import os, sys\n"
    "seen, total = set(), 0\n"
    "for entry in sys.path:\n"
    "    real = os.path.realpath(entry)\n"
    "    if 'site-packages' not in real or real in seen or not os.path.isdir(real):\n"
    "        continue\n"
    "    seen.add(real)\n"
    "    for d, _, names in os.walk(real):\n"
    "        total += sum(os.path.getsize(os.path.join(d, n)) for n in names"
    " if n.endswith('.pyc'))\n"
    "print(total)\n"
)


def image_site_bytecode(
    tag: str, *, name: str | None = None, labels: dict[str, str] | None = None
) -> int | None:
    """Bytes of the .pyc files in the site-packages of the image's `python`, asked in a
    throwaway container as root; None when the image has no python to ask."""
    try:
        output = _run_as_root(
            tag, ["/bin/sh", "-c", 'exec python -c "$1"', "sh"], [_SITE_BYTECODE], name, labels
        )
    except docker.errors.DockerException:
        return None
    text = bytes(output).decode("utf-8", "replace").strip().splitlines()
    return int(text[-1]) if text and text[-1].isdigit() else None


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
    working_dir: str | None = None,
    files: Iterable[tuple[str, str]] = (),
    restart: str | None = None,
) -> Any:
    """Start a detached container with `port` published on 127.0.0.1 (random host port).

    `command`/`entrypoint` None keep the image's; an `entrypoint` given without a `command`
    clears the image's CMD, as `docker run --entrypoint` and Compose do. `aliases` are the
    container's names on `network` (a compose service name, so `db:5432` resolves).
    `working_dir` None keeps the image's WORKDIR. `files`: (host path, container path) pairs
    copied into the container before it starts, as a bind mount would show them (through the
    API, so a remote engine gets them too). `restart`: a compose `restart:` value (`always`,
    `unless-stopped`, `on-failure[:N]`) the engine applies as it would under compose.
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
    if working_dir is not None:
        kwargs["working_dir"] = working_dir  # compose's working_dir, as `docker run -w`
    policy = restart_policy(restart)
    if policy is not None:
        kwargs["restart_policy"] = policy
    if network is not None and aliases:
        api = client().api
        kwargs["networking_config"] = {network: api.create_endpoint_config(aliases=aliases)}
    files = list(files)
    try:
        if not files:
            return client().containers.run(tag, **kwargs)
        kwargs.pop("detach")
        container = client().containers.create(tag, **kwargs)
        container.put_archive("/", _tar_of(files))
        container.start()
        return container
    except (docker.errors.DockerException, OSError) as exc:
        raise EngineError(f"cannot start {tag}: {exc}") from exc


def restart_policy(restart: str | None) -> dict[str, Any] | None:
    """The engine's restart policy for a compose `restart:` value; None for `no` or nothing."""
    name, _, retries = (restart or "").strip().partition(":")
    if name not in ("always", "unless-stopped", "on-failure"):
        return None
    policy: dict[str, Any] = {"Name": name}
    if name == "on-failure" and retries.strip().isdigit():
        policy["MaximumRetryCount"] = int(retries)
    return policy


def _tar_of(files: Iterable[tuple[str, str]]) -> bytes:
    """A tar archive holding each host file or directory at its container path (from `/`)."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for source, target in files:
            archive.add(source, arcname=target.strip("/"))
    return buffer.getvalue()


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


def exit_code_if_exited(container: Any) -> int | None:
    """The exit code of a container that has exited (or is gone: -1), None while it runs."""
    try:
        container.reload()
    except docker.errors.NotFound:
        return -1
    except docker.errors.DockerException:
        return None
    state = container.attrs.get("State") or {}
    if not state.get("Running") and state.get("Status") in ("exited", "dead"):
        code = state.get("ExitCode")
        return int(code) if code is not None else -1
    return None


def _state_time(text: str) -> datetime | None:
    """A State timestamp (RFC 3339 with nanoseconds; `0001-...` for never), or None."""
    # fromisoformat takes six fraction digits at most.
    match = re.fullmatch(
        r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text
    )
    if match is None or text.startswith("0001-"):
        return None
    whole, fraction, zone = match.groups()
    stamp = f"{whole}.{(fraction or '0')[:6].ljust(6, '0')}{'+00:00' if zone == 'Z' else zone}"
    return datetime.fromisoformat(stamp)


def ran_seconds(container: Any) -> float | None:
    """How long an exited container ran, from its State's StartedAt and FinishedAt as last
    loaded (exit_code_if_exited reloads them); None when either is missing or unreadable."""
    state = (getattr(container, "attrs", None) or {}).get("State") or {}
    started = _state_time(str(state.get("StartedAt") or ""))
    finished = _state_time(str(state.get("FinishedAt") or ""))
    if started is None or finished is None:
        return None
    seconds = (finished - started).total_seconds()
    return seconds if seconds >= 0 else None


def restart_state(container: Any) -> tuple[int, bool, str]:
    """(how often the engine restarted `container` under its restart policy, whether it is
    between two runs now, when its current run started: the State's StartedAt, which names
    the run), as last loaded (exit_code_if_exited reloads it). The count alone does not say
    a new run began: a crash loop's next run shows the count of the one before."""
    attrs = getattr(container, "attrs", None) or {}
    state = attrs.get("State") or {}
    return (
        int(attrs.get("RestartCount") or 0),
        bool(state.get("Restarting")),
        str(state.get("StartedAt") or ""),
    )


def seconds_per_run(container: Any) -> float | None:
    """The mean time from one run's start to the next's so far, by the engine's own clock:
    from the container's creation to its current run's StartedAt, over its RestartCount (as
    last loaded). None before a restart, or when a time is missing or unreadable. A watch
    that begins after several runs have come and gone sees one run at most; this says how
    long the runs it missed lasted (a crash loop's exponential pauses included)."""
    attrs = getattr(container, "attrs", None) or {}
    count = int(attrs.get("RestartCount") or 0)
    created = _state_time(str(attrs.get("Created") or ""))
    started = _state_time(str((attrs.get("State") or {}).get("StartedAt") or ""))
    if count < 1 or created is None or started is None:
        return None
    seconds = (started - created).total_seconds()
    return seconds / count if seconds >= 0 else None


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


def file_tail(container: Any, path: str, lines: int = LOG_TAIL_LINES) -> list[str] | None:
    """The last `lines` lines of a file in the container, running or exited (through the
    archive API, as `docker cp` reads it); a relative path is read from its working directory.
    None when there is no such file or the engine refuses."""
    import io
    import tarfile

    if not path.startswith("/"):
        config = (getattr(container, "attrs", None) or {}).get("Config") or {}
        path = posixpath.join(config.get("WorkingDir") or "/", path)
    try:
        stream, _ = container.get_archive(path)
        data = b"".join(stream)
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            member = next((m for m in archive.getmembers() if m.isfile()), None)
            handle = archive.extractfile(member) if member is not None else None
            if handle is None:
                return None
            # The tail only: a worker's log file can be large.
            text = handle.read()[-200_000:].decode("utf-8", "replace")
    except (docker.errors.DockerException, tarfile.TarError, OSError):
        return None
    return text.splitlines()[-lines:]


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
    volumes: Iterable[str] = (),
) -> list[str]:
    """Force-remove by name/tag/id, ignoring what is already gone. Returns the failures.

    Containers first (they hold networks, volumes and images), images last."""
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
    for name in volumes:
        try:
            api.volumes.get(name).remove(force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.DockerException as exc:
            failures.append(f"volume {name}: {exc}")
    for ref in images:
        try:
            api.images.remove(ref, force=True, noprune=False)
        except docker.errors.ImageNotFound:
            pass
        except docker.errors.DockerException as exc:
            failures.append(f"image {ref}: {exc}")
    return failures


@dataclass
class Labelled:
    """Objects that carry a `dj-optimize.run` label: name (or id) -> the run id."""

    containers: dict[str, str] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)
    networks: dict[str, str] = field(default_factory=dict)
    volumes: dict[str, str] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.containers or self.images or self.networks or self.volumes)

    def describe(self) -> list[str]:
        return [
            f"{kind} {name}"
            for kind, found in (
                ("container", self.containers),
                ("image", self.images),
                ("network", self.networks),
                ("volume", self.volumes),
            )
            for name in sorted(found)
        ]


def find_labelled(run_id: str | None = None) -> Labelled:
    """Everything labelled by verify: one run's (`run_id`) or any run's."""
    wanted = f"{RUN_LABEL}={run_id}" if run_id else RUN_LABEL
    filters = {"label": wanted}
    api = client()
    found = Labelled()
    for container in api.containers.list(all=True, filters=filters):
        found.containers[container.name] = (container.labels or {}).get(RUN_LABEL, "")
    for image in api.images.list(filters=filters):
        name = image.tags[0] if image.tags else image.id
        found.images[name] = (image.labels or {}).get(RUN_LABEL, "")
    for network in api.networks.list(filters=filters):
        found.networks[network.name] = (network.attrs.get("Labels") or {}).get(RUN_LABEL, "")
    for volume in api.volumes.list(filters=filters):
        found.volumes[volume.name] = (volume.attrs.get("Labels") or {}).get(RUN_LABEL, "")
    return found


def remove_labelled(found: Labelled) -> list[str]:
    # By id for untagged images; every tag of a tagged one goes with `force`.
    return remove(
        containers=found.containers,
        networks=found.networks,
        volumes=found.volumes,
        images=found.images,
    )
