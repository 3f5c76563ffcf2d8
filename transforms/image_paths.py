"""Files a command names by their path in the image, found in the build context.

`CMD ["uwsgi", "/opt/app/docker/uwsgi.ini"]` names a file the Dockerfile put there with
`COPY . /opt/app/` (perhaps in a builder stage, then `COPY --from=builder /opt/app /opt/app`):
reading `opt/app/docker/uwsgi.ini` or `uwsgi.ini` in the context misses it. The COPY/ADD lines
map image paths back to the context, through `--from` stages of the same Dockerfile; later copies
win, as in the image.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from optimizer.dockerfile import Dockerfile, Stage, context_source, next_workdir
from optimizer.shell import words
from transforms.base import Context

# (image path, source path, stage index the source is in; None: the build context)
_Copy = tuple[str, str, int | None]


def context_reader(dockerfile: Dockerfile, ctx: Context) -> Callable[[str], str | None]:
    """A reader for paths as the final stage's commands see them (absolute, or relative to the
    last WORKDIR): through the COPY lines, else as a context path, else by file name at the
    context's root or next to manage.py."""
    locate = context_locator(dockerfile, ctx)

    def read(path: str) -> str | None:
        found = locate(path)
        return None if found is None else ctx.read(found)

    return read


def context_locator(dockerfile: Dockerfile, ctx: Context) -> Callable[[str], str | None]:
    """Where in the context the file at an image path comes from (a context-relative path),
    found as `context_reader` reads it: a transform that edits that file (a start script)
    writes it there."""
    stages = dockerfile.stages()
    copies = {stage.index: _copies(dockerfile, stage, stages, ctx) for stage in stages}
    final = dockerfile.final_stage()
    cwd = "/"
    for _, ins in dockerfile.iter_stage(final):
        cwd = next_workdir(cwd, ins)

    def locate(stage: int, image_path: str, depth: int) -> list[str]:
        found: list[str] = []
        if depth > len(stages):
            return found
        for target, source, origin in reversed(copies.get(stage, [])):
            if image_path == target:
                rel = "."
            elif image_path.startswith(target.rstrip("/") + "/"):
                rel = posixpath.relpath(image_path, target)
            else:
                continue
            path = posixpath.normpath(posixpath.join(source, rel))
            if origin is None:
                found.append(path)
            else:
                found.extend(locate(origin, "/" + path.lstrip("/"), depth + 1))
        return found

    def find(path: str) -> str | None:
        image_path = posixpath.normpath(posixpath.join(cwd, path))
        candidates = [
            *locate(final.index, image_path, 0),
            # As Context.read_script looks: at that path in the context, then by file name.
            path.lstrip("/"),
            path.rsplit("/", 1)[-1],
        ]
        if ctx.project.project_dir != ".":
            candidates.append(posixpath.join(ctx.project.project_dir, path.lstrip("/")))
        return next((c for c in candidates if ctx.read(c) is not None), None)

    return find


def _copies(dockerfile: Dockerfile, stage: Stage, stages: list[Stage], ctx: Context) -> list[_Copy]:
    names = {s.name: s.index for s in stages if s.name}
    found: list[_Copy] = []
    cwd = "/"
    # Directories the image already has here (WORKDIRs, targets of directory copies): a file
    # copied to one of them without a trailing slash goes inside it (django-loadtest's
    # `COPY ../config/gunicorn_conf.py prod` after `COPY ../prod prod`), not over it.
    dirs: set[str] = {"/"}
    for _, ins in dockerfile.iter_stage(stage):
        cwd = next_workdir(cwd, ins)
        if ins.keyword == "WORKDIR":
            dirs.add(posixpath.normpath(cwd))
        if ins.keyword not in {"COPY", "ADD"}:
            continue
        origin: int | None = None
        if "from" in ins.flags:
            reference = ins.flags["from"]
            if reference in names:
                origin = names[reference]
            elif reference.isdigit() and int(reference) < stage.index:
                origin = int(reference)
            else:
                continue  # another image: not in the context
        parts = ins.exec_form or words(ins.args)
        if len(parts) < 2:
            continue
        destination = posixpath.join(cwd, parts[-1])
        many = len(parts) > 2 or parts[-1].endswith("/")
        for source in parts[:-1]:
            if "://" in source or any(c in source for c in "*?[$"):
                continue
            if origin is None:
                source = context_source(source)
                is_dir = (ctx.context_dir / source).is_dir()
            else:
                source = posixpath.normpath(posixpath.join("/", source))
                is_dir = source.endswith("/") or "." not in posixpath.basename(source)
            into = many or posixpath.normpath(destination) in dirs
            if into and not is_dir:
                target = posixpath.join(destination, posixpath.basename(source))
            else:
                target = posixpath.normpath(destination)
                if is_dir:
                    dirs.add(target)
            found.append((target, source, origin))
    return found
