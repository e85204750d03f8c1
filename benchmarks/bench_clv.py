"""Lifetime-value benchmark: keepwise against lifetimes and PyMC-Marketing, side by side.

Tasks, each run in a fresh process (so peak memory is the task's own):

* ``cdnow-<model>``: fit BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma on CDNOW (2,357 customers);
* ``pipeline``: a synthetic transaction log drawn from a BG/NBD process (default 1M customers,
  ~10M transactions) → per-customer summary → BG/NBD + Gamma-Gamma fit → 12-month discounted
  CLV for every customer;
* ``pipeline-text-ids``: keepwise only, the same pipeline with the customer ids cast to text
  first, as a workspace stores them (the data contract's ids are strings);
* ``pareto-1m``: Pareto/NBD fit on the synthetic summary.

Every library reads the same Parquet log (integer customer ids) inside its timing. keepwise
summarises with DuckDB SQL (the ``clv.rfm`` feature) and fits on unique rows with weights;
lifetimes uses ``summary_data_from_transaction_data`` and fits every row; PyMC-Marketing fits
by MAP. The peers live in their own throwaway venvs (``--peers``, default ``/tmp/kw-peers``),
created on first use: they pin old pandas/numpy and are never keepwise dependencies. Usage::

    .venv/bin/python benchmarks/bench_clv.py                    # 1M customers, all peers
    .venv/bin/python benchmarks/bench_clv.py --customers 100000 --skip pymc
    .venv/bin/python benchmarks/bench_clv.py --skip pymc --tasks pipeline --repeat 3

With ``--repeat N`` each library runs each task N times, the libraries taking turns, and the
fastest run of each is compared (on a shared machine noise only ever adds time); every run
and the run-by-run ratios are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
TRUTH = {"r": 2.5, "alpha": 8.0, "a": 1.0, "b": 10.0, "p": 6.0, "q": 4.0, "gamma": 15.0}
HORIZON_MONTHS = 12
MONTHLY_DISCOUNT = 0.01
INF = float("inf")

# -- data ------------------------------------------------------------------------------------


def make_log(n: int, path: Path, seed: int = 42) -> dict[str, Any]:
    """Write a BG/NBD transaction log (customer_id, ordered_at, amount) to Parquet."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    t = TRUTH
    start = rng.uniform(0, 52, n)  # weeks after day 0 when the first purchase happens
    end = 78.0
    T = end - start
    lam = rng.gamma(t["r"], 1 / t["alpha"], n)
    p = rng.beta(t["a"], t["b"], n)
    k = rng.geometric(p)
    c = rng.poisson(lam * T)
    x = np.minimum(k, c)
    # first x of c uniform order statistics on [0, T]: exponential spacings
    total = int(x.sum())
    owner = np.repeat(np.arange(n), x)
    gaps = rng.exponential(1.0, total)
    csum = np.cumsum(gaps)
    offsets = np.concatenate([[0.0], csum])[np.cumsum(x) - x]
    within = csum - np.repeat(offsets, x)
    s_x = np.zeros(n)
    has = x > 0
    s_x[has] = within[np.cumsum(x)[has] - 1]
    tail = rng.gamma(np.maximum(c - x + 1, 1), 1.0)
    norm = (s_x + tail)[owner]
    times = within / norm * T[owner]
    nu = rng.gamma(t["q"], 1 / t["gamma"], n)
    first_day = np.floor(start * 7).astype("int64")
    days = np.concatenate([first_day, first_day[owner] + np.floor(times * 7).astype("int64")])
    ids = np.concatenate([np.arange(n), owner])
    amount = rng.gamma(t["p"], 1.0, len(ids)) / nu[ids]
    base = np.datetime64("2024-01-01")
    table = pa.table(
        {
            "customer_id": pa.array(ids.astype("int64")),
            "ordered_at": pa.array((base + days.astype("timedelta64[D]")).astype("datetime64[ms]")),
            "amount": pa.array(np.round(amount, 2)),
        }
    )
    pq.write_table(table, path)
    return {"customers": n, "transactions": len(ids), "end": str(base + int(end * 7))}


