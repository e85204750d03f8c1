"""Settings of the clv area: time unit, horizon, discounting, model choice, fallback, intervals.

``docs/models.md`` explains the models and how these settings steer the choice between them.
"""

from keepwise.settings.core import Setting

SETTINGS: list[Setting] = [
    Setting(
        "clv.time_unit_days",
        7,
        "Days per time unit of frequency/recency/T. Weeks (7) match the literature's CDNOW fits "
        "and keep purchase rates readable; any unit gives the same predictions.",
        mission="3",
    ),
    Setting(
        "clv.horizon_months",
        36,
        "Months of future profit counted in CLV. Three years is the usual planning horizon for "
        "retention spend and keeps the forecast within the range the data can support.",
        mission="3",
    ),
    Setting(
        "clv.monthly_discount_rate",
        0.008,
        "Monthly discount rate for future profit: 0.8 % a month ≈ 10 % a year, a typical cost "
        "of capital for a small business (Fader & Hardie use 10 % a year in their CLV notes).",
        mission="3",
    ),
    Setting(
        "clv.min_repeat_customers",
        100,
        "Fewest customers with a repeat purchase before a BTYD model is fitted; below that a "
        "four-parameter model's standard errors are as wide as its estimates, so the "
        "transparent fallback is used and the report says so.",
        mission="3",
    ),
    Setting(
        "clv.min_history_days",
        120,
        "Shortest span between first order and as-of before a BTYD model is fitted: with less "
        "than about four months nobody has had time to lapse, so dropout cannot be estimated.",
        mission="3",
    ),
    Setting(
        "clv.holdout_fraction",
        0.33,
        "Share of the order history held out to check the candidate models' forecasts (the "
        "last third): long enough to see repeat purchases, leaving two thirds to fit.",
        mission="3",
    ),
    Setting(
        "clv.candidate_models",
        ["bg-nbd", "mbg-nbd", "pareto-nbd"],
        "Repeat-purchase models tried; the one with the smallest holdout error is chosen (AIC "
        "breaks near-ties). Remove one to never use it.",
        mission="3",
    ),
    Setting(
        "clv.choice_tolerance",
        0.02,
        "Holdout errors within this relative margin count as a tie, settled by AIC on the full "
        "data: a 2 % difference in forecast error is within sampling noise of a holdout.",
        mission="3",
    ),
    Setting(
        "clv.interval_level",
        0.9,
        "Coverage of the clv_low–clv_high interval. 90 % is wide enough to be honest about "
        "parameter uncertainty without making every customer's range useless.",
        mission="3",
    ),
    Setting(
        "clv.interval_method",
        "delta",
        "How clv_low/clv_high are computed from the parameters' asymptotic normal: 'delta' "
        "(delta method on log CLV, fast at any size) or 'bootstrap' (parametric draws).",
        mission="3",
    ),
    Setting(
        "clv.bootstrap_draws",
        200,
        "Parameter draws for the 'bootstrap' interval; 200 puts the 5th/95th percentiles within "
        "about a percentage point of their limit.",
        mission="3",
    ),
    Setting(
        "clv.churn_period_days",
        30,
        "Length of 'the next period' in churn_prob (probability of no longer being active by "
        "its end); a month matches monthly retention reviews.",
        mission="3",
    ),
    Setting(
        "clv.fallback_inactive_days",
        365,
        "Fallback rule when data are too thin for a model: a customer with no order in this "
        "many days counts as lost. A year covers seasonal buyers (MISSION §3: ~20 % lost a year).",
        mission="3",
    ),
    Setting(
        "clv.fallback_annual_retention",
        0.8,
        "Yearly retention the fallback assumes when no customer is old enough to measure it: "
        "an average business loses about 20 % of its customers a year (MISSION §3).",
        mission="3",
    ),
    Setting(
        "clv.contract_period_months",
        12,
        "Months between contract renewals for the sBG model of contract customers (those with "
        "annual_contract_value); annual contracts renew yearly.",
        mission="3",
    ),
]
