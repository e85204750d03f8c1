"""Settings of the reports area: the business report and the letters (each with its reason)."""

from keepwise.settings.core import Setting

SETTINGS: list[Setting] = [
    Setting(
        "letters.company_name",
        "",
        "Name signed under letters; empty signs with the person's name and role only.",
    ),
    Setting(
        "letters.managers",
        [],
        "Managers who may deliver a graceful exit; the first one not named in the customer's "
        "incident reports signs (never the person who had the conflict).",
        mission="2.4",
    ),
    Setting(
        "letters.notice_days",
        30,
        "Days of service after an exit letter: one month is the usual commercial notice and "
        "gives the customer time to move without disruption.",
        mission="2.4",
    ),
    Setting(
        "letters.data_handover_days",
        14,
        "Days within which an exiting customer receives all their data: two weeks lets us "
        "export and check it well before the notice period ends.",
        mission="2.4",
    ),
    Setting(
        "letters.open_order_days",
        30,
        "Orders placed this many days before the letter date count as still in progress and "
        "are listed as obligations we will complete (the contract has no order status).",
        mission="2.4",
    ),
    Setting(
        "letters.reply_hours",
        24,
        "Hours within which the apology promises the next report back: 'act urgently' means "
        "within one working day.",
        mission="3",
    ),
    Setting(
        "letters.followup_days",
        7,
        "Days after an apology when we call to confirm the customer is satisfied (the fifth "
        "recovery step); one week lets the fix prove itself.",
        mission="3",
    ),
    Setting(
        "letters.slow_response_hours",
        24.0,
        "A complaint first answered later than this is admitted as slow in the apology; "
        "customers expect an answer within one working day.",
        mission="4",
    ),
    Setting(
        "letters.referral_partner",
        "",
        "The provider named in referral notes; empty writes 'a provider that fits your needs "
        "better' without naming one.",
        mission="2.3",
    ),
    Setting(
        "letters.referral_partner_valued",
        True,
        "Whether the referral partner is someone whose opinion we value; if so, truly bad "
        "customers (abusive, dishonest, threats) are never referred to them.",
        mission="2.3",
    ),
    Setting(
        "report.top_per_action",
        5,
        "Customers listed per action under 'where to act first': five fit one page and cover "
        "most of the money at stake in a typical Pareto-shaped business.",
        mission="2.6",
    ),
]