# -- keepwise tasks ----------------------------------------------------------------------------


def _cdnow() -> tuple[Any, ...]:
    import numpy as np

    d = np.genfromtxt(DATA / "cdnow_customers_summary.csv", delimiter=",", names=True)
    s = np.genfromtxt(
        DATA / "cdnow_customers_summary_with_transactions.csv", delimiter=",", names=True
    )
    return d["frequency"], d["recency"], d["T"], s["x"], s["zbar"]


def ours_cdnow(model: str) -> dict[str, Any]:
    from keepwise.domain.models import MODELS

    x, tx, T, gx, gz = _cdnow()
    started, cpu = time.perf_counter(), time.process_time()
    m: Any = MODELS[model]()
    if model == "gamma-gamma":
        m.fit(gx[gx > 0], gz[gx > 0])
    else:
        m.fit(x, tx, T)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "params": m.params_,
        "ll": m.log_likelihood_,
    }


def _our_summary(path: Path, end: str, text_ids: bool = False) -> Any:
    """Return keepwise's RFM summary of the log (modules imported before the clock starts)."""
    import duckdb

    from keepwise.domain.features import FeatureContext, run_feature
    from keepwise.engines import DuckDBEngine
    from keepwise.settings import default_settings

    con = duckdb.connect()
    ids = "CAST(customer_id AS VARCHAR)" if text_ids else "customer_id"
    con.execute(
        f"CREATE VIEW orders AS SELECT {ids} AS customer_id, ordered_at, "
        f"amount, CAST(NULL AS DOUBLE) AS cost FROM read_parquet('{path}')"
    )
    from datetime import datetime

    ctx = FeatureContext(datetime.fromisoformat(end), default_settings(), frozenset({"orders"}))
    return run_feature(DuckDBEngine(con), "clv.rfm", ctx)


def ours_pipeline(path: Path, end: str, text_ids: bool = False) -> dict[str, Any]:
    import duckdb  # noqa: F401  (imported before the clock, as the peers import theirs)
    import numpy as np

    # PyArrow imports pandas, when it is installed, the first time it builds a table (0.1-0.15
    # s). keepwise never uses it; it is here only as a dev extra, for the pandas peers.
    import pandas  # noqa: F401

    import keepwise.domain.features
    import keepwise.engines
    import keepwise.settings  # noqa: F401
    from keepwise.domain.models import BetaGeoModel, GammaGammaModel
    from keepwise.domain.models.base import unique_rows

    started, cpu = time.perf_counter(), time.process_time()
    rfm = _our_summary(path, end, text_ids)
    t_summary = time.perf_counter() - started
    x, tx, T = (rfm.column(c).to_numpy() for c in ("frequency", "recency", "T"))
    mv = rfm.column("monetary_value").to_numpy(zero_copy_only=False)
    mv = np.where(np.isnan(mv.astype(float)), 0.0, mv.astype(float))
    (ux, utx, uT), inv = unique_rows([x, tx, T])
    w = np.bincount(inv).astype(float)
    bg = BetaGeoModel().fit(ux, utx, uT, weights=w)
    repeat = x > 0
    gg = GammaGammaModel().fit(x[repeat], mv[repeat])
    t_fit = time.perf_counter() - started - t_summary
    month = 365.25 / 12 / 7
    months = np.arange(1, HORIZON_MONTHS + 1)
    disc, _ = bg.discounted_purchases(
        months * month, (1 + MONTHLY_DISCOUNT) ** -months, ux, utx, uT
    )
    clv = disc[inv] * gg.expected_spend(x, mv)
    total = time.perf_counter() - started
    return {
        "seconds": total,
        "cpu_s": time.process_time() - cpu,
        "summary_s": t_summary,
        "fit_s": t_fit,
        "clv_s": total - t_summary - t_fit,
        "params": {**bg.params_, **gg.params_},
        "ll": bg.log_likelihood_,
        "gg_ll": gg.log_likelihood_,
        "unique_rows": len(ux),
        "clv_sum": float(clv.sum()),
        "customers": len(x),
    }


