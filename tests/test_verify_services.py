"""Readiness of throwaway services (optimizer/verify/services.py), against local sockets.

docker-proxy accepts a connection on the published port even when nothing listens inside the
container, then closes it: readiness must tell that apart from a real server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from optimizer.verify import services
from optimizer.verify.runplan import ServiceSpec
from optimizer.verify.services import container_name, tcp_ready


@contextmanager
def server(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                handle(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        done.set()
        listener.close()
        thread.join(timeout=5)


def silent(conn: socket.socket) -> None:
    conn.settimeout(1.5)
    with contextlib.suppress(OSError):
        conn.recv(64)  # a server waiting for its client to speak


def closes_at_once(conn: socket.socket) -> None:
    """What docker-proxy does when the container's port has no listener yet."""


def postgres(conn: socket.socket) -> None:
    conn.settimeout(3)
    if len(conn.recv(8)) == 8:
        conn.sendall(b"N")  # no SSL, go on


def redis(conn: socket.socket) -> None:
    conn.settimeout(3)
    if conn.recv(64).startswith(b"PING"):
        conn.sendall(b"+PONG\r\n")


def test_an_open_silent_server_is_ready_and_an_immediate_close_is_not() -> None:
    with server(silent) as port:
        assert tcp_ready(port, "mailhog/mailhog")
    with server(closes_at_once) as port:
        assert not tcp_ready(port, "mailhog/mailhog")


def test_postgres_and_redis_must_answer_their_protocol() -> None:
    with server(postgres) as port:
        assert tcp_ready(port, "postgres:17")
    with server(silent) as port:
        assert not tcp_ready(port, "postgres:17")
    with server(redis) as port:
        assert tcp_ready(port, "redis:7")
    with server(closes_at_once) as port:
        assert not tcp_ready(port, "redis:7")


def test_nothing_listening_is_not_ready() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    assert not tcp_ready(port, "redis:7")


def test_container_names_are_unique_per_run_and_side() -> None:
    spec = ServiceSpec(name="diagnosis.db", image="postgres:17")
    assert (
        container_name("djopt-verify-1", "before", spec) == "djopt-verify-1-before-svc-diagnosis.db"
    )
    assert container_name("djopt-verify-1", "after", spec) != container_name(
        "djopt-verify-1", "before", spec
    )


def test_missing_images_name_the_lab_alias_only_for_official_stand_ins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from optimizer import engine
    from optimizer.verify.services import missing_images

    monkeypatch.setattr(engine, "image_exists", lambda ref: ref == "redis:7")
    specs = [
        ServiceSpec(name="db", image="postgres", origin="compose service db"),
        ServiceSpec(name="cache", image="redis:7", origin="compose service cache"),
        ServiceSpec(name="es", image="docker.elastic.co/elasticsearch/elasticsearch:8.15.3"),
        ServiceSpec(name="stack", image="redis/redis-stack:7.2.0-v10"),
    ]
    found = missing_images(specs)
    assert len(found) == 3
    assert found[0].startswith("compose service db needs image postgres, which is not here")
    assert "images-up --alias postgres:latest" in found[0]
    assert all("images-up" not in line for line in found[1:])
    assert "`docker pull redis/redis-stack:7.2.0-v10`" in found[2]


def test_a_missing_service_image_is_the_verdicts_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A real project (its compose file names elasticsearch and redis-stack): the run stopped
    # before building, inconclusive, with an empty list of reasons: the report said nothing.
    from optimizer import engine
    from optimizer.verify import VerifyOptions, verify
    from optimizer.verify.runplan import RunPlan

    monkeypatch.setattr(engine, "engine_available", lambda: True)
    monkeypatch.setattr(engine, "image_exists", lambda ref: False)
    built: list[str] = []
    monkeypatch.setattr(engine, "build", lambda *a, **k: built.append("build"))
    monkeypatch.setattr(engine, "remove", lambda **k: [])
    monkeypatch.setattr(engine, "find_labelled", lambda run_id=None: engine.Labelled())
    plan = RunPlan(services=(ServiceSpec(name="es", image="elasticsearch:8.15.3"),))
    text = {"Dockerfile": "FROM scratch\n"}
    report = verify(Path("."), text, text, VerifyOptions(run_plan=plan))
    assert not built
    assert report.verdict == "inconclusive" and not report.passed
    assert [r.text for r in report.verdict_reasons] == report.inconclusive
    assert "elasticsearch:8.15.3, which is not here" in report.reasons[0]
    assert report.cleaned_up


def test_a_service_that_is_not_ready_is_named_with_its_cause() -> None:
    # The verdict's reason said only "the original's services did not become ready"; the cause
    # (a real project's compose sets no POSTGRES_PASSWORD) was in the notes alone.
    from optimizer.verify import services_unready
    from optimizer.verify.services import ServiceStatus

    status = ServiceStatus(
        name="db",
        image="postgres",
        container="c",
        error="exited before it was ready",
        log_tail=["Error: Database is uninitialized", "Set POSTGRES_PASSWORD.", ""],
    )
    assert services_unready(status) == (
        "service db (postgres): exited before it was ready; its log ends: Set POSTGRES_PASSWORD."
    )


