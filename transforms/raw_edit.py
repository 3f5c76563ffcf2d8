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

from dataclasses import dataclass, replace

from optimizer.dockerfile import Instruction, render_instruction


@dataclass(frozen=True)
class Edit:
    """Replace value[start:end] with `text` (start == end inserts)."""

    start: int
    end: int
    text: str


def logical_map(raw: str) -> tuple[str, list[int]]:
    """The instruction's value as the model computes it, and for each of its characters the
    index in `raw` it came from (-1 for the space that joins two continuation lines)."""
    lines = raw.splitlines(keepends=True)
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
            # A deletion spanning a line join would also eat the continuation; re-render then.
            if any(index[k] < 0 for k in range(edit.start, edit.end)):
                return ins.with_value(value)
            stop = index[edit.end - 1] + 1
        else:
            stop = at
        raw = raw[:at] + edit.text + raw[stop:]
    return replace(ins, value=value, raw=raw)


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
