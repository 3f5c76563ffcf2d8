"""One verify run: what it created, and removing all of it whatever happens.

Every object a run creates carries the label `dj-optimize.run=<run id>` (images through
`docker build --label`, containers, networks and volumes through the SDK), and its scratch
directory is `<tmp>/dj-optimize-verify-<run id>-*` (0700, holding a `pid` file). So cleanup can
both remove what the run tracked and then sweep by label, and `dj-optimize --cleanup` can find
what a killed run left. Whoever starts something during a run (the app's containers, service
containers, their networks and volumes) registers it here with `track_*` and passes `labels`.

Signals: SIGINT, SIGTERM and SIGHUP raise `KeyboardInterrupt` once; every later one (a second
Ctrl-C while cleaning up) is only counted, so cleanup always finishes; after an interrupted run
they stay ignored, so the caller can print its report and exit. Each engine call of the
cleanup is bounded by the client's timeout.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from optimizer import engine
from optimizer.dockerfile import engine_ref

SCRATCH_PREFIX = "dj-optimize-verify-"
RUN_LABEL = engine.RUN_LABEL
_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@dataclass
class CleanupResult:
    removed: bool  # checked by label and on disk: nothing of the run is left
    left: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # what was there to remove (--cleanup)


@dataclass
class Run:
    run_id: str
    scratch: Path
    containers: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    kept_images: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    # The signal that interrupted the run, and how many more came while it wound down.
    interrupted_by: str | None = None
    later_signals: int = 0
    # Set when cleanup starts: from then on a signal is only counted.
    shielded: bool = False

    @classmethod
    def create(cls) -> Run:
        run_id = f"djopt-{secrets.token_hex(4)}"
        # mkdtemp makes the directory 0700: the copies hold the user's .env and sources.
        scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{run_id}-"))
        (scratch / "pid").write_text(str(os.getpid()), encoding="ascii")
        return cls(run_id, scratch)

    @property
    def labels(self) -> dict[str, str]:
        return {RUN_LABEL: self.run_id}

    def name(self, suffix: str) -> str:
        return f"{self.run_id}-{suffix}"

    def track_container(self, name: str) -> str:
        self.containers.append(name)
        return name

    def track_image(self, ref: str, *, keep: bool = False) -> str:
        self.images.append(ref)
        if keep:
            self.kept_images.append(ref)
        return ref

    def track_network(self, name: str) -> str:
        self.networks.append(name)
        return name

    def track_volume(self, name: str) -> str:
        self.volumes.append(name)
        return name

    def _not_kept(self, found: engine.Labelled) -> engine.Labelled:
        """`found` without the images kept on purpose (--keep-images)."""
        kept = {engine_ref(ref) for ref in self.kept_images}
        found.images = {ref: run for ref, run in found.images.items() if ref not in kept}
        return found

    # -- signals ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def signals(self, on_signal: Callable[[str], None] = lambda s: None) -> Iterator[None]:
        """SIGINT/SIGTERM/SIGHUP interrupt the run once (KeyboardInterrupt); later ones are
        counted and ignored, so the cleanup that follows is not itself interrupted."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            if self.interrupted_by is None and not self.shielded:
                self.interrupted_by = name
                raise KeyboardInterrupt
            self.later_signals += 1
            with contextlib.suppress(Exception):  # the terminal may be gone (SIGHUP)
                on_signal(f"{name}: still cleaning up, please wait")

        previous: dict[int, Any] = {}
        for signum in _SIGNALS:
            previous[signum] = signal.signal(signum, handler)
        try:
            yield
        finally:
            for signum, old in previous.items():
                # After an interrupt the run is over and the caller only reports and exits: a
                # late second Ctrl-C must not kill it halfway through printing the report.
                signal.signal(signum, signal.SIG_IGN if self.interrupted_by else old)

    # -- cleanup ---------------------------------------------------------------------------------

    def cleanup(self) -> CleanupResult:
        """Remove what the run tracked, then anything else carrying its label, then its scratch
        directory; then check by label and on disk that nothing is left."""
        images = [ref for ref in self.images if ref not in self.kept_images]
        failures: list[str] = []
        left: list[str] = []
        try:
            failures += engine.remove(
                containers=self.containers,
                networks=self.networks,
                volumes=self.volumes,
                images=images,
            )
            found = self._not_kept(engine.find_labelled(self.run_id))
            if not found.empty():
                failures += engine.remove_labelled(found)
                found = self._not_kept(engine.find_labelled(self.run_id))
            left += found.describe()
        except Exception as exc:  # the engine went away: still remove the scratch copy
            failures.append(f"cannot reach the engine to clean up: {exc}")
            left.append(f"unknown: objects labelled {RUN_LABEL}={self.run_id} not checked")
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.scratch.exists():
            left.append(f"directory {self.scratch}")
        return CleanupResult(removed=not left, left=left, failures=failures)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scratch_dirs() -> list[Path]:
    root = Path(tempfile.gettempdir())
    return sorted(p for p in root.glob(f"{SCRATCH_PREFIX}*") if p.is_dir() and not p.is_symlink())


def _live_runs() -> set[str]:
    """Run ids whose process is still running (their scratch directory's `pid`)."""
    live: set[str] = set()
    for directory in scratch_dirs():
        try:
            pid = int((directory / "pid").read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        if _pid_alive(pid):
            live.add(_run_of_scratch(directory))
    return live


def _run_of_scratch(directory: Path) -> str:
    return directory.name[len(SCRATCH_PREFIX) :].rsplit("-", 1)[0]


def cleanup_leftovers(*, engine_up: bool) -> CleanupResult:
    """`dj-optimize --cleanup`: remove what killed runs left, by label and by scratch prefix.
    Runs whose process is still alive are left alone."""
    live = _live_runs()

    def stale(found: engine.Labelled) -> engine.Labelled:
        return engine.Labelled(
            *(
                {name: run for name, run in kind.items() if run not in live}
                for kind in (found.containers, found.images, found.networks, found.volumes)
            )
        )

    failures: list[str] = []
    left: list[str] = []
    removed: list[str] = []
    if engine_up:
        found = stale(engine.find_labelled())
        removed += found.describe()
        failures += engine.remove_labelled(found)
        left += stale(engine.find_labelled()).describe()
    for directory in scratch_dirs():
        if _run_of_scratch(directory) in live:
            continue
        removed.append(f"directory {directory}")
        shutil.rmtree(directory, ignore_errors=True)
        if directory.exists():
            left.append(f"directory {directory}")
    return CleanupResult(removed=not left, left=left, failures=failures, found=removed)
