"""slim-base: run on `python:X.Y-slim` instead of the full `python:X.Y` image.

Why: the full image is the slim one plus compilers, `-dev` headers, git, curl and hundreds of MB
of libraries a Django app never loads at run time. Switching is only safe with the packages the
build still needs put back explicitly: a compiler and headers for dependencies without wheels
(psycopg2, mysqlclient, ...), their shared libraries at run time, and any tool a RUN line calls
(curl, git, ...), each before the first RUN that calls it, on a RUN that fetches apt's lists
itself (the slim image has none). Same Python version, same Debian release. After a multi-stage
split it changes only the final stage: the builder keeps the full image's toolchain.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from optimizer.dockerfile import OFFICIAL_PREFIX, Dockerfile, Instruction, Stage
from optimizer.makefile import make_recipe
from optimizer.shell import (
    apt_install_words,
    classify,
    inner_commands,
    program,
    shell_c_script,
    split_commands,
)
from optimizer.syspkgs import (
    FULL_IMAGE_TOOLS,
    TOOL_PACKAGES,
    archived_release,
    debian_release,
    pinned_image,
    release_pin,
    system_needs,
)
from transforms.base import Context, Result
from transforms.dev_image import dev_only, services_building, services_running_image
from transforms.dockerignore import runs_git_at_run_time
from transforms.image_paths import context_reader
from transforms.raw_edit import Edit, apply_edits, indent_like, keep_indent

_PYTHON = re.compile(
    rf"^(?P<repo>{OFFICIAL_PREFIX}python):(?P<version>\d+(?:\.\d+)*)"
    r"(?:-(?P<release>bookworm|bullseye|buster|trixie))?$"
)


class SlimBase:
    """Switch the final image to the -slim variant of the same Python and Debian release."""

    name = "slim-base"

    def detect(self, dockerfile: Dockerfile, ctx: Context) -> bool:
        return bool(self.apply(dockerfile, ctx).notes)

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        skipped: list[str] = []
        stage = base_stage(out, out.final_stage())
        from_ins = out.instructions[stage.start]
        resolved = out.resolve(stage.base)
        dev = dev_only(out, ctx)
        if dev is not None:
            skipped.append(
                f"{dev}; the full image's compilers and tools stay for the developer's use "
                "(--production-server to treat it as a production image)"
            )
            return Result(out, notes, skipped)
        if "@" in resolved:
            skipped.append(
                f"line {from_ins.line}: {resolved} is pinned by digest; a slim variant has another "
                "digest, so it is left for you to choose"
            )
            return Result(out, notes, skipped)
        match = _PYTHON.match(resolved)
        if not match:
            return Result(out, notes, skipped)
        inlined: str | None = None
        builders = _side_builders(out, stage)
        if builders:
            # The project's own builder starts FROM the same stage as the final image
            # (comparative-process-mining: `FROM python:3.9-buster as base`, `FROM base as
            # builder` running `pip install --target`, then `FROM base`; richie's back-builder
            # building the project with setuptools-scm and git). On slim it loses the compilers,
            # headers and git its installs used, which no table of packages knows in full. Only
            # the final stage's own chain may change: when the shared stage is a bare alias of
            # the image, its child on the final chain names the image itself.
            child = _child_on_final_chain(out, stage)
            if child is None or not _bare_alias(out, stage) or _side_builders(out, child):
                names = ", ".join(f"'{b.name or b.index}'" for b in builders)
                skipped.append(
                    f"line {from_ins.line}: stage {names} "
                    + ("installs" if len(builders) == 1 else "install")
                    + f" Python packages FROM {stage.name or stage.index} too: on slim "
                    + ("it" if len(builders) == 1 else "they")
                    + " would lose the compilers, headers and git the full image gave "
                    + ("its" if len(builders) == 1 else "their")
                    + f" builds; {resolved} left alone (start the final stage's own chain FROM "
                    "the -slim image yourself)"
                )
                return Result(out, notes, skipped)
            child_from = out.instructions[child.start]
            word = child_from.value.split()[0]
            image = out.instructions[stage.start].value.split()[0]
            new_value = child_from.value.replace(word, image, 1)
            out.instructions[child.start] = keep_indent(
                child_from, child_from.with_value(new_value)
            )
            inlined = (
                ", ".join(f"'{b.name or b.index}'" for b in builders)
                + f" builds FROM {stage.name} too"
            )
            stage = next(st for st in out.stages() if st.index == child.index)
            from_ins = out.instructions[stage.start]
        heredoc = next(
            (
                i
                for st in [stage, *(d for d, _ in built_on(out, stage))]
                for _, i in out.iter_stage(st)
                if i.opaque and i.keyword == "RUN"
            ),
            None,
        )
        if heredoc is not None:
            # Its commands are not read, so the tools and headers it needs on slim are unknown.
            skipped.append(
                f"line {heredoc.line}: a heredoc RUN may use what only the full image has; "
                f"{resolved} left alone"
            )
            return Result(out, notes, skipped)
        slim = f"{match['repo']}:{match['version']}-slim" + (
            f"-{match['release']}" if match["release"] else ""
        )
        why_not = _retag(out, stage, match["version"], match["release"])
        if why_not is not None:
            skipped.append(f"line {from_ins.line}: {why_not}; left alone")
            return Result(dockerfile.copy(), [], skipped)
        notes.append(
            f"line {from_ins.line}: {resolved} -> {slim}: the full image adds compilers, headers "
            "and tools the running app never uses; same Python and Debian release"
            + (
                f"; only the final stage's chain: {inlined} and keeps the full image's "
                "toolchain"
                if inlined
                else ""
            )
        )
        release = match["release"] or debian_release(resolved)
        packages, reasons, before = _needed_packages(out, stage, ctx, release)
        archived = archived_release(resolved)
        every = list(packages)
        for later in built_on(out, stage):
            every += _needed_packages(out, stage, ctx, release, later, frozenset(packages))[0]
        pin = None if match["release"] else release_pin(resolved, every)
        current = out.instructions[stage.start]
        if pin is not None and re.search(re.escape(slim) + r"(?=\s|$)", current.value):
            # Named for bookworm, the release this tag had; Docker Hub's tag is trixie now.
            pinned = pinned_image(slim, pin[0])
            out.instructions[stage.start] = keep_indent(
                current, current.with_value(current.value.replace(slim, pinned, 1))
            )
            notes.append(
                f"{slim} -> {pinned}: {', '.join(pin[1])} "
                + ("is" if len(pin[1]) == 1 else "are")
                + f" named as in Debian {pin[0]}, the release this tag had; since August "
                "2025 Docker Hub's tag is trixie, where the install would fail"
            )
        if every and archived is not None:
            skipped.append(
                f"line {from_ins.line}: {resolved} is on Debian {archived}, whose packages have "
                "left deb.debian.org (archive.debian.org only): slim would need apt-get install "
                f"{', '.join(dict.fromkeys(every))}, which fails there; left alone"
            )
            return Result(dockerfile.copy(), [], skipped)
        if packages:
            _add_apt_packages(out, stage, packages, before)
            notes.append(
                "installs what the full image provided and this build uses: "
                + ", ".join(packages)
                + (" (" + "; ".join(reasons) + ")" if reasons else "")
            )
        # The stages built FROM this one run on slim too (wagtail/wagtail.org: `dev` FROM
        # backend runs `curl ... | bash -`): what their RUNs need goes into them, one at a
        # time, each asked after the previous edits (instruction numbers move).
        added: dict[int, set[str]] = {stage.index: set(packages)}
        for index in [st.index for st, _ in built_on(out, stage)]:
            later = next((st, ch) for st, ch in built_on(out, stage) if st.index == index)
            chain_has = frozenset(p for st in [stage, *later[1]] for p in added.get(st.index, ()))
            extra, why, at = _needed_packages(out, stage, ctx, release, later, chain_has)
            if not extra:
                continue
            _add_apt_packages(out, later[0], extra, at)
            added[index] = set(extra)
            notes.append(
                f"stage {later[0].name or later[0].index} (FROM {stage.name or stage.index}) "
                "installs what the full image provided and its RUNs use: "
                + ", ".join(extra)
                + (" (" + "; ".join(why) + ")" if why else "")
            )
        stage = next(st for st in out.stages() if st.index == stage.index)
        updated = update_before_installs(out.instructions, stage.start + 1, stage.end)
        if updated:
            notes.append(
                ("line " if len(updated) == 1 else "lines ")
                + ", ".join(str(n) for n in updated)
                + ": `apt-get update` first and `-y`: the slim image has no package lists and "
                "really installs, so an install needs its own update and cannot stop at apt's "
                "prompt"
            )
        out.instructions[:] = indent_like(dockerfile.instructions, out.instructions)
        return Result(out, notes, skipped)


def update_before_installs(instructions: list[Instruction], start: int, end: int) -> list[int]:
    """Every apt install in instructions[start:end] runs after an `apt-get update` whose lists
    are still there; an install without one gets `apt-get update && ` in front, inserted into
    the user's own text. Returns the (original) line numbers changed."""
    fresh = False
    changed: list[int] = []
    for k in range(start, end):
        ins = instructions[k]
        if ins.keyword == "FROM":
            fresh = False
        if ins.keyword != "RUN" or ins.exec_form is not None:
            continue
        texts = [s.text for s in split_commands(ins.args)]
        needs = False
        for text in texts:
            argv = program(text)
            if argv[:2] in (["apt-get", "update"], ["apt", "update"]):
                fresh = True
            elif argv and argv[0] in {"apt-get", "apt"} and "install" in argv and not fresh:
                needs = True
            elif "/var/lib/apt/lists" in text:
                fresh = False
        yes = _yes_edits(ins)
        if yes:
            # Without -y apt asks and a build answers no (`Abort.`); the full image often had
            # every package already, so the user's line never had to ask.
            ins = instructions[k] = apply_edits(ins, yes)
            if not needs:
                changed.append(ins.line)
        if needs:
            instructions[k] = _prefixed(ins, "apt-get update && ")
            changed.append(ins.line)
            fresh = not any("/var/lib/apt/lists" in t for t in texts)
    return changed


