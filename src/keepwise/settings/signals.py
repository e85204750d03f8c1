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
        "signals.late_payer.window_days",
        730,
        "Payment history is judged over two years: customers who buy a few times a year get"
        " few invoices, and credit checks look back that far.",
        "§1.1, §2.1 (reliable data)",
    ),
    Setting(
        "signals.late_payer.grace_days",
        5,
        "Payments within five days of the due date are bank and admin noise, not lateness.",
        "§1.1",
    ),
    Setting(
        "signals.late_payer.flag_min_late",
        2,
        "At least two late invoices (never one: anyone can miss one) before lateness can flag;"
        " the share below keeps frequent invoicers from flagging on two.",
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
        2,
        "Discounts must recur on at least two orders: one good deal is not haggling.",
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
        "signals.underpayer.flag_price_objections",
        3,
        "Three or more price objections in the window flag on their own: not taking the"
        " agreed price for an answer again and again.",
        "§1.2, §1.8 (not taking no for an answer)",
    ),
    Setting(
        "signals.underpayer.min_objection_share",
        0.2,
        "Price objections flag alone only when they are a fifth of the customer's tickets, so a"
        " big account with many tickets is judged in proportion.",
        "§1.2, §2.1",
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
        4,
        "Four change requests in a year (one a quarter) make a pattern of moving goalposts;"
        " reopened tickets add to the share but cannot make the pattern alone.",
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
        120,
        "Below two hours of ticket time in the window, support load is too small to matter.",
        "§1.4",
    ),
    Setting(
        "signals.attention_hog.min_tickets",
        5,
        "At least five tickets in the window: one long ticket is an incident, not a pattern.",
        _PATTERN,
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
    Setting(
        "signals.attention_hog.min_intensity",
        1.5,
        "To flag, their tickets must also be demanding: on average (of length and touchpoints)"
        " half again as much as the business's average ticket.",
        "§1.4 (the longest interactions, the most touchpoints)",
    ),
    # --- unavailable --------------------------------------------------------------------
    Setting(
        "signals.unavailable.flag_min_misses",
        5,
        "Five missed meetings or unanswered contacts in the window make a pattern of absence;"
        " everyone misses a meeting or a call now and then.",
        "§1.5 (everyone misses a meeting now and then)",
    ),
    Setting(
        "signals.unavailable.flag_miss_share",
        0.3,
        "Flag when at least 30% of meetings and contacts were missed, unanswered or slow.",
        "§1.5",
    ),
    Setting(
        "signals.unavailable.slow_response_hours",
        96.0,
        "A customer reply slower than four days counts as half a miss.",
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
        4.0,
        "Four demands in the window (one a quarter; an out-of-scope request counts 1, an"
        " after-hours one by its weight) make a pattern.",
        "§1.8",
    ),
    Setting(
        "signals.unreasonable_demands.min_share",
        0.3,
        "Demand points must reach 30% of their ticket count, so a big busy customer is not"
        " flagged.",
        "§1.8, §2.1",
    ),
    Setting(
        "signals.unreasonable_demands.after_hours_weight",
        0.5,
        "A ticket opened after hours counts half: customers in other time zones write at night"
        " without expecting an instant answer; scope creep is the stronger sign.",
        "§1.8 (expecting to reach you instantly at any hour)",
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
        "signals.doesnt_listen.window_days",
        730,
        "Advice is judged over two years: recommendations come a few times a year, so a"
        " pattern of refusals needs that long to show.",
        "§1.10",
    ),
    Setting(
        "signals.doesnt_listen.flag_min_ignored",
        5,
        "Five recommendations declined or ignored in the window make a pattern of not"
        " listening; customers refuse some advice, and that is their right.",
        "§1.10",
    ),
    Setting(
        "signals.doesnt_listen.flag_share",
        0.4,
        "Flag only when at least 40% of our recommendations were declined or ignored (about"
        " twice the share a typical customer refuses).",
        "§1.10",
    ),
    # --- policy_abuse -------------------------------------------------------------------
    Setting(
        "signals.policy_abuse.window_days",
        730,
        "Returns are judged over two years: customers buy a few times a year, so a serial"
        " returner's pattern needs that long to show.",
        "§2.6 (serial returners)",
    ),
    Setting(
        "signals.policy_abuse.min_returns",
        4,
        "At least four returns in the window before a return rate means anything (a pattern).",
        "§2.6 (serial returners)",
    ),
    Setting(
        "signals.policy_abuse.min_return_rate",
        0.15,
        "Returned value of 15% or more of what they bought is three times a normal 5% return"
        " rate; the segment percentile must agree.",
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
        "signals.unhappy.low_csat_share",
        0.25,
        "Low ticket ratings count only when they are a quarter of the customer's rated tickets,"
        " so a big account's few bad ratings among many are not unhappiness.",
        "§3, §2.1",
    ),
    Setting(
        "signals.unhappy.flag_points",
        3,
        "Flag at three points of unhappiness (detractor, low CSAT, unresolved complaint, our"
        " failures, staff report): several sources agreeing.",
        "§3, §4",
    ),
    Setting(
        "signals.unhappy.flag_min_failures",
        2,
        "Flag at the point threshold when we failed them at least twice (late answers, broken"
        " promises, unresolved complaints); without our failures it takes one point more.",
        "§4 (our failures predict which good customers leave)",
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
        "signals.our_failures.flag_rate",
        0.3,
        "To flag, failures must also be 30% of their tickets and promises: a big account's few"
        " slips among many tickets are noise, a small customer failed three times is not.",
        "§4, §2.1",
    ),
    Setting(
        "signals.our_failures.watch_count",
        1,
        "A single failure of ours is already worth watching: a lied-to customer rarely recommends.",
        "§4 (broken promises)",
    ),
]
