"""python-env: PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE in the final image.

Why: without PYTHONUNBUFFERED, stdout is block-buffered when it is not a TTY, so a container's
logs arrive late or are lost when it crashes. PYTHONDONTWRITEBYTECODE stops the app writing
`.pyc` files into the image's layer at run time (and failing to, once it runs as non-root).
"""

from __future__ import annotations

from optimizer.dockerfile import Dockerfile, Instruction, env_pairs
from transforms.base import Context, NotesTransform, Result

WANTED = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
WHY = {
    "PYTHONDONTWRITEBYTECODE": "no .pyc writes at run time",
    "PYTHONUNBUFFERED": "logs reach `docker logs` at once",
}


class PythonEnv(NotesTransform):
    """Set PYTHONDONTWRITEBYTECODE=1 and PYTHONUNBUFFERED=1 where the app runs."""

    name = "python-env"

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        out = dockerfile.copy()
        stage = out.final_stage()
        present: set[str] = set()
        # ENV set in a stage the final one builds FROM (`FROM base AS production`) is inherited.
        for ancestor in out.lineage(stage):
            for _, ins in out.iter_stage(ancestor):
                if ins.keyword == "ENV":
                    present.update(name for name, _ in env_pairs(ins.value))
        missing = {k: v for k, v in WANTED.items() if k not in present}
        if not missing:
            return Result(out)
        at = stage.start + 1
        while at < stage.end and out.instructions[at].keyword in {"ARG", "LABEL", "MAINTAINER"}:
            at += 1
        value = " ".join(f"{k}={v}" for k, v in missing.items())
        out.insert_before(at, Instruction.new("ENV", value))
        return Result(
            out,
            [f"added ENV {value}: " + "; ".join(WHY[k] for k in missing)],
        )
