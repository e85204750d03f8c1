"""Who the demo business's customers are: archetypes, their shares and the patterns they show.

An archetype is the customer's main story (a late payer, a threatening customer, a decoy that
must not be flagged...). Each is built from *patterns* (sustained behaviours such as paying late
or refusing meetings); a bad customer may carry a second pattern, as real ones do. The ground
truth of the generator is derived from the patterns, never from the event tables, so a rule
evaluated against it is judged against what was intended.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

PATTERNS: Final[tuple[str, ...]] = (
    "late_payer",
    "underpayer",
    "shifting_requirements",
    "attention_hog",
    "unavailable",
    "dishonest",
    "abusive",
    "threat",
    "unreasonable_demands",
    "public_complainer",
    "doesnt_listen",
    "policy_abuse",
    "failed",
)
"""Sustained behaviours; ``threat`` feeds the abusive signal, ``failed`` means *we* failed them."""

DECOYS: Final[tuple[str, ...]] = (
    "one_missed_meeting",
    "one_late_invoice",
    "one_bad_day",
    "fair_deal_seeker",
    "big_busy_customer",
    "single_dishonesty_report",
    "new_customer",
)

SEGMENTS: Final[tuple[str, ...]] = ("consumer", "smb", "mid_market", "enterprise")

ALL_SEGMENTS = (0.40, 0.35, 0.18, 0.07)
B2B = (0.0, 0.55, 0.32, 0.13)
SMALL = (0.35, 0.55, 0.10, 0.0)


@dataclass(frozen=True)
class Archetype:
    """One kind of customer: its share, its patterns, its decoy label and where it lives.

    ``segments`` are the probabilities of consumer / smb / mid_market / enterprise; ``lost`` the
    share that has ended (recently, for bad customers, so their pattern is still in view);
    ``companions`` the patterns a second sign is drawn from for ``second`` of them.
    """

    name: str
    share: float
    patterns: tuple[str, ...] = ()
    decoy: str | None = None
    segments: tuple[float, float, float, float] = ALL_SEGMENTS
    lost: float = 0.0
    companions: tuple[str, ...] = ()
    second: float = 0.0
    min_tenure_days: int = 90


ARCHETYPES: Final[tuple[Archetype, ...]] = (
    Archetype("ordinary", 0.0),  # takes whatever share the others leave (about 61%)
    Archetype("new_customer", 0.030, decoy="new_customer", min_tenure_days=7),
    Archetype(
        "one_missed_meeting", 0.012, decoy="one_missed_meeting", segments=B2B, min_tenure_days=365
    ),
    Archetype(
        "one_late_invoice", 0.012, decoy="one_late_invoice", segments=B2B, min_tenure_days=365
    ),
    Archetype("one_bad_day", 0.012, decoy="one_bad_day", min_tenure_days=365),
    Archetype(
        "fair_deal_seeker", 0.012, decoy="fair_deal_seeker", segments=B2B, min_tenure_days=365
    ),
    Archetype("big_busy_customer", 0.006, decoy="big_busy_customer", segments=(0, 0, 0, 1)),
    Archetype(
        "single_dishonesty_report",
        0.010,
        decoy="single_dishonesty_report",
        segments=B2B,
        min_tenure_days=365,
    ),
    Archetype("strategic", 0.010, segments=(0, 0, 0.3, 0.7)),
    Archetype("lost", 0.040, lost=1.0, min_tenure_days=300),
    Archetype("lost_failed", 0.015, ("failed",), lost=1.0, min_tenure_days=700),
    Archetype(
        "failed_good", 0.030, ("failed",), segments=(0.3, 0.4, 0.2, 0.1), min_tenure_days=400
    ),
    Archetype(
        "late_payer",
        0.025,
        ("late_payer",),
        segments=B2B,
        lost=0.08,
        companions=("underpayer", "unavailable", "dishonest"),
        second=0.2,
        min_tenure_days=400,
    ),
    Archetype(
        "underpayer",
        0.018,
        ("underpayer",),
        segments=B2B,
        lost=0.08,
        companions=("late_payer", "shifting_requirements"),
        second=0.2,
        min_tenure_days=400,
    ),
    Archetype(
        "shifting_requirements",
        0.018,
        ("shifting_requirements",),
        segments=B2B,
        lost=0.08,
        companions=("unreasonable_demands", "underpayer"),
        second=0.2,
        min_tenure_days=400,
    ),
    Archetype(
        "attention_hog",
        0.018,
        ("attention_hog",),
        segments=SMALL,
        lost=0.08,
        companions=("unreasonable_demands", "public_complainer"),
        second=0.2,
        min_tenure_days=400,
    ),
    Archetype(
        "unavailable",
        0.018,
        ("unavailable",),
        segments=B2B,
        lost=0.08,
        companions=("late_payer", "doesnt_listen"),
        second=0.2,
        min_tenure_days=400,
    ),
    Archetype(
        "dishonest",
        0.010,
        ("dishonest",),
        segments=B2B,
        lost=0.08,
        companions=("underpayer", "public_complainer"),
        second=0.25,
        min_tenure_days=400,
    ),
    Archetype(
        "abusive",
        0.010,
        ("abusive",),
        lost=0.08,
        companions=("unreasonable_demands", "public_complainer"),
        second=0.25,
        min_tenure_days=400,
    ),
    Archetype(
        "threatening",
        0.006,
        ("threat",),
        companions=("abusive",),
        second=0.4,
        min_tenure_days=400,
    ),
    Archetype(
        "unreasonable_demands",
        0.014,
        ("unreasonable_demands",),
        segments=B2B,
        lost=0.08,
        companions=("attention_hog", "shifting_requirements"),
        second=0.2,
        min_tenure_days=400,
    ),
    Archetype(
        "public_complainer",
        0.014,
        ("public_complainer",),
        lost=0.08,
        companions=("abusive", "doesnt_listen"),
        second=0.2,
        min_tenure_days=400,
    ),
    Archetype(
        "doesnt_listen",
        0.014,
        ("doesnt_listen",),
        segments=B2B,
        lost=0.08,
        companions=("public_complainer", "unavailable"),
        second=0.25,
        min_tenure_days=400,
    ),
    Archetype(
        "serial_returner",
        0.014,
        ("policy_abuse",),
        segments=(0.8, 0.2, 0.0, 0.0),
        lost=0.08,
        companions=("public_complainer",),
        second=0.15,
        min_tenure_days=400,
    ),
)

ARCHETYPE_NAMES: Final[tuple[str, ...]] = tuple(a.name for a in ARCHETYPES)

B2B_ONLY_PATTERNS: Final[frozenset[str]] = frozenset(
    {"late_payer", "underpayer", "shifting_requirements", "unavailable", "doesnt_listen"}
)
"""Patterns that need invoices, meetings or recommendations, which consumers do not have."""

NOT_ENTERPRISE_PATTERNS: Final[frozenset[str]] = frozenset({"attention_hog", "policy_abuse"})
"""Patterns judged per unit of revenue or per order, where an enterprise account hides them."""

SIGNAL_OF_PATTERN: Final[dict[str, str]] = {
    "late_payer": "late_payer",
    "underpayer": "underpayer",
    "shifting_requirements": "shifting_requirements",
    "attention_hog": "attention_hog",
    "unavailable": "unavailable",
    "dishonest": "dishonest",
    "abusive": "abusive",
    "threat": "abusive",
    "unreasonable_demands": "unreasonable_demands",
    "public_complainer": "public_complainer",
    "doesnt_listen": "doesnt_listen",
    "policy_abuse": "policy_abuse",
    "failed": "unhappy",
}
"""Which scorecard signal each pattern should raise (``failed`` raises unhappy while active)."""

COUNTRIES: Final[tuple[tuple[str, str, float], ...]] = (
    ("US", "en", 0.26),
    ("GB", "en", 0.10),
    ("DE", "en", 0.07),
    ("NL", "en", 0.03),
    ("FI", "en", 0.04),
    ("JP", "ja", 0.13),
    ("TW", "zh", 0.09),
    ("HK", "zh", 0.03),
    ("RU", "ru", 0.07),
    ("KZ", "ru", 0.02),
    ("EE", "et", 0.10),
    ("SE", "en", 0.06),
)
"""Country, the language its customers write in, and the share of customers there."""

SEGMENT_CONTRACT_SHARE: Final[tuple[float, ...]] = (0.0, 0.25, 0.55, 0.8)
SEGMENT_ORDER_MEDIAN: Final[tuple[float, ...]] = (60.0, 450.0, 3000.0, 15000.0)
SEGMENT_ORDERS_PER_YEAR: Final[tuple[float, ...]] = (3.6, 3.6, 4.0, 4.0)
SEGMENT_ACV_MEDIAN: Final[tuple[float, ...]] = (0.0, 6000.0, 40000.0, 250000.0)
SEGMENT_TICKETS_PER_YEAR: Final[tuple[float, ...]] = (0.4, 1.2, 3.0, 7.0)
SEGMENT_MEETINGS_PER_YEAR: Final[tuple[float, ...]] = (0.0, 1.0, 3.0, 5.0)
SEGMENT_OUTREACH_PER_YEAR: Final[tuple[float, ...]] = (0.3, 2.0, 4.0, 8.0)
SEGMENT_PAYMENT_TERMS: Final[tuple[int, ...]] = (0, 14, 30, 45)
SEGMENT_RETURN_RATE: Final[tuple[float, ...]] = (0.05, 0.02, 0.01, 0.005)


def archetype_table_markdown() -> str:
    """Return the archetype table of ``docs/demo.md`` (a test keeps the page in step with it)."""
    rows = [
        "| archetype | share | patterns (signals expected) | decoy | segments c/s/m/e | lost | "
        "second sign |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    named = sum(a.share for a in ARCHETYPES)
    for a in ARCHETYPES:
        share = a.share if a.share else 1.0 - named
        signals = ", ".join(f"{p} → {SIGNAL_OF_PATTERN[p]}" for p in a.patterns) or "—"
        segments = "/".join(f"{s:g}" for s in a.segments)
        second = (
            f"{a.second:.0%} of them: one of {', '.join(a.companions)}" if a.companions else "—"
        )
        rows.append(
            f"| {a.name} | {share:.1%} | {signals} | {a.decoy or '—'} | {segments} | "
            f"{a.lost:.0%} | {second} |"
        )
    return "\n".join(rows) + "\n"
