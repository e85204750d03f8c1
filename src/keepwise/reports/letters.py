"""Letters and briefs for one customer, in five languages (MISSION §2.2-2.4 and §3).

Each kind is one Jinja2 template (``templates/letters/<kind>.txt``) whose sentences are gettext
messages.  The template writes plain text with a light markup (``## heading``, ``- item``,
``1. item``); :func:`text_to_html` turns the same text into escaped HTML, so the two versions
never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from markupsafe import escape

from keepwise.errors import KeepwiseError
from keepwise.reports.facts import CustomerFacts, read_facts
from keepwise.reports.i18n import LANGUAGES, Formatter, check_language, environment
from keepwise.reports.vocabulary import (
    CANNOT_DO,
    N_,
    action_label,
    label,
    level_label,
    signal_label,
)
from keepwise.settings import Settings
from keepwise.storage.workspace import Workspace

LETTER_KINDS: tuple[str, ...] = ("talk", "exit", "referral", "survey", "exit_interview", "apology")
"""Every kind of letter: conversation brief, graceful exit, referral note, satisfaction survey
invitation, exit-interview invitation and complaint apology."""

TRULY_BAD_SIGNALS = ("abusive", "dishonest")

__all__ = ["LANGUAGES", "LETTER_KINDS", "Letter", "render_letter", "text_to_html"]


class UnknownLetterKindError(KeepwiseError, ValueError):
    """A letter kind that keepwise does not write."""


@dataclass(frozen=True)
class Letter:
    """One rendered letter: its subject and body as plain text and as an HTML fragment.

    ``warnings`` are notes for our staff (never part of the letter), e.g. why a referral to a
    valued partner was refused.
    """

    kind: str
    lang: str
    subject: str
    text: str
    html: str
    warnings: tuple[str, ...] = ()


_ORDERED = re.compile(r"^(\d+)\. (.*)$")


def text_to_html(text: str) -> str:
    """Turn letter text (paragraphs, ``## headings``, ``- `` and ``1. `` lists) into HTML."""
    out: list[str] = []
    para: list[str] = []
    list_tag: str | None = None

    def close_para() -> None:
        if para:
            out.append("<p>" + "<br>".join(para) + "</p>")
            para.clear()

    def close_list() -> None:
        nonlocal list_tag
        if list_tag:
            out.append(f"</{list_tag}>")
            list_tag = None

    for raw in text.splitlines():
        line = raw.rstrip()
        ordered = _ORDERED.match(line)
        if not line:
            close_para()
            close_list()
        elif line.startswith("## "):
            close_para()
            close_list()
            out.append(f"<h3>{escape(line[3:])}</h3>")
        elif line.startswith("- ") or ordered:
            close_para()
            tag = "ol" if ordered else "ul"
            if list_tag != tag:
                close_list()
                out.append(f"<{tag}>")
                list_tag = tag
            item = ordered.group(2) if ordered else line[2:]
            out.append(f"<li>{escape(item)}</li>")
        else:
            close_list()
            para.append(str(escape(line)))
    close_para()
    close_list()
    return "\n".join(out)


def _plain(text: str) -> str:
    lines = [line[3:] if line.startswith("## ") else line for line in text.splitlines()]
    body = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", body) + "\n"


def _signer(facts: CustomerFacts, settings: Settings, lang: str, kind: str) -> str:
    """Pick who signs: for an exit, a manager who was not part of the conflict (§2.4)."""
    reporters = {r.casefold() for r in facts.incident_reporters}
    managers = [str(m).strip() for m in settings["letters.managers"] or [] if str(m).strip()]  # type: ignore[union-attr]
    candidates = [*managers, facts.owner] if kind == "exit" else [facts.owner, *managers]
    for name in candidates:
        if name and name.casefold() not in reporters:
            return name
    return label(N_("Customer relations manager"), lang)


def truly_bad_reasons(facts: CustomerFacts) -> list[str]:
    """Return why a customer is truly bad (§2.3): flagged abusive or dishonest, or a threat."""
    why = [s for s in TRULY_BAD_SIGNALS if facts.level(s) == "flag"]
    if "threat" in facts.incident_kinds:
        why.append("threat")
    return why


def _context(
    facts: CustomerFacts,
    settings: Settings,
    lang: str,
    kind: str,
    today: date,
    link: str | None,
) -> dict[str, Any]:
    fmt = Formatter(lang, settings.get_str("workspace.currency"))
    score = facts.score
    score_ctx: dict[str, str] | None = None
    if score is not None:
        score_ctx = {
            "revenue": fmt.money(score.get("revenue")),
            "cost_to_serve": fmt.money(score.get("cost_to_serve")),
            "profit": fmt.money(score.get("profit")),
            "clv": fmt.money(score["clv"]) if score.get("clv") is not None else "",
            "churn_risk": fmt.percent(score["churn_risk"])
            if score.get("churn_risk") is not None
            else "",
            "our_failures": fmt.number(score["our_failures"]) if score.get("our_failures") else "",
        }
        action = score.get("action")
        score_ctx["action"] = action_label(str(action), lang) if action else ""
    invoices = [
        {
            "id": inv.invoice_id,
            "amount": fmt.money(inv.amount_due),
            "due": fmt.date(inv.due_at),
            "overdue": inv.due_at < today,
        }
        for inv in facts.open_invoices
    ]
    reply_hours = settings.get_int("letters.reply_hours")
    complaint = None
    if facts.complaint is not None:
        t = facts.complaint
        wait = None
        if t.first_response_at is not None:
            wait = (t.first_response_at - t.opened_at).total_seconds() / 3600
        complaint = {
            "id": t.ticket_id,
            "subject": t.subject or "",
            "opened": fmt.date(t.opened_at),
            "slow": wait is not None and wait > settings.get_float("letters.slow_response_hours"),
            "unanswered": t.first_response_at is None,
            "wait_hours": fmt.number(wait) if wait is not None else "",
            "unresolved": t.closed_at is None,
            "reopened": t.reopened,
        }
    partner = settings.get_str("letters.referral_partner").strip()
    cannot = [label(CANNOT_DO[s.signal], lang) for s in facts.signals if s.signal in CANNOT_DO]
    return {
        "kind": kind,
        "name": facts.name,
        "customer_id": facts.customer_id,
        "today": fmt.date(today),
        "since": fmt.date(facts.acquired_at),
        "ended": fmt.date(facts.ended_at) if facts.ended_at else "",
        "segment": facts.segment or "",
        "owner": facts.owner or "",
        "strategic": facts.strategic,
        "company": settings.get_str("letters.company_name").strip(),
        "signer": _signer(facts, settings, lang, kind),
        "score": score_ctx,
        "signals": [
            {
                "label": signal_label(s.signal, lang),
                "level": level_label(s.level, lang),
                "sentence": s.sentence,
            }
            for s in facts.signals
        ],
        "cannot": list(dict.fromkeys(cannot)),
        "reasons": facts.reasons,
        "invoices": invoices,
        "invoices_total": fmt.money(sum(i.amount_due for i in facts.open_invoices))
        if facts.open_invoices
        else "",
        "orders": [
            {"id": o.order_id, "date": fmt.date(o.ordered_at), "amount": fmt.money(o.amount)}
            for o in facts.recent_orders
        ],
        "open_tickets": [
            {"id": t.ticket_id, "subject": t.subject or "", "opened": fmt.date(t.opened_at)}
            for t in facts.open_tickets
        ],
        "notice_days": fmt.number(settings.get_int("letters.notice_days")),
        "notice_end": fmt.date(today + timedelta(days=settings.get_int("letters.notice_days"))),
        "handover_date": fmt.date(
            today + timedelta(days=settings.get_int("letters.data_handover_days"))
        ),
        "reply_by": fmt.date(today + timedelta(hours=reply_hours)),
        "reply_hours": fmt.number(reply_hours),
        "followup_date": fmt.date(
            today + timedelta(days=settings.get_int("letters.followup_days"))
        ),
        "complaint": complaint,
        "partner": partner,
        "link": link or "",
    }


def render_letter(
    ws: Workspace,
    customer_id: str,
    kind: str,
    lang: str = "en",
    run_id: str | None = None,
    *,
    today: date | None = None,
    link: str | None = None,
    settings: Settings | None = None,
) -> Letter:
    """Write one letter or brief about ``customer_id`` from their own facts.

    Parameters
    ----------
    ws
        The workspace holding the customer's events and scorecard runs.
    customer_id
        The customer the letter is about (``NotFoundError`` if unknown).
    kind
        One of :data:`LETTER_KINDS`.
    lang
        One of :data:`LANGUAGES`; dates, money and numbers follow its conventions.
    run_id
        The scorecard run to quote (default: the latest; letters work without any run).
    today
        The letter's date (default: today); deadlines and overdue invoices count from it.
    link
        A personal answer link for ``survey`` and ``exit_interview`` invitations.
    settings
        Settings to use instead of the workspace's (signer, notice period, partner...).

    Returns
    -------
    Letter
        Subject, text and HTML; ``warnings`` holds notes for staff, never sent.
    """
    if kind not in LETTER_KINDS:
        raise UnknownLetterKindError(
            f"unknown letter kind {kind!r}; choose one of {', '.join(LETTER_KINDS)}"
        )
    lang = check_language(lang)
    settings = settings if settings is not None else ws.settings
    today = today or date.today()
    facts = read_facts(
        ws,
        customer_id,
        today=today,
        run_id=run_id,
        open_order_days=settings.get_int("letters.open_order_days"),
    )
    ctx = _context(facts, settings, lang, kind, today, link)
    warnings: list[str] = []
    template_name = f"letters/{kind}.txt"
    if kind == "referral":
        bad = truly_bad_reasons(facts)
        if bad:
            ctx["why"] = [
                label(N_("A threat was reported"), lang) if b == "threat" else signal_label(b, lang)
                for b in bad
            ]
            if settings.get_bool("letters.referral_partner_valued"):
                template_name = "letters/referral_refused.txt"
                warnings.append(
                    label(
                        N_(
                            "Referral refused: this customer is flagged as truly bad and the "
                            "partner is one whose opinion we value."
                        ),
                        lang,
                    )
                )
            else:
                warnings.append(
                    label(
                        N_(
                            "Warning: this customer is flagged as truly bad; tell the partner "
                            "honestly before they accept."
                        ),
                        lang,
                    )
                )
    fmt = Formatter(lang, settings.get_str("workspace.currency"))
    rendered = fmt.tidy(environment(lang).get_template(template_name).render(ctx))
    subject, _, body = rendered.strip().partition("\n")
    text = _plain(body)
    return Letter(
        kind=kind,
        lang=lang,
        subject=subject.strip(),
        text=text,
        html=text_to_html(body.strip()),
        warnings=tuple(warnings),
    )
