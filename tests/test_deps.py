from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from optimizer import deps
from optimizer.context import manifest_dirs
from optimizer.deps import (
    decode_manifest,
    manager_from_commands,
    read_dependencies,
    requirement_files_from_command,
)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


# -- encodings -------------------------------------------------------------------------------

# What `pip freeze > requirements.txt` writes from Windows PowerShell: UTF-16 LE with a BOM, CRLF.
_FROZEN = "Django==5.0.6\r\npsycopg2==2.9.9\r\nsqlparse==0.5.0\r\n"


def test_utf16_le_requirements_with_bom(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(codecs.BOM_UTF16_LE + _FROZEN.encode("utf-16-le"))
    deps = read_dependencies(tmp_path)
    assert deps.manager == "pip"
    assert deps.manifest_files == ("requirements.txt",)
    assert deps.packages == {"django", "psycopg2", "sqlparse"}


def test_utf8_sig_requirements_and_includes(tmp_path: Path) -> None:
    # The BOM must not stick to the first name ("\ufeffDjango") or the first `-r`.
    (tmp_path / "requirements.txt").write_bytes(
        codecs.BOM_UTF8 + b"-r base.txt\npsycopg2==2.9.9\n"
    )
    (tmp_path / "base.txt").write_bytes(codecs.BOM_UTF8 + b"Django==5.0.6\n")
    deps = read_dependencies(tmp_path)
    assert deps.manifest_files == ("requirements.txt", "base.txt")
    assert deps.packages == {"django", "psycopg2"}


def test_utf16_pyproject_and_pipfile_lock(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "site"\ndependencies = ["Django>=5", "psycopg2"]\n'
    (tmp_path / "pyproject.toml").write_bytes(pyproject.encode("utf-16"))  # BOM + native order
    assert read_dependencies(tmp_path).packages == {"django", "psycopg2"}
    pipenv = tmp_path / "pipenv"
    pipenv.mkdir()
    pipfile = '[packages]\ndjango = "*"\n'
    (pipenv / "Pipfile").write_bytes(codecs.BOM_UTF32_LE + pipfile.encode("utf-32-le"))
    lock = json.dumps({"default": {"psycopg2": {"version": "==2.9.9"}}})
    (pipenv / "Pipfile.lock").write_bytes(codecs.BOM_UTF16_BE + lock.encode("utf-16-be"))
    assert read_dependencies(pipenv).packages == {"django", "psycopg2"}


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (codecs.BOM_UTF8 + b"Django\n", "Django\n"),
        (codecs.BOM_UTF16_LE + "Django\n".encode("utf-16-le"), "Django\n"),
        (codecs.BOM_UTF16_BE + "Django\n".encode("utf-16-be"), "Django\n"),
        (codecs.BOM_UTF32_LE + "Django\n".encode("utf-32-le"), "Django\n"),
        (codecs.BOM_UTF32_BE + "Django\n".encode("utf-32-be"), "Django\n"),
        ("caf\u00e9\n".encode(), "caf\u00e9\n"),
        # Undecodable bytes are replaced: the rest of the file still counts.
        (b"Django\n\xff\xfeq\npsycopg2\n", "Django\n\ufffd\ufffdq\npsycopg2\n"),
        (b"", ""),
    ],
)
def test_decode_manifest_honours_byte_order_marks(data: bytes, text: str) -> None:
    assert decode_manifest(data) == text


def test_latin1_requirements_are_still_read(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(b"# caf\xe9\nDjango\npsycopg2==2.9.9\n")
    assert read_dependencies(tmp_path).packages == {"django", "psycopg2"}


# -- requirements ----------------------------------------------------------------------------


def test_requirements_with_includes_hashes_markers_and_extras(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": (
                "# production\n"
                "-r requirements/base.txt\n"
                "--constraint constraints.txt\n"
                "Django==5.0 \\\n"
                "    --hash=sha256:abc \\\n"
                "    --hash=sha256:def\n"
                "psycopg[binary]>=3.1 ; python_version >= '3.10'  # db\n"
                "Pillow\n"
                "--index-url https://example.invalid/simple\n"
            ),
            "requirements/base.txt": "-rcommon.txt\ndjango_environ\n",
            "requirements/common.txt": "-r base.txt\nzope.interface~=6.0\n",
            "constraints.txt": "urllib3<2\n",
        },
    )
    deps = read_dependencies(tmp_path)
    assert deps.manager == "pip"
    assert deps.manifest_files == (
        "requirements.txt",
        "requirements/base.txt",
        "requirements/common.txt",
        "constraints.txt",
    )
    # Constraints pin versions; they are not dependencies.
    assert deps.packages == {
        "django",
        "psycopg",
        "psycopg-binary",
        "pillow",
        "django-environ",
        "zope-interface",
    }
    assert not deps.installs_local_source
    assert not deps.needs_git
    assert deps.has("Django-Environ")


