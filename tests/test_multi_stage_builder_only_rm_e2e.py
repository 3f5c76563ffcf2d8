"""On the lab engine: `RUN rm /tmp/requirements.txt` after the install (sweep26,
mordaha/django-docker-seed) builds after the multi-stage split.

Before sweep26 the final stage kept the `rm` of a file the split had copied into the builder
only: `rm: cannot remove '/tmp/requirements.txt': No such file or directory`, and the image did
not build.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import built_image, rewrite_in_place, write_skeleton

pytestmark = pytest.mark.engine

_DOCKERFILE = """\
FROM python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
RUN rm /tmp/requirements.txt
WORKDIR /code
COPY . /code/
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
"""


def test_the_split_image_builds_and_imports_the_app(tmp_path: Path) -> None:
    root = write_skeleton(tmp_path / "app")
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n")
    (root / "Dockerfile").write_text(_DOCKERFILE)
    written = rewrite_in_place(root, ["multi-stage"])
    assert "AS builder" in written, written
    with built_image(root, "builder-only-rm") as tag:
        run = subprocess.run(
            ["docker", "run", "--rm", "--label", "dj-optimize.test=builder-only-rm", tag,
             "python", "-c", "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'mysite.settings'; "
             "import django; django.setup(); import mysite.wsgi, psycopg2; "
             "print(os.path.exists('/tmp/requirements.txt'))"],
            capture_output=True, text=True, timeout=120, check=False,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "False"
