"""fix-cmd-binding: make the container serve, reachably, and stop when asked.

Why: `runserver` and gunicorn/uvicorn/daphne default to 127.0.0.1, which inside a container is
reachable from nowhere but the container itself. A server started by `RUN` runs during the build
and is gone from the image. A shell-form CMD makes `/bin/sh` PID 1, which does not forward
SIGTERM, so `docker stop` waits 10 s and kills the server mid-request. Django's `runserver` as
PID 1 ignores SIGTERM too (Python installs no handler for it), but stops cleanly on SIGINT.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable

from optimizer.dockerfile import Dockerfile, Instruction, env_pairs
from optimizer.ports import (
    ConfigBind,
    config_bind,
    expand,
    unix_socket_bind,
    uwsgi_dies_on_term,
)
from optimizer.shell import (
    FORWARDING_WRAPPERS,
    PARENT_RUNNERS,
    RUNSERVERS,
    SERVERS,
    SIGINT_SERVERS,
    Segment,
    addrport_at,
    has_shell_syntax,
    inner_commands,
    join_segments,
    management_command,
    program,
    python_args,
    runserver_at,
    server_argv,
    shell_c_script,
    split_commands,
    strip_runner,
    words,
)
from transforms import start_script
from transforms.base import Context, NotesTransform, Result
from transforms.dev_image import services_building
from transforms.image_paths import context_locator, context_reader
from transforms.raw_edit import indent_like, keep_indent

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# A loopback address as a bind spells it, with its port: `127.0.0.1:8000`, `[::1]:8000`.
_LOOPBACK = re.compile(r"(127\.0\.0\.1|localhost|\[::1\]|(?<![\w:])::1(?![\w:]))(:\d+)?")
# What `_rebind` returns for a server that listens on no TCP port (a unix socket, a file
# descriptor it inherits): EXPOSE 8000 for it would document a port nothing listens on.
NO_TCP_PORT = 0
_SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/env sh"}
# The option that makes one of _SHELLS run its next word (or the CMD) as a script.
_SHELL_C_FLAGS = {"-c", "-ec", "-xc"}
# A reverse proxy a start script runs beside the app server, in the same container.
_PROXY_START = re.compile(
    r"(?:exec\s+)?(?:/usr/s?bin/)?(nginx|caddy|haproxy|apache2ctl|apachectl|httpd|traefik)\b"
    r"(?!\s+-t\b)"
)


class FixCmdBinding(NotesTransform):
    """Bind the server to 0.0.0.0 on the exposed port, start it from CMD in exec form."""

    name = "fix-cmd-binding"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        result = self._apply(dockerfile, ctx)
        for advice in _compose_shell_servers(result.dockerfile, ctx):
            if advice not in result.skipped:
                result.skipped.append(advice)
        return result

    def _apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        skipped: list[str] = []
        stage = out.final_stage()
        port = _exposed_port(out) or 8000

        moved = _move_run_server_to_cmd(out, port, notes)
        stage = out.final_stage()

        broken = _broken_exec_form(out)
        if broken:
            skipped.append(broken)
        passing = _shell_entry_passing_cmd(out, notes)
        if passing:
            skipped.append(passing)
        one_string = _split_one_string_exec_form(out, notes)
        if one_string:
            skipped.append(one_string)
        target = _target(out)
        argument = None if target is None else _cmd_as_argument(out, target, ctx)
        if argument is not None:
            skipped.append(argument)
            return Result(out, notes, skipped)
        if target is None:
            files = _fix_start_script(out, ctx, port, notes, skipped)
            if files is not None:
                out.instructions[:] = indent_like(dockerfile.instructions, out.instructions)
                return Result(out, notes, skipped, files)
            launcher = _python_launcher(out, ctx) or _runserver_as_argument(out)
            if launcher is not None:
                skipped.append(launcher)
            elif not moved and not broken:
                skipped.append("no CMD or ENTRYPOINT starts a web server; nothing to bind")
            return Result(out, notes, skipped)
        index = target
        ins = out.instructions[index]
        # `ENTRYPOINT ["gunicorn"]` with `CMD ["mysite.wsgi", "-b", "127.0.0.1:8000"]`: the
        # container runs both as one command, so the bind is judged and fixed on the whole.
        with_cmd = _entry_with_cmd(out, index)
        if with_cmd is not None:
            ins = with_cmd
        platform = _platform_port_file(ctx)
        if platform is not None and _gunicorn_default_bind(
            ins, _stage_env(out), context_reader(out, ctx)
        ):
            # gunicorn without a bind listens on 0.0.0.0:$PORT when PORT is set: a platform
            # that sets it (Heroku) keeps working, which a fixed --bind would override.
            out.insert_before(index, Instruction.new("ENV", f"PORT={port}"))
            index += 1
            notes.append(
                f"added ENV PORT={port}: gunicorn has no --bind and listens on 0.0.0.0:$PORT "
                f"when PORT is set (else 127.0.0.1:8000); the project runs where the platform "
                f"sets PORT ({platform}), so its value still wins over this default, where a "
                "--bind would override it"
            )
            if with_cmd is None:
                ins = out.instructions[index]
        blocker = _script_server_before(ins, context_reader(out, ctx))
        if blocker is not None:
            # Alexsandr250897/Task__manager: `CMD ./entrypoint.sh && python manage.py runserver`
            # with entrypoint.sh ending in its own runserver. `exec` and STOPSIGNAL on the
            # command after `&&` change nothing: it does not run while the script serves.
            script, command = blocker
            skipped.append(
                f"line {ins.line}: {script} runs `{command}` in the foreground, so the "
                f"{ins.keyword}'s server after it starts only when that one exits, and the "
                "shell that runs both stays PID 1 and passes docker stop's signal to neither "
                f"(docker stop waits 10 s, then kills them); start {script} on its own "
                f"(`{ins.keyword} [\"{script}\"]`) with `exec {command}` as its last line; "
                "left as it is"
            )
            return Result(out, notes, skipped)
        fixed = _fix_instruction(
            ins, port, ctx, (_stage_env(out), context_reader(out, ctx)), notes, skipped,
            keep_shell=with_cmd is not None and _shell_c_entry(out.instructions[index]),
        )
        if fixed is None:
            return Result(out, notes, skipped)
        new_ins, server, bound_port = fixed
        if with_cmd is None:
            out.instructions[index] = new_ins
        elif not _split_into(out, index, new_ins, skipped):
            return Result(dockerfile.copy(), [], skipped)

        parent = _parent_runner(new_ins) or _entry_wrapper(out, index)
        if server in SIGINT_SERVERS and parent is not None:
            # Measured on the lab (uv 0.13.9): docker stop ends `uv run ... runserver` in
            # 0.5 s with SIGTERM; uv 0.5-0.6 swallow a SIGINT sent to uv itself (uv #12108).
            # `tini -- ... runserver`: 0.27 s on SIGTERM, tini passing it on.
            runner = f"`{parent} run`" if parent in _PARENT_RUNNERS else f"`{parent}`"
            skipped.append(
                f"no STOPSIGNAL SIGINT: {runner} stays PID 1 and passes docker stop's "
                f"SIGTERM on to {server}, which as its child (not PID 1) stops on it"
            )
        elif server in SIGINT_SERVERS and not any(
            i.keyword == "STOPSIGNAL" for _, i in out.iter_stage(stage)
        ):
            out.insert_before(index, Instruction.new("STOPSIGNAL", "SIGINT"))
            index += 1
            notes.append(
                f"added STOPSIGNAL SIGINT: {server} as PID 1 ignores SIGTERM, so docker stop "
                "would wait 10 s and kill it; SIGINT stops it at once"
            )
        elif server == "uwsgi" and parent is None and _uwsgi_reloads_on_term(
            out, _server_words(new_ins), ctx
        ):
            out.insert_before(index, Instruction.new("STOPSIGNAL", "SIGINT"))
            index += 1
            notes.append(_UWSGI_STOPSIGNAL_NOTE.format(where="uwsgi"))
        if bound_port == NO_TCP_PORT:
            skipped.append(
                f"{server} listens on a unix socket or an inherited file descriptor, not a TCP "
                "port: nothing to bind to 0.0.0.0, no EXPOSE added"
            )
        elif bound_port is None:
            skipped.append(
                f"the port {server} listens on is not known from the image (a variable set at "
                "run time, or a config file that could not be read); no EXPOSE added"
            )
        else:
            sole = _sole_listener(out, index, ins, bound_port, ctx)
            _ensure_expose(out, index, bound_port, notes, replace_unbound=sole)
        files = _exec_pass_through(out, ctx, notes, skipped) if new_ins.keyword == "CMD" else {}
        # An indented file stays indented: the CMD as it was, a new EXPOSE as its neighbours.
        out.instructions[:] = indent_like(dockerfile.instructions, out.instructions)
        return Result(out, notes, skipped, files)


# Files of platforms that start the container with PORT set and route to it (Heroku's
# Procfile, app.json and heroku.yml; Render; Railway; DigitalOcean App Platform; Google Cloud
# Build, which deploys to Cloud Run, PORT=8080). A wrong guess costs nothing: with ENV PORT
# gunicorn binds 0.0.0.0 on that port, as the --bind would.
_PORT_PLATFORM_FILES = (
    "app.json", "heroku.yml", "render.yaml", "railway.json", "railway.toml", ".do/app.yaml",
    "cloudbuild.yaml", "cloudbuild.yml", "cloudbuild.json",
)
# What says so in other files: App Engine's custom runtime (it runs the Dockerfile, PORT=8080),
# a Cloud Run service definition, a CI workflow deploying to Cloud Run.
_PORT_PLATFORM_TEXT = (
    ("app.yaml", re.compile(r"^runtime:\s*custom\b", re.MULTILINE)),
    ("service.yaml", re.compile(r"serving\.knative\.dev")),
)
_CLOUD_RUN_DEPLOY = re.compile(r"gcloud\s+run\s+deploy|deploy-cloudrun")
_WORKFLOWS = ".github/workflows"


def _platform_port_file(ctx: Context) -> str | None:
    """The file that says the image runs on a platform which sets PORT, if one does."""
    procfile = ctx.read("Procfile") or ""
    if any(line.startswith("web:") for line in procfile.splitlines()):
        return "Procfile"
    found = next((name for name in _PORT_PLATFORM_FILES if ctx.read(name) is not None), None)
    if found is not None:
        return found
    for name, pattern in _PORT_PLATFORM_TEXT:
        if pattern.search(ctx.read(name) or ""):
            return name
    workflows = ctx.context_dir / _WORKFLOWS
    if workflows.is_dir():
        for path in sorted(workflows.glob("*.y*ml"))[:50]:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")[:200_000]
            except OSError:
                continue
            if _CLOUD_RUN_DEPLOY.search(text):
                return f"{_WORKFLOWS}/{path.name}"
    return None


@dataclasses.dataclass(frozen=True)
class _ScriptServer:
    line: start_script.ScriptLine
    argv: list[str]
    start: int
    server: str
    last_segment: bool  # the last command of its line, not inside an `if`/loop on that line
    segment: str
    # Started inside a string another program runs (`su app -c "gunicorn ..."`): a word of
    # it can be replaced in place, nothing can be added to it, and `exec` before the line
    # would make su PID 1, not the server.
    runner: str = ""
    # Written after a `case` branch's `pattern)` on the same line: `exec` cannot go at the
    # line's start.
    branch_head: bool = False
    # Set as the script's arguments (`set -- gunicorn ...`) for a later `exec "$@"` to run:
    # `exec` belongs to that line, never before `set`.
    handed_on: bool = False


@dataclasses.dataclass(frozen=True)
class _Dispatch:
    """A script's top-level `case "$1" in` and the branch the container's default start takes
    (None: no pattern matches its first argument)."""

    case: start_script.CaseOnArg1
    branch: start_script.CaseBranch | None
    firsts: frozenset[int]  # the first physical line of each of the branch's logical lines
    describe: str  # the branch (or the lack of one) as a note names it

    def holds(self, line: start_script.ScriptLine) -> bool:
        return line.first in self.firsts


def _dispatch(lines: list[start_script.ScriptLine], args: list[str] | None) -> _Dispatch | None:
    """The branch of the script's `case "$1" in` that the default start's arguments select;
    None when the script has no such `case` or the arguments are not known."""
    if args is None:
        return None
    case = start_script.case_on_arg1(lines)
    if case is None:
        return None
    arg1 = args[0] if args else None
    branch = case.branch_for(arg1)
    given = "no first argument" if not arg1 else f"`$1` = `{arg1}`"
    if branch is None:
        where = f"its `case \"$1\"` (line {lines[case.start].first + 1}) has no branch for {given}"
        return _Dispatch(case, None, frozenset(), where)
    head = lines[branch.head].text.split(")", 1)[0].lstrip("(").strip()
    return _Dispatch(
        case, branch, frozenset(lines[k].first for k in branch.lines()),
        f"the `{head})` branch of its `case \"$1\"`, taken for {given}",
    )


def _default_arguments(
    out: Dockerfile, names: list[str], position: int, as_pid1: list[str] | None, composed: bool
) -> list[str] | None:
    """The arguments the container's default start gives the script `names[position]` of its
    start chain (`ENTRYPOINT ["/entrypoint.sh"]` + `CMD ["production"]` -> ["production"]);
    None when they are not known from the Dockerfile."""
    if composed:
        return None
    entry, cmd = out.start_indices()
    cmd_ins = out.instructions[cmd] if cmd is not None else None
    if as_pid1 is not None:
        argv = as_pid1
    elif entry is not None and position == 0:
        entry_argv = out.instructions[entry].exec_form or []
        if cmd_ins is None:
            argv = entry_argv
        elif cmd_ins.exec_form is not None:
            argv = [*entry_argv, *cmd_ins.exec_form]
        else:
            argv = [*entry_argv, "/bin/sh", "-c", cmd_ins.args.strip()]
    else:
        argv = (cmd_ins.exec_form if cmd_ins is not None else None) or []
    word = names[position]
    return argv[argv.index(word) + 1 :] if word in argv else None


def _fix_start_script(
    out: Dockerfile, ctx: Context, port: int, notes: list[str], skipped: list[str]
) -> dict[str, str] | None:
    """When the container starts a shell script that starts the server (`entrypoint.sh`:
    wait for the database, migrate, `gunicorn ...`), fix that line: a bind the container
    cannot be reached on, and a server started without `exec`, which leaves the script's shell
    as PID 1: it does not pass docker stop's SIGTERM on, so docker stop waits 10 s and kills
    the server. The edited script (context-relative path -> text) is returned; {} when nothing
    needed changing; None when the start command runs no script that starts a server."""
    start = start_script.start_scripts(out)
    by_compose = ""
    as_pid1: list[str] | None = None
    if start is None and (shelled := start_script.shell_started(out)) is not None:
        start, as_pid1 = (shelled[0], [shelled[1]]), shelled[2]
    if start is None:
        composed = _compose_start_scripts(out, ctx)
        if composed is None:
            return None
        start, by_compose = composed
    index, names = start
    locate = context_locator(out, ctx)
    chain: list[tuple[str, str, str]] = []
    for name in names:
        rel = locate(name)
        text = None if rel is None else ctx.read(rel)
        if rel is None or text is None or not start_script.is_shell_script(name, text):
            break
        chain.append((name, rel, text))
        if not start_script.passes_to_cmd(text):
            break  # the CMD's script, if any, is not what the container ends up running
    picked = None
    dispatch: _Dispatch | None = None
    for position, (_, r, t) in enumerate(chain):
        hits = _script_servers(t)
        if not hits:
            continue
        dispatch = _dispatch(
            start_script.logical_lines(t),
            _default_arguments(out, names, position, as_pid1, bool(by_compose)),
        )
        if (
            dispatch is not None
            and not any(dispatch.holds(h.line) for h in hits)
            and position + 1 < len(chain)
        ):
            continue  # this script's branch for the start passes on to the CMD's script
        picked = (r, t, hits)
        break
    if picked is None:
        return None
    rel, text, servers = picked
    lines_of = start_script.logical_lines(text)
    # The server the default start runs: in a `case "$1"` script, the last of the branch the
    # start's first argument selects (none: the start serves from elsewhere, or not at all);
    # otherwise the script's last.
    serving = [h for h in servers if dispatch.holds(h.line)] if dispatch else servers
    named = (serving or servers)[-1].server
    no_shebang = bool(
        as_pid1 is not None and chain and not chain[0][2].startswith("#!")
        and start_script.script_word(as_pid1) == as_pid1[0]
    )
    if as_pid1 is not None and no_shebang:
        # A script without a `#!` line runs under `/bin/sh -c` because the shell, when the
        # kernel refuses to exec it (ENOEXEC), reads it itself; run directly in exec form it
        # would stop the container with "exec format error" (raeesaroj/django-docker's
        # docker/docker-entrypoint.local.sh). `sh script` runs it the same way, and the
        # server it starts with `exec` still replaces that shell as PID 1.
        as_pid1 = ["/bin/sh", *as_pid1]
    if as_pid1 is not None:
        old = out.instructions[index]
        out.instructions[index] = old.with_value(json.dumps(as_pid1))
        notes.append(
            f"{old.keyword} `{old.args.strip()}` ran {rel} under `/bin/sh -c`, whose shell "
            f"stays PID 1 and does not pass docker stop's SIGTERM on to {named} "
            f"(docker stop waits 10 s, then kills it); now {json.dumps(as_pid1)}: the script "
            "is PID 1"
            + (
                f" (run by sh: {rel} has no #! line, so exec'd by itself it would fail with "
                "\"exec format error\")"
                if no_shebang
                else ""
            )
        )

    disk = ctx.context_dir / rel
    if rel not in ctx.files and disk.is_file() and b"\r" in disk.read_bytes():
        skipped.append(
            f"{rel} starts {named} but has CRLF line ends; not edited (a shell "
            "reads them as part of each command): convert it to LF first"
        )
        return {}
    lines = text.split("\n")
    if by_compose:
        notes.append(
            f"the image has no CMD of its own; {by_compose} runs {rel}, which starts "
            f"{named}: the script is read as the container's start"
        )
    env, reader = _stage_env(out), context_reader(out, ctx)
    exported = re.search(r"\bGUNICORN_CMD_ARGS\b|\bexport\s+PORT\b|\bPORT=", text)
    bound_ports: list[int | None] = []
    port_env: list[int] = []
    pid1_server: str | None = None
    for found in servers:
        where = f"{rel} line {found.line.first + 1}"
        unbound: list[str] = []
        new_argv, bound, changed = _rebind(
            found.argv, found.start, found.server, port, ctx, (env, reader), unbound
        )
        skipped.extend(f"{where}: {u}" for u in unbound)
        appends = len(new_argv) > len(found.argv)
        passes_args = any("$@" in a or "$*" in a or "${@}" in a for a in found.argv)
        if changed and appends and found.runner:
            skipped.append(
                f"{where}: {found.server} starts inside `{found.runner} \"...\"` without a "
                f"bind, so it listens on {_describe_bind(found.argv, found.start, found.server)},"
                " unreachable from outside the container; words cannot be added to the string "
                "safely: add a bind to 0.0.0.0 there by hand"
            )
            changed = False
        if changed and appends and (passes_args or (found.server == "gunicorn" and exported)):
            # `gunicorn app "$@"`, or GUNICORN_CMD_ARGS / PORT set by the script: the bind may
            # come from there, and a --bind on the command line would override it.
            skipped.append(
                f"{where}: {found.server} has no bind of its own, but the script passes its "
                "arguments or sets GUNICORN_CMD_ARGS/PORT, which may bind it; not changed"
            )
            changed, bound = False, None
        if changed and appends and found.server == "gunicorn":
            # gunicorn without a bind listens on 0.0.0.0:$PORT when PORT is set, else on
            # 127.0.0.1:8000. ENV PORT makes the image reachable and leaves the script alone, and
            # a PORT given at run time still wins (tabby-web's compose sets PORT=80 and maps
            # 9090:80: a --bind 0.0.0.0:8000 in start.sh would move it off that port).
            if "PORT" not in env and not port_env:
                port_env.append(port)
                notes.append(
                    f"added ENV PORT={port}: {where} starts gunicorn without a bind, which listens "
                    f"on 127.0.0.1:8000 unless PORT is set, then on 0.0.0.0:$PORT; a PORT given "
                    "at run time (compose, a platform) still wins, where a --bind in the script "
                    "would override it"
                )
            changed = False
        if changed and appends and not found.last_segment:
            changed = False
        if changed and not start_script.edit_words(lines, found.line, found.argv, new_argv):
            bind = _describe_bind(found.argv, found.start, found.server)
            skipped.append(
                f"{where}: {found.server} binds {bind}, unreachable from outside the container; "
                "the line could not be edited safely: bind it to 0.0.0.0 by hand"
            )
            changed = False
        if changed:
            notes.append(
                f"{where}: {found.server} was bound to "
                f"{_describe_bind(found.argv, found.start, found.server)}, unreachable from "
                f"outside the container; now binds 0.0.0.0 (port {bound})"
            )
        bound_ports.append(bound)
    last = serving[-1] if serving else servers[-1]
    where = f"{rel} line {last.line.first + 1}"
    top = 0  # the depth of the commands the script runs in order
    later = [ln for ln in lines_of if ln.first > last.line.last]
    if dispatch is not None and dispatch.branch is not None and serving:
        # In the branch the start takes: what runs after the server is the rest of that branch
        # (up to its `;;`) and whatever follows the `esac`, not the other branches.
        top = dispatch.case.depth
        later = [
            ln for k in dispatch.branch.body
            if (ln := lines_of[k]).first > last.line.last and ln.text != ";;"
        ] + lines_of[dispatch.case.end + 1 :]
    already = bool(last.argv) and last.argv[0] == "exec"
    if dispatch is not None and not serving:
        skipped.append(
            f"{rel}: the container's default start takes {dispatch.describe}, which "
            "starts no web server; the servers of its other branches had their binds checked "
            "only"
        )
    elif last.runner:
        # su and runuser fork and wait, and send their child SIGTERM on docker stop; the child
        # is the user's shell running the string, and dash (Debian's sh) does not exec its
        # last command, so the signal stops at the shell. Only the Dockerfile's USER (or gosu,
        # which execs) makes the server PID 1.
        skipped.append(
            f"{where}: {last.server} starts inside `{last.runner} \"...\"`, under "
            f"{last.runner.split()[0]}'s shell, which does not pass docker stop's SIGTERM on to "
            "it; run it as the user "
            f"with `exec gosu USER {last.server} ...` or the Dockerfile's USER instead: not "
            "changed"
        )
    elif last.handed_on:
        if any(
            _EXEC_ARGS.fullmatch(ln.text.strip()) for ln in lines_of if ln.first > last.line.last
        ):
            pid1_server = last.server
        else:
            skipped.append(
                f"{where}: {last.server} is set as the script's arguments (`set --`), and no "
                '`exec "$@"` after it runs them: the script\'s shell may stay PID 1 and not pass '
                'docker stop\'s SIGTERM on; run them with `exec "$@"`'
            )
    elif already:
        pid1_server = last.server
    elif last.line.depth > top or not last.last_segment or last.branch_head:
        inside = (
            f"on the head line of {dispatch.describe}"
            if dispatch is not None and last.branch_head and last.line.depth <= top
            else "inside an `if`, a loop or a function"
        )
        skipped.append(
            f"{where}: {last.server} starts {inside}, so the script's shell stays PID 1 and "
            "does not pass docker stop's SIGTERM on (docker stop waits 10 s, then kills it); "
            f"put `exec` before {last.server} there by hand"
        )
    # Before `later`: a server sent to the background (`runserver &`, then `celery ... &` and
    # `wait -n`, as pathfindermilan/Intervuo's entrypoint) does not wait for the lines below
    # it to run, and moving it last would not make `exec` possible either.
    elif (background := _backgrounded(last.segment) is not None) or "|" in words(
        last.segment, punctuation="|"
    ):
        how = "in the background (`&`)" if background else "in a pipeline"
        skipped.append(
            f"{where}: {last.server} runs {how}, so the script's shell stays PID 1 and does "
            "not pass docker stop's SIGTERM on (docker stop waits 10 s, then kills it); `exec` "
            "cannot fix that"
        )
    elif later:
        whose = "the script's" if not top else "its `case` branch's"
        skipped.append(
            f"{where}: {last.server} is not {whose} last command (`{later[0].text}` runs "
            "after it exits), so the script's shell stays PID 1 and does not pass docker stop's "
            "SIGTERM on (docker stop waits 10 s, then kills it); make it the last command, "
            f"started with `exec`"
        )
    elif any(re.match(r"trap\s", ln.text) for ln in lines_of):
        # `exec` replaces the shell, and its traps (an EXIT cleanup) would never run.
        skipped.append(
            f"{where}: {last.server} starts without `exec`, so the script's shell stays PID 1 "
            "and does not pass docker stop's SIGTERM on; the script sets a `trap`, which `exec` "
            "would drop: not changed"
        )
    elif _assigns(last.argv):
        skipped.append(
            f"{where}: {last.server} starts after variable assignments and without `exec`, so "
            "the script's shell stays PID 1 and does not pass docker stop's SIGTERM on; put "
            f"`exec` before {last.server} by hand"
        )
    elif start_script.insert_exec(
        lines,
        last.line,
        last.segment.split(None, 1)[0],
        first_command=split_commands(last.line.text)[0].text.strip() == last.segment,
    ):
        pid1_server = last.server
        taken = f" ({dispatch.describe})" if top and dispatch is not None else ""
        notes.append(
            f"{where}: {last.server}{taken} now replaces the script's shell (`exec`), so "
            "docker stop's SIGTERM reaches it and the container stops at once instead of being "
            "killed after 10 s"
        )
    else:
        skipped.append(
            f"{where}: {last.server} starts without `exec`, so the script's shell stays PID 1; "
            "the line could not be edited safely: put `exec` before it by hand"
        )
    if pid1_server in SIGINT_SERVERS and not any(
        i.keyword == "STOPSIGNAL" for _, i in out.iter_stage(out.final_stage())
    ):
        prefix, _ = strip_runner(_strip_exec(last.argv))
        if not (prefix and prefix[0] in _PARENT_RUNNERS) and not _entry_wrapper(out, None):
            out.insert_before(index, Instruction.new("STOPSIGNAL", "SIGINT"))
            index += 1
            notes.append(
                f"added STOPSIGNAL SIGINT: {rel} runs {pid1_server} with `exec`, so it is PID 1, "
                "which ignores SIGTERM; SIGINT stops it at once"
            )
    elif pid1_server == "uwsgi" and _uwsgi_reloads_on_term(out, _strip_exec(last.argv), ctx):
        prefix, _ = strip_runner(_strip_exec(last.argv))
        if not (prefix and prefix[0] in _PARENT_RUNNERS):
            out.insert_before(index, Instruction.new("STOPSIGNAL", "SIGINT"))
            index += 1
            notes.append(_UWSGI_STOPSIGNAL_NOTE.format(where=f"{rel} runs uwsgi with `exec`: it"))
    if port_env:
        out.insert_before(index, Instruction.new("ENV", f"PORT={port_env[0]}"))
        index += 1
    known = [p for p in bound_ports if p is not None]
    proxy = next(
        (m.group(1) for ln in lines_of if (m := _PROXY_START.match(ln.text.strip()))), None
    )
    if known and proxy is not None:
        # Takahe's docker/run.sh starts `nginx &` (listening on 8000, the port the Dockerfile
        # EXPOSEs) and `gunicorn ... -b 0.0.0.0:8001` as nginx's upstream: 8001 is internal to
        # the container, and EXPOSE 8001 documented the wrong door.
        skipped.append(
            f"{rel} starts {proxy} in front of {last.server}: port {known[-1]} is the proxy's "
            f"upstream inside the container, not the image's port; EXPOSE left as it is"
        )
    elif known:
        _ensure_expose(out, index, known[-1], notes)
    edited = "\n".join(lines)
    if edited == text:
        if not any(s.startswith(rel) for s in skipped) and not any(rel in n for n in notes):
            skipped.append(
                f"{where}: the script starts {last.server} reachably and with `exec`; the "
                "script is left as it is"
            )
        return {}
    return {rel: edited}


# The bare pass-through line, `"$@"` without `exec`: the CMD runs as the script's child.
_BARE_PASS_THROUGH = re.compile(r'"?\$(@|\{@\})"?')


# The arguments run under another spelling: unquoted `$*` (what `$@` is unquoted), or a variable
# the script set to them first (`COMMAND=$@` ... `$COMMAND`: mhelmer/dockerize-uwsgi-nginx-webpack,
# sweep26, where the note said uwsgi was PID 1 and added STOPSIGNAL SIGINT for it while bash,
# its parent, got the signal). Quoted, `"$*"` or `"$COMMAND"` is one word: not the same command.
_STAR_ARGS = re.compile(r"\$\*|\$\{\*\}")
_ARGS_VAR = re.compile(r"\$\{?([A-Za-z_]\w*)\}?")
_ARGS_ASSIGNMENT = re.compile(r'([A-Za-z_]\w*)=("?)\$(?:@|\*|\{@\}|\{\*\})\2')


def _args_by_other_name(last: str, before: list[str]) -> bool:
    """Does the script's last line `last` run its arguments as `$*` or as a variable that a
    top-level line of `before` last set to them (`COMMAND=$@`)?"""
    if _STAR_ARGS.fullmatch(last):
        return True
    var = _ARGS_VAR.fullmatch(last)
    if var is None:
        return False
    for line in reversed(before):
        assigned = re.match(r"(?:export\s+|local\s+)?([A-Za-z_]\w*)=", line)
        if assigned is not None and assigned.group(1) == var.group(1):
            found = _ARGS_ASSIGNMENT.fullmatch(line.removeprefix("export ").strip())
            return found is not None
    return False


def _exec_pass_through(
    out: Dockerfile, ctx: Context, notes: list[str], skipped: list[str]
) -> dict[str, str]:
    """When the server is the CMD and the exec-form ENTRYPOINT's script ends by running it
    with a bare `"$@"`, `exec "$@"` there: else the script's shell stays PID 1, the server is
    its child and docker stop's SIGTERM never reaches it. The edited script, or {}."""
    entry = None
    for _, ins in out.iter_stage(out.final_stage()):
        if ins.keyword == "ENTRYPOINT":
            entry = ins
    word = start_script.script_word(entry.exec_form) if entry and entry.exec_form else None
    if word is None:
        return {}
    rel = context_locator(out, ctx)(word)
    text = None if rel is None else ctx.read(rel)
    if rel is None or text is None or not start_script.is_shell_script(word, text):
        return {}
    lines_of = start_script.logical_lines(text)
    if (
        not lines_of
        or lines_of[-1].depth
        or not (
            _BARE_PASS_THROUGH.fullmatch(lines_of[-1].text)
            or _args_by_other_name(
                lines_of[-1].text, [ln.text for ln in lines_of[:-1] if not ln.depth]
            )
        )
    ):
        return {}
    last = lines_of[-1]
    where = f"{rel} line {last.first + 1}"
    disk = ctx.context_dir / rel
    if any(re.match(r"trap\s", ln.text) for ln in lines_of) or (
        rel not in ctx.files and disk.is_file() and b"\r" in disk.read_bytes()
    ):
        skipped.append(
            f"{where}: the entrypoint runs the CMD with `{last.text}` (no `exec`), so its shell "
            "stays PID 1 and does not pass docker stop's SIGTERM on; the script sets a `trap` "
            "or has CRLF line ends: not changed"
        )
        return {}
    lines = text.split("\n")
    first = lines[last.first]
    indent = len(first) - len(first.lstrip())
    lines[last.first] = first[:indent] + "exec " + first[indent:]
    notes.append(
        f"{where}: `{last.text}` -> `exec {last.text}`: the entrypoint ran the CMD (the server) "
        "as its child, so its shell stayed PID 1 and docker stop's SIGTERM never reached the "
        "server; now the server replaces the shell"
    )
    return {rel: "\n".join(lines)}


