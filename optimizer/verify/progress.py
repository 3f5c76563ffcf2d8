"""Progress a person can follow: each side's phase and current build step.

On a terminal, a rich Live display keeps one line per side (and one for the run) up to date;
otherwise (CI logs, pipes) every event is a plain line on stderr. Events are the strings verify
reports: `before: ...` / `after: ...` for one side, anything else for the whole run.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.spinner import Spinner
from rich.text import Text

SIDES = ("before", "after")


class Progress:
    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled
        self.live: Live | None = None
        self.lines: dict[str, str] = {}

    def __enter__(self) -> Progress:
        if self.enabled and self.console.is_terminal:
            self.live = Live(
                self._render(), console=self.console, refresh_per_second=8, transient=True
            )
            self.live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.live is not None:
            self.live.__exit__(kind, value, tb)
            self.live = None

    def __call__(self, event: str) -> None:
        if not self.enabled:
            return
        side, sep, rest = event.partition(": ")
        key = side if sep and side in SIDES else "run"
        if self.live is None:
            self.console.print(escape(event))
            return
        if key == "run":
            self.lines["run"] = event
        else:
            self.lines[key] = rest
            # Failures and long waits stay on screen after the live lines are gone.
            if "failed" in rest or "ignores" in rest or "did not start" in rest:
                self.live.console.print(escape(event))
        self.live.update(self._render())

    def _render(self) -> Group:
        rows: list[Spinner | Text] = [Spinner("dots", Text(self.lines.get("run", "verify")))]
        for side in SIDES:
            if side in self.lines:
                rows.append(Text(f"  {side:6}  {self.lines[side]}"))
        return Group(*rows)
