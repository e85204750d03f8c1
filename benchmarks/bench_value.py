"""Benchmark: the value features (keepwise on DuckDB) against the same aggregation in pandas.

Generates a synthetic business with numpy (default 1M customers, 10M orders, plus returns,
tickets, activities and invoices), writes it as Parquet, imports it into a keepwise workspace
with the product's own import (checked, stored by customer then time),
then runs, each in a fresh process so peak memory is its own:

* keepwise: ``compute_value`` over the workspace (SQL features + items + business figures);
* pandas: the same per-customer value table written by hand (read Parquet, groupby, merge).

Prints seconds and peak RSS side by side, and checks that both agree on total profit.

    .venv/bin/python benchmarks/bench_value.py --customers 1000000 --orders 10000000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from queue import Empty
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

START = np.datetime64("2019-01-01T00:00:00", "s")
AS_OF = datetime(2024, 6, 30)
SPAN = int((np.datetime64("2024-06-30T00:00:00", "s") - START).astype(np.int64))


def _ids(prefix: str, n: int) -> pa.Array:
    return pa.array(np.char.add(prefix, np.arange(n).astype("U9")), pa.string())


def _ts(seconds: np.ndarray) -> pa.Array:
    return pa.array((START + seconds.astype("timedelta64[s]")).astype("datetime64[us]"))


def _money(x: np.ndarray) -> pa.Array:
    return pa.array(np.round(x, 2)).cast(pa.decimal128(18, 2))


def generate(n_customers: int, n_orders: int, out: Path, seed: int = 7) -> dict[str, int]:
    """Write customers, orders, returns, tickets, activities and invoices as Parquet."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    acquired = rng.integers(0, int(SPAN * 0.9), n_customers)
    weight = rng.lognormal(0, 1.0, n_customers)
    weight /= weight.sum()
    contract = rng.random(n_customers) < 0.2
    ended = contract & (rng.random(n_customers) < 0.3)
    end_at = np.where(ended, acquired + rng.integers(30 * 86400, SPAN, n_customers), 0)
    end_at = np.minimum(end_at, SPAN)
    reasons = np.array(["price", "quality", "competitor_offer", "no_longer_needed"])
    customers = pa.table(
        {
            "customer_id": _ids("c", n_customers),
            "acquired_at": _ts(acquired),
            "ended_at": pa.array(
                (START + end_at.astype("timedelta64[s]")).astype("datetime64[us]"),
                mask=~ended,
            ),
            "end_reason": pa.array(reasons[rng.integers(0, 4, n_customers)], mask=~ended),
            "annual_contract_value": pa.array(
                np.round(rng.lognormal(7, 0.5, n_customers), 2), mask=~contract
            ).cast(pa.decimal128(18, 2)),
        }
    )
    pq.write_table(customers, out / "customers.parquet")
    counts: dict[str, int] = {"customers": n_customers}

    def events(n: int) -> tuple[np.ndarray, np.ndarray]:
        who = rng.choice(n_customers, size=n, p=weight)
        when = acquired[who] + (rng.random(n) * (SPAN - acquired[who])).astype(np.int64)
        return who, when

    ids = customers.column("customer_id").combine_chunks()
    chunk = 2_000_000
    writer = None
    for lo in range(0, n_orders, chunk):
        n = min(chunk, n_orders - lo)
        who, when = events(n)
        amount = np.round(rng.lognormal(3.5, 0.8, n), 2)
        cost = amount * rng.uniform(0.3, 0.7, n)
        table = pa.table(
            {
                "order_id": pa.array(np.char.add("o", np.arange(lo, lo + n).astype("U9"))),
                "customer_id": ids.take(pa.array(who)),
                "ordered_at": _ts(when),
                "amount": _money(amount),
                "cost": pa.array(np.round(cost, 2), mask=rng.random(n) < 0.1).cast(
                    pa.decimal128(18, 2)
                ),
                "discount": _money(amount * rng.choice([0, 0, 0, 0.05, 0.1], n)),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(out / "orders.parquet", table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    counts["orders"] = n_orders

    n = n_orders // 20
    who, when = events(n)
    pq.write_table(
        pa.table(
            {
                "return_id": _ids("r", n),
                "customer_id": ids.take(pa.array(who)),
                "returned_at": _ts(when),
                "amount": _money(rng.lognormal(3, 0.7, n)),
            }
        ),
        out / "returns.parquet",
    )
    counts["returns"] = n

    n = n_orders // 4
    who, when = events(n)
    minutes = rng.gamma(2, 8, n)
    pq.write_table(
        pa.table(
            {
                "ticket_id": _ids("t", n),
                "customer_id": ids.take(pa.array(who)),
                "opened_at": _ts(when),
                "channel": pa.array(np.array(["email", "chat", "phone"])[rng.integers(0, 3, n)]),
                "handle_minutes": pa.array(minutes, mask=rng.random(n) < 0.1),
            }
        ),
        out / "tickets.parquet",
    )
    counts["tickets"] = n

    n = n_orders // 10
    who, when = events(n)
    pq.write_table(
        pa.table(
            {
                "activity_id": _ids("a", n),
                "customer_id": ids.take(pa.array(who)),
                "kind": pa.array(
                    np.array(["meeting", "onboarding", "call", "email"])[rng.integers(0, 4, n)]
                ),
                "at": _ts(when),
                "outcome": pa.array(
                    np.array(["attended", "no_show", "answered"])[rng.integers(0, 3, n)]
                ),
                "minutes": pa.array(rng.gamma(2, 15, n), mask=rng.random(n) < 0.2),
            }
        ),
        out / "activities.parquet",
    )
    counts["activities"] = n

    n = n_orders * 3 // 10
    who, when = events(n)
    due = when + 30 * 86400
    late = rng.exponential(12 * 86400, n).astype(np.int64) - 5 * 86400
    paid = due + late
    unpaid = (rng.random(n) < 0.05) | (paid > SPAN)
    status = np.where(unpaid, "open", "paid")
    status = np.where(rng.random(n) < 0.01, "written_off", status)
    status = np.where(rng.random(n) < 0.01, "void", status)
    amount = np.round(rng.lognormal(4, 0.8, n), 2)
    pq.write_table(
        pa.table(
            {
                "invoice_id": _ids("i", n),
                "customer_id": ids.take(pa.array(who)),
                "issued_at": _ts(when),
                "due_at": _ts(due),
                "paid_at": pa.array(
                    (START + paid.astype("timedelta64[s]")).astype("datetime64[us]"), mask=unpaid
                ),
                "amount": _money(amount),
                "amount_paid": pa.array(np.where(unpaid, 0.0, amount)).cast(pa.decimal128(18, 2)),
                "status": pa.array(status),
                "collection_touches": pa.array(rng.poisson(0.3 + 2 * unpaid, n).astype(np.int64)),
            }
        ),
        out / "invoices.parquet",
    )
    counts["invoices"] = n
    return counts


def load_workspace(parquet: Path, path: Path) -> Path:
    """Create a workspace at ``path`` and import every Parquet file as a user would.

    Through ``keepwise import``'s own code, so the rows are checked and stored the way the
    product stores them (by customer, then time), not in the generator's order.
    """
    from keepwise.application.importing import import_paths
    from keepwise.storage import Workspace

    ws = Workspace.init(path)
    import_paths(ws, sorted(parquet.glob("*.parquet")))
    return ws.path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_keepwise(path: str, queue: Any) -> None:
    """Child process: compute_value over the workspace; report seconds, peak MB, total profit."""
    from keepwise.application.valuing import value_workspace
    from keepwise.storage import Workspace

    base = _peak_mb()
    t0 = time.perf_counter()
    result = value_workspace(Workspace.open(Path(path)), AS_OF)
    seconds = time.perf_counter() - t0
    queue.put(
        {
            "seconds": seconds,
            "peak_mb": _peak_mb(),
            "baseline_mb": base,
            "rows": result.customers.num_rows,
            "items": result.items.num_rows,
            "total_profit": result.business["totals"]["profit"],
        }
    )


def run_pandas(parquet: str, queue: Any) -> None:
    """Child process: the same per-customer value table by hand in pandas."""
    import pandas as pd

    base = _peak_mb()
    t0 = time.perf_counter()
    d = Path(parquet)
    as_of = pd.Timestamp(AS_OF)
    y1 = as_of - pd.Timedelta(days=365)
    cust = pd.read_parquet(d / "customers.parquet")
    orders = pd.read_parquet(d / "orders.parquet")
    returns = pd.read_parquet(d / "returns.parquet")
    tickets = pd.read_parquet(d / "tickets.parquet")
    acts = pd.read_parquet(d / "activities.parquet")
    inv = pd.read_parquet(d / "invoices.parquet")
    t_read = time.perf_counter() - t0

    cust = cust[cust.acquired_at <= as_of].copy()
    cust["ended"] = cust.ended_at.where(cust.ended_at <= as_of)
    o = orders[orders.ordered_at <= as_of]
    amount = o.amount.astype(float)
    cost = o.cost.astype(float)
    o = pd.DataFrame(
        {
            "customer_id": o.customer_id,
            "t": o.ordered_at,
            "amount": amount,
            "cogs": cost.fillna(0.0),
            "discount": o.discount.astype(float),
        }
    )
    last = o.groupby("customer_id").t.max().rename("last_order_at")
    active = cust.set_index("customer_id").ended.combine_first(last).rename("active_until")
    o = o.join(active, on="customer_id")
    o["a12"] = np.where(o.t > y1, o.amount, 0.0)
    o["la"] = np.where(
        (o.t > o.active_until - pd.Timedelta(days=365)) & (o.t <= o.active_until), o.amount, 0.0
    )
    s = o.groupby("customer_id").agg(
        order_amount=("amount", "sum"),
        cogs=("cogs", "sum"),
        discounts=("discount", "sum"),
        amount_12m=("a12", "sum"),
        last_active=("la", "sum"),
    )
    r = returns[returns.returned_at <= as_of]
    r = r.assign(amount=r.amount.astype(float)).groupby("customer_id").amount.agg(["sum", "size"])
    t = tickets[tickets.opened_at <= as_of]
    minutes = t.handle_minutes.fillna(15.0)
    rate = np.where(t.channel.str.lower() == "chat", 20.0, 40.0)
    t = pd.DataFrame({"customer_id": t.customer_id, "cost": minutes * rate / 60})
    support = t.groupby("customer_id").cost.sum()
    a = acts[(acts["at"] <= as_of) & acts.kind.isin(["meeting", "onboarding", "call"])]
    meetings = (a.minutes.fillna(30.0) / 60 * 80).groupby(a.customer_id).sum()
    i = inv[(inv.issued_at <= as_of) & (inv.status.fillna("") != "void")]
    paid = i.paid_at.notna() & (i.paid_at <= as_of)
    undated = (i.status == "paid") & i.paid_at.isna()
    outstanding = (i.amount.astype(float) - i.amount_paid.astype(float).fillna(0)).clip(lower=0)
    overdue = (as_of.normalize() - i.due_at.dt.normalize()).dt.days
    bad = (i.status == "written_off") | (~paid & ~undated & (overdue >= 90))
    late_days = (i.paid_at.dt.normalize() - i.due_at.dt.normalize()).dt.days.clip(lower=0)
    money_days = np.where(
        bad,
        0.0,
        np.where(
            paid,
            i.amount.astype(float) * late_days.fillna(0),
            np.where(undated, 0.0, outstanding * overdue.clip(lower=0)),
        ),
    )
    inv_all = inv[inv.issued_at <= as_of]
    ii = (
        pd.DataFrame(
            {
                "customer_id": i.customer_id,
                "bad": np.where(bad, outstanding, 0.0),
                "fin": money_days * 0.10 / 365,
            }
        )
        .groupby("customer_id")[["bad", "fin"]]
        .sum()
    )
    touches = inv_all.collection_touches.fillna(0).groupby(inv_all.customer_id).sum() * 15.0
    v = cust.set_index("customer_id")[["acquired_at"]]
    v = v.join(s).join(r).join(support.rename("support")).join(meetings.rename("meetings"))
    v = v.join(ii).join(touches.rename("collections"))
    v = v.fillna(
        {
            c: 0.0
            for c in (
                "order_amount",
                "cogs",
                "sum",
                "size",
                "support",
                "meetings",
                "bad",
                "fin",
                "collections",
                "amount_12m",
                "last_active",
            )
        }
    )
    v["revenue"] = v.order_amount - v["sum"]
    v["gross_margin"] = v.revenue - v.cogs
    v["cost_to_serve"] = v.support + v.meetings + v.collections + v["size"] * 10.0 + v.bad + v.fin
    v["profit"] = v.gross_margin - v.cost_to_serve
    v = v.reset_index().sort_values(["profit", "customer_id"], ascending=[False, True])
    v["profit_rank"] = np.arange(1, len(v) + 1)
    v["profit_decile"] = (v.profit_rank - 1) * 10 // len(v) + 1
    v["profit_share"] = v.profit / v.profit.sum()
    seconds = time.perf_counter() - t0
    queue.put(
        {
            "seconds": seconds,
            "read_seconds": t_read,
            "peak_mb": _peak_mb(),
            "baseline_mb": base,
            "rows": len(v),
            "total_profit": round(float(v.profit.sum()), 2),
        }
    )


def _in_child(target: Any, arg: str) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(arg, queue))
    proc.start()
    while True:
        try:
            result = queue.get(timeout=1.0)
            break
        except Empty:
            if not proc.is_alive():
                raise RuntimeError(
                    f"{target.__name__} failed (exit code {proc.exitcode})"
                ) from None
    proc.join()
    return dict(result)


def _report(kw: dict[str, Any], pd_: dict[str, Any]) -> None:
    """Print one keepwise-versus-pandas comparison side by side."""
    print()
    print(f"{'':28}{'keepwise (DuckDB)':>20}{'pandas by hand':>18}")
    print(f"{'seconds, total':28}{kw['seconds']:>20.2f}{pd_['seconds']:>18.2f}")
    print(f"{'  of which reading input':28}{'(in query)':>20}{pd_['read_seconds']:>18.2f}")
    print(
        f"{'seconds, aggregation only':28}{kw['seconds']:>20.2f}"
        f"{pd_['seconds'] - pd_['read_seconds']:>18.2f}"
    )
    print(f"{'peak memory, MB':28}{kw['peak_mb']:>20.0f}{pd_['peak_mb']:>18.0f}")
    print(f"{'customers valued':28}{kw['rows']:>20,}{pd_['rows']:>18,}")
    print(f"{'total profit':28}{kw['total_profit']:>20,.2f}{pd_['total_profit']:>18,.2f}")
    print(
        f"\nspeed-up {pd_['seconds'] / kw['seconds']:.1f}x total, "
        f"{(pd_['seconds'] - pd_['read_seconds']) / kw['seconds']:.1f}x excluding pandas' "
        f"Parquet read; keepwise also builds {kw['items']:,} itemised rows and the "
        "business figures",
        flush=True,
    )
    if abs(kw["total_profit"] - pd_["total_profit"]) > 0.01:
        raise SystemExit(
            f"total profit differs: keepwise {kw['total_profit']:,.2f}, "
            f"pandas {pd_['total_profit']:,.2f}"
        )


def main() -> None:
    """Generate (or reuse), load, run both contenders ``--repeat`` times and compare."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--orders", type=int, default=10_000_000)
    ap.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="Keep the data here; a workdir from an earlier run with the same sizes is reused.",
    )
    ap.add_argument("--repeat", type=int, default=1, help="Run the comparison this many times.")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kw-bench-value-"))
    stamp = work / "sizes.txt"
    sizes = f"{args.customers} {args.orders} imported"
    try:
        if stamp.exists() and stamp.read_text() == sizes:
            print(f"reusing the data in {work}", flush=True)
            ws = work / "ws"
        else:
            shutil.rmtree(work / "parquet", ignore_errors=True)
            shutil.rmtree(work / "ws", ignore_errors=True)
            t0 = time.perf_counter()
            counts = generate(args.customers, args.orders, work / "parquet")
            print(f"generated {counts} in {time.perf_counter() - t0:.1f}s", flush=True)
            t0 = time.perf_counter()
            ws = load_workspace(work / "parquet", work / "ws")
            print(f"loaded workspace in {time.perf_counter() - t0:.1f}s", flush=True)
            stamp.write_text(sizes)
        ratios = []
        for _ in range(args.repeat):
            kw = _in_child(run_keepwise, str(ws))
            pd_ = _in_child(run_pandas, str(work / "parquet"))
            _report(kw, pd_)
            ratios.append(pd_["seconds"] / kw["seconds"])
        if len(ratios) > 1:
            print(f"\nspeed-up over {len(ratios)} runs: {min(ratios):.1f}x to {max(ratios):.1f}x")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