def test_requirements_local_and_git_sources(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": (
                "-e .\n"
                "git+https://github.com/example/lib.git@v1#egg=example_lib\n"
                "other @ git+https://github.com/example/other.git\n"
                "./vendor/thing-1.0.tar.gz\n"
            )
        },
    )
    deps = read_dependencies(tmp_path)
    assert deps.installs_local_source
    assert deps.needs_git
    assert {"example-lib", "other"} <= deps.packages


def test_requirements_directory_prefers_production_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements/base.txt": "django\n",
            "requirements/production.txt": "-r base.txt\ngunicorn\n",
            "requirements/dev.txt": "-r base.txt\npytest\n",
        },
    )
    deps = read_dependencies(tmp_path)
    assert deps.manager == "pip"
    assert "pytest" not in deps.packages
    assert {"django", "gunicorn"} <= deps.packages
    assert deps.manifest_files == ("requirements/base.txt", "requirements/production.txt")


def test_requirements_in_project_dir(tmp_path: Path) -> None:
    write(tmp_path, {"backend/requirements.txt": "django\n"})
    deps = read_dependencies(tmp_path, "backend")
    assert deps.manifest_files == ("backend/requirements.txt",)


def test_missing_include_and_garbage_lines_do_not_raise(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": (
                "-r does-not-exist.txt\n-r ${EXTRA}\n'unterminated\n@@@\n--\n-r\ndjango\n"
            )
        },
    )
    (tmp_path / "requirements-bin.txt").write_bytes(b"\xff\xfe\x00garbage")
    deps = read_dependencies(tmp_path)
    assert "django" in deps.packages
    assert deps.manifest_files == ("requirements.txt",)


# -- requirement_files_from_command ----------------------------------------------------------


def test_files_from_command_follow_includes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements/prod.txt": "-r base.txt\n-c ../constraints.txt\ngunicorn\n",
            "requirements/base.txt": "-r prod.txt\ndjango\n",
            "constraints.txt": "-c requirements/base.txt\n",
            "requirements/dev.txt": "pytest\n",
        },
    )
    command = (
        "pip install --no-cache-dir --upgrade pip && "
        "pip install -r requirements/prod.txt -c constraints.txt"
    )
    assert requirement_files_from_command(tmp_path, command) == [
        "requirements/prod.txt",
        "requirements/base.txt",
        "constraints.txt",
    ]


def test_files_from_command_forms(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.txt": "django\n",
            "b.txt": "gunicorn\n",
            "pyproject.toml": "[tool.poetry]\nname = 'x'\n",
            "poetry.lock": "",
            "uv.lock": "",
            "Pipfile": "",
        },
    )
    assert requirement_files_from_command(tmp_path, "python -m pip install --requirement=a.txt")
    assert requirement_files_from_command(tmp_path, "uv pip install -ra.txt") == ["a.txt"]
    assert requirement_files_from_command(tmp_path, "uv pip sync a.txt b.txt") == [
        "a.txt",
        "b.txt",
    ]
    assert requirement_files_from_command(
        tmp_path, "PIP_NO_CACHE_DIR=1 pip3 install -r /app/b.txt", workdir="/app"
    ) == ["b.txt"]
    assert requirement_files_from_command(tmp_path, "pip install -r /elsewhere/b.txt") == []
    assert requirement_files_from_command(tmp_path, "poetry install --no-root") == [
        "pyproject.toml",
        "poetry.lock",
    ]
    assert requirement_files_from_command(tmp_path, "uv sync --frozen") == [
        "pyproject.toml",
        "uv.lock",
    ]
    assert requirement_files_from_command(tmp_path, "pipenv install --deploy --system") == [
        "Pipfile"
    ]
    # Generated by an earlier step, so not in the context: nothing to copy.
    assert requirement_files_from_command(tmp_path, "pip install -r generated.txt") == []
    assert requirement_files_from_command(tmp_path, "echo 'pip install -r a.txt") == []


