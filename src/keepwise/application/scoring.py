"""One scorecard run: value → CLV → value with P(alive) → signals → churn risk → decisions.

:func:`score` computes everything over the workspace with the engine, then writes the five run
tables, all inside ONE DuckDB transaction that also holds the app-state sync: a run that is
interrupted at any point (an error, Ctrl-C, SIGKILL) leaves no trace, and a finished run is
durable with its id, time, as-of date, settings and code version.

Churn risk, as stored in the scorecard: 1.0 for a customer who is lost (churned by the value
module's rules, or with ``ended_at`` on or before the as-of date); otherwise the CLV model's
``churn_prob`` (probability of being gone by the next period), and ``1 - p_alive`` where the
model gives none; empty when neither is known.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import inspect, make_url, select

import keepwise
from keepwise.application.appsync import SYNCED_TABLES, sync_app_events
from keepwise.application.clv import compute_clv
from keepwise.application.runs import (
    RECORD_COUNTS,
    SCORECARD_TYPES,
    RunRecord,
    drop_scorecard_key,
    scorecard_has_key,
    write_run,
)
from keepwise.domain.contract import TABLES
from keepwise.domain.decisions import decide
from keepwise.domain.features.registry import Engine, FeatureContext
from keepwise.domain.scorecard import ACTIONS, LEVELS, SIGNAL_NAMES
from keepwise.domain.signals import compute_signals
from keepwise.domain.value import compute_value, default_as_of, with_p_alive
from keepwise.engines.duckdb import DuckDBEngine
from keepwise.errors import KeepwiseError
from keepwise.storage import Workspace, appdb, rollback
from keepwise.storage.appdb.models import Decision

Progress = Callable[[str], None]
"""Told the name of each step as it starts (the CLI turns this into a progress bar)."""

STEPS: tuple[str, ...] = (
    "Syncing app records",
    "Computing value",
    "Fitting lifetime value",
    "Computing value with P(alive)",
    "Reading the signals",
    "Deciding actions",
    "Writing the run",
)
"""The steps of a run, in order, as shown to users."""

UPGRADE_STEP = "Upgrading the stored runs (once)"
"""Shown before the steps when a workspace from before 7 Dec 2026 has its scorecard rebuilt."""


class ScoringError(KeepwiseError):
    """The workspace cannot be scored (no customers, or an as-of date before any data)."""


@dataclass
class ScoreResult:
    """What a finished run reports: its id, as-of date, size, summary and step timings."""

    run_id: str
    as_of: datetime
    created_at: datetime
    n_customers: int
    summary: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)


def code_version() -> str:
    """Return ``keepwise.__version__``, plus ``git describe`` when running from a checkout."""
    version = keepwise.__version__
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=Path(keepwise.__file__).parent,
            capture_output=True,
            text=True,
            timeout=3,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return version
    described = out.stdout.strip()
    return f"{version}+{described}" if out.returncode == 0 and described else version


def new_run_id(now: datetime) -> str:
    """Return a new run id that sorts by time: ``20250630T120000-3fa2c1``."""
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def _parse_as_of(as_of: datetime | str | None) -> datetime | None:
    if as_of is None or isinstance(as_of, datetime):
        return as_of
    try:
        return datetime.fromisoformat(as_of)
    except ValueError:
        raise ScoringError(f"--as-of {as_of!r} is not an ISO date (YYYY-MM-DD)") from None


# --------------------------------------------------------------------------------------------


def recorded_talks(ws: Workspace, database_url: str | None = None) -> set[str]:
    """Return the customers with a 'talk' decision in the app's decision log.

    A talk recorded at any time counts: the guardrail asks whether the conversation has
    happened, not when. A workspace whose app has never run has no log (and none is created).
    """
    url = appdb.database_url(ws, database_url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and (
        not parsed.database or parsed.database == ":memory:" or not Path(parsed.database).exists()
    ):
        return set()
    db = appdb.AppDB(url, run_migrations=False)
    try:
        if not inspect(db.engine).has_table(Decision.__tablename__):
            return set()
        with db.session() as session:
            rows = session.execute(
                select(Decision.customer_id).where(Decision.decision == "talk").distinct()
            ).all()
        return {str(r[0]) for r in rows}
    finally:
        db.dispose()


def present_tables(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Return the contract tables holding at least one row, seen inside the run's transaction.

    One query, fully fetched: DuckDB 2.0 refuses further work on a connection that still
    holds a partly fetched result.
    """
    probes = " UNION ALL ".join(
        f"SELECT '{name}' AS t WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in TABLES
    )
    return frozenset(str(r[0]) for r in con.execute(probes).fetchall())


