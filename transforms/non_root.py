"""non-root: run the app as a numeric, unprivileged user.

Why: a process running as root in a container is root on every volume it mounts and one kernel
bug away from root on the host. A numeric UID lets Kubernetes' runAsNonRoot verify it without
reading /etc/passwd. The directories Django writes at run time (the sqlite database's directory,
MEDIA_ROOT, STATIC_ROOT: collectstatic runs at start or in the running container) are handed to
that user, recursively
(a data directory may already hold subdirectories, like `media/images` made by an earlier RUN);
the app directory itself only at its top, so the code stays root's.

The RUN that creates the user and hands it those paths goes as early as it can: above the COPYs
of the source and of the builder's venv when they bring none of the paths it hands over (a COPY
into an existing directory keeps that directory's owner), so a code or dependency change does not
run it again and a cold build runs it beside the builder stage.

It stays root, with the reason, when the settings could not be read (which directories the app
writes is then unknown), and when the project's compose file bind-mounts the host's source over
the app and the service writes there: uid 10001 cannot write a host tree owned by someone else
(on Linux, where bind mounts keep host ownership).
"""

from __future__ import annotations

import itertools
import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from optimizer.commands import command_file_writes, started_commands
from optimizer.composefiles import ComposeError
from optimizer.dockerfile import Dockerfile, Instruction, Stage, context_source, next_workdir
from optimizer.makefile import make_recipe
from optimizer.ports import config_bind, config_files, expand, port_from_command
from optimizer.project import served_settings_paths
from optimizer.settings import libcst_safe
from optimizer.shell import server_argv, split_commands, words
from optimizer.sources import has_files
from transforms.base import Context, NotesTransform, Result
from transforms.dev_image import dev_only, services_building
from transforms.dev_image import load_compose as _load_compose
from transforms.dockerignore import runs_git_at_run_time
from transforms.image_paths import context_reader
from transforms.raw_edit import append_command
from transforms.slim_base import base_stage, line_argvs, script_lines

if TYPE_CHECKING:
    import libcst as cst

    from optimizer.compose import Service


UID = 10001
_TAIL = {"CMD", "ENTRYPOINT", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "VOLUME", "LABEL"}
# nginx as a program (`nginx`, `/usr/sbin/nginx -g ...`), not a path or file that names it
# (`cp nginx/default.conf ...`, `--config /app/nginx/uwsgi.ini`: safe-relay-service's start).
_NEEDS_ROOT = re.compile(
    r"\bcron\b|>>?\s*/etc/|\bservice\s|supervisord|\bsysctl\b"
    r"|(?:^|(?<=[\s;&|(`'\"]))(?:/usr/s?bin/)?nginx(?=$|[\s;&|)`'\"])"
)
# Commands that write into the app's tree at start (database files, collected static files).
_WRITES_TREE = re.compile(r"\b(migrate|collectstatic|makemigrations|compilemessages)\b")
# Servers that drop privileges themselves and so must start as root: celery's and uwsgi's
# `--uid`/`--gid`, gunicorn's `--user`/`--group`. joebonneau/django-celery-redis's worker runs
# `celery ... worker --uid=nobody --gid=nogroup` from a compose entrypoint script; as uid 10001
# it exits at once (`PermissionError: [Errno 1] Operation not permitted` in os.setgid), caught
# by verify's worker check.
_DROPS_PRIVILEGES = re.compile(
    r"\b(?:celery|uwsgi)\b[^\n]*?\s(--(?:uid|gid))(?:=|\s)"
    r"|\bgunicorn\b[^\n]*?\s(--user|--group)(?:=|\s)"
)
_MANAGES_USERS = re.compile(
    r"\b(gosu|su-exec|su |setpriv|chpst|runuser|useradd|adduser|chown|apt-get|apk )"
)


def _root_command(text: str) -> re.Match[str] | None:
    """A command in `text` that switches users or changes the system itself (a start script's,
    a compose service's, the start command's): the image then keeps root."""
    return _MANAGES_USERS.search(text) or _NEEDS_ROOT.search(text)


