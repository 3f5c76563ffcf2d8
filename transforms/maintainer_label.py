"""maintainer-label: `MAINTAINER name` becomes `LABEL maintainer="name"`.

Why: MAINTAINER has been deprecated since Docker 1.13 (hadolint DL4000); the label is what
`docker inspect` and registries show. When the stage already has a `maintainer` label the
MAINTAINER line is dropped (its comments stay, moved to the next line).
"""

from __future__ import annotations

from dataclasses import replace

from optimizer.dockerfile import Dockerfile, Instruction, env_pairs
from transforms.base import Context, NotesTransform, Result


class MaintainerLabel(NotesTransform):
    """MAINTAINER -> LABEL maintainer=..."""

    name = "maintainer-label"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        notes: list[str] = []
        for stage in reversed(out.stages()):
            labelled = any(
                ins.keyword == "LABEL"
                and any(k.lower() == "maintainer" for k, _ in env_pairs(ins.args))
                for _, ins in out.iter_stage(stage)
            )
            for n in reversed(range(stage.start, stage.end)):
                ins = out.instructions[n]
                if ins.keyword != "MAINTAINER":
                    continue
                if labelled:
                    _drop(out, n)
                    notes.append(
                        f"line {ins.line}: MAINTAINER dropped: deprecated, and the stage already "
                        "has a maintainer LABEL"
                    )
                    continue
                who = ins.args.strip()
                if len(who) > 1 and who[0] == who[-1] == '"':
                    who = who[1:-1]  # quotes around the whole name were meant as delimiters
                label = Instruction.new("LABEL", f'maintainer="{_quote(who)}"')
                out.instructions[n] = replace(label, leading=ins.leading, line=ins.line)
                labelled = True
                notes.append(
                    f"line {ins.line}: MAINTAINER -> LABEL maintainer=...: MAINTAINER is "
                    "deprecated; the label is what docker inspect shows"
                )
        return Result(out, notes)


def _quote(text: str) -> str:
    """Escape for a double-quoted LABEL value (backslash, quote, and $ which LABEL expands)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")


def _drop(dockerfile: Dockerfile, n: int) -> None:
    """Remove instruction n, keeping the comments written above it on the next one."""
    gone = dockerfile.instructions.pop(n)
    if n < len(dockerfile.instructions):
        nxt = dockerfile.instructions[n]
        dockerfile.instructions[n] = replace(nxt, leading=gone.leading + nxt.leading)
    else:
        dockerfile.trailer = gone.leading + dockerfile.trailer
