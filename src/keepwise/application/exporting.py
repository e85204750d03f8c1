"""Export a scorecard run: CSV and Parquet through DuckDB ``COPY``, Excel through xlsxwriter.

The export holds one row per customer with the DESIGN.md §9 columns first, in order, and the
extra scorecard columns after them, sorted by profit rank, so a user's BI tool or script sees
the same layout in every format.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import xlsxwriter

from keepwise.application.runs import SCORECARD_TYPES, resolve_run
from keepwise.domain.decisions.reasons import sql_literal
from keepwise.errors import KeepwiseError
from keepwise.storage import Workspace

FORMATS: Final[tuple[str, ...]] = ("csv", "parquet", "xlsx")
EXCEL_MAX_ROWS: Final = 1_048_575
"""Excel's sheet limit (1,048,576 rows) less the header row."""


class ExportError(KeepwiseError):
    """The export cannot be written: unknown format, too many rows for Excel, bad path."""


def _select(run_id: str) -> str:
    cols = ", ".join(f'"{c}"' for c in SCORECARD_TYPES)
    return (
        f"SELECT {cols} FROM scorecard WHERE run_id = {sql_literal(run_id)} "
        "ORDER BY profit_rank NULLS LAST, customer_id"
    )


def export_scorecard(
    ws: Workspace,
    output: Path,
    fmt: str | None = None,
    run_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Write a run's scorecard to ``output`` and return ``{run_id, format, path, rows}``.

    Parameters
    ----------
    ws
        The workspace.
    output
        The file to write (replaced if it exists).
    fmt
        ``csv``, ``parquet`` or ``xlsx``; by default taken from the file's suffix.
    run_id
        The run to export; the newest by default.
    progress
        Told ``(rows written, rows in all)`` as Excel rows are written (CSV and Parquet are
        written by DuckDB in one step).
    """
    output = Path(output)
    fmt = (fmt or output.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not output.parent.exists():
        raise ExportError(f"folder {output.parent} does not exist")
    tmp = output.with_name(output.name + ".partial")
    with ws.connection(read_only=True) as con:
        rid = resolve_run(con, run_id)
        counted = con.execute("SELECT count(*) FROM scorecard WHERE run_id = ?", [rid]).fetchall()
        rows = int(counted[0][0])
        if fmt == "xlsx":
            if rows > EXCEL_MAX_ROWS:
                raise ExportError(
                    f"{rows:,} customers do not fit in one Excel sheet "
                    f"({EXCEL_MAX_ROWS:,} at most); export csv or parquet instead"
                )
            cur = con.execute(_select(rid))
            _write_xlsx(cur, tmp, rows, progress)
        else:
            options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
            con.execute(f"COPY ({_select(rid)}) TO {sql_literal(str(tmp))} ({options})")
    tmp.replace(output)
    return {"run_id": rid, "format": fmt, "path": str(output), "rows": rows}


def _write_xlsx(
    cur: Any, path: Path, total: int, progress: Callable[[int, int], None] | None
) -> None:
    """Stream rows from a DuckDB cursor into one sheet, a batch at a time (constant memory)."""
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "default_date_format": "yyyy-mm-dd hh:mm:ss"},
    )
    try:
        sheet = book.add_worksheet("scorecard")
        header = book.add_format({"bold": True})
        names = [d[0] for d in cur.description]
        sheet.write_row(0, 0, names, header)
        sheet.freeze_panes(1, 1)
        r = 1
        while batch := cur.fetchmany(10_000):
            for row in batch:
                sheet.write_row(r, 0, [float(v) if isinstance(v, Decimal) else v for v in row])
                r += 1
            if progress is not None:
                progress(r - 1, total)
    finally:
        book.close()
