"""pip-no-cache: no pip/uv/poetry download cache in the image that ships.

Why: pip keeps every wheel it downloaded in /root/.cache/pip, often tens of MB, in the same
layer as the install, where no later `rm` can take it back out. Builder stages are left alone:
their caches never reach the final image.
"""

from __future__ import annotations

import re

from optimizer.dockerfile import Dockerfile
from optimizer.shell import join_segments, pip_install_targets, program, split_commands
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
                out.instructions[n] = ins.with_args(join_segments(segments, texts))
                notes.append(
                    f"line {ins.line}: installs without keeping a download cache in the layer"
                )
        return Result(out, notes)


def _no_cache(text: str) -> str:
    if "--no-cache" in text:
        return text
    argv = program(text)
    if pip_install_targets(argv) is not None:
        if argv[0].rsplit("/", 1)[-1] == "uv":
            return re.sub(r"\bpip install\b", "pip install --no-cache", text, count=1)
        return re.sub(r"\binstall\b", "install --no-cache-dir", text, count=1)
    if argv[:2] == ["uv", "sync"]:
        return re.sub(r"\bsync\b", "sync --no-cache", text, count=1)
    if argv[:2] == ["poetry", "install"]:
        return re.sub(r"\binstall\b", "install --no-cache", text, count=1)
    return text
