"""Load, inspect, transform, render: everything between the command line and the disk.

The pipeline never writes. It returns the new text of every file it would change, so the CLI can
diff it, verify it, and only then write it.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from optimizer.applicability import not_python_reason, other_framework_reason
from optimizer.context import DjangoProject
from optimizer.deploy_target import deployed_target
from optimizer.dockerfile import (
    Dockerfile,
    DockerfileError,
    Instruction,
    context_source,
    through_stage,
)
from optimizer.ports import expand
from optimizer.project import inspect_project, with_image_python
from optimizer.shell import words
from transforms import ALL, by_name
from transforms.base import Context, Options, Transform
from transforms.raw_edit import indent_like


class OptimizeError(Exception):
    """Bad input: one clear message for the user, exit status 2."""


@dataclass
class Change:
    transform: str
    notes: list[str]


@dataclass
class Outcome:
    """What the pipeline proposes. Keys of `original` and `files` are paths relative to the
    build context; a Dockerfile outside the context (`-f deploy/Dockerfile`, or a link out of
    it) has a key starting with `../`, so `context_dir / key` is always the file on disk."""

    dockerfile_path: Path  # as the user named it (may be a link)
    context_dir: Path
    project: DjangoProject
    original: dict[str, str | None]  # context-relative path -> current content (None: absent)
    files: dict[str, str]  # context-relative path -> proposed content, only files that change
    changes: list[Change] = field(default_factory=list)
    skipped: list[Change] = field(default_factory=list)
    dockerfile_key: str = ""  # the Dockerfile's key in `original` / `files`
    # How the run was set up when the user did not say (the build context a compose file
    # names): shown before the notes, so a reader knows which directory was read.
    notes: list[str] = field(default_factory=list)
    # The deployed stage when it is not the last (name, what says so): the changes were made
    # to it, and verify builds it.
    deployed: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if not self.dockerfile_key:
            self.dockerfile_key = dockerfile_key(self.dockerfile_path, self.context_dir)

    @property
    def dockerfile_real(self) -> Path:
        """The Dockerfile's real path (links followed): what `docker build -f` reads."""
        return Path(os.path.realpath(self.dockerfile_path))

    @property
    def dockerfile_text(self) -> str:
        """The Dockerfile's current text."""
        return self.original[self.dockerfile_key] or ""

    @property
    def dockerfile_in_context(self) -> bool:
        return not self.dockerfile_key.startswith("../")

    def path_of(self, key: str) -> Path:
        """Where the file with this key is on disk (through links, as the writer writes it)."""
        return self.context_dir / key

    @property
    def changed(self) -> bool:
        return bool(self.files)

    def diff(self) -> str:
        chunks: list[str] = []
        for key, new in self.files.items():
            old = self.original.get(key)
            # A Dockerfile outside the context is named by the path the user gave.
            label = key if not key.startswith("../") else self.dockerfile_path.as_posix()
            label = label.lstrip("/")  # `a/tmp/x/Dockerfile`, as git writes an absolute path
            chunks.extend(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile=f"a/{label}" if old is not None else "/dev/null",
                    tofile=f"b/{label}",
                )
            )
        # A last line without a newline gets diff's own marker: without it, estate-mngt-prod's
        # .dockerignore (no final newline) showed `-.envs/*` `+.envs/*` as a change of nothing,
        # and `git apply` / `patch` could not apply the diff.
        return "".join(
            c if c.endswith("\n") else c + "\n\\ No newline at end of file\n" for c in chunks
        )


def dockerfile_key(dockerfile_path: Path, context_dir: Path) -> str:
    """The Dockerfile's path relative to the build context, `../` when it lies outside.

    The path as named wins over the resolved one: a link inside the context is written through
    where it is, like any other file there."""
    named, context = Path(os.path.abspath(dockerfile_path)), Path(os.path.abspath(context_dir))
    for inner, outer in ((named, context), (named.resolve(), context.resolve())):
        if inner.is_relative_to(outer):
            return inner.relative_to(outer).as_posix()
    return Path(os.path.relpath(named, context)).as_posix()


