"""Round 11 (system libraries): the final stage's copy of the builder's apt lines, on the way
real projects write them: apt options that take a value, comments in backtick substitutions
between package names, and header packages without a `-dev` suffix."""

from __future__ import annotations

from pathlib import Path

from helpers import multi_stage_final

from optimizer.shell import apt_install_words, split_commands
from optimizer.syspkgs import dev_runtime, is_dev_package
from transforms.slim_base import command_word_spans

_final_stage = multi_stage_final


# freelawproject/doctor@a66445041's docker/Dockerfile, shortened: `--option "Acquire::Retries=3"`
# and comments in backticks between the package names of one apt-get install.
_DOCTOR = (
    "FROM python:3.10-slim\n"
    "RUN apt-get update --option \"Acquire::Retries=3\" --quiet=2 && \\\n"
    "    apt-get install -y python3-pip poppler-utils \\\n"
    "    tesseract-ocr libtesseract-dev g++ build-essential qpdf && \\\n"
    "    apt-get install \\\n"
    "        --option \"Acquire::Retries=3\" \\\n"
    "        --no-install-recommends \\\n"
    "        --assume-yes \\\n"
    "        --quiet=2 \\\n"
    "        `# Audio extraction/manipulation tools` \\\n"
    "         ffmpeg libmagic1 \\\n"
    "        `# Image & OCR tools` \\\n"
    "        imagemagick \\\n"
    "        `# Other dependencies` \\\n"
    "        libffi-dev libxml2-dev libxslt-dev\n"
    "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    "COPY doctor /opt/app/doctor\nCOPY manage.py /opt/app/\nWORKDIR /opt/app\n"
    'CMD ["gunicorn", "doctor.wsgi:application", "--bind", "0.0.0.0:5050"]\n'
)


def test_apt_option_keeps_its_value_in_the_final_stage(tmp_path: Path) -> None:
    # The final stage's copy put every option first and every other word after them:
    # `apt-get install --option --no-install-recommends ... Acquire::Retries=3 ...`, which apt
    # reads as the configuration item `--no-install-recommends` and refuses: the build failed.
    final, _ = _final_stage(tmp_path, _DOCTOR, "Django==3.2.25\ngunicorn==20.1.0\n")
    assert "--option Acquire::Retries=3 " in final, final
    assert "--option --" not in final, final
    assert "Acquire::Retries=3 `#" not in final, final


def test_backtick_comment_with_an_ampersand_does_not_hide_dev_packages(tmp_path: Path) -> None:
    # `# Image & OCR tools`: the `&` inside the backticks ended the command's words there, so
    # everything after it (imagemagick, libffi-dev, libxml2-dev, libxslt-dev) was copied to the
    # final stage untouched, headers included.
    final, _ = _final_stage(tmp_path, _DOCTOR, "Django==3.2.25\ngunicorn==20.1.0\n")
    install = next(line for line in final.splitlines() if "ffmpeg" in line)
    assert "imagemagick" in install, final
    for dev in ("libffi-dev", "libxml2-dev", "libxslt-dev", "libtesseract-dev", "g++"):
        assert dev not in final, (dev, final)
    assert "libtesseract5" in final, final


def test_apt_install_words_pairs_value_options() -> None:
    assert apt_install_words(
        ["-o", "Acquire::Retries=3", "-y", "-t", "bookworm-backports", "gdal-bin", "--option",
         "APT::Get::Fix-Missing=true", "libgdal-dev"]
    ) == (
        ["-o", "Acquire::Retries=3", "-y", "-t", "bookworm-backports", "--option",
         "APT::Get::Fix-Missing=true"],
        ["gdal-bin", "libgdal-dev"],
    )


def test_backticks_quote_separators() -> None:
    text = "apt-get install -y `# Image & OCR tools; more` imagemagick libffi-dev && echo ok"
    assert [s.text for s in split_commands(text)] == [
        "apt-get install -y `# Image & OCR tools; more` imagemagick libffi-dev",
        "echo ok",
    ]
    spans = command_word_spans(split_commands(text)[0].text)
    assert text[spans[-1][0] : spans[-1][1]] == "libffi-dev"


