"""docs/value.md documents every value setting and every cost-to-serve component."""

from __future__ import annotations

from pathlib import Path

from keepwise.domain.features.value import COMPONENTS
from keepwise.settings import value

DOC = Path(__file__).resolve().parents[2] / "docs" / "value.md"


def test_every_value_setting_is_documented_with_a_justification() -> None:
    text = DOC.read_text(encoding="utf-8")
    for setting in value.SETTINGS:
        assert f"`{setting.key}`" in text, setting.key
        assert len(setting.help) > 40, setting.key
        assert setting.mission, setting.key


def test_every_component_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in COMPONENTS:
        assert f"| `{name}` |" in text, name
