"""A Dockerfile model that round-trips the user's text.

dockerfile-parse finds the instructions; we keep every original line. An instruction owns the
comments and blank lines written above it (so moving it moves its explanation) and its own raw
text, continuations and inline comments included. Only instructions a transform replaces are
re-rendered, so the diff shows real changes and nothing else.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from dockerfile_parse import DockerfileParser

from optimizer.shell import expand_vars

KEYWORDS = frozenset(
    [
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    ]
)
# Where the official python image comes from: Docker Hub (`python`, `library/python`,
# `docker.io/library/python`) or a mirror that keeps Docker Hub's `library/` namespace: AWS's
# public.ecr.aws/docker/library/python, Google's mirror.gcr.io/library/python, a registry's
# pull-through cache (`registry.corp:5000/library/python`). The same images, by name.
OFFICIAL_PREFIX = (
    r"(?:(?:docker\.io/|index\.docker\.io/|registry-1\.docker\.io/)?(?:library/)?"
    r"|[a-z0-9][a-z0-9.-]*(?::[0-9]+)?/(?:[a-z0-9._-]+/)*library/)"
)
_OFFICIAL_PYTHON_NAME = re.compile(rf"^{OFFICIAL_PREFIX}(?=python(?::|@|$))")


def image_name_and_tag(reference: str) -> tuple[str, str]:
    """(name, tag) of an image reference, its digest left out: `python:3.11-slim@sha256:..` ->
    (python, 3.11-slim). No tag gives "", also where the only colon is a registry's port
    (`registry:5000/library/python`)."""
    ref = reference.strip().split("@", 1)[0]
    name, colon, tag = ref.rpartition(":")
    if not colon or "/" in tag or not name:
        return ref, ""
    return name, tag


_DOCKER_HUB = re.compile(r"^(?:docker\.io/|index\.docker\.io/|registry-1\.docker\.io/)")


def engine_ref(reference: str) -> str:
    """`reference` as the engine names the image it pulls or tags: Docker Hub's registry and
    `library/` namespace left out, `:latest` where no tag or digest is given. `app`,
    `app:latest`, `docker.io/library/app` and `index.docker.io/library/app:latest` are all
    `app:latest`; `docker.io/owner/app` is `owner/app:latest`; other registries keep their
    host (`ghcr.io/owner/app:latest`)."""
    ref = reference.strip()
    hub = _DOCKER_HUB.match(ref)
    if hub:
        ref = ref[hub.end():]
    # A first component with no dot or port is a Docker Hub namespace, not a registry host.
    ref = ref.removeprefix("library/")
    if "@" in ref or image_name_and_tag(ref)[1]:
        return ref
    return f"{ref}:latest"


def official_python_name(reference: str) -> str:
    """`reference` without the registry and namespace of an official python image
    (`public.ecr.aws/docker/library/python:3.11` -> `python:3.11`); any other image as it is."""
    return _OFFICIAL_PYTHON_NAME.sub("", reference, count=1)


_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$")
# A heredoc word as BuildKit reads it: `<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF` (a whole word).
_HEREDOC_WORD = re.compile(r"^[0-9]*<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_.-]*)\2$")
_HEREDOC_KEYWORDS = frozenset(["RUN", "COPY", "ADD"])
_BOM = "\ufeff"


class DockerfileError(Exception):
    """The Dockerfile cannot be read or is not one we can safely rewrite."""


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str
    # Comment and blank lines written above the instruction, each with its newline.
    leading: tuple[str, ...] = ()
    # The instruction's original text (continuations included); None once a transform changed it.
    raw: str | None = None
    line: int = 0  # 1-based line in the original file, 0 for new instructions
    # A heredoc instruction (`RUN <<EOT ... EOT`): `raw` holds its body too, `value` only the
    # first line. It is opaque: transforms cannot rewrite it (with_value keeps it as it is), and
    # since its commands are not in `value` they see it as a step they cannot read.
    opaque: bool = False

    @classmethod
    def new(cls, keyword: str, value: str, leading: tuple[str, ...] = ()) -> Instruction:
        return cls(keyword.upper(), value, leading)

    def with_value(self, value: str) -> Instruction:
        if value == self.value or self.opaque:
            return self
        return replace(self, value=value, raw=None)

    def with_args(self, args: str) -> Instruction:
        """Replace the value after the leading `--flag` options, keeping the options."""
        rest = self.args
        prefix = self.value[: len(self.value) - len(rest)] if self.value.endswith(rest) else ""
        return self.with_value((prefix.strip() + " " + args).strip())

    @property
    def flags(self) -> dict[str, str]:
        """Leading `--name=value` options (COPY --from, --chown, RUN --mount...)."""
        return dict(_split_flags(self.value)[0])

    @property
    def mounts(self) -> list[tuple[str, dict[str, str]]]:
        """Each leading `--mount=` option (RUN): its text and its fields, `type=cache,target=/x`
        -> {"type": "cache", "target": "/x"}. BuildKit's other spellings `dst`/`destination`
        read as `target` and `src` as `source`; a bare field (`readonly`) maps to ""."""
        found = []
        for name, text in _split_flags(self.value)[0]:
            if name != "mount":
                continue
            fields = {}
            for item in text.split(","):
                key, _, value = item.partition("=")
                fields[MOUNT_FIELD_ALIASES.get(key, key)] = value
            found.append((text, fields))
        return found

    def cache_mounts(self, target: str) -> list[str]:
        """The texts of this RUN's cache mounts at `target` (`/root/.cache/pip`, also written
        `dst=/root/.cache/pip/`)."""
        return [
            text for text, fields in self.mounts
            if fields.get("type") == "cache" and fields.get("target", "").rstrip("/") == target
        ]

    @property
    def args(self) -> str:
        """The value without its leading `--flag` options."""
        return _split_flags(self.value)[1]

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form CMD/ENTRYPOINT/RUN, or None for shell form."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed):
            return parsed
        return None

    def render(self) -> str:
        body = self.raw if self.raw is not None else render_instruction(self.keyword, self.value)
        return "".join(self.leading) + body


# BuildKit's other spellings of a mount's fields.
MOUNT_FIELD_ALIASES = {"dst": "target", "destination": "target", "src": "source"}


def _flag_tokens(value: str) -> tuple[list[str], str]:
    """The leading `--flag` tokens as written (`--mount=type=cache,...`, `--network=none`),
    and the rest of the value."""
    tokens: list[str] = []
    rest = value.lstrip()
    while rest.startswith("--"):
        token, _, rest = rest.partition(" ")
        tokens.append(token)
        rest = rest.lstrip()
    return tokens, rest


def _split_flags(value: str) -> tuple[list[tuple[str, str]], str]:
    tokens, rest = _flag_tokens(value)
    pairs = [token[2:].partition("=") for token in tokens]
    return [(name, flag_value) for name, _, flag_value in pairs], rest


def render_instruction(keyword: str, value: str) -> str:
    """Render a new instruction; long `&&` chains get one command per line, as people write them.

    Only top-level `&&` break the line: one inside quotes or a subshell stays where it is, since
    a continuation there would put the next line's indentation into the string or change what
    the subshell reads."""
    if keyword == "RUN" and len(value) > 78 and "\n" not in value:
        from optimizer.shell import split_commands

        # Each `--mount=...` on a line of its own above the commands, as docker init writes
        # them: on one line they pushed the first command 100-180 columns to the right.
        flags, commands = _flag_tokens(value)
        text = "RUN " + "".join(f"{token} \\\n    " for token in flags)
        segments = split_commands(commands)
        if len(segments) > 1 and all(s.sep in {"&&", ";", ""} for s in segments):
            # `a; b` stays `a; b` (`&&` would stop where `;` goes on): `a; \` and `b` below.
            for seg in segments:
                text += _wrap_if(seg.text)
                text += {"&&": " \\\n    && ", ";": "; \\\n    ", "": "\n"}[seg.sep]
            return text
        if flags:
            return f"{text}{commands}\n"
    return f"{keyword} {value}\n"


_IF_THEN_FI = re.compile(r"if (.+?); then (.+); fi")


def _wrap_if(command: str) -> str:
    """A long `if ...; then ...; fi` with its body on a line of its own."""
    found = _IF_THEN_FI.fullmatch(command)
    if found is None or len(command) <= 78:
        return command
    return f"if {found[1]}; then \\\n        {found[2]}; \\\n    fi"


@dataclass(frozen=True)
class Stage:
    index: int  # position among stages
    start: int  # index of the FROM instruction in Dockerfile.instructions
    end: int  # one past the stage's last instruction
    base: str  # the image reference as written (may contain ${ARG})
    name: str | None


@dataclass
class Dockerfile:
    instructions: list[Instruction]
    trailer: tuple[str, ...] = ()  # comment/blank lines after the last instruction
    crlf: bool = False
    directives: dict[str, str] = field(default_factory=dict)
    bom: bool = False  # the file starts with a UTF-8 byte order mark, kept on render
    # The file's last line has no newline: kept so, or every rewrite would show that line as
    # changed (`\ No newline at end of file`) although it is not.
    no_final_newline: bool = False
    # A file whose lines end both ways (CRLF and LF): the contents of the lines that ended in
    # CRLF and of those that ended in LF. On render an unchanged line keeps its own ending and
    # a new one takes the file's usual ending (`crlf`), so the diff shows no line as changed
    # only because another line's ending won.
    mixed: tuple[frozenset[str], frozenset[str]] | None = None
    # The stage that is deployed when it is not the last one (heroku.yml's `target:`, fly.toml's
    # `build-target`, --target): final_stage() is that stage, so the changes and what is read
    # of the image (its CMD, its ENV, its app directory) are about the image that runs.
    target: str | None = None

    # -- reading -----------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, target: str | None = None) -> Dockerfile:
        if "\x00" in text:
            raise DockerfileError("not a text file")
        bom = text.startswith(_BOM)
        if bom:
            text = text[len(_BOM) :]
        crlf_count = text.count("\r\n")
        lf_count = text.count("\n") - crlf_count
        crlf = crlf_count > lf_count
        mixed = None
        if crlf_count and lf_count:
            ends = text.split("\n")[:-1]
            mixed = (
                frozenset(line[:-1] for line in ends if line.endswith("\r")),
                frozenset(line for line in ends if not line.endswith("\r")),
            )
        if crlf_count:
            text = text.replace("\r\n", "\n")
        if "\r" in text and "\n" not in text.rstrip("\r"):
            raise DockerfileError(
                "its lines end in CR only (classic Mac OS line endings): Docker splits lines on "
                "LF, so it reads the whole file as one line; convert it to LF (or CRLF) first"
            )
        no_final_newline = bool(text) and not text.endswith("\n")
        if no_final_newline:
            text += "\n"
        lines = split_lines(text)
        directives = _directives(lines)
        escape = directives.get("escape", "\\")
        if escape != "\\":
            raise DockerfileError(
                f"the parser directive 'escape={escape}' is not supported; left alone"
            )

        structure, bodies = _structure(lines)
        instructions: list[Instruction] = []
        cursor = 0
        for item in structure:
            keyword = str(item["instruction"]).upper()
            start, end = int(item["startline"]), int(item["endline"])
            if keyword not in KEYWORDS:
                raise DockerfileError(f"line {start + 1}: unknown instruction {keyword!r}")
            body_end = bodies.get(start, end)
            instructions.append(
                Instruction(
                    keyword=keyword,
                    value=_logical_value(lines[start : end + 1]),
                    leading=tuple(lines[cursor:start]),
                    raw="".join(lines[start : body_end + 1]),
                    line=start + 1,
                    opaque=start in bodies,
                )
            )
            cursor = body_end + 1
        dockerfile = cls(
            instructions, tuple(lines[cursor:]), crlf, directives, bom, no_final_newline, mixed,
            target,
        )
        dockerfile._validate()
        return dockerfile

    def _validate(self) -> None:
        if not any(i.keyword == "FROM" for i in self.instructions):
            raise DockerfileError("no FROM instruction: this is not a Dockerfile")
        for ins in self.instructions:
            if ins.keyword == "FROM":
                break
            if ins.keyword != "ARG":
                raise DockerfileError(
                    f"line {ins.line}: {ins.keyword} before the first FROM "
                    "(only ARG may come first)"
                )
        for ins in self.instructions:
            if not ins.value.strip() and ins.keyword not in {"RUN"}:
                raise DockerfileError(f"line {ins.line}: {ins.keyword} has no arguments")
            if (
                ins.keyword in {"COPY", "ADD"}
                and ins.exec_form is None
                and len(ins.args.split()) < 2
            ):
                raise DockerfileError(
                    f"line {ins.line}: {ins.keyword} needs a source and a destination"
                )

    # -- writing -----------------------------------------------------------------------------
    def render(self) -> str:
        text = "".join(i.render() for i in self.instructions) + "".join(self.trailer)
        if self.no_final_newline and text.endswith("\n"):
            text = text[:-1]
        if self.mixed is not None:
            text = self._mixed_endings(text, *self.mixed)
        elif self.crlf:
            text = text.replace("\n", "\r\n")
        return _BOM + text if self.bom else text

    def _mixed_endings(
        self, text: str, crlf_lines: frozenset[str], lf_lines: frozenset[str]
    ) -> str:
        lines = text.split("\n")
        last = lines.pop()  # "" after a final newline, else the unterminated last line
        out = []
        for line in lines:
            own_crlf = line in crlf_lines and line not in lf_lines
            own_lf = line in lf_lines and line not in crlf_lines
            out.append(line + ("\r\n" if own_crlf or (self.crlf and not own_lf) else "\n"))
        return "".join(out) + last

    def copy(self, instructions: list[Instruction] | None = None) -> Dockerfile:
        return Dockerfile(
            list(self.instructions if instructions is None else instructions),
            self.trailer,
            self.crlf,
            dict(self.directives),
            self.bom,
            self.no_final_newline,
            self.mixed,
            self.target,
        )

    # -- structure ---------------------------------------------------------------------------
    def stages(self) -> list[Stage]:
        starts = [n for n, i in enumerate(self.instructions) if i.keyword == "FROM"]
        result = []
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(self.instructions)
            base, name = parse_from(self.instructions[start].value)
            result.append(Stage(index, start, end, base, name))
        return result

    def final_stage(self) -> Stage:
        """The stage whose image runs: the `target` stage where one is set and exists, else the
        last."""
        stages = self.stages()
        if self.target:
            for stage in stages:
                if stage.name and stage.name.lower() == self.target.lower():
                    return stage
        return stages[-1]

    def built_on(self, stage: Stage) -> list[Stage]:
        """The later stages that build FROM `stage`, directly or through another: they inherit
        its files, its USER and its base image (a `dev` stage after the deployed `production`)."""
        return [
            later for later in self.stages()[stage.index + 1 :]
            if stage in self.lineage(later)[1:]
        ]

    def global_args(self) -> dict[str, str]:
        """ARG defaults declared before the first FROM (the ones FROM lines may use)."""
        found: dict[str, str] = {}
        for ins in self.instructions:
            if ins.keyword == "FROM":
                break
            name, _, default = ins.value.strip().partition("=")
            # A default may use an ARG declared above it, which docker expands
            # (`ARG PYTHON_BUILD_VERSION=$PYTHON_VERSION-buster`); an unknown one stays.
            found[name.strip()] = re.sub(
                r"\$\{(\w+)\}|\$(\w+)",
                lambda m: found.get(m.group(1) or m.group(2), m.group(0)),
                default.strip().strip("\"'"),
            )
        return found

    def stage_vars(self, stage: Stage) -> dict[str, str]:
        """What `$NAME` means inside `stage` at build time: its ENV values and its ARG defaults
        (an `ARG NAME` without one takes the global default, as docker does). An ENV wins over
        an ARG of the same name. A `--build-arg` can override an ARG; the default is what the
        Dockerfile says and what a plain `docker build` uses."""
        args: dict[str, str] = {}
        envs: dict[str, str] = {}
        global_args = self.global_args()
        for _, ins in self.iter_stage(stage):
            if ins.keyword == "ENV":
                envs.update(env_pairs(ins.value))
            elif ins.keyword == "ARG":
                for word in ins.value.split():
                    name, eq, default = word.partition("=")
                    if eq:
                        args[name] = default.strip("\"'")
                    elif name in global_args:
                        args[name] = global_args[name]
        return {**args, **envs}

    def resolve(self, text: str) -> str:
        """Substitute global ARG defaults into a FROM reference, as docker does."""
        args = self.global_args()

        def sub(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            return args.get(name, match.group(0))

        return re.sub(r"\$\{(\w+)\}|\$(\w+)", sub, text)

    def stage_of(self, index: int) -> Stage | None:
        for stage in self.stages():
            if stage.start <= index < stage.end:
                return stage
        return None

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage and the stages of this file it builds FROM, nearest first.

        `FROM base AS production` inherits base's ENV, USER and files; an image or an unknown
        name ends the chain."""
        by_name = {s.name.lower(): s for s in self.stages() if s.name}
        chain = [stage]
        while True:
            parent = by_name.get(self.resolve(chain[-1].base).lower())
            if parent is None or parent in chain or parent.index >= chain[-1].index:
                return chain
            chain.append(parent)

    def stages_built(self, target: str | None = None) -> list[Stage] | None:
        """The stages a BuildKit build of `target` (a stage name; None: the final stage) runs:
        the target and, transitively, the stages of this file it builds FROM, copies from
        (`COPY --from=name` or `--from=0`) or mounts (`RUN --mount=from=name`), in file order.
        None when there is no such stage (docker's build fails on an unknown target)."""
        stages = self.stages()
        if not stages:
            return None
        by_name = {s.name.lower(): s for s in stages if s.name}
        if target is None:
            start = self.final_stage()
        elif target.lower() in by_name:
            start = by_name[target.lower()]
        else:
            return None

        def named(ref: str, before: Stage) -> Stage | None:
            ref = self.resolve(ref).lower()
            found = by_name.get(ref)
            if found is None and ref.isdigit() and int(ref) < len(stages):
                found = stages[int(ref)]
            return found if found is not None and found.index < before.index else None

        seen = {start.index: start}
        todo = [start]
        while todo:
            stage = todo.pop()
            refs = [stage.base]
            for _, ins in self.iter_stage(stage):
                if ins.keyword in ("COPY", "ADD") and "from" in ins.flags:
                    refs.append(ins.flags["from"])
                elif ins.keyword == "RUN":
                    refs += [f["from"] for _, f in ins.mounts if f.get("from")]
            for ref in refs:
                found = named(ref, stage)
                if found is not None and found.index not in seen:
                    seen[found.index] = found
                    todo.append(found)
        return [seen[n] for n in sorted(seen)]

    def iter_stage(self, stage: Stage) -> Iterator[tuple[int, Instruction]]:
        for n in range(stage.start, stage.end):
            yield n, self.instructions[n]

    def start_indices(self) -> tuple[int | None, int | None]:
        """(ENTRYPOINT, CMD): the indices of the final stage's last of each, the ones that
        decide what the container runs; None where the stage sets none."""
        entry = cmd = None
        for n, ins in self.iter_stage(self.final_stage()):
            if ins.keyword == "ENTRYPOINT":
                entry = n
            elif ins.keyword == "CMD":
                cmd = n
        return entry, cmd

    def insert_before(self, index: int, new: Instruction) -> None:
        """Insert above `index`, between the instruction and the lines written above it.

        The comment lines directly above an instruction (no blank line between) explain it
        (`# Expose the port the app runs on` over `EXPOSE 8000`), so they stay with it; what is
        above the last blank line (a section header, blank spacing) stays on top, above the new
        instruction."""
        if index < len(self.instructions):
            old = self.instructions[index]
            if old.leading and old.keyword != "FROM":
                top, own = split_leading(old.leading)
                new = replace(new, leading=top + new.leading)
                self.instructions[index] = replace(old, leading=own)
        self.instructions.insert(index, new)