class NonRoot(NotesTransform):
    """Add a numeric non-root USER to the final stage, with the writable dirs Django needs."""

    name = "non-root"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        stage = out.final_stage()
        items = list(out.iter_stage(stage))
        users = [i for _, i in items if i.keyword == "USER"]
        if users and users[-1].value.split(":")[0].strip() not in {"root", "0"}:
            return Result(out)
        # `FROM core AS local` runs as the USER core (or a stage it builds FROM) set last, and
        # has the users those stages created: adding `useradd app` there fails the build when
        # `app` exists, and runs as that user besides (Baserow's backend image: USER $UID:$GID
        # in its base stage, CMD in the final one).
        later = out.built_on(stage)
        if later:
            # A `dev` stage built FROM the deployed one would run its own steps (apt-get, pip)
            # as the new user and fail to build.
            return Result(
                out,
                skipped=[
                    f"stage {later[0].name or later[0].index} builds on the deployed stage "
                    f"{stage.name} and runs its steps as its user; USER left to you"
                ],
            )
        lineage = out.lineage(stage)
        inherited = None if users else _inherited_user(out, lineage[1:])
        if inherited is not None and inherited[0].split(":")[0].strip() not in {"root", "0"}:
            return Result(
                out,
                skipped=[
                    f"the image already runs as {inherited[0]}, the USER of stage "
                    f"{inherited[1]} it builds FROM"
                ],
            )
        if any(_creates_user(i) for s in lineage for _, i in out.iter_stage(s)):
            return Result(
                out,
                skipped=["the Dockerfile creates a user but does not switch to it; left to you"],
            )
        # `FROM base` names an earlier stage: the image is the one that stage starts from.
        base = out.resolve(base_stage(out, stage).base)
        if not _has_useradd(base):
            return Result(out, skipped=[f"{base} may not have useradd; USER left to you"])
        if "alpine" in base:
            return Result(out, skipped=["alpine base: USER left to you"])
        # The start instructions: the stage's own, else those of the stage it builds FROM
        # (linkding's `linkding-plus` runs the `linkding` stage's CMD ["./bootstrap.sh"]).
        starts_at = next(
            (
                found for s in lineage
                if (found := [(n, i) for n, i in out.iter_stage(s)
                              if i.keyword in {"CMD", "ENTRYPOINT"}])
            ),
            [],
        )
        start = " ".join(i.value for _, i in starts_at)
        # ENV values and ARG defaults: `WORKDIR ${APP_HOME}` after `ARG APP_HOME=/app`
        # (cookiecutter-django) names /app.
        env = out.stage_vars(stage)
        low_port = [p for p in re.findall(r":(\d+)\b", expand(start, env)) if int(p) < 1024]
        read = context_reader(out, ctx)
        low_port += [str(p) for p in _configured_ports(start, env, read) if p < 1024]
        # `uvicorn --port 80`, `daphne -p 80`: a port given by its own option, in the command
        # or in the script it runs (nolabel-tech/nolabel-backend's entrypoint.sh ends with
        # `daphne -b 0.0.0.0 -p 80`).
        start_line = " ".join(
            shlex.join(i.exec_form) if i.exec_form is not None else i.args
            for _, i in starts_at
        )
        low_port += [
            str(p) for text in (start_line, _entrypoint_script(start, read) or "")
            for p in _server_ports(text, env) if p < 1024
        ]
        if low_port:
            return Result(
                out, skipped=[f"the server binds port {low_port[0]} (<1024), which needs root"]
            )
        # The command compose runs in place of CMD (`runserver 0.0.0.0:80`) binds as well.
        compose_starts = _compose_commands(ctx)
        for command in compose_starts:
            ports = [p for p in re.findall(r":(\d+)\b", expand(command, env)) if int(p) < 1024]
            ports += [str(p) for p in _server_ports(command, env) if p < 1024]
            if ports:
                return Result(
                    out,
                    skipped=[
                        f"the compose service's command binds port {ports[0]} (<1024), "
                        "which needs root"
                    ],
                )
        # What those commands run: Vincent-Law-Zzz/transactions' compose runs
        # `sh -c "./init.bash"`, whose `makemigrations` writes into the source tree.
        compose_starts += [
            text for command in list(compose_starts)
            if (text := _entrypoint_script(command, read))
        ]
        # Every script a compose command runs, and what they start in turn: Tabbycat's web
        # service runs `./bin/docker-wait.sh db:5432 -- ./bin/docker-run-honcho.sh`, whose
        # `honcho -f ./ProcfileMulti.docker start` starts nginx (Debian's nginx writes
        # /var/lib/nginx and /run/nginx.pid, root's).
        compose_started = [
            text for command in _compose_commands(ctx) for text in _started_texts(command, read)
        ]
        script = _entrypoint_script(start, read)
        script_code = _script_commands(script or "")
        for text in (start, script_code, *compose_starts):
            code = _script_commands(text) if "\n" in text else text
            drop = _DROPS_PRIVILEGES.search(code)
            if drop is not None:
                option = drop.group(1) or drop.group(2)
                end = code.find("\n", drop.end())
                line = code[code.rfind("\n", 0, drop.start()) + 1 : end if end >= 0 else None]
                return Result(
                    out,
                    skipped=[
                        f"a command the image runs drops privileges itself ({option} in "
                        f"`{line.strip()[:100]}`), which needs it to start as root; "
                        "USER left as is"
                    ],
                )
        if script is not None and _root_command(script_code):
            return Result(
                out, skipped=["the entrypoint script switches users or changes the system itself"]
            )
        for text in compose_started:
            needs = _root_command(text)
            if needs:
                return Result(
                    out,
                    skipped=[
                        f"a compose service's command runs `{needs.group(0).strip()}` (through "
                        "the scripts or Procfile it starts), which switches users or changes "
                        "the system itself; USER left as is"
                    ],
                )
        # The same commands written in CMD/ENTRYPOINT itself (Kolenich/DjangoRest's
        # `ENTRYPOINT mkdir -p pids logs && ... && supervisord -c supervisord.ini`, whose
        # `user = root` made supervisord exit as uid 10001: "Can't drop privilege as nonroot
        # user").
        inline = _script_commands(start)
        needs = _root_command(inline)
        if needs:
            return Result(
                out,
                skipped=[
                    f"the start command runs `{needs.group(0).strip()}`, which switches users or "
                    "changes the system itself; USER left as is"
                ],
            )
        # The project's own management commands run at start may write into the source tree,
        # which stays root's (BookWyrm's entrypoint: `manage.py compile_themes` writes .css
        # files under bookwyrm/static/ and the web container exits as uid 10001).
        subcommands = started_commands("\n".join([start, script_code, *compose_starts]))
        own = command_file_writes(ctx.context_dir, subcommands)
        if own is not None:
            return Result(
                out,
                skipped=[
                    f"the start runs `manage.py {own[0]}`, the project's own command, which "
                    f"writes a file ({own[1]}) not under STATIC_ROOT or MEDIA_ROOT: as uid "
                    f"{UID} it could not write into the source tree, which stays root's; "
                    "USER left as is"
                ],
            )
        home = _root_home_reason(
            items, " ".join([start, script or "", *compose_starts]), env, read
        )
        if home is not None:
            return Result(out, skipped=[home])
        uv_sync = _uv_run_syncs(
            [i for s in lineage for _, i in out.iter_stage(s)],
            "\n".join([start_line, script_code, *compose_starts]),
            env,
            [
                ctx.read_disk(f) or ""
                for f in ctx.project.dependencies.manifest_files
                if f.endswith("pyproject.toml")
            ],
        )
        if uv_sync is not None:
            return Result(out, skipped=[uv_sync])
        git_user = runs_git_at_run_time(ctx.context_dir)
        if git_user is not None:
            # git refuses a repository another user owns ("dubious ownership", safe.directory):
            # the code stays root's, so as uid 10001 the call fails where it worked as root.
            return Result(
                out,
                skipped=[
                    f"{git_user} runs git at run time, and git refuses a repository owned by "
                    f"another user (safe.directory) as uid {UID} would meet it; USER left as is"
                ],
            )
        # A stage built FROM an earlier one starts in that stage's WORKDIR.
        parents = [(n, i) for parent in reversed(lineage[1:]) for n, i in out.iter_stage(parent)]
        inherited_cwd = _workdirs(parents, out.stage_vars(stage))[-1]
        app_dir, source = _app_dir(items, ctx, env, inherited_cwd, parents=parents)
        if "$" in app_dir:
            # `WORKDIR ${PROJECT_DIR}` with `ENV PROJECT_DIR=/app` or `ARG APP_HOME=/app`.
            app_dir = posixpath.normpath("/" + expand(app_dir, env).lstrip("/"))
        if "$" in app_dir:
            return Result(
                out, skipped=[f"the app directory is spelled with build variables ({app_dir})"]
            )
        starts = start + " " + (script or "")
        # What still runs when a compose service sets only `command`: the image's ENTRYPOINT
        # (and the script it starts).
        entrypoints = [i.value for _, i in starts_at if i.keyword == "ENTRYPOINT"]
        kept_start = " ".join([*entrypoints, script or ""]) if entrypoints else ""
        project = ctx.project
        if project.settings_file is None:
            why = (
                f"the settings module {project.settings_module} is not in the build context"
                if project.settings_module
                else "the settings module could not be found (no DJANGO_SETTINGS_MODULE "
                "default and no module defining INSTALLED_APPS)"
            )
            return Result(
                out,
                skipped=[
                    f"{why}, so which directories the app writes (sqlite, media) is unknown; "
                    "set ENV DJANGO_SETTINGS_MODULE in the Dockerfile to let non-root read it"
                ],
            )
        if project.unreadable_settings:
            return Result(
                out,
                skipped=[
                    "the settings file(s) "
                    + ", ".join(project.unreadable_settings)
                    + " could not be parsed, so which directories the app writes is unknown"
                ],
            )
        # collectstatic in a compose service's command counts as much as in CMD: that command
        # replaces it (food_marketplace_api's `bash -c "...; collectstatic; gunicorn ..."`).
        collects = "collectstatic" in " ".join([starts, *compose_starts])
        unknown = [
            n for n in project.unresolved_settings
            if n != "STATIC_ROOT" or collects
        ]
        if unknown:
            return Result(
                out,
                skipped=[
                    f"the settings set {' and '.join(unknown)} to a value that could not be read "
                    "(an environment variable without a default, a config module), so which "
                    "directory the app writes is unknown; USER left as is"
                ],
            )
        if collects and project.static_root is None:
            return Result(
                out,
                skipped=[
                    "collectstatic runs at start and STATIC_ROOT could not be read from "
                    "the settings, so which directory must be writable is unknown"
                ],
            )

        def in_image(rel: str) -> str | None:
            """Where a context-relative path lands, through the source COPY. A path beside the
            copied directory (`COPY django ./django` with `BASE_DIR / ".." / "db.sqlite3"`) is
            where the settings, which run from the copy, put it: beside the copy's target.
            None when it would climb above the image's root."""
            if rel.startswith("/"):
                return rel
            prefix = posixpath.normpath(source)
            if prefix != ".":
                rel = posixpath.relpath(rel, prefix)
            climbs = len(list(itertools.takewhile(lambda part: part == "..", rel.split("/"))))
            if climbs > len(PurePosixPath(app_dir).parts) - 1:
                return None
            return posixpath.normpath(posixpath.join(app_dir, rel))

        def beside_app(path: str | None) -> bool:
            """A directory to hand over on its own: not the app's directory, nor one above it
            (those are handed over at their top, below)."""
            return bool(path) and not (
                path == app_dir or app_dir.startswith(str(path).rstrip("/") + "/")
            )

        # The app's own directory: Django projects create files next to themselves at run time
        # (sqlite databases, relative log files); files already there stay root's.
        writable: list[str] = [app_dir]
        kept_notes: list[str] = []
        sqlite_dir: str | None = None
        # The sqlite file beside code (manage.py's directory, the settings package): that
        # directory is handed over at its top only, with the file; recursively it would hand
        # the app its own code.
        sqlite_beside_code = False
        if project.sqlite_path:
            sqlite_rel = posixpath.dirname(project.sqlite_path) or "."
            sqlite_dir = in_image(sqlite_rel) or app_dir
            writable.append(sqlite_dir)
            sqlite_beside_code = sqlite_dir == app_dir or _holds_code(ctx.context_dir, sqlite_rel)
        # STATIC_ROOT too, also when collectstatic is not part of the start: operators run it
        # in the running container (`docker compose exec web python manage.py collectstatic`).
        static_path: str | None = None
        # A STATIC_ROOT the source brings filled (committed collectstatic output, served as it
        # is) when nothing runs collectstatic, at build or at start: only its directories are
        # handed over. Its `chown -R` copied every file into a layer of its own
        # (devisonsantana/avatar-airbender-web-django: 2 MB of staticfiles/, twice); left
        # root's, a collectstatic run in the container (`docker compose exec`) could not write
        # (PermissionError on /app/static/admin). Owning the directories, the app may add files
        # and replace the committed ones (a replace deletes first: the directory's right).
        static_dirs_only: str | None = None
        committed_static = (
            project.static_root is not None
            and not collects
            and not any(
                ins.keyword == "RUN" and "collectstatic" in ins.value for _, ins in items
            )
            # A path in the image (absolute), not in the context, brings nothing.
            and not project.static_root.startswith("/")
            and has_files(ctx.context_dir / project.static_root)
        )
        for root in (project.media_root, project.static_root):
            path = in_image(root) if root else None
            if path and root is project.static_root and committed_static and beside_app(path):
                static_dirs_only = path
                kept_notes.append(
                    f"STATIC_ROOT {path} comes filled from the build context and nothing runs "
                    "collectstatic: its directories are the app's, so a collectstatic in the "
                    "container can write them, and its files stay root's (a `chown -R` would "
                    "copy every one into another layer)"
                )
                continue
            if path and beside_app(path):
                writable.append(path)
                if root is project.static_root:
                    static_path = path
        # A file-based cache, a storage's location, file sessions, upload temp files; and
        # django-compressor's output when `manage.py compress` runs at start (offline
        # compression done by the entrypoint instead of the build).
        compress_dirs = (
            [project.compress_output]
            if project.compress_output and "compress" in subcommands
            else []
        )
        for rel in [*project.runtime_dirs, *compress_dirs]:
            path = in_image(rel)
            if path and beside_app(path):
                writable.append(path)
        if _SERVERS.search(starts):
            # The served app reads the settings wsgi.py/asgi.py name, which may differ from
            # manage.py's: what those say it writes must be writable too.
            for rel in served_settings_paths(ctx.context_dir, out.render()):
                path = in_image(rel)
                if path and beside_app(path):
                    writable.append(path)
        for _, ins in items:
            if ins.keyword == "VOLUME":
                volumes = ins.exec_form or ins.args.split()
                writable.extend(
                    posixpath.normpath(v) for v in volumes if v.startswith("/") and "$" not in v
                )
        writable = list(dict.fromkeys(writable))
        if "/" in writable:
            return Result(
                out,
                skipped=[
                    "the app writes next to its source in / (no WORKDIR); making / "
                    "writable is no better than root; left as is"
                ],
            )
        # What a compose service writes under a bind mount: STATIC_ROOT only when it collects.
        data_dirs = [
            w for w in writable
            if w != app_dir and (w != static_path or collects)
        ] + ([sqlite_dir] if sqlite_dir else [])
        sqlite_file = in_image(project.sqlite_path) if project.sqlite_path else None
        cwd = _workdirs(items, env, inherited_cwd)[-1]
        compose_skip, compose_notes = _compose_bind_mount(
            ctx, app_dir, list(dict.fromkeys(data_dirs)), starts,
            [sqlite_file] if sqlite_file else [],
            _StartFiles(starts, kept_start, env, read, cwd),
        )
        if compose_skip:
            return Result(out, skipped=[*compose_notes, compose_skip])
        # After the bind-mount check, whose note says how to run such a service non-root.
        dev = dev_only(out, ctx, for_user=True)
        if dev is not None:
            return Result(
                out,
                skipped=[
                    *compose_notes,
                    f"{dev}; it runs as root, as developers' tools expect (a non-root user "
                    "could not write the bind-mounted source or install into the container)",
                ],
            )
        logs = _log_files(ctx)
        if logs is None:
            return Result(
                out,
                skipped=[
                    "the settings log to a file whose path could not be read; which file "
                    "must be writable is unknown"
                ],
            )
        log_paths: list[str] = []
        for relative_to_project, name in logs:
            if name.startswith("/"):
                log_paths.append(posixpath.normpath(name))
            elif relative_to_project:
                located = in_image(posixpath.join(project.project_dir, name))
                if located:
                    log_paths.append(located)
            else:
                log_paths.append(posixpath.normpath(posixpath.join(cwd, name)))
        log_paths = list(dict.fromkeys(log_paths))
        # `RUN python manage.py migrate` made the database as root (or the COPY brought a
        # committed one): the file itself must be handed over too when only its directory's top
        # is (sqlite writes the file in place).
        db_files: list[str] = []
        # A database committed next to the code ships with the COPY, root's too.
        if (
            project.sqlite_path
            and sqlite_beside_code
            and (
                _build_touches_db(items)
                or (ctx.context_dir / project.sqlite_path).is_file()
            )
        ):
            located = in_image(project.sqlite_path)
            if located:
                db_files.append(located)
        # Files the start command itself writes: the server's log and pid files, redirections.
        start_dirs: list[str] = []
        started = _start_files(" ".join([starts, *compose_starts]), env)
        for path, is_pid in [*started, *_configured_files(start, env, read)]:
            located = posixpath.normpath(posixpath.join(cwd, path))
            folder = posixpath.dirname(located)
            if folder in _SCRATCH_DIRS or located.startswith("/dev/"):
                continue
            if folder == app_dir or (folder in _SYSTEM_DIRS and not is_pid):
                if not is_pid:
                    db_files.append(located)
            else:
                start_dirs.append(folder)
        # Files the start script changes in place or copies into the source tree (`cp
        # settings.tpl mysite/local_settings.py`, `sed -i ... mysite/local_settings.py`): the
        # file and its directory (at its top only) become the app's.
        code_dirs: list[str] = []
        for path in _script_written_paths(script or "", cwd):
            folder = posixpath.dirname(path)
            if any(path.startswith(d.rstrip("/") + "/") for d in _SCRATCH_DIRS | {"/proc"}):
                continue
            if any(path.startswith(w.rstrip("/") + "/") for w in writable if w != app_dir):
                continue  # inside MEDIA_ROOT, STATIC_ROOT...: already the app's
            if not (path == app_dir or path.startswith(app_dir.rstrip("/") + "/")):
                return Result(
                    out,
                    skipped=[
                        f"the entrypoint script writes {path}, outside the app's directory, "
                        f"which uid {UID} could not; USER left as is"
                    ],
                )
            context_rel = posixpath.relpath(path, app_dir)
            if (ctx.context_dir / source / context_rel).is_dir():
                code_dirs.append(path)
                continue
            db_files.append(path)
            if folder != app_dir:
                code_dirs.append(folder)
        log_paths = list(dict.fromkeys([*log_paths, *db_files]))
        # A relative log file where the container starts inside the source (volodymyrkyrylchuk/
        # web_app: `info.log` and `WORKDIR /app/src`, manage.py's directory): that directory
        # at its top only, as for a file a start script writes there; recursively it would
        # hand the app its own code.
        for path in log_paths:
            folder = posixpath.dirname(path)
            if folder in code_dirs or not folder.startswith(app_dir.rstrip("/") + "/"):
                continue
            rel = posixpath.normpath(posixpath.join(source, posixpath.relpath(folder, app_dir)))
            if _holds_code(ctx.context_dir, rel):
                code_dirs.append(folder)
        commands = [f"useradd --create-home --uid {UID} app"]
        # A log file in a system directory (/var/log/gunicorn-access.log) is handed over by
        # itself: the directory holds others' files. A pid file there needs the directory
        # (servers write it beside and rename), at its top only.
        log_dirs = [
            d for d in [posixpath.dirname(p) for p in log_paths] + start_dirs
            if d not in _SYSTEM_DIRS
        ]
        system_dirs = [d for d in dict.fromkeys(start_dirs) if d in _SYSTEM_DIRS]
        to_make = list(
            dict.fromkeys(
                w
                for w in [*writable, *log_dirs]
                if w != app_dir
                and not app_dir.startswith(w.rstrip("/") + "/")
                and w not in code_dirs  # the source copy made them
            )
        )
        if to_make:
            commands.append("mkdir -p " + " ".join(to_make))
        if log_paths:
            # Build steps (collectstatic, migrate, ...) may already have created them as root.
            commands.append("touch " + " ".join(log_paths))
        owned = list(
            dict.fromkeys([*writable, *log_dirs, *code_dirs, *system_dirs, *log_paths])
        )
        # The app dir only at its top (the code stays root's); data dirs with all they hold.
        # `makemigrations` at start writes migration files into the apps' packages: then the
        # whole tree is the app's (a repository without committed migrations needs it).
        # `compilemessages` likewise writes .mo files beside every .po file of the tree.
        writes_code = bool(
            re.search(
                r"\b(makemigrations|compilemessages)\b",
                " ".join([starts, *compose_starts]),
            )
        )
        # A directory above the app's (the sqlite file beside a copied subdirectory) only at its
        # top too: recursively it would hand over the code.
        top = [
            p
            for p in owned
            if (p == app_dir and not writes_code)
            or p in log_paths
            or app_dir.startswith(p.rstrip("/") + "/")
            or (p == sqlite_dir and sqlite_beside_code and not writes_code)
            or (p in code_dirs and not writes_code)
            or p in system_dirs
        ]
        data = _outermost([p for p in owned if p not in top])
        if top:
            commands.append(f"chown {UID}:{UID} " + " ".join(top))
        # A virtualenv inside a directory handed over with all it holds (merch-store's
        # /app/.venv from the builder, under /app that makemigrations at start writes): a
        # `chown -R` would copy every file of it into a new layer (the image grows by the
        # venv) and hand the app its own interpreter. It stays root's.
        venvs = [v for v in _venv_dirs(items, env) if any(_inside(v, d) for d in data)]
        if data and venvs:
            prune = " -o ".join(f"-path {v}" for v in venvs)
            group = f"\\( {prune} \\)" if len(venvs) > 1 else prune
            commands.append(
                f"find {' '.join(data)} {group} -prune -o -exec chown {UID}:{UID} {{}} +"
            )
        elif data:
            commands.append(f"chown -R {UID}:{UID} " + " ".join(data))
        writable = owned
        at = len(items)
        while at > 1 and items[at - 1][1].keyword in _TAIL:
            at -= 1
        if static_dirs_only is not None:
            commands.append(f"mkdir -p {static_dirs_only}")
            commands.append(f"find {static_dirs_only} -type d -exec chown {UID}:{UID} {{}} +")
        # The committed STATIC_ROOT's directories come with the source COPY: the RUN goes below
        # it, as for a directory handed over recursively.
        run_at = _run_at(
            items, at, ctx.context_dir, env, app_dir, top,
            [*data, *([static_dirs_only] if static_dirs_only else [])], inherited_cwd,
        )
        # A build step that fills STATIC_ROOT right above (`RUN manage.py collectstatic`) hands
        # it over in its own layer: a `chown -R` in the next layer copies every collected file
        # into that layer again (17.9 MB on kingIsmoil/BT). A numeric chown needs no user yet.
        filled = _collects_static_last(items[:run_at]) if static_path in data else None
        if filled is not None and static_path is not None:
            n, ins = filled
            out.instructions[n] = append_command(ins, f"chown -R {UID}:{UID} {static_path}")
            data = [d for d in data if d != static_path]
            commands = [
                c for c in commands
                if not c.startswith(f"chown -R {UID}:{UID} ") and not c.startswith("find ")
            ]
            if data:
                commands.append(f"chown -R {UID}:{UID} " + " ".join(data))
        out.insert_before(stage.start + run_at, Instruction.new("RUN", " && ".join(commands)))
        out.insert_before(stage.start + at + 1, Instruction.new("USER", str(UID)))
        moved = _volumes_below(out, stage.start, stage.start + run_at, owned)
        where = f"; {', '.join(writable)} writable for it" if writable else ""
        note = f"the app now runs as uid {UID} instead of root{where}"
        if moved:
            note += (
                f"; VOLUME {' '.join(moved)} moved below the RUN that hands it over: the legacy "
                "builder (DOCKER_BUILDKIT=0, --no-buildkit) drops what a step changes in a "
                "volume declared above it, and the directory would stay root's"
            )
        if writes_code:
            note += (
                f" ({app_dir} recursively: `makemigrations` or `compilemessages` runs at start "
                "and writes into the source tree (migrations packages, .mo files); run it at "
                "build time or commit its output to keep the code root's)"
            )
        if project.settings_module and not _is_module_file(
            project.settings_file, project.settings_module, project.project_dir
        ):
            note += (
                f" (read from {project.settings_file}: {project.settings_module} is not in the "
                "build context)"
            )
        # The switch went ahead: a compose file that could not be read is a caveat on it, not
        # something left alone.
        return Result(out, [note, *kept_notes, *compose_notes])


