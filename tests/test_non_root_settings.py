"""non-root decides from the settings and the compose file: when it stays root, it says why."""

from __future__ import annotations

from pathlib import Path

from helpers import materialize

from optimizer.pipeline import Outcome, optimize

GOLDEN = Path(__file__).parent / "golden" / "non-root"


def _skipped(outcome: Outcome) -> list[str]:
    return [n for c in outcome.skipped for n in c.notes]


def test_unknown_settings_module_keeps_root_and_says_why(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "settings-package-no-setdefault", tmp_path / "ctx")
    # No module defines INSTALLED_APPS any more: nothing tells which settings run.
    base = root / "proj/settings/base.py"
    base.write_text(base.read_text().replace("INSTALLED_APPS", "APPS"))
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert outcome.files == {}
    assert any("settings module could not be found" in n for n in _skipped(outcome))


def test_settings_module_outside_the_context(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "settings-package-no-setdefault", tmp_path / "ctx")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace(
            "WORKDIR /app", "WORKDIR /app\nENV DJANGO_SETTINGS_MODULE=proj.settings.local"
        )
    )
    # proj/settings/local.py is made at deploy time: the committed base stands in for it.
    outcome = optimize(dockerfile, root, only=["non-root"])
    assert "chown -R 10001:10001 /app/data" in outcome.files["Dockerfile"]
    notes = [n for c in outcome.changes for n in c.notes]
    assert any("read from proj/settings/base.py: proj.settings.local is not in the build "
               "context" in n for n in notes)
    # Without any module that defines the settings, nothing stands in: root, with the reason.
    base = root / "proj/settings/base.py"
    base.write_text(base.read_text().replace("INSTALLED_APPS", "APPS"))
    outcome = optimize(dockerfile, root, only=["non-root"])
    assert outcome.files == {}
    assert any("proj.settings.local is not in the build context" in n for n in _skipped(outcome))


def test_unreadable_settings_file_keeps_root_and_names_it(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "settings-package-no-setdefault", tmp_path / "ctx")
    (root / "proj/settings/__init__.py").write_text("from .base import *\nfrom .local import *\n")
    (root / "proj/settings/local.py").write_text("MEDIA_ROOT = (\n")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert outcome.project.unreadable_settings == ("proj/settings/local.py",)
    assert outcome.files == {}
    assert any("proj/settings/local.py could not be parsed" in n for n in _skipped(outcome))


def test_compose_service_with_user_gets_non_root(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "compose-bind-mount", tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert outcome.files == {}
    notes = _skipped(outcome)
    assert any("bind-mounts . over /app and runs `migrate`" in n and "user:" in n for n in notes)
    compose_file = root / "docker-compose.yml"
    compose_file.write_text(
        compose_file.read_text().replace("    volumes:", '    user: "1000:1000"\n    volumes:')
    )
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "USER 10001" in outcome.files["Dockerfile"]


def test_compose_mount_over_the_sqlite_database_keeps_root(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "compose-bind-mount", tmp_path / "ctx")
    compose_file = root / "docker-compose.yml"
    compose_file.write_text(
        compose_file.read_text().replace(
            'sh -c "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"',
            "python manage.py runserver 0.0.0.0:8000",
        )
    )
    # The skeleton's sqlite file is in the mounted tree: the app writes there all the same.
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert outcome.files == {}
    assert any("writes /app" in n for n in _skipped(outcome))
    # With the database elsewhere (Postgres) and no migrate, nothing writes the mounted tree at
    # start, but the service mounts the source and runs runserver: a development image, which
    # keeps root so `manage.py makemigrations` in it can write the host's tree.
    settings = root / "mysite/settings.py"
    settings.write_text(settings.read_text().replace('"django.db.backends.sqlite3"',
                                                     '"django.db.backends.postgresql"'))
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert outcome.files == {}
    assert any("the image is for development" in n for n in _skipped(outcome))
    # A `user:` on the service is the developer's choice of user: the image may have one too.
    compose_file.write_text(
        compose_file.read_text().replace("    volumes:", '    user: "1000:1000"\n    volumes:')
    )
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "USER 10001" in outcome.files["Dockerfile"]


def test_broken_compose_file_is_reported_and_non_root_goes_on(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "compose-bind-mount", tmp_path / "ctx")
    (root / "docker-compose.yml").write_text("services:\n  web:\n    build: [unclosed\n")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "USER 10001" in outcome.files["Dockerfile"]
    # The switch went ahead, so the unread file is a caveat on it, not shown as "left alone".
    assert any("not read" in n and "bind mounts over the app not checked" in n
               for c in outcome.changes for n in c.notes)
    assert not any("not read" in n for n in _skipped(outcome))


def test_low_port_from_uwsgi_ini_keeps_root(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "sqlite-and-media", tmp_path / "ctx")
    (root / "uwsgi.ini").write_text("[uwsgi]\nmodule = mysite.wsgi\nhttp = :80\n")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace(
            'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]',
            'CMD ["uwsgi", "--ini", "uwsgi.ini"]',
        )
    )
    outcome = optimize(dockerfile, root, only=["non-root"])
    assert outcome.files == {}
    assert any("port 80 (<1024)" in n for n in _skipped(outcome))


