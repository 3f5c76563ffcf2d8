"""Comparing the two sides and deciding the verdict; with no baseline, judging the one image."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from optimizer.compose import example_for
from optimizer.dockerfile import Dockerfile, Instruction
from optimizer.engine import is_error_line
from optimizer.verify import health, workers
from optimizer.verify.report import (
    SIZE_TOLERANCE,
    ProbeResult,
    ProbeVerdict,
    Reason,
    SideReport,
    Verdict,
)

NOTHING_PROVEN = "nothing was proven"
# Django's DEBUG pages (technical 404 and 500) carry this robots meta tag.
_DJANGO_DEBUG_PAGE = 'content="NONE,NOARCHIVE"'
# The response panel of REST framework's browsable API page (rest_framework/base.html).
_DRF_BROWSABLE_API = 'class="response-info"'
CAUSE_LINES = 12


def compare_probes(before: list[ProbeResult], after: list[ProbeResult]) -> dict[str, bool]:
    after_by_path = {p.path: p for p in after}
    result: dict[str, bool] = {}
    for probe in before:
        other = after_by_path.get(probe.path)
        result[probe.path] = (
            other is not None and probe.answered and other.answered and probe.key() == other.key()
        )
    return result


def is_debug_page(probe: ProbeResult) -> bool:
    # Django serves its technical 404/500 pages with their error status; the admin's own pages
    # (the 200 login page) carry the same robots meta tag and are real answers, and so does
    # REST framework's browsable API, whose 401/403/404 are the API's answers, not DEBUG pages.
    return (
        (probe.status or 0) >= 400
        and _DJANGO_DEBUG_PAGE in probe.body
        and _DRF_BROWSABLE_API not in probe.body
    )


def judge_probes(
    before: list[ProbeResult] | None, after: list[ProbeResult]
) -> dict[str, ProbeVerdict]:
    """What each probe proves (with no baseline, `before` None: `judge_alone`). Equal error
    answers (the same 4xx/5xx, or Django DEBUG error pages on both sides) prove little: the app
    failed the same way before and after, whatever the rewrite did to it."""
    if before is None:
        return judge_alone(after)
    after_by_path = {p.path: p for p in after}
    verdicts: dict[str, ProbeVerdict] = {}
    for probe in before:
        other = after_by_path.get(probe.path)
        if not probe.answered:
            verdicts[probe.path] = "not-compared"
        elif other is None or not other.answered or other.status != probe.status:
            verdicts[probe.path] = "differs"
        elif (
            (probe.status or 0) >= 400
            or is_debug_page(probe)
            or is_debug_page(other)
            # A page new on every request (the original's own answers differ): no comparison.
            or (probe.key() != other.key() and probe.unstable)
        ):
            verdicts[probe.path] = "proves-little"
        elif probe.key() == other.key():
            verdicts[probe.path] = "same"
        else:
            verdicts[probe.path] = "differs"
    return verdicts


def judge_alone(probes: list[ProbeResult]) -> dict[str, ProbeVerdict]:
    """With no baseline, what each probe shows of the one image: "answers" (a success, status
    below 400: a page or a redirect, not a Django DEBUG error page), "error" (4xx/5xx: the app
    ran but did not serve this path), "no-answer"."""
    verdicts: dict[str, ProbeVerdict] = {}
    for probe in probes:
        if not probe.answered:
            verdicts[probe.path] = "no-answer"
        elif (probe.status or 0) >= 400 or is_debug_page(probe):
            verdicts[probe.path] = "error"
        else:
            verdicts[probe.path] = "answers"
    return verdicts


def copied_ahead_bytes(before_text: str, after_text: str, root: Path) -> int:
    """Bytes of the context files (under `root`, the side's copy of the context) that COPY
    lines of `after_text` name one by one and `before_text` has no such line for: what the
    rewrite copies ahead of the install (`COPY pyproject.toml poetry.lock ./`) on top of the
    source copy that brings them again. Directories, globs, variables and stage copies count
    nothing."""

    def copies(text: str) -> list[Instruction]:
        try:
            parsed = Dockerfile.parse(text)
        except Exception:  # an unparseable side: nothing to allow for
            return []
        return [
            i for i in parsed.instructions
            if i.keyword in {"COPY", "ADD"} and "from" not in i.flags
        ]

    had = {" ".join(i.value.split()) for i in copies(before_text)}
    total = 0
    for ins in copies(after_text):
        if " ".join(ins.value.split()) in had:
            continue
        sources = (ins.exec_form or shlex.split(ins.args, posix=True))[:-1]
        paths = [root / s.lstrip("/") for s in sources]
        if not sources or any(c in s for s in sources for c in "$*?[") or not all(
            p.is_file() for p in paths
        ):
            continue
        total += sum(p.stat().st_size for p in paths)
    return total


def size_allowance(before: SideReport, after: SideReport) -> int:
    """Growth the rewrite makes on purpose: the manifests it copies ahead of its install, and
    the standard library's bytecode it compiles where the original compiled none (the app's
    first response: example 06 in 0.46-0.52 s with it, 0.88-1.08 s without)."""
    bytecode = max(0, after.stdlib_bytecode_bytes - before.stdlib_bytecode_bytes)
    # And the dependencies' bytecode it compiles where the original's installs wrote none
    # (teo-garcia/django-template-monolith: UV_COMPILE_BYTECODE=1, 27 MB more, its first
    # response 44.3 s -> 16.4 s; failed as "larger" until this).
    bytecode += max(0, after.dependency_bytecode_bytes - before.dependency_bytecode_bytes)
    return after.copied_ahead_bytes + bytecode


def decide(
    before: SideReport | None, after: SideReport, probe_verdicts: dict[str, ProbeVerdict]
) -> tuple[Verdict, list[Reason]]:
    """pass: the rewrite builds, serves and answers like the original on at least one probe
    that proves something, and is not larger. fail: the rewrite broke something the original
    did. inconclusive: the original itself does not build, start or answer, or no probe proved
    anything; nothing was proven. With no baseline (`before` None): `decide_alone`."""
    if before is None:
        return decide_alone(after, probe_verdicts)
    fails: list[Reason] = []
    unknown: list[Reason] = []
    if not before.build_ok:
        unknown.append(
            Reason(
                f"the original does not build{_machine_cause(before)}: {NOTHING_PROVEN}",
                build_cause(before),
            )
        )
        if after.build_tried and not after.build_ok:
            unknown.append(
                Reason("the rewritten Dockerfile does not build either", build_cause(after))
            )
        return "inconclusive", unknown
    if not after.build_ok and _machine_cause(after):
        # The machine, not the rewrite: another build filled the disk meanwhile, or the engine
        # died mid-build.
        reason = Reason(
            f"the rewritten Dockerfile does not build{_machine_cause(after)}: {NOTHING_PROVEN}",
            build_cause(after),
        )
        return "inconclusive", [reason]
    if not after.build_ok:
        reason = Reason(
            "the rewritten Dockerfile does not build (the original does)", build_cause(after)
        )
        return "fail", [reason]
    pre_failed_before = bool(before.pre_step and not before.pre_step.get("ok"))
    if before.pre_step and pre_failed_before:
        unknown.append(
            Reason(
                f"the pre-step ({' '.join(before.pre_step['command'])}) fails on the original "
                f"image: {NOTHING_PROVEN} (choose another with --pre, or --pre '' for none)",
                list(before.pre_step.get("log_tail") or [])[-10:],
            )
        )
    elif before.pre_step and after.pre_step and not after.pre_step.get("ok"):
        fails.append(
            Reason(
                f"the pre-step ({' '.join(after.pre_step['command'])}) fails on the rewritten "
                "image (it works on the original)",
                list(after.pre_step.get("log_tail") or [])[-10:],
            )
        )
    if (
        before.image_size is not None
        and after.image_size is not None
        and after.image_size > before.image_size + SIZE_TOLERANCE + size_allowance(before, after)
    ):
        fails.append(
            Reason(
                f"the rewritten image is larger ({after.image_size} > {before.image_size} bytes)"
            )
        )
    if not before.serves:
        what = "start" if before.started is False else f"answer HTTP on port {before.port}"
        unknown.append(
            Reason(
                f"the original does not {what}: no responses to compare, {NOTHING_PROVEN}",
                container_cause(before),
            )
        )
    elif not after.serves:
        what = "start" if after.started is False else f"answer HTTP on port {after.port}"
        fails.append(
            Reason(
                f"the rewritten container does not {what} (the original does)",
                container_cause(after),
            )
        )
    else:
        if before.reachable_from_host and not after.reachable_from_host:
            fails.append(
                Reason(
                    "the rewritten container answers only inside itself, not on published "
                    f"port {after.port} (the original answers there)",
                    container_cause(after),
                )
            )
        after_by_path = {p.path: p for p in after.probes}
        for probe in before.probes:
            if probe_verdicts.get(probe.path) != "differs":
                continue
            other = after_by_path.get(probe.path)
            failed = other is None or other.status is None or other.status >= 500
            cause = container_cause(after) if failed else []
            fails.append(Reason(f"GET {probe.path}: {_describe_difference(probe, other)}", cause))
        fails += health.judge(before, after)
        fails += workers.judge(before, after)[0]
    if pre_failed_before:
        # The original was not run the way it runs (its migrations failed, say): whatever the
        # rewrite did afterwards proves nothing either way.
        return "inconclusive", unknown + fails
    if fails:
        return "fail", fails
    if unknown:
        return "inconclusive", unknown
    if not any(v == "same" for v in probe_verdicts.values()):
        reasons = [Reason(f"no probe proved anything: {NOTHING_PROVEN}")]
        for probe in before.probes:
            verdict = probe_verdicts.get(probe.path)
            if verdict == "proves-little":
                reasons.append(Reason(f"GET {probe.path}: {proves_little(probe)}"))
            elif verdict == "not-compared":
                reasons.append(
                    Reason(f"GET {probe.path}: the original does not answer ({_status(probe)})")
                )
        if not before.probes:
            reasons.append(Reason("no probes were made"))
        return "inconclusive", reasons
    return "pass", []


def decide_alone(
    side: SideReport, probe_verdicts: dict[str, ProbeVerdict]
) -> tuple[Verdict, list[Reason]]:
    """The verdict on one image with no baseline: it builds, starts and answers.

    pass: it builds, the pre-step (if any) succeeds, the container answers HTTP on its published
    port, and at least one probe answers with a success (`judge_alone`: below 400 and not a
    Django DEBUG error page; a 200 on `/` or `/admin/login/` is one). fail: it does not build,
    the pre-step fails, the container does not start or exits or never answers, it answers only
    from inside itself (nothing reaches the published port), or every probe answers with an
    error or not at all. inconclusive: the build failed for the machine's reasons (a full disk,
    the engine gone), not the Dockerfile's; the caller adds the rest (no engine, an interrupt,
    a service image missing or not ready)."""
    if not side.build_ok and _machine_cause(side):
        reason = f"the image does not build{_machine_cause(side)}: {NOTHING_PROVEN}"
        return "inconclusive", [Reason(reason, build_cause(side))]
    if not side.build_ok:
        return "fail", [Reason("the Dockerfile does not build", build_cause(side))]
    fails: list[Reason] = []
    if side.pre_step and not side.pre_step.get("ok"):
        fails.append(
            Reason(
                f"the pre-step ({' '.join(side.pre_step['command'])}) fails on the image "
                "(choose another with --pre, or --pre '' for none)",
                list(side.pre_step.get("log_tail") or [])[-10:],
            )
        )
    if not side.serves:
        what = "start" if side.started is False else f"answer HTTP on port {side.port}"
        fails.append(Reason(f"the container does not {what}", container_cause(side)))
        return "fail", fails
    if not side.reachable_from_host:
        fails.append(
            Reason(
                f"the container answers only inside itself, not on published port {side.port} "
                "(bound to 127.0.0.1?)",
                container_cause(side),
            )
        )
    fails += health.judge_alone(side)
    fails += workers.judge_alone(side)[0]
    if not any(v == "answers" for v in probe_verdicts.values()):
        reasons = [Reason(
                "no probe answered with a success (a status below 400): name a path that "
                "does with --probe"
            )]
        for probe in side.probes:
            what = "a Django DEBUG error page" if is_debug_page(probe) else _status(probe)
            reasons.append(Reason(f"GET {probe.path}: {what}"))
        if not side.probes:
            reasons.append(Reason("no probes were made"))
        reasons[-1].cause = container_cause(side)
        fails += reasons
    if fails:
        return "fail", fails
    return "pass", []


_NO_SPACE = "No space left on device"
# BuildKit's client losing the engine mid-build (dockerd 20.10 panicked in BuildKit's solver on
# the lab: `ERROR: failed to receive status: rpc error: code = Unavailable desc = error reading
# from server: EOF`), or the docker CLI not reaching it at all. Read from BuildKit's own ERROR
# lines only: a step's output may mention connections for its own reasons.
_ENGINE_GONE = (
    "rpc error: code = Unavailable",
    "failed to receive status",
    "Cannot connect to the Docker daemon",
    "error during connect",
)


# BuildKit fetching an image (a base, `COPY --from=ghcr.io/...`) from a registry it cannot
# reach: orimi's `Head "https://ghcr.io/v2/astral-sh/uv/manifests/latest": dial tcp: lookup
# ghcr.io ...: no such host`. A name the registry does not know ("not found", "pull access
# denied") is the Dockerfile's, so only the network's words count.
_FETCHING = ("failed to do request", "failed to resolve source metadata", "failed to fetch")
_UNREACHABLE = (
    "dial tcp",
    "no such host",
    "i/o timeout",
    "connection refused",
    "TLS handshake timeout",
    "network is unreachable",
    "toomanyrequests",
)


def _unreachable_image(side: SideReport) -> str:
    """A clause naming the image a build could not fetch because its registry did not answer
    (no network, a rate limit): the machine's reason, not the Dockerfile's."""
    for line in side.build_errors:
        if not any(m in line for m in _FETCHING) or not any(m in line for m in _UNREACHABLE):
            continue
        image = _image_in_request(line)
        what = f"image {image}" if image else "an image it needs"
        pull = f"`docker pull {image}`" if image else "pull it"
        return (
            f" (the build could not fetch {what}: its registry does not answer from this "
            f"engine; {pull} where it does, or run again when it answers)"
        )
    return ""


def _image_in_request(line: str) -> str | None:
    """`python:3.11-slim` from `resolve source metadata for docker.io/library/python:3.11-slim`
    or `ghcr.io/astral-sh/uv:latest` from `Head "https://ghcr.io/v2/astral-sh/uv/manifests/latest"`."""
    marker = "source metadata for "
    at = line.find(marker)
    if at >= 0:
        ref = line[at + len(marker) :].split(":", 2)
        if len(ref) >= 2:
            name = ref[0] + ":" + ref[1].split()[0]
            return name.removeprefix("docker.io/").removeprefix("library/")
    start = line.find("https://")
    if start < 0:
        return None
    url = line[start + len("https://") :].split('"', 1)[0]
    host, _, path = url.partition("/v2/")
    repo, _, tag = path.partition("/manifests/")
    if not host or not repo or not tag:
        return None
    if host in ("registry-1.docker.io", "index.docker.io", "docker.io"):
        return f"{repo.removeprefix('library/')}:{tag}"
    return f"{host}/{repo}:{tag}"


def _machine_cause(side: SideReport) -> str:
    """A clause naming the machine when a build failed for the machine's reasons (a full disk,
    the engine gone, a registry that does not answer), not the Dockerfile's: then neither
    side's failure proves anything."""
    disk = _disk_full(side)
    if disk:
        return disk
    unreachable = _unreachable_image(side)
    if unreachable:
        return unreachable
    stuck = _stuck_before_any_step(side)
    if stuck:
        return stuck
    gone = next((e for e in side.build_errors if any(m in e for m in _ENGINE_GONE)), None)
    if gone is None:
        return ""
    return (
        f" (the container engine went away during the build: {gone.removeprefix('ERROR: ')}; "
        "check that `docker info` answers and run again)"
    )


