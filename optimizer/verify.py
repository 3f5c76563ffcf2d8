"""Prove a rewrite: build the original and the rewritten Dockerfile, run both, compare.

Both sides are built from scratch copies of the context with their files overlaid, so the user's
tree is never written to (the rebuild measurement edits a source file in the copies). Everything
created (containers, images, the network, the scratch directory) carries the run's unique prefix
and is removed in a `finally`, also when the run is interrupted.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from optimizer import engine
from optimizer.dockerfile import Dockerfile, DockerfileError, parse_from

# Moved to ports.py (the healthcheck transform reads them too); still importable from here.
from optimizer.ports import DEFAULT_PORT as DEFAULT_PORT
from optimizer.ports import detect_port as detect_port
from optimizer.ports import port_from_command as port_from_command

PROBE_TIMEOUT = 5.0
MAX_BODY = 1 << 20
# How long a server that answers inside its container must keep failing from the host before we
# call it unreachable from the host (docker-proxy may lag the server by a moment).
HOST_GRACE_SECONDS = 3.0

# Things a runtime image does not need; what the rewrite removed is reported, not judged.
SYSTEM_PATHS = [
    "/usr/bin/gcc",
    "/usr/bin/g++",
    "/usr/bin/cc",
    "/usr/bin/make",
    "/usr/bin/git",
    "/usr/include/stdio.h",  # libc6-dev: a sign of a full toolchain
    "/usr/include/postgresql",
    "/usr/include/mysql",
    "/usr/include/mariadb",
    "/usr/include/libxml2",
    "/usr/include/openssl",
    "/root/.cache/pip",
    "/root/.cache/uv",
]
APP_PATHS = [".git", ".env", "node_modules"]
APP_LABEL = "$APP/"  # app-relative paths are keyed by label: each side has its own WORKDIR

Serving = Literal["host", "container", "none"]
# A rewrite that only adds a user (useradd writes /etc/passwd, /etc/shadow and a home) grows
# the image by a few KB; that is not "larger" in any sense a deploy notices.
SIZE_TOLERANCE = 64 * 1024


@dataclass
class VerifyOptions:
    probes: list[str] = field(default_factory=lambda: ["/"])
    env: dict[str, str] = field(default_factory=dict)
    # Container port for both sides; None detects each side's from its CMD bind / EXPOSE / 8000.
    port: int | None = None
    build_timeout: float = 900.0
    start_timeout: float = 60.0
    stop_timeout: float = 15.0
    keep_images: bool = False
    measure_rebuild: bool = True
    # Context-relative source file changed for the rebuild measurement; None picks a .py file.
    touch_file: str | None = None
    # Host header of every probe, the same on both sides so responses are comparable.
    host_header: str = "localhost"


@dataclass
class ProbeResult:
    path: str
    status: int | None = None
    location: str | None = None
    error: str | None = None
    body_sha256: str | None = None  # of the normalised body
    body_excerpt: str = ""
    via: Serving = "none"
    # The normalised body, for comparing; not in the JSON report.
    body: str = field(default="", repr=False)

    @property
    def answered(self) -> bool:
        return self.status is not None

    def key(self) -> tuple[int | None, str | None, str]:
        return self.status, self.location, self.body


@dataclass
class LayerSummary:
    size: int
    created_by: str


@dataclass
class SideReport:
    dockerfile: str = "Dockerfile"
    build_ok: bool = False
    build_log_tail: list[str] = field(default_factory=list)
    cold_build_seconds: float | None = None
    rebuild_seconds: float | None = None
    image_id: str | None = None
    image_size: int | None = None
    base_image: str | None = None
    base_size: int | None = None
    bytes_above_base: int | None = None
    layers: int | None = None
    top_layers: list[LayerSummary] = field(default_factory=list)
    user: str | None = None  # the image's USER ("root" when unset)
    uid: int | None = None  # `id -u` in the running container
    port: int | None = None
    serving: Serving = "none"
    ready_seconds: float | None = None
    stopped_on_sigterm: bool | None = None
    stop_seconds: float | None = None
    exit_code: int | None = None
    probes: list[ProbeResult] = field(default_factory=list)
    paths_present: dict[str, bool] = field(default_factory=dict)
    container_log_tail: list[str] = field(default_factory=list)

    @property
    def reachable_from_host(self) -> bool:
        return self.serving == "host"

    @property
    def serves(self) -> bool:
        return self.serving != "none"


@dataclass
class VerifyReport:
    run_id: str
    before: SideReport
    after: SideReport
    size_saving_bytes: int | None = None
    size_saving_percent: float | None = None
    # after / before of bytes above base: what the benchmark targets measure.
    above_base_ratio: float | None = None
    removed_paths: list[str] = field(default_factory=list)
    added_paths: list[str] = field(default_factory=list)
    probes_equal: dict[str, bool] = field(default_factory=dict)
    passed: bool = False
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name, side in (("before", self.before), ("after", self.after)):
            data[name]["reachable_from_host"] = side.reachable_from_host
            data[name]["serves"] = side.serves
            for probe in data[name]["probes"]:
                probe.pop("body", None)
        return data


# -- pure helpers (unit-tested) ------------------------------------------------------------------

_CSRF_INPUT = re.compile(
    r"""(name=["']csrfmiddlewaretoken["'][^>]*?value=["'])[^"']*|"""
    r"""(value=["'])[^"']*(["'][^>]*?name=["']csrfmiddlewaretoken["'])""",
    re.IGNORECASE,
)
_CSRF_COOKIE = re.compile(r"(csrftoken=)[A-Za-z0-9]+")
_CSRF_JS = re.compile(r"""(["']?csrf_?token["']?\s*[:=]\s*["'])[A-Za-z0-9]{32,}""", re.IGNORECASE)
_NONCE = re.compile(r"""(nonce=["']?)[A-Za-z0-9+/=_-]+""", re.IGNORECASE)
_ISO_TIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
# Also RFC 5322 with a numeric zone and an unpadded day: Django's "Server time" on its DEBUG page.
_HTTP_DATE = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2}"
    r" (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d{4} \d{2}:\d{2}:\d{2} (?:GMT|[+-]\d{4})"
)
# Characters of one path segment. Quotes, `&` (HTML-escaped quotes), `:` (PATH-style lists),
# commas and brackets end a path, so sys.path reprs and escaped tracebacks split where they should.
_SEGMENT = r"[\w.+@~-]+"
# A path must start where a path can start, not in the middle of a longer one.
_PATH_START = r"(?<![\w.+@~/-])"
# The rewrite may move packages from the system Python into a virtualenv: tracebacks and
# sys.path on Django's DEBUG page then name a different install prefix for the same files.
_SITE_PACKAGES = re.compile(_PATH_START + rf"(?:/{_SEGMENT})*/(?:site|dist)-packages(?![\w-])")
# sys.executable moves with it (/usr/local/bin/python -> /opt/venv/bin/python).
_PYTHON_EXE = re.compile(
    _PATH_START + rf"(?:/{_SEGMENT})*/bin/python(?:\d+(?:\.\d+)?)?(?![\w.+@~/-])"
)
# Object reprs in DEBUG tracebacks' local variables: addresses change with every process.
_ADDRESS = re.compile(r"\b(at 0x)[0-9a-fA-F]{4,16}\b")


