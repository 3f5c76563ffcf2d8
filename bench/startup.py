"""CPU time of the quick commands: `python bench/startup.py [--repeat N]`.

Runs, as the console script does, `dj-optimize --help`, `--version`, `--list-transforms` and a
dry run on examples/01-tutorial (a Dockerfile whose settings have no LOGGING file handlers, so
nothing needs libcst), each N times in a fresh interpreter, and prints the median CPU seconds
(user + system, of the child process: interpreter start-up and imports included) and wall time.
Target: under 0.15 s of CPU each. The dry run writes nothing.

As an installed tool runs: with bytecode caches (PYTHONDONTWRITEBYTECODE is dropped, and one
untimed run per command writes them first), so the figures measure imports and work, not the
compilation of our sources that a wheel install does once. The load average is printed before
and after: on a shared machine CPU time per process grows with the load (caches, SMT siblings),
so compare figures taken at a similar load. `--instructions` also counts each command's
instructions once under valgrind (callgrind), a figure the load does not move: use it to compare
two trees on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_CPU_SECONDS = 0.15
# What the `dj-optimize` console script runs, with this checkout's packages first on sys.path.
LAUNCH = [sys.executable, "-c", "import sys; from optimizer.cli import main; sys.exit(main())"]
COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "--version": ["--version"],
    "--list-transforms": ["--list-transforms"],
    "dry run (01-tutorial)": [str(ROOT / "examples" / "01-tutorial" / "Dockerfile")],
}


def cpu_seconds(args: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of the command in a new process."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [*LAUNCH, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"startup: {args} exited {done.returncode}: {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def instructions(args: list[str]) -> int:
    """Instructions the command executes (user space, the interpreter's start-up included)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *LAUNCH, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"startup: valgrind gave no count for {args}: {done.stderr[-300:]}")
    return int(found[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (median shown)")
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions under valgrind"
    )
    options = parser.parse_args()
    if options.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind on PATH")
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'command':24} {'cpu s':>7} {'wall s':>7}  target {TARGET_CPU_SECONDS} s cpu")
    for name, args in COMMANDS.items():
        cpu_seconds(args)  # warm-up: bytecode caches, file system cache
        runs = [cpu_seconds(args) for _ in range(options.repeat)]
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        verdict = "ok" if cpu < TARGET_CPU_SECONDS else "over"
        count = f"  {instructions(args) / 1e6:.1f} M instructions" if options.instructions else ""
        print(f"{name:24} {cpu:7.3f} {wall:7.3f}  {verdict}{count}")
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