# -- poetry ----------------------------------------------------------------------------------


POETRY_LOCK = """
[[package]]
name = "django"
version = "5.0"
category = "main"

[[package]]
name = "psycopg2"
version = "2.9"
category = "main"

[[package]]
name = "pytest"
version = "8"
category = "dev"

[[package]]
name = "mylib"
version = "0.1"
category = "main"

[package.source]
type = "git"
url = "https://github.com/example/mylib.git"
"""


def test_poetry_1(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.poetry]\nname = 'site'\n\n"
                "[tool.poetry.dependencies]\npython = '^3.11'\nDjango = '^5.0'\n"
                "psycopg2 = '*'\nmylib = {git = 'https://github.com/example/mylib.git'}\n"
            ),
            "poetry.lock": POETRY_LOCK,
            "requirements.txt": "django\n",
        },
    )
    deps = read_dependencies(tmp_path)
    assert deps.manager == "poetry"
    assert deps.manifest_files == ("pyproject.toml", "poetry.lock")
    assert deps.packages == {"django", "psycopg2", "mylib"}
    assert deps.needs_git
    assert not deps.installs_local_source


def test_poetry_2_project_table_and_groups(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": (
                "[project]\nname = 'site'\ndependencies = ['django>=5', 'mysqlclient']\n\n"
                "[tool.poetry]\npackage-mode = false\n"
            ),
            "poetry.lock": (
                '[[package]]\nname = "django"\ngroups = ["main"]\n\n'
                '[[package]]\nname = "asgiref"\ngroups = ["main"]\n\n'
                '[[package]]\nname = "ruff"\ngroups = ["dev"]\n'
            ),
            "poetry.toml": "[virtualenvs]\ncreate = false\n",
        },
    )
    deps = read_dependencies(tmp_path)
    assert deps.manager == "poetry"
    assert deps.manifest_files == ("pyproject.toml", "poetry.lock", "poetry.toml")
    assert deps.packages == {"django", "mysqlclient", "asgiref"}


# -- uv / pipenv / pep621 --------------------------------------------------------------------


