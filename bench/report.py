"""Ratios, the issue's targets, and the printed table; pure functions over the results' dicts.

A result (one per input, also what goes into the JSON) holds `before` and `after`, each a dict
of METRICS keys to a number or None ("n/a": the measure could not be taken; `notes` says why).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

MB = 1_000_000

# (key, column title, unit): the measures taken on both sides.
METRICS: list[tuple[str, str, str]] = [
    ("image_bytes", "image MB", "MB"),
    ("above_slim_bytes", "above slim MB", "MB"),
    ("runtime_bytes", "pkgs+app MB", "MB"),  # Python and Debian packages, the app
    ("cold_build_s", "cold build s", "s"),
    ("code_rebuild_s", "code change s", "s"),
    ("dep_rebuild_s", "add dep s", "s"),
    ("first_200_s", "first 200 s", "s"),
    ("stop_s", "stop s", "s"),
    ("hadolint", "hadolint", "n"),
]

# Examples the example targets name (01 tutorial, 02 psycopg2 on the full base).
TARGET_EXAMPLES = ("01-", "02-")
# "Bytes above the slim base within 5 MB of the installed runtime packages plus the app."
ABOVE_SLIM_SLACK = 5 * MB
CODE_REBUILD_MAX_S = 3.0
# "No worse" on a time: medians on a shared machine wobble by a few hundredths of a second
# and a few percent, so "no worse" allows after <= before * (1 + NOISE_RATIO) + NOISE_S.
NOISE_RATIO = 0.05
NOISE_S = 0.05


def ratio(before: float | None, after: float | None) -> float | None:
    """after / before; None when either is missing or before is not positive."""
    if before is None or after is None or before <= 0:
        return None
    return after / before


def ratios(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float | None]:
    return {key: ratio(before.get(key), after.get(key)) for key, _, _ in METRICS}


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def no_worse(before: float, after: float) -> bool:
    return after <= before * (1 + NOISE_RATIO) + NOISE_S


@dataclass(frozen=True)
class Target:
    id: str
    label: str
    value: str  # the figures the verdict rests on, for the reader
    met: bool | None  # None: not measurable (a figure is n/a)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "MB":
        mb = value / MB
        return f"{mb:.0f}" if abs(mb) >= 100 else f"{mb:.1f}"
    if unit == "s":
        return f"{value:.2f}" if value < 10 else f"{value:.1f}"
    return f"{value:.0f}"


def _ratio_target(
    tid: str, label: str, key: str, limit: float, result: dict[str, Any], unit: str = "s"
) -> Target:
    b, a = result["before"].get(key), result["after"].get(key)
    r = ratio(b, a)
    value = f"{_fmt(a, unit)}/{_fmt(b, unit)} = " + ("n/a" if r is None else f"{r:.2f}")
    return Target(tid, label, value, None if r is None else r <= limit)


def _no_worse_target(tid: str, label: str, key: str, result: dict[str, Any], unit: str) -> Target:
    b, a = result["before"].get(key), result["after"].get(key)
    value = f"after {_fmt(a, unit)}, before {_fmt(b, unit)}"
    if b is None or a is None:
        return Target(tid, label, value, None)
    met = a <= b if unit == "MB" else no_worse(b, a)
    return Target(tid, label, value, met)


def targets(result: dict[str, Any]) -> list[Target]:
    """The issue's targets that apply to this input (none for other examples)."""
    before, after = result.get("before") or {}, result.get("after") or {}
    if not before or not after:
        return []
    if result.get("kind") == "template":
        return [
            _no_worse_target("t-size", "image no larger than the template", "image_bytes",
                             result, "MB"),
            _no_worse_target("t-code", "code-change rebuild no slower than the template",
                             "code_rebuild_s", result, "s"),
            _no_worse_target("t-dep", "add-dependency rebuild no slower than the template",
                             "dep_rebuild_s", result, "s"),
        ]
    if not str(result.get("name", "")).startswith(TARGET_EXAMPLES):
        return []
    found = [
        _ratio_target("cold", "cold build after/before <= 1.0", "cold_build_s", 1.0, result),
        _ratio_target("dep", "add-dependency rebuild after/before <= 0.5", "dep_rebuild_s", 0.5,
                      result),
    ]
    b, a = before.get("code_rebuild_s"), after.get("code_rebuild_s")
    r = ratio(b, a)
    found.append(
        Target(
            "code",
            f"code-change rebuild <= {CODE_REBUILD_MAX_S:.0f} s and <= 0.5x",
            f"{_fmt(a, 's')} s, {_fmt(a, 's')}/{_fmt(b, 's')} = "
            + ("n/a" if r is None else f"{r:.2f}"),
            None if a is None or r is None else (a <= CODE_REBUILD_MAX_S and r <= 0.5),
        )
    )
    above, runtime = after.get("above_slim_bytes"), after.get("runtime_bytes")
    found.append(
        Target(
            "above-slim",
            "bytes above slim within 5 MB of runtime packages + app",
            f"above slim {_fmt(above, 'MB')} MB, packages+app {_fmt(runtime, 'MB')} MB"
            + "".join(
                f", of which {label} {_fmt(after.get(key), 'MB')} MB"
                for key, label in (("system_packages_bytes", "Debian packages"),
                                   ("stdlib_pyc_bytes", "stdlib .pyc"))
                if after.get(key)
            )
            + ("" if above is None or runtime is None
               else f"; excess {(above - runtime) / MB:+.1f} MB"),
            None if above is None or runtime is None else abs(above - runtime) <= ABOVE_SLIM_SLACK,
        )
    )
    found.append(
        _no_worse_target("first-200", "time to first 200 no worse", "first_200_s", result, "s")
    )
    return found


