"""A realistic demo business with known answers: nine contract tables plus the ground truth.

``generate_business`` draws a business deterministically from a seed: ordinary customers (the
majority), every bad-customer pattern of MISSION.md §1, serial returners, good customers we
failed, lost customers with exit surveys, new customers, strategic accounts and decoys that a
good rule must *not* flag. ``write_business`` saves it as Parquet or CSV files that
``keepwise import`` reads. The ground truth says, per customer, which signals were built in;
``docs/demo.md`` describes the archetypes and their intensities.

Examples
--------
>>> business = generate_business(customers=300, seed=1)
>>> sorted(business.tables) == sorted(TABLE_NAMES)
True
>>> business.ground_truth.num_rows
300
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from keepwise.application.demo_archetypes import ARCHETYPE_NAMES, DECOYS
from keepwise.application.demo_build import Builder
from keepwise.application.demo_tables import build_tables
from keepwise.domain.contract.schema import TABLE_NAMES
from keepwise.errors import KeepwiseError

__all__ = [
    "ARCHETYPE_NAMES",
    "DECOYS",
    "DEFAULT_END",
    "DemoBusiness",
    "generate_business",
    "write_business",
]

DEFAULT_END = date(2026, 6, 30)
"""The fixed last day of the demo business, so two runs with one seed give the same files."""

FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class DemoBusiness:
    """A generated business: the nine contract tables, the ground truth and the as-of moment.

    Attributes
    ----------
    tables
        Table name -> Arrow table with the contract's column names (timestamps in µs).
    ground_truth
        One row per customer: ``customer_id``, ``archetype``, ``patterns``, ``expect_<signal>``
        for every scorecard signal, ``expect_our_failures``, ``decoy``, ``lost``, ``contract``,
        ``strategic``, ``segment``.
    as_of
        Midnight at the start of the end date; every event happened strictly before it.
    """

    tables: dict[str, pa.Table]
    ground_truth: pa.Table
    as_of: datetime


def generate_business(
    customers: int = 5000, seed: int = 7, end: date | None = None, years: int = 3
) -> DemoBusiness:
    """Return a demo business of ``customers`` customers over ``years`` years up to ``end``.

    The same arguments always give the same business. The work is vectorised with numpy: one
    million customers (about ten million orders) take a few minutes.

    Raises
    ------
    KeepwiseError
        When ``customers`` or ``years`` is not positive.
    """
    if customers < 1:
        raise KeepwiseError(f"a demo business needs at least one customer, not {customers}")
    if years < 1:
        raise KeepwiseError(f"a demo business needs at least one year of history, not {years}")
    as_of = datetime.combine(end or DEFAULT_END, time())
    builder = Builder(customers, seed, as_of, years)
    tables, truth = build_tables(builder)
    return DemoBusiness(tables={t: tables[t] for t in TABLE_NAMES}, ground_truth=truth, as_of=as_of)


def write_business(business: DemoBusiness, out_dir: Path, fmt: str = "parquet") -> list[Path]:
    """Write the nine tables and ``ground_truth`` into ``out_dir``; return the nine table paths.

    Files are named after the tables (``customers.parquet`` ...), which is how ``keepwise
    import`` recognises them. CSV timestamps are ISO-8601.

    Raises
    ------
    KeepwiseError
        When ``fmt`` is not ``parquet`` or ``csv``.
    """
    if fmt not in FORMATS:
        raise KeepwiseError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in TABLE_NAMES:
        paths.append(_write(business.tables[name], out / f"{name}.{fmt}", fmt))
    _write(business.ground_truth, out / "ground_truth.parquet", "parquet")
    return paths


def _write(table: pa.Table, path: Path, fmt: str) -> Path:
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
    else:
        pacsv.write_csv(table, path)
    return path
