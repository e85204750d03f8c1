"""Compute every signal for every customer as of a date, in two engine queries.

One query unions the per-customer level SQL of every signal whose tables hold data and, from
the same levels, the evidence of the watch/flag ones capped per customer and signal; the other
lists the customers. Python only pivots the per-customer result with Arrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from keepwise.domain.scorecard import SIGNAL_NAMES
from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.registry import OUR_FAILURES, all_signals
from keepwise.domain.signals.sql import lit

if TYPE_CHECKING:
    from keepwise.domain.features.registry import Engine, FeatureContext

RAISED = ("watch", "flag")

LEVELS_SCHEMA = pa.schema(
    [("customer_id", pa.string())]
    + [(f"signal_{n}", pa.string()) for n in SIGNAL_NAMES]
    + [("our_failures", pa.int64()), ("our_failures_level", pa.string())]
)
DETAILS_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("signal", pa.string()),
        ("level", pa.string()),
        ("sentence", pa.string()),
    ]
)
EVIDENCE_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("signal", pa.string()),
        ("source_table", pa.string()),
        ("record_id", pa.string()),
        ("at", pa.timestamp("us")),
        ("value", pa.string()),
        ("detail", pa.string()),
    ]
)


@dataclass(frozen=True)
class SignalResult:
    """Signals of every customer as of a date.

    Attributes
    ----------
    levels
        One row per customer: ``customer_id``, ``signal_<name>`` for the twelve scorecard
        signals (``none``/``watch``/``flag``/``no_data``), ``our_failures`` (count in the window,
        null when no table can show it) and ``our_failures_level`` (``none``/``watch``/``flag``).
    details
        ``customer_id, signal, level, sentence`` for every customer × signal at watch or flag
        (``our_failures`` included).
    evidence
        ``customer_id, signal, source_table, record_id, at, value, detail``: the records
        behind each watch/flag, most recent first, capped by ``signals.evidence_per_signal``.
    """

    levels: pa.Table
    details: pa.Table
    evidence: pa.Table


def _shared(signals: list[Signal]) -> dict[str, str]:
    """Return the relation name of each signal whose levels and evidence read shared rows."""
    return {s.name: f"kw_records_{i}" for i, s in enumerate(signals) if s.shares_records}


def _levels_sql(ctx: FeatureContext, s: Signal, shared: dict[str, str]) -> str:
    if s.name in shared and s.levels_from is not None:
        return s.levels_from(ctx, shared[s.name])
    return s.levels(ctx)


def _evidence_sql(ctx: FeatureContext, s: Signal, shared: dict[str, str]) -> str:
    if s.name in shared and s.evidence_from is not None:
        return s.evidence_from(ctx, shared[s.name])
    return s.evidence(ctx)


def levels_union_sql(
    ctx: FeatureContext, signals: list[Signal], shared: dict[str, str] | None = None
) -> str:
    """Return one query with ``signal, customer_id, level, sentence, n`` for all ``signals``.

    ``shared`` names, per signal, a relation holding its shared records (see
    :func:`signals_sql`); without it every signal's SQL stands alone.
    """
    parts = [
        f"SELECT CAST({lit(s.name)} AS VARCHAR) AS signal, CAST(customer_id AS VARCHAR)"
        f" AS customer_id, CAST(level AS VARCHAR) AS level, CAST(sentence AS VARCHAR)"
        f" AS sentence, CAST(n AS BIGINT) AS n FROM ({_levels_sql(ctx, s, shared or {})}) l{i}"
        for i, s in enumerate(signals)
    ]
    return "\nUNION ALL\n".join(parts)


def _evidence_union(ctx: FeatureContext, signals: list[Signal], shared: dict[str, str]) -> str:
    """Return the union of every signal's evidence records (all customers, uncapped)."""
    return "\nUNION ALL\n".join(
        f"SELECT CAST({lit(s.name)} AS VARCHAR) AS signal, CAST(customer_id AS VARCHAR)"
        f" AS customer_id, CAST(source_table AS VARCHAR) AS source_table,"
        f" CAST(record_id AS VARCHAR) AS record_id, CAST(event_at AS TIMESTAMP) AS event_at,"
        f" CAST(value AS VARCHAR) AS value, CAST(detail AS VARCHAR) AS detail"
        f" FROM ({_evidence_sql(ctx, s, shared)}) e{i}"
        for i, s in enumerate(signals)
    )


