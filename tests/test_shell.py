"""Shell splitting and classification used to move RUN steps safely."""

from __future__ import annotations

import pytest

from optimizer.shell import (
    addrport_at,
    classify,
    has_shell_syntax,
    inner_commands,
    pip_install_targets,
    runserver_at,
    server_argv,
    split_commands,
    sync_targets,
    words,
)


def test_split_respects_quotes_and_subshells() -> None:
    segs = split_commands("a && b 'x && y' ; (c && d) && echo \"e;f\"")
    assert [s.text for s in segs] == ["a", "b 'x && y'", "(c && d)", 'echo "e;f"']
    assert [s.sep for s in segs] == ["&&", ";", "&&", ""]


def test_split_keeps_or_and_pipes_together() -> None:
    assert [s.text for s in split_commands("a || b | c && d")] == ["a || b | c", "d"]


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("pip install -r requirements.txt", "deps"),
        ("pip3 install --no-cache-dir -r requirements/prod.txt", "deps"),
        ("python -m pip install django gunicorn", "deps"),
        ("pip install --upgrade pip", "tool"),
        ("pip install poetry==1.8.3", "tool"),
        ("pip install -U pip setuptools wheel", "tool"),
        ("poetry install --no-root", "deps"),
        ("poetry config virtualenvs.create false", "tool"),
        ("pipenv install --system --deploy", "deps"),
        ("uv sync --frozen", "deps"),
        ("uv pip install --system -r requirements.txt", "deps"),
        # pip-tools and uv's lock-file installs (round 9, deps9): classified "other" before,
        # multi-stage left `pip-sync` in the slim final stage, where neither it nor pip-tools is.
        ("pip-sync requirements.txt", "deps"),
        ("/opt/venv/bin/pip-sync --pip-args '--no-deps' requirements/prod.txt", "deps"),
        ("uv pip sync --system requirements.txt", "deps"),
        ("python -m venv /opt/venv", "venv"),
        ("apt-get update", "apt"),
        ("apt-get install -y --no-install-recommends libpq-dev", "apt"),
        ("rm -rf /var/lib/apt/lists/*", "apt"),
        ("python manage.py collectstatic --noinput", "other"),
        ("python manage.py runserver 0.0.0.0:8000", "server"),
        ("PIP_NO_CACHE_DIR=1 pip install -r requirements.txt", "deps"),
        ("mkdir -p /app", "other"),
    ],
)
def test_classify(command: str, kind: str) -> None:
    assert classify(command) == kind


def test_pip_targets() -> None:
    assert pip_install_targets(words("pip install -r a.txt --requirement=b.txt -c c.txt x")) == (
        ["a.txt", "b.txt", "c.txt"],
        ["x"],
    )
    assert pip_install_targets(words("pip install -e .")) == ([], ["-e ."])
    assert pip_install_targets(words("pip freeze")) is None


@pytest.mark.parametrize(
    ("command", "server"),
    [
        ("gunicorn mysite.wsgi", "gunicorn"),
        ("/usr/local/bin/gunicorn mysite.wsgi", "gunicorn"),
        ("python manage.py runserver", "runserver"),
        ("python3 /app/manage.py runserver 0:8000", "runserver"),
        ("./manage.py runserver", "runserver"),
        ("poetry run uvicorn mysite.asgi:application", "uvicorn"),
        ("pdm run gunicorn config.wsgi:application", "gunicorn"),
        ("pdm run python manage.py runserver 0.0.0.0:8000", "runserver"),
        ("exec daphne mysite.asgi:application", "daphne"),
        ("python -m gunicorn mysite.wsgi", "gunicorn"),
        # waitress's module runs what its console script runs, with the same options.
        ("python -m waitress --listen=127.0.0.1:8000 mysite.wsgi:application", "waitress-serve"),
        ("python3 -u -m waitress mysite.wsgi:application", "waitress-serve"),
    ],
)
def test_server_detection(command: str, server: str) -> None:
    found = server_argv(words(command))
    assert found is not None and found[1] == server


@pytest.mark.parametrize(
    "command",
    [
        # sharay198/web-calculator: manage.py run as a module; bound to 127.0.0.1, left so.
        "poetry run python -m manage runserver 127.0.0.1:8000",
        "python -m django runserver",
        "python -u manage.py runserver 0.0.0.0:8000",
        "python3 -W ignore -B manage.py runserver",
        "django-admin runserver 0.0.0.0:8000",
        "django-admin.py runserver",
        # django-extensions' Werkzeug server: cookiecutter-django's local start script.
        "python manage.py runserver_plus 0.0.0.0:8000",
        "python3 manage.py runserver_plus --print-sql",
    ],
)
def test_runserver_spelled_otherwise(command: str) -> None:
    argv = words(command)
    found = server_argv(argv)
    assert found is not None and found[1] == "runserver"
    assert argv[found[0]].startswith(("python", "django-admin"))


