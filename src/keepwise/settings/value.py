"""Settings of the value area: cost-to-serve rates, margin fall-backs and the churn rule.

Every rate is money in the workspace currency. Defaults are for a small service or retail
business in the US; ``docs/value.md`` explains each one and how to set your own.
"""

from keepwise.settings.core import Setting

SETTINGS: list[Setting] = [
    Setting(
        "value.window_days",
        0,
        "Only events in the last N days count towards value; 0 = the customer's whole history "
        "up to as_of (DESIGN §9: value covers the whole history unless you shorten it).",
        mission="2.1",
    ),
    Setting(
        "value.revenue_source",
        "auto",
        "Where revenue comes from: 'orders', 'invoices' (non-void invoice amounts, for "
        "subscription businesses without an order export) or 'auto' = orders when the orders "
        "table has rows, else invoices.",
        mission="2.1",
    ),
    Setting(
        "value.default_cogs_rate",
        0.0,
        "Cost of goods as a share of the amount, for orders whose cost is missing. 0 treats "
        "unknown cost as none (right for service firms whose delivery cost is staff time); "
        "set your average COGS ratio (retail is often 0.5-0.7). The estimate is itemised.",
        mission="2.1",
    ),
    Setting(
        "value.support_hourly_cost",
        40.0,
        "Fully loaded cost of one hour of support staff time: US median customer-service wage "
        "about $19/h (BLS 2023) x ~1.3 benefits x ~1.6 for idle time, tools and supervision.",
        mission="2.1",
    ),
    Setting(
        "value.support_hourly_cost_by_channel",
        ["chat=20"],
        "Hourly support cost per ticket channel as 'channel=rate'; channels not listed use "
        "value.support_hourly_cost. Chat agents handle about two conversations at once, so a "
        "chat minute costs about half a phone or e-mail minute.",
        mission="2.1",
    ),
    Setting(
        "value.default_ticket_minutes",
        15.0,
        "Handling minutes assumed for a ticket whose handle_minutes is missing: the middle of "
        "the 10-20 minutes helpdesk benchmarks report for an e-mail ticket.",
        mission="2.1",
    ),
    Setting(
        "value.meeting_hourly_cost",
        80.0,
        "Cost of one hour of account-manager or consultant time in meetings, onboarding and "
        "calls: senior staff cost about twice support staff, and a meeting often takes two.",
        mission="2.1",
    ),
    Setting(
        "value.meeting_kinds",
        ["meeting", "onboarding", "call"],
        "Activity kinds whose minutes are staff time spent on the customer (no-shows count: "
        "the slot was booked and lost).",
        mission="1.5",
    ),
    Setting(
        "value.default_meeting_minutes",
        30.0,
        "Minutes assumed for a meeting, onboarding session or call whose minutes are missing: "
        "the shortest common calendar slot.",
        mission="2.1",
    ),
    Setting(
        "value.collection_touch_cost",
        15.0,
        "Cost of one collection touch (reminder call, dunning letter): about 15-20 minutes of "
        "finance staff time at ~$40/h plus postage or tooling.",
        mission="1.1",
    ),
    Setting(
        "value.return_handling_cost",
        10.0,
        "Cost of handling one return apart from the refund (receiving, inspection, restocking, "
        "paperwork): reverse-logistics estimates run $10-20 for small parcels.",
        mission="4",
    ),
    Setting(
        "value.bad_debt_overdue_days",
        90,
        "An open invoice this many days past due counts as bad debt: 90+ days is the ageing "
        "bucket accountants conventionally provision in full.",
        mission="1.1",
    ),
    Setting(
        "value.cost_of_capital",
        0.10,
        "Annual cost of the money a late payer holds back (days past due x amount x rate / "
        "365): a small business's overdraft or credit-line rate, 8-12% in 2024.",
        mission="1.1",
    ),
    Setting(
        "value.churn_inactivity_days",
        365,
        "A repeat buyer without a contract is taken to have left after this many days without "
        "an order: one full yearly cycle, so seasonal and once-a-year buyers are not called "
        "lost early. Used until P(alive) from the CLV models is supplied.",
        mission="3",
    ),
    Setting(
        "value.p_alive_churn_threshold",
        0.5,
        "With P(alive) supplied, a repeat buyer below this probability of still being a "
        "customer is counted as churned: more likely gone than not.",
        mission="3",
    ),
]
