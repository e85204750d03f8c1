"""The ``keepwise fit`` and ``keepwise clv`` commands, run through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from keepwise.cli import app

DATA = Path(__file__).resolve().parent.parent / "data"
runner = CliRunner()

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("model", "path", "expected"),
    [
        ("bg-nbd", "cdnow_customers_summary.csv", {"r": 0.243, "alpha": 4.414, "a": 0.793}),
        ("pareto-nbd", "cdnow_customers_summary.csv", {"r": 0.553, "s": 0.606}),
        ("gamma-gamma", "cdnow_customers_summary_with_transactions.csv", {"p": 6.25, "q": 3.74}),
        ("bg-bb", "donations.csv", {"alpha": 1.204, "delta": 2.783}),
    ],
)
def test_fit_prints_the_literature_fit_as_json(
    model: str, path: str, expected: dict[str, float]
) -> None:
    code, out = invoke("fit", str(DATA / path), "--model", model, "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert {"model", "params", "log_likelihood", "n", "seconds"} <= set(doc)
    assert doc["model"] == model
    for k, v in expected.items():
        assert doc["params"][k] == pytest.approx(v, rel=5e-3)


def test_fit_reads_parquet_and_sbg_survivor_tables(tmp_path: Path) -> None:
    table = pa.table(
        {
            "cohort": ["a"] * 8,
            "period": list(range(8)),
            "alive": [1000, 869, 743, 653, 593, 551, 517, 491],
        }
    )
    pq.write_table(table, tmp_path / "cohorts.parquet")
    code, out = invoke("fit", str(tmp_path / "cohorts.parquet"), "--model", "sbg", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["params"]["alpha"] == pytest.approx(0.668, rel=5e-3)
    assert doc["params"]["beta"] == pytest.approx(3.806, rel=5e-3)
    assert doc["n"] == 1000


def test_fit_human_output_shows_errors_column() -> None:
    code, out = invoke("fit", str(DATA / "donations.csv"), "--model", "bg-bb")
    assert code == 0, out
    assert "std. error" in out and "log-likelihood -33225.58" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--model", "gamma-gamma"), "missing column(s) monetary_value"),
        (("--model", "nope"), "unknown model 'nope'"),
    ],
)
def test_fit_errors_exit_1_and_name_the_problem(args: tuple[str, ...], message: str) -> None:
    code, out = invoke("fit", str(DATA / "cdnow_customers_summary.csv"), *args)
    assert code == 1
    assert message in " ".join(out.split())


def test_fit_refuses_impossible_summaries(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("frequency,recency,T\n2,50,40\n", encoding="utf-8")
    code, out = invoke("fit", str(path), "--model", "bg-nbd")
    assert code == 1 and "recency must lie between 0 and T" in out


def test_clv_command_shows_choice_and_writes_chart(tmp_path: Path) -> None:
    lines = (DATA / "CDNOW_sample.txt").read_text(encoding="utf-8").splitlines()
    orders = ["order_id,customer_id,ordered_at,amount"]
    first: dict[str, str] = {}
    for i, line in enumerate(lines[:3000]):
        cid, day, amount = "c" + line[7:11], line[12:20], line[24:].strip()
        iso = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        orders.append(f"o{i},{cid},{iso},{amount}")
        first.setdefault(cid, iso)
    (tmp_path / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    (tmp_path / "customers.csv").write_text(
        "customer_id,acquired_at\n" + "".join(f"{c},{d}\n" for c, d in first.items()),
        encoding="utf-8",
    )
    ws = tmp_path / "ws"
    assert invoke("init", str(ws))[0] == 0
    code, out = invoke(
        "import", str(ws), str(tmp_path / "customers.csv"), str(tmp_path / "orders.csv")
    )
    assert code == 0, out
    chart = tmp_path / "holdout.svg"
    code, out = invoke(
        "clv",
        str(ws),
        "--as-of",
        "1998-06-30",
        "--chart",
        str(chart),
        "--output",
        str(tmp_path / "clv.csv"),
    )
    assert code == 0, out
    assert "Chosen:" in out and "holdout error" in out
    assert chart.exists()
    assert len((tmp_path / "clv.csv").read_text(encoding="utf-8").splitlines()) == len(first) + 1
    code, out = invoke("clv", str(ws), "--as-of", "1998-06-30", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["chosen"] in {c["model"] for c in doc["candidates"]}