def _yes_edits(ins: Instruction) -> list[Edit]:
    """`-y` after `install` for each apt install of the RUN that does not answer the prompt."""
    if not ins.value.endswith(ins.args):
        return []
    args_at = len(ins.value) - len(ins.args)
    edits: list[Edit] = []
    at = 0
    for seg in split_commands(ins.args):
        found = ins.args.find(seg.text, at)
        if found < 0:
            return []
        at = found + len(seg.text)
        spans = command_word_spans(seg.text)
        argv = [seg.text[a:b] for a, b in spans]
        head = next((w for w in argv if not _assignment(w)), "")  # DEBIAN_FRONTEND=... apt-get
        if head in {"apt-get", "apt"} and "install" in argv and not has_yes(argv):
            end = args_at + found + spans[argv.index("install")][1]
            edits.append(Edit(end, end, " -y"))
    return edits


def _prefixed(ins: Instruction, prefix: str) -> Instruction:
    """`prefix` put before the command, in the raw text too when it can be found there."""
    new = ins.with_args(prefix + ins.args)
    first = ins.args.split(None, 1)[0] if ins.args.split() else ""
    if ins.raw is not None and first:
        keyword_end = len(ins.raw) - len(ins.raw.lstrip()) + len(ins.keyword)
        at = ins.raw.find(first, keyword_end)
        if at > 0:
            raw = ins.raw[:at] + prefix + ins.raw[at:]
            return Instruction(ins.keyword, new.value, ins.leading, raw, ins.line)
    return new


