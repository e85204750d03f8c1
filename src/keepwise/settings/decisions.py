"""Settings of the decisions area (thresholds and rates, each with its justification)."""

from keepwise.settings.core import Setting

SETTINGS: list[Setting] = []