def ours_pareto(path: Path, end: str) -> dict[str, Any]:
    from keepwise.domain.models import ParetoNBDModel

    rfm = _our_summary(path, end)
    x, tx, T = (rfm.column(c).to_numpy() for c in ("frequency", "recency", "T"))
    started, cpu = time.perf_counter(), time.process_time()
    m = ParetoNBDModel().fit(x, tx, T)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "params": m.params_,
        "ll": m.log_likelihood_,
        "unique_rows": m.n_unique_,
    }


# -- peer tasks (run with the peers' interpreter) ----------------------------------------------

PEER_CODE = textwrap.dedent(
    r"""
    import json, resource, sys, time, warnings
    warnings.simplefilter("ignore")
    import numpy as np, pandas as pd
    task, lib, data_dir, path, end = sys.argv[1:6]
    out = {}
    CPU0 = time.process_time()

    def cdnow():
        d = pd.read_csv(f"{data_dir}/cdnow_customers_summary.csv")
        s = pd.read_csv(f"{data_dir}/cdnow_customers_summary_with_transactions.csv")
        return d, s

    def summary_lifetimes():
        from lifetimes.utils import summary_data_from_transaction_data
        df = pd.read_parquet(path)
        return summary_data_from_transaction_data(
            df, "customer_id", "ordered_at", monetary_value_col="amount",
            observation_period_end=end, freq="D").assign(
            recency=lambda d: d.recency / 7, T=lambda d: d["T"] / 7)

    if lib == "lifetimes":
        from lifetimes import (BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter,
                               ParetoNBDFitter)
        classes = {"bg-nbd": BetaGeoFitter, "mbg-nbd": ModifiedBetaGeoFitter,
                   "pareto-nbd": ParetoNBDFitter}
        if task.startswith("cdnow-"):
            model = task[6:]
            d, s = cdnow()
            t0, CPU0 = time.perf_counter(), time.process_time()
            if model == "gamma-gamma":
                s = s[s.x > 0]
                m = GammaGammaFitter().fit(s.x, s.zbar)
            else:
                m = classes[model]().fit(d.frequency, d.recency, d["T"])
            out["seconds"] = time.perf_counter() - t0
            out["params"] = {k: float(v) for k, v in m.params_.items()}
            out["ll"] = None  # lifetimes rescales the data; see the common LL below
        elif task == "pipeline":
            t0, CPU0 = time.perf_counter(), time.process_time()
            sm = summary_lifetimes()
            t1 = time.perf_counter()
            bgf = BetaGeoFitter().fit(sm.frequency, sm.recency, sm["T"])
            rep = sm[sm.frequency > 0]
            ggf = GammaGammaFitter().fit(rep.frequency, rep.monetary_value)
            t2 = time.perf_counter()
            clv = ggf.customer_lifetime_value(bgf, sm.frequency, sm.recency, sm["T"],
                                              sm.monetary_value, time=12, freq="W",
                                              discount_rate=0.01)
            t3 = time.perf_counter()
            out.update(seconds=t3 - t0, summary_s=t1 - t0, fit_s=t2 - t1, clv_s=t3 - t2,
                       params={**{k: float(v) for k, v in bgf.params_.items()},
                               **{k: float(v) for k, v in ggf.params_.items()}},
                       ll=None,
                       clv_sum=float(clv.sum()), customers=len(sm))
        elif task == "pareto-1m":
            sm = summary_lifetimes()
            t0, CPU0 = time.perf_counter(), time.process_time()
            m = ParetoNBDFitter().fit(sm.frequency, sm.recency, sm["T"])
            out.update(seconds=time.perf_counter() - t0,
                       params={k: float(v) for k, v in m.params_.items()},
                       ll=None)
    elif lib == "pymc":
        from pymc_marketing import clv
        classes = {"bg-nbd": clv.BetaGeoModel, "pareto-nbd": clv.ParetoNBDModel,
                   "mbg-nbd": getattr(clv, "ModifiedBetaGeoModel", None)}
        def fit_map(cls, df):
            m = cls(data=df)
            try:
                m.fit(method="map")
            except TypeError:
                m.fit(fit_method="map")
            post = getattr(m.fit_result, "posterior", m.fit_result)
            return m, {k: float(post[k].values.mean()) for k in post.data_vars}
        if task.startswith("cdnow-"):
            model = task[6:]
            d, s = cdnow()
            t0, CPU0 = time.perf_counter(), time.process_time()
            if model == "gamma-gamma":
                s = s[s.x > 0]
                df = pd.DataFrame({"customer_id": s.ID, "frequency": s.x,
                                   "monetary_value": s.zbar})
                m, params = fit_map(clv.GammaGammaModel, df)
            else:
                df = pd.DataFrame({"customer_id": d.ID, "frequency": d.frequency,
                                   "recency": d.recency, "T": d["T"]})
                m, params = fit_map(classes[model], df)
            out.update(seconds=time.perf_counter() - t0, params=params, ll=None)
        elif task == "pipeline":
            from pymc_marketing.clv.utils import rfm_summary
            t0, CPU0 = time.perf_counter(), time.process_time()
            df = pd.read_parquet(path)
            sm = rfm_summary(df, "customer_id", "ordered_at", monetary_value_col="amount",
                             observation_period_end=end, time_unit="D")
            sm["recency"] /= 7
            sm["T"] /= 7
            t1 = time.perf_counter()
            bg, bgp = fit_map(clv.BetaGeoModel, sm[["customer_id", "frequency", "recency", "T"]])
            rep = sm[sm.frequency > 0]
            gg, ggp = fit_map(clv.GammaGammaModel, rep[["customer_id", "frequency",
                                                        "monetary_value"]])
            t2 = time.perf_counter()
            value = gg.expected_customer_lifetime_value(
                transaction_model=bg, data=sm, future_t=12, discount_rate=0.01, time_unit="W")
            t3 = time.perf_counter()
            out.update(seconds=t3 - t0, summary_s=t1 - t0, fit_s=t2 - t1, clv_s=t3 - t2,
                       params={**bgp, **ggp}, ll=None, clv_sum=float(value.mean(
                           ("chain", "draw")).sum()), customers=len(sm))
    out["peak_mb"] = [int(l.split()[1]) / 1024 for l in open("/proc/self/status")
                      if l.startswith("VmHWM")][0]
    if "seconds" in out:
        out["cpu_s"] = time.process_time() - CPU0
    print("RESULT " + json.dumps(out))
    """
)