def _compose_start_scripts(
    out: Dockerfile, ctx: Context
) -> tuple[tuple[int, list[str]], str] | None:
    """When the final stage sets no CMD or ENTRYPOINT, the script a compose service building
    this image runs as its exec-form command (`command: /bin/sh /django/start-backend.sh`):
    ((where a STOPSIGNAL/EXPOSE goes: the end of the final stage, [the script]), who runs it).
    The first service whose command is a script counts (a worker's `celery ...` is not)."""
    final = out.final_stage()
    if any(i.keyword in {"CMD", "ENTRYPOINT"} for _, i in out.iter_stage(final)):
        return None
    for service in services_building(ctx):
        argv = (service.entrypoint or []) + (service.command or [])
        word = start_script.script_word(argv)
        if word is not None:
            return (final.end, [word]), f"compose service `{service.name}`"
    return None


# The shells Debian's `sh` is: dash runs every command of `sh -c` as a child, even a lone or
# last one (measured on python:3.11-slim and 3.13-slim: /proc/1/cmdline stays `sh -c ...`),
# where bash execs the last one. So only these are flagged.
_DASH = {"sh", "/bin/sh", "/usr/bin/sh", "dash", "/bin/dash", "/usr/bin/dash"}


def _compose_shell_servers(out: Dockerfile, ctx: Context) -> list[str]:
    """Advice for each compose service building this image whose command runs the web server
    inside `sh -c` without `exec` (`sh -c "python manage.py migrate && python manage.py
    runserver 0.0.0.0:8000"`, the tutorials' favourite). sh is then PID 1: it passes no signal
    on, and as PID 1 ignores SIGTERM, so `docker compose stop` waits out the 10 s grace and
    SIGKILLs the server mid-request, and the image's STOPSIGNAL never reaches it. The command is
    the compose file's, which the tool does not rewrite, so it is said, not changed. An image
    ENTRYPOINT the service keeps runs the command as its arguments (a wrapper may exec it or
    not): left out."""
    final = out.final_stage()
    image_entry = any(i.keyword == "ENTRYPOINT" for _, i in out.iter_stage(final))
    advice: list[str] = []
    for service in services_building(ctx):
        if service.entrypoint is None and image_entry:
            continue
        argv = (service.entrypoint or []) + (service.command or [])
        if len(argv) < 3 or argv[0] not in _DASH or argv[1] != "-c":
            continue
        found = _unexeced_server(argv[2])
        if found is None:
            continue
        server, command = found
        lost = "its running tasks" if server.startswith("celery") else "requests in flight"
        advice.append(
            f"compose service `{service.name}` starts {server} inside `sh -c` without `exec`: "
            f"sh stays PID 1 and passes docker stop's signal to nobody, so `docker compose "
            f"stop` waits 10 s and kills {server} with {lost} (the image's STOPSIGNAL never "
            f"reaches it); write `exec {command}` in the compose file's command (the tool "
            "does not rewrite compose files)"
        )
    return advice


