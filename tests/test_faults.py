"""Fault inputs found by the round-10 sweep: each gets a result or one clear refusal (exit 2),
never a crash of the process or a Dockerfile read differently from how Docker reads it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SKELETON, snapshot

from optimizer.dockerfile import Dockerfile, DockerfileError
from optimizer.pipeline import optimize
from optimizer.settings import libcst_safe, parse_source

ROOT = Path(__file__).parent.parent
DOCKERFILE = (
    "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
    "CMD python manage.py runserver 0.0.0.0:8000\n"
)


def _project(root: Path, dockerfile: str = DOCKERFILE) -> Path:
    for rel, content in SKELETON.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (root / "Dockerfile").write_bytes(dockerfile.encode())
    return root


DEEP = {
    # CPython refuses these (too many nested parentheses / recursion during compilation), and
    # libcst's native parser, the fallback for newer grammar, overflowed its stack on them.
    "brackets": "X = " + "[" * 6000 + "]" * 6000 + "\n",
    "attribute-chain": "X = a" + ".b" * 6000 + "\n",
    "operator-chain": "X = " + "+".join(["1"] * 12000) + "\n",
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deeply_nested_settings_are_unknown_not_a_crash(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "mysite" / "settings.py").write_text(SKELETON["mysite/settings.py"] + DEEP[name])
    # Beside the settings and naming a logging handler: non-root reads such files with libcst.
    (root / "mysite" / "logs.py").write_text('H = "FileHandler"\n' + DEEP[name])
    before = snapshot(root)
    # A subprocess: the crash was a SIGSEGV, which would take pytest down with it.
    result = subprocess.run(
        [sys.executable, "-m", "optimizer.cli", str(root / "Dockerfile"), "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert snapshot(root) == before


def test_libcst_guard_lets_flat_and_newer_grammar_through() -> None:
    flat = "X = [" + ", ".join(f"'k{n}': {n}" for n in range(20000)) + "]\n"
    assert libcst_safe(flat)
    # PEP 695, which Python 3.11's ast cannot read, still reaches the libcst fallback.
    module = parse_source("type Alias = int\nDEBUG = True\n")
    assert module is not None
    assert not libcst_safe(DEEP["brackets"])
    assert not libcst_safe(DEEP["attribute-chain"])


@pytest.mark.parametrize(
    "separator", ["\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\r"], ids=repr
)
def test_lines_end_at_lf_only_like_docker(separator: str) -> None:
    text = (
        f'FROM python:3.11\nLABEL note="a{separator}b"\n# page{separator}RUN rm -rf /\n'
        "RUN echo hi\n"
    )
    dockerfile = Dockerfile.parse(text)
    assert [(i.keyword, i.value) for i in dockerfile.instructions] == [
        ("FROM", "python:3.11"),
        ("LABEL", f'note="a{separator}b"'),
        ("RUN", "echo hi"),
    ]
    assert dockerfile.render() == text


def test_a_separator_in_a_label_survives_a_rewrite(tmp_path: Path) -> None:
    text = DOCKERFILE.replace("CMD", 'LABEL description="caf\u00e9\u2028menu \\\n    x"\nCMD')
    root = _project(tmp_path, text)
    new = optimize(root / "Dockerfile", root).files["Dockerfile"]
    assert 'LABEL description="caf\u00e9\u2028menu \\\n    x"\n' in new
    assert "runserver" not in Dockerfile.parse(new).instructions[1].value


def test_cr_only_line_endings_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(DockerfileError, match="CR only"):
        Dockerfile.parse(DOCKERFILE.replace("\n", "\r"))
    root = _project(tmp_path, DOCKERFILE.replace("\n", "\r"))
    before = snapshot(root)
    result = subprocess.run(
        [sys.executable, "-m", "optimizer.cli", str(root / "Dockerfile"), "--write"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "internal error" not in result.stderr
    assert result.stderr.count("error:") == 1
    assert snapshot(root) == before


def test_a_compose_file_compose_cannot_read_is_asked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sweep's YAML alias bomb kept `docker compose config` busy past its 30 s time-out, and
    # every transform asking for the compose project waited again: minutes for one dry run.
    from optimizer import compose
    from optimizer.composefiles import ComposeError

    calls: list[Path] = []

    def choking(directory: Path, *args: object, **kwargs: object) -> None:
        calls.append(directory)
        raise ComposeError("`docker compose config` did not answer in 30 s")

    monkeypatch.setattr(compose, "load", choking)
    root = _project(tmp_path)
    (root / "compose.yaml").write_text("services:\n  web:\n    build: .\n")
    outcome = optimize(root / "Dockerfile", root)
    assert "Dockerfile" in outcome.files
    assert len(calls) == 1, calls


STOP_DURING_WRITE = """
import os, signal, sys
from optimizer import cli, writer

real_fsync = os.fsync

def fsync_then_stop(fd):
    real_fsync(fd)
    os.kill(os.getpid(), signal.{name})  # the temporary file is on disk, not yet in place

writer.os.fsync = fsync_then_stop
sys.argv = ["dj-optimize", "--write", sys.argv[1]]
cli.main()
"""


def _default_signals() -> None:
    for number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)])
def test_a_signal_during_write_leaves_no_temporary_file(
    name: str, code: int, tmp_path: Path
) -> None:
    root = _project(tmp_path)
    before = snapshot(root)
    result = subprocess.run(
        [sys.executable, "-c", STOP_DURING_WRITE.format(name=name), str(root / "Dockerfile")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        # As from a terminal. Under `nohup` or as a background job of a script (how CI may run
        # the suite) SIGHUP and SIGINT arrive ignored, the child keeps them ignored, as it
        # should, and the write completes: exit 0, which is not what this test is about.
        preexec_fn=_default_signals,
    )
    assert result.returncode == code, result.stderr[-2000:]
    assert f"interrupted ({name})" in result.stderr
    assert "Traceback" not in result.stderr
    # Neither the user's file changed nor a `.Dockerfile.*.dj-optimize` left beside it.
    assert snapshot(root) == before


def test_sarif_of_a_pipeline_note_has_a_rule(tmp_path: Path) -> None:
    # `FROM scratch` is left alone by the pipeline as a whole (transform "all"): SARIF output
    # looked its rule up among the transforms and exited 70 (KeyError).
    import json

    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . .\n")
    result = subprocess.run(
        [sys.executable, "-m", "optimizer.cli", str(tmp_path / "Dockerfile"), "--format", "sarif"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    run = json.loads(result.stdout)["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for found in run["results"]:
        assert rules[found["ruleIndex"]] == found["ruleId"]
    assert "all" in rules
