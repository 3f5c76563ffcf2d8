"""multi-stage's notes and decisions that a golden case (the Dockerfile only) cannot show."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize
from optimizer.shell import program
from optimizer.syspkgs import archived_release
from transforms.base import Options
from transforms.multi_stage import _drop_idle_cds, _upgrades_base_pip


def _notes(tmp_path: Path, dockerfile: str, requirements: str) -> list[str]:
    case = tmp_path / "case"
    case.mkdir()
    (case / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    (case / "requirements.txt").write_text(requirements, encoding="utf-8")
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["multi-stage"])
    return [n for change in outcome.skipped + outcome.changes for n in change.notes]


def test_system_python_path_note_quotes_the_path_without_json_punctuation(
    tmp_path: Path,
) -> None:
    notes = _notes(
        tmp_path,
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["/usr/local/bin/gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n",
    )
    note = next(n for n in notes if "system Python" in n)
    assert "/usr/local/bin/gunicorn refers to" in note, note


GOLDEN = Path(__file__).parent / "golden" / "multi-stage"


def _case_notes(name: str, tmp_path: Path) -> list[str]:
    root = materialize(GOLDEN / name, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["multi-stage"])
    assert "Dockerfile" not in outcome.files
    return [n for change in outcome.skipped for n in change.notes]


def test_compose_service_running_poetry_keeps_a_single_stage_and_says_why(
    tmp_path: Path,
) -> None:
    notes = _case_notes("compose-poetry-run-no-cmd", tmp_path)
    assert any("compose service `web`" in n and "`poetry`" in n for n in notes), notes


def test_ubuntu_base_is_left_single_stage_and_says_why(tmp_path: Path) -> None:
    notes = _case_notes("ubuntu-base", tmp_path)
    assert any("ubuntu:22.04 is not an official" in n for n in notes), notes


def test_entrypoint_script_running_poetry_keeps_a_single_stage(tmp_path: Path) -> None:
    notes = _case_notes("entrypoint-poetry-run", tmp_path)
    assert any("line 8: /code/entrypoint.sh calls `poetry run`" in n for n in notes), notes


def test_compose_command_script_running_uv_keeps_a_single_stage(tmp_path: Path) -> None:
    notes = _case_notes("compose-script-uv-run", tmp_path)
    assert any("runs ./start.sh, which calls `uv run`" in n for n in notes), notes


def test_python_run_between_installs_keeps_single_stage(tmp_path: Path) -> None:
    """`python -m nltk.downloader` between two installs: split, it would run in the final
    stage before the venv is copied (No module named nltk), and its data would stay in the
    builder (neuro-parser)."""
    notes = _notes(
        tmp_path,
        "FROM python:3.11\nWORKDIR /code\nRUN pip install nltk\n"
        "RUN python -m nltk.downloader punkt\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n",
    )
    assert any("`python -m nltk.downloader punkt` runs Python between" in n for n in notes), notes
    assert not any(n.startswith("split into") for n in notes), notes


def test_a_setup_fragment_left_of_an_install_is_not_copied_to_the_final_stage(
    tmp_path: Path,
) -> None:
    case = tmp_path / "case"
    case.mkdir()
    (case / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt /tmp/r.txt\n"
        "RUN set -ex && pip install -r /tmp/r.txt && rm -rf /tmp/r.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        encoding="utf-8",
    )
    (case / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n", encoding="utf-8")
    root = materialize(case, tmp_path / "ctx")
    text = optimize(root / "Dockerfile", root, only=["multi-stage"]).files["Dockerfile"]
    final = text.split("FROM python:3.11-slim" if "-slim" in text else "\nFROM python:3.11\n")[-1]
    assert "COPY --from=builder /opt/venv" in final, text
    assert "set -ex" not in final and "rm -rf /tmp/r.txt" not in final, text


def test_apt_upgrade_chained_with_the_install_still_upgrades_the_final_image(
    tmp_path: Path,
) -> None:
    """`apt-get update && apt-get -y upgrade && pip install -r ...` (Xlack-Backend): the
    upgrade applied to the running image; a split must not leave it in the builder only."""
    case = tmp_path / "case"
    case.mkdir()
    (case / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY . /app\n"
        "RUN apt-get update && apt-get -y upgrade && pip install -r requirements.txt\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        encoding="utf-8",
    )
    (case / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n", encoding="utf-8")
    root = materialize(case, tmp_path / "ctx")
    text = optimize(root / "Dockerfile", root, only=["multi-stage"]).files["Dockerfile"]
    final = text.split("\nFROM python:3.11\n")[-1]
    assert "COPY --from=builder /opt/venv" in final, text
    assert "apt-get -y upgrade" in final, text


def test_a_git_requirement_on_a_full_base_is_split_at_once(tmp_path: Path) -> None:
    """A `git+https://` requirement and no build packages (lessnft-backend): left single-stage,
    slim-base put git back and a second run then split: the output was not idempotent. The
    builder keeps git from the first run on."""
    notes = _notes(
        tmp_path,
        "FROM python:3.11\nWORKDIR /code\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==5.1.4\ngunicorn==23.0.0\n"
        "django-extra @ git+https://github.com/example/django-extra@v1.0\n",
    )
    assert any(n.startswith("split into") for n in notes), notes


def _rewrite(tmp_path: Path, dockerfile: str, *, buildkit: bool = True) -> str:
    case = tmp_path / "case"
    case.mkdir(parents=True)
    (case / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    (case / "requirements.txt").write_text("Django==5.1.4\npsycopg2==2.9.10\n", encoding="utf-8")
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(
        root / "Dockerfile", root, only=["multi-stage"], options=Options(buildkit=buildkit)
    )
    return outcome.files["Dockerfile"]


def _runs(text: str) -> list[str]:
    """The RUN instructions of a rendered Dockerfile, continuation lines joined."""
    joined = text.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.startswith("RUN ")]


def test_lean_venv_sees_the_images_packages(tmp_path: Path) -> None:
    """A lean venv of pip's is made with --system-site-packages: the image's setuptools builds
    the source packages and is there at run time, as for the original's install, so no
    pkg_resources check; only the pip of a builder that upgrades setuptools in the image
    (below) gets an isolated venv and the check."""
    text = _rewrite(
        tmp_path,
        "FROM python:3.11\nWORKDIR /app\nRUN pip install --upgrade pip\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n',
    )
    runs = _runs(text)
    creating = [r for r in runs if "python -m venv" in r]
    assert len(creating) == 1, text
    assert "python -m venv --without-pip --system-site-packages /opt/venv " in creating[0]
    assert not any("pkg_resources" in r and "grep" in r for r in runs), text


_UPGRADES_SETUPTOOLS = "RUN pip install --upgrade pip setuptools\n"


def test_setuptools_check_rides_on_the_install_run(tmp_path: Path) -> None:
    """On a base that ships setuptools, when the builder upgrades setuptools in the image (the
    venv is then isolated), the pkg_resources check ends the install's own RUN: a RUN of its
    own cost a container start on every dependency change."""
    for buildkit in (True, False):
        text = _rewrite(
            tmp_path / str(buildkit),
            "FROM python:3.11\nWORKDIR /app\n" + _UPGRADES_SETUPTOOLS + "COPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\nCOPY . .\n"
            'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n',
            buildkit=buildkit,
        )
        runs = [r for r in _runs(text) if "pkg_resources" in r and "grep" in r]
        assert len(runs) == 1, text
        assert "--system-site-packages" not in text, text
        assert "pip install -r requirements.txt" in runs[0], runs[0]
        assert runs[0].index("pip install -r") < runs[0].index("grep"), runs[0]
        # The check's own lines, not one long line.
        assert "then \\\n        pip install" in text, text


def test_setuptools_check_after_an_install_ending_in_a_separator_gets_a_run(
    tmp_path: Path,
) -> None:
    """`RUN pip install -r requirements.txt;` cannot take `&& ...` after it: the check keeps a
    RUN of its own there."""
    text = _rewrite(
        tmp_path,
        "FROM python:3.11\nWORKDIR /app\n" + _UPGRADES_SETUPTOOLS + "COPY requirements.txt .\n"
        "RUN pip install -r requirements.txt;\nCOPY . .\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n',
    )
    runs = _runs(text)
    check = [r for r in runs if "grep" in r and "pkg_resources" in r]
    assert len(check) == 1 and "requirements.txt" not in check[0], text


def test_apt_cache_hook_rides_on_the_first_apt_run(tmp_path: Path) -> None:
    """The docker-clean hook goes in the same RUN as the first apt install that has cache
    mounts (one step fewer on a cold build; no DL3059 for two RUNs in a row)."""
    text = _rewrite(
        tmp_path,
        "FROM python:3.11-slim\nWORKDIR /app\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev "
        "&& rm -rf /var/lib/apt/lists/*\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
    )
    hook = [r for r in _runs(text) if "docker-clean" in r]
    assert len(hook) == 1, text
    assert "--mount=type=cache,target=/var/cache/apt" in hook[0], hook[0]
    assert "apt-get install" in hook[0], hook[0]


def test_runtime_libraries_join_the_final_stages_own_apt_install() -> None:
    """BT's final stage kept `apt-get install netcat-openbsd` and got a second RUN, with its
    own `apt-get update`, for libpq5; the libraries now join the first plain install."""
    from optimizer.dockerfile import Instruction
    from transforms.multi_stage import _add_to_apt_install

    kept = Instruction.new(
        "RUN", "apt-get update && apt-get install -y netcat-openbsd && rm -rf /var/lib/apt/lists/*"
    )
    final = [Instruction.new("FROM", "python:3.12-slim"), kept]
    assert _add_to_apt_install(final, ["libpq5"], len(final))
    assert final[1].value == (
        "apt-get update && apt-get install -y netcat-openbsd libpq5 && rm -rf /var/lib/apt/lists/*"
    )
    # Words after the package list that are not packages: a RUN of its own, as before.
    for text in ("apt-get install -y curl || true", "apt-get install -y $PKGS"):
        final = [Instruction.new("FROM", "python:3.12-slim"), Instruction.new("RUN", text)]
        assert not _add_to_apt_install(final, ["libpq5"], len(final))
        assert final[1].value == text
    # An install after the venv's place (`before`) is too late for what the venv loads.
    final = [Instruction.new("FROM", "python:3.12-slim"), kept]
    assert not _add_to_apt_install(final, ["libpq5"], 1)


def test_unreadable_compose_file_is_a_caveat_on_the_split_not_left_alone(
    tmp_path: Path,
) -> None:
    """Amir-4m/insta-follow-client: the compose file names its image by a variable that is not
    set, Compose refuses it, and the split went ahead all the same; the report said
    "[multi-stage] left alone: compose file ... not read" under a split it had made."""
    from optimizer.output import findings

    root = materialize(GOLDEN / "pip-psycopg2", tmp_path / "ctx")
    (root / "docker-compose.yml").write_text("services:\n  web:\n    build: [unclosed\n")
    outcome = optimize(root / "Dockerfile", root, only=["multi-stage"])
    assert " AS builder" in outcome.files["Dockerfile"]
    report = [f.message for f in findings(outcome)]
    caveat = next(m for m in report if "not read" in m)
    assert not caveat.startswith("left alone"), caveat
    assert not any("not read" in n for c in outcome.skipped for n in c.notes)


def test_third_party_python_image_is_not_called_a_distribution_python(tmp_path: Path) -> None:
    """medzhid0v/cineo builds FROM ghcr.io/astral-sh/uv:python3.12-bookworm, an image built on
    python:3.12-bookworm; the note said its Python came from the distribution's packages."""
    install = "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    (tmp_path / "uv").mkdir()
    (tmp_path / "ubuntu").mkdir()
    uv_notes = _notes(
        tmp_path / "uv", "FROM ghcr.io/astral-sh/uv:python3.12-bookworm\n" + install, "Django\n"
    )
    note = next(n for n in uv_notes if "not an official python image" in n)
    assert "distribution" not in note, note
    ubuntu_notes = _notes(
        tmp_path / "ubuntu",
        "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y python3-pip\n" + install,
        "Django\n",
    )
    assert any("comes from the distribution's packages" in n for n in ubuntu_notes)


