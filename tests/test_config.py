"""`[tool.dj-optimize]` in pyproject.toml: where it is found, what it may say, how flags win."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer import exitcodes
from optimizer.cli import app
from optimizer.config import Config, ConfigError, VerifyConfig, find, load, parse, pick

EXAMPLES = Path(__file__).parent.parent / "examples"
runner = CliRunner()
TRANSFORMS = ["fix-cmd-binding", "slim-base", "multi-stage", "dockerignore", "non-root"]


@pytest.fixture
def tutorial(tmp_path: Path) -> Path:
    target = tmp_path / "repo" / "tutorial"
    shutil.copytree(EXAMPLES / "01-tutorial", target)
    (tmp_path / "repo" / ".git").mkdir()  # the walk up stops at the repository root
    return target


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def changes(result: object) -> list[str]:
    return [c["transform"] for c in json.loads(result.stdout)["changes"]]  # type: ignore[attr-defined]


# --- parsing ------------------------------------------------------------------------------


def test_full_table_parses_into_the_dataclass(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        """
[tool.dj-optimize]
only = ["slim-base", "multi-stage"]
skip = ["non-root"]
production-server = true

[tool.dj-optimize.verify]
env = { DJANGO_DEBUG = "0", SECRET_KEY = "x" }
env-file = "ci.env"
probes = ["/", "/health/"]
host = "example.com"
services = ["postgres:17", "redis:7"]
cmd = "gunicorn mysite.wsgi -b 0.0.0.0:8000"
pre = "python manage.py migrate --noinput"
keep-images = true
no-rebuild = true
builder = "remote"
target = "production"
compose = ["docker-compose.yml", "compose/prod.yml"]
""",
    )
    config = load(tmp_path / "Dockerfile", None, TRANSFORMS)
    assert config == Config(
        path=path,
        only=("slim-base", "multi-stage"),
        skip=("non-root",),
        production_server=True,
        verify=VerifyConfig(
            env={"DJANGO_DEBUG": "0", "SECRET_KEY": "x"},
            env_file=tmp_path / "ci.env",
            probes=("/", "/health/"),
            host="example.com",
            services=("postgres:17", "redis:7"),
            cmd="gunicorn mysite.wsgi -b 0.0.0.0:8000",
            pre="python manage.py migrate --noinput",
            keep_images=True,
            no_rebuild=True,
            builder="remote",
            target="production",
            compose=(tmp_path / "docker-compose.yml", tmp_path / "compose/prod.yml"),
        ),
    )


def test_empty_table_gives_defaults(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.dj-optimize]\n")
    assert load(tmp_path / "Dockerfile") == Config(path=path)


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert load(tmp_path / "Dockerfile") == Config()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[tool.dj-optimize]\nonyl = ['slim-base']\n", "[tool.dj-optimize] unknown key 'onyl'"),
        (
            "[tool.dj-optimize.verify]\nprobe = ['/']\n",
            "[tool.dj-optimize.verify] unknown key 'probe'",
        ),
        (
            "[tool.dj-optimize]\nonly = 'slim-base'\n",
            "only must be a list of strings, not a string",
        ),
        ("[tool.dj-optimize]\nskip = [1]\n", "skip must be a list of strings; 1 is an integer"),
        (
            "[tool.dj-optimize]\nproduction-server = 'yes'\n",
            "production-server must be true or false",
        ),
        ("[tool.dj-optimize]\nverify = 3\n", "verify must be a table, not an integer"),
        ("[tool.dj-optimize.verify]\nenv = { DEBUG = 1 }\n", "env.DEBUG must be a string"),
        ("[tool.dj-optimize.verify]\nenv = ['A=1']\n", "env must be a table of strings"),
        ("[tool.dj-optimize.verify]\nenv-file = 1\n", "env-file must be a path"),
        ("[tool.dj-optimize.verify]\nprobes = '/'\n", "probes must be a list of strings"),
        ("[tool.dj-optimize.verify]\nhost = 1\n", "host must be a string"),
        ("[tool.dj-optimize.verify]\nservices = 'postgres:17'\n", "services must be a list"),
        ("[tool.dj-optimize.verify]\ncmd = ['gunicorn']\n", "cmd must be a string, not a list"),
        ("[tool.dj-optimize.verify]\npre = true\n", "pre must be a string, not a boolean"),
        ("[tool.dj-optimize.verify]\nkeep-images = 1\n", "keep-images must be true or false"),
        ("[tool.dj-optimize.verify]\nno-rebuild = 'no'\n", "no-rebuild must be true or false"),
        ("[tool.dj-optimize.verify]\nbuilder = false\n", "builder must be a string"),
        ("[tool.dj-optimize.verify]\ntarget = ['prod']\n", "target must be a string"),
        ("[tool.dj-optimize.verify]\ncompose = 'a.yml'\n", "compose must be a list of strings"),
        ("[tool.dj-optimize]\nonly = ['slim']\n", "only: unknown transform 'slim'"),
        ("[tool]\ndj-optimize = 3\n", "[tool.dj-optimize] must be a table"),
        ("[tool.dj-optimize\n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, table: str, message: str) -> None:
    path = write(tmp_path / "pyproject.toml", table)
    with pytest.raises(ConfigError) as raised:
        load(tmp_path / "Dockerfile", None, TRANSFORMS)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_parse_without_known_transforms_does_not_check_names(tmp_path: Path) -> None:
    config = parse({"only": ["anything"]}, tmp_path / "pyproject.toml")
    assert config.only == ("anything",)


def test_pick_prefers_the_flag() -> None:
    assert pick(None, "configured") == "configured"
    assert pick([], ["/"]) == ["/"]
    assert pick(["/x"], ["/"]) == ["/x"]
    assert pick("flag", "configured") == "flag"


# --- discovery ------------------------------------------------------------------------------


def test_context_pyproject_comes_first(tmp_path: Path) -> None:
    context = tmp_path / "ctx"
    docker = tmp_path / "docker"
    context.mkdir()
    docker.mkdir()
    in_context = write(context / "pyproject.toml", "[tool.dj-optimize]\nskip = ['non-root']\n")
    write(docker / "pyproject.toml", "[tool.dj-optimize]\nskip = ['slim-base']\n")
    assert find(docker / "Dockerfile", context) == in_context


def test_walks_up_from_the_dockerfile_past_files_without_the_table(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    root = write(tmp_path / "pyproject.toml", "[tool.dj-optimize]\nskip = ['non-root']\n")
    app_dir = tmp_path / "services" / "web"
    app_dir.mkdir(parents=True)
    write(app_dir / "pyproject.toml", "[project]\nname = 'web'\n[tool.ruff]\nline-length = 99\n")
    assert find(app_dir / "Dockerfile", app_dir) == root


def test_walk_stops_at_the_git_root(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.dj-optimize]\nskip = ['non-root']\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find(repo / "Dockerfile") is None


def test_unrelated_broken_pyproject_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "this is [not toml")
    assert find(tmp_path / "Dockerfile") is None


# --- the CLI merges: flags win ---------------------------------------------------------------


def test_config_skip_applies(tutorial: Path) -> None:
    write(tutorial / "pyproject.toml", "[tool.dj-optimize]\nskip = ['multi-stage']\n")
    result = runner.invoke(app, ["--json", str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.CHANGES, result.output
    assert "multi-stage" not in changes(result)
    assert "slim-base" in changes(result)


def test_config_found_at_repo_root(tutorial: Path) -> None:
    write(tutorial.parent / "pyproject.toml", "[tool.dj-optimize]\nonly = ['slim-base']\n")
    result = runner.invoke(app, ["--json", str(tutorial / "Dockerfile")])
    assert changes(result) == ["slim-base"]


def test_flag_wins_over_config(tutorial: Path) -> None:
    write(tutorial / "pyproject.toml", "[tool.dj-optimize]\nonly = ['slim-base']\n")
    result = runner.invoke(app, ["--json", "--only", "python-env", str(tutorial / "Dockerfile")])
    assert changes(result) == ["python-env"]


def test_no_config_ignores_the_file(tutorial: Path) -> None:
    write(tutorial / "pyproject.toml", "[tool.dj-optimize]\nonly = ['slim-base']\nbogus = 1\n")
    result = runner.invoke(app, ["--json", "--no-config", str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.CHANGES
    assert len(changes(result)) > 1


def test_config_production_server(tutorial: Path) -> None:
    write(tutorial / "pyproject.toml", "[tool.dj-optimize]\nproduction-server = true\n")
    result = runner.invoke(app, ["--json", str(tutorial / "Dockerfile")])
    assert "gunicorn" in json.loads(result.stdout)["files"]["Dockerfile"]


def test_unknown_key_exits_2_naming_file_and_key(tutorial: Path) -> None:
    path = write(tutorial / "pyproject.toml", "[tool.dj-optimize.verify]\nprobs = ['/']\n")
    before = (tutorial / "Dockerfile").read_text()
    result = runner.invoke(app, ["--write", str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert str(path) in result.stderr and "'probs'" in result.stderr
    assert "Traceback" not in result.output
    assert (tutorial / "Dockerfile").read_text() == before


def test_config_verify_settings_reach_verify(
    tutorial: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The configured env (file, then table), probes and flags reach verify; --env wins."""
    write(tutorial / "ci.env", "A=from-file\nB=from-file\n")
    write(
        tutorial / "pyproject.toml",
        "[tool.dj-optimize.verify]\nenv-file = 'ci.env'\nenv = { B = 'from-table', C = 'c' }\n"
        "probes = ['/health/']\nkeep-images = true\nno-rebuild = true\n",
    )
    seen: dict[str, object] = {}

    def fake_verify(outcome, sides, settings, *rest):  # type: ignore[no-untyped-def]
        seen.update(
            probes=settings.flags.probes,
            env=settings.flags.env,
            keep_images=settings.keep_images,
            no_rebuild=settings.no_rebuild,
        )
        return {"verdict": "pass", "verdict_reasons": []}, True

    monkeypatch.setattr("optimizer.cli.run_verify", fake_verify)
    runner.invoke(app, ["--verify", "--env", "C=flag", str(tutorial / "Dockerfile")])
    assert seen == {
        "probes": ["/health/"],
        "env": {"A": "from-file", "B": "from-table", "C": "flag"},
        "keep_images": True,
        "no_rebuild": True,
    }
    seen.clear()
    runner.invoke(app, ["--verify", "--probe", "/x/", str(tutorial / "Dockerfile")])
    assert seen["probes"] == ["/x/"]


