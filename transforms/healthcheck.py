"""healthcheck (opt-in): a HEALTHCHECK that asks the server itself, with the image's own Python.

Why: without one, Docker, Compose (`depends_on: condition: service_healthy`) and Swarm only know
the process is alive, not that Django answers; a worker stuck on a broken database connection
stays "running". The usual `curl -f http://localhost/` needs curl, which slim images do not have
(and adding it for this is 10 MB and a CVE feed); the image already has Python, whose standard
library speaks HTTP.

Opt-in (`--only healthcheck` or `--healthcheck`): a health check changes how orchestrators treat
the container (restarts, traffic), which is the owner's decision.

What it checks, decided here:
- the port the server binds (read like verify does, `optimizer.ports`), on 127.0.0.1;
- a health URL the root URLconf names literally (`/healthz`, `/health/`, `/ping`, ...) when the
  project reader reports one, else `/`;
- `Host: localhost`, a name Django's ALLOWED_HOSTS usually admits (and DEBUG's default does);
- any answer below 500 is healthy: a redirect (SECURE_SSL_REDIRECT, a login page), a 404 on `/`
  of an API-only project or a 400 for a host ALLOWED_HOSTS refuses all prove the server and
  Django answer; a 5xx (a broken database, a crashing view), a timeout or a refused connection is
  unhealthy. `http.client` is used rather than `urllib.request` because it neither follows
  redirects nor raises on 4xx, so the one-liner needs no try/except.
Never added when no CMD/ENTRYPOINT (or the script it runs) starts a server, when the port is not
a TCP port (a unix socket), when the final image is not a Python image, or when the file already
has a HEALTHCHECK (including `HEALTHCHECK NONE`).
"""

from __future__ import annotations

import json
import re

from optimizer.dockerfile import OFFICIAL_PREFIX, Dockerfile, Instruction, Stage, env_pairs
from optimizer.ports import detect_port
from optimizer.shell import server_argv, split_commands, words
from transforms.base import Context, NotesTransform, Result
from transforms.slim_base import base_stage

INTERVAL = "30s"
TIMEOUT = "5s"
START_PERIOD = "30s"  # migrations and the first import of the app take a while
RETRIES = "3"
# Literal health paths, in order of preference, when the URLconf names one.
_HEALTH_PATH = re.compile(r"^/?(healthz|health|health-check|healthcheck|ht|ping|status)/?$")


class Healthcheck(NotesTransform):
    """Add a HEALTHCHECK that requests the server's port with the image's Python (opt-in)."""

    name = "healthcheck"
    opt_in = True

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        skipped: list[str] = []
        stage = out.final_stage()
        items = list(out.iter_stage(stage))
        if any(i.keyword == "HEALTHCHECK" for _, i in items):
            return Result(out, notes, skipped)
        server = _server(out, stage, ctx)
        if server is None:
            skipped.append("no CMD or ENTRYPOINT starts a server; no HEALTHCHECK added")
            return Result(out, notes, skipped)
        at, argv = server
        if not re.match(
            rf"^{OFFICIAL_PREFIX}python:", out.resolve(base_stage(out, stage).base)
        ):
            skipped.append(
                "the final image is not built on a python image, so which Python it has is "
                "unknown; no HEALTHCHECK added"
            )
            return Result(out, notes, skipped)
        if re.match(rf"^{OFFICIAL_PREFIX}python:2(\D|$)", out.resolve(base_stage(out, stage).base)):
            # nalch/application (python:2.7): `import http.client` fails there (httplib), so
            # the check would fail every time and mark a healthy container unhealthy.
            skipped.append(
                "the final image is Python 2, which has no http.client for the check; no "
                "HEALTHCHECK added"
            )
            return Result(out, notes, skipped)
        if any(re.search(r"(^|[\s=])unix:", a) for a in argv):
            skipped.append("the server listens on a unix socket; no HEALTHCHECK added")
            return Result(out, notes, skipped)
        env: dict[str, str] = {}
        exposed: list[int] = []
        for _, ins in items:
            if ins.keyword == "ENV":
                env.update(env_pairs(ins.value))
            elif ins.keyword == "EXPOSE":
                exposed += [
                    int(m[1]) for m in re.finditer(r"(?:^|\s)(\d+)(?:/tcp)?(?=\s|$)", ins.value)
                ]
        port = detect_port(argv, None, exposed, env)
        path = _health_path(ctx)
        code = (
            "import http.client as h, sys; "
            f"c = h.HTTPConnection('127.0.0.1', {port}, timeout=4); "
            f"c.request('GET', '{path}', headers={{'Host': 'localhost'}}); "
            "sys.exit(c.getresponse().status >= 500)"
        )
        value = (
            f"--interval={INTERVAL} --timeout={TIMEOUT} --start-period={START_PERIOD} "
            f"--retries={RETRIES} \\\n    CMD {json.dumps(['python', '-c', code])}"
        )
        out.insert_before(at, Instruction.new("HEALTHCHECK", value))
        notes.append(
            f"added HEALTHCHECK: the image's Python requests http://127.0.0.1:{port}{path} "
            f"(Host: localhost) every {INTERVAL}, no curl or wget needed; an answer below 500 "
            "is healthy (a redirect, a 404 or a 400 for a host ALLOWED_HOSTS refuses still "
            "prove Django answers), a 5xx, a timeout or a refused connection is not"
        )
        return Result(out, notes, skipped)