def test_pip_upgrade_is_the_base_images_and_says_so(tmp_path: Path) -> None:
    notes = _notes(
        tmp_path,
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -U pip wheel && pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n",
    )
    assert any("upgrades the base image's pip" in n for n in notes), notes
    assert any("created without pip" in n for n in notes), notes


@pytest.mark.parametrize(
    ("command", "base"),
    [
        ("pip install --upgrade pip", True),
        ("python -m pip install -U 'pip>=24' setuptools wheel", True),
        ("PIP_ROOT_USER_ACTION=ignore pip3 install --no-cache-dir --upgrade pip", True),
        # pip before 22.3 has no --python: it would install beside the venv.
        ("pip install pip==21.3.1", False),
        ("pip install 'pip<24'", False),
        # An old setuptools pin is for legacy builds, which the venv's installs do not use.
        ("pip install setuptools==57.5.0", False),
        ("pip install --upgrade pip -r requirements.txt", False),
        ("pip install --upgrade pip django", False),
        ("pip install -r requirements.txt", False),
    ],
)
def test_which_installs_upgrade_the_base_images_pip(command: str, base: bool) -> None:
    assert _upgrades_base_pip(program(command)) is base


@pytest.mark.parametrize(
    ("image", "archived"),
    [
        ("python:3.8-buster", "buster"),
        ("python:3.7-slim-stretch", "stretch"),
        ("docker.io/library/python:3.8.18-slim-buster@sha256:0123", "buster"),
        ("python:3.11-bullseye", None),
        ("python:3.11", None),
        ("registry:5000/python", None),
        # A pinned patch release keeps the Debian its image was last built on: 3.8.5 (2020)
        # and 3.9.2 (2021) are buster (Django-mec-apm, django-wsgi-skeleton); 3.9.7 came out
        # on bullseye; an image that is not Docker Hub's python says nothing.
        ("python:3.8.5-slim", "buster"),
        ("python:3.9.2", "buster"),
        ("mirror.gcr.io/library/python:3.9.6-slim", "buster"),
        ("python:2.7.18-slim", "buster"),
        ("python:3.9.7-slim", None),
        ("python:3.8.5-slim-bookworm", None),
        ("myorg/python:3.8.5", None),
    ],
)
def test_archived_release_is_read_from_the_tag(image: str, archived: str | None) -> None:
    assert archived_release(image) == archived