def _unexeced_server(script: str) -> tuple[str, str] | None:
    """(server, its command) for the server or Celery worker/beat a `sh -c` script starts as a
    child (no `exec` before it), or None."""
    for segment in split_commands(script):
        for command in inner_commands(segment.text):
            command = start_script.strip_guards(command)
            argv = words(command)
            if not argv or argv[0] == "exec":
                continue
            hit = server_argv(argv)
            if hit is not None:
                return hit[1], command.strip()
            # A Celery worker or beat: SIGTERM is its warm shutdown (finish the running
            # tasks, then exit); SIGKILL loses them.
            role = _celery_role(argv)
            if role is not None:
                return f"celery {role}", command.strip()
    return None


def _celery_role(argv: list[str]) -> str | None:
    """`worker` / `beat` for `celery ... worker|beat` (also `python -m celery`), else None."""
    args = python_args(argv)
    if args is not None and args[:2] == ["-m", "celery"]:
        argv = ["celery", *args[2:]]
    if not argv or argv[0].rsplit("/", 1)[-1] != "celery":
        return None
    return next((w for w in argv[1:] if w in ("worker", "beat")), None)


def _strip_exec(argv: list[str]) -> list[str]:
    if argv[:2] == ["set", "--"]:
        argv = argv[2:]
    while argv and (argv[0] == "exec" or re.fullmatch(r"[A-Za-z_]\w*=.*", argv[0])):
        argv = argv[1:]
    return argv


