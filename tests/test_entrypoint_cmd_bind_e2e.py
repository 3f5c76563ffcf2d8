"""On the lab engine: a server named by an exec-form ENTRYPOINT whose arguments, the bind among
them, come from the CMD (`ENTRYPOINT ["gunicorn"]`, `CMD ["mysite.wsgi:application", "--bind",
"127.0.0.1:8000"]`). The container runs both as one command; the fix goes into the CMD. Before,
a second `--bind 0.0.0.0:8000` went into the ENTRYPOINT, beside the CMD's own. `--verify
--write` on example 01 passes: the rewrite answers on the published port."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import example_copy
from typer.testing import CliRunner

from optimizer.cli import app

pytestmark = pytest.mark.engine


def test_bind_in_the_cmd_of_an_entrypoint_server_is_fixed_there(tmp_path: Path) -> None:
    root = example_copy("01-tutorial", tmp_path / "app")
    dockerfile = root / "Dockerfile"
    text = dockerfile.read_text()
    assert "CMD python manage.py runserver 0.0.0.0:8000" in text
    dockerfile.write_text(
        text.replace(
            "CMD python manage.py runserver 0.0.0.0:8000",
            'ENTRYPOINT ["gunicorn"]\n'
            'CMD ["mysite.wsgi:application", "--bind", "127.0.0.1:8000"]',
        )
    )
    result = CliRunner().invoke(app, ["--verify", "--no-rebuild", "--write", str(dockerfile)])
    assert result.exit_code == 0, result.output
    assert "verify: PASS" in result.output, result.output
    written = dockerfile.read_text()
    assert 'ENTRYPOINT ["gunicorn"]\n' in written, written
    assert 'CMD ["mysite.wsgi:application", "--bind", "0.0.0.0:8000"]' in written, written


def test_shell_form_cmd_of_a_script_binding_localhost_is_fixed(tmp_path: Path) -> None:
    """`CMD ./entrypoint.sh` (shell form) whose script starts gunicorn on 127.0.0.1: the
    original image answers nobody; the rewrite runs the script as PID 1 with the bind fixed in
    the script, and verify passes on it."""
    root = example_copy("01-tutorial", tmp_path / "app")
    dockerfile = root / "Dockerfile"
    text = dockerfile.read_text()
    dockerfile.write_text(
        text.replace("CMD python manage.py runserver 0.0.0.0:8000", "CMD ./entrypoint.sh")
    )
    script = root / "entrypoint.sh"
    script.write_text(
        "#!/bin/sh\nset -e\npython manage.py migrate --noinput\n"
        "gunicorn mysite.wsgi:application --bind 127.0.0.1:8000\n"
    )
    script.chmod(0o755)
    result = CliRunner().invoke(app, ["--verify", "--no-rebuild", "--write", str(dockerfile)])
    assert "verify: PASS" in result.output, result.output
    assert result.exit_code == 0, result.output
    assert 'CMD ["./entrypoint.sh"]' in dockerfile.read_text()
    assert "exec gunicorn mysite.wsgi:application --bind 0.0.0.0:8000" in script.read_text()
