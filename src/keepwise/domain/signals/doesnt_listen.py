"""doesnt_listen: ignores advice, then blames you (MISSION §1.10)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import (
    EVENT,
    as_of,
    count_of,
    join_parts,
    level_case,
    num,
    since,
    union,
)

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _events(ctx: FeatureContext) -> str:
    a, w = as_of(ctx), since(ctx, "signals.doesnt_listen.window_days")
    parts = []
    if "activities" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'activities' AS source_table, activity_id AS record_id,
            "at" AS event_at,
            1 AS advice, CASE WHEN outcome IN ('declined', 'ignored') THEN 1 ELSE 0 END AS ignored,
            0 AS report, 'recommendation ' || outcome AS value, '' AS detail
        FROM activities WHERE kind = 'recommendation' AND "at" > {w} AND "at" <= {a}""")
    if "incidents" in ctx.present:
        parts.append(f"""
        SELECT customer_id, 'incidents', incident_id, reported_at, 0, 0, 1, 'staff report',
            COALESCE(description, '')
        FROM incidents
        WHERE kind = 'ignored_advice' AND reported_at > {w} AND reported_at <= {a}""")
    return union(
        (
            *EVENT,
            ("advice", "INTEGER"),
            ("ignored", "INTEGER"),
            ("report", "INTEGER"),
            ("value", "VARCHAR"),
            ("detail", "VARCHAR"),
        ),
        parts,
    )


def levels(ctx: FeatureContext) -> str:
    """Recommendations declined or ignored (count and share) plus staff reports."""
    n_min = num(ctx, "signals.doesnt_listen.flag_min_ignored")
    share = num(ctx, "signals.doesnt_listen.flag_share")
    flag = (
        f"(n_ignored >= {n_min} AND n_ignored >= {share} * n_advice) OR n_reports >= 2"
        f" OR (n_reports >= 1 AND n_ignored >= {n_min} - 1)"
    )
    watch = f"n_ignored >= {n_min} - 1 OR n_reports >= 1"
    sentence = join_parts(
        [
            (
                "n_advice > 0",
                "'declined or ignored ' || CAST(n_ignored AS VARCHAR) || ' of '"
                f" || {count_of('n_advice', 'recommendation')}",
            ),
            ("n_reports > 0", count_of("n_reports", "staff report") + " || ' of ignored advice'"),
        ]
    )
    return f"""
    SELECT customer_id, {level_case(flag, watch)} AS level,
        {sentence} AS sentence,
        n_ignored + n_reports AS n
    FROM (SELECT customer_id, SUM(advice) AS n_advice, SUM(ignored) AS n_ignored,
              SUM(report) AS n_reports
          FROM ({_events(ctx)}) e GROUP BY customer_id) m
    WHERE n_ignored + n_reports > 0
    """


def evidence(ctx: FeatureContext) -> str:
    """Each declined or ignored recommendation and each staff report."""
    return f"""
    SELECT customer_id, source_table, record_id, event_at, value, detail
    FROM ({_events(ctx)}) e WHERE ignored = 1 OR report = 1
    """


SIGNAL = Signal(
    "doesnt_listen",
    "§1.10 Doesn't listen to you",
    ("activities", "incidents"),
    levels,
    evidence,
    "Recommendations declined or ignored, as a count and a share of advice given; or staff "
    "reports of ignored advice.",
)