def container_identities(container: Any) -> list[str]:
    """What names a container from inside: its hostname (Docker's default is the short id) and
    its id, full and short. Empty values are left out."""
    attrs = getattr(container, "attrs", None) or {}
    hostname = str((attrs.get("Config") or {}).get("Hostname") or "")
    full_id = str(getattr(container, "id", None) or attrs.get("Id") or "")
    return [value for value in dict.fromkeys((hostname, full_id, full_id[:12])) if value]


def _mask_identities(body: str, identities: Iterable[str]) -> str:
    names = sorted({i for i in identities if i}, key=len, reverse=True)  # full id before short
    if not names:
        return body
    # Only whole tokens: a short id that happens to sit inside a longer hex string is content.
    pattern = r"(?<![0-9A-Za-z])(?:" + "|".join(map(re.escape, names)) + r")(?![0-9A-Za-z])"
    return re.sub(pattern, "<container>", body)


def normalize_body(body: str, identities: Iterable[str] = ()) -> str:
    """Drop what legitimately differs between two runs of the same app: CSRF tokens, CSP
    nonces, timestamps, object addresses, the container's own hostname and id (`identities`),
    and where Python and its installed packages live."""

    def csrf_input(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1) + "<csrf>"
        return match.group(2) + "<csrf>" + match.group(3)

    body = _mask_identities(body, identities)
    body = _SITE_PACKAGES.sub("<site-packages>", body)
    body = _PYTHON_EXE.sub("<python>", body)
    body = _ADDRESS.sub(r"\1<addr>", body)
    body = _CSRF_INPUT.sub(csrf_input, body)
    body = _CSRF_COOKIE.sub(r"\1<csrf>", body)
    body = _CSRF_JS.sub(r"\1<csrf>", body)
    body = _NONCE.sub(r"\1<nonce>", body)
    body = _HTTP_DATE.sub("<date>", body)
    body = _ISO_TIME.sub("<timestamp>", body)
    if _DJANGO_DEBUG_PAGE in body:
        # Django's debug pages key each traceback frame by id(frame), a new number per process,
        # and list the request's and the process's environment, which the rewrite changes on
        # purpose (PATH gains the venv, PYTHON* hygiene variables) or which changes per request.
        body = _FRAME_ID.sub(r"\1<frame>", body)
        body = _ENV_ROW.sub("", body)
    return body


