"""Machine formats for CI: SARIF 2.1.0 for code scanning and GitHub workflow annotations.

Both turn each change note into one finding: rule = transform, location = the Dockerfile line the
note names ("line N: ..."; notes without a line point at line 1), message = the note, which says
why. Decisions to leave something alone (a literal secret in ENV, runserver kept) are findings
too, at the lower level ("note" / `::notice`), so code scanning shows them; they do not change the
exit status. The text and JSON reports stay in cli.py.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from optimizer import __version__
from optimizer.pipeline import Outcome

# The schema's own id (tests/data/sarif-schema-2.1.0.json is that file).
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

# Anchored, no nested quantifiers: linear time on any note.
_LINE = re.compile(r"line (\d+): ")


@dataclass(frozen=True)
class Finding:
    transform: str
    line: int
    message: str
    level: str  # "warning": a change is proposed; "note": left alone, for the reviewer


def findings(outcome: Outcome) -> list[Finding]:
    """One finding per note, changes first, in pipeline order."""
    original = (outcome.original.get(outcome.dockerfile_key) or "").splitlines()
    result: list[Finding] = []
    for changes, level, prefix in (
        (outcome.changes, "warning", ""),
        (outcome.skipped, "note", "left alone: "),
    ):
        for change in changes:
            for note in change.notes:
                # Notes name lines of the original file (the pipeline keeps original numbers).
                line, text = _split_line(note)
                if not 1 <= line <= max(len(original), 1):
                    line = 1
                result.append(Finding(change.transform, line, prefix + text, level))
    return result


def _split_line(note: str) -> tuple[int, str]:
    """(the note's line, or 1 when it names none; the note without its "line N: ")."""
    match = _LINE.match(note)
    if match is None:
        return 1, note
    return int(match.group(1)), note[match.end() :]


def relative_path(path: Path) -> str | None:
    """`path` relative to the current directory, as GitHub and code scanning name a file of
    the checkout (`app/Dockerfile`, whether the user typed that, `./app/Dockerfile` or
    `$GITHUB_WORKSPACE/app/Dockerfile`); None when it lies outside it. Both machine formats
    name files through this, so an annotation and a SARIF result point at the same file."""
    cwd = Path.cwd()
    for candidate, base in (
        (Path(os.path.abspath(path)), cwd),  # as named, links not followed
        (path.resolve(), cwd.resolve()),
    ):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return None


def _uri(outcome: Outcome) -> str:
    """The Dockerfile as a relative URI when it lies under the current directory (code
    scanning resolves those against the checkout), else an absolute file URI. Percent-encoded
    either way: a URI holds no spaces (`deploy/my app/Dockerfile`)."""
    relative = relative_path(outcome.dockerfile_path)
    if relative is not None:
        return quote(relative)
    return outcome.dockerfile_path.resolve().as_uri()


def _github_path(outcome: Outcome) -> str:
    """The `file=` of an annotation: relative to the checkout (the current directory), which
    is how GitHub matches it to a file of the pull request; an absolute path only for a file
    outside it."""
    path = outcome.dockerfile_path
    return relative_path(path) or Path(os.path.abspath(path)).as_posix()


def _rules() -> list[dict[str, Any]]:
    from transforms import ALL

    rules = []
    for transform in ALL:
        short = (type(transform).__doc__ or transform.name).strip().splitlines()[0]
        module_doc = (sys.modules[type(transform).__module__].__doc__ or short).strip()
        rules.append(
            {
                # No `name`: SARIF wants it distinct from `id`, and the transform's name (what
                # --skip takes) is the one a user knows; the multitool's SARIF1001.
                "id": transform.name,
                "shortDescription": {"text": short},
                "fullDescription": {"text": module_doc},
                # Code scanning shows `help` on every alert of the rule (GitHub requires it:
                # the SARIF multitool's GH2012); with no docs site yet, the module's why.
                "help": {"text": module_doc},
                "defaultConfiguration": {"level": "warning"},
            }
        )
    return rules


def sarif(outcome: Outcome) -> dict[str, Any]:
    rules = _rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    uri = _uri(outcome)
    results = []
    for finding in findings(outcome):
        if finding.transform not in index:
            # A note of the pipeline itself, not of one transform ("all": the image has no
            # Python to change): SARIF wants a rule for every result, so it gets its own.
            index[finding.transform] = len(rules)
            about = "dj-optimize as a whole, not one transform"
            rules.append(
                {
                    "id": finding.transform,
                    "shortDescription": {"text": about},
                    "fullDescription": {"text": about},
                    "help": {"text": about},
                    "defaultConfiguration": {"level": "note"},
                }
            )
        results.append(
            {
                "ruleId": finding.transform,
                "ruleIndex": index[finding.transform],
                "level": finding.level,
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {"startLine": finding.line},
                        }
                    }
                ],
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dj-optimize",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def _escape_data(text: str) -> str:
    # GitHub's workflow-command encoding: these characters would end or split the command.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(
    outcome: Outcome, verify_report: dict[str, Any] | None = None, passed: bool | None = None
) -> list[str]:
    """`::warning file=...,line=...,title=...::message` lines for GitHub Actions; with a verify
    report, one more line with the verdict (`::error` when it failed, with the reasons)."""
    path = _github_path(outcome)
    lines = []
    for finding in findings(outcome):
        command = "warning" if finding.level == "warning" else "notice"
        props = ",".join(
            (
                f"file={_escape_property(path)}",
                f"line={finding.line}",
                f"title={_escape_property('dj-optimize ' + finding.transform)}",
            )
        )
        lines.append(f"::{command} {props}::{_escape_data(finding.message)}")
    if verify_report is not None:
        props = f"file={_escape_property(path)},line=1,title=dj-optimize verify"
        # With no baseline the verdict is about the image alone, not a comparison: say so.
        alone = " (baseline: none)" if verify_report.get("baseline") == "none" else ""
        if passed:
            lines.append(f"::notice {props}::verify passed{alone}")
        else:
            reasons = "; ".join(str(r) for r in verify_report.get("reasons") or [])
            message = f"verify failed{alone}" + (f": {reasons}" if reasons else "")
            lines.append(f"::error {props}::{_escape_data(message)}")
    return lines
