"""fix-cmd-binding on servers started by a shell script (entrypoint.sh, start.sh): what it edits
in the script, what it refuses to edit and says so, and that verify keeps an edited script
executable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from helpers import SKELETON

from optimizer.pipeline import optimize
from optimizer.verify.build import overlay_files
from transforms import start_script

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
ENTRYPOINT ["/app/entrypoint.sh"]
"""


def _project(root: Path, script: str, dockerfile: str = DOCKERFILE) -> Path:
    for rel, content in SKELETON.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    (root / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (root / "entrypoint.sh").write_bytes(script.encode())
    return root


def _run(root: Path) -> tuple[dict[str, str], list[str], list[str]]:
    outcome = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"])
    notes = [n for c in outcome.changes for n in c.notes]
    skipped = [s for c in outcome.skipped for s in c.notes]
    return dict(outcome.files), notes, skipped


def test_gunicorn_without_exec_as_the_last_line_gets_exec(tmp_path: Path) -> None:
    script = "#!/bin/sh\npython manage.py migrate\ngunicorn mysite.wsgi -b 0.0.0.0:8000\n"
    root = _project(tmp_path, script)
    files, notes, _ = _run(root)
    assert files["entrypoint.sh"].splitlines()[-1] == "exec gunicorn mysite.wsgi -b 0.0.0.0:8000"
    assert any("replaces the script's shell" in n for n in notes)
    # Said once the server is found in the script, not "nothing starts a server".
    assert "no CMD or ENTRYPOINT starts a web server" not in " ".join(notes)


@pytest.mark.parametrize(
    ("script", "why"),
    [
        # `exec "$@"` after it: the server is not what the script ends with.
        ('#!/bin/sh\ngunicorn mysite.wsgi -b 0.0.0.0:8000\nexec "$@"\n', "not the script's last"),
        # a branch: exec there is for the author to decide.
        (
            '#!/bin/sh\nif [ "$DEBUG" = 1 ]; then\n  python manage.py runserver 0.0.0.0:8000\n'
            "else\n  gunicorn mysite.wsgi -b 0.0.0.0:8000\nfi\n",
            "inside an `if`",
        ),
        (
            "#!/bin/sh\nstart() {\n  gunicorn mysite.wsgi -b 0.0.0.0:8000\n}\nstart\n",
            "inside an `if`",
        ),
        # `wait` runs at once, not after the server exits: the background is the reason.
        ("#!/bin/sh\ngunicorn mysite.wsgi -b 0.0.0.0:8000 &\nwait\n", "in the background"),
        ("#!/bin/sh\ngunicorn mysite.wsgi -b 0.0.0.0:8000 | tee log\n", "pipeline"),
        ("#!/bin/sh\nDJANGO_ENV=prod gunicorn mysite.wsgi -b 0.0.0.0:8000\n", "assignments"),
        # a trap (cleanup on exit, or forwarding signals itself) that `exec` would drop
        ("#!/bin/sh\ntrap 'rm -f /tmp/app.pid' EXIT\ngunicorn mysite.wsgi -b 0.0.0.0:8000\n",
         "`trap`"),
    ],
)
def test_a_server_exec_cannot_safely_reach_is_left_with_a_reason(
    tmp_path: Path, script: str, why: str
) -> None:
    files, notes, skipped = _run(_project(tmp_path, script))
    assert "entrypoint.sh" not in files
    assert any(why in s for s in skipped), skipped
    assert not any("replaces the script's shell" in n for n in notes)


def test_crlf_script_is_not_rewritten(tmp_path: Path) -> None:
    root = _project(tmp_path, "#!/bin/sh\r\ngunicorn mysite.wsgi\r\n")
    files, _, skipped = _run(root)
    assert "entrypoint.sh" not in files
    assert any("CRLF" in s for s in skipped)


def test_local_bind_in_a_script_is_rebound_and_a_missing_one_added(tmp_path: Path) -> None:
    files, notes, _ = _run(
        _project(tmp_path, "#!/bin/sh\nexec gunicorn mysite.wsgi --bind=localhost:9000\n")
    )
    assert any("was bound to localhost:9000" in n for n in notes)
    assert files["entrypoint.sh"] == "#!/bin/sh\nexec gunicorn mysite.wsgi --bind=0.0.0.0:9000\n"
    assert files["Dockerfile"].count("EXPOSE 9000") == 1


def test_gunicorn_without_a_bind_in_a_script_gets_env_port_not_a_bind(tmp_path: Path) -> None:
    # Eugeny/tabby-web: start.sh ends `exec /venv/*/bin/gunicorn` (gunicorn.conf.py has no bind)
    # and compose sets PORT=80 with `ports: 9090:80`: gunicorn then binds 0.0.0.0:80. A
    # `--bind 0.0.0.0:8000` added to the script would override that; ENV PORT does not.
    files, notes, _ = _run(_project(tmp_path, "#!/bin/sh\nexec /venv/*/bin/gunicorn mysite.wsgi\n"))
    assert "entrypoint.sh" not in files
    assert "ENV PORT=8000\n" in files["Dockerfile"]
    assert any(n.startswith("added ENV PORT=8000") for n in notes)


@pytest.mark.parametrize(
    "line",
    [
        'exec gunicorn mysite.wsgi "$@"',  # the CMD may bind it
        'export GUNICORN_CMD_ARGS="--bind=0.0.0.0:5000"\nexec gunicorn mysite.wsgi',
        "export PORT=5000\nexec gunicorn mysite.wsgi",  # gunicorn binds 0.0.0.0:$PORT
    ],
)
def test_no_bind_is_added_where_the_script_may_bind_it(tmp_path: Path, line: str) -> None:
    files, _, skipped = _run(_project(tmp_path, f"#!/bin/sh\n{line}\n"))
    assert "entrypoint.sh" not in files
    assert any("may bind it" in s for s in skipped)


def test_the_cmd_script_behind_an_exec_pass_through_entrypoint(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE.replace(
        'ENTRYPOINT ["/app/entrypoint.sh"]\n',
        'COPY start /start\nENTRYPOINT ["/app/entrypoint.sh"]\nCMD ["/start"]\n',
    )
    root = _project(tmp_path, '#!/bin/sh\nset -e\nexec "$@"\n', dockerfile)
    (root / "start").write_text("#!/bin/bash\npython manage.py migrate\ngunicorn mysite.wsgi\n")
    files, _, _ = _run(root)
    assert files["start"].splitlines()[-1] == "exec gunicorn mysite.wsgi"
    assert "ENV PORT=8000\n" in files["Dockerfile"]
    assert "entrypoint.sh" not in files


def test_logical_lines_join_continuations_and_track_blocks() -> None:
    text = (
        "#!/bin/sh\nif [ -n \"$X\" ]; then\n  echo 'a; if b'\nfi\n"
        "cat <<EOF\ngunicorn not a command\nEOF\ngunicorn app \\\n  --workers 2\n"
    )
    lines = start_script.logical_lines(text)
    assert [(ln.first, ln.last, ln.depth) for ln in lines] == [
        (1, 1, 0), (2, 2, 1), (3, 3, 1), (4, 4, 0), (7, 8, 0)
    ]
    assert lines[-1].text == "gunicorn app --workers 2"


def test_overlay_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    script = tmp_path / "entrypoint.sh"
    script.write_text("#!/bin/sh\ngunicorn app\n")
    os.chmod(script, 0o755)
    overlay_files(tmp_path, {"entrypoint.sh": "#!/bin/sh\nexec gunicorn app\n", "new.txt": "x"})
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert script.read_text() == "#!/bin/sh\nexec gunicorn app\n"
    assert (tmp_path / "new.txt").read_text() == "x"


def _compose_available() -> bool:
    from optimizer.compose import compose_available

    return compose_available()


@pytest.mark.skipif(not _compose_available(), reason="the docker compose plugin is not installed")
def test_a_compose_command_running_the_script_counts_when_the_image_has_no_cmd(
    tmp_path: Path,
) -> None:
    # Kacper-Sleziak/Books_API: no CMD; `command: /bin/sh /django/start-backend.sh`, whose
    # last line runs runserver without exec.
    dockerfile = DOCKERFILE.replace('ENTRYPOINT ["/app/entrypoint.sh"]\n', "")
    script = "#!/bin/sh\npython manage.py migrate\npython manage.py runserver 0.0.0.0:8000\n"
    root = _project(tmp_path, script, dockerfile)
    (root / "docker-compose.yml").write_text(
        "services:\n  worker:\n    build: .\n    command: celery -A mysite worker\n"
        "  web:\n    build: .\n    command: /bin/sh /app/entrypoint.sh\n"
    )
    files, notes, _ = _run(root)
    assert files["entrypoint.sh"].splitlines()[-1] == (
        "exec python manage.py runserver 0.0.0.0:8000"
    )
    assert "STOPSIGNAL SIGINT" in files["Dockerfile"]
    assert any("compose service `web` runs entrypoint.sh" in n for n in notes)


@pytest.mark.parametrize(
    ("argv", "script"),
    [
        (["./entrypoint.sh", "gunicorn"], "./entrypoint.sh"),
        (["sh", "/app/start.sh"], "/app/start.sh"),
        (["/bin/bash", "-e", "start.sh"], "start.sh"),
        # bash execs a lone command given with -c: the script is PID 1 (thechip911/test-docker)
        (["bash", "-c", "/app/runserver.sh"], "/app/runserver.sh"),
        # dash does not (measured on the lab's slim image), and a list is not a lone command
        (["sh", "-c", "../entrypoint.sh"], None),
        (["bash", "-c", "./migrate.sh && ./start.sh"], None),
        (["gunicorn", "mysite.wsgi"], None),
        (["python", "manage.py", "runserver"], None),
    ],
)
def test_the_script_a_start_command_runs_as_pid_1(argv: list[str], script: str | None) -> None:
    assert start_script.script_word(argv) == script


def test_a_server_behind_wait_for_it_in_a_script_is_fixed(tmp_path: Path) -> None:
    # vishnubob/wait-for-it ends with `exec "${WAITFORIT_CLI[@]}"`: `exec ./wait-for-it.sh ...`
    # makes the server PID 1 after the wait.
    script = "#!/bin/sh\n./wait-for-it.sh db:5432 -- gunicorn mysite.wsgi -b localhost:8000\n"
    files, _, _ = _run(_project(tmp_path, script))
    assert files["entrypoint.sh"].splitlines()[-1] == (
        "exec ./wait-for-it.sh db:5432 -- gunicorn mysite.wsgi -b 0.0.0.0:8000"
    )


def test_a_bare_pass_through_with_a_trap_is_left_with_a_reason(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE + 'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    script = "#!/bin/sh\ntrap 'echo bye' EXIT\npython manage.py migrate\n\"$@\"\n"
    files, _, skipped = _run(_project(tmp_path, script, dockerfile))
    assert "entrypoint.sh" not in files
    assert any("`trap`" in s and '`"$@"`' in s for s in skipped), skipped


_HEAD = "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Shell form: Docker runs it under /bin/sh -c (dash), which stays PID 1.
        ("CMD ./entrypoint.sh", ("./entrypoint.sh", ["./entrypoint.sh"])),
        ("CMD sh entrypoint.sh", ("entrypoint.sh", ["sh", "entrypoint.sh"])),
        ('CMD ["sh", "-c", "./entrypoint.sh"]', ("./entrypoint.sh", ["./entrypoint.sh"])),
        ('CMD ["/bin/sh", "-c", "sh start.sh"]', ("start.sh", ["sh", "start.sh"])),
        ("ENTRYPOINT /app/entrypoint.sh", ("/app/entrypoint.sh", ["/app/entrypoint.sh"])),
        # `exec` already makes the script PID 1: found, nothing to rewrite.
        ("CMD exec ./entrypoint.sh", ("./entrypoint.sh", None)),
        ('CMD ["sh", "-c", "exec ./entrypoint.sh"]', ("./entrypoint.sh", None)),
    ],
)
def test_scripts_started_through_a_shell_are_found(
    start: str, expected: tuple[str, list[str] | None]
) -> None:
    from optimizer.dockerfile import Dockerfile

    found = start_script.shell_started(Dockerfile.parse(_HEAD + start + "\n"))
    assert found is not None
    assert found[1:] == expected


@pytest.mark.parametrize(
    "start",
    [
        "CMD $APP_HOME/entrypoint.sh",  # a variable: the exec form would not expand it
        "CMD ./wait-for-db.sh && ./start.sh",  # two commands
        "CMD ./start.sh > /var/log/start.log",  # a redirection
        'CMD ["bash", "-c", "./start.sh"]',  # bash replaces itself: already PID 1
        'CMD ["./start.sh"]',  # exec form: already PID 1
        "CMD gunicorn mysite.wsgi",  # a program, not a script
        # A shell-form ENTRYPOINT ignores the CMD; the exec form would pass it to the script.
        'ENTRYPOINT ./entrypoint.sh\nCMD ["gunicorn", "mysite.wsgi"]',
        'ENTRYPOINT ["/entrypoint.sh"]\nCMD ./start.sh',  # the CMD is the entrypoint's argument
    ],
)
def test_starts_that_are_not_a_lone_script_under_a_shell_are_left(start: str) -> None:
    from optimizer.dockerfile import Dockerfile

    assert start_script.shell_started(Dockerfile.parse(_HEAD + start + "\n")) is None


def test_shell_form_cmd_running_a_server_script_becomes_exec_form(tmp_path: Path) -> None:
    """`CMD ./entrypoint.sh` ran the script as /bin/sh's child: its 127.0.0.1 bind went
    unfixed ("no CMD or ENTRYPOINT starts a web server") and dash, PID 1, kept docker stop's
    SIGTERM from gunicorn. Now the CMD runs the script as PID 1, the bind and `exec` are fixed
    in the script."""
    script = (
        "#!/bin/sh\npython manage.py migrate --noinput\n"
        "gunicorn mysite.wsgi -b 127.0.0.1:8000\n"
    )
    root = _project(tmp_path, script, DOCKERFILE.replace(
        'ENTRYPOINT ["/app/entrypoint.sh"]', "CMD ./entrypoint.sh"))
    files, notes, _ = _run(root)
    assert 'CMD ["./entrypoint.sh"]' in files["Dockerfile"]
    assert "exec gunicorn mysite.wsgi -b 0.0.0.0:8000\n" in files["entrypoint.sh"]
    assert any("under `/bin/sh -c`" in n for n in notes)
    # A script that starts no server: the CMD is left as it is.
    (root / "entrypoint.sh").write_text("#!/bin/sh\npython manage.py migrate\n")
    (root / "Dockerfile").write_text(DOCKERFILE.replace(
        'ENTRYPOINT ["/app/entrypoint.sh"]', "CMD ./entrypoint.sh"))
    files, _, _ = _run(root)
    assert "Dockerfile" not in files


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # raeesaroj/django-docker: `ENTRYPOINT /code/docker/docker-entrypoint.local.sh`, an
        # executable script with no `#!` line. Under `/bin/sh -c` the shell reads it itself
        # when the kernel refuses to exec it; in exec form Docker would stop with "exec format
        # error". It runs as `sh script`, whose `exec`'d server is PID 1.
        ("ENTRYPOINT /app/entrypoint.sh", 'ENTRYPOINT ["/bin/sh", "/app/entrypoint.sh"]'),
        ("CMD ./entrypoint.sh", 'CMD ["/bin/sh", "./entrypoint.sh"]'),
        # Already run by a shell: nothing to add.
        ("CMD sh ./entrypoint.sh", 'CMD ["sh", "./entrypoint.sh"]'),
    ],
)
def test_a_script_without_a_shebang_runs_under_sh_in_exec_form(
    tmp_path: Path, start: str, expected: str
) -> None:
    script = "python manage.py migrate --noinput\npython manage.py runserver 0.0.0.0:8000\n"
    dockerfile = DOCKERFILE.replace('ENTRYPOINT ["/app/entrypoint.sh"]', start)
    root = _project(tmp_path, script, dockerfile)
    files, notes, _ = _run(root)
    assert expected + "\n" in files["Dockerfile"]
    assert files["entrypoint.sh"].splitlines()[-1] == "exec python manage.py runserver 0.0.0.0:8000"
    assert any("under `/bin/sh -c`" in n for n in notes)
    assert any("has no #! line" in n for n in notes) == expected.startswith(
        ("ENTRYPOINT [\"/bin/sh\"", "CMD [\"/bin/sh\"")
    )
