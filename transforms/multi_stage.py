"""multi-stage: build dependencies in a builder stage, ship only the virtualenv and the source.

Why: in a single-stage image every compiler, `-dev` header, apt list and pip cache used to
install dependencies ships to production and is pulled on every deploy. Installing into a
virtualenv in a builder stage and copying just that virtualenv into a clean stage of the same base
leaves all of it behind, while the app sees exactly the same packages at the same paths.

The builder stays on the user's base: from a full `python:X.Y` image its compilers and headers
are already there, so a cold build apt-installs nothing (a slim builder first downloaded and
installed gcc and the -dev packages); slim-base, which runs next, turns only the final stage into
the slim variant of the same Python and Debian release. With BuildKit (the default) the
builder's installs keep their download caches in cache mounts, so adding one dependency does not
download every wheel again; the final stage never has a cache. The venv is created without pip
and filled by the base image's pip (`PIP_PYTHON`) when nothing at run time runs pip, so no copy
of pip, setuptools or wheel ships; it sees the image's own packages (`--system-site-packages`),
as the original's install into the image did, so source packages build with the image's
setuptools and code importing pkg_resources finds it in the final stage's image.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shlex
from collections.abc import Callable
from pathlib import Path

from optimizer.composefiles import ComposeError
from optimizer.deps import requirement_file_options
from optimizer.dockerfile import (
    OFFICIAL_PREFIX,
    Dockerfile,
    Instruction,
    Stage,
    env_pairs,
)
from optimizer.shell import (
    PARENT_RUNNERS,
    TOOLS,
    Segment,
    apt_install_words,
    classify,
    has_shell_syntax,
    inner_commands,
    pip_install_targets,
    program,
    server_argv,
    spec_name,
    split_commands,
    strip_runner,
    words,
)
from optimizer.sources import python_sources
from optimizer.syspkgs import (
    TOOL_PACKAGES,
    archived_release,
    debian_release,
    dev_link_target,
    dev_runtime,
    is_dev_package,
    pinned_image,
    release_pin,
    system_needs,
)
from transforms import uv_installer
from transforms.base import Context, NotesTransform, Result
from transforms.bytecode import BUILDER_BYTECODE_COMMENT as _BUILDER_BYTECODE_COMMENT
from transforms.bytecode import PIP_ROOTS as _PIP_ROOTS
from transforms.bytecode import deletes_bytecode as _deletes_bytecode
from transforms.bytecode import indent_bytecode as _indent_bytecode
from transforms.bytecode import stdlib_bytecode as _stdlib_bytecode
from transforms.cache_friendly_order import is_source_copy
from transforms.dev_image import dev_only, load_compose, services_building
from transforms.image_paths import context_reader
from transforms.raw_edit import (
    Edit,
    apply_edits,
    indent_like,
    indent_of,
    keep_indent,
    rewrite_commands,
)
from transforms.slim_base import (
    apt_install,
    apt_packages,
    base_stage,
    command_word_spans,
    has_yes,
    installs_node_modules,
    line_argvs,
    native_node_modules,
    retags_in_from,
    update_before_installs,
)

VENV = "/opt/venv"
_Reader = Callable[[str], str | None]
_BUILD_ONLY = {
    "gcc",
    "g++",
    "build-essential",
    "make",
    "cmake",
    "pkg-config",
    "pkgconf",
    "python3-dev",
    "cargo",
    "rustc",
    "autoconf",
    "automake",
    "libtool",
    "clang",
}
_BUILDER_COMMENT = "# Builder: installs the dependencies into a virtualenv.\n"
_FINAL_COMMENT = (
    "\n",
    "# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in\n",
    "# the builder.\n",
)


class MultiStage(NotesTransform):
    """Split a single-stage build into a builder (venv + build tools) and a clean final stage."""

    name = "multi-stage"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        skipped: list[str] = []
        stage = out.final_stage()
        items = list(out.iter_stage(stage))
        if any(
            i.keyword in {"COPY", "ADD"} and "from" in i.flags and _copies_python(i)
            for _, i in items
        ):
            return Result(out, notes, skipped)
        if base_stage(out, stage).index != stage.index:
            skipped.append("the final stage builds on an earlier stage; left as it is")
            return Result(out, notes, skipped)
        later = out.built_on(stage)
        if later:
            # torchbox's Wagtail sites: `FROM production AS dev` installs the dev requirements
            # with pip on top of the deployed stage; split, that stage would hold a venv without
            # pip and no compilers.
            skipped.append(
                f"stage {later[0].name or later[0].index} builds on the deployed stage "
                f"{stage.name} and would inherit its split (no pip, no compilers); left "
                "single-stage"
            )
            return Result(out, notes, skipped)
        if any(
            i.keyword == "RUN" and re.search(r"\b(apk|yum|dnf|microdnf|zypper)\s", i.args)
            for _, i in items
        ):
            skipped.append(
                "the stage installs system packages with a non-Debian package manager; which of "
                "them the app needs at run time is unknown, so it stays single-stage"
            )
            return Result(out, notes, skipped)
        installs = [n for n, i in items if _has_kind(i, "deps")]
        if not installs:
            return Result(out, notes, skipped)
        dev = dev_only(out, ctx)
        if dev is not None:
            skipped.append(
                f"{dev}; left single-stage, so pip and the compilers stay where the developer "
                "adds packages (--production-server to treat it as a production image)"
            )
            return Result(out, notes, skipped)
        last = installs[-1]
        resolved = out.resolve(stage.base)
        if _FULL_PYTHON.match(resolved) and not retags_in_from(
            out.instructions[stage.start].value, resolved
        ):
            # The tag comes from a global ARG's default: after a split the builder would start
            # from it too, so slim-base leaves it, and the final stage would stay on the full
            # image with the venv copied on top (django-fly.io-example-project, 3.11-bookworm
            # for its buster on the lab: 672.1 -> 686.8 MB). One stage, which slim-base can
            # switch through that ARG when its default is a plain tag.
            skipped.append(
                f"{resolved} is spelled through a build argument that a builder stage would "
                "share, so the final stage would stay on the full image and only grow; left "
                "single-stage"
            )
            return Result(out, notes, skipped)
        # `FROM python` without a tag is the official image too (python:latest).
        official = re.match(rf"^{OFFICIAL_PREFIX}python(:|@|$)", resolved)
        if "alpine" in resolved or not official:
            # A distribution image (ubuntu, debian) runs Debian's python3: it has no `python`,
            # no venv module without python3-venv, and its apt lines mix the interpreter with
            # build tools; copying a venv between two such stages is not known to work.
            image = resolved.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
            if "alpine" in resolved:
                why = (
                    "an Alpine image: its packages come from apk and link musl, where this "
                    "split installs Debian's run-time libraries"
                )
            elif image in _DISTRIBUTION_IMAGES:
                why = (
                    "not an official python image: its Python comes from the distribution's "
                    "packages, without `python` or the venv module"
                )
            else:
                # ghcr.io/astral-sh/uv:python3.12-bookworm is built on python:3.12-bookworm;
                # what an image like it adds or removes is not known from its name.
                why = (
                    "not an official python image: where its Python lives and which libraries "
                    "it has are not known from its name"
                )
            skipped.append(f"{resolved} is {why}; left single-stage")
            return Result(out, notes, skipped)
        tag = resolved.split("@", 1)[0].rsplit("/", 1)[-1].partition(":")[2]
        if re.match(r"2(\.|-|$)", tag):
            # CSyllabus/webapp's `FROM python:2.7`: Python 2 has no venv module (`python -m venv
            # /opt/venv` fails the build) and no importlib.util for the bytecode steps; its
            # images are on archived Debian releases besides.
            skipped.append(
                f"{resolved} runs Python 2, which has no venv module to build /opt/venv with; "
                "left single-stage"
            )
            return Result(out, notes, skipped)
        variable = _variable_packages(items, last)
        if variable:
            skipped.append(
                f"apt installs packages named by a variable ({variable}); which are build-only "
                "is unknown, so it stays single-stage"
            )
            return Result(out, notes, skipped)
        # Scripts by their path in the image, through the COPY lines (`COPY backend/ .` puts
        # backend/startup.sh at ./startup.sh).
        read = context_reader(out, ctx)
        pinned = _system_python_paths(items, last, ctx, read) or _compose_system_python(
            ctx, read
        )
        if pinned:
            skipped.append(
                f"{pinned} refers to the system Python's install location, where a builder's "
                "virtualenv puts nothing; left single-stage"
            )
            return Result(out, notes, skipped)
        in_project = (
            _system_python_paths(items, last, ctx, read, _PROJECT_VENV)
            if _existing_venv(out, stage) is None
            else None
        )
        if in_project:
            # POETRY_VIRTUALENVS_IN_PROJECT, PIPENV_VENV_IN_PROJECT, uv sync: the installer's
            # own .venv in the app directory, which the builder's /opt/venv replaces (the
            # rewrite's .dockerignore leaves any local one out as well).
            skipped.append(
                f"{in_project} is in the installer's own virtualenv in the project, which a "
                "builder's virtualenv replaces: the final stage would not have it; left "
                "single-stage"
            )
            return Result(out, notes, skipped)
        elsewhere = _installs_elsewhere(items, last)
        if elsewhere:
            skipped.append(
                f"{elsewhere}: the installer's own setting sends the packages past the builder's "
                "virtualenv, so the final stage would get an empty one; left single-stage"
            )
            return Result(out, notes, skipped)
        broad = next((n for n, i in items if is_source_copy(i)), None)
        if broad is not None and broad < last and _editable(out.instructions[last]):
            skipped.append(
                f"line {out.instructions[last].line}: an editable install points into the source "
                "tree, which a builder stage would not share; left single-stage"
            )
            return Result(out, notes, skipped)
        if any(i.keyword == "USER" for n, i in items if n <= last):
            skipped.append("a USER switch before the install; left single-stage")
            return Result(out, notes, skipped)
        between = _python_between_installs(items, installs[0], last)
        if between is not None:
            skipped.append(
                f"{between} runs Python between the dependency installs: in a split it would run "
                "in the final stage before the virtualenv is there, and what it wrote in the "
                "builder (downloaded data, generated files) would stay there; left single-stage"
            )
            return Result(out, notes, skipped)
        built = _source_build_before_install(items, last)
        if built is not None:
            skipped.append(
                f"{built} builds a package from its source into the system Python: in a split "
                "it would run again in the final stage, without the builder's compilers, and "
                "the virtualenv would not hold it; left single-stage"
            )
            return Result(out, notes, skipped)
        runs_tool, compose_notes = _compose_runs_tool(ctx, read)
        skipped.extend(compose_notes)
        if runs_tool is not None:
            # Chosen over keeping the tool in the final stage: poetry/pipenv/uv there would
            # bring back most of what the split leaves behind, and the tool's own environment
            # settings (virtualenvs.create, PIPENV_VENV_IN_PROJECT) would have to follow.
            skipped.append(
                f"{runs_tool}: the final stage would not have that tool (it stays in the "
                "builder), so the service would fail with `executable file not found`; left "
                "single-stage (call the program directly, the virtualenv is on PATH, to allow "
                "the split)"
            )
            return Result(out, notes, skipped)
        script_tool = _script_runs_tool(items, last, read)
        if script_tool is not None:
            skipped.append(
                f"{script_tool}: the final stage would not have that tool (it stays in the "
                "builder), so the script would fail with `not found`; left single-stage (call "
                "the program directly, the virtualenv is on PATH, to allow the split)"
            )
            return Result(out, notes, skipped)

        line_tool = _line_calls_tool(items, last)
        if line_tool is not None:
            skipped.append(
                f"{line_tool}: the final stage would not have that tool (it stays in the "
                "builder), so the build would fail there with `not found`; left single-stage "
                "(drop the line, or call the program directly, to allow the split)"
            )
            return Result(out, notes, skipped)

        fetch_only = _fetch_tools_left_behind(items, last, ctx, read)
        compilers_kept = _toolchain_after_split(items, last, ctx)
        if not _leaves_something_behind(out, items, last, ctx, compilers_kept) and not fetch_only:
            skipped.append(
                "nothing to leave in a builder: no compilers or -dev packages, no install tools, "
                "no download cache; a copied virtualenv would only add pip and setuptools"
            )
            return Result(out, notes, skipped)

        names = {s.name.lower() for s in out.stages() if s.name}
        builder = "builder" if "builder" not in names else "python-deps"
        from_ins = out.instructions[stage.start]
        base, _ = _from_parts(from_ins.value)
        release = debian_release(out.resolve(base))
        deps = ctx.project.dependencies
        runtime = list(system_needs(deps.packages, release).runtime)
        # uWSGI embeds the interpreter and links the image's own libpython3.X.so in
        # /usr/local/lib (official images build Python --enable-shared), which the final stage
        # has as well: Debian's libpython3.X would be a second, unused Python. Its build also
        # links every optional library it finds: on the full image that is libxml2 (checked
        # with ldd on the lab: libssl, libz, libuuid are in slim already, libxml2 is not).
        if deps.has("uwsgi") and _FULL_PYTHON.match(out.resolve(base)):
            runtime.append("libxml2")

        final_only = _final_only(items, last, ctx, fetch_only)
        # The -dev packages stay in the builder, and with them the library packages they
        # depend on: what was built against them (or loads them with ctypes: GeoDjango and
        # libgdal) needs those libraries in the final stage.
        apt_named = [
            (ins.line, pkg)
            for n, ins in items[1:]
            if n <= last and n not in final_only
            for pkg in _apt_installs(ins)
        ]
        devs = [(line, pkg) for line, pkg in apt_named if is_dev_package(pkg)]
        # allauth's example installs libxmlsec1-openssl itself: that line keeps it.
        named = {pkg for _, pkg in apt_named}
        # The full python image's own -dev packages (libpq-dev, libjpeg-dev, libxml2-dev) go
        # into Dockerfiles out of habit, and the dependency table lists the distributions that
        # link them: once the dependencies are read, it decides (libpq5 for psycopg2, nothing
        # for psycopg2-binary or no PostgreSQL driver). Any other -dev package was installed
        # for a reason the table may not see (GeoDjango loads libgdal, and no distribution
        # names it): its library goes to the final stage unless a dependency covers it.
        covered = set(system_needs(deps.packages, release).covers)
        if deps.packages:
            covered |= _FULL_IMAGE_PACKAGES
        dev_libs, unknown_devs = dev_runtime([pkg for _, pkg in devs], covered, release)
        # libgdal32 <- libgdal-dev: what each -dev package adds that nothing else did.
        from_devs: dict[str, str] = {}
        for dev, libs in dev_libs.items():
            for lib in libs:
                if lib not in runtime and lib not in from_devs and lib not in named:
                    from_devs[lib] = dev
        runtime += list(from_devs)
        archived = archived_release(out.resolve(base))
        if runtime and archived is not None:
            skipped.append(
                f"{out.resolve(base)} is on Debian {archived}, whose packages have left "
                "deb.debian.org (archive.debian.org only): the final stage would apt-get install "
                f"{', '.join(runtime)}, which fails there; left single-stage (a supported "
                "release, e.g. -bookworm, allows the split)"
            )
            return Result(out, notes, skipped)

        # Names chosen for the release the tag had (bookworm) that its floating tag no longer
        # has on Docker Hub (trixie): both stages are pinned to that release, so the final
        # stage's apt-get finds them and the builder links what the final stage has.
        pin = release_pin(base, runtime) if base == out.resolve(base) else None
        if pin is not None:
            pinned = pinned_image(base, pin[0])
            notes.append(
                f"{base} -> {pinned} in both stages: the final stage installs "
                f"{', '.join(pin[1])}, named as in Debian {pin[0]}, the release this tag "
                "had; since August 2025 Docker Hub's tag is trixie, where "
                + ("that package has another name" if len(pin[1]) == 1
                   else "those packages have other names")
                + " and the install would fail"
            )
            from_ins = from_ins.with_value(from_ins.value.replace(base, pinned, 1))
            base = pinned

        existing_venv = _existing_venv(out, stage)
        if existing_venv is not None and existing_venv.startswith("?"):
            skipped.append(
                f"the stage creates a virtualenv at {existing_venv[1:]}, a path we cannot "
                "resolve; left single-stage"
            )
            return Result(out, notes, skipped)
        venv = existing_venv or VENV
        uses_uv = any(
            (_argv := program(s.text))[:2] == ["uv", "sync"]
            for n, i in items
            if i.keyword == "RUN"
            for s in split_commands(i.args)
        )
        uses_pdm = not uses_uv and any(
            (_argv := program(s.text))[:1] == ["pdm"] and classify(s.text) == "deps"
            for n, i in items
            if i.keyword == "RUN"
            for s in split_commands(i.args)
        )

        want_uv = ctx.options.installer == "uv"
        lean = _lean_venv(
            out, items, last, read, existing_venv is not None or uses_uv, uv_upgrades=want_uv
        )
        pdm_script = _pdm_script_started(items, last, ctx) if uses_pdm else None
        if pdm_script is not None:
            skipped.append(
                f"{pdm_script}: a script of [tool.pdm.scripts] needs PDM itself at run time, "
                "which stays in the builder; left single-stage (start the program directly, "
                "the virtualenv is on PATH, to allow the split)"
            )
            return Result(out, notes, skipped)
        uv_blocker: str | None = None
        if want_uv:
            uv_blocker = _uv_blocker(out, items, last, ctx, lean)
        use_uv = want_uv and uv_blocker is None
        builder_part: list[Instruction] = [
            keep_indent(
                from_ins,
                Instruction.new(
                    "FROM", f"{base} AS {builder}", (*from_ins.leading, _BUILDER_COMMENT)
                ),
            )
        ]
        final_part: list[Instruction] = [
            Instruction(
                from_ins.keyword, from_ins.value, _FINAL_COMMENT, from_ins.raw, from_ins.line
            )
        ]
        venv_added = existing_venv is not None
        # The builder's own `python -m venv` (with pip, first on PATH): a build tool pip-installed
        # after it would land in the venv, which the final stage copies.
        pip_venv = existing_venv is None and not (uses_uv or use_uv or lean or uses_pdm)
        source_at: int | None = None
        after_venv: list[Instruction] = []
        full_builder = bool(_FULL_PYTHON.match(out.resolve(base)))
        # The app's user is the final stage's business: unless a builder step hands files to it.
        chowns = any("chown" in i.value for n, i in items if n <= last)
        moved = {
            n for n, ins in items[1:]
            if n <= last and (n in final_only or (creates_users_only(ins) and not chowns))
        }
        comments_to_final = _args_of_moved_lines(items, last, moved)
        for n, ins in items[1:]:
            if n > last:
                break
            # Create the venv before the manifests are copied, so a requirements change does
            # not recreate it.
            if not venv_added and (
                (ins.keyword == "RUN" and _has_kind(ins, "deps"))
                or (ins.keyword in {"COPY", "ADD"} and _for_final(ins, ctx, fetch_only) is None)
            ):
                if not uses_uv and not use_uv and not (lean and ctx.options.buildkit):
                    # pip (twice over with PIP_PYTHON: it runs itself again in the venv's
                    # interpreter) compiled these on every install: a dependency change took
                    # 5 s longer on docker init's template. A lean venv's installs under
                    # BuildKit keep them in the cache mount instead (`_pip_bytecode_cached`).
                    builder_part.append(
                        _stdlib_bytecode(_BUILDER_BYTECODE_COMMENT, _PIP_ROOTS, optional=True)
                    )
                builder_part.extend(
                    _venv_setup(
                        venv, uses_uv, lean=lean, buildkit=ctx.options.buildkit,
                        pdm=uses_pdm and existing_venv is None, uv_pip=use_uv,
                    )
                )
                venv_added = True
            if n in moved:
                final_part.append(ins)
                continue
            if full_builder and _already_in_full_image(ins):
                # `apt-get install gcc libpq-dev` on the full image installs nothing but still
                # fetches the package lists (and competes with the final stage's download).
                final_ins = _for_final(ins, ctx, fetch_only, compilers_kept)
                if final_ins is not None:
                    final_part.append(final_ins)
                notes.append(
                    f"line {ins.line}: left out of the builder: {from_ins.value.split()[0]} "
                    "already has every package it installs"
                )
                continue
            final_ins = _for_final(ins, ctx, fetch_only, compilers_kept)
            if n in comments_to_final:
                ins = _without_comments(ins)
            if venv_added and pip_venv:
                builder_part.append(_tools_to_system_pip(ins, venv, notes))
            else:
                builder_part.append(ins)
            if final_ins is not None and _has_kind(ins, "deps") and _uses_installed(final_ins):
                # `pip install -r r.txt && python -m nltk.downloader ...`: what follows the
                # install uses it, so in the final stage it runs once the venv is there.
                after_venv.append(final_ins)
                continue
            if final_ins is not None:
                if final_ins.leading and n not in comments_to_final:
                    # The builder keeps the user's comments; a copy repeating them reads as a
                    # duplicated section.
                    kept = tuple(x for x in final_ins.leading if not x.lstrip().startswith("#"))
                    final_ins = dataclasses.replace(final_ins, leading=kept)
                if n == broad:
                    # `pip install .` needs the source in the builder; the final stage copies it
                    # again, after the venv, as it would after the install.
                    source_at = len(final_part)
                final_part.append(final_ins)
        # Runtime libraries the dependencies load (libpq5 for psycopg2, ...), if not yet there.
        have = apt_packages(final_part)
        missing = [p for p in runtime if p not in have]
        if missing and not _add_to_apt_install(
            final_part, missing, len(final_part) if source_at is None else source_at
        ):
            final_part.insert(
                _after_apt_sources(final_part), Instruction.new("RUN", apt_install(missing))
            )
        venv_lines = [Instruction.new("COPY", f"--from={builder} {venv} {venv}")]
        if existing_venv is None:
            # A venv the user created comes with their own ENV PATH, already replicated above.
            venv_lines.insert(
                0, Instruction.new("ENV", f'VIRTUAL_ENV={venv} PATH="{venv}/bin:$PATH"')
            )
        if source_at is None:
            final_part += venv_lines
        else:
            final_part[source_at:source_at] = venv_lines
        final_part += after_venv
        # The image's setuptools goes back into a lean venv on bases that ship it; whether the
        # project's own code needs it is read once (a walk of its files) for the step and note.
        # A lean venv of pip's sees the base image's own packages (`_system_site`): then the
        # image's setuptools is there at run time as it was for the original, nothing to add.
        system_site = lean and not use_uv and _system_site(builder_part)
        keeps_setuptools = lean and not system_site and _ships_setuptools(out.resolve(base))
        project_pkg_resources = keeps_setuptools and _imports_pkg_resources(ctx.context_dir)
        if use_uv:
            # `to_uv` leaves every RUN without a pip install as it is.
            builder_part = [u for i in builder_part if (u := uv_installer.to_uv(i)) is not None]
        if lean:
            builder_part = _create_lean_venv(builder_part, venv, system_site=system_site)
            if keeps_setuptools:
                builder_part = _keep_pkg_resources(
                    builder_part, venv, project_pkg_resources, ctx.options.buildkit, uv=use_uv
                )
        if use_uv:
            # Before the venv's ENV: uv goes into the base image's Python, in the builder only.
            at = next(k for k, i in enumerate(builder_part)
                      if i.keyword == "ENV" and f"VIRTUAL_ENV={venv}" in i.value)
            builder_part.insert(at, Instruction.new(
                "RUN",
                f"pip install{'' if ctx.options.buildkit else ' --no-cache-dir'} "
                f"uv=={uv_installer.UV_VERSION}",
                _UV_COMMENT,
            ))
        if ctx.options.buildkit:
            builder_part = _with_cache_mounts(builder_part)
            if lean and not use_uv:
                builder_part = _pip_bytecode_cached(builder_part, venv, direct=system_site)
        links = _dev_links(
            [i for _, i in items], [pkg for _, pkg in devs], release
        )
        if links:
            link = " && ".join(f"ln -sf {target} {path}" for path, (target, _, _) in links.items())
            final_part.insert(_after_apt(final_part), Instruction.new("RUN", link))
            for path, (target, key, dev) in links.items():
                notes.append(
                    f"the final stage links {path} (ENV {key}) to {target}: that name is the "
                    f"link {dev} ships, which stays in the builder; without it GeoDjango "
                    "cannot load the library the variable names"
                )
        # After the runtime libraries, before the venv: a dependency change does not redo it.
        final_part.insert(_after_apt(final_part), _stdlib_bytecode())
        rest = _without_builder_only_removals(items, last, moved, ctx, fetch_only, notes)
        combined = final_part + rest
        update_before_installs(combined, 1, len(combined))
        final_part, rest = combined[: len(final_part)], combined[len(final_part) :]
        tools = _tools_left(final_part + rest)
        stripped = [_strip_runners(i, tools, notes) for i in rest]
        _stop_runserver_as_pid1(final_part, rest, stripped, notes)
        rest = stripped
        # An indented file stays indented: rewritten lines as they were, new ones as their
        # neighbours.
        out.instructions[stage.start : stage.end] = _indent_bytecode(
            indent_like([i for _, i in items], builder_part + final_part + rest)
        )
        notes.append(
            f"split into a '{builder}' stage that installs the dependencies into {venv} and a "
            f"final stage that copies only {venv} and the source"
            + (
                f"; the final stage installs only the runtime libraries {', '.join(runtime)}"
                if runtime
                else ""
            )
        )
        if from_devs:
            pairs = ", ".join(f"{lib} for {dev}" for lib, dev in from_devs.items())
            notes.append(
                f"the final stage installs {pairs}: the -dev packages stay in the builder, "
                "and what was built against one, or loads its library with ctypes (GeoDjango: "
                "GDAL, GEOS; python-magic: libmagic), needs at run time the library package "
                "it depends on"
            )
        for line, pkg in devs:
            if pkg in unknown_devs:
                notes.append(
                    f"line {line}: {pkg} stays in the builder, and dj-optimize does not know "
                    "which library package it goes with: if an installed package links or "
                    "loads that library, add it to the final stage's apt-get install"
                )
        kept_compilers = sorted(
            {p for i in final_part for p in _apt_installs(i)} & compilers_kept
        )
        if kept_compilers:
            # Why each is kept: node-gyp's toolchain for an npm install of native modules, or
            # a later RUN calling the tool by name (Gauvin's `RUN curl ... | apt-key add -`
            # after the install was once explained as an npm install that was not there).
            gyp = _node_gyp_after_split(items, last, ctx)
            called = _tools_called_after_split(items, last)
            for_gyp = [p for p in kept_compilers if p in gyp]
            if for_gyp:
                notes.append(
                    f"the final stage keeps {', '.join(for_gyp)}: its npm install builds "
                    f"{', '.join(native_node_modules(ctx.context_dir))} with node-gyp (make, "
                    "g++), as the single stage did (a node stage would keep them out of the "
                    "image)"
                )
            by_call = [p for p in kept_compilers if p not in gyp]
            if by_call:
                calls = sorted(
                    {called[p] for p in by_call if p in called}
                    | {
                        called[tool]
                        for p in by_call if p not in called
                        for tool, extras in _TOOLCHAIN_EXTRAS.items()
                        if p in extras and tool in called
                    }
                )
                said = ", ".join(
                    f"line {line} runs `{tool}`" if line else f"a RUN runs `{tool}`"
                    for line, tool in calls
                )
                notes.append(
                    f"the final stage keeps {', '.join(by_call)}: {said} after the install, "
                    "as in the single stage"
                )
        if fetch_only:
            notes.append(
                f"{', '.join(sorted(fetch_only))} stay{'s' if len(fetch_only) == 1 else ''} in "
                "the builder: only the build uses them (tool installers, VCS requirements)"
            )
        if use_uv:
            notes.append(
                f"--installer uv: the builder installs with uv {uv_installer.UV_VERSION} into "
                f"{venv}, created without pip: uv downloads and installs in parallel and compiles "
                "the bytecode on every core; uv, pip, setuptools and wheel stay out of the final "
                "image"
            )
        elif want_uv:
            notes.append(f"--installer uv: the builder keeps pip: {uv_blocker}")
        if system_site:
            notes.append(
                f"{venv} is created without pip and filled by the base image's pip "
                "(PIP_PYTHON); it sees the image's own packages (--system-site-packages), as the "
                "original's install did: source packages build with the image's setuptools, "
                "pkg_resources is there at run time, and the final image gets no copies of pip, "
                "setuptools or wheel"
            )
        elif lean and not use_uv:
            notes.append(
                f"{venv} is created without pip and filled by the base image's pip "
                "(PIP_PYTHON): pip, setuptools and wheel stay out of the final image, where "
                "nothing runs pip"
            )
            if any("PIP_PYTHON='' " in i.value for i in builder_part):
                notes.append(
                    "the upgrade of pip upgrades the base image's pip (`PIP_PYTHON=''` for that "
                    "command), the one that installs into the venv, instead of putting a pip "
                    "nothing runs into the venv and the final image"
                )
            if keeps_setuptools:
                notes.append(
                    f"{out.resolve(base)} ships setuptools, and code written for it may import "
                    "pkg_resources at run time (drf-yasg 1.20, namespace packages): the venv "
                    "gets the image's own setuptools when an installed package"
                    + (" or the project" if project_pkg_resources else "")
                    + " uses it"
                )
        notes.append(
            "the final stage compiles the bytecode of the standard-library modules Django and its "
            "server import: the image has none and the app's user cannot write it, so every "
            "start compiled them (runserver: twice)"
        )
        if any(_PIP_PYCACHE in i.value for i in builder_part):
            notes.append(
                "pip's installs keep pip's own bytecode in the pip cache mount "
                "(PYTHONPYCACHEPREFIX) instead of compiling it again on every dependency change, "
                "and compile the venv once after installing, on every core (PIP_COMPILE=0, then "
                "compileall with a worker per core); pip does not ask PyPI for a newer pip"
            )
        if any(_DIRECT_PIP in i.value for i in builder_part):
            notes.append(
                f"the venv's installs run the base image's pip in the venv's interpreter at once "
                f"(`{_DIRECT_PIP}`) instead of through PIP_PYTHON, which starts pip twice "
                "on every install"
            )
        if ctx.options.buildkit and any("--mount=type=cache" in i.value for i in builder_part):
            notes.append(
                "the builder's installs keep their download caches in BuildKit cache mounts, "
                "so a dependency change does not download everything again; the final stage "
                "keeps none (--no-buildkit for the legacy builder)"
            )
        # The split went ahead: a compose file that could not be read is a caveat on the
        # change, not something left alone.
        notes.extend(compose_notes)
        return Result(out, notes, [s for s in skipped if s not in compose_notes])


_UV_COMMENT = ("# uv installs the dependencies (--installer uv); it stays in the builder.\n",)


def _uv_blocker(
    dockerfile: Dockerfile, items: list[tuple[int, Instruction]], last: int, ctx: Context,
    lean: bool,
) -> str | None:
    """Why the builder keeps pip although uv was asked for, or None."""
    if not lean:
        return (
            "the installs are not plain pip installs into a venv of ours (uv sync, poetry, "
            "pipenv, a venv of the Dockerfile's own, --user/--target), or something at run "
            "time runs pip"
        )
    version = re.search(r"python:(\d+)\.(\d+)", dockerfile.resolve(items[0][1].value.split()[0]))
    if version and (int(version[1]), int(version[2])) < uv_installer.UV_PYTHON:
        oldest = ".".join(map(str, uv_installer.UV_PYTHON))
        return f"uv {uv_installer.UV_VERSION} needs Python {oldest} or newer"
    instructions = list(dockerfile.instructions)
    installs = [i for n, i in items if n <= last and _has_kind(i, "deps")]
    files = [
        f for f in ctx.project.dependencies.manifest_files
        if not f.endswith((".toml", ".cfg", ".lock", ".py")) and "Pipfile" not in f
    ]
    return uv_installer.blocker(
        instructions, installs, requirement_file_options(ctx.context_dir, files)
    )


_RUNNER_TOOLS = frozenset({"poetry", "pipenv", "uv", "uvx", "pipx", "pdm", "hatch"})


def _compose_runs_tool(ctx: Context, read: _Reader) -> tuple[str | None, list[str]]:
    """(what a compose service that builds this Dockerfile runs with a tool the builder keeps,
    notes on compose files that could not be read). The service's command replaces CMD, so
    the Dockerfile's own CMD does not tell."""
    dockerfile = (ctx.context_dir / ctx.dockerfile_path).resolve()
    notes: list[str] = []
    # The compose file often sits above the context (`build: ./app` at the repository root).
    for directory in ctx.compose_directories():
        try:
            # Read once per content for every transform that asks (`docker compose config`).
            project = load_compose(directory, dockerfile)
        except ComposeError as exc:
            notes.append(
                f"compose file in {directory.name or directory} not read ({exc}); the commands "
                "its services run were not checked for tools the builder keeps"
            )
            continue
        if project is None:
            continue
        for service in project.building(dockerfile):
            command = (service.entrypoint or []) + (service.command or [])
            # `sh -c "poetry run ..."`: the words inside each argument too.
            tools = [
                w for part in command for w in words(part) if w.rsplit("/", 1)[-1] in _RUNNER_TOOLS
            ]
            files = ", ".join(f.name for f in project.files)
            if tools:
                return (
                    f"compose service `{service.name}` ({files}) runs "
                    f"`{tools[0].rsplit('/', 1)[-1]}`",
                    notes,
                )
            for name in _script_names(" ".join(command)):
                match = _RUNNER_IN_SCRIPT.search(read(name) or "")
                if match:
                    return (
                        f"compose service `{service.name}` ({files}) runs {name}, which calls "
                        f"`{match.group(0)}`",
                        notes,
                    )
    return None, notes


