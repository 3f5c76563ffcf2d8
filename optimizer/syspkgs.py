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
from optimizer.deps import EXTRA_DISTRIBUTIONS, SDIST

RELEASES = ("bullseye", "bookworm", "trixie")
DEFAULT_RELEASE = "bookworm"

_CC = ("gcc", "libc6-dev")
_CXX = ("g++", "libc6-dev")


@dataclass(frozen=True)
class SystemNeeds:
    build: tuple[str, ...] = ()
    runtime: tuple[str, ...] = ()
    # Human-readable, one per distribution: "psycopg2 builds from source: needs gcc, libpq-dev".
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Need:
    build: tuple[str, ...] = ()
    runtime: tuple[str, ...] = ()
    why: str = ""  # appended to the generated reason
    # Distributions whose presence makes this entry moot (psycopg[binary] bundles libpq).
    unless: tuple[str, ...] = ()


# Keys are PEP 503-normalised distribution names. "django-contrib-gis" is the installed app, for
# callers that pass INSTALLED_APPS along with the packages.
_TABLE: dict[str, _Need] = {
    "psycopg2": _Need(build=(*_CC, "libpq-dev"), runtime=("libpq5",)),
    "psycopg2-binary": _Need(why="ships a manylinux wheel with libpq bundled: nothing to install"),
    "psycopg": _Need(
        runtime=("libpq5",),
        why="the pure-Python implementation loads the system libpq",
        unless=("psycopg-binary", "psycopg-c"),
    ),
    "psycopg-c": _Need(build=(*_CC, "libpq-dev"), runtime=("libpq5",)),
    "psycopg-binary": _Need(why="ships a manylinux wheel with libpq bundled: nothing to install"),
    "mysqlclient": _Need(
        build=(*_CC, "default-libmysqlclient-dev", "pkg-config"), runtime=("libmariadb3",)
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
        build=(*_CC, "libldap2-dev", "libsasl2-dev"), runtime=("libldap-2.5-0", "libsasl2-2")
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
    "xmlsec": _Need(
        build=(*_CC, "libxmlsec1-dev", "pkg-config"), runtime=("libxmlsec1-openssl",)
    ),
    # pysaml2 signs and verifies by running the xmlsec1 program.
    "pysaml2": _Need(runtime=("xmlsec1",)),
    "pyodbc": _Need(build=(*_CXX, "unixodbc-dev"), runtime=("unixodbc",)),
    "python-magic": _Need(runtime=("libmagic1",)),
    "pillow": _Need(
        why="ships manylinux wheels with its image libraries bundled", unless=("pillow" + SDIST,)
    ),
    "lxml": _Need(
        why="ships manylinux wheels with libxml2/libxslt bundled", unless=("lxml" + SDIST,)
    ),
    "cffi": _Need(why="ships manylinux wheels", unless=("cffi" + SDIST,)),
    # `<name>+sdist`: an exact pin older than the first wheel for the image's Python, which pip
    # builds from its sdist (deps.built_from_source). Such a build links every optional library
    # it finds, so its runtime list is what a build on the full python image links: checked
    # with ldd on the .so files and dpkg -S on python:3.11 (bookworm) and python:3.13 (trixie),
    # after adding the ImageMagick/glib -dev packages the official (buildpack-deps) images
    # have and the lab's lack. Its build list is the -dev packages of the same libraries, so a
    # single slim stage builds the same features.
    "pillow" + SDIST: _Need(
        build=(
            *_CC, "libjpeg-dev", "zlib1g-dev", "libfreetype-dev", "libwebp-dev",
            "libtiff-dev", "liblcms2-dev", "libopenjp2-7-dev", "libxcb1-dev",
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
    "cryptography": _Need(why="ships manylinux wheels with OpenSSL bundled"),
    "uwsgi": _Need(build=_CC, why="it has no wheels and compiles on every install"),
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
    for package in packages:
        if package.endswith(SDIST) and package in _TABLE:
            names.add(package)  # a source twin from deps.built_from_source, taken as it is
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
    for name in sorted(names):
        need = _TABLE.get(name)
        if need is None or any(u in names for u in need.unless):
            continue
        wanted_build = _for_release(need.build, release)
        wanted_runtime = _for_release(need.runtime, release)
        build.update(wanted_build)
        runtime.update(wanted_runtime)
        reasons.append(_reason(name, wanted_build, wanted_runtime, need.why))
    if needs_git:
        build.add("git")
        reasons.append("requirements fetched with git: the build needs git")
    return SystemNeeds(tuple(sorted(build)), tuple(sorted(runtime)), tuple(reasons))


def debian_release(base_image: str) -> str:
    """The Debian release a python (or debian) base image is built on.

    An explicit codename in the tag wins. Otherwise the python version decides: the images for
    3.13 and later are trixie, earlier ones bookworm. Anything unrecognised is taken as bookworm.
    """
    reference = base_image.strip().split("@", 1)[0]
    name, _, tag = reference.rpartition(":")
    if "/" in tag or not name:
        # The colon was a registry port (or absent): there is no tag.
        name, tag = reference, ""
    lowered = tag.lower()
    for codename in RELEASES:
        if codename in lowered:
            return codename
    image = name.rsplit("/", 1)[-1].lower()
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
