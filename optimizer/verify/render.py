"""The human verify report: the before/after table, the verdict, each reason with its cause
(the failing build step's or container's last lines), and whether cleanup left anything."""

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


def stop_row_label(before: dict[str, Any], after: dict[str, Any]) -> str:
    """`docker stop` sends the image's STOPSIGNAL: name SIGTERM only when both use it."""
    signals = {side.get("stop_signal") or "SIGTERM" for side in (before, after)}
    return "stops on SIGTERM" if signals == {"SIGTERM"} else "stops on `docker stop`"


def verify_table(report: dict[str, Any]) -> Table:
    table = Table("", "before", "after", title="verify")
    b, a = report["before"], report["after"]
    table.add_row("build", _build(b), _build(a))
    table.add_row("image size", _mb(b["image_size"]), _mb(a["image_size"]))
    table.add_row("bytes above base", _mb(b["bytes_above_base"]), _mb(a["bytes_above_base"]))
    table.add_row("layers", _text(b["layers"]), _text(a["layers"]))
    table.add_row("cold build", _secs(b["cold_build_seconds"]), _secs(a["cold_build_seconds"]))
    table.add_row(
        "rebuild after code change", _secs(b["rebuild_seconds"]), _secs(a["rebuild_seconds"])
    )
    serving = {"host": "yes", "container": "only inside", "none": "no"}
    served = b.get("build_ok") and b.get("started") is not None
    table.add_row(
        "answers HTTP",
        serving[b["serving"]] if served else "-",
        serving[a["serving"]] if a.get("build_ok") and a.get("started") is not None else "-",
    )
    table.add_row(
        stop_row_label(b, a), _yes_no(b["stopped_on_sigterm"]), _yes_no(a["stopped_on_sigterm"])
    )
    table.add_row("runs as uid", _text(b["uid"]), _text(a["uid"]))
    return table


def render_report(out: Console, report: dict[str, Any]) -> None:
    if report["before"].get("build_ok"):
        out.print(verify_table(report))
        for name in ("before", "after"):
            layers = report[name].get("top_layers") or []
            if layers:
                out.print(f"largest layers {name}:")
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
    out.print("verify: " + VERDICT_WORDS.get(verdict, verdict.upper()))
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