_DJANGO_DEBUG_PAGE = 'content="NONE,NOARCHIVE"'
_FRAME_ID = re.compile(r"""(\b(?:c|pre|post|v)|["'])\d{9,}\b""")
_ENV_KEYS = (
    "PATH",
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PIP_NO_CACHE_DIR",
    "HOME",
    "HOSTNAME",
    "REMOTE_PORT",
    "gunicorn.socket",
    "wsgi.input",
    "wsgi.errors",
    "wsgi.file_wrapper",
)
_ENV_ROW = re.compile(
    r"<tr>\s*<td>(?:" + "|".join(re.escape(k) for k in _ENV_KEYS) + r")</td>\s*"
    r"<td class=\"code\"><pre>.*?</pre></td>\s*</tr>\s*",
    re.DOTALL,
)


def normalize_location(location: str | None) -> str | None:
    """A redirect target without scheme and host: the host port differs between containers."""
    if location is None:
        return None
    return re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", location) or "/"


def make_probe(
    path: str,
    status: int,
    location: str | None,
    raw: bytes,
    via: Serving,
    identities: Iterable[str] = (),
) -> ProbeResult:
    body = normalize_body(raw.decode("utf-8", "replace"), identities)
    return ProbeResult(
        path=path,
        status=status,
        location=normalize_location(location),
        body_sha256=hashlib.sha256(body.encode()).hexdigest(),
        body_excerpt=" ".join(body.split())[:200],
        via=via,
        body=body,
    )


def base_image(dockerfile_text: str) -> str | None:
    """The external image the final stage builds on (following `FROM <stage>` chains)."""
    try:
        parsed = Dockerfile.parse(dockerfile_text)
    except DockerfileError:
        return None
    stages = parsed.stages()
    by_name = {s.name.lower(): s for s in stages if s.name}
    stage = stages[-1]
    for _ in range(len(stages)):
        ref = parsed.resolve(parse_from(parsed.instructions[stage.start].value)[0])
        earlier = by_name.get(ref.lower())
        if earlier is None or earlier.index >= stage.index:
            return ref
        stage = earlier
    return None


def pick_touch_file(root: Path) -> str | None:
    """A project source file to change for the rebuild measurement: views.py, else urls.py, else
    another .py file; never a dependency manifest (changing one reinstalls everything)."""
    skip_dirs = {".git", ".venv", "venv", "env", "node_modules", "__pycache__", ".tox", "build"}
    manifests = {"setup.py", "conftest.py"}
    rank = {"views.py": 0, "urls.py": 1, "models.py": 2}
    best: tuple[int, int, str] | None = None
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and "site-packages" not in d)
        rel_dir = Path(dirpath).relative_to(root)
        for filename in filenames:
            if not filename.endswith(".py") or filename in manifests:
                continue
            rel = (rel_dir / filename).as_posix()
            candidate = (rank.get(filename, 3), rel.count("/"), rel)
            if best is None or candidate < best:
                best = candidate
    return best[2] if best else None


