"""The whole pipeline — import → score → export — on DuckDB, on Spark local, and the peer.

Run: ``.venv/bin/python benchmarks/bench_pipeline.py [--sizes 10000 100000 1000000]
[--engines duckdb spark peer] [--work DIR]``.

For each size the demo business (``keepwise.application.demo.generate_business``, seed 7) is
generated once into ``DIR/n<size>/demo`` (not timed as part of the pipeline), then:

duckdb
    ``import`` (``import_paths``: validate against the contract, write the workspace),
    ``score`` (``scoring.score``), ``export`` (``export_scorecard`` to Parquet).
spark
    ``lake`` (``lake.export_event_tables``: the workspace's events as a Parquet lake — on a real
    lake they are already there), ``score`` (``scoring.score`` with a ``SparkEngine`` reading
    the lake, local mode on every core), ``export`` (the Spark run's scorecard to Parquet).
peer
    What an analyst does today: pandas reads the same Parquet files, computes value, cost to
    serve and a few bad-customer signs with ``groupby``, fits BG/NBD + Gamma-Gamma with
    ``lifetimes`` and writes one row per customer. It runs in a throwaway venv
    (``DIR/peer-venv``, created with pip on first use) so keepwise's environment stays clean.

Every stage runs in a fresh process; its peak memory is the largest resident set of that
process *and its children* (the JVM, for Spark), sampled from ``/proc`` every 50 ms. Wall and
CPU seconds are both printed because the machine is often shared. Results are appended to
``DIR/results.jsonl`` and printed as a table with the growth factor per 10× customers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

SIZES = (10_000, 100_000, 1_000_000)
ENGINES = ("duckdb", "spark", "peer")
SEED = 7
HERE = Path(__file__).resolve()
PEER_PACKAGES = ("pandas<3", "pyarrow", "lifetimes")

# Analyst-side rates for the peer, the same defaults keepwise uses (value settings).
PEER_RATES = {"hourly": 45.0, "collection_touch": 12.0, "return_handling": 8.0}


# ---------------------------------------------------------------- measuring -------------


def _tree_rss_kb(root: int) -> int:
    """Return the summed resident memory (kB) of process ``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        pid = int(entry)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_stage(argv: list[str], label: str, timeout: float = 3 * 3600) -> dict[str, Any]:
    """Run one stage in a child process; return its JSON result plus wall s and peak MB."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = "\n".join(err.strip().splitlines()[-15:])
        return {"stage": label, "error": f"exit {proc.returncode}: {tail}", "wall_s": wall}
    lines = [line for line in out.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    result.update(stage=label, wall_s=round(wall, 2), peak_mb=round(peak[0] / 1024))
    return result


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


# ---------------------------------------------------------------- stages ----------------


def child_generate(customers: int, folder: Path) -> dict[str, Any]:
    from keepwise.application.demo import generate_business, write_business

    business = generate_business(customers, seed=SEED)
    write_business(business, folder / "demo")
    (folder / "as_of.txt").write_text(business.as_of.isoformat())
    return {"rows": {name: t.num_rows for name, t in business.tables.items()}}


def _demo_paths(folder: Path) -> list[Path]:
    from keepwise.domain.contract import TABLE_NAMES

    return [folder / "demo" / f"{name}.parquet" for name in TABLE_NAMES]


def _as_of(folder: Path) -> str:
    return (folder / "as_of.txt").read_text().strip()


def child_import(folder: Path) -> dict[str, Any]:
    from keepwise.application.importing import import_paths
    from keepwise.storage.workspace import Workspace

    shutil.rmtree(folder / "ws", ignore_errors=True)
    ws = Workspace.init(folder / "ws")
    result = import_paths(ws, _demo_paths(folder))
    overrides = json.loads(os.environ.get("KW_BENCH_SETTINGS", "{}"))
    if overrides:
        from keepwise.settings import ALL_SETTINGS, render_settings_toml

        values = ws.settings.with_overrides(overrides).as_dict()
        ws.settings_path.write_text(render_settings_toml(ALL_SETTINGS, values), encoding="utf-8")
    return {"import_id": result.import_id, "settings": overrides}


def _engine_steps(engine: Any, ws: Any, as_of: str, present: frozenset[str]) -> Any:
    """Run everything ``score`` asks of the engine; return one row per customer as Arrow."""
    from datetime import datetime

    import pyarrow.compute as pc

    from keepwise.application.clv import compute_clv
    from keepwise.domain.features import FeatureContext
    from keepwise.domain.signals.compute import compute_signals
    from keepwise.domain.value import compute_value

    ctx = FeatureContext(datetime.fromisoformat(as_of), ws.settings, present)
    value = compute_value(engine, ctx)
    revenue = pc.cast(value.customers.column("revenue"), "float64")
    profit = pc.cast(value.customers.column("profit"), "float64")
    rate = pc.if_else(pc.greater(revenue, 0), pc.divide(profit, revenue), None)
    margin = value.customers.select(["customer_id"]).append_column("margin_rate", rate)
    clv = compute_clv(engine, ctx, margin_rate=margin).customers
    if clv.num_rows:
        value = compute_value(engine, ctx, p_alive=clv.select(["customer_id", "p_alive"]))
    levels = compute_signals(engine, ctx, value=value.customers).levels
    card = value.customers.join(levels, "customer_id", join_type="left outer")
    keep = ["customer_id"] + [
        c
        for c in ("clv", "clv_low", "clv_high", "p_alive")
        if c in clv.column_names and c not in card.column_names
    ]
    return card.join(clv.select(keep), "customer_id", join_type="left outer")


def child_score(folder: Path, engine_name: str) -> dict[str, Any]:
    """Score with ``scoring.score``; for Spark, run the engine's share of it when ``score``
    takes no engine (its result is then written to ``out/`` directly)."""
    import inspect

    from keepwise.application.scoring import score
    from keepwise.storage.workspace import Workspace

    ws = Workspace.open(folder / "ws")
    if engine_name == "duckdb":
        result = score(ws, _as_of(folder))
        (folder / "run_duckdb.txt").write_text(result.run_id)
        return {"run_id": result.run_id, "steps": result.seconds}
    from keepwise.application.lake import write_scorecard
    from keepwise.engines.spark import SparkEngine, local_session

    spark = local_session(cores=os.cpu_count() or 2, shuffle_partitions=8, driver_memory="3g")
    engine = SparkEngine.from_parquet(folder / "lake", spark=spark)
    if "engine" in inspect.signature(score).parameters:
        result = score(ws, _as_of(folder), engine=engine)  # type: ignore[call-arg]
        (folder / "run_spark.txt").write_text(result.run_id)
        return {"run_id": result.run_id, "steps": result.seconds, "mode": "score"}
    card = _engine_steps(engine, ws, _as_of(folder), frozenset(engine.present_tables()))
    (folder / "out").mkdir(exist_ok=True)
    write_scorecard(card, folder / "out" / "scorecard_spark.parquet")
    (folder / "run_spark.txt").write_text("")
    return {"rows": card.num_rows, "mode": "engine steps (score() takes no engine yet)"}


def child_lake(folder: Path) -> dict[str, Any]:
    from keepwise.application.lake import export_event_tables
    from keepwise.storage.workspace import Workspace

    shutil.rmtree(folder / "lake", ignore_errors=True)
    return {"rows": export_event_tables(Workspace.open(folder / "ws"), folder / "lake")}


def child_export(folder: Path, engine_name: str) -> dict[str, Any]:
    from keepwise.application.exporting import export_scorecard
    from keepwise.storage.workspace import Workspace

    run_id = (folder / f"run_{engine_name}.txt").read_text().strip()
    if not run_id:
        return {"note": "written by the score stage"}
    (folder / "out").mkdir(exist_ok=True)
    target = folder / "out" / f"scorecard_{engine_name}.parquet"
    return export_scorecard(Workspace.open(folder / "ws"), target, "parquet", run_id)


def child_compare(folder: Path) -> dict[str, Any]:
    """Count scorecard cells that differ between the DuckDB and the Spark run."""
    import duckdb

    a = folder / "out" / "scorecard_duckdb.parquet"
    b = folder / "out" / "scorecard_spark.parquet"
    con = duckdb.connect()
    cols = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM '{a}'").fetchall()]
    other = {r[0] for r in con.sql(f"DESCRIBE SELECT * FROM '{b}'").fetchall()}
    cols = [c for c in cols if c in other]
    skip = {"customer_id", "run_id"}
    checks = []
    for c in cols:
        if c in skip:
            continue
        kind = con.sql(f"SELECT typeof(\"{c}\") FROM '{a}' LIMIT 1").fetchall()[0]
        numeric = kind is not None and kind[0].startswith(("DECIMAL", "DOUBLE", "BIGINT", "INT"))
        cond = (
            f'abs(coalesce(a."{c}", 0) - coalesce(b."{c}", 0)) > 0.0051 '
            f'OR (a."{c}" IS NULL) <> (b."{c}" IS NULL)'
            if numeric
            else f'a."{c}" IS DISTINCT FROM b."{c}"'
        )
        checks.append(f'sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS "{c}"')
    row = (
        con.sql(
            f"SELECT count(*) AS customers, {', '.join(checks)} FROM '{a}' a "
            f"FULL JOIN '{b}' b USING (customer_id)"
        )
        .to_arrow_table()
        .to_pylist()[0]
    )
    return {
        "customers": row.pop("customers"),
        "columns_compared": len(checks),
        "differing": {k: v for k, v in row.items() if v},
    }


def child_peer(folder: Path) -> dict[str, Any]:
    """The analyst's pipeline: pandas + lifetimes (runs in the peer venv, no keepwise)."""
    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    as_of = pd.Timestamp(_as_of(folder))
    names = ("customers", "orders", "returns", "invoices", "tickets", "activities")
    names += ("incidents", "reviews", "surveys")
    t: dict[str, pd.DataFrame] = {}
    for name in names:
        frame = pd.read_parquet(folder / "demo" / f"{name}.parquet")
        for col in frame.columns:
            if (
                frame[col].dtype == object
                and len(frame)
                and type(frame[col].iloc[0]).__name__ == "Decimal"
            ):
                frame[col] = frame[col].astype(float)
        t[name] = frame
    seconds["load"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    cust = t["customers"].set_index("customer_id")
    orders = t["orders"][t["orders"].ordered_at < as_of]
    out = pd.DataFrame(index=cust.index)
    g = orders.groupby("customer_id")
    out["orders"] = g.order_id.count()
    out["gross_revenue"] = g.amount.sum()
    out["cogs"] = g.cost.sum()
    out["discount"] = g.discount.sum()
    out["list_amount"] = g.list_amount.sum()
    ret = t["returns"][t["returns"].returned_at < as_of].groupby("customer_id")
    out["returned"] = ret.amount.sum()
    out["returns"] = ret.return_id.count()
    out = out.fillna(0.0)
    out["revenue"] = out.gross_revenue - out.returned
    out["gross_margin"] = out.revenue - out.cogs

    inv = t["invoices"][t["invoices"].issued_at < as_of].copy()
    inv["late"] = (inv.paid_at > inv.due_at) | (inv.paid_at.isna() & (inv.due_at < as_of))
    inv["days_late"] = ((inv.paid_at.fillna(as_of) - inv.due_at).dt.days).clip(lower=0)
    inv["written_off"] = np.where(inv.status == "written_off", inv.amount, 0.0)
    gi = inv.groupby("customer_id")
    out["late_share"] = gi.late.mean()
    out["days_late"] = gi.days_late.mean()
    out["bad_debt"] = gi.written_off.sum()
    out["collection_touches"] = gi.collection_touches.sum()

    tk = t["tickets"][t["tickets"].opened_at < as_of].copy()
    tk["slow"] = (tk.first_response_at - tk.opened_at).dt.total_seconds() > 24 * 3600
    gt = tk.groupby("customer_id")
    out["tickets"] = gt.ticket_id.count()
    out["ticket_minutes"] = gt.handle_minutes.sum()
    out["change_requests"] = gt.category.apply(lambda s: (s == "change_request").sum())
    out["after_hours"] = gt.after_hours.sum()
    out["out_of_scope"] = gt.out_of_scope.sum()
    out["slow_responses"] = gt.slow.sum()

    act = t["activities"][t["activities"]["at"] < as_of]
    meetings = act[act.kind == "meeting"].groupby("customer_id")
    out["no_show_rate"] = meetings.outcome.apply(lambda s: (s == "no_show").mean())
    out["activity_minutes"] = act.groupby("customer_id").minutes.sum()
    rec = act[act.kind == "recommendation"].groupby("customer_id")
    out["advice_ignored"] = rec.outcome.apply(lambda s: s.isin(["declined", "ignored"]).sum())
    inc = t["incidents"][t["incidents"].reported_at < as_of]
    counts = inc.pivot_table(
        index="customer_id", columns="kind", values="incident_id", aggfunc="count"
    )
    out = out.join(counts.add_prefix("incidents_"))
    rv = t["reviews"][(t["reviews"].posted_at < as_of) & (t["reviews"].rating <= 2)]
    out["bad_reviews"] = rv.groupby("customer_id").review_id.count()
    sv = t["surveys"][(t["surveys"].submitted_at < as_of) & (t["surveys"].kind == "nps")]
    out["last_nps"] = sv.sort_values("submitted_at").groupby("customer_id").score.last()
    out = out.fillna({c: 0 for c in out.columns if c not in ("last_nps", "late_share")})

    out["cost_to_serve"] = (
        (out.ticket_minutes + out.activity_minutes) / 60 * PEER_RATES["hourly"]
        + out.collection_touches * PEER_RATES["collection_touch"]
        + out.returns * PEER_RATES["return_handling"]
        + out.bad_debt
    )
    out["profit"] = out.gross_margin - out.cost_to_serve
    out["profit_rank"] = out.profit.rank(ascending=False, method="first")
    out["segment"] = cust.segment
    out["support_pct"] = out.groupby("segment").ticket_minutes.rank(pct=True)
    out["late_payer"] = np.select(
        [out.late_share >= 0.5, out.late_share >= 0.25], ["flag", "watch"], "none"
    )
    out["attention_hog"] = np.where(out.support_pct >= 0.95, "flag", "none")

    daily = orders.assign(ordered_at=orders.ordered_at.dt.floor("D"))
    summary = summary_data_from_transaction_data(
        daily, "customer_id", "ordered_at", "amount", observation_period_end=as_of, freq="D"
    )
    bgf = BetaGeoFitter(penalizer_coef=0.001)
    bgf.fit(summary.frequency, summary.recency, summary["T"])
    summary["p_alive"] = bgf.conditional_probability_alive(
        summary.frequency, summary.recency, summary["T"]
    )
    repeat = summary[(summary.frequency > 0) & (summary.monetary_value > 0)]
    ggf = GammaGammaFitter(penalizer_coef=0.001)
    ggf.fit(repeat.frequency, repeat.monetary_value)
    summary["clv"] = ggf.customer_lifetime_value(
        bgf,
        summary.frequency,
        summary.recency,
        summary["T"],
        summary.monetary_value.where(summary.monetary_value > 0, repeat.monetary_value.mean()),
        time=12,
        discount_rate=0.01,
        freq="D",
    )
    out = out.join(summary[["p_alive", "clv"]])
    seconds["score"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    (folder / "out").mkdir(exist_ok=True)
    out.reset_index().to_parquet(folder / "out" / "scorecard_peer.parquet")
    seconds["export"] = time.perf_counter() - t2
    return {
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "rows": len(out),
        "bgf": {k: float(v) for k, v in bgf.params_.items()},
    }


CHILDREN = {
    "generate": lambda a: child_generate(int(a.customers), Path(a.folder)),
    "import": lambda a: child_import(Path(a.folder)),
    "lake": lambda a: child_lake(Path(a.folder)),
    "score-duckdb": lambda a: child_score(Path(a.folder), "duckdb"),
    "score-spark": lambda a: child_score(Path(a.folder), "spark"),
    "export-duckdb": lambda a: child_export(Path(a.folder), "duckdb"),
    "export-spark": lambda a: child_export(Path(a.folder), "spark"),
    "compare": lambda a: child_compare(Path(a.folder)),
    "peer": lambda a: child_peer(Path(a.folder)),
}


# ---------------------------------------------------------------- driver ----------------


def peer_python(work: Path) -> str:
    """Return the peer venv's interpreter, creating the venv with pip on first use."""
    venv = work / "peer-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    return str(python)


def _stage(python: str, mode: str, folder: Path, customers: int, label: str) -> dict[str, Any]:
    argv = [python, str(HERE), "--child", mode, "--folder", str(folder)]
    argv += ["--customers", str(customers)]
    cpu0 = _cpu()
    result = run_stage(argv, label)
    result["cpu_s"] = round(_cpu() - cpu0, 2)
    status = result.get("error") or f"{result['wall_s']:.1f} s, peak {result.get('peak_mb')} MB"
    print(f"  {label:<16} {status}", flush=True)
    return result


def run_size(customers: int, engines: list[str], work: Path) -> list[dict[str, Any]]:
    """Run every requested pipeline at one size; return one record per stage."""
    folder = work / f"n{customers}"
    folder.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    print(f"{customers:,} customers", flush=True)
    records = []
    if not (folder / "as_of.txt").exists():
        records.append(_stage(py, "generate", folder, customers, "generate"))
    if "duckdb" in engines or "spark" in engines:
        records.append(_stage(py, "import", folder, customers, "duckdb import"))
    if "duckdb" in engines:
        records.append(_stage(py, "score-duckdb", folder, customers, "duckdb score"))
        records.append(_stage(py, "export-duckdb", folder, customers, "duckdb export"))
    if "spark" in engines:
        records.append(_stage(py, "lake", folder, customers, "spark lake"))
        records.append(_stage(py, "score-spark", folder, customers, "spark score"))
        records.append(_stage(py, "export-spark", folder, customers, "spark export"))
        if "duckdb" in engines:
            records.append(_stage(py, "compare", folder, customers, "duckdb=spark?"))
    if "peer" in engines:
        records.append(_stage(peer_python(work), "peer", folder, customers, "peer"))
    for record in records:
        record["customers"] = customers
    return records


def summarise(records: list[dict[str, Any]]) -> None:
    """Print totals per complete pipeline and size, and the growth per 10x customers."""
    parts = {
        "duckdb": ["duckdb import", "duckdb score", "duckdb export"],
        "spark": ["duckdb import", "spark lake", "spark score", "spark export"],
        "peer": ["peer"],
    }
    ok = {(r["stage"], r["customers"]): r for r in records if "error" not in r}
    totals: dict[tuple[str, int], dict[str, float]] = {}
    for n in sorted({r["customers"] for r in records}):
        for pipeline, stages in parts.items():
            if all((stage, n) in ok for stage in stages):
                done = [ok[(stage, n)] for stage in stages]
                totals[(pipeline, n)] = {
                    "wall_s": sum(r["wall_s"] for r in done),
                    "peak_mb": max(r.get("peak_mb", 0) for r in done),
                }
    print("\npipeline   customers    wall s   peak MB   growth vs 10x fewer")
    for (pipeline, n), t in sorted(totals.items()):
        smaller = totals.get((pipeline, n // 10))
        growth = f"{t['wall_s'] / smaller['wall_s']:.1f}x" if smaller else "-"
        print(f"{pipeline:<10} {n:>9,} {t['wall_s']:>9.1f} {t['peak_mb']:>9.0f}   {growth}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument("--engines", nargs="*", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--work", type=Path, default=Path("/tmp/keepwise-bench-pipeline"))
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="override a workspace setting, e.g. --set 'clv.candidate_models=[\"bg-nbd\"]'",
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--customers", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args), default=str))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    overrides = {k: json.loads(v) for k, _, v in (item.partition("=") for item in args.set)}
    os.environ["KW_BENCH_SETTINGS"] = json.dumps(overrides)
    records: list[dict[str, Any]] = []
    for n in args.sizes:
        records += run_size(n, args.engines, args.work)
        with open(args.work / "results.jsonl", "a") as fh:
            for record in records:
                if record["customers"] == n:
                    record["settings"] = overrides
                    fh.write(json.dumps(record, default=str) + "\n")
    summarise(records)


if __name__ == "__main__":
    main()
