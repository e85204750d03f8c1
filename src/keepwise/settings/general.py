"""Workspace-wide settings: currency, import limits."""

from keepwise.settings.core import Setting

SETTINGS = [
    Setting("workspace.currency", "USD", "ISO 4217 code of the one currency all money is in."),
    Setting(
        "workspace.locale",
        "en",
        "Default language of the interface and letters (en, ja, zh_Hant, ru, et).",
    ),
    Setting(
        "import.max_errors",
        50,
        "How many contract problems one import reports in full before counting the rest.",
    ),
]