def _compose_system_python(ctx: Context, read: _Reader) -> str | None:
    """What a compose service building this Dockerfile runs by the system Python's install
    path, in its command or a script it runs (`command: /usr/local/bin/python manage.py
    runserver`): that command replaces CMD, so the Dockerfile does not show it. A compose file
    that cannot be read says nothing here (`_compose_runs_tool` notes it)."""
    for service in services_building(ctx):
        command = " ".join((service.entrypoint or []) + (service.command or []))
        match = _SYSTEM_PYTHON.search(command)
        if match:
            return f"{match.group(0)} (run by compose service `{service.name}`)"
        for name in _script_names(command):
            match = _SYSTEM_PYTHON.search(read(name) or "")
            if match:
                return f"{match.group(0)} (in {name}, run by compose service `{service.name}`)"
    return None


# A tool's runner in a script's text: `poetry run`, `pipenv run`, `uv run`, `uvx`, ...
_RUNNER_IN_SCRIPT = re.compile(r"(?<![\w-])(?:(?:poetry|pipenv|uv|pdm|hatch|pipx) +run|uvx)\b")


def _script_runs_tool(
    items: list[tuple[int, Instruction]], last: int, read: _Reader
) -> str | None:
    """A script the final stage runs (named by CMD, ENTRYPOINT or a RUN after the install)
    that calls a tool's runner: the tool stays in the builder, and `_strip_runners` only
    rewrites the Dockerfile's own lines."""
    # What starts the container first: its line is the one the note names.
    order = sorted(items, key=lambda item: item[1].keyword == "RUN")
    for n, ins in order:
        if n <= last or ins.keyword not in {"RUN", "CMD", "ENTRYPOINT"}:
            continue
        for name in _script_names(ins.value):
            match = _RUNNER_IN_SCRIPT.search(read(name) or "")
            if match:
                return f"line {ins.line}: {name} calls `{match.group(0)}`"
    return None