def compare_probes(before: list[ProbeResult], after: list[ProbeResult]) -> dict[str, bool]:
    after_by_path = {p.path: p for p in after}
    result: dict[str, bool] = {}
    for probe in before:
        other = after_by_path.get(probe.path)
        result[probe.path] = (
            other is not None and probe.answered and other.answered and probe.key() == other.key()
        )
    return result


def decide(before: SideReport, after: SideReport, probes_equal: dict[str, bool]) -> list[str]:
    """Why the rewrite fails verification; empty when it passes."""
    reasons: list[str] = []
    if not before.build_ok:
        reasons.append("original does not build")
    if not after.build_ok:
        reasons.append("rewritten Dockerfile does not build")
    if reasons:
        return reasons
    if not after.serves:
        reasons.append(f"rewritten container does not answer HTTP on port {after.port}")
    elif not after.reachable_from_host:
        reasons.append(
            f"rewritten container answers only inside itself, not on published port {after.port}"
        )
    if before.serves and after.serves:
        after_by_path = {p.path: p for p in after.probes}
        for probe in before.probes:
            if probe.answered and not probes_equal.get(probe.path, False):
                other = after_by_path.get(probe.path)
                reasons.append(f"GET {probe.path}: {_describe_difference(probe, other)}")
    elif after.serves:
        # Nothing to compare against: the rewrite must at least serve without server errors.
        for probe in after.probes:
            if not probe.answered or (probe.status or 0) >= 500:
                reasons.append(f"GET {probe.path}: rewritten container answers {_status(probe)}")
    if (
        before.image_size is not None
        and after.image_size is not None
        and after.image_size > before.image_size + SIZE_TOLERANCE
    ):
        reasons.append(
            f"rewritten image is larger ({after.image_size} > {before.image_size} bytes)"
        )
    return reasons


def _status(probe: ProbeResult | None) -> str:
    if probe is None:
        return "nothing (not probed)"
    if probe.status is None:
        return f"nothing ({probe.error or 'no answer'})"
    return str(probe.status)


def _describe_difference(before: ProbeResult, after: ProbeResult | None) -> str:
    if after is None or after.status != before.status:
        return f"status differs (before {_status(before)}, after {_status(after)})"
    if after.location != before.location:
        return f"redirect differs (before {before.location}, after {after.location})"
    index = next(
        (n for n, (a, b) in enumerate(zip(before.body, after.body, strict=False)) if a != b),
        min(len(before.body), len(after.body)),
    )
    return (
        f"body differs at character {index} (before {before.body[index : index + 40]!r}, "
        f"after {after.body[index : index + 40]!r})"
    )


# -- probing -------------------------------------------------------------------------------------


def probe_host(
    port: int, path: str, host_header: str, identities: Iterable[str] = ()
) -> ProbeResult:
    """GET through the port published on 127.0.0.1; redirects are compared, not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        connection.request(
            "GET", path, headers={"Host": host_header, "Accept": "text/html", "Connection": "close"}
        )
        response = connection.getresponse()
        raw = response.read(MAX_BODY)
        return make_probe(
            path, response.status, response.getheader("Location"), raw, "host", identities
        )
    except (OSError, http.client.HTTPException) as exc:
        return ProbeResult(path=path, error=f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


# Run with the image's own Python: the classic bug binds the server to 127.0.0.1 inside the
# container, where only the container itself can reach it.
_INSIDE_PROBE = """
import base64, http.client, json, sys
port, path, host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path, headers={"Host": host, "Accept": "text/html", "Connection": "close"})
    r = c.getresponse()
    b = r.read(MAX_BODY)
    print(json.dumps({"status": r.status, "location": r.getheader("Location"),
                      "body": base64.b64encode(b).decode()}))
except Exception as e:
    print(json.dumps({"error": type(e).__name__ + ": " + str(e)}))
