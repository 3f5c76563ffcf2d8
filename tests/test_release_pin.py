"""Floating python tags and runtime packages named for one Debian release
(optimizer/syspkgs.release_pin; used by multi-stage and slim-base).

Since August 2025 Docker Hub's `python:3.11-slim` (and every minor's tag without a release) is
trixie, where it had been bookworm (docker-library/python 093598a; wagtail/bakerydemo#552,
browser-use/web-ui#681). The tool reads such a tag as bookworm, as this lab has it, and names
runtime packages for bookworm: `libgdal32`, `libmagic1`, which trixie calls `libgdal36`,
`libmagic1t64`. Added to a floating tag, the install failed on a fresh pull. Found by
sweep23 (DanilMirosh/car_search_Welbex: libgdal32). Now both stages are pinned to the release
the names are for; where no name differs (libpq5), nothing is pinned.
"""

from __future__ import annotations

import pytest

from optimizer.syspkgs import pinned_image, release_pin


@pytest.mark.parametrize(
    ("image", "packages", "expected"),
    [
        ("python:3.11", ["libpq5", "libgdal32"], ("bookworm", ["libgdal32"])),
        ("python:3.12-slim", ["libmagic1"], ("bookworm", ["libmagic1"])),
        ("docker.io/library/python:3.10", ["libldap-2.5-0"], ("bookworm", ["libldap-2.5-0"])),
        # names that are the same in both releases: no pin
        ("python:3.11", ["libpq5", "libjpeg62-turbo", "libmariadb3"], None),
        # the release is named, pinned by a patch release or a digest, or already trixie
        ("python:3.11-slim-bookworm", ["libgdal32"], None),
        ("python:3.11.9-slim", ["libgdal32"], None),
        ("python:3.11@sha256:" + "a" * 64, ["libgdal32"], None),
        ("python:3.13-slim", ["libgdal36"], None),
        # not the official image, or spelled through a build variable
        ("myorg/python:3.11", ["libgdal32"], None),
        ("python:${PY}", ["libgdal32"], None),
    ],
)
def test_release_pin(image: str, packages: list[str], expected: object) -> None:
    assert release_pin(image, packages) == expected


def test_pinned_image() -> None:
    assert pinned_image("python:3.11", "bookworm") == "python:3.11-bookworm"
    assert pinned_image("python:3.11-slim", "bookworm") == "python:3.11-slim-bookworm"
