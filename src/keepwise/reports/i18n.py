"""Languages, gettext catalogs and Babel formatting shared by the letters and the report.

Catalogs live in ``keepwise/locale/<lang>/LC_MESSAGES/keepwise.po`` and are shipped compiled
(``.mo``) so the wheel works offline; :func:`compile_catalogs` rebuilds the ``.mo`` files.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from keepwise.errors import KeepwiseError

LANGUAGES: tuple[str, ...] = ("en", "ja", "zh_Hant", "ru", "et")
"""Languages the letters are written in (English is the source language of the catalogs)."""

DATE_PATTERNS: dict[str, str] = {"et": "dd.MM.yyyy"}
"""Date patterns that replace Babel's long format: Estonian letters write dates numerically,
because the long form is declined by case ("31. märtsil") and Babel gives only the nominative."""

DOMAIN = "keepwise"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class UnknownLanguageError(KeepwiseError, ValueError):
    """A letter or report was asked for in a language keepwise has no catalog for."""


def check_language(lang: str) -> str:
    """Return ``lang`` normalised (``zh-Hant`` → ``zh_Hant``), or raise for an unknown one."""
    norm = lang.replace("-", "_")
    for known in LANGUAGES:
        if norm.lower() == known.lower():
            return known
    raise UnknownLanguageError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every ``keepwise.po`` under ``locale_dir`` to its ``.mo`` and return the paths."""
    written = []
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name, domain=DOMAIN)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo_path)
    return written


@functools.cache
def translations(lang: str) -> NullTranslations:
    """Return the compiled catalog of ``lang`` (English uses the source strings)."""
    lang = check_language(lang)
    if lang == "en":
        return NullTranslations()
    mo_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo_path.exists():
        raise KeepwiseError(f"missing compiled catalog {mo_path}; run compile_catalogs()")
    with mo_path.open("rb") as fh:
        return Translations(fh, domain=DOMAIN)


@dataclass(frozen=True)
class Formatter:
    """Format money, numbers, percentages and dates the way readers of one locale expect."""

    lang: str
    currency: str

    @property
    def locale(self) -> Locale:
        """Return the Babel locale of this language."""
        return Locale.parse(self.lang)

    def money(self, amount: float | Decimal | None) -> str:
        """Format an amount in the workspace currency (``None`` is shown as a dash)."""
        if amount is None:
            return "–"
        return format_currency(amount, self.currency, locale=self.locale)

    def number(self, value: float | Decimal | int | None, digits: int = 0) -> str:
        """Format a number with the locale's grouping and at most ``digits`` decimals."""
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, share: float | None) -> str:
        """Format a share (0.25) as a percentage with one decimal."""
        if share is None:
            return "–"
        return format_percent(share, format="#,##0.0%", locale=self.locale)

    def date(self, value: date | datetime | None) -> str:
        """Format a date in the locale's long style (``datetime`` values keep only the date)."""
        if value is None:
            return "–"
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, format=DATE_PATTERNS.get(self.lang, "long"), locale=self.locale)

    def tidy(self, text: str) -> str:
        """Fix punctuation that a date at the end of a sentence leaves (Russian ``г..``)."""
        return text.replace("г..", "г.") if self.lang == "ru" else text


@functools.cache
def environment(lang: str) -> Environment:
    """Return the Jinja2 environment of ``lang`` with its gettext catalog installed.

    ``.txt`` templates are not autoescaped; ``.html`` templates are.  Undefined variables
    raise, so a letter can never show an unfilled placeholder.
    """
    env = Environment(
        loader=PackageLoader("keepwise.reports", "templates"),
        extensions=["jinja2.ext.i18n"],
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env
