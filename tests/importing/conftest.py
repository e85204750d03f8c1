from __future__ import annotations

from pathlib import Path

import pytest

from keepwise.storage import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws")
