"""Entrypoints that set their default command with `set --` and run it with `exec "$@"` (the
docker-library idiom: `if [ "$#" -eq 0 ]; then set -- gunicorn ...; fi; exec "$@"`).

ScilifelabDataCentre/spp-wagtail's prod-entrypoint.sh sets gunicorn that way; the tool read no
server in it and said "no CMD or ENTRYPOINT starts a web server". The code index has ten hits
for `set -- gunicorn` alone. The server set there is now read: its bind is checked like any
other, `exec "$@"` after it makes it PID 1, and `exec` is never put before `set`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize

TAIL = 'ENTRYPOINT ["/docker-entrypoint.sh"]\n'


def _run(tmp_path: Path, script: str) -> tuple[str, str, str]:
    """(the script after, notes, left-alone notes) of fix-cmd-binding."""
    write_skeleton(tmp_path)
    path = tmp_path / "docker-entrypoint.sh"
    path.write_text(script)
    os.chmod(path, 0o755)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        "COPY docker-entrypoint.sh /docker-entrypoint.sh\n" + TAIL
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    skipped = " ".join(n for c in outcome.skipped for n in c.notes)
    return outcome.files.get("docker-entrypoint.sh", script), notes, skipped


DEFAULT = """\
#!/bin/sh
set -eu
python manage.py migrate --noinput
if [ "$#" -eq 0 ]; then
  set -- gunicorn mysite.wsgi:application \\
    --bind {bind} \\
    --workers 2
fi
exec "$@"
"""


def test_a_reachable_default_set_for_exec_args_is_left_and_said(tmp_path: Path) -> None:
    script = DEFAULT.format(bind="0.0.0.0:8000")
    after, notes, skipped = _run(tmp_path, script)
    assert after == script and "0.0.0.0" not in notes
    assert "starts a web server" not in skipped, skipped
    assert "starts gunicorn reachably and with `exec`" in skipped, skipped


def test_a_loopback_bind_in_set_args_is_fixed_in_place(tmp_path: Path) -> None:
    after, notes, _ = _run(tmp_path, DEFAULT.format(bind="127.0.0.1:8000"))
    assert after == DEFAULT.format(bind="0.0.0.0:8000"), after
    assert "now binds 0.0.0.0" in notes, notes
    # exec stays where it is: on the line that runs the arguments, not before `set`.
    assert "exec set" not in after and after.count("exec") == 1


@pytest.mark.parametrize(
    ("run_line", "said"),
    [
        # Run without exec: the shell stays PID 1; said, not changed (the line is the user's).
        ('"$@"', 'no `exec "$@"` after it runs them'),
        ('exec "$@"', None),
    ],
)
def test_the_line_that_runs_the_arguments_decides_pid_1(
    tmp_path: Path, run_line: str, said: str | None
) -> None:
    script = DEFAULT.format(bind="0.0.0.0:8000").replace('exec "$@"', run_line)
    after, _, skipped = _run(tmp_path, script)
    assert after == script
    if said is None:
        assert 'no `exec "$@"`' not in skipped, skipped
    else:
        assert said in skipped, skipped


def test_set_args_that_pass_the_arguments_on_are_not_rebound(tmp_path: Path) -> None:
    # `set -- gunicorn "$@"` when the first argument looks like an option: the bind may come
    # from the arguments.
    script = (
        '#!/bin/sh\nset -e\nif [ "${1#-}" != "$1" ]; then\n  set -- gunicorn "$@"\nfi\n'
        'exec "$@"\n'
    )
    after, notes, _ = _run(tmp_path, script)
    assert after == script
    assert "0.0.0.0" not in notes