def built_on(dockerfile: Dockerfile, stage: Stage) -> list[tuple[Stage, list[Stage]]]:
    """The stages that build `FROM` this one, directly or through others, each with the chain
    of stages between (its ancestors after `stage`, then itself): they run on the image this
    stage starts from, so a change of its base changes theirs (wagtail/wagtail.org: `backend`
    on python:3.14-trixie, then `prod` and `dev` FROM backend; dev's `curl ... | bash -`)."""
    stages = dockerfile.stages()
    by_name = {s.name.lower(): s for s in stages if s.name}
    found: list[tuple[Stage, list[Stage]]] = []
    for candidate in stages[stage.index + 1 :]:
        chain = [candidate]
        current = candidate
        while True:
            parent = by_name.get(current.base.lower())
            if parent is None or parent.index >= current.index:
                break
            if parent.index == stage.index:
                found.append((candidate, list(reversed(chain))))
                break
            chain.append(parent)
            current = parent
    return found


def _installs_python(dockerfile: Dockerfile, stage: Stage) -> bool:
    """A RUN of the stage installs Python packages or builds wheels (pip, uv, poetry, pipenv,
    pdm)."""
    for _, ins in dockerfile.iter_stage(stage):
        if ins.keyword != "RUN" or ins.opaque:
            continue
        if ins.exec_form is not None:
            texts = [shlex.join(ins.exec_form)]
        else:
            segments = [seg.text for seg in split_commands(ins.args)]
            texts = segments + [t for seg in segments for t in inner_commands(seg)]
        for text in texts:
            argv = program(text)
            pip = any(w.rsplit("/", 1)[-1].startswith("pip") for w in argv[:3])
            if classify(text) == "deps" or (pip and "wheel" in argv[1:4]):
                return True
    return False


def _side_builders(dockerfile: Dockerfile, stage: Stage) -> list[Stage]:
    """The stages built FROM `stage` (directly or through others) that are not on the final
    stage's chain, install Python packages and are copied from (`COPY --from=`) by a stage of
    that chain: the project's own builders. Another target built beside the final one
    (wagtail.org's `prod` before its last stage `dev`) is not one."""
    chain = dockerfile.lineage(dockerfile.final_stage())
    on_chain = {s.index for s in chain}
    copied = {
        ins.flags["from"].lower()
        for st in chain
        for _, ins in dockerfile.iter_stage(st)
        if ins.keyword in {"COPY", "ADD"} and ins.flags.get("from")
    }
    return [
        later
        for later, _ in built_on(dockerfile, stage)
        if later.index not in on_chain
        and ((later.name or "").lower() in copied or str(later.index) in copied)
        and _installs_python(dockerfile, later)
    ]


def _child_on_final_chain(dockerfile: Dockerfile, stage: Stage) -> Stage | None:
    """The stage of the final stage's chain that builds directly FROM `stage`."""
    chain = dockerfile.lineage(dockerfile.final_stage())
    for parent, child in zip(chain[1:], chain, strict=False):
        if parent.index == stage.index:
            return child
    return None


def _bare_alias(dockerfile: Dockerfile, stage: Stage) -> bool:
    """`FROM python:3.9-buster AS base` and nothing else: a name for the image."""
    return stage.end - stage.start == 1


def base_stage(dockerfile: Dockerfile, stage: Stage) -> Stage:
    """Follow `FROM <earlier stage>` back to the stage that names an image."""
    stages = dockerfile.stages()
    seen = {stage.index}
    while True:
        parent = next((s for s in stages if s.name and s.name.lower() == stage.base.lower()), None)
        if parent is None or parent.index in seen or parent.index >= stage.index:
            return stage
        seen.add(parent.index)
        stage = parent


def _literal_tag(version: str) -> re.Pattern[str]:
    return re.compile(
        r"(python:)(" + re.escape(version) + r")(-(?:bookworm|bullseye|buster|trixie))?(?=\s|$)"
    )


