"""cache-friendly-order moves the clean-ups right after a dependency install up with it. Before,
`pip install -r requirements.txt && rm -rf /var/lib/apt/lists/*` (verify14's django_librest)
was split: the install moved above the source copy and the rm stayed below it in a RUN of its
own, so the install's layer kept the package lists, and a second run of the tool put the rm
back into the moved install (not idempotent on the user's written file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import optimize
from transforms.cache_friendly_order import _cleans_up


@pytest.mark.parametrize(
    "text",
    [
        "rm -rf /var/lib/apt/lists/*",
        "apt-get clean",
        "apt-get purge -y --auto-remove gcc",
        "pip cache purge",
        "rm -rf /root/.cache/pip /tmp/*",
        "rm -rf ~/.cache",
    ],
)
def test_clean_ups(text: str) -> None:
    assert _cleans_up(text)


@pytest.mark.parametrize(
    "text",
    [
        "python manage.py collectstatic --noinput",
        "rm -rf /app/node_modules",
        "rm -rf docs",
        "rm -rf /tmpfiles",
        "chmod +x entrypoint.sh",
        "rm",
    ],
)
def test_not_clean_ups(text: str) -> None:
    assert not _cleans_up(text)


def _rewrite(tmp_path: Path, run: str) -> str:
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\n")
    (tmp_path / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
    )
    (tmp_path / "Dockerfile").write_text(
        f'FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN {run}\nCMD ["python", "app.py"]\n'
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["cache-friendly-order"])
    return outcome.files["Dockerfile"]


def test_trailing_apt_list_removal_moves_with_the_install(tmp_path: Path) -> None:
    text = _rewrite(tmp_path, "pip install -r requirements.txt && rm -rf /var/lib/apt/lists/*")
    assert text.splitlines()[2:5] == [
        "COPY requirements.txt ./",
        "RUN pip install -r requirements.txt && rm -rf /var/lib/apt/lists/*",
        "COPY . .",
    ], text
    assert text.count("RUN ") == 1, text


def test_a_clean_up_after_a_source_step_stays_there(tmp_path: Path) -> None:
    text = _rewrite(
        tmp_path,
        "pip install -r requirements.txt && python manage.py collectstatic --noinput "
        "&& rm -rf /tmp/*",
    )
    assert "RUN python manage.py collectstatic --noinput && rm -rf /tmp/*" in text, text
