"""`dj-optimize init`: the tutorial's Dockerfile for the project, optimized, written once."""

from __future__ import annotations

import shutil
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from helpers import snapshot, write_skeleton
from typer.testing import CliRunner

from optimizer import cli
from optimizer.init import declared_python, generate, newest_allowed
from optimizer.init_cli import app
from optimizer.pipeline import OptimizeError, optimize

FIXTURES = Path(__file__).parent / "fixtures" / "init"
runner = CliRunner()


@pytest.fixture(params=["pip", "poetry", "uv"])
def fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    target = tmp_path / str(request.param)
    shutil.copytree(FIXTURES / str(request.param), target)
    return target


@pytest.mark.parametrize(
    ("spec", "version"),
    [
        (">=3.11", "3.13"),
        (">=3.11,<4.0", "3.13"),
        (">=3.8,<3.12", "3.11"),
        (">= 3.10, < 3.12", "3.11"),
        ("~=3.11.4", "3.11"),
        ("~=3.10", "3.13"),
        ("==3.11.*", "3.11"),
        ("!=3.13.*,>=3.11", "3.12"),
        ("^3.10", "3.13"),  # Poetry
        ("~3.11", "3.11"),  # Poetry
        ("3.11", "3.11"),  # Poetry's bare version
        (">=3.9 <3.11 || >=3.13", "3.13"),
        ("*", "3.13"),
        (">=3.14", None),
        ("not a range", None),
    ],
)
def test_newest_allowed(spec: str, version: str | None) -> None:
    assert newest_allowed(spec) == version