PEER_PACKAGES = {
    "lifetimes": ["lifetimes==0.11.3", "pandas<2", "numpy<1.27", "scipy<1.12", "pyarrow<15"],
    "pymc": ["pymc-marketing", "pyarrow"],
}
"""lifetimes needs the pandas/numpy of its day; PyMC-Marketing the current ones: two venvs."""


def ensure_peer(lib: str, venv: Path) -> Path:
    """Create the throwaway venv of one peer if missing and return its interpreter."""
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PEER_PACKAGES[lib]], check=True)
    return py


def run_task(cmd: list[str], timeout: float) -> dict[str, Any]:
    """Run one task in a fresh process and parse its RESULT line."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {
        "error": " | ".join(tail) or f"exit {proc.returncode}",
        "wall": time.perf_counter() - started,
    }


def ours_entry(task: str, path: str, end: str) -> None:
    """Entry point of a keepwise task process."""
    if task.startswith("cdnow-"):
        out = ours_cdnow(task[6:])
    elif task in ("pipeline", "pipeline-text-ids"):
        out = ours_pipeline(Path(path), end, text_ids=task == "pipeline-text-ids")
    else:
        out = ours_pareto(Path(path), end)
    out["peak_mb"] = peak_mb()
    print("RESULT " + json.dumps(out))


def peak_mb() -> float:
    """Return this process's peak resident memory (VmHWM; ru_maxrss survives exec on Linux)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def common_ll(task: str, params: dict[str, float], log: Path, end: str, cache: dict) -> float:
    """Return keepwise's log-likelihood at a library's estimates, on the same data for all."""
    from keepwise.domain.models import MODELS

    model = {"pipeline": "bg-nbd", "pipeline-text-ids": "bg-nbd", "pareto-1m": "pareto-nbd"}.get(
        task, task[6:]
    )
    est: Any = MODELS[model]()
    named = {("gamma" if k == "v" else k): float(v) for k, v in params.items()}
    if not all(k in named for k in est.param_names):
        return float("nan")
    prm = {k: named[k] for k in est.param_names}
    if task.startswith("cdnow-"):
        x, tx, T, gx, gz = _cdnow()
        if model == "gamma-gamma":
            return float(est.loglik_at(prm, gx[gx > 0], gz[gx > 0]))
        return float(est.loglik_at(prm, x, tx, T))
    if "rfm" not in cache:
        rfm = _our_summary(log, end)
        cache["rfm"] = [rfm.column(c).to_numpy() for c in ("frequency", "recency", "T")]
    return float(est.loglik_at(prm, *cache["rfm"]))