def _stuck_before_any_step(side: SideReport) -> str:
    """A clause naming the engine when the build timed out before it ran any step of the
    Dockerfile: still on a FROM (or BuildKit's own `[internal]` loading), so nothing of the
    Dockerfile was tried. verify15: another user's `docker builder prune` held BuildKit for
    25 min; Despair-17/YourBlog's original waited 900 s at `[1/7] FROM python:3.11-slim`, a
    local image, and was said not to build; on the rewrite's side that was a fail."""
    timed_out = next((e for e in side.build_errors if e.startswith("build timed out")), None)
    if timed_out is None:
        return ""
    step = (side.build_failed_step or "").strip()
    words = step.split("] ", 1)[-1].split() if step else []
    if step and not step.startswith("[internal]") and words[:1] != ["FROM"]:
        return ""
    where = f", still at `{step}`" if step else ""
    return (
        f" (the {timed_out} without running any step of the Dockerfile{where}: the engine "
        "was busy, another build or a `docker builder prune` holding BuildKit, or slow to "
        "fetch the base image; run again when `docker buildx du` answers at once)"
    )


def _disk_full(side: SideReport) -> str:
    """A clause naming the cause when the build failed because the engine's disk is full
    (ENOSPC in the build log): not the Dockerfile's fault, on either side."""
    lines = side.build_log_tail + side.build_step_tail + side.build_errors
    if any(_NO_SPACE in line for line in lines):
        return (
            f" (the engine ran out of disk space: {_NO_SPACE}; free some, e.g. "
            "`docker builder prune`, and run again)"
        )
    return ""