# The dependency managers whose own commands stay in the builder with them.
_MANAGERS = frozenset({"poetry", "pipenv", "uv", "pdm"})


def _line_calls_tool(items: list[tuple[int, Instruction]], last: int) -> str | None:
    """A line after the install that runs a dependency manager for anything but its runner
    (`RUN pipenv shell`, `RUN poetry --version`, `CMD ["pdm", "list"]`): `_strip_runners`
    rewrites `poetry run X` to `X`, but the manager itself stays in the builder, so any other
    call of it in the final stage fails with `not found` (Datatype-Technology/ddocker:
    `RUN pipenv shell` after `pipenv install`). A manager the final stage's own lines install
    is there."""
    rest = [ins for n, ins in items if n > last]
    installed = _tools_left(rest)
    for ins in rest:
        if ins.keyword not in {"RUN", "CMD", "ENTRYPOINT"}:
            continue
        if ins.exec_form is not None:
            argvs = [ins.exec_form]
        else:
            argvs = [program(s.text) for s in split_commands(ins.args)]
        for argv in argvs:
            name = argv[0].rsplit("/", 1)[-1] if argv else ""
            if name in _MANAGERS - installed and not strip_runner(argv)[0]:
                return f"line {ins.line}: `{' '.join(argv[:2])}`"
    return None


# Packages a dependency install may need although no `-dev` name says so (VCS requirements,
# private indexes); an apt line naming one stays in the builder.
_FETCH_TOOLS = frozenset({"git", "openssh-client", "mercurial", "subversion", "ca-certificates"})


def _final_only(
    items: list[tuple[int, Instruction]], last: int, ctx: Context, fetch_only: frozenset[str]
) -> set[int]:
    """Lines before the install that only the final stage needs, so the builder skips them:
    apt installs of run-time packages only (nodejs, gettext, a client), and a downloaded setup
    script piped into a shell (NodeSource's) that prepares such an install."""
    build = set(system_needs(ctx.project.dependencies.packages).build)
    apt_final: dict[int, bool] = {}
    packages_of: dict[int, list[str]] = {}
    for n, ins in items:
        if ins.keyword != "RUN" or ins.exec_form is not None or "mount" in ins.flags:
            continue
        segments = split_commands(ins.args)
        if not segments or not all(classify(s.text) == "apt" for s in segments):
            continue
        packages = [
            p
            for s in segments
            if "install" in (argv := program(s.text))
            for p in apt_install_words(argv[argv.index("install") + 1 :])[1]
        ]
        if packages:
            packages_of[n] = [p.split("=", 1)[0] for p in packages]
            apt_final[n] = n > last or not any(
                _build_only(p, build | fetch_only) or p.split("=", 1)[0] in _FETCH_TOOLS
                for p in packages
            )
    # A line the builder keeps after such an install that calls what it provides (`yarn
    # install` after NodeSource's nodejs) needs it in the builder too.
    for n in [n for n, final in apt_final.items() if final and n < last]:
        called = {
            argv[0].rsplit("/", 1)[-1]
            for m, ins in items
            if n < m <= last and m not in apt_final and ins.keyword == "RUN"
            and ins.exec_form is None
            for argv in line_argvs(ins.args)
        }
        if any(_provides(p) & called for p in packages_of[n]):
            apt_final[n] = False
    chosen = {n for n, final in apt_final.items() if final and n < last}
    for n, ins in items:
        if n >= last or ins.keyword != "RUN" or not _pipes_download_to_shell(ins.args):
            continue
        if any(_kind(s.text) == "tool" for s in split_commands(ins.args)):
            continue  # poetry's or uv's installer: a build tool, it stays in the builder
        following = next((m for m in sorted(apt_final) if m > n), None)
        if following is not None and apt_final[following]:
            chosen.add(n)
    return chosen


# Programs a Debian package provides, beyond syspkgs.TOOL_PACKAGES' one per program: NodeSource's
# nodejs brings npm and npx, and yarn's installer needs node.
_ALSO_PROVIDES: dict[str, frozenset[str]] = {
    "nodejs": frozenset({"node", "nodejs", "npm", "npx", "yarn", "corepack"}),
    "yarnpkg": frozenset({"yarnpkg"}),
}


def _provides(package: str) -> frozenset[str]:
    return frozenset(t for t, p in TOOL_PACKAGES.items() if p == package) | _ALSO_PROVIDES.get(
        package, frozenset()
    )


def _pipes_download_to_shell(command: str, *, python: bool = False) -> bool:
    """`curl -fsSL URL | bash -`, `wget -qO- URL | sh`: a setup script, run as it downloads
    (with python=True also `| python3 -`)."""
    if "|" not in command:
        return False
    fetch, _, shell = command.partition("|")
    fetcher = program(fetch)
    runner = program(shell.lstrip("|"))
    shells = {"bash", "sh", "sudo"} | ({"python", "python3"} if python else set())
    return bool(fetcher and runner) and fetcher[0] in {"curl", "wget"} and runner[0] in shells


def _has_kind(ins: Instruction, kind: str) -> bool:
    return (
        ins.keyword == "RUN"
        and ins.exec_form is None
        and any(_kind(s.text) == kind for s in split_commands(ins.args))
    )


# Installers of Python build tools besides shell.TOOLS: they stay in the builder.
_INSTALLER_TOOLS = frozenset({"pipx", "pdm", "hatch", "rye"})


def _is_tool_name(name: str) -> bool:
    """An installer, or a plugin of one: `pip install poetry poetry-plugin-export` counted as a
    dependency install, so poetry went into the builder's venv and shipped in the final image
    (round 9, deps9)."""
    return (
        name in TOOLS
        or name in _INSTALLER_TOOLS
        or name.startswith(("poetry-plugin-", "pdm-"))
        or name == "poetry-dynamic-versioning"
    )
# Official installer scripts of those tools, run as they download (`curl URL | python3 -`).
_INSTALLER_URL = re.compile(
    r"install\.python-poetry\.org|astral\.sh/uv|pdm-project\.org|rye-up\.com"
)


def _kind(text: str) -> str:
    """shell.classify, plus the tool installers it does not know: `pip install pipx`,
    `pipx install poetry`, `curl -sSL https://install.python-poetry.org | python3 -`,
    `curl -LsSf https://astral.sh/uv/install.sh | sh` are "tool" (build-only) too."""
    kind = classify(text)
    argv = program(text)
    if kind == "deps":
        pip = pip_install_targets(argv)
        if (
            pip is not None
            and not pip[0]
            and pip[1]
            and all(_is_tool_name(spec_name(x)) for x in pip[1])
        ):
            return "tool"
    if kind != "deps" and argv and argv[0].rsplit("/", 1)[-1] in _INSTALLER_TOOLS:
        return "tool"  # `pdm install` is the dependency install; `pdm export` a build step
    if (
        kind == "other"
        and _pipes_download_to_shell(text, python=True)
        and _INSTALLER_URL.search(text)
    ):
        return "tool"
    if kind == "other" and "|" in text:
        # `poetry export -f requirements.txt | /venv/bin/pip install -r /dev/stdin`: a
        # dependency install fed by a pipe.
        parts = list(line_argvs(text))
        if len(parts) > 1 and classify(shlex.join(parts[-1])) == "deps":
            return "deps"
    if kind == "other" and len(argv) > 1:
        head = argv[0].rsplit("/", 1)[-1]
        if (
            (head, argv[1]) in _BUILD_STEPS
            or argv[:3] in (["python", "-m", "build"], ["uv", "pip", "compile"])
        ):
            return "tool"  # makes what the install installs: a builder's step
    if kind == "other" and argv and argv[0].rsplit("/", 1)[-1] == "pip-compile":
        return "tool"  # pip-tools' lock of requirements.in, read by the install after it
    return kind


# Tool steps that produce the install's input (a requirements file, a wheel of the project).
_BUILD_STEPS = frozenset(
    {
        ("poetry", "export"), ("poetry", "build"), ("uv", "export"), ("uv", "build"),
        ("pdm", "export"), ("pdm", "build"), ("pipenv", "requirements"), ("pip", "wheel"),
        ("pip3", "wheel"),
    }
)


# git clone's options that take a value (`--depth 1`, `-b main`).
_CLONE_VALUE_OPTIONS = frozenset(
    {"--depth", "-b", "--branch", "-o", "--origin", "-c", "--config", "-j", "--jobs",
     "--reference", "--filter", "-u", "--upload-pack", "--separate-git-dir"}
)


