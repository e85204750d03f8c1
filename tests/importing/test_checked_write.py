"""The checked write: rows are checked as they are written, problems located only on a flag.

A clean import reads each file once; a row that breaks a rule rolls the write back and the
located pass reports it exactly as a person sees it in the file. These tests put the bad row
deep inside files large enough to be read in parallel chunks, into empty and non-empty tables,
and check that ids stay unique without a primary key.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from keepwise.application.importing import _numbered_ids_distinct, import_paths
from keepwise.domain.contract import TABLES
from keepwise.domain.contract.validate import checked_sql, problem_sql
from keepwise.errors import ContractError
from keepwise.storage import Workspace

ROWS = 150_000
CUSTOMERS = "customer_id,acquired_at\nC1,2024-01-01\nC2,2024-01-02\n"


def orders_csv(path: Path, rows: int = ROWS, **bad: tuple[int, str]) -> Path:
    """Write ``rows`` good orders; ``bad`` maps a column to ``(file row, raw line part)``."""
    lines = ["order_id,customer_id,ordered_at,amount"]
    for i in range(rows):
        lines.append(f"O{i},C{1 + i % 2},2024-03-{1 + i % 28:02d} 10:00:00,{i % 500}.25")
    for column, (row, value) in bad.items():
        order_id, customer_id, ordered_at, amount = lines[row - 1].split(",")
        fields = {"order_id": order_id, "customer_id": customer_id}
        fields |= {"ordered_at": ordered_at, "amount": amount}
        if column == "line":
            lines[row - 1] = value
            continue
        fields[column] = value
        lines[row - 1] = ",".join(fields.values())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def problems_of(ws: Workspace, *paths: Path) -> list[str]:
    with pytest.raises(ContractError) as info:
        import_paths(ws, list(paths))
    return [str(p) for p in info.value.problems]


def count(ws: Workspace, sql: str) -> int:
    with ws.connection(read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def with_customers(ws: Workspace, tmp_path: Path) -> Workspace:
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    import_paths(ws, [tmp_path / "customers.csv"])
    return ws


@pytest.mark.parametrize("stored_first", [False, True], ids=["empty table", "stored rows"])
@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (
            {"amount": (123_457, "1_000")},
            "row 123457, column 'amount': not a number (value '1_000')",
        ),
        (
            {"ordered_at": (98_765, "2024-03-01 10:00 Europe/Tallinn")},
            "row 98765, column 'ordered_at': not an ISO-8601 date (YYYY-MM-DD, optionally with "
            "time and zone) (value '2024-03-01 10:00 Europe/Tallinn')",
        ),
        (
            {"amount": (140_001, "-3")},
            "row 140001, column 'amount': must not be negative (value '-3')",
        ),
        (
            {"customer_id": (77_777, "C404")},
            "row 77777, column 'customer_id': unknown customer: not in customers (this import "
            "or already stored) (value 'C404')",
        ),
        (
            {"order_id": (100_001, "O7")},
            "row 100001, column 'order_id': duplicate id: the same id is on an earlier row of "
            "this file (value 'O7')",
        ),
        (
            {"line": (120_000, "O1x,C1")},
            "row 120000: malformed row: Expected Number of Columns: 4 Found: 2",
        ),
    ],
)
def test_one_bad_row_deep_in_a_large_file_is_located_exactly(
    with_customers: Workspace,
    tmp_path: Path,
    bad: dict[str, tuple[int, str]],
    expected: str,
    stored_first: bool,
) -> None:
    ws = with_customers
    (tmp_path / "good").mkdir()
    good = orders_csv(tmp_path / "good" / "orders.csv")
    if stored_first:
        import_paths(ws, [good])
    before = count(ws, "SELECT count(*) FROM orders"), count(ws, "SELECT count(*) FROM _imports")
    path = orders_csv(tmp_path / "orders.csv", **bad)
    problems = problems_of(ws, path)
    # DuckDB's reader may describe one ragged row twice; every problem names the same row
    assert problems[0] == f"{path}, {expected}"
    (row,) = (r for r, _ in bad.values())
    assert all(p.startswith(f"{path}, row {row}") for p in problems)
    after = count(ws, "SELECT count(*) FROM orders"), count(ws, "SELECT count(*) FROM _imports")
    assert after == before


def test_a_bad_value_equal_to_the_stored_one_once_cast_is_still_reported(
    with_customers: Workspace, tmp_path: Path
) -> None:
    ws = with_customers
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-01,1000\n")
    import_paths(ws, [path])
    path.write_text("order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-01,1_000\n")
    assert problems_of(ws, path) == [
        f"{path}, row 2, column 'amount': not a number (value '1_000')"
    ]


def test_duplicate_ids_across_files_into_an_empty_table(
    with_customers: Workspace, tmp_path: Path
) -> None:
    ws = with_customers
    a = orders_csv(tmp_path / "orders.a.csv", rows=1000)
    b = tmp_path / "orders.b.csv"
    b.write_text("order_id,customer_id,ordered_at,amount\nN1,C1,2024-01-01,1\nO5,C2,2024-01-01,2\n")
    assert problems_of(ws, a, b) == [
        f"{b}, row 3, column 'order_id': duplicate id: the same id is in another file of this "
        "import (value 'O5')"
    ]
    assert count(ws, "SELECT count(*) FROM orders") == 0


def test_ids_stay_unique_without_a_primary_key(with_customers: Workspace, tmp_path: Path) -> None:
    ws = with_customers
    with ws.connection(read_only=True) as con:
        keys = con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'orders' "
            "AND constraint_type = 'PRIMARY KEY'"
        ).fetchone()
    assert keys == (0,)
    path = orders_csv(tmp_path / "orders.csv", rows=5000)
    assert import_paths(ws, [path]).inserted == 5000
    changed = orders_csv(tmp_path / "orders.csv", rows=6000, amount=(3, "99.5"))
    result = import_paths(ws, [changed])
    assert (result.inserted, result.updated, result.unchanged) == (1000, 1, 4999)
    assert count(ws, "SELECT count(*) - count(DISTINCT order_id) FROM orders") == 0
    assert count(ws, "SELECT count(*) FROM orders") == 6000
    assert count(ws, "SELECT amount * 10 FROM orders WHERE order_id = 'O1'") == 995


def test_a_workspace_created_with_primary_keys_still_imports(ws: Workspace, tmp_path: Path) -> None:
    """Workspaces made before the keys were dropped keep theirs; the import works with both."""
    with ws.connection() as con:
        ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'orders'").fetchone()
        assert ddl is not None
        con.execute("DROP TABLE orders")
        con.execute(ddl[0].rstrip(");") + ', PRIMARY KEY ("order_id"));')
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    import_paths(ws, [tmp_path / "customers.csv"])
    path = orders_csv(tmp_path / "orders.csv", rows=2000)
    assert import_paths(ws, [path]).inserted == 2000
    result = import_paths(ws, [orders_csv(path, rows=2000, amount=(5, "1"))])
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1999)
    (tmp_path / "dup").mkdir()
    dup = orders_csv(tmp_path / "dup" / "orders.csv", rows=2000)
    dup.write_text(dup.read_text().replace("O9,", "O8,", 1))
    assert problems_of(ws, dup) == [
        f"{dup}, row 11, column 'order_id': duplicate id: the same id is on an earlier row of "
        "this file (value 'O8')"
    ]


@pytest.mark.parametrize(
    ("name", "text", "column", "value"),
    [
        # a malformed date inside a date-order rule (opened_at before closed_at)
        (
            "tickets",
            "ticket_id,customer_id,opened_at,closed_at\nT1,C1,1,2024-01-01\n",
            "opened_at",
            "1",
        ),
        # an impossible date written with a zone, which goes through the zone-aware cast
        (
            "orders",
            "order_id,customer_id,ordered_at,amount\nO1,C1,2024-02-30 10:00 +02:00,5\n",
            "ordered_at",
            "2024-02-30 10:00 +02:00",
        ),
    ],
    ids=["date-order-rule", "impossible-date-with-zone"],
)
def test_a_bad_date_is_reported_not_raised(
    with_customers: Workspace, tmp_path: Path, name: str, text: str, column: str, value: str
) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    assert problems_of(with_customers, path) == [
        f"{path}, row 2, column '{column}': not an ISO-8601 date (YYYY-MM-DD, optionally "
        f"with time and zone) (value '{value}')"
    ]


def test_zones_written_with_a_space_or_a_lower_case_z_import_as_utc(
    with_customers: Workspace, tmp_path: Path
) -> None:
    """The contract allows ``10:00 z`` and ``10:00 +02:00``; DuckDB's zone cast does not."""
    stamps = {
        "O1": ("2024-01-01 10:00:00 z", "2024-01-01 10:00:00"),
        "O2": ("2024-01-01 10:00:00z", "2024-01-01 10:00:00"),
        "O3": ("2024-01-01 10:00:00 +02:00", "2024-01-01 08:00:00"),
        "O4": ("2024-01-01T10:00 -0530", "2024-01-01 15:30:00"),
        "O5": ("2024-01-01 10:00:00Z", "2024-01-01 10:00:00"),
    }
    path = tmp_path / "orders.csv"
    rows = [f"{k},C1,{raw},5" for k, (raw, _) in stamps.items()]
    path.write_text("order_id,customer_id,ordered_at,amount\n" + "\n".join(rows) + "\n")
    import_paths(with_customers, [path])
    with with_customers.connection(read_only=True) as con:
        stored = dict(
            con.execute(
                "SELECT order_id, strftime(ordered_at, '%Y-%m-%d %H:%M:%S') FROM orders"
            ).fetchall()
        )
    assert stored == {k: utc for k, (_, utc) in stamps.items()}


