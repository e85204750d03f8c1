"""Human labels for the scorecard vocabulary, marked for translation.

The strings are English msgids; ``pybabel extract`` finds them through ``N_`` and the catalogs
translate them at render time with :func:`label`.
"""

from __future__ import annotations

from keepwise.domain.contract.schema import SURVEY_REASONS
from keepwise.domain.scorecard import ACTIONS, LEVELS, SIGNAL_NAMES
from keepwise.reports.i18n import translations


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


SIGNAL_LABELS: dict[str, str] = {
    "late_payer": N_("Pays late or never"),
    "underpayer": N_("Does not want to pay enough"),
    "shifting_requirements": N_("Unclear or shifting requirements"),
    "attention_hog": N_("Wants all the attention"),
    "unavailable": N_("Unavailable"),
    "dishonest": N_("Dishonest"),
    "abusive": N_("Abusive or threatening to staff"),
    "unreasonable_demands": N_("Unreasonable demands"),
    "public_complainer": N_("Complains in public"),
    "doesnt_listen": N_("Does not listen to advice"),
    "policy_abuse": N_("Abuses our policies"),
    "unhappy": N_("Unhappy or at risk of leaving"),
}

LEVEL_LABELS: dict[str, str] = {
    "none": N_("none"),
    "watch": N_("watch"),
    "flag": N_("flag"),
    "no_data": N_("no data"),
}

ACTION_LABELS: dict[str, str] = {
    "nurture": N_("Nurture"),
    "retain": N_("Retain"),
    "talk": N_("Talk"),
    "reprice": N_("Reprice"),
    "refer": N_("Refer elsewhere"),
    "fire": N_("Part ways gracefully"),
    "win_back": N_("Win back"),
    "let_go": N_("Let go"),
}

CANNOT_DO: dict[str, str] = {
    "late_payer": N_("We cannot keep working while invoices stay overdue."),
    "underpayer": N_(
        "We cannot lower the price further; rework beyond the agreed revisions is billed."
    ),
    "shifting_requirements": N_("Changes after sign-off need a new estimate and a new date."),
    "attention_hog": N_("We cannot offer support time beyond what the plan includes."),
    "unavailable": N_("We cannot deliver value if meetings and onboarding are missed."),
    "dishonest": N_("Only promises made in writing count; we document every commitment."),
    "abusive": N_("We do not accept personal attacks or threats towards our staff."),
    "unreasonable_demands": N_(
        "We cannot work outside the agreed scope or be reachable at any hour."
    ),
    "public_complainer": N_("Please bring problems to us first, so we can fix them."),
    "doesnt_listen": N_("We cannot answer for results when our advice is not followed."),
    "policy_abuse": N_("Our return and service policies apply as written."),
    "unhappy": N_("We cannot fix what we do not hear about; tell us early."),
}

REASON_LABELS: dict[str, str] = {
    "price": N_("price"),
    "quality": N_("quality"),
    "competitor_offer": N_("a competitor's offer"),
    "responsiveness": N_("poor responsiveness"),
    "broken_promise": N_("a broken promise"),
    "unresolved_complaint": N_("an unresolved complaint"),
    "overall_dissatisfaction": N_("overall dissatisfaction"),
    "no_longer_needed": N_("no longer needed"),
    "other": N_("other"),
}

REASON_SOURCES: dict[str, str] = {
    "exit_survey": N_("exit survey"),
    "end_reason": N_("end reason"),
}

assert set(SIGNAL_LABELS) == set(SIGNAL_NAMES) == set(CANNOT_DO)
assert set(LEVEL_LABELS) == set(LEVELS)
assert set(ACTION_LABELS) == set(ACTIONS)
assert set(REASON_LABELS) == set(SURVEY_REASONS)


def label(message: str, lang: str) -> str:
    """Translate one marked label into ``lang``."""
    return translations(lang).gettext(message)


def signal_label(signal: str, lang: str) -> str:
    """Return the translated label of a signal (its name if keepwise does not know it)."""
    return label(SIGNAL_LABELS.get(signal, signal.replace("_", " ")), lang)


def level_label(level: str, lang: str) -> str:
    """Return the translated label of a signal level."""
    return label(LEVEL_LABELS.get(level, level), lang)


def action_label(action: str, lang: str) -> str:
    """Return the translated label of an action."""
    return label(ACTION_LABELS.get(action, action.replace("_", " ")), lang)


def reason_label(reason: str, source: str, lang: str) -> str:
    """Return ``reason (source)`` translated, e.g. ``price (exit survey)``."""
    what = label(REASON_LABELS.get(reason, reason.replace("_", " ")), lang)
    where = REASON_SOURCES.get(source)
    if where is None:
        where = REASON_SOURCES["exit_survey"] if "survey" in source else source.replace("_", " ")
    return f"{what} ({label(where, lang)})" if where else what