def retags_in_from(from_value: str, resolved: str) -> bool:
    """Whether slim-base switches a stage by rewriting its FROM line itself (a literal tag, or
    `python:${VERSION}` whose value carries no release), rather than a global ARG's default.
    After multi-stage's split the builder starts from the same FROM text, so an ARG it shares
    is left alone and such a final stage stays on the full image."""
    match = _PYTHON.match(resolved)
    if match is None:
        return False
    if _literal_tag(match["version"]).search(from_value):
        return True
    return bool(re.search(r"python:\$\{?(\w+)\}?(?=\s|$)", from_value)) and not match["release"]


def _retag(
    dockerfile: Dockerfile, stage: Stage, version: str, release: str | None
) -> str | None:
    """Rewrite the tag where it is spelled: in FROM itself or in the global ARG it comes from.
    None when done, else why not."""
    resolved = dockerfile.resolve(dockerfile.instructions[stage.start].value.split()[0])
    unknown = f"cannot tell where {resolved} is spelled (build args)"
    from_ins = dockerfile.instructions[stage.start]
    literal = _literal_tag(version)
    if literal.search(from_ins.value):
        new = literal.sub(lambda m: f"{m[1]}{m[2]}-slim{m[3] or ''}", from_ins.value, count=1)
        dockerfile.instructions[stage.start] = keep_indent(from_ins, from_ins.with_value(new))
        return None
    # `FROM python:${PYTHON_VERSION}`: add -slim after the variable unless it carries a release.
    tag_var = re.search(r"python:\$\{?(\w+)\}?(?=\s|$)", from_ins.value)
    if tag_var and not release:
        new = re.sub(r"(python:\$\{?\w+\}?)(?=\s|$)", r"\1-slim", from_ins.value, count=1)
        dockerfile.instructions[stage.start] = keep_indent(from_ins, from_ins.with_value(new))
        return None
    # The variable holds the tag or the whole image: change its default.
    for n, ins in enumerate(dockerfile.instructions):
        if ins.keyword == "FROM":
            break
        name, eq, default = ins.value.partition("=")
        used = re.compile(r"\$\{?" + re.escape(name.strip()) + r"\b")
        if not eq or not used.search(from_ins.value):
            continue
        # The builder multi-stage made (or the Dockerfile's own) starts from the same variable:
        # its new default would make that stage slim too, without the compilers and headers
        # its installs use (psycopg2 from source: no pg_config).
        others = [
            s for s in dockerfile.stages()
            if s.index != stage.index and used.search(dockerfile.instructions[s.start].value)
        ]
        if others:
            return (
                f"{resolved} comes from ARG {name.strip()}, which the stage "
                f"'{others[0].name or others[0].index}' starts from too: a slim default would "
                "take its compilers and headers; spell the final stage's FROM with -slim "
                "yourself"
            )
        value = default.strip().strip("\"'")
        tag_only = re.fullmatch(
            r"(" + re.escape(version) + r")(-(?:bookworm|bullseye|buster|trixie))?", value
        )
        if tag_only:
            dockerfile.instructions[n] = ins.with_value(
                f"{name.strip()}={tag_only[1]}-slim{tag_only[2] or ''}"
            )
            return None
        if literal.search(value):
            new_value = literal.sub(lambda m: f"{m[1]}{m[2]}-slim{m[3] or ''}", value, count=1)
            dockerfile.instructions[n] = ins.with_value(f"{name.strip()}={new_value}")
            return None
    return unknown


# What a package the Dockerfile installs brings with it by its Depends: build-essential's
# compilers (Intervuo's backend installs build-essential, and slim-base added gcc and libc6-dev
# beside it to build mysqlclient).
_BRINGS = {"build-essential": frozenset({"gcc", "g++", "make", "libc6-dev", "dpkg-dev"})}


def with_dependencies(packages: set[str]) -> set[str]:
    """`packages` and what they bring (`build-essential`: gcc, g++, make, libc6-dev)."""
    return packages.union(*(_BRINGS.get(p, frozenset()) for p in packages))


def stage_apt_packages(dockerfile: Dockerfile, stage: Stage) -> set[str]:
    return apt_packages(ins for _, ins in dockerfile.iter_stage(stage))


def apt_packages(instructions: Iterable[Instruction]) -> set[str]:
    """Every package an `apt-get install` / `apt install` in these RUN lines names."""
    found: set[str] = set()
    for ins in instructions:
        if ins.keyword != "RUN":
            continue
        for seg in split_commands(ins.args):
            argv = program(seg.text)
            if argv and argv[0] in {"apt-get", "apt"} and "install" in argv:
                found.update(apt_install_words(argv[argv.index("install") + 1 :])[1])
    return found


def installs_dependencies(dockerfile: Dockerfile, stage: Stage) -> bool:
    return any(
        ins.keyword == "RUN" and any(classify(s.text) == "deps" for s in split_commands(ins.args))
        for _, ins in dockerfile.iter_stage(stage)
    )


