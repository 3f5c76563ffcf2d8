"""End to end on the lab engine: images whose start command needs root's home keep root.

Found on a real project (poetry installed by its official installer into /root/.local, PATH set
to it, `CMD poetry run ...`): the rewrite added USER 10001, and the image could no longer start
(/root is mode 700). Here the tool in root's home is a two-line script, so no network is needed.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize

pytestmark = pytest.mark.engine

_LABEL = "dj-optimize.test=runtime-non-root"

_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
RUN mkdir -p /root/.local/bin \\
    && printf '#!/bin/sh\\necho served\\n' > /root/.local/bin/serve \\
    && chmod +x /root/.local/bin/serve
ENV PATH="/root/.local/bin:$PATH"
COPY . .
CMD ["serve"]
"""


def _docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_tool_in_root_home_keeps_root(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    (case / "Dockerfile").write_text(_DOCKERFILE)
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert outcome.files == {}
    assert any("/root/.local/bin" in n for c in outcome.skipped for n in c.notes)

    tag = f"runtime-nonroot-{uuid.uuid4().hex[:8]}"
    names = [f"{tag}-as-built", f"{tag}-as-10001"]
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=600)
        assert built.returncode == 0, built.stderr[-2000:]
        as_built = _docker("run", "--name", names[0], "--label", _LABEL, tag)
        assert as_built.returncode == 0 and as_built.stdout.strip() == "served", as_built.stderr
        # What USER 10001 would have done: the image cannot start.
        as_user = _docker("run", "--name", names[1], "--label", _LABEL, "--user", "10001", tag)
        assert as_user.returncode != 0
        assert "served" not in as_user.stdout
    finally:
        for name in names:
            _docker("rm", "-f", name, timeout=60)
        _docker("rmi", "-f", tag, timeout=120)


GOLDEN = Path(__file__).parent / "golden" / "non-root"


def test_database_migrated_at_build_is_writable(tmp_path: Path) -> None:
    """`RUN python manage.py migrate` makes db.sqlite3 as root in the app directory, whose top
    only is handed over: the file itself must be uid 10001's, or every write fails with
    "attempt to write a readonly database" (found on a real todo app)."""
    root = materialize(GOLDEN / "sqlite-migrated-at-build", tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    (root / "Dockerfile").write_text(outcome.files["Dockerfile"])
    tag = f"runtime-nonroot-db-{uuid.uuid4().hex[:8]}"
    name = f"{tag}-run"
    write = (
        "from django.contrib.auth.models import User; "
        "User.objects.create(username='x'); print('rows', User.objects.count())"
    )
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
        done = _docker(
            "run", "--name", name, "--label", _LABEL, tag,
            "sh", "-c", f'id -u && python manage.py shell -c "{write}"',
        )
        assert done.returncode == 0, done.stderr[-1500:]
        assert done.stdout.split()[0] == "10001"
        assert "rows 1" in done.stdout
    finally:
        _docker("rm", "-f", name, timeout=60)
        _docker("rmi", "-f", tag, timeout=120)


def test_shell_variable_in_cmd_still_expands(tmp_path: Path) -> None:
    """`CMD python manage.py runserver 0.0.0.0:${PORT:-8000}`: turned into exec form, the port
    reached runserver as the literal `${PORT:-8000}` and the server never started."""
    import time
    import urllib.error
    import urllib.request

    root = materialize(
        Path(__file__).parent / "golden" / "fix-cmd-binding" / "runserver-port-default",
        tmp_path / "ctx",
    )
    outcome = optimize(root / "Dockerfile", root, only=["fix-cmd-binding"])
    (root / "Dockerfile").write_text(outcome.files["Dockerfile"])
    tag = f"runtime-cmd-{uuid.uuid4().hex[:8]}"
    name = f"{tag}-run"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
        started = _docker("run", "-d", "--name", name, "--label", _LABEL,
                          "-p", "127.0.0.1::8000", tag)
        assert started.returncode == 0, started.stderr
        port = _docker("port", name, "8000/tcp").stdout.split(":")[-1].strip()
        status = None
        for _ in range(30):
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3).status
            except urllib.error.HTTPError as exc:
                status = exc.code  # any answer: the server runs (400: no ALLOWED_HOSTS)
            except OSError:
                time.sleep(1)
                continue
            break
        logs = _docker("logs", name)
        assert status is not None, logs.stdout[-1000:] + logs.stderr[-1000:]
    finally:
        _docker("rm", "-f", name, timeout=60)
        _docker("rmi", "-f", tag, timeout=120)


def _answers(name: str, port: str, tries: int = 40) -> int | None:
    """The HTTP status the container answers on its published port (any answer), or None."""
    import time
    import urllib.error
    import urllib.request

    for _ in range(tries):
        if _docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() != "true":
            return None
        try:
            return int(urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3).status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            time.sleep(1)
    return None


