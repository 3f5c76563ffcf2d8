"""The pre-step and the app's entrypoint, and the order of the service waits and pre-steps
(optimizer/verify/runplan.py, optimizer/verify/__init__.py).

latifeu/picus-case: `ENTRYPOINT ["/app/django.sh"]`, a script that only runs `python manage.py
runserver 0.0.0.0:8000` and never reads its arguments, with Postgres in compose. The migrate
pre-step (`docker run IMAGE python manage.py migrate --noinput`) went through the script, so it
started the development server and "did not finish in 300 s" on the original: inconclusive.
Meanwhile the rewrite's Postgres, started with the original's and up all along, was reported
"not ready after 90 s": its wait came after the original's pre-step, within the same bound.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from optimizer.compose import ComposeProject, Service
from optimizer.context import DjangoProject
from optimizer.verify import _await_services_then_pre, services
from optimizer.verify.runplan import Flags, RunPlan, ServiceSpec, derive

PICUS = (
    "FROM python:3.13-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\nCOPY . .\nEXPOSE 8000\n"
    'ENTRYPOINT [ "/app/django.sh" ]\n'
)


def _plan(root: Path, script: str | None, dockerfile: str = PICUS, **app: Any) -> RunPlan:
    if script is not None:
        (root / "django.sh").write_text(script, encoding="utf-8")
    web = Service(
        name="djangoapp", build_context=root, dockerfile=root / "Dockerfile",
        depends_on=("db",), command=app.get("command", ["sh", "django.sh"]),
        entrypoint=app.get("entrypoint"),
    )
    db = Service(name="db", image="postgres:17", environment={"POSTGRES_PASSWORD": "pw"})
    cp = ComposeProject(root, (root / "docker-compose.yml",), {"djangoapp": web, "db": db})
    project = DjangoProject(  # type: ignore[call-arg]
        root=root, manage_py="manage.py", database_engines=("postgresql",)
    )
    return derive(project, dockerfile, Flags(), cp, root / "Dockerfile")


def test_an_entrypoint_script_that_ignores_its_arguments_is_left_out_of_the_pre_step(
    tmp_path: Path,
) -> None:
    plan = _plan(tmp_path, '#!/bin/bash\necho "Start the server"\n'
                 "python manage.py runserver 0.0.0.0:8000\n")
    assert plan.pre is not None and "migrate" in " ".join(plan.pre)
    assert plan.pre_entrypoint == [""]
    assert plan.entrypoint is None  # the app itself still runs through it
    assert any(
        "the entrypoint (/app/django.sh) does not run its arguments: the pre-step runs "
        "without it" in n for n in plan.notes
    ), plan.notes


@pytest.mark.parametrize(
    "script",
    [
        '#!/bin/sh\nset -e\nuntil nc -z db 5432; do sleep 1; done\nexec "$@"\n',
        "#!/bin/sh\nexec $*\n",
        '#!/bin/sh\nif [ "$1" = "web" ]; then exec gunicorn a.wsgi; fi\nexec "${@}"\n',
    ],
)
def test_an_entrypoint_that_runs_its_arguments_stays(tmp_path: Path, script: str) -> None:
    plan = _plan(tmp_path, script)
    assert plan.pre is not None
    assert plan.pre_entrypoint is None


def test_a_comment_naming_the_arguments_does_not_count(tmp_path: Path) -> None:
    plan = _plan(tmp_path, '#!/bin/sh\n# usage: django.sh "$@"\npython manage.py runserver\n')
    assert plan.pre_entrypoint == [""]


def test_an_entrypoint_whose_script_is_not_found_stays(tmp_path: Path) -> None:
    plan = _plan(tmp_path, None)  # not in the context: nothing known, run as before
    assert plan.pre is not None and plan.pre_entrypoint is None


def test_a_compose_sh_c_entrypoint_that_ignores_its_arguments(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path, None, command=None,
        entrypoint=["sh", "-c", "python manage.py runserver 0.0.0.0:8000"],
    )
    assert plan.pre is not None and plan.pre_entrypoint == [""]
    passes = _plan(tmp_path, None, command=None, entrypoint=["sh", "-c", 'exec "$@"', "--"])
    assert passes.pre_entrypoint is None


class _Side:
    services: list[Any]
    pre_step: Any = None


class _Report:
    def __init__(self) -> None:
        self.notes: list[str] = []


class _Run:
    run_id = "djopt-test"

    def __init__(self) -> None:
        self.containers: list[str] = []


def test_both_sides_services_are_awaited_before_any_pre_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, ...]] = []

    def await_ready(specs: Any, containers: Any, statuses: Any, started: float) -> None:
        calls.append(("wait", containers["side"]))
        for st in statuses:
            st.ready = True

    def run_pre(tag: str, name: str, command: list[str], **kw: Any) -> services.PreStep:
        calls.append(("pre", tag, repr(kw["entrypoint"])))
        step = services.PreStep(command)
        step.exit_code = 0
        return step

    monkeypatch.setattr(services, "await_ready", await_ready)
    monkeypatch.setattr(services, "run_pre", run_pre)
    spec = ServiceSpec("db", "postgres:17", port=5432)
    plan = RunPlan(services=(spec,), pre=["python", "manage.py", "migrate"], pre_entrypoint=[""])
    sides = {"before": (None, _Side()), "after": (None, _Side())}
    ready = _await_services_then_pre(
        sides, plan,
        {"before": {"side": "before"}, "after": {"side": "after"}},
        {n: [services.ServiceStatus("db", "postgres:17", f"{n}-db")] for n in sides},
        _Report(), {"before": "before", "after": "after"}, _Run(), {},
        {"before": "net-b", "after": "net-a"}, {}, lambda s: None,
    )
    assert ready == {"before": True, "after": True}
    assert calls == [
        ("wait", "before"), ("wait", "after"),
        ("pre", "djopt-test-before", "['']"), ("pre", "djopt-test-after", "['']"),
    ]
