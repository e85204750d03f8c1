"""Move event tables and scorecards between a workspace and a data lake (Parquet folders).

A business past one machine keeps its events in a lake; keepwise reads them there with the
Spark engine (:class:`keepwise.engines.spark.SparkEngine`). This module writes a workspace's
tables in the layout that engine reads — ``LAKE/<table>/part-0.parquet`` with the contract's
columns and types — so the same events can be scored on either engine, and writes a scorecard
back as Parquet.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from keepwise.domain.contract import TABLES
from keepwise.errors import KeepwiseError
from keepwise.storage.workspace import Workspace

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from keepwise.application.scoring import ScoreResult
    from keepwise.engines.spark import SparkEngine

PART_FILE = "part-0.parquet"


class LakeError(KeepwiseError):
    """A lake folder could not be written or read."""


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def export_event_tables(ws: Workspace, path: str | os.PathLike[str]) -> dict[str, int]:
    """Write every non-empty contract table of ``ws`` to ``path/<table>/`` as Parquet.

    Each table gets the contract columns with their storage types plus ``extra`` (unknown
    import columns, as JSON text). Empty tables are not written, and a previous export of a
    now-empty table is removed, so an absent folder keeps meaning "no data". Each table is
    written to a temporary folder first and renamed into place, so a crash leaves either the
    old or the new copy, never half a table. Rows are written as the workspace stores them,
    by customer and then time, without a sort (the 1M demo's 43M rows: 20.7 s → 12.3–12.9 s
    against ordering each table by its id).

    Parameters
    ----------
    ws
        The workspace to read.
    path
        The lake folder; created when missing.

    Returns
    -------
    dict of str to int
        Rows written per table (tables not written are absent).
    """
    root = Path(path)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LakeError(f"cannot create lake folder {root}: {exc}") from exc
    written: dict[str, int] = {}
    with ws.connection(read_only=True) as con:
        for name, table in TABLES.items():
            target = root / name
            count = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            rows = int(count[0]) if count else 0
            if rows == 0:
                if (target / PART_FILE).is_file():
                    shutil.rmtree(target)
                continue
            columns = ", ".join(f'"{c}"' for c in table.names)
            staging = root / f".{name}.writing"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            con.execute(
                f'COPY (SELECT {columns}, CAST(extra AS VARCHAR) AS extra FROM "{name}") '
                f"TO '{_sql_path(staging / PART_FILE)}' (FORMAT parquet, COMPRESSION zstd)"
            )
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
            written[name] = rows
    return written


def write_scorecard(scorecard: pa.Table, path: str | os.PathLike[str]) -> Path:
    """Write one scorecard run as a Parquet file at ``path`` (atomically, via a temp file).

    Parameters
    ----------
    scorecard
        One row per customer, as scoring returns it.
    path
        The file to write; its folder is created when missing.

    Returns
    -------
    Path
        The written file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.writing")
    pq.write_table(scorecard, staging, compression="zstd")
    staging.replace(target)
    return target


def open_spark_engine(
    ws: Workspace,
    lake: str | os.PathLike[str] | None = None,
    spark: SparkSession | None = None,
    cache: bool = False,
) -> SparkEngine:
    """Export ``ws`` to a lake folder and return a Spark engine reading it.

    This is what ``--engine spark`` on a workspace does: the same events, read by Spark from
    Parquet, so a run on either engine can be compared. With a real lake, skip the export and
    call :meth:`SparkEngine.from_parquet` or :meth:`SparkEngine.from_catalog` directly.

    Parameters
    ----------
    ws
        The workspace whose events to score.
    lake
        Where to write the Parquet copy; ``WORKSPACE/lake`` by default.
    spark
        The session to use; a local one when omitted.
    cache
        Keep the tables in Spark's memory while features run. Off by default: in local
        mode the tables do not fit beside the driver's other work, and a 1M-customer score
        took 345.7 s with them cached against 274.6 s reading the Parquet files each time
        (61.0 against 57.9 s at 100k).

    Returns
    -------
    SparkEngine
        An engine with one view per contract table.
    """
    from keepwise.engines.spark import SparkEngine

    folder = Path(lake) if lake is not None else ws.path / "lake"
    export_event_tables(ws, folder)
    return SparkEngine.from_parquet(folder, spark=spark, cache=cache)


def score_on_spark(
    ws: Workspace,
    as_of: datetime | str | None = None,
    *,
    lake: str | os.PathLike[str] | None = None,
    spark: SparkSession | None = None,
    prior_talks: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[ScoreResult, Path]:
    """Score ``ws`` with every feature computed on Spark; write the scorecard back as Parquet.

    Staff reports and survey answers from the app are synced into the events first (an
    idempotent upsert, committed on its own so the lake copy includes them), the events are
    exported to ``lake`` (``WORKSPACE/lake`` by default), the run is scored and stored in the
    workspace like any other, and its scorecard is written to ``lake/scorecards/RUN.parquet``.
    """
    from keepwise.application.appsync import sync_app_events
    from keepwise.application.exporting import export_scorecard
    from keepwise.application.scoring import score

    with ws.connection() as con:
        con.execute("BEGIN TRANSACTION")
        sync_app_events(ws, con)
        con.execute("COMMIT")
    folder = Path(lake) if lake is not None else ws.path / "lake"
    engine = open_spark_engine(ws, folder, spark=spark)
    result = score(ws, as_of, prior_talks=prior_talks, progress=progress, engine=engine)
    out = folder / "scorecards" / f"{result.run_id}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    export_scorecard(ws, out, "parquet", result.run_id)
    return result, out
