"""Small SQL helpers shared by the signal modules (portable DuckDB dialect only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from keepwise.domain.sqltext import timestamp_literal

if TYPE_CHECKING:
    from keepwise.domain.features.registry import FeatureContext


MONEY = "DECIMAL(18,2)"
"""The type money is summed in: the contract's own, exact. Sums of DOUBLE depend on the order
the engine's threads add them, so a sentence saying ``USD 926`` in one run said ``USD 927`` in
the next (a sum landing on either side of 926.5), and ties on a rate could rank differently."""


def ts(moment: datetime) -> str:
    """Return ``moment`` as a portable SQL timestamp literal."""
    return timestamp_literal(moment)


def as_of(ctx: FeatureContext) -> str:
    """Return the scoring moment as a SQL literal."""
    return ts(ctx.as_of)


def since(ctx: FeatureContext, key: str = "signals.window_days") -> str:
    """Return the start of the look-back window named by setting ``key`` as a SQL literal."""
    return ts(ctx.as_of - timedelta(days=ctx.settings.get_int(key)))


def lit(text: str) -> str:
    """Return ``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def num(ctx: FeatureContext, key: str) -> str:
    """Return a numeric setting as a SQL literal."""
    value = ctx.settings.get_float(key)
    return str(int(value)) if value.is_integer() else repr(value)


def intstr(expr: str) -> str:
    """Return SQL rendering a number rounded to a whole number as text."""
    return f"CAST(CAST(ROUND({expr}, 0) AS BIGINT) AS VARCHAR)"


def pctstr(expr: str) -> str:
    """Return SQL rendering a fraction as a whole percentage such as ``38%``."""
    return f"(CAST(CAST(ROUND(100 * ({expr}), 0) AS BIGINT) AS VARCHAR) || '%')"


def onestr(expr: str) -> str:
    """Return SQL rendering a number with one decimal as text."""
    return f"CAST(ROUND(CAST({expr} AS DOUBLE), 1) AS VARCHAR)"


def money(ctx: FeatureContext, expr: str) -> str:
    """Return SQL rendering an amount in the workspace currency, e.g. ``USD 4120``."""
    currency = ctx.settings.get_str("workspace.currency")
    return f"({lit(currency + ' ')} || {intstr(expr)})"


def customers(ctx: FeatureContext) -> str:
    """Return a subquery of every customer with its segment and acquisition date."""
    if "customers" in ctx.present:
        return "(SELECT customer_id, COALESCE(segment, '') AS segment, acquired_at FROM customers)"
    return (
        "(SELECT CAST(NULL AS VARCHAR) AS customer_id, '' AS segment,"
        " CAST(NULL AS TIMESTAMP) AS acquired_at WHERE 1 = 0)"
    )


def zero_if_absent(ctx: FeatureContext, table: str, sql: str, empty: str) -> str:
    """Return ``sql`` when ``table`` holds data, else ``empty`` (a query with the same columns)."""
    return sql if table in ctx.present else empty


def level_case(flag: str, watch: str) -> str:
    """Return a CASE giving ``flag``/``watch``/``none`` from two SQL conditions."""
    return f"CASE WHEN {flag} THEN 'flag' WHEN {watch} THEN 'watch' ELSE 'none' END"


EVENT = (
    ("customer_id", "VARCHAR"),
    ("source_table", "VARCHAR"),
    ("record_id", "VARCHAR"),
    ("event_at", "TIMESTAMP"),
)


def union(columns: tuple[tuple[str, str], ...], parts: list[str]) -> str:
    """Return ``parts`` joined by UNION ALL under a typed, empty header naming the columns.

    The header gives every column its name and type whichever parts are present, so a part
    may list bare expressions in the same order.
    """
    header = "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t in columns) + " WHERE 1 = 0"
    return "\nUNION ALL\n".join([header, *parts])


def count_of(expr: str, noun: str, plural: str | None = None) -> str:
    """Return SQL rendering ``expr`` with its noun, e.g. ``1 threat`` / ``3 threats``."""
    many = plural or noun + "s"
    return (
        f"(CAST({expr} AS VARCHAR) || CASE WHEN {expr} = 1 THEN {lit(' ' + noun)}"
        f" ELSE {lit(' ' + many)} END)"
    )


def join_parts(parts: list[tuple[str, str]], sep: str = "; ") -> str:
    """Return SQL joining the text of each ``(condition, text)`` part that holds with ``sep``.

    Parts whose condition is false are left out, so a sentence never says "0 disputes".
    """
    pieces = " || ".join(
        f"CASE WHEN {cond} THEN {lit(sep)} || {text} ELSE '' END" for cond, text in parts
    )
    return f"SUBSTRING({pieces}, {len(sep) + 1})"
