"""Whether a Dockerfile builds an image for development only.

Why: many repositories' Dockerfile serves only `docker compose up` on a developer's machine:
compose bind-mounts the source over the app directory and runs Django's development server
(Misago, testdrivenio's compose/local/django, JuanBaut/erp-backend). Such an image never ships,
so what makes a production image small and safe works against it: a builder stage takes away
the compilers and the pip a developer uses to add a package inside the container (the pip-less
venv would even send `pip install` to the system Python, where the venv does not look), a slim
base drops the tools they exec into it for, and a non-root user cannot write the host's
bind-mounted tree (migrations, `pdm install` into a volume). So multi-stage, slim-base and
non-root leave it alone; the real bugs (binding, signals, cache order, PYTHON* variables, the
.dockerignore) are still fixed.

An image is taken as dev-only when its own CMD/ENTRYPOINT (and the scripts they name) start no
production server (gunicorn, uwsgi, daphne, uvicorn, ...: then compose's runserver is the local
override of a deployed image), and either every compose service that builds it bind-mounts the
host's source over its working directory and one of them runs `runserver` (in its command, the
image's CMD/ENTRYPOINT, or a script either names), or the Dockerfile says so itself: a
`dev`/`local` name (`Dockerfile.dev`, `compose/local/django/Dockerfile`) or a comment that it is
for development only; and nothing says the same Dockerfile is deployed: no other compose file
that builds it is named for production or starts a production server (`docker-compose.prod.yml`
as an override of a dev `docker-compose.yml`), no fly.toml, heroku.yml, render.yaml or Railway
file, no CI workflow that builds it with `docker build` or build-push-action.
`--production-server` turns the rule off: it asks for a production image.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import posixpath
import re
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from optimizer.composefiles import (
    ComposeError,
    find_compose_files,
    mention_profiles,
    other_compose_files,
)
from optimizer.deploy_target import PRODUCTION_NAME, names_dockerfile, small_text
from optimizer.dockerfile import Dockerfile, env_pairs, next_workdir
from optimizer.shell import words
from transforms.base import Context
from transforms.image_paths import context_reader

if TYPE_CHECKING:
    from optimizer.compose import BindMount, ComposeProject, Service

_Reader = Callable[[str], str | None]
# `runserver` as a command word: not the name of a script (`/app/runserver.sh`, which may well
# start gunicorn).
_DEV_SERVER = re.compile(r"(?<![\w./-])runserver(_plus)?(?![\w./-])")
_PRODUCTION_SERVER = re.compile(r"\b(gunicorn|uwsgi|daphne|uvicorn|hypercorn|granian|waitress)\b")
_DEV_WORDS = frozenset({"dev", "local", "develop", "development"})
# A comment saying the file is for development only: "intended solely for local development",
# "for development only", "development use only". Each alternative is a fixed phrase.
_DEV_COMMENT = re.compile(
    r"\b(solely|only|just) for (local )?development\b|\bdevelopment (use )?only\b"
    r"|\bfor (local )?development (use )?only\b|\bnot (meant |intended )?for production\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=8)
def _load_cached(
    directory: Path, stamp: tuple[tuple[str, float], ...], profiles: tuple[str, ...] = ()
) -> ComposeProject | ComposeError | None:
    # `stamp` (the files' mtimes) is only part of the cache key: an edited file is read again.
    from optimizer import compose  # only with a compose file: it runs `docker compose config`

    try:
        return compose.load(directory, [Path(name) for name, _ in stamp], profiles=profiles)
    except ComposeError as exc:
        # Kept like a result: lru_cache does not keep exceptions, so each transform asking
        # would run `docker compose config` again, and a file Compose chokes on (YAML aliases
        # nested into millions of nodes) cost its 30 s time-out once per transform.
        return exc


def load_compose(directory: Path, dockerfile: Path | None = None) -> ComposeProject | None:
    """The compose project in `directory`, read once per content (several transforms ask).

    With `dockerfile`: when the files `docker compose` reads by default do not build it (or
    there are none), the first other compose file there that does, read alone (hammer_test's
    docker/docker-compose.prod.yml runs `poetry run gunicorn` on docker/Dockerfile.prod, whose
    split left poetry in the builder). The pipeline takes the build context from such files
    too; the transforms now read the commands, mounts and users they give."""
    files = find_compose_files(directory)
    default = _load_files(directory, files) if files else None
    if dockerfile is None or (
        default is not None and any(True for _ in default.building(dockerfile))
    ):
        return default
    if default is not None and mention_profiles(files):
        # A service under a profile (`profiles: [prod]`) is not in the default project: read
        # with every profile active, it is, with the other profiles' services beside it (a
        # `dev` profile's runserver next to a `prod` one's gunicorn both count, as with
        # several files below). Compose reads `*` as every profile.
        try:
            every = _load_files(directory, files, ("*",))
        except ComposeError:
            every = None
        if every is not None and any(True for _ in every.building(dockerfile)):
            return every
    found: list[ComposeProject] = []
    for other in other_compose_files(directory, dockerfile.name):
        try:
            project = _load_files(directory, [other])
        except ComposeError:
            continue
        if project is not None and any(True for _ in project.building(dockerfile)):
            found.append(project)
    if not found:
        return default
    if len(found) == 1:
        return found[0]
    # Several (docker-compose.dev.yml and docker-compose.prod.yml): every one of their services
    # counts, so a production file's `poetry run` is seen beside a development file's
    # runserver, and a service running the image as built makes it more than a dev image.
    services: dict[str, Service] = {}
    for project in found:
        for name, service in project.services.items():
            key = name if name not in services else f"{name} ({project.files[0].name})"
            services[key] = service
    return dataclasses.replace(
        found[0],
        files=tuple(f for project in found for f in project.files),
        services=services,
        notes=tuple(n for project in found for n in project.notes),
        templates=tuple(t for project in found for t in project.templates),
    )


def _load_files(
    directory: Path, files: list[Path], profiles: tuple[str, ...] = ()
) -> ComposeProject | None:
    stamp = tuple((str(f), f.stat().st_mtime) for f in files)
    loaded = _load_cached(directory, stamp, profiles)
    if isinstance(loaded, ComposeError):
        raise loaded
    return loaded


def services_building(ctx: Context) -> Iterator[Service]:
    """Each compose service that builds this Dockerfile, from the compose files where one may
    sit (`Context.compose_directories`). A file Compose cannot read gives nothing here: the
    transforms that must say so read the directories themselves."""
    dockerfile = (ctx.context_dir / ctx.dockerfile_path).resolve()
    for directory in ctx.compose_directories():
        try:
            project = load_compose(directory, dockerfile)
        except ComposeError:
            continue
        if project is not None:
            yield from project.building(dockerfile)


def services_running_image(ctx: Context) -> Iterator[tuple[Service, str]]:
    """Compose services that run this Dockerfile's image without building it, with how they get
    it: `image:` the same as a service that builds it (compose tags the build with that name),
    or the tag a CI job builds from it (`docker build -t $CI_REGISTRY_IMAGE .` in .gitlab-ci.yml,
    `image: ${CI_REGISTRY_IMAGE}` in the compose file it deploys: posholokia/pwave-drf-api, whose
    healthchecks call curl)."""
    dockerfile = (ctx.context_dir / ctx.dockerfile_path).resolve()
    seen: set[tuple[Path, str]] = set()
    for directory in ctx.compose_directories():
        try:
            project = load_compose(directory, dockerfile)
        except ComposeError:
            project = None
        if project is not None:
            built = {s.image for s in project.building(dockerfile) if s.image}
            for service in project.services.values():
                if service.dockerfile is None and service.image in built:
                    seen.add((project.directory, service.name))
                    yield service, f"runs the image `{service.image}` another service builds"
        tags = _ci_tags(directory, dockerfile)
        if not tags:
            continue
        from optimizer.compose import services_as_written  # only when CI builds the image

        for path in find_compose_files(directory):
            for service in services_as_written(path):
                tag = _tag_key(service.image or "")
                if service.dockerfile is not None or tag not in tags:
                    continue
                if (path.parent, service.name) in seen:
                    continue
                seen.add((path.parent, service.name))
                yield service, f"runs `{service.image}`, which {tags[tag]} builds from it"


# docker build's options that take a value (the next word unless written `--opt=value`).
_BUILD_VALUE_OPTIONS = frozenset({
    "-t", "--tag", "-f", "--file", "--build-arg", "--network", "--target", "--platform",
    "--label", "--cache-from", "--cache-to", "--secret", "--ssh", "--progress", "-o", "--output",
    "--add-host", "--iidfile", "--metadata-file", "--build-context", "--shm-size", "-m",
    "--memory", "--ulimit", "--builder",
})
_DOCKER_BUILD = re.compile(r"\bdocker\s+(?:buildx\s+|image\s+)?build\b[^\n]*")


def _tag_key(tag: str) -> str:
    """A tag as CI and compose may both spell it: `${NAME}` as `$NAME`, no `:latest`."""
    tag = re.sub(r"\$\{(\w+)\}", r"$\1", tag.strip().strip("\"'"))
    return tag.removesuffix(":latest")


def _ci_tags(directory: Path, dockerfile: Path) -> dict[str, str]:
    """{tag: CI file} for the images CI jobs in `directory` (.gitlab-ci.yml, GitHub workflows)
    build from this Dockerfile with `docker build -t TAG [-f FILE] CONTEXT`. Paths are the
    repository's: CI runs in the checkout, and `-f` is relative to it, not to the context."""
    paths = [directory / ".gitlab-ci.yml"]
    with contextlib.suppress(OSError):
        paths += sorted((directory / ".github" / "workflows").glob("*.y*ml"))
    found: dict[str, str] = {}
    for path in paths:
        text = small_text(path) if path.is_file() else None
        if text is None:
            continue
        for match in _DOCKER_BUILD.finditer(text):
            argv = words(match.group(0))
            at = argv.index("build") + 1 if "build" in argv else len(argv)
            tags: list[str] = []
            file: str | None = None
            context: str | None = None
            k = at
            while k < len(argv):
                word = argv[k]
                name, eq, value = word.partition("=")
                if word in _BUILD_VALUE_OPTIONS and k + 1 < len(argv):
                    name, value = word, argv[k + 1]
                    k += 1
                elif not (word.startswith("-") and eq and name in _BUILD_VALUE_OPTIONS):
                    if not word.startswith("-"):
                        context = word
                    k += 1
                    continue
                if name in {"-t", "--tag"}:
                    tags.append(value)
                elif name in {"-f", "--file"}:
                    file = value
                k += 1
            if context is None or "$" in context:
                continue
            built = (directory / file) if file else (directory / context / "Dockerfile")
            if "$" not in str(built) and built.resolve() == dockerfile:
                rel = path.relative_to(directory).as_posix()
                found.update({_tag_key(t): rel for t in tags})
    return found


