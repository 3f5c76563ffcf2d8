"""The Dockerfile model: byte-exact round trips, structure, and clear refusals."""

from __future__ import annotations

import pytest

from optimizer.dockerfile import (
    Dockerfile,
    DockerfileError,
    Instruction,
    official_python_name,
    render_instruction,
)

TRICKY = """\
# syntax-free comment at the top
ARG PY=3.11

FROM python:${PY} AS base@@@
# the app lives here
WORKDIR /app
RUN apt-get update \\
    # an inline comment inside a continuation
    && apt-get install -y gcc \\
    && rm -rf /var/lib/apt/lists/*
COPY ["requirements.txt", "./"]
ENV A=1 \\
    B=2
CMD ["python", "manage.py", "runserver"]

# trailing comment
""".replace("@@@", "   ")


@pytest.mark.parametrize(
    "text",
    [
        TRICKY,
        TRICKY.replace("\n", "\r\n"),
        "FROM python:3.11\nCMD python -V",  # no final newline
        "from python:3.11\nrun echo hi\n",  # lower-case keywords
        "FROM python:3.11\nRUN echo 'a \\\\' && \\\n  echo b\n",
        "FROM python:3.11\nONBUILD RUN echo hi\nHEALTHCHECK CMD curl -f localhost || exit 1\n",
    ],
)
def test_round_trip_is_byte_exact(text: str) -> None:
    # Byte exact, a missing final newline included: adding one would be a change of its own.
    assert Dockerfile.parse(text).render() == text


def test_structure() -> None:
    df = Dockerfile.parse(TRICKY)
    keywords = [i.keyword for i in df.instructions]
    assert keywords == ["ARG", "FROM", "WORKDIR", "RUN", "COPY", "ENV", "CMD"]
    run = df.instructions[3]
    assert run.value == ("apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*")
    assert df.instructions[2].leading == ("# the app lives here\n",)
    assert df.stages()[0].name == "base"
    assert df.resolve(df.stages()[0].base) == "python:3.11"
    assert df.instructions[6].exec_form == ["python", "manage.py", "runserver"]
    assert df.trailer == ("\n", "# trailing comment\n")


def test_changed_instruction_is_rendered_others_kept() -> None:
    df = Dockerfile.parse(TRICKY)
    df.instructions[6] = df.instructions[6].with_value('["gunicorn", "x.wsgi"]')
    out = df.render()
    assert 'CMD ["gunicorn", "x.wsgi"]\n' in out
    assert "    # an inline comment inside a continuation\n" in out


def test_flags_and_with_args() -> None:
    ins = Instruction.new("COPY", "--from=builder --chown=1000:1000 /opt/venv /opt/venv")
    assert ins.flags == {"from": "builder", "chown": "1000:1000"}
    assert ins.args == "/opt/venv /opt/venv"
    assert ins.with_args("/a /b").value == "--from=builder --chown=1000:1000 /a /b"


def test_mounts_are_each_run_mount_with_buildkits_spellings() -> None:
    """Every --mount (flags keeps the last one only); dst/destination and src read as
    target and source, a bare field as ""."""
    ins = Instruction.new(
        "RUN",
        "--mount=type=cache,dst=/root/.cache/pip,sharing=locked "
        "--mount=type=bind,src=requirements.txt,destination=/tmp/r.txt,readonly "
        "--network=none pip install -r /tmp/r.txt",
    )
    assert ins.mounts == [
        ("type=cache,dst=/root/.cache/pip,sharing=locked",
         {"type": "cache", "target": "/root/.cache/pip", "sharing": "locked"}),
        ("type=bind,src=requirements.txt,destination=/tmp/r.txt,readonly",
         {"type": "bind", "source": "requirements.txt", "target": "/tmp/r.txt", "readonly": ""}),
    ]
    assert Instruction.new("RUN", "pip install x").mounts == []


