"""pip-no-cache: no pip/uv/poetry download cache in the image that ships.

Why: pip keeps every wheel it downloaded in /root/.cache/pip, often tens of MB, in the same
layer as the install, where no later `rm` can take it back out. Builder stages are left alone:
their caches never reach the final image.
"""

from __future__ import annotations

import re

from optimizer.dockerfile import Dockerfile, Instruction
from optimizer.shell import Segment, join_segments, pip_install_targets, program, split_commands
from transforms.base import Context, NotesTransform, Result

_CACHE_OFF = re.compile(r"\b(PIP_NO_CACHE_DIR|UV_NO_CACHE|POETRY_NO_CACHE)\b")


class PipNoCache(NotesTransform):
    """Install with --no-cache-dir (pip), --no-cache (uv, poetry) in the final stage."""

    name = "pip-no-cache"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        stage = out.final_stage()
        env_off = any(
            ins.keyword in {"ENV", "ARG"} and _CACHE_OFF.search(ins.value)
            for _, ins in out.iter_stage(stage)
        )
        if env_off:
            return Result(out)
        for n, ins in out.iter_stage(stage):
            if ins.keyword != "RUN" or ins.exec_form is not None or "mount" in ins.flags:
                continue
            segments = split_commands(ins.args)
            texts = [_no_cache(s.text) for s in segments]
            if texts != [s.text for s in segments]:
                changed = ins.with_args(join_segments(segments, texts))
                raw = _in_raw(ins, segments, texts)
                if raw is not None:
                    # The user's own layout (continuations, tabs, `&& \`) with the flag added.
                    changed = Instruction(ins.keyword, changed.value, ins.leading, raw, ins.line)
                out.instructions[n] = changed
                notes.append(
                    f"line {ins.line}: installs without keeping a download cache in the layer"
                )
        return Result(out, notes)


def _no_cache(text: str) -> str:
    found = _insertion(text)
    if found is None:
        return text
    at, flag = found
    return text[:at] + flag + text[at:]


def _insertion(text: str) -> tuple[int, str] | None:
    """Where the no-cache flag goes (just after the subcommand) and the flag, or None."""
    if "--no-cache" in text:
        return None
    argv = program(text)
    pattern: str | None = None
    flag = " --no-cache"
    if pip_install_targets(argv) is not None:
        if argv[0].rsplit("/", 1)[-1] == "uv":
            pattern = r"\bpip install\b"
        else:
            pattern, flag = r"\binstall\b", " --no-cache-dir"
    elif argv[:2] == ["uv", "sync"]:
        pattern = r"\bsync\b"
    elif argv[:2] == ["poetry", "install"]:
        pattern = r"\binstall\b"
    match = re.search(pattern, text) if pattern else None
    return (match.end(), flag) if match else None


def _in_raw(ins: Instruction, segments: list[Segment], texts: list[str]) -> str | None:
    """The instruction's original text with each flag inserted where it goes, or None when the
    insertion points cannot be found there (then the instruction is rewritten whole)."""
    if ins.raw is None:
        return None
    value = ins.value
    base = len(value) - len(ins.args)
    insertions: list[tuple[str, int, str]] = []  # (anchor word, its occurrence, inserted text)
    cursor = 0
    for seg, text in zip(segments, texts, strict=True):
        at = ins.args.find(seg.text, cursor)
        if at < 0:
            return None
        cursor = at + len(seg.text)
        if text == seg.text:
            continue
        found = _insertion(seg.text)
        if found is None:
            return None
        offset, added = found
        head = seg.text[:offset]
        anchor = head.split()[-1] if head.split() else ""
        if not anchor or not head.endswith(anchor):
            return None
        occurrence = len(_word(anchor).findall(value[: base + at + offset]))
        insertions.append((anchor, occurrence, added))
    raw = ins.raw
    for anchor, occurrence, added in reversed(insertions):
        matches = [m for m in _word(anchor).finditer(raw) if not _on_comment_line(raw, m.start())]
        if len(matches) < occurrence:
            return None
        end = matches[occurrence - 1].end()
        raw = raw[:end] + added + raw[end:]
    return raw


def _word(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")


def _on_comment_line(raw: str, at: int) -> bool:
    start = raw.rfind("\n", 0, at) + 1
    return start > 0 and raw[start:at].lstrip().startswith("#")