def test_unreadable_media_root_keeps_root(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "sqlite-and-media", tmp_path / "ctx")
    settings = root / "mysite/settings.py"
    settings.write_text(
        settings.read_text().replace(
            'MEDIA_ROOT = BASE_DIR / "media"', 'MEDIA_ROOT = os.environ["MEDIA_DIR"]'
        )
    )
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert outcome.files == {}
    assert any("MEDIA_ROOT to a value that could not be read" in n for n in _skipped(outcome))


def test_compose_file_above_the_context_is_read(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    app = materialize(GOLDEN / "compose-bind-mount", repo / "app")
    (app / "docker-compose.yml").unlink()
    (repo / "docker-compose.yml").write_text(
        "services:\n  web:\n    build: ./app\n    command: python manage.py migrate\n"
        "    volumes:\n      - ./app:/app\n"
    )
    outcome = optimize(app / "Dockerfile", app, only=["non-root"])
    assert outcome.files == {}
    assert any("bind-mounts app over /app" in n for n in _skipped(outcome))


def test_low_port_from_the_image_environment_keeps_root(tmp_path: Path) -> None:
    root = materialize(GOLDEN / "sqlite-and-media", tmp_path / "ctx")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace(
            'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]',
            "ENV PORT=80\nCMD gunicorn mysite.wsgi --bind 0.0.0.0:$PORT",
        )
    )
    outcome = optimize(dockerfile, root, only=["non-root"])
    assert outcome.files == {}
    assert any("port 80 (<1024)" in n for n in _skipped(outcome))


def test_user_run_stays_below_a_relative_copy_into_media_under_a_variable_workdir(
    tmp_path: Path,
) -> None:
    """`WORKDIR ${APP_HOME}` is /app for the placement too: a relative COPY that brings the
    committed media/ (MEDIA_ROOT, handed over recursively) keeps the user's RUN below it."""
    root = materialize(GOLDEN / "workdir-from-arg", tmp_path / "ctx")
    (root / "media").mkdir()
    (root / "media" / "README").write_text("uploads\n")
    dockerfile = root / "Dockerfile"
    source_copy = "COPY . ${APP_HOME}\n"
    dockerfile.write_text(
        dockerfile.read_text().replace(source_copy, source_copy + "COPY media ./media\n")
    )
    text = optimize(dockerfile, root, only=["non-root"]).files["Dockerfile"]
    assert text.index("COPY media ./media") < text.index("useradd"), text
    # Without media/ in the context the same layout moves it above the source COPY.
    root2 = materialize(GOLDEN / "workdir-from-arg", tmp_path / "ctx2")
    text2 = optimize(root2 / "Dockerfile", root2, only=["non-root"]).files["Dockerfile"]
    assert text2.index("useradd") < text2.index("COPY . ${APP_HOME}"), text2


def test_a_compose_worker_that_drops_privileges_itself_keeps_root(tmp_path: Path) -> None:
    # joebonneau/django-celery-redis: as uid 10001 the worker's `--uid=nobody --gid=nogroup`
    # fails in os.setgid (`Operation not permitted`), seen by verify's worker check.
    root = materialize(GOLDEN / "compose-worker-drops-privileges", tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert outcome.files == {}
    assert any(
        "drops privileges itself (--uid in `celery -A mysite worker -l info --uid=nobody" in n
        for n in _skipped(outcome)
    ), _skipped(outcome)
    # gunicorn's own --user does the same; without any such option the user is switched.
    script = root / "deploy" / "celery-entrypoint.sh"
    script.write_text(script.read_text().replace(" --uid=nobody --gid=nogroup", ""))
    assert "USER 10001" in optimize(root / "Dockerfile", root, only=["non-root"]).files[
        "Dockerfile"
    ]
    script.write_text("#!/bin/sh\nexec gunicorn mysite.wsgi --user nobody -b 0.0.0.0:8000\n")
    assert optimize(root / "Dockerfile", root, only=["non-root"]).files == {}
