"""The pre-commit hooks: the entry point that runs dj-optimize once per Dockerfile, and the
hooks themselves through `pre-commit try-repo` on a fixture project in a temporary git repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from optimizer import exitcodes
from optimizer.cli import app
from optimizer.precommit import _value_options, main, split

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SKIP_COPY = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def test_split_options_values_and_files() -> None:
    takes_value = _value_options(typer.main.get_command(app))
    assert {"--context", "--env-file", "--only", "--format"} <= takes_value
    assert split(
        [
            "--check",
            "--env-file",
            "Dockerfile.env",
            "--only=slim-base",
            "a/Dockerfile",
            "Dockerfile",
        ],
        takes_value,
    ) == (
        ["--check", "--env-file", "Dockerfile.env", "--only=slim-base"],
        ["a/Dockerfile", "Dockerfile"],
    )
    assert split(["--write", "--", "--odd-name"], takes_value) == (["--write"], ["--odd-name"])


def _projects(tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "web"
    second = tmp_path / "api"
    shutil.copytree(EXAMPLES / "01-tutorial", first)
    shutil.copytree(EXAMPLES / "01-tutorial", second)
    return first / "Dockerfile", second / "Dockerfile"


def test_each_file_is_checked_and_the_worst_status_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web, api = _projects(tmp_path)
    assert main(["--write", str(web)]) == exitcodes.OK
    capsys.readouterr()
    assert main(["--check", str(web), str(api)]) == exitcodes.CHANGES
    out = capsys.readouterr().out
    assert f"==> {web} <==" in out and f"==> {api} <==" in out
    assert out.index("nothing to change") < out.index(f"==> {api} <==")
    assert "+FROM python:3.11 AS builder" in out.split(f"==> {api} <==")[1]
    assert main(["--check", str(tmp_path / "missing" / "Dockerfile"), str(web)]) == (
        exitcodes.BAD_INPUT
    )


def test_write_hook_writes_every_file(tmp_path: Path) -> None:
    web, api = _projects(tmp_path)
    assert main(["--write", str(web), str(api)]) == exitcodes.OK
    expected = (EXAMPLES / "01-tutorial" / "Dockerfile.expected").read_text()
    assert web.read_text() == expected and api.read_text() == expected


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True
    )


def _commit_all(path: Path) -> None:
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "fixture")


@pytest.mark.slow
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    """The hooks as a user's pre-commit runs them: it installs this repository (committed
    into a scratch git repo, so uncommitted work is tested too) into its own environment."""
    hooks = tmp_path / "hooks"
    shutil.copytree(REPO, hooks, ignore=SKIP_COPY)
    _commit_all(hooks)
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES / "01-tutorial", project)
    for name in ("Dockerfile.expected", "dockerignore.expected"):
        (project / name).rename(tmp_path / name)
    _commit_all(project)

    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env.pop("VIRTUAL_ENV", None)

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pre_commit",
                "try-repo",
                str(hooks),
                hook,
                "--files",
                "Dockerfile",
                "--verbose",
            ],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    check = try_repo("dj-optimize")
    assert check.returncode == 1, check.stdout[-3000:] + check.stderr[-3000:]
    assert "Failed" in check.stdout
    assert "+FROM python:3.11 AS builder" in check.stdout
    assert "- exit code: 1" in check.stdout
    assert not (project / ".dockerignore").exists()

    write = try_repo("dj-optimize-write")
    # pre-commit fails a hook that modified files, so the user reviews and stages them.
    assert write.returncode == 1, write.stdout[-3000:]
    assert "files were modified by this hook" in write.stdout
    assert (project / "Dockerfile").read_text() == (tmp_path / "Dockerfile.expected").read_text()
    assert (project / ".dockerignore").read_text() == (
        tmp_path / "dockerignore.expected"
    ).read_text()

    again = try_repo("dj-optimize")
    assert again.returncode == 0, again.stdout[-3000:]
    assert "Passed" in again.stdout
