"""Quick commands stay quick: what they must not import (the CPU figures are in
bench/startup.py; a timed assertion would be flaky on a shared machine)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, sys
from optimizer.cli import main
sys.argv = ["dj-optimize", *{args!r}]
try:
    main()
except SystemExit:
    pass
sys.__stderr__.write("\\n" + json.dumps(sorted(sys.modules)) + "\\n")
"""
HEAVY = {"libcst", "docker", "rich.syntax", "pygments"}


def imported(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=list(args))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("flag", ["--version", "--help", "-h"])
def test_version_and_help_load_neither_pipeline_nor_rich_console(flag: str) -> None:
    modules = imported(flag)
    assert not modules & (HEAVY | {"optimizer.pipeline", "transforms", "rich.console"})


def test_list_transforms_loads_no_heavy_module() -> None:
    modules = imported("--list-transforms")
    assert "transforms" in modules
    assert not modules & (HEAVY | {"rich.console", "optimizer.pipeline"})


def test_dry_run_without_logging_loads_no_libcst_docker_or_highlighter() -> None:
    modules = imported(str(ROOT / "examples" / "01-tutorial" / "Dockerfile"))
    assert "optimizer.pipeline" in modules
    assert not modules & HEAVY

