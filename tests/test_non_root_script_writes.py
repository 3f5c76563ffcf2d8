"""non-root: the files a start script writes in place (cp, mv, touch, sed -i) are found with
their real operands, not the options' values."""

from __future__ import annotations

from pathlib import Path

from optimizer.pipeline import optimize
from transforms.non_root import _script_written_paths


def test_written_paths_follow_cd_and_skip_option_values() -> None:
    script = (
        "#!/bin/sh\nset -e\n"
        "install -d -m 755 /app/x\n"  # makes a directory: not a file to touch
        "cp settings.tpl conf/local.py\n"
        "cd sub\n"
        "touch ready.txt\n"
        "sed -i s/a/b/ settings.py\n"
        "sed -i -e s/a/b/ -e s/c/d/ one.py two.py\n"
        "sed -i.bak --expression=s/x/y/ three.py\n"
        "mv \"$UPLOAD\" /app/y\n"
        "cp \"$SRC\" \"$DEST\"\n"
        "exec \"$@\"\n"
    )
    assert _script_written_paths(script, "/app") == [
        "/app/conf/local.py",
        "/app/sub/ready.txt",
        "/app/sub/settings.py",
        "/app/sub/one.py",
        "/app/sub/two.py",
        "/app/sub/three.py",
        "/app/y",
    ]


def test_nothing_written_by_a_plain_start_script() -> None:
    script = "#!/bin/bash\npython manage.py migrate --noinput\nexec gunicorn mysite.wsgi\n"
    assert _script_written_paths(script, "/app") == []


def test_writes_to_scratch_or_data_dirs_do_not_keep_root(tmp_path: Path) -> None:
    """`cp` into /tmp/cache/ or into STATIC_ROOT (already the app's) is no reason for root; a
    write to /etc is."""
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text(
        'SECRET_KEY = "x"\nINSTALLED_APPS = []\nROOT_URLCONF = "mysite.urls"\n'
        'STATIC_ROOT = "/var/www/static"\n'
    )
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        'ENTRYPOINT ["./entrypoint.sh"]\n'
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    script = tmp_path / "entrypoint.sh"
    script.write_text(
        "#!/bin/sh\nmkdir -p /tmp/cache\ncp assets/logo.png /tmp/cache/logo.png\n"
        "cp assets/robots.txt /var/www/static/robots.txt\nexec \"$@\"\n"
    )
    text = optimize(tmp_path / "Dockerfile", tmp_path, only=["non-root"]).files["Dockerfile"]
    assert "USER 10001" in text, text
    script.write_text("#!/bin/sh\ncp conf/hosts /etc/hosts\nexec \"$@\"\n")
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["non-root"])
    assert "Dockerfile" not in outcome.files
    notes = [n for c in outcome.skipped for n in c.notes]
    assert any("writes /etc/hosts" in n for n in notes), notes