def test_split_on_an_archived_release_that_needs_apt_is_left_alone(tmp_path: Path) -> None:
    notes = _notes(
        tmp_path,
        "FROM python:3.8-buster\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==4.2.16\ngunicorn==23.0.0\npsycopg2==2.9.10\n",
    )
    note = next(n for n in notes if "buster" in n)
    assert "apt-get install libpq5" in note and "left single-stage" in note, note


def test_pinned_patch_release_on_buster_needing_apt_is_left_single_stage(tmp_path: Path) -> None:
    # geokal/Django-mec-apm: `FROM python:3.8.5-slim` and mysqlclient; the split's final stage
    # would apt-get install libmariadb3 on buster, whose packages are archived: the rewrite
    # would fail to build where the original (no apt at all) built.
    notes = _notes(
        tmp_path,
        "FROM python:3.8.5-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==3.2.25\ngunicorn==23.0.0\nmysqlclient==2.0.3\n",
    )
    note = next(n for n in notes if "buster" in n)
    assert "apt-get install libmariadb3" in note and "left single-stage" in note, note


def test_archived_release_is_read_from_the_tag_only() -> None:
    # A registry host that names a codename is not a tag (no tag at all here).
    assert archived_release("registry.buster.example/library/python") is None


@pytest.mark.parametrize(
    "texts, kept_cd",
    [
        # digital-learning-lab/webplattform: nothing after the cd uses the directory.
        (["apt-get update", "cd /code/dll", None, 'rm -rf "$POETRY_CACHE_DIR"'], False),
        (["cd /app", None, "apt-get install -y --no-install-recommends gettext"], False),
        # A relative path after it: the cd stays.
        (["cd /app", None, "rm -rf build"], True),
        (["cd /tmp", None, "apt-get install -y ./jbig2enc.deb"], True),
        (["cd /app", None, "python manage.py compilemessages"], True),
    ],
)
def test_a_cd_left_by_the_split_goes_unless_a_later_command_uses_it(
    texts: list[str | None], kept_cd: bool
) -> None:
    cd = next(t for t in texts if t and t.startswith("cd "))
    _drop_idle_cds(texts)
    assert (cd in texts) is kept_cd


