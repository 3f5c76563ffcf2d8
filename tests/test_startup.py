"""Quick commands stay quick: what they must not import (the CPU figures are in
bench/startup.py; a timed assertion would be flaky on a shared machine)."""

from __future__ import annotations

import json
import shutil
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
def test_version_and_help_load_neither_pipeline_nor_rich(flag: str) -> None:
    modules = imported(flag)
    assert not modules & (HEAVY | {"optimizer.pipeline", "transforms"})
    assert not {m for m in modules if m == "rich" or m.startswith("rich.")}


def test_list_transforms_loads_no_heavy_module() -> None:
    modules = imported("--list-transforms")
    assert "transforms" in modules
    assert not modules & (HEAVY | {"rich.console", "rich.markup", "optimizer.pipeline"})


def test_dry_run_without_logging_loads_no_libcst_docker_or_highlighter() -> None:
    modules = imported(str(ROOT / "examples" / "01-tutorial" / "Dockerfile"))
    assert "optimizer.pipeline" in modules
    assert not modules & HEAVY



def test_dry_run_loads_only_what_this_project_needs(tmp_path: Path) -> None:
    """A project with no compose file, no pyproject.toml, no setup.cfg or uwsgi ini, and a
    tagged `FROM python:3.11`, printing a diff: no compose module, TOML or INI parser, Python
    version reader or rich's emoji table (a copy outside this repository, whose own
    pyproject.toml would be read for [tool.dj-optimize])."""
    project = tmp_path / "tutorial"
    shutil.copytree(ROOT / "examples" / "01-tutorial", project)
    modules = imported(str(project / "Dockerfile"))
    assert {"optimizer.pipeline", "optimizer.composefiles", "rich.console"} <= modules
    unneeded = {"optimizer.compose", "tomllib", "configparser", "rich._emoji_codes", "tempfile"}
    unneeded |= {"optimizer.pyversion"}
    assert not modules & (HEAVY | unneeded)


def test_dry_run_with_a_compose_file_loads_the_compose_module(tmp_path: Path) -> None:
    """The lazy import still happens when a compose file is there (whether or not `docker
    compose` can read it, the module that runs it is loaded)."""
    project = tmp_path / "tutorial"
    shutil.copytree(ROOT / "examples" / "01-tutorial", project)
    (project / "compose.yaml").write_text("services:\n  web:\n    build: .\n")
    assert "optimizer.compose" in imported(str(project / "Dockerfile"))
