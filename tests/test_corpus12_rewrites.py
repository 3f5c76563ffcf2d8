"""Round 12's defect classes from real projects, where a golden case (the Dockerfile only)
cannot show them: multi-stage's notes, Debian releases, fix-cmd-binding's reasons."""

from __future__ import annotations

from pathlib import Path

from helpers import materialize

from optimizer.pipeline import optimize
from optimizer.syspkgs import archived_release, debian_release, system_needs


def _case(tmp_path: Path, files: dict[str, str]) -> Path:
    case = tmp_path / "case"
    for rel, text in files.items():
        path = case / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return materialize(case, tmp_path / "ctx")


def _notes(root: Path, only: str) -> tuple[list[str], list[str]]:
    outcome = optimize(root / "Dockerfile", root, only=[only])
    return (
        [n for change in outcome.changes for n in change.notes],
        [n for change in outcome.skipped for n in change.notes],
    )


def test_a_tool_a_later_run_calls_is_explained_by_that_call_not_by_npm(tmp_path: Path) -> None:
    """Gauvin: `RUN curl ... | apt-key add -` after the install keeps curl in the final stage;
    the note said "its npm install builds  with node-gyp" with no npm install anywhere."""
    root = _case(
        tmp_path,
        {
            "Dockerfile": (
                "FROM python:3.11\nWORKDIR /app\n"
                "RUN apt-get update && apt-get install -y --no-install-recommends curl "
                "libpq-dev gcc\n"
                "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
                "RUN curl -fsSL https://example.org/key.asc -o /tmp/key.asc\n"
                "COPY . .\n"
                'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
            ),
            "requirements.txt": "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n",
        },
    )
    changes, _ = _notes(root, "multi-stage")
    kept = [n for n in changes if n.startswith("the final stage keeps")]
    assert kept, changes
    assert not any("node-gyp" in n or "npm" in n for n in kept), kept
    assert any("curl" in n and "line 6 runs `curl`" in n for n in kept), kept


def test_minor_only_tags_of_pythons_before_bookworm_name_their_last_release() -> None:
    """cleo's `FROM python:3.6`: its final stage got bookworm's libgdal32; python:3.6 is
    3.6.15 on bullseye (libgdal28). python:2.7 and 3.5 are buster's, an archived release."""
    assert debian_release("python:3.6") == "bullseye"
    assert debian_release("python:3.6-slim") == "bullseye"
    assert debian_release("python:3.6-slim-buster") == "buster" or archived_release(
        "python:3.6-slim-buster"
    ) == "buster"
    assert archived_release("python:2.7") == "buster"
    assert archived_release("python:3.5-slim") == "buster"
    assert archived_release("python:3.6") is None
    assert debian_release("python:3.7") == "bookworm"
    assert debian_release("python:3.11-slim") == "bookworm"
    assert "libgdal28" in system_needs(["gdal"], debian_release("python:3.6")).runtime


def test_a_one_string_exec_form_with_shell_syntax_is_named_not_rewritten(tmp_path: Path) -> None:
    """`CMD ["python manage.py migrate && gunicorn ..."]`: Docker looks for a program of that
    name; which shell form was meant is the author's to say, so it is reported, not split."""
    root = materialize(
        Path(__file__).parent / "golden" / "fix-cmd-binding" / "exec-form-one-string-shell-syntax",
        tmp_path / "ctx",
    )
    changes, skipped = _notes(root, "fix-cmd-binding")
    assert any("names one program" in n and "does not start" in n for n in skipped), skipped
    assert not changes, changes


def test_a_compose_port_made_of_an_unset_variable_is_read_as_a_placeholder(
    tmp_path: Path,
) -> None:
    """hammer_test's `expose: - ${PORT}` and `ports: - ${NGINX_PORT}:${NGINX_PORT}`, set on the
    server only: Compose refused the file ("No port specified: <empty>") and the transforms
    did not see the services' `poetry run` commands."""
    import os

    import pytest

    from optimizer import compose

    if not compose.compose_available() and not os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"):
        pytest.skip("docker compose is not installed")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    image: x\n    expose:\n      - ${PORT_R12}\n"
        "    command: poetry run gunicorn mysite.wsgi --workers ${WORKERS_R12}\n"
        "  proxy:\n    image: y\n    ports:\n      - ${NGINX_PORT_R12}:${NGINX_PORT_R12}\n",
        encoding="utf-8",
    )
    project = compose.load(tmp_path)
    assert project is not None
    assert project.services["web"].command[:2] == ["poetry", "run"]
    assert any("PORT_R12" in n and compose.PORT_PLACEHOLDER in n for n in project.notes), (
        project.notes
    )
    assert not any("WORKERS_R12" in n for n in project.notes), project.notes


def test_uwsgi_exits_on_sigterm_only_with_die_on_term() -> None:
    """uwsgi 2.0 takes SIGTERM as a brutal reload unless die-on-term is set: on the command
    line, in UWSGI_DIE_ON_TERM, or in the ini file it loads. Unknown (None) when a config it
    loads cannot be read."""
    from optimizer.ports import uwsgi_dies_on_term

    files = {
        "a.ini": "[uwsgi]\nhttp = :8000\n",
        "b.ini": "[uwsgi]\nhttp = :8000\ndie-on-term = true\n",
        "c.ini": "[uwsgi]\ndie-on-term\n",
        "d.ini": "[uwsgi]\ndie-on-term = false\n",
    }
    read = files.get
    assert uwsgi_dies_on_term(["uwsgi", "--ini", "a.ini"], {}, read) is False
    assert uwsgi_dies_on_term(["uwsgi", "--ini", "b.ini"], {}, read) is True
    assert uwsgi_dies_on_term(["uwsgi", "c.ini"], {}, read) is True
    assert uwsgi_dies_on_term(["uwsgi", "--ini", "d.ini"], {}, read) is False
    assert uwsgi_dies_on_term(["uwsgi", "--ini", "missing.ini"], {}, read) is None
    assert uwsgi_dies_on_term(["uwsgi", "--yaml", "u.yaml"], {}, read) is None
    assert uwsgi_dies_on_term(["uwsgi", "--http", ":8000", "--die-on-term"], {}, read) is True
    assert uwsgi_dies_on_term(["uwsgi", "--ini", "a.ini"], {"UWSGI_DIE_ON_TERM": "1"}, read)
    assert uwsgi_dies_on_term(["uwsgi", "--http", ":8000"], {}, read) is False
