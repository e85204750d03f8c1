"""Import speed and memory: keepwise import vs a bare DuckDB read into a table, same run.

Usage: ``python benchmarks/bench_import.py [--rows 10000000] [--repeat 3] [--dir DIR]``

Each contender runs in its own subprocess so its peak memory (ru_maxrss) is its own. The bare
engine is the practical limit: ``CREATE TABLE t AS SELECT * FROM read_csv(...)``; keepwise adds
contract validation, id upsert, hashing and the import history in one transaction. ``again``
imports the same file once more into the workspace keepwise just filled (every row unchanged).
With ``--repeat`` the contenders take turns, so a machine that others share slows them alike;
the table shows each contender's best run and the range of the per-round ratios to bare.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

import duckdb

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
kind, path, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
start = time.perf_counter()
if kind.startswith("bare"):
    import duckdb
    con = duckdb.connect(str(work / "bare.duckdb"))
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    con.execute(f"CREATE TABLE orders AS SELECT * FROM {reader}('{path}')")
    con.execute("CHECKPOINT")
    rows = con.execute("SELECT count(*) FROM orders").fetchone()[0]
else:
    from keepwise.application.importing import import_paths
    from keepwise.storage import Workspace
    ws = Workspace.open(work / "ws")
    result = import_paths(ws, [path])
    rows = result.inserted + result.updated + result.unchanged
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"rows": rows, "seconds": seconds, "peak_bytes": peak}))
"""


def make_data(rows: int, out: Path) -> tuple[Path, Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    customers = out / "customers.csv"
    csv_path = out / "orders.csv"
    pq_path = out / "orders.parquet"
    n_customers = max(rows // 10, 1)
    con = duckdb.connect()
    if not customers.exists():
        con.execute(
            f"COPY (SELECT 'C' || i AS customer_id, TIMESTAMP '2022-01-01' AS acquired_at "
            f"FROM range({n_customers}) t(i)) TO '{customers}' (HEADER)"
        )
    select = (
        f"SELECT 'O' || i AS order_id, 'C' || (i % {n_customers}) AS customer_id, "
        f"TIMESTAMP '2023-01-01' + INTERVAL (i % 1000) DAY AS ordered_at, "
        f"round(5 + (hash(i) % 50000) / 100.0, 2) AS amount, "
        f"round((hash(i) % 30000) / 100.0, 2) AS cost FROM range({rows}) t(i)"
    )
    if not csv_path.exists():
        con.execute(f"COPY ({select}) TO '{csv_path}' (HEADER)")
    if not pq_path.exists():
        con.execute(f"COPY ({select}) TO '{pq_path}' (FORMAT parquet)")
    return customers, csv_path, pq_path


def run(kind: str, path: Path, work: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(path), str(work)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/kw-bench-import"))
    args = parser.parse_args()
    customers, csv_path, pq_path = make_data(args.rows, args.dir / f"data-{args.rows}")
    print(
        f"{args.rows:,} order rows; {csv_path.stat().st_size / 1e6:,.0f} MB CSV, "
        f"{pq_path.stat().st_size / 1e6:,.0f} MB Parquet; best of {args.repeat}"
    )
    print(
        f"{'format':8} {'contender':10} {'seconds':>8} {'rows/s':>12} {'peak MB':>9} "
        f"{'vs bare':>8} {'range':>12}"
    )
    from keepwise.application.importing import import_paths
    from keepwise.storage import Workspace

    kinds = ("bare", "keepwise", "again")
    for label, path in (("csv", csv_path), ("parquet", pq_path)):
        runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
        for _ in range(args.repeat):
            for kind in kinds:
                work = args.dir / f"work-{label}-{'bare' if kind == 'bare' else 'keepwise'}"
                if kind != "again":
                    subprocess.run(["rm", "-rf", str(work)], check=True)
                    work.mkdir(parents=True)
                if kind == "keepwise":
                    import_paths(Workspace.init(work / "ws"), [customers])
                runs[kind].append(run(kind, path, work))
        bare = runs["bare"]
        for kind in kinds:
            best = min(runs[kind], key=lambda r: r["seconds"])
            ratios = [r["seconds"] / b["seconds"] for r, b in zip(runs[kind], bare, strict=True)]
            peak = max(r["peak_bytes"] for r in runs[kind]) / 2**20
            ratio = best["seconds"] / min(b["seconds"] for b in bare)
            print(
                f"{label:8} {kind:10} {best['seconds']:8.2f} "
                f"{args.rows / best['seconds']:12,.0f} {peak:9,.0f} {ratio:7.2f}x "
                f"{min(ratios):5.2f}-{max(ratios):4.2f}x"
            )
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)")


if __name__ == "__main__":
    main()
