"""docs/signals.md is generated from the settings and the registry; it must not be stale."""

from __future__ import annotations

from pathlib import Path

from keepwise.domain.signals.docs import render_signals_doc
from keepwise.settings import signals as signal_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "signals.md"


def test_docs_signals_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_signals_doc(), (
        "docs/signals.md is stale: run `python -m keepwise.domain.signals.docs > docs/signals.md`"
    )


def test_every_signal_setting_is_justified() -> None:
    keys = [s.key for s in signal_settings.SETTINGS]
    assert len(keys) == len(set(keys))
    for setting in signal_settings.SETTINGS:
        assert setting.key.startswith("signals.")
        assert len(setting.help) > 30, setting.key
        assert setting.mission, setting.key
        assert f"`{setting.key}`" in render_signals_doc()
