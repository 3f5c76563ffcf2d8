"""On the lab engine: an entrypoint that runs django-compressor's offline `manage.py compress` at
every start writes COMPRESS_ROOT/CACHE as the image's user. Before, COMPRESS_OFFLINE made the
settings reader say "nothing written at run time", non-root handed the directory to nobody, and
the rewrite's container exited at start: `CommandError: ... [Errno 13] Permission denied:
'/app/assets/CACHE'` (the repository keeps assets/, so the source COPY brings it root-owned)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import built_image, rewrite_in_place

pytestmark = pytest.mark.engine

CASE = Path(__file__).parent / "golden" / "non-root" / "offline-compress-at-start"
LIST = "import os; print(os.getuid(), sorted(os.listdir('/app/assets/CACHE')))"


def test_compress_at_start_writes_as_the_app(tmp_path: Path) -> None:
    root = tmp_path / "ctx"
    shutil.copytree(CASE, root, ignore=shutil.ignore_patterns("expected.Dockerfile"))
    rewrite_in_place(root, ["non-root"])
    assert "USER 10001" in (root / "Dockerfile").read_text()
    with built_image(root, "offline-compress") as tag:
        # The image's ENTRYPOINT runs `manage.py compress --force`, then this command.
        ran = subprocess.run(
            ["docker", "run", "--rm", tag, "python", "-c", LIST],
            capture_output=True, text=True, timeout=120,
        )
        assert ran.returncode == 0, ran.stderr[-3000:] + ran.stdout[-3000:]
        assert "Compressed 1 block(s)" in ran.stdout, ran.stdout
        assert ran.stdout.strip().splitlines()[-1] == "10001 ['css', 'manifest.json']", ran.stdout
