"""dishonest: staff reports of dishonesty; one is watch, a pattern is flag (MISSION §1.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import as_of, level_case, num, since

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _reports(ctx: FeatureContext) -> str:
    return f"""
    SELECT customer_id, incident_id, reported_at, reported_by, description
    FROM incidents WHERE kind = 'dishonesty'
      AND reported_at > {since(ctx, "signals.dishonest.window_days")}
      AND reported_at <= {as_of(ctx)}
    """


def levels(ctx: FeatureContext) -> str:
    """Count staff dishonesty reports in the (longer) dishonesty window."""
    flag = num(ctx, "signals.dishonest.flag_reports")
    return f"""
    SELECT customer_id, {level_case(f"n >= {flag}", "n >= 1")} AS level,
        CAST(n AS VARCHAR) || ' staff report' || CASE WHEN n = 1 THEN '' ELSE 's' END
            || ' of dishonesty'
            || CASE WHEN n_staff > 1 THEN ' from ' || CAST(n_staff AS VARCHAR) || ' people'
                    ELSE '' END
            || CASE WHEN n < {flag} THEN ' (benefit of the doubt: watch)' ELSE '' END
            AS sentence,
        n
    FROM (SELECT customer_id, COUNT(*) AS n, COUNT(DISTINCT reported_by) AS n_staff
          FROM ({_reports(ctx)}) r GROUP BY customer_id) m
    """


def evidence(ctx: FeatureContext) -> str:
    """Each dishonesty report with what staff wrote."""
    return f"""
    SELECT customer_id, 'incidents' AS source_table, incident_id AS record_id,
        reported_at AS event_at, COALESCE(reported_by, '') AS value,
        COALESCE(description, '') AS detail
    FROM ({_reports(ctx)}) r
    """


SIGNAL = Signal(
    "dishonest",
    "§1.6 Dishonest",
    ("incidents",),
    levels,
    evidence,
    "Staff reports of dishonesty: one is watch, a pattern is flag.",
)