def _feeds_install(segments: list[Segment]) -> set[int]:
    """Indexes of the segments that only fetch source for a dependency install in the same RUN
    (`git clone URL /tmp/x && cd /tmp/x && pip install . && rm -rf /tmp/x`): the clone, and the
    `cd` into and `rm` of its directory. They belong to the builder with the install."""
    if not any(_kind(s.text) in {"deps", "tool"} for s in segments):
        return set()
    found: set[int] = set()
    clones: set[str] = set()
    for k, seg in enumerate(segments):
        argv = program(seg.text)
        if argv[:2] == ["git", "clone"]:
            positional: list[str] = []
            skip = False
            for arg in argv[2:]:
                if skip:
                    skip = False
                elif arg in _CLONE_VALUE_OPTIONS:
                    skip = True
                elif not arg.startswith("-"):
                    positional.append(arg)
            if not positional:
                continue
            target = (
                positional[1]
                if len(positional) > 1
                else posixpath.basename(positional[0].rstrip("/")).removesuffix(".git")
            )
            clones.add(posixpath.normpath(target))
            found.add(k)
        elif argv[:1] == ["cd"] and len(argv) == 2 and posixpath.normpath(argv[1]) in clones:
            found.add(k)
        elif argv[:1] == ["rm"]:
            paths = [posixpath.normpath(a) for a in argv[1:] if not a.startswith("-")]
            if paths and all(p in clones for p in paths):
                found.add(k)
    return found


def _fetch_tools_left_behind(
    items: list[tuple[int, Instruction]], last: int, ctx: Context, read: _Reader
) -> frozenset[str]:
    """curl, wget and git installed by apt before the dependency install when only the build
    uses them: tool installers piped from curl, `git+https://` requirements. Nothing the final
    stage keeps (a RUN after the install, a RUN before it that is not a tool install, CMD,
    ENTRYPOINT, HEALTHCHECK and the scripts they name) calls them."""
    installed = {
        p for p in apt_packages(i for n, i in items if n <= last) if p in {"curl", "wget", "git"}
    }
    if not installed:
        return frozenset()
    kept: list[str] = []
    build_texts: list[str] = []
    for n, ins in items:
        if ins.keyword == "RUN" and ins.exec_form is None and n <= last:
            segments = split_commands(ins.args)
            feeds = _feeds_install(segments)
            for k, seg in enumerate(segments):
                if k in feeds or _kind(seg.text) in {"tool", "deps"}:
                    build_texts.append(seg.text)
                elif _kind(seg.text) != "apt":
                    kept.append(seg.text)
        elif (ins.keyword == "RUN" and n > last) or ins.keyword in {
            "CMD",
            "ENTRYPOINT",
            "HEALTHCHECK",
        }:
            # CMD, ENTRYPOINT and HEALTHCHECK run in the final image wherever they are written:
            # a HEALTHCHECK above the install still calls curl there.
            kept.append(" ".join(ins.exec_form) if ins.exec_form is not None else ins.value)
        else:
            continue
        kept += [t for name in _script_names(ins.value) if (t := read(name))]
    used = {w.rsplit("/", 1)[-1] for text in kept for w in _NOT_PATH.split(text)}
    # Only what the build is seen to use: a package installed for no visible reason may serve
    # `docker exec` or a compose healthcheck, so it stays.
    build_used = {w.rsplit("/", 1)[-1] for text in build_texts for w in _NOT_PATH.split(text)}
    if ctx.project.dependencies.needs_git:
        build_used.add("git")
    return frozenset(p for p in installed if p not in used and p in build_used)


# The path ends at whitespace, a quote, a comma or a bracket: in exec-form JSON
# (`["/usr/local/bin/gunicorn", ...]`) those are not part of it.
# `/usr/local/bin/python` is in the final stage too, but run by that path it is the image's
# own Python, which does not see the builder's virtualenv: a start script's
# `/usr/local/bin/python manage.py migrate` fails with `No module named 'django'`.
_SYSTEM_PYTHON = re.compile(
    r"/usr/local/bin/[^\s\"',\[\]]+|/usr/local/lib/python[\d.]*|site-packages"
)


def _system_python_paths(
    items: list[tuple[int, Instruction]], last: int, ctx: Context, read: _Reader,
    pattern: re.Pattern[str] = _SYSTEM_PYTHON,
) -> str | None:
    """A path after the install (or in a script it runs) that only the system install fills.

    Scripts are read wherever the stage copies them from the context: cookiecutter-django's
    `COPY ./compose/production/django/start /start` (no `.sh`, run by compose's `command:
    /start`) ends with `/usr/local/bin/gunicorn`, which a builder's virtualenv never fills."""
    for n, ins in items:
        if ins.keyword in {"COPY", "ADD"} and "from" not in ins.flags:
            for copied in _copied_scripts(ins, ctx):
                match = pattern.search(copied)
                if match:
                    return match.group(0)
        if n <= last or ins.keyword not in {"RUN", "CMD", "ENTRYPOINT", "COPY"}:
            continue
        texts = [ins.value]
        for token in _script_names(ins.value):
            script = read(token)
            if script:
                texts.append(script)
        for text in texts:
            match = pattern.search(text)
            if match:
                return match.group(0)
    return None


# A program or file of an installer's in-project virtualenv by path (`/app/.venv/bin/gunicorn`,
# `.venv/bin/python manage.py migrate`).
# Anchored on `.venv/` itself: a leading `[\w./-]*` would backtrack quadratically over a long
# run of path characters (tests/test_long_lines.py's 2 MB RUN line).
_PROJECT_VENV = re.compile(r"(?<![\w-])\.venv/(?:bin|lib)/[^\s\"',\[\]]+")


# Settings that choose where an installer puts packages (BLSQ/iaso's dev image:
# `ENV UV_PROJECT_ENVIRONMENT=/usr/local` before `uv sync`): set by the user, they win over the
# builder's virtualenv.
_TARGET_SETTINGS = frozenset(
    {"UV_PROJECT_ENVIRONMENT", "UV_SYSTEM_PYTHON", "PDM_PYTHON", "PIP_TARGET", "PIP_PREFIX"}
)


def _installs_elsewhere(items: list[tuple[int, Instruction]], last: int) -> str | None:
    """The user's setting that installs past a virtualenv the builder activates: one of
    _TARGET_SETTINGS in ENV or before the command, an install's own target option (`pip install
    --user`, `--target`, `--prefix`; `uv pip install --target`), `pdm install --global`,
    `pdm use`, or `pdm config python.use_venv false`."""
    for n, ins in items:
        if n > last:
            break
        if ins.keyword == "ENV":
            for key, value in env_pairs(ins.value):
                if key in _TARGET_SETTINGS:
                    return f"line {ins.line}: ENV {key}={value}"
        if ins.keyword != "RUN" or ins.exec_form is not None:
            continue
        for seg in split_commands(ins.args):
            raw = words(seg.text)
            for word in raw:
                key = word.split("=", 1)[0]
                if "=" in word and key in _TARGET_SETTINGS:
                    return f"line {ins.line}: {word}"
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word):
                    break
            argv = program(seg.text)
            option = _install_location_option(argv) if classify(seg.text) == "deps" else None
            if option:
                return f"line {ins.line}: `{option}` in `{seg.text.strip()[:60]}`"
            if argv[:1] != ["pdm"]:
                continue
            if classify(seg.text) == "deps" and ({"-g", "--global"} & set(argv)):
                return f"line {ins.line}: `{seg.text.strip()[:60]}`"
            if argv[1:2] == ["use"] or (
                argv[1:3] == ["config", "python.use_venv"] and argv[3:4] != ["true"]
            ):
                return f"line {ins.line}: `{seg.text.strip()[:60]}`"
    return None


# Command-line options that send an install past the virtualenv the builder activates: pip's
# own locations, and uv's choice of interpreter (`uv pip install --system` installs into
# /usr/local whatever VIRTUAL_ENV says: horizon5-tech/horizon5-router).
_PIP_LOCATIONS = frozenset({"--user", "--target", "-t", "--prefix", "--root", "--python"})
_UV_PIP_LOCATIONS = frozenset({"--system", "--python", "-p", "--target", "--prefix"})


def _install_location_option(argv: list[str]) -> str | None:
    """The option of a dependency install that chooses where the packages go, or None."""
    head = argv[0].rsplit("/", 1)[-1] if argv else ""
    if head.startswith("pip") or _python_m_pip(argv):
        names = _PIP_LOCATIONS
    elif head == "uv" and argv[1:2] == ["pip"]:
        names = _UV_PIP_LOCATIONS
    else:
        return None
    for word in argv[1:]:
        if word.split("=", 1)[0] in names:
            return word
        if word.startswith("-t") and not word.startswith("--") and len(word) > 2:
            return word  # `-t/opt/deps`: the value glued to the short option
    return None


def _copied_scripts(ins: Instruction, ctx: Context) -> list[str]:
    """The text of each file this COPY takes from the context that is a script (`#!`),
    whatever its name: a copied start script runs in the container."""
    parts = ins.exec_form or words(ins.args)
    found: list[str] = []
    for source in parts[:-1]:
        if "://" in source or any(c in source for c in "*?[$"):
            continue
        rel = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
        if rel == "." or rel.startswith("../") or (ctx.context_dir / rel).is_dir():
            continue
        text = ctx.read(rel)
        if text is not None and text.startswith("#!"):
            found.append(text)
    return found


def _script_names(text: str) -> list[str]:
    """Words that name a shell script (`./docker/entrypoint.sh`).

    Split on the characters a path cannot hold, then look at each word's end: linear, where a
    pattern like `[\\w./-]+\\.sh` backtracks quadratically over a long run of path characters."""
    return [t for t in _NOT_PATH.split(text) if t.endswith(".sh") and len(t) > 3]


_NOT_PATH = re.compile(r"[^\w./-]+")


def _editable(ins: Instruction) -> bool:
    return any(
        classify(s.text) == "deps" and re.search(r"(^|\s)(-e|--editable)(\s|=)", s.text)
        for s in split_commands(ins.args)
    )


def _copies_python(ins: Instruction) -> bool:
    text = ins.args
    return bool(re.search(r"venv|site-packages|/usr/local|\.local|wheels?\b|/install", text))


def _from_parts(value: str) -> tuple[str, str | None]:
    words_ = value.split()
    platform = [w for w in words_ if w.startswith("--")]
    rest = [w for w in words_ if not w.startswith("--")]
    base = " ".join([*platform, rest[0]]) if rest else value
    name = rest[2] if len(rest) >= 3 and rest[1].lower() == "as" else None
    return base, name


def _existing_venv(dockerfile: Dockerfile, stage: Stage) -> str | None:
    """The virtualenv the stage creates itself, with ENV variables in its path resolved."""
    env: dict[str, str] = {}
    for _, ins in dockerfile.iter_stage(stage):
        if ins.keyword == "ENV":
            env.update(env_pairs(ins.value))
        if ins.keyword != "RUN":
            continue
        for seg in split_commands(ins.args):
            argv = program(seg.text)
            if classify(seg.text) == "venv" and argv:
                target = re.sub(
                    r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), argv[-1]
                )
                if target.startswith("/") and "$" not in target:
                    return posixpath.normpath(target)
                return "?" + target
    return None


def _variable_packages(items: list[tuple[int, Instruction]], last: int) -> str | None:
    for n, ins in items:
        if n > last or ins.keyword != "RUN":
            continue
        for seg in split_commands(ins.args):
            argv = program(seg.text)
            if argv and argv[0] in {"apt-get", "apt"} and "install" in argv:
                for arg in argv[argv.index("install") + 1 :]:
                    if "$" in arg:
                        return arg
    return None


def _leaves_something_behind(
    dockerfile: Dockerfile,
    items: list[tuple[int, Instruction]],
    last: int,
    ctx: Context,
    kept: frozenset[str] = frozenset(),
) -> bool:
    """Whether a builder stage would keep anything out of the final image.

    A download cache alone does not count: pip-no-cache removes it without a second stage. Nor
    do build packages the final stage keeps because its own RUNs use them (`kept`)."""
    # A full base alone does not count: without build needs, slim-base switches a single stage to
    # the slim image, which is quicker to build than a builder plus a final stage.
    deps = ctx.project.dependencies
    # `git+https://` requirements need git to build: slim-base would put it back in a single
    # stage, and a second run would then split (not idempotent); the builder keeps it instead.
    if system_needs(deps.packages, needs_git=deps.needs_git).build:
        return True
    for n, ins in items:
        if n > last or ins.keyword != "RUN":
            continue
        for seg in split_commands(ins.args):
            kind = classify(seg.text)
            argv = program(seg.text)
            if kind == "tool" and any(
                spec_name(w) in {"poetry", "pipenv", "uv", "pdm"} for w in argv
            ):
                return True
            if _kind(seg.text) == "tool" and kind != "tool":
                return True  # pipx, poetry's or uv's installer script
            if kind == "apt" and "install" in argv:
                pkgs = argv[argv.index("install") + 1 :]
                if any(
                    _build_only(p, set()) and _package_name(p) not in kept
                    for p in pkgs
                    if not p.startswith("-")
                ):
                    return True
    return False


def _venv_setup(
    venv: str,
    uses_uv: bool,
    *,
    lean: bool,
    buildkit: bool,
    pdm: bool = False,
    uv_pip: bool = False,
) -> list[Instruction]:
    env = f'VIRTUAL_ENV={venv} PATH="{venv}/bin:$PATH"'
    if uv_pip:
        # `uv pip install` installs into VIRTUAL_ENV. From a cache mount uv must copy (hard
        # links cannot cross into the layer); it compiles no .pyc unless asked, and without
        # them every start would compile Django again (pip compiles by default).
        link = " UV_LINK_MODE=copy" if buildkit else ""
        return [Instruction.new("ENV", f"{env}{link} UV_COMPILE_BYTECODE=1")]
    if pdm:
        # PDM installs with its own installer and makes its venvs without pip (venv.with_pip
        # is off by default). PDM_PYTHON pins the interpreter: without it a `.pdm-python` or
        # `.venv` in the context would win over the activated venv. Checked on the lab: `pdm
        # install --prod` filled /opt/venv and wrote nothing into the project directory.
        return [
            Instruction.new("RUN", f"python -m venv --without-pip {venv}"),
            Instruction.new("ENV", f"{env} PDM_PYTHON={venv}/bin/python"),
        ]
    if uses_uv:
        # uv sync installs into UV_PROJECT_ENVIRONMENT instead of the project's .venv. From a
        # cache mount uv must copy: hard links cannot cross into the image's layer.
        # UV_COMPILE_BYTECODE: uv writes no .pyc by default (pip does); with
        # PYTHONDONTWRITEBYTECODE every start would compile Django again (example 01 without
        # its dependencies' .pyc: 5.0 s to the first 200 instead of 2.8 s on the lab).
        link = " UV_LINK_MODE=copy" if buildkit else ""
        return [
            Instruction.new(
                "ENV", f"UV_PROJECT_ENVIRONMENT={venv}{link} UV_COMPILE_BYTECODE=1 {env}"
            )
        ]
    if lean:
        # The base image's pip installs into the venv (`--python`, pip >= 22.3, set by
        # PIP_PYTHON), so the venv needs no pip, setuptools or wheel of its own. The venv itself
        # is created by the first install's RUN (`_create_lean_venv`).
        # No version check: pip asked PyPI for its latest release on every cold build.
        return [Instruction.new(
            "ENV", f"{env} PIP_PYTHON={venv}/bin/python PIP_DISABLE_PIP_VERSION_CHECK=1"
        )]
    return [Instruction.new("RUN", f"python -m venv {venv}"), Instruction.new("ENV", env)]