def test_python_dev_is_python3_stays_in_the_builder(tmp_path: Path) -> None:
    # Lee0701/django-ldap-user-registration@d91c748fd: `apt install -y libsasl2-dev
    # python-dev-is-python3 libldap2-dev libssl-dev gettext`. python-dev-is-python3 is Python's
    # headers (it depends on python3-dev) under a name without the -dev suffix: the final stage
    # installed it, with Debian's own Python and its headers.
    final, notes = _final_stage(
        tmp_path,
        "FROM python:3.11-slim\nWORKDIR /usr/src/app\n"
        "RUN apt-get update && apt-get install -y gcc libsasl2-dev python-dev-is-python3 "
        "libldap2-dev libssl-dev gettext\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
        "RUN django-admin compilemessages\n"
        'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
        "Django==4.2.7\ngunicorn==21.2.0\npython-ldap==3.4.3\ndjango-auth-ldap==4.6.0\n",
    )
    assert "python-dev-is-python3" not in final, final
    assert "gettext" in final and "libldap-2.5-0" in final and "libsasl2-2" in final, final
    assert not any("python-dev-is-python3 stays" in n for n in notes), notes


def test_python_header_packages_are_build_only() -> None:
    for name in ("python-dev-is-python3", "python3-dev", "python3.11-dev", "libpython3-dev"):
        assert is_dev_package(name), name
    assert dev_runtime(["python-dev-is-python3"], ()) == ({}, ())


# GeoDjango images set GDAL_LIBRARY_PATH / GEOS_LIBRARY_PATH to the unversioned names, which on
# Debian only the -dev packages ship (`find_string "ENV GDAL_LIBRARY_PATH"` in the index: four
# of the first ten hits name /usr/lib/x86_64-linux-gnu/libgdal.so or libgeos_c.so next to
# libgdal-dev and libgeos-dev; halukhndstn/gd-server@344206df8's settings read the variable).
_GIS = (
    "FROM python:3.11-slim\n"
    "RUN apt-get update && apt-get install -y gdal-bin libgdal-dev libgeos-dev \\\n"
    "    && rm -rf /var/lib/apt/lists/*\n"
    "ENV GDAL_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/libgdal.so\n"
    "ENV GEOS_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/libgeos_c.so\n"
    "WORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
    'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
)


def test_library_path_env_naming_a_dev_link_keeps_that_name(tmp_path: Path) -> None:
    # The split's final stage had libgdal32 (libgdal.so.32) but not libgdal.so, the name the
    # variable gives Django: "cannot open shared object file" where the original loaded it.
    final, notes = _final_stage(
        tmp_path, _GIS, "Django==5.1.4\ngunicorn==23.0.0\npsycopg2-binary==2.9.10\n"
    )
    assert "ln -sf libgdal.so.32 /usr/lib/x86_64-linux-gnu/libgdal.so" in final, final
    assert "ln -sf libgeos_c.so.1 /usr/lib/x86_64-linux-gnu/libgeos_c.so" in final, final
    assert final.index("libgdal32") < final.index("ln -sf"), final
    assert "libgdal-dev" not in final, final
    assert any("links /usr/lib/x86_64-linux-gnu/libgdal.so (ENV GDAL_LIBRARY_PATH)" in n
               for n in notes), notes


def test_library_path_env_links_follow_the_release(tmp_path: Path) -> None:
    final, _ = _final_stage(
        tmp_path, _GIS.replace("python:3.11-slim", "python:3.13-slim"),
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2-binary==2.9.10\n",
    )
    assert "ln -sf libgdal.so.36 /usr/lib/x86_64-linux-gnu/libgdal.so" in final, final


def test_library_path_env_elsewhere_or_versioned_adds_no_link(tmp_path: Path) -> None:
    # /usr/lib/libgdal.so is no file any Debian package ships (gd-server's own default: the
    # original cannot load it either); a versioned name is the library package's own.
    final, _ = _final_stage(
        tmp_path,
        _GIS.replace("/usr/lib/x86_64-linux-gnu/libgdal.so", "/usr/lib/libgdal.so").replace(
            "libgeos_c.so\n", "libgeos_c.so.1\n"
        ),
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2-binary==2.9.10\n",
    )
    assert "ln -sf" not in final, final


def test_leptonica_and_spatialindex_dev_packages_have_their_libraries() -> None:
    # doctor's libleptonica-dev was named in a note as unknown; acceslibre installs
    # libspatialindex-dev (Rtree < 1.0 loads libspatialindex_c with ctypes). Names from
    # `apt-cache depends` on debian:bookworm-slim and debian:trixie-slim.
    libs, unknown = dev_runtime(["libleptonica-dev", "libspatialindex-dev"], ())
    assert libs == {
        "libleptonica-dev": ("liblept5",),
        "libspatialindex-dev": ("libspatialindex6", "libspatialindex-c6"),
    }
    assert unknown == ()
    libs, _ = dev_runtime(["libleptonica-dev", "libspatialindex-dev"], (), "trixie")
    assert libs == {
        "libleptonica-dev": ("libleptonica6",),
        "libspatialindex-dev": ("libspatialindex8", "libspatialindex-c8"),
    }
