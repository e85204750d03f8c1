"""Abuse and threat lexicons (package data, one TOML per language) compiled to SQL regexes.

Text is lower-cased in SQL and matched with one regular expression per kind (abuse, threat)
that joins every language's entries, so one scan of the tickets finds all five languages.
The fragments contain no backslashes, so they mean the same in RE2 (DuckDB) and Java (Spark).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

LANGUAGES = ("en", "ja", "zh", "ru", "et")
KINDS = ("abuse", "threat")


@dataclass(frozen=True)
class Lexicon:
    """One language's abuse terms and threat patterns (lower-case regex fragments)."""

    language: str
    letters: str
    boundary: str
    abuse: tuple[str, ...]
    threat: tuple[str, ...]

    def pattern(self, kind: str) -> str:
        """Return this language's regex for ``kind`` with its word boundaries applied."""
        terms = self.abuse if kind == "abuse" else self.threat
        body = "(?:" + "|".join(terms) + ")"
        if self.boundary == "none" or not self.letters:
            return body
        start = f"(?:^|[^{self.letters}])"
        if self.boundary == "start":
            return start + body
        return start + body + f"(?:[^{self.letters}]|$)"


@cache
def load_lexicons() -> tuple[Lexicon, ...]:
    """Read every shipped lexicon from ``keepwise/domain/signals/lexicon/*.toml``."""
    folder = resources.files("keepwise.domain.signals") / "lexicon"
    out = []
    for lang in LANGUAGES:
        data = tomllib.loads((folder / f"{lang}.toml").read_text(encoding="utf-8"))
        out.append(
            Lexicon(
                language=data["language"],
                letters=data.get("letters", ""),
                boundary=data.get("boundary", "none"),
                abuse=tuple(data["abuse"]),
                threat=tuple(data["threat"]),
            )
        )
    return tuple(out)


@cache
def pattern(kind: str) -> str:
    """Return one regex matching ``kind`` (abuse or threat) in any shipped language."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return "|".join(lex.pattern(kind) for lex in load_lexicons())