def test_server_log_and_pid_files_are_writable(tmp_path: Path) -> None:
    """gunicorn's --access-logfile under /var/log and --pid under /run: as uid 10001 without
    those directories, gunicorn exits at start ("isn't writable [PermissionError]")."""
    root = materialize(GOLDEN / "server-log-and-pid-files", tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    (root / "Dockerfile").write_text(outcome.files["Dockerfile"])
    tag = f"runtime-nonroot-logs-{uuid.uuid4().hex[:8]}"
    name = f"{tag}-run"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
        started = _docker("run", "-d", "--name", name, "--label", _LABEL,
                          "-p", "127.0.0.1::8000", tag)
        assert started.returncode == 0, started.stderr
        port = _docker("port", name, "8000/tcp").stdout.split(":")[-1].strip()
        status = _answers(name, port)
        logs = _docker("logs", name)
        assert status is not None, logs.stdout[-1500:] + logs.stderr[-1500:]
        written = _docker("exec", name, "sh", "-c",
                          "id -u; test -s /var/log/gunicorn/access.log && cat /run/gunicorn/*.pid")
        assert written.returncode == 0, written.stderr
        assert written.stdout.split()[0] == "10001"
    finally:
        _docker("rm", "-f", name, timeout=60)
        _docker("rmi", "-f", tag, timeout=120)


def test_makemigrations_at_start_can_write(tmp_path: Path) -> None:
    """An entrypoint runs `makemigrations` and the repository commits no migrations (seen on
    real starter templates): as uid 10001 with only the app dir's top, writing
    shop/migrations/0001_initial.py fails with PermissionError."""
    case = tmp_path / "case"
    (case / "shop/migrations").mkdir(parents=True)
    (case / "mysite").mkdir()
    (case / "shop/__init__.py").write_text("")
    (case / "shop/migrations/__init__.py").write_text("")
    (case / "shop/models.py").write_text(
        "from django.db import models\n\n\nclass Item(models.Model):\n"
        "    name = models.CharField(max_length=20)\n"
    )
    (case / "mysite/settings.py").write_text(
        "from pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
        'SECRET_KEY = "test"\nINSTALLED_APPS = ["shop"]\nROOT_URLCONF = "mysite.urls"\n'
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",\n'
        '    "NAME": BASE_DIR / "db.sqlite3"}}\n'
    )
    (case / "entrypoint.sh").write_text(
        "#!/bin/sh\nset -e\npython manage.py makemigrations\npython manage.py migrate\n"
        'exec "$@"\n'
    )
    (case / "requirements.txt").write_text("Django==5.1.4\n")
    (case / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt /app/\n"
        "RUN pip install -r requirements.txt\nCOPY . /app/\n"
        'ENTRYPOINT ["sh", "/app/entrypoint.sh"]\nCMD ["ls", "shop/migrations"]\n'
    )
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    (root / "Dockerfile").write_text(outcome.files["Dockerfile"])
    assert "USER 10001" in outcome.files["Dockerfile"]
    tag = f"runtime-nonroot-mkmig-{uuid.uuid4().hex[:8]}"
    name = f"{tag}-run"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
        done = _docker("run", "--name", name, "--label", _LABEL, tag)
        assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-1500:]
        assert "0001_initial.py" in done.stdout
    finally:
        _docker("rm", "-f", name, timeout=60)
        _docker("rmi", "-f", tag, timeout=120)


def test_collectstatic_in_the_running_container(tmp_path: Path) -> None:
    """STATIC_ROOT is a directory the repository commits (`static/`, seen on a real app):
    the COPY makes it root's, and `collectstatic` run in the container as uid 10001 failed
    with PermissionError. collectstatic is not in the CMD: operators run it with exec."""
    case = tmp_path / "case"
    (case / "static/css").mkdir(parents=True)
    (case / "static/css/site.css").write_text("body {}\n")
    (case / "mysite").mkdir()
    (case / "mysite/settings.py").write_text(
        "from pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
        'SECRET_KEY = "test"\nINSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth",\n'
        '    "django.contrib.contenttypes", "django.contrib.staticfiles"]\n'
        'ROOT_URLCONF = "mysite.urls"\nSTATIC_URL = "/static/"\n'
        'STATIC_ROOT = BASE_DIR / "static"\nDATABASES = {}\n'
    )
    (case / "requirements.txt").write_text("Django==5.1.4\n")
    (case / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    )
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    (root / "Dockerfile").write_text(outcome.files["Dockerfile"])
    tag = f"runtime-nonroot-static-{uuid.uuid4().hex[:8]}"
    name = f"{tag}-run"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
        done = _docker("run", "--name", name, "--label", _LABEL, tag, "sh", "-c",
                       "id -u && python manage.py collectstatic --noinput")
        assert done.returncode == 0, done.stderr[-1500:]
        assert done.stdout.split()[0] == "10001"
        assert "static files copied" in done.stdout
    finally:
        _docker("rm", "-f", name, timeout=60)
        _docker("rmi", "-f", tag, timeout=120)