_TRUE = {"1", "true", "yes", "on"}
_SERVERS = re.compile(r"\b(gunicorn|uwsgi|daphne|uvicorn|hypercorn|granian|waitress)\b")


def _root_home_reason(
    items: list[tuple[int, Instruction]],
    starts: str,
    env: dict[str, str],
    read: Callable[[str], str | None],
) -> str | None:
    """Why the app needs root's home, or None.

    /root is mode 700 on Debian: whatever a root build step put there (a tool on a PATH under
    /root, packages from `pip install --user`, a poetry/pipenv virtualenv in root's cache, the
    `poetry config` it wrote) is out of reach for uid 10001, and the app fails at start."""
    in_root = [
        part for part in env.get("PATH", "").split(":")
        if part == "/root" or part.startswith("/root/")
    ]
    if in_root:
        return (
            f"the image's PATH includes {in_root[0]}, in root's home (mode 700): the tools "
            f"installed there cannot be run by uid {UID}; install them outside /root "
            "(e.g. POETRY_HOME=/opt/poetry, pipx's PIPX_BIN_DIR=/usr/local/bin) to run as non-root"
        )
    # Exec form (`["poetry", "run", ...]`) read as words, like the shell form.
    starts = " ".join(
        w.strip("\"'") for w in words(starts.replace("[", " ").replace("]", " ").replace(",", " "))
    )
    if re.search(r"(?<![\w.-])/root/", starts) or "~/" in starts:
        return (
            f"the start command uses a file in root's home (mode 700), which uid {UID} cannot "
            "read; USER left as is"
        )
    runs = [i.args for _, i in items if i.keyword == "RUN"]
    for run in runs:
        for pattern, variables, flag, what in _HOME_DOWNLOADS:
            if not pattern.search(run):
                continue
            if flag and re.search(flag, run):
                continue  # downloads to a directory it names
            if any(
                env.get(v, "").startswith("/") and not env.get(v, "").startswith("/root")
                for v in variables
            ):
                continue
            return (
                f"a build step downloads {what} into root's home (mode 700, the default "
                f"location as root), where uid {UID} neither reads nor looks for it; set ENV "
                f"{variables[0]} to a directory outside /root to run as non-root"
            )
    user_base = env.get("PYTHONUSERBASE", "")
    if (
        any(_pip_user_install(r) for r in runs)
        and not (user_base.startswith("/") and not user_base.startswith("/root"))
    ):
        return (
            "`pip install --user` as root puts the packages in /root/.local, which uid "
            f"{UID} cannot read (its user site is its own home); USER left as is"
        )
    if re.search(r"\bpoetry\s+run\b", starts):
        in_project = (
            env.get("POETRY_VIRTUALENVS_IN_PROJECT", "").lower() in _TRUE
            or env.get("POETRY_VIRTUALENVS_CREATE", "").lower() in {"0", "false", "no", "off"}
            or read("poetry.toml") is not None
            or any(re.search(r"\bpoetry\s+config\s+--local\b", r) for r in runs)
        )
        venvs = env.get("POETRY_VIRTUALENVS_PATH") or env.get("POETRY_CACHE_DIR") or ""
        if not in_project and not (venvs.startswith("/") and not venvs.startswith("/root")):
            return (
                "the start command uses `poetry run`, and poetry's virtualenv and config "
                f"(`poetry config` without --local) are in root's home, which uid {UID} cannot "
                "read; set ENV POETRY_VIRTUALENVS_IN_PROJECT=true (or "
                "POETRY_VIRTUALENVS_CREATE=false) to run as non-root"
            )
    if re.search(r"\bpipenv\s+run\b", starts):
        venvs = env.get("WORKON_HOME", "")
        if env.get("PIPENV_VENV_IN_PROJECT", "").lower() not in _TRUE and not (
            venvs.startswith("/") and not venvs.startswith("/root")
        ):
            return (
                "the start command uses `pipenv run`, whose virtualenv is in root's home "
                f"(~/.local/share/virtualenvs), which uid {UID} cannot read; set ENV "
                "PIPENV_VENV_IN_PROJECT=1 to run as non-root"
            )
    return None


