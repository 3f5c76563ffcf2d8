"""Healthchecks: the app's own, run once its server answers, and what a failing one means.

Docker, Compose (`depends_on: condition: service_healthy`) and Swarm act on a container's
healthcheck: one that cannot run marks a working app unhealthy. The classic way a rewrite breaks
it is the base image: `HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1` works on
`python:3.11`, which has curl, and not on `python:3.11-slim`, which has none. The shell then
prints `curl: not found` and, because of `|| exit 1`, exits 1, not 127: so the program that could
not run is read from what the shell or the runtime said (`unrunnable`), not from the exit code.

Which healthcheck: the app's compose service's `healthcheck` when it has one (Compose replaces
the image's with it; `disable: true` turns it off), else the image's HEALTHCHECK as the engine
stored it. It is run with docker exec (as Docker runs it: CMD-SHELL under `/bin/sh -c`, as the
container's user, with its environment), retried a few times within one bound.

Judging (`judge`, `judge_alone`): for the app image a healthcheck that fails on the rewrite and
passes on the original (or that the rewrite added) fails verify, naming the command and the
missing program; one that fails on the original too is a note, not the rewrite's doing. Service
containers (Postgres, Redis, ...) are judged in services.py: there a program missing from the
stand-in image is replaced by the TCP check, and the report says so.
"""

from __future__ import annotations

import shlex
import threading
import time
from typing import Any

from optimizer import engine
from optimizer.syspkgs import TOOL_PACKAGES
from optimizer.verify.report import HealthcheckRun, Reason, SideReport

# The whole check, every try included: a healthcheck that hangs (curl without --max-time to a
# port nothing answers) must not hold the run.
RUN_BUDGET = 30.0
TRIES = 3
_GAP = 1.0

# Programs whose error lines name the program they could not run: `/bin/sh: 1: curl: not
# found`, `bash: line 1: curl: command not found`, `/usr/bin/env: 'curl': No such file ...`.
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "env"})
_MISSING = frozenset({"not found", "command not found", "no such file or directory"})