def split_leading(leading: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(lines above the last blank line, the comment lines directly above the instruction)."""
    cut = len(leading)
    while cut > 0 and leading[cut - 1].strip():
        cut -= 1
    return leading[:cut], leading[cut:]


def env_pairs(value: str) -> list[tuple[str, str]]:
    """(name, value) pairs of an ENV/ARG value, in `A=1 B="two"` or legacy `NAME value` form."""
    if "=" not in value.split(None, 1)[0]:
        name, _, rest = value.partition(" ")
        return [(name, rest.strip().strip("\"'"))]
    return [
        (m.group(1), m.group(2) or m.group(3) or m.group(4) or "")
        for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)=(?:\"([^\"]*)\"|'([^']*)'|(\S*))", value)
    ]


def context_source(source: str) -> str:
    """A COPY/ADD source as the context path Docker reads: relative to the context's root,
    which it cannot climb out of (`../prod`, `/prod` and `./prod` are all `prod`;
    django-loadtest's `COPY ../prod prod`). "." for the context itself."""
    return posixpath.normpath("/" + source).lstrip("/") or "."


def next_workdir(cwd: str, ins: Instruction, env: dict[str, str] | None = None) -> str:
    """The working directory after `ins`, given the one before it.

    `env`: what `$NAME` means there (`Dockerfile.stage_vars`): `WORKDIR $APP_HOME` after `ENV
    APP_HOME=/home/app/web` is /home/app/web, as docker expands it. Without it (or for a name it
    does not hold) the variable stays as written."""
    if ins.keyword != "WORKDIR":
        return cwd
    target = ins.args.strip().strip("\"'")
    if env is not None and "$" in target:
        target = expand_vars(target, env)
    return posixpath.normpath(posixpath.join(cwd, target))


def through_stage(text: str, target: str | None) -> str | None:
    """The Dockerfile cut after stage `target`, when that is a named stage before the last
    one: read so, the target is its final stage (its ENV, its command, its installs: what the
    image a `--target` build makes holds). None otherwise, or when the text does not parse."""
    if not target:
        return None
    try:
        parsed = Dockerfile.parse(text)
    except DockerfileError:
        return None
    stages = parsed.stages()
    found = next((s for s in stages if s.name and s.name.lower() == target.lower()), None)
    if found is None or found.index == stages[-1].index:
        return None
    return parsed.copy(parsed.instructions[: found.end]).render()


def parse_from(value: str) -> tuple[str, str | None]:
    """`[--platform=x] image [AS name]` -> (image, name)."""
    words = [w for w in value.split() if not w.startswith("--")]
    if len(words) >= 3 and words[1].lower() == "as":
        return words[0], words[2]
    return (words[0] if words else ""), None


def _logical_value(lines: list[str]) -> str:
    """The instruction's value with continuations joined and inline comment lines dropped."""
    parts: list[str] = []
    for n, line in enumerate(lines):
        stripped = line.rstrip("\n")
        if n > 0 and stripped.lstrip().startswith("#"):
            continue
        if stripped.rstrip().endswith("\\"):
            stripped = stripped.rstrip()[:-1]
        parts.append(stripped.strip() if n else stripped)
    first = parts[0].lstrip()
    keyword_len = len(first.split(None, 1)[0]) if first.split() else 0
    parts[0] = first[keyword_len:].strip()
    return " ".join(p for p in parts if p).strip()


def _structure(lines: list[str]) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """dockerfile-parse's instructions, heredoc bodies kept out of them.

    dockerfile-parse does not know heredocs: it reads each body line as an instruction. So we find
    the first heredoc instruction it reports, blank its body (up to the terminator line) and parse
    again, until none is left. Returns the instructions (comments dropped) and, for each heredoc
    instruction's first line, the index of its last body line.
    """
    working = list(lines)
    bodies: dict[int, int] = {}
    while True:
        _mark_empty_continuations(working, bodies)
        parser = DockerfileParser(fileobj=_StringFile("".join(working)))
        structure = [s for s in parser.structure if s["instruction"] != "COMMENT"]
        pending = None
        for item in structure:
            start, end = int(item["startline"]), int(item["endline"])
            keyword = str(item["instruction"]).upper()
            if start in bodies or keyword not in _HEREDOC_KEYWORDS:
                continue
            names = _heredoc_names(_logical_value(lines[start : end + 1]))
            if names:
                pending = (start, end, names)
                break
        if pending is None:
            return structure, bodies
        start, end, names = pending
        cursor = end + 1
        for strip_tabs, name in names:
            while True:
                if cursor >= len(lines):
                    raise DockerfileError(
                        f"line {start + 1}: the heredoc <<{name} is never closed "
                        f"(no line '{name}' after it)"
                    )
                body = lines[cursor].rstrip("\n")
                cursor += 1
                if (body.lstrip("\t") if strip_tabs else body) == name:
                    break
        for n in range(end + 1, cursor):
            working[n] = "\n"
        bodies[start] = cursor - 1


def _mark_empty_continuations(working: list[str], bodies: dict[int, int]) -> None:
    """Docker skips an empty (or blank) line inside a continued instruction, with a warning
    ("Empty continuation line found"): the instruction goes on after it. dockerfile-parse ends
    the instruction there instead and reads the next line as an instruction of its own
    (`fi` after `if ...; then \\`, a commented-out last command and a blank line:
    RNAcentral/rnacentral-webcode, refused as "unknown instruction 'FI'"). In the copy that is
    parsed such a line becomes a comment line, which both skip inside a continuation; the
    instruction's value and raw text still come from the real lines. Heredoc bodies are not
    instructions and are left alone."""
    in_body = {n for start, last in bodies.items() for n in range(start + 1, last + 1)}
    continued = False
    for n, line in enumerate(working):
        if n in in_body:
            continued = False
            continue
        text = line.strip()
        if continued and not text:
            working[n] = "#\n"
        elif text.startswith("#"):
            # A comment line neither ends nor continues an instruction; outside one it is
            # a comment (or a parser directive) and nothing follows from it.
            pass
        else:
            continued = text.endswith("\\")


def split_lines(text: str) -> list[str]:
    """`text`'s lines, each with its `\n`: Docker ends a line at LF only, so unlike
    str.splitlines a form feed, U+2028, U+0085 or a lone CR is part of the line (a comment with a
    page break is one comment; a LABEL value with U+2028 keeps the rest of its line)."""
    lines = text.split("\n")
    tail = lines.pop()
    return [line + "\n" for line in lines] + ([tail] if tail else [])


def _heredoc_names(value: str) -> list[tuple[bool, str]]:
    """(strip leading tabs, terminator) of each heredoc an instruction opens, in order."""
    found = []
    for word in value.split():
        match = _HEREDOC_WORD.match(word)
        if match:
            found.append((match.group(1) == "-", match.group(3)))
    return found


def _directives(lines: list[str]) -> dict[str, str]:
    """Parser directives: `# key=value` lines at the very top, before any other line."""
    found: dict[str, str] = {}
    for line in lines:
        match = _DIRECTIVE.match(line.strip())
        if not match:
            break
        found[match.group(1).lower()] = match.group(2)
    return found


class _StringFile:
    """dockerfile-parse wants a binary file object; it only reads and seeks."""

    def __init__(self, text: str) -> None:
        import io

        self._buffer = io.BytesIO(text.encode("utf-8"))

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)

    def seek(self, pos: int, whence: int = 0) -> int:
        return self._buffer.seek(pos, whence)

    def readlines(self) -> list[bytes]:
        return self._buffer.readlines()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._buffer.readlines())
