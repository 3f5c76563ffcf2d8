"""Unit tests of verify's parts that need no engine: BuildKit log parsing, the docker context
endpoint, the human report, progress lines, baselines read with git, signal handling."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from optimizer import engine
from optimizer.dockerfile import engine_ref
from optimizer.verify import Reason, SideReport, VerifyReport
from optimizer.verify.build import _step_lines
from optimizer.verify.compare import build_cause
from optimizer.verify.inputs import BaselineError, baseline_sides, dockerfile_key, rewrite_sides
from optimizer.verify.progress import Progress
from optimizer.verify.render import render_report, stop_row_label
from optimizer.verify.run import Run

_PROCESS = (
    'process "/bin/sh -c pip install -r requirements.txt && exit 1" did not complete '
    "successfully: exit code: 1"
)
# BuildKit's --progress=plain output of a failing build (docker 20.10, buildx 0.13).
FAILED_BUILD = f"""\
#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 160B done
#1 DONE 0.0s
#5 [1/4] FROM docker.io/library/python:3.11-slim
#5 CACHED
#6 [2/4] WORKDIR /app
#6 DONE 0.1s
#7 [3/4] RUN pip install -r requirements.txt && exit 1
#7 0.512 Collecting Django==5.1.4
#7 2.104 Successfully installed Django-5.1.4 asgiref-3.8.1 sqlparse-0.5.3
#7 ERROR: {_PROCESS}
------
 > [3/4] RUN pip install -r requirements.txt && exit 1:
2.104 Successfully installed Django-5.1.4 asgiref-3.8.1 sqlparse-0.5.3
------
Dockerfile:3
--------------------
ERROR: failed to solve: {_PROCESS}
"""


def test_build_log_finds_the_failing_step_and_its_last_lines() -> None:
    log = engine.BuildLog()
    for line in FAILED_BUILD.splitlines():
        log.feed(line)
    assert log.failed_step() == "[3/4] RUN pip install -r requirements.txt && exit 1"
    assert log.tail_of(log.failed_step()) == [
        "Collecting Django==5.1.4",
        "Successfully installed Django-5.1.4 asgiref-3.8.1 sqlparse-0.5.3",
    ]
    assert log.errors[0].startswith("ERROR: process")
    assert log.errors[-1].startswith("ERROR: failed to solve:")


def test_padded_step_numbers_of_a_long_dockerfile_are_steps_too() -> None:
    # testdrivenio/django-celery-project (19 steps): BuildKit writes `[ 5/19]`; no step was
    # shown while building and the failed build named no step, only `ERROR: failed to solve`.
    log = engine.BuildLog()
    for line in (
        "#4 [ 1/19] FROM docker.io/library/python:3.13-slim-bullseye",
        "#9 [ 5/19] RUN pip install -r /requirements.txt",
        "#9 12.1 ERROR: No matching distribution found for psycopg-binary==3.1.19",
        "#9 ERROR: executor failed running [/bin/sh -c pip install]: exit code: 1",
        "#12 [builder  3/12] RUN make",
    ):
        log.feed(line)
    assert log.failed_step() == "[ 5/19] RUN pip install -r /requirements.txt"
    assert log.tail_of(log.failed_step()) == [
        "ERROR: No matching distribution found for psycopg-binary==3.1.19"
    ]
    assert log.current_step() == "[builder  3/12] RUN make"
    shown: list[str] = []
    forward = _step_lines("before", shown.append)
    forward("#9 [ 5/19] RUN pip install -r /requirements.txt")
    forward("#12 [stage-1  3/12] COPY . .")
    forward("#9 12.1 Collecting x")
    assert shown == [
        "before: [ 5/19] RUN pip install -r /requirements.txt",
        "before: [stage-1  3/12] COPY . .",
    ]


def test_a_steps_error_lines_survive_the_package_list_printed_after_them() -> None:
    # vivekthedev/django-docker-postgres-project: pipenv prints pip's error, then every locked
    # package; the cause showed only the package list and "Package installation failed...".
    log = engine.BuildLog()
    log.feed("#8 [4/5] RUN pip install pipenv && pipenv install --system")
    log.feed("#8 121.0       ImportError: cannot import name 'convert_path' from 'setuptools' ")
    log.feed("#8 121.0 ERROR: Failed to build 'django-allauth' when getting requirements")
    log.feed("#8 121.3 ERROR: Couldn't install package(s): asgiref==3.5.0")
    for n in range(engine.STEP_TAIL_LINES):
        log.feed(f"#8 121.3 package-{n}==1.0 ")
    log.feed("#8 121.3 Package installation failed...")
    log.feed("#8 ERROR: executor failed running [/bin/sh -c pipenv install]: exit code: 1")
    step = log.failed_step()
    assert log.errors_of(step) == [
        "ImportError: cannot import name 'convert_path' from 'setuptools'",
        "ERROR: Failed to build 'django-allauth' when getting requirements",
        "ERROR: Couldn't install package(s): asgiref==3.5.0",
    ]
    side = SideReport(
        build_tried=True,
        build_failed_step=step,
        build_step_tail=log.tail_of(step),
        build_step_errors=log.errors_of(step),
        build_errors=log.errors,
    )
    cause = build_cause(side)
    assert cause[0] == f"failing step: {step}"
    assert cause[1].startswith("ImportError: cannot import name 'convert_path'")
    assert cause[4] == "..."
    assert "Package installation failed..." in cause
    # An error line still in the tail is not repeated.
    short = engine.BuildLog()
    for line in ("#9 [2/3] RUN pip install x", "#9 1.0 ERROR: No matching dist", "#9 ERROR: x"):
        short.feed(line)
    assert short.errors_of(short.failed_step()) == []
    assert not engine.is_error_line("Collecting ErrorHandler: 1.0")
    assert engine.is_error_line("E: Unable to locate package netcat")


def test_build_log_of_a_stage_step_and_a_parse_error() -> None:
    log = engine.BuildLog()
    for line in ("#9 [builder 2/5] RUN make", "#9 0.1 cc: not found", "#9 ERROR: exit code: 127"):
        log.feed(line)
    assert log.failed_step() == "[builder 2/5] RUN make"
    assert log.tail_of("[builder 2/5] RUN make") == ["cc: not found"]
    parse = engine.BuildLog()
    parse.feed(
        "ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: RUNN"
    )
    assert parse.failed_step() is None
    assert parse.errors == [
        "ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: RUNN"
    ]


def test_a_missing_iidfile_is_a_failed_build_not_an_exception(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    docker = fake / "docker"
    # A docker CLI that prints BuildKit-like output and fails without writing the iidfile.
    docker.write_text(
        "#!/bin/sh\necho '#4 [2/2] RUN false'\necho '#4 ERROR: exit code: 1'\n"
        "echo 'ERROR: failed to solve: exit code: 1'\nexit 1\n"
    )
    docker.chmod(0o755)
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{fake}:{old_path}"
    try:
        result = engine.build(tmp_path / "ctx", "FROM scratch\n", "verify-wt-x", timeout=30)
    finally:
        os.environ["PATH"] = old_path
    assert not result.ok and result.image_id is None
    assert result.failed_step == "[2/2] RUN false"
    assert result.errors[-1] == "ERROR: failed to solve: exit code: 1"


@pytest.mark.parametrize(
    ("output", "host"),
    [
        (
            '[{"Name": "colima", "Endpoints": {"docker": '
            '{"Host": "unix:///Users/me/.colima/default/docker.sock", "SkipTLSVerify": false}}}]',
            "unix:///Users/me/.colima/default/docker.sock",
        ),
        (
            '[{"Name": "rootless", "Endpoints": {"docker": '
            '{"Host": "unix:///run/user/1000/docker.sock"}}}]',
            "unix:///run/user/1000/docker.sock",
        ),
        ('[{"Name": "default", "Endpoints": {}}]', None),
        ("not json", None),
        ("[]", None),
    ],
)
def test_docker_host_from_context(output: str, host: str | None) -> None:
    assert engine.docker_host_from_context(output) == host


def test_client_uses_the_current_context_unless_docker_host_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "docker"
    fake.write_text(
        "#!/bin/sh\n"
        'test "$1 $2" = "context inspect" || exit 1\n'
        'echo \'[{"Name": "colima", "Endpoints": {"docker": '
        '{"Host": "unix:///tmp/verify-wt-colima.sock"}}}]\'\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert engine.resolve_docker_host() == "unix:///tmp/verify-wt-colima.sock"
    made: list[tuple[str, object]] = []
    monkeypatch.setattr(
        engine.docker, "DockerClient", lambda **kw: made.append(("base_url", kw["base_url"]))
    )
    monkeypatch.setattr(engine.docker, "from_env", lambda **kw: made.append(("from_env", None)))
    monkeypatch.setattr(engine, "_client", None)
    engine.client()
    monkeypatch.setattr(engine, "_client", None)
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2999")
    assert engine.resolve_docker_host() == "tcp://127.0.0.1:2999"
    engine.client()  # DOCKER_HOST: the SDK's own reading of the environment (TLS variables too)
    monkeypatch.setattr(engine, "_client", None)
    assert made == [("base_url", "unix:///tmp/verify-wt-colima.sock"), ("from_env", None)]


def _render(report: VerifyReport) -> str:
    console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    render_report(console, report.to_dict())
    return console.export_text()


def test_report_shows_causes_and_no_none() -> None:
    before = SideReport(build_tried=True, build_ok=True, image_size=100_000_000, port=8000)
    before.serving, before.started, before.uid, before.stopped_on_sigterm = "host", True, 0, True
    after = SideReport(build_tried=True, build_ok=True, image_size=90_000_000, port=8000)
    after.started, after.exit_code = True, 1
    report = VerifyReport("djopt-x", before, after)
    report.set_verdict(
        "fail",
        [
            Reason(
                "the rewritten container does not answer HTTP on port 8000 (the original does)",
                ["its last log lines:", "ModuleNotFoundError: No module named 'gunicorn'"],
            )
        ],
    )
    report.cleaned_up = True
    text = _render(report)
    assert "None" not in text
    assert "verify: FAIL" in text
    assert "  - the rewritten container does not answer HTTP" in text
    assert "      ModuleNotFoundError: No module named 'gunicorn'" in text
    assert "cleanup: everything removed (checked by label dj-optimize.run=djopt-x)" in text
    assert "stops on SIGTERM" in text


def test_report_shows_the_first_response_time() -> None:
    """`ready_seconds` (docker run to the first answer) was in --json only (round 13)."""
    before = SideReport(build_tried=True, build_ok=True, started=True, serving="host")
    after = SideReport(build_tried=True, build_ok=True, started=True, serving="host")
    before.ready_seconds, after.ready_seconds = 4.25, 12.0
    report = VerifyReport("djopt-r", before, after)
    report.set_verdict("pass", [])
    row = next(line for line in _render(report).splitlines() if "first response" in line)
    assert "4.2 s" in row and "12.0 s" in row, row
    alone = VerifyReport("djopt-a", None, after)
    alone.set_verdict("pass", [])
    assert "12.0 s" in next(
        line for line in _render(alone).splitlines() if "first response" in line
    )


def test_report_names_docker_stop_when_stopsignal_changed() -> None:
    assert stop_row_label({"stop_signal": None}, {"stop_signal": "SIGQUIT"}) == (
        "stops on `docker stop`"
    )
    assert stop_row_label({"stop_signal": None}, {"stop_signal": None}) == "stops on SIGTERM"


def test_report_left_behind_points_to_cleanup() -> None:
    report = VerifyReport("djopt-y", SideReport(), SideReport())
    report.set_verdict("inconclusive", [Reason("interrupted by SIGHUP: nothing was proven")])
    report.cleaned_up, report.left_behind = False, ["container djopt-y-before-run"]
    text = _render(report)
    assert "verify: INCONCLUSIVE" in text
    assert "left behind (remove with `dj-optimize --cleanup`)" in text
    assert "everything removed" not in text


def test_progress_prints_plain_lines_when_not_a_terminal() -> None:
    console = Console(record=True, file=open(os.devnull, "w"), force_terminal=False)  # noqa: SIM115
    with Progress(console) as progress:
        progress("before: [3/4] RUN pip install -r requirements.txt")
        progress("after: still running 3 s after SIGTERM")
    assert console.export_text().splitlines() == [
        "before: [3/4] RUN pip install -r requirements.txt",
        "after: still running 3 s after SIGTERM",
    ]
    quiet = Console(record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    with Progress(quiet, enabled=False) as progress:
        progress("before: x")
    assert quiet.export_text() == ""


def test_signals_interrupt_once_then_only_count(tmp_path: Path) -> None:
    run = Run("djopt-test", tmp_path)
    with run.signals():
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGHUP)
        assert run.interrupted_by == "SIGHUP"
        os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl-C while cleaning up
        os.kill(os.getpid(), signal.SIGTERM)
    assert run.later_signals == 2
    try:
        # The run was interrupted: its caller reports and exits, undisturbed by late signals.
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    calm = Run("djopt-calm", tmp_path)
    with calm.signals():
        pass
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL


def test_run_scratch_is_private(tmp_path: Path) -> None:
    run = Run.create()
    try:
        assert run.scratch.stat().st_mode & 0o777 == 0o700
        assert run.scratch.name.startswith(f"dj-optimize-verify-{run.run_id}-")
        assert run.labels == {"dj-optimize.run": run.run_id}
    finally:
        import shutil

        shutil.rmtree(run.scratch)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=30,
    )


def test_baseline_from_git_with_and_without_dockerignore(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    ctx = repo / "backend"
    ctx.mkdir(parents=True)
    (ctx / "Dockerfile").write_text("FROM python:3.11\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "one")
    (ctx / ".dockerignore").write_text(".git\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "two")
    (ctx / "Dockerfile").write_text("FROM python:3.11-slim\n")
    current = (ctx / "Dockerfile").read_text()

    sides = baseline_sides("HEAD", ctx / "Dockerfile", ctx, current)
    assert sides.before == {"Dockerfile": "FROM python:3.11\n", ".dockerignore": ".git\n"}
    assert sides.after == {"Dockerfile": "FROM python:3.11-slim\n"}
    assert sides.description == "backend/Dockerfile at HEAD"

    first = baseline_sides("HEAD~1", ctx / "Dockerfile", ctx, current)
    assert first.before == {"Dockerfile": "FROM python:3.11\n", ".dockerignore": None}
    assert first.notes == [
        "backend/.dockerignore did not exist at HEAD~1: the baseline builds without one"
    ]

    with pytest.raises(BaselineError, match="neither a file nor a git revision"):
        baseline_sides("nope", ctx / "Dockerfile", ctx, current)
    (tmp_path / "old").write_text("FROM python:3.13\n")
    as_file = baseline_sides(str(tmp_path / "old"), ctx / "Dockerfile", ctx, current)
    assert as_file.before == {"Dockerfile": "FROM python:3.13\n"}


def test_baseline_outside_git_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    with pytest.raises(BaselineError, match="not in a git repository"):
        baseline_sides("HEAD", tmp_path / "Dockerfile", tmp_path, "FROM x\n")


def test_dockerfile_outside_the_context(tmp_path: Path) -> None:
    (tmp_path / "backend").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "Dockerfile").write_text("FROM x\n")
    assert dockerfile_key(tmp_path / "deploy" / "Dockerfile", tmp_path / "backend") == (
        "Dockerfile",
        True,
    )
    (tmp_path / "backend" / "Dockerfile").symlink_to("../deploy/Dockerfile")
    assert dockerfile_key(tmp_path / "backend" / "Dockerfile", tmp_path / "backend") == (
        "Dockerfile",
        True,
    )
    (tmp_path / "backend" / "sub").mkdir()
    (tmp_path / "backend" / "sub" / "Dockerfile").write_text("FROM x\n")
    assert dockerfile_key(tmp_path / "backend" / "sub" / "Dockerfile", tmp_path / "backend") == (
        "sub/Dockerfile",
        False,
    )
    sides = rewrite_sides(
        tmp_path / "deploy" / "Dockerfile",
        tmp_path / "backend",
        {"Dockerfile": "FROM x\n", ".dockerignore": None},
        {"Dockerfile": "FROM y\n", ".dockerignore": ".git\n"},
    )
    assert sides.outside and sides.before == {"Dockerfile": "FROM x\n"}
    assert sides.after == {"Dockerfile": "FROM y\n", ".dockerignore": ".git\n"}


def test_named_builder_builds_with_buildx_and_loads_the_labelled_image(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    args_file = tmp_path / "args"
    (fake / "docker").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {args_file}\nexit 1\n')
    (fake / "docker").chmod(0o755)
    outside = tmp_path / "deploy" / "Dockerfile"
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{fake}:{old_path}"
    try:
        engine.build(
            tmp_path / "ctx",
            "FROM scratch\n",
            "verify-wt-tag",
            timeout=30,
            dockerfile_path=outside,
            labels={"dj-optimize.run": "djopt-x"},
            builder="remote-k8s",
            no_cache=True,
        )
    finally:
        os.environ["PATH"] = old_path
    args = args_file.read_text().splitlines()
    assert args[:5] == ["buildx", "build", "--builder", "remote-k8s", "--load"]
    assert args[args.index("-f") + 1] == str(outside)  # outside the context, as the user's
    assert outside.read_text() == "FROM scratch\n"
    assert args[args.index("--label") + 1] == "dj-optimize.run=djopt-x"
    assert "--no-cache" in args and args[-1] == str(tmp_path / "ctx")


def test_kept_images_survive_the_label_sweep(tmp_path: Path) -> None:
    run = Run("djopt-k", tmp_path)
    run.track_image("djopt-k-before", keep=True)
    run.track_image("djopt-k-after")
    found = engine.Labelled(
        images={"djopt-k-before:latest": "djopt-k", "djopt-k-after:latest": "djopt-k"}
    )
    assert run._not_kept(found).images == {"djopt-k-after:latest": "djopt-k"}


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("x", "x:latest"),
        ("x:1", "x:1"),
        ("docker.io/library/x", "x:latest"),
        ("index.docker.io/library/x:2", "x:2"),
        ("registry-1.docker.io/owner/x", "owner/x:latest"),
        ("docker.io/owner/x:3", "owner/x:3"),
        ("library/x", "x:latest"),
        ("localhost:5000/x", "localhost:5000/x:latest"),
        ("ghcr.io/library/x", "ghcr.io/library/x:latest"),
        ("x@sha256:" + "a" * 64, "x@sha256:" + "a" * 64),
    ],
)
def test_engine_ref_names_an_image_as_the_engine_does(ref: str, expected: str) -> None:
    assert engine_ref(ref) == expected


def test_no_engine_is_inconclusive_with_a_report(tmp_path: Path) -> None:
    import json
    import sys

    from verify_tiny import make_project

    dockerfile = make_project(tmp_path)
    env = dict(os.environ, DOCKER_HOST=f"unix://{tmp_path}/no-engine.sock")
    root = Path(__file__).parent.parent

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "optimizer.cli", "--verify", *args, str(dockerfile)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    human = cli()
    assert human.returncode == 4, human.stdout + human.stderr
    assert "verify: INCONCLUSIVE" in human.stdout
    assert "start Docker (`docker info` must work); nothing was proven" in human.stdout
    assert "lab" not in human.stdout + human.stderr
    data = json.loads(cli("--json").stdout)
    assert data["verdict"] == "inconclusive" and data["passed"] is False
    assert data["verdict_reasons"][0]["text"].startswith("no container engine answers")


def test_run_plan_notes_are_not_printed_twice() -> None:
    # On a real project each compose note was printed as "note: ..." here and again as
    # "how it ran: ..." by the CLI.
    report = VerifyReport("djopt-x", SideReport(), SideReport())
    report.run_plan = {"notes": ["run as compose file docker-compose.yaml says"]}
    report.notes = ["run as compose file docker-compose.yaml says", "the original failed"]
    text = _render(report)
    assert "run as compose file" not in text
    assert "note: the original failed" in text
