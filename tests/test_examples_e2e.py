"""End to end on the lab engine: the original and the rewritten image of each example build,
both serve, and they answer the same requests; the rewritten one is smaller and reachable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from optimizer.pipeline import optimize
from optimizer.verify import VerifyOptions, verify

EXAMPLES = Path(__file__).parent.parent / "examples"

pytestmark = pytest.mark.engine


@pytest.mark.parametrize(
    "name",
    [
        "01-tutorial",  # pip, psycopg2 from source, runserver
        "02-psycopg2-full-base",  # gunicorn, psycopg2 and Pillow on the full base, no WORKDIR
        "03-poetry",
        "04-pipenv",
        "05-uv",
        "12-pep621",  # `pip install .` of the project itself
        "06-gunicorn-localhost",  # the original is reachable only from inside its container
        "11-app-needs-dotfile",  # the new .dockerignore must keep the file the app reads
    ],
)
def test_rewritten_example_serves_the_same(name: str, tmp_path: Path) -> None:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root, ignore=shutil.ignore_patterns("*.expected"))
    outcome = optimize(root / "Dockerfile", root)
    assert outcome.changed
    after = dict(outcome.files)
    before = {"Dockerfile": (root / "Dockerfile").read_text()}
    probes = ["/", "/healthz", "/admin/login/"]
    # Cached builds: what is proven here is the serving, not build times (the bench has those);
    # examples with the same requirements then share their install layers.
    report = verify(
        root,
        before,
        after,
        VerifyOptions(probes=probes, measure_rebuild=False, cold_build=False),
    )
    assert report.passed, report.reasons
    assert report.after.serving == "host"
    assert report.probes_equal == {p: True for p in probes}
    assert all(p.status == 200 for p in report.after.probes)
    assert report.before.image_size is not None and report.after.image_size is not None
    assert report.after.image_size < report.before.image_size
    # Without a WORKDIR the app lives in /, where non-root is refused on purpose.
    assert report.after.uid != 0 or name in {
        "02-psycopg2-full-base", "06-gunicorn-localhost", "11-app-needs-dotfile"
    }
    assert report.after.stopped_on_sigterm
    if name == "06-gunicorn-localhost":
        assert report.before.serving == "container"
    if name == "11-app-needs-dotfile":
        assert "!.env.defaults" in after[".dockerignore"].splitlines()
