"""A 2 MB RUN line goes through the whole pipeline (issue 8, item 8).

`[\\w./-]+\\.sh\\b` backtracked quadratically over a long run of path characters (80 kB: 16 s,
2 MB: never), and shlex grows tokens by string concatenation (quadratic in a token's length).
No timing is asserted here: the time bound is the benchmark's. The test completes only if every
step on this line is close to linear, and a regression shows up as a hang.
"""

from __future__ import annotations

import random
import shlex
from pathlib import Path

from helpers import write_skeleton

from optimizer.pipeline import optimize
from optimizer.shell import words

TWO_MB = 2 * 1024 * 1024


def _project(root: Path, run: str) -> Path:
    write_skeleton(root)
    (root / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        f"RUN pip install -r requirements.txt\nCOPY . .\nRUN {run}\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    return dockerfile


def test_two_megabyte_path_run_completes(tmp_path: Path) -> None:
    # The shape that hung: one word of path characters with no `.sh` at its end, then a script.
    run = "echo " + "a/b." * (TWO_MB // 4) + " && ./docker/entrypoint.sh"
    dockerfile = _project(tmp_path, run)
    outcome = optimize(dockerfile, tmp_path)
    text = outcome.files["Dockerfile"]
    assert f"RUN {run}\n" in text  # rewritten around it, the line itself untouched
    assert "AS builder" in text


def test_two_megabyte_quoted_word_completes(tmp_path: Path) -> None:
    run = 'echo "\\"' + "x" * TWO_MB + '\\"" ' + "'" + "y" * 1000 + "'"
    dockerfile = _project(tmp_path, run)
    assert f"RUN {run}\n" in optimize(dockerfile, tmp_path).files["Dockerfile"]


def test_words_agrees_with_shlex() -> None:
    """The linear splitter follows shlex's rules (the fallback on bad quoting included)."""
    alphabet = list("ab \t\n'\"\\$#;&|()x=-")
    rng = random.Random(8)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        try:
            expected = shlex.split(text, comments=False)
        except ValueError:
            expected = text.split()
        assert words(text) == expected, text
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = ""
        try:
            expected = list(lexer)
        except ValueError:
            expected = text.split()
        assert words(text, ";&|()") == expected, text
