"""Shared test setup: engine tests skip, with the reason, where no container engine answers."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    engine_items = [item for item in items if item.get_closest_marker("engine")]
    if not engine_items:
        return
    from optimizer.engine import engine_available

    if engine_available():
        return
    skip = pytest.mark.skip(
        reason="no container engine: start one with /work/shared/lab/engine-up "
        "(docker CLI + daemon needed)"
    )
    for item in engine_items:
        item.add_marker(skip)