def dev_only(dockerfile: Dockerfile, ctx: Context, *, for_user: bool = False) -> str | None:
    """Why the image is for development only (for the note), or None.

    `for_user`: compose services that set `user:` do not count, as they already run as a user
    the developer chose (non-root's question)."""
    if ctx.options.production_server:
        return None
    stage = dockerfile.final_stage()
    cwd = "/"
    # `WORKDIR $APP_HOME` is the directory the ENV names (ivanprytula/django-celery-telegram-api:
    # compose mounted ./project over /usr/src/app, spelled `$USERAPPHOME`, and the mount went
    # unseen). A stage inherits the ENV of the stage it builds FROM, not its ARGs: an ARG ends
    # with its stage, and `ARG APP_PATH` again without a default is empty there
    # (jcarbaugh/django-poetry-docker-example).
    lineage = dockerfile.lineage(stage)
    inherited: dict[str, str] = {}
    for ancestor in reversed(lineage):
        names = {**inherited, **dockerfile.stage_vars(ancestor)}
        for _, ins in dockerfile.iter_stage(ancestor):
            cwd = next_workdir(cwd, ins, names)
            if ins.keyword == "ENV":
                inherited.update(env_pairs(ins.value))
    starts = [
        " ".join(ins.exec_form) if ins.exec_form is not None else ins.args
        for _, ins in dockerfile.iter_stage(stage)
        if ins.keyword in {"CMD", "ENTRYPOINT"}
    ]
    read = context_reader(dockerfile, ctx)
    if any(
        _PRODUCTION_SERVER.search(text) and not _DEV_SERVER.search(text)
        for text in _with_scripts(starts, read)
    ):
        # `CMD gunicorn ...` is how it runs in production; compose's runserver over a mount is
        # the local override of a deployed image. A script that can start either (iaso's
        # entrypoint.sh: `start_dev` or `start_gunicorn`) leaves it to compose.
        return None
    entrypoint = [
        " ".join(ins.exec_form) if ins.exec_form is not None else ins.args
        for _, ins in dockerfile.iter_stage(stage)
        if ins.keyword == "ENTRYPOINT"
    ][-1:]
    found = _compose_dev(ctx, cwd, starts, entrypoint, read, for_user)
    if found is None:
        marker = _named_dev(ctx.dockerfile_path) or _commented_dev(dockerfile)
        if marker is None:
            return None
        found = (
            f"{marker} and nothing in it starts a production server: the image is for "
            "development"
        )
    if _deployed(ctx, read) is not None:
        # A production compose file or a deployment's config builds it too: it ships.
        return None
    return found


