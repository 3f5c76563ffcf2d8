"""pip-no-cache: no pip/uv/poetry/pdm download cache in the image that ships.

Why: pip keeps every wheel it downloaded in /root/.cache/pip, often tens of MB, in the same
layer as the install, where no later `rm` can take it back out. PDM has no such flag and keeps
its downloads in /root/.cache/pdm (8.7 MB for Django 4.2 and gunicorn on the lab): `pdm cache
clear` follows its install in the same RUN. Builder stages are left alone: their caches never
reach the final image.
"""

from __future__ import annotations

import re

from optimizer.dockerfile import Dockerfile, Instruction
from optimizer.shell import pip_install_targets, program, split_commands
from transforms.base import Context, NotesTransform, Result
from transforms.raw_edit import Edit, apply_edits

_CACHE_OFF = re.compile(r"\b(PIP_NO_CACHE_DIR|UV_NO_CACHE|POETRY_NO_CACHE)\b")
# Poetry gained `--no-cache` in 1.2 (python-poetry/poetry#5519); 0.12 to 1.1 stop with 'The
# "--no-cache" option does not exist'. A pin below 1.2 (pip's, POETRY_VERSION for the installer
# scripts), the 1.1-era get-poetry.py installer, or a config key only old Poetry reads.
_OLD_POETRY = re.compile(
    r"\bpoetry\s*(?:==|<=|~=|<)\s*['\"]?(?:0\.|1\.[01]\b|1\.2\b(?<=<1\.2))"
    r"|\bPOETRY_VERSION[=\s]+['\"]?(?:0\.|1\.[01]\b)"
    r"|\bget-poetry\.py\b"
    # `poetry config settings.virtualenvs.create false`: the key's spelling before Poetry 1.0
    # (rcisterna/django_docker_template, POETRY_VERSION=0.12.16 from compose's build args).
    r"|\bpoetry\s+config\s+settings\."
)


class PipNoCache(NotesTransform):
    """Install with --no-cache-dir (pip), --no-cache (uv, poetry), then `pdm cache clear` (pdm)
    in the final stage."""

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
        old_poetry = any(_OLD_POETRY.search(ins.value) for ins in out.instructions)
        skipped: list[str] = []
        for n, ins in out.iter_stage(stage):
            if ins.keyword != "RUN" or ins.exec_form is not None or "mount" in ins.flags:
                continue
            edits = _edits(ins, old_poetry)
            if old_poetry and any(
                program(seg.text)[:2] == ["poetry", "install"] for seg in split_commands(ins.args)
            ):
                skipped.append(
                    f"line {ins.line}: `poetry install` left without --no-cache: the Poetry "
                    "installed here is older than 1.2, which has no such option"
                )
            if edits:
                # The user's own layout (continuations, tabs, `&& \`) with the flag added.
                out.instructions[n] = apply_edits(ins, edits)
                notes.append(
                    f"line {ins.line}: installs without keeping a download cache in the layer"
                )
        return Result(out, notes, skipped)


def _insertion(text: str, old_poetry: bool = False) -> tuple[int, str] | None:
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
    elif argv[:2] == ["poetry", "install"] and not old_poetry:
        pattern = r"\binstall\b"
    match = re.search(pattern, text) if pattern else None
    return (match.end(), flag) if match else None


def _edits(ins: Instruction, old_poetry: bool = False) -> list[Edit]:
    """The flag inserted just after each install's subcommand, as edits of the value."""
    edits: list[Edit] = []
    cursor = len(ins.value) - len(ins.args)
    for seg in split_commands(ins.args):
        at = ins.value.find(seg.text, cursor)
        if at < 0:  # split_commands keeps each command's text as written: not reached
            return []
        cursor = at + len(seg.text)
        argv = program(seg.text)
        if (
            argv[:1] == ["pdm"]
            and argv[1:2] in (["install"], ["sync"])
            and not re.search(r"cache clear|/root/\.cache|PDM_CACHE_DIR", ins.value)
        ):
            edits.append(Edit(cursor, cursor, " && pdm cache clear"))
            continue
        found = _insertion(seg.text, old_poetry)
        if found is not None:
            offset, flag = found
            edits.append(Edit(at + offset, at + offset, flag))
    return edits
