"""multi-stage explains the builder's bytecode handling once, above the first install, not
above each of several install RUNs (sweep13's iokouts/KickIt: a pip upgrade, the requirements
and gunicorn, each its own RUN, each got the same two comment lines)."""

from __future__ import annotations

from pathlib import Path

from helpers import write_skeleton

from optimizer.pipeline import optimize


def test_the_bytecode_comment_is_said_once(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --upgrade pip\nRUN pip install -r requirements.txt\n"
        "RUN pip install gunicorn\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    out = optimize(tmp_path / "Dockerfile", tmp_path, only=["multi-stage"]).files["Dockerfile"]
    builder = out.split("\nFROM ", 2)[1]
    assert builder.count("compileall.compile_file, quiet=2") == 3
    assert out.count("# pip's own bytecode is kept in the cache mount") == 1
    first_install = builder.index("RUN --mount=type=cache")
    assert builder.index("# pip's own bytecode is kept") < first_install