CELL = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\u00a0",
            "1",
            " 7 ",
            "-1",
            "+2.5",
            ".5",
            "5.",
            "1e3",
            "1_000",
            "inf",
            "nan",
            "0x10",
            "2.0",
            "3",
            "6",
            "yes",
            "No",
            "maybe",
            "complaint",
            "Billing",
            "rant",
            "2024-01-05",
            "2024-01-05T10:00",
            "2024-01-05 10:00:00+02:00",
            "2024-01-04 23:00:00Z",
            "2024-02-30",
            "2024-1-5",
            "05/01/2024",
            "2024-01-05 10:00 Europe/Tallinn",
            "\u00a02024-01-06\u3000",
        ]
    ),
    st.text(alphabet="0123456789 .+-eE_:TZz", max_size=12),
)
TICKET_COLUMNS = (
    "ticket_id",
    "customer_id",
    "opened_at",
    "first_response_at",
    "closed_at",
    "category",
    "handle_minutes",
    "touchpoints",
    "after_hours",
    "csat",
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CELL, min_size=len(TICKET_COLUMNS) - 1, max_size=len(TICKET_COLUMNS) - 1))
def test_the_checked_write_flags_exactly_the_rows_the_located_check_lists(
    cells: list[str],
) -> None:
    table = TABLES["tickets"]
    values = ["T1", *cells]
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    names = ", ".join(f'"{c}"' for c in TICKET_COLUMNS)
    holes = ", ".join("CAST(? AS VARCHAR)" for _ in TICKET_COLUMNS)
    con.execute(
        f"CREATE TABLE stg AS SELECT 2::BIGINT AS _row, NULL::JSON AS _extra, * "
        f"FROM (SELECT {holes}) t({names})",
        values,
    )
    found = con.execute(
        f"SELECT count(*) FROM ({problem_sql('stg', table, TICKET_COLUMNS)})"
    ).fetchone()
    breach = con.execute(
        f"SELECT _breach FROM ({checked_sql('stg', table, TICKET_COLUMNS)})"
    ).fetchone()
    assert found is not None and breach is not None
    assert breach[0] == (found[0] > 0), dict(zip(TICKET_COLUMNS, values, strict=True))