def test_long_run_puts_each_mount_on_a_line_of_its_own() -> None:
    """As docker init writes them; the parsed value is the same."""
    value = (
        "--mount=type=cache,target=/var/cache/apt,sharing=locked "
        "--mount=type=cache,target=/var/lib/apt,sharing=locked "
        "apt-get update && apt-get install -y --no-install-recommends gcc"
    )
    ins = Instruction.new("RUN", value)
    assert ins.render() == (
        "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n"
        "    --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n"
        "    apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends gcc\n"
    )
    assert Dockerfile.parse("FROM x\n" + ins.render()).instructions[1].value == value
    single = "--mount=type=cache,target=/root/.cache/pip pip install -r requirements/production.txt"
    assert Instruction.new("RUN", single).render() == (
        "RUN --mount=type=cache,target=/root/.cache/pip \\\n"
        "    pip install -r requirements/production.txt\n"
    )
    short = "--mount=type=cache,target=/root/.cache/pip pip install -r r.txt"
    assert Instruction.new("RUN", short).render() == f"RUN {short}\n"


def test_long_run_is_split_one_command_per_line() -> None:
    ins = Instruction.new(
        "RUN",
        "apt-get update && apt-get install -y --no-install-recommends libpq5 "
        "&& rm -rf /var/lib/apt/lists/*",
    )
    assert ins.render() == (
        "RUN apt-get update \\\n    && apt-get install -y --no-install-recommends libpq5 \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )
    assert Dockerfile.parse("FROM x\n" + ins.render()).instructions[1].value == ins.value


def test_insert_before_keeps_an_instructions_own_comment_with_it() -> None:
    # The comment directly above CMD explains CMD: a new instruction goes above it.
    df = Dockerfile.parse('FROM python:3.11\n# run it\nCMD ["x"]\n')
    df.insert_before(1, Instruction.new("EXPOSE", "8000"))
    assert df.render() == 'FROM python:3.11\nEXPOSE 8000\n# run it\nCMD ["x"]\n'


def test_insert_before_keeps_section_headers_and_spacing_on_top() -> None:
    text = (
        "FROM python:3.11\n\n# ---- runtime ----\n\n"
        "# Set the working directory in the container\nWORKDIR /app\n"
    )
    df = Dockerfile.parse(text)
    df.insert_before(1, Instruction.new("ENV", "A=1"))
    assert df.render() == (
        "FROM python:3.11\n\n# ---- runtime ----\n\nENV A=1\n"
        "# Set the working directory in the container\nWORKDIR /app\n"
    )
    # A blank line right above the instruction: everything stays on top.
    df = Dockerfile.parse("FROM python:3.11\n# note\n\nWORKDIR /app\n")
    df.insert_before(1, Instruction.new("ENV", "A=1"))
    assert df.render() == "FROM python:3.11\n# note\n\nENV A=1\nWORKDIR /app\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no FROM"),
        ("# only a comment\n", "no FROM"),
        ("RUN echo hi\nFROM python:3.11\n", "before the first FROM"),
        ("FROM python:3.11\nFROBNICATE now\n", "unknown instruction"),
        ("FROM python:3.11\nRUN <<EOF\necho hi\nEOFX\n", "never closed"),
        ("# escape=`\nFROM python:3.11\n", "escape"),
        ("FROM python:3.11\nCOPY onlyone\n", "source and a destination"),
        ("FROM python:3.11\x00\n", "not a text file"),
    ],
)
def test_refusals_are_clear(text: str, message: str) -> None:
    with pytest.raises(DockerfileError, match=message):
        Dockerfile.parse(text)


def test_stages_and_final() -> None:
    df = Dockerfile.parse(
        "FROM node:20-slim AS assets\nRUN npm ci\nFROM python:3.11-slim\nCOPY --from=assets /a /a\n"
    )
    stages = df.stages()
    assert [(s.base, s.name) for s in stages] == [
        ("node:20-slim", "assets"),
        ("python:3.11-slim", None),
    ]
    assert df.final_stage().index == 1
    assert [i.keyword for _, i in df.iter_stage(stages[1])] == ["FROM", "COPY"]


