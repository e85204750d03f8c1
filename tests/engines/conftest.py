"""Fixtures for the engine tests: one local Spark session, one small generated business.

The business is generated from the data contract itself (every table, every column, every
enum value, NULLs in optional columns, times close to midnight), written into a real workspace
and exported to a real Parquet lake, so both engines read the same events by their own path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from keepwise.application.lake import export_event_tables
from keepwise.domain.contract import TABLES
from keepwise.domain.contract.schema import Column, Kind, Table
from keepwise.engines.duckdb import DuckDBEngine
from keepwise.storage.workspace import Workspace

START = datetime(2022, 1, 1)
SPAN_MINUTES = 3 * 365 * 24 * 60
AS_OF = datetime(2024, 6, 30, 12, 0, 0)


def java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java") is not None or bool(home and Path(home, "bin", "java").exists())


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    if not java_available():
        pytest.skip("the Spark engine needs Java 17+ (no `java` on PATH and no JAVA_HOME)")
    from keepwise.engines.spark import local_session

    session = local_session(
        cores=2,
        shuffle_partitions=2,
        driver_memory="1g",
        # Tiny data: compiling generated code and re-planning cost more than they save.
        extra_conf={
            "spark.sql.codegen.wholeStage": "false",
            "spark.sql.adaptive.enabled": "false",
        },
    )
    yield session
    session.stop()


def _timestamps(rng: np.random.Generator, n: int) -> list[datetime]:
    minutes = rng.integers(0, SPAN_MINUTES, n)
    near_midnight = rng.random(n) < 0.3
    minutes = np.where(
        near_midnight, (minutes // 1440) * 1440 + 1440 - rng.integers(1, 5, n), minutes
    )
    return [START + timedelta(minutes=int(m)) for m in minutes]


def _column(
    rng: np.random.Generator, col: Column, n: int, customer_ids: list[str], prefix: str
) -> list[Any]:
    if col.kind is Kind.ID:
        if col.references == "customers" or col.name == "customer_id":
            return [customer_ids[i] for i in rng.integers(0, len(customer_ids), n)]
        return [f"{prefix}{i:05d}" for i in range(n)]
    if col.kind is Kind.TIMESTAMP:
        values: list[Any] = _timestamps(rng, n)
    elif col.kind is Kind.MONEY:
        values = [Decimal(int(c)) / 100 for c in rng.integers(0, 250_000, n)]
    elif col.kind is Kind.NUMBER:
        values = [round(float(v), 3) for v in rng.gamma(2.0, 20.0, n)]
    elif col.kind is Kind.INT:
        low = int(col.minimum) if col.minimum is not None else 0
        high = int(col.maximum) if col.maximum is not None else 6
        values = [int(v) for v in rng.integers(low, high + 1, n)]
    elif col.kind is Kind.BOOL:
        values = [bool(v) for v in rng.random(n) < 0.3]
    elif col.kind is Kind.ENUM:
        values = [col.values[i] for i in rng.integers(0, len(col.values), n)]
    elif col.kind is Kind.ENUM_LIST:
        values = [
            ";".join(sorted({col.values[i] for i in rng.integers(0, len(col.values), k)}))
            for k in rng.integers(1, 3, n)
        ]
    else:
        values = [f"{col.name} {i % 7}" for i in range(n)]
    if not col.required:
        missing = rng.random(n) < 0.15
        values = [None if m else v for v, m in zip(values, missing, strict=True)]
    return values


def generate_table(
    rng: np.random.Generator, table: Table, n: int, customer_ids: list[str]
) -> pa.Table:
    data: dict[str, list[Any]] = {}
    for col in table.columns:
        data[col.name] = _column(rng, col, n, customer_ids, prefix=table.name[:3].upper())
    for first, second in table.date_order:
        gaps = rng.integers(0, 90 * 1440, n)
        data[second] = [
            None if b is None or a is None else a + timedelta(minutes=int(g))
            for a, b, g in zip(data[first], data[second], gaps, strict=True)
        ]
    if table.name == "customers":
        data["customer_id"] = customer_ids
        data["segment"] = [("smb", "mid", "enterprise")[i % 3] for i in range(n)]
    schema = pa.schema(
        [
            (
                c.name,
                {
                    Kind.TIMESTAMP: pa.timestamp("us"),
                    Kind.MONEY: pa.decimal128(18, 2),
                    Kind.NUMBER: pa.float64(),
                    Kind.INT: pa.int64(),
                    Kind.BOOL: pa.bool_(),
                }.get(c.kind, pa.string()),
            )
            for c in table.columns
        ]
    )
    return pa.table(data, schema=schema)


ROWS_PER_CUSTOMER = {
    "orders": 8,
    "returns": 1,
    "invoices": 4,
    "tickets": 3,
    "activities": 4,
    "incidents": 0.4,
    "reviews": 0.5,
    "surveys": 1,
}


def generate_business(customers: int, seed: int) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    ids = [f"C{i:05d}" for i in range(customers)]
    tables = {"customers": generate_table(rng, TABLES["customers"], customers, ids)}
    for name, per in ROWS_PER_CUSTOMER.items():
        tables[name] = generate_table(rng, TABLES[name], int(customers * per), ids)
    return tables


def load_workspace(path: Path, tables: dict[str, pa.Table]) -> Workspace:
    ws = Workspace.init(path)
    with ws.connection() as con:
        for name, data in tables.items():
            con.register("incoming", data)
            con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')
            con.unregister("incoming")
    return ws


@dataclass
class Business:
    ws: Workspace
    lake: Path
    tables: dict[str, pa.Table]


@pytest.fixture(scope="session")
def business(tmp_path_factory: pytest.TempPathFactory) -> Business:
    root = tmp_path_factory.mktemp("business")
    tables = generate_business(customers=80, seed=7)
    ws = load_workspace(root / "ws", tables)
    lake = root / "lake"
    export_event_tables(ws, lake)
    return Business(ws, lake, tables)


@pytest.fixture(scope="session")
def duck(business: Business) -> Iterator[DuckDBEngine]:
    con = business.ws.connect(read_only=True)
    yield DuckDBEngine(con)
    con.close()


@pytest.fixture(scope="session")
def sparkeng(spark: Any, business: Business) -> Any:
    from keepwise.engines.spark import SparkEngine

    return SparkEngine.from_parquet(business.lake, spark=spark, cache=True)


def _norm(value: Any) -> Any:
    """Return ``value`` ready to compare: money keeps its Decimal type (compared to the cent)."""
    return value


def _key(value: Any) -> tuple[bool, Any]:
    if value is None:
        return (True, "")
    if isinstance(value, float | Decimal):
        return (False, f"{float(value):020.2f}")
    return (False, str(value))


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_key(v) for v in row)


def assert_same_result(duck: pa.Table, spark: pa.Table, what: str) -> None:
    """Fail unless both results have the same columns and rows.

    Money (DECIMAL on either side) must agree to the cent; other numbers to 1e-9 relative or
    1e-6 absolute (Spark divides decimals to 6 places where DuckDB returns a double);
    everything else exactly, NULLs included.
    """
    assert duck.column_names == spark.column_names, f"{what}: columns differ"
    assert duck.num_rows == spark.num_rows, f"{what}: {duck.num_rows} vs {spark.num_rows} rows"
    left = sorted((tuple(_norm(v) for v in r.values()) for r in duck.to_pylist()), key=_sort_key)
    right = sorted((tuple(_norm(v) for v in r.values()) for r in spark.to_pylist()), key=_sort_key)
    for i, (a_row, b_row) in enumerate(zip(left, right, strict=True)):
        for name, a, b in zip(duck.column_names, a_row, b_row, strict=True):
            where = f"{what}: row {i} column {name!r}: duckdb={a!r} spark={b!r}"
            if isinstance(a, Decimal) or isinstance(b, Decimal):
                assert a is not None and b is not None, where
                assert float(a) == pytest.approx(float(b), rel=0, abs=0.0051), where
            elif isinstance(a, float) or isinstance(b, float):
                assert a is not None and b is not None, where
                assert a == pytest.approx(b, rel=1e-9, abs=1e-6, nan_ok=True), where
            else:
                assert a == b, where


@pytest.fixture(scope="session")
def same() -> Any:
    """Return :func:`assert_same_result` (test modules cannot import conftest)."""
    return assert_same_result


@pytest.fixture(scope="session")
def as_of() -> datetime:
    return AS_OF
