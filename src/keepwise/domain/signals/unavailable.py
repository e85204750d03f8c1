"""unavailable: doesn't answer, doesn't show up, skips onboarding (MISSION §1.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import as_of, level_case, num, pctstr, since

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _contacts(ctx: FeatureContext) -> str:
    """Meetings, onboarding sessions, calls and e-mails, each scored 1 (missed), 0.5 (slow), 0."""
    slow = num(ctx, "signals.unavailable.slow_response_hours")
    return f"""
    SELECT customer_id, activity_id, "at" AS event_at, kind, outcome, response_hours,
        CASE WHEN kind IN ('meeting', 'onboarding') AND outcome IN ('no_show', 'cancelled_late')
                  THEN 1.0
             WHEN kind IN ('call', 'email') AND outcome = 'unanswered' THEN 1.0
             WHEN kind IN ('call', 'email') AND response_hours > {slow} THEN 0.5
             ELSE 0.0 END AS miss
    FROM activities
    WHERE kind IN ('meeting', 'onboarding', 'call', 'email')
      AND "at" > {since(ctx)} AND "at" <= {as_of(ctx)}
    """


def levels(ctx: FeatureContext) -> str:
    """Missed meetings, skipped onboarding and unanswered outreach as a share of contacts."""
    n_min = num(ctx, "signals.unavailable.flag_min_misses")
    share = num(ctx, "signals.unavailable.flag_miss_share")
    flag = f"misses >= {n_min} AND misses >= {share} * n"
    watch = f"misses >= {n_min} - 1 AND misses >= {share} / 2 * n"
    return f"""
    SELECT customer_id, {level_case(flag, watch)} AS level,
        'missed or cancelled late ' || CAST(n_no_show AS VARCHAR) || ' of '
            || CAST(n_meetings AS VARCHAR) || ' meetings'
            || CASE WHEN n_onboarding_missed > 0 THEN ' (incl. '
                    || CAST(n_onboarding_missed AS VARCHAR) || ' onboarding)' ELSE '' END
            || '; did not answer ' || CAST(n_unanswered AS VARCHAR) || ' of '
            || CAST(n_outreach AS VARCHAR) || ' calls and e-mails'
            || CASE WHEN n_slow > 0 THEN '; ' || CAST(n_slow AS VARCHAR) || ' slow replies'
                    ELSE '' END
            || ' (' || {pctstr("misses / n")} || ' of contacts)' AS sentence,
        CAST(n_no_show + n_unanswered AS BIGINT) AS n
    FROM (
        SELECT customer_id, COUNT(*) AS n, SUM(miss) AS misses,
            SUM(CASE WHEN kind IN ('meeting', 'onboarding') THEN 1 ELSE 0 END) AS n_meetings,
            SUM(CASE WHEN kind IN ('meeting', 'onboarding') AND miss = 1 THEN 1 ELSE 0 END)
                AS n_no_show,
            SUM(CASE WHEN kind = 'onboarding' AND miss = 1 THEN 1 ELSE 0 END)
                AS n_onboarding_missed,
            SUM(CASE WHEN kind IN ('call', 'email') THEN 1 ELSE 0 END) AS n_outreach,
            SUM(CASE WHEN kind IN ('call', 'email') AND miss = 1 THEN 1 ELSE 0 END)
                AS n_unanswered,
            SUM(CASE WHEN miss = 0.5 THEN 1 ELSE 0 END) AS n_slow
        FROM ({_contacts(ctx)}) x GROUP BY customer_id
    ) m
    """


def evidence(ctx: FeatureContext) -> str:
    """Each missed meeting, unanswered contact or slow reply."""
    return f"""
    SELECT customer_id, 'activities' AS source_table, activity_id AS record_id, event_at,
        kind || ' ' || outcome AS value,
        CASE WHEN miss = 0.5 THEN 'replied after '
                  || CAST(CAST(ROUND(response_hours, 0) AS BIGINT) AS VARCHAR) || ' hours'
             ELSE '' END AS detail
    FROM ({_contacts(ctx)}) x WHERE miss > 0
    """


SIGNAL = Signal(
    "unavailable",
    "§1.5 Unavailable",
    ("activities",),
    levels,
    evidence,
    "Missed meetings and onboarding, unanswered calls and e-mails (slow replies count half), as "
    "a count and a share of contacts.",
)