HEREDOCS = """FROM python:3.11
RUN <<EOT bash
set -e
# a body line, not a comment
echo hi \\
FROM x
EOT
# a real comment
COPY <<EOF /app/x.txt
RUN hello

EOF
RUN <<-EOF cat > /a && <<"B" cat > /b
\tone
\tEOF
two
B
CMD ["x"]
"""


def test_heredoc_bodies_are_not_instructions_and_round_trip() -> None:
    # dockerfile-parse alone reads `set -e`, `FROM x`, `RUN hello`, `EOT` as instructions.
    df = Dockerfile.parse(HEREDOCS)
    assert [(i.line, i.keyword, i.opaque) for i in df.instructions] == [
        (1, "FROM", False),
        (2, "RUN", True),
        (9, "COPY", True),
        (13, "RUN", True),
        (18, "CMD", False),
    ]
    assert df.instructions[2].leading == ("# a real comment\n",)
    assert df.instructions[1].value == "<<EOT bash"
    assert df.render() == HEREDOCS
    crlf = "\ufeff" + HEREDOCS.replace("\n", "\r\n")
    assert Dockerfile.parse(crlf).render() == crlf


def test_heredoc_instruction_cannot_be_rewritten() -> None:
    ins = Dockerfile.parse(HEREDOCS).instructions[1]
    assert ins.with_value("pip install x") is ins
    assert ins.with_args("x") is ins


def test_here_string_and_shift_are_not_heredocs() -> None:
    text = 'FROM python:3.11\nRUN cat <<<word && echo $((1 << 2))\nCMD ["x"]\n'
    df = Dockerfile.parse(text)
    assert not any(i.opaque for i in df.instructions) and len(df.instructions) == 3


def test_utf8_bom_is_accepted_and_kept() -> None:
    text = '\ufeffFROM python:3.11\nCMD ["x"]\n'
    df = Dockerfile.parse(text)
    assert df.instructions[0].keyword == "FROM" and df.bom
    assert df.render() == text
    assert df.copy().render() == text


def test_heredoc_after_a_continued_header() -> None:
    # The body starts after the instruction's logical line, continuations included.
    text = (
        "FROM python:3.11\nRUN --mount=type=cache,target=/root/.cache \\\n    <<EOT\n"
        'pip install -r requirements.txt\nEOT\nCMD ["x"]\n'
    )
    df = Dockerfile.parse(text)
    assert [(i.keyword, i.line, i.opaque) for i in df.instructions] == [
        ("FROM", 1, False),
        ("RUN", 2, True),
        ("CMD", 6, False),
    ]
    assert df.render() == text


@pytest.mark.parametrize("crlf", [False, True])
def test_no_final_newline_is_kept(crlf: bool) -> None:
    # A file whose last line has no newline: a change elsewhere must not touch that line.
    text = 'FROM python:3.11\nCOPY . .\nCMD ["x"]'
    text = text.replace("\n", "\r\n") if crlf else text
    df = Dockerfile.parse(text)
    assert df.render() == text
    df.insert_before(2, Instruction.new("EXPOSE", "8000"))
    expected = 'FROM python:3.11\nCOPY . .\nEXPOSE 8000\nCMD ["x"]'
    assert df.render() == (expected.replace("\n", "\r\n") if crlf else expected)
    assert df.copy().render() == df.render()


def test_rendered_run_breaks_lines_only_at_top_level_and() -> None:
    # Docker joins a continuation with the next line's indentation: a break inside quotes would
    # change the string, one inside a subshell what the pipe reads (seen on a real RUN whose
    # `( which python3 && ... ) | tee` was split up by a rewrite).
    quoted = (
        'apt-get update && apt-get install -y curl && sh -c "echo configured && echo done" '
        "&& rm -rf /var/lib/apt/lists/*"
    )
    rendered = Instruction.new("RUN", quoted).render()
    assert '"echo configured && echo done"' in rendered
    assert rendered.count("\\\n") == 3
    subshell = "uv pip install setuptools pip && ( which python3 && python3 --version ) | tee -a /V"
    rendered = Instruction.new("RUN", subshell).render()
    assert "( which python3 && python3 --version ) | tee" in rendered


