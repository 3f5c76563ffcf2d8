"""non-root on a final stage built FROM an earlier stage (linkding's `FROM linkding AS
linkding-plus`): it starts in that stage's WORKDIR and runs that stage's CMD, so the start
script the CMD names is read, and the app directory is the inherited WORKDIR, not /."""

from __future__ import annotations

from pathlib import Path

from optimizer.pipeline import optimize

_HEAD = (
    "FROM python:3.11-slim AS app\nWORKDIR /etc/app\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
    'CMD ["./bootstrap.sh"]\n'
    "FROM app AS app-plus\nRUN mkdir -p profile\nENV PLUS=1\n"
)


def _project(tmp_path: Path, script: str) -> Path:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text(
        'SECRET_KEY = "x"\nINSTALLED_APPS = []\nROOT_URLCONF = "mysite.urls"\n'
    )
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(_HEAD)
    (tmp_path / "bootstrap.sh").write_text(script)
    return tmp_path


def test_the_inherited_start_script_is_read(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "#!/usr/bin/env bash\nmkdir -p data\nchown -R www-data: /etc/app/data\n"
        "exec gunicorn mysite.wsgi --bind 0.0.0.0:8000\n",
    )
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "Dockerfile" not in outcome.files, outcome.files.get("Dockerfile")
    notes = [n for c in outcome.skipped for n in c.notes]
    assert any("the entrypoint script switches users" in n for n in notes), notes


def test_the_inherited_workdir_is_the_app_directory(tmp_path: Path) -> None:
    root = _project(
        tmp_path, "#!/usr/bin/env bash\nexec gunicorn mysite.wsgi --bind 0.0.0.0:8000\n"
    )
    text = optimize(root / "Dockerfile", root, only=["non-root"]).files["Dockerfile"]
    plus = text[text.index("FROM app AS app-plus"):]
    assert "USER 10001" in plus and "chown 10001:10001 /etc/app" in plus, text
