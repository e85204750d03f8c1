"""The demo business scored per customer on DuckDB and on Spark gives the same answers.

Value (revenue, margin, every cost-to-serve component, profit, rank) must agree to the cent
and every signal level exactly. The events go the way a user's would: demo files → the real
importer → workspace → Parquet lake → Spark.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from keepwise.application.demo import generate_business, write_business
from keepwise.application.importing import import_paths
from keepwise.application.lake import export_event_tables
from keepwise.domain.features import FeatureContext
from keepwise.domain.signals.compute import compute_signals
from keepwise.domain.value import compute_value, default_as_of
from keepwise.engines.duckdb import DuckDBEngine
from keepwise.engines.spark import SparkEngine
from keepwise.storage.workspace import Workspace

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Iterator[tuple[Any, ...]]:
    root = tmp_path_factory.mktemp("demo")
    business = generate_business(customers=300, seed=11)
    paths = write_business(business, root / "files")
    ws = Workspace.init(root / "ws")
    import_paths(ws, paths)
    export_event_tables(ws, root / "lake")
    con = ws.connect(read_only=True)
    present = frozenset(ws.present_tables(con))
    ctx = FeatureContext(as_of=business.as_of, settings=ws.settings, present=present)
    yield DuckDBEngine(con), SparkEngine.from_parquet(root / "lake", spark=spark), ctx
    con.close()


def _by_customer(table: pa.Table) -> pa.Table:
    return table.sort_by([(name, "ascending") for name in table.column_names[:2]])


def test_default_as_of_is_the_same(demo: tuple[Any, ...]) -> None:
    duck, spark, ctx = demo
    assert default_as_of(duck, ctx.present) == default_as_of(spark, ctx.present)


def test_value_is_the_same_to_the_cent(demo: tuple[Any, ...], same: Any) -> None:
    duck, spark, ctx = demo
    left, right = compute_value(duck, ctx), compute_value(spark, ctx)
    assert left.customers.num_rows == 300
    same(left.customers, right.customers, "value.customers")
    same(left.items, right.items, "value.items")


def test_signal_levels_are_the_same(demo: tuple[Any, ...], same: Any) -> None:
    duck, spark, ctx = demo
    left, right = compute_signals(duck, ctx), compute_signals(spark, ctx)
    levels = left.levels.column_names
    assert {"flag", "watch"} & {
        v for name in levels if name != "customer_id" for v in left.levels.column(name).to_pylist()
    }, "the demo business should raise at least one sign, or the comparison proves little"
    same(left.levels, right.levels, "signals.levels")
    same(left.details, right.details, "signals.details")


def test_signal_evidence_is_the_same(demo: tuple[Any, ...], same: Any) -> None:
    duck, spark, ctx = demo
    left, right = compute_signals(duck, ctx), compute_signals(spark, ctx)
    same(left.evidence, right.evidence, "signals.evidence")
