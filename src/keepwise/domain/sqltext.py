"""SQL text helpers every domain module may use without importing features or signals."""

from __future__ import annotations

from datetime import datetime


def timestamp_literal(moment: datetime) -> str:
    """Return ``moment`` as a SQL timestamp literal both engines read, fractions kept."""
    fmt = "%Y-%m-%d %H:%M:%S.%f" if moment.microsecond else "%Y-%m-%d %H:%M:%S"
    return f"TIMESTAMP '{moment.strftime(fmt)}'"