def verdict(target: Target) -> str:
    return {True: "met", False: "MISSED", None: "n/a"}[target.met]


def cell(before: float | None, after: float | None, unit: str) -> str:
    """`before -> after (ratio)`; one figure when both sides are the same image."""
    r = ratio(before, after)
    text = f"{_fmt(before, unit)} -> {_fmt(after, unit)}"
    return text + ("" if r is None else f" ({r:.2f})")


HEADER = ["input", *(title for _, title, _ in METRICS), "dry-run CPU s", "targets"]


def row(result: dict[str, Any]) -> list[str]:
    name = str(result["name"])
    if result.get("error") and not result.get("before"):
        return [name] + ["-"] * (len(HEADER) - 2) + ["ERROR"]
    before, after = result.get("before") or {}, result.get("after") or {}
    cells = [name]
    for key, _, unit in METRICS:
        cells.append(cell(before.get(key), after.get(key), unit))
    cpu = result.get("dry_run_cpu_s")
    cells.append(_fmt(cpu, "s") if cpu is not None else "n/a")
    found = [Target(**t) if isinstance(t, dict) else t for t in result.get("targets") or []]
    if not found:
        cells.append("-")
    else:
        met = sum(1 for t in found if t.met)
        cells.append(f"{met}/{len(found)} met")
    return cells


def render_table(
    rows: list[list[str]], header: list[str] | None = None, align: str | None = None
) -> str:
    """Columns padded to their widest cell; `align` has an "l" or "r" per column (default: the
    first left, the others right)."""
    header = header or HEADER
    align = align or "l" + "r" * (len(header) - 1)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for n, cells in enumerate([header, *rows]):
        lines.append(
            "  ".join(
                c.ljust(w) if a == "l" else c.rjust(w)
                for c, w, a in zip(cells, widths, align, strict=True)
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_targets(results: list[dict[str, Any]]) -> str:
    rows: list[list[str]] = []
    for result in results:
        for t in result.get("targets") or []:
            target = Target(**t) if isinstance(t, dict) else t
            rows.append([str(result["name"]), target.label, target.value, verdict(target)])
    if not rows:
        return "targets: none apply to these inputs"
    return render_table(rows, ["input", "target", "figures", "verdict"], "llll")


def render_notes(results: list[dict[str, Any]]) -> str:
    lines = []
    for result in results:
        if result.get("error"):
            lines.append(f"{result['name']}: ERROR {result['error']}")
        for key, note in sorted((result.get("notes") or {}).items()):
            lines.append(f"{result['name']}: {key}: {note}")
    return "\n".join(lines)


def render_cpu(cpu: list[dict[str, Any]], limit: float) -> str:
    rows = []
    for entry in cpu:
        value = entry.get("median_cpu_s")
        rows.append(
            [
                str(entry["command"]),
                "n/a" if value is None else f"{value:.3f}",
                str(entry.get("runs", 0)),
                "n/a" if value is None else ("met" if value <= limit else "MISSED"),
                str(entry.get("note") or ""),
            ]
        )
    return render_table(
        rows, ["command", "CPU s (median)", "runs", f"<= {limit} s", "note"], "lrrll"
    )


def finish(result: dict[str, Any]) -> dict[str, Any]:
    """Fill in the ratios and targets of a measured result."""
    before, after = result.get("before") or {}, result.get("after") or {}
    result["ratios"] = ratios(before, after) if before and after else {}
    result["targets"] = [asdict(t) for t in targets(result)]
    return result


def render(results: list[dict[str, Any]], cpu: list[dict[str, Any]], cpu_limit: float) -> str:
    parts = [
        render_table([row(r) for r in results]),
        "",
        "Cells: before -> after (after/before). MB = 10^6 bytes.",
        "",
        render_targets(results),
    ]
    notes = render_notes(results)
    if notes:
        parts += ["", notes]
    if cpu:
        parts += ["", render_cpu(cpu, cpu_limit)]
    return "\n".join(parts)
