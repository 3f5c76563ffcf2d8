"""A server after a start script that serves in the foreground itself (transforms/
fix_cmd_binding.py, `_script_server_before`).

sweep24: Alexsandr250897/Task__manager has `CMD ./entrypoint.sh && python manage.py runserver
0.0.0.0:8000`, and entrypoint.sh ends with its own `python manage.py runserver 0.0.0.0:8000`.
The rewrite made it `["sh", "-c", "./entrypoint.sh && exec python manage.py runserver ..."]`
with STOPSIGNAL SIGINT and said "the server now replaces the shell, so SIGTERM reaches it and
docker stop is immediate". It does not: the script's server is what runs, under the script's
bash under sh (PID 1), and the `exec` after `&&` never runs while it serves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SKELETON

from optimizer.pipeline import optimize

SCRIPT = (
    "#!/bin/bash\npython manage.py makemigrations\npython manage.py migrate\n"
    "python manage.py runserver 0.0.0.0:8000"
)
DOCKERFILE = """\
FROM python:3.11
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
EXPOSE 8000
COPY ./entrypoint.sh ./
RUN chmod +x entrypoint.sh
COPY . ./
CMD ./entrypoint.sh && python manage.py runserver 0.0.0.0:8000
"""


def _run(tmp_path: Path, script: str = SCRIPT, dockerfile: str = DOCKERFILE) -> tuple[str, str]:
    for rel, content in {**SKELETON, "requirements.txt": "Django==5.1.4\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    (tmp_path / "entrypoint.sh").write_text(script)
    (tmp_path / "Dockerfile").write_text(dockerfile)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["fix-cmd-binding"])
    said = " ".join(n for c in [*outcome.changes, *outcome.skipped] for n in c.notes)
    return outcome.files.get("Dockerfile", dockerfile), said


@pytest.mark.parametrize(
    ("script", "cmd"),
    [
        (SCRIPT, "CMD ./entrypoint.sh && python manage.py runserver 0.0.0.0:8000"),
        (SCRIPT.replace("python manage.py runserver", "exec python manage.py runserver"),
         "CMD ./entrypoint.sh && python manage.py runserver 0.0.0.0:8000"),
        (SCRIPT.replace("python manage.py runserver 0.0.0.0:8000",
                        "gunicorn mysite.wsgi -b 0.0.0.0:8000"),
         'CMD ["sh", "-c", "sh entrypoint.sh && gunicorn mysite.wsgi -b 0.0.0.0:8000"]'),
    ],
)
def test_the_command_after_a_serving_script_is_left_with_the_reason(
    tmp_path: Path, script: str, cmd: str
) -> None:
    dockerfile = DOCKERFILE.replace(
        "CMD ./entrypoint.sh && python manage.py runserver 0.0.0.0:8000", cmd
    )
    out, said = _run(tmp_path, script, dockerfile)
    assert out == dockerfile, out
    assert "STOPSIGNAL" not in out
    assert "now replaces the shell" not in said, said
    assert "entrypoint.sh runs `" in said and "in the foreground" in said, said


@pytest.mark.parametrize(
    "script",
    [
        # Nothing served there: the CMD's server is what runs, and `exec` makes it PID 1.
        "#!/bin/bash\npython manage.py migrate\n",
        # Served in the background, or only on one branch: not known to block.
        SCRIPT + " &\n",
        "#!/bin/bash\nif [ \"$DEV\" = 1 ]; then\n  python manage.py runserver 0.0.0.0:8000\nfi\n",
    ],
)
def test_other_scripts_before_the_server_still_get_exec(tmp_path: Path, script: str) -> None:
    out, _ = _run(tmp_path, script)
    assert 'exec python manage.py runserver 0.0.0.0:8000"]' in out, out
    assert "STOPSIGNAL SIGINT" in out, out