def test_served_settings_directories_are_writable(tmp_path: Path) -> None:
    """manage.py names `local`, wsgi.py names `production` (the cookiecutter-django layout, six
    real projects here): gunicorn's app writes where production says (/srv/...), which was
    neither made nor handed over."""
    root = materialize(GOLDEN / "wsgi-settings-differ", tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    (root / "Dockerfile").write_text(outcome.files["Dockerfile"])
    tag = f"runtime-nonroot-served-{uuid.uuid4().hex[:8]}"
    name = f"{tag}-run"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
        done = _docker(
            "run", "--name", name, "--label", _LABEL,
            "-e", "DJANGO_SETTINGS_MODULE=proj.settings.production", tag, "sh", "-c",
            "id -u && python -m django migrate --noinput && touch /srv/uploads/a.jpg",
        )
        assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-1500:]
        assert done.stdout.split()[0] == "10001"
    finally:
        _docker("rm", "-f", name, timeout=60)
        _docker("rmi", "-f", tag, timeout=120)


@pytest.mark.parametrize(
    ("case", "above_source"),
    [("sqlite-and-media", True), ("media-dir-in-context", False)],
)
def test_user_run_placed_by_the_source_copy_keeps_dirs_writable(
    tmp_path: Path, case: str, above_source: bool
) -> None:
    """The user's RUN goes above `COPY . .` when the copy brings none of the paths it hands
    over (a COPY into an existing directory keeps that directory's owner), and below it when
    the source ships one (media/ committed with a README: the copy makes its contents root's).
    Either way uid 10001 can write the app's directory and MEDIA_ROOT, and not the code."""
    root = materialize(GOLDEN / case, tmp_path / "ctx")
    (root / "requirements.txt").write_text("")  # no network: nothing to install
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    text = outcome.files["Dockerfile"]
    assert (text.index("useradd") < text.index("COPY . .")) is above_source, text
    (root / "Dockerfile").write_text(text)
    tag = f"runtime-nonroot-place-{uuid.uuid4().hex[:8]}"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
        probe = (
            "id -u && touch /app/db.sqlite3 /app/media/upload /app/staticfiles/x "
            "&& if touch /app/mysite/settings.py 2>/dev/null; then echo code-writable; fi"
        )
        ran = _docker("run", "--rm", "--label", _LABEL, tag, "sh", "-c", probe, timeout=120)
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.split() == ["10001"], ran.stdout
    finally:
        _docker("rmi", "-f", tag, timeout=120)


def test_static_files_collected_at_build_are_handed_over_in_their_own_layer(
    tmp_path: Path,
) -> None:
    """`RUN manage.py collectstatic` above the user's RUN: the `chown -R` of STATIC_ROOT now
    runs in the collectstatic RUN, so the user's RUN layer holds no second copy of the
    collected files (kingIsmoil/BT: 17.9 MB), and uid 10001 can still collect again at run
    time (`--clear` deletes and rewrites every file and directory collected at build)."""
    case = tmp_path / "case"
    (case / "mysite").mkdir(parents=True)
    (case / "mysite/settings.py").write_text(
        "from pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
        'SECRET_KEY = "test"\nINSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth",\n'
        '    "django.contrib.contenttypes", "django.contrib.staticfiles"]\n'
        'ROOT_URLCONF = "mysite.urls"\nSTATIC_URL = "/static/"\n'
        'STATIC_ROOT = BASE_DIR / "staticfiles"\nDATABASES = {}\n'
    )
    (case / "requirements.txt").write_text("Django==5.1.4\n")
    (case / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        "RUN python manage.py collectstatic --noinput\n"
        'CMD ["sh", "-c", "python manage.py collectstatic --noinput && '
        'exec python manage.py runserver 0.0.0.0:8000"]\n'
    )
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["non-root"])
    assert "collectstatic --noinput && chown -R 10001:10001 /app/staticfiles" in (
        outcome.files["Dockerfile"].replace("\\\n    ", "")
    )
    (root / "Dockerfile").write_text(outcome.files["Dockerfile"])
    tag = f"runtime-nonroot-buildstatic-{uuid.uuid4().hex[:8]}"
    name = f"{tag}-run"
    try:
        built = _docker("build", "-q", "--label", _LABEL, "-t", tag, str(root), timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
        history = _docker("history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", tag)
        assert history.returncode == 0, history.stderr
        sizes = {
            line.split("\t", 1)[1]: line.split("\t", 1)[0]
            for line in history.stdout.splitlines()
            if "\t" in line
        }
        user_run = [size for step, size in sizes.items() if "useradd" in step]
        collect = [
            size for step, size in sizes.items()
            if step.startswith("RUN") and "collectstatic" in step and "chown -R" in step
        ]
        assert len(user_run) == 1 and len(collect) == 1, history.stdout
        # The admin's static files are about a megabyte: they are in the collectstatic layer,
        # and the user's layer holds only the new user's files (passwd, home: kilobytes).
        assert collect[0].endswith("MB"), history.stdout
        assert user_run[0].endswith(("B", "kB")) and not user_run[0].endswith("MB"), (
            history.stdout
        )
        done = _docker("run", "--name", name, "--label", _LABEL, tag, "sh", "-c",
                       "id -u && python manage.py collectstatic --noinput --clear")
        assert done.returncode == 0, done.stderr[-1500:]
        assert done.stdout.split()[0] == "10001"
        assert "static files copied" in done.stdout
    finally:
        _docker("rm", "-f", name, timeout=60)
        _docker("rmi", "-f", tag, timeout=120)