def _compose_available() -> bool:
    from optimizer import compose

    return compose.compose_available()


@pytest.mark.skipif(not _compose_available(), reason="the docker compose plugin is not installed")
@pytest.mark.parametrize(
    ("service", "named"),
    [
        ("    command: /usr/local/bin/python manage.py runserver 0.0.0.0:8000\n",
         "/usr/local/bin/python (run by compose service `web`)"),
        ("    command: /bin/sh /app/start.sh\n",
         "/usr/local/bin/gunicorn (in /app/start.sh, run by compose service `web`)"),
    ],
)
def test_a_compose_command_by_the_system_python_path_keeps_one_stage(
    tmp_path: Path, service: str, named: str
) -> None:
    # The service's command replaces CMD: run by its install path, the image's own Python
    # (or gunicorn) does not see the builder's virtualenv.
    case = tmp_path / "case"
    case.mkdir()
    (case / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
    )
    (case / "requirements.txt").write_text("Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n")
    (case / "start.sh").write_text("#!/bin/sh\nexec /usr/local/bin/gunicorn mysite.wsgi\n")
    (case / "docker-compose.yml").write_text("services:\n  web:\n    build: .\n" + service)
    root = materialize(case, tmp_path / "ctx")
    outcome = optimize(root / "Dockerfile", root, only=["multi-stage"])
    assert outcome.files == {}
    notes = [n for change in outcome.skipped for n in change.notes]
    assert any(n.startswith(named) and "left single-stage" in n for n in notes), notes