def test_not_a_server() -> None:
    assert server_argv(words("python manage.py migrate")) is None
    assert server_argv(words("python -m manage migrate")) is None
    assert server_argv(words("python -c 'import x' manage.py runserver")) is None
    assert server_argv(words("django-admin migrate")) is None


def test_shell_syntax() -> None:
    assert has_shell_syntax("gunicorn -b 0.0.0.0:$PORT")
    assert not has_shell_syntax("gunicorn mysite.wsgi -b 0.0.0.0:8000")
    assert not has_shell_syntax("echo '$HOME'")


def test_inner_commands_of_a_compound_drop_its_keywords() -> None:
    # sleakops/example-django-celery: the install is only inside the if/else.
    text = (
        "if [ $ENVIRONMENT = local ] || [ $ENVIRONMENT = development ]; then "
        "apt-get install -y $localDeps && pip install -r /tmp/requirements/local.txt; "
        "else pip install -r /tmp/requirements/production.txt; apt-get remove -y $buildDeps; fi"
    )
    [segment] = split_commands(text)
    assert inner_commands(segment.text) == [
        "[ $ENVIRONMENT = local ] || [ $ENVIRONMENT = development ]",
        "apt-get install -y $localDeps",
        "pip install -r /tmp/requirements/local.txt",
        "pip install -r /tmp/requirements/production.txt",
        "apt-get remove -y $buildDeps",
    ]
    assert [classify(c) for c in inner_commands(segment.text)].count("deps") == 2
    assert inner_commands("pip install -r a.txt") == ["pip install -r a.txt"]


@pytest.mark.parametrize(
    ("argv", "found"),
    [
        (["./wait-for-it.sh", "db:5432", "--", "gunicorn", "mysite.wsgi"], (3, "gunicorn")),
        (
            ["exec", "wait-for-it", "db:5432", "-t", "30", "--", "python", "manage.py",
             "runserver", "0.0.0.0:8000"],
            (6, "runserver"),
        ),
        (["/app/wait-for.sh", "db:3306", "--", "uvicorn", "app.asgi:application"], (3, "uvicorn")),
        # a migrate behind the wait is not a server; nor is a waiter without `--`
        (["./wait-for-it.sh", "db:5432", "--", "python", "manage.py", "migrate"], None),
        (["./wait-for-it.sh", "db:5432"], None),
    ],
)
def test_a_server_behind_a_wait_for_it_script(
    argv: list[str], found: tuple[int, str] | None
) -> None:
    assert server_argv(argv) == found


@pytest.mark.parametrize(
    ("command", "files"),
    [
        ("pip-sync", ["requirements.txt"]),
        ("pip-sync requirements/base.txt requirements/prod.txt --pip-args '--no-deps'",
         ["requirements/base.txt", "requirements/prod.txt"]),
        ("pip-sync --python-executable /opt/venv/bin/python lock.txt", ["lock.txt"]),
        ("uv pip sync --system -c constraints.txt requirements.txt",
         ["constraints.txt", "requirements.txt"]),
        ("uv pip sync --python /usr/local/bin/python --index-url https://x/simple r.txt",
         ["r.txt"]),
        ("pip install -r requirements.txt", None),
        ("uv pip install -r requirements.txt", None),
    ],
)
def test_sync_targets(command: str, files: list[str] | None) -> None:
    assert sync_targets(words(command)) == files


@pytest.mark.parametrize(
    ("command", "addrport"),
    [
        ("manage.py runserver 0.0.0.0:8000", "0.0.0.0:8000"),
        ("manage.py runserver --noreload 8001", "8001"),
        ("manage.py runserver [::]:8000", "[::]:8000"),
        ("manage.py runserver 0.0.0.0:$PORT", "0.0.0.0:$PORT"),
        # An option's value is no addrport: runserver binds its default, 127.0.0.1:8000.
        ("manage.py runserver --settings mysite.settings.prod", None),
        ("manage.py runserver --pythonpath /app/src -v 2", None),
        ("manage.py runserver --settings mysite.settings 0:9000", "0:9000"),
        ("manage.py runserver_plus --cert-file /certs/c.crt --nopin", None),
    ],
)
def test_runserver_addrport(command: str, addrport: str | None) -> None:
    argv = words(command)
    found = addrport_at(argv, runserver_at(argv, 0))
    assert (None if found is None else argv[found]) == addrport