def _attributes_sql(ctx: FeatureContext) -> str:
    window = ctx.settings.get_int("decisions.threat_window_days")
    threats = (
        "SELECT customer_id, count(*) AS threats FROM incidents WHERE kind = 'threat' "
        f"AND reported_at <= {ctx.as_of_sql} "
        f"AND reported_at > {ctx.as_of_sql} - INTERVAL {window} DAY GROUP BY customer_id"
        if "incidents" in ctx.present
        else "SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(0 AS BIGINT) AS threats LIMIT 0"
    )
    return (
        "SELECT c.customer_id, c.name, c.segment, c.country, c.strategic, c.acquired_at, "
        "c.ended_at, COALESCE(t.threats, 0) AS threats "
        f"FROM customers c LEFT JOIN ({threats}) t ON t.customer_id = c.customer_id"
    )


def _assemble_sql(ctx: FeatureContext, value_columns: list[str]) -> str:
    """Return the SQL joining value, CLV, signals and attributes into the decision inputs."""
    asof = ctx.as_of_sql
    counts = ", ".join(
        f"b.{c}" if c in value_columns else f"CAST(NULL AS {SCORECARD_TYPES[c]}) AS {c}"
        for c in RECORD_COUNTS
    )
    sig = ", ".join(f"COALESCE(s.signal_{n}, 'no_data') AS signal_{n}" for n in SIGNAL_NAMES)
    return f"""
    WITH base AS (
      SELECT v.*, a.name, a.segment, a.country, a.strategic, a.ended_at, a.threats,
             a.acquired_at AS customer_acquired_at,
             (COALESCE(v.churned, FALSE) OR (a.ended_at IS NOT NULL AND a.ended_at <= {asof}))
               AS lost
      FROM _kw_value v LEFT JOIN _kw_attrs a USING (customer_id)
    ),
    totals AS (
      SELECT sum(CASE WHEN annual_revenue > 0 THEN annual_revenue ELSE 0 END) AS annual,
             sum(CASE WHEN revenue > 0 THEN revenue ELSE 0 END) AS total
      FROM base
    )
    SELECT b.customer_id, {asof} AS as_of, b.revenue, b.gross_margin, b.cost_to_serve, b.profit,
           b.profit_rank, c.clv, c.clv_low, c.clv_high, c.p_alive,
           CASE WHEN b.lost THEN 1.0 ELSE COALESCE(c.churn_prob, 1 - c.p_alive) END
             AS churn_risk,
           s.our_failures, {sig},
           b.name, b.segment, b.country, COALESCE(b.strategic, FALSE) AS strategic,
           b.customer_acquired_at AS acquired_at, b.ended_at, b.profit_decile, b.profit_share,
           b.annual_revenue, b.cost_of_goods, b.discounts, c.expected_purchases,
           c.model AS clv_model, COALESCE(s.our_failures_level, 'no_data') AS our_failures_level,
           b.churned, b.churned_at,
           date_diff('day', b.customer_acquired_at, {asof}) AS tenure_days,
           CASE WHEN t.annual > 0 THEN GREATEST(b.annual_revenue, 0) / t.annual
                WHEN t.total > 0 THEN GREATEST(b.revenue, 0) / t.total END AS revenue_share,
           COALESCE(b.threats, 0) AS threats, b.lost, {counts}
    FROM base b CROSS JOIN totals t
    LEFT JOIN _kw_clv c ON c.customer_id = b.customer_id
    LEFT JOIN _kw_levels s ON s.customer_id = b.customer_id
    ORDER BY b.profit_rank NULLS LAST, b.customer_id
    """


