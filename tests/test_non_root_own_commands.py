"""non-root: a project's own management command run at start that writes into the source tree
keeps the image root (BookWyrm's entrypoint runs `manage.py compile_themes`, which writes
compiled .css beside the .scss under bookwyrm/static/; as uid 10001 the web container exits)."""

from __future__ import annotations

from pathlib import Path

from optimizer.commands import command_file_writes, started_commands
from optimizer.pipeline import optimize


def _project(tmp_path: Path, command_body: str) -> Path:
    (tmp_path / "mysite" / "management" / "commands").mkdir(parents=True)
    for d in ("mysite", "mysite/management", "mysite/management/commands"):
        (tmp_path / d / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text(
        'SECRET_KEY = "x"\nINSTALLED_APPS = ["mysite"]\nROOT_URLCONF = "mysite.urls"\n'
        'STATIC_ROOT = "/app/static"\n'
    )
    (tmp_path / "mysite" / "management" / "commands" / "compile_themes.py").write_text(
        "from django.conf import settings\nfrom django.core.management.base import BaseCommand\n"
        "class Command(BaseCommand):\n    def handle(self, *args, **options):\n"
        + command_body
    )
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        "COPY entrypoint.sh /entrypoint.sh\n"
        'ENTRYPOINT ["/entrypoint.sh"]\n'
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    (tmp_path / "entrypoint.sh").write_text(
        "#!/bin/bash\nset -e\npython manage.py migrate\n"
        "python manage.py compile_themes || exit 1\nexec \"$@\"\n"
    )
    return tmp_path


def test_own_command_writing_the_source_tree_keeps_root(tmp_path: Path) -> None:
    _project(
        tmp_path,
        "        css = settings.BASE_DIR / 'mysite' / 'static' / 'theme.css'\n"
        "        with open(css, 'w') as f:\n            f.write('body{}')\n",
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["non-root"])
    assert "Dockerfile" not in outcome.files
    notes = [n for c in outcome.skipped for n in c.notes]
    assert any("manage.py compile_themes" in n and "compile_themes.py line 6" in n
               for n in notes), notes


def test_own_command_writing_static_root_is_no_reason_for_root(tmp_path: Path) -> None:
    """STATIC_ROOT is handed to the app user; a command writing there does not need root."""
    _project(
        tmp_path,
        "        import os\n"
        "        open(os.path.join(settings.STATIC_ROOT, 'theme.css'), 'w').write('x')\n",
    )
    text = optimize(tmp_path / "Dockerfile", tmp_path, only=["non-root"]).files["Dockerfile"]
    assert "USER 10001" in text, text


def test_started_commands_past_an_option_with_a_number() -> None:
    """`manage.py -v 0 compress`: the verbosity's value is not the subcommand (non-root reads
    an offline `compress` at start through this)."""
    assert started_commands("python manage.py -v 0 compress --force") == ["compress"]
    assert started_commands("django-admin --verbosity 2 migrate") == ["migrate"]


def test_started_commands_and_write_calls(tmp_path: Path) -> None:
    assert started_commands(
        "python manage.py migrate --noinput\n./manage.py --settings=x.y compile_themes\n"
        "django-admin collectstatic\n"
    ) == ["migrate", "compile_themes", "collectstatic"]
    commands = tmp_path / "app" / "management" / "commands"
    commands.mkdir(parents=True)
    (commands / "reads.py").write_text("open('a').read()\nopen('b', mode='rb')\n")
    (commands / "path_write.py").write_text("from pathlib import Path\nPath('x').write_text('y')\n")
    (commands / "path_open.py").write_text("from pathlib import Path\nPath('x').open('a')\n")
    assert command_file_writes(tmp_path, ["reads"]) is None
    assert command_file_writes(tmp_path, ["missing"]) is None
    assert command_file_writes(tmp_path, ["reads", "path_write"]) == (
        "path_write", "`Path('x').write_text('y')` in app/management/commands/path_write.py line 2"
    )
    found = command_file_writes(tmp_path, ["path_open"])
    assert found is not None and found[0] == "path_open"
