"""multi-stage: the final stage gets the library package of each -dev package the builder
installs (Debian's Depends), unless a dependency in the table accounts for it."""

from __future__ import annotations

from pathlib import Path

from helpers import multi_stage_final

_final_stage = multi_stage_final


_DEV_DOCKERFILE = (
    "FROM python:3.11-slim\nWORKDIR /app\n"
    "RUN apt-get update && apt-get install -y gcc {packages} && rm -rf /var/lib/apt/lists/*\n"
    "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
    'CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n'
)


def test_final_stage_gets_the_library_of_a_dev_package_no_dependency_explains(
    tmp_path: Path,
) -> None:
    # Ubiwhere (DansMarquis/Ubiwhere): libgdal-dev for GeoDjango, which loads libgdal with
    # ctypes; the split's final stage had no libgdal and Django could not find GDAL.
    final, notes = _final_stage(
        tmp_path,
        _DEV_DOCKERFILE.format(packages="libgdal-dev libpango1.0-dev"),
        "Django==5.1.4\ngunicorn==23.0.0\n",
    )
    assert "libgdal32" in final and "libpangocairo-1.0-0" in final, final
    assert "libgdal-dev" not in final and "libpango1.0-dev" not in final, final
    assert any("libgdal32 for libgdal-dev" in n for n in notes), notes


def test_final_stage_leaves_out_the_library_a_binary_wheel_bundles(tmp_path: Path) -> None:
    final, _ = _final_stage(
        tmp_path,
        _DEV_DOCKERFILE.format(packages="libpq-dev"),
        "Django==5.1.4\ngunicorn==23.0.0\npsycopg2-binary==2.9.10\n",
    )
    assert "libpq" not in final, final


def test_unknown_dev_package_is_named_in_a_note(tmp_path: Path) -> None:
    final, notes = _final_stage(
        tmp_path,
        _DEV_DOCKERFILE.format(packages="libfoo-dev libmariadb-dev-compat"),
        "Django==5.1.4\ngunicorn==23.0.0\n",
    )
    assert "libfoo-dev" not in final and "libmariadb-dev-compat" not in final, final
    assert "libmariadb3" in final, final
    assert any("libfoo-dev stays in the builder" in n for n in notes), notes


def test_library_the_dockerfile_installs_itself_is_not_added_again(tmp_path: Path) -> None:
    # pennersr/django-allauth's example: libxmlsec1-dev next to libxmlsec1-openssl.
    final, notes = _final_stage(
        tmp_path,
        _DEV_DOCKERFILE.format(packages="libxmlsec1-dev libxmlsec1-openssl"),
        "Django==5.1.4\ngunicorn==23.0.0\n",
    )
    assert final.count("libxmlsec1-openssl") == 1, final
    assert not any("for libxmlsec1-dev" in n for n in notes), notes
