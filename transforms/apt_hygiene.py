"""apt-hygiene: the user's own apt lines written the way Debian-based images need them.

Why: `RUN apt-get update` in a layer of its own is cached forever, so a later `apt-get install`
(rebuilt when its own line changes) installs from stale lists, or fails once the mirror dropped
the versions they name; each RUN that installs runs `apt-get update` first. Without `-y` a build
stops at the prompt. Recommended packages (docs, extra tools) swell the image: install with
`--no-install-recommends`. The package lists downloaded by `update` stay in the layer unless they
are removed in that same RUN (`rm -rf /var/lib/apt/lists/*`), tens of MB nobody uses. `sudo` is
pointless (a build runs as root unless a USER says otherwise) and usually not installed. `apt`
is the interactive front end with an unstable CLI; scripts use `apt-get` (hadolint DL3027).

What it leaves alone, and says so: `apt-get upgrade`/`dist-upgrade` (upgrading the base's packages
is a choice, often better done by pulling a newer base image); `sudo` after a USER that is not root
(there it is what makes the command work); a RUN with a shell comment (`#`) inside (anything
appended would be commented out); apt on an Alpine base, which has none (the line fails either way;
it needs porting to apk, not polishing). Recommends some builds rely on are named explicitly once
recommends are off: ca-certificates for curl, wget and git on a base that is not an official Python
image (HTTPS fails without it); python3-pip's build-essential, python3-dev, setuptools and wheel
(what pip compiles source packages with); a C compiler's libc6-dev (gcc only recommends the C
library headers, without them psycopg2 & co. fail on `stdlib.h`). RUN lines with `--mount` flags
are not given the list removal (a cache mount of /var/lib/apt is there to keep the lists). Every
stage is treated alike: builder stages benefit from the same correctness (update in the same RUN)
and cache behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from optimizer.dockerfile import Dockerfile, Instruction, Stage, official_python_name
from optimizer.shell import split_commands
from transforms.base import Context, NotesTransform, Result
from transforms.raw_edit import Edit, apply_edits

_APT = frozenset({"apt", "apt-get"})
# An Alpine image: `python:3.11-alpine`, `alpine:3.19`, `python:3-alpine3.19`.
_ALPINE = re.compile(r"(^|[/:-])alpine")
# `apt` subcommands that mean the same with apt-get (list/search/show belong to apt-cache).
_APT_GET_SUBCOMMANDS = frozenset(
    {
        "update",
        "upgrade",
        "install",
        "remove",
        "purge",
        "autoremove",
        "dist-upgrade",
        "clean",
        "autoclean",
        "distclean",
        "build-dep",
        "source",
        "download",
        "check",
        "satisfy",
    }
)
# apt-get options that take a separate value.
_VALUE_OPTIONS = frozenset({"-o", "-c", "-t", "--option", "--config-file", "--target-release"})
_SUDO_FLAGS = frozenset({"-E", "-H", "-n", "--preserve-env"})
_NEEDS_CA = frozenset({"curl", "wget", "git"})
# C compilers whose Recommends carry libc6-dev (build-essential depends on it outright).
_COMPILER = re.compile(r"(gcc|g\+\+|clang|cc)(-\d+)?")
# Recommends the build relies on afterwards, named explicitly once recommends are off.
_PIP_RECOMMENDS = {
    "python3-pip": ("build-essential", "python3-dev", "python3-setuptools", "python3-wheel"),
    "python-pip": ("build-essential", "python-dev", "python-setuptools", "python-wheel"),
}
_LISTS = "/var/lib/apt/lists"
# Subcommands that take no arguments (`apt clean all` carries one anyway).
_NO_ARGUMENTS = frozenset({"clean", "autoclean", "distclean"})
# Subcommands that read the package lists, so need an `apt-get update` in their RUN.
_NEEDS_LISTS = frozenset({"install", "build-dep", "source", "download", "satisfy"})


@dataclass
class _Word:
    text: str
    start: int  # position in the instruction's value


@dataclass
class _AptCall:
    """One segment of a RUN that calls apt/apt-get (possibly behind sudo and assignments)."""

    start: int  # segment start in the value
    end: int  # segment end in the value
    words: list[_Word]
    head: int  # index in words of apt/apt-get
    sudo: int | None  # index of sudo, when present
    sudo_words: int  # how many words sudo and its flags take
    subcommand: str | None
    sub_index: int | None

    @property
    def tool(self) -> str:
        return self.words[self.head].text.rsplit("/", 1)[-1]

    def option_words(self) -> list[str]:
        return [w.text for w in self.words[self.head + 1 :] if w.text.startswith("-")]

    def package_words(self) -> list[_Word]:
        """The words after the subcommand that are not options, up to any shell operator or
        redirection (`|| true`, `> /dev/null`)."""
        if self.sub_index is None:
            return []
        found: list[_Word] = []
        skip = False
        for word in self.words[self.sub_index + 1 :]:
            if word.text[0] in "|&<>" or ">" in word.text or "<" in word.text:
                break
            if skip:
                skip = False
                continue
            if word.text in _VALUE_OPTIONS:
                skip = True
            elif not word.text.startswith("-"):
                found.append(word)
        return found

    def packages(self) -> list[str]:
        return [w.text for w in self.package_words()]


@dataclass
class _Plan:
    edits: list[Edit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    used_update_text: bool = False


class AptHygiene(NotesTransform):
    """update + install in one RUN, -y, --no-install-recommends, lists removed, no sudo/apt."""

    name = "apt-hygiene"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        skipped: list[str] = []
        stages = out.stages()
        final_users: dict[str, bool] = {}
        # Rebuild the instruction list stage by stage: a merge drops an instruction.
        rebuilt: list[Instruction] = list(out.instructions[: stages[0].start])
        for stage in stages:
            parent_root = final_users.get(stage.base.lower(), True)
            kept, stage_root = self._stage(out, stage, parent_root, notes, skipped)
            rebuilt.extend(kept)
            if stage.name:
                final_users[stage.name.lower()] = stage_root
        return Result(out.copy(rebuilt), notes, skipped)

    def _stage(
        self,
        dockerfile: Dockerfile,
        stage: Stage,
        root: bool,
        notes: list[str],
        skipped: list[str],
    ) -> tuple[list[Instruction], bool]:
        image = _stage_image(dockerfile, stage)
        official_python = _official_python(image)
        result: list[Instruction] = [dockerfile.instructions[stage.start]]
        if _ALPINE.search(image):
            # Alpine has no apt: an apt line there fails with or without these edits, and
            # rewriting it (apt-get, -y, list removal) would only make the user's mistake look
            # deliberate. Said once, so the user ports it to apk.
            lines = [
                str(ins.line)
                for ins in dockerfile.instructions[stage.start + 1 : stage.end]
                if ins.keyword == "RUN" and ins.exec_form is None and _apt_calls(ins)
            ]
            if lines:
                skipped.append(
                    f"line{'s' if len(lines) > 1 else ''} {', '.join(lines)}: left alone: apt "
                    "on an Alpine base, which has no apt (its package manager is apk)"
                )
            result.extend(dockerfile.instructions[stage.start + 1 : stage.end])
            users = [i for i in result if i.keyword == "USER"]
            return result, _is_root(users[-1]) if users else root
        pending_update: tuple[Instruction, str] | None = None
        readers = _later_list_readers(dockerfile, stage)
        for n in range(stage.start + 1, stage.end):
            ins = dockerfile.instructions[n]
            if ins.keyword == "USER":
                root = _is_root(ins)
            if ins.keyword != "RUN" or ins.exec_form is not None or "<<" in ins.value:
                # Exec form runs no shell; a heredoc body is a script of its own.
                result.append(ins)
                continue
            calls = _apt_calls(ins)
            if calls and any(w.text.startswith("#") for w in _words(ins.args, 0)):
                # `cmd  # why` inside a RUN is a shell comment to the end of the joined line:
                # anything appended after it would be commented out too.
                skipped.append(
                    f"line {ins.line}: left alone: a shell comment (`#`) inside the RUN would "
                    "swallow anything added after it"
                )
                result.append(ins)
                continue
            standalone = _standalone_update(ins, calls)
            nxt = dockerfile.instructions[n + 1] if n + 1 < stage.end else None
            if standalone and nxt is not None and _installs(nxt) and not ins.flags:
                # Merged into the next RUN: its update text goes in front of that install.
                pending_update = (ins, _update_text(calls[0], root))
                continue
            update_text = pending_update[1] if pending_update else None
            reader = readers[n]
            new, plan = _plan(ins, calls, root, official_python, update_text, reader)
            if pending_update is not None:
                merged_from = pending_update[0]
                new = replace(new, leading=merged_from.leading + new.leading)
                plan.notes.insert(
                    0,
                    f"line {merged_from.line}: `{merged_from.args.strip()}` merged into the "
                    f"install on line {ins.line}: a cached update layer makes later installs use "
                    "stale package lists"
                    if plan.used_update_text
                    else f"line {merged_from.line}: `{merged_from.args.strip()}` removed: the "
                    f"RUN on line {ins.line} updates the lists itself",
                )
                pending_update = None
            result.append(new)
            for note in plan.notes:
                (skipped if note.startswith("left alone") else notes).append(
                    note.removeprefix("left alone: ")
                )
        return result, root


def _official_python(image: str) -> bool:
    """Is the image (a stage's, from `_stage_image`) an official Python image?"""
    name = official_python_name(image)
    return name == "python" or name.startswith(("python:", "python@"))


def _is_root(user: Instruction) -> bool:
    """Does this USER instruction switch to root?"""
    return user.args.strip().split(":", 1)[0] in {"root", "0"}


def _stage_image(dockerfile: Dockerfile, stage: Stage) -> str:
    """The image this stage starts from, through `FROM <earlier stage>`, ARGs resolved,
    lowercased."""
    stages = dockerfile.stages()
    seen: set[int] = set()
    current = stage
    while current.index not in seen:
        seen.add(current.index)
        parent = next(
            (
                s
                for s in stages
                if s.name and s.name.lower() == current.base.lower() and s.index < current.index
            ),
            None,
        )
        if parent is None:
            break
        current = parent
    return dockerfile.resolve(current.base).lower()


def _words(text: str, offset: int) -> list[_Word]:
    """Whitespace-separated words with their positions (enough for a command's leading words
    and options; package names and flags are never quoted)."""
    found: list[_Word] = []
    k = 0
    while k < len(text):
        if text[k].isspace():
            k += 1
            continue
        start = k
        while k < len(text) and not text[k].isspace():
            k += 1
        found.append(_Word(text[start:k], offset + start))
    return found


def _is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return bool(eq) and name.isidentifier()


def _apt_calls(ins: Instruction) -> list[_AptCall]:
    value = ins.value
    args = ins.args
    base = len(value) - len(args) if value.endswith(args) else 0
    calls: list[_AptCall] = []
    cursor = 0
    for seg in split_commands(args):
        at = args.find(seg.text, cursor)
        if at < 0:
            return []
        cursor = at + len(seg.text)
        words = _words(seg.text, base + at)
        k = 0
        while k < len(words) and _is_assignment(words[k].text):
            k += 1
        sudo: int | None = None
        sudo_words = 0
        if k < len(words) and words[k].text == "sudo":
            sudo = k
            k += 1
            while k < len(words) and words[k].text in _SUDO_FLAGS:
                k += 1
            sudo_words = k - sudo
            while k < len(words) and _is_assignment(words[k].text):
                k += 1
        if k >= len(words) or words[k].text.rsplit("/", 1)[-1] not in _APT:
            if sudo is not None:
                calls.append(
                    _AptCall(base + at, base + cursor, words, k, sudo, sudo_words, None, None)
                )
            continue
        head = k
        sub: str | None = None
        sub_index: int | None = None
        k += 1
        while k < len(words):
            text = words[k].text
            if text in _VALUE_OPTIONS:
                k += 2
                continue
            if not text.startswith("-"):
                sub, sub_index = text, k
                break
            k += 1
        calls.append(
            _AptCall(base + at, base + cursor, words, head, sudo, sudo_words, sub, sub_index)
        )
    return calls


def _standalone_update(ins: Instruction, calls: list[_AptCall]) -> bool:
    segments = split_commands(ins.args)
    return (
        len(segments) == 1
        and len(calls) == 1
        and calls[0].subcommand == "update"
        and calls[0].tool in _APT
    )


def _installs(ins: Instruction) -> bool:
    return (
        ins.keyword == "RUN"
        and ins.exec_form is None
        and not ins.flags
        and any(c.subcommand == "install" for c in _apt_calls(ins) if c.head < len(c.words))
    )


def _update_text(call: _AptCall, root: bool) -> str:
    """The update command as the user wrote it, in apt-get spelling and without sudo (as root)."""
    words = [w.text for w in call.words]
    if call.sudo is not None and root and _sudo_droppable(call):
        del words[call.sudo : call.sudo + call.sudo_words]
        head = call.head - call.sudo_words
    else:
        head = call.head
    if words[head] == "apt":
        words[head] = "apt-get"
    return " ".join(words)


def _sudo_droppable(call: _AptCall) -> bool:
    if call.sudo is None:
        return False
    after = call.sudo + call.sudo_words
    # `sudo -u someone ...` runs as another user: dropping sudo would change who runs it.
    return after < len(call.words) and not call.words[after].text.startswith("-")


def _explicit_recommends(
    packages: list[str], all_packages: list[str], official_python: bool
) -> list[tuple[str, str]]:
    """Recommended packages this install's users depend on, to be named explicitly."""
    wanted: list[tuple[str, str]] = []
    for pip, recommends in _PIP_RECOMMENDS.items():
        if pip in packages:
            wanted.extend(
                (p, f"{pip} recommends it and pip builds source packages with it")
                for p in recommends
            )
    compilers = [p for p in packages if _COMPILER.fullmatch(p.split("=", 1)[0])]
    if compilers:
        wanted.append(
            ("libc6-dev", f"{compilers[0]} recommends it; compiling C needs the C library headers")
        )
    needs_ca = [p for p in packages if p in _NEEDS_CA]
    if needs_ca and not official_python:
        wanted.append(("ca-certificates", f"{needs_ca[0]} recommends it; HTTPS fails without it"))
    chosen = dict(wanted)
    return [(p, why) for p, why in chosen.items() if p not in all_packages]


def _has_yes(options: list[str]) -> bool:
    for option in options:
        if option in {"--yes", "--assume-yes", "-qq", "-q=2", "--quiet=2"}:
            return True
        if option.startswith("-") and not option.startswith("--") and "y" in option[1:]:
            return True
    return False


# apt-get subcommands that read the package lists and that this transform gives no update of
# their own (an install gets one): after the lists went, they find no newer version to take.
_READS_LISTS = frozenset({"upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source",
                          "download"})


def _later_list_readers(dockerfile: Dockerfile, stage: Stage) -> dict[int, Instruction | None]:
    """For each instruction of the stage, by index: the first later RUN of the stage that reads
    the package lists before updating them itself (liaozd/myweb's template: `RUN apt-get -y
    dist-upgrade` after the install's RUN), or None. One pass from the end: asked RUN by RUN,
    a 2,000-line Dockerfile took 18 s."""
    found: dict[int, Instruction | None] = {}
    reader: Instruction | None = None
    for n in range(stage.end - 1, stage.start, -1):
        found[n] = reader
        ins = dockerfile.instructions[n]
        if ins.keyword != "RUN" or ins.exec_form is not None or "<<" in ins.value:
            continue
        first = next(
            (
                c.subcommand
                for c in _apt_calls(ins)
                if c.tool in _APT and (c.subcommand == "update" or c.subcommand in _READS_LISTS)
            ),
            None,
        )
        if first in _READS_LISTS:
            reader = ins
    return found


def _plan(
    ins: Instruction,
    calls: list[_AptCall],
    root: bool,
    official_python: bool,
    update_text: str | None,
    later_reader: Instruction | None = None,
) -> tuple[Instruction, _Plan]:
    plan = _Plan()
    where = f"line {ins.line}" if ins.line else "a new RUN"
    keep_sudo = ""
    for call in calls:
        if call.sudo is None:
            continue
        if root and _sudo_droppable(call):
            first = call.words[call.sudo]
            after = call.words[call.sudo + call.sudo_words]
            plan.edits.append(Edit(first.start, after.start, ""))
            plan.notes.append(f"{where}: dropped `sudo`: the build runs as root")
        else:
            keep_sudo = "sudo "
            plan.notes.append(
                f"left alone: {where}: `sudo` kept (runs as another user or after a non-root USER)"
            )
    updated = False
    install_calls = [c for c in calls if c.subcommand == "install" and c.tool in _APT]
    all_packages = [p for c in install_calls for p in c.packages()]
    for call in calls:
        if call.subcommand is None or call.tool not in _APT:
            continue
        head = call.words[call.head]
        if call.tool == "apt" and call.subcommand in _APT_GET_SUBCOMMANDS:
            end = head.start + len(head.text)
            plan.edits.append(Edit(end - len("apt"), end, "apt-get"))
            plan.notes.append(
                f"{where}: `apt {call.subcommand}` -> `apt-get {call.subcommand}`: "
                "apt's CLI is for people and may change; scripts use apt-get"
            )
            # `apt clean all` (a yum habit): the clean commands take no arguments, so the word
            # would only have come along as `apt-get clean all`, which reads as meaningful.
            extra = call.package_words() if call.subcommand in _NO_ARGUMENTS else []
            if extra and call.sub_index is not None:
                sub = call.words[call.sub_index]
                tail = extra[-1]
                plan.edits.append(Edit(sub.start + len(sub.text), tail.start + len(tail.text), ""))
                plan.notes.append(
                    f"{where}: dropped `{' '.join(w.text for w in extra)}` after "
                    f"`{call.subcommand}`: it takes no arguments"
                )
        if call.subcommand == "update":
            updated = True
        elif call.subcommand in {"upgrade", "dist-upgrade", "full-upgrade"}:
            plan.notes.append(
                f"left alone: {where}: `{call.tool} {call.subcommand}` upgrades the base image's "
                "packages in a layer of its own; a newer base image tag usually does it better"
            )
        if call.subcommand in _NEEDS_LISTS and not updated:
            text = update_text or f"{keep_sudo}apt-get update"
            plan.used_update_text = update_text is not None
            plan.edits.append(Edit(call.start, call.start, text + " && "))
            updated = True
            if update_text is None:
                plan.notes.append(
                    f"{where}: `apt-get update` in the same RUN as `{call.subcommand}`: "
                    "another layer's lists are stale or already removed"
                )
        if call.subcommand == "install":
            options = call.option_words()
            assert call.sub_index is not None
            sub = call.words[call.sub_index]
            insert = ""
            if not _has_yes(options):
                insert += " -y"
                plan.notes.append(f"{where}: `-y`: a build cannot answer apt's prompt")
            packages = call.packages()
            no_recommends = "--no-install-recommends" in options or any(
                "Install-Recommends" in w.text for w in call.words
            )
            if not no_recommends and call.package_words():
                insert += " --no-install-recommends"
                plan.notes.append(
                    f"{where}: `--no-install-recommends`: recommended packages are not "
                    "needed to run and add to the image"
                )
                explicit = _explicit_recommends(packages, all_packages, official_python)
                if explicit and not any("$(" in w.text or "`" in w.text for w in call.words):
                    last_word = call.package_words()[-1]
                    at = last_word.start + len(last_word.text)
                    plan.edits.append(Edit(at, at, " " + " ".join(p for p, _ in explicit)))
                    plan.notes.extend(
                        f"{where}: installs {p} by name: {why}" for p, why in explicit
                    )
            if insert:
                end = sub.start + len(sub.text)
                plan.edits.append(Edit(end, end, insert))
    # A RUN that only updates keeps its lists: a later RUN (an upgrade, a script) reads them.
    uses_lists = any(c.subcommand not in {None, "update"} and c.tool in _APT for c in calls)
    last = max(
        (c for c in calls if c.subcommand is not None and c.tool in _APT),
        key=lambda c: c.end,
        default=None,
    )
    # `apt-get distclean` (apt 2.7.8+, trixie) is `clean` plus the lists: after an update on
    # python:3.13-slim-trixie it leaves 152 KB of the 88 MB (the InRelease file), so nothing
    # is worth removing after it (django/djangoproject.com ends its installs with it).
    cleared = last is None or last.subcommand == "distclean"
    removable = (
        updated and uses_lists and _LISTS not in ins.value and not ins.flags and not cleared
    )
    if removable and later_reader is not None:
        plan.notes.append(
            f"left alone: {where}: package lists kept: line {later_reader.line} runs "
            f"`{later_reader.args.strip()[:60]}` without an `apt-get update` of its own, and "
            "would find nothing to upgrade without them"
        )
    elif removable:
        assert last is not None  # for mypy: `cleared` covers None
        plan.edits.append(Edit(last.end, last.end, f" && {keep_sudo}rm -rf {_LISTS}/*"))
        plan.notes.append(
            f"{where}: package lists removed in the same layer (`rm -rf {_LISTS}/*`): "
            "they are only needed while installing"
        )
    return apply_edits(ins, plan.edits), plan