def _capped_evidence(
    ctx: FeatureContext, signals: list[Signal], raised: str, shared: dict[str, str]
) -> str:
    """Return the evidence of the customer × signal pairs in relation ``raised``, capped."""
    cap = ctx.settings.get_int("signals.evidence_per_signal")
    return f"""
    SELECT customer_id, signal, source_table, record_id, event_at, value, detail
    FROM (
        SELECT ev.*, ROW_NUMBER() OVER (
            PARTITION BY ev.customer_id, ev.signal
            ORDER BY ev.event_at DESC, ev.record_id, ev.value, ev.detail) AS rn
        FROM ({_evidence_union(ctx, signals, shared)}) ev
        JOIN {raised} lv ON lv.customer_id = ev.customer_id AND lv.signal = ev.signal
    ) z
    WHERE rn <= {cap}"""


def signals_sql(ctx: FeatureContext, signals: list[Signal]) -> str:
    """Return one query giving every signal's levels and the evidence behind the raised ones.

    The levels that matter (watch or flag, or a count of our failures) are computed once (a
    materialised CTE, which Spark caches; holding only these rows keeps that cache small)
    and used twice: they are returned with ``kind = 'level'``, and the capped evidence of
    the watch/flag pairs with ``kind = 'evidence'``. Customers without a row are at
    ``none``, which spares building a sentence for the millions of quiet customer × signal
    pairs. The engine sorts the result (evidence first, then levels; by customer, signal and
    newest record), in parallel, so the caller splits it by slicing and keeps the order. A
    signal whose levels and evidence read the same costly rows
    (:attr:`Signal.shares_records`) has them computed once, as a materialised CTE of their
    own (abusive: one pass of its patterns over the tickets, not two).
    """
    shared = _shared(signals)
    records = "".join(
        f"{shared[s.name]} AS MATERIALIZED ({s.records(ctx)}),\n    "
        for s in signals
        if s.name in shared and s.records is not None
    )
    return f"""
    WITH {records}u AS MATERIALIZED (
        SELECT * FROM ({levels_union_sql(ctx, signals, shared)}) every_level
        WHERE level IN ('watch', 'flag') OR (signal = {lit(OUR_FAILURES)} AND n > 0)
    ),
    lv AS (SELECT signal, customer_id FROM u WHERE level IN ('watch', 'flag'))
    SELECT 'level' AS kind, signal, customer_id, level, sentence, n,
           CAST(NULL AS VARCHAR) AS source_table, CAST(NULL AS VARCHAR) AS record_id,
           CAST(NULL AS TIMESTAMP) AS event_at, CAST(NULL AS VARCHAR) AS value,
           CAST(NULL AS VARCHAR) AS detail
    FROM u
    UNION ALL
    SELECT 'evidence' AS kind, signal, customer_id, CAST(NULL AS VARCHAR) AS level,
           CAST(NULL AS VARCHAR) AS sentence, CAST(NULL AS BIGINT) AS n,
           source_table, record_id, event_at, value, detail
    FROM ({_capped_evidence(ctx, signals, "lv", shared)}) capped
    ORDER BY kind, customer_id, signal, event_at DESC NULLS LAST, record_id NULLS LAST,
             value NULLS LAST, detail NULLS LAST
    """


def _customer_ids(engine: Engine, ctx: FeatureContext, long: pa.Table) -> pa.Array:
    if "customers" in ctx.present:
        ids = engine.query("SELECT customer_id FROM customers ORDER BY customer_id")
        return ids.column("customer_id").combine_chunks().cast(pa.string())
    return pc.unique(long.column("customer_id")).cast(pa.string()).sort()


