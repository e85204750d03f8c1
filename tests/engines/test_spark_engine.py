"""SparkEngine against DuckDBEngine: same SQL text, same answers, including the rewrites."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise.engines.duckdb import DuckDBEngine
from keepwise.engines.spark import SparkEngine, SparkEngineError
from keepwise.engines.transpile import TranspileError

pytestmark = [
    pytest.mark.spark,
    # DuckDBEngine.query uses execute().to_arrow_table(), which DuckDB 2.0 warns about (lead's).
    pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning"),
]

UNITS = ("second", "minute", "hour", "day", "week", "month", "quarter", "year")

moments = st.datetimes(min_value=datetime(1999, 12, 25), max_value=datetime(2031, 1, 5)).map(
    lambda d: d.replace(microsecond=0)
)


def _values(pairs: list[tuple[datetime, datetime]]) -> str:
    rows = ", ".join(
        f"(TIMESTAMP '{a:%Y-%m-%d %H:%M:%S}', TIMESTAMP '{b:%Y-%m-%d %H:%M:%S}')" for a, b in pairs
    )
    return f"(VALUES {rows}) AS t(a, b)"


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.tuples(moments, moments),
            moments.map(lambda d: (d, d + timedelta(minutes=2))),
            moments.map(
                lambda d: (d.replace(hour=23, minute=59), d + timedelta(days=1, minutes=-1439))
            ),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_date_diff_counts_boundaries_on_both_engines(
    same: Any, duck: DuckDBEngine, sparkeng: SparkEngine, pairs: list[tuple[datetime, datetime]]
) -> None:
    cols = ", ".join(f"date_diff('{u}', a, b) AS d_{u}" for u in UNITS)
    sql = f"SELECT a, b, {cols}, date_sub('day', a, b) AS full_days FROM {_values(pairs)}"
    same(duck.query(sql), sparkeng.query(sql), "date_diff")


def test_statistics_functions_agree(same: Any, duck: DuckDBEngine, sparkeng: SparkEngine) -> None:
    sql = """
    SELECT segment, count(*) AS n, quantile_cont(annual_contract_value, 0.9) AS p90,
      quantile_disc(annual_contract_value, 0.5) AS p50d, median(annual_contract_value) AS med,
      log(1 + count(*)) AS lg, ln(1 + count(*)) AS ln1, stddev_samp(annual_contract_value) AS sd,
      avg(annual_contract_value) AS mean_acv, sum(annual_contract_value) AS total,
      bool_or(strategic) AS any_strategic,
      sum(CASE WHEN strategic THEN 1 ELSE 0 END) / NULLIF(count(*), 0) AS share_strategic
    FROM customers GROUP BY segment ORDER BY segment
    """
    same(duck.query(sql), sparkeng.query(sql), "statistics")


def test_window_functions_and_null_ordering_agree(
    same: Any, duck: DuckDBEngine, sparkeng: SparkEngine
) -> None:
    sql = """
    SELECT customer_id, annual_contract_value,
      ROW_NUMBER() OVER (ORDER BY annual_contract_value, customer_id) AS rn,
      percent_rank() OVER (PARTITION BY segment ORDER BY annual_contract_value) AS pr,
      SUM(annual_contract_value) OVER (ORDER BY annual_contract_value DESC, customer_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
    FROM customers
    """
    same(duck.query(sql), sparkeng.query(sql), "window")


def test_types_come_back_like_duckdb(same: Any, duck: DuckDBEngine, sparkeng: SparkEngine) -> None:
    sql = (
        "SELECT order_id, ordered_at, amount, customer_id FROM orders "
        "WHERE ordered_at <= TIMESTAMP '2024-06-30 12:00:00'"
    )
    left, right = duck.query(sql), sparkeng.query(sql)
    assert right.schema.field("ordered_at").type == pa.timestamp("us")
    assert right.schema.field("amount").type == pa.decimal128(18, 2)
    same(left, right, "orders")


def test_params_are_bound_the_same(
    same: Any, as_of: datetime, duck: DuckDBEngine, sparkeng: SparkEngine
) -> None:
    sql = "SELECT count(*) AS n, sum(amount) AS s FROM orders WHERE ordered_at <= ? AND amount > ?"
    params: list[Any] = [as_of, 100]
    same(duck.query(sql, params), sparkeng.query(sql, params), "params")
    assert sparkeng.scalar(sql, params) == duck.scalar(sql, params)


def test_absent_table_is_an_empty_view_with_the_contract_columns(
    spark: Any, business: Any, tmp_path: Any
) -> None:
    import shutil

    lake = tmp_path / "lake"
    shutil.copytree(business.lake / "customers", lake / "customers")
    engine = SparkEngine.from_parquet(lake, spark=spark)
    assert engine.present_tables() == {"customers"}
    empty = engine.query("SELECT * FROM incidents")
    assert empty.num_rows == 0
    assert "severity" in empty.column_names
    assert engine.scalar("SELECT count(*) FROM reviews") == 0


def test_present_tables_match_the_workspace(business: Any, sparkeng: SparkEngine) -> None:
    with business.ws.connection(read_only=True) as con:
        assert sparkeng.present_tables() == business.ws.present_tables(con)


def test_from_catalog_reads_catalog_tables(spark: Any, business: Any) -> None:
    spark.sql("CREATE DATABASE IF NOT EXISTS kw_test")
    spark.read.parquet(str(business.lake / "orders")).write.mode("overwrite").saveAsTable(
        "kw_test.orders"
    )
    try:
        engine = SparkEngine.from_catalog(spark, "kw_test")
        assert engine.present_tables() == {"orders"}
        assert engine.scalar("SELECT count(*) FROM orders") == business.tables["orders"].num_rows
        assert engine.scalar("SELECT count(*) FROM customers") == 0
    finally:
        spark.sql("DROP DATABASE kw_test CASCADE")


def test_errors_name_the_problem(sparkeng: SparkEngine) -> None:
    with pytest.raises(SparkEngineError, match="no_such_column"):
        sparkeng.query("SELECT no_such_column FROM orders")
    with pytest.raises(TranspileError, match="list"):
        sparkeng.query("SELECT list_value(1, 2) AS x")


def test_division_is_in_double_like_duckdb(
    same: Any, duck: DuckDBEngine, sparkeng: SparkEngine
) -> None:
    sql = """
    SELECT customer_id, SUM(amount) / (SELECT SUM(amount) FROM orders) AS share,
      COUNT(*) / 3 AS thirds, COUNT(*) // 2 AS halves,
      SUM(amount) / NULLIF(SUM(CASE WHEN amount > 1e9 THEN amount ELSE 0 END), 0) AS guarded
    FROM orders GROUP BY customer_id
    """
    result = sparkeng.query(sql)
    assert result.column("share").type == result.column("thirds").type
    same(duck.query(sql), result, "division")
    assert result.column("guarded").null_count == result.num_rows


def test_nested_ctes_keep_their_meaning(
    same: Any, duck: DuckDBEngine, sparkeng: SparkEngine
) -> None:
    sql = """
    WITH m AS (SELECT 10 AS x)
    SELECT m.x AS outer_x, a.x AS ax, b.x AS bx
    FROM m
    JOIN (WITH m AS (SELECT 1 AS x) SELECT m.x FROM m) a ON TRUE
    JOIN (WITH m AS (SELECT 2 AS x), r AS (SELECT x FROM m) SELECT r.x FROM r) b ON TRUE
    """
    result = sparkeng.query(sql)
    assert result.to_pylist() == [{"outer_x": 10, "ax": 1, "bx": 2}]
    same(duck.query(sql), result, "nested CTEs")


def _cached_plans(engine: SparkEngine) -> int:
    return int(engine.spark._jsparkSession.sharedState().cacheManager().cachedData().size())


@pytest.mark.parametrize(
    "u",
    [
        "SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id",
        # a CTE of its own inside: Spark 4 stops matching the cache when the statement
        # reading it has a WITH clause too, so no plain CTE may stay in that statement
        "WITH per AS (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id) "
        "SELECT customer_id, n FROM per",
    ],
    ids=["plain", "with-its-own-cte"],
)
def test_a_materialized_cte_is_cached_once_and_released(
    same: Any, duck: DuckDBEngine, sparkeng: SparkEngine, u: str
) -> None:
    sql = f"""
    WITH u AS MATERIALIZED ({u}),
    top AS (SELECT customer_id FROM u WHERE n >= 2)
    SELECT u.customer_id, u.n, top.customer_id IS NOT NULL AS repeat
    FROM u LEFT JOIN top ON top.customer_id = u.customer_id
    ORDER BY u.customer_id
    """
    before = _cached_plans(sparkeng)
    with sparkeng._materialized(sql, None) as statement:
        plan = sparkeng.sql(statement)._jdf.queryExecution().executedPlan().toString()
    # both readers of u scan the cached result (the aggregate below them only filled it)
    assert len(re.findall(r"InMemoryTableScan \[customer_id#\d+, n#\d+L?\]", plan)) == 2, plan
    assert _cached_plans(sparkeng) == before
    result = sparkeng.query(sql)
    assert result.num_rows > 0
    same(duck.query(sql), result, "materialized CTE")
    assert _cached_plans(sparkeng) == before
    views = {t.name for t in sparkeng.spark.catalog.listTables()}
    assert not any(v.startswith(("kw_materialized_", "kw_cte_")) for v in views)


def test_purchase_days_count_the_same_on_spark(
    same: Any, duck: DuckDBEngine, sparkeng: SparkEngine
) -> None:
    """``clv.rfm`` and its holdout on orders chosen for the edges of counting purchase days.

    Two orders on the first day (one purchase of their sum), days 512 apart, long histories,
    orders near midnight: both engines must give the same rows.
    """
    from keepwise.domain.features import FeatureContext, get_feature
    from keepwise.settings import default_settings

    as_of = datetime(2024, 6, 30, 12)
    offsets = {"a": [0, 512, 1024, 1024, 3], "b": [700, 700, 5, 188], "c": [1539], "d": [2, 2]}
    rows = ", ".join(
        f"('{c}', TIMESTAMP '{as_of - timedelta(days=d, hours=i):%Y-%m-%d %H:%M:%S}', "
        f"CAST({10 + i + d % 7}.25 AS DECIMAL(18, 2)))"
        for c, days in offsets.items()
        for i, d in enumerate(days)
    )
    orders = f"(VALUES {rows}) AS orders(customer_id, ordered_at, amount)"
    ctx = FeatureContext(as_of, default_settings(), frozenset({"orders"}))
    for name in ("clv.rfm", "clv.rfm_holdout"):
        sql = get_feature(name).sql(ctx)
        reads = sql.count("FROM orders")
        sql = sql.replace("FROM orders", f"FROM {orders}")
        assert reads and sql.count(orders) == reads, "the feature reads orders in another way"
        expected = duck.query(sql)
        assert expected.num_rows >= 3
        same(expected, sparkeng.query(sql), name)


def test_a_failed_job_names_the_java_error_behind_it() -> None:
    """Py4J reports "An error occurred while calling o254.getResult." and hides the cause."""
    from keepwise.engines.spark import _first_line

    trace = (
        "An error occurred while calling o254.getResult.\n"
        ": org.apache.spark.SparkException: Exception thrown in awaitResult:\n"
        "\tat org.apache.spark.util.SparkThreadUtils$.awaitResult(SparkThreadUtils.scala:56)\n"
        "Caused by: org.apache.spark.SparkException: Job aborted due to stage failure\n"
        "Caused by: java.lang.OutOfMemoryError: Java heap space\n"
        "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n"
    )
    assert _first_line(RuntimeError(trace)) == (
        "An error occurred while calling o254.getResult: java.lang.OutOfMemoryError: "
        "Java heap space"
    )
    assert _first_line(ValueError("no such table: orders\nat line 3")) == "no such table: orders"


ORDERED = """
SELECT o.customer_id, o.ordered_at, o.amount, c.segment, o.amount > 100 AS big
FROM orders o JOIN customers c ON c.customer_id = o.customer_id
ORDER BY o.amount DESC, o.order_id
"""


def test_results_come_back_through_parquet_files_in_order(
    spark: Any, business: Any, duck: DuckDBEngine, tmp_path: Any
) -> None:
    """In local mode the tasks write a result as Parquet and PyArrow reads it back.

    The driver then never holds a whole result (a 1M-customer signals result ran a 3 GB
    driver out of memory); rows keep the query's order across the part files, and the
    staging folder is removed.
    """
    staged = tmp_path / "results"
    engine = SparkEngine.from_parquet(business.lake, spark=spark, result_dir=staged)
    written: list[int] = []
    original = engine._through_files

    def counting(frame: Any) -> pa.Table:
        table = original(frame)
        written.append(table.num_rows)
        return table

    engine._through_files = counting  # type: ignore[method-assign]
    expected = duck.query(ORDERED)
    result = engine.query(ORDERED)
    assert written == [expected.num_rows] and expected.num_rows > 100
    assert result.column_names == expected.column_names
    assert result.schema.field("ordered_at").type == pa.timestamp("us")
    assert result.schema.field("amount").type == pa.decimal128(18, 2)
    assert result.to_pylist() == expected.to_pylist()
    assert list(staged.iterdir()) == []

    empty = engine.query("SELECT customer_id, amount FROM orders WHERE amount < 0")
    assert empty.num_rows == 0 and empty.column_names == ["customer_id", "amount"]
    assert list(staged.iterdir()) == []


def test_on_a_cluster_without_a_shared_folder_results_come_through_the_driver(
    spark: Any, business: Any, duck: DuckDBEngine, monkeypatch: Any
) -> None:
    import keepwise.engines.spark as spark_engine

    monkeypatch.setattr(spark_engine, "_is_local", lambda session: False)
    engine = SparkEngine.from_parquet(business.lake, spark=spark)

    def refuse(frame: Any) -> pa.Table:
        raise AssertionError("a cluster without result_dir must not stage files locally")

    engine._through_files = refuse  # type: ignore[method-assign]
    assert engine.query(ORDERED).to_pylist() == duck.query(ORDERED).to_pylist()
    assert spark_engine._is_local(spark) is False
    monkeypatch.undo()
    assert spark_engine._is_local(spark) is True
