"""The opt-in healthcheck transform: when it runs, what its check accepts, and that Docker sees
the container become healthy."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import write_skeleton
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.dockerfile import Dockerfile
from optimizer.init import generate
from optimizer.pipeline import optimize
from transforms.base import Context, Options
from transforms.healthcheck import Healthcheck, _health_path

FIXTURES = Path(__file__).parent / "fixtures" / "init"
runner = CliRunner()
GUNICORN = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
    'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
)


def _project(root: Path, dockerfile: str) -> Path:
    write_skeleton(root)
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (root / "Dockerfile").write_text(dockerfile)
    return root


def test_opt_in_only(tmp_path: Path) -> None:
    root = _project(tmp_path, GUNICORN)
    default = optimize(root / "Dockerfile", root)
    assert "HEALTHCHECK" not in default.files["Dockerfile"]
    assert "healthcheck" not in [c.transform for c in default.changes + default.skipped]
    for kwargs in ({"options": Options(healthcheck=True)}, {"only": ["healthcheck"]}):
        outcome = optimize(root / "Dockerfile", root, **kwargs)  # type: ignore[arg-type]
        assert "\nHEALTHCHECK --interval=30s" in outcome.files["Dockerfile"]
    flag = runner.invoke(app, ["--json", "--healthcheck", str(root / "Dockerfile")])
    assert "HEALTHCHECK" in json.loads(flag.stdout)["files"]["Dockerfile"]
    # --skip wins over the option.
    skipped = optimize(
        root / "Dockerfile", root, skip=["healthcheck"], options=Options(healthcheck=True)
    )
    assert "HEALTHCHECK" not in skipped.files["Dockerfile"]


@pytest.mark.parametrize(
    ("dockerfile", "reason"),
    [
        (
            GUNICORN.replace('"gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"', '"celery"'),
            "no CMD",
        ),
        (GUNICORN.replace("0.0.0.0:8000", "unix:/run/g.sock"), "unix socket"),
        (GUNICORN.replace("python:3.11-slim", "debian:bookworm-slim"), "not built on a python"),
    ],
)
def test_never_added_without_a_reachable_server(
    tmp_path: Path, dockerfile: str, reason: str
) -> None:
    root = _project(tmp_path, dockerfile)
    outcome = optimize(root / "Dockerfile", root, only=["healthcheck"])
    assert outcome.files == {}
    assert any(reason in n for c in outcome.skipped for n in c.notes)


def test_health_path_from_the_urlconf(tmp_path: Path) -> None:
    def ctx(paths: list[str]) -> Context:
        return Context(SimpleNamespace(url_paths=paths), tmp_path)  # type: ignore[arg-type]

    assert _health_path(ctx([])) == "/"
    assert _health_path(ctx(["admin/", "api/v1/", "healthz"])) == "/healthz"
    assert _health_path(ctx(["status/", "health/"])) == "/health/"
    assert _health_path(ctx(["healthz/<int:pk>/", "about/"])) == "/"
    df = Dockerfile.parse(GUNICORN)
    project = SimpleNamespace(url_paths=["ping"], dependencies=None)
    result = Healthcheck().apply(df, Context(project, tmp_path))  # type: ignore[arg-type]
    assert "c.request('GET', '/ping'" in result.dockerfile.render()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = int(self.path.strip("/") or 200)
        self.server.seen_hosts.append(self.headers["Host"])  # type: ignore[attr-defined]
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "https://localhost/elsewhere")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _check_code(port: int, path: str) -> str:
    """The Python one-liner the transform writes, for this port and path."""
    df = Dockerfile.parse(GUNICORN.replace("0.0.0.0:8000", f"0.0.0.0:{port}"))
    ctx = Context(SimpleNamespace(url_paths=[]), Path("."))  # type: ignore[arg-type]
    text = Healthcheck().apply(df, ctx).dockerfile.render()
    argv = json.loads(text.split("    CMD ", 1)[1].splitlines()[0])
    assert argv[:2] == ["python", "-c"]
    return str(argv[2]).replace("'GET', '/'", f"'GET', '{path}'")


def test_the_check_itself_against_a_server() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    server.seen_hosts = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        for path, healthy in (
            ("/200", True),
            ("/301", True),
            ("/400", True),
            ("/404", True),
            ("/500", False),
            ("/503", False),
        ):
            done = subprocess.run(
                [sys.executable, "-c", _check_code(port, path)], capture_output=True, timeout=30
            )
            assert (done.returncode == 0) == healthy, (path, done.stderr)
            assert done.returncode in (0, 1)
        assert set(server.seen_hosts) == {"localhost"}  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
    # Nothing listens any more: unhealthy, not a hang.
    refused = subprocess.run(
        [sys.executable, "-c", _check_code(port, "/")], capture_output=True, timeout=30
    )
    assert refused.returncode == 1


@pytest.mark.engine
def test_container_becomes_healthy(tmp_path: Path) -> None:
    from optimizer import engine

    root = tmp_path / "pip"
    shutil.copytree(FIXTURES / "pip", root)
    generated = generate(root, options=Options(healthcheck=True))
    dockerfile = generated.files["Dockerfile"]
    assert "HEALTHCHECK" in dockerfile
    (root / ".dockerignore").write_text(generated.files[".dockerignore"])
    tag = f"initwrite-health-{uuid.uuid4().hex[:8]}"
    name = f"{tag}-c"
    try:
        built = engine.build(root, dockerfile, tag, timeout=900)
        assert built.ok, "\n".join(built.log_tail)
        container = engine.run_container(tag, name, port=8000, env={})
        status = None
        deadline = time.monotonic() + 150  # first check after one 30 s interval
        while time.monotonic() < deadline:
            container.reload()
            status = (container.attrs["State"].get("Health") or {}).get("Status")
            if status in {"healthy", "unhealthy"}:
                break
            time.sleep(2)
        health = container.attrs["State"].get("Health") or {}
        assert status == "healthy", (health, engine.logs_tail(container))
        assert health["Log"][-1]["ExitCode"] == 0
    finally:
        assert engine.remove(containers=[name], images=[tag]) == []
