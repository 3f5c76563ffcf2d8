"""`dj-optimize init --verify` on the lab engine, as a user runs it: the new image alone is built,
run and probed (baseline: none) before anything is written.

- the pip fixture project passes, and init writes; the image runs as uid 10001 and `/` answers
  with the fixture's page (one project: tests/test_init.py already builds and serves all three,
  and verify runs each the same way);
- a project whose settings raise at import builds, but its container exits: exit 3, the
  container's error in the output, nothing written;
- either way nothing labelled with the run's id is left, nor a scratch directory.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import snapshot
from verify_tiny import assert_clean, run_cli, run_id_of

pytestmark = pytest.mark.engine
FIXTURES = Path(__file__).parent / "fixtures" / "init"


@pytest.mark.parametrize("name", ["pip"])
def test_init_verify_passes_and_writes(name: str, tmp_path: Path) -> None:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    result = run_cli("init", str(root), "--verify", "--no-rebuild", "--json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert data["verdict"] == "pass" and data["passed"] is True, data["verdict_reasons"]
    verify = data["verify"]
    assert verify["baseline"] == "none" and verify["before"] is None
    image = verify["after"]
    assert image["build_ok"] and image["serving"] == "host" and image["uid"] == 10001
    (root_probe,) = [p for p in image["probes"] if p["path"] == "/"]
    assert root_probe["status"] == 200
    assert root_probe["body_excerpt"].strip() == f"init fixture {name}"
    assert verify["probe_verdicts"]["/"] == "answers"
    assert data["written"] == [str(root / "Dockerfile"), str(root / ".dockerignore")]
    assert (root / "Dockerfile").read_text() == data["files"]["Dockerfile"]
    assert verify["cleaned_up"] is True
    assert_clean(verify["run_id"], result.stderr)  # --json: no progress lines on stderr


def test_init_verify_of_an_app_that_crashes_on_start_fails_and_writes_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "pip"
    shutil.copytree(FIXTURES / "pip", root)
    settings = root / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text() + 'raise RuntimeError("initverify: settings broken on purpose")\n'
    )
    before = snapshot(root)
    result = run_cli("init", str(root), "--verify", "--no-rebuild")
    output = result.stdout + result.stderr
    assert result.returncode == 3, output[-4000:]
    assert "Traceback (most recent call last)" not in result.stderr
    assert "verify: FAIL (baseline: none)" in result.stdout
    assert "the container does not answer HTTP on port 8000" in result.stdout
    assert "RuntimeError: initverify: settings broken on purpose" in result.stdout
    assert "nothing written: verify did not pass (fail; use --force" in result.stdout
    assert snapshot(root) == before
    assert_clean(run_id_of(result.stderr), result.stderr)


def test_main_command_baseline_none_verifies_the_dockerfile_alone(tmp_path: Path) -> None:
    from verify_tiny import make_project, report_of

    dockerfile = make_project(tmp_path)
    result = run_cli("--baseline", "none", "--no-rebuild", "--json", str(dockerfile))
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]  # proposed
    data = report_of(result.stdout)
    verify = data["verify"]
    assert isinstance(verify, dict)
    assert data["verdict"] == "pass" and verify["baseline"] == "none"
    assert verify["before"] is None and verify["after"]["serving"] == "host"
    assert verify["probe_verdicts"] == {"/": "answers"}
    assert_clean(verify["run_id"], result.stderr)
