"""`apt clean all` (a yum habit) became `apt-get clean all`: apt-get ignores the word, but the
rewrite wrote it out as if it meant something (showkuay97/about_me, round 14's leftover). The
clean commands take no arguments: the word goes with the rename, and the note says so. A user's
own `apt-get clean all` is left as written."""

from __future__ import annotations

from pathlib import Path

from helpers import write_skeleton

from optimizer.pipeline import optimize


def test_apt_clean_all_loses_its_word_with_the_rename(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11\n"
        "RUN apt update && apt install -y curl && apt clean all\n"
        "RUN apt autoclean all >/dev/null\n"
        "RUN apt-get clean all\n"
        "COPY . /app\n"
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path, only=["apt-hygiene"])
    lines = outcome.files["Dockerfile"].splitlines()
    assert lines[1].endswith("&& apt-get clean && rm -rf /var/lib/apt/lists/*")
    assert lines[2] == "RUN apt-get autoclean >/dev/null"
    assert lines[3] == "RUN apt-get clean all"
    notes = [n for c in outcome.changes for n in c.notes]
    assert "line 2: dropped `all` after `clean`: it takes no arguments" in notes
