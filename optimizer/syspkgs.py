"""Debian packages that Python distributions need, to build them and to run them.

`build` packages (compilers, -dev headers, pkg-config) matter only where pip compiles from source:
no manylinux wheel for the platform, or a distribution that never ships one. They belong in a
builder stage. `runtime` packages are the shared libraries (or programs) the installed package
loads, and must be in the final image whichever way it was installed.

Library package names change between Debian releases (soname bumps, the 64-bit time_t
transition in trixie), so the table is written with bookworm names and `_RENAMED` maps them for
other releases. Names were checked with `apt-cache policy` on bookworm and on the trixie-based
python:3.13-slim image.

Python headers are not listed: the official python images ship them with the interpreter.
`gcc` is paired with `libc6-dev` because gcc only recommends it, and `--no-install-recommends`
would leave a compiler without <stdio.h>.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from optimizer.context import normalize_name
from optimizer.deps import EXTRA_DISTRIBUTIONS, SDIST, SOURCE_BUILD
from optimizer.dockerfile import OFFICIAL_PREFIX, image_name_and_tag

RELEASES = ("bullseye", "bookworm", "trixie")
DEFAULT_RELEASE = "bookworm"
# Releases whose packages have left deb.debian.org for archive.debian.org (buster in 2024):
# `apt-get update` there answers 404, so an image on them installs nothing from the default
# sources. Checked from the lab's bookworm: dists/buster/Release 404, dists/bullseye 200.
ARCHIVED_RELEASES = ("jessie", "stretch", "buster")

_CC = ("gcc", "libc6-dev")
_CXX = ("g++", "libc6-dev")
# The image libraries a Pillow source build links (see "pillow+sdist" below).
_PILLOW_DEV = (
    "libjpeg-dev", "zlib1g-dev", "libfreetype-dev", "libwebp-dev", "libtiff-dev",
    "liblcms2-dev", "libopenjp2-7-dev", "libxcb1-dev",
)


@dataclass(frozen=True)
class SystemNeeds:
    build: tuple[str, ...] = ()
    runtime: tuple[str, ...] = ()
    # Human-readable, one per distribution: "psycopg2 builds from source: needs gcc, libpq-dev".
    reasons: tuple[str, ...] = ()
    # -dev packages whose runtime library the entries above already decided on: a Dockerfile
    # that installs one needs nothing more at run time than `runtime` (libpq-dev next to
    # psycopg2-binary, whose wheel bundles libpq).
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Need:
    build: tuple[str, ...] = ()
    runtime: tuple[str, ...] = ()
    why: str = ""  # appended to the generated reason
    # Distributions whose presence makes this entry moot (psycopg[binary] bundles libpq).
    unless: tuple[str, ...] = ()
    # -dev packages Dockerfiles install for this distribution besides `build` (which counts
    # as well), whose runtime library this entry decides: none for a wheel that bundles it.
    covers: tuple[str, ...] = ()


# Keys are PEP 503-normalised distribution names. "django-contrib-gis" is the installed app, for
# callers that pass INSTALLED_APPS along with the packages.
_TABLE: dict[str, _Need] = {
    "psycopg2": _Need(build=(*_CC, "libpq-dev"), runtime=("libpq5",)),
    "psycopg2-binary": _Need(
        why="ships a manylinux wheel with libpq bundled: nothing to install", covers=("libpq-dev",)
    ),
    "psycopg": _Need(
        runtime=("libpq5",),
        why="the pure-Python implementation loads the system libpq",
        unless=("psycopg-binary", "psycopg-c"),
        covers=("libpq-dev",),
    ),
    "psycopg-c": _Need(build=(*_CC, "libpq-dev"), runtime=("libpq5",)),
    "psycopg-binary": _Need(
        why="ships a manylinux wheel with libpq bundled: nothing to install", covers=("libpq-dev",)
    ),
    "mysqlclient": _Need(
        build=(*_CC, "default-libmysqlclient-dev", "pkg-config"),
        runtime=("libmariadb3",),
        covers=("libmariadb-dev", "libmariadb-dev-compat", "libmysqlclient-dev"),
    ),
    "gdal": _Need(
        build=(*_CXX, "libgdal-dev"),
        runtime=("libgdal32",),
        why="the GDAL bindings' version must match the system libgdal",
    ),
    "django-contrib-gis": _Need(
        runtime=("libgdal32", "libgeos-c1v5", "libproj25"),
        why="GeoDjango loads GDAL, GEOS and PROJ with ctypes",
    ),
    "python-ldap": _Need(
        build=(*_CC, "libldap2-dev", "libsasl2-dev"),
        runtime=("libldap-2.5-0", "libsasl2-2"),
        covers=("libldap-dev",),
    ),
    "weasyprint": _Need(
        runtime=(
            "libpango-1.0-0",
            "libpangoft2-1.0-0",
            "libharfbuzz-subset0",
            "fonts-dejavu-core",
        ),
        why="it loads Pango/HarfBuzz with cffi and needs at least one font to render text",
    ),
    # libxmlsec1-openssl depends on libxmlsec1 and libxml2: the -dev packages of both are its.
    "xmlsec": _Need(
        build=(*_CC, "libxmlsec1-dev", "pkg-config"),
        runtime=("libxmlsec1-openssl",),
        covers=("libxml2-dev",),
    ),
    # pysaml2 signs and verifies by running the xmlsec1 program.
    "pysaml2": _Need(runtime=("xmlsec1",)),
    "pyodbc": _Need(build=(*_CXX, "unixodbc-dev"), runtime=("unixodbc",)),
    "python-magic": _Need(runtime=("libmagic1",), covers=("libmagic-dev",)),
    "pillow": _Need(
        why="ships manylinux wheels with its image libraries bundled",
        unless=("pillow" + SDIST,),
        covers=(
            *_PILLOW_DEV, "libjpeg62-turbo-dev", "libfreetype6-dev", "libtiff5-dev", "libpng-dev"
        ),
    ),
    "lxml": _Need(
        why="ships manylinux wheels with libxml2/libxslt bundled",
        unless=("lxml" + SDIST,),
        covers=("libxml2-dev", "libxslt1-dev", "libxslt-dev"),
    ),
    "cffi": _Need(why="ships manylinux wheels", unless=("cffi" + SDIST,), covers=("libffi-dev",)),
    # `<name>+sdist`: an exact pin older than the first wheel for the image's Python, which pip
    # builds from its sdist (deps.built_from_source). Such a build links every optional library
    # it finds, so its runtime list is what a build on the full python image links: checked
    # with ldd on the .so files and dpkg -S on python:3.11 (bookworm) and python:3.13 (trixie),
    # after adding the ImageMagick/glib -dev packages the official (buildpack-deps) images
    # have and the lab's lack. Its build list is the -dev packages of the same libraries, so a
    # single slim stage builds the same features.
    "pillow" + SDIST: _Need(
        build=(
            *_CC, *_PILLOW_DEV,
            # Pillow finds libtiff's multiarch headers only through `pkg-config libtiff-4`:
            # without it a slim single stage built Pillow 9.1.1 without TIFF.
            "pkg-config",
        ),
        runtime=(
            "libjpeg62-turbo", "libfreetype6", "libwebp7", "libwebpmux3", "libwebpdemux2",
            "libtiff6", "liblcms2-2", "libopenjp2-7", "libxcb1",
        ),
        why="a source build links the image libraries the full python image has",
    ),
    "lxml" + SDIST: _Need(
        build=(*_CC, "libxml2-dev", "libxslt1-dev"), runtime=("libxml2", "libxslt1.1")
    ),
    # _cffi_backend links only libffi8, which the slim image has for Python's own _ctypes.
    "cffi" + SDIST: _Need(build=(*_CC, "libffi-dev"), why="libffi8 is in the slim image"),
    # numpy 1.23.1 built on python:3.11 links only libc and libm: the full image has no BLAS,
    # so it uses its bundled lapack_lite.
    "numpy" + SDIST: _Need(build=(*_CC, "g++"), why="it links only libc and libm"),
    # Its two extension modules link only libc (ldd on psutil 5.9.0 built on python:3.11).
    "psutil" + SDIST: _Need(build=_CC, why="it links only libc"),
    "cryptography": _Need(
        why="ships manylinux wheels with OpenSSL bundled", covers=("libssl-dev", "libffi-dev")
    ),
    "uwsgi": _Need(build=_CC, why="it has no wheels and compiles on every install"),
    # An sdist only, C extensions and all (pycrypto 2.6.1, the last release, 2013): every
    # install compiles it. Its optional _fastmath links libgmp10, which the slim image has.
    "pycrypto": _Need(build=_CC, why="it has no wheels and compiles on every install"),
    "pylibmc": _Need(
        build=(*_CC, "libmemcached-dev", "zlib1g-dev"), runtime=("libmemcached11",)
    ),
    "pycairo": _Need(build=(*_CC, "libcairo2-dev", "pkg-config"), runtime=("libcairo2",)),
    "cairocffi": _Need(runtime=("libcairo2",)),
    "pygraphviz": _Need(build=(*_CC, "libgraphviz-dev"), runtime=("libgvc6", "libcgraph6")),
    "m2crypto": _Need(build=(*_CC, "swig", "libssl-dev"), runtime=("libssl3",)),
    "gssapi": _Need(build=(*_CC, "libkrb5-dev"), runtime=("libgssapi-krb5-2",)),
    "pykerberos": _Need(build=(*_CC, "libkrb5-dev"), runtime=("libgssapi-krb5-2",)),
    "wand": _Need(runtime=("libmagickwand-6.q16-6",), why="it loads ImageMagick with ctypes"),
    "pyzbar": _Need(runtime=("libzbar0",)),
    "pdf2image": _Need(runtime=("poppler-utils",), why="it runs pdftoppm"),
    "pytesseract": _Need(runtime=("tesseract-ocr",), why="it runs tesseract"),
    "pdfkit": _Need(runtime=("wkhtmltopdf",), why="it runs wkhtmltopdf"),
    "ffmpeg-python": _Need(runtime=("ffmpeg",), why="it runs ffmpeg"),
    "python-gnupg": _Need(runtime=("gnupg",), why="it runs gpg"),
}

# Distributions that pull one of the above in as a dependency, for projects whose requirements
# list only direct dependencies (no lock file to show the transitive ones).
_IMPLIES: dict[str, tuple[str, ...]] = {
    "django-auth-ldap": ("python-ldap",),
    "python3-saml": ("xmlsec",),
    "djangosaml2": ("pysaml2",),
    "django-weasyprint": ("weasyprint",),
    "mssql-django": ("pyodbc",),
    "django-mssql-backend": ("pyodbc",),
    "django-pyodbc-azure": ("pyodbc",),
    "django-heroku": ("psycopg2",),
    "cairosvg": ("cairocffi",),
}

# A -dev package -> the library packages a build against it loads at run time, which the final
# stage of a multi-stage build must install once the -dev package stays in the builder. Each row
# is the package's own Depends (`apt-cache depends --no-recommends <pkg>` on python:3.11,
# bookworm, and python:3.13, trixie, on the lab), less the other -dev packages, pkg-config,
# gir1.2-* typelibs and programs; the trixie names are in `_RENAMED`. Where Depends lists
# alternatives or add-ons that Python bindings do not link, the row keeps the one they do (a
# comment says which). An empty row: the library is in the slim images already (dpkg-query on
# python:3.11-slim and python:3.13-slim), or the package is headers only.
_DEV_RUNTIME: dict[str, tuple[str, ...]] = {
    # GIS: GeoDjango loads GDAL and GEOS with ctypes, so no built .so shows them in ldd.
    # libgdal32 itself depends on libgeos-c1v5 and libproj25.
    "libgdal-dev": ("libgdal32",),
    "libgeos-dev": ("libgeos-c1v5",),
    "libgeos++-dev": ("libgeos3.11.1",),
    "libproj-dev": ("libproj25",),
    "libspatialite-dev": ("libspatialite7",),
    # Rtree before 1.0 loads libspatialindex_c with ctypes (MTES-MCT/acceslibre installs it).
    "libspatialindex-dev": ("libspatialindex6", "libspatialindex-c6"),
    # Depends lists every crypto backend (gcrypt, gnutls, nss, openssl); python-xmlsec loads
    # the OpenSSL one, which depends on libxmlsec1.
    "libxmlsec1-dev": ("libxmlsec1-openssl",),
    "libmagic-dev": ("libmagic1",),
    "libldap2-dev": ("libldap-2.5-0",),  # transitional: depends on libldap-dev
    "libldap-dev": ("libldap-2.5-0",),
    "libsasl2-dev": ("libsasl2-2",),
    # libodbccr2 (the cursor library) is not linked by pyodbc.
    "unixodbc-dev": ("libodbc2", "libodbcinst2"),
    # libpangoxft (X11) and pango1.0-tools left out.
    "libpango1.0-dev": ("libpango-1.0-0", "libpangocairo-1.0-0", "libpangoft2-1.0-0"),
    # libcairo-gobject2 and the script interpreter serve other bindings.
    "libcairo2-dev": ("libcairo2",),
    "libharfbuzz-dev": ("libharfbuzz0b", "libharfbuzz-subset0"),
    "libfribidi-dev": ("libfribidi0",),
    "libfontconfig-dev": ("libfontconfig1",),
    "libfontconfig1-dev": ("libfontconfig1",),  # transitional: depends on libfontconfig-dev
    "libgdk-pixbuf-2.0-dev": ("libgdk-pixbuf-2.0-0",),
    "libgdk-pixbuf2.0-dev": ("libgdk-pixbuf-2.0-0",),  # transitional
    "libglib2.0-dev": ("libglib2.0-0",),
    "libgirepository1.0-dev": ("libgirepository-1.0-1",),
    "libvips-dev": ("libvips42",),
    "libpoppler-cpp-dev": ("libpoppler-cpp0v5",),
    "libpoppler-dev": ("libpoppler126",),
    "libqpdf-dev": ("libqpdf29",),
    "libzbar-dev": ("libzbar0",),
    "libtesseract-dev": ("libtesseract5",),
    # tesserocr links Leptonica too (freelawproject/doctor installs it next to libtesseract-dev).
    "libleptonica-dev": ("liblept5",),
    "libmagickwand-dev": ("libmagickwand-6.q16-6",),
    # Image libraries (the full python image has these -dev packages).
    "libjpeg-dev": ("libjpeg62-turbo",),  # depends on libjpeg62-turbo-dev
    "libjpeg62-turbo-dev": ("libjpeg62-turbo",),
    "libpng-dev": ("libpng16-16",),
    "libtiff-dev": ("libtiff6",),  # libtiffxx6 (C++) left out
    "libtiff5-dev": ("libtiff6",),  # provided by libtiff-dev
    "libwebp-dev": ("libwebp7", "libwebpmux3", "libwebpdemux2"),
    "libfreetype-dev": ("libfreetype6",),
    "libfreetype6-dev": ("libfreetype6",),  # transitional
    "liblcms2-dev": ("liblcms2-2",),
    "libopenjp2-7-dev": ("libopenjp2-7",),
    "libxcb1-dev": ("libxcb1",),
    # Databases, caches, queues.
    "libpq-dev": ("libpq5",),
    "default-libmysqlclient-dev": ("libmariadb3",),  # via libmariadb-dev-compat
    "libmariadb-dev": ("libmariadb3",),
    "libmariadb-dev-compat": ("libmariadb3",),
    "libmemcached-dev": ("libmemcached11", "libmemcachedutil2"),
    "libsnappy-dev": ("libsnappy1v5",),
    "libleveldb-dev": ("libleveldb1d",),
    "libzmq3-dev": ("libzmq5",),
    "librabbitmq-dev": ("librabbitmq4",),
    # XML, text, network, crypto.
    "libxml2-dev": ("libxml2",),
    "libxslt1-dev": ("libxslt1.1",),
    "libyaml-dev": ("libyaml-0-2",),
    "libcurl4-openssl-dev": ("libcurl4",),
    "libssh2-1-dev": ("libssh2-1",),
    "libssh-dev": ("libssh-4",),
    "libsodium-dev": ("libsodium23",),
    "libargon2-dev": ("libargon2-1",),
    "libnss3-dev": ("libnss3",),
    "libmaxminddb-dev": ("libmaxminddb0",),
    "libgeoip-dev": ("libgeoip1",),
    "libsnmp-dev": ("libsnmp40",),
    "libcups2-dev": ("libcups2",),
    "libev-dev": ("libev4",),
    "libuv1-dev": ("libuv1",),
    # libevent-extra/openssl/pthreads are add-ons of the core library.
    "libevent-dev": ("libevent-2.1-7",),
    "libmpfr-dev": ("libmpfr6",),
    "libmpc-dev": ("libmpc3",),
    "libopenblas-dev": ("libopenblas0",),
    "liblapack-dev": ("liblapack3",),
    "libblas-dev": ("libblas3",),
    "libhdf5-dev": ("libhdf5-103-1", "libhdf5-hl-100"),
    "libgettextpo-dev": ("libgettextpo0",),
    # The Fortran compiler is a build tool like gcc (it depends on it), not a -dev package:
    # what it compiles (scipy, a f2py extension built from source) links libgfortran.so.5,
    # which the slim images lack. Without this row gfortran went to the final stage with gcc
    # and the rest of the toolchain (Jamshaa/Project-Web-1st-Activity).
    "gfortran": ("libgfortran5",),
    # The musl C library, for programs built with musl-gcc: the image's gcc and Python link
    # glibc, so nothing pip builds uses it (Dockerfiles carry it over from Alpine).
    "musl-dev": (),
    # In both slim images already.
    **dict.fromkeys(
        (
            "libffi-dev", "libssl-dev", "zlib1g-dev", "libz-dev", "libexpat1-dev",
            "libsqlite3-dev", "libbz2-dev", "liblzma-dev", "libreadline-dev", "libncurses-dev",
            "libncurses5-dev", "libncursesw5-dev", "libgdbm-dev", "libdb-dev", "libgmp-dev",
            "libgnutls28-dev", "libgcrypt20-dev", "libsystemd-dev", "libacl1-dev",
            "libkrb5-dev", "libxslt-dev", "libc6-dev", "libc-dev", "linux-libc-dev",
            "dpkg-dev",
        ),
        (),
    ),
}
# Headers only, no library of their own: Python's (the official images carry their Python;
# python-dev-is-python3 is Debian's name for python3-dev under the old `python-dev`, without
# the -dev suffix: Lee0701/django-ldap-user-registration), the compilers' C++ standard library
# and runtime parts (the slim images have libstdc++6).
_HEADERS_ONLY = re.compile(
    r"(lib)?python[0-9.]*-dev(-is-python3)?|lib(stdc\+\+|gcc)-[0-9]+-dev"
)


# A compiler named with its GCC version (`gfortran-12`, what a Dockerfile pins to match a
# release's default) is the same build tool as its unversioned name: without this gfortran-12
# and the gcc-12 toolchain it depends on went to the final stage.
_VERSIONED_TOOL = re.compile(r"(gfortran)-[0-9]+")


def _unversioned(name: str) -> str:
    match = _VERSIONED_TOOL.fullmatch(name)
    return match.group(1) if match else name


def is_dev_package(name: str) -> bool:
    """A -dev package: headers and link files for building, nothing a running program uses."""
    return (
        name.endswith("-dev")
        or _unversioned(name) in _DEV_RUNTIME
        or bool(_HEADERS_ONLY.fullmatch(name))
    )


def dev_runtime(
    dev_packages: Iterable[str], covered: Iterable[str], release: str = DEFAULT_RELEASE
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """({-dev package: its runtime packages}, unknown -dev packages) for those a builder installs.

    A -dev package in `covered` (SystemNeeds.covers: psycopg2-binary covers libpq-dev) is the
    dependency table's business and adds nothing. The others add the library packages they
    depend on, as a program built against them (or loading them with ctypes, as GeoDjango
    does) needs at run time; those the table does not know come back in the second tuple.
    """
    done = set(covered)
    runtime: dict[str, tuple[str, ...]] = {}
    unknown: list[str] = []
    for dev in dict.fromkeys(dev_packages):
        if dev in done or _HEADERS_ONLY.fullmatch(dev):
            continue
        tool = _unversioned(dev)
        if tool in _DEV_RUNTIME:
            runtime[dev] = _for_release(_DEV_RUNTIME[tool], release)
        else:
            unknown.append(dev)
    return runtime, tuple(unknown)


# The unversioned link names (`libgdal.so`) that a -dev package ships in the multiarch library
# directory, next to the soname its library package ships (`libgdal.so.32`), per release.
# GeoDjango's GDAL_LIBRARY_PATH / GEOS_LIBRARY_PATH are often set to the link
# (`/usr/lib/x86_64-linux-gnu/libgdal.so`): once the -dev package stays in the builder, nothing
# in the final stage provides that name. Checked with `dpkg -c` of the bookworm packages
# (libgdal-dev 3.6.2: libgdal.so -> libgdal.so.32; libgeos-dev: libgeos_c.so -> libgeos_c.so.1;
# libproj-dev: libproj.so -> libproj.so.25); the other releases' sonames are their library
# packages' numbers (libgdal36, libgdal28, libproj19).
_DEV_LINKS: dict[str, dict[str, dict[str, str]]] = {
    "libgdal-dev": {
        "libgdal.so": {"bullseye": "libgdal.so.28", "bookworm": "libgdal.so.32",
                       "trixie": "libgdal.so.36"},
    },
    "libgeos-dev": {
        "libgeos_c.so": dict.fromkeys(RELEASES, "libgeos_c.so.1"),
    },
    "libproj-dev": {
        "libproj.so": {"bullseye": "libproj.so.19", "bookworm": "libproj.so.25",
                       "trixie": "libproj.so.25"},
    },
}
_MULTIARCH_LIB = re.compile(r"/usr/lib/(x86_64|aarch64|arm|i386|powerpc64le|s390x)-linux-gnu[a-z]*")


def dev_link_target(dev_packages: Iterable[str], path: str, release: str) -> str | None:
    """The soname a path names through a link only one of these -dev packages ships
    (`/usr/lib/x86_64-linux-gnu/libgdal.so` with libgdal-dev: `libgdal.so.32`), else None."""
    directory, _, name = path.rpartition("/")
    if not _MULTIARCH_LIB.fullmatch(directory):
        return None
    for dev in dev_packages:
        target = _DEV_LINKS.get(dev, {}).get(name, {}).get(release)
        if target is not None:
            return target
    return None


# Bookworm name -> name in another release; a missing key means the name did not change.
_RENAMED: dict[str, dict[str, str]] = {
    "trixie": {
        "libgdal32": "libgdal36",
        "libgeos-c1v5": "libgeos-c1t64",
        "libldap-2.5-0": "libldap2",
        "libldap2-dev": "libldap-dev",
        "libxmlsec1-openssl": "libxmlsec1t64-openssl",
        "libmagic1": "libmagic1t64",
        "libmemcached11": "libmemcached11t64",
        "libssl3": "libssl3t64",
        "libzbar0": "libzbar0t64",
        "libmagickwand-6.q16-6": "libmagickwand-7.q16-10",
        # From the -dev packages' Depends on python:3.13 (see _DEV_RUNTIME).
        "libgeos3.11.1": "libgeos3.13.1",
        "libspatialite7": "libspatialite8t64",
        "libmemcachedutil2": "libmemcachedutil2t64",
        "libglib2.0-0": "libglib2.0-0t64",
        "libvips42": "libvips42t64",
        "libpoppler-cpp0v5": "libpoppler-cpp2",
        "libpoppler126": "libpoppler147",
        "libqpdf29": "libqpdf30",
        "libpng16-16": "libpng16-16t64",
        "libcurl4": "libcurl4t64",
        "libssh2-1": "libssh2-1t64",
        "libgeoip1": "libgeoip1t64",
        "libsnmp40": "libsnmp40t64",
        "libcups2": "libcups2t64",
        "libev4": "libev4t64",
        "libuv1": "libuv1t64",
        "libevent-2.1-7": "libevent-2.1-7t64",
        "libhdf5-103-1": "libhdf5-310",
        "libhdf5-hl-100": "libhdf5-hl-310",
        "liblept5": "libleptonica6",
        "libspatialindex6": "libspatialindex8",
        "libspatialindex-c6": "libspatialindex-c8",
    },
    "bullseye": {
        "libgdal32": "libgdal28",
        "libtiff6": "libtiff5",
        "libwebp7": "libwebp6",
        "libproj25": "libproj19",
        "libldap-2.5-0": "libldap-2.4-2",
        "libssl3": "libssl1.1",
        "libzbar0": "libzbar0",
    },
}

# Packages that are gone from a release altogether (wkhtmltopdf was dropped from trixie).
_UNAVAILABLE: dict[str, frozenset[str]] = {"trixie": frozenset({"wkhtmltopdf"})}

# Programs that RUN lines call -> the Debian package that provides them.
TOOL_PACKAGES: dict[str, str] = {
    "curl": "curl",
    "wget": "wget",
    "git": "git",
    "gcc": "gcc",
    "cc": "gcc",
    "g++": "g++",
    "c++": "g++",
    "make": "make",
    "pkg-config": "pkg-config",
    "unzip": "unzip",
    "zip": "zip",
    "xz": "xz-utils",
    "bzip2": "bzip2",
    "gpg": "gnupg",
    "ssh": "openssh-client",
    "ssh-keyscan": "openssh-client",
    "psql": "postgresql-client",
    "pg_dump": "postgresql-client",
    "pg_isready": "postgresql-client",
    "pg_config": "libpq-dev",
    "mysql": "default-mysql-client",
    "mysql_config": "default-libmysqlclient-dev",
    "gdal-config": "libgdal-dev",
    "ogr2ogr": "gdal-bin",
    "msgfmt": "gettext",
    "envsubst": "gettext-base",
    "nc": "netcat-openbsd",
    "ps": "procps",
    "jq": "jq",
    "tini": "tini",
    "gosu": "gosu",
    "node": "nodejs",
    "npm": "npm",
    "xmlsec1": "xmlsec1",
    "convert": "imagemagick",
    "ffmpeg": "ffmpeg",
    "locale-gen": "locales",
    "update-ca-certificates": "ca-certificates",
    "file": "file",
    "rsync": "rsync",
    "swig": "swig",
}


# TOOL_PACKAGES' programs that the full python:X.Y image (buildpack-deps) already has: a script
# or a start command may call them without installing anything, and slim lacks every one.
FULL_IMAGE_TOOLS: frozenset[str] = frozenset(
    {
        "curl", "wget", "git", "gcc", "cc", "g++", "c++", "make", "pkg-config", "unzip",
        "xz", "bzip2", "gpg", "ssh", "ssh-keyscan", "pg_config", "mysql_config", "ps",
        "file", "convert",
    }
)


def system_needs(
    packages: Iterable[str], release: str = DEFAULT_RELEASE, *, needs_git: bool = False
) -> SystemNeeds:
    """Debian packages the given distributions need on `release`; sorted, without duplicates.

    `packages` may also hold installed app labels ("django.contrib.gis"). With `needs_git`
    (requirements fetched with git+https://...), the build needs git.
    """
    names: set[str] = set()
    compiled: list[str] = []
    for package in packages:
        if package.endswith(SDIST) and package in _TABLE:
            names.add(package)  # a source twin from deps.built_from_source, taken as it is
            continue
        if package.endswith(SOURCE_BUILD):
            # deps.locked_source_builds: a C extension its lock shows no wheel of for this
            # Python; what it links is not known, so only a toolchain. One the table knows
            # gets its own needs instead (psycopg2: libpq-dev; Pillow's source twin).
            base = package[: -len(SOURCE_BUILD)]
            if base + SDIST in _TABLE:
                names.add(base + SDIST)
            elif base not in _TABLE:
                compiled.append(base)
            continue
        # Tolerate requirement-style names ("psycopg[binary]") from callers that did not normalise.
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?", package or "")
        if not match:
            continue
        name = normalize_name(match.group(1))
        names.add(name)
        for extra in (match.group(2) or "").split(","):
            implied = EXTRA_DISTRIBUTIONS.get((name, normalize_name(extra.strip())))
            if implied:
                names.add(implied)
    pending = list(names)
    while pending:
        for implied in _IMPLIES.get(pending.pop(), ()):
            if implied not in names:
                names.add(implied)
                pending.append(implied)

    build: set[str] = set()
    runtime: set[str] = set()
    reasons: list[str] = []
    covers: set[str] = set()
    for name in sorted(names):
        need = _TABLE.get(name)
        if need is not None:
            # Even when another distribution makes the entry moot: that one decides instead.
            covers.update(need.build, need.covers)
        if need is None or any(u in names for u in need.unless):
            continue
        wanted_build = _for_release(need.build, release)
        wanted_runtime = _for_release(need.runtime, release)
        build.update(wanted_build)
        runtime.update(wanted_runtime)
        reasons.append(_reason(name, wanted_build, wanted_runtime, need.why))
    if compiled:
        toolchain = (*_CC, "g++")
        build.update(toolchain)
        reasons.append(
            f"{', '.join(sorted(compiled))} builds from source: needs {', '.join(toolchain)} "
            "(the lock file lists compiled wheels, none for this Python on Linux; a library "
            "it links is not known: add its -dev package to the build and its library to the "
            "final stage if the build or the import fails)"
        )
    if needs_git:
        build.add("git")
        reasons.append("requirements fetched with git: the build needs git")
    return SystemNeeds(
        tuple(sorted(build)), tuple(sorted(runtime)), tuple(reasons), tuple(sorted(covers))
    )


def debian_release(base_image: str) -> str:
    """The Debian release a python (or debian) base image is built on.

    An explicit codename in the tag wins. Otherwise the python version decides: the images for
    3.13 and later are trixie, earlier ones bookworm. Anything unrecognised is taken as bookworm.
    """
    name, tag = image_name_and_tag(base_image)
    lowered = tag.lower()
    for codename in RELEASES:
        if codename in lowered:
            return codename
    image = name.rsplit("/", 1)[-1].lower()
    pinned = _patch_release(name, lowered)
    if pinned is not None:
        return pinned
    if image == "debian":
        major = re.match(r"(\d+)", lowered)
        by_number = {"11": "bullseye", "12": "bookworm", "13": "trixie"}
        if major and major.group(1) in by_number:
            return by_number[major.group(1)]
        return DEFAULT_RELEASE
    version = re.match(r"(\d+)\.(\d+)", lowered)
    if version and (int(version.group(1)), int(version.group(2))) >= (3, 13):
        return "trixie"
    return DEFAULT_RELEASE


# The official python images' tags that name no Debian release follow Debian's newest one:
# since August 2025 (docker-library/python 093598a) `python:3.11-slim` and the other minors'
# floating tags are trixie, where they had been bookworm. Their release is what the tool reads
# from the tag (debian_release: bookworm below 3.13), which is what a builder that has not
# pulled since then, and this lab, still get.
_FLOATING_TAG = re.compile(r"^(\d+)\.(\d+)(?:-slim)?$")


def release_pin(base_image: str, packages: Iterable[str]) -> tuple[str, list[str]] | None:
    """(the release to pin, the packages that need it) when `base_image` is an official python
    image whose tag names no release and floats across releases (`python:3.11`,
    `python:3.12-slim`), and some of `packages` are named differently, or missing, in the
    release the tag now points to on Docker Hub (trixie): `apt-get install libgdal32`, chosen
    for bookworm, fails on a python:3.11-slim pulled after August 2025 (wagtail/bakerydemo#552,
    browser-use/web-ui#681). None when nothing needs a pin."""
    name, tag = image_name_and_tag(base_image)
    lowered = tag.lower()
    if not _OFFICIAL_PYTHON.match(name.lower()) or "$" in base_image or "@" in base_image:
        return None
    match = _FLOATING_TAG.match(lowered)
    if match is None or (int(match.group(1)), int(match.group(2))) >= (3, 13):
        return None
    release = debian_release(base_image)
    newest = "trixie"
    if release == newest:
        return None
    renamed = _RENAMED.get(newest, {})
    gone = _UNAVAILABLE.get(newest, frozenset())
    differ = [p for p in packages if p in renamed or p in gone]
    return (release, differ) if differ else None


def pinned_image(image: str, release: str) -> str:
    """`python:3.11` -> `python:3.11-bookworm`; `python:3.11-slim` -> `...-slim-bookworm`."""
    return f"{image}-{release}"


def archived_release(base_image: str) -> str | None:
    """The archived Debian release a base image is on, if it is on one: named by its tag
    (`python:3.8-slim-buster`), or implied by a pinned patch release built before bullseye
    (`python:3.8.5-slim`): an apt-get install added there would fail where the original built."""
    name, tag = image_name_and_tag(base_image)
    lowered = tag.lower()
    named = next((r for r in ARCHIVED_RELEASES if r in lowered), None)
    if named is not None or any(r in lowered for r in RELEASES):
        return named
    pinned = _patch_release(name, lowered)
    return pinned if pinned in ARCHIVED_RELEASES else None


# The official python image of a patch release (`python:3.8.5-slim`) keeps the Debian release
# it was last built on: its tag stops moving once the next patch is out. Debian 11 became the
# images' default in August 2021 and 12 in June 2023; a patch release current at a switch was
# rebuilt on the new one. The last patch still current before bullseye counts as buster here
# (when unsure, the archived release: the tool then adds no apt-get, where a wrong guess would
# add one that fails); 3.5 and older never left buster (or stretch).
_OFFICIAL_PYTHON = re.compile(rf"^{OFFICIAL_PREFIX}python$")
_LAST_ON_BUSTER = {(3, 6): 14, (3, 7): 11, (3, 8): 11, (3, 9): 6}
_FIRST_ON_BOOKWORM = {(3, 7): 17, (3, 8): 17, (3, 9): 17, (3, 10): 12, (3, 11): 4}


def _patch_release(name: str, tag: str) -> str | None:
    """The Debian release of the official python image `name:tag` (Docker Hub's, or a mirror's
    `.../library/python`) when the tag pins a patch release from before bookworm (`3.8.5-slim`:
    buster; `3.10.4`: bullseye); None otherwise."""
    if not _OFFICIAL_PYTHON.match(name.lower()):
        return None
    match = re.match(r"(\d+)\.(\d+)\.(\d+)(?![\d.])", tag)
    if not match:
        # A minor's own tag (`python:3.6`, `3.6-slim`) of a Python whose images stopped before
        # bookworm names its last build: 3.6.15 on bullseye, 3.5.10 on buster (cleo's
        # `FROM python:3.6` got bookworm's libgdal32 in its final stage, where bullseye has
        # libgdal28).
        minor_only = re.match(r"(\d+)\.(\d+)(?![\d.])", tag)
        if not minor_only:
            return None
        minor = (int(minor_only.group(1)), int(minor_only.group(2)))
        if minor[0] not in {2, 3}:
            return None
        if minor <= (3, 5):  # 2.7 too: 2.7.18's images are buster's
            return "buster"
        return "bullseye" if minor == (3, 6) else None
    minor = (int(match.group(1)), int(match.group(2)))
    patch = int(match.group(3))
    if minor <= (3, 5) or patch <= _LAST_ON_BUSTER.get(minor, -1):
        return "buster"
    if minor == (3, 6) or patch < _FIRST_ON_BOOKWORM.get(minor, 0):
        return "bullseye"
    return None


def runtime_package(name: str, release: str) -> str:
    """A bookworm package name as it is called on `release`."""
    return _RENAMED.get(release, {}).get(name, name)


def _for_release(names: tuple[str, ...], release: str) -> tuple[str, ...]:
    gone = _UNAVAILABLE.get(release, frozenset())
    return tuple(dict.fromkeys(runtime_package(n, release) for n in names if n not in gone))


def _reason(name: str, build: tuple[str, ...], runtime: tuple[str, ...], why: str) -> str:
    if name.endswith(SDIST):
        name = f"{name[: -len(SDIST)]} (a pin older than its first wheel for this Python)"
    parts: list[str] = []
    if build:
        parts.append(f"builds from source: needs {', '.join(build)}")
    if runtime:
        parts.append(f"loads {', '.join(runtime)} at run time")
    text = f"{name} " + "; ".join(parts) if parts else name
    return f"{text} ({why})" if why and parts else f"{text}: {why}" if why else text
