"""What verify measured and decided, as plain data (the JSON report is `VerifyReport.to_dict`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from optimizer.ports import DEFAULT_PORT as DEFAULT_PORT

if TYPE_CHECKING:
    from optimizer.verify.runplan import RunPlan

Serving = Literal["host", "container", "none"]
Verdict = Literal["pass", "fail", "inconclusive"]
# What one probe proved: "same" (both answer alike with a real page), "differs", "proves-little"
# (both answer the same error status or a Django DEBUG error page: equal errors prove nothing
# about the app), "not-compared" (the original did not answer it). With no baseline (one image,
# `dj-optimize init --verify`): "answers" (a success: status below 400, not a DEBUG error page),
# "error" (a 4xx/5xx or a DEBUG error page), "no-answer".
ProbeVerdict = Literal[
    "same", "differs", "proves-little", "not-compared", "answers", "error", "no-answer"
]
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
    # `docker buildx build --builder NAME --load` instead of `docker build`.
    builder: str | None = None
    # The first build of each side bypasses the cache (`--no-cache`) to measure a cold build;
    # tests that do not measure builds turn it off to reuse the cache.
    cold_build: bool = True
    # How the app runs (command, env, services, pre-step): optimizer/verify/runplan.py. None:
    # the image's CMD, no services, no pre-step.
    run_plan: RunPlan | None = None


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
    # Asked again, this side answered another body: the page changes on every request (a
    # captcha's key, a random token), so its body cannot be compared between the sides.
    unstable: bool = False

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
class Reason:
    """One reason for the verdict, and what explains it (a build step's or container's last
    lines)."""

    text: str
    cause: list[str] = field(default_factory=list)


@dataclass
class HealthcheckRun:
    """The app's healthcheck, run with docker exec once the server answered (verify/health.py).

    `source`: "image" (the image's HEALTHCHECK) or "compose service NAME" (the app service's
    healthcheck, which replaces the image's under compose)."""

    source: str
    test: list[str]
    ran: bool = False  # False: the container did not serve, so it was not run
    exit_code: int | None = None  # None: it did not finish in time (or did not run)
    output_tail: list[str] = field(default_factory=list)
    tries: int = 0
    seconds: float | None = None
    # The program the shell or the runtime could not run ("curl"), and why: "missing" (not
    # found) or "not executable".
    tool: str | None = None
    tool_problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.ran and self.exit_code == 0


@dataclass
class SideReport:
    dockerfile: str = "Dockerfile"
    build_tried: bool = False
    build_ok: bool = False
    build_log_tail: list[str] = field(default_factory=list)
    build_failed_step: str | None = None  # `[2/3] RUN pip install ...`
    build_step_tail: list[str] = field(default_factory=list)  # that step's last output lines
    build_step_errors: list[str] = field(default_factory=list)  # its error lines before those
    build_errors: list[str] = field(default_factory=list)  # BuildKit's `ERROR:` lines
    started: bool | None = None  # None: not tried (no image)
    start_error: str | None = None
    stop_signal: str | None = None  # the image's STOPSIGNAL (None: SIGTERM)
    cold_build_seconds: float | None = None
    # 2: the first build failed at a RUN step and was tried once more (verify._verify).
    build_attempts: int = 1
    rebuild_seconds: float | None = None
    image_id: str | None = None
    image_size: int | None = None
    # Bytes of context files the rewrite copies in COPY lines the original has not (the
    # manifests copied ahead of the install, which `COPY . .` copies again): the growth a
    # cache-friendly order costs, allowed on top of SIZE_TOLERANCE.
    copied_ahead_bytes: int = 0
    # Bytes of the layers that compile the standard library's bytecode (the RUN
    # transforms/bytecode.py writes): a start-up trade the rewrite makes on purpose, allowed on
    # top of SIZE_TOLERANCE where the original has no such layer.
    stdlib_bytecode_bytes: int = 0
    # Bytes of the .pyc files in the image's site-packages, measured when the rewrite compiles
    # its dependencies' bytecode (UV_COMPILE_BYTECODE=1, `poetry install --compile`) where the
    # original did not: the same start-up trade, allowed on the same terms.
    dependency_bytecode_bytes: int = 0
    base_image: str | None = None
    base_size: int | None = None
    bytes_above_base: int | None = None
    layers: int | None = None
    top_layers: list[LayerSummary] = field(default_factory=list)
    user: str | None = None  # the image's USER ("root" when unset)
    uid: int | None = None  # `id -u` in the running container
    port: int | None = None
    # The server's command or configuration binds only a unix socket (for a proxy in front):
    # what says so, shown in the cause when nothing answers on `port`.
    unix_socket: str | None = None
    # The server (uwsgi) serves a TCP port with the uwsgi protocol only, not HTTP: what says so
    # (`uwsgi --socket :3031`, its ini file) and that port; shown in the cause likewise.
    uwsgi_protocol: str | None = None
    uwsgi_protocol_port: int | None = None
    serving: Serving = "none"
    ready_seconds: float | None = None
    stopped_on_sigterm: bool | None = None
    stop_seconds: float | None = None
    exit_code: int | None = None
    probes: list[ProbeResult] = field(default_factory=list)
    paths_present: dict[str, bool] = field(default_factory=dict)
    container_log_tail: list[str] = field(default_factory=list)
    # Throwaway services of this side (verify/services.py ServiceStatus.to_dict()).
    services: list[dict[str, Any]] = field(default_factory=list)
    # The pre-step (migrations) run before the server: PreStep.to_dict(), None when none ran.
    pre_step: dict[str, Any] | None = None
    # The app's healthcheck (the image's HEALTHCHECK or the compose service's); None: it has none.
    healthcheck: HealthcheckRun | None = None
    # The compose services run from this image besides the app (celery worker, beat), each
    # watched for a while: verify/workers.py WorkerRun.to_dict().
    workers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reachable_from_host(self) -> bool:
        return self.serving == "host"

    @property
    def serves(self) -> bool:
        return self.serving != "none"


@dataclass
class VerifyReport:
    run_id: str
    # None: no baseline, only the new image is built and run (`init --verify`, `--baseline
    # none`): the verdict says whether it builds, starts and answers (compare.decide_alone).
    before: SideReport | None
    after: SideReport
    size_saving_bytes: int | None = None
    size_saving_percent: float | None = None
    # after / before of bytes above base: what the benchmark targets measure.
    above_base_ratio: float | None = None
    removed_paths: list[str] = field(default_factory=list)
    added_paths: list[str] = field(default_factory=list)
    probes_equal: dict[str, bool] = field(default_factory=dict)
    probe_verdicts: dict[str, ProbeVerdict] = field(default_factory=dict)
    verdict: Verdict = "inconclusive"
    verdict_reasons: list[Reason] = field(default_factory=list)
    passed: bool = False  # verdict == "pass"
    reasons: list[str] = field(default_factory=list)  # the texts of verdict_reasons
    notes: list[str] = field(default_factory=list)
    interrupted_by: str | None = None  # the signal that stopped the run
    # Checked by label and on disk after cleanup: nothing the run created is left.
    cleaned_up: bool | None = None
    left_behind: list[str] = field(default_factory=list)

    def set_verdict(self, verdict: Verdict, reasons: list[Reason]) -> None:
        self.verdict = verdict
        self.verdict_reasons = reasons
        self.reasons = [r.text for r in reasons]
        self.passed = verdict == "pass"
    # How the app was run (RunPlan.to_dict()), and why nothing could be proven (a service image
    # missing, no command to run): non-empty means inconclusive, never passed.
    run_plan: dict[str, Any] | None = None
    inconclusive: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name, side in (("before", self.before), ("after", self.after)):
            if side is None:
                continue
            data[name]["reachable_from_host"] = side.reachable_from_host
            data[name]["serves"] = side.serves
            for probe in data[name]["probes"]:
                probe.pop("body", None)
        return data
