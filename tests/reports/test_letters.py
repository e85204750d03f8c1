"""Letters: every kind in every language, from the customer's own facts, nothing left unfilled."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from keepwise.errors import KeepwiseError, NotFoundError
from keepwise.reports.i18n import LOCALE_DIR, Formatter
from keepwise.reports.letters import LANGUAGES, LETTER_KINDS, render_letter, text_to_html
from keepwise.settings import default_settings
from keepwise.storage.workspace import Workspace

from .conftest import SENTENCES, TODAY, build_workspace

LEFTOVERS = re.compile(r"\{\{|\{%|%\(|\bNone\b|\bnan\b|TODO|\[|\]")


DEFAULTS = default_settings()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_no_placeholder_left_visible(workspace: Workspace, kind: str, lang: str):
    for customer in ("C1", "C2", "C3", "C4", "C5"):
        letter = render_letter(workspace, customer, kind, lang, today=TODAY, settings=DEFAULTS)
        assert letter.kind == kind and letter.lang == lang
        assert letter.subject.strip()
        for part in (letter.subject, letter.text, letter.html, *letter.warnings):
            found = LEFTOVERS.search(part)
            assert found is None, f"{kind}/{lang}/{customer}: {found.group()!r} in {part!r}"
        assert "<b>" not in letter.html
        assert BeautifulSoup(letter.html, "html.parser").get_text().strip()


@pytest.mark.parametrize("lang", LANGUAGES[1:])
@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_translated_letters_differ_from_english(workspace: Workspace, kind: str, lang: str):
    en = render_letter(workspace, "C3", kind, "en", today=TODAY, settings=DEFAULTS)
    other = render_letter(workspace, "C3", kind, lang, today=TODAY, settings=DEFAULTS)
    assert other.subject != en.subject
    data = (*SENTENCES.values(), "Recommended ")
    en_lines = {
        line for line in en.text.splitlines() if len(line) > 25 and not any(d in line for d in data)
    }
    shared = en_lines & set(other.text.splitlines())
    assert not shared, f"untranslated lines in {lang}: {shared}"


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_catalog_complete_and_compiled(lang: str):
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / "keepwise.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    with (LOCALE_DIR / "keepwise.pot").open("rb") as fh:
        template = read_po(fh)
    assert {m.id for m in template if m.id} == {m.id for m in catalog if m.id}
    for message in catalog:
        if message.id:
            assert message.string, f"{lang}: no translation for {message.id!r}"
            assert not message.fuzzy
            names = set(re.findall(r"%\((\w+)\)s", str(message.id)))
            assert names == set(re.findall(r"%\((\w+)\)s", str(message.string))), message.id
    # The messages, not the bytes: the .mo header names the Babel version that compiled it.
    with po_path.with_suffix(".mo").open("rb") as fh:
        shipped = {m.id: m.string for m in read_mo(fh) if m.id}
    assert shipped == {m.id: m.string for m in catalog if m.id}, "stale .mo"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_exit_letter_fulfils_every_obligation(workspace: Workspace, lang: str):
    fmt = Formatter(lang, "USD")
    letter = render_letter(workspace, "C2", "exit", lang, today=TODAY, settings=DEFAULTS)
    text = letter.text
    for invoice_id, due in (("INV-101", "1200.50"), ("INV-102", "500.00")):
        assert invoice_id in text
        assert fmt.money(Decimal(due)) in text
    assert "INV-103" not in text
    assert fmt.money(Decimal("1700.50")) in text
    assert "O-1" in text and "O-2" not in text
    assert "T-2" in text
    assert fmt.date(TODAY.replace(month=7, day=30)) in text
    assert fmt.date(TODAY.replace(month=7, day=14)) in text
    assert "Sam Lee" not in text


def test_exit_signer_was_not_in_the_conflict(workspace: Workspace):
    settings = default_settings().with_overrides(
        {"letters.managers": ["Anna Kask", "Peeter Paan"], "letters.company_name": "Keep OÜ"}
    )
    letter = render_letter(workspace, "C2", "exit", "en", today=TODAY, settings=settings)
    assert letter.text.rstrip().endswith("Peeter Paan\nKeep OÜ")
    assert "Anna Kask" not in letter.text
    calm = render_letter(workspace, "C1", "exit", "en", today=TODAY, settings=settings)
    assert "Anna Kask" in calm.text


def test_referral_refused_for_truly_bad_customer_and_valued_partner(workspace: Workspace):
    settings = default_settings().with_overrides({"letters.referral_partner": "Good Peer Ltd"})
    refused = render_letter(workspace, "C2", "referral", "en", today=TODAY, settings=settings)
    assert refused.warnings
    assert "Do not refer" in refused.text and "Abusive" in refused.text
    threat = render_letter(workspace, "C5", "referral", "en", today=TODAY, settings=settings)
    assert threat.warnings and "threat" in threat.text
    fine = render_letter(workspace, "C3", "referral", "en", today=TODAY, settings=settings)
    assert not fine.warnings and "We recommend Good Peer Ltd." in fine.text
    unvalued = settings.with_overrides({"letters.referral_partner_valued": False})
    warned = render_letter(workspace, "C2", "referral", "en", today=TODAY, settings=unvalued)
    assert warned.warnings and "Good Peer Ltd" in warned.text
    assert "Do not refer" not in warned.text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["survey", "exit_interview"])
def test_six_questions(workspace: Workspace, kind: str, lang: str):
    letter = render_letter(
        workspace, "C4", kind, lang, today=TODAY, link="https://x.test/s/abc", settings=DEFAULTS
    )
    numbers = re.findall(r"^(\d)\. ", letter.text, flags=re.MULTILINE)
    assert numbers == ["1", "2", "3", "4", "5", "6"]
    assert letter.html.count("<li>") == 6
    assert "https://x.test/s/abc" in letter.text


def test_talk_brief_quotes_signals_numbers_and_reasons(workspace: Workspace):
    brief = render_letter(workspace, "C2", "talk", "en", today=TODAY)
    assert "Paid 5 of 6 invoices late, on average 41 days." in brief.text
    assert "Abusive or threatening to staff (flag)" in brief.text
    assert "-$3,100.00" in brief.text
    assert "Recommended fire for Bolt & Nut <b>Ltd</b>." in brief.text
    assert "&lt;b&gt;Ltd&lt;/b&gt;" in brief.html
    assert "personal attacks" in brief.text


def test_apology_follows_the_five_steps(workspace: Workspace):
    letter = render_letter(workspace, "C3", "apology", "en", today=TODAY)
    text = letter.text
    assert letter.subject == "Our apology: Late delivery of batch 7"
    assert "We are sorry. On June 1, 2025" in text
    assert "It took us 51 hours" in text
    assert "report back to you by July 1, 2025" in text
    assert "frustrating" in text
    assert "make amends" in text
    assert "On July 7, 2025 I will contact you again" in text
    quick = render_letter(workspace, "C1", "apology", "en", today=TODAY)
    assert "hours to answer" not in quick.text


def test_letters_without_any_run(tmp_path: Path):
    ws = build_workspace(tmp_path / "ws", with_run=False)
    brief = render_letter(ws, "C2", "talk", "ru", today=TODAY)
    assert "keepwise score" in brief.text
    assert render_letter(ws, "C2", "referral", "en", today=TODAY).warnings == ()


def test_errors(workspace: Workspace):
    with pytest.raises(NotFoundError, match="C999"):
        render_letter(workspace, "C999", "talk")
    with pytest.raises(KeepwiseError, match="unknown letter kind"):
        render_letter(workspace, "C1", "poem")
    with pytest.raises(KeepwiseError, match="unknown language"):
        render_letter(workspace, "C1", "talk", "fr")
    assert render_letter(workspace, "C1", "talk", "zh-Hant", today=TODAY).lang == "zh_Hant"


lines = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40)


@given(st.lists(lines, max_size=12))
def test_text_to_html_escapes_and_keeps_every_word(parts: list[str]):
    text = "\n".join(parts)
    html = text_to_html(text)
    soup = BeautifulSoup(html, "html.parser")
    assert {tag.name for tag in soup.find_all(True)} <= {"p", "br", "h3", "ul", "ol", "li"}
    rendered = soup.get_text(" ")
    for word in text.split():
        if word not in ("-", "##") and not re.fullmatch(r"\d+\.", word):
            assert word in rendered


def test_parse_reasons_accepts_lists_json_and_sentences():
    from keepwise.reports.facts import parse_reasons

    text = (
        "Staff reported 1 threat(s) in the last 365 days; threats need fast action. "
        "Profit 127 USD on revenue 723 USD. Churn risk 9%; our failures: none."
    )
    assert parse_reasons(text) == [
        "Staff reported 1 threat(s) in the last 365 days; threats need fast action.",
        "Profit 127 USD on revenue 723 USD.",
        "Churn risk 9%; our failures: none.",
    ]
    assert parse_reasons('["a", " b "]') == ["a", "b"]
    assert parse_reasons(["x", ""]) == ["x"]
    assert parse_reasons(None) == []