def _compose_dev(
    ctx: Context,
    cwd: str,
    starts: list[str],
    entrypoint: list[str],
    read: _Reader,
    for_user: bool,
) -> str | None:
    dockerfile = (ctx.context_dir / ctx.dockerfile_path).resolve()
    for directory in ctx.compose_directories():
        try:
            project = load_compose(directory, dockerfile)
        except ComposeError:
            continue  # the transforms that read compose files say so
        if project is None:
            continue
        services = [s for s in project.building(dockerfile) if not (for_user and s.user)]
        if not services or cwd == "/":
            continue
        mounts = [s.mounts_over(cwd) or _mounts_manage_py(s.bind_mounts, cwd) for s in services]
        if any(m is None for m in mounts):
            return None  # a service runs the image as built: it is not only for development
        for service, mount in zip(services, mounts, strict=True):
            assert mount is not None
            # compose's command is the image ENTRYPOINT's argument unless it sets its own.
            first = service.entrypoint if service.entrypoint is not None else entrypoint
            command = " ".join([*first, *(service.command or [])])
            texts = _with_scripts([command] if service.command else starts, read)
            if any(
                _PRODUCTION_SERVER.search(text) and not _DEV_SERVER.search(text)
                for text in texts
            ):
                return None  # this service serves with gunicorn & co. over the mount
            if any(_DEV_SERVER.search(text) for text in texts):
                source = Path(mount.source)
                shown = (
                    (source.relative_to(project.directory).as_posix() or ".")
                    if source.is_relative_to(project.directory)
                    else mount.source
                )
                files = ", ".join(f.name for f in project.files)
                return (
                    f"compose service `{service.name}` ({files}) bind-mounts {shown} over "
                    f"{mount.target} and runs Django's development server: the image is for "
                    "development"
                )
    return None