# The line that runs the arguments a `set --` gave the script, as PID 1.
_EXEC_ARGS = re.compile(r'exec\s+"\$(?:@|\{@\})"')


def _script_servers(text: str) -> list[_ScriptServer]:
    """Every command of the script that starts a web server, in order."""
    found: list[_ScriptServer] = []
    lines = start_script.logical_lines(text)
    heads = start_script.branch_heads(lines)
    for k_line, line in enumerate(lines):
        segments = split_commands(heads.get(k_line, line.text))
        for k, seg in enumerate(segments):
            inner = inner_commands(seg.text)
            compound = inner != [seg.text]
            for command in inner:
                command = start_script.strip_guards(command)
                argv = words(command)
                hit = server_argv(argv)
                handed_on = False
                if hit is None and argv[:2] == ["set", "--"]:
                    # The docker-library idiom: `set -- gunicorn app --bind ...` when no
                    # command was given, then `exec "$@"` (spp-wagtail's prod-entrypoint.sh).
                    handed = server_argv(argv[2:])
                    if handed is not None:
                        hit, handed_on = (handed[0] + 2, handed[1]), True
                if hit is None:
                    outer = _strip_exec(list(argv))
                    script = shell_c_script(outer)
                    for inner_command in split_commands(script or ""):
                        inner_argv = words(inner_command.text)
                        inner_hit = server_argv(inner_argv)
                        if inner_hit is None:
                            continue
                        found.append(_ScriptServer(
                            line=line, argv=inner_argv, start=inner_hit[0],
                            server=inner_hit[1], last_segment=False, segment=command,
                            runner=f"{outer[0].rsplit('/', 1)[-1]} -c",
                        ))
                    continue
                found.append(
                    _ScriptServer(
                        line=line,
                        argv=argv,
                        start=hit[0],
                        server=hit[1],
                        last_segment=(
                            k == len(segments) - 1
                            and not compound
                            and command == seg.text.strip()
                        ),
                        segment=command,
                        branch_head=k_line in heads,
                        handed_on=handed_on,
                    )
                )
    return found


def _python_launcher(out: Dockerfile, ctx: Context) -> str | None:
    """What to say when the container starts a Python script that runs the server as its
    child (`CMD ["python", "start.py"]`, start.py migrating, then `subprocess.run(["gunicorn",
    ...])`): the script stays PID 1, and Python as PID 1 ignores SIGTERM (it sets no handler,
    and the kernel drops a PID 1's default-action signals), so docker stop waits its 10 s and
    kills both; STOPSIGNAL SIGINT would not help either (subprocess.run answers the
    KeyboardInterrupt by killing the child, os.system ignores SIGINT while it waits). The fix is
    the script's to make (os.execvp, or an init), so it is said, not edited; a bind to loopback
    there is said too."""
    entry, cmd = out.start_indices()
    index = entry if entry is not None else cmd
    if index is None:
        return None
    ins = out.instructions[index]
    argv = ins.exec_form
    if argv is None and not has_shell_syntax(ins.args):
        argv = words(ins.args)
    script = start_script.python_script_word(argv or [])
    text = None if script is None else context_reader(out, ctx)(script)
    servers = [] if text is None else start_script.python_child_servers(text)
    if not servers:
        return None
    child = servers[-1]
    loopback = [
        f"{s.server} on its line {s.line} binds {_describe_bind(s.argv, 0, s.server)}"
        for s in servers
        if _LOOPBACK.search(" ".join(s.argv))
    ]
    return (
        f"line {ins.line}: {script} starts {child.server} with {child.call} (its line "
        f"{child.line}), so the Python script stays PID 1 and ignores docker stop's SIGTERM: "
        f"{child.server} is killed after the 10 s grace instead of shutting down; end the "
        f"script with os.execvp() so {child.server} replaces it, or run the container with "
        "an init (`docker run --init`, compose `init: true`)"
        + (f"; {', '.join(loopback)}, which nothing outside the container reaches" if loopback
           else "")
    )


def _runserver_as_argument(out: Dockerfile) -> str | None:
    """What to say when the container's command hands `runserver` to another management
    command (`python manage.py migrate runserver 0.0.0.0:8000`): Django reads it as that
    command's argument (migrate's app label: `No installed app with label 'runserver'`), so no
    server starts, in the original as in any rewrite. Meant is most likely two commands; which
    is the author's to say, so it is named, not edited."""
    for index in out.start_indices():
        if index is None:
            continue
        ins = out.instructions[index]
        script, _ = _script_of(ins)
        for seg in split_commands(script):
            command = management_command(words(seg.text))
            if command and command[0] not in RUNSERVERS and "runserver" in command[1:]:
                why = (
                    " (migrate reads it as an app label and fails: no installed app with label "
                    "'runserver')" if command[0] == "migrate" else ""
                )
                return (
                    f"line {ins.line}: `{seg.text.strip()}` hands runserver to {command[0]} as "
                    f"an argument{why}, so no server starts; run them as two commands, "
                    f"`... {command[0]} && exec python manage.py runserver 0.0.0.0:8000`"
                )
    return None


def _gunicorn_default_bind(
    ins: Instruction, env: dict[str, str], reader: Callable[[str], str | None]
) -> bool:
    """The instruction starts gunicorn with no bind anywhere: no -b/--bind, no config file or
    GUNICORN_CMD_ARGS that binds, no PORT in the image."""
    script, _ = _script_of(ins)
    for seg in split_commands(script):
        argv = words(seg.text)
        found = server_argv(argv)
        if found is None:
            continue
        start, server = found
        return (
            server == "gunicorn"
            and not _option(argv, ("--bind", "-b"))
            and config_bind("gunicorn", argv[start:], env, reader) is None
        )
    return False


_UWSGI_STOPSIGNAL_NOTE = (
    "added STOPSIGNAL SIGINT: {where} is PID 1 and takes docker stop's SIGTERM as a brutal "
    "reload, not a stop (uwsgi 2.0 exits on SIGTERM only with die-on-term), so docker stop "
    "would wait 10 s and kill it; SIGINT stops it at once"
)


def _server_words(ins: Instruction) -> list[str]:
    """The words of the server's command in this CMD/ENTRYPOINT, from the server on."""
    script, _ = _script_of(ins)
    for seg in split_commands(script):
        argv = words(seg.text)
        found = server_argv(argv)
        if found is not None:
            return argv[found[0] :]
    return []


