"""The app image's own HEALTHCHECK under `--verify`, on the lab engine, with the tiny project
(a standard-library server; the images differ only in metadata and one COPY, so builds take
seconds).

The classic break: `HEALTHCHECK CMD curl -fs http://localhost:8000/ || exit 1` passes on
python:3.11 (it has curl) and cannot run on python:3.11-slim (none): the shell says
`curl: not found` and `|| exit 1` makes it exit 1. Verify must fail (exit 3) naming the
command and curl. A healthcheck that uses the image's Python passes on both.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from verify_tiny import assert_clean, make_project, report_of, run_cli, run_id_of

pytestmark = pytest.mark.engine
TIMEOUT = 300

CURL = "HEALTHCHECK --interval=30s CMD curl -fs http://localhost:8000/ || exit 1\n"
PYTHON = (
    "HEALTHCHECK CMD python -c \"import urllib.request; "
    "urllib.request.urlopen('http://127.0.0.1:8000/', timeout=5)\"\n"
)


@pytest.fixture(autouse=True)
def _engine() -> Iterator[None]:
    for image in ("python:3.11-slim", "python:3.11"):
        probe = subprocess.run(
            ["docker", "image", "inspect", image], capture_output=True, timeout=30
        )
        if probe.returncode != 0:
            pytest.skip(f"{image} is not on the lab engine yet")
    yield


def _pair(root: Path, healthcheck: str) -> tuple[Path, Path]:
    """The project with its Dockerfile on python:3.11-slim, and the baseline on python:3.11."""
    dockerfile = make_project(root)
    text = dockerfile.read_text().replace(
        "RUN python -c 'import time; time.sleep(0)'\n", ""
    ).replace('CMD ["python", "app.py"]\n', healthcheck + 'CMD ["python", "app.py"]\n')
    dockerfile.write_text(text)
    baseline = root.parent / f"{root.name}-baseline.Dockerfile"
    baseline.write_text(text.replace("FROM python:3.11-slim", "FROM python:3.11"))
    return dockerfile, baseline


def test_a_healthcheck_whose_tool_the_slim_image_lacks_fails_verify(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    dockerfile, baseline = _pair(project, CURL)
    done = run_cli(
        "--verify", "--no-rebuild", "--json", "--baseline", str(baseline), str(dockerfile),
        timeout=TIMEOUT,
    )
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    data = report_of(done.stdout)
    assert data["verdict"] == "fail"
    verify = data["verify"]
    assert isinstance(verify, dict)
    texts = [r["text"] for r in verify["verdict_reasons"]]
    assert texts == [
        "the rewritten image's HEALTHCHECK `curl -fs http://localhost:8000/ || exit 1` cannot "
        "run: curl is not in the image (exit 1); it passes on the original"
    ], texts
    cause = verify["verdict_reasons"][0]["cause"]
    assert any("curl: not found" in line for line in cause), cause
    before, after = verify["before"]["healthcheck"], verify["after"]["healthcheck"]
    assert (before["source"], before["exit_code"]) == ("image", 0)
    assert (after["tool"], after["tool_problem"], after["tries"]) == ("curl", "missing", 1)
    assert verify["cleaned_up"] is True
    assert_clean(str(verify["run_id"]), done.stderr)


def test_a_healthcheck_with_the_images_python_passes_on_both(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    dockerfile, baseline = _pair(project, PYTHON)
    done = run_cli(
        "--verify", "--no-rebuild", "--baseline", str(baseline), str(dockerfile), timeout=TIMEOUT
    )
    assert "verify: PASS" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert "HEALTHCHECK `python -c" in done.stdout and "passes on both" in done.stdout
    assert_clean(run_id_of(done.stderr), done.stderr)


def test_a_service_healthcheck_whose_program_the_image_lacks_falls_back_to_tcp() -> None:
    """A redis:7 stand-in given a healthcheck calling a program it does not have (the lab's
    stand-ins are not the official images): `|| exit 1` makes it exit 1, the shell says
    `not found`; TCP (a PING) decides, and the status says which check it replaced."""
    import time
    import uuid

    from optimizer import engine
    from optimizer.verify import services
    from optimizer.verify.runplan import ServiceSpec

    if not engine.image_exists("redis:7"):
        pytest.skip("no redis:7 stand-in (run ../shared/lab/images-up)")
    run_id = f"verifyk-hc-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    network = f"{run_id}-net"
    specs = (
        ServiceSpec(
            "cache",
            "redis:7",
            port=6379,
            healthcheck=["CMD-SHELL", "no-such-redis-check ping || exit 1"],
        ),
    )
    names: list[str] = []
    engine.create_network(network, labels)
    try:
        containers, statuses = services.start(
            specs, "after", run_id, network, labels, names.append
        )
        services.await_ready(specs, containers, statuses, time.monotonic(), timeout=30)
        [status] = statuses
        assert (status.ready, status.error) == (True, None)
        assert status.health_note == (
            "its compose healthcheck `no-such-redis-check ping || exit 1` cannot run: "
            "no-such-redis-check is not in image redis:7 (exit 1); readiness was checked by "
            "TCP instead (port 6379 answering to a PING)"
        )
    finally:
        failures = engine.remove(containers=names, networks=[network])
        assert not failures
        assert engine.find_labelled(run_id).empty()