# Files that deploy a Dockerfile's image: platforms that build it (Fly, Heroku's heroku.yml,
# Render, Railway) and CI that builds or pushes images.
_DEPLOY_FILES = ("fly.toml", "heroku.yml", "render.yaml", "railway.toml", "railway.json")
_PUSHES = re.compile(r"docker/build-push-action|docker (buildx )?build\b|docker push\b")


def _deployed(ctx: Context, read: _Reader) -> str | None:
    """A file that says the image also runs in production: a compose file other than the
    default ones (`docker-compose.prod.yml`, `docker-compose-deploy.yml`) named for production
    or starting a production server, a platform's config that builds this Dockerfile, or a CI
    workflow that builds images. Read as text: an override file alone is no valid compose
    project. A compose file `docker compose` has read is judged by the services that build
    this Dockerfile: another service's gunicorn (zheleznoff/absolut_backend's `backend`, built
    from the production Dockerfile beside the `backend-dev` service of Dockerfile.dev) does
    not deploy this one."""
    dockerfile = (ctx.context_dir / ctx.dockerfile_path).resolve()
    for directory in ctx.compose_directories():
        for name in _DEPLOY_FILES:
            if (directory / name).is_file() and _platform_builds(directory / name, dockerfile):
                return name
        try:
            project = load_compose(directory, dockerfile)
        except ComposeError:
            project = None
        parsed = {f.resolve() for f in project.files} if project is not None else set()
        try:
            candidates = sorted(
                p for p in directory.iterdir()
                if p.is_file() and p.suffix in {".yml", ".yaml"}
                and ("compose" in p.name or p.stem in {"production", "prod", "staging"})
            )
            workflows = sorted((directory / ".github" / "workflows").glob("*.y*ml"))
        except OSError:
            continue
        rel = posixpath.relpath(dockerfile.as_posix(), directory.as_posix())
        for path in candidates:
            text = small_text(path)
            if text is None or not names_dockerfile(text, rel):
                continue
            if PRODUCTION_NAME.search(path.stem):
                return path.name
            if project is not None and path.resolve() in parsed:
                if _serves_production(project.building(dockerfile), read):
                    return path.name
            elif _PRODUCTION_SERVER.search(text):
                return path.name
        for path in workflows:
            text = small_text(path)
            if text is not None and _PUSHES.search(text) and names_dockerfile(text, rel):
                return f".github/workflows/{path.name}"
    return None


