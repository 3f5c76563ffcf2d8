"""On the lab engine: a server started by the image's entrypoint script without `exec` and on
127.0.0.1 (example 01 with `ENTRYPOINT ["./entrypoint.sh"]`). The rewrite edits the script:
`exec` before gunicorn, which then is PID 1 and stops on docker stop's SIGTERM, and the bind on
0.0.0.0. The script is run by the kernel, not by a shell, so verify's copy of it must keep its
mode; `--write` keeps it too."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from helpers import tutorial_started_by, verify_write_stops_after

pytestmark = pytest.mark.engine

SCRIPT = """\
#!/bin/sh
set -e
python manage.py migrate --noinput
gunicorn mysite.wsgi:application --bind 127.0.0.1:8000 \\
    --workers 2
"""


def test_entrypoint_script_server_gets_exec_and_a_reachable_bind(tmp_path: Path) -> None:
    dockerfile = tutorial_started_by(tmp_path / "app", 'ENTRYPOINT ["./entrypoint.sh"]')
    script = dockerfile.parent / "entrypoint.sh"
    script.write_text(SCRIPT)
    os.chmod(script, 0o755)
    verify_write_stops_after(dockerfile)
    written = script.read_text()
    assert written.endswith(
        "exec gunicorn mysite.wsgi:application --bind 0.0.0.0:8000 \\\n    --workers 2\n"
    ), written
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
