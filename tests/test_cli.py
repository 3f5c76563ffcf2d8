"""The command line: exit codes, dry run vs --write, --json, --only/--skip, bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import snapshot
from typer.testing import CliRunner

from optimizer import writer
from optimizer.cli import app

EXAMPLES = Path(__file__).parent.parent / "examples"
runner = CliRunner()


@pytest.fixture
def tutorial(tmp_path: Path) -> Path:
    target = tmp_path / "tutorial"
    shutil.copytree(EXAMPLES / "01-tutorial", target)
    return target


def test_dry_run_prints_diff_exits_1_and_writes_nothing(tutorial: Path) -> None:
    before = snapshot(tutorial)
    result = runner.invoke(app, [str(tutorial / "Dockerfile")])
    assert result.exit_code == 1, result.output
    assert "-FROM python:3.11\n" in result.output
    assert "+FROM python:3.11 AS builder" in result.output
    assert "+FROM python:3.11-slim\n" in result.output
    assert "[slim-base]" in result.output and "dry run" in result.output
    assert snapshot(tutorial) == before


def test_write_applies_then_nothing_to_change(tutorial: Path) -> None:
    result = runner.invoke(app, ["--write", str(tutorial / "Dockerfile")])
    assert result.exit_code == 0, result.output
    expected = (tutorial / "Dockerfile.expected").read_text()
    assert (tutorial / "Dockerfile").read_text() == expected
    assert (tutorial / ".dockerignore").read_text() == (
        tutorial / "dockerignore.expected"
    ).read_text()
    again = runner.invoke(app, [str(tutorial / "Dockerfile")])
    assert again.exit_code == 0
    assert "nothing to change" in again.output


def test_json_report(tutorial: Path) -> None:
    result = runner.invoke(app, ["--json", str(tutorial / "Dockerfile")])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["changed"] is True
    assert [c["transform"] for c in data["changes"]][:4] == [
        "fix-cmd-binding",
        "cache-friendly-order",
        "multi-stage",
        "slim-base",
    ]
    assert data["files"]["Dockerfile"] == (tutorial / "Dockerfile.expected").read_text()
    assert data["project"]["wsgi_application"] == "mysite.wsgi:application"
    assert data["written"] == []


def test_only_and_skip(tutorial: Path) -> None:
    only = json.loads(
        runner.invoke(
            app, ["--json", "--only", "fix-cmd-binding", str(tutorial / "Dockerfile")]
        ).stdout
    )
    assert [c["transform"] for c in only["changes"]] == ["fix-cmd-binding"]
    assert "FROM python:3.11\n" in only["files"]["Dockerfile"]
    skipped = json.loads(
        runner.invoke(
            app, ["--json", "--skip", "multi-stage,dockerignore", str(tutorial / "Dockerfile")]
        ).stdout
    )
    names = [c["transform"] for c in skipped["changes"]]
    assert "multi-stage" not in names and "dockerignore" not in names
    assert ".dockerignore" not in skipped["files"]


def test_production_server_switches_runserver_to_gunicorn(tutorial: Path) -> None:
    result = runner.invoke(app, ["--json", "--production-server", str(tutorial / "Dockerfile")])
    text = json.loads(result.stdout)["files"]["Dockerfile"]
    assert 'CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]' in text
    assert "STOPSIGNAL" not in text


def test_context_option(tmp_path: Path, tutorial: Path) -> None:
    docker_dir = tmp_path / "docker"
    docker_dir.mkdir()
    shutil.move(str(tutorial / "Dockerfile"), docker_dir / "Dockerfile")
    no_context = runner.invoke(app, [str(docker_dir / "Dockerfile")])
    assert no_context.exit_code == 2
    assert "no Django project" in no_context.output
    result = runner.invoke(
        app, ["--json", "--context", str(tutorial), str(docker_dir / "Dockerfile")]
    )
    assert result.exit_code == 1, result.output


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda root: None, "no such file"),
        (lambda root: (root / "Dockerfile").mkdir(), "is a directory"),
        (
            lambda root: (root / "Dockerfile").write_bytes(b"FROM python:3.11\n\xff\xfe\n"),
            "line 2: not UTF-8",
        ),
        (
            lambda root: (root / "Dockerfile").write_text("FROM python:3.11\nRUN <<EOF\nx\n"),
            "never closed",
        ),
        (lambda root: (root / "Dockerfile").write_text("RUN echo\n"), "FROM"),
        (
            lambda root: (root / "Dockerfile").symlink_to("docker/Dockerfile.prod"),
            "a symbolic link to nothing readable (docker/Dockerfile.prod is missing",
        ),
        (
            lambda root: ((root / "Dockerfile").symlink_to("Dockerfile.a"),
                          (root / "Dockerfile.a").symlink_to("Dockerfile")),
            "or the links loop",
        ),
    ],
    ids=["missing", "directory", "not-utf8", "heredoc-unclosed", "no-from", "dangling-link",
         "link-loop"],
)
def test_bad_input_exits_2_with_one_message(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(EXAMPLES / "01-tutorial", tmp_path / "p")
    root = tmp_path / "p"
    (root / "Dockerfile").unlink()
    setup(root)
    before = snapshot(root)
    result = runner.invoke(app, ["--write", str(root / "Dockerfile")])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("error:") == 1
    assert "Traceback" not in result.output
    assert snapshot(root) == before


def test_not_a_django_project(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.11\nCOPY . .\nCMD python app.py\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    result = runner.invoke(app, [str(tmp_path / "Dockerfile")])
    assert result.exit_code == 2
    assert "no Django project" in result.output


def test_unknown_transform(tutorial: Path) -> None:
    result = runner.invoke(app, ["--skip", "frobnicate", str(tutorial / "Dockerfile")])
    assert result.exit_code == 2
    assert "unknown transform 'frobnicate'" in result.output


def test_write_failure_leaves_original_byte_identical(
    tutorial: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(tutorial)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "replace", broken_replace)
    result = runner.invoke(app, ["--write", str(tutorial / "Dockerfile")])
    assert result.exit_code == 2
    assert "nothing written" in result.output
    assert snapshot(tutorial) == before  # no temp files left behind either


def test_unparseable_result_is_never_written(
    tutorial: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from optimizer import pipeline

    real = pipeline.optimize

    def corrupting(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = real(*args, **kwargs)
        outcome.files["Dockerfile"] = "RUN <<EOF\nbroken\nEOF\n"
        return outcome

    monkeypatch.setattr("optimizer.pipeline.optimize", corrupting)
    before = snapshot(tutorial)
    result = runner.invoke(app, ["--write", str(tutorial / "Dockerfile")])
    assert result.exit_code == 2
    assert snapshot(tutorial) == before


def test_write_keeps_file_mode(tutorial: Path) -> None:
    os.chmod(tutorial / "Dockerfile", 0o640)
    assert runner.invoke(app, ["--write", str(tutorial / "Dockerfile")]).exit_code == 0
    assert (tutorial / "Dockerfile").stat().st_mode & 0o777 == 0o640


def test_list_transforms() -> None:
    result = runner.invoke(app, ["--list-transforms"])
    assert result.exit_code == 0
    for name in (
        "fix-cmd-binding",
        "slim-base",
        "cache-friendly-order",
        "multi-stage",
        "dockerignore",
        "non-root",
        "pip-no-cache",
        "python-env",
        "secrets",
    ):
        assert name in result.output


def test_env_parsing(tmp_path: Path) -> None:
    from optimizer.cli import _parse_env

    env_file = tmp_path / "app.env"
    env_file.write_text("# comment\nexport A=1\nB='two words'\n\nC=3\n")
    assert _parse_env(["C=override", "D=x=y"], env_file) == {
        "A": "1",
        "B": "two words",
        "C": "override",
        "D": "x=y",
    }


def test_bad_env_is_bad_input(tutorial: Path) -> None:
    result = runner.invoke(app, ["--verify", "--env", "NOVALUE", str(tutorial / "Dockerfile")])
    assert result.exit_code == 2
    assert "expected KEY=VALUE" in result.output


def test_heredoc_dockerfile_is_rewritten_around_the_heredoc(tutorial: Path) -> None:
    heredoc = "RUN <<EOT\nset -e\npython -c 'print(1)'\nEOT\n"
    (tutorial / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\n"
        + heredoc
        + "RUN pip install -r requirements.txt\nCMD python manage.py runserver\n"
    )
    dry = runner.invoke(app, [str(tutorial / "Dockerfile")])
    assert dry.exit_code == 1, dry.output
    result = runner.invoke(app, ["--write", str(tutorial / "Dockerfile")])
    assert result.exit_code == 0, result.output
    text = (tutorial / "Dockerfile").read_text()
    assert heredoc in text and '"0.0.0.0:8000"]' in text
    again = runner.invoke(app, [str(tutorial / "Dockerfile")])
    assert again.exit_code == 0, again.output


def test_only_and_skip_the_same_transform_is_bad_input(tutorial: Path) -> None:
    result = runner.invoke(
        app, ["--only", "slim-base,non-root", "--skip", "non-root", str(tutorial / "Dockerfile")]
    )
    assert result.exit_code == 2
    assert "--only and --skip both name non-root" in result.output


def test_env_file_not_utf8_is_bad_input(tutorial: Path) -> None:
    env_file = tutorial / "bad.env"
    env_file.write_bytes(b"DEBUG=1\nNAME=caf\xe9\n")
    result = runner.invoke(app, ["--env-file", str(env_file), str(tutorial / "Dockerfile")])
    assert result.exit_code == 2, result.output
    assert f"{env_file}: line 2: not UTF-8" in result.output
    assert "Traceback" not in result.output


def test_diff_shows_emoji_codes_as_written(tutorial: Path) -> None:
    """rich turned `:cd:` and `:ok:` in a PATH into emoji in the printed diff."""
    dockerfile = tutorial / "Dockerfile"
    lines = dockerfile.read_text().splitlines(keepends=True)
    path_line = "ENV PATH=/opt/tools:cd:/usr/local/bin:ok:$PATH\n"
    dockerfile.write_text(lines[0] + path_line + "".join(lines[1:]))
    result = runner.invoke(app, [str(dockerfile)])
    assert result.exit_code == 1, result.output
    assert " " + path_line in result.output


def test_diff_marks_a_last_line_without_newline_and_applies(tutorial: Path) -> None:
    """estate-mngt-prod's .dockerignore ends without a newline: the extended file's diff showed
    `-.envs/*` `+.envs/*` with nothing between, and `git apply` refused it. Diff's own marker
    (`\\ No newline at end of file`) makes it a patch that applies."""
    (tutorial / ".dockerignore").write_text("*.log\n.envs/*", encoding="utf-8")
    result = runner.invoke(app, ["--only", "dockerignore", str(tutorial / "Dockerfile")])
    assert result.exit_code == 1, result.output
    assert "-.envs/*\n\\ No newline at end of file\n+.envs/*\n" in result.output
    if shutil.which("git") is None:
        return
    import subprocess

    patch = result.output[result.output.index("--- a/.dockerignore") :]
    patch = patch[: patch.index("\n\n") + 1]
    subprocess.run(["git", "init", "-q"], cwd=tutorial, check=True)
    applied = subprocess.run(
        ["git", "apply", "--check", "-"], cwd=tutorial, input=patch, text=True,
        capture_output=True,
    )
    assert applied.returncode == 0, applied.stderr
