"""What every transform is and receives.

A transform is a small object with a `name`, a docstring saying why it exists, `detect` (is the
pattern it fixes present?) and `apply` (the rewritten Dockerfile plus notes for the reviewer).
Transforms never touch the disk: extra files they want (a `.dockerignore`) go in `files`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from optimizer.context import DjangoProject
from optimizer.deploy_target import config_directories
from optimizer.dockerfile import Dockerfile


@dataclass(frozen=True)
class Options:
    production_server: bool = False
    healthcheck: bool = False  # the opt-in healthcheck transform runs (or --only healthcheck)
    # BuildKit cache mounts (`RUN --mount=type=cache`) in builder stages; off for the legacy
    # builder, which rejects them.
    buildkit: bool = True
    # The builder's installer: "pip" (the user's own) or "uv" (opt-in: faster cold builds).
    installer: str = "pip"
    # --target (or the config's verify `target`): the stage that is deployed, when it is not the
    # last one; the changes are made to it (optimizer/deploy_target.py).
    target: str | None = None


@dataclass
class Context:
    """Everything a transform may read besides the Dockerfile itself."""

    project: DjangoProject
    context_dir: Path
    options: Options = field(default_factory=Options)
    # Path of the Dockerfile relative to the build context (for notes and .dockerignore rules).
    dockerfile_path: str = "Dockerfile"
    # Files the pipeline will write next to the Dockerfile (context-relative path -> content);
    # transforms read earlier transforms' output here, e.g. a .dockerignore.
    files: dict[str, str] = field(default_factory=dict)

    def read(self, relpath: str) -> str | None:
        """A context file as the build will see it: pending output first, then the disk."""
        if relpath in self.files:
            return self.files[relpath]
        return self.read_disk(relpath)

    def read_script(self, path: str) -> str | None:
        """A script a Dockerfile names by its image path (`/app/entrypoint.sh`): found at that
        path in the context, else by its file name at the context's root."""
        for rel in (path.lstrip("/"), path.rsplit("/", 1)[-1]):
            text = self.read(rel)
            if text is not None:
                return text
        return None

    def compose_directories(self) -> list[Path]:
        """Where a compose file that builds this Dockerfile may sit: the context, the
        Dockerfile's directory, and two levels above the context (`build: ./app` at the
        repository root, cookiecutter's compose/production/django/Dockerfile)."""
        return config_directories(self.context_dir, self.context_dir / self.dockerfile_path)

    def read_disk(self, relpath: str) -> str | None:
        path = self.context_dir / relpath
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None


@dataclass
class Result:
    dockerfile: Dockerfile
    # One line per change, for the reviewer: what changed and why.
    notes: list[str] = field(default_factory=list)
    # Decisions not to change something ("left alone because ...").
    skipped: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)


class NotesTransform:
    """Default `detect` for transforms: the pattern is present when applying changes something.

    Subclasses set `name` and implement `apply`."""

    name: str

    def detect(self, dockerfile: Dockerfile, ctx: Context) -> bool:
        result = self.apply(dockerfile, ctx)
        return bool(result.notes or result.files)

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        raise NotImplementedError


class Transform(Protocol):
    name: str

    def detect(self, dockerfile: Dockerfile, ctx: Context) -> bool: ...

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result: ...
