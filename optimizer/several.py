"""Several Dockerfiles in one call: `dj-optimize a/Dockerfile b/Dockerfile.prod`, as ruff takes
several paths, and the pre-commit hooks, which pass every staged Dockerfile at once.

Each Dockerfile is its own run (its build context, `[tool.dj-optimize]` and --verify are per
Dockerfile), in turn, in one process; the exit status is the worst of them (0 all clean or
written, 1 changes proposed somewhere, 2 bad input, 3/4 verify, 70 a bug). The reports make one
document in every format, so a CI step can parse or upload the output as it would for one file:

- text: each report under a `==> path <==` header, as `tail` and `head` print several files;
- github: the annotations of every file, one per line (each names its own file);
- sarif: one log with one run, the results of every file (each names its own file);
- json: an array of the one-file objects, in the order given; a file whose run failed before a
  report (bad input, a usage error) is `{"dockerfile": path, "error": message}`.

An interruption (Ctrl-C, SIGTERM, SIGHUP) ends the whole call, not just the file it was at.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from optimizer import exitcodes


def split(argv: Sequence[str], takes_value: set[str]) -> tuple[list[str], list[str]]:
    """(options, files): options with their values, and the positional Dockerfile names."""
    options: list[str] = []
    files: list[str] = []
    pending_value = False
    for index, arg in enumerate(argv):
        if pending_value:
            options.append(arg)
            pending_value = False
        elif arg == "--":
            files.extend(argv[index + 1 :])
            break
        elif arg in takes_value:
            options.append(arg)
            pending_value = True
        elif arg.startswith("-") and arg != "-":
            options.append(arg)  # a flag, or --option=value
        else:
            files.append(arg)
    return options, files


def value_options(command: Any) -> set[str]:
    """`--context`, `--env`, ...: the options that take the next argument as their value.
    (Duck-typed: typer ships its own copy of click's classes.)"""
    names: set[str] = set()
    for param in command.params:
        if param.param_type_name == "option" and not param.is_flag and not param.count:
            names.update(param.opts)
    return names


def report_format(options: Sequence[str]) -> str:
    """The format the options ask for (the last --format wins, as click takes it)."""
    fmt = "text"
    for index, option in enumerate(options):
        if option == "--json":
            fmt = "json"
        elif option == "--format" and index + 1 < len(options):
            fmt = options[index + 1].lower()
        elif option.startswith("--format="):
            fmt = option.partition("=")[2].lower()
    return fmt


def run_one(command: Any, options: Sequence[str], name: str) -> int:
    """`dj-optimize [options] name` in this process; its exit status."""
    try:
        command.main([*options, name], prog_name="dj-optimize", standalone_mode=True)
    except SystemExit as exited:
        if exited.code is None:
            return exitcodes.OK
        return exited.code if isinstance(exited.code, int) else exitcodes.BAD_INPUT
    except Exception as exc:  # a bug: one line, as the console script does
        print(
            f"dj-optimize: {name}: {type(exc).__name__}: {exc} -- internal error, please report",
            file=sys.stderr,
        )
        return exitcodes.INTERNAL_ERROR
    return exitcodes.OK


def _interrupted(code: int) -> bool:
    return code >= 128


def run_each(command: Any, options: Sequence[str], files: Sequence[str]) -> int:
    """Run every file in turn and print one report of them all; the worst exit status."""
    if len(files) == 1:
        return run_one(command, options, files[0])
    fmt = report_format(options)
    worst = exitcodes.OK
    captured: list[tuple[str, str, int]] = []
    for name in files:
        if fmt in ("json", "sarif"):
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                code = run_one(command, options, name)
            captured.append((name, buffer.getvalue(), code))
        else:
            if fmt == "text":
                # The diff names files relative to each build context: say which one it is.
                print(f"==> {name} <==", flush=True)
            code = run_one(command, options, name)
            sys.stdout.flush()
        if _interrupted(code):
            raise SystemExit(code)
        worst = max(worst, code)
    if fmt == "json":
        print(json.dumps([_json_report(*item) for item in captured], indent=2))
    elif fmt == "sarif":
        merged = merge_sarif([out for _, out, _ in captured])
        if merged is not None:
            print(json.dumps(merged, indent=2))
    return worst


def _json_report(name: str, out: str, code: int) -> dict[str, Any]:
    try:
        report = json.loads(out)
    except ValueError:
        # Nothing on stdout: click's usage errors go to stderr only.
        return {"dockerfile": name, "error": f"exit status {code} (see the messages above)"}
    if not isinstance(report, dict):
        return {"dockerfile": name, "error": f"exit status {code}"}
    if "error" in report and "dockerfile" not in report:
        return {"dockerfile": name, **report}
    return report


def merge_sarif(outputs: Sequence[str]) -> dict[str, Any] | None:
    """One SARIF log of several: the first log's run, with every other run's results appended
    and their rules added where the first run lacks them (ruleIndex renumbered). None when no
    file produced a log (each failed with bad input: nothing to upload, as for one file)."""
    logs = []
    for out in outputs:
        try:
            logs.append(json.loads(out))
        except ValueError:
            continue
    if not logs:
        return None
    merged: dict[str, Any] = logs[0]
    run = merged["runs"][0]
    rules: list[dict[str, Any]] = run["tool"]["driver"]["rules"]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    for log in logs[1:]:
        other = log["runs"][0]
        other_rules = other["tool"]["driver"]["rules"]
        for result in other["results"]:
            rule = other_rules[result["ruleIndex"]]
            if rule["id"] not in index:
                index[rule["id"]] = len(rules)
                rules.append(rule)
            run["results"].append({**result, "ruleIndex": index[rule["id"]]})
    return merged