def _pdm_script_started(
    items: list[tuple[int, Instruction]], last: int, ctx: Context
) -> str | None:
    """A `pdm run NAME` after the install where NAME is one of the project's PDM scripts
    (`[tool.pdm.scripts] start = "gunicorn ..."`): only PDM knows what it runs, so dropping
    `pdm run` (as for a program) would run a command that does not exist."""
    import tomllib

    try:
        data = tomllib.loads(ctx.read("pyproject.toml") or "")
    except tomllib.TOMLDecodeError:
        return None
    tool = data.get("tool")
    pdm = tool.get("pdm") if isinstance(tool, dict) else None
    scripts = pdm.get("scripts") if isinstance(pdm, dict) else None
    if not isinstance(scripts, dict) or not scripts:
        return None
    for n, ins in items:
        if n <= last or ins.keyword not in {"RUN", "CMD", "ENTRYPOINT"}:
            continue
        argv = ins.exec_form if ins.exec_form is not None else words(ins.args)
        for k in range(len(argv) - 2):
            if argv[k].rsplit("/", 1)[-1] == "pdm" and argv[k + 1] == "run":
                name = next((a for a in argv[k + 2 :] if not a.startswith("-")), None)
                if name in scripts:
                    return f"line {ins.line}: `pdm run {name}`"
    return None


_USER_TOOLS = frozenset({"useradd", "adduser", "groupadd", "addgroup"})


def _args_of_moved_lines(
    items: list[tuple[int, Instruction]], last: int, moved: set[int]
) -> set[int]:
    """ARG lines with comments whose variables, up to the install, only lines moved to the final
    stage use: docker init's `# Create a non-privileged user...` above `ARG UID=10001` and its
    `adduser`. Those comments describe the moved lines, so they go with the final stage's copy
    of the ARG; left in the builder they sat above the venv's ENV. The builder keeps the ARG
    itself: a RUN there may read it from the environment without naming it."""
    found = set()
    for n, ins in items[1:]:
        if n > last or ins.keyword != "ARG":
            continue
        if not any(line.lstrip().startswith("#") for line in ins.leading):
            continue
        names = [name for name, _ in env_pairs(ins.value)]
        if not names:
            continue
        named = re.compile(r"\$\{?(?:" + "|".join(map(re.escape, names)) + r")\b")
        users = [m for m, other in items[1:] if m > n and named.search(other.value)]
        if users and all(m in moved for m in users if m <= last):
            found.add(n)
    return found


def _without_comments(ins: Instruction) -> Instruction:
    """The instruction without its leading comments (blank lines kept, at most one)."""
    kept: list[str] = []
    for line in ins.leading:
        if line.lstrip().startswith("#") or (not line.strip() and kept and not kept[-1].strip()):
            continue
        kept.append(line)
    return dataclasses.replace(ins, leading=tuple(kept))


def creates_users_only(ins: Instruction) -> bool:
    """A RUN that only creates users and groups (docker init's `adduser ... appuser`)."""
    if ins.keyword != "RUN" or ins.exec_form is not None:
        return False
    segments = split_commands(ins.args)
    return bool(segments) and all(
        (argv := program(s.text)) and argv[0] in _USER_TOOLS for s in segments
    )


def _python_m_pip(argv: list[str]) -> bool:
    return bool(argv) and argv[0] in {"python", "python3"} and argv[1:3] == ["-m", "pip"]


def _ships_setuptools(image: str) -> bool:
    """Official images up to Python 3.11 install setuptools beside pip; 3.12 and later do not
    (and the stdlib no longer carries distutils for it to replace)."""
    version = re.search(r"python:(\d+)\.(\d+)", image)
    return version is not None and (int(version[1]), int(version[2])) < (3, 12)


def _imports_pkg_resources(root: Path) -> bool:
    """Whether the project's own Python files use pkg_resources."""
    skip = {"env", "site-packages"}
    return any(
        "pkg_resources" in text for _, text in python_sources(root, skip_dir=skip.__contains__)
    )


def _keep_pkg_resources(
    builder: list[Instruction], venv: str, project_uses: bool, buildkit: bool, *, uv: bool = False
) -> list[Instruction]:
    """At the end of the last install's RUN: the base image's own setuptools into the lean venv
    when anything installed mentions pkg_resources (or always, when the project's code does).
    The original ran with the image's setuptools on its path; a venv without it breaks such code
    at start (`No module named 'pkg_resources'`, drf-yasg 1.20 on python:3.11). The version is
    the image's: today's setuptools no longer has pkg_resources. Chained to the install, not a
    RUN of its own: a step of its own cost a container start on every dependency change."""
    version = "$(/usr/local/bin/python -c 'import setuptools; print(setuptools.__version__)')"
    installer = "uv pip" if uv else "pip"
    # Without a cache mount pip's cache would stay in the layer; uv's stays in the builder's.
    no_cache = "" if buildkit or uv else " --no-cache-dir"
    install = f'{installer} install{no_cache} "setuptools=={version}"'
    if project_uses:
        check = install
    else:
        check = (
            "if grep -rqs --include='*.py' --include='*.pth' pkg_resources "
            f"{venv}/lib; then \\\n"
            f"        {install}; \\\n"
            "    fi"
        )
    last = max(
        (k for k, i in enumerate(builder) if _has_kind(i, "deps")), default=len(builder) - 1
    )
    comment = (
        "# The base image ships setuptools and code written for it may import pkg_resources:\n",
        "# after the install, the venv gets the image's own setuptools when something installed\n",
        "# uses it.\n",
    )
    ins = builder[last]
    if (
        ins.keyword == "RUN"
        and ins.exec_form is None
        and not ins.args.rstrip().endswith((";", "&", "|"))
    ):
        # The raw text gets the check on lines of its own; the value is the logical line (the
        # cache mounts re-render the RUN from it, one command per line).
        # The comment sits at the install's indent (`_indent_bytecode` indents only new lines).
        logical = re.sub(r"\s*\\\n\s*", " ", check)
        end = len(ins.value)
        chained = apply_edits(ins, [Edit(end, end, f" && {logical}", f" \\\n    && {check}")])
        indent = indent_of(ins)
        leading = (*ins.leading, *(indent + line for line in comment))
        chained = dataclasses.replace(chained, leading=leading)
        return [*builder[:last], chained, *builder[last + 1 :]]
    cache = "/root/.cache/uv" if uv else "/root/.cache/pip"
    mount = f"--mount=type=cache,target={cache} \\\n    " if buildkit else ""
    line = Instruction.new("RUN", mount + check, comment)
    return [*builder[: last + 1], line, *builder[last + 1 :]]


def _system_site(builder: list[Instruction]) -> bool:
    """Whether the lean venv can see the base image's site-packages, as the original's install
    into the image did. What it sees there in the builder (pip, and setuptools and wheel up to
    Python 3.11) is what the final stage's slim variant of the same image has, so a requirement
    they satisfy needs no copy in the venv, and the image's setuptools is at hand for the
    builds and at run time. Faster too: without setuptools in the venv pip built every source
    package in an isolated environment it first installed setuptools into (psycopg2 on
    python:3.11: 0.8 s of a 7.4 s install). Not when the builder upgrades setuptools or wheel
    in the base image (`pip install -U pip setuptools`): the venv would rely on versions the
    final stage's image does not have.

    Nor when the builder pip-installs anything else into the base image (an installer put
    there before the venv's PIP_PYTHON: `pip install pipenv`, `pip install poetry`): its
    dependencies in the base site-packages satisfy the app's requirements of the same names,
    so pip leaves them out of the venv and the final stage, from a fresh image, has none
    (checked on the lab: with `pip install pipenv` first, certifi from requirements.txt was
    "already satisfied" in /usr/local and missing from the final image)."""
    into_base = True  # until the ENV that points pip at the venv
    for ins in builder:
        if ins.keyword == "ENV" and any(k == "PIP_PYTHON" for k, _ in env_pairs(ins.value)):
            into_base = False
            continue
        if ins.keyword != "RUN" or ins.exec_form is not None:
            continue
        for seg in split_commands(ins.args):
            argv = program(seg.text)
            targets = pip_install_targets(argv)
            if targets is None:
                continue
            if _upgrades_base_pip(argv) and any(
                spec_name(spec) != "pip" for spec in targets[1]
            ):
                return False
            to_base = into_base or bool(re.match(r"\s*PIP_PYTHON=(''|\"\"|\s)", seg.text))
            head = argv[0].rsplit("/", 1)[-1] if argv else ""
            if to_base and head != "uv" and (
                targets[0] or any(spec_name(spec) not in _PIP_NAMES for spec in targets[1])
            ):
                return False
    return True


def _create_lean_venv(
    builder: list[Instruction], venv: str, *, system_site: bool = False
) -> list[Instruction]:
    """The lean venv is created by the RUN of the first install, not a RUN of its own: an empty
    venv is a few symlinks, a step of its own costs a container start and a layer on every cold
    build, and a dependency change reruns that install from an empty venv anyway. In the
    installs, `python -m pip` becomes `pip`: `python` is now the venv's, which has no pip, and
    `pip` is the base image's, aimed at the venv by PIP_PYTHON (the same pip the user ran).
    With `system_site` it sees the image's packages (`_system_site`)."""
    options = "--without-pip --system-site-packages" if system_site else "--without-pip"
    create = f"python -m venv {options} {venv}"
    out: list[Instruction] = []
    created = False
    # Before the venv's ENV (an upgrade of pip ahead of it), `python` and `pip` are the base
    # image's, as the user wrote them: nothing to aim.
    aimed = False
    for ins in builder:
        if ins.keyword == "ENV" and f"VIRTUAL_ENV={venv}" in ins.value:
            aimed = True
        if ins.keyword != "RUN" or ins.exec_form is not None or not (
            _has_kind(ins, "deps")
            or _has_kind(ins, "tool")
            # Any pip command after the ENV runs pip --python against the venv, which must
            # exist by then: `pip uninstall -y django` ahead of the install (Ubiwhere) failed
            # with "not a valid Python" before the install's RUN had made it.
            or (aimed and not created and _runs_pip(ins))
        ):
            out.append(ins)
            continue
        args_at = len(ins.value) - len(ins.args)
        edits: list[Edit] = []
        if not created:
            edits.append(Edit(args_at, args_at, f"{create} && "))
            created = True
        at = 0
        for seg in split_commands(ins.args) if aimed else []:
            found = ins.args.find(seg.text, at)
            if found < 0:
                break
            at = found + len(seg.text)
            spans, argv, head = _command_head(seg.text)
            if head is None:
                continue
            # An upgrade of pip itself is the base image's: `PIP_PYTHON=''` (empty: no --python)
            # for that command only (`_upgrades_base_pip`).
            base = "PIP_PYTHON='' " if _upgrades_base_pip(program(seg.text)) else ""
            start = args_at + found + spans[head][0]
            if _python_m_pip(argv[head:]):
                edits.append(Edit(start, args_at + found + spans[head + 2][1], base + "pip"))
            elif base:
                edits.append(Edit(start, start, base))
        out.append(apply_edits(ins, edits) if ins.value.endswith(ins.args) else ins)
    if not created:  # no install to carry it (not expected): a RUN of its own, as before
        at = next(k for k, i in enumerate(out)
                  if i.keyword == "ENV" and f"VIRTUAL_ENV={venv}" in i.value)
        out.insert(at, Instruction.new("RUN", create))
    return out


def _dev_links(
    instructions: list[Instruction], devs: list[str], release: str
) -> dict[str, tuple[str, str, str]]:
    """{path: (soname, ENV key, -dev package)} for each ENV value of the stage that names an
    unversioned library link only a builder -dev package ships (GDAL_LIBRARY_PATH=
    /usr/lib/x86_64-linux-gnu/libgdal.so): the final stage has the library, not that name."""
    found: dict[str, tuple[str, str, str]] = {}
    for ins in instructions:
        if ins.keyword != "ENV":
            continue
        for key, value in env_pairs(ins.value):
            for dev in devs:
                target = dev_link_target([dev], value, release)
                if target is not None and value not in found:
                    found[value] = (target, key, dev)
    return found


def _after_apt(instructions: list[Instruction]) -> int:
    """Just after the stage's header and the apt installs that follow it."""
    at = _after_header(instructions)
    while (
        at < len(instructions)
        and instructions[at].keyword == "RUN"
        and instructions[at].exec_form is None
        and all(classify(s.text) == "apt" for s in split_commands(instructions[at].args))
    ):
        at += 1
    return at


# Operating-system images whose Python, if any, is the distribution's python3 package.
_DISTRIBUTION_IMAGES = frozenset(
    {"ubuntu", "debian", "buildpack-deps", "fedora", "centos", "rockylinux", "almalinux",
     "amazonlinux", "oraclelinux", "ubi", "ubi8", "ubi9", "leap", "tumbleweed", "archlinux"}
)

_FULL_PYTHON = re.compile(
    rf"^{OFFICIAL_PREFIX}python:\d+(?:\.\d+)*(?:-(?:bookworm|bullseye|buster|trixie))?$"
)

# Debian packages the full python images (buildpack-deps) carry, checked with dpkg -s on the
# lab's python:3.11 and python:3.13; pkg-config is left out (not named by buildpack-deps).
_FULL_IMAGE_PACKAGES = frozenset(
    {
        "gcc", "g++", "make", "libc6-dev", "build-essential", "dpkg-dev", "libpq-dev",
        "default-libmysqlclient-dev", "libffi-dev", "libssl-dev", "libxml2-dev", "libxslt1-dev",
        "libxslt-dev", "libjpeg-dev", "zlib1g-dev", "libpng-dev", "libwebp-dev", "libyaml-dev",
        "libsqlite3-dev", "libbz2-dev", "liblzma-dev", "libreadline-dev", "libncurses-dev",
        "libncurses5-dev", "libncursesw5-dev", "libgdbm-dev", "libdb-dev", "libcurl4-openssl-dev",
        "libkrb5-dev", "libgmp-dev", "libevent-dev", "libtool", "autoconf", "automake", "patch",
        "unzip", "xz-utils", "bzip2", "file", "curl", "wget", "git", "openssh-client",
        "ca-certificates", "gnupg", "netbase", "procps",
    }
)


