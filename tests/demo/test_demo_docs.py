"""docs/demo.md stays in step with the archetype table in the code."""

from __future__ import annotations

from pathlib import Path

from keepwise.application.demo_archetypes import ARCHETYPES, archetype_table_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "demo.md"


def test_archetype_table_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- archetypes:start -->\n") + len("<!-- archetypes:start -->\n")
    end = text.index("<!-- archetypes:end -->")
    assert text[start:end] == archetype_table_markdown(), (
        "docs/demo.md is stale: paste archetype_table_markdown() between the markers"
    )


def test_every_archetype_and_decoy_is_described() -> None:
    text = DOC.read_text(encoding="utf-8")
    for a in ARCHETYPES:
        assert f"| {a.name} |" in text
        if a.decoy:
            assert f"| {a.decoy} |" in text


def test_shares_add_up() -> None:
    named = sum(a.share for a in ARCHETYPES)
    assert 0.55 < 1 - named < 0.7
    assert all(abs(sum(a.segments) - 1) < 1e-9 for a in ARCHETYPES)
