"""Prefect test fixtures; import them from tests/conftest.py (one harness per test session)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Prefect's test harness (a temporary SQLite server, ~10 s), with its home in a temp dir."""
    from prefect.settings import (
        PREFECT_HOME,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        PREFECT_UI_ENABLED,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    home = Path(os.environ.get("PREFECT_HOME") or tmp_path_factory.mktemp("prefect-home"))
    home.mkdir(parents=True, exist_ok=True)
    updates: dict[Any, Any] = {PREFECT_HOME: str(home), PREFECT_SERVER_ANALYTICS_ENABLED: False,
                               PREFECT_UI_ENABLED: False}
    with temporary_settings(updates=updates), prefect_test_harness(server_startup_timeout=60):
        yield home


def run_async(awaitable: Awaitable[T]) -> T:
    """Run an async flow call to completion from a synchronous test (or a worker thread)."""

    async def main() -> T:
        return await awaitable

    return asyncio.run(main())
