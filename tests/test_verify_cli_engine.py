"""`python -m optimizer.cli --verify` as a user runs it, on the lab engine, with a tiny project
(python:3.11-slim, a standard-library server: builds take seconds).

- a failing original is inconclusive (exit 4) and says which side failed at which step;
- a rewrite that breaks the app fails (exit 3) with the container's error in the output;
- SIGINT, a double SIGINT, SIGTERM and SIGHUP in each phase leave nothing labelled with the
  run's id and no scratch directory;
- after --write, --verify has nothing to change; --baseline HEAD / FILE verifies what is on disk;
- a Dockerfile outside the build context verifies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from verify_tiny import (
    assert_clean,
    labelled,
    make_project,
    report_of,
    run_cli,
    run_id_of,
)

pytestmark = pytest.mark.engine
ROOT = Path(__file__).parent.parent
TIMEOUT = 240


def _cli(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, timeout=timeout)


_assert_clean = assert_clean


@pytest.fixture(autouse=True)
def _engine() -> Iterator[None]:
    probe = subprocess.run(
        ["docker", "image", "inspect", "python:3.11-slim"], capture_output=True, timeout=30
    )
    if probe.returncode != 0:
        pytest.skip("python:3.11-slim is not on the lab engine yet")
    yield


def test_failing_original_is_inconclusive_with_the_failing_step(tmp_path: Path) -> None:
    dockerfile = make_project(tmp_path)
    dockerfile.write_text(
        dockerfile.read_text().replace(
            "RUN python", "RUN echo installing requirements && exit 1\nRUN python"
        )
    )
    human = _cli("--verify", "--no-rebuild", str(dockerfile))
    assert human.returncode == 4, human.stdout + human.stderr
    assert "Traceback" not in human.stdout + human.stderr
    assert "verify: INCONCLUSIVE" in human.stdout
    assert "the original does not build: nothing was proven" in human.stdout
    assert "failing step: [3/5] RUN echo installing requirements && exit 1" in human.stdout
    assert "installing requirements" in human.stdout
    _assert_clean(run_id_of(human.stderr), human.stderr)

    as_json = _cli("--verify", "--no-rebuild", "--json", str(dockerfile))
    assert as_json.returncode == 4, as_json.stderr
    data = report_of(as_json.stdout)
    assert data["passed"] is False and data["verdict"] == "inconclusive"
    verify = data["verify"]
    assert isinstance(verify, dict)
    assert verify["before"]["build_ok"] is False
    assert verify["before"]["build_failed_step"].endswith("&& exit 1")
    assert verify["before"]["build_log_tail"]
    assert verify["cleaned_up"] is True


def test_a_failing_step_of_a_long_dockerfile_is_named(tmp_path: Path) -> None:
    # BuildKit pads step numbers in Dockerfiles of ten steps or more (`[ 9/12]`): the failing
    # step of a real project's 20-step Dockerfile was not named (testdrivenio).
    dockerfile = make_project(tmp_path)
    steps = "".join(f"RUN echo step{n}\n" for n in range(6))
    dockerfile.write_text(
        dockerfile.read_text().replace(
            "RUN python", steps + "RUN echo installing requirements && exit 1\nRUN python"
        )
    )
    human = _cli("--verify", "--no-rebuild", str(dockerfile))
    assert human.returncode == 4, human.stdout + human.stderr
    assert "failing step: [ 9/11] RUN echo installing requirements && exit 1" in human.stdout
    assert "before: [ 9/11] RUN echo installing requirements && exit 1" in human.stderr
    _assert_clean(run_id_of(human.stderr), human.stderr)


def test_rewrite_that_breaks_the_app_fails_with_the_containers_error(tmp_path: Path) -> None:
    dockerfile = make_project(tmp_path)
    # An app that needs root: under the rewrite's non-root user it dies at start.
    (tmp_path / "app.py").write_text(
        "import os, sys\n"
        "if os.getuid() != 0:\n"
        "    sys.exit('PermissionError: the app needs root (verify-wt fixture)')\n"
        + (tmp_path / "app.py").read_text()
    )
    result = _cli("--verify", "--no-rebuild", str(dockerfile))
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "Traceback (most recent call last)" not in result.stderr
    assert "verify: FAIL" in result.stdout
    assert "the rewritten container does not answer HTTP on port 8000 (the original does)" in (
        result.stdout
    )
    assert "PermissionError: the app needs root (verify-wt fixture)" in result.stdout
    _assert_clean(run_id_of(result.stderr), result.stderr)


@pytest.mark.parametrize("phase", ["build", "probe", "cleanup"])
@pytest.mark.parametrize("signals", ["SIGINT", "SIGINT,SIGINT", "SIGTERM", "SIGHUP"])
def test_interrupt_leaves_nothing(tmp_path: Path, phase: str, signals: str) -> None:
    dockerfile = make_project(tmp_path, start_delay=3, build_delay=3)
    trigger = {
        "build": "before: cold build",
        "probe": "before: waiting for HTTP",
        "cleanup": "cleaning up",
    }[phase]
    proc = subprocess.Popen(
        [sys.executable, "-m", "optimizer.cli", "--verify", "--no-rebuild", str(dockerfile)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith(trigger):
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert seen.wait(timeout=TIMEOUT), "".join(lines)
        for n, name in enumerate(signals.split(",")):
            if n:
                time.sleep(0.3)
            if proc.poll() is None:
                os.kill(proc.pid, getattr(signal, name))
        stdout, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        reader.join(timeout=10)
    stderr = "".join(lines)
    assert "Traceback" not in stderr + stdout, stderr + stdout
    run_id = run_id_of(stderr)
    _assert_clean(run_id, stderr)
    if phase != "cleanup":
        assert proc.returncode == 4, stderr + stdout
        assert f"interrupted by {signals.split(',')[0]}: nothing was proven" in stdout


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=30,
    )


def test_after_write_verify_has_nothing_to_change_and_baseline_verifies_the_disk(
    tmp_path: Path,
) -> None:
    dockerfile = make_project(tmp_path)
    original = dockerfile.read_text()
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "naive")
    written = _cli("--write", str(dockerfile))
    assert written.returncode == 0, written.stderr
    assert dockerfile.read_text() != original and (tmp_path / ".dockerignore").exists()

    again = _cli("--verify", str(dockerfile))
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout
    assert "run djopt-" not in again.stderr  # nothing built

    head = _cli("--verify", "--no-rebuild", "--json", "--baseline", "HEAD", str(dockerfile))
    assert head.returncode == 0, head.stderr  # verified, nothing more to change
    data = report_of(head.stdout)
    assert data["verdict"] == "pass", data["verdict_reasons"]
    verify = data["verify"]
    assert isinstance(verify, dict)
    assert verify["baseline"] == "Dockerfile at HEAD"
    assert verify["after"]["uid"] == 10001 and verify["before"]["uid"] == 0
    assert any(".dockerignore did not exist at HEAD" in n for n in verify["notes"])

    (tmp_path / "old.Dockerfile").write_text(original)
    as_file = _cli("--verify", "--no-rebuild", "--baseline", "old.Dockerfile", str(dockerfile))
    # A relative FILE is read from the working directory: the worktree has none of that name.
    assert as_file.returncode == 2, as_file.stdout + as_file.stderr
    as_file = _cli(
        "--verify", "--no-rebuild", "--baseline", str(tmp_path / "old.Dockerfile"), str(dockerfile)
    )
    assert as_file.returncode == 0, as_file.stdout + as_file.stderr
    assert "verify: PASS" in as_file.stdout

    bad = _cli("--verify", "--baseline", "no-such-rev", str(dockerfile))
    assert bad.returncode == 2
    assert "neither a file nor a git revision" in bad.stdout + bad.stderr


@pytest.mark.parametrize("layout", ["deploy-dir", "symlink"])
def test_dockerfile_outside_the_context_verifies(tmp_path: Path, layout: str) -> None:
    backend = tmp_path / "backend"
    backend.mkdir()
    inside = make_project(backend)
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    outside = deploy / "Dockerfile"
    outside.write_text(inside.read_text())
    inside.unlink()
    if layout == "symlink":
        inside.symlink_to(Path("..") / "deploy" / "Dockerfile")
        args = [str(inside)]
    else:
        args = [str(outside), "--context", str(backend)]
    result = _cli("--verify", "--no-rebuild", *args)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == 1, output
    assert "verify: PASS" in result.stdout
    _assert_clean(run_id_of(result.stderr), result.stderr)


def test_cleanup_removes_what_a_killed_run_left_and_spares_live_runs(tmp_path: Path) -> None:
    import tempfile

    dead, live = "djopt-0dead0wt", "djopt-0live0wt"
    # `--cleanup` removes every labelled object whose run is not alive: on a shared engine,
    # another verify run that keeps no pid file here would lose its containers mid-run.
    others = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "label=dj-optimize.run"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    if others.stdout.strip():
        pytest.skip("another verify run is using this engine: --cleanup would remove its objects")
    made: list[list[str]] = []
    for run_id in (dead, live):
        label = f"dj-optimize.run={run_id}"
        made += [
            ["docker", "rm", "-f", f"verify-wt-{run_id}"],
            ["docker", "network", "rm", f"verify-wt-{run_id}"],
            ["docker", "volume", "rm", "-f", f"verify-wt-{run_id}"],
        ]
        for command in (
            [
                "docker",
                "create",
                "--name",
                f"verify-wt-{run_id}",
                "--label",
                label,
                "python:3.11-slim",
            ],
            ["docker", "network", "create", "--label", label, f"verify-wt-{run_id}"],
            ["docker", "volume", "create", "--label", label, f"verify-wt-{run_id}"],
        ):
            subprocess.run(command, check=True, capture_output=True, timeout=60)
    scratch = Path(tempfile.gettempdir())
    dead_dir = scratch / f"dj-optimize-verify-{dead}-x1"
    live_dir = scratch / f"dj-optimize-verify-{live}-x2"
    for directory, pid in ((dead_dir, 2**22 + 12345), (live_dir, os.getpid())):
        directory.mkdir(mode=0o700)
        (directory / "pid").write_text(str(pid))
        (directory / ".env").write_text("SECRET=1\n")
    try:
        result = _cli("--cleanup")
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"removed container verify-wt-{dead}" in result.stdout
        assert labelled(dead) == [] and not dead_dir.exists()
        assert len(labelled(live)) == 3 and live_dir.exists()
    finally:
        import shutil

        for command in made:
            subprocess.run(command, capture_output=True, timeout=60)
        shutil.rmtree(live_dir, ignore_errors=True)
        shutil.rmtree(dead_dir, ignore_errors=True)
