"""late_payer: pays late, or never (MISSION §1.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import (
    as_of,
    count_of,
    intstr,
    join_parts,
    level_case,
    lit,
    money,
    num,
    since,
)

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


AGEING = ((1, 30), (31, 60), (61, 90), (91, None))
"""Ageing buckets of overdue invoices, in days past due (DESIGN §4)."""


def _invoices(ctx: FeatureContext) -> str:
    """Invoices due in the window, or still open now, with their days late as of the date."""
    a = as_of(ctx)
    return f"""
    SELECT customer_id, invoice_id, due_at, amount, status,
        CASE WHEN paid_at IS NOT NULL AND paid_at <= {a} THEN date_diff('day', due_at, paid_at)
             ELSE date_diff('day', due_at, {a}) END AS days_late,
        CASE WHEN COALESCE(status, 'open') = 'open'
                  AND (paid_at IS NULL OR paid_at > {a}) THEN 1 ELSE 0 END AS open_now,
        CASE WHEN status = 'written_off' THEN 1 ELSE 0 END AS written_off
    FROM invoices
    WHERE due_at <= {a} AND issued_at <= {a} AND COALESCE(status, 'open') <> 'void'
      AND (due_at >= {since(ctx, "signals.late_payer.window_days")}
           OR (COALESCE(status, 'open') = 'open' AND (paid_at IS NULL OR paid_at > {a})))
    """


def levels(ctx: FeatureContext) -> str:
    """Share of invoices paid late, amount-weighted days late, overdue now and write-offs."""
    grace = num(ctx, "signals.late_payer.grace_days")
    late = f"days_late > {grace}"
    flag_min = num(ctx, "signals.late_payer.flag_min_late")
    flag_share = num(ctx, "signals.late_payer.flag_late_share")
    watch_min = num(ctx, "signals.late_payer.watch_min_late")
    overdue = num(ctx, "signals.late_payer.overdue_flag_days")
    flag = (
        f"(n_late >= {flag_min} AND n_late >= {flag_share} * n_due)"
        f" OR (n_late >= {watch_min} AND (max_overdue >= {overdue} OR n_written_off >= 1))"
    )
    watch = f"n_late >= {watch_min} OR n_written_off >= 1 OR max_overdue >= {overdue}"
    paid_or_open = f"{late} AND written_off = 0"
    buckets = ""
    parts = []
    for low, high in AGEING:
        label = f"{low}–{high}" if high else f"over {low - 1}"
        cond = f"open_now = 1 AND {late} AND days_late >= {low}" + (
            f" AND days_late <= {high}" if high else ""
        )
        key = f"{low}_{high or 'plus'}"
        buckets += (
            f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS n_age_{key},"
            f" SUM(CASE WHEN {cond} THEN amount ELSE 0 END) AS amount_age_{key},\n"
        )
        parts.append(
            (
                f"n_age_{key} > 0",
                f"{count_of(f'n_age_{key}', 'invoice')}"
                f" || {lit(' ' + label + ' days overdue now, ')}"
                f" || {money(ctx, f'amount_age_{key}')}",
            )
        )
    overdue_text = f"COALESCE('; ' || NULLIF({join_parts(parts, ', ')}, ''), '')"
    return f"""
    WITH x AS ({_invoices(ctx)}),
    m AS (
        SELECT customer_id,
            COUNT(*) AS n_due,
            SUM(CASE WHEN {late} THEN 1 ELSE 0 END) AS n_late,
            SUM(CASE WHEN {paid_or_open} THEN days_late * amount ELSE 0 END)
                / NULLIF(SUM(CASE WHEN {paid_or_open} THEN amount ELSE 0 END), 0) AS avg_days,
            {buckets}
            COALESCE(MAX(CASE WHEN open_now = 1 AND {late} THEN days_late END), 0)
                AS max_overdue,
            SUM(written_off) AS n_written_off,
            SUM(CASE WHEN written_off = 1 THEN amount ELSE 0 END) AS written_off_amount
        FROM x GROUP BY customer_id
    )
    SELECT customer_id,
        {level_case(flag, watch)} AS level,
        'paid ' || CAST(n_late AS VARCHAR) || ' of ' || {count_of("n_due", "invoice")}
            || ' late' || CASE WHEN avg_days IS NULL THEN '' ELSE ', '
                    || {intstr("avg_days")} || ' days on average' END
            || {overdue_text}
            || CASE WHEN n_written_off > 0 THEN '; ' || CAST(n_written_off AS VARCHAR)
                    || ' written off, ' || {money(ctx, "written_off_amount")} ELSE '' END
            AS sentence,
        n_late AS n
    FROM m
    """


def evidence(ctx: FeatureContext) -> str:
    """Each late, overdue or written-off invoice with its days late."""
    grace = num(ctx, "signals.late_payer.grace_days")
    return f"""
    SELECT customer_id, 'invoices' AS source_table, invoice_id AS record_id, due_at AS event_at,
        CAST(amount AS VARCHAR) AS value,
        CASE WHEN written_off = 1 THEN 'written off'
             WHEN open_now = 1 THEN 'unpaid, ' || CAST(days_late AS VARCHAR) || ' days overdue'
             ELSE 'paid ' || CAST(days_late AS VARCHAR) || ' days late' END AS detail
    FROM ({_invoices(ctx)}) x
    WHERE days_late > {grace} OR written_off = 1
    """


SIGNAL = Signal(
    "late_payer",
    "§1.1 Pays late, or never",
    ("invoices",),
    levels,
    evidence,
    "Late invoices (at least two, and a large share of those due), or late ones plus one long "
    "overdue or written off; one late invoice never flags.",
)
