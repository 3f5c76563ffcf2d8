from __future__ import annotations

import pytest

from optimizer.syspkgs import TOOL_PACKAGES, debian_release, runtime_package, system_needs


def test_psycopg2_from_source() -> None:
    needs = system_needs(["psycopg2"])
    assert needs.build == ("gcc", "libc6-dev", "libpq-dev")
    assert needs.runtime == ("libpq5",)
    assert needs.reasons == (
        "psycopg2 builds from source: needs gcc, libc6-dev, libpq-dev; loads libpq5 at run time",
    )


@pytest.mark.parametrize(
    "packages",
    [["psycopg2-binary"], ["psycopg", "psycopg-binary"], ["psycopg[binary]"], ["pillow", "lxml"]],
)
def test_wheels_need_nothing_but_say_why(packages: list[str]) -> None:
    needs = system_needs(packages)
    assert needs.build == ()
    assert needs.runtime == ()
    assert needs.reasons and all("wheel" in r for r in needs.reasons)


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_an_old_pillow_pin_built_from_its_sdist_needs_the_full_images_image_libraries(
    release: str,
) -> None:
    # Measured: ldd on every PIL/*.so of Pillow 9.1.1 (python:3.11) and 10.4.0 (python:3.13)
    # built on the full image with buildpack-deps' ImageMagick -dev packages, dpkg -S, and
    # the slim images' package lists (only zlib1g of these is in slim).
    needs = system_needs(["pillow", "pillow+sdist"], release)
    assert set(needs.runtime) == {
        "libjpeg62-turbo", "libfreetype6", "libwebp7", "libwebpmux3", "libwebpdemux2",
        "libtiff6", "liblcms2-2", "libopenjp2-7", "libxcb1",
    }
    assert {"gcc", "libc6-dev", "libjpeg-dev", "zlib1g-dev", "libfreetype-dev"} <= set(
        needs.build
    )
    # The wheel's "nothing to install" reason is not given for a pin that has no wheel.
    assert len(needs.reasons) == 1
    assert needs.reasons[0].startswith("pillow (a pin older than its first wheel")


def test_old_pins_on_bullseye_use_its_library_names() -> None:
    runtime = system_needs(["pillow+sdist"], "bullseye").runtime
    assert {"libtiff5", "libwebp6"} <= set(runtime)
    assert not {"libtiff6", "libwebp7"} & set(runtime)


def test_an_old_lxml_pin_loads_libxml2_and_libxslt() -> None:
    needs = system_needs(["lxml", "lxml+sdist"])
    assert needs.runtime == ("libxml2", "libxslt1.1")
    assert needs.build == ("gcc", "libc6-dev", "libxml2-dev", "libxslt1-dev")


def test_old_cffi_and_psutil_pins_need_a_compiler_only() -> None:
    needs = system_needs(["cffi", "cffi+sdist", "psutil", "psutil+sdist"], "trixie")
    assert needs.build == ("gcc", "libc6-dev", "libffi-dev")
    assert needs.runtime == ()


def test_an_old_numpy_pin_needs_a_c_and_cxx_compiler_only() -> None:
    needs = system_needs(["numpy", "numpy+sdist"])
    assert needs.build == ("g++", "gcc", "libc6-dev")
    assert needs.runtime == ()


def test_a_name_that_only_looks_like_a_twin_is_read_as_a_requirement() -> None:
    # '+' is in no distribution name: an unknown `x+sdist` is the distribution x.
    assert system_needs(["psycopg2+sdist"]).runtime == ("libpq5",)


def test_pure_python_psycopg_loads_libpq() -> None:
    assert system_needs(["psycopg"]).runtime == ("libpq5",)
    c = system_needs(["psycopg", "psycopg-c"])
    assert "libpq-dev" in c.build
    assert c.runtime == ("libpq5",)


def test_union_sorted_and_deduplicated() -> None:
    needs = system_needs(["mysqlclient", "psycopg2", "uWSGI", "Django", "psycopg2"])
    assert needs.build == (
        "default-libmysqlclient-dev",
        "gcc",
        "libc6-dev",
        "libpq-dev",
        "pkg-config",
    )
    assert needs.runtime == ("libmariadb3", "libpq5")
    assert len(needs.reasons) == 3


@pytest.mark.parametrize(
    ("package", "bookworm", "trixie"),
    [
        ("python-ldap", ("libldap-2.5-0", "libsasl2-2"), ("libldap2", "libsasl2-2")),
        ("gdal", ("libgdal32",), ("libgdal36",)),
        ("xmlsec", ("libxmlsec1-openssl",), ("libxmlsec1t64-openssl",)),
        ("python-magic", ("libmagic1",), ("libmagic1t64",)),
        ("pyodbc", ("unixodbc",), ("unixodbc",)),
        ("m2crypto", ("libssl3",), ("libssl3t64",)),
    ],
)
def test_runtime_names_per_release(
    package: str, bookworm: tuple[str, ...], trixie: tuple[str, ...]
) -> None:
    assert system_needs([package], "bookworm").runtime == bookworm
    assert system_needs([package], "trixie").runtime == trixie


def test_build_names_per_release() -> None:
    assert "libldap2-dev" in system_needs(["python-ldap"], "bookworm").build
    assert "libldap-dev" in system_needs(["python-ldap"], "trixie").build


