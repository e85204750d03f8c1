"""Scorecard runs in the workspace: their tables, how a run is written, and the read API.

Every scorecard run lives in five tables of ``keepwise.duckdb`` keyed by ``run_id``:
``runs`` (one row per run), ``scorecard`` (one row per customer, DESIGN.md §9 columns first),
``scorecard_signals``, ``scorecard_evidence`` and ``scorecard_value_items``. The web app, the
reports and the CLI read them through the functions here, which open DuckDB read-only, page
and sort on the server, and close the connection at once.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import duckdb
import pyarrow as pa

from keepwise.domain.scorecard import LEVELS, SCORECARD_COLUMNS, SIGNAL_NAMES
from keepwise.errors import KeepwiseError, NotFoundError
from keepwise.storage import Workspace

MONEY: Final = "DECIMAL(18,2)"

SCORECARD_TYPES: Final[dict[str, str]] = {
    "customer_id": "VARCHAR NOT NULL",
    "as_of": "TIMESTAMP",
    "run_id": "VARCHAR NOT NULL",
    "revenue": MONEY,
    "gross_margin": MONEY,
    "cost_to_serve": MONEY,
    "profit": MONEY,
    "profit_rank": "BIGINT",
    "clv": MONEY,
    "clv_low": MONEY,
    "clv_high": MONEY,
    "p_alive": "DOUBLE",
    "churn_risk": "DOUBLE",
    "our_failures": "DOUBLE",
    "action": "VARCHAR",
    "reasons": "VARCHAR",
    **{f"signal_{name}": "VARCHAR" for name in SIGNAL_NAMES},
    "name": "VARCHAR",
    "segment": "VARCHAR",
    "country": "VARCHAR",
    "strategic": "BOOLEAN",
    "acquired_at": "TIMESTAMP",
    "ended_at": "TIMESTAMP",
    "profit_decile": "INTEGER",
    "profit_share": "DOUBLE",
    "annual_revenue": MONEY,
    "cost_of_goods": MONEY,
    "discounts": MONEY,
    "expected_purchases": "DOUBLE",
    "clv_model": "VARCHAR",
    "our_failures_level": "VARCHAR",
    "churned": "BOOLEAN",
    "churned_at": "TIMESTAMP",
    "tenure_days": "BIGINT",
    "revenue_share": "DOUBLE",
    "threats": "BIGINT",
    "flags": "INTEGER",
    "watches": "INTEGER",
    "rule": "VARCHAR",
    "orders": "BIGINT",
    "tickets": "BIGINT",
    "meetings": "BIGINT",
    "returns_handled": "BIGINT",
    "collection_touches": "BIGINT",
    "bad_debt_invoices": "BIGINT",
    "support_hours": "DOUBLE",
    "lost": "BOOLEAN",
}
"""Every column of the ``scorecard`` table in order: DESIGN.md §9 first, then the extras."""

RECORD_COUNTS: Final[tuple[str, ...]] = (
    "orders",
    "tickets",
    "meetings",
    "returns_handled",
    "collection_touches",
    "bad_debt_invoices",
    "support_hours",
)
"""The record counts behind the value figures, kept per customer (from the value module)."""

assert tuple(SCORECARD_TYPES)[: len(SCORECARD_COLUMNS)] == SCORECARD_COLUMNS

SIGNAL_TYPES: Final[dict[str, str]] = {
    "run_id": "VARCHAR NOT NULL",
    "customer_id": "VARCHAR NOT NULL",
    "signal": "VARCHAR NOT NULL",
    "level": "VARCHAR",
    "sentence": "VARCHAR",
}
EVIDENCE_TYPES: Final[dict[str, str]] = {
    "run_id": "VARCHAR NOT NULL",
    "customer_id": "VARCHAR NOT NULL",
    "signal": "VARCHAR",
    "source_table": "VARCHAR",
    "record_id": "VARCHAR",
    "at": "TIMESTAMP",
    "value": "VARCHAR",
    "detail": "VARCHAR",
}
VALUE_ITEM_TYPES: Final[dict[str, str]] = {
    "run_id": "VARCHAR NOT NULL",
    "customer_id": "VARCHAR NOT NULL",
    "component": "VARCHAR",
    "quantity": "DOUBLE",
    "unit": "VARCHAR",
    "rate": "DOUBLE",
    "amount": MONEY,
    "status": "VARCHAR",
}
RUN_TYPES: Final[dict[str, str]] = {
    "run_id": "VARCHAR PRIMARY KEY",
    "created_at": "TIMESTAMP NOT NULL",
    "as_of": "TIMESTAMP NOT NULL",
    "engine": "VARCHAR",
    "code_version": "VARCHAR",
    "settings": "JSON",
    "n_customers": "BIGINT",
    "summary": "JSON",
}

RUN_TABLES: Final[dict[str, dict[str, str]]] = {
    "runs": RUN_TYPES,
    "scorecard": SCORECARD_TYPES,
    "scorecard_signals": SIGNAL_TYPES,
    "scorecard_evidence": EVIDENCE_TYPES,
    "scorecard_value_items": VALUE_ITEM_TYPES,
}


def run_tables_ddl() -> list[str]:
    """Return the CREATE TABLE IF NOT EXISTS statements of the five run tables.

    ``scorecard`` has no primary key on (run_id, customer_id): one row per customer holds by
    construction (a run scores each customer of the ``customers`` table once, and the import
    refuses duplicate ids), while DuckDB's index behind such a key cost 1.5–1.9 s of the
    3.5–4.1 s that storing a 1M-customer run took, and did not speed up reading one customer
    (25 ms with it, 15 ms without; 3 runs of 1M, 7 Dec 2026). ``runs`` keeps its key, so a
    run id is still never stored twice.
    """
    return [
        f"CREATE TABLE IF NOT EXISTS {name} ("
        + ", ".join(f'"{c}" {t}' for c, t in types.items())
        + ")"
        for name, types in RUN_TABLES.items()
    ]


def scorecard_has_key(con: duckdb.DuckDBPyConnection) -> bool:
    """Return whether the ``scorecard`` table still has the (run_id, customer_id) key."""
    keyed = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE schema_name = 'main' "
        "AND table_name = 'scorecard' AND constraint_type = 'PRIMARY KEY'"
    ).fetchall()[0][0]
    return bool(keyed)


def drop_scorecard_key(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild a ``scorecard`` made with the earlier primary key as the same table without it.

    DuckDB cannot drop a primary key, so the rows move to a table with the same columns,
    types and NOT NULLs, which then takes the old one's name (in the caller's transaction).
    Without such a table (none yet, or already rebuilt) nothing happens.
    """
    if not scorecard_has_key(con):
        return
    columns = con.execute(
        "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND table_name = 'scorecard' ORDER BY column_index"
    ).fetchall()
    ddl = ", ".join(f'"{c}" {t}{"" if null else " NOT NULL"}' for c, t, null in columns)
    con.execute(f"CREATE TABLE _kw_scorecard_rebuilt ({ddl})")
    con.execute("INSERT INTO _kw_scorecard_rebuilt SELECT * FROM scorecard")
    con.execute("DROP TABLE scorecard")
    con.execute("ALTER TABLE _kw_scorecard_rebuilt RENAME TO scorecard")


