"""All keepwise settings, collected from one module per area."""

from __future__ import annotations

from pathlib import Path

from keepwise.settings import clv, decisions, general, signals, value, web
from keepwise.settings import reports as reports_settings
from keepwise.settings.core import (
    Setting,
    Settings,
    load_settings,
    render_settings_markdown,
    render_settings_toml,
)

ALL_SETTINGS: list[Setting] = [
    *general.SETTINGS,
    *value.SETTINGS,
    *signals.SETTINGS,
    *clv.SETTINGS,
    *decisions.SETTINGS,
    *web.SETTINGS,
    *reports_settings.SETTINGS,
]


def default_settings() -> Settings:
    """Return every setting at its documented default."""
    return Settings(ALL_SETTINGS)


def read_settings(path: Path) -> Settings:
    """Return the settings of ``keepwise.toml`` at ``path`` over the defaults."""
    return load_settings(path, ALL_SETTINGS)


__all__ = [
    "ALL_SETTINGS",
    "Setting",
    "Settings",
    "default_settings",
    "read_settings",
    "render_settings_markdown",
    "render_settings_toml",
]
