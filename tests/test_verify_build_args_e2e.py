"""engine.build with a compose service's build args and target, on the lab engine.

The image built must be the stage compose names, with the arg's value, not the last stage
with the ARG's default (tests/test_verify_build_args.py has the plan's side).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from optimizer import engine

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM debian:bookworm-slim AS base
ARG MODE=default
ENV MODE_SEEN=$MODE
FROM base AS web
CMD ["echo", "web"]
FROM base AS other
CMD ["echo", "other"]
"""


def test_the_build_takes_the_args_and_the_target(tmp_path: Path) -> None:
    if not engine.engine_available() or not engine.image_exists("debian:bookworm-slim"):
        pytest.skip("no engine or no debian:bookworm-slim stand-in (run ../shared/lab/images-up)")
    run_id = f"verify12-args-{uuid.uuid4().hex[:8]}"
    labels = {"dj-optimize.run": run_id}
    tagged = f"{run_id}-tagged"
    plain = f"{run_id}-plain"
    try:
        result = engine.build(
            tmp_path, DOCKERFILE, tagged, timeout=300, labels=labels,
            build_args={"MODE": "compose"}, target="web",
        )
        assert result.ok, result.log_tail
        info = engine.image_info(tagged)
        assert info.cmd == ["echo", "web"]
        assert info.env.get("MODE_SEEN") == "compose"
        result = engine.build(tmp_path, DOCKERFILE, plain, timeout=300, labels=labels)
        assert result.ok, result.log_tail
        info = engine.image_info(plain)
        assert info.cmd == ["echo", "other"]
        assert info.env.get("MODE_SEEN") == "default"
        missing = engine.build(
            tmp_path, DOCKERFILE, f"{run_id}-missing", timeout=300, labels=labels,
            target="production",
        )
        assert not missing.ok
        assert any("production" in line for line in missing.errors + missing.log_tail)
    finally:
        assert not engine.remove(images=[tagged, plain, f"{run_id}-missing"])
        assert engine.find_labelled(run_id).empty()
