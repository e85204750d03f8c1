"""Settings of the signals area (thresholds and rates, each with its justification).

Every rule of ``keepwise.domain.signals`` reads its limits from here; ``docs/signals.md`` is
generated from this list (``python -m keepwise.domain.signals.docs``).
"""

from keepwise.settings.core import Setting

_PATTERN = "§1 (patterns, not single events)"

SETTINGS: list[Setting] = [
    # --- shared -------------------------------------------------------------------------
    Setting(
        "signals.window_days",
        365,
        "Behaviour older than a year fades out: levels describe the customer as of the scoring"
        " date, not their whole past.",
        "§2.6 (re-evaluate regularly)",
    ),
    Setting(
        "signals.evidence_per_signal",
        10,
        "At most this many records are kept as evidence per customer and signal (most recent"
        " first); enough to prove a pattern, short enough to read.",
        "§2.1 (reliable data)",
    ),
    Setting(
        "signals.peer_percentile",
        0.9,
        "Size-dependent rates must also be in the top 10% of the customer's segment: a big"
        " customer is compared with big customers.",
        "§1.4, §2.1",
    ),
    Setting(
        "signals.new_customer_grace_days",
        90,
        "Support load in a customer's first three months is onboarding, not attention seeking.",
        "§1.4 (new customers need more help)",
    ),
    # --- late_payer ---------------------------------------------------------------------
    Setting(
        "signals.late_payer.grace_days",
        5,
        "Payments within five days of the due date are bank and admin noise, not lateness.",
        "§1.1",
    ),
    Setting(
        "signals.late_payer.flag_min_late",
        3,
        "Three or more late invoices in the window make a pattern; one or two can be accidents.",
        _PATTERN,
    ),
    Setting(
        "signals.late_payer.flag_late_share",
        0.4,
        "Flag when at least 40% of the invoices due in the window were paid late (or not yet).",
        "§1.1",
    ),
    Setting(
        "signals.late_payer.watch_min_late",
        2,
        "Two late invoices are worth watching; a single late invoice never is.",
        _PATTERN,
    ),
    Setting(
        "signals.late_payer.overdue_flag_days",
        60,
        "An invoice more than 60 days overdue now, on top of other late payments, hurts cash"
        " flow enough to flag.",
        "§1.1 (unpaid invoices hurt cash flow)",
    ),
    # --- underpayer ---------------------------------------------------------------------
    Setting(
        "signals.underpayer.min_discount_rate",
        0.12,
        "An average discount of 12% or more off list price is well above normal negotiation.",
        "§1.2",
    ),
    Setting(
        "signals.underpayer.min_discounted_orders",
        3,
        "Discounts must recur on at least three orders: one good deal is not haggling.",
        "§1.2 (a good deal is not a red flag)",
    ),
    Setting(
        "signals.underpayer.min_price_objections",
        2,
        "Two or more price objections in the window form a pattern of squeezing; asking once is"
        " fair.",
        "§1.2",
    ),
    Setting(
        "signals.underpayer.min_disputes",
        2,
        "Two or more disputed invoices suggest they question the value of the work.",
        "§1.2",
    ),
    # --- shifting_requirements ----------------------------------------------------------
    Setting(
        "signals.shifting_requirements.min_changes",
        3,
        "At least three change requests or reopened tickets in the window before it is a pattern.",
        "§1.3",
    ),
    Setting(
        "signals.shifting_requirements.min_share",
        0.3,
        "Changes must make up 30% of their tickets, so a busy customer with a normal mix is not"
        " flagged.",
        "§1.3, §2.1",
    ),
    # --- attention_hog ------------------------------------------------------------------
    Setting(
        "signals.attention_hog.min_minutes",
        240,
        "Below four hours of staff time a year, support load is too small to matter.",
        "§1.4",
    ),
    Setting(
        "signals.attention_hog.flag_ratio",
        3.0,
        "Flag when their share of support time is three times their share of revenue.",
        "§1.4 (more than their fair share), §2.1",
    ),
    Setting(
        "signals.attention_hog.watch_ratio",
        2.0,
        "Watch when their share of support time is twice their share of revenue.",
        "§1.4",
    ),
    # --- unavailable --------------------------------------------------------------------
    Setting(
        "signals.unavailable.flag_min_misses",
        3,
        "Three missed meetings or unanswered contacts make a pattern of absence.",
        "§1.5 (everyone misses a meeting now and then)",
    ),
    Setting(
        "signals.unavailable.flag_miss_share",
        0.4,
        "Flag when at least 40% of meetings and contacts were missed or unanswered.",
        "§1.5",
    ),
    Setting(
        "signals.unavailable.slow_response_hours",
        72.0,
        "A customer reply slower than three days counts as a half miss.",
        "§1.5 (doesn't answer calls or e-mails)",
    ),
    # --- dishonest ----------------------------------------------------------------------
    Setting(
        "signals.dishonest.window_days",
        730,
        "Dishonesty reports are remembered two years: a pattern of lies can be slow.",
        "§1.6 (document it)",
    ),
    Setting(
        "signals.dishonest.flag_reports",
        2,
        "One report gets the benefit of the doubt (watch); two or more are a pattern (flag).",
        "§1.6",
    ),
    # --- abusive ------------------------------------------------------------------------
    Setting(
        "signals.abusive.flag_days",
        2,
        "Abuse on two or more different days is a pattern; one bad day is only watched."
        " Any threat flags at once.",
        "§1.7 (a bad day happens; threats need fast action)",
    ),
    Setting(
        "signals.abusive.quote_chars",
        60,
        "Characters of context quoted on each side of an abusive phrase in the evidence.",
        "§1.7",
    ),
    # --- unreasonable_demands -----------------------------------------------------------
    Setting(
        "signals.unreasonable_demands.min_demands",
        3,
        "Three out-of-scope or after-hours demands in the window make a pattern.",
        "§1.8",
    ),
    Setting(
        "signals.unreasonable_demands.min_share",
        0.3,
        "Such demands must be 30% of their tickets, so a big busy customer is not flagged.",
        "§1.8, §2.1",
    ),
    Setting(
        "signals.unreasonable_demands.flag_reports",
        2,
        "Two staff reports of unreasonable demands flag on their own; one is watched.",
        "§1.8, §2.6 (empower staff)",
    ),
    # --- public_complainer --------------------------------------------------------------
    Setting(
        "signals.public_complainer.max_rating",
        2,
        "A public review of two stars or fewer (of five) counts as a public complaint.",
        "§1.9",
    ),
    Setting(
        "signals.public_complainer.flag_reviews",
        2,
        "Two or more public complaints in the window flag: each costs prospects (22% for one,"
        " 59% for three).",
        "§1.9",
    ),
    # --- doesnt_listen ------------------------------------------------------------------
    Setting(
        "signals.doesnt_listen.flag_min_ignored",
        3,
        "Three recommendations declined or ignored make a pattern of not listening.",
        "§1.10",
    ),
    Setting(
        "signals.doesnt_listen.flag_share",
        0.5,
        "Flag only when at least half of our recommendations were declined or ignored.",
        "§1.10",
    ),
    # --- policy_abuse -------------------------------------------------------------------
    Setting(
        "signals.policy_abuse.min_returns",
        4,
        "At least four returns in the window before a return rate means anything.",
        "§2.6 (serial returners)",
    ),
    Setting(
        "signals.policy_abuse.min_return_rate",
        0.3,
        "Returned value of 30% or more of what they bought is far above normal return rates.",
        "§2.6 (serial returners)",
    ),
    # --- unhappy ------------------------------------------------------------------------
    Setting(
        "signals.unhappy.window_days",
        180,
        "Satisfaction is judged on the last six months: unhappiness is a current state.",
        "§3 (identify customers about to leave)",
    ),
    Setting(
        "signals.unhappy.detractor_max",
        6.0,
        "NPS answers of 0–6 are detractors (the standard NPS cut-off).",
        "§3 (satisfaction surveys)",
    ),
    Setting(
        "signals.unhappy.low_csat_max",
        2.0,
        "CSAT of 1–2 on a five-point scale is dissatisfaction.",
        "§3",
    ),
    Setting(
        "signals.unhappy.flag_points",
        3,
        "Flag at three points of unhappiness (detractor, low CSAT, unresolved complaint, our"
        " failures, staff report): several sources agreeing.",
        "§3, §4",
    ),
    Setting(
        "signals.unhappy.watch_points",
        2,
        "Watch at two points; one bad answer alone is a bad day.",
        "§3",
    ),
    # --- our failures -------------------------------------------------------------------
    Setting(
        "signals.our_failures.first_response_hours",
        24.0,
        "Our first-response SLA: a ticket answered later than a day (or never) is our failure.",
        "§4 (not responding)",
    ),
    Setting(
        "signals.our_failures.complaint_open_days",
        14,
        "A complaint still open after two weeks is unresolved: recovery must be urgent.",
        "§3 (five-step recovery), §4",
    ),
    Setting(
        "signals.our_failures.flag_count",
        3,
        "Three of our failures toward one customer in the window flag; they predict churn.",
        "§4",
    ),
    Setting(
        "signals.our_failures.watch_count",
        1,
        "A single failure of ours is already worth watching: a lied-to customer rarely recommends.",
        "§4 (broken promises)",
    ),
]
