"""The value features give the same answers on Spark as on DuckDB (same SQL, transpiled)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest

from keepwise.application.lake import export_event_tables
from keepwise.domain.features import FeatureContext
from keepwise.domain.value import compute_value
from keepwise.engines import DuckDBEngine
from keepwise.storage import Workspace
from value.test_value_churn import subscriptions
from value.test_value_components import shop
from value.value_store import insert

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning"),
]


class _WsStore:
    def __init__(self, con) -> None:  # type: ignore[no-untyped-def]
        self.con = con

    def add(self, table, rows) -> None:  # type: ignore[no-untyped-def]
        insert(self.con, table, rows)


def _rows(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda r: tuple(str(v) for v in r.values()))


def _same(a: object, b: object, where: str) -> None:
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None, where
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6), where
    else:
        assert a == b, where


def test_value_on_spark_equals_duckdb(tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.skip("the Spark engine needs Java")
    from keepwise.engines.spark import SparkEngine, local_session

    ws = Workspace.init(tmp_path / "ws")
    with ws.connection() as con:
        shop(_WsStore(con))  # type: ignore[arg-type]
        subscriptions(_WsStore(con))  # type: ignore[arg-type]
        cursor = con.cursor()
        present = frozenset(ws.present_tables(cursor))
        cursor.close()
    export_event_tables(ws, tmp_path / "lake")
    ctx = FeatureContext(datetime(2024, 6, 30), ws.settings, present)
    with ws.connection(read_only=True) as con:
        duck = compute_value(DuckDBEngine(con), ctx)
    session = local_session(
        cores=2,
        shuffle_partitions=2,
        driver_memory="1g",
        extra_conf={
            "spark.sql.codegen.wholeStage": "false",
            "spark.sql.adaptive.enabled": "false",
        },
    )
    try:
        spark = compute_value(SparkEngine.from_parquet(tmp_path / "lake", spark=session), ctx)
    finally:
        session.stop()
    assert duck.customers.column_names == spark.customers.column_names
    for table in ("customers", "items"):
        left, right = _rows(getattr(duck, table)), _rows(getattr(spark, table))
        assert len(left) == len(right)
        for i, (x, y) in enumerate(zip(left, right, strict=True)):
            for key in x:
                _same(x[key], y[key], f"{table} row {i} {key}")
    assert duck.business["totals"] == spark.business["totals"]
    assert duck.business["churn"] == spark.business["churn"]
    assert duck.business["reasons"] == spark.business["reasons"]