def test_stage_vars_env_and_arg_defaults() -> None:
    # ARG defaults (a bare `ARG NAME` takes the global default) and ENV values, ENV winning.
    text = (
        "ARG APP_HOME=/srv/app\n"
        "FROM python:3.11-slim AS base\n"
        "ARG UNUSED=1\n"
        "FROM python:3.11-slim\n"
        "ARG APP_HOME\n"
        "ARG PORT=8000 WORKERS=2\n"
        "ENV PORT=9000\n"
        "ARG NODEFAULT\n"
    )
    df = Dockerfile.parse(text)
    final = df.stage_vars(df.final_stage())
    assert final == {"APP_HOME": "/srv/app", "PORT": "9000", "WORKERS": "2"}
    assert df.stage_vars(df.stages()[0]) == {"UNUSED": "1"}


def test_a_long_if_then_fi_in_a_new_run_gets_its_body_on_a_line_of_its_own() -> None:
    from optimizer.dockerfile import render_instruction

    check = (
        "if grep -rqs pkg_resources /opt/venv/lib; then "
        'pip install "setuptools==$(/usr/local/bin/python -c \'import setuptools\')"; fi'
    )
    text = render_instruction("RUN", f"pip install -r requirements.txt && {check}")
    assert text == (
        "RUN pip install -r requirements.txt \\\n"
        "    && if grep -rqs pkg_resources /opt/venv/lib; then \\\n"
        '        pip install "setuptools==$(/usr/local/bin/python -c \'import setuptools\')"; \\\n'
        "    fi\n"
    )
    short = "if true; then echo; fi"
    assert render_instruction("RUN", f"{'x' * 80} && {short}").endswith(f"&& {short}\n")


def test_a_long_chain_of_semicolons_renders_a_command_a_line_and_keeps_them() -> None:
    value = (
        "set -eux; . /etc/os-release; rm -f /etc/apt/sources.list.d/*.list; apt-get update"
        " && rm -rf /x"
    )
    assert render_instruction("RUN", value) == (
        "RUN set -eux; \\\n"
        "    . /etc/os-release; \\\n"
        "    rm -f /etc/apt/sources.list.d/*.list; \\\n"
        "    apt-get update \\\n"
        "    && rm -rf /x\n"
    )


def test_a_global_arg_default_using_an_earlier_arg_is_expanded() -> None:
    # tomwojcik/django-fly.io-example-project: docker expands $PYTHON_VERSION in the default.
    df = Dockerfile.parse(
        "ARG PYTHON_VERSION=3.9\nARG PYTHON_BUILD_VERSION=$PYTHON_VERSION-buster\n"
        "ARG OTHER=${UNSET}-x\nFROM python:${PYTHON_BUILD_VERSION}\n"
    )
    assert df.resolve(df.final_stage().base) == "python:3.9-buster"
    assert df.global_args()["OTHER"] == "${UNSET}-x"


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ("python:3.11", "python:3.11"),
        ("docker.io/library/python:3.11-slim", "python:3.11-slim"),
        ("library/python", "python"),
        ("public.ecr.aws/docker/library/python:3.11", "python:3.11"),
        ("mirror.gcr.io/library/python@sha256:ab", "python@sha256:ab"),
        ("registry.corp:5000/dockerhub/library/python:3.13", "python:3.13"),
        # Not the official image: another namespace, or library/ holding another name.
        ("ghcr.io/acme/python:3.11", "ghcr.io/acme/python:3.11"),
        ("myorg/python:3.11", "myorg/python:3.11"),
        ("mirror.gcr.io/library/pythonista:1", "mirror.gcr.io/library/pythonista:1"),
    ],
)
def test_official_python_name_drops_docker_hub_and_its_mirrors(reference: str, name: str) -> None:
    assert official_python_name(reference) == name
