"""dj-optimize in CI, as a ruff user plugs it in: several Dockerfiles in one call with one
report per format, --exit-zero, the file names GitHub and code scanning match, SARIF that
GitHub's rules accept, plain output under NO_COLOR, `python -m optimizer`, and the README's
workflow. (Round 11, ci11: each of these fell short on igor-markin/django-production-template,
a repository with app/Dockerfile, app/Dockerfile.prod and nginx/Dockerfile.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
from typer.testing import CliRunner

from optimizer import exitcodes, several
from optimizer.cli import app, main
from optimizer.precommit import main as precommit_main

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
runner = CliRunner()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout with two Django Dockerfiles and an nginx one; the current directory."""
    shutil.copytree(EXAMPLES / "01-tutorial", tmp_path / "web")
    shutil.copytree(EXAMPLES / "01-tutorial", tmp_path / "my api")
    (tmp_path / "nginx").mkdir()
    (tmp_path / "nginx" / "Dockerfile").write_text(
        "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["dj-optimize", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else -1), captured.out, captured.err


FILES = ("web/Dockerfile", "my api/Dockerfile", "nginx/Dockerfile")


def test_several_dockerfiles_in_one_call_text(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _main(monkeypatch, capsys, *FILES)
    assert code == exitcodes.CHANGES  # the worst: two Dockerfiles have changes
    headers = [line for line in out.splitlines() if line.startswith("==> ")]
    assert headers == [f"==> {name} <==" for name in FILES]
    assert out.count("+FROM python:3.11 AS builder") == 2
    assert "nginx/Dockerfile: nothing to change" in out


def test_several_dockerfiles_worst_status_and_write(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _main(monkeypatch, capsys, "--check", "web/Dockerfile", "missing/Dockerfile")
    assert code == exitcodes.BAD_INPUT and "missing/Dockerfile" in err
    code, out, _ = _main(monkeypatch, capsys, "--write", *FILES)
    assert code == exitcodes.OK and out.count("wrote ") == 2
    expected = (EXAMPLES / "01-tutorial" / "Dockerfile.expected").read_text()
    assert (repo / "my api" / "Dockerfile").read_text() == expected
    assert _main(monkeypatch, capsys, "--check", *FILES)[0] == exitcodes.OK


def test_several_dockerfiles_json_is_one_array(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _main(
        monkeypatch, capsys, "--format", "json", *FILES, "missing/Dockerfile"
    )
    assert code == exitcodes.BAD_INPUT
    reports = json.loads(out)  # one document, not four
    assert [r["dockerfile"] for r in reports] == [*FILES, "missing/Dockerfile"]
    assert [r.get("changed") for r in reports] == [True, True, False, None]
    assert "error" in reports[3]
    # --json is the same format.
    _, again, _ = _main(monkeypatch, capsys, "--json", *FILES)
    assert [r["dockerfile"] for r in json.loads(again)] == list(FILES)


def test_several_dockerfiles_sarif_is_one_valid_log(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _main(monkeypatch, capsys, "--format=sarif", *FILES)
    assert code == exitcodes.CHANGES
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert uris == {"web/Dockerfile", "my%20api/Dockerfile", "nginx/Dockerfile"}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert len({rule["id"] for rule in rules}) == len(rules)
    assert "all" in {rule["id"] for rule in rules}  # nginx: the pipeline's own note


def test_several_dockerfiles_github_names_each_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _main(monkeypatch, capsys, "--format", "github", *FILES)
    assert code == exitcodes.CHANGES
    lines = out.splitlines()
    assert all(line.startswith(("::warning ", "::notice ")) for line in lines)  # no headers
    files = {re.search(r"file=([^,]*),", line).group(1) for line in lines}  # type: ignore[union-attr]
    assert files == set(FILES)


def test_precommit_entry_makes_the_same_single_document(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert precommit_main(["--check", "--format", "sarif", *FILES]) == exitcodes.CHANGES
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(capsys.readouterr().out))


def test_an_interruption_ends_the_whole_call(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def run_one(command: Any, options: Any, name: str) -> int:
        ran.append(name)
        return 130

    monkeypatch.setattr(several, "run_one", run_one)
    with pytest.raises(SystemExit) as exited:
        several.run_each(typer.main.get_command(app), [], ["a/Dockerfile", "b/Dockerfile"])
    assert exited.value.code == 130 and ran == ["a/Dockerfile"]


def test_exit_zero_reports_without_failing(repo: Path) -> None:
    for fmt in ("text", "json", "sarif", "github"):
        result = runner.invoke(app, ["--exit-zero", "--format", fmt, "web/Dockerfile"])
        assert result.exit_code == exitcodes.OK, (fmt, result.output)
        assert result.stdout
    # Bad input keeps its status: --exit-zero is about proposed changes only, like ruff's.
    missing = runner.invoke(app, ["--exit-zero", "missing/Dockerfile"])
    assert missing.exit_code == exitcodes.BAD_INPUT
    assert runner.invoke(app, ["--check", "web/Dockerfile"]).exit_code == exitcodes.CHANGES


def test_machine_formats_name_the_file_relative_to_the_checkout(repo: Path) -> None:
    """`$GITHUB_WORKSPACE/web/Dockerfile` and `./web/Dockerfile` are `web/Dockerfile` to GitHub,
    which matches annotations to the pull request's files by that path."""
    for given in (str(repo / "web" / "Dockerfile"), "./web/Dockerfile", "web/../web/Dockerfile"):
        github = runner.invoke(app, ["--format", "github", given])
        assert re.findall(r"file=([^,]*),", github.stdout) and set(
            re.findall(r"file=([^,]*),", github.stdout)
        ) == {"web/Dockerfile"}, given
        sarif = json.loads(runner.invoke(app, ["--format", "sarif", given]).stdout)
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]
        }
        assert uris == {"web/Dockerfile"}, given


# RFC 3986 URI-reference characters: unreserved, reserved and percent-escapes.
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def test_sarif_uris_are_uris(repo: Path) -> None:
    """artifactLocation.uri is a URI reference: a space is %20 (`my api/Dockerfile` was
    written raw, which no URI holds)."""
    log = json.loads(runner.invoke(app, ["--format", "sarif", "my api/Dockerfile"]).stdout)
    for result in log["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "my%20api/Dockerfile"
        assert URI_CHARS.match(uri)


def test_sarif_rules_carry_what_github_code_scanning_requires(repo: Path) -> None:
    """The SARIF multitool's GitHub rules (`validate --rule-kind Gh`): every rule has `help`
    and `fullDescription` (GH2012, an error: upload rejected or alerts without help), and no
    `name` equal to its `id` (SARIF1001). Checked for the pipeline's own rule too."""
    (repo / "nginx" / "Dockerfile").write_text("FROM scratch\nCOPY app /app\n")
    for name in ("web/Dockerfile", "nginx/Dockerfile"):
        log = json.loads(runner.invoke(app, ["--format", "sarif", name]).stdout)
        rules = log["runs"][0]["tool"]["driver"]["rules"]
        for rule in rules:
            assert rule["help"]["text"].strip(), rule["id"]
            assert rule["fullDescription"]["text"].strip(), rule["id"]
            assert rule.get("name", "").lower() != rule["id"].lower(), rule["id"]
        if name.startswith("nginx"):
            assert [r["id"] for r in rules][-1] == "all"


def test_no_color_means_no_escape_codes(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal (FORCE_COLOR stands in for one) the diff is highlighted; NO_COLOR turns
    every style off, bold included, as no-color.org and ruff do."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    _, styled, _ = _main(monkeypatch, capsys, "web/Dockerfile")
    assert "\x1b[" in styled
    monkeypatch.setenv("NO_COLOR", "1")
    _, plain, _ = _main(monkeypatch, capsys, "web/Dockerfile")
    assert "\x1b[" not in plain and "+FROM python:3.11 AS builder" in plain


def test_python_dash_m_optimizer_is_the_command(repo: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "optimizer", "--check", "--format", "github", "web/Dockerfile"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == exitcodes.CHANGES, result.stderr
    assert result.stdout.startswith("::warning file=web/Dockerfile,")


def _readme_block(heading: str, language: str) -> str:
    text = (REPO / "README.md").read_text()
    section = text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    match = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert match, (heading, language)
    return match.group(1)


def test_readme_github_actions_workflow_would_run() -> None:
    """The README's workflow parses as a workflow, uploads the SARIF before the step that
    fails on changes (a failed step skips the rest), and every dj-optimize command in it is
    one the CLI accepts."""
    import yaml

    workflow = yaml.safe_load(_readme_block("### CI", "yaml"))
    assert workflow["permissions"]["security-events"] == "write"  # upload-sarif needs it
    # YAML 1.1 reads the `on` key as True.
    assert workflow.get("on", workflow.get(True))
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    uses = [s.get("uses", "") for s in steps]
    upload = next(
        i for i, u in enumerate(uses) if u.startswith("github/codeql-action/upload-sarif@")
    )
    runs = [(i, s["run"]) for i, s in enumerate(steps) if "run" in s]
    command = typer.main.get_command(app)
    gating = []
    for index, run in runs:
        for line in run.splitlines():
            line = line.split(" #", 1)[0].strip()
            if not line.startswith("dj-optimize"):
                continue
            args = line.split(">", 1)[0].split()[1:]
            options, files = several.split(args, several.value_options(command))
            for name in files or ["Dockerfile"]:
                command.make_context("dj-optimize", [*options, name])  # raises on a bad option
            if "--exit-zero" not in options:
                gating.append(index)
    assert gating and min(gating) > upload, "the SARIF upload must come before the failing step"
    sarif_file = steps[upload]["with"]["sarif_file"]
    assert any(f"> {sarif_file}" in run for _, run in runs)


def test_readme_pre_commit_config_parses() -> None:
    import yaml

    config = yaml.safe_load(_readme_block("### pre-commit", "yaml"))
    hooks = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    hooks_file = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    declared = {hook["id"] for hook in hooks_file}
    assert hooks <= declared