""".replace("MAX_BODY", str(MAX_BODY))


def probe_inside(
    container: Any, port: int, path: str, host_header: str, identities: Iterable[str] = ()
) -> ProbeResult:
    for python in ("python3", "python"):
        code, output = engine.exec_in(
            container, [python, "-c", _INSIDE_PROBE, str(port), path, host_header]
        )
        if code in (126, 127) and "{" not in output:
            continue  # no such interpreter
        try:
            data = json.loads(output.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return ProbeResult(path=path, error=f"in-container probe failed: {output[-200:]}")
        if "error" in data:
            return ProbeResult(path=path, error=str(data["error"]))
        raw = base64.b64decode(data["body"])
        return make_probe(
            path, int(data["status"]), data.get("location"), raw, "container", identities
        )
    return ProbeResult(path=path, error="no python in the container to probe from inside")


# -- the run -------------------------------------------------------------------------------------


@dataclass
class _Run:
    run_id: str
    scratch: Path
    containers: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    kept_images: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)


def verify(
    context: Path,
    before: dict[str, str],
    after: dict[str, str],
    options: VerifyOptions,
    progress: Callable[[str], None] = lambda s: None,
    *,
    dockerfile: str = "Dockerfile",
) -> VerifyReport:
    """Build, run and compare both sides. `before`/`after` map context-relative paths to contents
    that replace the context's files on that side; both must contain `dockerfile`."""
    context = context.resolve()
    for side, files in (("before", before), ("after", after)):
        if dockerfile not in files:
            raise ValueError(f"{side} has no {dockerfile!r} entry")
        for rel in files:
            if Path(rel).is_absolute() or ".." in Path(rel).parts:
                raise ValueError(f"{side}: {rel!r} is not a context-relative path")
    run_id = f"djopt-verify-{secrets.token_hex(4)}"
    run = _Run(run_id, Path(tempfile.mkdtemp(prefix=f"{run_id}-")))
    report = VerifyReport(
        run_id, SideReport(dockerfile=dockerfile), SideReport(dockerfile=dockerfile)
    )
    try:
        _verify(context, before, after, options, progress, dockerfile, run, report)
    finally:
        _cleanup(run, options, report, progress)
    return report