def _server(dockerfile: Dockerfile, stage: Stage, ctx: Context) -> tuple[int, list[str]] | None:
    """(where the HEALTHCHECK goes, the server's command line), when the image runs a server.

    The command is the effective CMD/ENTRYPOINT of the final stage, or a script it runs that
    starts the server (`ENTRYPOINT ["./docker-entrypoint.sh"]` ending in `exec gunicorn ...`)."""
    last: dict[str, int] = {}
    for n, ins in dockerfile.iter_stage(stage):
        if ins.keyword in {"CMD", "ENTRYPOINT"}:
            last[ins.keyword] = n
    if not last:
        return None
    at = min(last.values())
    argv: list[str] = []
    entry = last.get("ENTRYPOINT")
    if entry is not None:
        argv += _argv(dockerfile.instructions[entry])
    if "CMD" in last and (entry is None or dockerfile.instructions[entry].exec_form is not None):
        # A shell-form ENTRYPOINT ignores CMD.
        argv += _argv(dockerfile.instructions[last["CMD"]])
    found = _server_in(" ".join(argv))
    if found is None and argv:
        script = ctx.read_script(argv[0]) if argv[0] not in {"sh", "bash"} else None
        if script is None and len(argv) > 1 and argv[0] in {"sh", "bash"}:
            script = ctx.read_script(argv[1])
        if script is not None:
            for line in script.splitlines():
                found = _server_in(line)
                if found is not None:
                    break
            if found is None and entry is not None and "CMD" in last and _runs_its_arguments(
                script
            ):
                # The usual wrapper: migrate, collectstatic, then `exec "$@"`: the CMD it is
                # given is what serves.
                found = _server_in(" ".join(_argv(dockerfile.instructions[last["CMD"]])))
    return None if found is None else (at, found)


def _runs_its_arguments(script: str) -> bool:
    """Whether an entrypoint script runs the command it is given (`exec "$@"`)."""
    for line in script.splitlines():
        code = line.split("#", 1)[0]
        if "$@" in code or "${@}" in code:
            return True
    return False


def _argv(ins: Instruction) -> list[str]:
    return ins.exec_form if ins.exec_form is not None else words(ins.args)


def _server_in(text: str) -> list[str] | None:
    """The words of the first command in `text` that starts a server."""
    if text.lstrip().startswith("#"):
        return None
    for segment in split_commands(text):
        argv = words(segment.text)
        if server_argv(argv) is not None:
            return argv
    return None


def _health_path(ctx: Context) -> str:
    """A literal health URL of the root URLconf when the project reader found one, else `/`."""
    paths = [str(p) for p in getattr(ctx.project, "url_paths", ()) or ()]
    for candidate in ("healthz", "health", "health-check", "healthcheck", "ht", "ping", "status"):
        for path in paths:
            match = _HEALTH_PATH.match(path)
            if match and match[1] == candidate:
                return "/" + path.lstrip("/")
    return "/"
