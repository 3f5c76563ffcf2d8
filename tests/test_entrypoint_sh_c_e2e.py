"""On the lab engine: `ENTRYPOINT ["sh", "-c"]` with the whole command line as the CMD's one
string (round 19's c916bce). The CMD is the shell's script, not a program name: the old rewrite
split it into words, and its image exited at once ("No application module specified"). The
rewrite binds the loopback gunicorn to 0.0.0.0 and puts `exec` inside the string; verify sees
both images serve, and the rewritten one stop on docker stop's SIGTERM (sh was PID 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import example_copy, verify_write_stops_after

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
ENTRYPOINT ["sh", "-c"]
CMD ["python manage.py migrate --noinput && gunicorn mysite.wsgi -b 127.0.0.1:8000"]
"""


def test_a_one_string_cmd_under_sh_c_keeps_one_string_and_serves(tmp_path: Path) -> None:
    root = example_copy("01-tutorial", tmp_path / "app")
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (root / "Dockerfile").write_text(DOCKERFILE)
    verify_write_stops_after(root / "Dockerfile", "--only", "fix-cmd-binding")
    written = (root / "Dockerfile").read_text()
    cmd = next(line for line in written.splitlines() if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == [
        "python manage.py migrate --noinput && exec gunicorn mysite.wsgi -b 0.0.0.0:8000"
    ], written
    assert 'ENTRYPOINT ["sh", "-c"]' in written
