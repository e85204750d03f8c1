"""Use case: the value of every customer in a workspace, as of a date (default: latest event)."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from keepwise.domain.features import FeatureContext
from keepwise.domain.value import ValueResult, compute_value, default_as_of
from keepwise.engines import DuckDBEngine
from keepwise.errors import KeepwiseError
from keepwise.storage import Workspace


class NoDataError(KeepwiseError):
    """The workspace holds no events to value (every contract table is empty)."""


def parse_as_of(text: str | None) -> datetime | None:
    """Return ``text`` (ISO date or date-time) as a datetime; None stays None."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise KeepwiseError(f"--as-of must be an ISO date like 2024-12-31, got {text!r}") from None


def value_workspace(
    ws: Workspace, as_of: datetime | None = None, p_alive: pa.Table | None = None
) -> ValueResult:
    """Return :func:`compute_value` over ``ws`` as of ``as_of`` (default: its latest event)."""
    settings = ws.settings
    with ws.connection(read_only=True) as con:
        engine = DuckDBEngine(con)
        cursor = con.cursor()
        present = frozenset(ws.present_tables(cursor))
        cursor.close()
        when = as_of or default_as_of(engine, present)
        if when is None:
            raise NoDataError(f"{ws.path} has no data yet; import files with `keepwise import`")
        return compute_value(engine, FeatureContext(when, settings, present), p_alive)
