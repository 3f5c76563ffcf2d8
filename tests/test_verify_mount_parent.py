"""A dropped bind mount under a directory the image fills with the code explains nothing
(runplan.derive's dropped_mounts, RunPlan.mount_hint).

woeislolo/service_app's compose file mounts ./service over /app/www/service while the image
does `COPY . .` into /app and runs manage.py there; its original failed on its own settings
(`NameError: name 'BASE_DIR' is not defined`) and the verdict added "an image that does not
COPY the code there cannot run as compose runs it", which sent the reader to the wrong place.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.compose import BindMount, ComposeProject, Service
from optimizer.context import DjangoProject
from optimizer.verify.runplan import Flags, derive

ROOT = Path("/proj")


def _plan(dockerfile: str, target: str):  # type: ignore[no-untyped-def]
    app = Service(
        name="drf-api",
        build_context=ROOT,
        dockerfile=ROOT / "Dockerfile",
        command=["python", "manage.py", "runserver", "0.0.0.0:8000"],
        bind_mounts=(BindMount("/proj/service", target),),
    )
    compose = ComposeProject(ROOT, (ROOT / "docker-compose.yml",), {"drf-api": app})
    project = DjangoProject(root=ROOT, manage_py="manage.py")
    return derive(project, dockerfile, Flags(), compose, ROOT / "Dockerfile")


def test_a_mount_below_the_copied_code_is_not_blamed() -> None:
    copies = "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nCMD python manage.py runserver\n"
    plan = _plan(copies, "/app/www/service")
    assert any("bind-mounts /proj/service:/app/www/service: dropped" in n for n in plan.notes)
    assert plan.dropped_mounts == ()
    assert plan.mount_hint() is None


def test_a_mount_where_only_requirements_are_copied_is_still_blamed() -> None:
    reqs = "FROM python:3.13-slim\nWORKDIR /app\nCOPY requirements.txt /\nRUN pip install x\n"
    plan = _plan(reqs, "/app/www/service")
    assert plan.dropped_mounts == ("/proj/service:/app/www/service",)
    assert "compose bind-mounts /proj/service:/app/www/service" in (plan.mount_hint() or "")


def test_a_mount_the_app_runs_from_is_still_blamed() -> None:
    # WORKDIR is the mount's target: without the mount the command runs in an empty directory.
    under = "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nWORKDIR /app/www/service\n"
    plan = _plan(under, "/app/www/service")
    assert plan.dropped_mounts == ("/proj/service:/app/www/service",)


def test_the_final_stage_workdir_and_copies_follow_the_stages_it_builds_from() -> None:
    """A stage starts in the WORKDIR its parent ended in; the final stage's own WORKDIR wins."""
    from optimizer.verify.runplan import _final_copies, _final_workdir

    text = (
        "FROM python:3.13-slim AS base\nWORKDIR /srv\nCOPY requirements.txt .\n"
        "FROM base\nCOPY . code/\nWORKDIR /app\n"
    )
    assert _final_workdir(text) == "/app"
    assert [dest for _, _, dest in _final_copies(text) or []] == [
        "/srv", "/srv/code"
    ]


# pankoffDaniel/django_librest (round 14): compose mounts ./config over /django_librest/config
# beside `COPY . .` into /django_librest, and .dockerignore lists `config/`: the image has no
# config/uwsgi.ini ("realpath() of config/uwsgi.ini failed"), and the mount, dropped, was not
# named in the cause because the copy was taken to bring it.


def _ignoring_plan(root: Path, dockerignore: str, target: str):  # type: ignore[no-untyped-def]
    (root / "config").mkdir()
    (root / "config" / "uwsgi.ini").write_text("[uwsgi]\nsocket=:8080\n")
    (root / ".dockerignore").write_text(dockerignore)
    app = Service(
        name="uwsgi",
        build_context=root,
        dockerfile=root / "Dockerfile",
        command=None,
        bind_mounts=(BindMount(str(root / "config"), target),),
    )
    compose = ComposeProject(root, (root / "docker-compose.yaml",), {"uwsgi": app})
    project = DjangoProject(root=root, manage_py="manage.py")
    dockerfile = 'FROM python:3.11\nWORKDIR /django_librest\nCOPY . .\nENTRYPOINT ["./e.sh"]\n'
    return derive(project, dockerfile, Flags(), compose, root / "Dockerfile")


def test_a_mount_of_what_dockerignore_keeps_out_is_blamed(tmp_path: Path) -> None:
    plan = _ignoring_plan(tmp_path, "config/\ndatabase/\n.env\n", "/django_librest/config")
    assert plan.dropped_mounts == (f"{tmp_path / 'config'}:/django_librest/config",)
    assert "compose bind-mounts" in (plan.mount_hint() or "")


def test_a_mount_dockerignore_takes_back_is_not(tmp_path: Path) -> None:
    plan = _ignoring_plan(tmp_path, "conf*\n!config\n", "/django_librest/config")
    assert plan.dropped_mounts == ()


def test_dockerignore_rules(tmp_path: Path) -> None:
    from optimizer.verify.runplan import dockerignored

    assert not dockerignored(tmp_path, str(tmp_path / "config"))  # no .dockerignore
    (tmp_path / ".dockerignore").write_text(
        "# comment\n/static\n**/media\nsrc/*/local\n*.sqlite3\nkeep/\n!keep/this\n"
    )
    assert dockerignored(tmp_path, str(tmp_path / "static"))
    assert dockerignored(tmp_path, str(tmp_path / "static" / "css"))  # under an ignored dir
    assert dockerignored(tmp_path, str(tmp_path / "app" / "media"))
    assert dockerignored(tmp_path, str(tmp_path / "src" / "a" / "local"))
    assert not dockerignored(tmp_path, str(tmp_path / "src" / "a" / "b" / "local"))
    assert dockerignored(tmp_path, str(tmp_path / "db.sqlite3"))
    assert dockerignored(tmp_path, str(tmp_path / "keep" / "that"))
    assert not dockerignored(tmp_path, str(tmp_path / "keep" / "this"))
    assert not dockerignored(tmp_path, str(tmp_path / "app"))
    assert not dockerignored(tmp_path, str(tmp_path))  # the context itself
    assert not dockerignored(tmp_path, "/elsewhere/static")  # outside the context
