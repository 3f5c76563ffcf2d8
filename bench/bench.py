"""Benchmark dj-optimize on example projects: `python bench/bench.py [examples/NN ...]`.

For each example it runs `dj-optimize --verify --json <dir>/Dockerfile` (a dry run: nothing is
written) and prints one table row: image size, bytes above the base image (what the targets
measure), rebuild time after a code change, cold build time, hadolint findings before/after (the
original Dockerfile and the rewrite; "-" without the hadolint binary), and the verdict. Examples
run one after another: each builds four images and the machine may have only two cores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 3600.0
# Where to keep each example's full JSON report (BENCH_REPORTS=dir); not kept by default.
REPORTS = Path(os.environ["BENCH_REPORTS"]) if os.environ.get("BENCH_REPORTS") else None


def run_optimizer(example: Path) -> dict[str, Any]:
    """The CLI's JSON report for one example; {"error": ...} when it produced none."""
    exe = shutil.which("dj-optimize")
    command = [exe] if exe else [sys.executable, "-m", "optimizer.cli"]
    command += ["--verify", "--json", str(example / "Dockerfile")]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT:.0f} s"}
    # Exit status 1/3/4 (changes proposed / verify failed / inconclusive): the JSON says which.
    try:
        data = json.loads(done.stdout)
    except ValueError:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {done.returncode}: " + " | ".join(tail)}
    return data if isinstance(data, dict) else {"error": "unexpected JSON"}


def lint_count(text: str) -> int | None:
    """How many findings hadolint reports for a Dockerfile's text; None without hadolint."""
    exe = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if exe is None:
        return None
    done = subprocess.run(
        [exe, "--no-fail", "--format", "json", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd="/",  # no project's .hadolint.yaml
    )
    try:
        return len(json.loads(done.stdout))
    except ValueError:
        return None


def lint_pair(example: Path, data: dict[str, Any]) -> tuple[int | None, int | None]:
    """hadolint findings in the example's Dockerfile and in the proposed one."""
    before = (example / "Dockerfile").read_text()
    files = data.get("files") or {}
    after = next((v for k, v in files.items() if k.endswith("Dockerfile")), before)
    return lint_count(before), lint_count(after)


def _lint(data: dict[str, Any]) -> str:
    pair = data.get("lint")
    if not pair or pair[0] is None or pair[1] is None:
        return "-"
    return f"{pair[0]}/{pair[1]}"


def _mb(value: Any) -> str:
    return "-" if value is None else f"{value / 1e6:.0f}"


def _s(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def row(name: str, data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Table cells and the reasons to print under the table."""
    if "error" in data:
        return [name] + ["-"] * (len(HEADER) - 2) + ["ERROR"], [str(data["error"])]
    report = data.get("verify")
    if not report:
        verdict = "unchanged" if not data.get("changed") else "not verified"
        return [name] + ["-"] * (len(HEADER) - 3) + [_lint(data), verdict], []
    b, a = report["before"], report["after"]
    ratio = report.get("above_base_ratio")
    saving = report.get("size_saving_percent")
    cells = [
        name,
        _mb(b.get("image_size")),
        _mb(a.get("image_size")),
        "-" if saving is None else f"{saving:.0f}%",
        _mb(b.get("bytes_above_base")),
        _mb(a.get("bytes_above_base")),
        "-" if ratio is None else f"{ratio:.2f}",
        _slim_ratio(b, a),
        _s(b.get("rebuild_seconds")),
        _s(a.get("rebuild_seconds")),
        f"{_s(b.get('cold_build_seconds'))}/{_s(a.get('cold_build_seconds'))}",
        _lint(data),
        # pass / fail / inconclusive; reports from before verdicts had only `passed`.
        str(report.get("verdict") or ("pass" if report.get("passed") else "fail")).upper(),
    ]
    return cells, list(report.get("reasons") or [])


def _slim_ratio(before: dict[str, Any], after: dict[str, Any]) -> str:
    """After's bytes above its slim base / the original's bytes above that same slim base.

    The original's own base (python:X.Y, ~900 MB) already carries compilers and headers, so its
    bytes above *its* base understate what it ships; measured against the slim base both sides
    count everything beyond the minimal runtime."""
    slim = after.get("base_size")
    b_size, a_size = before.get("image_size"), after.get("image_size")
    if not slim or b_size is None or a_size is None or b_size <= slim:
        return "-"
    return f"{(a_size - slim) / (b_size - slim):.2f}"


HEADER = [
    "example",
    "MB before",
    "MB after",
    "saving",
    "above base MB before",
    "after",
    "ratio",
    "vs slim",
    "rebuild s before",
    "after",
    "cold s before/after",
    "lint before/after",
    "verdict",
]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    for cells in [HEADER, *rows]:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )


def main(argv: list[str]) -> int:
    examples = [Path(a) for a in argv] or sorted(
        p for p in (ROOT / "examples").iterdir() if (p / "Dockerfile").is_file()
    )
    rows: list[list[str]] = []
    notes: list[str] = []
    failed = False
    for example in examples:
        start = time.monotonic()
        print(f"{example.name}: running…", file=sys.stderr, flush=True)
        data = run_optimizer(example)
        if "error" not in data:
            data["lint"] = lint_pair(example, data)
        if REPORTS is not None:
            REPORTS.mkdir(parents=True, exist_ok=True)
            (REPORTS / f"{example.name}.json").write_text(json.dumps(data, indent=2))
        cells, reasons = row(example.name, data)
        print(
            f"{example.name}: {cells[-1]} in {time.monotonic() - start:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        rows.append(cells)
        notes += [f"{example.name}: {reason}" for reason in reasons]
        failed = failed or cells[-1] in ("FAIL", "ERROR")
    print_table(rows)
    for note in notes:
        print(note)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
