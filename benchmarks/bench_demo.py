"""Time and peak memory of the demo generator at 10k, 100k and 1M customers.

Run: ``.venv/bin/python benchmarks/bench_demo.py [N ...] [--no-write]``. Each size runs in a
fresh process so the peak resident memory (``ru_maxrss``) belongs to that size alone; CPU
seconds are printed beside wall seconds because the machine is often shared.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (10_000, 100_000, 1_000_000)


def run_one(customers: int, write: bool) -> dict[str, float | int]:
    from keepwise.application.demo import generate_business, write_business

    start = time.perf_counter()
    cpu0 = time.process_time()
    business = generate_business(customers, seed=7)
    generated = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    rows = {name: table.num_rows for name, table in business.tables.items()}
    written = 0.0
    if write:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            write_business(business, Path(tmp))
            written = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "customers": customers,
        "generate_seconds": round(generated, 2),
        "generate_cpu_seconds": round(cpu, 2),
        "write_seconds": round(written, 2),
        "peak_rss_mb": round(peak_mb),
        "orders": rows["orders"],
        "rows_total": sum(rows.values()),
        **{f"rows_{k}": v for k, v in rows.items() if k != "orders"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument("--no-write", action="store_true", help="skip writing Parquet files")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.sizes[0], not args.no_write)))
        return
    head = ("customers", "generate s", "cpu s", "write s", "peak MB", "orders", "all rows")
    widths = (10, 11, 8, 8, 8, 11, 11)
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, widths, strict=True)))
    for size in args.sizes:
        cmd = [sys.executable, __file__, str(size), "--child"]
        if args.no_write:
            cmd.append("--no-write")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"{r['customers']:>10,} {r['generate_seconds']:>11} {r['generate_cpu_seconds']:>8} "
            f"{r['write_seconds']:>8} "
            f"{r['peak_rss_mb']:>8,} {r['orders']:>11,} {r['rows_total']:>11,}"
        )


if __name__ == "__main__":
    main()