@pytest.mark.parametrize(
    "install, option",
    [
        ("uv pip install --system -r requirements.txt", "--system"),
        ("uv pip install --python /usr/local/bin/python -r requirements.txt", "--python"),
        ("pip install --user -r requirements.txt", "--user"),
        ("pip install --prefix=/install -r requirements.txt", "--prefix=/install"),
        ("python -m pip install -t /deps -r requirements.txt", "-t"),
    ],
)
def test_an_install_location_option_keeps_the_image_single_stage(
    tmp_path: Path, install: str, option: str
) -> None:
    """Round 9 (asgi9), horizon5-tech/horizon5-router: `uv pip install --system` in the
    builder filled /usr/local, the final stage copied an empty /opt/venv (no uvicorn)."""
    notes = _notes(
        tmp_path,
        "FROM python:3.11\nWORKDIR /app\nRUN apt-get update && apt-get install -y gcc\n"
        f"RUN pip install uv\nCOPY requirements.txt .\nRUN {install}\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==5.1.4\ngunicorn==23.0.0\n",
    )
    assert any(f"`{option}` in `" in n and "left single-stage" in n for n in notes), notes


@pytest.mark.parametrize(
    ("install", "option"),
    [
        ("pip install --user -r requirements.txt", "--user"),
        ("pip install --target /opt/deps -r requirements.txt", "--target"),
        ("pip install -t/opt/deps -r requirements.txt", "-t/opt/deps"),
        ("pip install --prefix=/install -r requirements.txt", "--prefix=/install"),
        ("python -m pip install --root /staging -r requirements.txt", "--root"),
        ("uv pip install --target /opt/deps -r requirements.txt", "--target"),
        ("uv pip install --python=/usr/local/bin/python -r requirements.txt",
         "--python=/usr/local/bin/python"),
    ],
)
def test_an_install_option_that_targets_elsewhere_keeps_one_stage(
    tmp_path: Path, install: str, option: str
) -> None:
    """The builder's /opt/venv would stay empty (or pip --user fail in it): the final stage
    would run without its packages."""
    notes = _notes(
        tmp_path,
        f"FROM python:3.11\nWORKDIR /app\nRUN pip install uv\nCOPY requirements.txt .\n"
        f"RUN {install}\nCOPY . .\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n",
    )
    assert any(f"`{option}` in `" in n and "left single-stage" in n for n in notes), notes


def test_pip_options_that_only_start_like_a_location_do_not(tmp_path: Path) -> None:
    notes = _notes(
        tmp_path,
        "FROM python:3.11\nWORKDIR /app\nRUN apt-get update && apt-get install -y gcc\n"
        "COPY requirements.txt .\nRUN pip install --root-user-action=ignore -r requirements.txt\n"
        'COPY . .\nCMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==5.1.4\ngunicorn==23.0.0\n",
    )
    assert any(n.startswith("split into a 'builder' stage") for n in notes), notes
