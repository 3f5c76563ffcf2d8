"""Output formats and the options around them: --format, --json, --check, --version, -h,
and the one-line internal error (exit 70)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import jsonschema
import pytest
from helpers import snapshot
from typer.testing import CliRunner

from optimizer import __version__, exitcodes
from optimizer.cli import app, main
from optimizer.output import findings
from optimizer.pipeline import optimize

EXAMPLES = Path(__file__).parent.parent / "examples"
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
runner = CliRunner()


@pytest.fixture
def tutorial(tmp_path: Path) -> Path:
    target = tmp_path / "tutorial"
    shutil.copytree(EXAMPLES / "01-tutorial", target)
    return target


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"dj-optimize {__version__}\n"


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_says_what_it_does_and_the_exit_codes(flag: str) -> None:
    result = runner.invoke(app, [flag])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())  # help is wrapped to the terminal width
    assert "Rewrite a Django project's Dockerfile" in text
    assert "1 changes proposed, 2 bad input, 3 verify failed" in text
    assert "70 internal error" in text
    for option in ("--check", "--format", "--no-config", "--version", "--write", "--verify"):
        assert option in text


def test_check_reports_and_never_writes(tutorial: Path) -> None:
    before = snapshot(tutorial)
    result = runner.invoke(app, ["--check", str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.CHANGES
    assert "+FROM python:3.11 AS builder" in result.stdout
    assert snapshot(tutorial) == before


def test_check_exits_0_when_nothing_to_change(tutorial: Path) -> None:
    assert runner.invoke(app, ["--write", str(tutorial / "Dockerfile")]).exit_code == 0
    result = runner.invoke(app, ["--check", str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.OK
    assert "nothing to change" in result.stdout


def test_check_with_write_is_bad_input(tutorial: Path) -> None:
    before = snapshot(tutorial)
    result = runner.invoke(app, ["--check", "--write", str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert "--check" in result.output and "--write" in result.output
    assert snapshot(tutorial) == before


def test_json_alias_and_format_json_agree(tutorial: Path) -> None:
    alias = runner.invoke(app, ["--json", str(tutorial / "Dockerfile")])
    long = runner.invoke(app, ["--format", "json", str(tutorial / "Dockerfile")])
    assert alias.exit_code == long.exit_code == exitcodes.CHANGES
    assert json.loads(alias.stdout) == json.loads(long.stdout)


def test_json_passed_is_null_without_verify(tutorial: Path) -> None:
    data = json.loads(runner.invoke(app, ["--json", str(tutorial / "Dockerfile")]).stdout)
    assert data["passed"] is None
    assert data["verify"] is None


def test_json_conflicts_with_another_format(tutorial: Path) -> None:
    result = runner.invoke(app, ["--json", "--format", "sarif", str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert "--json conflicts with --format sarif" in result.output


def test_unknown_format_is_bad_input(tutorial: Path) -> None:
    result = runner.invoke(app, ["--format", "xml", str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.BAD_INPUT


def test_sarif_is_valid_2_1_0_with_one_result_per_note(tutorial: Path) -> None:
    result = runner.invoke(app, ["--format", "sarif", str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.CHANGES
    log = json.loads(result.stdout)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)

    outcome = optimize(tutorial / "Dockerfile")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    from transforms import ALL

    assert [r["id"] for r in rules] == [t.name for t in ALL]
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] for r in rules)
    notes = sum(len(c.notes) for c in outcome.changes)
    warnings = [r for r in run["results"] if r["level"] == "warning"]
    assert len(warnings) == notes
    # The shell-form CMD is line 13 of the tutorial's Dockerfile; the FROM is line 1.
    by_rule = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r
        for r in warnings
    }
    assert ("fix-cmd-binding", 13) in by_rule
    assert "exec form makes the server PID 1" in by_rule[("fix-cmd-binding", 13)]["message"]["text"]
    assert ("slim-base", 1) in by_rule
    assert not by_rule[("slim-base", 1)]["message"]["text"].startswith("line ")
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.endswith("tutorial/Dockerfile")
    # Left-alone decisions are informational notes, not changes.
    assert any(
        r["level"] == "note" and "left alone" in r["message"]["text"] for r in run["results"]
    )


def test_sarif_with_nothing_to_change_has_no_results(tutorial: Path) -> None:
    runner.invoke(app, ["--write", "--skip", "fix-cmd-binding", str(tutorial / "Dockerfile")])
    result = runner.invoke(
        app, ["--format", "sarif", "--skip", "fix-cmd-binding", str(tutorial / "Dockerfile")]
    )
    assert result.exit_code == exitcodes.OK, result.output
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)
    assert log["runs"][0]["results"] == []


def test_sarif_relative_uri_under_cwd(tutorial: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tutorial.parent)
    result = runner.invoke(app, ["--format", "sarif", "tutorial/Dockerfile"])
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(result.stdout)["runs"][0]["results"]
    }
    assert uris == {"tutorial/Dockerfile"}


def test_github_annotations(tutorial: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tutorial)
    result = runner.invoke(app, ["--format", "github"])
    assert result.exit_code == exitcodes.CHANGES
    lines = result.stdout.splitlines()
    outcome = optimize(Path("Dockerfile"))
    assert len(lines) == len(findings(outcome))
    assert all(line.startswith(("::warning file=Dockerfile,line=", "::notice ")) for line in lines)
    assert (
        "::warning file=Dockerfile,line=13,title=dj-optimize fix-cmd-binding::CMD in shell form"
        in result.stdout
    )
    assert "title=dj-optimize slim-base::python%3A3.11" not in result.stdout  # data not escaped
    assert "::python:3.11 -> python:3.11-slim" in result.stdout


def test_github_escapes_workflow_command_characters() -> None:
    from optimizer.output import _escape_data, _escape_property

    assert _escape_data("50%\nnext") == "50%25%0Anext"
    assert _escape_property("a:b,c") == "a%3Ab%2Cc"


def test_bad_input_in_machine_formats_is_one_line_exit_2(tmp_path: Path) -> None:
    for fmt in ("sarif", "github"):
        result = runner.invoke(app, ["--format", fmt, str(tmp_path / "Dockerfile")])
        assert result.exit_code == exitcodes.BAD_INPUT
        assert result.stdout == ""
        assert result.stderr.count("error:") == 1


def test_unexpected_exception_is_one_line_and_exit_70(
    tutorial: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("optimizer.pipeline.optimize", boom)
    monkeypatch.setattr(sys, "argv", ["dj-optimize", str(tutorial / "Dockerfile")])
    monkeypatch.delenv("DJ_OPTIMIZE_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == exitcodes.INTERNAL_ERROR
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert "RuntimeError: kaboom" in captured.err
    assert "internal error, please report" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_debug_env_shows_the_exception(tutorial: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("optimizer.pipeline.optimize", boom)
    monkeypatch.setattr(sys, "argv", ["dj-optimize", str(tutorial / "Dockerfile")])
    monkeypatch.setenv("DJ_OPTIMIZE_DEBUG", "1")
    with pytest.raises(RuntimeError, match="kaboom"):
        main()


def test_main_exit_codes_pass_through(
    tutorial: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["dj-optimize", "--check", str(tutorial / "Dockerfile")])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == exitcodes.CHANGES
    assert "+FROM python:3.11-slim" in capsys.readouterr().out


def test_github_verify_verdict(tutorial: Path) -> None:
    from optimizer.output import github

    outcome = optimize(tutorial / "Dockerfile")
    plain = github(outcome)
    passed = github(outcome, {"reasons": []}, True)
    failed = github(outcome, {"reasons": ["after: / answered 500", "50% smaller"]}, False)
    assert passed[:-1] == plain and failed[:-1] == plain
    assert (
        passed[-1]
        == f"::notice file={tutorial / 'Dockerfile'},line=1,title=dj-optimize verify::verify passed"
    )
    assert failed[-1].startswith("::error ")
    assert failed[-1].endswith("::verify failed: after: / answered 500; 50%25 smaller")


@pytest.mark.parametrize("force", [False, True])
def test_write_after_failed_verify_only_with_force(
    tutorial: Path, monkeypatch: pytest.MonkeyPatch, force: bool
) -> None:
    """--verify --write writes only when verify passes; --force writes anyway (verify itself
    stubbed here: the engine tests cover a real failing verify)."""

    def failing_verify(*args: object, **kwargs: object) -> tuple[dict[str, object], bool]:
        return {"verdict": "fail", "reasons": ["after: / answered 500"]}, False

    monkeypatch.setattr("optimizer.cli.run_verify", failing_verify)
    before = (tutorial / "Dockerfile").read_text()
    args = ["--verify", "--write", "--format", "github", str(tutorial / "Dockerfile")]
    result = runner.invoke(app, ["--force", *args] if force else args)
    assert result.exit_code == exitcodes.VERIFY_FAILED
    assert "::error " in result.stdout and "verify failed: after: / answered 500" in result.stdout
    written = (tutorial / "Dockerfile").read_text()
    assert (written != before) is force


def test_sarif_names_the_schema_it_is_validated_against(tutorial: Path) -> None:
    log = json.loads(runner.invoke(app, ["--format", "sarif", str(tutorial / "Dockerfile")]).stdout)
    assert log["$schema"] == json.loads(SCHEMA.read_text())["id"]


def test_note_lines_map_back_to_the_original_dockerfile(tutorial: Path) -> None:
    """cache-friendly-order runs after slim-base inserted an apt-get RUN above the install; its
    note still names the original's line 9, `RUN pip install -r requirements.txt`."""
    outcome = optimize(tutorial / "Dockerfile")
    (change,) = [c for c in outcome.changes if c.transform == "cache-friendly-order"]
    assert change.notes[0].startswith("line 9: ")
    original = (tutorial / "Dockerfile").read_text().splitlines()
    (finding,) = [f for f in findings(outcome) if f.transform == "cache-friendly-order"]
    assert original[finding.line - 1] == "RUN pip install -r requirements.txt"