def test_an_interrupted_run_says_where_it_was(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # On the lab machine BuildKit wedged and a real project's build hung until the 10-minute
    # timeout's SIGINT: the report said "interrupted by SIGINT" and not that it was building.
    from optimizer import engine
    from optimizer.verify import VerifyOptions, verify

    def hang(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "engine_available", lambda: True)
    monkeypatch.setattr(engine, "build", hang)
    monkeypatch.setattr(engine, "remove", lambda **k: [])
    monkeypatch.setattr(engine, "find_labelled", lambda run_id=None: engine.Labelled())
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    text = {"Dockerfile": "FROM scratch\n"}
    report = verify(tmp_path, text, text, VerifyOptions())
    assert report.verdict == "inconclusive" and report.interrupted_by == "SIGINT"
    assert report.verdict_reasons[0].text == "interrupted by SIGINT: nothing was proven"
    assert report.verdict_reasons[0].cause == ["it was at: before: cold build (--no-cache)"]
    assert report.cleaned_up


def test_a_second_signal_does_not_replace_where_the_run_was(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # django-celery-redis-drf-docker under a 10-minute `timeout -s INT`: a second SIGINT came
    # while the build unwound, and the reason said "it was at: SIGINT: still cleaning up,
    # please wait" instead of the build step.
    import os
    import signal

    from optimizer import engine
    from optimizer.verify import VerifyOptions, verify

    def interrupted_twice(*args: object, **kwargs: object) -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            signal.pause()  # not reached: the handler raises KeyboardInterrupt
        finally:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(engine, "engine_available", lambda: True)
    monkeypatch.setattr(engine, "build", interrupted_twice)
    monkeypatch.setattr(engine, "remove", lambda **k: [])
    monkeypatch.setattr(engine, "find_labelled", lambda run_id=None: engine.Labelled())
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    text = {"Dockerfile": "FROM scratch\n"}
    shown: list[str] = []
    previous = signal.getsignal(signal.SIGINT)
    try:
        report = verify(tmp_path, text, text, VerifyOptions(), shown.append)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert report.verdict_reasons[0].cause == ["it was at: before: cold build (--no-cache)"]
    assert "SIGINT: still cleaning up, please wait" in shown


@pytest.mark.parametrize(
    ("image", "command", "entrypoint", "expected"),
    [
        ("postgres:17", ["-c", "fsync=off"], None, ["postgres", "-c", "fsync=off"]),
        ("docker.io/library/postgres", ["-c", "x=1"], None, ["postgres", "-c", "x=1"]),
        ("redis:7-alpine", ["--appendonly", "yes"], None,
         ["redis-server", "--appendonly", "yes", "--protected-mode", "no", "--bind", "0.0.0.0"]),
        ("redis:7", ["/etc/redis.conf"], None, ["redis-server", "/etc/redis.conf"]),
        ("redis:7", ["redis-server", "--bind", "0.0.0.0"], None,
         ["redis-server", "--bind", "0.0.0.0"]),
        ("mariadb:10.11", ["--character-set-server=utf8mb4"], None,
         ["mariadbd", "--character-set-server=utf8mb4"]),
        ("mysql:8", ["--default-authentication-plugin=mysql_native_password"], None,
         ["mysqld", "--default-authentication-plugin=mysql_native_password"]),
        # A whole command, an entrypoint of the service's own, another image: as written.
        ("postgres:17", ["postgres", "-c", "fsync=off"], None, ["postgres", "-c", "fsync=off"]),
        ("redis:7", ["redis-server", "--save", ""], None,
         ["redis-server", "--save", "", "--protected-mode", "no", "--bind", "0.0.0.0"]),
        ("redis:7", ["sh", "-c", "redis-server"], None, ["sh", "-c", "redis-server"]),
        ("postgres:17", ["-c", "fsync=off"], ["/init.sh"], ["-c", "fsync=off"]),
        ("postgis/postgis:16-3.4", ["-c", "fsync=off"], None, ["-c", "fsync=off"]),
        ("registry:5000/postgres", ["-c", "x=1"], None, ["-c", "x=1"]),
        ("postgres:17", None, None, None),
    ],
)
def test_an_options_only_command_gets_the_official_images_server(
    image: str, command: list[str] | None, entrypoint: list[str] | None,
    expected: list[str] | None,
) -> None:
    assert services.server_command(image, command, entrypoint) == expected


def test_container_names_keep_only_what_docker_allows() -> None:
    spec = ServiceSpec(name="café db", image="postgres:17")
    assert container_name("djopt-verify-1", "after", spec) == "djopt-verify-1-after-svc-caf--db"
