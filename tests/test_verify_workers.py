"""Workers built from the app's Dockerfile (optimizer/verify/workers.py, runplan.WorkerSpec).

Drako06/task_creator_test's compose file builds `web`, `celery` and `celery-beat` from one
Dockerfile; verify ran only `web` and said nothing of the other two, so a rewrite that breaks
the worker (the venv without `celery` on PATH, a non-root user that cannot write beat's
schedule file) passed. These tests fix how they are planned and judged; the engine test
`tests/test_verify_workers_e2e.py` runs a real worker and beat against a real Redis.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.compose import ComposeProject, Port, Service
from optimizer.context import DjangoProject
from optimizer.verify import workers
from optimizer.verify.compare import decide
from optimizer.verify.report import ProbeResult, SideReport
from optimizer.verify.runplan import Flags, derive

ROOT = Path("/proj")
DOCKERFILE = "FROM python:3.11\nCOPY . .\nCMD gunicorn mysite.wsgi -b 0.0.0.0:8000\n"


def built(name: str, **fields: object) -> Service:
    base: dict[str, object] = {
        "name": name,
        "build_context": ROOT,
        "dockerfile": ROOT / "Dockerfile",
    }
    base.update(fields)
    return Service(**base)  # type: ignore[arg-type]


def plan_of(*services: Service, flags: Flags | None = None):  # type: ignore[no-untyped-def]
    compose = ComposeProject(ROOT, (ROOT / "docker-compose.yml",), {s.name: s for s in services})
    project = DjangoProject(root=ROOT, manage_py="manage.py")
    return derive(project, DOCKERFILE, flags or Flags(), compose, ROOT / "Dockerfile")


def test_services_built_from_the_app_dockerfile_are_workers_started_beside_it() -> None:
    web = built(
        "web",
        ports=(Port(8000),),
        depends_on=("db", "redis"),
        command=["sh", "-c", "python manage.py migrate && python manage.py runserver 0:8000"],
        environment={"POSTGRES_HOST": "db"},
    )
    celery = built(
        "celery",
        command=["celery", "-A", "djangotasks", "worker", "--loglevel=info"],
        depends_on=("redis", "db", "rabbit"),
        environment={"BROKER": "amqp://rabbit"},
    )
    beat = built(
        "celery-beat", command=["celery", "-A", "djangotasks", "beat"], depends_on=("web",)
    )
    ci = built("ci", command=["python", "manage.py", "makemigrations"], raw={"profiles": ["ci"]})
    other = built("docs", build_target="docs", command=["mkdocs", "serve"])
    plan = plan_of(
        web,
        celery,
        beat,
        ci,
        other,
        Service(name="db", image="postgres:15"),
        Service(name="redis", image="redis:7"),
        Service(name="rabbit", image="rabbitmq:3"),
        flags=Flags(env={"SECRET_KEY": "x"}),
    )
    assert [w.name for w in plan.workers] == ["celery", "celery-beat"]
    worker = plan.workers[0]
    assert worker.command == ["celery", "-A", "djangotasks", "worker", "--loglevel=info"]
    # Its own compose environment (not the web service's), plus what --env gives.
    assert worker.environment == {"BROKER": "amqp://rabbit", "SECRET_KEY": "x"}
    # The broker only the worker depends on is started too.
    assert [s.name for s in plan.services] == ["db", "redis", "rabbit"]
    notes = plan.notes
    assert any("'rabbit' started too: worker 'celery' depends on it" in n for n in notes)
    assert any("'ci' runs this image only under a profile (ci): not started" in n for n in notes)
    assert any("'docs' builds this Dockerfile with another target" in n for n in plan.notes)
    assert any("'celery-beat' runs this image too: started beside the app" in n for n in plan.notes)
    assert plan.to_dict()["workers"][1]["name"] == "celery-beat"


def side(*runs: workers.WorkerRun) -> SideReport:
    report = SideReport(build_tried=True, build_ok=True, started=True, serving="host", port=8000)
    report.probes = [ProbeResult("/admin/login/", 200, "text/html", "form", None, "abc")]
    report.workers = [w.to_dict() for w in runs]
    return report


UP = workers.WorkerRun("celery", "celery -A proj worker", state="up", ready_line="celery@a ready.")
BEAT_UP = workers.WorkerRun("beat", "celery -A proj beat", state="up")
BEAT_DOWN = workers.WorkerRun(
    "beat",
    "celery -A proj beat",
    state="down",
    exit_code=1,
    seconds=2.4,
    log_tail=["PermissionError: [Errno 13] Permission denied: 'celerybeat-schedule'"],
)


def test_a_worker_up_on_the_original_and_down_on_the_rewrite_fails_verify() -> None:
    before, after = side(UP, BEAT_UP), side(UP, BEAT_DOWN)
    verdict, reasons = decide(before, after, {"/admin/login/": "same"})
    assert verdict == "fail"
    assert reasons[0].text == (
        "compose service 'beat' (`celery -A proj beat`) exited with status 1 after 2 s on the "
        "rewritten image; on the original it is still running after 20 s"
    )
    assert "Permission denied: 'celerybeat-schedule'" in reasons[0].cause[-1]


def test_a_worker_down_on_the_original_is_a_note_not_the_verdict() -> None:
    before, after = side(UP, BEAT_DOWN), side(UP, BEAT_DOWN)
    assert decide(before, after, {"/admin/login/": "same"}) == ("pass", [])
    fails, notes = workers.judge(before, after)
    assert fails == []
    assert notes[0].startswith("compose service 'celery' (`celery -A proj worker`) is still")
    assert "(celery@a ready.)" in notes[0]
    assert notes[1] == (
        "compose service 'beat' (`celery -A proj beat`) exited with status 1 after 2 s on the "
        "original: not a check of the rewrite (on the rewrite it exited with status 1 after "
        "2 s); its log ends: PermissionError: [Errno 13] "
        "Permission denied: 'celerybeat-schedule'"
    )


def test_a_worker_the_engine_cannot_start_on_the_rewrite_fails_and_says_why() -> None:
    refused = workers.WorkerRun(
        "celery", "celery -A proj worker", error='exec: "celery": executable file not found'
    )
    fails, _ = workers.judge(side(UP), side(refused))
    assert "did not start (exec: \"celery\": executable file not found)" in fails[0].text
    assert fails[0].cause == ['exec: "celery": executable file not found']


def test_with_no_baseline_a_worker_that_exits_fails_the_image() -> None:
    fails, notes = workers.judge_alone(side(UP, BEAT_DOWN))
    assert [f.text for f in fails] == [
        "compose service 'beat' (`celery -A proj beat`) exited with status 1 after 2 s"
    ]
    assert notes and "still running" in notes[0]


def test_a_one_shot_service_that_exits_0_counts_as_up() -> None:
    done = workers.WorkerRun("collect", "python manage.py collectstatic", state="up", exit_code=0)
    assert done.up and done.describe() == "ran and exited 0"


def test_the_cause_shows_error_lines_that_lie_above_the_logs_end() -> None:
    # celery beat 5.4 as uid 10001 in a root-owned /app (seen on the lab): the traceback goes to
    # stderr as warnings of a few characters each, the banner to stdout, last.
    log = [
        "[2026-12-02 13:07:42,263: WARNING/MainProcess] _gdbm",
        "[2026-12-02 13:07:42,263: WARNING/MainProcess] error",
        "[2026-12-02 13:07:42,263: WARNING/MainProcess] [Errno 13] Permission denied: "
        "'celerybeat-schedule'",
        "celery beat v5.4.0 (opalescent) is starting.",
        "Configuration ->",
        "    . db -> celerybeat-schedule",
    ]
    down = workers.WorkerRun(
        "beat", "celery -A proj beat", state="down", exit_code=1, log_tail=log[-3:],
        error_lines=workers.error_lines(log),
    )
    fails, _ = workers.judge(side(BEAT_UP), side(down))
    assert fails[0].cause[0].endswith("[Errno 13] Permission denied: 'celerybeat-schedule'")
    assert fails[0].cause[1:] == log[-3:]


def test_a_service_the_app_names_and_the_worker_depends_on_is_started_once() -> None:
    # joebonneau/django-celery-redis: the server has no depends_on but names db and redis in
    # its environment; celery_worker depends on server and redis.
    web = built(
        "server",
        ports=(Port(8000),),
        environment={"POSTGRES_HOST": "db", "CELERY_BROKER_URL": "redis://redis:6379/0"},
    )
    worker = built("celery_worker", command=["celery"], depends_on=("server", "redis"))
    plan = plan_of(
        web, worker, Service(name="redis", image="redis:7"), Service(name="db", image="postgres:17")
    )
    assert sorted(s.name for s in plan.services) == ["db", "redis"]
    assert not any("worker 'celery_worker' depends on it" in n for n in plan.notes)


def test_a_worker_that_runs_but_never_says_ready_on_the_rewrite_is_named() -> None:
    retrying = workers.WorkerRun(
        "celery",
        "celery -A proj worker",
        state="up",
        log_tail=["consumer: Cannot connect to redis://localhost:6379//: Error 111 connecting"],
        error_lines=["consumer: Cannot connect to redis://localhost:6379//: Error 111 connecting"],
    )
    fails, notes = workers.judge(side(UP), side(retrying))
    assert fails == []
    assert notes == [
        "compose service 'celery' (`celery -A proj worker`) is still running on the rewrite after "
        "20 s but it did not say it was ready; the original did (celery@a ready.); its log "
        "ends: consumer: Cannot connect to redis://localhost:6379//: Error 111 connecting"
    ]


def test_a_one_shot_service_the_app_waits_for_runs_first() -> None:
    # compose: web depends_on migrate with `condition: service_completed_successfully`; run
    # beside the app (whose command migrates too), two migrates race on the empty database.
    web = built(
        "web",
        ports=(Port(8000),),
        depends_on=("migrate",),
        raw={"depends_on": {"migrate": {"condition": "service_completed_successfully"}}},
    )
    migrate = built("migrate", command=["python", "manage.py", "migrate"])
    worker = built("celery", command=["celery", "-A", "proj", "worker"])
    plan = plan_of(web, migrate, worker)
    assert [(w.name, w.first) for w in plan.workers] == [("migrate", True), ("celery", False)]
    assert any(
        "'migrate' runs this image too: run to completion before the app" in n for n in plan.notes
    )
    hung = workers.WorkerRun(
        "migrate", "python manage.py migrate", state="down",
        error="still running after 120 s; the app waits for it to complete",
    )
    assert hung.describe() == (
        "did not complete (still running after 120 s; the app waits for it to complete)"
    )


def test_no_default_pre_step_when_a_service_the_app_waits_for_migrates() -> None:
    web = built(
        "web",
        ports=(Port(8000),),
        command=["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"],
        depends_on=("db", "migrate"),
        raw={"depends_on": {"migrate": {"condition": "service_completed_successfully"}}},
    )
    migrate = built("migrate", command=["python", "manage.py", "migrate", "--noinput"])
    services = {s.name: s for s in (web, migrate, Service(name="db", image="postgres:16"))}
    compose = ComposeProject(ROOT, (ROOT / "docker-compose.yml",), services)
    project = DjangoProject(root=ROOT, manage_py="manage.py", database_engines=("postgresql",))
    plan = derive(project, DOCKERFILE, Flags(), compose, ROOT / "Dockerfile")
    assert plan.pre is None
    assert "a compose service the app waits for runs migrate first: no pre-step" in plan.notes
    # Beside the app (no condition), it is no substitute: the default pre-step stays.
    services["web"] = built("web", ports=(Port(8000),), depends_on=("db", "migrate"))
    compose = ComposeProject(ROOT, (ROOT / "docker-compose.yml",), services)
    assert derive(project, DOCKERFILE, Flags(), compose, ROOT / "Dockerfile").pre is not None


EMENU = (
    'FROM python:3.11-slim\nARG MODE="--without dev"\nARG APP_HOME=/server\n'
    "COPY . ${APP_HOME}\nWORKDIR ${APP_HOME}\nRUN pip install poetry && poetry install ${MODE}\n"
    'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
)


def _plan_with_args(app_args: dict[str, str], worker_args: dict[str, str]):  # type: ignore[no-untyped-def]
    web = built("django", ports=(Port(8000),), build_args=app_args)
    worker = built(
        "celery_worker", command=["celery", "-A", "config", "worker"], build_args=worker_args
    )
    compose = ComposeProject(ROOT, (ROOT / "docker-compose.yml",), {"django": web,
                                                                     "celery_worker": worker})
    project = DjangoProject(root=ROOT, manage_py="manage.py")
    return derive(project, EMENU, Flags(), compose, ROOT / "Dockerfile")


def test_a_worker_whose_build_args_differ_only_by_a_default_is_the_same_image() -> None:
    # EMenu124ru/backend: the app builds with MODE and APP_HOME=/server (the ARG's default),
    # celery_worker, celery_beat and flower with MODE alone: "another image, not started".
    plan = _plan_with_args({"MODE": "--with dev", "APP_HOME": "/server"}, {"MODE": "--with dev"})
    assert [w.name for w in plan.workers] == ["celery_worker"]
    # An arg the Dockerfile does not declare changes nothing either.
    plan = _plan_with_args({"MODE": "--with dev"}, {"MODE": "--with dev", "UNUSED": "1"})
    assert [w.name for w in plan.workers] == ["celery_worker"]


def test_a_worker_built_with_another_value_of_a_declared_arg_is_another_image() -> None:
    plan = _plan_with_args({"MODE": "--with dev"}, {"MODE": "--without dev"})
    assert plan.workers == ()
    assert any("'celery_worker' builds this Dockerfile with another target" in n
               for n in plan.notes)
    # Left out, a declared arg takes its default: "--without dev" is not "--with dev".
    assert _plan_with_args({"MODE": "--with dev"}, {}).workers == ()


def test_a_celery_worker_that_exits_0_after_a_traceback_is_down(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Rudra370/Youtube-Video-Django-Celery-Docker (verify15): `celery -A core worker -B` dies on
    # kombu's VersionMismatch and Celery exits 0; verify said "ran and exited 0", i.e. up, so a
    # rewrite whose worker crashed like that would have passed. A one-shot command that exits 0
    # is still up, and a worker that exits 0 cleanly too.
    import time

    log = [
        " -------------- celery@1e52138e6aae v5.2.7 (dawn-chorus)",
        "Traceback (most recent call last):",
        "kombu.exceptions.VersionMismatch: Redis transport requires redis-py versions 6.1.0 "
        "or later. You have 4.3.3",
    ]
    monkeypatch.setattr(workers.engine, "exit_code_if_exited", lambda _c: 0)
    monkeypatch.setattr(workers.engine, "logs_tail", lambda c, _n: log if c != "clean" else [])
    runs = {
        "after": [
            workers.WorkerRun("celery_worker", "celery -A core worker -B"),
            workers.WorkerRun("collect", "python manage.py collectstatic --noinput"),
            workers.WorkerRun("beat", "celery -A core beat"),
        ]
    }
    containers = {"after": {"celery_worker": "c1", "collect": "c2", "beat": "clean"}}
    workers.watch(containers, runs, time.monotonic(), seconds=5)
    worker, collect, beat = runs["after"]
    assert (worker.state, worker.exit_code) == ("down", 0)
    assert worker.describe().startswith("exited 0") and "after a traceback" in worker.describe()
    assert "VersionMismatch" in worker.log_tail[-1]
    assert collect.state == "up" and collect.describe() == "ran and exited 0"
    assert beat.state == "up"
    running = workers.WorkerRun("celery_worker", "celery -A core worker -B", state="up")
    fails, _ = workers.judge(side(running), side(worker))
    assert "exited 0" in fails[0].text and "after a traceback" in fails[0].text


def test_the_log_ends_with_the_exception_a_traceback_ends_with_whatever_its_name() -> None:
    # Veronika-MG/DRF-homework with its .env.sample (every value empty): the worker's note said
    # "its log ends: Traceback (most recent call last):", the exception below it has no
    # Error or Exception in its name.
    log = [
        "Traceback (most recent call last):",
        '  File "/usr/local/bin/celery", line 8, in <module>',
        "    sys.exit(main())",
        "             ^^^^^^",
        "KeyError: 'x'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        '  File "/usr/local/lib/python3.11/site-packages/django/conf/__init__.py", line 98',
        '    raise ImproperlyConfigured("The SECRET_KEY setting must not be empty.")',
        "django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.",
    ]
    down = workers.WorkerRun(
        "celery", "celery -A proj worker", state="down", exit_code=1, log_tail=log[-3:],
        error_lines=workers.error_lines(log),
    )
    fails, notes = workers.judge(side(down), side(down))
    assert fails == []
    assert notes[0].endswith(
        "its log ends: django.core.exceptions.ImproperlyConfigured: "
        "The SECRET_KEY setting must not be empty."
    )
    assert "KeyError: 'x'" in down.error_lines
    # a line a traceback does not end is judged by its words alone
    assert workers.error_lines(["Starting", "Done: all good"]) == []


def test_a_command_that_sleeps_first_is_watched_that_much_longer(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # asfawayalk/django-celery-redis-drf-docker: `bash -c "sleep 20; celery -A showcase beat"`
    # was watched for 20 s: beat had not started when the watch ended, and a beat that then
    # crashed counted as up on both sides. A crash after the sleep is seen now.
    import time

    started = time.monotonic()
    monkeypatch.setattr(
        workers.engine,
        "exit_code_if_exited",
        lambda c: 1 if c == "beat" and time.monotonic() - started >= 1.0 else None,
    )
    monkeypatch.setattr(workers.engine, "logs_tail", lambda _c, _n: [])
    command = workers.shown_command(
        ["/bin/bash", "-c", "\n    sleep 1;\n    celery -A showcase beat -l INFO;\n"], None
    )
    assert command == "/bin/bash -c ' sleep 1; celery -A showcase beat -l INFO; '"
    runs = {
        "after": [
            workers.WorkerRun("beat", command),
            workers.WorkerRun("worker", "celery -A showcase worker"),
        ]
    }
    workers.watch({"after": {"beat": "beat", "worker": "w"}}, runs, started, seconds=0.5)
    beat, worker = runs["after"]
    assert (beat.state, beat.exit_code) == ("down", 1)
    assert worker.state == "up" and worker.describe() == "is still running after 0 s"
    assert beat.watched == 1.5 and workers.watch_seconds(runs, 0.5) == 1.5


def test_sleep_seconds() -> None:
    assert workers.sleep_seconds("sh -c 'sleep 5 && sleep 2.5s; celery -A p worker'") == 7.5
    assert workers.sleep_seconds("bash -c \"sleep 7;celery -A p worker\"") == 7
    assert workers.sleep_seconds("celery -A sleepy worker --sleep 3x") == 0
    # the command itself, not a wait before it (tests/test_verify_worker_exit0_e2e.py's beat)
    assert workers.sleep_seconds("/bin/sh -c 'exec sleep 60' celery -A core beat") == 0
    assert workers.sleep_seconds("sh -c 'sleep 5; '") == 0
    longest = workers.MAX_SLEEP_SECONDS
    assert workers.sleep_seconds("sh -c 'sleep 3600; celery -A p beat'") == longest


def test_an_exit_is_timed_by_the_engine_not_by_when_the_watch_saw_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Scatenarafael/django-docker-celery: the watch began after the probes, 43 s after the
    # workers started, and said beat "exited with status 1 after 43 s"; it had exited within
    # seconds (a table the app's migrate had not made yet).
    import time
    from types import SimpleNamespace

    from optimizer import engine

    beat = SimpleNamespace(attrs={"State": {
        "StartedAt": "2026-12-04T00:52:21.123456789Z",
        "FinishedAt": "2026-12-04T00:52:24.623456789Z",
    }})
    monkeypatch.setattr(workers.engine, "exit_code_if_exited", lambda _c: 1)
    monkeypatch.setattr(workers.engine, "logs_tail", lambda _c, _n: [])
    runs = {"after": [workers.WorkerRun("beat", "celery -A core beat")]}
    workers.watch({"after": {"beat": beat}}, runs, time.monotonic() - 42, seconds=20)
    assert runs["after"][0].seconds == 3.5
    assert runs["after"][0].describe() == "exited with status 1 after 4 s"
    # what the engine gives when it has no times: the watch's own reckoning
    assert engine.ran_seconds(SimpleNamespace(attrs={"State": {
        "StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "0001-01-01T00:00:00Z"}})) is None
    assert engine.ran_seconds("not a container") is None
    assert engine.ran_seconds(SimpleNamespace(attrs={"State": {
        "StartedAt": "2026-12-04T01:00:00+01:00", "FinishedAt": "2026-12-04T00:00:02Z"}})) == 2.0
