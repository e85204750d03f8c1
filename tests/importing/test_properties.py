"""Properties of the parser and validator: valid rows round-trip, any corruption is located."""

from __future__ import annotations

import csv
import tempfile
from datetime import datetime
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from keepwise.application.importing import import_paths
from keepwise.domain.contract.validate import norm
from keepwise.errors import ContractError
from keepwise.storage import Workspace

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
    max_size=20,
).filter(lambda s: s == s.strip())
money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)


@st.composite
def customers(draw: st.DrawFn) -> list[dict[str, object]]:
    n = draw(st.integers(1, 8))
    ids = draw(
        st.lists(
            st.text("abcXYZ0189-_", min_size=1, max_size=6), min_size=n, max_size=n, unique=True
        )
    )
    return [
        {
            "customer_id": i,
            "name": draw(text) or None,
            "acquired_at": draw(moments),
            "strategic": draw(st.booleans()),
            "annual_contract_value": draw(st.none() | money),
        }
        for i in ids
    ]


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v)


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: _cell(v) for k, v in r.items()})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(customers())
def test_valid_rows_round_trip(rows: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        path = Path(tmp) / "customers.csv"
        _write(path, rows)
        assert import_paths(ws, [path]).inserted == len(rows)
        with ws.connection(read_only=True) as con:
            got = con.execute(
                "SELECT customer_id, name, acquired_at, strategic, annual_contract_value "
                "FROM customers"
            ).fetchall()
    by_id = {g[0]: g for g in got}
    for r in rows:
        g = by_id[r["customer_id"]]
        assert g[1] == r["name"]
        assert g[2] == r["acquired_at"]
        assert g[3] is r["strategic"]
        assert g[4] == r["annual_contract_value"]


CORRUPTIONS = {
    "acquired_at": ["2024-02-30", "yesterday", "2024/01/01", ""],
    "strategic": ["perhaps", "2"],
    "annual_contract_value": ["-1", "12,5", "abc"],
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(customers(), st.data())
def test_any_single_corruption_is_caught_and_located(
    rows: list[dict[str, object]], data: st.DataObject
) -> None:
    row = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from(sorted(CORRUPTIONS)))
    bad = data.draw(st.sampled_from(CORRUPTIONS[column]))
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        path = Path(tmp) / "customers.csv"
        cells = [{k: _cell(v) for k, v in r.items()} for r in rows]
        cells[row][column] = bad
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(cells[0]))
            w.writeheader()
            w.writerows(cells)
        with pytest.raises(ContractError) as info:
            import_paths(ws, [path])
        with ws.connection(read_only=True) as con:
            assert con.execute("SELECT count(*) FROM customers").fetchone() == (0,)
    located = [(p.row, p.column) for p in info.value.problems]
    assert located == [(row + 2, column)]
    assert str(path) in str(info.value)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.one_of(
                st.characters(blacklist_categories=("Cs",)),
                st.sampled_from(" \t\u00a0\u2003\u3000\u202f\ufeffa1-"),
            ),
            max_size=8,
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_trim_shortcut_reads_every_value_as_trim_does(values: list[str]) -> None:
    """``norm`` skips ``trim`` for all-ASCII text without a space; that must change nothing."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(?) AS v", [values])
    rows = con.execute(f"SELECT {norm('v')}, NULLIF(trim(v), '') FROM t").fetchall()
    assert all(ours == reference for ours, reference in rows), rows


@st.composite
def order_batches(draw: st.DrawFn) -> list[list[dict[str, object]]]:
    """Two batches of orders in random order; the second may change rows of the first."""
    ids = [f"C{i}" for i in range(draw(st.integers(1, 5)))]

    def order(n: int) -> dict[str, object]:
        return {
            "order_id": f"O{n}",
            "customer_id": draw(st.sampled_from(ids)),
            "ordered_at": draw(moments),
            "amount": draw(money),
        }

    first = [order(n) for n in range(draw(st.integers(1, 12)))]
    second = [order(n) for n in draw(st.lists(st.integers(0, 20), unique=True, max_size=12))]
    return [first, second]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order_batches())
def test_each_import_stores_its_rows_by_customer_then_time(
    batches: list[list[dict[str, object]]],
) -> None:
    """Whatever order a file is in, its rows are stored sorted by customer and event time."""
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        _write(
            Path(tmp) / "customers.csv",
            [{"customer_id": f"C{i}", "acquired_at": datetime(2000, 1, 1)} for i in range(5)],
        )
        import_paths(ws, [Path(tmp) / "customers.csv"])
        for batch in batches:
            if not batch:
                continue
            path = Path(tmp) / "orders.csv"
            _write(path, batch)
            result = import_paths(ws, [path])
            with ws.connection(read_only=True) as con:
                stored = con.execute(
                    "SELECT customer_id, ordered_at FROM orders "
                    "WHERE _import_id = ? ORDER BY rowid",
                    [result.import_id],
                ).fetchall()
            assert len(stored) == result.inserted + result.updated
            assert stored == sorted(stored)