def _verify(
    context: Path,
    before: dict[str, str],
    after: dict[str, str],
    options: VerifyOptions,
    progress: Callable[[str], None],
    dockerfile: str,
    run: _Run,
    report: VerifyReport,
) -> None:
    sides = {"before": (before, report.before), "after": (after, report.after)}
    roots: dict[str, Path] = {}
    progress("copying the build context")
    for name, (files, _) in sides.items():
        root = run.scratch / name
        _copy_context(context, root)
        for rel, text in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            target.write_text(text, encoding="utf-8")
        roots[name] = root

    touch = options.touch_file or pick_touch_file(context)
    if options.measure_rebuild and touch is None:
        report.notes.append("no Python source file to change: rebuild time not measured")

    for name, (files, side) in sides.items():
        tag = f"{run.run_id}-{name}"
        progress(f"{name}: cold build")
        run.images.append(tag)  # before building: an interrupt may leave a finished image
        if options.keep_images:
            run.kept_images.append(tag)
        result = engine.build(
            roots[name],
            files[dockerfile],
            tag,
            timeout=options.build_timeout,
            dockerfile=dockerfile,
            no_cache=True,
            on_line=_step_lines(name, progress),
        )
        side.build_ok = result.ok
        side.build_log_tail = result.log_tail
        side.cold_build_seconds = round(result.seconds, 2)
        side.image_id = result.image_id
        if not result.ok:
            progress(f"{name}: build failed")
            continue
        if options.measure_rebuild and touch is not None and report.before.build_ok:
            side.rebuild_seconds = _measure_rebuild(
                roots[name], touch, files[dockerfile], f"{tag}-rebuild", dockerfile, options, run
            )
            progress(f"{name}: rebuild after a code change took {side.rebuild_seconds} s")

    if not (report.before.build_ok and report.after.build_ok):
        _finish(report, options)
        return

    port_of: dict[str, int] = {}
    app_dirs: dict[str, str] = {}
    for name, (files, side) in sides.items():
        info = engine.image_info(f"{run.run_id}-{name}")
        side.image_size = info.size
        side.layers = info.layer_count
        side.user = info.user or "root"
        side.base_image = base_image(files[dockerfile])
        base_entries = 0
        if side.base_image == "scratch":
            side.base_size = 0
        elif side.base_image:
            side.base_size = engine.image_size(side.base_image)
            if side.base_size is not None:
                # History is newest first: the base's own entries are the oldest ones.
                base_entries = len(engine.image_info(side.base_image).history)
        side.top_layers = [
            LayerSummary(x.size, x.created_by) for x in info.top_layers(5, base_entries)
        ]
        if side.base_size is not None:
            side.bytes_above_base = info.size - side.base_size
        port_of[name] = options.port or detect_port(
            info.cmd, info.entrypoint, info.exposed_ports, {**info.env, **options.env}
        )
        side.port = port_of[name]
        app_dirs[name] = info.working_dir or "/"
        progress(f"{name}: checking leftover build paths")
        side.paths_present = _paths_present(
            f"{run.run_id}-{name}", app_dirs[name], f"{run.run_id}-{name}-paths", run, report
        )

    progress("starting both containers")
    network = f"{run.run_id}-net"
    engine.create_network(network)
    run.networks.append(network)
    containers: dict[str, Any] = {}
    started: dict[str, float] = {}
    for name in sides:
        container_name = f"{run.run_id}-{name}-run"
        run.containers.append(container_name)
        try:
            containers[name] = engine.run_container(
                f"{run.run_id}-{name}",
                container_name,
                port=port_of[name],
                env=options.env,
                network=network,
            )
        except engine.EngineError as exc:
            # A command that does not exist in the image, say: that side serves nothing.
            sides[name][1].container_log_tail = [str(exc)[-500:]]
            report.notes.append(f"the {name} container did not start: {str(exc)[-200:]}")
            continue
        started[name] = time.monotonic()

    for name, (_, side) in sides.items():
        if name not in containers:
            continue
        progress(f"{name}: waiting for HTTP on port {port_of[name]}")
        side.serving, ready = _await_http(
            containers[name], port_of[name], options, started[name] + options.start_timeout
        )
        if ready is not None:
            side.ready_seconds = round(ready - started[name], 2)
        host = engine.host_port(containers[name], port_of[name])  # reloads the attributes
        # Each side's own names: a page that prints its hostname differs only by the container.
        identities = container_identities(containers[name])
        for path in options.probes:
            if side.serving == "host" and host is not None:
                side.probes.append(probe_host(host, path, options.host_header, identities))
            elif side.serving == "container":
                side.probes.append(
                    probe_inside(
                        containers[name], port_of[name], path, options.host_header, identities
                    )
                )
        if engine.is_running(containers[name]):
            code, output = engine.exec_in(containers[name], ["id", "-u"])
            if code == 0 and output.strip().isdigit():
                side.uid = int(output.strip())

    if not report.before.serves:
        report.notes.append(
            "the original container serves nothing on its port: no responses to compare"
        )
    elif not report.before.reachable_from_host:
        report.notes.append(
            "the original container answers only from inside itself (bound to 127.0.0.1?): "
            "compared through docker exec"
        )

    progress("stopping both containers (SIGTERM)")
    with ThreadPoolExecutor(max_workers=2) as pool:
        stops = {
            name: pool.submit(_stop, containers[name], options.stop_timeout)
            for name in sides
            if name in containers
        }
    for name, (_, side) in sides.items():
        if name not in stops:
            continue
        was_running, exit_code, seconds = stops[name].result()
        side.exit_code = exit_code
        side.stop_seconds = round(seconds, 2) if was_running else None
        if was_running:
            # docker stop sends SIGKILL after the grace period: exit 137 means SIGTERM was ignored.
            side.stopped_on_sigterm = exit_code is not None and exit_code != 137
        if not side.serves or not side.stopped_on_sigterm:
            side.container_log_tail = engine.logs_tail(containers[name])
    _finish(report, options)


def _finish(report: VerifyReport, options: VerifyOptions) -> None:
    before, after = report.before, report.after
    if before.image_size and after.image_size is not None:
        report.size_saving_bytes = before.image_size - after.image_size
        report.size_saving_percent = round(100.0 * report.size_saving_bytes / before.image_size, 1)
        if 0 > report.size_saving_bytes >= -SIZE_TOLERANCE:
            report.notes.append(
                f"the rewritten image is {-report.size_saving_bytes} bytes larger (a user "
                "account and similar metadata): within tolerance"
            )
    if before.bytes_above_base and after.bytes_above_base is not None:
        report.above_base_ratio = round(after.bytes_above_base / before.bytes_above_base, 3)
    if before.paths_present and after.paths_present:
        report.removed_paths = [
            p
            for p, present in before.paths_present.items()
            if present and not after.paths_present.get(p, False)
        ]
        report.added_paths = [
            p
            for p, present in after.paths_present.items()
            if present and not before.paths_present.get(p, False)
        ]
    if before.serves:
        report.probes_equal = compare_probes(before.probes, after.probes)
    report.reasons = decide(before, after, report.probes_equal)
    report.passed = not report.reasons