def _already_in_full_image(ins: Instruction) -> bool:
    """A RUN of apt commands only, whose installs name only packages the full image has."""
    if ins.keyword != "RUN" or ins.exec_form is not None or "mount" in ins.flags:
        return False
    segments = split_commands(ins.args)
    packages: list[str] = []
    for seg in segments:
        if classify(seg.text) != "apt":
            return False
        argv = program(seg.text)
        if "install" in argv:
            packages += [a for a in argv[argv.index("install") + 1 :] if not a.startswith("-")]
        elif not (argv[1:2] in (["update"], ["clean"]) or argv[:1] == ["rm"]):
            return False  # purge, upgrade, dist-upgrade: leave them be
    return bool(packages) and all(p in _FULL_IMAGE_PACKAGES for p in packages)


# Official images whose pip knows `--python` (22.3, October 2022): any 3.12+, and these patch
# releases onwards; an unpinned minor is the newest build of it.
_PIP_PYTHON_SINCE = {(3, 7): 15, (3, 8): 15, (3, 9): 15, (3, 10): 8, (3, 11): 0}
_PIP_NAMES = frozenset({"pip", "setuptools", "wheel", "distribute"})


def _runs_pip(ins: Instruction) -> bool:
    """A shell-form RUN with a command that is pip (`pip`, `pip3`, `python -m pip`)."""
    for seg in split_commands(ins.args):
        argv = program(seg.text)
        head = argv[0].rsplit("/", 1)[-1] if argv else ""
        if re.fullmatch(r"pip[0-9.]*", head) or (
            re.fullmatch(r"python[0-9.]*", head) and argv[1:3] == ["-m", "pip"]
        ):
            return True
    return False


def _upgrades_base_pip(argv: list[str]) -> bool:
    """`pip install --upgrade pip [setuptools wheel]` (unpinned or `>=`): an upgrade of the tools
    that do the installing. In the lean builder it upgrades the base image's pip (`PIP_PYTHON=''`
    for that command), which then installs into the venv, as the original's upgraded pip
    installed for it; into the venv it would only put a pip in the final image that nothing
    there runs (fly launch's template: 20 MB). A pin (`pip==21.0`) stays a reason for a venv
    with its own pip: a pip older than 22.3 has no `--python` and would install beside the
    venv, and an old setuptools pin is for the builds."""
    targets = pip_install_targets(argv)
    if targets is None or targets[0] or not targets[1]:
        return False
    return all(
        spec_name(spec) in _PIP_NAMES and spec[len(spec_name(spec)) :].strip()[:1] in {"", ">"}
        for spec in targets[1]
    )


def _lean_venv(
    dockerfile: Dockerfile,
    items: list[tuple[int, Instruction]],
    last: int,
    read: _Reader,
    venv_not_ours: bool,
    *,
    uv_upgrades: bool = False,
) -> bool:
    """Whether the builder may create the venv without pip: every install is a plain `pip
    install` that the base image's pip can aim at the venv, and nothing after the install (RUN,
    CMD, ENTRYPOINT, the scripts they name) runs pip."""
    if venv_not_ours:
        return False
    resolved = dockerfile.resolve(items[0][1].value.split()[0])
    version = re.search(r"python:(\d+)\.(\d+)(?:\.(\d+))?", resolved)
    if not version:
        return False
    minor = (int(version[1]), int(version[2]))
    if minor < (3, 12):
        since = _PIP_PYTHON_SINCE.get(minor)
        if since is None or (version[3] is not None and int(version[3]) < since):
            return False
    for n, ins in items:
        if ins.keyword != "RUN":
            continue
        if ins.exec_form is not None:
            if n <= last:
                return False
            continue
        for seg in split_commands(ins.args):
            argv = program(seg.text)
            if n > last:
                if any(w.rsplit("/", 1)[-1].startswith("pip") for w in argv):
                    return False
                continue
            kind = classify(seg.text)
            if kind not in {"deps", "tool"}:
                continue
            if uv_upgrades and uv_installer.upgrades_only_pip(argv):
                continue  # uv installs: an upgrade of pip goes (`uv_installer.to_uv`)
            targets = pip_install_targets(argv)
            head = argv[0].rsplit("/", 1)[-1] if argv else ""
            if targets is None or not (head.startswith("pip") or _python_m_pip(argv)):
                return False  # uv pip, poetry, pipenv: they need their own pip
            if any(o in argv for o in ("--user", "--target", "-t", "--prefix", "--root")):
                return False
            if any(spec_name(s) in _PIP_NAMES for s in targets[1]) and not _upgrades_base_pip(
                argv
            ):
                return False
    for n, ins in items:
        if n <= last or ins.keyword not in {"CMD", "ENTRYPOINT"}:
            continue
        texts = [" ".join(ins.exec_form) if ins.exec_form is not None else ins.args]
        texts += [t for name in _script_names(ins.value) if (t := read(name))]
        for text in texts:
            if any(w.rsplit("/", 1)[-1].startswith("pip") for w in words(text)):
                return False
            if "ensurepip" in text or "-m pip" in text:
                return False
    return True


_APT_CACHE = (
    "--mount=type=cache,target=/var/cache/apt,sharing=locked "
    "--mount=type=cache,target=/var/lib/apt,sharing=locked"
)
# Debian images delete downloaded .debs after each install; with a cache mount they should stay.
_KEEP_DEBS = (
    "rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "
    "\"true\";' > /etc/apt/apt.conf.d/keep-cache"
)
_CACHE_DIRS = {
    "pip": "/root/.cache/pip",
    "pipenv": "/root/.cache/pipenv",
    "poetry": "/root/.cache/pypoetry",
    "uv": "/root/.cache/uv",
    "pdm": "/root/.cache/pdm",
}
# Tool commands that set something up and download nothing: `poetry config virtualenvs.create
# false`, `pdm config ...`, `pdm use 3.12` (engineer-developer/django_based_shop's `RUN poetry
# config ... --local` got a pypoetry cache mount).
_SETTING_ONLY = frozenset({("poetry", "config"), ("pdm", "config"), ("pdm", "use")})


def _downloads_nothing(argv: list[str]) -> bool:
    head = argv[0].rsplit("/", 1)[-1] if argv else ""
    return (head, argv[1] if len(argv) > 1 else "") in _SETTING_ONLY


_NO_CACHE_FLAG = re.compile(r"(?<!\S)--no-cache(?:-dir)?(?=\s|$)")


def _with_cache_mounts(builder: list[Instruction]) -> list[Instruction]:
    """Builder installs keep their download caches in BuildKit cache mounts.

    Only the builder: its layers never ship, and the mount is not part of any layer anyway. The
    user's own `--no-cache-dir` there would defeat the mount, so it goes; apt's clean-up in the
    same RUN likewise."""
    out: list[Instruction] = []
    hook_removed = False
    for ins in builder:
        if ins.keyword != "RUN" or ins.exec_form is not None or "mount" in ins.flags:
            out.append(ins)
            continue
        segments = split_commands(ins.args)
        targets: list[str] = []
        texts: list[str] = []
        apt = updates = False
        for seg in segments:
            argv = program(seg.text)
            head = argv[0].rsplit("/", 1)[-1] if argv else ""
            kind = classify(seg.text)
            if kind == "tool" and _downloads_nothing(argv):
                kind = "other"  # `poetry config ...`: a cache mount there would only be noise
            if kind in {"deps", "tool"}:
                inner = strip_runner(argv)[1] or argv  # `poetry run pip install`: pip's cache
                tool = inner[0].rsplit("/", 1)[-1] if inner else head
                if tool not in _CACHE_DIRS:
                    tool = "pip"  # pip, pip3, python -m pip
                targets.append(_CACHE_DIRS[tool])
                if tool == "pipenv":
                    targets.append(_CACHE_DIRS["pip"])  # pipenv installs with pip
                texts.append(_NO_CACHE_FLAG.sub("", seg.text).replace("  ", " ").rstrip())
                continue
            if kind == "apt" and "install" in argv:
                apt = True
            if argv[:2] in (["apt-get", "update"], ["apt", "update"]) and not apt:
                updates = True
            if kind == "apt" and (argv[:2] == ["apt-get", "clean"] or argv[:1] == ["rm"]):
                texts.append("")
                continue
            texts.append(seg.text)
        if not targets and not apt:
            out.append(ins)
            continue
        # `rm -rf /root/.cache` kept the download cache out of the layer; the mount does that
        # now, and removing a mount point (or its parent) fails with "Device or resource busy".
        texts = ["" if _removes_cache(t, targets) else t for t in texts]
        mounts = [f"--mount=type=cache,target={t}" for t in dict.fromkeys(targets)]
        head = ""
        if apt:
            # /var/lib/apt holds the lists: mounted only where this RUN fetches them itself, as
            # the mount would hide lists an earlier RUN left in the layer.
            mounts.insert(0, _APT_CACHE if updates else _APT_CACHE.split()[0])
            if not hook_removed:
                # In the same RUN: a step of its own costs a container start on every cold
                # build (and hadolint's DL3059, consecutive RUNs).
                head = _KEEP_DEBS
                hook_removed = True
        # Word edits in the user's text: the comments between the commands stay.
        out.append(rewrite_commands(ins, [t or None for t in texts], prefix=" ".join(mounts),
                                    head=head))
    return out


# Where pip's installs keep the bytecode of pip and of the standard library it imports: in the
# pip cache mount, so it outlives the RUN without going into any layer.
_PIP_PYCACHE = _CACHE_DIRS["pip"] + "/pycache"


def _pip_bytecode_cached(
    builder: list[Instruction], venv: str, *, direct: bool = False
) -> list[Instruction]:
    """pip's installs into the lean venv write no bytecode into the venv themselves
    (`PIP_COMPILE=0`); one `compileall` after them compiles the venv on every core, and pip's
    own modules (the base image has no .pyc: official images delete them) are compiled into
    the pip cache mount (`PYTHONPYCACHEPREFIX`) instead of into the layer.

    Why: every install's RUN starts from the layer before it, so pip compiled its ~550 modules
    again on every dependency change (1.2 s of CPU on the lab); a RUN of its own before the
    install kept them in a layer but cost every cold build a container start and the compile
    (1.3 s of example 01's cold build). In the cache mount they are compiled once per builder
    machine, as in the original's install, and reused by later builds. pip compiled the venv
    one file at a time; `_compile_venv` uses every core (the venv's .pyc are the same files:
    timestamp-checked, one per module). Only in RUNs with the pip cache mount: without it the
    prefix would leave the .pyc in the builder's layer and nothing would reuse them.

    Where the stage sets PYTHONDONTWRITEBYTECODE (most tutorials' Dockerfiles do, and the
    builder keeps the original's ENV), Python writes no .pyc at all, not even into the prefix:
    pip ran from source on every install (2 s a run on the lab's slim image, which has no
    standard-library bytecode either). The install's own `PYTHONDONTWRITEBYTECODE=` (empty
    is unset to Python) lets it write them; the final image keeps the variable.

    With `direct` (a venv that sees the base image's site-packages, so its interpreter imports
    the base image's pip), a bare `pip`/`pip3` after the venv's ENV becomes `PIP_PYTHON=''
    python -m pip`: the same pip in the same interpreter, started once. Through PIP_PYTHON
    pip starts in the base interpreter and then again in the venv's (`--python`): example
    01's rewrite rebuilt after a dependency change in 5.2-5.4 s against 5.9-7.3 s, four
    interleaved runs each on the lab. `python -m` puts the working directory first on
    sys.path (PIP_PYTHON's runner does not), so only while the builder has copied or mounts
    nothing but dependency manifests there: a project module named like one pip imports
    (`platform.py`, an app called `email`) would otherwise shadow it during the install."""
    out: list[Instruction] = []
    dont_write = False
    aimed = False
    manifests_only = True
    for ins in builder:
        if ins.keyword == "ENV" and f"VIRTUAL_ENV={venv}" in ins.value:
            aimed = True
        if ins.keyword in {"COPY", "ADD"} and not _copies_manifests_only(ins):
            manifests_only = False
        if ins.keyword in {"ENV", "ARG"}:
            for name, value in env_pairs(ins.args):
                if name == "PYTHONDONTWRITEBYTECODE":
                    dont_write = bool(value)
        if (
            ins.keyword != "RUN"
            or ins.exec_form is not None
            or not ins.cache_mounts(_CACHE_DIRS["pip"])
        ):
            out.append(ins)
            continue
        segments = split_commands(ins.args)
        texts: list[str | None] = []
        pip = False
        for seg in segments:
            argv = program(seg.text)
            if (
                argv
                and classify(seg.text) in {"deps", "tool"}
                and _runs_pip(Instruction.new("RUN", seg.text))
            ):
                env = f"PYTHONPYCACHEPREFIX={_PIP_PYCACHE} PIP_COMPILE=0 "
                if dont_write:
                    # `''`, not `VAR= cmd`: the same empty value, without shellcheck's SC1007
                    # ("remove space after =") that hadolint reports on the latter.
                    env = "PYTHONDONTWRITEBYTECODE='' " + env
                text = seg.text.lstrip()
                if direct and aimed and manifests_only and _mounts_manifests_only(ins):
                    text = _direct_pip(text)
                texts.append(env + text)
                pip = True
            else:
                texts.append(seg.text)
        if not pip:
            out.append(ins)
            continue
        compile_venv = _compile_venv(venv)
        new = rewrite_commands(ins, texts, append=(compile_venv,))
        # Said once, above the first such RUN: the same two lines over each of several
        # installs (KickIt's pip upgrade, requirements, then gunicorn) read as noise.
        if not any(
            _PIP_BYTECODE_COMMENT[0] in c for i in (*out, new) for c in i.leading
        ):
            blank = () if any(not c.strip() for c in new.leading) else ("\n",)
            new = dataclasses.replace(
                new, leading=(*new.leading, *blank, *_PIP_BYTECODE_COMMENT)
            )
        out.append(new)
    return out


_DIRECT_PIP = "PIP_PYTHON='' python -m pip"
# Files a dependency install is copied with, none a module pip imports.
_MANIFEST = re.compile(
    r"(requirements[\w.-]*|constraints[\w.-]*|[\w.-]+\.(txt|in|toml|lock|cfg)|Pipfile(\.lock)?"
    r"|setup\.py)"
)