def ensure_run_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the run tables, or add the columns a newer keepwise stores (caller's transaction).

    Columns are only ever appended, so runs written by an older version stay readable; a
    ``scorecard`` from before 7 Dec 2026 loses its primary key (:func:`drop_scorecard_key`).
    """
    for ddl in run_tables_ddl():
        con.execute(ddl)
    drop_scorecard_key(con)
    have = {
        (str(t), str(c))
        for t, c in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main'"
        ).fetchall()
    }
    for table, types in RUN_TABLES.items():
        for col, typ in types.items():
            if (table, col) not in have:
                base = typ.replace(" NOT NULL", "").replace(" PRIMARY KEY", "")
                con.execute(f'ALTER TABLE {table} ADD COLUMN "{col}" {base}')


@dataclass(frozen=True)
class RunRecord:
    """The ``runs`` row of one scorecard run."""

    run_id: str
    created_at: datetime
    as_of: datetime
    engine: str
    code_version: str
    settings: Mapping[str, Any]
    n_customers: int
    summary: Mapping[str, Any]


def _insert(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table, run_id: str) -> None:
    types = RUN_TABLES[table]
    view = f"_kw_{table}"
    con.register(view, data)
    try:
        exprs = []
        for col, typ in types.items():
            base = typ.replace(" NOT NULL", "").replace(" PRIMARY KEY", "")
            if col == "run_id":
                exprs.append("CAST(? AS VARCHAR)")
            elif col in data.column_names:
                exprs.append(f'CAST("{col}" AS {base})')
            else:
                exprs.append(f"CAST(NULL AS {base})")
        names = ", ".join(f'"{c}"' for c in types)
        con.execute(
            f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {view}", [run_id]
        )
    finally:
        with contextlib.suppress(duckdb.Error):
            con.unregister(view)


def write_run(
    con: duckdb.DuckDBPyConnection,
    run: RunRecord,
    scorecard: pa.Table,
    signals: pa.Table,
    evidence: pa.Table,
    value_items: pa.Table,
) -> None:
    """Insert one run into the run tables; the caller holds the one transaction around it.

    Columns of the Arrow tables are matched by name and cast to the stored type; a column the
    table lacks is stored as NULL, one the table does not know is ignored.
    """
    ensure_run_tables(con)
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run.run_id,
            run.created_at,
            run.as_of,
            run.engine,
            run.code_version,
            json.dumps(dict(run.settings), default=str),
            run.n_customers,
            json.dumps(dict(run.summary), default=str),
        ],
    )
    _insert(con, "scorecard", scorecard, run.run_id)
    _insert(con, "scorecard_signals", signals, run.run_id)
    _insert(con, "scorecard_evidence", evidence, run.run_id)
    _insert(con, "scorecard_value_items", value_items, run.run_id)


# --------------------------------------------------------------------------------------------
# Read API
# --------------------------------------------------------------------------------------------


def _has_runs(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'runs' AND schema_name = 'main'"
    ).fetchall()
    return bool(row and row[0][0])


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Turn Decimals into floats so rows serialise and compute like plain numbers."""
    from decimal import Decimal

    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def resolve_run(con: duckdb.DuckDBPyConnection, run_id: str | None) -> str:
    """Return the id of run ``run_id`` (a unique prefix will do), or the newest when None."""
    if not _has_runs(con):
        raise NotFoundError("no scorecard run yet; run `keepwise score WORKSPACE` first")
    if run_id is None:
        row = con.execute(
            "SELECT run_id FROM runs ORDER BY created_at DESC, run_id DESC LIMIT 1"
        ).fetchall()
        if not row:
            raise NotFoundError("no scorecard run yet; run `keepwise score WORKSPACE` first")
        return str(row[0][0])
    if con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchall():
        return run_id
    found = con.execute(
        "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id", [run_id]
    ).fetchall()
    if len(found) == 1:
        return str(found[0][0])
    if len(found) > 1:
        raise NotFoundError(f"{run_id!r} matches {len(found)} runs; give more of the run id")
    raise NotFoundError(f"no scorecard run {run_id!r}; `keepwise runs WORKSPACE` lists them")


def _run_row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("settings", "summary"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out


def list_runs(ws: Workspace) -> list[dict[str, Any]]:
    """Return every run, newest first: id, times, engine, code version, customers, summary."""
    with ws.connection(read_only=True) as con:
        if not _has_runs(con):
            return []
        cur = con.execute(
            "SELECT run_id, created_at, as_of, engine, code_version, n_customers, summary "
            "FROM runs ORDER BY created_at DESC, run_id DESC"
        )
        return [_run_row(r) for r in _rows(cur)]


def latest_run_id(ws: Workspace) -> str | None:
    """Return the id of the newest run, or ``None`` when the workspace has not been scored."""
    with ws.connection(read_only=True) as con:
        if not _has_runs(con):
            return None
        row = con.execute(
            "SELECT run_id FROM runs ORDER BY created_at DESC, run_id DESC LIMIT 1"
        ).fetchall()
        return str(row[0][0]) if row else None


def get_run(ws: Workspace, run_id: str | None = None) -> dict[str, Any]:
    """Return the whole ``runs`` row of one run (the newest by default), settings included."""
    with ws.connection(read_only=True) as con:
        rid = resolve_run(con, run_id)
        cur = con.execute("SELECT * FROM runs WHERE run_id = ?", [rid])
        return _run_row(_rows(cur)[0])


def _signal_filter(value: Any) -> tuple[str, str]:
    if isinstance(value, Mapping):
        name, level = value.get("name") or value.get("signal"), value.get("level", "flag")
    elif isinstance(value, str):
        name, _, level = value.partition(":")
        level = level or "flag"
    else:
        name, level = value
    name = str(name).removeprefix("signal_")
    if name not in SIGNAL_NAMES:
        raise KeepwiseError(f"unknown signal {name!r}; one of {', '.join(SIGNAL_NAMES)}")
    if level not in LEVELS:
        raise KeepwiseError(f"unknown level {level!r}; one of {', '.join(LEVELS)}")
    return name, str(level)


def _where(where: Mapping[str, Any] | None) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for key, value in (where or {}).items():
        if value is None or value == "":
            continue
        if key == "signal":
            name, level = _signal_filter(value)
            clauses.append(f"signal_{name} = ?")
            params.append(level)
        elif key == "q":
            clauses.append("(customer_id ILIKE ? OR name ILIKE ?)")
            params += [f"%{value}%", f"%{value}%"]
        elif key in ("action", "segment", "country", "rule", "customer_id", "clv_model"):
            values = list(value) if isinstance(value, list | tuple | set) else [value]
            clauses.append(f"{key} IN ({', '.join('?' for _ in values)})")
            params += [str(v) for v in values]
        elif key == "strategic":
            clauses.append("COALESCE(strategic, FALSE) = ?")
            params.append(bool(value))
        else:
            raise KeepwiseError(
                f"cannot filter the scorecard by {key!r}; use action, segment, country, "
                "strategic, rule, customer_id, clv_model, signal or q"
            )
    return clauses, params


def read_scorecard(
    ws: Workspace,
    run_id: str | None = None,
    *,
    where: Mapping[str, Any] | None = None,
    sort: str = "profit",
    descending: bool = True,
    limit: int | None = 50,
    offset: int = 0,
    columns: Sequence[str] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of a run's scorecard rows and the number of rows matching ``where``.

    Parameters
    ----------
    ws
        The workspace.
    run_id
        The run to read; the newest run by default.
    where
        Filters: ``action``, ``segment``, ``country``, ``rule``, ``customer_id``, ``clv_model``
        (a value or a list of values), ``strategic`` (bool), ``signal`` (``"late_payer:flag"``,
        ``("late_payer", "flag")`` or ``{"name": ..., "level": ...}``) and ``q`` (text in the
        id or name).
    sort, descending
        Any scorecard column; ties are broken by ``customer_id``.
    limit, offset
        The page; ``limit=None`` returns every matching row.
    columns
        The columns to return (default: all, in table order).
    """
    if sort not in SCORECARD_TYPES:
        raise KeepwiseError(f"cannot sort the scorecard by {sort!r}")
    cols = list(columns) if columns else list(SCORECARD_TYPES)
    unknown = [c for c in cols if c not in SCORECARD_TYPES]
    if unknown:
        raise KeepwiseError(f"unknown scorecard column(s): {', '.join(unknown)}")
    clauses, params = _where(where)
    with ws.connection(read_only=True) as con:
        rid = resolve_run(con, run_id)
        cond = " AND ".join(["run_id = ?", *clauses])
        args = [rid, *params]
        total_row = con.execute(f"SELECT count(*) FROM scorecard WHERE {cond}", args).fetchall()
        total = int(total_row[0][0]) if total_row else 0
        order = "DESC NULLS LAST" if descending else "ASC NULLS LAST"
        page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        names = ", ".join(f'"{c}"' for c in cols)
        cur = con.execute(
            f"SELECT {names} FROM scorecard WHERE {cond} "
            f'ORDER BY "{sort}" {order}, customer_id{page}',
            args,
        )
        return [_plain(r) for r in _rows(cur)], total


def customer_profile(ws: Workspace, customer_id: str, run_id: str | None = None) -> dict[str, Any]:
    """Return the whole scorecard of one customer with its evidence.

    The dict holds ``run`` (id, as-of, created), ``customer`` (name, segment, dates...),
    ``value`` (revenue, margin, cost to serve, profit, rank, with ``items``: each cost
    component with quantity, unit, rate and amount), ``clv`` (value, interval, model,
    P(alive)), ``risk`` (churn risk, our failures and their evidence), ``signals`` (each with
    level, sentence and evidence records), ``action`` (action, rule, reasons) and ``scorecard``
    (the flat row, as exported).
    """
    with ws.connection(read_only=True) as con:
        rid = resolve_run(con, run_id)
        cur = con.execute(
            "SELECT * FROM scorecard WHERE run_id = ? AND customer_id = ?", [rid, customer_id]
        )
        rows = _rows(cur)
        if not rows:
            raise NotFoundError(f"no customer {customer_id!r} in scorecard run {rid}")
        row = _plain(rows[0])
        run = _rows(
            con.execute("SELECT run_id, created_at, as_of FROM runs WHERE run_id = ?", [rid])
        )[0]
        sigs = _rows(
            con.execute(
                "SELECT signal, level, sentence FROM scorecard_signals "
                "WHERE run_id = ? AND customer_id = ?",
                [rid, customer_id],
            )
        )
        evidence = _rows(
            con.execute(
                'SELECT signal, source_table, record_id, "at", "value", detail '
                "FROM scorecard_evidence WHERE run_id = ? AND customer_id = ? "
                'ORDER BY signal, "at" DESC NULLS LAST, record_id',
                [rid, customer_id],
            )
        )
        items = [
            _plain(r)
            for r in _rows(
                con.execute(
                    "SELECT component, quantity, unit, rate, amount, status "
                    "FROM scorecard_value_items WHERE run_id = ? AND customer_id = ? "
                    "ORDER BY amount DESC NULLS LAST, component",
                    [rid, customer_id],
                )
            )
        ]
    by_signal: dict[str, list[dict[str, Any]]] = {}
    for ev in evidence:
        by_signal.setdefault(str(ev.pop("signal")), []).append(ev)
    sentences = {str(s["signal"]): s for s in sigs}
    signals = []
    for name in SIGNAL_NAMES:
        detail = sentences.get(name, {})
        signals.append(
            {
                "signal": name,
                "level": row.get(f"signal_{name}") or detail.get("level") or "no_data",
                "sentence": detail.get("sentence"),
                "evidence": by_signal.get(name, []),
            }
        )
    known = set(SIGNAL_NAMES)
    other = {k: v for k, v in by_signal.items() if k not in known}
    return {
        "run": run,
        "customer": {
            k: row.get(k)
            for k in (
                "customer_id",
                "name",
                "segment",
                "country",
                "strategic",
                "acquired_at",
                "ended_at",
                "tenure_days",
                "churned",
                "churned_at",
                "lost",
            )
        },
        "value": {
            **{
                k: row.get(k)
                for k in (
                    "revenue",
                    "cost_of_goods",
                    "discounts",
                    "gross_margin",
                    "cost_to_serve",
                    "profit",
                    "profit_rank",
                    "profit_decile",
                    "profit_share",
                    "annual_revenue",
                    "revenue_share",
                )
            },
            "items": items,
            "records": {k: row.get(k) for k in RECORD_COUNTS},
        },
        "clv": {
            k: row.get(src)
            for k, src in (
                ("clv", "clv"),
                ("clv_low", "clv_low"),
                ("clv_high", "clv_high"),
                ("model", "clv_model"),
                ("p_alive", "p_alive"),
                ("expected_purchases", "expected_purchases"),
            )
        },
        "risk": {
            "churn_risk": row.get("churn_risk"),
            "p_alive": row.get("p_alive"),
            "our_failures": row.get("our_failures"),
            "our_failures_level": row.get("our_failures_level"),
            "our_failures_sentence": sentences.get("our_failures", {}).get("sentence"),
            "our_failures_evidence": other.pop("our_failures", []),
            "threats": row.get("threats"),
        },
        "signals": signals,
        "other_evidence": other,
        "action": {
            "action": row.get("action"),
            "rule": row.get("rule"),
            "reasons": row.get("reasons"),
            "flags": row.get("flags"),
            "watches": row.get("watches"),
        },
        "scorecard": row,
    }


def business_summary(ws: Workspace, run_id: str | None = None) -> dict[str, Any]:
    """Return a run's business figures: value totals, CLV report, action and signal counts."""
    run = get_run(ws, run_id)
    return {
        "run_id": run["run_id"],
        "created_at": run["created_at"],
        "as_of": run["as_of"],
        "n_customers": run["n_customers"],
        **(run.get("summary") or {}),
    }


def _diff_sql(where_extra: str = "") -> str:
    sig_cols = [f"signal_{s}" for s in SIGNAL_NAMES]
    differs = " OR ".join(f"x.{c} IS DISTINCT FROM y.{c}" for c in ["action", *sig_cols])
    structs = ", ".join(
        f"{{'signal': '{s}', 'from': x.signal_{s}, 'to': y.signal_{s}}}" for s in SIGNAL_NAMES
    )
    return (
        "WITH x AS (SELECT * FROM scorecard WHERE run_id = ?), "
        "y AS (SELECT * FROM scorecard WHERE run_id = ?), "
        "d AS (SELECT COALESCE(y.customer_id, x.customer_id) AS customer_id, "
        "COALESCE(y.name, x.name) AS name, "
        "CASE WHEN x.customer_id IS NULL THEN 'added' WHEN y.customer_id IS NULL "
        "THEN 'removed' ELSE 'changed' END AS change, "
        "x.action AS action_a, y.action AS action_b, x.rule AS rule_a, y.rule AS rule_b, "
        "CAST(x.profit AS DOUBLE) AS profit_a, CAST(y.profit AS DOUBLE) AS profit_b, "
        "x.churn_risk AS churn_risk_a, y.churn_risk AS churn_risk_b, "
        "y.reasons AS reasons_b, x.reasons AS reasons_a, "
        f"list_filter([{structs}], lambda s: s['from'] IS DISTINCT FROM s['to']) AS signals "
        "FROM x FULL OUTER JOIN y ON x.customer_id = y.customer_id "
        f"WHERE x.customer_id IS NULL OR y.customer_id IS NULL OR {differs}) "
    )


def diff_runs(
    ws: Workspace, a: str, b: str, *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """Return the customers whose action or signal levels differ between runs ``a`` and ``b``.

    Each entry has ``customer_id``, ``name``, ``change`` (``changed``, ``added`` or
    ``removed``), the actions and rules in both runs, ``signals`` (``{signal, from, to}`` for
    each changed level), profit and churn risk in both runs and the reasons of both runs
    (``reasons_b`` says why the customer stands where they stand now). Customers who changed
    action come first, then by customer id; ``limit``/``offset`` page the list in the engine.
    """
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
    with ws.connection(read_only=True) as con:
        ra, rb = resolve_run(con, a), resolve_run(con, b)
        sql = (
            _diff_sql()
            + "SELECT * FROM d ORDER BY (action_a IS NOT DISTINCT FROM action_b), customer_id"
            + page
        )
        return con.sql(sql, params=[ra, rb]).to_arrow_table().to_pylist()


def diff_counts(ws: Workspace, a: str, b: str) -> dict[str, Any]:
    """Return how many customers changed between two runs, by kind and by action move."""
    with ws.connection(read_only=True) as con:
        ra, rb = resolve_run(con, a), resolve_run(con, b)
        kinds = con.execute(
            _diff_sql() + "SELECT change, count(*) FROM d GROUP BY 1", [ra, rb]
        ).fetchall()
        moves = con.execute(
            _diff_sql() + "SELECT action_a, action_b, count(*) FROM d WHERE change = 'changed' "
            "AND action_a IS DISTINCT FROM action_b GROUP BY ALL ORDER BY 3 DESC",
            [ra, rb],
        ).fetchall()
    by_kind = {str(k): int(n) for k, n in kinds}
    return {
        "run_a": ra,
        "run_b": rb,
        "total": sum(by_kind.values()),
        **{k: by_kind.get(k, 0) for k in ("changed", "added", "removed")},
        "action_changed": sum(int(n) for _, _, n in moves),
        "moves": [{"from": f, "to": t, "customers": int(n)} for f, t, n in moves],
    }