ID_SHAPES = st.tuples(
    st.sampled_from(["O", "INV-2024-", "", "C_", "Kü"]),
    st.sampled_from([0, 7]),  # zero-padded width, or none
    st.integers(0, 10**12),
    st.integers(1, 5),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=ID_SHAPES,
    twins=st.lists(st.integers(0, 4999), max_size=3),
    unpadded=st.lists(st.integers(0, 4999), max_size=3),
    foreign=st.lists(st.text(min_size=1, max_size=6), max_size=3),
)
def test_the_numbered_id_bitmap_never_clears_ids_that_repeat(
    shape: tuple[str, int, int, int],
    twins: list[int],
    unpadded: list[int],
    foreign: list[str],
) -> None:
    """A proof of distinct ids holds whatever the ids look like; numbered ones get the proof.

    The bitmap maps each id to a number; ids that repeat, that differ only in leading zeros,
    or that carry another prefix may collide, and then the exact count has to decide.
    """
    prefix, width, start, step = shape
    ids = [f"{prefix}{start + i * step:0{width}d}" for i in range(5000)]
    clean = not (twins or unpadded or foreign)
    ids += [ids[i] for i in twins]
    ids += [f"{prefix}{int(ids[i][len(prefix) :])}" for i in unpadded]
    ids += foreign
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(?) AS id", [ids])
    proved = _numbered_ids_distinct(con, "t", "id")
    if proved:
        assert len(set(ids)) == len(ids)
    if clean:
        assert proved


@pytest.mark.parametrize(
    "ids",
    [
        [f"{i:x}-{i}" for i in range(5000)],  # no common prefix length
        [f"o-{i}a" for i in range(5000)],  # no trailing number
        [f"O{i * 10**6}" for i in range(5000)],  # numbers too sparse for a bitmap
        [f"{i}" for i in range(5000)][:4000],  # too few ids to sample
    ],
    ids=["mixed prefixes", "letters last", "sparse", "small"],
)
def test_ids_the_bitmap_cannot_cover_are_left_to_the_exact_count(ids: list[str]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(?) AS id", [ids])
    assert not _numbered_ids_distinct(con, "t", "id")


def test_a_numbered_duplicate_in_a_large_parquet_file_is_found(
    with_customers: Workspace, tmp_path: Path
) -> None:
    ids = [f"O{i:07d}" for i in range(20_000)]
    ids[15_000] = "O0000042"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT unnest(?) AS order_id, 'C1' AS customer_id, "
        "TIMESTAMP '2024-01-01' AS ordered_at, 5.0 AS amount) TO ? (FORMAT parquet)",
        [ids, str(tmp_path / "orders.parquet")],
    )
    problems = problems_of(with_customers, tmp_path / "orders.parquet")
    assert problems == [
        f"{tmp_path / 'orders.parquet'}, row 15002, column 'order_id': duplicate id: the same id "
        "is on an earlier row of this file (value 'O0000042')"
    ]
    assert count(with_customers, "SELECT count(*) FROM orders") == 0