# What `uv sync` / `uv run` install: the options that change it (groups, extras, the project).
_UV_SELECTION = re.compile(
    r"--(?:no-dev|only-dev|dev|no-default-groups|all-groups|no-group|only-group|group|extra|"
    r"all-extras|no-extra|no-install-project|no-install-workspace|no-install-package|"
    r"inexact|exact)\b(?:[= ]\S+)?"
)
_UV_SELECTION_ENV = ("UV_NO_DEV", "UV_DEV", "UV_NO_DEFAULT_GROUPS", "UV_NO_INSTALL_PROJECT")


# The selection options that only concern the dev group (and default groups).
_UV_DEV_ONLY = re.compile(r"--(?:no-dev|only-dev|dev|no-default-groups)$")


def _uv_run_syncs(
    instructions: list[Instruction],
    starts: str,
    env: dict[str, str],
    pyprojects: list[str],
) -> str | None:
    """Why the app needs root because a start runs `uv run`, or None.

    `uv run` syncs the project's environment before it runs the command, with the default
    groups (dev too) and the project itself; the build's `uv sync` made that environment as
    root. Where the build installed something else (`uv sync --frozen --no-dev`, honest-sign's
    docker/django/Dockerfile and its start script's `uv run python manage.py migrate`), the
    start installs into it, which uid 10001 cannot. `uv run --no-sync` or UV_NO_SYNC, or a run
    selecting what the build did, change nothing there."""
    runs = [m.group(0) for m in re.finditer(r"\buv\s+run\b[^\n;&|]*", starts)]
    if not runs or env.get("UV_NO_SYNC", "").lower() in _TRUE:
        return None
    syncs = [
        m.group(0)
        for ins in instructions
        if ins.keyword == "RUN"
        for m in re.finditer(r"\buv\s+sync\b[^\n;&|]*", ins.args)
    ]
    if not syncs:
        return None
    built = sorted(set(_UV_SELECTION.findall(syncs[-1])))
    if any(env.get(v, "").lower() in _TRUE for v in _UV_SELECTION_ENV):
        return None  # the same variable steers the run
    for run in runs:
        if "--no-sync" in run:
            continue
        wanted = sorted(set(_UV_SELECTION.findall(run)))
        differ = set(built) ^ set(wanted)
        if differ and all(_UV_DEV_ONLY.match(o) for o in differ) and pyprojects and not any(
            re.search(r"^\[dependency-groups\]|^dev-dependencies\s*=", t, re.MULTILINE)
            for t in pyprojects
        ):
            continue  # no dev group: `--no-dev` left nothing out that `uv run` would add
        if wanted != built:
            shown = " ".join(syncs[-1].split())
            return (
                f"the start runs `{' '.join(run.split())[:80]}`, which first syncs the project's "
                f"environment with what `uv run` installs by default (the dev group, the "
                f"project), where the build's `{shown[:80]}` installed something else: it "
                f"would install into the environment the build made as root, which uid {UID} "
                "cannot write; USER left as is (`uv run --no-sync`, or ENV UV_NO_SYNC=1, runs "
                "what the build installed)"
            )
    return None