UV_LOCK = """
version = 1

[[package]]
name = "site"
version = "0.1"
source = { virtual = "." }
dependencies = [{ name = "django" }, { name = "python-ldap" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "django"
version = "5.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "asgiref" }]

[[package]]
name = "asgiref"
version = "3.8"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "python-ldap"
version = "3.4"
source = { git = "https://github.com/python-ldap/python-ldap?rev=main" }

[[package]]
name = "pytest"
version = "8.0"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_lock_walks_runtime_dependencies(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": (
                "[project]\nname = 'site'\ndependencies = ['django', 'python-ldap']\n"
            ),
            "uv.lock": UV_LOCK,
            ".python-version": "3.11\n",
        },
    )
    deps = read_dependencies(tmp_path)
    assert deps.manager == "uv"
    assert deps.manifest_files == ("pyproject.toml", "uv.lock", ".python-version")
    assert deps.packages == {"django", "asgiref", "python-ldap"}
    assert deps.needs_git


def test_pipenv_reads_default_section_of_lock(tmp_path: Path) -> None:
    lock = {
        "_meta": {},
        "default": {
            "django": {"version": "==5.0"},
            "psycopg2": {"version": "==2.9"},
            "site": {"editable": True, "path": "."},
        },
        "develop": {"pytest": {"version": "==8"}},
    }
    write(
        tmp_path,
        {
            "Pipfile": "[packages]\ndjango = '*'\npsycopg2 = '*'\n\n[dev-packages]\npytest = '*'\n",
            "Pipfile.lock": json.dumps(lock),
            "requirements.txt": "flask\n",
        },
    )
    deps = read_dependencies(tmp_path)
    assert deps.manager == "pipenv"
    assert deps.manifest_files == ("Pipfile", "Pipfile.lock")
    assert deps.packages == {"django", "psycopg2", "site"}
    assert deps.installs_local_source


def test_pep621(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"pyproject.toml": "[project]\nname = 'site'\ndependencies = ['Django>=5', 'gunicorn']\n"},
    )
    deps = read_dependencies(tmp_path)
    assert deps.manager == "pep621"
    assert deps.installs_local_source
    assert deps.packages == {"django", "gunicorn"}
    assert deps.manifest_files == ("pyproject.toml",)


def test_requirements_beat_pep621(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'site'\n[tool.ruff]\nline-length = 100\n",
            "requirements.txt": "django\n",
        },
    )
    assert read_dependencies(tmp_path).manager == "pip"


def test_nothing(tmp_path: Path) -> None:
    deps = read_dependencies(tmp_path)
    assert deps.manager == "none"
    assert deps.manifest_files == ()


def test_broken_toml_and_json_are_skipped(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.poetry\nname = ",
            "Pipfile.lock": "{not json",
            "requirements.txt": "django\n",
        },
    )
    # A lock file, even a broken one, still says which tool installs.
    deps = read_dependencies(tmp_path)
    assert deps.manager == "pipenv"
    assert deps.manifest_files == ("Pipfile.lock",)
    (tmp_path / "Pipfile.lock").unlink()
    deps = read_dependencies(tmp_path)
    assert deps.manager == "pip"
    assert deps.packages == {"django"}


# -- the Dockerfile decides ------------------------------------------------------------------


def test_dockerfile_manager_wins(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "flask\n",
            "pyproject.toml": (
                "[tool.poetry]\nname = 'x'\n[tool.poetry.dependencies]\ndjango = '*'\n"
            ),
            "uv.lock": "version = 1\n",
        },
    )
    dockerfile = (
        "FROM python:3.11-slim\nCOPY . .\nRUN pip install poetry && poetry install --no-root\n"
    )
    assert read_dependencies(tmp_path, dockerfile_text=dockerfile).manager == "poetry"
    dockerfile = "FROM python:3.11-slim\nCOPY . .\nRUN pip install -r requirements.txt\n"
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert deps.manager == "pip"
    assert deps.packages == {"flask"}


def test_dockerfile_named_requirement_files_and_bare_packages(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "django\n",
            "requirements/prod.txt": "-r ../requirements.txt\npsycopg2\n",
            "requirements/dev.txt": "pytest\n",
            "constraints.txt": "urllib3<2\n",
        },
    )
    dockerfile = (
        "FROM python:3.11-slim\n"
        "COPY requirements requirements\nCOPY requirements.txt .\n"
        "RUN pip install --upgrade pip wheel \\\n"
        "    && pip install -r requirements/prod.txt -c constraints.txt \\\n"
        "       gunicorn==22 'uvicorn[standard]'\n"
    )
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert deps.manager == "pip"
    assert deps.manifest_files == ("requirements/prod.txt", "requirements.txt", "constraints.txt")
    assert deps.packages == {"django", "psycopg2", "gunicorn", "uvicorn"}


def test_dockerfile_pip_install_dot(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'site'\ndependencies = ['django']\n",
            "requirements.txt": "django\n",
        },
    )
    dockerfile = "FROM python:3.11\nCOPY . /app\nWORKDIR /app\nRUN pip install .\n"
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert deps.manager == "pep621"
    assert deps.installs_local_source


def test_unparseable_dockerfile_still_read(tmp_path: Path) -> None:
    write(tmp_path, {"Pipfile": "[packages]\ndjango = '*'\n", "requirements.txt": "x\n"})
    dockerfile = "RUN <<EOF\npipenv install\nEOF\nRUN pipenv sync --system\n"
    assert read_dependencies(tmp_path, dockerfile_text=dockerfile).manager == "pipenv"


# -- requirement files named by their path in the image ---------------------------------------


_UV_TOOLING = {
    "pyproject.toml": '[project]\nname = "site"\nversion = "1"\ndependencies = ["django"]\n',
    "uv.lock": 'version = 1\n\n[[package]]\nname = "django"\nversion = "5.0"\n',
}


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        # Copied under another name and path, installed by its image path (django-bims' shape).
        (
            "FROM python:3.11\nCOPY deployment/docker/REQUIREMENTS.txt /REQUIREMENTS.txt\n"
            "RUN pip install -r /REQUIREMENTS.txt\n",
            "deployment/docker/REQUIREMENTS.txt",
        ),
        # A directory copied to the image root, a file in it installed.
        (
            "FROM python:3.11\nADD deployment/docker/ /deploy/\n"
            "RUN uv pip install --system -r /deploy/REQUIREMENTS.txt\n",
            "deployment/docker/REQUIREMENTS.txt",
        ),
        # Renamed next to the WORKDIR, installed relatively.
        (
            "FROM python:3.11\nWORKDIR /app\nCOPY deployment/docker/REQUIREMENTS.txt req.txt\n"
            "RUN pip install -r req.txt\n",
            "deployment/docker/REQUIREMENTS.txt",
        ),
        # The whole context copied to /code, the file installed by its absolute path.
        (
            "FROM python:3.11\nCOPY . /code/\n"
            "RUN pip install -r /code/deployment/docker/REQUIREMENTS.txt\n",
            "deployment/docker/REQUIREMENTS.txt",
        ),
    ],
)
def test_requirement_file_named_by_its_image_path(
    tmp_path: Path, dockerfile: str, expected: str
) -> None:
    # Before, these paths were read as context paths, missed, and the uv.lock of the repository's
    # tooling was taken for the app's dependencies: psycopg2 (and its build packages) was lost.
    write(tmp_path, {**_UV_TOOLING, expected: "django\npsycopg2==2.9.10\n"})
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert deps.manager == "pip"
    assert deps.manifest_files == (expected,)
    assert "psycopg2" in deps.packages


def test_requirement_path_no_copy_explains_is_read_from_the_context(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "django\n"})
    dockerfile = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
    assert read_dependencies(tmp_path, dockerfile_text=dockerfile).manifest_files == (
        "requirements.txt",
    )


@pytest.mark.parametrize(
    ("pin", "python", "twins"),
    [
        ("2.9.3", (3, 11), {"psycopg2"}),  # no cp311 wheel before 2.9.5
        ("2.9.5", (3, 11), set()),
        ("2.9.9", (3, 13), {"psycopg2"}),  # no cp313 wheel before 2.9.10
        ("2.9.10", (3, 13), set()),
        ("2.9.10", (3, 15), {"psycopg2"}),  # newer than the table: the newest first wheel
        ("2.9.3", None, set()),  # the image's Python unknown: nothing assumed
    ],
)
def test_an_old_binary_pin_builds_like_its_source_twin(
    pin: str, python: tuple[int, int] | None, twins: set[str]
) -> None:
    assert deps.built_from_source({"psycopg2-binary": pin}, python) == twins


@pytest.mark.parametrize(
    ("pins", "python", "twins"),
    [
        # First wheels checked with pip download --only-binary=:all: --python-version.
        ({"pillow": "9.1.1"}, (3, 11), {"pillow+sdist"}),  # first cp311 wheel: 9.2.0
        ({"pillow": "9.2.0"}, (3, 11), set()),
        ({"pillow": "9.5.0"}, (3, 12), {"pillow+sdist"}),  # cp312: 10.0.0
        ({"pillow": "11.2.1"}, (3, 14), {"pillow+sdist"}),  # cp314: 11.3.0
        ({"pillow": "10.4"}, (3, 13), set()),  # 10.4 is 10.4.0, cp313's first wheel
        ({"lxml": "4.9.0"}, (3, 11), {"lxml+sdist"}),  # cp311: 4.9.1
        ({"lxml": "4.9.1"}, (3, 11), set()),
        ({"lxml": "5.2.2"}, (3, 13), {"lxml+sdist"}),  # cp313: 5.3.0
        ({"cffi": "1.15.0"}, (3, 11), {"cffi+sdist"}),  # cp311: 1.15.1
        ({"cffi": "1.17.0"}, (3, 13), set()),
        ({"cryptography": "3.3.2"}, (3, 13), set()),  # abi3 wheels: never from source
        ({"psutil": "5.9.0"}, (3, 11), {"psutil+sdist"}),  # abi3 wheels from 5.9.4
        ({"numpy": "1.23.1"}, (3, 11), {"numpy+sdist"}),  # cp311: 1.23.2
        ({"numpy": "2.0.2"}, (3, 13), {"numpy+sdist"}),  # cp313: 2.1.0
        ({"numpy": "2.1.0"}, (3, 13), set()),
        ({"psutil": "5.9.4"}, (3, 14), set()),
        ({"pillow": "8.4.0", "lxml": "4.6.3"}, (3, 11), {"pillow+sdist", "lxml+sdist"}),
    ],
)
def test_old_pins_of_other_wheel_distributions_build_from_their_sdist(
    pins: dict[str, str], python: tuple[int, int], twins: set[str]
) -> None:
    assert deps.built_from_source(pins, python) == twins


def test_an_old_pillow_pin_in_requirements_reaches_the_package_set(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "Django==4.2.16\nPillow==9.1.1\n"})
    dockerfile = "FROM python:3.11\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    packages = read_dependencies(tmp_path, dockerfile_text=dockerfile).packages
    assert {"pillow", "pillow+sdist"} <= packages
    # The same pin on python:3.12 (its first wheel is 10.0.0) is a source build too, 10.0.0 not.
    newer = dockerfile.replace("3.11", "3.12")
    assert "pillow+sdist" in read_dependencies(tmp_path, dockerfile_text=newer).packages
    write(tmp_path, {"requirements.txt": "Django==4.2.16\nPillow==10.0.0\n"})
    assert "pillow+sdist" not in read_dependencies(tmp_path, dockerfile_text=newer).packages


@pytest.mark.parametrize(
    "base",
    ["python:3", "python:3-slim", "python:latest", "python", "python:slim-bookworm",
     "docker.io/library/python:3-bookworm"],
)
def test_a_floating_python_tag_is_the_newest_minor_so_old_pins_build_from_source(
    tmp_path: Path, base: str
) -> None:
    """jimenezraul/personal_cloud: `FROM python:3` with Pillow 8.0.1 and cffi 1.14.4, which
    have no wheel for any recent CPython. Read as an unknown minor, nothing was a source build
    and slim-base dropped the compiler."""
    assert deps.final_python(f"FROM {base}\n") == deps.NEWEST_PYTHON
    write(tmp_path, {"requirements.txt": "Django==3.1.3\nPillow==8.0.1\ncffi==1.14.4\n"})
    dockerfile = f"FROM {base}\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    packages = read_dependencies(tmp_path, dockerfile_text=dockerfile).packages
    assert {"pillow+sdist", "cffi+sdist"} <= packages
    # A pinned minor or another image is read as before.
    assert deps.final_python("FROM python:2\n") is None
    assert deps.final_python("FROM pythonista:3\n") is None


def test_the_final_stage_python_is_read_through_args_and_stage_names() -> None:
    text = (
        "ARG PY=3.12\nFROM python:${PY}-slim AS base\nFROM base AS final\nRUN true\n"
    )
    assert deps.final_python(text) == (3, 12)
    assert deps.final_python("FROM ubuntu:24.04\n") is None
    assert deps.final_python("FROM docker.io/library/python:3.11.9-slim-bookworm\n") == (3, 11)


PDM_LOCK = """\
[metadata]
groups = ["default", "dev"]
lock_version = "4.5.1"

