"""--write: every file checked before any is written, links written through, read-only refused,
and a Dockerfile outside the build context (`-f deploy/Dockerfile`, or a link out of it)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.pipeline import optimize
from optimizer.writer import WriteRefused, write_files

EXAMPLES = Path(__file__).parent.parent / "examples"
runner = CliRunner()


@pytest.fixture
def tutorial(tmp_path: Path) -> Path:
    target = tmp_path / "tutorial"
    shutil.copytree(EXAMPLES / "01-tutorial", target)
    for expected in target.glob("*.expected"):
        expected.unlink()
    return target


def _tree(root: Path) -> dict[str, tuple[str, bytes | str]]:
    """Files, links (as links) and directories under root: equal means nothing was touched."""
    found: dict[str, tuple[str, bytes | str]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            found[rel] = ("dir", "")
        else:
            found[rel] = (oct(path.stat().st_mode), path.read_bytes())
    return found


def test_read_only_dockerfile_is_refused_and_nothing_written(tutorial: Path) -> None:
    dockerfile = tutorial / "Dockerfile"
    os.chmod(dockerfile, 0o444)
    before = _tree(tutorial)
    result = runner.invoke(app, ["--write", str(dockerfile)])
    assert result.exit_code == 2, result.output
    assert "read-only (mode 0444); refused to overwrite it" in result.output
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
    assert _tree(tutorial) == before  # no .dockerignore either: checked before any write


def test_dockerignore_that_is_a_directory_stops_the_write_before_the_dockerfile(
    tutorial: Path,
) -> None:
    (tutorial / ".dockerignore").mkdir()
    before = _tree(tutorial)
    result = runner.invoke(app, ["--write", str(tutorial / "Dockerfile")])
    assert result.exit_code == 2, result.output
    assert ".dockerignore: is a directory" in result.output
    assert _tree(tutorial) == before


def test_links_are_written_through_and_stay_links(tutorial: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "dockerignore").write_text(".git\n")
    shutil.move(tutorial / "Dockerfile", shared / "Dockerfile")
    (tutorial / ".dockerignore").symlink_to(shared / "dockerignore")
    (tutorial / "Dockerfile").symlink_to(shared / "Dockerfile")
    result = runner.invoke(app, ["--write", str(tutorial / "Dockerfile")])
    assert result.exit_code == 0, result.output
    assert (tutorial / ".dockerignore").is_symlink() and (tutorial / "Dockerfile").is_symlink()
    assert "FROM python:3.11-slim" in (shared / "Dockerfile").read_text()
    ignore = (shared / "dockerignore").read_text()
    assert ignore.startswith(".git\n") and ".env" in ignore
    assert sorted(p.name for p in shared.iterdir()) == ["Dockerfile", "dockerignore"]


def test_write_keeps_owner_when_run_as_root(tutorial: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the file another owner")
    os.chown(tutorial / "Dockerfile", 4321, 4321)
    assert runner.invoke(app, ["--write", str(tutorial / "Dockerfile")]).exit_code == 0
    st = (tutorial / "Dockerfile").stat()
    assert (st.st_uid, st.st_gid) == (4321, 4321)


def test_checks_every_file_first(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.11\n")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(WriteRefused, match="not a regular file"):
        write_files(tmp_path, {"Dockerfile": "FROM python:3.11-slim\n", "fifo": "x"}, "Dockerfile")
    with pytest.raises(WriteRefused, match="does not exist"):
        write_files(tmp_path, {"Dockerfile": "FROM x\n", "no/such/dir/f": "x"}, "Dockerfile")
    assert (tmp_path / "Dockerfile").read_text() == "FROM python:3.11\n"
    assert stat.S_ISFIFO((tmp_path / "fifo").stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "fifo"]


@pytest.fixture
def split_repo(tmp_path: Path, tutorial: Path) -> Path:
    """repo/deploy/Dockerfile builds repo/backend (`docker build -f deploy/Dockerfile backend`)."""
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    shutil.move(tutorial, repo / "backend")
    shutil.move(repo / "backend" / "Dockerfile", repo / "deploy" / "Dockerfile")
    return repo


def test_dockerfile_outside_the_context(split_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(split_repo)
    args = ["deploy/Dockerfile", "--context", "backend"]
    dry = runner.invoke(app, args)
    assert dry.exit_code == 1, dry.output
    assert "--- a/deploy/Dockerfile\n+++ b/deploy/Dockerfile\n" in dry.output
    assert "+++ b/.dockerignore" in dry.output
    outcome = optimize(Path("deploy/Dockerfile"), Path("backend"))
    assert outcome.dockerfile_key == "../deploy/Dockerfile"
    assert not outcome.dockerfile_in_context
    assert outcome.dockerfile_real == split_repo / "deploy" / "Dockerfile"
    assert outcome.dockerfile_text == (split_repo / "deploy" / "Dockerfile").read_text()

    result = runner.invoke(app, [*args, "--write"])
    assert result.exit_code == 0, result.output
    assert "wrote deploy/Dockerfile, backend/.dockerignore" in result.output
    assert "FROM python:3.11-slim" in (split_repo / "deploy" / "Dockerfile").read_text()
    assert (split_repo / "backend" / ".dockerignore").is_file()
    assert sorted(p.name for p in (split_repo / "deploy").iterdir()) == ["Dockerfile"]
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "nothing to change" in again.output


def test_outside_dockerfile_with_its_own_dockerignore(
    split_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # BuildKit reads deploy/Dockerfile.dockerignore, when it exists, instead of the context's.
    (split_repo / "deploy" / "Dockerfile.dockerignore").write_text("*.log\n")
    monkeypatch.chdir(split_repo)
    result = runner.invoke(app, ["deploy/Dockerfile", "--context", "backend", "--write"])
    assert result.exit_code == 0, result.output
    assert not (split_repo / "backend" / ".dockerignore").exists()
    ignore = (split_repo / "deploy" / "Dockerfile.dockerignore").read_text()
    assert ignore.startswith("*.log\n") and ".git" in ignore


def test_link_out_of_the_context(split_repo: Path) -> None:
    link = split_repo / "backend" / "Dockerfile"
    link.symlink_to("../deploy/Dockerfile")
    dry = runner.invoke(app, [str(link)])
    assert dry.exit_code == 1 and "--- a/Dockerfile" in dry.output
    result = runner.invoke(app, ["--write", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert "FROM python:3.11-slim" in (split_repo / "deploy" / "Dockerfile").read_text()
