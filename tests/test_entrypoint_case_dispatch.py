"""Entrypoints that pick what to run by their first argument, and a shell-form ENTRYPOINT that
hands on the CMD.

jcarbaugh/django-poetry-docker-example: `ENTRYPOINT /docker-entrypoint.sh $0 $@` with
`CMD ["production"]`, and the script's `case "$1" in development) runserver ;; production)
gunicorn ... ;; esac`. The tool said "no CMD or ENTRYPOINT starts a web server": it read no
script behind a shell-form ENTRYPOINT, and in a script it took the file's last server (the
development branch's runserver) for the one the container runs. The `$0 $@` idiom recurs in
public Dockerfiles (ten hits for that exact line in the code index, daphne, gunicorn and uvicorn
CMDs among them); under it /bin/sh is PID 1 and docker stop waits 10 s."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.pipeline import optimize
from transforms.start_script import case_on_arg1, logical_lines

CASE_SCRIPT = """\
#!/bin/sh
set -e
case "$1" in
  development)
    python manage.py runserver
    ;;
  production)
    python manage.py migrate --noinput
    gunicorn mysite.wsgi:application -b 127.0.0.1:8000
    ;;
  *)
    exec "$@"
    ;;
esac
"""


def _run(tmp_path: Path, tail: str, script: str | None = None) -> tuple[str, str, str, str]:
    """(Dockerfile after, the script after, notes, left-alone notes) of fix-cmd-binding."""
    write_skeleton(tmp_path)
    if script is not None:
        path = tmp_path / "docker-entrypoint.sh"
        path.write_text(script)
        os.chmod(path, 0o755)
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
        "COPY docker-entrypoint.sh /docker-entrypoint.sh\n" + tail
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    notes = " ".join(n for c in outcome.changes for n in c.notes)
    skipped = " ".join(n for c in outcome.skipped for n in c.notes)
    dockerfile = outcome.files.get("Dockerfile", (tmp_path / "Dockerfile").read_text())
    edited = outcome.files.get("docker-entrypoint.sh", script or "")
    if outcome.files:
        again_root = tmp_path / "again"
        again_root.mkdir()
        write_skeleton(again_root)
        (again_root / "Dockerfile").write_text(dockerfile)
        (again_root / "docker-entrypoint.sh").write_text(edited)
        again = optimize(again_root / "Dockerfile", again_root, only=["fix-cmd-binding"])
        assert again.files == {}, again.diff()
    return dockerfile, edited, notes, skipped


@pytest.mark.parametrize(
    "entry",
    [
        "ENTRYPOINT /docker-entrypoint.sh $0 $@",
        'ENTRYPOINT /docker-entrypoint.sh "$0" "$@"',
        "ENTRYPOINT exec /docker-entrypoint.sh ${0} ${@}",
    ],
)
def test_shell_form_entrypoint_passing_the_cmd_becomes_exec_form(
    tmp_path: Path, entry: str
) -> None:
    dockerfile, _, notes, _ = _run(
        tmp_path,
        f'{entry}\nCMD ["gunicorn", "mysite.wsgi", "-b", "127.0.0.1:8000"]\n',
        '#!/bin/sh\nset -e\npython manage.py migrate --noinput\nexec "$@"\n',
    )
    assert 'ENTRYPOINT ["/docker-entrypoint.sh"]\n' in dockerfile
    # The CMD's server is now read and fixed like any other.
    assert 'CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]' in dockerfile
    assert "as PID 1" in notes


def test_unquoted_args_the_shell_would_split_keep_the_shell_form(tmp_path: Path) -> None:
    # `"--config ./gunicorn.conf.py"` reaches gunicorn as two words through `$0 $@`, as one
    # through the exec form, where gunicorn would reject it.
    dockerfile, _, _, skipped = _run(
        tmp_path,
        "ENTRYPOINT /docker-entrypoint.sh $0 $@\n"
        'CMD ["gunicorn", "--config ./gunicorn.conf.py", "mysite.wsgi"]\n',
        '#!/bin/sh\nexec "$@"\n',
    )
    assert "ENTRYPOINT /docker-entrypoint.sh $0 $@\n" in dockerfile
    assert "splits the CMD's words" in skipped


def test_quoted_args_pass_words_with_spaces_whole(tmp_path: Path) -> None:
    dockerfile, _, _, _ = _run(
        tmp_path,
        'ENTRYPOINT /docker-entrypoint.sh "$0" "$@"\n'
        'CMD ["gunicorn", "--config=./my conf.py", "mysite.wsgi"]\n',
        '#!/bin/sh\nexec "$@"\n',
    )
    assert 'ENTRYPOINT ["/docker-entrypoint.sh"]\n' in dockerfile


def test_without_a_cmd_dollar_zero_is_the_shell_and_nothing_changes(tmp_path: Path) -> None:
    dockerfile, _, _, skipped = _run(
        tmp_path, "ENTRYPOINT /docker-entrypoint.sh $0 $@\n", CASE_SCRIPT
    )
    assert "ENTRYPOINT /docker-entrypoint.sh $0 $@\n" in dockerfile
    assert "no exec-form CMD" in skipped


def test_a_variable_set_before_the_script_keeps_the_shell_form(tmp_path: Path) -> None:
    dockerfile, _, _, _ = _run(
        tmp_path,
        'ENTRYPOINT APP_ENV=prod /docker-entrypoint.sh $0 $@\nCMD ["production"]\n',
        CASE_SCRIPT,
    )
    assert "ENTRYPOINT APP_ENV=prod /docker-entrypoint.sh $0 $@\n" in dockerfile


def test_the_branch_the_cmd_selects_gets_exec(tmp_path: Path) -> None:
    dockerfile, script, notes, skipped = _run(
        tmp_path,
        'ENTRYPOINT /docker-entrypoint.sh $0 $@\nCMD ["production"]\n',
        CASE_SCRIPT,
    )
    assert 'ENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["production"]\n' in dockerfile
    assert "    exec gunicorn mysite.wsgi:application -b 0.0.0.0:8000\n" in script
    # The development branch is not what the container runs: its server is reachable now, but
    # it gets no exec, and no note says the container's server lacks one.
    assert "    python manage.py runserver 0.0.0.0:8000\n" in script
    assert "`production)` branch" in notes
    assert "by hand" not in skipped
    assert "STOPSIGNAL" not in dockerfile  # gunicorn stops on SIGTERM


def test_runserver_branch_selected_gets_exec_and_stopsignal(tmp_path: Path) -> None:
    dockerfile, script, _, _ = _run(
        tmp_path, 'ENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["development"]\n', CASE_SCRIPT
    )
    assert "    exec python manage.py runserver 0.0.0.0:8000\n" in script
    assert "    gunicorn mysite.wsgi:application -b 0.0.0.0:8000\n" in script
    assert "STOPSIGNAL SIGINT" in dockerfile


def test_a_default_for_a_missing_argument_selects_the_branch(tmp_path: Path) -> None:
    script = CASE_SCRIPT.replace('case "$1" in', 'case "${1:-production}" in')
    _, edited, _, _ = _run(tmp_path, 'ENTRYPOINT ["/docker-entrypoint.sh"]\n', script)
    assert "    exec gunicorn mysite.wsgi:application -b 0.0.0.0:8000\n" in edited


def test_a_branch_that_starts_no_server_is_said(tmp_path: Path) -> None:
    _, edited, _, skipped = _run(
        tmp_path,
        'ENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["celery", "-A", "mysite", "worker"]\n',
        CASE_SCRIPT,
    )
    assert "exec gunicorn" not in edited and "exec python" not in edited
    assert "`*)` branch" in skipped and "starts no web server" in skipped


def test_commands_after_the_esac_or_in_the_branch_keep_the_shell(tmp_path: Path) -> None:
    after = CASE_SCRIPT + 'echo "stopped"\n'
    _, edited, _, skipped = _run(
        tmp_path, 'ENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["production"]\n', after
    )
    assert "exec gunicorn" not in edited
    assert '`echo "stopped"` runs after it exits' in skipped
    inside = CASE_SCRIPT.replace(
        "-b 127.0.0.1:8000\n", "-b 127.0.0.1:8000\n    echo done\n"
    )
    _, edited, _, skipped = _run(
        tmp_path / "inside", 'ENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["production"]\n', inside
    )
    assert "exec gunicorn" not in edited
    assert "its `case` branch's last command" in skipped


def test_a_server_on_the_branch_head_line_is_bound_and_left_to_exec_by_hand(
    tmp_path: Path,
) -> None:
    script = (
        '#!/bin/sh\ncase "$1" in\n'
        "  web|prod) gunicorn mysite.wsgi -b 127.0.0.1:8000 ;;\n"
        '  *) exec "$@" ;;\nesac\n'
    )
    _, edited, _, skipped = _run(
        tmp_path, 'ENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["web"]\n', script
    )
    assert "  web|prod) gunicorn mysite.wsgi -b 0.0.0.0:8000 ;;\n" in edited
    assert "on the head line of the `web|prod)` branch" in skipped


def test_case_parsing() -> None:
    lines = logical_lines(CASE_SCRIPT)
    case = case_on_arg1(lines)
    assert case is not None
    assert [b.patterns for b in case.branches] == [("development",), ("production",), ("*",)]
    production = case.branch_for("production")
    assert production is not None
    assert [lines[k].text for k in production.lines()] == [
        "production)",
        "python manage.py migrate --noinput",
        "gunicorn mysite.wsgi:application -b 127.0.0.1:8000",
        ";;",
    ]
    fallback = case.branch_for("celery")
    assert fallback is not None and fallback.patterns == ("*",)
    quoted = case_on_arg1(logical_lines('case $1 in\n  "a*") x ;;\n  b) y ;;\nesac\n'))
    assert quoted is not None
    assert quoted.branch_for("a*") is quoted.branches[0]
    assert quoted.branch_for("ab") is None  # a quoted pattern matches literally
    # A `case` inside a loop (an option parser) is not the script's dispatch.
    parser = 'while [ $# -gt 0 ]; do\ncase "$1" in\n a) x ;;\nesac\ndone\n'
    assert case_on_arg1(logical_lines(parser)) is None
    # bash's fall-through terminators are not followed.
    assert case_on_arg1(logical_lines('case "$1" in\n a) x ;&\n b) y ;;\nesac\n')) is None


@pytest.mark.parametrize("shell", ['"/bin/sh", "-c"', '"sh", "-c"', '"/bin/bash", "-c"'])
def test_a_one_string_cmd_under_a_shell_entrypoint_is_its_script_not_split(
    tmp_path: Path, shell: str
) -> None:
    # `ENTRYPOINT ["sh", "-c"]` + `CMD ["gunicorn mysite.wsgi -b 0.0.0.0:8000"]` (a recurring
    # idiom): the CMD is the shell's script. It was split into words as if the exec form named
    # a program `gunicorn mysite.wsgi ...`; under the shell that ran `sh -c gunicorn` with
    # `mysite.wsgi` as $0, and on the lab the container exited "No application module
    # specified". Now the server gets `exec` inside the string (sh was PID 1: docker stop
    # took 10.4 s on the lab, 0.6 s after).
    write_skeleton(tmp_path)
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
        f'ENTRYPOINT [{shell}]\nCMD ["gunicorn mysite.wsgi -b 0.0.0.0:8000"]\n'
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    text = outcome.files["Dockerfile"]
    assert f"ENTRYPOINT [{shell}]\n" in text
    assert 'CMD ["exec gunicorn mysite.wsgi -b 0.0.0.0:8000"]' in text
    (tmp_path / "Dockerfile").write_text(text)
    assert "Dockerfile" not in optimize(tmp_path / "Dockerfile", tmp_path).files
