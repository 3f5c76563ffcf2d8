"""shadowed-cmd: CMD and ENTRYPOINT lines that a later one in the same stage overrides are
removed.

Why: only the last CMD (and the last ENTRYPOINT) of a stage takes effect; earlier ones do
nothing but mislead the reader about how the container starts, and later transforms (the
binding fix, the server swap) should see the one that runs (hadolint DL4003, DL4004). The
comments written above a removed line are kept, moved onto the next instruction. A CMD in one
stage never shadows another stage's: each stage is its own image.
"""

from __future__ import annotations

from dataclasses import replace

from optimizer.dockerfile import Dockerfile
from transforms.base import Context, NotesTransform, Result


class ShadowedCmd(NotesTransform):
    """Remove CMD/ENTRYPOINT lines overridden by a later one in the same stage."""

    name = "shadowed-cmd"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        doomed: set[int] = set()
        for stage in out.stages():
            for keyword in ("CMD", "ENTRYPOINT"):
                found = [n for n, ins in out.iter_stage(stage) if ins.keyword == keyword]
                for n in found[:-1]:
                    doomed.add(n)
                    last = out.instructions[found[-1]]
                    notes.append(
                        f"line {out.instructions[n].line}: `{keyword} "
                        f"{out.instructions[n].args.strip()}` removed: line {last.line}'s "
                        f"{keyword} overrides it, only the last one in a stage takes effect"
                    )
        if not doomed:
            return Result(out)
        kept = []
        carried: tuple[str, ...] = ()
        for n, ins in enumerate(out.instructions):
            if n in doomed:
                carried += ins.leading
                continue
            kept.append(replace(ins, leading=carried + ins.leading) if carried else ins)
            carried = ()
        result = out.copy(kept)
        result.trailer = carried + result.trailer
        return Result(result, notes)