[[package]]
name = "django"
version = "4.2.30"
groups = ["default"]

[[package]]
name = "psycopg2"
version = "2.9.10"
groups = ["default"]

[[package]]
name = "pytest"
version = "8.3.0"
groups = ["dev"]

[[package]]
name = "shared"
version = "0.1.0"
path = "./libs/shared"
groups = ["default"]
"""


def test_pdm_lock_reads_the_default_group(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'site'\ndependencies = ['django']\n",
            "pdm.lock": PDM_LOCK,
            "requirements.txt": "django\n",
        },
    )
    dockerfile = "FROM python:3.11\nRUN pip install pdm\nRUN pdm install --prod\n"
    deps = read_dependencies(tmp_path, dockerfile_text=dockerfile)
    assert deps.manager == "pdm"
    assert deps.manifest_files == ("pyproject.toml", "pdm.lock")
    assert deps.packages == {"django", "psycopg2", "shared"}  # pdm itself is tooling
    assert deps.installs_local_source


def test_pdm_install_reads_its_manifests(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.pdm]\n", "pdm.lock": PDM_LOCK, "pdm.toml": ""})
    assert requirement_files_from_command(tmp_path, "pdm sync --prod --no-self") == [
        "pyproject.toml",
        "pdm.lock",
        "pdm.toml",
    ]
    assert manager_from_commands(["pip install -U pdm && pdm install --prod"]) == "pdm"


@pytest.mark.parametrize(
    "files",
    [
        {"Pipfile": "[packages]\ndjango = '*'\npillow = '==9.1.1'\n"},
        {"Pipfile": "[packages]\ndjango = '*'\npillow = {version = '==9.1.1', extras = []}\n"},
        {
            "Pipfile": "[packages]\ndjango = '*'\npillow = '*'\n",
            "Pipfile.lock": json.dumps({"default": {"pillow": {"version": "==9.1.1"}}}),
        },
        {
            "pyproject.toml": "[tool.poetry.dependencies]\npython = '^3.11'\npillow = '*'\n",
            "poetry.lock": '[[package]]\nname = "Pillow"\nversion = "9.1.1"\n',
        },
        {
            "pyproject.toml": "[project]\nname = 'site'\ndependencies = ['pillow']\n",
            "uv.lock": (
                '[[package]]\nname = "site"\nversion = "0.1.0"\nsource = { editable = "." }\n'
                'dependencies = [{ name = "pillow" }]\n\n'
                '[[package]]\nname = "pillow"\nversion = "9.1.1"\n'
                'source = { registry = "https://pypi.org/simple" }\n'
            ),
        },
        {"pyproject.toml": "[tool.poetry.dependencies]\npython = '^3.11'\npillow = '9.1.1'\n"},
    ],
    ids=["pipfile", "pipfile-table", "pipfile-lock", "poetry-lock", "uv-lock", "poetry"],
)
def test_exact_pins_in_pipfiles_and_locks_are_read(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    packages = read_dependencies(tmp_path, dockerfile_text="FROM python:3.11\n").packages
    assert "pillow+sdist" in packages
    assert "pillow+sdist" not in read_dependencies(
        tmp_path, dockerfile_text="FROM python:3.10\n"
    ).packages  # cp310's first wheel is 8.3.2


@pytest.mark.parametrize("spec", ["'*'", "'>=9.1.1'", "'~=9.1'", "'==9.1.*'"])
def test_a_pipfile_range_is_no_pin(tmp_path: Path, spec: str) -> None:
    write(tmp_path, {"Pipfile": f"[packages]\npillow = {spec}\n"})
    assert "pillow+sdist" not in read_dependencies(
        tmp_path, dockerfile_text="FROM python:3.11\n"
    ).packages


@pytest.mark.parametrize("spec", ["'^9.1.1'", "'~9.1.1'", "'*'"])
def test_a_poetry_range_is_no_pin_and_the_lock_has_the_last_word(
    tmp_path: Path, spec: str
) -> None:
    files = {"pyproject.toml": f"[tool.poetry.dependencies]\npython = '^3.11'\npillow = {spec}\n"}
    write(tmp_path, files)
    with_python = {"dockerfile_text": "FROM python:3.11\n"}
    assert "pillow+sdist" not in read_dependencies(tmp_path, **with_python).packages
    write(tmp_path, {
        "pyproject.toml": "[tool.poetry.dependencies]\npython = '^3.11'\npillow = '9.1.1'\n",
        "poetry.lock": '[[package]]\nname = "pillow"\nversion = "9.2.0"\n',
    })
    assert "pillow+sdist" not in read_dependencies(tmp_path, **with_python).packages


def test_a_project_file_named_as_requirements_is_read_for_its_dependencies(
    tmp_path: Path,
) -> None:
    """`uv pip install -r pyproject.toml` installs [project].dependencies; read line by line,
    the table headers and keys were taken for packages and psycopg2 was lost (round 9)."""
    write(tmp_path, {
        "manage.py": "",
        "pyproject.toml": (
            '[project]\nname = "mysite"\nversion = "0.1"\nreadme = "README.md"\n'
            'dependencies = ["django==5.1", "psycopg2==2.9.10"]\n'
            '[project.optional-dependencies]\ndev = ["pytest"]\n'
        ),
        "svc/setup.cfg": (
            "[metadata]\nname = svc\n[options]\ninstall_requires =\n"
            "    mysqlclient>=2.2  # MySQL\n    gunicorn\n"
        ),
    })
    for dockerfile, packages in [
        ("RUN uv pip install --system -r pyproject.toml\n", {"django", "psycopg2"}),
        ("RUN uv pip install -r svc/setup.cfg\n", {"mysqlclient", "gunicorn"}),
    ]:
        found = read_dependencies(tmp_path, dockerfile_text="FROM python:3.11\n" + dockerfile)
        assert found.packages == packages, dockerfile


@pytest.mark.parametrize(
    ("requirements", "dockerfile", "twins"),
    [
        # python3-saml's advice against lxml/xmlsec's libxml2 mismatch, in the requirements
        ("--no-binary lxml\nlxml==5.3.0\nxmlsec\n", "RUN pip install -r requirements.txt\n",
         {"lxml+sdist"}),
        ("psycopg2-binary==2.9.10\n",
         "RUN pip install --no-binary psycopg2-binary -r requirements.txt\n", {"psycopg2"}),
        ("psycopg2-binary==2.9.10\nlxml==5.3.0\npillow==11.0.0\n",
         "ENV PIP_NO_BINARY=:all:\nRUN pip install -r requirements.txt\n",
         {"psycopg2", "lxml+sdist", "pillow+sdist"}),
        ("--no-binary=lxml,pillow\n--no-binary :none:\nlxml==5.3.0\n",
         "RUN pip install -r requirements.txt\n", set()),
        ("lxml==5.3.0\npsycopg2-binary==2.9.10\n", "RUN pip install -r requirements.txt\n",
         set()),
        # After a requirement it is still pip's global option, for every line of the install
        # (tikazor/wulinwushu: `Pillow>=9.1.0,<11.0.0 --no-binary :all:`).
        ("Pillow>=9.1.0,<11.0.0 --no-binary :all:\npsycopg2-binary==2.9.10\n",
         "RUN pip install -r requirements.txt\n", {"psycopg2", "pillow+sdist"}),
        ("lxml==5.3.0 --no-binary=lxml\npsycopg2-binary==2.9.10\n",
         "RUN pip install -r requirements.txt\n", {"lxml+sdist"}),
    ],
)
def test_no_binary_builds_the_source_twin(
    tmp_path: Path, requirements: str, dockerfile: str, twins: set[str]
) -> None:
    """`--no-binary` makes pip build what usually installs as a wheel: its build packages and
    run-time libraries are the source twin's (round 9, deps9)."""
    write(tmp_path, {"manage.py": "", "requirements.txt": requirements})
    found = read_dependencies(tmp_path, dockerfile_text="FROM python:3.11\n" + dockerfile)
    assert {p for p in found.packages if p in {"psycopg2"} or p.endswith("+sdist")} == twins