def _copies_manifests_only(ins: Instruction) -> bool:
    """A COPY/ADD from another stage or image brings no project module into the working
    directory; one from the context only if each source is a manifest file or a `requirements`
    directory."""
    if "from" in ins.flags:
        return True
    parts = ins.exec_form or words(ins.args)
    sources = [s for s in parts[:-1] if not s.startswith("--")]
    return bool(sources) and all(
        _MANIFEST.fullmatch(s.rstrip("/").rsplit("/", 1)[-1]) for s in sources
    )


def _mounts_manifests_only(ins: Instruction) -> bool:
    """The RUN's bind mounts (docker init's `--mount=type=bind,source=requirements.txt,...`)
    bring manifests only; a bind mount of the context (`source=.`) brings the project."""
    for _, fields in ins.mounts:
        if fields.get("type") == "bind" and not fields.get("from"):
            source = (fields.get("source") or ".").rstrip("/")
            if not _MANIFEST.fullmatch(source.rsplit("/", 1)[-1] or "."):
                return False
    return True


def _command_head(text: str) -> tuple[list[tuple[int, int]], list[str], int | None]:
    """A command's word spans, its words, and the index of its first word that is not a
    variable assignment (None: assignments only)."""
    spans = command_word_spans(text)
    argv = [text[a:b] for a, b in spans]
    return spans, argv, next((k for k, w in enumerate(argv) if "=" not in w), None)


def _direct_pip(text: str) -> str:
    """`pip ...` as `PIP_PYTHON='' python -m pip ...` (`_pip_bytecode_cached`); a command that
    sets PIP_PYTHON itself (the upgrade of the base image's pip) or names pip by path stays."""
    spans, argv, head = _command_head(text)
    if (
        head is None
        or argv[head] not in {"pip", "pip3"}
        or any(w.startswith("PIP_PYTHON=") for w in argv[:head])
    ):
        return text
    return f"{text[: spans[head][0]]}{_DIRECT_PIP}{text[spans[head][1]:]}"


def _compile_venv(venv: str) -> str:
    """The command that compiles the venv's modules after the install, on every core.

    Not `compileall.compile_dir(venv, workers=0)` (nor `python -m compileall -j0`): that hands
    the worker processes one file at a time, and the round trips cost what the second core
    gains. Django's 980 modules took 2.0-2.7 s that way on the lab's two cores, 2.0 s with one
    worker, 1.2-1.5 s in chunks of 64 (`compile_file` per file, as compile_dir calls it); the
    install's RUN runs on every cold build and every dependency change. A module that does not
    compile is skipped quietly (`quiet=2`), as pip skips it (a package's Python 2 example
    file); `python -m compileall` would fail the build on it. os.walk, like compile_dir, does
    not follow a symlinked directory (a venv's lib64)."""
    return (
        'python -c "import compileall, concurrent.futures, functools, os; '
        "list(concurrent.futures.ProcessPoolExecutor().map(functools.partial("
        "compileall.compile_file, quiet=2), [os.path.join(d, n) for d, _, names in "
        f"os.walk('{venv}') for n in names if n.endswith('.py')], chunksize=64))\""
    )


_PIP_BYTECODE_COMMENT = (
    "# pip's own bytecode is kept in the cache mount, not compiled again on every dependency\n",
    "# change; the venv's is compiled once after the install, on every core.\n",
)


def _removes_cache(text: str, targets: list[str]) -> bool:
    """An `rm` of a cache mount's directory, one of its parents, or what is inside it."""
    argv = program(text)
    if not targets or not argv or argv[0].rsplit("/", 1)[-1] != "rm":
        return False
    paths = [a for a in argv[1:] if not a.startswith("-")]
    if not paths:
        return False
    for path in paths:
        path = re.sub(r"^(~|\$HOME|\$\{HOME\})(?=/|$)", "/root", path).rstrip("/*") or "/"
        if not any(t == path or t.startswith(path + "/") or path.startswith(t + "/")
                   for t in targets):
            return False
    return True