def _uwsgi_reloads_on_term(dockerfile: Dockerfile, argv: list[str], ctx: Context) -> bool:
    """uwsgi as PID 1 that docker stop's SIGTERM would reload (no die-on-term anywhere it
    reads), and no STOPSIGNAL set yet. False when its configuration could not be read."""
    if any(i.keyword == "STOPSIGNAL" for _, i in dockerfile.iter_stage(dockerfile.final_stage())):
        return False
    found = server_argv(argv)
    if found is None or found[1] != "uwsgi":
        return False
    dies = uwsgi_dies_on_term(
        argv[found[0] :], _stage_env(dockerfile), context_reader(dockerfile, ctx)
    )
    return dies is False


_PARENT_RUNNERS = PARENT_RUNNERS


def _parent_runner(ins: Instruction) -> str | None:
    """The runner (`uv`, `pdm`) that stays the server's parent in this CMD, if one does."""
    script, _ = _script_of(ins)
    for seg in split_commands(script):
        argv = words(seg.text)
        if server_argv(argv) is None:
            continue
        while argv and (argv[0] == "exec" or re.fullmatch(r"[A-Za-z_]\w*=.*", argv[0])):
            argv = argv[1:]
        if argv and argv[0].rsplit("/", 1)[-1] in FORWARDING_WRAPPERS:
            return argv[0].rsplit("/", 1)[-1]
        prefix, _rest = strip_runner(argv)
        return prefix[0] if prefix and prefix[0] in _PARENT_RUNNERS else None
    return None


def _entry_wrapper(dockerfile: Dockerfile, server_at: int | None) -> str | None:
    """An exec-form ENTRYPOINT that stays PID 1 and passes signals on to the command after it
    (`ENTRYPOINT ["/usr/bin/tini", "--"]`), when the server is not started by the ENTRYPOINT
    itself (`server_at`, its instruction's index): the wrapper's name, or None."""
    entry, _cmd = dockerfile.start_indices()
    if entry is None or entry == server_at:
        return None
    argv = dockerfile.instructions[entry].exec_form or []
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    return name if name in FORWARDING_WRAPPERS else None


def _broken_exec_form(dockerfile: Dockerfile) -> str | None:
    """A CMD/ENTRYPOINT written as a JSON array that is not valid JSON runs via /bin/sh -c."""
    for _, ins in dockerfile.iter_stage(dockerfile.final_stage()):
        if (
            ins.keyword in {"CMD", "ENTRYPOINT"}
            and ins.args.strip().startswith("[")
            and ins.exec_form is None
        ):
            return (
                f"line {ins.line}: {ins.keyword} {ins.args.strip()} is not valid JSON "
                "(a missing comma or single quotes?), so docker runs it as a shell command "
                "and it fails at start; fix it by hand"
            )
    return None


# `ENTRYPOINT /docker-entrypoint.sh $0 $@`: a shell-form ENTRYPOINT that hands the CMD on.
# Docker runs it as `/bin/sh -c '<text>' CMD0 CMD1 ...`, so `$0` is the CMD's first word and
# `$@` the rest. The words before them must be plain (no variables, quotes or operators).
_SHELL_ARG0 = r'(?:"\$\{?0\}?"|\$\{?0\}?)'
_SHELL_ARGS = r'(?:"\$\{?@\}?"|\$\{?@\}?)'
_ENTRY_PASSING_CMD = re.compile(
    r"(?:exec\s+)?(?P<prog>[\w./@%+:=,-]+(?:\s+[\w./@%+:=,-]+)*)\s+"
    rf"(?P<arg0>{_SHELL_ARG0})\s+(?P<args>{_SHELL_ARGS})"
)
# What an unquoted `$0 $@` would split or glob: the exec form passes such a word unchanged.
_SPLIT_OR_GLOB = re.compile(r"[\s*?\[]")


def _shell_entry_passing_cmd(dockerfile: Dockerfile, notes: list[str]) -> str | None:
    """`ENTRYPOINT /docker-entrypoint.sh $0 $@` with an exec-form CMD (jcarbaugh/django-poetry-
    docker-example; a recurring idiom for letting a shell-form ENTRYPOINT take the CMD): Docker
    runs `/bin/sh -c "/docker-entrypoint.sh $0 $@" CMD...`, so /bin/sh is PID 1 and does not
    pass docker stop's SIGTERM on, and the server the script execs never gets it (docker stop
    waits 10 s and kills it). `ENTRYPOINT ["/docker-entrypoint.sh"]` runs the same script with
    the same arguments as PID 1, and the CMD's server can then be read and fixed like any
    other. Only when that is the same command: the stage's own CMD in exec form (without one
    `$0` is `/bin/sh`), and, for an unquoted `$0 $@`, no CMD word the shell would split or
    glob (`"--config ./gunicorn.conf.py"` is two words to the shell, one in exec form). Returns
    why such an ENTRYPOINT is left, or None."""
    entry, cmd = dockerfile.start_indices()
    if entry is None:
        return None
    ins = dockerfile.instructions[entry]
    text = ins.args.strip()
    if ins.exec_form is not None or text.startswith("["):
        return None
    match = _ENTRY_PASSING_CMD.fullmatch(text)
    if match is None or re.match(r"[A-Za-z_]\w*=", match["prog"]):
        return None  # `VAR=x /entry.sh $0 $@` sets a variable, which no exec form can
    cmd_argv = dockerfile.instructions[cmd].exec_form if cmd is not None else None
    where = f"line {ins.line}: ENTRYPOINT {text}"
    if not cmd_argv:
        return (
            f"{where} runs under /bin/sh -c, which stays PID 1 and does not pass docker stop's "
            "SIGTERM on; the stage has no exec-form CMD to tell what `$0 $@` stands for, so it "
            "is not changed: write it as ENTRYPOINT [\"<script>\"]"
        )
    unquoted = not (match["arg0"].startswith('"') and match["args"].startswith('"'))
    if unquoted and any(not a or _SPLIT_OR_GLOB.search(a) for a in cmd_argv):
        return (
            f"{where} runs under /bin/sh -c, which stays PID 1 and does not pass docker stop's "
            "SIGTERM on; its unquoted `$0 $@` splits the CMD's words that hold spaces or "
            "globs, which the exec form would pass whole, so it is not changed"
        )
    argv = match["prog"].split()
    dockerfile.instructions[entry] = ins.with_value(json.dumps(argv))
    notes.append(
        f"{where} -> ENTRYPOINT {json.dumps(argv)}: the same command with the CMD as its "
        "arguments, but as PID 1; under /bin/sh -c the shell stayed PID 1 and did not pass "
        "docker stop's SIGTERM on (docker stop waited 10 s, then killed the container)"
    )
    return None


def _split_one_string_exec_form(dockerfile: Dockerfile, notes: list[str]) -> str | None:
    """A CMD/ENTRYPOINT in exec form whose program is a whole command line,
    `CMD ["python manage.py runserver 0.0.0.0:8000"]` (Omarsanosy24/MyPhone): Docker looks for
    a program named `python manage.py runserver 0.0.0.0:8000`, finds none, and the container
    does not start. Without shell syntax its words are the command it meant: split into them
    (noted). With shell syntax (`&&`, `$PORT`) which shell form was meant is the author's to
    say: returned as the reason it is left."""
    entry, _ = dockerfile.start_indices()
    for n, ins in dockerfile.iter_stage(dockerfile.final_stage()):
        argv = ins.exec_form
        if ins.keyword not in {"CMD", "ENTRYPOINT"} or not argv:
            continue
        if (
            ins.keyword == "CMD" and entry is not None
            and _shell_c_entry(dockerfile.instructions[entry])
        ):
            continue  # under `ENTRYPOINT ["sh", "-c"]` the one string is the shell's script
        head = argv[0]
        if not re.search(r"\s", head.strip()) or head.strip().startswith(("/", "./")):
            continue
        meant = [*words(head), *argv[1:]]
        if has_shell_syntax(head) or not meant or "=" in meant[0]:
            return (
                f"line {ins.line}: {ins.keyword} {ins.args.strip()} names one program, "
                f"`{head.strip()}`, which does not exist, so the container does not start; "
                "write each word as its own string, or the shell form for shell syntax"
            )
        dockerfile.instructions[n] = ins.with_value(json.dumps(meant))
        notes.append(
            f"line {ins.line}: {ins.keyword} {ins.args.strip()} names one program, "
            f"`{head.strip()}`, which does not exist (exec form does not split words), so the "
            f"container did not start; now {json.dumps(meant)}"
        )
    return None


def _exposed_port(dockerfile: Dockerfile) -> int | None:
    env = _expose_env(dockerfile)
    for _, ins in dockerfile.iter_stage(dockerfile.final_stage()):
        if ins.keyword == "EXPOSE":
            for token in expand(ins.value, env).split():
                match = re.fullmatch(r"(\d+)(/tcp)?", token)
                if match:
                    return int(match.group(1))
    return None


def _expose_env(dockerfile: Dockerfile) -> dict[str, str]:
    """What EXPOSE expands at build time: the final stage's ENV values and ARG defaults
    (`EXPOSE ${port}` after `ENV port 8000`)."""
    return dockerfile.stage_vars(dockerfile.final_stage())


def _target(dockerfile: Dockerfile) -> int | None:
    """Index of the instruction that decides what the container runs, when it runs a server."""
    entry, cmd = dockerfile.start_indices()
    candidates = []
    if entry is not None:
        candidates.append(entry)
        # A shell-form ENTRYPOINT ignores CMD entirely.
        if dockerfile.instructions[entry].exec_form is None:
            cmd = None
    if cmd is not None:
        candidates.insert(0, cmd)
    for n in candidates:
        if _find_server(dockerfile.instructions[n]) is not None:
            return n
    if entry is not None and cmd is not None and _shell_c_entry(dockerfile.instructions[entry]):
        # `ENTRYPOINT ["sh", "-c"]` + `CMD ["gunicorn ..."]`: the CMD is the shell's script.
        whole = _entry_with_cmd(dockerfile, entry)
        if whole is not None and _find_server(whole) is not None:
            return entry
    return None


def _shell_c_entry(ins: Instruction) -> bool:
    """`ENTRYPOINT ["sh", "-c"]` (bash, dash, `-ec`...): the CMD's first word is the script
    the shell runs, a whole command line in one string."""
    argv = ins.exec_form
    return (
        ins.keyword == "ENTRYPOINT" and argv is not None and len(argv) == 2
        and argv[0] in _SHELLS and argv[1] in _SHELL_C_FLAGS
    )


