"""Word-level edits applied to an instruction's original text.

`Instruction.with_args` re-renders a changed instruction from its logical value, which joins
continuation lines and drops inline comment lines: fine for a new instruction, noisy for a
user's long RUN block where only one word changes. The hygiene transforms express their changes
as edits on the logical value (insert, replace, delete a span) and apply them to the raw text at
the matching positions, so continuations, indentation, tabs and inline comments stay as written.
When the raw text cannot be mapped back (it does not join to the same value) they fall back to
re-rendering.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

from optimizer.dockerfile import Instruction, render_instruction, split_lines
from optimizer.shell import join_segments, split_commands


@dataclass(frozen=True)
class Edit:
    """Replace value[start:end] with `text` (start == end inserts); in the raw text with
    `raw_text` when given (the same words laid out on continuation lines)."""

    start: int
    end: int
    text: str
    raw_text: str | None = None


def logical_map(raw: str) -> tuple[str, list[int]]:
    """The instruction's value as the model computes it, and for each of its characters the
    index in `raw` it came from (-1 for the space that joins two continuation lines)."""
    lines = split_lines(raw)
    parts: list[tuple[str, int]] = []  # (text, raw offset of text[0]), each stripped
    offset = 0
    for n, line in enumerate(lines):
        body = line.rstrip("\n")
        start = offset
        offset += len(line)
        if n > 0 and body.lstrip().startswith("#"):
            continue
        if body.rstrip().endswith("\\"):
            body = body.rstrip()[:-1]
        if n == 0:
            # The first line loses its keyword and the whitespace around it.
            lead = len(body) - len(body.lstrip())
            words = body.split(None, 1)
            keyword_len = len(words[0]) if words else 0
            start += lead + keyword_len
            body = body[lead + keyword_len :]
        begin = len(body) - len(body.lstrip())
        parts.append((body.strip(), start + begin))

    chars: list[str] = []
    index: list[int] = []
    kept = [(t, at) for t, at in parts if t]
    for k, (text, at) in enumerate(kept):
        if k:
            chars.append(" ")
            index.append(-1)
        chars.extend(text)
        index.extend(range(at, at + len(text)))
    # Trailing whitespace of the whole value is stripped, as the model does.
    while chars and chars[-1].isspace():
        chars.pop()
        index.pop()
    return "".join(chars), index


def apply_edits(ins: Instruction, edits: list[Edit]) -> Instruction:
    """`ins` with `edits` (positions in ins.value) applied to its raw text when possible."""
    if not edits:
        return ins
    # Back to front; at one position, later edits first, so inserted texts read in list order.
    ordered = [e for _, e in sorted(enumerate(edits), key=lambda p: (p[1].start, p[1].end, p[0]))]
    ordered.reverse()
    value = ins.value
    for edit in ordered:
        value = value[: edit.start] + edit.text + value[edit.end :]
    if ins.raw is None:
        return ins.with_value(value)
    logical, index = logical_map(ins.raw)
    if logical != ins.value:
        return ins.with_value(value)
    raw = ins.raw
    for edit in ordered:
        at = _raw_position(raw, index, edit.start)
        if edit.end > edit.start:
            real = [index[k] for k in range(edit.start, edit.end) if index[k] >= 0]
            stop = real[-1] + 1 if real else at
        else:
            stop = at
        raw = raw[:at] + (edit.text if edit.raw_text is None else edit.raw_text) + raw[stop:]
    if _BLANK_CONTINUATION.search(raw) and not _BLANK_CONTINUATION.search(ins.raw):
        # Words deleted from a line of their own leave `   \`: Docker warns that such empty
        # continuation lines will become errors.
        raw = _BLANK_CONTINUATION.sub("", raw)
    if raw != ins.raw:
        # A line the edits changed ends where its text does (the user's trailing blanks after
        # a command that went are not kept); lines left as they were are not touched.
        same = set(ins.raw.split("\n"))
        raw = "".join(
            line if line.rstrip("\n") in same else line.rstrip("\n").rstrip(" \t") + "\n"
            for line in split_lines(raw)
        )
        if not ins.raw.endswith("\n"):
            raw = raw.rstrip("\n")
    if _BARE_KEYWORD.match(raw) and not _BARE_KEYWORD.match(ins.raw):
        # The first command went: the next line's joins the keyword's.
        raw = _BARE_KEYWORD.sub(r"\1 ", raw, count=1)
    # A deletion across a line join also removes what sat between (the user's comments on
    # the deleted commands); whatever the edits did, the text must still mean `value`.
    if logical_map(raw)[0] != value:
        return ins.with_value(value)
    return replace(ins, value=value, raw=raw)


_BLANK_CONTINUATION = re.compile(r"(?m)^[ \t]*\\\n")
_BARE_KEYWORD = re.compile(r"([ \t]*[A-Za-z]+)[ \t]*\\\n[ \t]*")


def rewrite_commands(
    ins: Instruction,
    texts: list[str | None],
    *,
    append: tuple[str, ...] = (),
    prefix: str = "",
    head: str = "",
) -> Instruction:
    """A shell-form RUN with its top-level commands (`split_commands` of its args) rewritten:
    `texts[k]` the new text of command k, None to drop it with its separator; `append` more
    commands at the end, `head` one command before the first (each joined with `&&`); `prefix`
    options (`--mount=...`) before the value's own.

    Only the words that change are edited in the user's text, so comment lines between the
    commands, continuations and indentation stay as written (re-rendering from the value would
    drop the comments); it falls back to re-rendering when the text cannot be mapped."""
    value, args = ins.value, ins.args
    segments = split_commands(args)
    if len(texts) != len(segments) or not value.endswith(args):
        raise ValueError("one text per command of a shell-form instruction")
    spans: list[tuple[int, int]] = []
    pos = len(value) - len(args)
    for seg in segments:
        at = value.find(seg.text, pos)
        if at < 0:
            break
        spans.append((at, at + len(seg.text)))
        pos = at + len(seg.text)
    kept = [k for k, text in enumerate(texts) if text]
    if len(spans) != len(segments) or not kept or not _has_inner_comments(ins.raw):
        # Nothing a re-rendering would lose: the rendered layout, a command a line.
        joined = join_segments([segments[k] for k in kept], [texts[k] or "" for k in kept])
        commands = " && ".join(c for c in (head, joined, *append) if c)
        flags = value[: len(value) - len(args)].strip()
        return ins.with_value(" ".join(p for p in (prefix, flags, commands) if p))
    step = _continuation(ins.raw)
    joins: set[int] = set()
    if ins.raw is not None:
        logical, index = logical_map(ins.raw)
        if logical == value:
            joins = {k for k, at in enumerate(index) if at < 0}
    edits: list[Edit] = []
    if prefix:
        edits.append(Edit(0, 0, prefix + " "))
    if head:
        # Each of its commands on a line of its own, as a rendered RUN has them.
        raw_head = "".join(f"{s.text}{step}&& " for s in split_commands(head))
        edits.append(Edit(spans[0][0], spans[0][0], f"{head} && ", raw_head))
    k = 0
    while k < len(segments):
        text = texts[k]
        if text:
            if text != segments[k].text:
                edits += _word_edits(value, spans[k], text, joins)
            k += 1
            continue
        end = k
        while end + 1 < len(segments) and not texts[end + 1]:
            end += 1
        if k > 0:
            # From the end of the command before: its separator and the dropped commands go.
            edits.append(Edit(spans[k - 1][1], spans[end][1], ""))
        else:
            edits.append(Edit(spans[0][0], spans[end + 1][0], ""))
        k = end + 1
    if append:
        at = spans[-1][1]
        text = "".join(f" && {a}" for a in append)
        edits.append(Edit(at, at, text, "".join(f"{step}&& {a}" for a in append)))
    return apply_edits(ins, edits)


def append_command(ins: Instruction, command: str) -> Instruction:
    """`ins` (a shell-form RUN) with ` && command` at its end; in its raw text on a line of its
    own when the user wrote the RUN over continuation lines, so their layout stays (an appended
    `chown` used to re-render OpenCongress's four-line collectstatic RUN as one line)."""
    if ins.raw is None or "\\\n" not in ins.raw:
        # One line: re-rendered, a long chain one command per line.
        return ins.with_args(f"{ins.args} && {command}")
    end = len(ins.value)
    raw_text = f"{_continuation(ins.raw)}&& {command}"
    return apply_edits(ins, [Edit(end, end, f" && {command}", raw_text)])


def _has_inner_comments(raw: str | None) -> bool:
    return bool(raw) and any(
        line.lstrip().startswith("#") for line in (raw or "").split("\n")[1:]
    )


def _continuation(raw: str | None) -> str:
    """` \\` and a new line indented like the instruction's own lines that start a command
    (`&& ...`), else like its first continuation line."""
    lines = [ln for ln in (raw or "").splitlines()[1:] if ln.strip()]
    lines = [ln for ln in lines if not ln.lstrip().startswith("#")]
    commands = [ln for ln in lines if ln.lstrip().startswith(("&&", "||", ";"))]
    sample = (commands or lines or ["    x"])[-1 if commands else 0]
    return " \\\n" + sample[: len(sample) - len(sample.lstrip(" \t"))]


def _word_edits(value: str, span: tuple[int, int], new: str, joins: set[int]) -> list[Edit]:
    """Edits turning value[span] into `new`, word by word (whitespace-separated). `joins` are
    the value's positions where two continuation lines were joined."""
    old = [(m.start(), m.end()) for m in re.finditer(r"\S+", value[span[0] : span[1]])]
    old = [(span[0] + a, span[0] + b) for a, b in old]
    old_words = [value[a:b] for a, b in old]
    new_words = new.split()
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        words = " ".join(new_words[j1:j2])
        if tag == "insert":
            if i1 > 0:
                edits.append(Edit(old[i1 - 1][1], old[i1 - 1][1], " " + words))
            else:
                edits.append(Edit(old[0][0], old[0][0], words + " "))
        elif tag == "replace":
            edits.append(Edit(old[i1][0], old[i2 - 1][1], words))
        elif i2 < len(old) and not joins.intersection(range(old[i2 - 1][1], old[i2][0])):
            # The words and the space after them, on their line.
            edits.append(Edit(old[i1][0], old[i2][0], ""))
        elif i1 > 0:
            # The space before them and the words: a word alone on its line takes the line.
            edits.append(Edit(old[i1 - 1][1], old[i2 - 1][1], ""))
        else:
            edits.append(Edit(old[0][0], old[-1][1], ""))
    return edits


def _raw_position(raw: str, index: list[int], at: int) -> int:
    """Where logical position `at` (an insertion point) falls in the raw text."""
    if at < len(index) and index[at] >= 0:
        return index[at]
    # At a line join or at the end: just after the previous real character.
    k = min(at, len(index)) - 1
    while k >= 0 and index[k] < 0:
        k -= 1
    return index[k] + 1 if k >= 0 else len(raw)


def keep_indent(old: Instruction, new: Instruction) -> Instruction:
    """`new`, re-rendered from its value, indented like `old`'s first line (a Dockerfile
    indented with spaces or tabs keeps its layout when one instruction is rewritten)."""
    if new.raw is not None or not old.raw:
        return new
    indent = old.raw[: len(old.raw) - len(old.raw.lstrip(" \t"))]
    if not indent:
        return new
    return replace(new, raw=_indented(indent, render_instruction(new.keyword, new.value)))


def indent_of(ins: Instruction) -> str:
    """The spaces and tabs before the instruction's keyword in its text ("" when re-rendered)."""
    if not ins.raw:
        return ""
    return ins.raw[: len(ins.raw) - len(ins.raw.lstrip(" \t"))]


def indent_like(originals: list[Instruction], instructions: list[Instruction]) -> list[Instruction]:
    """Re-rendered and new instructions indented like the file around them: one rewritten from
    an original line (same `line`) as that line was, a new one as the instruction before it."""
    if not any(indent_of(i) for i in originals):
        return instructions
    by_line = {i.line: i for i in originals if i.line}
    out: list[Instruction] = []
    previous = ""
    for ins in instructions:
        if ins.raw is None:
            source = by_line.get(ins.line) if ins.line else None
            indent = indent_of(source) if source is not None else previous
            if indent:
                rendered = render_instruction(ins.keyword, ins.value)
                ins = replace(ins, raw=_indented(indent, rendered))
        previous = indent_of(ins)
        out.append(ins)
    return out


def _indented(indent: str, text: str) -> str:
    """Every line of a rendered instruction (its continuation lines too) shifted by `indent`."""
    return "".join(indent + line for line in text.splitlines(keepends=True))