def _needed_packages(
    dockerfile: Dockerfile,
    stage: Stage,
    ctx: Context,
    release: str,
    later: tuple[Stage, list[Stage]] | None = None,
    also_have: frozenset[str] = frozenset(),
) -> tuple[list[str], list[str], int | None]:
    """The packages to install, why, and the instruction they must come before (None: any).
    `later`: a stage built on `stage` (with the chain between, from `built_on`): then only
    what that stage's own RUNs need, to be installed there (the compilers a `builder` FROM
    base uses stay out of base and of the final stage built on it too); `also_have`: what is
    installed for it already, in `stage` or in a stage between."""
    have = with_dependencies(stage_apt_packages(dockerfile, stage) | set(also_have))
    wanted: list[str] = []
    reasons: list[str] = []
    before: int | None = None
    read = context_reader(dockerfile, ctx)
    first_install: int | None = None
    node_install: int | None = None

    def want_tools(
        argvs: Iterable[list[str]],
        at: int | None,
        why: str,
        full_only: bool = True,
        installed: frozenset[str] = frozenset(),
    ) -> None:
        """Packages for the tools these commands call. `full_only`: only those the full image
        had; a script's branch calling another (npm, psql) never ran on it either.
        `installed`: what a later stage built on this one installs itself before `at`."""
        nonlocal before
        for argv in argvs:
            tool = argv[0].rsplit("/", 1)[-1] if argv else ""
            if tool not in TOOL_PACKAGES or (full_only and tool not in FULL_IMAGE_TOOLS):
                continue
            if (have | installed) & _ALSO_PROVIDED_BY.get(tool, frozenset()):
                continue  # NodeSource's nodejs brings npm; Debian's npm would clash
            package = TOOL_PACKAGES[tool]
            if package in installed:
                continue
            if at is not None and package not in have and package not in wanted:
                before = at if before is None else min(before, at)
            wanted.append(package)
            reasons.append(why.format(tool=tool))

    # The stage's own RUNs, or those of a stage built on it, which run on the slim image too:
    # what that stage (or one between) installs itself before a RUN counts as there.
    runs: list[tuple[int, Instruction, frozenset[str]]] = []
    if later is None:
        runs = [(n, ins, frozenset()) for n, ins in dockerfile.iter_stage(stage)]
    else:
        for n, ins in dockerfile.iter_stage(later[0]):
            own = [i for st in later[1] for m, i in dockerfile.iter_stage(st) if m < n]
            runs.append((n, ins, frozenset(apt_packages(own))))
    for n, ins, installed in runs:
        if ins.keyword != "RUN":
            continue
        # Every program of a pipeline: `curl ... | bash` needs curl.
        want_tools(
            (program(part) for seg in split_commands(ins.args) for part in _pipeline(seg.text)),
            n,
            "RUN calls {tool}",
            # Only what the full image had: a tool it lacked (npm, psql) came to the original
            # from the Dockerfile itself (an apt line, nvm, a NodeSource script, a COPY), and
            # comes the same way on slim. Tabbycat's `nvm install` brings npm; Debian's npm
            # was added to the slim image beside it.
            full_only=True,
            installed=installed,
        )
        # Also inside `if ...; then pip install -r local.txt; else pip install -r prod.txt; fi`
        # (sleakops/example-django-celery): psycopg2's headers must be there for it.
        # And inside a shell's script string: reach1dev/react-django-docker-boilerplate's `RUN
        # /bin/bash -c "virtualenv .env && source .env/bin/activate && pip install -r ..."`
        # compiles mysqlclient with the full image's headers.
        if first_install is None and (
            any(
                classify(c) == "deps"
                for seg in split_commands(ins.args)
                for c in inner_commands(seg.text)
            )
            or any(classify(shlex.join(argv)) == "deps" for argv in line_argvs(ins.args))
        ):
            first_install = n
        # A script the RUN runs (`./setup-venv.sh`) builds with the same image: the tools it
        # calls and the dependencies it installs need the same packages as the RUN's own.
        for name, text in run_scripts(line_argvs(ins.args), read):
            argvs = list(_script_argvs(text, read))
            want_tools(argvs, n, f"{name} calls {{tool}}", installed=installed)
            if first_install is None and any(
                classify(" ".join(shlex.quote(w) for w in argv)) == "deps" for argv in argvs
            ):
                first_install = n
        # `npm ci` of a package that compiles with node-gyp (node-sass, whose binding is
        # built when no prebuilt one downloads) used the full image's make and g++.
        if node_install is None and any(installs_node_modules(a) for a in line_argvs(ins.args)):
            node_install = n
    native = native_node_modules(ctx.context_dir) if node_install is not None else []
    has_toolchain = "build-essential" in have or {"make", "g++"} <= have
    if native and node_install is not None and not has_toolchain:
        wanted.append("build-essential")
        reasons.append(
            f"npm installs {', '.join(native)}, which node-gyp compiles: needs make and g++"
        )
        before = node_install if before is None else min(before, node_install)
    deps = ctx.project.dependencies
    needs = system_needs(deps.packages, release)
    if later is not None:
        # Run-time tools and libraries are the base stage's business (asked without `later`).
        if first_install is not None:
            wanted.extend([*needs.build, *(["git"] if deps.needs_git else [])])
            reasons.extend(needs.reasons if needs.build else ())
            if needs.build or deps.needs_git:
                before = first_install if before is None else min(before, first_install)
        result = [p for p in dict.fromkeys(wanted) if p not in have]
        return result, list(dict.fromkeys(reasons)) if result else [], before
    # What runs in the container: CMD, ENTRYPOINT, HEALTHCHECK and the scripts they run call
    # tools the full image had (curl, wget, git, ps); they must be installed on slim too.
    for _, ins in _run_time_instructions(dockerfile, stage):
        value = ins.value
        if ins.keyword == "HEALTHCHECK":
            value = healthcheck_command_text(ins.args)
        argvs = [ins.exec_form] if ins.exec_form else _exec_or_shell(value)
        want_tools(argvs, None, f"{ins.keyword} calls {{tool}}")
        for name, text in run_scripts(argvs, read):
            want_tools(_script_argvs(text, read), None, f"{name} calls {{tool}} at start")
    # A compose service that builds this image runs its own command and healthcheck in it
    # (power-ops/cmdb: `healthcheck: test: curl localhost:8000`): on slim, without curl, the
    # container turned unhealthy.
    for label, argvs in _compose_run_commands(ctx):
        # `${CI_REGISTRY_IMAGE}` in the label is no format field of the reason.
        service = label.replace("{", "{{").replace("}", "}}")
        want_tools(argvs, None, f"{service} calls {{tool}}")
        for name, text in run_scripts(argvs, read):
            want_tools(
                _script_argvs(text, read), None,
                f"{name}, run by {service}, calls {{tool}}",
            )
    # The project's Python runs git (a version string from `git rev-parse` in the settings):
    # the full image had it.
    git_user = runs_git_at_run_time(ctx.context_dir)
    if git_user is not None and "git" not in have:
        wanted.append("git")
        reasons.append(f"{git_user} runs git")
    if first_install is not None:
        if deps.needs_git:
            wanted.append("git")
            reasons.append("requirements fetch from git")
        # No python3-dev: the official images carry Python.h in /usr/local/include, and Debian's
        # python3-dev would pull in a second Python (Debian's) beside /usr/local's.
        wanted.extend(needs.build)
        if needs.build or deps.needs_git:
            before = first_install if before is None else min(before, first_install)
    wanted.extend(needs.runtime)
    reasons.extend(needs.reasons)
    result = [p for p in dict.fromkeys(wanted) if p not in have]
    return result, list(dict.fromkeys(reasons)) if result else [], before