def fmt(res: dict[str, Any]) -> str:
    """Return one result as a table cell."""
    if "error" in res:
        return f"error: {res['error'][:70]}"
    if "seconds" not in res:
        return "not run (no such task for this library)"
    params = ", ".join(f"{k}={v:.4g}" for k, v in (res.get("params") or {}).items())
    ll = res.get("ll")
    lls = "" if ll is None else f" LL {ll:.1f}"
    cpu = res.get("cpu_s", float("nan"))
    return (
        f"{res['seconds']:8.2f} s (cpu {cpu:7.2f} s) {res.get('peak_mb', 0):7.0f} MB{lls}  {params}"
    )


def main() -> None:
    """Run every task for keepwise and each peer and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument(
        "--peers",
        type=Path,
        default=Path("/tmp/kw-peers"),
        help="venv for lifetimes (created on first use)",
    )
    ap.add_argument(
        "--pymc-peers",
        type=Path,
        default=Path("/tmp/kw-peers-pymc"),
        help="venv for PyMC-Marketing (created on first use)",
    )
    ap.add_argument("--skip", nargs="*", default=[], choices=["lifetimes", "pymc"])
    ap.add_argument(
        "--tasks",
        nargs="*",
        help="run only these tasks (default: all), e.g. --tasks pipeline pipeline-text-ids",
    )
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every (task, library) this many times, in turn, and compare the fastest "
        "runs (noise on a shared machine only ever adds time); every run is printed",
    )
    ap.add_argument("--work", type=Path, default=Path("/tmp/kw-bench"))
    ap.add_argument("--task", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    ap.add_argument("--end", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.task:
        ours_entry(args.task, args.path, args.end)
        return

    args.work.mkdir(parents=True, exist_ok=True)
    log = args.work / f"log_{args.customers}.parquet"
    meta_path = log.with_suffix(".json")
    if not log.exists() or not meta_path.exists():
        t0 = time.perf_counter()
        meta = make_log(args.customers, log)
        meta_path.write_text(json.dumps(meta))
        print(
            f"generated {meta['transactions']:,} transactions in {time.perf_counter() - t0:.1f} s"
        )
    meta = json.loads(meta_path.read_text())
    end = meta["end"]
    print(
        f"synthetic log: {meta['customers']:,} customers, {meta['transactions']:,} "
        f"transactions, observation end {end}; truth {TRUTH}"
    )

    libs = ["keepwise"] + [p for p in ("lifetimes", "pymc") if p not in args.skip]
    venvs = {"lifetimes": args.peers, "pymc": args.pymc_peers}
    peer_py = {lib: ensure_peer(lib, venvs[lib]) for lib in libs if lib != "keepwise"}
    peer_script = args.work / "peer_task.py"
    peer_script.write_text(PEER_CODE)
    tasks = [f"cdnow-{m}" for m in ("bg-nbd", "mbg-nbd", "pareto-nbd", "gamma-gamma")]
    tasks += ["pipeline", "pipeline-text-ids", "pareto-1m"]
    if args.tasks:
        unknown = set(args.tasks) - set(tasks)
        if unknown:
            ap.error(f"unknown tasks {sorted(unknown)}; choose from {tasks}")
        tasks = [t for t in tasks if t in args.tasks]
    results: dict[str, dict[str, dict[str, Any]]] = {}
    runs: dict[tuple[str, str], list[float]] = {}
    for task in tasks:
        results[task] = {}
        for rep in range(max(args.repeat, 1)):
            for lib in libs:
                if task == "pipeline-text-ids" and lib != "keepwise":
                    continue
                if lib == "keepwise":
                    cmd = [sys.executable, __file__, "--task", task, "--path", str(log)]
                    cmd += ["--end", end]
                else:
                    cmd = [str(peer_py[lib]), str(peer_script), task, lib, str(DATA), str(log)]
                    cmd += [end]
                res = run_task(cmd, args.timeout)
                if "seconds" in res:
                    runs.setdefault((task, lib), []).append(res["seconds"])
                best = results[task].get(lib)
                if best is None or res.get("seconds", INF) < best.get("seconds", INF):
                    results[task][lib] = res
                run = f" (run {rep + 1})" if args.repeat > 1 else ""
                print(f"{task:18s} {lib:10s} {fmt(res)}{run}", flush=True)
        for lib, res in results[task].items():
            res["runs_s"] = runs.get((task, lib), [])
    pipe = results.get("pipeline", {})
    if "seconds" in pipe.get("lifetimes", {}) and "seconds" in pipe["keepwise"]:
        speedup = pipe["lifetimes"]["seconds"] / pipe["keepwise"]["seconds"]
        cpu_up = pipe["lifetimes"].get("cpu_s", 0) / max(pipe["keepwise"].get("cpu_s", 0), 1e-9)
        fastest = " (fastest of each)" if args.repeat > 1 else ""
        print(
            f"\npipeline speed-up over lifetimes{fastest}: {speedup:.1f}x wall, "
            f"{cpu_up:.1f}x cpu (target ≥ 20x)"
        )
        if args.repeat > 1:
            peer, ours = runs[("pipeline", "lifetimes")], runs[("pipeline", "keepwise")]
            pairs = zip(peer, ours, strict=False)
            print("  run by run: " + ", ".join(f"{a / b:.1f}x" for a, b in pairs))
    print(
        "\nlog-likelihood at each library's estimates, computed the same way "
        "(keepwise's likelihood, same data):"
    )
    cache: dict[str, Any] = {}
    for task in tasks:
        row = []
        for lib in libs:
            params = results[task].get(lib, {}).get("params")
            if params:
                ll = common_ll(task, params, log, end, cache)
                results[task][lib]["ll_common"] = ll
                row.append(f"{lib} {ll:.2f}")
        print(f"  {task:18s} " + ", ".join(row))
    (args.work / f"results_{args.customers}.json").write_text(json.dumps(results, indent=2))
    print(f"\nfull results: {args.work / f'results_{args.customers}.json'}")


if __name__ == "__main__":
    main()
