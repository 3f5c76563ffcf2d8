"""The human verify report: the before/after table (one column with no baseline), the verdict,
each reason with its cause (the failing build step's or container's last lines), and whether
cleanup left anything."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optimizer.verify.run import RUN_LABEL

VERDICT_WORDS = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1e6:.1f} MB"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def _build(side: dict[str, Any]) -> str:
    if side.get("build_ok"):
        return "ok"
    return "failed" if side.get("build_tried") else "not built"


def stop_row_label(*sides: dict[str, Any]) -> str:
    """`docker stop` sends the image's STOPSIGNAL: name SIGTERM only when all use it."""
    signals = {side.get("stop_signal") or "SIGTERM" for side in sides}
    return "stops on SIGTERM" if signals == {"SIGTERM"} else "stops on `docker stop`"


def _columns(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(heading, side) of each side the report has: before and after, or with no baseline the
    one image (a single column, nothing to compare it with)."""
    if report.get("before") is None:
        return [("image", report["after"])]
    return [("before", report["before"]), ("after", report["after"])]


def verify_table(report: dict[str, Any]) -> Table:
    columns = _columns(report)
    sides = [side for _, side in columns]
    alone = len(columns) == 1
    title = "verify (baseline: none)" if alone else "verify"
    table = Table("", *(name for name, _ in columns), title=title)
    serving = {"host": "yes", "container": "only inside", "none": "no"}

    def row(label: str, show: Any) -> None:
        table.add_row(label, *(show(side) for side in sides))

    row("build", _build)
    row("image size", lambda s: _mb(s["image_size"]))
    row("bytes above base", lambda s: _mb(s["bytes_above_base"]))
    row("layers", lambda s: _text(s["layers"]))
    row("cold build", lambda s: _secs(s["cold_build_seconds"]))
    row("rebuild after code change", lambda s: _secs(s["rebuild_seconds"]))
    row(
        "answers HTTP",
        lambda s: serving[s["serving"]] if s.get("build_ok") and s.get("started") is not None
        else "-",
    )
    # Seconds from `docker run` to the first answer: a rewrite that starts much slower (a
    # missing bytecode step, a runtime compile) shows here; it was in --json only.
    row("first response after start", lambda s: _secs(s.get("ready_seconds")))
    if alone:
        row("probes answered with a success", lambda s: _successes(report, s))
    row(stop_row_label(*sides), lambda s: _yes_no(s["stopped_on_sigterm"]))
    row("runs as uid", lambda s: _text(s["uid"]))
    return table


def _successes(report: dict[str, Any], side: dict[str, Any]) -> str:
    probes = side.get("probes") or []
    if not probes:
        return "-"
    verdicts = report.get("probe_verdicts") or {}
    good = [p["path"] for p in probes if verdicts.get(p["path"]) == "answers"]
    return f"{len(good)} of {len(probes)}" + (f" ({', '.join(good)})" if good else "")


def render_report(out: Console, report: dict[str, Any]) -> None:
    columns = _columns(report)
    if len(columns) == 1:
        out.print("baseline: none (the new image alone: does it build, start and answer?)")
    if columns[0][1].get("build_ok"):
        out.print(verify_table(report))
        for name, side in columns:
            layers = side.get("top_layers") or []
            if layers:
                out.print(f"largest layers {name}:" if len(columns) == 2 else "largest layers:")
                for layer in layers[:3]:
                    command = escape(layer["created_by"] or "(base image)")
                    out.print(f"  {layer['size'] / 1e6:8.1f} MB  {command}")
        saving = report.get("size_saving_percent")
        if saving is not None:
            out.print(f"size saving: {report['size_saving_bytes'] / 1e6:.1f} MB ({saving:.1f}%)")
        for path in report.get("removed_paths") or []:
            out.print(f"no longer in the image: {escape(path)}")
    # The run plan's notes are in `notes` too; the CLI prints them once, as "how it ran".
    plan_notes = set((report.get("run_plan") or {}).get("notes") or [])
    for note in report.get("notes") or []:
        if note not in plan_notes:
            out.print(f"note: {escape(note)}")
    verdict = report.get("verdict") or "inconclusive"
    out.print(
        "verify: "
        + VERDICT_WORDS.get(verdict, verdict.upper())
        + (" (baseline: none)" if len(columns) == 1 else "")
    )
    for reason in report.get("verdict_reasons") or []:
        out.print(f"  - {escape(reason['text'])}")
        for line in reason.get("cause") or []:
            out.print(f"      {escape(line)}")
    cleaned = report.get("cleaned_up")
    run_id = report.get("run_id")
    if cleaned and run_id:
        out.print(f"cleanup: everything removed (checked by label {RUN_LABEL}={run_id})")
    elif cleaned is False:
        out.print("cleanup: left behind (remove with `dj-optimize --cleanup`):")
        for item in report.get("left_behind") or []:
            out.print(f"  {escape(item)}")
