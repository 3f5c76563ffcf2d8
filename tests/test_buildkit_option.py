"""`--no-buildkit` keeps classic Dockerfiles: no `RUN --mount` anywhere; the default uses
BuildKit cache mounts in the builder only (issue 10, item 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app

runner = CliRunner()
TUTORIAL = Path(__file__).parent.parent / "examples" / "01-tutorial"


def _rewrite(tmp_path: Path, *flags: str) -> str:
    root = tmp_path / "tutorial"
    shutil.copytree(TUTORIAL, root, ignore=shutil.ignore_patterns("*.expected"))
    result = runner.invoke(app, ["--json", *flags, str(root / "Dockerfile")])
    assert result.exit_code == 1, result.output
    return str(json.loads(result.stdout)["files"]["Dockerfile"])


def test_default_mounts_caches_in_the_builder_only(tmp_path: Path) -> None:
    text = _rewrite(tmp_path)
    builder, final = text.split("\nFROM python:3.11-slim\n")
    # The lean venv is created by the install's own RUN.
    assert (
        "RUN --mount=type=cache,target=/root/.cache/pip \\\n    python -m venv --without-pip"
        " --system-site-packages /opt/venv \\\n    && PYTHONPYCACHEPREFIX=/root/.cache/pip/pycache"
        " PIP_COMPILE=0 PIP_PYTHON='' python -m pip install" in builder
    )
    assert "--mount" not in final


def test_pip_bytecode_goes_to_the_cache_mount_and_the_venv_is_compiled_after(
    tmp_path: Path,
) -> None:
    """pip's own modules are compiled into the pip cache mount (reused by the next dependency
    change, never in a layer), not by a RUN of their own before the install (a container start
    and 1.3 s on every cold build); the venv is compiled once after the install, on every core,
    ignoring a module that does not compile as pip does, in chunks of files per worker."""
    builder = _rewrite(tmp_path).split("\nFROM python:3.11-slim\n")[0]
    assert "sys.dont_write_bytecode" not in builder  # no bytecode RUN of its own
    assert "PIP_DISABLE_PIP_VERSION_CHECK=1" in builder
    install = builder[builder.index("RUN --mount=type=cache,target=/root/.cache/pip"):]
    assert install.index("pip install") < install.index("os.walk('/opt/venv')")
    assert "ProcessPoolExecutor()" in install and "compile_file, quiet=2" in install


def test_no_buildkit_keeps_the_pip_bytecode_step(tmp_path: Path) -> None:
    """Without a cache mount nothing would keep pip's bytecode between builds: the RUN that
    compiles it into a layer before the install stays, and pip compiles the venv itself."""
    text = _rewrite(tmp_path, "--no-buildkit")
    assert "PYTHONPYCACHEPREFIX" not in text and "PIP_COMPILE=0" not in text
    assert "sys.dont_write_bytecode = False" in text.split("\nFROM python:3.11-slim\n")[0]


def test_no_buildkit_writes_no_mounts(tmp_path: Path) -> None:
    text = _rewrite(tmp_path, "--no-buildkit")
    assert "--mount" not in text
    assert "COPY --from=builder /opt/venv /opt/venv" in text
