"""fix-cmd-binding: an ENTRYPOINT script that runs the CMD as its child under another spelling
than `"$@"` gets `exec` too (sweep26, mhelmer/dockerize-uwsgi-nginx-webpack: `COMMAND=$@` ...
`$COMMAND`). Before, the tool added STOPSIGNAL SIGINT saying uwsgi was PID 1, while bash was,
and docker stop still waited 10 s."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import optimize

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install django gunicorn
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def _script_after(tmp_path: Path, script: str) -> str:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "entrypoint.sh").write_text(script)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    return outcome.files.get("entrypoint.sh", script)


@pytest.mark.parametrize(
    ("last", "fixed"),
    [
        ("$*", "exec $*"),
        ("${*}", "exec ${*}"),
        ("$COMMAND", "exec $COMMAND"),
        ("${COMMAND}", "exec ${COMMAND}"),
    ],
)
def test_the_arguments_under_another_name_get_exec(
    tmp_path: Path, last: str, fixed: str
) -> None:
    script = f'#!/bin/bash\nCOMMAND="$@"\npython manage.py migrate\n{last}\n'
    assert _script_after(tmp_path, script).splitlines()[-1] == fixed


@pytest.mark.parametrize(
    "script",
    [
        # One word: a program named "gunicorn mysite.wsgi ...", not the same command.
        '#!/bin/bash\nCOMMAND=$@\n"$COMMAND"\n',
        # Not the arguments.
        "#!/bin/bash\nCOMMAND=gunicorn\n$COMMAND\n",
        # Set to the arguments, then to something else.
        "#!/bin/bash\nCOMMAND=$@\nCOMMAND=true\n$COMMAND\n",
    ],
)
def test_other_variables_are_left(tmp_path: Path, script: str) -> None:
    assert _script_after(tmp_path, script) == script
