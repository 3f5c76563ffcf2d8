"""Docker skips an empty or blank line inside a continued instruction ("Empty continuation
line found", a warning) and goes on with the instruction. dockerfile-parse ended the instruction
there, so `fi` after `if ...; then \\`, a commented-out last command and a blank line was read
as an instruction of its own and the whole Dockerfile refused ("unknown instruction 'FI'":
RNAcentral/rnacentral-webcode, sweep15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_skeleton

from optimizer.dockerfile import Dockerfile
from optimizer.pipeline import optimize

HEAD = 'FROM python:3.11\nRUN echo a && \\\n    if [ "$X" = 1 ] ; then \\\n        echo b ; \\\n'
TAIL = '    fi\nCMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'


@pytest.mark.parametrize(
    "middle",
    [
        "\n",  # an empty line
        "        \n",  # a blank one
        "        # echo c ; \\\n        \n",  # a commented-out command, then a blank line
        "\n\n# a comment\n\n",  # several
    ],
)
def test_an_empty_continuation_line_does_not_end_the_instruction(middle: str) -> None:
    text = HEAD + middle + TAIL
    parsed = Dockerfile.parse(text)
    assert [i.keyword for i in parsed.instructions] == ["FROM", "RUN", "CMD"]
    assert parsed.instructions[1].value == 'echo a && if [ "$X" = 1 ] ; then echo b ; fi'
    assert parsed.render() == text


def test_a_blank_line_after_a_finished_instruction_still_separates() -> None:
    text = "FROM python:3.11\nRUN echo a\n\n   \nCMD [\"python\"]\n"
    parsed = Dockerfile.parse(text)
    assert [i.keyword for i in parsed.instructions] == ["FROM", "RUN", "CMD"]
    assert parsed.render() == text


def test_a_heredoc_body_is_not_touched() -> None:
    text = "FROM python:3.11\nRUN <<EOF\necho a \\\n\necho b\nEOF\nCMD [\"python\"]\n"
    parsed = Dockerfile.parse(text)
    assert [i.keyword for i in parsed.instructions] == ["FROM", "RUN", "CMD"]
    assert parsed.render() == text


def test_such_a_dockerfile_is_rewritten(tmp_path: Path) -> None:
    write_skeleton(tmp_path)
    (tmp_path / "requirements.txt").write_text("Django==5.1.4\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt && \\\n"
        '    if [ "$DEV" = 1 ] ; then \\\n        # pip install -r dev.txt ; \\\n\n'
        "        true ; \\\n    fi\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    )
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    rewritten = outcome.files["Dockerfile"]
    # cache-friendly-order splits the RUN; the `if` comes whole, `fi` and all.
    assert 'RUN if [ "$DEV" = 1 ]; then true; fi' in rewritten
    assert 'STOPSIGNAL SIGINT' in rewritten