def test_no_buildkit_and_healthcheck_keys(tutorial: Path) -> None:
    """`no-buildkit` keeps cache mounts out; `healthcheck` turns the opt-in transform on."""
    write(
        tutorial / "pyproject.toml", "[tool.dj-optimize]\nno-buildkit = true\nhealthcheck = true\n"
    )
    result = runner.invoke(app, ["--json", str(tutorial / "Dockerfile")])
    dockerfile = json.loads(result.stdout)["files"]["Dockerfile"]
    assert "--mount=type=cache" not in dockerfile
    assert "HEALTHCHECK" in dockerfile
    result = runner.invoke(app, ["--json", "--no-config", str(tutorial / "Dockerfile")])
    dockerfile = json.loads(result.stdout)["files"]["Dockerfile"]
    assert "--mount=type=cache" in dockerfile
    assert "HEALTHCHECK" not in dockerfile


def test_installer_key_and_flag(tutorial: Path) -> None:
    """`installer = "uv"` turns the uv builder on; `--installer pip` on the command line wins;
    any other value is a config error (exit 2, one line)."""
    write(tutorial / "pyproject.toml", '[tool.dj-optimize]\ninstaller = "uv"\n')
    result = runner.invoke(app, ["--json", str(tutorial / "Dockerfile")])
    assert "uv pip install" in json.loads(result.stdout)["files"]["Dockerfile"]
    result = runner.invoke(app, ["--json", "--installer", "pip", str(tutorial / "Dockerfile")])
    assert "uv pip install" not in json.loads(result.stdout)["files"]["Dockerfile"]
    write(tutorial / "pyproject.toml", '[tool.dj-optimize]\ninstaller = "poetry"\n')
    result = runner.invoke(app, [str(tutorial / "Dockerfile")])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert 'installer must be "pip" or "uv", not \'poetry\'' in result.output