def _cmd_as_argument(dockerfile: Dockerfile, target: int, ctx: Context) -> str | None:
    """Why a CMD that is a lone server word is left alone, when it is one.

    A CMD is the argument list of an exec-form ENTRYPOINT. `runserver` names no program: under
    `ENTRYPOINT ["python", "manage.py"]` it is Django's runserver, under a start script it is
    whatever the script makes of it (Weblate's /app/bin/start reads `runserver` as "start
    supervisord with nginx and the app server"). A lone `gunicorn` under a script that
    dispatches on its first argument is a mode word too: Baserow's entrypoint runs its own
    `gunicorn -b 0.0.0.0:$PORT ... "${@:2}"`, so an added `--bind 0.0.0.0:8000` bound the same
    address twice and the server could not start. Only a script that runs its arguments as
    the command (`exec "$@"`) makes such a CMD the server itself."""
    ins = dockerfile.instructions[target]
    if ins.keyword != "CMD":
        return None
    argv = ins.exec_form if ins.exec_form is not None else words(ins.args)
    if len(argv) != 1 or argv[0] not in SERVERS:
        return None
    # The ENTRYPOINT may come from a stage the final one builds FROM (Baserow's `local`
    # stage inherits `core`'s); the script is then read through that stage's COPY lines.
    entry = None
    entry_stage = dockerfile.final_stage()
    for stage in dockerfile.lineage(dockerfile.final_stage()):
        for _, other in dockerfile.iter_stage(stage):
            if other.keyword == "ENTRYPOINT":
                entry, entry_stage = other, stage
        if entry is not None:
            break
    if entry is None:
        if argv[0] != "runserver":
            return None
        return (
            f"line {ins.line}: CMD {ins.args.strip()} names no program (there is no ENTRYPOINT "
            "to run it)"
        )
    entry_argv = entry.exec_form
    if entry_argv is None:
        return None  # a shell-form ENTRYPOINT ignores CMD; _target does not pick it
    if server_argv([*entry_argv, argv[0]]) is not None:
        return None
    if argv[0] != "runserver":
        read = context_reader(dockerfile.copy(dockerfile.instructions[: entry_stage.end]), ctx)
        for token in entry_argv:
            if token.startswith(("/", "./")) or token.endswith(".sh"):
                text = read(token)
                if (
                    text is not None
                    and _PASS_THROUGH.search(text)
                    and not _dispatches_on(text, argv[0])
                ):
                    return None
    return (
        f"line {ins.line}: CMD {ins.args.strip()} is an argument to ENTRYPOINT "
        f"{entry.args.strip()}, not the server itself: what it starts, and where that "
        "listens, is the entrypoint's business"
    )


def _final_cmd(dockerfile: Dockerfile) -> int | None:
    """Index of the final stage's CMD (its last), if it has one."""
    return dockerfile.start_indices()[1]


def _entry_with_cmd(dockerfile: Dockerfile, index: int) -> Instruction | None:
    """When the server is an exec-form ENTRYPOINT and the final stage has an exec-form CMD, the
    command the container runs (the CMD's words are the ENTRYPOINT's arguments), as one
    exec-form instruction at the CMD's line. Else None."""
    entry = dockerfile.instructions[index]
    if entry.keyword != "ENTRYPOINT" or entry.exec_form is None or _script_of(entry)[1]:
        return None  # shell form, or `["sh", "-c", ...]`, which ignores the CMD's words
    cmd_at = _final_cmd(dockerfile)
    if cmd_at is None:
        return None
    cmd = dockerfile.instructions[cmd_at]
    if not cmd.exec_form:
        return None
    whole = Instruction.new("ENTRYPOINT", json.dumps([*entry.exec_form, *cmd.exec_form]))
    return dataclasses.replace(whole, line=cmd.line)


def _split_into(
    dockerfile: Dockerfile, entry_at: int, whole: Instruction, skipped: list[str]
) -> bool:
    """Write a fixed ENTRYPOINT+CMD command back into the two instructions. What changed after
    the ENTRYPOINT's words goes into the CMD (an added `--bind` too: a CMD given at run time,
    compose's `command:`, replaces it instead of binding twice); a change inside them goes into
    the ENTRYPOINT. A change to both, or a command that needs a shell now, is left alone."""
    cmd_at = _final_cmd(dockerfile)
    assert cmd_at is not None  # `_entry_with_cmd` found it, and nothing removes a CMD
    entry = dockerfile.instructions[entry_at]
    cmd = dockerfile.instructions[cmd_at]
    assert entry.exec_form is not None and cmd.exec_form is not None
    argv = whole.exec_form
    head, tail = entry.exec_form, cmd.exec_form
    if argv is not None and argv[: len(head)] == head:
        if argv[len(head) :] != tail:
            dockerfile.instructions[cmd_at] = keep_indent(
                cmd, Instruction.new("CMD", json.dumps(argv[len(head) :]), cmd.leading)
            )
        return True
    if argv is not None and len(argv) >= len(tail) and argv[len(argv) - len(tail) :] == tail:
        dockerfile.instructions[entry_at] = keep_indent(
            entry,
            Instruction.new("ENTRYPOINT", json.dumps(argv[: len(argv) - len(tail)]), entry.leading),
        )
        return True
    skipped.append(
        f"line {entry.line}: the server's command is ENTRYPOINT {entry.args.strip()} with "
        f"CMD {cmd.args.strip()} as its arguments, and the fix would change both; fix the "
        "bind by hand"
    )
    return False


def _dispatches_on(script: str, word: str) -> bool:
    """Whether the script picks what to run by its first argument being `word`: a `case`
    branch (`gunicorn)`, `web|gunicorn)`) or a test (`[ "$1" = "gunicorn" ]`)."""
    for line in script.splitlines():
        text = line.strip()
        head, paren, _ = text.partition(")")
        if paren and not text.startswith("#"):
            options = [o.strip().strip("\"'") for o in head.lstrip("(").split("|")]
            if word in options:
                return True
        if "$1" in text and "=" in text and f"{word}" in _words_of(text):
            return True
    return False


def _words_of(text: str) -> set[str]:
    """The quote-stripped words of a line, for the `[ "$1" = word ]` test."""
    return {w.strip("\"'];") for w in text.split()}


# A start script that ends by running its arguments: `exec "$@"`, `exec $@`, `"$@"`.
_PASS_THROUGH = re.compile(r'^[ \t]*(exec[ \t]+)?"?\$(@|\{@\})"?[ \t]*$', re.MULTILINE)


def _script_of(ins: Instruction) -> tuple[str, list[str] | None]:
    """The shell text an instruction runs, and the exec-form shell prefix when it has one."""
    argv = ins.exec_form
    if argv is None:
        return ins.args, None
    if len(argv) == 3 and argv[0] in _SHELLS and argv[1] in _SHELL_C_FLAGS:
        return argv[2], argv[:2]
    return " ".join(_quote(a) for a in argv), []


def _script_server_before(
    ins: Instruction, read: Callable[[str], str | None]
) -> tuple[str, str] | None:
    """(script, its server command) when a command that runs before the instruction's server
    (`./entrypoint.sh && python manage.py runserver`) is a script that itself starts a server
    in the foreground, outside any `if`/loop: the shell waits on the script while it serves, so
    the server after it is not what runs, and `exec` before that one changes nothing."""
    text, _ = _script_of(ins)
    segments = split_commands(text)
    at = next((k for k, s in enumerate(segments) if server_argv(words(s.text)) is not None), None)
    if at is None:
        return None
    for seg in segments[:at]:
        if _backgrounded(seg.text) is not None:
            continue
        word = start_script.script_word(program(seg.text))
        body = read(word) if word is not None else None
        if word is None or body is None:
            continue
        for found in _script_servers(body):
            if (
                found.line.depth == 0
                and found.last_segment
                and _backgrounded(found.line.text) is None
            ):
                return word, " ".join(_strip_exec(found.argv))
    return None


def _find_server(ins: Instruction) -> int | None:
    script, _ = _script_of(ins)
    for n, seg in enumerate(split_commands(script)):
        if server_argv(words(seg.text)) is not None:
            return n
    return None


def _move_run_server_to_cmd(dockerfile: Dockerfile, port: int, notes: list[str]) -> bool:
    stage = dockerfile.final_stage()
    has_start = any(i.keyword in {"CMD", "ENTRYPOINT"} for _, i in dockerfile.iter_stage(stage))
    for n, ins in list(dockerfile.iter_stage(stage)):
        if ins.keyword != "RUN" or ins.exec_form is not None:
            continue
        segments = split_commands(ins.args)
        server_at = [
            k
            for k, s in enumerate(segments)
            if server_argv(words(_unbackground(s.text))) is not None
        ]
        if not server_at:
            continue
        server_text = _unbackground(segments[server_at[-1]].text)
        kept = [s for k, s in enumerate(segments) if k not in server_at]
        if kept:
            # The tail of the last kept segment may carry a `&` that backgrounded the server.
            body = join_segments([*kept[:-1], Segment(_unbackground(kept[-1].text), "")])
            dockerfile.instructions[n] = keep_indent(ins, ins.with_args(body))
        else:
            dockerfile.instructions[n] = Instruction("RUN", "", ins.leading, "", ins.line)
        if has_start:
            notes.append(
                f"line {ins.line}: removed `{server_text}` from RUN: a server started during "
                "the build is not running in the container; the CMD starts the app"
            )
        else:
            # At the stage's end: the deployed stage need not be the file's last.
            dockerfile.instructions.insert(stage.end, Instruction.new("CMD", server_text))
            notes.append(
                f"line {ins.line}: `{server_text}` ran in RUN, during the build, so the image "
                "started nothing; moved it to CMD"
            )
            has_start = True
        _drop_empty(dockerfile)
        return True
    return False


def _drop_empty(dockerfile: Dockerfile) -> None:
    """Remove instructions blanked by a move, handing their comments to the next line."""
    result: list[Instruction] = []
    carry: tuple[str, ...] = ()
    for ins in dockerfile.instructions:
        if ins.keyword == "RUN" and not ins.value.strip():
            carry += ins.leading
            continue
        if carry:
            ins = Instruction(ins.keyword, ins.value, carry + ins.leading, ins.raw, ins.line)
            carry = ()
        result.append(ins)
    dockerfile.instructions[:] = result
    if carry:
        dockerfile.trailer = carry + dockerfile.trailer


def _unbackground(text: str) -> str:
    text = text.strip()
    text = re.sub(r"\s*&\s*$", "", text)
    text = re.sub(r"^nohup\s+", "", text)
    return re.sub(r"\s*>\s*/dev/null(\s+2>&1)?\s*$", "", text).strip()