def select(only: Sequence[str] = (), skip: Sequence[str] = ()) -> list[Transform]:
    known = {t.name for t in ALL}
    for name in [*only, *skip]:
        if name not in known:
            raise OptimizeError(
                f"unknown transform {name!r}; known: {', '.join(t.name for t in ALL)}"
            )
    both = [name for name in only if name in skip]
    if both:
        raise OptimizeError(
            f"--only and --skip both name {', '.join(both)}: nothing would run; drop one of them"
        )
    chosen = [by_name(n) for n in only] if only else list(ALL)
    # Keep the pipeline's order whatever order --only named them in.
    order = [t.name for t in ALL]
    chosen.sort(key=lambda t: order.index(t.name))
    return [t for t in chosen if t.name not in skip]


def load(dockerfile_path: Path) -> str:
    if not dockerfile_path.exists():
        if dockerfile_path.is_symlink():
            # exists() follows the link: a dangling or looping one reads as missing.
            raise OptimizeError(
                f"{dockerfile_path}: a symbolic link to nothing readable "
                f"({os.readlink(dockerfile_path)} is missing, or the links loop)"
            )
        raise OptimizeError(f"{dockerfile_path}: no such file")
    if dockerfile_path.is_dir():
        raise OptimizeError(f"{dockerfile_path}: is a directory, not a Dockerfile")
    try:
        return dockerfile_path.read_bytes().decode("utf-8")
    except PermissionError as exc:
        raise OptimizeError(f"{dockerfile_path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise OptimizeError(f"{dockerfile_path}: line {line}: not UTF-8 text") from exc
    except OSError as exc:
        raise OptimizeError(f"{dockerfile_path}: cannot read ({exc})") from exc


def optimize(
    dockerfile_path: Path,
    context_dir: Path | None = None,
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    options: Options | None = None,
) -> Outcome:
    select(only, skip)  # bad options first, before any file is read
    text = load(dockerfile_path)
    return optimize_text(text, dockerfile_path, context_dir, only=only, skip=skip, options=options)


def optimize_text(
    text: str,
    dockerfile_path: Path,
    context_dir: Path | None = None,
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    options: Options | None = None,
) -> Outcome:
    """Optimize `text` as the Dockerfile at `dockerfile_path` (which need not exist yet:
    `init` optimizes a Dockerfile it has not written)."""
    options = options or Options()
    transforms = [
        t
        for t in select(only, skip)
        # Opt-in transforms (healthcheck) run when named in --only or enabled by their option.
        if not getattr(t, "opt_in", False)
        or t.name in only
        or getattr(options, t.name.replace("-", "_"), False)
    ]
    try:
        dockerfile = Dockerfile.parse(text)
    except DockerfileError as exc:
        raise OptimizeError(f"{dockerfile_path}: {exc}") from exc
    run_notes: list[str] = []
    if context_dir is None:
        context_dir = dockerfile_path.parent
        # `docker/Django.Dockerfile` built by a compose file with `context: ..`: the
        # Dockerfile's own directory is not what it builds, and reading it instead made a
        # .dockerignore there that no build reads, and missed the settings.
        missing = missing_copy_sources(dockerfile, context_dir)
        # mozilla/treeherder's docker/dev.Dockerfile: `ADD . /app` is "there" in docker/, but
        # docker/ holds no Django project; its compose file builds it from the repository.
        elsewhere = (
            missing is None
            and context_dir.is_dir()
            and not_python_reason(dockerfile) is None
            and not _django_here(context_dir, text)
        )
        if (missing or elsewhere) and context_dir.is_dir():
            found = compose_build_context(dockerfile_path)
            why = (
                f"`{missing}` is not beside the Dockerfile"
                if missing
                else "its own directory holds no Django project"
            )
            if found is not None:
                context_dir, where = found
                run_notes.append(
                    f"build context: {context_dir} ({where} builds this Dockerfile there; "
                    f"{why}); --context to choose another"
                )
            elif missing and not_python_reason(dockerfile) is None:
                # No compose file says (none builds it, or Compose cannot read it: the
                # cookiecutter project whose production file names an undefined service;
                # treeherder's docker/Dockerfile, built by CI with `-f docker/Dockerfile .`):
                # the nearest directory above that holds every file it copies and the project.
                above = _enclosing_context(dockerfile, dockerfile_path, text)
                if above is not None:
                    context_dir = above
                    run_notes.append(
                        f"build context: {context_dir} (the nearest directory above the "
                        f"Dockerfile holding every file it copies and the Django project; "
                        f"{why}); --context to choose another"
                    )
    if not context_dir.is_dir():
        raise OptimizeError(f"{context_dir}: the build context is not a directory")
    # The context given (or found) still lacks a source: the image does not build from it, and
    # what the transforms read there (the start script, the settings) is not what the image
    # holds. django-helpdesk's standalone/Dockerfile copies `django-helpdesk/src/`: it is built
    # from the repository's parent, while its compose file says `context: ..` (the repository);
    # read there, the entrypoint that starts cron as root was not found and non-root added USER.
    missing = missing_copy_sources(dockerfile, context_dir)
    if missing is not None:
        first = context_source(missing).split("/", 1)[0]
        hint = (
            f"; its first part is the context's own name: --context {context_dir.parent} "
            "builds it"
            if first == context_dir.name and (context_dir.parent / context_source(missing)).exists()
            else ""
        )
        if any(c in context_source(missing) for c in "*?["):
            # vintasoftware/django-react-boilerplate's `COPY *poetry.lock /home/user/app/`:
            # the lock may not exist yet, and BuildKit lets that pass.
            run_notes.append(
                f"warning: `{missing}`, all a COPY copies, matches nothing in the build context "
                f"{context_dir}: the legacy builder stops there (\"no source files were "
                "specified\"), BuildKit copies nothing and goes on; the changes read the "
                f"project there{hint}"
            )
        else:
            run_notes.append(
                f"warning: the Dockerfile copies `{missing}`, which is not in the build "
                f"context {context_dir}: the image does not build from this context as it is, "
                f"and the changes read the project there{hint}"
            )

    rel = dockerfile_key(dockerfile_path, context_dir)
    deployed = deployed_target(dockerfile, dockerfile_path, context_dir, options.target)
    if deployed is not None:
        dockerfile.target = deployed[0]
        last = dockerfile.stages()[-1]
        run_notes.append(
            f"deployed stage: {deployed[0]} ({deployed[1]}), not the last stage"
            f"{f' {last.name}' if last.name else ''}: the changes are made to it"
        )
    reason = not_python_reason(dockerfile)
    if reason is not None:
        # nginx, Postgres, Node front ends: other services' Dockerfiles in a Django repository.
        outcome = Outcome(
            dockerfile_path, context_dir, DjangoProject(context_dir), {rel: text}, {},
            dockerfile_key=rel, notes=run_notes,
        )
        outcome.skipped.append(Change("all", [reason]))
        return outcome

    try:
        project = inspect_project(context_dir, through_stage(text, dockerfile.target) or text)
    except OSError as exc:
        raise OptimizeError(f"{context_dir}: cannot read the project ({exc})") from exc
    if not project.is_django:
        other = other_framework_reason(dockerfile, context_dir)
        if other is not None:
            outcome = Outcome(
                dockerfile_path, context_dir, project, {rel: text}, {},
                dockerfile_key=rel, notes=run_notes,
            )
            outcome.skipped.append(Change("all", [other]))
            return outcome
        unknown = _unresolved_copy_source(dockerfile)
        why = (
            f"; the Dockerfile copies `{unknown}`, spelled with a build argument that has no "
            "default, so where the project sits is not known from the Dockerfile"
            if unknown
            else ""
        )
        raise OptimizeError(
            f"{context_dir}: no Django project here (no manage.py or settings module found)"
            f"{why}; use --context to point at the project the Dockerfile builds"
        )

    ctx = Context(project, context_dir, options, rel)
    outcome = Outcome(
        dockerfile_path, context_dir, project, {rel: text}, {}, dockerfile_key=rel,
        notes=run_notes, deployed=deployed,
    )
    for transform in transforms:
        seen = dockerfile.render()
        result = transform.apply(dockerfile, ctx)
        # An indented file stays indented whichever transform adds a line (python-env's ENV,
        # non-root's USER): a new instruction as the one before it, a re-rendered one as it was.
        result.dockerfile.instructions[:] = indent_like(
            dockerfile.instructions, result.dockerfile.instructions
        )
        new_text = result.dockerfile.render()
        changed_files = {k: v for k, v in result.files.items() if v != ctx.read(k)}
        if new_text != seen or changed_files:
            try:
                # Every intermediate result must parse, so a broken transform fails loudly here.
                reparsed = Dockerfile.parse(new_text, dockerfile.target)
            except DockerfileError as exc:
                if not any(i.opaque for i in dockerfile.instructions):
                    raise OptimizeError(
                        f"internal error: {transform.name} produced an unparseable Dockerfile "
                        f"({exc})"
                    ) from exc
                reparsed = None
            broken = _heredoc_damage(dockerfile, reparsed)
            if broken is not None or reparsed is None:
                # A transform rebuilt or moved text around a heredoc it cannot read; its whole
                # result is dropped rather than a heredoc body lost or misplaced.
                outcome.skipped.append(Change(transform.name, [broken or "heredoc"]))
                continue
            dockerfile = _keep_original_lines(reparsed, result.dockerfile, dockerfile)
            # pin-python's `FROM python:latest` -> 3.10: which pins build from source changes.
            # Read as the deployed stage's image: the file cut after it, where it is not last.
            rendered = dockerfile.render()
            ctx.project = with_image_python(
                ctx.project, context_dir, through_stage(seen, dockerfile.target) or seen,
                through_stage(rendered, dockerfile.target) or rendered,
            )
            # One line per distinct note: Donate-Anything's RUN chains four `apt-get install -y`,
            # and apt-hygiene's "line 7: `--no-install-recommends`" was printed four times.
            notes = list(dict.fromkeys(result.notes)) or ["changed"]
            outcome.changes.append(Change(transform.name, notes))
            ctx.files.update(changed_files)
        if result.skipped:
            outcome.skipped.append(Change(transform.name, list(dict.fromkeys(result.skipped))))

    final = dockerfile.render()
    if final != text:
        outcome.files[rel] = final
    for key, content in ctx.files.items():
        current = ctx.read_disk(key)
        outcome.original[key] = current
        if content != current:
            outcome.files[key] = content
    return outcome


def _keep_original_lines(
    reparsed: Dockerfile, produced: Dockerfile, previous: Dockerfile
) -> Dockerfile:
    """Give the re-parsed instructions the original file's line numbers (0 for new ones).

    A re-parse numbers lines in the intermediate text, so a transform that inserts lines above
    would shift every later note; the transform's own instructions still carry the original
    numbers, so we take them from there. An instruction a transform re-created elsewhere with
    the same text (a moved install) keeps the line it had in `previous`.
    """

    def key(ins: Instruction) -> tuple[str, str]:
        return ins.keyword, ins.value

    old = [key(i) for i in produced.instructions]
    new = [key(i) for i in reparsed.instructions]
    lines = [0] * len(new)
    # The common head and tail are equal as they stand: SequenceMatcher (without autojunk) is
    # quadratic on repeated instructions, and a 2,000-line Dockerfile of them took seconds here.
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    matcher = difflib.SequenceMatcher(
        None, old[head : len(old) - tail], new[head : len(new) - tail], autojunk=False
    )
    opcodes = [("equal", 0, head, 0, head)] if head else []
    opcodes += [
        (tag, a1 + head, a2 + head, b1 + head, b2 + head)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes()
    ]
    if tail:
        opcodes.append(("equal", len(old) - tail, len(old), len(new) - tail, len(new)))
    for tag, a1, a2, b1, b2 in opcodes:
        if tag == "equal" or (tag == "replace" and a2 - a1 == b2 - b1):
            # A replaced run of the same length is the same instructions re-rendered (a value
            # that does not round-trip character for character); same keyword, same line.
            for k in range(a2 - a1):
                before = produced.instructions[a1 + k]
                if before.keyword == reparsed.instructions[b1 + k].keyword:
                    lines[b1 + k] = before.line
    counts: dict[tuple[str, str], int] = {}
    for ins in previous.instructions:
        counts[key(ins)] = counts.get(key(ins), 0) + 1
    moved = {key(i): i.line for i in previous.instructions if counts[key(i)] == 1 and i.line}
    used = set(lines)
    for n, ins in enumerate(reparsed.instructions):
        was = moved.get(key(ins), 0)
        if not lines[n] and was and was not in used:
            lines[n] = was
            used.add(was)
    reparsed.instructions = [
        replace(ins, line=line) for ins, line in zip(reparsed.instructions, lines, strict=True)
    ]
    return reparsed


def _heredoc_damage(before: Dockerfile, after: Dockerfile | None) -> str | None:
    """Why `after` does not keep every heredoc instruction of `before` intact, or None.

    Heredoc instructions are opaque (their commands are not in `value`), so a transform must
    keep them byte for byte; one that rebuilds such an instruction from its value drops the body
    (and what follows may then even read as the body: `after` is None when it no longer parses).
    """
    if after is None:
        return "this change would break a heredoc instruction it cannot read; none of it applied"
    kept = {i.raw for i in after.instructions if i.opaque}
    had = {i.raw for i in before.instructions if i.opaque}
    for ins in before.instructions:
        if ins.opaque and ins.raw not in kept:
            return (
                f"line {ins.line}: this change would rewrite the heredoc {ins.keyword} "
                "instruction, whose commands are not read; none of it applied"
            )
    if kept - had:
        return "this change would alter a heredoc instruction; none of it applied"
    return None


# How far above the Dockerfile a compose file that builds it is looked for: cookiecutter-django
# keeps it three levels down (compose/production/django/Dockerfile).
_COMPOSE_LEVELS_UP = 3


def missing_copy_sources(dockerfile: Dockerfile, context_dir: Path) -> str | None:
    """The first COPY/ADD source from the context that `context_dir` does not hold; None when
    every source is there or cannot be told (a variable without a value, a URL, another stage
    or image). A path reached through a symlink that leaves the context is not there: Docker
    does not follow it out (readthedocs.org's dockerfiles/requirements -> ../requirements).

    A glob that matches nothing is missing only when nothing else its instruction copies is
    there. `COPY pyproject.toml uv.lock* ./` is the idiom for a file that may not exist yet
    (mrityunjaygr8/django-uv-knox-test has no uv.lock): both builders copy pyproject.toml and
    go on, so "the image does not build" was a false alarm. An instruction that copies nothing
    at all (`COPY req*.txt ./` matching nothing) the legacy builder refuses ("no source files
    were specified"); it says the context is not the one the Dockerfile was written for."""
    root = context_dir.resolve()
    for sources in _context_copy_sources(dockerfile):
        empty_glob: str | None = None
        copies_something = False
        for written, env in sources:
            source = expand(written, env)
            if "$" in source or "://" in source or source.startswith("git@"):
                copies_something = True  # not known: not a reason to call the glob missing
                continue
            rel = context_source(source)
            if any(c in rel for c in "*?["):
                if any(_inside(p, root) for p in context_dir.glob(rel)):
                    copies_something = True
                elif empty_glob is None:
                    empty_glob = source
            elif not (context_dir / rel).exists() or not _inside(context_dir / rel, root):
                return source
            else:
                copies_something = True
        if empty_glob is not None and not copies_something:
            return empty_glob
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symlink loop
        return False


def _django_here(directory: Path, text: str) -> bool:
    try:
        return inspect_project(directory, text).is_django
    except OSError:
        return False


def _enclosing_context(dockerfile: Dockerfile, dockerfile_path: Path, text: str) -> Path | None:
    """The nearest directory above the Dockerfile's (up to _COMPOSE_LEVELS_UP, not above the
    repository's root) that holds every file the Dockerfile copies and a Django project."""
    start = dockerfile_path.resolve().parent
    if (start / ".git").exists():
        return None
    for directory in list(start.parents)[:_COMPOSE_LEVELS_UP]:
        if missing_copy_sources(dockerfile, directory) is None and _django_here(directory, text):
            return directory
        if (directory / ".git").exists():
            break
    return None


def _context_copy_sources(
    dockerfile: Dockerfile,
) -> Iterator[list[tuple[str, dict[str, str]]]]:
    """The COPY/ADD sources taken from the build context (not `--from` a stage or image), one
    list per instruction, each source as written with what its stage's variables mean."""
    for stage in dockerfile.stages():
        env = dockerfile.stage_vars(stage)
        for _, ins in dockerfile.iter_stage(stage):
            if ins.keyword not in {"COPY", "ADD"} or "from" in ins.flags:
                continue
            # Shell-form words lose their quotes as BuildKit reads them: ArchiveBox's
            # `COPY --chmod=755 "etc/sonic.cfg" /etc/sonic.cfg` copies etc/sonic.cfg.
            parts = ins.exec_form or words(ins.args)
            yield [(source, env) for source in parts[:-1]]


def compose_build_context(dockerfile_path: Path) -> tuple[Path, str] | None:
    """(the build context, the compose file saying so) of the first compose project in the
    Dockerfile's directory or above it with a service building this Dockerfile; None when none
    does or Compose cannot read the file. Runs `docker compose config`, so only called when the
    Dockerfile's own directory cannot be its context."""
    from optimizer.composefiles import find_compose_files, other_compose_files

    start = dockerfile_path.resolve().parent
    for directory in [start, *list(start.parents)[:_COMPOSE_LEVELS_UP]]:
        # The default files as `docker compose` reads them, then each other compose file alone
        # (cookiecutter-django's docker-compose.production.yml, or production.yml in its
        # older releases, builds compose/production/django/Dockerfile and is never a default).
        default = find_compose_files(directory)
        variants = [[f] for f in other_compose_files(directory, dockerfile_path.name)]
        for files in ([default] if default else []) + variants:
            found = _building_context(directory, files, dockerfile_path.resolve(), start)
            if found is not None:
                return found
    return None


def _building_context(
    directory: Path, files: list[Path], dockerfile: Path, start: Path
) -> tuple[Path, str] | None:
    """The build context the compose project of `files` gives this Dockerfile, if it builds it
    somewhere other than `start`."""
    from optimizer import compose  # runs `docker compose`: only with a compose file
    from optimizer.composefiles import mention_profiles

    # The default profiles first, then every one ("*"): a service under `profiles: [prod]`
    # is not in the default project, and may be the only one building this Dockerfile.
    for profiles in ((), ("*",)) if mention_profiles(files) else ((),):
        try:
            project = compose.load(directory, files, profiles=profiles)
        except compose.ComposeError:
            return None
        if project is None:
            return None
        for service in project.building(dockerfile):
            context = service.build_context
            if context is not None and context.is_dir() and context.resolve() != start:
                names = ", ".join(
                    os.path.relpath(f, Path.cwd()) if f.is_relative_to(Path.cwd()) else str(f)
                    for f in project.files
                )
                return context, f"compose service `{service.name}` ({names})"
    return None


def _unresolved_copy_source(dockerfile: Dockerfile) -> str | None:
    """A COPY/ADD source from the context spelled with a variable the Dockerfile gives no value
    (netbox-docker: `COPY ${NETBOX_PATH} /opt/netbox`, filled by its build script)."""
    for sources in _context_copy_sources(dockerfile):
        for source, env in sources:
            if "$" in source and "$" in expand(source, env):
                return source
    return None