def healthcheck_command(test: list[str]) -> list[str]:
    """The command Docker runs for a healthcheck test: CMD-SHELL's words follow `/bin/sh -c` as
    they are, not joined (CR_8_Docker's `["CMD-SHELL", "-c", "pg_isready ..."]` is
    `sh -c -c "pg_isready ..."`, which passes; joined, `sh -c "-c pg_isready ..."` fails)."""
    if test[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", *test[1:]]
    return list(test[1:])


def display(test: list[str]) -> str:
    """The test as a user wrote it: the shell line of CMD-SHELL, the words of CMD."""
    if test and test[0] == "CMD-SHELL":
        return " ".join(test[1:])
    return shlex.join(test[1:] if test and test[0] == "CMD" else test)


def unrunnable(output: str) -> tuple[str, str] | None:
    """(program, "missing" | "not executable") when the output says a program could not be run,
    as a shell (`/bin/sh: 1: curl: not found`) or the runtime (`exec: "curl": executable file
    not found in $PATH`) words it; None otherwise. A program's own complaint about a file
    (`cat: /x: No such file or directory`) is not one: only shells and the runtime count."""
    for raw in output.splitlines():
        line = raw.strip()
        _, found, rest = line.partition('exec: "')
        if found:
            program, quote, tail = rest.partition('"')
            low = tail.lower()
            if quote and program and "permission denied" in low:
                return program, "not executable"
            if quote and program and ("not found" in low or "no such file" in low):
                return program, "missing"
            continue
        parts = line.split(": ")
        if len(parts) < 3 or parts[0].rsplit("/", 1)[-1] not in _SHELLS:
            continue
        program = parts[-2].strip("'\"`")
        if not program or " " in program:
            continue  # `sh: 1: cannot create /x: Permission denied`: a redirect, not a program
        message = parts[-1].strip().lower()
        if message in _MISSING:
            return program, "missing"
        if message == "permission denied":
            return program, "not executable"
    return None


def declared(
    image_test: list[str] | None, compose_test: list[str] | None, compose_source: str | None
) -> tuple[str, list[str]] | None:
    """(source, test) of the healthcheck that runs: the compose service's over the image's."""
    if compose_source is not None:
        return (compose_source, compose_test) if compose_test else None
    return ("image", image_test) if image_test else None


def run(
    container: Any,
    source: str,
    test: list[str],
    *,
    budget: float = RUN_BUDGET,
    tries: int = TRIES,
) -> HealthcheckRun:
    """Run the healthcheck until it passes, at most `tries` times within `budget` seconds. A
    program that cannot be run ends it at once: trying again will not install it."""
    result = HealthcheckRun(source, list(test), ran=True)
    started = time.monotonic()
    deadline = started + budget
    command = healthcheck_command(test)
    for attempt in range(tries):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        if attempt:
            time.sleep(min(_GAP, remaining))
        result.tries += 1
        outcome = _exec_bounded(container, command, max(deadline - time.monotonic(), 0.1))
        if outcome is None:
            result.exit_code = None
            result.output_tail = [f"did not finish within {budget:g} s"]
            break
        code, output = outcome
        result.exit_code = code
        result.output_tail = [x for x in output.splitlines() if x.strip()][-10:]
        found = unrunnable(output)
        if found is not None:
            result.tool, result.tool_problem = found
            break
        if code == 0:
            break
    result.seconds = round(time.monotonic() - started, 2)
    return result


def _exec_bounded(container: Any, command: list[str], timeout: float) -> tuple[int, str] | None:
    """docker exec, waited for at most `timeout` s (None then). A hung exec is left to end with
    its container, which verify stops and removes."""
    box: list[tuple[int, str]] = []
    thread = threading.Thread(
        target=lambda: box.append(engine.exec_in(container, command)), daemon=True
    )
    thread.start()
    thread.join(timeout)
    return box[0] if box else None


# -- judging ---------------------------------------------------------------------------------


def _whose(check: HealthcheckRun) -> str:
    return "HEALTHCHECK" if check.source == "image" else f"healthcheck ({check.source})"


def _failure(check: HealthcheckRun) -> str:
    command = f"`{display(check.test)}`"
    if check.tool is not None:
        where = "in the image" if check.tool_problem == "missing" else "executable"
        return f"{command} cannot run: {check.tool} is not {where} (exit {check.exit_code})"
    if check.exit_code is None:
        return f"{command} did not finish within {RUN_BUDGET:.0f} s"
    return f"{command} fails (exit {check.exit_code})"


def _cause(check: HealthcheckRun) -> list[str]:
    cause = list(check.output_tail[-5:])
    if check.tool is not None and check.tool_problem == "missing":
        name = check.tool.rsplit("/", 1)[-1]
        package = TOOL_PACKAGES.get(name)
        if package is not None:
            cause.append(
                f"the final stage must install {package} "
                f"(apt-get install -y --no-install-recommends {package}), or the check must "
                "use what the image has (its Python)"
            )
    return cause


def judge(before: SideReport, after: SideReport) -> list[Reason]:
    """Why the rewrite's healthcheck fails verify: it fails where the original's passes, or
    only the rewrite's program is missing, or the rewrite added one that fails, or dropped the
    image's. Only when both sides served (the caller's case): otherwise it was not run."""
    old, new = before.healthcheck, after.healthcheck
    if new is None:
        if old is not None and old.source == "image" and old.ok:
            return [
                Reason(
                    "the rewritten image has no HEALTHCHECK (the original's "
                    f"`{display(old.test)}` passes)"
                )
            ]
        return []
    if not new.ran or new.ok:
        return []
    if old is None:
        return [
            Reason(f"the rewrite adds a {_whose(new)} that fails: {_failure(new)}", _cause(new))
        ]
    if not old.ran:
        return []
    if old.ok:
        return [
            Reason(
                f"the rewritten image's {_whose(new)} {_failure(new)}; it passes on the original",
                _cause(new),
            )
        ]
    if new.tool is not None and old.tool is None:
        return [
            Reason(
                f"the rewritten image's {_whose(new)} {_failure(new)}; on the original it runs "
                f"(and fails, exit {old.exit_code})",
                _cause(new),
            )
        ]
    return []


def judge_alone(side: SideReport) -> list[Reason]:
    """With no baseline: a healthcheck that does not pass while the server answers fails."""
    check = side.healthcheck
    if check is None or not check.ran or check.ok:
        return []
    return [Reason(f"the image's {_whose(check)} {_failure(check)}", _cause(check))]


def notes(before: SideReport | None, after: SideReport) -> list[str]:
    """What the report says of healthchecks besides the verdict's reasons."""
    new = after.healthcheck
    old = before.healthcheck if before is not None else None
    said: list[str] = []
    if new is not None and new.ok:
        said.append(f"{_whose(new)} `{display(new.test)}` passes" + (
            " on both" if old is not None and old.ok else ""
        ))
    elif (
        new is not None
        and old is not None
        and new.ran
        and old.ran
        and not old.ok
        and not new.ok
        and not (new.tool is not None and old.tool is None)
    ):
        said.append(
            f"{_whose(old)} fails on the original too, not the rewrite's doing: {_failure(old)}"
        )
    return said
