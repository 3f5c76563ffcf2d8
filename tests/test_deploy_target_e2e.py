"""On the lab engine: the deployed stage is not the last one. Example 01's app in a
`production` stage with a shell-form gunicorn CMD, then `FROM production AS dev` whose CMD only
keeps the container up (torchbox's Wagtail layout); heroku.yml deploys `target: production`.

Before, the rewrite went to `dev` (nothing to fix there: "no CMD starts a web server") and
verify built `dev`, which serves nothing. Now the changes go to `production` (exec form: gunicorn
is PID 1 and stops on docker stop's SIGTERM), and verify builds and probes `production` on both
sides."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import example_copy, verify_write_stops_after

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM python:3.11 AS production
ENV PYTHONUNBUFFERED=1
WORKDIR /app
COPY . /app
RUN pip install -r requirements.txt
EXPOSE 8000
CMD gunicorn mysite.wsgi:application --bind 0.0.0.0:8000

FROM production AS dev
CMD ["tail", "-f", "/dev/null"]
"""


def test_the_stage_heroku_deploys_is_rewritten_and_verified(tmp_path: Path) -> None:
    root = example_copy("01-tutorial", tmp_path / "app")
    (root / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\n")
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "heroku.yml").write_text(
        "build:\n  docker:\n    web:\n      dockerfile: Dockerfile\n      target: production\n"
    )
    output = verify_write_stops_after(root / "Dockerfile")
    assert "deployed stage: production (heroku.yml's target)" in output, output
    assert "both sides build stage 'production' (the deployed stage: heroku.yml's target)" in (
        " ".join(output.split())
    ), output
    written = (root / "Dockerfile").read_text()
    production, dev = written.split("FROM production AS dev")
    assert 'CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]' in production
    assert dev == '\nCMD ["tail", "-f", "/dev/null"]\n'
