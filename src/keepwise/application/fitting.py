"""Use cases: fit one model to a summary file (``keepwise fit``) and CLV over a workspace.

Summary files are CSV or Parquet with one row per customer (or unique rows with a ``weight``):

=============================  ===============================================================
model                          columns
=============================  ===============================================================
bg-nbd, mbg-nbd, pareto-nbd    ``frequency``, ``recency``, ``T`` (optional ``weight``)
gamma-gamma                    ``frequency``, ``monetary_value`` (rows with frequency 0 skipped)
bg-bb                          ``frequency``, ``recency``, ``periods`` (optional ``weight``)
sbg                            ``period``, ``alive`` (optional ``cohort``): customers still
                               active at the end of each period, period 0 = cohort size
=============================  ===============================================================
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from keepwise.application.clv import ClvResult, compute_clv
from keepwise.domain.features import FeatureContext
from keepwise.domain.models import MODELS
from keepwise.domain.value import default_as_of
from keepwise.engines import DuckDBEngine
from keepwise.errors import KeepwiseError
from keepwise.storage import Workspace

COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bg-nbd": (("frequency", "recency", "T"), ("weight",)),
    "mbg-nbd": (("frequency", "recency", "T"), ("weight",)),
    "pareto-nbd": (("frequency", "recency", "T"), ("weight",)),
    "gamma-gamma": (("frequency", "monetary_value"), ("weight",)),
    "bg-bb": (("frequency", "recency", "periods"), ("weight",)),
    "sbg": (("period", "alive"), ("cohort",)),
}
"""Required and optional columns of a summary file, per model."""


ALIASES: dict[str, str] = {
    "x": "frequency",
    "t_x": "recency",
    "zbar": "monetary_value",
    "weights": "weight",
}
"""Fader & Hardie's column names (and lifetimes' ``weights``), accepted as synonyms."""


class SummaryFileError(KeepwiseError, ValueError):
    """A summary file cannot be read or lacks a column the model needs."""


def read_table(path: Path) -> pa.Table:
    """Read a CSV or Parquet file (by suffix) into Arrow."""
    path = Path(path)
    if not path.exists():
        raise SummaryFileError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pq.read_table(path)
        return pacsv.read_csv(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SummaryFileError(f"{path}: cannot be read as CSV or Parquet: {exc}") from exc


def _numeric(table: pa.Table, name: str, source: str) -> np.ndarray:
    """Return column ``name`` as float64, naming the file and column when it is not numeric."""
    try:
        col = pc.cast(table.column(name), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SummaryFileError(f"{source}, column {name!r}: not numeric ({exc})") from None
    if col.null_count:
        raise SummaryFileError(f"{source}, column {name!r}: {col.null_count} empty value(s)")
    return np.asarray(col.to_numpy(), dtype=np.float64)


def fit_summary(table: pa.Table, model: str, source: str = "summary") -> dict[str, Any]:
    """Fit ``model`` to a summary table and return its fit under the literature's names.

    Returns
    -------
    dict
        ``model``, ``params``, ``log_likelihood``, ``n`` (customers), ``seconds`` and, for the
        curious, ``se`` and ``aic``.
    """
    if model not in MODELS:
        raise SummaryFileError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    required, optional = COLUMNS[model]
    names = set(table.column_names)
    renamed = [
        ALIASES[c] if c in ALIASES and ALIASES[c] not in names else c for c in table.column_names
    ]
    table = table.rename_columns(renamed)
    names = set(renamed)
    missing = [c for c in required if c not in names]
    if missing:
        raise SummaryFileError(
            f"{source}: missing column(s) {', '.join(missing)} for {model} "
            f"(needs {', '.join(required)}; optional {', '.join(optional)})"
        )
    started = time.perf_counter()
    cols = [_numeric(table, c, source) for c in required]
    est: Any = MODELS[model]()
    if model == "sbg":
        cohort = table.column("cohort").to_pylist() if "cohort" in names else None
        est.fit(*cols, cohort=cohort)
    else:
        weight = _numeric(table, "weight", source) if "weight" in names else None
        if model == "gamma-gamma":
            repeat = cols[0] > 0
            cols = [c[repeat] for c in cols]
            weight = None if weight is None else weight[repeat]
        est.fit(*cols, weights=weight)
    seconds = time.perf_counter() - started
    return {
        "model": model,
        "params": est.params_,
        "log_likelihood": est.log_likelihood_,
        "n": est.n_,
        "seconds": seconds,
        "se": est.se_,
        "aic": est.aic_,
    }


def fit_file(path: Path, model: str) -> dict[str, Any]:
    """Read ``path`` and fit ``model`` to it (see :func:`fit_summary`)."""
    return fit_summary(read_table(path), model, source=str(path))


def clv_workspace(ws: Workspace, as_of: datetime | None = None) -> ClvResult:
    """Return :func:`compute_clv` over a workspace as of ``as_of`` (default: latest event)."""
    with ws.connection(read_only=True) as con:
        engine = DuckDBEngine(con)
        cursor = con.cursor()
        present = frozenset(ws.present_tables(cursor))
        cursor.close()
        when = as_of or default_as_of(engine, present)
        if when is None:
            raise KeepwiseError(f"{ws.path} has no data yet; import files with `keepwise import`")
        return compute_clv(engine, FeatureContext(when, ws.settings, present))