def _split(both: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Return the level rows and the evidence rows of :func:`signals_sql`'s sorted result.

    Sorted, the evidence rows come first, so two zero-copy slices split the table; should an
    engine return the kinds interleaved, they are filtered apart instead.
    """
    kind = both.column("kind")
    evidence_rows = int(pc.sum(pc.equal(kind, "evidence")).as_py() or 0)
    found, long = both.slice(0, evidence_rows), both.slice(evidence_rows)
    if pc.all(pc.equal(long.column("kind"), "level")).as_py() is False:
        is_level = pc.equal(kind, "level")
        long, found = both.filter(is_level), both.filter(pc.invert(is_level))
    return long, found


def _pick(ids: pa.Array, long: pa.Table, name: str, column: str) -> pa.Array:
    """Return ``column`` of signal ``name`` aligned to ``ids`` (null where absent)."""
    sub = long.filter(pc.equal(long.column("signal"), name))
    keys = sub.column("customer_id").combine_chunks()
    idx = pc.index_in(ids, value_set=keys)
    return pc.take(sub.column(column).combine_chunks(), idx)


def compute_signals(
    engine: Engine, ctx: FeatureContext, value: pa.Table | None = None
) -> SignalResult:
    """Compute the twelve signals and our failures for every customer as of ``ctx.as_of``.

    Parameters
    ----------
    engine
        Runs the SQL (DuckDB or Spark through SQLGlot).
    ctx
        As-of date, settings and the tables that hold data; a signal none of whose tables holds
        data is ``no_data`` for everyone.
    value
        Accepted for callers that already computed per-customer revenue; the per-revenue
        rates are computed in SQL over the same window as the behaviour they are compared to,
        so it is not needed.

    Returns
    -------
    SignalResult
        Levels (one row per customer), details (sentences) and evidence records.
    """
    del value
    signals = all_signals()
    active = [s for s in signals if s.available(ctx.present)]
    empty_long = pa.table(
        {
            "signal": pa.array([], pa.string()),
            "customer_id": pa.array([], pa.string()),
            "level": pa.array([], pa.string()),
            "sentence": pa.array([], pa.string()),
            "n": pa.array([], pa.int64()),
        }
    )
    both = engine.query(signals_sql(ctx, active)) if active else None
    if both is None:
        long, found = empty_long, None
    else:
        long, found = _split(both)
        long = long.select(empty_long.column_names)
    ids = _customer_ids(engine, ctx, long)
    names = {s.name for s in active}

    columns: dict[str, pa.Array] = {"customer_id": ids}
    for name in SIGNAL_NAMES:
        if name in names:
            picked = _pick(ids, long, name, "level")
            columns[f"signal_{name}"] = pc.fill_null(picked, "none").cast(pa.string())
        else:
            columns[f"signal_{name}"] = pa.array(["no_data"] * len(ids), pa.string())
    if OUR_FAILURES in names:
        count = pc.fill_null(_pick(ids, long, OUR_FAILURES, "n"), 0).cast(pa.int64())
        level = pc.fill_null(_pick(ids, long, OUR_FAILURES, "level"), "none").cast(pa.string())
    else:
        count = pa.nulls(len(ids), pa.int64())
        level = pa.array(["none"] * len(ids), pa.string())
    columns["our_failures"] = count
    columns["our_failures_level"] = level
    levels = pa.Table.from_pydict(columns, schema=LEVELS_SCHEMA)

    raised = long.filter(pc.is_in(long.column("level"), pa.array(RAISED)))
    details = raised.select(["customer_id", "signal", "level", "sentence"]).cast(DETAILS_SCHEMA)
    if found is not None and found.num_rows:
        evidence = (
            found.select(["customer_id", "signal", "source_table", "record_id", "event_at"])
            .append_column("value", found.column("value"))
            .append_column("detail", found.column("detail"))
            .rename_columns(EVIDENCE_SCHEMA.names)
            .cast(EVIDENCE_SCHEMA)
        )
    else:
        evidence = EVIDENCE_SCHEMA.empty_table()
    return SignalResult(levels=levels, details=details, evidence=evidence)
