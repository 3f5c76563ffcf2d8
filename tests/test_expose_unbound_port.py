"""fix-cmd-binding replaces an EXPOSEd port nothing listens on when the CMD's server is the
container's only process and binds a port the command spells out (`EXPOSE 80` beside
`gunicorn --bind 0.0.0.0:8000`). Before, 8000 was appended (`EXPOSE 80 8000`): the image kept
documenting a door nothing opens, and `docker run -P` or a platform reading the first EXPOSE
still went to 80. Where something else may listen (an ENTRYPOINT script, a compose service's
own command on this image) or the port is a default the reading may have wrong, 8000 is
appended as before."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import built_image, write_skeleton

from optimizer import compose
from optimizer.pipeline import optimize

HEAD = (
    "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
)


def _expose(tmp_path: Path, tail: str, compose_file: str | None = None) -> str:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(HEAD + tail)
    if compose_file is not None:
        (tmp_path / "compose.yaml").write_text(compose_file)
    text = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"]).files.get(
        "Dockerfile", HEAD + tail
    )
    return next(line for line in text.splitlines() if line.startswith("EXPOSE"))


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ('EXPOSE 80\nCMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n', "EXPOSE 8000"),
        ('EXPOSE 80 443\nCMD ["gunicorn", "mysite.wsgi", "--bind=:8000"]\n', "EXPOSE 8000"),
        (
            'EXPOSE 5000\nCMD ["python", "manage.py", "runserver", "127.0.0.1:8000"]\n',
            "EXPOSE 8000",
        ),
        # Already listed: nothing to do.
        (
            'EXPOSE 80 8000\nCMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n',
            "EXPOSE 80 8000",
        ),
        # No port written: gunicorn is bound to the EXPOSEd one, which stays.
        ('EXPOSE 80\nCMD ["gunicorn", "mysite.wsgi"]\n', "EXPOSE 80"),
        # Shell form: the shell may start more than the server.
        ("EXPOSE 80\nCMD gunicorn mysite.wsgi -b 0.0.0.0:8000\n", "EXPOSE 80 8000"),
        # A variable or a protocol: left as written.
        (
            'ENV P=80\nEXPOSE $P\nCMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n',
            "EXPOSE $P 8000",
        ),
        (
            'EXPOSE 80/udp\nCMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n',
            "EXPOSE 80/udp 8000",
        ),
    ],
)
def test_expose(tmp_path: Path, tail: str, expected: str) -> None:
    assert _expose(tmp_path, tail) == expected


@pytest.mark.skipif(
    not compose.compose_available() and not os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"),
    reason="the docker compose plugin is not installed",
)
def test_a_compose_service_running_another_command_keeps_the_port(tmp_path: Path) -> None:
    """flower on 5555 from the same image: the EXPOSE may be its."""
    service = (
        "services:\n  web:\n    build: .\n  flower:\n    build: .\n"
        "    command: celery -A mysite flower --port=80\n"
    )
    tail = 'EXPOSE 80\nCMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n'
    assert _expose(tmp_path, tail, service) == "EXPOSE 80 8000"


def _answers(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                return response.status in (200, 404)
        except urllib.error.HTTPError as exc:
            return exc.code in (200, 404)
        except OSError:
            time.sleep(0.5)
    return False


@pytest.mark.engine
def test_the_exposed_port_reaches_the_server_after(tmp_path: Path) -> None:
    """What `docker run -P` or a platform does with the image: publish its EXPOSEd port (here
    on 127.0.0.1) and connect. On the original that is 80, where nothing answers; on the
    rewrite 8000, where gunicorn answers."""
    write_skeleton(tmp_path)
    settings = tmp_path / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + 'ALLOWED_HOSTS = ["*"]\n')
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (tmp_path / "Dockerfile").write_text(
        HEAD + 'EXPOSE 80\nCMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]\n'
    )
    results: dict[str, tuple[list[int], bool]] = {}
    for side in ("before", "after"):
        if side == "after":
            outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
            (tmp_path / "Dockerfile").write_text(outcome.files["Dockerfile"])
        with built_image(tmp_path, f"expose-{side}") as tag:
            inspect = subprocess.run(
                ["docker", "image", "inspect", "-f", "{{json .Config.ExposedPorts}}", tag],
                check=True,
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout
            exposed = sorted(int(p.split("/")[0]) for p in json.loads(inspect))
            name = f"{tag}-run"
            try:
                subprocess.run(
                    ["docker", "run", "-d", "--name", name, "-p", f"127.0.0.1::{exposed[0]}", tag],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                published = subprocess.run(
                    ["docker", "port", name, f"{exposed[0]}/tcp"],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=30,
                ).stdout.splitlines()[0]
                port = int(published.rsplit(":", 1)[1])
                results[side] = (exposed, _answers(port, time.monotonic() + 30))
            finally:
                subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
    assert results == {"before": ([80], False), "after": ([8000], True)}, results