@pytest.mark.parametrize(
    ("files", "version", "source"),
    [
        ({}, "3.13", "no version declared"),
        ({".python-version": "3.11.9\n"}, "3.11", ".python-version"),
        ({"runtime.txt": "python-3.12.4\n"}, "3.12", "runtime.txt"),
        ({"Pipfile": '[requires]\npython_version = "3.11"\n'}, "3.11", "Pipfile"),
        ({"pyproject.toml": '[project]\nrequires-python = ">=3.10,<3.12"\n'}, "3.11", "requires"),
        (
            {"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\n'},
            "3.13",
            "Poetry",
        ),
        ({"pyproject.toml": '[project]\nrequires-python = ">=3.14"\n'}, "3.14", "requires"),
        # The pin beats the range.
        (
            {".python-version": "3.11\n", "pyproject.toml": '[project]\nrequires-python=">=3.9"'},
            "3.11",
            ".python-version",
        ),
    ],
)
def test_declared_python(tmp_path: Path, files: dict[str, str], version: str, source: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    found, why = declared_python(tmp_path)
    assert found == version
    assert source in why


@pytest.mark.parametrize(
    ("files", "django", "version", "why"),
    [
        # Nothing declared: the default, capped by what the pinned Django supports
        # (Codeventory/example-backend: Django 2.2.10 and gunicorn 19.9 failed on 3.13).
        ({}, "==2.2.10", "3.9",
         "no version declared, and Django 2.2 (==2.2.10) supports Python up to 3.9"),
        ({}, "==4.1.13", "3.11", "Django 4.1 (==4.1.13) supports Python up to 3.11"),
        # snyk-omar/lets-be-bad-guys: Django 1.9.6 failed importing on 3.13.
        ({}, "==1.9.6", "3.5", "Django 1.9 (==1.9.6) supports Python up to 3.5"),
        ({}, "==5.1.4", "3.13", "no version declared: the default"),
        ({}, "==9.0", "3.13", "no version declared: the default"),  # newer than the table
        # A range: the newest Django it allows (BadHard101/RSCHIR_PR12: 3.2 imports cgi,
        # which 3.13 removed).
        ({}, ">=3.0,<4.0", "3.10", "Django 3.2 (>=3.0,<4.0) supports Python up to 3.10"),
        ({}, "~=4.2.0", "3.12", "Django 4.2 (~=4.2.0) supports Python up to 3.12"),
        ({}, "^3.2", "3.10", "Django 3.2 (^3.2) supports"),  # Poetry's caret: <4
        ({}, ">=4.2", "3.13", "no version declared: the default"),  # allows the newest
        # A declared range gets the newest it allows that Django supports.
        ({"pyproject.toml": '[project]\nrequires-python = ">=3.8"\n'}, "==3.2.25", "3.10",
         "the newest allowed, as Django 3.2 (==3.2.25) supports Python up to 3.10"),
        # An exact declaration stands as written.
        ({".python-version": "3.11\n"}, "==2.2.10", "3.11", ".python-version says 3.11"),
    ],
)
def test_declared_python_capped_by_django(
    tmp_path: Path, files: dict[str, str], django: str, version: str, why: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    found, said = declared_python(tmp_path, django=django)
    assert (found, why in said) == (version, True), said


def test_init_reads_the_django_pin_for_the_python_version(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==2.2.10\ngunicorn==19.9.0\n")
    assert "FROM python:3.9" in generate(tmp_path).naive.text
    (tmp_path / "requirements.txt").write_text("Django>=3.0,<4.0\npsycopg2-binary>=2.8\n")
    assert "FROM python:3.10" in generate(tmp_path).naive.text


EXPECTED = {
    # manager, python, server, a line of the result
    "pip": ("pip", "3.11", "runserver", 'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]'),
    "poetry": (
        "poetry",
        "3.13",
        "gunicorn",
        'CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]',
    ),
    "uv": (
        "uv",
        "3.13",
        "gunicorn",
        "    uv sync --no-install-project --frozen",
    ),
}


def test_generate_for_each_manager(fixture: Path) -> None:
    before = snapshot(fixture)
    generated = generate(fixture)
    assert snapshot(fixture) == before  # generate never writes
    manager, python, server, line = EXPECTED[fixture.name]
    naive = generated.naive
    assert (naive.manager, naive.python, naive.server) == (manager, python, server)
    files = generated.files
    assert list(files) == ["Dockerfile", ".dockerignore"]
    dockerfile = files["Dockerfile"]
    assert f"FROM python:{python}-slim" in dockerfile
    assert line in dockerfile.splitlines()
    assert "USER 10001" in dockerfile
    assert generated.outcome.original["Dockerfile"] is None
    assert generated.outcome.diff().startswith("--- /dev/null\n+++ b/Dockerfile\n")
    # What init writes is what dj-optimize would make of it: nothing left to change.
    (fixture / "Dockerfile").write_text(dockerfile)
    (fixture / ".dockerignore").write_text(files[".dockerignore"])
    assert optimize(fixture / "Dockerfile", fixture).files == {}


def test_init_writes_then_refuses_to_overwrite(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "uv", root)
    result = runner.invoke(app, [str(root)])
    assert result.exit_code == 0, result.output
    assert f"wrote {root / 'Dockerfile'}, {root / '.dockerignore'}" in result.output
    assert "started from the tutorial's Dockerfile" in result.output
    written = snapshot(root)
    again = runner.invoke(app, [str(root)])
    assert again.exit_code == 2
    assert "already exists; init never overwrites a Dockerfile" in again.output
    assert snapshot(root) == written


def test_dry_run_and_check_write_nothing(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    before = snapshot(root)
    for flag in ("--dry-run", "--check"):
        result = runner.invoke(app, [str(root), flag])
        assert result.exit_code == 1, result.output
        assert "--- /dev/null\n+++ b/Dockerfile\n" in result.output
        assert "dry run: nothing written" in result.output
    assert snapshot(root) == before


def test_existing_dockerignore_is_extended(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    (root / ".dockerignore").write_text("secrets/\n")
    assert runner.invoke(app, [str(root)]).exit_code == 0
    assert (root / ".dockerignore").read_text().startswith("secrets/\n")
    assert ".git" in (root / ".dockerignore").read_text().splitlines()


def test_other_dockerfile_name(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    (root / "Dockerfile").write_text("FROM scratch\n")
    result = runner.invoke(app, [str(root), "--dockerfile", "Dockerfile.prod"])
    assert result.exit_code == 0, result.output
    assert (root / "Dockerfile").read_text() == "FROM scratch\n"
    assert "FROM python:3.11-slim" in (root / "Dockerfile.prod").read_text()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda root: (root / "requirements.txt").unlink(), "no dependency manifest"),
        (lambda root: (root / "manage.py").unlink(), None),
        (lambda root: (root / "Dockerfile").symlink_to("nowhere"), "already exists"),
    ],
    ids=["no-manifest", "no-manage-py-still-finds-settings", "dangling-link"],
)
def test_bad_input(tmp_path: Path, setup, message: str | None) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    setup(root)
    before = snapshot(root)
    if message is None:
        # wsgi.py still names the settings module: a Django project without manage.py.
        assert runner.invoke(app, [str(root), "--dry-run"]).exit_code == 1
        return
    result = runner.invoke(app, [str(root)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert snapshot(root) == before


def test_not_a_django_project(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    with pytest.raises(OptimizeError, match="no Django project"):
        generate(tmp_path)
    result = runner.invoke(app, [str(tmp_path)])
    assert result.exit_code == 2 and "no Django project" in result.output


def test_project_in_a_subdirectory(tmp_path: Path) -> None:
    write_skeleton(tmp_path / "src")
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    text = generate(tmp_path).files["Dockerfile"]
    assert "WORKDIR /app/src" in text
    assert 'CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]' in text


def test_main_dispatches_init_and_keeps_the_default_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    monkeypatch.setattr(sys, "argv", ["dj-optimize", "init", str(root), "--dry-run"])
    with pytest.raises(SystemExit) as init_exit:
        cli.main()
    assert init_exit.value.code == 1
    assert "+++ b/Dockerfile" in capsys.readouterr().out
    # The default command still takes the Dockerfile as its first argument.
    monkeypatch.setattr(sys, "argv", ["dj-optimize", str(root / "Dockerfile")])
    with pytest.raises(SystemExit) as default_exit:
        cli.main()
    assert default_exit.value.code == 2
    assert "no such file" in capsys.readouterr().err


# -- in the lab: the generated images build and serve -------------------------------------------


@pytest.mark.engine
@pytest.mark.parametrize("name", ["pip", "poetry", "uv"])
def test_generated_image_builds_and_serves(name: str, tmp_path: Path) -> None:
    from optimizer import engine

    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    assert runner.invoke(app, [str(root)]).exit_code == 0
    tag = f"initwrite-init-{name}-{uuid.uuid4().hex[:8]}"
    container = f"{tag}-c"
    try:
        built = engine.build(root, (root / "Dockerfile").read_text(), tag, timeout=900)
        assert built.ok, "\n".join(built.log_tail)
        running = engine.run_container(tag, container, port=8000, env={})
        port = engine.host_port(running, 8000)
        assert port is not None
        status, body = _get(f"http://127.0.0.1:{port}/", deadline=time.monotonic() + 60)
        assert status == 200, (status, engine.logs_tail(running))
        assert body == f"init fixture {name}\n"
        code, uid = engine.exec_in(running, ["id", "-u"])
        assert (code, uid.strip()) == (0, "10001")
    finally:
        assert engine.remove(containers=[container], images=[tag]) == []


def _get(url: str, deadline: float) -> tuple[int | None, str]:
    """GET until it answers or the deadline passes (bounded: at most one try per 0.5 s)."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:  # it answered, with an error status
            return exc.code, exc.read().decode("utf-8", "replace")
        except OSError:  # not listening yet
            time.sleep(0.5)
    return None, ""


def test_json_report(tmp_path: Path) -> None:
    import json

    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "poetry", root)
    result = runner.invoke(app, [str(root), "--json", "--check"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["written"] == [] and data["dockerfile"] == "Dockerfile"
    assert data["naive_dockerfile"].splitlines()[1] == "FROM python:3.13"
    assert "dependencies installed with poetry" in data["decisions"]
    assert set(data["files"]) == {"Dockerfile", ".dockerignore"}
    failed = runner.invoke(app, [str(tmp_path / "nowhere"), "--json"])
    assert failed.exit_code == 2 and "not a directory" in json.loads(failed.stdout)["error"]


# -- init --verify (verify stubbed; the engine tests are in test_init_verify_e2e.py) -------------


def _stub_verify(
    monkeypatch: pytest.MonkeyPatch, verdict: str, seen: list[object] | None = None
) -> None:
    def fake(outcome, sides, settings, as_json, err):  # type: ignore[no-untyped-def]
        if seen is not None:
            seen.append((sides, settings))
        reasons = [] if verdict == "pass" else [{"text": f"stub {verdict}", "cause": []}]
        report = {
            "run_id": "djopt-stub",
            "before": None,
            "after": {},
            "verdict": verdict,
            "verdict_reasons": reasons,
            "reasons": [r["text"] for r in reasons],
            "notes": [],
            "cleaned_up": True,
        }
        return report, verdict == "pass"

    monkeypatch.setattr("optimizer.cli.run_verify", fake)


def test_init_verify_passes_then_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    seen: list[object] = []
    _stub_verify(monkeypatch, "pass", seen)
    result = runner.invoke(app, [str(root), "--verify"])
    assert result.exit_code == 0, result.output
    assert "verify: PASS (baseline: none)" in result.output
    assert f"wrote {root / 'Dockerfile'}, {root / '.dockerignore'}" in result.output
    # The diff is shown before verify runs, once.
    assert result.output.count("+++ b/Dockerfile") == 1
    assert result.output.index("+++ b/Dockerfile") < result.output.index("verify: PASS")
    ((sides, _),) = seen  # type: ignore[misc]
    assert sides.before is None and sides.description == "none"
    assert sides.after["Dockerfile"] == (root / "Dockerfile").read_text()
    assert sides.after[".dockerignore"] == (root / ".dockerignore").read_text()


@pytest.mark.parametrize(("verdict", "code"), [("fail", 3), ("inconclusive", 4)])
def test_init_verify_that_does_not_pass_writes_nothing_unless_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verdict: str, code: int
) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    before = snapshot(root)
    _stub_verify(monkeypatch, verdict)
    result = runner.invoke(app, [str(root), "--verify"])
    assert result.exit_code == code, result.output
    assert f"nothing written: verify did not pass ({verdict}; use --force" in result.output
    assert f"  - stub {verdict}" in result.output
    assert snapshot(root) == before
    forced = runner.invoke(app, [str(root), "--verify", "--force"])
    assert forced.exit_code == code, forced.output  # written, and still says it did not pass
    assert (root / "Dockerfile").is_file() and "wrote " in forced.output


def test_init_verify_dry_run_writes_nothing_and_exits_1_on_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    before = snapshot(root)
    _stub_verify(monkeypatch, "pass")
    result = runner.invoke(app, [str(root), "--verify", "--dry-run"])
    assert result.exit_code == 1, result.output
    assert "dry run: nothing written" in result.output
    assert snapshot(root) == before


def test_init_verify_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    _stub_verify(monkeypatch, "fail")
    result = runner.invoke(app, [str(root), "--verify", "--json"])
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["verdict"] == "fail" and data["passed"] is False and data["written"] == []
    assert data["verify"]["baseline"] == "none" and data["verify"]["before"] is None
    assert data["verdict_reasons"] == [{"text": "stub fail", "cause": []}]
    plain = json.loads(runner.invoke(app, [str(root), "--json", "--check"]).stdout)
    assert plain["verify"] is None and plain["verdict"] is None and plain["passed"] is None


def test_init_verify_takes_the_verify_options_and_the_config_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    (root / "ci.env").write_text("A=from-file\n")
    (root / "pyproject.toml").write_text(
        "[tool.dj-optimize]\nskip = ['non-root']\n"
        "[tool.dj-optimize.verify]\nenv-file = 'ci.env'\nenv = { B = 'table' }\n"
        "services = ['postgres:17']\nprobes = ['/healthz']\nhost = 'example.com'\n"
        "no-rebuild = true\n"
    )
    (root / "compose.yaml").write_text("services: {}\n")
    seen: list[tuple[object, object]] = []
    _stub_verify(monkeypatch, "pass", seen)
    result = runner.invoke(app, [str(root), "--verify", "--dry-run", "--env", "B=flag"])
    assert result.exit_code == 1, result.output
    assert "USER 10001" not in result.output  # the config's skip reached the pipeline
    _, settings = seen[-1]
    flags = settings.flags  # type: ignore[attr-defined]
    assert flags.env == {"A": "from-file", "B": "flag"}
    assert (flags.services, flags.probes, flags.host) == (
        ["postgres:17"], ["/healthz"], "example.com"
    )
    assert settings.no_rebuild is True  # type: ignore[attr-defined]
    args = [
        str(root), "--verify", "--dry-run", "--service", "redis:7", "--probe", "/", "--cmd",
        "gunicorn mysite.wsgi", "--pre", "", "--host", "a.test", "--compose",
        str(root / "compose.yaml"), "--keep-images", "--builder", "remote",
    ]
    assert runner.invoke(app, args).exit_code == 1
    _, settings = seen[-1]
    flags = settings.flags  # type: ignore[attr-defined]
    assert (flags.services, flags.probes, flags.cmd, flags.pre, flags.host) == (
        ["redis:7"], ["/"], "gunicorn mysite.wsgi", "", "a.test"
    )
    assert flags.compose_files == [root / "compose.yaml"]
    assert (settings.keep_images, settings.builder) == (True, "remote")  # type: ignore[attr-defined]
    ignored = runner.invoke(app, [str(root), "--verify", "--dry-run", "--no-config"])
    assert ignored.exit_code == 1
    _, settings = seen[-1]
    assert settings.flags.services == [] and "USER 10001" in ignored.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "NOEQUALS"], "--env 'NOEQUALS': expected KEY=VALUE"),
        (["--env-file", "/nowhere/ci.env"], "/nowhere/ci.env: cannot read"),
    ],
)
def test_init_verify_bad_options_are_bad_input_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    before = snapshot(root)
    _stub_verify(monkeypatch, "pass")
    result = runner.invoke(app, [str(root), "--verify", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert snapshot(root) == before


def test_init_config_error_is_bad_input(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    (root / "pyproject.toml").write_text("[tool.dj-optimize.verify]\nprobe = ['/']\n")
    result = runner.invoke(app, [str(root), "--verify"])
    assert result.exit_code == 2
    assert "unknown key 'probe'" in result.output
    assert not (root / "Dockerfile").exists()


def test_init_verify_without_an_engine_is_inconclusive_and_writes_nothing(tmp_path: Path) -> None:
    import os
    import subprocess

    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "pip", root)
    before = snapshot(root)
    result = subprocess.run(
        [sys.executable, "-m", "optimizer.cli", "init", str(root), "--verify"],
        cwd=Path(__file__).parent.parent,
        env=dict(os.environ, DOCKER_HOST=f"unix://{tmp_path}/no-engine.sock"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "verify: INCONCLUSIVE (baseline: none)" in result.stdout
    assert "no container engine answers" in result.stdout
    assert "nothing written: verify did not pass (inconclusive;" in result.stdout
    assert snapshot(root) == before


def test_manifests_between_the_root_and_manage_py(tmp_path: Path) -> None:
    # backend/requirements.txt and backend/.python-version beside backend/src/manage.py: a
    # monorepo layout. Before, only the root and backend/src were looked at, and init said
    # there was no dependency manifest.
    write_skeleton(tmp_path / "backend" / "src")
    (tmp_path / "backend" / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "backend" / ".python-version").write_text("3.11\n")
    generated = generate(tmp_path)
    assert generated.naive.python == "3.11"
    assert "-r backend/requirements.txt" in generated.naive.text
    text = generated.files["Dockerfile"]
    assert "WORKDIR /app/backend/src" in text
    assert 'CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]' in text
