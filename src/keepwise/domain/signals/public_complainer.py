"""public_complainer: complains to anyone who will listen (MISSION §1.9)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.sql import as_of, level_case, num, since

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


def _reviews(ctx: FeatureContext) -> str:
    return f"""
    SELECT customer_id, review_id, posted_at, rating, source, text
    FROM reviews
    WHERE customer_id IS NOT NULL AND COALESCE(public, TRUE)
      AND rating <= {num(ctx, "signals.public_complainer.max_rating")}
      AND posted_at > {since(ctx)} AND posted_at <= {as_of(ctx)}
    """


def levels(ctx: FeatureContext) -> str:
    """Count public low-rating reviews in the window; repeated ones flag."""
    flag = num(ctx, "signals.public_complainer.flag_reviews")
    return f"""
    SELECT customer_id, {level_case(f"n >= {flag}", "n >= 1")} AS level,
        CAST(n AS VARCHAR) || ' public review' || CASE WHEN n = 1 THEN '' ELSE 's' END
            || ' of ' || CAST(max_rating AS VARCHAR) || ' stars or fewer'
            || CASE WHEN n_sources > 1 THEN ' on ' || CAST(n_sources AS VARCHAR) || ' sites'
                    ELSE '' END
            || ', the latest ' || CAST(days_ago AS VARCHAR) || ' days ago' AS sentence,
        n
    FROM (SELECT customer_id, COUNT(*) AS n, COUNT(DISTINCT source) AS n_sources,
              MAX(rating) AS max_rating,
              MIN(date_diff('day', posted_at, {as_of(ctx)})) AS days_ago
          FROM ({_reviews(ctx)}) r GROUP BY customer_id) m
    """


def evidence(ctx: FeatureContext) -> str:
    """Each public low-rating review with its text."""
    return f"""
    SELECT customer_id, 'reviews' AS source_table, review_id AS record_id, posted_at AS event_at,
        CAST(rating AS VARCHAR) || ' stars' || COALESCE(' on ' || source, '') AS value,
        COALESCE(text, '') AS detail
    FROM ({_reviews(ctx)}) r
    """


SIGNAL = Signal(
    "public_complainer",
    "§1.9 Complains to anyone who will listen",
    ("reviews",),
    levels,
    evidence,
    "Public reviews of two stars or fewer in the window; repeated ones flag.",
)
