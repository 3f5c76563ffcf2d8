"""non-root: the files a start script writes in place (cp, mv, touch, sed -i) are found with
their real operands, not the options' values."""

from __future__ import annotations

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
