"""--installer uv: which pip installs uv takes over, how they are rewritten, and when the
builder keeps pip (the note says why)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize
from optimizer.shell import program
from transforms.base import Options
from transforms.uv_installer import command_blocker, upgrades_only_pip, uv_command

GOLDEN = Path(__file__).parent / "golden" / "multi-stage"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("pip install -r requirements.txt", "uv pip install -r requirements.txt"),
        ("pip3 install --no-cache-dir --upgrade -r /tmp/r.txt",
         "uv pip install --upgrade -r /tmp/r.txt"),
        ("python -m pip install --root-user-action=ignore -r r.txt", "uv pip install -r r.txt"),
        ("pip install --progress-bar off -e .", "uv pip install -e ."),
        ("pip install --timeout 60 -rrequirements.txt", "uv pip install -rrequirements.txt"),
        ("pip install --upgrade pip", None),
        ("pip install -U pip setuptools wheel", None),
        ("apt-get install -y libpq5", "apt-get install -y libpq5"),
    ],
)
def test_uv_command(command: str, expected: str | None) -> None:
    assert uv_command(command) == expected


@pytest.mark.parametrize(
    "command",
    [
        "pip install --index-url https://example.org/simple -r r.txt",
        "pip install --extra-index-url https://example.org/simple -r r.txt",
        "pip install --prefer-binary -r r.txt",
        "pip install --pre -r r.txt",
        "pip install --user -r r.txt",
    ],
)
def test_options_uv_reads_differently_keep_pip(command: str) -> None:
    why = command_blocker(program(command))
    assert why is not None and command.split()[2] in why


def test_plain_installs_have_no_blocker() -> None:
    assert command_blocker(program("pip install --no-cache-dir -r r.txt -c c.txt")) is None
    assert not upgrades_only_pip(program("pip install pip-tools"))


def _notes(case: str, tmp_path: Path, options: Options, files: dict[str, str] | None = None,
           dockerfile: str | None = None) -> tuple[str, list[str]]:
    root = materialize(GOLDEN / case, tmp_path / "ctx")
    for name, text in (files or {}).items():
        (root / name).write_text(text)
    if dockerfile is not None:
        (root / "Dockerfile").write_text(dockerfile)
    outcome = optimize(root / "Dockerfile", root, only=["multi-stage"], options=options)
    notes = [n for c in outcome.changes for n in c.notes]
    return outcome.files.get("Dockerfile", ""), notes


def test_uv_used_and_said(tmp_path: Path) -> None:
    text, notes = _notes("installer-uv", tmp_path, Options(installer="uv"))
    assert "uv pip install -r requirements.txt" in text
    assert "PIP_PYTHON" not in text
    assert any(n.startswith("--installer uv: the builder installs with uv") for n in notes)


def test_pip_by_default(tmp_path: Path) -> None:
    text, notes = _notes("installer-uv", tmp_path, Options())
    assert "uv" not in text.replace("--upgrade", "")
    assert not any("--installer uv" in n for n in notes)


def test_index_in_requirements_keeps_pip(tmp_path: Path) -> None:
    text, notes = _notes("installer-uv-extra-index", tmp_path, Options(installer="uv"))
    assert "uv pip" not in text and "PIP_PYTHON" in text
    assert (
        "--installer uv: the builder keeps pip: a requirements file sets `--extra-index-url`, "
        "which uv reads differently"
    ) in notes


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("ENV PIP_INDEX_URL=https://example.org/simple",
         "ENV PIP_INDEX_URL is a pip setting uv does not read"),
        ("COPY pip.conf /etc/pip.conf", "the image gets a pip.conf, which uv does not read"),
    ],
)
def test_pip_settings_keep_pip(tmp_path: Path, line: str, reason: str) -> None:
    source = (GOLDEN / "installer-uv" / "Dockerfile").read_text()
    dockerfile = source.replace("WORKDIR /app\n", f"WORKDIR /app\n{line}\n")
    text, notes = _notes("installer-uv", tmp_path, Options(installer="uv"),
                         files={"pip.conf": "[global]\n"}, dockerfile=dockerfile)
    assert "uv pip" not in text
    assert f"--installer uv: the builder keeps pip: {reason}" in notes


def test_poetry_keeps_its_installer(tmp_path: Path) -> None:
    case = GOLDEN / "pipx-poetry"
    if not case.is_dir():
        pytest.fail("golden case pipx-poetry is gone: pick another Poetry case")
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["multi-stage"],
                       options=Options(installer="uv"))
    notes = [n for c in outcome.changes for n in c.notes]
    assert "uv pip" not in outcome.files.get("Dockerfile", "")
    assert any(n.startswith("--installer uv: the builder keeps pip: the installs are not plain")
               for n in notes)
    shutil.rmtree(root)


def test_python_older_than_uv_supports_keeps_pip(tmp_path: Path) -> None:
    source = (GOLDEN / "installer-uv" / "Dockerfile").read_text()
    text, notes = _notes("installer-uv", tmp_path, Options(installer="uv"),
                         dockerfile=source.replace("python:3.11", "python:3.7"))
    assert "uv pip" not in text
    assert "--installer uv: the builder keeps pip: uv 0.13.9 needs Python 3.8 or newer" in notes


def test_the_users_pip_cache_mount_becomes_uvs(tmp_path: Path) -> None:
    """docker init's template mounts pip's cache itself: with uv installing, that mount must be
    uv's, or a dependency change starts from an empty cache."""
    dockerfile = (
        "FROM python:3.11\nWORKDIR /app\n"
        "RUN --mount=type=cache,target=/root/.cache/pip \\\n"
        "    --mount=type=bind,source=requirements.txt,target=requirements.txt \\\n"
        "    python -m pip install -r requirements.txt\n"
        "COPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    text, _ = _notes("installer-uv", tmp_path, Options(installer="uv"), dockerfile=dockerfile)
    install = next(b for b in text.split("\nRUN ") if "uv pip install" in b)
    assert "target=/root/.cache/uv" in install
    assert "target=/root/.cache/pip" not in install
    assert "--mount=type=bind,source=requirements.txt,target=requirements.txt" in install


def test_the_users_pip_cache_mount_spelled_dst_becomes_uvs(tmp_path: Path) -> None:
    """BuildKit also reads `dst=` as the target: that spelling of pip's cache is uv's too."""
    dockerfile = (
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN --mount=type=cache,dst=/root/.cache/pip/ pip install -r requirements.txt\n"
        "COPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    text, _ = _notes("installer-uv", tmp_path, Options(installer="uv"), dockerfile=dockerfile)
    install = next(b for b in text.split("\nRUN ") if "uv pip install" in b)
    assert "dst=/root/.cache/uv" in install
    assert "/root/.cache/pip" not in install
