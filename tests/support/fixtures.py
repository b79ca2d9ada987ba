"""Pytest fixtures for Telegram tests; import them from tests/conftest.py."""

from collections.abc import Iterator

import pytest

from tests.support.botapi import FakeBotAPI


@pytest.fixture
def botapi() -> Iterator[FakeBotAPI]:
    """A local Bot API server on 127.0.0.1, started for one test and stopped after it."""
    with FakeBotAPI() as fake:
        yield fake