def _copies_uv_binary(ins: Instruction, sources: list[str]) -> bool:
    """A COPY of only uv's binaries out of uv's image (any tag: its python* variants hold the
    same /uv and /uvx)."""
    image = ins.flags.get("from", "")
    name = image.split("@", 1)[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else (
        image.split("@", 1)[0]
    )
    return (
        ins.keyword == "COPY"
        and name.endswith("astral-sh/uv")
        and bool(sources)
        and all(posixpath.basename(s.rstrip("/")) in {"uv", "uvx"} for s in sources)
    )


def _build_only(package: str, build_packages: set[str]) -> bool:
    name = _package_name(package)
    return (
        name in _BUILD_ONLY
        or name in build_packages
        or is_dev_package(name)
        or _TOOLCHAIN_PART.fullmatch(name) is not None
    )


def _package_name(package: str) -> str:
    """`libpq-dev=15.4-0+deb12u1`, `libpq-dev:amd64` -> libpq-dev."""
    return package.split("=", 1)[0].split(":", 1)[0]


def _apt_installs(ins: Instruction) -> list[str]:
    """The package names an instruction's `apt-get install` / `apt install` commands name,
    without versions or architectures; words with a variable in them are not names."""
    if ins.keyword != "RUN" or ins.exec_form is not None:
        return []
    found: list[str] = []
    for seg in split_commands(ins.args):
        argv = program(seg.text)
        if argv and argv[0] in {"apt-get", "apt"} and "install" in argv:
            found += [
                _package_name(a)
                for a in apt_install_words(argv[argv.index("install") + 1 :])[1]
                if "$" not in a and "`" not in a
            ]
    return list(dict.fromkeys(found))


# The parts of the C toolchain a Dockerfile may name one by one (KlubJagiellonski/pola-backend:
# binutils, binutils-common, binutils-x86-64-linux-gnu, libcc1-0 next to gcc): only gcc uses
# them. Versioned compilers too (gcc-12, g++-12, cpp-12). Anchored, no nested quantifiers.
_TOOLCHAIN_PART = re.compile(r"binutils(-[a-z0-9_-]+)?|libcc1-0|(gcc|g\+\+|cpp|clang)-[0-9]+|cpp")


def _node_gyp_after_split(
    items: list[tuple[int, Instruction]], last: int, ctx: Context
) -> frozenset[str]:
    """The C toolchain's package names, when the final stage, after the split, runs an npm
    install of a package node-gyp compiles (node-sass): there it needs make and g++ as the
    single stage did, so an install of them stays in the final stage too. Empty otherwise."""
    if not any(
        n > last
        and ins.keyword == "RUN"
        and any(installs_node_modules(a) for a in line_argvs(ins.args))
        for n, ins in items
    ):
        return frozenset()
    if not native_node_modules(ctx.context_dir):
        return frozenset()
    return _NODE_GYP_TOOLCHAIN


# What node-gyp builds with (and build-essential, which brings them).
_NODE_GYP_TOOLCHAIN = frozenset({"build-essential", "make", "g++", "gcc", "libc6-dev", "cpp"})
# What else brings a compiler or make, and what a compiler needs to link.
_TOOLCHAIN_EXTRAS = {
    "make": {"build-essential"},
    "gcc": {"build-essential", "libc6-dev", "cpp"},
    "g++": {"build-essential", "libc6-dev", "cpp"},
}


def _toolchain_after_split(
    items: list[tuple[int, Instruction]], last: int, ctx: Context
) -> frozenset[str]:
    """Build packages the final stage's own RUNs after the install still call: node-gyp's
    toolchain (`_node_gyp_after_split`), and a tool run by name (`RUN make install`: django-oscar
    installs make for its Makefile). Their install stays in the final stage as well; without
    make there the build failed, and a split made only for make was not idempotent (a first run
    left the full image single-stage, slim-base added `apt-get install make`, and a second run
    split it off)."""
    kept = set(_node_gyp_after_split(items, last, ctx))
    for package in _tools_called_after_split(items, last):
        kept |= {package, *_TOOLCHAIN_EXTRAS.get(package, set())}
    return frozenset(kept)


def _tools_called_after_split(
    items: list[tuple[int, Instruction]], last: int
) -> dict[str, tuple[int, str]]:
    """The packages of the tools the final stage's own RUNs after the install call by name
    (`RUN make install`, `RUN curl ... | apt-key add -`), each with the line and the program
    that first calls it."""
    called: dict[str, tuple[int, str]] = {}
    for n, ins in items:
        if n <= last or ins.keyword != "RUN" or ins.exec_form is not None:
            continue
        for seg in split_commands(ins.args):
            for argv in [program(seg.text), *(program(c) for c in inner_commands(seg.text))]:
                tool = argv[0].rsplit("/", 1)[-1] if argv else ""
                package = TOOL_PACKAGES.get(tool)
                if package is not None:
                    called.setdefault(package, (ins.line, tool))
    return called


def _for_final(
    ins: Instruction,
    ctx: Context,
    fetch_only: frozenset[str] = frozenset(),
    compilers_kept: frozenset[str] = frozenset(),
) -> Instruction | None:
    """What of a builder-prefix instruction the final stage still needs. `compilers_kept`:
    build packages the final stage's own later RUNs need (`_node_gyp_after_split`)."""
    if ins.keyword in {"ARG", "ENV", "WORKDIR", "LABEL", "SHELL", "EXPOSE", "STOPSIGNAL"}:
        return ins
    if ins.keyword in {"COPY", "ADD"}:
        manifests = set(ctx.project.dependencies.manifest_files)
        sources = (ins.exec_form or words(ins.args))[:-1]
        if _copies_uv_binary(ins, sources):
            # uv's own binaries (`COPY --from=ghcr.io/astral-sh/uv /uv /uvx /bin/`), the
            # installer: it stays in the builder as a `pip install uv` does (`_tools_left`
            # does not count it, so `uv run` is dropped from CMD either way), where in the
            # final stage it was ~40 MB that nothing ran.
            return None
        if (
            "from" not in ins.flags
            and sources
            and all(posixpath.normpath(s) in manifests or _looks_like_manifest(s) for s in sources)
        ):
            return None
        return ins
    if ins.keyword != "RUN" or ins.exec_form is not None:
        return ins
    deps = ctx.project.dependencies
    build = set(system_needs(deps.packages).build) | fetch_only
    # Packages the same RUN purges after the install were only there to build.
    for seg in split_commands(ins.args):
        argv = program(seg.text)
        if argv and argv[0] in {"apt-get", "apt"} and {"purge", "remove"} & set(argv):
            build.update(
                a for a in argv[1:] if not a.startswith("-") and a not in {"purge", "remove"}
            )
    texts: list[str | None] = []
    segments = split_commands(ins.args)
    feeds = _feeds_install(segments)
    installs = any(_kind(s.text) in {"deps", "tool"} for s in segments)
    for k, seg in enumerate(segments):
        kind = _kind(seg.text)
        texts.append(None)
        if kind in {"deps", "tool", "venv"} or k in feeds:
            continue
        if installs and _removes_cache(seg.text, list(_CACHE_DIRS.values())):
            continue  # the install's download cache: the final stage installs nothing
        if installs and _deletes_bytecode(program(seg.text), ["/usr/local/lib/python"]):
            # The official images' `find /usr/local ... -name '*.pyc' ... -exec rm` after the
            # install (sweep26): it cleaned what the install wrote, which the builder now
            # does. In the final stage it ran after the standard library's bytecode step and
            # deleted that, so every start compiled the standard library again.
            continue
        if kind == "apt":
            # `apt-get install -y libpq-dev || true`: the command's own words, then what
            # follows them (`|| true`, a redirection), which is no package name.
            spans = command_word_spans(seg.text)
            end = spans[-1][1] if spans else len(seg.text)
            argv, tail = program(seg.text[:end]), seg.text[end:].strip()
            if "install" in argv:
                at = argv.index("install") + 1
                opts, pkgs = apt_install_words(argv[at:])
                keep = [
                    p
                    for p in pkgs
                    if not _build_only(p, build) or _package_name(p) in compilers_kept
                ]
                if not keep:
                    continue
                if "--no-install-recommends" not in opts:
                    opts.append("--no-install-recommends")
                if not has_yes(argv):
                    opts.insert(0, "-y")  # a build cannot answer apt's prompt
                words_out = [*argv[:at], *map(shlex.quote, opts), *keep, *([tail] if tail else [])]
                texts[k] = " ".join(words_out)
                continue
            if any(a in {"purge", "remove", "autoremove"} for a in argv):
                continue
        texts[k] = seg.text
    if any(t is None for t in texts):
        _drop_idle_cds(texts)
    kept = [t for t in texts if t is not None]
    if not any(_changes_packages(program(k)) or classify(k) != "apt" for k in kept):
        return None
    if len(kept) < len(segments) and all(
        (program(k) or [""])[0] in _LEFTOVERS for k in kept
    ):
        # `set -ex && pipenv install`, `pip install -r /r.txt && rm -rf /r.txt`, `export X=..
        # && pdm export`: without the install, what is left does nothing in the final stage.
        return None
    append: list[str] = []
    if any(_changes_packages(program(k)) and classify(k) == "apt" for k in kept):
        # Package lists and apt's caches are ~150 MB the running app never reads. Official
        # images drop the caches by configuration; other Debian bases do not.
        # `apt-get distclean` (apt 2.7.8+) is `clean` and the lists' removal in one.
        distclean = any(program(k)[:2] in (["apt-get", "distclean"], ["apt", "distclean"])
                        for k in kept)
        if not distclean and not any(program(k)[:2] == ["apt-get", "clean"] for k in kept):
            append.append("apt-get clean")
        if not distclean and not any("/var/lib/apt/lists" in k for k in kept):
            append.append("rm -rf /var/lib/apt/lists/*")
    if ins.opaque or ins.flags:
        # A heredoc's body cannot be edited; the final stage's copy takes no build mounts.
        return Instruction("RUN", " && ".join([*kept, *append]), ins.leading, None, ins.line)
    # Word edits in the user's text: the comments between the commands stay.
    return rewrite_commands(ins, texts, append=tuple(append))


def _without_builder_only_removals(
    items: list[tuple[int, Instruction]],
    last: int,
    moved: set[int],
    ctx: Context,
    fetch_only: frozenset[str],
    notes: list[str],
) -> list[Instruction]:
    """The instructions after the install for the final stage, without each `rm` of a file
    that only the builder has: the requirements file copied for the install (`COPY
    requirements.txt /tmp/requirements.txt`, `RUN pip install -r /tmp/requirements.txt`, `RUN
    rm /tmp/requirements.txt`, a common cleanup; mordaha/django-docker-seed). The split copies
    it into the builder alone, so in the final stage `rm` found nothing to remove and failed
    the build. Only while no later COPY or ADD could have brought the file back."""
    workdir: str | None = "/"
    builder_only: dict[str, int] = {}
    rest: list[Instruction] = []
    copied_since = False
    for n, ins in items[1:]:
        if ins.keyword == "WORKDIR":
            value = ins.args.strip().strip("'\"")
            workdir = (
                None if workdir is None or "$" in value else posixpath.join(workdir, value)
            )
        if n <= last:
            if (
                ins.keyword in {"COPY", "ADD"}
                and n not in moved
                and workdir is not None
                and _for_final(ins, ctx, fetch_only) is None
            ):
                for path in _copy_destinations(ins, workdir, ctx.context_dir):
                    builder_only[path] = ins.line
            continue
        if ins.keyword in {"COPY", "ADD"}:
            copied_since = True
        if (
            ins.keyword != "RUN"
            or ins.exec_form is not None
            or copied_since
            or workdir is None
            or not builder_only
        ):
            rest.append(ins)
            continue
        segments = split_commands(ins.args)
        texts: list[str | None] = [seg.text for seg in segments]
        for k, seg in enumerate(segments):
            argv = program(seg.text)
            if argv[:1] != ["rm"]:
                continue
            paths = [a for a in argv[1:] if not a.startswith("-")]
            if not paths or any(re.search(r"[*?\[$]", p) for p in paths):
                continue
            resolved = [posixpath.normpath(posixpath.join(workdir, p)) for p in paths]
            if all(p in builder_only for p in resolved):
                texts[k] = None
                lines = sorted({builder_only[p] for p in resolved})
                notes.append(
                    f"line {ins.line}: `{seg.text.strip()}` left out of the final stage: "
                    f"{'it' if len(paths) == 1 else 'what it removes'} was copied into the "
                    f"builder only (line {', '.join(map(str, lines))}), so in the final stage "
                    "rm would find nothing and fail the build"
                )
        if all(t is None for t in texts):
            continue
        rest.append(ins if None not in texts else rewrite_commands(ins, texts))
    return rest


def _copy_destinations(ins: Instruction, workdir: str, context: Path) -> list[str]:
    """The image paths a COPY/ADD of files creates: `dest` for one source (or `dest/name`
    when dest is a directory the image already has, like /tmp), `dest/name` for each source
    when dest ends with a slash or there are several; `dest` itself for a directory's copy
    (`COPY requirements/ /tmp/requirements/`: its files go into dest)."""
    parts = ins.exec_form or words(ins.args)
    if len(parts) < 2:
        return []
    *sources, dest = parts
    dest_path = posixpath.normpath(posixpath.join(workdir, dest))
    names = [posixpath.join(dest_path, posixpath.basename(s.rstrip("/"))) for s in sources]
    if any((context / s).is_dir() for s in sources if "$" not in s):
        names.append(dest_path)
    if len(sources) > 1 or dest.endswith("/") or dest in {".", "./"}:
        return names
    return [dest_path, *names]


def _drop_idle_cds(texts: list[str | None]) -> None:
    """Drop (set to None) each `cd` of the final stage's copy of a split RUN after which
    nothing kept depends on the directory: `apt install ... && cd /code/app && poetry install
    && rm -rf "$POETRY_CACHE_DIR"` (digital-learning-lab/webplattform) kept `cd /code/app`
    once the install went to the builder, and the final stage, where nothing had copied
    /code/app yet, failed there (`can't cd to /code/app`). A `cd` followed by a command that
    uses relative paths or runs a program stays."""
    for k, text in enumerate(texts):
        if text is None or program(text)[:1] != ["cd"]:
            continue
        if all(_ignores_cwd(t) for t in texts[k + 1 :] if t is not None):
            texts[k] = None


def _ignores_cwd(text: str) -> bool:
    """Whether a kept command does the same wherever it runs: apt, or a leftover command
    (`rm`, `set`, `echo`...) whose operands are absolute paths or variables."""
    argv = program(text)
    if classify(text) == "apt":
        # ... unless it installs a package file by a relative path (`./jbig2enc.deb`).
        return not any(
            ("/" in a or a.endswith(".deb")) and not a.startswith(("-", "/", "$"))
            for a in argv[1:]
        )
    if not argv or argv[0] not in _LEFTOVERS or argv[0] == "cd":
        return False
    return all(a.startswith(("-", "/", "$")) for a in argv[1:])


def _changes_packages(argv: list[str]) -> bool:
    """apt's `install`, and `upgrade`: the user's security upgrades apply to the final image
    too, not only to the builder."""
    return bool({"install", "upgrade", "dist-upgrade", "full-upgrade"} & set(argv))


def _uses_installed(ins: Instruction) -> bool:
    """Whether a RUN runs something other than the base system's commands (python, a console
    script the install put in the venv)."""
    for seg in split_commands(ins.args):
        argv = program(seg.text)
        if argv and classify(seg.text) != "apt" and argv[0] not in _SYSTEM_COMMANDS:
            return True
    return False


# Programs every Debian-based python image has, which need nothing from the virtualenv.
_SYSTEM_COMMANDS = frozenset(
    {
        "apt-get", "apt", "rm", "mkdir", "chmod", "chown", "ln", "cp", "mv", "echo", "printf",
        "set", "export", "cd", "true", ":", "touch", "sed", "useradd", "groupadd", "adduser",
        "addgroup", "curl", "wget", "tar", "gzip", "test", "[", "cat", "find", "ls", "sh",
        "bash", "install", "update-ca-certificates", "locale-gen",
    }
)


# Commands that only set up or clean up after the install they were chained with.
_LEFTOVERS = frozenset({"set", "export", "cd", "true", ":", "echo", "rm"})


def _python_between_installs(
    items: list[tuple[int, Instruction]], first: int, last: int
) -> str | None:
    """`line N: `python -m nltk.downloader punkt`` for a RUN after the first dependency install
    and before the last that runs Python itself (not pip, not venv)."""
    for n, ins in items:
        if not first < n < last or ins.keyword != "RUN" or ins.exec_form is not None:
            continue
        for seg in split_commands(ins.args):
            argv = program(seg.text)
            if (
                argv
                and re.fullmatch(r"python(3(\.\d+)?)?", argv[0].rsplit("/", 1)[-1])
                and _kind(seg.text) == "other"
            ):
                return f"line {ins.line}: `{seg.text.strip()}`"
    return None


_SETUP_PY_BUILDS = frozenset(
    {"install", "develop", "build", "build_ext", "bdist_wheel", "bdist_egg"}
)


def _source_build_before_install(
    items: list[tuple[int, Instruction]], last: int
) -> str | None:
    """`line N: `python3 setup.py install ...`` for a RUN up to the last dependency install
    that builds a package with its setup.py (nexisltd/Door-Opener: dlib cloned and built with
    cmake): not an install the builder's venv gets, and not something the final stage can
    repeat."""
    for n, ins in items:
        if n > last or ins.keyword != "RUN" or ins.exec_form is not None:
            continue
        for seg in split_commands(ins.args):
            argv = program(seg.text)
            if (
                len(argv) > 2
                and re.fullmatch(r"python(3(\.\d+)?)?", argv[0].rsplit("/", 1)[-1])
                and argv[1].rsplit("/", 1)[-1] == "setup.py"
                and _SETUP_PY_BUILDS & set(argv[2:])
            ):
                return f"line {ins.line}: `{seg.text.strip()[:60]}`"
    return None


def _looks_like_manifest(path: str) -> bool:
    name = posixpath.basename(path.rstrip("/"))
    return bool(
        re.fullmatch(
            r"requirements.*\.(txt|in)|Pipfile(\.lock)?|pyproject\.toml|poetry\.lock|"
            r"uv\.lock|\.python-version|constraints.*\.txt",
            name,
        )
        or path.rstrip("/").endswith("requirements")
    )


_APT_SOURCES = re.compile(
    r"/etc/apt/(sources\.list|apt\.conf|keyrings|trusted\.gpg|preferences)|"
    r"\b(add-apt-repository|apt-key|extrepo)\b"
)


def _after_apt_sources(instructions: list[Instruction]) -> int:
    """Where a new apt install goes: after the header, and after the last RUN that sets up
    apt's sources (a mirror, a repository, a proxy): a user behind a mirror cannot reach the
    default one."""
    at = _after_header(instructions)
    for k, ins in enumerate(instructions):
        if ins.keyword == "RUN" and _APT_SOURCES.search(ins.value):
            at = max(at, k + 1)
    return at


def _add_to_apt_install(
    instructions: list[Instruction], packages: list[str], before: int
) -> bool:
    """Add `packages` to the first `apt-get install` the final stage keeps before `before`
    (`apt-get install -y netcat-openbsd`): one package-list download and one layer, not a
    second RUN that fetches the lists again for libpq5. False when there is none."""
    for k, ins in enumerate(instructions[:before]):
        if ins.keyword != "RUN" or ins.exec_form is not None:
            continue
        segments = split_commands(ins.args)
        for j, seg in enumerate(segments):
            argv = program(seg.text)
            # `apt-get install -y x || true`, `> /dev/null`: the words do not end the command.
            if (
                argv
                and argv[0] in {"apt-get", "apt"}
                and "install" in argv
                and not has_shell_syntax(seg.text)
            ):
                texts: list[str | None] = [s.text for s in segments]
                texts[j] = seg.text.rstrip() + " " + " ".join(packages)
                # Word edits in the user's text: the comments between the commands stay.
                instructions[k] = rewrite_commands(ins, texts)
                return True
    return False


def _after_header(instructions: list[Instruction]) -> int:
    at = 1
    while at < len(instructions) and instructions[at].keyword in {"ARG", "ENV", "LABEL", "SHELL"}:
        at += 1
    return at


def _tools_left(instructions: list[Instruction]) -> set[str]:
    tools: set[str] = set()
    for ins in instructions:
        if ins.keyword == "RUN":
            for seg in split_commands(ins.args):
                if classify(seg.text) == "tool":
                    names = {spec_name(w) for w in words(seg.text)}
                    tools.update(names & {"poetry", "pipenv", "uv", "pdm"})
    return tools


# `pip install poetry`, `python3 -m pip install pipenv`: the program word (and `-m pip`).
_PIP_WORD = re.compile(
    r"(?<![\w./-])(?:(python3?(?:\.\d+)?)\s+-m\s+)?pip3?(?:\.\d+)?(?=\s+install\s)"
)
# Build tools that run in the builder and install into the venv from outside it.
_BUILD_TOOLS = TOOLS - {"pip", "setuptools", "wheel"}


def _tools_to_system_pip(ins: Instruction, venv: str, notes: list[str]) -> Instruction:
    """`pip install poetry` after the builder's venv exists -> `/usr/local/bin/pip install
    poetry`: the venv's pip comes first on PATH, so the tool would go into the venv and ship in
    the final image (sharay198/web-calculator: `pip install poetry && poetry install`), where the
    note says it stays in the builder. The base image's pip puts it beside the system Python;
    it still installs into the venv (VIRTUAL_ENV), as it does when installed before it."""
    if ins.keyword != "RUN" or ins.exec_form is not None:
        return ins
    edits: list[Edit] = []
    tools: list[str] = []
    for m in _PIP_WORD.finditer(ins.value):
        command = re.split(r"&&|\|\||;|\|", ins.value[m.start() :], maxsplit=1)[0]
        found = pip_install_targets(program(command))
        if found is None or found[0]:
            continue
        names = [spec_name(s) for s in found[1]]
        if not names or not all(n in _BUILD_TOOLS for n in names):
            continue
        tools.extend(n for n in names if n not in tools)
        if m[1]:  # `python -m pip`: the interpreter's word
            edits.append(Edit(m.start(1), m.end(1), f"/usr/local/bin/{m[1]}"))
        else:
            edits.append(Edit(m.start(), m.start(), "/usr/local/bin/"))
    if not edits:
        return ins
    notes.append(
        f"line {ins.line}: {', '.join(tools)} installed with the base image's pip "
        f"(/usr/local/bin), not {venv}'s, which comes first on PATH: a build tool stays in the "
        "builder instead of shipping in the final stage's virtualenv"
    )
    return apply_edits(ins, edits)


def _stop_runserver_as_pid1(
    final_part: list[Instruction],
    before: list[Instruction],
    after: list[Instruction],
    notes: list[str],
) -> None:
    """STOPSIGNAL SIGINT when dropping `uv run`/`pdm run` makes runserver PID 1.

    Under those runners runserver is their child and stops on the SIGTERM they pass on, so
    fix-cmd-binding added no STOPSIGNAL; once the runner is gone runserver is PID 1, which
    ignores SIGTERM (docker stop would wait 10 s and kill it), and a second run would add it."""
    starts = [k for k, i in enumerate(after) if i.keyword == "ENTRYPOINT"]
    starts = starts or [k for k, i in enumerate(after) if i.keyword == "CMD"]
    if not starts or any(i.keyword == "STOPSIGNAL" for i in final_part + after):
        return
    k = starts[-1]
    old, new = before[k].exec_form, after[k].exec_form
    if old is None or new is None or old == new:
        return
    prefix, _ = strip_runner(old)
    found = server_argv(new)
    if not (prefix and prefix[0] in PARENT_RUNNERS and found and found[1] == "runserver"):
        return
    if found[0] != 0 or new[0].rsplit("/", 1)[-1] in {"sh", "bash", "dash", "ash"}:
        return
    after.insert(k, Instruction.new("STOPSIGNAL", "SIGINT"))
    notes.append(
        f"added STOPSIGNAL SIGINT: without `{prefix[0]} run` runserver is PID 1, which ignores "
        "SIGTERM, so docker stop would wait 10 s and kill it; SIGINT stops it at once"
    )


def _strip_runners(ins: Instruction, tools: set[str], notes: list[str]) -> Instruction:
    """`poetry run gunicorn` -> `gunicorn`: the tool stays in the builder, the venv is on PATH."""
    if ins.keyword not in {"CMD", "ENTRYPOINT", "RUN", "HEALTHCHECK"}:
        return ins
    argv = ins.exec_form if ins.keyword != "HEALTHCHECK" else None
    if argv is not None:
        prefix, rest = strip_runner(argv)
        if prefix and prefix[0] not in tools:
            import json

            notes.append(
                f"line {ins.line}: `{' '.join(prefix)}` dropped from {ins.keyword}: {prefix[0]} "
                "stays in the builder and the virtualenv is on PATH, so the same program runs"
            )
            return ins.with_args(json.dumps(rest))
        return ins
    # Word edits in the user's text: a HEALTHCHECK's options and continuation lines stay.
    edits = [
        Edit(m.start(), m.end(), "")
        for m in _RUNNER_WORDS.finditer(ins.value)
        if m[1] not in tools
    ]
    if edits:
        notes.append(
            f"line {ins.line}: `poetry/pipenv/uv/pdm run` dropped from {ins.keyword}: the tool "
            "stays in the builder and the virtualenv is on PATH"
        )
        return apply_edits(ins, edits)
    return ins


_RUNNER_WORDS = re.compile(r"\b(poetry|pipenv|uv|pdm) run\s+")