# Django's 400 for a Host header ALLOWED_HOSTS refuses: its DEBUG page names the exception, the
# log line (and the DEBUG page's text) says "Invalid HTTP_HOST header".
_DISALLOWED_HOST = ("DisallowedHost", "Invalid HTTP_HOST header")


def refuses_host(probe: ProbeResult) -> bool:
    return probe.status == 400 and any(mark in probe.body for mark in _DISALLOWED_HOST)


def proves_little(probe: ProbeResult) -> str:
    if probe.unstable:
        return (
            f"the original answered {probe.status} with another body when asked again (the page "
            "changes on every request: a captcha, a random token), so the two sides' bodies "
            "cannot be compared: this probe proves little"
        )
    if refuses_host(probe):
        return (
            "both sides answer 400: Django refuses the Host header (DisallowedHost, not in "
            "ALLOWED_HOSTS): this probe proves little; give a host the settings allow with --host"
        )
    what = "a Django DEBUG error page" if is_debug_page(probe) else "the same error"
    return f"both sides answer {probe.status} ({what}): this probe proves little"


def add_hint_to_not_serving(reasons: list[Reason], before: SideReport, hint: str | None) -> None:
    """Add `hint` (the run plan's word on a dropped bind mount) to the cause of "the original
    does not start / answer": testdrivenio's image holds no code, compose mounts it at /app, and
    the log said only "can't open file '/app/manage.py'"."""
    if not hint or not before.build_ok or before.serves:
        return
    for reason in reasons:
        if reason.text.startswith("the original does not"):
            reason.cause.append(hint)