def _summary(
    con: duckdb.DuckDBPyConnection,
    card: pa.Table,
    business: dict[str, Any],
    clv_report: dict[str, Any],
    synced: dict[str, int],
    at_risk: float,
) -> dict[str, Any]:
    con.register("_kw_card", card)
    try:
        actions = {a: {"customers": 0, "revenue": 0.0, "profit": 0.0, "clv": 0.0} for a in ACTIONS}
        for a, n, rev, prof, clv in con.execute(
            "SELECT action, count(*), COALESCE(sum(revenue), 0), COALESCE(sum(profit), 0), "
            "COALESCE(sum(clv), 0) FROM _kw_card GROUP BY action"
        ).fetchall():
            actions[str(a)] = {
                "customers": int(n),
                "revenue": round(float(rev), 2),
                "profit": round(float(prof), 2),
                "clv": round(float(clv), 2),
            }
        rules = dict(
            con.execute(
                "SELECT rule, count(*) FROM _kw_card GROUP BY rule ORDER BY 2 DESC"
            ).fetchall()
        )
        unions = " UNION ALL ".join(
            f"SELECT '{n}' AS signal, signal_{n} AS level FROM _kw_card" for n in SIGNAL_NAMES
        )
        signals: dict[str, dict[str, int]] = {n: dict.fromkeys(LEVELS, 0) for n in SIGNAL_NAMES}
        for name, level, n in con.execute(
            f"SELECT signal, level, count(*) FROM ({unions}) GROUP BY ALL"
        ).fetchall():
            signals[str(name)][str(level)] = int(n)
        risk = con.execute(
            "SELECT avg(churn_risk), sum(CASE WHEN lost THEN 1 ELSE 0 END), "
            "sum(CASE WHEN churn_risk >= ? AND NOT lost THEN 1 ELSE 0 END) FROM _kw_card",
            [at_risk],
        ).fetchall()[0]
    finally:
        con.unregister("_kw_card")
    return {
        "actions": actions,
        "rules": {str(k): int(v) for k, v in rules.items()},
        "signals": signals,
        "risk": {
            "mean_churn_risk": None if risk[0] is None else float(risk[0]),
            "lost": int(risk[1] or 0),
            "at_risk_active": int(risk[2] or 0),
        },
        "value": business,
        "clv": clv_report,
        "app_sync": synced,
    }