# Build steps that download data into the home directory by default, the variables that move
# it (any one set outside /root will do), a flag naming the directory, and what it is.
_HOME_DOWNLOADS: tuple[tuple[re.Pattern[str], tuple[str, ...], str | None, str], ...] = (
    (re.compile(r"\bnltk\.download(er)?\b"), ("NLTK_DATA",), r"\s-d\s", "NLTK data"),
    (
        re.compile(r"\bplaywright\s+install\b"),
        ("PLAYWRIGHT_BROWSERS_PATH",),
        None,
        "Playwright's browsers",
    ),
    (
        re.compile(r"\bhuggingface-cli\s+download\b|\bsnapshot_download\b|\bfrom_pretrained\b"),
        ("HF_HOME", "HF_HUB_CACHE", "TRANSFORMERS_CACHE"),
        None,
        "Hugging Face models",
    ),
)

# manage.py commands that open the database (and so create a sqlite file) at build time.
_DB_COMMANDS = re.compile(
    r"\bmanage\.py\s+(migrate|loaddata|createsuperuser|createcachetable|flush|shell)\b"
    r"|\bdjango-admin\s+(migrate|loaddata|createsuperuser|createcachetable)\b"
)


def _build_touches_db(items: list[tuple[int, Instruction]]) -> bool:
    return any(i.keyword == "RUN" and _DB_COMMANDS.search(i.args) for _, i in items)


def _has_useradd(base: str) -> bool:
    """Debian-based images with useradd: python (any tag but alpine, any registry), debian,
    ubuntu, and uv's Debian-based python images."""
    name, _, tag = base.rpartition("@")[0 if "@" in base else 2].partition(":")
    repo = name.rsplit("/", 1)[-1]
    if repo in {"python", "debian", "ubuntu"}:
        return True
    return name.endswith("astral-sh/uv") and any(
        d in tag for d in ("bookworm", "trixie", "bullseye", "debian")
    )


def _compose_commands(ctx: Context) -> list[str]:
    """command/entrypoint of the compose services that build this Dockerfile."""
    # A compose file Compose cannot read is said by the bind-mount check.
    return [
        " ".join((service.entrypoint or []) + (service.command or []))
        for service in services_building(ctx)
    ]


# Options of gunicorn, uwsgi, celery, daphne, supervisord-less servers that name a file the
# server opens for writing; (option, is a pid file).
_FILE_OPTIONS = {
    "--access-logfile": False, "--error-logfile": False, "--log-file": False,
    "--logfile": False, "--logto": False, "--logto2": False, "--daemonize": False,
    "--access-log": False, "--log": False,
    "--pid": True, "--pidfile": True, "--pid-file": True, "--safe-pidfile": True,
    # A unix socket the server listens on (uvicorn, daphne) is made at start like a pid file:
    # the server removes and creates it, so its directory must be the app's.
    "--uds": True, "--unix-socket": True,
}
# celery beat's `-s/--schedule` and a worker's `--statedb` (only after `celery`: uwsgi's `-s`
# is its socket).
_CELERY_STATE_OPTIONS = {"-s", "--schedule", "--statedb"}
# `--bind unix:/run/gunicorn/app.sock` (gunicorn, hypercorn): the same for a bind's socket.
_BIND_OPTIONS = {"--bind", "-b"}
_REDIRECTS = {">", ">>", "1>", "1>>", "2>", "2>>", "&>", "&>>"}
_SCRATCH_DIRS = {"/tmp", "/var/tmp", "/dev", "/dev/shm"}
# Directories of the system that the app may have a file in, but must not own wholesale.
_SYSTEM_DIRS = {"/", "/var", "/var/log", "/run", "/var/run", "/etc", "/usr", "/srv", "/opt"}


def _start_files(text: str, env: dict[str, str]) -> list[tuple[str, bool]]:
    """(path, is a pid file) for the files the start command writes: server log and pid
    options, shell redirections and `tee`. Paths still holding variables are left out."""
    argv: list[str] = []
    for word in words(text.replace("[", " ").replace("]", " ").replace(",", " ")):
        word = word.strip("\"'")
        # `sh -c "migrate >> log && exec gunicorn ..."`: the quoted script's own words.
        if " " in word:
            argv.extend(w.strip("\"'") for w in words(word))
        else:
            argv.append(word)
    found: list[tuple[str, bool]] = []

    def add(value: str, is_pid: bool) -> None:
        value = expand(value, env)
        if value and value != "-" and "$" not in value and not value.startswith("&"):
            found.append((value, is_pid))

    daphne = celery = gunicorn = False
    for i, word in enumerate(argv):
        following = argv[i + 1] if i + 1 < len(argv) else ""
        option, eq, inline = word.partition("=")
        daphne = daphne or word.rsplit("/", 1)[-1] == "daphne"
        celery = celery or word.rsplit("/", 1)[-1] == "celery"
        gunicorn = gunicorn or word.rsplit("/", 1)[-1] == "gunicorn"
        if option in _FILE_OPTIONS:
            add(inline if eq else following, _FILE_OPTIONS[option])
        elif celery and option in _CELERY_STATE_OPTIONS:
            # beat's schedule and a worker's state are shelve databases: created beside
            # their path (with .db/.dir/.bak siblings on some dbm backends), so the directory
            # must be the app's, as for a pid file.
            add(inline if eq else following, True)
        elif celery and word == "-f":
            add(following, False)
        elif option in _BIND_OPTIONS and (inline if eq else following).startswith("unix:"):
            add((inline if eq else following)[len("unix:"):], True)
        elif word == "-p" and gunicorn and not daphne and following:
            # gunicorn's `-p` is its pid file (`--pid`): `gunicorn --bind 0.0.0.0 -p 8000`
            # writes a file named 8000 (idrissabanli/todo_project_deployment); daphne's `-p`
            # is its port, uwsgi's its process count.
            add(following, True)
        elif word == "-u" and daphne:
            # daphne's unix socket; `-u` elsewhere is another option (`python -u`, `sudo -u`).
            add(following, True)
        elif word in _REDIRECTS or word == "tee":
            target = following
            if word == "tee" and target in {"-a", "--append"}:
                target = argv[i + 2] if i + 2 < len(argv) else ""
            add(target, False)
        else:
            for op in (">>", ">"):
                head, sep, tail = word.partition(op)
                if sep and head in {"", "1", "2", "&"} and tail and not tail.startswith("&"):
                    add(tail, False)
                    break
    return found


def _script_written_paths(script: str, cwd: str) -> list[str]:
    """Absolute paths the script's `cp`, `mv`, `install`, `ln`, `touch` and `sed -i` write,
    resolved against its working directory (following `cd`). Paths with variables are left
    out: where they point is only known at run time."""
    found: list[str] = []
    for line in script_lines(script):
        for argv in line_argvs(line):
            head = argv[0].rsplit("/", 1)[-1]
            args = [a for a in argv[1:] if not a.startswith("-")]
            if head == "cd" and args and "$" not in args[0]:
                cwd = posixpath.normpath(posixpath.join(cwd, args[0]))
                continue
            targets: list[str] = []
            if head in {"cp", "mv", "install", "ln"} and len(args) >= 2:
                if head == "install" and any(a in {"-d", "--directory"} for a in argv):
                    continue  # makes directories, and its `-m 755` is not a path
                targets = [args[-1]]
            elif head == "touch":
                targets = args
            elif head == "sed" and any(
                a.startswith("--in-place") or (a.startswith("-i") and not a.startswith("--"))
                for a in argv
            ):
                targets = _sed_files(argv[1:])
            found.extend(
                posixpath.normpath(posixpath.join(cwd, t)) for t in targets if "$" not in t
            )
    return list(dict.fromkeys(found))