def _fix_instruction(
    ins: Instruction,
    port: int,
    ctx: Context,
    server_env: tuple[dict[str, str], Callable[[str], str | None]],
    notes: list[str],
    skipped: list[str],
    *,
    keep_shell: bool = False,
) -> tuple[Instruction, str, int | None] | None:
    """The instruction with its server bound reachably and made PID 1 (exec form, or `exec`
    in its shell), the server, and the port it binds. `keep_shell`: the shell is the
    ENTRYPOINT's (`["sh", "-c"]` with the CMD as its script), which a fix may not drop, so a
    lone command gets `exec` inside the string instead of exec form."""
    script, shell_prefix = _script_of(ins)
    segments = split_commands(script)
    at = next(k for k, s in enumerate(segments) if server_argv(words(s.text)) is not None)
    argv = words(segments[at].text)
    found = server_argv(argv)
    assert found is not None
    start, server = found
    before_argv = list(argv)

    if server == "runserver" and ctx.options.production_server:
        argv, server = _to_gunicorn(argv, start, port, ctx, notes, skipped)
    elif (
        server == "runserver"
        and ctx.project.dependencies.has("gunicorn")
        and ctx.project.wsgi_application
    ):
        skipped.append(
            "runserver is Django's development server and gunicorn is a dependency: "
            f"--production-server would serve {ctx.project.wsgi_application} with gunicorn"
        )
    argv, bound_port, changed = _rebind(argv, start, server, port, ctx, server_env, skipped)
    if changed:
        # runserver_plus is named as written (it is handled as runserver).
        named = (
            "runserver_plus" if server == "runserver" and "runserver_plus" in before_argv[start:]
            else server
        )
        notes.append(
            f"line {ins.line}: {named} was bound to "
            f"{_describe_bind(before_argv, start, server)}, unreachable from outside the "
            f"container; now binds 0.0.0.0:{bound_port}"
        )

    exec_form = ins.exec_form
    was_exec = exec_form is not None and shell_prefix == []
    # Words the shell saw as written stay as written: `${WORKERS:-2}`, `>`, `2>&1` quoted
    # would become literal arguments (gunicorn's `--workers '${WORKERS:-2}'` fails to start).
    original = segments[at].text
    raw = set(original.split())
    server_text = (
        original.strip()
        if argv == before_argv
        else " ".join(a if a in raw else _quote(a) for a in argv)
    )
    new_segments = [
        *segments[:at],
        Segment(server_text, segments[at].sep),
        *segments[at + 1 :],
    ]
    if (
        not keep_shell and len(new_segments) == 1 and not has_shell_syntax(new_segments[0].text)
        and not _assigns(argv)
    ):
        # `exec` is a shell builtin: in exec form it would be looked up as a program (exit 127);
        # exec form already makes the server PID 1, which is what `exec` was for.
        value = json.dumps(argv[1:] if argv[:1] == ["exec"] and len(argv) > 1 else argv)
        if not was_exec:
            notes.append(
                f"line {ins.line}: {ins.keyword} in shell form runs under /bin/sh, which does "
                "not pass SIGTERM on; exec form makes the server PID 1"
            )
    else:
        # Needs a shell (variables, `&&`): keep one, but `exec` the server so it gets signals.
        server_seg = new_segments[at]
        beside = _backgrounded(server_seg.text)
        if beside is not None:
            # `gunicorn ... & celery worker`: `exec` would replace only the background subshell;
            # the shell stays PID 1 and waits on the other program, so nothing would change.
            others = f"`{beside}`" if beside else "the commands after it"
            skipped.append(
                f"line {ins.line}: the server runs in the background (`&`) beside {others}, "
                "so the shell stays PID 1 and does not pass SIGTERM on; `exec` cannot fix "
                "that: run each program in its own container (a compose service), or under a "
                "process manager"
            )
            if not changed:
                return ins, server, bound_port
        elif not re.match(r"^exec\s", server_seg.text):
            new_segments[at] = Segment("exec " + server_seg.text, server_seg.sep)
        shell_text = join_segments(new_segments)
        prefix = shell_prefix or ["sh", "-c"]
        value = json.dumps([*prefix, shell_text])
        if beside is None and (exec_form is None or shell_text != script):
            notes.append(
                f"line {ins.line}: the server now replaces the shell (`exec`), so SIGTERM "
                "reaches it and docker stop is immediate"
            )
    if exec_form is not None and json.dumps(exec_form) == value and not changed:
        return ins, server, bound_port
    if exec_form is not None and json.loads(value) == exec_form:
        return ins, server, bound_port
    return keep_indent(ins, ins.with_args(value)), server, bound_port


def _backgrounded(text: str) -> str | None:
    """What runs after the server when a `&` sends it to the background: `celery -A core worker`
    in `gunicorn core.wsgi & celery -A core worker` ("" when nothing follows); None when the
    server runs in the foreground. `2>&1` and `&>` are redirections, not `&`."""
    tokens = words(text, punctuation="&|;<>")
    if "&" not in tokens:
        return None
    after = tokens[tokens.index("&") + 1 :]
    return " ".join(after)


def _assigns(argv: list[str]) -> bool:
    return bool(argv) and bool(re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[0]))


def _quote(arg: str) -> str:
    if arg and re.fullmatch(r"[A-Za-z0-9_@%+=:,./$-]+", arg):
        return arg
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def _host_port(bind: str) -> tuple[str, str]:
    if bind.startswith("["):
        host, _, rest = bind[1:].partition("]")
        return f"[{host}]", rest.lstrip(":")
    if bind.count(":") == 1:
        host, _, p = bind.partition(":")
        return host, p
    if bind.isdigit():
        return "", bind
    return bind, ""


def _option(argv: list[str], names: tuple[str, ...]) -> list[int]:
    """Indices of the values of an option, in `--opt value`, `--opt=value` and `-bvalue` forms."""
    found: list[int] = []
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                found.append(i + 1)
            elif (name.startswith("--") and arg.startswith(name + "=")) or (
                not name.startswith("--") and arg.startswith(name) and len(arg) > len(name)
            ):
                found.append(i)
    return found


def _value_at(argv: list[str], i: int, names: tuple[str, ...]) -> tuple[str, str]:
    """(prefix, value) of an option value found by `_option`, prefix kept when rewriting."""
    arg = argv[i]
    for name in names:
        if name.startswith("--") and arg.startswith(name + "="):
            return name + "=", arg[len(name) + 1 :]
        if not name.startswith("--") and arg.startswith(name) and len(arg) > len(name):
            return name, arg[len(name) :]
    return "", arg


def _rebind(
    argv: list[str],
    start: int,
    server: str,
    port: int,
    ctx: Context,
    server_env: tuple[dict[str, str], Callable[[str], str | None]],
    skipped: list[str],
) -> tuple[list[str], int | None, bool]:
    """(new argv, the port it listens on (None: unknown, NO_TCP_PORT: none), changed?).
    `server_env` is the final stage's ENV and a reader for the files the command names."""
    env, reader = server_env
    argv = list(argv)
    if server == "runserver":
        at = runserver_at(argv, start)
        found = addrport_at(argv, at)
        if found is None:
            argv.insert(at + 1, f"0.0.0.0:{port}")
            return argv, port, True
        i = found
        _, p = _host_port(argv[i])
        host, seen = _host_port(expand(argv[i], env))
        bound = _bound_port(seen, port)
        if host in LOCAL_HOSTS or host == "":
            argv[i] = f"0.0.0.0:{p or port}"
            return argv, bound, True
        return argv, bound, False

    if server in {"gunicorn", "hypercorn"}:
        names: tuple[str, ...] = ("--bind", "-b")
        hits = _option(argv, names)
        if not hits:
            # A bind in the server's config file: appending `--bind` would replace it (both
            # gunicorn and hypercorn let the command line win), port and all.
            configured = config_bind(server, argv[start:], env, reader)
            if configured is not None:
                return argv, _configured_port(server, configured, skipped), False
            argv += ["--bind", f"0.0.0.0:{port}"]
            return argv, port, True
        changed = False
        bound = port
        # `--bind unix:/run/app.sock` alone listens on no TCP port (a second `--bind` would).
        if all(_value_at(argv, i, names)[1].startswith(("unix:", "fd://")) for i in hits):
            return argv, NO_TCP_PORT, False
        for i in hits:
            prefix, value = _value_at(argv, i, names)
            if value.startswith(("unix:", "fd://")):
                continue
            _, p = _host_port(value)
            seen_value = expand(value, env)
            host, seen = _host_port(seen_value)
            bound = _bound_port(seen, bound)
            # `:8000` (an empty host) binds every interface already, as Python sockets do.
            if host in LOCAL_HOSTS or (host == "" and not seen_value.startswith(":")):
                argv[i] = f"{prefix}0.0.0.0:{p or 8000}"
                changed = True
        return argv, bound, changed

    if server == "waitress-serve":
        return _rebind_waitress(argv, env)

    if server in {"uvicorn", "daphne", "granian"}:
        # granian's options and defaults are uvicorn's (127.0.0.1:8000, GRANIAN_HOST/PORT).
        names = ("--host",) if server != "daphne" else ("--bind", "-b")
        port_names = ("--port",) if server != "daphne" else ("--port", "-p")
        # uvicorn with --uds or --fd (granian with --uds) ignores --host and --port.
        if server != "daphne" and _option(argv, ("--uds", "--fd")):
            return argv, NO_TCP_PORT, False
        port_hits = _option(argv, port_names)
        # daphne listens on every endpoint it is given: a unix socket (-u), a file descriptor
        # (--fd), Twisted endpoint strings (-e), and a TCP host/port only when -b or -p is also
        # given. Without them, appending `--bind 0.0.0.0` would open a TCP port it never had.
        if (
            server == "daphne"
            and _option(argv, ("-u", "--unix-socket", "--fd", "-e", "--endpoint"))
            and not port_hits
            and not _option(argv, names)
        ):
            return _daphne_endpoints(argv)
        bound = port
        # uvicorn reads any option from UVICORN_<NAME> (click's auto_envvar_prefix), granian
        # from GRANIAN_<NAME>: the image's ENV ..._PORT / ..._HOST are its port and host when the
        # command names none.
        prefix_env = {"uvicorn": "UVICORN_", "granian": "GRANIAN_"}.get(server)
        env_port = env.get(f"{prefix_env}PORT", "") if prefix_env else ""
        env_host = env.get(f"{prefix_env}HOST", "") if prefix_env else ""
        if port_hits:
            _, value = _value_at(argv, port_hits[0], port_names)
            bound = _bound_port(expand(value, env), port)
        elif env_port:
            bound = _bound_port(env_port, port)
        hits = _option(argv, names)
        if not hits and env_host and env_host not in LOCAL_HOSTS:
            return argv, bound if env_port else 8000, False
        if not hits:
            argv += [names[0], "0.0.0.0"]
            # With UVICORN_PORT set, bound is already its port: no --port to add.
            if not port_hits and not env_port and port != 8000:
                argv += [port_names[0], str(port)]
                bound = port
            elif not port_hits and not env_port:
                bound = 8000
            return argv, bound, True
        i = hits[0]
        prefix, value = _value_at(argv, i, names)
        if value in LOCAL_HOSTS:
            argv[i] = prefix + "0.0.0.0"
            return argv, bound, True
        return argv, bound, False

    if server == "uwsgi":
        names = ("--http", "--http-socket")
        for i in _option(argv, names):
            prefix, value = _value_at(argv, i, names)
            _, p = _host_port(value)
            host, seen = _host_port(expand(value, env))
            bound = _bound_port(seen, port)
            if host in LOCAL_HOSTS:
                argv[i] = f"{prefix}0.0.0.0:{p}"
                return argv, bound, True
            return argv, bound, False
        configured = config_bind("uwsgi", argv[start:], env, reader)
        if configured is not None:
            return argv, _configured_port(server, configured, skipped), False
        for i in _option(argv, ("--socket", "-s", "--uwsgi-socket", "--https")):
            _, p = _host_port(_value_at(argv, i, ("--socket", "-s", "--uwsgi-socket",
                                                  "--https"))[1].split(",", 1)[0])
            if p.isdigit():
                return argv, int(p), False
        if unix_socket_bind(argv[start:], env) is not None:
            # `uwsgi --socket /tmp/uwsgi.sock` for nginx's `uwsgi_pass unix:...` in the same
            # image (sweep26: jonashaag/django-nginx-uwsgi-celery-deployment): no TCP port,
            # where the note said the port was unknown.
            return argv, NO_TCP_PORT, False
        # uwsgi has no default HTTP port: without one, what it listens on is unknown.
        return argv, None, False
    return argv, port, False