def score(
    ws: Workspace,
    as_of: datetime | str | None = None,
    *,
    prior_talks: Iterable[str] | None = None,
    progress: Progress | None = None,
    before_commit: Callable[[], None] | None = None,
    engine: Engine | None = None,
) -> ScoreResult:
    """Run one scorecard over every customer and store it atomically; return its id.

    Parameters
    ----------
    ws
        The workspace to score.
    as_of
        The moment the run describes; default the latest event time in the workspace.
    prior_talks
        Customer ids with a recorded talk decision, added to ``decisions.prior_talks`` and to
        the 'talk' decisions in the app's decision log.
    progress
        Told the name of each step (see :data:`STEPS`) as it starts; before them, once per
        older workspace, :data:`UPGRADE_STEP`.
    before_commit
        Called after every run row is written and before the commit (tests kill the process
        here to prove an interrupted run leaves no trace).
    engine
        Where the features run; the workspace's own DuckDB by default. A Spark engine over a
        lake copy of the same events (:func:`keepwise.application.lake.score_on_spark`) gives
        the same scorecard; the run is stored in the workspace either way.
    """
    tell = progress or (lambda _step: None)
    settings = ws.settings
    when = _parse_as_of(as_of)
    created = datetime.now(UTC).replace(tzinfo=None)
    run_id = new_run_id(created)
    seconds: dict[str, float] = {}
    current: list[tuple[str, float]] = []

    def step(name: str | None) -> None:
        now = time.perf_counter()
        if current:
            last, began = current.pop()
            seconds[last] = round(now - began, 3)
        if name is not None:
            current.append((name, now))
            tell(name)

    con = ws.connect()
    try:
        # an older scorecard table is rebuilt in a transaction of its own, before this run
        # holds its results in memory; a workspace without runs is left untouched
        con.execute("BEGIN TRANSACTION")
        if scorecard_has_key(con):
            tell(UPGRADE_STEP)
            drop_scorecard_key(con)
        con.execute("COMMIT")
        con.execute("BEGIN TRANSACTION")
        step(STEPS[0])
        synced = sync_app_events(ws, con)
        # the run has written only the synced tables so far: features over the others may
        # read them through connections of their own (see DuckDBEngine.customer_parts)
        engine = engine or DuckDBEngine(con, settled=set(TABLES) - set(SYNCED_TABLES))
        present = present_tables(con)
        if "customers" not in present:
            raise ScoringError(
                f"{ws.path} has no customers yet; import a customers file or run `keepwise demo`"
            )
        when = when or default_as_of(engine, present)
        if when is None:
            raise ScoringError("the workspace has no dated events to score")
        ctx = FeatureContext(when, settings, present)

        step(STEPS[1])
        value = compute_value(engine, ctx)
        margin = value.customers.select(["customer_id", "revenue", "profit"])
        con.register("_kw_margin", margin)
        margin_rate = con.sql(
            "SELECT customer_id, CASE WHEN revenue > 0 THEN profit / revenue END AS margin_rate "
            "FROM _kw_margin"
        ).to_arrow_table()
        con.unregister("_kw_margin")

        step(STEPS[2])
        clv_result = compute_clv(engine, ctx, margin_rate=margin_rate)
        clv, clv_report = clv_result.customers, dict(clv_result.report)

        step(STEPS[3])
        if clv.num_rows:
            value = with_p_alive(ctx, value, clv.select(["customer_id", "p_alive"]))

        step(STEPS[4])
        signals = compute_signals(engine, ctx, value=value.customers)
        levels, details, evidence = signals.levels, signals.details, signals.evidence

        step(STEPS[5])
        attrs = engine.query(_attributes_sql(ctx))
        for name, table in (
            ("_kw_value", value.customers),
            ("_kw_attrs", attrs),
            ("_kw_clv", clv),
            ("_kw_levels", levels),
        ):
            con.register(name, table)
        try:
            inputs = con.sql(_assemble_sql(ctx, value.customers.column_names)).to_arrow_table()
        finally:
            for name in ("_kw_value", "_kw_attrs", "_kw_clv", "_kw_levels"):
                con.unregister(name)
        talks = {*(prior_talks or ()), *recorded_talks(ws)}
        decided = decide(inputs, settings, talks)
        card = inputs
        for col in ("action", "rule", "reasons", "flags", "watches"):
            card = card.append_column(col, decided.column(col))
        summary = _summary(
            con,
            card,
            value.business,
            clv_report,
            synced,
            settings.get_float("decisions.at_risk_churn"),
        )

        step(STEPS[6])
        record = RunRecord(
            run_id=run_id,
            created_at=created,
            as_of=when,
            engine=engine.name,
            code_version=code_version(),
            settings=settings.as_dict(),
            n_customers=card.num_rows,
            summary=summary,
        )
        write_run(con, record, card, details, evidence, value.items)
        if before_commit is not None:
            before_commit()
        con.execute("COMMIT")
        step(None)
    except BaseException:
        rollback(con)
        raise
    finally:
        con.close()
    summary["seconds"] = seconds
    return ScoreResult(
        run_id, when, created, card.num_rows, json.loads(json.dumps(summary, default=str)), seconds
    )
