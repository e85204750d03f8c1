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
        "workspace.memory_limit",
        "2GB",
        "Memory DuckDB may use for any work on the workspace (imports, scoring, value and the "
        "web app's reads) before it spills to disk (the project's budgets are 2-4 GB on a "
        "2-core machine; scoring 1M customers is as fast at 2 GB as at 3 GB and peaks 0.2 GB "
        "lower); empty = DuckDB's own default, 80% of RAM.",
    ),
    Setting(
        "import.max_errors",
        50,
        "How many contract problems one import reports in full before counting the rest.",
    ),
]