def test_geodjango_app_and_implied_distributions() -> None:
    gis = system_needs(["django", "django.contrib.gis"], "trixie")
    assert gis.runtime == ("libgdal36", "libgeos-c1t64", "libproj25")
    ldap = system_needs(["django-auth-ldap"])
    assert "libldap2-dev" in ldap.build
    assert "libldap-2.5-0" in ldap.runtime


def test_weasyprint_runtime_only() -> None:
    needs = system_needs(["WeasyPrint"])
    assert needs.build == ()
    assert {"libpango-1.0-0", "libpangoft2-1.0-0"} <= set(needs.runtime)


def test_git() -> None:
    needs = system_needs([], needs_git=True)
    assert needs.build == ("git",)
    assert system_needs([]).build == ()


def test_unknown_and_empty_names() -> None:
    assert system_needs(["", "not-a-real-dist", "[weird]"]) == system_needs([])


@pytest.mark.parametrize(
    ("image", "release"),
    [
        ("python:3.11-slim", "bookworm"),
        ("python:3.11", "bookworm"),
        ("python:3.12-slim", "bookworm"),
        ("python:3.13", "trixie"),
        ("python:3.13-slim", "trixie"),
        ("python:3.14-slim", "trixie"),
        ("python:3.13-slim-bookworm", "bookworm"),
        ("python:3.11-slim-trixie", "trixie"),
        ("python:3.10-bullseye", "bullseye"),
        ("docker.io/library/python:3.13-slim@sha256:abc", "trixie"),
        ("registry:5000/python", "bookworm"),
        ("debian:13-slim", "trixie"),
        ("debian:bookworm", "bookworm"),
        ("python", "bookworm"),
        ("${BASE}", "bookworm"),
        # Pinned patch releases: the release their image was last built on.
        ("python:3.10.4-slim", "bullseye"),
        ("python:3.11.3", "bullseye"),
        ("python:3.11.4-slim", "bookworm"),
        ("python:3.9.17", "bookworm"),
        ("python:3.6.15-slim", "bullseye"),
        ("python:3.8.5", "buster"),
        ("python:3.10.4-slim-bookworm", "bookworm"),
        ("python:3.12.1-slim", "bookworm"),
    ],
)
def test_debian_release(image: str, release: str) -> None:
    assert debian_release(image) == release


def test_tool_packages() -> None:
    assert TOOL_PACKAGES["curl"] == "curl"
    assert TOOL_PACKAGES["git"] == "git"
    assert TOOL_PACKAGES["pg_config"] == "libpq-dev"
    assert TOOL_PACKAGES["msgfmt"] == "gettext"
    assert runtime_package("libpq5", "trixie") == "libpq5"


def test_dev_runtime_maps_a_dev_package_to_its_library_per_release() -> None:
    from optimizer.syspkgs import dev_runtime

    libs, unknown = dev_runtime(["libgdal-dev", "libxmlsec1-dev", "libmagic-dev"], ())
    assert libs == {
        "libgdal-dev": ("libgdal32",),
        "libxmlsec1-dev": ("libxmlsec1-openssl",),
        "libmagic-dev": ("libmagic1",),
    }
    assert unknown == ()
    libs, _ = dev_runtime(["libgdal-dev", "libmagic-dev", "libldap2-dev"], (), "trixie")
    assert libs == {
        "libgdal-dev": ("libgdal36",),
        "libmagic-dev": ("libmagic1t64",),
        "libldap2-dev": ("libldap2",),
    }


def test_dev_runtime_leaves_covered_headers_only_and_slim_libraries_out() -> None:
    from optimizer.syspkgs import dev_runtime

    covered = system_needs(["psycopg2-binary"]).covers
    libs, unknown = dev_runtime(
        ["libpq-dev", "python3-dev", "libpython3.11-dev", "libffi-dev", "libfoo-dev"], covered
    )
    # libffi8 is in the slim image: known, nothing to add.
    assert libs == {"libffi-dev": ()}
    assert unknown == ("libfoo-dev",)


def test_covers_names_the_dev_packages_a_dependency_decides() -> None:
    assert "libpq-dev" in system_needs(["psycopg2-binary"]).covers
    assert "libpq-dev" in system_needs(["psycopg2"]).covers
    assert "libjpeg-dev" in system_needs(["pillow"]).covers
    assert "libldap2-dev" in system_needs(["django-auth-ldap"]).covers
    # Nothing claims libgdal-dev but the GDAL bindings: GeoDjango loads it with ctypes.
    assert "libgdal-dev" not in system_needs(["django", "psycopg2-binary"]).covers


def test_dev_packages_are_build_only_even_without_a_dev_suffix() -> None:
    from optimizer.syspkgs import is_dev_package

    assert is_dev_package("libmariadb-dev-compat")
    assert is_dev_package("libfoo-dev")
    assert not is_dev_package("libgdal32")
    assert not is_dev_package("gdal-bin")


def test_pycrypto_has_no_wheels_so_its_build_needs_a_compiler() -> None:
    """jimenezraul/personal_cloud pins pycrypto 2.6.1, an sdist with C extensions only."""
    needs = system_needs(["pycrypto"])
    assert "gcc" in needs.build and "libc6-dev" in needs.build
    assert not needs.runtime