# npm packages that build a native addon with node-gyp at install time, where no prebuilt
# binary is fetched (node-sass downloads its binding from GitHub and compiles it when none
# matches the Node version or the download fails): make, g++ and Python are needed then.
_NODE_GYP_PACKAGES = ("node-sass", "fibers", "deasync", "node-expat", "libxmljs", "libxmljs2",
                      "iconv", "microtime", "grpc")
# The name as a key of package.json or package-lock.json (`"node-sass": `, `"node_modules/
# node-sass": `) or an entry of yarn.lock/pnpm-lock.yaml (`node-sass@^4.14.1:`, `/node-sass@`).
_NODE_GYP_IN_MANIFEST = re.compile(
    r"""(?:^|[\s"'/])(""" + "|".join(re.escape(n) for n in _NODE_GYP_PACKAGES)
    + r""")(?:"\s*:|@)""",
    re.MULTILINE,
)
_NODE_MANIFESTS = ("package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml",
                   "npm-shrinkwrap.json")


def installs_node_modules(argv: list[str]) -> bool:
    """`npm install|ci|i|rebuild`, `yarn` / `yarn install`, `pnpm install|i`."""
    head = argv[0].rsplit("/", 1)[-1] if argv else ""
    rest = [a for a in argv[1:] if not a.startswith("-")]
    if head == "npm":
        return rest[:1] in (["install"], ["i"], ["ci"], ["rebuild"])
    if head == "yarn":
        return not rest or rest[:1] == ["install"]
    if head == "pnpm":
        return rest[:1] in (["install"], ["i"])
    return False


def native_node_modules(root: Path) -> list[str]:
    """The node-gyp packages the context's npm manifests and lockfiles name (not under
    node_modules, at most three directories down)."""
    found: set[str] = set()
    for depth in range(4):
        for name in _NODE_MANIFESTS:
            for path in sorted(root.glob("/".join(["*"] * depth + [name])))[:20]:
                if "node_modules" in path.parts or not path.is_file():
                    continue
                try:
                    text = path.read_text(encoding="utf-8", errors="ignore")[:5_000_000]
                except OSError:
                    continue
                found.update(m[1] for m in _NODE_GYP_IN_MANIFEST.finditer(text))
    return sorted(found)


def _compose_run_commands(ctx: Context) -> Iterator[tuple[str, list[list[str]]]]:
    """(service, the commands it runs in the image: entrypoint + command, healthcheck test) for
    each compose service that builds this Dockerfile. A compose file Compose cannot read gives
    nothing: multi-stage already says so when it matters there."""
    building = [(service, "") for service in services_building(ctx)]
    for service, how in [*building, *services_running_image(ctx)]:
        label = f"compose service `{service.name}`" + (f" ({how})" if how else "")
        argvs: list[list[str]] = []
        command = (service.entrypoint or []) + (service.command or [])
        if command:
            argvs.append(command)
            # `sh -c "wait-for-it db:5432 && curl ..."`: the commands inside it too.
            if len(command) >= 3 and command[-2] == "-c":
                argvs.extend(line_argvs(command[-1]))
        test = (service.healthcheck or {}).get("test")
        if isinstance(test, str):
            argvs.extend(line_argvs(test))
        elif isinstance(test, list) and test and test[0] == "CMD-SHELL":
            argvs.extend(line_argvs(" ".join(str(w) for w in test[1:])))
        elif isinstance(test, list) and test and test[0] == "CMD":
            argvs.append([str(w) for w in test[1:]])
        if argvs:
            yield label, argvs