def _sed_files(args: list[str]) -> list[str]:
    """The files `sed -i` edits: its operands after the script (the first operand, unless
    -e/-f give the script; their values are not files)."""
    operands: list[str] = []
    scripted = False
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in {"-e", "-f", "--expression", "--file"}:
            scripted = skip = True
        elif arg.startswith(("--expression=", "--file=")) or (
            arg[:2] in {"-e", "-f"} and len(arg) > 2
        ):
            scripted = True
        elif not arg.startswith("-"):
            operands.append(arg)
    return operands if scripted else operands[1:]


def _pip_user_install(run: str) -> bool:
    """A `pip install --user` (pip, pip3, python -m pip) among the RUN's commands."""
    for segment in split_commands(run):
        argv = [w.rsplit("/", 1)[-1] for w in words(segment.text)]
        if "--user" in argv and "install" in argv and any(
            w == "pip" or w.startswith(("pip3", "pip.", "pip3.")) for w in argv
        ):
            return True
    return False


def _server_ports(text: str, env: dict[str, str]) -> list[int]:
    """Ports the servers a command line or script starts bind by their own options
    (`--port 80`, `-p 80`, `--bind :80`); only commands that start a server are read, so
    another program's `-p` (`mkdir -p`) is not taken for one."""
    found: list[int] = []
    for line in text.splitlines():
        for argv in line_argvs(line):
            server = server_argv(argv)
            if server is None:
                continue
            port = port_from_command(argv[server[0]:], env)
            if port is not None:
                found.append(port)
    return found


def _configured_ports(
    start: str, env: dict[str, str], read: Callable[[str], str | None]
) -> list[int]:
    """Ports uwsgi/gunicorn take from their config files (`http = :80` in uwsgi.ini)."""
    argv = words(start.replace("[", " ").replace("]", " ").replace(",", " "))
    argv = [a.strip("\"'") for a in argv]
    found: list[int] = []
    for server in ("uwsgi", "gunicorn"):
        if any(a.rsplit("/", 1)[-1] == server for a in argv):
            bind = config_bind(server, argv, env, read)
            if bind is not None and bind.port is not None:
                found.append(bind.port)
    return found


def _configured_files(
    start: str, env: dict[str, str], read: Callable[[str], str | None]
) -> list[tuple[str, bool]]:
    """Log and pid files uwsgi/gunicorn write because their config files say so
    (`accesslog = "/var/log/gunicorn/access.log"` in gunicorn.conf.py)."""
    argv = words(start.replace("[", " ").replace("]", " ").replace(",", " "))
    argv = [a.strip("\"'") for a in argv]
    found: list[tuple[str, bool]] = []
    for server in ("uwsgi", "gunicorn"):
        if any(a.rsplit("/", 1)[-1] == server for a in argv):
            found.extend(config_files(server, argv, env, read))
    return found


def _is_module_file(rel: str | None, module: str, project_dir: str) -> bool:
    if rel is None:
        return False
    stem = posixpath.relpath(rel, project_dir) if project_dir != "." else rel
    stem = stem.removesuffix(".py").removesuffix("/__init__")
    return stem.replace("/", ".") == module or stem.replace("/", ".").endswith("." + module)


def _volumes_below(out: Dockerfile, start: int, run: int, owned: list[str]) -> list[str]:
    """Move the stage's VOLUME instructions above the new RUN at `run` that name a directory it
    chowns (or one inside or around it) to just below that RUN; their paths.

    The legacy builder discards what a build step changes in a directory after a VOLUME
    declares it (BuildKit keeps it): `VOLUME /app/media` above `chown -R 10001 /app/media`
    left the volume root's, and uploads failed (checked on the lab with DOCKER_BUILDKIT=0).
    A VOLUME is image metadata: declared lower, it makes the same volume at run time."""
    moving: list[Instruction] = []
    paths: list[str] = []
    for n in range(run - 1, start, -1):
        ins = out.instructions[n]
        if ins.keyword != "VOLUME":
            continue
        declared = [posixpath.normpath(v) for v in (ins.exec_form or ins.args.split())]
        if any(
            v == posixpath.normpath(o) or _inside(v, o) or _inside(o, v)
            for v in declared
            for o in owned
        ):
            moving.insert(0, out.instructions.pop(n))
            paths[:0] = declared
            run -= 1
    for k, ins in enumerate(moving):
        out.instructions.insert(run + 1 + k, ins)
    return paths


def _inside(path: str, directory: str) -> bool:
    return posixpath.normpath(path).startswith(posixpath.normpath(directory).rstrip("/") + "/")


