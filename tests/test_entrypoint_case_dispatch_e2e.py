"""On the lab engine: `ENTRYPOINT ./entrypoint.sh $0 $@` with `CMD ["production"]`, the script
choosing gunicorn by `case "$1"` and binding it to 127.0.0.1 without `exec`
(jcarbaugh/django-poetry-docker-example's layout, example 01's app). Before, /bin/sh was PID 1,
the server unreachable and docker stop waited 10 s; the rewrite makes the ENTRYPOINT exec form,
binds the production branch's gunicorn to 0.0.0.0 and execs it, and verify sees the rewritten
image serve and stop on SIGTERM."""

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
case "$1" in
  development)
    python manage.py runserver
    ;;
  production)
    python manage.py migrate --noinput
    gunicorn mysite.wsgi:application --bind 127.0.0.1:8000
    ;;
  *)
    exec "$@"
    ;;
esac
"""


def test_the_case_branch_the_cmd_selects_serves_and_stops_after(tmp_path: Path) -> None:
    dockerfile = tutorial_started_by(
        tmp_path / "app", 'ENTRYPOINT /app/entrypoint.sh $0 $@\nCMD ["production"]'
    )
    script = dockerfile.parent / "entrypoint.sh"
    script.write_text(SCRIPT)
    os.chmod(script, 0o755)
    verify_write_stops_after(dockerfile)
    assert 'ENTRYPOINT ["/app/entrypoint.sh"]\nCMD ["production"]' in dockerfile.read_text()
    written = script.read_text()
    assert "    exec gunicorn mysite.wsgi:application --bind 0.0.0.0:8000\n" in written, written
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