@pytest.mark.parametrize(
    "dockerfile",
    [
        "RUN pip-compile requirements.in && pip-sync requirements.txt\n",
        "RUN pip-compile && pip install -r requirements.txt\n",
        "RUN uv pip compile requirements.in -o /tmp/lock.txt -p 3.11 --generate-hashes"
        " && uv pip install --system -r /tmp/lock.txt\n",
    ],
)
def test_a_lock_compiled_in_the_build_is_read_from_its_inputs(
    tmp_path: Path, dockerfile: str
) -> None:
    """The lock the build writes is not in the context; its input is (round 9, deps9): read
    nothing, slim-base dropped psycopg2's compiler and the build failed (pg_config)."""
    write(tmp_path, {"manage.py": "", "requirements.in": "django==5.1.4\npsycopg2==2.9.10\n"})
    found = read_dependencies(tmp_path, dockerfile_text="FROM python:3.11\n" + dockerfile)
    assert found.packages == {"django", "psycopg2"}, dockerfile


def test_requirements_between_the_root_and_the_project_dir(tmp_path: Path) -> None:
    # A monorepo's backend folder holds the manifest, manage.py one level further down.
    write(tmp_path, {"backend/requirements.txt": "django\npsycopg2\n"})
    deps = read_dependencies(tmp_path, "backend/src")
    assert deps.manifest_files == ("backend/requirements.txt",)
    assert "psycopg2" in deps.packages


@pytest.mark.parametrize(
    ("project_dir", "dirs"),
    [
        (".", ["."]),
        ("", ["."]),
        ("src", [".", "src"]),
        ("backend/src/app", [".", "backend", "backend/src", "backend/src/app"]),
        ("../elsewhere", ["."]),
        ("/abs", ["."]),
    ],
)
def test_manifest_dirs(project_dir: str, dirs: list[str]) -> None:
    assert manifest_dirs(project_dir) == dirs
