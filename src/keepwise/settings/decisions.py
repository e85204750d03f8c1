"""Settings of the decisions area: the limits the rule table and its guardrails read."""

from keepwise.settings.core import Setting

SETTINGS: list[Setting] = [
    Setting(
        "decisions.concentration_limit",
        0.10,
        "Share of total revenue above which losing one customer is a business risk, so they are "
        "never fired without a talk first; 10% is the 'major customer' disclosure line of "
        "IFRS 8 / ASC 280.",
        mission="2.1",
    ),
    Setting(
        "decisions.grace_days",
        90,
        "Days after acquisition during which a customer is only nurtured or retained, never "
        "repriced, referred or fired: new customers reasonably need more help at first, and a "
        "quarter covers a typical onboarding.",
        mission="1.4",
    ),
    Setting(
        "decisions.prior_talks",
        [],
        "Customer ids with a talk on record besides the app's decision log (e.g. talks held "
        "before keepwise); only then may a strategic or concentrated account be fired.",
        mission="2.2",
    ),
    Setting(
        "decisions.threat_window_days",
        365,
        "How far back a staff-reported threat still puts 'talk'/'fire' first whatever the value; "
        "a year keeps a threat on the record through one full business cycle.",
        mission="1.7",
    ),
    Setting(
        "decisions.bad_flags",
        2,
        "Flagged signs that make a customer 'bad' on their own: one flag can be a bad stretch, "
        "two independent ones are a pattern (flagged abuse, dishonesty or policy abuse counts "
        "at once).",
        mission="1",
    ),
    Setting(
        "decisions.fire_flags",
        4,
        "Flagged signs at which a bad customer is fired even while still profitable; below it a "
        "profitable bad customer gets a real conversation first.",
        mission="2.4",
    ),
    Setting(
        "decisions.talk_watches",
        2,
        "Signs on watch that together call for a conversation with a profitable customer: one "
        "watch gets the benefit of the doubt, two at once are a pattern worth raising.",
        mission="1.6",
    ),
    Setting(
        "decisions.loss_tolerance",
        0.0,
        "Money a customer may lose us over their history before counting as loss-making; 0 means "
        "any negative profit after cost to serve is a loss.",
        mission="2.1",
    ),
    Setting(
        "decisions.at_risk_churn",
        0.5,
        "Churn risk at or above which a profitable customer is 'retain': past even odds the "
        "customer is more likely gone than not, and keeping them is cheaper than replacing them.",
        mission="3",
    ),
    Setting(
        "decisions.reprice_signals",
        ["underpayer", "attention_hog", "unreasonable_demands", "shifting_requirements"],
        "Signals that say a loss-making customer's problem is price or scope, so 'reprice' "
        "(price high-touch service accordingly) comes before 'refer'.",
        mission="2.5",
    ),
]
