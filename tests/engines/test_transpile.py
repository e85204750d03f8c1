"""The DuckDB → Spark translation: refusals and rewrites, checked without starting Spark."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot

from keepwise.engines.spark import bind_params, spark_type
from keepwise.engines.transpile import (
    TranspileError,
    portability_problems,
    split_materialized,
    to_spark,
)
from keepwise.errors import KeepwiseError


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("SELECT list_value(1, 2) AS x", "list"),
        ("SELECT [1, 2] AS x", "list"),
        ("SELECT struct_pack(a := 1) AS x", "struct"),
        ("SELECT epoch(TIMESTAMP '2024-01-01 00:00:00') AS x", "epoch"),
        ("SELECT age(TIMESTAMP '2024-01-01 00:00:00') AS x", "age"),
        ("SELECT list_transform([1], x -> x + 1) AS y", "lambda"),
    ],
)
def test_duckdb_only_constructs_are_refused_by_name(sql: str, construct: str) -> None:
    assert any(construct in p for p in portability_problems(sql))
    with pytest.raises(TranspileError, match=construct) as info:
        to_spark(sql)
    assert isinstance(info.value, KeepwiseError)


def test_unparseable_sql_is_a_transpile_error() -> None:
    with pytest.raises(TranspileError, match="does not parse"):
        to_spark("SELECT FROM WHERE (")


def test_portable_sql_has_no_problems() -> None:
    sql = (
        "SELECT customer_id, SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS s, "
        "COALESCE(MAX(ordered_at), TIMESTAMP '2024-01-01 00:00:00') AS m, "
        "date_diff('day', MIN(ordered_at), TIMESTAMP '2024-06-30 00:00:00') AS age_days, "
        "ROW_NUMBER() OVER (ORDER BY customer_id) AS r FROM orders GROUP BY customer_id"
    )
    assert portability_problems(sql) == []
    out = to_spark(sql)
    sqlglot.parse_one(out, read="spark")
    assert "DATEDIFF(CAST(" in out


@pytest.mark.parametrize(
    ("duck", "spark"),
    [
        ("SELECT log(x) FROM t", "LOG(10, x)"),
        ("SELECT strlen(x) FROM t", "OCTET_LENGTH(x)"),
        ("SELECT quantile_cont(x, 0.9) FROM t", "PERCENTILE(x, 0.9)"),
        ("SELECT quantile_disc(x, 0.9) FROM t", "WITHIN GROUP (ORDER BY x"),
        ("SELECT date_sub('day', a, b) FROM t", "TIMESTAMPDIFF(DAY, a, b)"),
        ("SELECT date_diff('month', a, b) FROM t", "MONTH(b) - MONTH(a)"),
        ("SELECT x FROM t ORDER BY x", "NULLS LAST"),
        ("WITH a AS NOT MATERIALIZED (SELECT 1 AS x) SELECT x FROM a", "WITH a AS (SELECT"),
    ],
)
def test_rewrites_for_same_meaning(duck: str, spark: str) -> None:
    assert spark in to_spark(duck)


def test_bind_params_inlines_typed_literals() -> None:
    sql = bind_params(
        "SELECT * FROM orders WHERE customer_id = ? AND ordered_at <= ? AND amount > ? AND x = ?",
        ["O'Brien", dt.datetime(2024, 1, 2, 3, 4, 5), 1.5, None],
    )
    assert "'O''Brien'" in sql
    assert "2024-01-02 03:04:05" in sql
    assert "1.5" in sql and "NULL" in sql
    assert "?" not in sql


def test_contract_types_map_to_spark_types() -> None:
    assert spark_type("VARCHAR") == "STRING"
    assert spark_type("TIMESTAMP") == "TIMESTAMP_NTZ"
    assert spark_type("DECIMAL(18,2)") == "DECIMAL(18, 2)"
    assert spark_type("BOOLEAN") == "BOOLEAN"
    assert spark_type("JSON") == "STRING"


def test_nested_ctes_with_one_name_stay_two_tables() -> None:
    sql = (
        "SELECT a.x AS ax, b.x AS bx FROM (WITH m AS (SELECT 1 AS x) SELECT m.x FROM m) a "
        "JOIN (WITH m AS (SELECT 2 AS x) SELECT x FROM m) b ON TRUE"
    )
    out = to_spark(sql)
    tree = sqlglot.parse_one(out, read="spark")
    names = [cte.alias_or_name for cte in tree.find_all(sqlglot.exp.CTE)]
    assert len(names) == len(set(names)) == 2


def test_materialized_ctes_are_split_off_in_order_and_read_as_tables() -> None:
    sql = (
        "WITH a AS (SELECT 1 AS x), u AS MATERIALIZED (SELECT x FROM a), "
        "v AS MATERIALIZED (SELECT x + 1 AS x FROM u), lv AS (SELECT x FROM v) "
        "SELECT u.x FROM u JOIN lv ON lv.x = u.x + 1 "
        "UNION ALL SELECT x FROM (WITH u AS (SELECT 2 AS x) SELECT x FROM u) q"
    )
    steps, rest = split_materialized(sql)
    assert [(name, cache) for name, _, cache in steps] == [
        ("kw_cte_a", False),
        ("kw_materialized_u", True),
        ("kw_materialized_v", True),
        ("kw_cte_lv", False),
    ]
    # every CTE is a step in order, reading the earlier steps as tables
    selects = {name: select for name, select, _ in steps}
    assert "kw_cte_a AS a" in selects["kw_materialized_u"]
    assert "kw_materialized_u AS u" in selects["kw_materialized_v"]
    assert "kw_materialized_v AS v" in selects["kw_cte_lv"]
    assert not any("WITH" in select.upper() for select in selects.values())
    tree = sqlglot.parse_one(rest, read="duckdb")
    tables = {t.name for t in tree.find_all(sqlglot.exp.Table)}
    assert {"kw_materialized_u", "kw_cte_lv"} <= tables
    assert "MATERIALIZED" not in rest.upper().replace("KW_MATERIALIZED_", "")
    # no WITH of its own at the top (Spark 4 would stop matching the cached tables)
    assert rest.upper().startswith("SELECT")
    # the subquery's own CTE u is another table and keeps its name
    assert "WITH u AS (SELECT 2 AS x) SELECT x FROM u" in rest


def test_statements_without_materialized_ctes_pass_through() -> None:
    sql = "WITH u AS (SELECT 1 AS x) SELECT x FROM u"
    assert split_materialized(sql) == ((), sql)