def missing_file_hint(side: SideReport, context: Path) -> str | None:
    """When the build failed on a file the context lacks (`"/.env" not found`: a gitignored
    .env the Dockerfile COPYs) and a committed template of it is there, how to make it."""
    if side.build_ok:
        return None
    for line in side.build_errors:
        start = line.find('"/')
        end = line.find('" not found', start + 2) if start >= 0 else -1
        if end < 0:
            continue
        rel = line[start + 2 : end]
        if not rel or ".." in Path(rel).parts or (context / rel).exists():
            continue
        template = example_for(context / rel, context)
        if template is not None:
            made = template.relative_to(context).as_posix()
            return (
                f"{rel} is not in the context (not committed); {made} is its committed "
                f"template: `cp {made} {rel}` (and fill it in) before verifying"
            )
    return None


def proved_by(probes: list[ProbeResult], verdicts: dict[str, ProbeVerdict]) -> list[str]:
    """One line per probe a pass rests on: both sides gave the same real answer."""
    return [
        f"GET {p.path}: both sides answer {p.status} alike: proves the rewrite serves it as "
        "the original does"
        for p in probes
        if verdicts.get(p.path) == "same"
    ]


def build_cause(side: SideReport) -> list[str]:
    """The failing step and its last lines, else BuildKit's errors, else the log's tail."""
    lines: list[str] = []
    if side.build_failed_step:
        lines.append(f"failing step: {side.build_failed_step}")
        # pip's "[notice] A new release of pip is available" says nothing of the failure.
        tail = [x for x in side.build_step_tail if not x.strip().startswith("[notice]")]
        shown = tail[-CAUSE_LINES:]
        # The step's error lines kept apart (engine.BuildLog) are those above its tail; those
        # in the part of the tail not shown are lost too: mysqlclient's "Exception: Can not
        # find valid pkg-config name." (iqbaldft/django-mariadb-docker) was the 13th line from
        # the end, under pip's generic "subprocess-exited-with-error" block.
        visible = {x.strip() for x in shown}
        errors = [
            x
            for x in dict.fromkeys(
                [*side.build_step_errors, *(x.strip() for x in tail[:-CAUSE_LINES] if x.strip())]
            )
            if x not in visible and (x in side.build_step_errors or is_error_line(x))
        ]
        if errors:
            # The cause, printed before a long list (pipenv repeats every package after it).
            lines += [*errors, "..."]
        lines += shown
    errors = side.build_errors[-3:]
    # BuildKit says it twice: `ERROR: process ...` for the step, then `ERROR: failed to solve:
    # process ...`; keep the fuller one.
    lines += [
        e
        for e in errors
        if e not in lines and not any(o != e and e.removeprefix("ERROR: ") in o for o in errors)
    ]
    if not lines:
        lines = side.build_log_tail[-CAUSE_LINES:]
    return lines


