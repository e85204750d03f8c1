"""The demo files pass the real importer, in both formats, and land row for row."""

from __future__ import annotations

from pathlib import Path

import pytest

from keepwise.application.demo import generate_business, write_business
from keepwise.application.importing import import_paths
from keepwise.storage.workspace import Workspace


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_demo_files_import_cleanly(tmp_path: Path, fmt: str) -> None:
    business = generate_business(300, seed=5)
    paths = write_business(business, tmp_path / "data", fmt=fmt)
    ws = Workspace.init(tmp_path / "ws")
    result = import_paths(ws, paths, user="test")
    expected = {name: t.num_rows for name, t in business.tables.items()}
    assert result.inserted == sum(expected.values())
    with ws.connection(read_only=True) as con:
        for name, rows in expected.items():
            assert con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0] == (rows,), name
        latest = con.execute("SELECT max(opened_at) FROM tickets").fetchall()[0][0]
        assert latest < business.as_of
        anonymous = con.execute(
            "SELECT count(*) FROM reviews WHERE customer_id IS NULL"
        ).fetchall()[0][0]
        assert anonymous == business.tables["reviews"]["customer_id"].null_count
    again = import_paths(ws, paths, user="test")
    assert again.inserted == 0 and again.unchanged == sum(expected.values())
