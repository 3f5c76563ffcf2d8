"""Comparing the two sides and deciding the verdict."""

from __future__ import annotations

from optimizer.verify.report import SIZE_TOLERANCE, ProbeResult, SideReport


def compare_probes(before: list[ProbeResult], after: list[ProbeResult]) -> dict[str, bool]:
    after_by_path = {p.path: p for p in after}
    result: dict[str, bool] = {}
    for probe in before:
        other = after_by_path.get(probe.path)
        result[probe.path] = (
            other is not None and probe.answered and other.answered and probe.key() == other.key()
        )
    return result


def decide(before: SideReport, after: SideReport, probes_equal: dict[str, bool]) -> list[str]:
    """Why the rewrite fails verification; empty when it passes."""
    reasons: list[str] = []
    if not before.build_ok:
        reasons.append("original does not build")
    if not after.build_ok:
        reasons.append("rewritten Dockerfile does not build")
    if reasons:
        return reasons
    if before.pre_step and after.pre_step and before.pre_step.get("ok") and not after.pre_step.get(
        "ok"
    ):
        tail = (after.pre_step.get("log_tail") or [""])[-1]
        reasons.append(
            f"the pre-step ({' '.join(after.pre_step['command'])}) fails on the rewritten image"
            + (f": {tail}" if tail else "")
        )
    if not after.serves:
        reasons.append(f"rewritten container does not answer HTTP on port {after.port}")
    elif not after.reachable_from_host:
        reasons.append(
            f"rewritten container answers only inside itself, not on published port {after.port}"
        )
    if before.serves and after.serves:
        after_by_path = {p.path: p for p in after.probes}
        for probe in before.probes:
            if probe.answered and not probes_equal.get(probe.path, False):
                other = after_by_path.get(probe.path)
                reasons.append(f"GET {probe.path}: {_describe_difference(probe, other)}")
    elif after.serves:
        # Nothing to compare against: the rewrite must at least serve without server errors.
        for probe in after.probes:
            if not probe.answered or (probe.status or 0) >= 500:
                reasons.append(f"GET {probe.path}: rewritten container answers {_status(probe)}")
    if (
        before.image_size is not None
        and after.image_size is not None
        and after.image_size > before.image_size + SIZE_TOLERANCE
    ):
        reasons.append(
            f"rewritten image is larger ({after.image_size} > {before.image_size} bytes)"
        )
    return reasons


def _status(probe: ProbeResult | None) -> str:
    if probe is None:
        return "nothing (not probed)"
    if probe.status is None:
        return f"nothing ({probe.error or 'no answer'})"
    return str(probe.status)


def _describe_difference(before: ProbeResult, after: ProbeResult | None) -> str:
    if after is None or after.status != before.status:
        return f"status differs (before {_status(before)}, after {_status(after)})"
    if after.location != before.location:
        return f"redirect differs (before {before.location}, after {after.location})"
    index = next(
        (n for n, (a, b) in enumerate(zip(before.body, after.body, strict=False)) if a != b),
        min(len(before.body), len(after.body)),
    )
    return (
        f"body differs at character {index} (before {before.body[index : index + 40]!r}, "
        f"after {after.body[index : index + 40]!r})"
    )