# A server's own line saying it listens: gunicorn, uvicorn, runserver, daphne, waitress,
# granian, hypercorn.
_LISTENING = re.compile(
    r"Listening at: http|Uvicorn running on http|Starting development server at http"
    r"|Starting ASGI/Daphne|Listening on TCP address|Serving on http|Running on http"
)


def container_cause(side: SideReport) -> list[str]:
    lines: list[str] = []
    if side.start_error:
        lines.append(side.start_error)
    if side.exit_code is not None and not side.serves:
        if side.stop_seconds is not None:
            # Running until verify stopped it: its status is docker stop's (137 after the
            # SIGKILL), not an exit of its own (Zakodirovannie's entrypoint retried
            # `makemigrations` forever; NathanMartinezC's was still migrating): said as it was.
            lines.append(
                "the container was still running, not answering, when verify stopped it at the "
                f"end of the wait (status {side.exit_code} after docker stop): it did not exit "
                "by itself"
            )
        else:
            lines.append(f"the container exited with status {side.exit_code}")
    if side.unix_socket and not side.serves:
        lines.append(
            f"the server binds only a unix socket ({side.unix_socket}), for a proxy in front "
            f"of it: nothing listens on TCP port {side.port}, where verify probes; give --cmd "
            "with a TCP bind (`uwsgi --http :8000`, `gunicorn -b 0.0.0.0:8000`)"
        )
    if side.uwsgi_protocol and not side.serves:
        port = side.uwsgi_protocol_port
        proxy = "for a proxy in front of it (nginx's uwsgi_pass), not HTTP"
        said = (
            f"port {port} speaks the uwsgi protocol ({side.uwsgi_protocol}), {proxy}: an HTTP "
            "request gets no answer there"
            if port == side.port
            else f"uwsgi speaks the uwsgi protocol on port {port} ({side.uwsgi_protocol}), "
            f"{proxy}, and nothing binds HTTP on port {side.port}, where verify probes"
        )
        lines.append(
            f"{said}; give --cmd with an HTTP bind as well (`--http-socket :8000` beside the "
            "socket) and --port 8000"
        )
    listening = next(
        (line.strip() for line in side.container_log_tail if _LISTENING.search(line)), None
    )
    if listening is not None and not side.serves:
        # duckinzzz.ru's gunicorn logged "Listening at: http://0.0.0.0:8000" and ran 66 s on a
        # busy machine without answering a probe; the same tree answered at once in the next
        # run. "does not answer" alone reads as a broken image.
        lines.append(
            f"its log says the server was listening (`{listening[:100]}`) but it answered no "
            "probe before the wait ended: it started late or hangs; on a busy machine, run "
            "verify again"
        )
    if side.container_log_tail:
        lines.append("its last log lines:")
        lines += side.container_log_tail[-CAUSE_LINES:]
    return lines


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
