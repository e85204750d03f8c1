"""`keepwise score --engine spark` gives the same stored scorecard as the DuckDB default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from keepwise.cli import app

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_cli_score_on_spark_equals_duckdb(spark: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["demo", str(ws), "--customers", "150", "--seed", "5"]).exit_code == 0
    on_spark = runner.invoke(app, ["score", str(ws), "--engine", "spark"])
    assert on_spark.exit_code == 0, on_spark.output
    on_duckdb = runner.invoke(app, ["score", str(ws)])
    assert on_duckdb.exit_code == 0, on_duckdb.output
    a = on_spark.stdout.strip().splitlines()[-1]
    b = on_duckdb.stdout.strip().splitlines()[-1]
    lake_file = ws / "lake" / "scorecards" / f"{a}.parquet"
    assert pq.read_table(lake_file).num_rows == 150
    con = duckdb.connect(str(ws / "keepwise.duckdb"), read_only=True)
    assert con.execute("SELECT engine FROM runs WHERE run_id = ?", [a]).fetchone() == ("spark",)
    columns = [
        r[0] for r in con.execute("DESCRIBE scorecard").fetchall() if r[0] not in ("run_id",)
    ]
    differing = {}
    for col in columns:
        n = con.execute(
            f"SELECT count(*) FROM scorecard x JOIN scorecard y USING (customer_id) "
            f"WHERE x.run_id = ? AND y.run_id = ? AND CASE "
            f"WHEN typeof(x.\"{col}\") IN ('DOUBLE', 'FLOAT') "
            f"OR typeof(x.\"{col}\") LIKE 'DECIMAL%' "
            f'THEN abs(coalesce(x."{col}"::DOUBLE, 0) - coalesce(y."{col}"::DOUBLE, 0)) > 0.005 '
            f'ELSE x."{col}"::VARCHAR IS DISTINCT FROM y."{col}"::VARCHAR END',
            [a, b],
        ).fetchone()[0]
        if n:
            differing[col] = n
    assert differing == {}, f"columns differing between Spark and DuckDB runs: {differing}"