def _run_time_instructions(
    dockerfile: Dockerfile, stage: Stage
) -> Iterator[tuple[int, Instruction]]:
    """CMD, ENTRYPOINT and HEALTHCHECK of the final image: of the final stage, or of `stage`
    (which it builds on) when it sets none of its own."""
    final = dockerfile.final_stage()
    chain = [final] if final.index == stage.index else [final, stage]
    for keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
        for st in chain:
            found = [(n, i) for n, i in dockerfile.iter_stage(st) if i.keyword == keyword]
            if found:
                yield found[-1]
                break


def healthcheck_command_text(args: str) -> str:
    """The command of `HEALTHCHECK [--options] CMD ...` (its value after the options): the text
    after CMD, which Docker reads in any case (`cmd curl -f ...` is CMD too); "" for NONE."""
    words = args.split(None, 1)
    return words[1].strip() if len(words) == 2 and words[0].upper() == "CMD" else ""


def _exec_or_shell(value: str) -> list[list[str]]:
    """The commands of `["curl", "-f", "..."]` (HEALTHCHECK's exec form) or of a shell line."""
    if value.strip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list) and parsed and all(isinstance(w, str) for w in parsed):
            return [parsed]
    return list(line_argvs(value))


# Words before a command that are shell syntax, not the program.
_SHELL_WORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "while", "until", "do", "done", "!", "time", "{", "}"}
)
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})
_SHELL_SHEBANG = re.compile(r"#!\s*(/usr/bin/env\s+)?\S*\b(ba|da|a|z)?sh\b")


def line_argvs(text: str, depth: int = 0) -> Iterator[list[str]]:
    """argv of every command of a shell line: each command of a list and of a pipeline,
    after shell keywords (`until wget ...; do`), and inside `sh -c "..."` (shell_c_script)."""
    for seg in split_commands(text):
        for part in _pipeline(seg.text):
            argv = program(part)
            while argv and argv[0] in _SHELL_WORDS:
                argv = argv[1:]
            if not argv:
                continue
            yield argv
            # `bash -lc "..."`, `bash -o pipefail -c "..."`, `su app -c "..."` as well.
            script = shell_c_script(argv)
            if script is not None and depth < 3:
                yield from line_argvs(script, depth + 1)


def run_scripts(
    argvs: Iterable[list[str]], read: Callable[[str], str | None]
) -> Iterator[tuple[str, str]]:
    """(name, text) of each shell script in the context that these commands run: the program
    itself (`./setup.sh`, `/entrypoint`) or a shell's first argument (`bash start.sh`)."""
    for argv in argvs:
        head = argv[0]
        # `make install` (a RUN), `make run` (a start script): the target's recipe, from the
        # Makefile the command reads.
        recipe = make_recipe(argv, read)
        if recipe is not None:
            yield recipe
            continue
        if head.rsplit("/", 1)[-1] in _SHELLS:
            rest = [a for a in argv[1:] if not a.startswith("-")]
            if "-c" in argv or not rest:
                continue
            head = rest[0]
        elif "/" not in head and not head.endswith(".sh"):
            continue  # a program on PATH, not a file of the project
        if "$" in head:
            continue
        text = read(head)
        if text is None:
            continue
        shebang = text.split("\n", 1)[0]
        # `./manage.py` is a program too, but its lines are Python, not commands.
        if _SHELL_SHEBANG.match(shebang) or (head.endswith(".sh") and not shebang.startswith("#!")):
            yield head, text


def _script_argvs(
    text: str, read: Callable[[str], str | None], depth: int = 0
) -> Iterator[list[str]]:
    """argv of every command of a shell script, and of the scripts it runs in turn."""
    for line in script_lines(text):
        argvs = list(line_argvs(line))
        yield from argvs
        if depth < 3:
            for _, nested in run_scripts(argvs, read):
                yield from _script_argvs(nested, read, depth + 1)


def script_lines(text: str) -> Iterator[str]:
    """A script's lines, `\\`-continuations joined, blank lines, comments and heredoc bodies
    (`python << END` ... `END`: another language's lines) skipped."""
    pending = ""
    heredoc: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if heredoc is not None:
            if line == heredoc:
                heredoc = None
            continue
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield pending + line
        pending = ""
        heredoc = _heredoc_end(line)
    if pending:
        yield pending


def _heredoc_end(line: str) -> str | None:
    """The delimiter of a heredoc the line opens (`cat <<-'EOF' > f`), else None."""
    at = line.find("<<")
    if at < 0 or line.startswith("<", at + 2):
        return None  # none, or a here-string (`<<<`)
    rest = line[at + 2 :].lstrip("-").lstrip()
    word = rest.split(None, 1)[0] if rest else ""
    word = word.strip("'\"")
    return word if word.isidentifier() else None