def _rebind_waitress(
    argv: list[str], env: dict[str, str]
) -> tuple[list[str], int | None, bool]:
    """waitress-serve: `--listen=HOST:PORT` (any number; `*` is every interface), else `--host`
    (default 0.0.0.0, every IPv4 interface) and `--port` (default 8080); `--unix-socket` alone
    listens on no TCP port. A loopback host becomes 0.0.0.0."""
    argv = list(argv)
    listens = _option(argv, ("--listen",))
    if listens:
        changed = False
        bound: int | None = None
        for i in listens:
            prefix, value = _value_at(argv, i, ("--listen",))
            _, p = _host_port(value)
            host, seen = _host_port(expand(value, env))
            bound = bound if bound is not None else _bound_port(seen, 8080)
            if host in LOCAL_HOSTS:
                argv[i] = f"{prefix}0.0.0.0:{p or 8080}"
                changed = True
        return argv, bound, changed
    if _option(argv, ("--unix-socket",)) and not _option(argv, ("--port", "--host")):
        return argv, NO_TCP_PORT, False
    port_hits = _option(argv, ("--port",))
    bound = 8080
    if port_hits:
        bound = _bound_port(expand(_value_at(argv, port_hits[0], ("--port",))[1], env), 8080)
    hosts = _option(argv, ("--host",))
    if hosts:
        prefix, value = _value_at(argv, hosts[0], ("--host",))
        if expand(value, env) in LOCAL_HOSTS:
            argv[hosts[0]] = f"{prefix}0.0.0.0"
            return argv, bound, True
    return argv, bound, False


# A Twisted server endpoint string: `tcp:8001`, `tcp:port=8001:interface=127.0.0.1`, `ssl:443:...`.
_ENDPOINT = re.compile(r"^(tcp6?|ssl):(?:port=)?(\d+)((?::[^:]*)*)$")


def _daphne_endpoints(argv: list[str]) -> tuple[list[str], int | None, bool]:
    """daphne started with -u/--fd/-e only: the port of its first TCP endpoint (NO_TCP_PORT
    when it has none), an endpoint's loopback `interface=` made 0.0.0.0."""
    argv = list(argv)
    names = ("-e", "--endpoint")
    bound: int | None = NO_TCP_PORT
    changed = False
    for i in _option(argv, names):
        prefix, value = _value_at(argv, i, names)
        match = _ENDPOINT.match(value)
        if match is None:
            continue
        if bound == NO_TCP_PORT:
            bound = int(match.group(2))
        fields = match.group(3)
        local = re.search(r":interface=(127\.0\.0\.1|localhost)(?=:|$)", fields)
        if local:
            start, end = local.span(1)
            offset = len(value) - len(fields)
            argv[i] = prefix + value[: offset + start] + "0.0.0.0" + value[offset + end :]
            changed = True
    return argv, bound, changed


def _bound_port(text: str, default: int | None) -> int | None:
    """The port an (expanded) option value names: the default when it names none, None when
    it is a variable the image does not set (`$PORT` given at run time)."""
    if not text:
        return default
    if text.isdigit():
        return int(text)
    return None if "$" in text else default


def _configured_port(server: str, configured: ConfigBind, skipped: list[str]) -> int | None:
    if configured.socket:
        return NO_TCP_PORT
    if configured.port is None:
        return None
    if configured.host in LOCAL_HOSTS:
        skipped.append(
            f"{server} binds {configured.host}:{configured.port} in {configured.source}, "
            "unreachable from outside the container; change it there"
        )
    return configured.port


def _stage_env(dockerfile: Dockerfile) -> dict[str, str]:
    """The final stage's ENV, which the server sees (GUNICORN_CMD_ARGS, PORT, UWSGI_*)."""
    env: dict[str, str] = {}
    for _, ins in dockerfile.iter_stage(dockerfile.final_stage()):
        if ins.keyword == "ENV":
            env.update(env_pairs(ins.value))
    return env




def _describe_bind(argv: list[str], start: int, server: str) -> str:
    text = " ".join(argv[start:])
    match = _LOOPBACK.search(text)
    if match:
        return match.group(0)
    return "127.0.0.1 (its default)"


def _to_gunicorn(
    argv: list[str], start: int, port: int, ctx: Context, notes: list[str], skipped: list[str]
) -> tuple[list[str], str]:
    deps = ctx.project.dependencies
    wsgi = ctx.project.wsgi_application
    if not deps.has("gunicorn") or wsgi is None:
        skipped.append(
            "--production-server: gunicorn is not a dependency or the WSGI app was not found; "
            "kept runserver"
        )
        return argv, "runserver"
    found = addrport_at(argv, runserver_at(argv, start))
    bind_port = port
    if found is not None:
        _, p = _host_port(argv[found])
        bind_port = int(p) if p.isdigit() else port
    # With daphne (Channels 4) or channels (Channels 2-3) in INSTALLED_APPS, runserver is
    # their ASGI server: websockets and async consumers, which gunicorn's WSGI would drop.
    channels = [a for a in ("daphne", "channels") if a in ctx.project.installed_apps]
    asgi = ctx.project.asgi_application
    if channels and asgi is not None and deps.has("daphne"):
        notes.append(
            f"runserver is Django's development server; with {channels[0]} in INSTALLED_APPS it "
            f"serves the ASGI app (websockets), so the image now serves {asgi} with daphne, the "
            "server runserver ran (gunicorn would serve WSGI only)"
        )
        return [*argv[:start], "daphne", asgi, "--bind", "0.0.0.0", "--port",
                str(bind_port)], "daphne"
    if channels:
        skipped.append(
            f"--production-server: with {channels[0]} in INSTALLED_APPS runserver serves the "
            "ASGI app (websockets), which gunicorn's WSGI would drop, and daphne is not a "
            "dependency (or ASGI_APPLICATION was not found); kept runserver"
        )
        return argv, "runserver"
    new = [*argv[:start], "gunicorn", wsgi, "--bind", f"0.0.0.0:{bind_port}"]
    notes.append(
        f"runserver is Django's development server; gunicorn is a dependency, so the image now "
        f"serves {wsgi} with gunicorn (static files need whitenoise or a proxy, as with any "
        "production server)"
    )
    return new, "gunicorn"


def _sole_listener(
    out: Dockerfile, index: int, original: Instruction, port: int, ctx: Context
) -> bool:
    """Whether the server the CMD starts is all that listens in the container, on a port the
    Dockerfile writes out: an exec-form CMD with no ENTRYPOINT (no script that may start
    nginx or flower beside it), no compose service running another command on this image,
    and the port spelled in the command itself (`--bind 0.0.0.0:8000`, `runserver
    0.0.0.0:8000`, `--port 8000`), not a default or a config file's value the reading may
    have missed. Then an EXPOSEd port other than that one is a port nothing listens on."""
    if out.instructions[index].keyword != "CMD" or original.exec_form is None:
        return False
    stage = out.final_stage()
    if any(i.keyword == "ENTRYPOINT" for _, i in out.iter_stage(stage)):
        return False
    if any(s.command is not None or s.entrypoint is not None for s in services_building(ctx)):
        return False
    return any(re.search(rf"(^|[:=]){port}$", word) for word in original.exec_form[1:])


def _ensure_expose(
    dockerfile: Dockerfile,
    cmd_index: int,
    port: int,
    notes: list[str],
    *,
    replace_unbound: bool = False,
) -> None:
    stage = dockerfile.final_stage()
    exposes = [(n, i) for n, i in dockerfile.iter_stage(stage) if i.keyword == "EXPOSE"]
    env = _expose_env(dockerfile)
    ports = {
        int(m.group(1))
        for _, i in exposes
        for t in expand(i.value, env).split()
        if (m := re.fullmatch(r"(\d+)(/tcp)?", t))
    }
    if port in ports:
        return
    # EXPOSE is inherited: `FROM base AS build` after `EXPOSE 8000` in base exposes 8000 already
    # (dariusmazeika/city-tour-app's production.Dockerfile got a second `EXPOSE 8000`).
    inherited = {
        int(m.group(1))
        for parent in dockerfile.lineage(stage)[1:]
        for _, i in dockerfile.iter_stage(parent)
        if i.keyword == "EXPOSE"
        for t in expand(i.value, {**dockerfile.stage_vars(parent), **env}).split()
        if (m := re.fullmatch(r"(\d+)(/tcp)?", t))
    }
    if port in inherited:
        return
    if replace_unbound and len(exposes) == 1 and re.fullmatch(r"\d+(\s+\d+)*", exposes[0][1].value):
        # A literal EXPOSE 80 beside `gunicorn --bind 0.0.0.0:8000`: appending 8000 would keep
        # documenting a door nothing opens, and a platform that routes to the first EXPOSEd
        # port (or a reader of the Dockerfile) would still go to 80.
        n, ins = exposes[0]
        old = ins.value
        dockerfile.instructions[n] = keep_indent(ins, ins.with_value(str(port)))
        notes.append(
            f"EXPOSE {old} -> {port}: the CMD's server, the container's only process, binds "
            f"{port}; nothing listens on {old.replace(' ', ', ')}"
        )
        return
    if exposes:
        n, ins = exposes[-1]
        dockerfile.instructions[n] = keep_indent(ins, ins.with_value(f"{ins.value} {port}"))
        notes.append(f"EXPOSE now lists {port}, the port the server binds")
        return
    dockerfile.insert_before(cmd_index, Instruction.new("EXPOSE", str(port)))
    notes.append(f"added EXPOSE {port}: documents the port the server binds")
