"""cache-friendly-order: install dependencies before copying the source.

Why: Docker reuses a layer only while everything before it is unchanged. With `COPY . .` ahead
of `pip install`, editing one view invalidates the copy and so reinstalls every dependency on
each rebuild. Copying just the files the install reads (requirements and their `-r` includes,
Pipfile + lock, pyproject + poetry/uv/pdm lock files), installing, and then copying the source makes
the install layer survive code changes. Steps the install needs (apt, tool installs, ENV,
WORKDIR) move up with it; steps we cannot see through stop the move.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace

from optimizer.deps import requirement_files_from_command
from optimizer.dockerfile import (
    Dockerfile,
    Instruction,
    Stage,
    env_pairs,
    next_workdir,
    split_lines,
)
from optimizer.shell import (
    Segment,
    classify,
    pip_install_targets,
    program,
    split_commands,
    sync_targets,
    words,
)
from transforms.base import Context, NotesTransform, Result

_MOVABLE_KEYWORDS = {"ENV", "ARG", "WORKDIR", "LABEL"}
_PREP_KINDS = {"apt", "tool", "venv"}


class CacheFriendlyOrder(NotesTransform):
    """Copy dependency manifests and install them before `COPY . .`."""

    name = "cache-friendly-order"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        skipped: list[str] = []
        # Later stages first so earlier stages' indices stay valid while we splice.
        for stage in reversed(out.stages()):
            _reorder_stage(out, stage, ctx, notes, skipped)
        return Result(out, notes, skipped)


@dataclass
class _Plan:
    manifests: list[str]  # context-relative
    install: list[str]  # the segments that move up (prep + dependency installs)
    rest: list[Segment]  # what stays in the RUN, after the source copy
    second_phase: str | None  # install of the project itself, after the source copy


def is_source_copy(ins: Instruction) -> bool:
    """`COPY . dest` (or `./`, `*`): the copy that brings the whole source."""
    if ins.keyword not in {"COPY", "ADD"} or "from" in ins.flags:
        return False
    parts = ins.exec_form or words(ins.args)
    sources = parts[:-1]
    return any(s.rstrip("/") in {".", ""} or s in {"./", "*", "./*"} for s in sources)


def _stage_copy_not_read(ins: Instruction, cwd: str, tree: str, install: Instruction) -> bool:
    """A COPY from another stage or image into the app's tree (`tree`, where the source copy
    lands: frontend builds, assets) whose destination the install does not name. A copy to
    anywhere else may bring a tool the install runs (`COPY --from=uv /uv /bin/`)."""
    if ins.keyword != "COPY" or "from" not in ins.flags or "$" in ins.args:
        return False
    parts = ins.exec_form or words(ins.args)
    if len(parts) < 2:
        return False
    target = posixpath.normpath(posixpath.join(cwd, parts[-1]))
    if target == tree or not target.startswith(tree.rstrip("/") + "/"):
        return False
    # `COPY --from=builder /app/.venv /app/.venv`: the environment the install (`uv sync`,
    # poetry's or pdm's in-project venv) then adds to. Moved below it, the install's packages
    # would be overwritten by the builder's (Lukascruise/business_card re-syncs a venv copied
    # from its builder, on purpose).
    names = {posixpath.basename(posixpath.normpath(p)) for p in parts}
    if names & _VENV_NAMES:
        return False
    return posixpath.basename(target) not in install.args


_VENV_NAMES = frozenset({".venv", "venv", ".virtualenv", "virtualenv", "site-packages"})


def _named_installs_after(out: Dockerfile, target: int, end: int) -> list[int]:
    """The RUNs right after the install that only `pip install` packages by name (no `-r`, no
    local path): they need nothing the source copy brings, so they can move up with it."""
    found: list[int] = []
    for n in range(target + 1, end):
        ins = out.instructions[n]
        if ins.keyword != "RUN" or ins.exec_form is not None or ins.flags:
            break
        segments = split_commands(ins.args)
        named = True
        for seg in segments:
            pip = pip_install_targets(words(seg.text))
            if (
                pip is None
                or pip[0]
                or not pip[1]
                or "$" in seg.text
                or any(s.startswith(("-e ", ".", "/", "file:")) or "/" in s for s in pip[1])
            ):
                named = False
                break
        if not named:
            break
        found.append(n)
    return found


def _removes_extraneous(text: str) -> bool:
    """An install that makes the environment match the lock file exactly, uninstalling what
    it does not list: `uv sync` (unless --inexact), `pip-sync`, `poetry sync`, `poetry install
    --sync`, `pdm sync --clean`."""
    argv = program(text)
    if not argv:
        return False
    head = argv[0].rsplit("/", 1)[-1]
    rest = argv[1:]
    if head == "uv" and rest[:1] == ["sync"]:
        return "--inexact" not in rest
    if head == "pip-sync":
        return True
    if head == "poetry" and rest[:1] in (["sync"], ["install"]):
        return rest[0] == "sync" or "--sync" in rest
    return head == "pdm" and rest[:1] == ["sync"] and ("--clean" in rest or "--only-keep" in rest)


def _names_only(text: str) -> bool:
    """A pip install of packages named in the command only: no file, no local path."""
    pip = pip_install_targets(program(text))
    return (
        pip is not None
        and not pip[0]
        and bool(pip[1])
        and "$" not in text
        and not any(s.startswith(("-e ", ".", "/", "file:")) or "/" in s for s in pip[1])
    )


def _dest(ins: Instruction) -> str:
    parts = ins.exec_form or words(ins.args)
    return parts[-1]


def _workdirs(dockerfile: Dockerfile, stage: Stage) -> dict[int, str]:
    """Working directory in effect at each instruction of the stage (a stage built FROM an
    earlier one starts in that one's WORKDIR)."""
    cwd = "/"
    for ancestor in reversed(dockerfile.lineage(stage)[1:]):
        for _, ins in dockerfile.iter_stage(ancestor):
            cwd = next_workdir(cwd, ins)
    result: dict[int, str] = {}
    for n, ins in dockerfile.iter_stage(stage):
        result[n] = cwd
        cwd = next_workdir(cwd, ins)
    return result


def _source_dir(ins: Instruction, ctx: Context) -> str | None:
    """The context directory a COPY of one directory brings (`COPY backend/ /app/`: its
    contents land in /app, as `COPY . /app` brings the context's), or None."""
    if ins.keyword not in {"COPY", "ADD"} or "from" in ins.flags:
        return None
    parts = ins.exec_form or words(ins.args)
    if len(parts) != 2 or any(c in parts[0] for c in "$*?[") or "://" in parts[0]:
        return None
    source = posixpath.normpath(parts[0].lstrip("/"))
    if source in {".", ""} or source.startswith(".."):
        return None
    try:
        return source if (ctx.context_dir / source).is_dir() else None
    except OSError:
        return None


def _in_dir(ctx: Context, prefix: str) -> Context:
    """`ctx` seen from its directory `prefix`: paths the install reads are relative to what
    a `COPY prefix/ dest` put at dest."""
    head = prefix.rstrip("/") + "/"
    return dataclasses.replace(
        ctx,
        context_dir=ctx.context_dir / prefix,
        files={k[len(head):]: v for k, v in ctx.files.items() if k.startswith(head)},
    )


def _source_copy(items: list[tuple[int, Instruction]], ctx: Context) -> tuple[int, str] | None:
    """(index, context directory) of the copy that brings the source: `COPY . dest`, else the
    first copy of one context directory whose destination holds the working directory of an
    install after it (`COPY backend/ /app/` then `RUN pip install -r requirements.txt` in
    /app: every change under backend/ ran the install again, and nothing moved it)."""
    broad = next((n for n, ins in items if is_source_copy(ins)), None)
    if broad is not None:
        return broad, ""
    cwd = "/"
    for k, (n, ins) in enumerate(items):
        prefix = _source_dir(ins, ctx)
        if prefix is not None and "$" not in ins.args:
            dest = posixpath.normpath(posixpath.join(cwd, _dest(ins)))
            after = cwd
            for _, later in items[k + 1:]:
                after = next_workdir(after, later)
                if later.keyword == "RUN" and any(
                    classify(s.text) == "deps" for s in split_commands(later.args)
                ):
                    if after == dest or after.startswith(dest.rstrip("/") + "/"):
                        return n, prefix
                    break
        cwd = next_workdir(cwd, ins)
    return None


def _reorder_stage(
    out: Dockerfile, stage: Stage, ctx: Context, notes: list[str], skipped: list[str]
) -> None:
    items = list(out.iter_stage(stage))
    found = _source_copy(items, ctx)
    if found is None:
        return
    broad, prefix = found
    full_ctx = ctx
    if prefix:
        # Through a directory copy the install's paths are that directory's. Whether it is the
        # source the install reads is a guess: where the install cannot move, nothing is said.
        # (`COPY src/ /app/` next to a requirements.txt copied on its own after it is another
        # layout: the two copies' order is what _supplied_by_kept_copies looks at.)
        ctx = _in_dir(ctx, prefix)
        skipped = []
    # An install already ahead of the source copy means the file is cache-friendly already;
    # not one of packages named in the command (`pip install gunicorn`), which reads no
    # manifest: the requirements install after the copy still reruns on every code change.
    for n, ins in items:
        if n >= broad:
            break
        if ins.keyword == "RUN" and any(
            classify(s.text) == "deps" and not _names_only(s.text)
            for s in split_commands(ins.args)
        ):
            return
    installs = [
        n
        for n, ins in items
        if n > broad
        and ins.keyword == "RUN"
        and any(classify(s.text) == "deps" for s in split_commands(ins.args))
    ]
    if not installs:
        return
    target = installs[0]
    inherited = _inherited_install(out, stage, out.instructions[target])
    if inherited is not None:
        skipped.append(
            f"line {out.instructions[target].line}: the dependencies were installed by "
            f"`{inherited.value[:50]}` (line {inherited.line}) in the stage this one builds "
            "FROM; this install only adds the project itself; order left alone"
        )
        return
    cwd = _workdirs(out, stage)
    copy_ins = out.instructions[broad]
    dest = posixpath.normpath(posixpath.join(cwd[broad], _dest(copy_ins)))

    moved: list[int] = []
    kept_at: list[int] = []  # COPY/ADD between the two: they stay after the copy
    for n in range(broad + 1, target):
        ins = out.instructions[n]
        if ins.keyword in _MOVABLE_KEYWORDS:
            if ins.keyword == "WORKDIR" and not _dest(copy_ins).startswith("/"):
                skipped.append(
                    f"line {ins.line}: WORKDIR between `COPY .` and the install changes where a "
                    "relative COPY lands; order left alone"
                )
                return
            moved.append(n)
        elif (
            ins.keyword == "RUN"
            and ins.exec_form is None
            and all(classify(s.text) in _PREP_KINDS for s in split_commands(ins.args))
        ):
            moved.append(n)
        elif ins.keyword in {"EXPOSE", "STOPSIGNAL", "VOLUME", "HEALTHCHECK", "COPY", "ADD"}:
            # These keep their place after the source copy; a COPY the install reads from is
            # caught when the install's files are looked at.
            if ins.keyword in {"COPY", "ADD"}:
                kept_at.append(n)
            continue
        else:
            skipped.append(
                f"line {ins.line}: `{ins.keyword} {ins.value[:40]}` runs between the source copy "
                "and the install and may be needed by it; order left alone"
            )
            return

    kept_copies = [out.instructions[n] for n in kept_at]
    install_ins = out.instructions[target]
    # Image path -> (COPY, context file) for what the copies between the two bring.
    later_files = _kept_copy_files(out, kept_at, cwd, full_ctx)
    why: list[str] = []
    plan = _plan(
        install_ins, cwd[target], dest, ctx, why, kept_copies, _pip_settings(out, stage, target)
    )
    if plan is not None:
        # `COPY src /app` then `COPY requirements.txt /app/`: the file the install reads is the
        # later copy's, not the one the source copy brings (src/requirements.txt, if any).
        read = [posixpath.normpath(posixpath.join(dest, m)) for m in plan.manifests]
        clash = next((path for path in read if path in later_files), None)
        if clash is not None:
            by = out.instructions[later_files[clash][0]]
            why.append(
                f"line {install_ins.line}: the install reads {clash}, "
                f"which `{by.keyword} {by.value[:40]}` after the source copy replaces; order "
                "left alone"
            )
            plan = None
    if plan is None:
        supplying = _supplied_by_kept_copies(
            out, broad, target, later_files, cwd, full_ctx, prefix
        )
        if supplying is None:
            skipped.extend(why)
            return
        # `COPY src/ /app/`, then `COPY requirements.txt /app/` and the install: the manifest
        # is not part of the source copy, so the two move up as they are.
        early = [out.instructions[n] for n in (*moved, *supplying, target)]
        later = [
            out.instructions[n] for n in range(broad + 1, stage.end)
            if n not in moved and n not in supplying and n != target
        ]
        out.instructions[broad : stage.end] = [*early, copy_ins, *later]
        shown = ", ".join(f"`{out_ins.keyword} {out_ins.value}`" for out_ins in early[:-1]
                          if out_ins.keyword in {"COPY", "ADD"})
        notes.append(
            f"line {install_ins.line}: the dependency install and {shown}, which brings the "
            f"files it reads, now run before `COPY` of the source (line {copy_ins.line}), so "
            "code changes reuse the installed layer"
        )
        return

    # Manifests an earlier COPY already put in place (`COPY requirements.txt ./` above the
    # `COPY . .`) need no second copy.
    present = _copied_before(out, stage, broad, cwd)
    needed = [
        m for m in plan.manifests
        if posixpath.normpath(posixpath.join(dest, m)) not in present
    ]
    # mozilla/treeherder's dev image: `pip install -r requirements/dev.txt` then `pip install -r
    # requirements/common.txt` in the next RUN. Only the first moved, so every code change still
    # ran the second install, under a note saying code changes reuse the installed layer.
    more: list[tuple[int, _Plan]] = []
    if not plan.second_phase and not plan.rest:
        for n in range(target + 1, stage.end):
            ins = out.instructions[n]
            if (
                ins.keyword != "RUN"
                or ins.exec_form is not None
                or ins.flags
                or _named_installs_after(out, n - 1, n + 1)
                or not all(classify(seg.text) == "deps" for seg in split_commands(ins.args))
            ):
                break
            quiet: list[str] = []
            next_plan = _plan(
                ins, cwd[n], dest, ctx, quiet, kept_copies, _pip_settings(out, stage, n)
            )
            if next_plan is None or next_plan.second_phase or next_plan.rest:
                break
            more.append((n, next_plan))
    for _, extra in more:
        needed += [
            m for m in extra.manifests
            if m not in needed and posixpath.normpath(posixpath.join(dest, m)) not in present
        ]
    copies = _manifest_copies(needed, dest, cwd[target], copy_ins, prefix)
    # with_args keeps the RUN's own flags (`--mount=type=cache,...`), and its text as written
    # when the whole RUN moves unchanged.
    new_install = install_ins.with_args(" && ".join(plan.install))
    if new_install.raw is None and install_ins.raw:
        # Comment lines inside the RUN's continuations would be lost with the re-rendered
        # text; they go above it instead.
        inner = tuple(
            line.lstrip() for line in split_lines(install_ins.raw)[1:]
            if line.lstrip().startswith("#")
        )
        new_install = replace(new_install, leading=new_install.leading + inner)
    # `RUN pip install gunicorn` right after the install names its packages and reads nothing
    # from the source: left below the copy, every code change would install it again.
    followers = _named_installs_after(out, target, stage.end)
    staying = [plan.second_phase or "", *(seg.text for seg in plan.rest)]
    exact = next((t for t in staying if _removes_extraneous(t)), None)
    if followers and exact is not None:
        # ephios: `uv sync --locked` stays after the source copy and `uv pip install gunicorn`
        # came after it; moved above, the exact sync removed gunicorn (not in uv.lock) again.
        notes.append(
            f"`{' '.join(out.instructions[followers[0]].args.split())[:60]}` stays after "
            f"`{exact}`, which removes packages the lock file does not list"
        )
        followers = []
    follower_notes = [
        (out.instructions[n].line, " ".join(out.instructions[n].args.split())[:60])
        for n in followers
    ]
    extra_installs = [
        out.instructions[n].with_args(" && ".join(extra.install)) for n, extra in more
    ]
    more_lines = [(out.instructions[n].line, extra) for n, extra in more]
    block: list[Instruction] = [out.instructions[n] for n in moved]
    block += [*copies, new_install, *extra_installs, *(out.instructions[n] for n in followers)]

    after: list[Instruction] = []
    for n in range(broad + 1, stage.end):
        if n in moved or n in followers or any(n == m for m, _ in more):
            continue
        if n == target:
            remaining = [s.text for s in plan.rest]
            if plan.second_phase:
                remaining.insert(0, plan.second_phase)
            if remaining:
                rest = install_ins.with_args(" && ".join(remaining))
                after.append(replace(rest, leading=(), raw=None))
            continue
        after.append(out.instructions[n])
    # `COPY --from=frontend /app/build ./static` right above the source copy: a frontend
    # change would run the install again although it reads nothing from there.
    start = broad
    if not any(out.instructions[n].keyword in {"ENV", "ARG", "WORKDIR"} for n in moved):
        while start - 1 > stage.start and _stage_copy_not_read(
            out.instructions[start - 1], cwd[start - 1], dest, new_install
        ):
            start -= 1
    hoisted = out.instructions[start:broad]
    out.instructions[start : stage.end] = [*block, *hoisted, copy_ins, *after]

    copied = (
        f"after copying only {', '.join(posixpath.join(prefix, m) for m in plan.manifests)}"
        if plan.manifests
        else "needing no files (the packages are named in the command)"
    )
    notes.append(
        f"line {install_ins.line}: the dependency install now runs before `COPY` of the source "
        f"(line {copy_ins.line}), {copied}, so code changes reuse the installed layer"
    )
    if plan.second_phase:
        notes.append(
            f"`{plan.second_phase}` stays after the source copy: it installs the project itself"
        )
    for line, extra in more_lines:
        notes.append(
            f"line {line}: the next install, of {', '.join(extra.manifests)}, moves up "
            "with it: it reads no file from the source either"
        )
    for line, text in follower_notes:
        notes.append(
            f"line {line}: `{text}` moves up with the install: it names its packages and "
            "reads no file from the source"
        )


def _tool(ins: Instruction) -> str | None:
    """`uv`, `poetry` or `pdm` when the RUN syncs that manager's environment."""
    for segment in split_commands(ins.args):
        argv = program(segment.text)
        head = argv[0].rsplit("/", 1)[-1] if argv else ""
        if head in {"uv", "poetry", "pdm"} and classify(segment.text) == "deps":
            return head
    return None


def _inherited_install(out: Dockerfile, stage: Stage, install: Instruction) -> Instruction | None:
    """The install of the same uv/Poetry environment in a stage this one builds FROM.

    `FROM base` where base ran `uv sync --no-install-project` (or `poetry install --no-root`)
    before any source: the `uv sync` after this stage's `COPY . .` is the second phase of a
    split already made, and moving a copy of the first phase up would only install it twice.
    """
    tool = _tool(install)
    own_phase = {"--no-install-project", "--no-root", "--no-self"} & set(install.args.split())
    if tool is None or own_phase:
        return None  # a dependency install of its own, not the project's second phase
    for ancestor in out.lineage(stage)[1:]:
        for _, ins in out.iter_stage(ancestor):
            if ins.keyword == "RUN" and _tool(ins) == tool:
                return ins
    return None


# pip reads any option from a PIP_<OPTION> variable: these name files or directories the
# install reads (`ENV PIP_CONSTRAINT=constraints.txt`), as `-c` on the command line would.
_PIP_PATH_SETTINGS = {"PIP_CONSTRAINT": "-c", "PIP_REQUIREMENT": "-r", "PIP_FIND_LINKS": "-f"}


def _pip_settings(out: Dockerfile, stage: Stage, target: int) -> dict[str, str]:
    """The PIP_* path settings in effect at `target`: ENV of the stages it builds FROM, then
    its own stage's ENV before it."""
    found: dict[str, str] = {}
    for ancestor in reversed(out.lineage(stage)):
        for n, ins in out.iter_stage(ancestor):
            if ancestor.index == stage.index and n >= target:
                break
            if ins.keyword == "ENV":
                for key, value in env_pairs(ins.value):
                    if key in _PIP_PATH_SETTINGS:
                        found[key] = value
    return found


def _as_options(settings: dict[str, str], text: str) -> list[str]:
    """The PIP_* path settings (ENV, and assignments before the command) as pip options."""
    settings = dict(settings)
    for word in words(text):
        key, eq, value = word.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            break
        if key in _PIP_PATH_SETTINGS:
            settings[key] = value
    options: list[str] = []
    for key, value in settings.items():
        for item in value.split():  # pip splits a variable's value on whitespace
            options += [_PIP_PATH_SETTINGS[key], item]
    return options


def _plan(
    ins: Instruction,
    cwd: str,
    dest: str,
    ctx: Context,
    skipped: list[str],
    kept_copies: list[Instruction],
    pip_settings: dict[str, str] | None = None,
) -> _Plan | None:
    segments = split_commands(ins.args)
    kinds = [classify(s.text) for s in segments]
    last_dep = max(k for k, kind in enumerate(kinds) if kind == "deps")
    for k in range(last_dep):
        if kinds[k] not in _PREP_KINDS | {"deps"}:
            skipped.append(
                f"line {ins.line}: `{segments[k].text}` runs in the same step before the "
                "install and may be needed by it; order left alone"
            )
            return None
    if "$" in cwd or "$" in dest:
        skipped.append(f"line {ins.line}: paths use build variables ({dest}); order left alone")
        return None

    manifests: list[str] = []
    install: list[str] = []
    second: str | None = None
    for k in range(last_dep + 1):
        text = segments[k].text
        if kinds[k] != "deps":
            install.append(text)
            continue
        argv = program(text)
        if pip_install_targets(argv) is not None or sync_targets(argv) is not None:
            argv += _as_options(pip_settings or {}, text)
        found = _manifests_for(argv, text, cwd, dest, ctx, kept_copies)
        if isinstance(found, str):
            skipped.append(f"line {ins.line}: {found}; order left alone")
            return None
        files, new_text, second_text = found
        manifests.extend(files)
        install.append(new_text)
        if second_text:
            second = second_text
    missing = [m for m in manifests if not (ctx.context_dir / m).is_file()]
    if missing:
        skipped.append(
            f"line {ins.line}: the install reads {', '.join(missing)}, which is not in the "
            "build context; order left alone"
        )
        return None
    tail = segments[last_dep + 1 :]
    # Clean-ups right after the install (`&& rm -rf /var/lib/apt/lists/*`, `apt-get purge gcc`,
    # `pip cache purge`) move up with it: they read no source, and left below the source copy
    # they would run in a layer of their own, leaving the install's layer as big as before
    # (django_librest: a second run then put the rm back into the moved install). Not with a
    # second phase, whose own install after the copy they also clean.
    keep = 0
    while second is None and keep < len(tail) and _cleans_up(tail[keep].text):
        install.append(tail[keep].text)
        keep += 1
    return _Plan(list(dict.fromkeys(manifests)), install, tail[keep:], second)


# Where an install leaves caches: removing them reads nothing from the source.
_CACHE_DIRS = re.compile(r"(~|\$HOME|\$\{HOME\}|/root)/\.cache(/|$)|/tmp(/|$)|/var/cache(/|$)")


def _cleans_up(text: str) -> bool:
    """A command that only cleans up after an install: apt (lists, clean, purge, autoremove),
    `pip cache purge|remove`, or `rm` of cache directories."""
    argv = program(text)
    if not argv:
        return False
    if classify(text) == "apt":
        return True
    head = argv[0].rsplit("/", 1)[-1]
    if head in {"pip", "pip3"} and argv[1:2] == ["cache"]:
        return True
    targets = [a for a in argv[1:] if not a.startswith("-")]
    return head == "rm" and bool(targets) and all(_CACHE_DIRS.match(t) for t in targets)


def _manifests_for(
    argv: list[str],
    text: str,
    cwd: str,
    dest: str,
    ctx: Context,
    kept_copies: list[Instruction],
) -> tuple[list[str], str, str | None] | str:
    """(context-relative files, install text to run early, text to run after the source copy).

    A string is a reason the install cannot move.
    """
    rel_cwd = posixpath.relpath(cwd, dest)

    def ctx_path(path: str) -> str:
        return posixpath.normpath(posixpath.join(rel_cwd, path))

    def in_source(path: str) -> bool:
        """Whether a path the install reads is one the source copy brings (a wheel directory
        an earlier COPY put at /wheels is there before the install moves)."""
        if path.startswith("file:") or " " in path:
            return True  # a file URL or a whole line: where it points is not worked out
        rel = posixpath.relpath(posixpath.normpath(posixpath.join(cwd, path)), dest)
        if rel == ".." or rel.startswith("../"):
            return False
        # Under the copy's destination but not in the context: a stage copy or a RUN puts it
        # there (`COPY --from=wheels /wheels /code/wheels`), not the source copy.
        return (ctx.context_dir / rel).exists()

    head = argv[0].rsplit("/", 1)[-1] if argv else ""
    pip = pip_install_targets(argv)
    synced = sync_targets(argv)
    if synced is not None:
        # pip-sync / `uv pip sync`: the lock files it names are what the install reads.
        pip = (synced, [])
    if pip is not None:
        files, specs = pip
        local = [s for s in specs if s.startswith(("-e ", ".", "/")) or s.startswith("file:")]
        if local:
            return f"`{text}` installs the project's own source ({local[0]})"
        for k, word in enumerate(argv):
            option = word.split("=", 1)[0]
            if option in {"-f", "--find-links"}:
                value = word.split("=", 1)[1] if "=" in word else " ".join(argv[k + 1 : k + 2])
                found_link = _local_source_in_line(f"{option} {value}")
                if found_link and in_source(found_link):
                    return (
                        f"`{text}` reads {found_link} from the source, which copying only the "
                        "requirement files would leave out"
                    )
        found: list[str] = []
        for named in files:
            # Each file the command names must be one the manifest COPY can bring: a path the
            # source copy provides (relative, or absolute under its destination) and that is in
            # the context. Moved without it, the install would fail to find it.
            if "$" in named:
                return f"`{text}` reads {named}, a path set by a build variable"
            in_image = posixpath.normpath(posixpath.join(cwd, named))
            rel = posixpath.relpath(in_image, dest)
            if rel == ".." or rel.startswith("../"):
                if kept_copies:
                    return (
                        f"`{text}` reads {named}, which `{kept_copies[0].keyword} "
                        f"{kept_copies[0].value[:40]}` after the source copy may provide"
                    )
                continue  # put there before the source copy: still there when the install moves
            if not (ctx.context_dir / rel).is_file():
                return f"`{text}` reads {named}, which is not in the build context"
            for include in requirement_files_from_command(
                ctx.context_dir, "pip install -r " + shlex.quote(rel)
            ):
                reason = _local_install_in(ctx.context_dir / include, in_source)
                if reason:
                    return f"{include} {reason}"
                found.append(include)
        return found, text, None
    if rel_cwd == ".." or rel_cwd.startswith("../"):
        # poetry, pipenv, uv and pdm read their manifests from the working directory.
        return f"`{text}` runs outside the copied source"
    if head == "pdm" and any(a in {"-p", "--project", "-g", "--global"} or
                             a.startswith("--project=") for a in argv):
        # The project (and with -g its environment) is one the flags name, not the workdir.
        return f"`{text}` installs a project named by its flags"
    if head in {"poetry", "pipenv", "uv", "pdm"}:
        path_dependency = _local_path_dependency(head, ctx, rel_cwd)
        if path_dependency:
            return (
                f"`{text}` installs the local path dependency {path_dependency}, which copying "
                "only the "
                "manifests would leave out"
            )
    if "--only-root" in argv or "--only-install-project" in argv or "--self-only" in argv:
        return f"`{text}` installs only the project itself, from its source"
    if head == "poetry":
        pyproject = ctx_path("pyproject.toml")
        files = [pyproject]
        if (ctx.context_dir / ctx_path("poetry.lock")).is_file():
            files.append(ctx_path("poetry.lock"))
        if "--no-root" in argv:
            return files, text, None
        early = _insert_flag(text, "install", "--no-root")
        packaged = _poetry_packaged(ctx.read(pyproject))
        return files, early, text if packaged else None
    if head == "pipenv":
        files = [ctx_path("Pipfile")]
        if (ctx.context_dir / ctx_path("Pipfile.lock")).is_file():
            files.append(ctx_path("Pipfile.lock"))
        return files, text, None
    if head == "uv":
        pyproject = ctx_path("pyproject.toml")
        files = [pyproject]
        for extra in ("uv.lock", ".python-version"):
            if (ctx.context_dir / ctx_path(extra)).is_file():
                files.append(ctx_path(extra))
        if "--no-install-project" in argv:
            return files, text, None
        early = _insert_flag(text, "sync", "--no-install-project")
        packaged = _uv_packaged(ctx.read(pyproject))
        return files, early, text if packaged else None
    if head == "pdm":
        pyproject = ctx_path("pyproject.toml")
        files = [pyproject]
        # pdm.toml: the project's own PDM settings (sources, venv options) the install reads.
        for extra in ("pdm.lock", "pdm.toml"):
            if (ctx.context_dir / ctx_path(extra)).is_file():
                files.append(ctx_path(extra))
        if "--no-self" in argv:
            return files, text, None
        subcommand = next(a for a in argv[1:] if not a.startswith("-"))
        early = _insert_flag(text, subcommand, "--no-self")
        packaged = _pdm_packaged(ctx.read(pyproject))
        return files, early, text if packaged else None
    return f"`{text}` is an install we do not know how to split"


def _local_path_dependency(tool: str, ctx: Context, rel_cwd: str) -> str | None:
    """A dependency the manager installs from a directory of the source (`{path = "libs/x"}`,
    a uv workspace member), which an install from the manifests alone cannot find."""

    def table(data: object, *keys: str) -> dict[str, object]:
        for key in keys:
            data = data.get(key) if isinstance(data, dict) else None
        return data if isinstance(data, dict) else {}

    def path_in(specs: dict[str, object]) -> str | None:
        for name, spec in specs.items():
            if isinstance(spec, dict) and ("path" in spec or spec.get("workspace") is True):
                return f"{name} ({spec.get('path', 'workspace member')})"
        return None

    if tool == "pipenv":
        pipfile = _load_toml(ctx.read(posixpath.normpath(posixpath.join(rel_cwd, "Pipfile"))))
        return path_in(table(pipfile, "packages")) or path_in(table(pipfile, "dev-packages"))
    pyproject = _load_toml(ctx.read(posixpath.normpath(posixpath.join(rel_cwd, "pyproject.toml"))))
    if tool == "pdm":
        # PDM writes local dependencies as PEP 508 file URLs: `pkg @ file:///${PROJECT_ROOT}/x`.
        project = table(pyproject, "project")
        lists = [project.get("dependencies"), *table(project, "optional-dependencies").values()]
        lists += [*table(pyproject, "dependency-groups").values()]
        lists += [*table(pyproject, "tool", "pdm", "dev-dependencies").values()]
        for specs in lists:
            for spec in specs if isinstance(specs, list) else []:
                if isinstance(spec, str) and re.search(r"@\s*file:|^-e\s", spec):
                    return spec
        return None
    if tool == "poetry":
        poetry = table(pyproject, "tool", "poetry")
        groups = [table(poetry, "dependencies"), table(poetry, "dev-dependencies")]
        groups += [table(g, "dependencies") for g in table(poetry, "group").values()]
        return next((found for g in groups if (found := path_in(g))), None)
    return path_in(table(pyproject, "tool", "uv", "sources"))


def _local_install_in(path: object, in_source: Callable[[str], bool]) -> str | None:
    from pathlib import Path

    assert isinstance(path, Path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if re.match(r"^(-e\s+|--editable\s+)?(\.|\./|/|file:)", line):
            return f"installs the project's own source ({line})"
        local = _local_source_in_line(line)
        if local and in_source(local):
            return (
                f"reads {local} from the source, which copying only the requirement files "
                "would leave out"
            )
    return None


# pip reads these from the build context too, not only the requirement files: wheels in a
# directory (`--find-links wheels/`, `vendor/pkg-1.0-py3-none-any.whl`), an editable or plain
# path (`-e libs/client`), a PEP 508 file URL (`pkg @ file:///app/libs/pkg`). Moved above the
# source copy with only the requirement files, the install fails to find them.
_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://|^git\+|^hg\+|^svn\+|^bzr\+", re.IGNORECASE)


def _local_source_in_line(line: str) -> str | None:
    """The local path a requirement line (or an install's option value) makes pip read."""
    words_ = line.split()
    if not words_:
        return None
    head, value = words_[0], (words_[1] if len(words_) > 1 else "")
    for option in ("-f", "--find-links", "-e", "--editable"):
        if head.startswith(option + "="):
            head, value = option, head.split("=", 1)[1]
    if head in {"-f", "--find-links", "-e", "--editable"}:
        return value if value and not _URL_RE.match(value) and "$" not in value else None
    if head.startswith("-"):
        return None
    if re.search(r"@\s*file:", line):
        return line
    spec = re.sub(r"\[[^\]]*\]$", "", head.split(";", 1)[0])
    if "/" in spec and not _URL_RE.match(spec) and "@" not in spec:
        return spec  # a path: `vendor/pkg-1.0-py3-none-any.whl`, `libs/client/`
    if spec.endswith((".whl", ".tar.gz", ".zip")) and not _URL_RE.match(spec):
        return spec
    return None


def _insert_flag(text: str, subcommand: str, flag: str) -> str:
    return re.sub(rf"\b{subcommand}\b", f"{subcommand} {flag}", text, count=1)


def _load_toml(text: str | None) -> dict[str, object]:
    if text is None:
        return {}
    import tomllib  # only projects with a pyproject.toml need the parser

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _poetry_packaged(text: str | None) -> bool:
    data = _load_toml(text)
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    return not (isinstance(poetry, dict) and poetry.get("package-mode") is False)


def _pdm_packaged(text: str | None) -> bool:
    """Whether `pdm install` installs the project itself: `[tool.pdm] distribution` says, else
    a `[build-system]` table makes it a library (PDM 2.12+)."""
    data = _load_toml(text)
    tool = data.get("tool")
    pdm = tool.get("pdm") if isinstance(tool, dict) else None
    if isinstance(pdm, dict) and isinstance(pdm.get("distribution"), bool):
        return bool(pdm["distribution"])
    return "build-system" in data


def _uv_packaged(text: str | None) -> bool:
    data = _load_toml(text)
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    if isinstance(uv, dict) and isinstance(uv.get("package"), bool):
        return bool(uv["package"])
    return "build-system" in data


def _copied_before(out: Dockerfile, stage: Stage, broad: int, cwd: dict[int, str]) -> set[str]:
    """Image paths of the context files that COPY/ADD put in place before the source copy: in
    this stage, and in the stages it builds FROM, whose files it starts with (arhebs's
    `production` FROM `dependencies`, which had copied pyproject.toml and poetry.lock to /app:
    the moved install got a second COPY of both, 130 KB, and verify called the image larger)."""
    found: set[str] = set()
    where: dict[int, str] = {}
    ancestors = list(reversed(out.lineage(stage)[1:]))
    here = "/"
    for ancestor in ancestors:
        for n, ins in out.iter_stage(ancestor):
            where[n] = here
            here = next_workdir(here, ins)
    items = [(n, ins) for st in ancestors for n, ins in out.iter_stage(st)]
    items += [(n, ins) for n, ins in out.iter_stage(stage) if n < broad]
    for n, ins in items:
        if ins.keyword not in {"COPY", "ADD"} or "from" in ins.flags:
            continue
        parts = ins.exec_form or words(ins.args)
        if len(parts) < 2 or any("$" in p or "*" in p for p in parts):
            continue
        *sources, target = parts
        target = posixpath.normpath(posixpath.join(where.get(n, cwd.get(n, "/")), target))
        for source in sources:
            # Into the directory `target` (`./`, or one that exists), or as the file `target`.
            found.add(posixpath.join(target, posixpath.basename(posixpath.normpath(source))))
            if len(sources) == 1:
                found.add(target)
    return found


def _manifest_copies(
    manifests: list[str], dest: str, cwd: str, copy_ins: Instruction, prefix: str = ""
) -> list[Instruction]:
    """One COPY per source directory, so nested files keep their paths (COPY flattens).
    `prefix`: the context directory the source copy brings (manifests are relative to it)."""
    by_dir: dict[str, list[str]] = {}
    for path in manifests:
        by_dir.setdefault(posixpath.dirname(path), []).append(path)
    chown = copy_ins.flags.get("chown")
    flag = f"--chown={chown} " if chown else ""
    result = []
    for directory, paths in by_dir.items():
        target = posixpath.normpath(posixpath.join(dest, directory))
        shown = posixpath.relpath(target, cwd)
        shown = "./" if shown == "." else (shown + "/" if not shown.startswith("..") else "")
        if cwd == "/" and shown != "./":
            shown = ""  # no WORKDIR: `/app/` reads better than `app/`
        if not shown:
            shown = target.rstrip("/") + "/"
        sources = [posixpath.join(prefix, p) if prefix else p for p in paths]
        result.append(Instruction.new("COPY", flag + " ".join(sources) + " " + shown))
    return result


def _supplied_by_kept_copies(
    out: Dockerfile,
    broad: int,
    target: int,
    supplied: dict[str, tuple[int, str]],
    cwd: dict[int, str],
    ctx: Context,
    prefix: str,
) -> tuple[int, ...] | None:
    """The COPYs between the source copy and the install that bring every file the install
    reads, when those are all it reads (`pip install -r`, pip-sync and packages by name), else
    None. Moved above the source copy with the install, they must not bring a path the source
    copy brings too: copied first, the source copy's file would win where the later copy's did.
    """
    install = out.instructions[target]
    if install.exec_form is not None or not supplied:
        return None
    files: list[str] = []
    for seg in split_commands(install.args):
        kind = classify(seg.text)
        if kind in _PREP_KINDS:
            continue
        if kind != "deps":
            return None
        argv = words(seg.text)
        pip = pip_install_targets(argv)
        synced = sync_targets(argv)
        if synced is not None:
            pip = (synced, [])
        if pip is None:
            return None
        named, specs = pip
        if any(s.startswith(("-", ".", "/", "file:")) or "@" in s for s in specs):
            return None  # the project itself, a path or a URL: read from elsewhere
        if any(w.split("=", 1)[0] in {"-f", "--find-links", "-c", "--constraint", "-e",
                                      "--editable"} for w in argv):
            return None
        files += [posixpath.normpath(posixpath.join(cwd[target], f)) for f in named]
    if not files:
        return None
    dest = posixpath.normpath(posixpath.join(cwd[broad], _dest(out.instructions[broad])))
    needed: set[int] = set()
    queue = list(files)
    seen: set[str] = set()
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        if path not in supplied:
            return None
        n, rel = supplied[path]
        needed.add(n)
        inside = posixpath.relpath(path, dest)
        if not inside.startswith("..") and (ctx.context_dir / prefix / inside).exists():
            return None  # the source copy brings the same path
        # `-r base.txt` inside it: relative to the file, and brought by a kept copy as well.
        for include in requirement_files_from_command(
            ctx.context_dir, "pip install -r " + shlex.quote(rel)
        ):
            if include != rel:
                queue.append(posixpath.normpath(posixpath.join(
                    posixpath.dirname(path), posixpath.relpath(include, posixpath.dirname(rel))
                )))
    return tuple(sorted(needed))


def _kept_copy_files(
    out: Dockerfile, kept_at: list[int], cwd: dict[int, str], ctx: Context
) -> dict[str, tuple[int, str]]:
    """Image path -> (index of the COPY, context file) for the files the COPYs between the
    source copy and the install bring from the context (plain paths; a directory's files too)."""
    supplied: dict[str, tuple[int, str]] = {}
    for n in kept_at:
        ins = out.instructions[n]
        parts = ins.exec_form or words(ins.args)
        if ins.keyword != "COPY" or "from" in ins.flags or len(parts) < 2:
            continue
        if any("$" in p or "*" in p or "?" in p for p in parts):
            continue
        *sources, to = parts
        where = posixpath.normpath(posixpath.join(cwd[n], to))
        for source in sources:
            rel = posixpath.normpath(source.lstrip("/"))
            local = ctx.context_dir / rel
            if local.is_dir():
                # A directory's contents land in the destination (the directory itself does not).
                for path in sorted(local.rglob("*"))[:2000]:
                    if path.is_file():
                        inner = path.relative_to(local).as_posix()
                        supplied[posixpath.join(where, inner)] = (n, posixpath.join(rel, inner))
                continue
            if not local.is_file():
                continue
            supplied[posixpath.join(where, posixpath.basename(rel))] = (n, rel)
            if len(sources) == 1 and not to.endswith("/"):
                supplied[where] = (n, rel)
    return supplied