# Programs that a package the stage installs anyway provides, besides TOOL_PACKAGES' choice.
_ALSO_PROVIDED_BY: dict[str, frozenset[str]] = {
    "npm": frozenset({"nodejs", "npm"}),
    "npx": frozenset({"nodejs", "npm"}),
    "node": frozenset({"nodejs"}),
}


def _pipeline(text: str) -> list[str]:
    """The commands of a pipeline (`a | b`), split at `|` outside quotes; `||` is not a pipe."""
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "|" and text.startswith("||", i):
            current.append("||")
            i += 2
            continue
        elif ch == "|":
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _add_apt_packages(
    dockerfile: Dockerfile, stage: Stage, packages: list[str], before: int | None
) -> None:
    """Add the packages to the stage's first apt install when it fetches lists itself and comes
    before anything that needs them; otherwise install them in a RUN of their own, placed
    before the first RUN that needs them."""
    for n, ins in dockerfile.iter_stage(stage):
        if before is not None and n >= before:
            break
        if ins.keyword != "RUN" or ins.exec_form is not None:
            continue
        segments = split_commands(ins.args)
        updated = False
        for seg in segments:
            argv = program(seg.text)
            if argv[:2] in (["apt-get", "update"], ["apt", "update"]):
                updated = True
            elif _is_apt_install(seg.text):
                if not updated:
                    break
                edits = _install_edits(ins, seg.text, packages)
                if edits is None:
                    break  # not a plain `apt-get install ...`: a RUN of their own below
                dockerfile.instructions[n] = apply_edits(ins, edits)
                return
        if any(_is_apt_install(s.text) for s in segments):
            break  # the first install has no update of its own: do not build on it
    at = stage.start + 1
    while at < stage.end and dockerfile.instructions[at].keyword in {
        "ARG",
        "ENV",
        "LABEL",
        "MAINTAINER",
        "SHELL",
    }:
        at += 1
    if before is not None:
        at = min(at, before)
    dockerfile.insert_before(at, Instruction.new("RUN", apt_install(packages)))


def _install_edits(ins: Instruction, text: str, packages: list[str]) -> list[Edit] | None:
    """Edits of ins.value that add `packages` to the install command `text` (a segment of its
    arguments): after the command's last word, before any `||`, pipe or redirection, and `-y`
    after `install` when the user's line had none (the slim image really installs, and a build
    cannot answer apt's prompt). None when the words cannot be placed (a compound command)."""
    args_at = len(ins.value) - len(ins.args)
    at = ins.args.find(text)
    if at < 0 or not ins.value.endswith(ins.args):
        return None
    spans = command_word_spans(text)
    argv = [text[a:b] for a, b in spans]
    if not argv or "install" not in argv:
        return None
    head = next((w for w in argv if not _assignment(w)), "")
    if head not in {"apt-get", "apt"}:
        return None  # `VAR=x apt-get ...` is fine, anything stranger is not simple
    base = args_at + at
    edits = [Edit(base + spans[-1][1], base + spans[-1][1], " " + " ".join(packages))]
    if not has_yes(argv):
        install_end = spans[argv.index("install")][1]
        edits.append(Edit(base + install_end, base + install_end, " -y"))
    return edits


def _assignment(word: str) -> bool:
    """`NAME=value` before a command (an environment assignment, not an argument)."""
    name, eq, _ = word.partition("=")
    return bool(eq) and name.isidentifier()


def has_yes(argv: list[str]) -> bool:
    """Whether apt's argv answers its prompt (`-y`, `-qy`, `--yes`, `--assume-yes`)."""
    return any(
        a in {"--yes", "--assume-yes"}
        or (a.startswith("-") and not a.startswith("--") and "y" in a[1:])
        for a in argv
    )


def command_word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word of the simple command that opens `text`, up to the first
    unquoted `|`, `&`, `;`, `<`, `>`, `(`, `)`; a file-descriptor number before a redirection
    (`2>`) is not a word of the command; a backtick substitution is quoted text (a comment
    between package names, `` `# Image & OCR tools` ``, does not end the command there).
    Linear: one pass, no regex."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
            elif ch == "\\" and quote in "\"`":
                i += 1
        elif ch in "'\"`":
            quote = ch
            start = i if start is None else start
        elif ch == "\\":
            start = i if start is None else start
            i += 1
        elif ch in "|&;<>()":
            if start is not None:
                word = text[start:i]
                if not (ch in "<>" and word.isdigit()):
                    spans.append((start, i))
            return spans
        elif ch.isspace():
            if start is not None:
                spans.append((start, i))
                start = None
        elif start is None:
            start = i
        i += 1
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _is_apt_install(text: str) -> bool:
    # Words, not a regex: `(?:-\S+\s+)*install` rescans from every `apt` in a long line.
    argv = program(text)
    return bool(argv) and argv[0] in {"apt-get", "apt"} and "install" in argv


def apt_install(packages: list[str]) -> str:
    return (
        "apt-get update && apt-get install -y --no-install-recommends "
        + " ".join(packages)
        + " && apt-get clean && rm -rf /var/lib/apt/lists/*"
    )