def test_config_run_settings_reach_verify(tutorial: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """services, cmd, pre and host from [tool.dj-optimize.verify] reach verify's run plan;
    command-line flags win."""
    write(
        tutorial / "pyproject.toml",
        "[tool.dj-optimize.verify]\nservices = ['postgres:17']\ncmd = 'gunicorn mysite.wsgi'\n"
        "pre = ''\nhost = 'example.com'\n",
    )
    seen: list[object] = []

    def fake_verify(outcome, sides, settings, *rest):  # type: ignore[no-untyped-def]
        seen.append(settings.flags)
        return {"verdict": "pass", "verdict_reasons": []}, True

    monkeypatch.setattr("optimizer.cli.run_verify", fake_verify)
    runner.invoke(app, ["--verify", str(tutorial / "Dockerfile")])
    runner.invoke(app, ["--verify", "--host", "a.test", "--service", "redis:7", "--pre",
                        "true", str(tutorial / "Dockerfile")])
    configured, flagged = seen
    assert (configured.services, configured.cmd, configured.pre, configured.host) == (  # type: ignore[attr-defined]
        ["postgres:17"], "gunicorn mysite.wsgi", "", "example.com"
    )
    assert (flagged.services, flagged.pre, flagged.host) == (["redis:7"], "true", "a.test")  # type: ignore[attr-defined]
