"""Fixtures of the value tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from value.value_store import Store


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store()
    yield s
    s.con.close()