def _venv_dirs(items: list[tuple[int, Instruction]], env: dict[str, str]) -> list[str]:
    """Virtualenvs the final stage holds, by what names them: VIRTUAL_ENV,
    UV_PROJECT_ENVIRONMENT, a PATH entry `<venv>/bin` (not a system one), and a `COPY --from`
    whose destination is a `venv`/`.venv` directory."""
    found: list[str] = []
    for key in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"):
        value = env.get(key, "")
        if value.startswith("/") and "$" not in value:
            found.append(posixpath.normpath(value))
    for part in env.get("PATH", "").split(":"):
        if (
            part.startswith("/")
            and part.endswith("/bin")
            and "$" not in part
            and not re.match(r"/(usr/)?(local/)?s?bin$", part)
        ):
            found.append(posixpath.normpath(part[: -len("/bin")]))
    cwd = "/"
    for _, ins in items:
        cwd = next_workdir(cwd, ins) if ins.keyword == "WORKDIR" else cwd
        if ins.keyword == "COPY" and "from" in ins.flags:
            parts = ins.exec_form or words(ins.args)
            if len(parts) >= 2 and "$" not in parts[-1]:
                dest = posixpath.normpath(posixpath.join(cwd, parts[-1]))
                if posixpath.basename(dest) in {"venv", ".venv"}:
                    found.append(dest)
    return list(dict.fromkeys(v for v in found if v != "/"))


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths inside another one of the list: `chown -R` of the parent covers them."""
    norm = [posixpath.normpath(p) for p in paths]
    return [
        p
        for p, n in zip(paths, norm, strict=True)
        if not any(n != o and n.startswith(o.rstrip("/") + "/") for o in norm)
    ]


@dataclass(frozen=True)
class _StartFiles:
    """The files a container's start command writes (server pid and log files, redirections),
    as absolute paths: the image's own start, or a compose service's command in its place."""

    starts: str  # the image's start: CMD, ENTRYPOINT and the script they run
    kept: str  # what of it a service's own `command` leaves running: the ENTRYPOINT
    env: dict[str, str]
    read: Callable[[str], str | None]
    cwd: str

    def of(self, service: Service) -> list[str]:
        own = " ".join((service.entrypoint or []) + (service.command or []))
        # A service's `command` replaces the image's CMD, its `entrypoint` the ENTRYPOINT too.
        if service.entrypoint:
            texts = [own]
        elif service.command:
            texts = [own, self.kept]
        else:
            texts = [self.starts]
        cwd = service.working_dir or self.cwd
        found: list[str] = []
        for text in texts:
            if not text.strip():
                continue
            for path, _ in [*_start_files(text, self.env), *_configured_files(text, self.env,
                                                                              self.read)]:
                found.append(posixpath.normpath(posixpath.join(cwd, path)))
        return list(dict.fromkeys(found))


def _compose_bind_mount(
    ctx: Context,
    app_dir: str,
    data_dirs: list[str],
    starts: str,
    data_files: list[str],
    start_files: _StartFiles | None = None,
) -> tuple[str | None, list[str]]:
    """(reason to keep root, notes) from the compose services that build this Dockerfile: a
    service that mounts the host's source over the app and writes there at start, or that
    mounts a host directory or file over what the app writes (family-photos:
    `./media:/app/media`, `./db.sqlite3:/app/db.sqlite3`), including the files its start
    command writes (idrissabanli/todo_project_deployment: `gunicorn -p 8000`, a pid file in
    /code, under `.:/code/`: uid 10001 cannot create it in the host's directory)."""
    dockerfile = (ctx.context_dir / ctx.dockerfile_path).resolve()
    # The compose file often sits above the context (`build: ./app` at the repository root).
    directories = ctx.compose_directories()
    notes: list[str] = []
    for directory in directories:
        try:
            project = _load_compose(directory, dockerfile)
        except ComposeError as exc:
            notes.append(f"compose file in {directory.name or directory} not read ({exc}); "
                         "bind mounts over the app not checked")
            continue
        if project is None:
            continue
        affected: list[str] = []
        first: tuple[str, str, str] | None = None
        for service in project.building(dockerfile):
            if service.user:
                continue
            mount = service.mounts_over(app_dir)
            written = [
                f for f in (start_files.of(service) if start_files else [])
                if service.mounts_over(f) is not None
                and not any(f.startswith(d.rstrip("/") + "/") for d in _SCRATCH_DIRS)
            ]
            if mount is None:
                # Only the data is mounted: uid 10001 cannot write the host's directory or
                # file either (uploads to MEDIA_ROOT, the sqlite database, a server's log).
                data = [d for d in [*data_dirs, *data_files, *written] if d != app_dir]
                hidden = [d for d in data if service.mounts_over(d) is not None]
                if not hidden:
                    continue
                mount = service.mounts_over(hidden[0])
                if mount is None:
                    continue
                writes = None
            else:
                command = (
                    " ".join((service.entrypoint or []) + (service.command or [])) or starts
                )
                writes = _WRITES_TREE.search(command) or _WRITES_TREE.search(starts)
                hidden = [d for d in [*data_dirs, *written] if service.mounts_over(d) is not None]
                if not (writes or hidden):
                    continue
            affected.append(f"`{service.name}`")
            if first is None or service.ports:  # the service that serves, when there is one
                what = f"runs `{writes.group(1)}`" if writes else f"writes {', '.join(hidden)}"
                source = Path(mount.source)
                shown = (
                    (source.relative_to(project.directory).as_posix() or ".")
                    if source.is_relative_to(project.directory)
                    else mount.source
                )
                first = (shown, mount.target, what)
        if first is not None:
            shown, target, what = first
            files = ", ".join(f.name for f in project.files)
            names = ", ".join(affected)
            plural = "s" if len(affected) > 1 else ""
            if plural:
                what = what.replace("runs ", "run ", 1).replace("writes ", "write ", 1)
            return (
                f"compose service{plural} {names} ({files}) bind-mount{'' if plural else 's'} "
                f"{shown} over {target} and {what}: as uid {UID} it could not write the host's "
                "files (on Linux a bind mount keeps the host's owner), so the image keeps root; "
                f"add `user: \"${{UID:-1000}}:${{GID:-1000}}\"` to {'those' if plural else 'that'} "
                f"service{plural}, then re-run to switch the image to a non-root user",
                notes,
            )
    return None, notes


_BASE_NAMES = {"BASE_DIR", "PROJECT_DIR", "ROOT_DIR", "PROJECT_ROOT"}


def _log_files(ctx: Context) -> list[tuple[bool, str]] | None:
    """Files the settings' logging handlers write: (relative to the project dir?, path).

    Read with libcst from the settings package, never imported. None when a handler's
    `filename` is an expression we cannot evaluate."""
    found: list[tuple[bool, str]] = []
    root = ctx.context_dir / ctx.project.project_dir
    module = (ctx.project.settings_module or "").split(".")[0]
    if not module or not (root / module).is_dir():
        return found
    for path in sorted((root / module).rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        if "FileHandler" not in text:
            continue
        # Imported here: libcst takes longer to import than a whole dry run without it.
        import libcst as cst

        if not libcst_safe(text):
            # Nesting deep enough to crash libcst's native parser: no file name can be read.
            return None
        try:
            tree = cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue
        for value in _filenames(tree):
            resolved = _evaluate(value)
            if resolved is None:
                return None
            found.append(resolved)
    return found


def _filenames(tree: cst.Module) -> list[cst.BaseExpression]:
    """The values of the module's `"filename": ...` dict entries."""
    import libcst as cst

    values: list[cst.BaseExpression] = []

    class FilenameCollector(cst.CSTVisitor):
        def visit_DictElement(self, node: cst.DictElement) -> None:
            key = node.key
            if isinstance(key, cst.SimpleString) and key.evaluated_value == "filename":
                values.append(node.value)

    tree.visit(FilenameCollector())
    return values


def _evaluate(node: cst.BaseExpression) -> tuple[bool, str] | None:
    """`"x.log"`, `BASE_DIR / "logs" / "x.log"`, `os.path.join(BASE_DIR, ...)`, `str(...)`."""
    import libcst as cst

    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return (False, value) if isinstance(value, str) else None
    if isinstance(node, cst.Call):
        func = node.func
        args = [a.value for a in node.args]
        if isinstance(func, cst.Name) and func.value in {"str", "Path"} and len(args) == 1:
            return _evaluate(args[0])
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "join"
            and args
            and isinstance(args[0], cst.Name)
            and args[0].value in _BASE_NAMES
        ):
            joined = [
                a.evaluated_value
                for a in args[1:]
                if isinstance(a, cst.SimpleString) and isinstance(a.evaluated_value, str)
            ]
            if len(joined) == len(args) - 1:
                return True, posixpath.join(*[str(p) for p in joined])
        return None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        segments: list[str] = []
        current: cst.BaseExpression = node
        while isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.Divide):
            right = current.right
            if not (isinstance(right, cst.SimpleString) and isinstance(right.evaluated_value, str)):
                return None
            segments.insert(0, right.evaluated_value)
            current = current.left
        if isinstance(current, cst.Name) and current.value in _BASE_NAMES:
            return True, posixpath.join(*segments)
    return None


def _holds_code(context: Path, rel: str) -> bool:
    """Whether the context directory holds Python source (not only data)."""
    folder = context / rel
    try:
        return folder.is_dir() and any(folder.glob("*.py"))
    except OSError:
        return False


def _workdirs(
    items: list[tuple[int, Instruction]], env: dict[str, str], start: str = "/"
) -> list[str]:
    """The working directory each instruction runs in, then the one the container starts in.
    Variables are expanded before paths are joined (`WORKDIR ${APP_HOME}` with `ARG
    APP_HOME=/app` is /app). `start`: the directory the stage inherits (`FROM linkding AS
    linkding-plus` starts in linkding's WORKDIR /etc/linkding, not in /)."""
    cwds = [start]
    for _, ins in items:
        cwd = cwds[-1]
        if ins.keyword == "WORKDIR":
            target = expand(ins.args.strip().strip("\"'"), env)
            cwd = posixpath.normpath(posixpath.join(cwd, target))
        cwds.append(cwd)
    return cwds


_SHELL_SHEBANG = re.compile(r"#!\s*(/usr/bin/env\s+)?\S*\b(ba|da|a|z)?sh\b")


def _script_commands(script: str) -> str:
    """The script's command lines, for the checks on what the start needs root for: comments,
    heredoc bodies and messages (`# wait for a service`, `echo "Waiting for nginx..."`) are
    words, not commands. A message redirected into /etc/ is a command still."""
    kept: list[str] = []
    for line in script_lines(script):
        line = _without_comment(line)
        heads = [_head(argv) for argv in line_argvs(line)]
        if heads and "/etc/" not in line and all(h in {"echo", "printf"} for h in heads):
            continue
        kept.append(line)
    return "\n".join(kept)


def _head(argv: list[str]) -> str:
    """The program of a command whose redirections come first (`>&2 echo ...`)."""
    for word in argv:
        if word[:1] not in {">", "<"} and not (word[:1].isdigit() and word[1:2] in {">", "<"}):
            return word
    return ""


def _without_comment(line: str) -> str:
    """The line up to a `#` that starts a word outside quotes (`wait db  # the service`)."""
    quote = ""
    escaped = False
    for at, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            if char == quote:
                quote = ""
        elif char in {"'", '"'}:
            quote = char
        elif char == "#" and (at == 0 or line[at - 1] in " \t;"):
            return line[:at].rstrip()
    return line


def _inherited_user(dockerfile: Dockerfile, parents: list[Stage]) -> tuple[str, str] | None:
    """(USER value, stage name) the nearest parent stage with a USER sets last."""
    for parent in parents:
        users = [i for _, i in dockerfile.iter_stage(parent) if i.keyword == "USER"]
        if users:
            return users[-1].value.strip(), parent.name or str(parent.index)
    return None


def _entrypoint_script(start: str, read: Callable[[str], str | None]) -> str | None:
    """The shell scripts the start command runs: each `.sh` word, and each path whose file
    starts with a shell's `#!` line (cookiecutter-django's `/entrypoint` and `/start`), their
    texts joined in order. All of them, not the first: in `./docker/wait-for-it.sh db:5432 --
    sh /code/docker/dev/django/container-start.sh` (EvalAI) the first only waits, and the
    second runs collectstatic into the bind-mounted source. None when it names none."""
    texts: list[str] = []
    for token in words(start.replace("[", " ").replace("]", " ").replace(",", " ")):
        token = token.strip("\"'")
        if token.endswith(".sh"):
            texts.append(read(token) or "")
        elif token.startswith(("/", "./")) and "$" not in token:
            text = read(token)
            shebang = text.split("\n", 1)[0] if text is not None else ""
            if text is not None and _SHELL_SHEBANG.match(shebang):
                texts.append(text)
    # What a `make` target runs: cquentin48/Docker-nginx-django-react-template's entrypoint
    # runs `make make_migrations` (`./manage.py makemigrations`, which writes into the apps).
    for text in [_exec_words(start), *texts]:
        for line in script_lines(text):
            for argv in line_argvs(line):
                recipe = make_recipe(argv, read)
                if recipe is not None:
                    texts.append(recipe[1])
    if not texts:
        return None
    return "\n".join(t if t.endswith("\n") or not t else t + "\n" for t in texts)


