"""On the lab engine: an ENTRYPOINT script that runs the CMD as `$COMMAND` after `COMMAND=$@`
(sweep26, mhelmer/dockerize-uwsgi-nginx-webpack's entrypoint; example 01's app with gunicorn as
the CMD). Before, bash stayed PID 1 with the server as its child and docker stop waited 10 s;
the rewrite writes `exec $COMMAND`, and verify sees the rewritten image stop on SIGTERM."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import tutorial_started_by, verify_write_stops_after

pytestmark = pytest.mark.engine

SCRIPT = """\
#!/bin/bash
COMMAND=$@
python manage.py migrate --noinput
$COMMAND
"""


def test_the_cmd_run_through_a_variable_stops_after(tmp_path: Path) -> None:
    dockerfile = tutorial_started_by(
        tmp_path / "app",
        'ENTRYPOINT ["/app/entrypoint.sh"]\n'
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]',
    )
    script = dockerfile.parent / "entrypoint.sh"
    script.write_text(SCRIPT)
    os.chmod(script, 0o755)
    verify_write_stops_after(dockerfile)
    assert script.read_text().endswith("\nexec $COMMAND\n"), script.read_text()