def _copy_context(source: Path, target: Path) -> None:
    def special(directory: str, names: list[str]) -> list[str]:
        # Sockets and FIFOs: copying a FIFO would block, and docker cannot send them anyway.
        skipped = []
        for name in names:
            with contextlib.suppress(OSError):
                mode = os.lstat(os.path.join(directory, name)).st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                    skipped.append(name)
        return skipped

    shutil.copytree(source, target, symlinks=True, ignore=special)


def _measure_rebuild(
    root: Path,
    touch: str,
    dockerfile_text: str,
    tag: str,
    dockerfile: str,
    options: VerifyOptions,
    run: _Run,
) -> float | None:
    target = root / touch
    if not target.is_file() or target.is_symlink():
        return None
    with target.open("a", encoding="utf-8") as handle:
        # Unique text: a marker seen by an earlier run would hit that run's build cache.
        handle.write(f"\n# dj-optimize rebuild measurement {tag}\n")
    run.images.append(tag)
    result = engine.build(
        root, dockerfile_text, tag, timeout=options.build_timeout, dockerfile=dockerfile
    )
    return round(result.seconds, 2) if result.ok else None


_BUILD_STEP = re.compile(r"^#\d+ \[(?:[\w-]+ )?\d+/\d+\] ")


def _step_lines(side: str, progress: Callable[[str], None]) -> Callable[[str], None]:
    """Forward BuildKit's step headers (`#7 [3/6] RUN pip install ...`), not every log line."""

    def forward(line: str) -> None:
        if _BUILD_STEP.match(line):
            progress(f"{side}: {line.split(' ', 1)[1][:120]}")

    return forward


def _paths_present(
    tag: str, app_dir: str, container_name: str, run: _Run, report: VerifyReport
) -> dict[str, bool]:
    labelled = {p: p for p in SYSTEM_PATHS}
    for rel in APP_PATHS:
        labelled[APP_LABEL + rel] = app_dir.rstrip("/") + "/" + rel
    run.containers.append(container_name)
    try:
        found = engine.image_paths_present(tag, list(labelled.values()), name=container_name)
    except engine.EngineError as exc:
        report.notes.append(str(exc))
        return {}
    return {label: found.get(path, False) for label, path in labelled.items()}


def _await_http(
    container: Any, port: int, options: VerifyOptions, deadline: float
) -> tuple[Serving, float | None]:
    """Wait (bounded by `deadline`) until the server answers: on the published port ("host"), or
    only from inside the container ("container"), or not at all ("none")."""
    path = options.probes[0] if options.probes else "/"
    inside_since: float | None = None
    while time.monotonic() < deadline:
        if not engine.is_running(container):
            return "none", None
        host = engine.host_port(container, port)
        if host is not None and probe_host(host, path, options.host_header).answered:
            return "host", time.monotonic()
        if probe_inside(container, port, path, options.host_header).answered:
            now = time.monotonic()
            if inside_since is None:
                inside_since = now
            elif now - inside_since >= HOST_GRACE_SECONDS:
                return "container", inside_since
        time.sleep(0.5)
    return ("container", inside_since) if inside_since is not None else ("none", None)


def _stop(container: Any, timeout: float) -> tuple[bool, int | None, float]:
    was_running = engine.is_running(container)
    code, seconds = engine.stop(container, timeout)
    return was_running, code, seconds


def _cleanup(
    run: _Run, options: VerifyOptions, report: VerifyReport, progress: Callable[[str], None]
) -> None:
    progress("cleaning up")
    images = [t for t in run.images if t not in run.kept_images]
    failures: list[str] = []
    try:
        failures = engine.remove(containers=run.containers, images=images, networks=run.networks)
    except Exception as exc:  # the engine went away: still remove the scratch copy
        failures.append(str(exc))
    shutil.rmtree(run.scratch, ignore_errors=True)
    report.notes.extend(f"cleanup: {failure}" for failure in failures)
    if options.keep_images:
        report.notes.append("kept images: " + ", ".join(run.kept_images))