# A Dockerfile a platform's config names as the value of a key (`dockerfilePath =
# "Dockerfile.production"` in railway.toml, `dockerfile = "..."` in fly.toml, `dockerfilePath:`
# in render.yaml, `web: Dockerfile.prod` under heroku.yml's `build: docker:`). Railway's
# `builder = "DOCKERFILE"` is no path.
_NAMED_DOCKERFILE = re.compile(r"[:=][ \t]*[\"']?([\w./-]*[Dd]ockerfile[\w.-]*)")


def _platform_builds(path: Path, dockerfile: Path) -> bool:
    """Whether a platform's config (fly.toml, railway.toml...) builds this Dockerfile: it names
    it, or it names none (the platform's default, `Dockerfile`). PierreParienteDimitrov/
    OpenCongress's backend/railway.toml deploys Dockerfile.production, not the Dockerfile its
    compose file runs `runserver` from over a bind mount."""
    text = small_text(path)
    if text is None:
        return True
    named = [m.group(1) for m in _NAMED_DOCKERFILE.finditer(text)]
    if not named:
        return True
    return any(
        (path.parent / name).resolve() == dockerfile
        or posixpath.basename(name) == dockerfile.name
        for name in named
    )


def _serves_production(services: list[Service], read: _Reader) -> bool:
    """Whether one of these compose services starts a production server by its own command
    (the image's CMD was read before)."""
    for service in services:
        if service.command is None and service.entrypoint is None:
            continue
        command = " ".join([*(service.entrypoint or []), *(service.command or [])])
        if any(
            _PRODUCTION_SERVER.search(text) and not _DEV_SERVER.search(text)
            for text in _with_scripts([command], read)
        ):
            return True
    return False


def _mounts_manage_py(mounts: tuple[BindMount, ...], cwd: str) -> BindMount | None:
    """A bind mount of the host's manage.py (or a directory holding it) into the app directory:
    the source comes from the host, path by path (BLSQ/iaso mounts manage.py, hat/, iaso/, ...
    under /opt/app, and its Dockerfile copies no source at all)."""
    for mount in mounts:
        if not (mount.target == cwd or mount.target.startswith(cwd.rstrip("/") + "/")):
            continue
        source = Path(mount.source)
        if source.name == "manage.py" or (source / "manage.py").is_file():
            return mount
    return None


def _with_scripts(texts: list[str], read: _Reader) -> list[str]:
    """The texts, and the scripts their words name (`/start`, `./entrypoint.sh`)."""
    found = list(texts)
    for text in texts:
        for word in words(text):
            if word.startswith(("/", "./")) or word.endswith(".sh"):
                script = read(word)
                if script is not None and len(script) < 200_000:
                    # Commented-out lines (`#python manage.py runserver`) start nothing.
                    found.append(
                        "\n".join(
                            line for line in script.splitlines()
                            if not line.lstrip().startswith("#")
                        )
                    )
    return found


def _named_dev(path: str) -> str | None:
    """`Dockerfile.dev`, `dev.Dockerfile`, `Dockerfile-local-dev`, `compose/local/...`."""
    parts = PurePosixPath(posixpath.normpath(path)).parts
    name_words = set(re.split(r"[.\-_]", parts[-1].lower())) if parts else set()
    if name_words & _DEV_WORDS:
        return f"its name, {parts[-1]}, says it is for development"
    for directory in parts[:-1]:
        if directory.lower() in _DEV_WORDS:
            return f"it is in a `{directory}` directory ({path})"
    return None


def _commented_dev(dockerfile: Dockerfile) -> str | None:
    for line in dockerfile.render().split("\n"):
        stripped = line.strip()
        if stripped.startswith("#") and _DEV_COMMENT.search(stripped):
            return f"its comment says so (`{stripped[:70]}`)"
    return None