def _exec_words(start: str) -> str:
    """A start command as shell words, an exec form's brackets and commas dropped as
    `_entrypoint_script` reads its tokens (`["make", "run"]` -> `make run`)."""
    if not start.lstrip().startswith("["):
        return start
    return shlex.join(
        t.strip("\"'") for t in words(start.replace("[", " ").replace("]", " ").replace(",", " "))
    )


def _started_texts(
    command: str, read: Callable[[str], str | None], depth: int = 3
) -> list[str]:
    """The command lines of every script `command` names (a wait-for script's command after
    `--` too) and of the Procfile a `honcho`/`foreman` in it starts, followed `depth` levels
    down; comments and messages left out."""
    found: list[str] = []
    tokens = [
        t.strip("\"'")
        for t in words(command.replace("[", " ").replace("]", " ").replace(",", " "))
    ]
    for k, token in enumerate(tokens):
        text: str | None = None
        if token.endswith(".sh") or (token.startswith(("/", "./")) and "$" not in token):
            text = read(token)
            shebang = text.split("\n", 1)[0] if text is not None else ""
            if text is not None and not token.endswith(".sh") and not _SHELL_SHEBANG.match(
                shebang
            ):
                text = None
            if text is not None:
                text = _script_commands(text)
        elif token in {"honcho", "foreman"} and "start" in tokens[k:]:
            options = tokens[k + 1 : tokens.index("start", k)]
            name = next(
                (options[j + 1] for j, o in enumerate(options[:-1]) if o in {"-f", "--procfile"}),
                "Procfile",
            )
            procfile = read(name if name.startswith(("/", "./")) else "./" + name)
            if procfile is not None:
                text = "\n".join(
                    line.split(":", 1)[1].strip()
                    for line in procfile.splitlines()
                    if ":" in line and not line.lstrip().startswith("#")
                )
        if not text:
            continue
        found.append(text)
        if depth > 0:
            for line in text.splitlines():
                found += _started_texts(line, read, depth - 1)
    return found


def _app_dir(
    items: list[tuple[int, Instruction]],
    ctx: Context,
    env: dict[str, str],
    start: str = "/",
    parents: list[tuple[int, Instruction]] | None = None,
) -> tuple[str, str]:
    """`_source_copy` of the stage's own instructions, else of the stages it is built FROM
    (`parents`, oldest first: `FROM build AS production`, with `COPY api/ /app` in `build`),
    else the stage's last WORKDIR and the context root."""
    found = _source_copy(items, ctx, env, start)
    if found is None and parents:
        found = _source_copy(parents, ctx, env)
    return found if found is not None else (_workdirs(items, env, start)[-1], ".")


def _source_copy(
    items: list[tuple[int, Instruction]], ctx: Context, env: dict[str, str], start: str = "/"
) -> tuple[str, str] | None:
    """(directory the project source is copied to, the context directory it comes from).

    The source copy is the first COPY of `.` or of the directory holding manage.py. Variables
    are expanded before paths are joined: `COPY . ${APP_HOME}` after `WORKDIR ${APP_HOME}` is
    /app, not /app/app; in the source too: `COPY .$SRC_DIR $PROJECT_ROOT` with `ENV SRC_DIR
    /src` copies src/ (surovaen/django_wines: unexpanded, the copy was not seen and the context
    root was taken for the app dir, so STATIC_ROOT became /project/src/static where Django
    writes /project/static)."""
    project_dir = posixpath.normpath(ctx.project.project_dir)
    cwds = _workdirs(items, env, start)
    # Then a directory above manage.py's: `COPY api/ /app` with the project in
    # api/django-docker (sakagb/django-docker) puts it at /app/django-docker; taking the
    # context root for the copy's source made STATIC_ROOT /app/api/django-docker/staticfiles,
    # a directory the app never writes.
    for above in (False, True):
        for k, (_, ins) in enumerate(items):
            if ins.keyword in {"COPY", "ADD"} and "from" not in ins.flags:
                parts = ins.exec_form or words(ins.args)
                sources = [context_source(expand(p, env)) for p in parts[:-1]]
                if len(sources) == 1 and (
                    project_dir.startswith(sources[0].rstrip("/") + "/")
                    if above
                    else sources[0] in {".", project_dir}
                ):
                    target = expand(parts[-1], env)
                    return posixpath.normpath(posixpath.join(cwds[k], target)), sources[0]
    return None


# Instructions the user's RUN may move above: they neither run anything nor write files.
_INERT = frozenset({"ENV", "ARG", "LABEL", "EXPOSE", "STOPSIGNAL"})


def _collects_static_last(
    items: list[tuple[int, Instruction]],
) -> tuple[int, Instruction] | None:
    """The shell-form RUN that runs collectstatic, when it is the last step above (only
    ENV/ARG/LABEL/EXPOSE/STOPSIGNAL after it): nothing after it adds to STATIC_ROOT."""
    for n, ins in reversed(items):
        if ins.keyword in _INERT:
            continue
        if ins.keyword != "RUN" or ins.exec_form is not None or ins.opaque:
            return None
        argvs = list(line_argvs(ins.args))
        return (n, ins) if any("collectstatic" in argv for argv in argvs) else None
    return None


def _run_at(
    items: list[tuple[int, Instruction]],
    at: int,
    context: Path,
    env: dict[str, str],
    app_dir: str,
    top: list[str],
    data: list[str],
    start: str = "/",
) -> int:
    """Where the RUN that creates the user and hands it its directories goes: above the COPYs
    that cannot change what it hands over (the venv from the builder, a source copy that brings
    none of those paths), so that a code or dependency change does not run it again and a cold
    build runs it beside the builder. A COPY into an existing directory keeps that directory's
    owner (BuildKit and the classic builder alike); what it brings is root's, so a COPY that
    brings a path the RUN hands over, or writes inside one handed over recursively, stays below
    it. Never above a WORKDIR or RUN: the app's directory must exist, and a RUN may write there."""
    cwds = _workdirs(items, env, start)
    k = at
    while k > 1:
        ins = items[k - 1][1]
        spared = ins.keyword == "COPY" and _copy_spares(
            ins, cwds[k - 1], context, env, app_dir, top, data
        )
        if ins.keyword in _INERT or spared:
            k -= 1
            continue
        break
    # The app's directory exists there: a WORKDIR above made it (or one below it).
    made = any(
        ins.keyword == "WORKDIR"
        and (cwds[i + 1] == app_dir or cwds[i + 1].startswith(app_dir.rstrip("/") + "/"))
        for i, (_, ins) in enumerate(items[:k])
    )
    return k if made else at


def _copy_spares(
    ins: Instruction,
    cwd: str,
    context: Path,
    env: dict[str, str],
    app_dir: str,
    top: list[str],
    data: list[str],
) -> bool:
    """Whether a COPY leaves alone every path handed to the app's user (see `_run_at`)."""
    if set(ins.flags) - {"from"}:
        return False  # --chown, --chmod, --link (a layer of its own, parents included)
    parts = ins.exec_form or words(ins.args)
    if len(parts) < 2:
        return False
    dest = expand(parts[-1], env)
    if "$" in dest:
        return False
    dest = posixpath.normpath(posixpath.join(cwd, dest))
    for path in [*top, *data]:
        if path == dest:
            if path == app_dir and path in top:
                continue  # the app's directory, at its top only: the COPY keeps its owner
            return False
        if dest.startswith(path.rstrip("/") + "/"):
            if path in data:
                return False  # into a directory handed over with all it holds
            continue  # a new entry in a directory handed over at its top: root's, as it was
        if not path.startswith(dest.rstrip("/") + "/"):
            continue
        if "from" in ins.flags:
            return False  # what another stage holds there is not known
        rel = posixpath.relpath(path, dest)
        for source in parts[:-1]:
            if any(c in source for c in "*?[$"):
                return False
            source = context_source(source)
            found = context / source
            if found.is_dir():
                if (found / rel).exists() or (found / rel).is_symlink():
                    return False
            elif posixpath.basename(source) == rel.split("/")[0]:
                return False
    return True


def _creates_user(ins: Instruction) -> bool:
    return ins.keyword == "RUN" and any(
        re.search(r"\b(useradd|adduser)\b", s.text) for s in split_commands(ins.args)
    )
