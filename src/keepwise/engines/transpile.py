"""Turn feature SQL written in the DuckDB dialect into Spark SQL with the same meaning.

Feature definitions exist once, in DuckDB's dialect (DESIGN.md §10). SQLGlot translates the
syntax; the few places where the two engines give the *same syntax a different meaning* are
fixed here by a short, documented list of rewrites on the parsed tree, so no feature ever needs
a second hand-written copy:

``date_diff('day'|'week'|'month'|..., a, b)``
    DuckDB counts calendar boundaries crossed (23:00 → 01:00 next day is one day); Spark's
    ``DATEDIFF(DAY, a, b)`` counts whole 24-hour spans (zero). Rewritten to boundary arithmetic
    on dates, months and truncated timestamps, returning BIGINT like DuckDB.
``date_sub('unit', a, b)``
    DuckDB's "whole units elapsed" difference is Spark's ``TIMESTAMPDIFF(unit, a, b)``.
``a / b``
    DuckDB divides in DOUBLE whatever the operand types; Spark divides two DECIMALs in DECIMAL
    with at most 6 digits after the point, so a small share (``1 / 80000``) loses most of its
    digits. Rewritten to ``CAST(a AS DOUBLE) / b``. (``a // b`` stays integer division.)
``log(x)``
    is the base-10 logarithm in DuckDB and the natural one in Spark; rewritten to ``LOG(10, x)``.
``strlen(s)``
    (bytes of the UTF-8 text) does not exist in Spark; rewritten to ``OCTET_LENGTH(s)``.
``quantile_cont(x, q)``
    SQLGlot emits ``PERCENTILE_CONT(x, q)``, which Spark rejects; rewritten to Spark's exact
    ``PERCENTILE(x, q)`` (same linear interpolation). ``quantile_disc`` / ``quantile`` become
    ``PERCENTILE_DISC(q) WITHIN GROUP (ORDER BY x)``.

Nested ``WITH`` clauses are hoisted to the top by SQLGlot for Spark; CTEs are renamed first so
that two subqueries each defining ``m`` stay two different tables.

What cannot be given the same meaning is refused with :class:`TranspileError`, naming the
construct, rather than silently computing something else: DuckDB list and struct functions,
``epoch()``, ``age()``, macros.

One difference no rewrite can hide: DuckDB 2.0 divides by zero to ``inf`` (IEEE), Spark (with
ANSI mode off, as :mod:`keepwise.engines.spark` runs it) to ``NULL``. Feature SQL therefore
guards every denominator with ``NULLIF(x, 0)``, which means "no data" on both engines.
"""

from __future__ import annotations

from functools import lru_cache
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from keepwise.errors import KeepwiseError

READ = "duckdb"
WRITE = "spark"

_DUCKDB_ONLY_FUNCTIONS = frozenset(
    {
        "age",
        "epoch",
        "epoch_ms",
        "epoch_us",
        "epoch_ns",
        "struct_pack",
        "struct_extract",
        "list_value",
        "list_aggregate",
        "list_transform",
        "list_filter",
        "list_sort",
        "list_distinct",
        "list_unique",
        "list_has",
        "list_contains",
        "list_extract",
        "string_split",
        "str_split",
        "unnest",
        "json_extract_string",
        "regexp_extract_all",
    }
)
_DUCKDB_ONLY_NODES: tuple[tuple[type[exp.Expression], str], ...] = (
    (exp.Struct, "struct_pack / struct literal"),
    (exp.TimeToUnix, "epoch()"),
    (exp.Unnest, "unnest()"),
)


class TranspileError(KeepwiseError, ValueError):
    """Feature SQL that cannot be run on Spark with the meaning it has on DuckDB."""

    def __init__(self, problems: list[str], sql: str):
        self.problems = problems
        self.sql = sql
        listed = "; ".join(problems)
        super().__init__(f"SQL is not portable from DuckDB to Spark: {listed}\n--- SQL:\n{sql}")


def portability_problems(sql: str) -> list[str]:
    """Return the DuckDB-only constructs in ``sql`` that no rewrite can carry to Spark.

    Parameters
    ----------
    sql
        One statement in the DuckDB dialect.

    Returns
    -------
    list of str
        One line per offending construct; empty when the SQL is portable.
    """
    try:
        tree = _parse(sql, read=READ)
    except ParseError as exc:
        return [f"does not parse as DuckDB SQL: {exc}"]
    return _problems(tree)


def _parse(sql: str, read: str) -> exp.Expression:
    return cast(exp.Expression, sqlglot.parse_one(sql, read=read))


def _problems(tree: exp.Expression) -> list[str]:
    problems: list[str] = []
    for node in tree.walk():
        if isinstance(node, exp.Anonymous) and str(node.this).lower() in _DUCKDB_ONLY_FUNCTIONS:
            if str(node.this).lower() != "date_sub" or not _is_unit_date_sub(node):
                problems.append(f"DuckDB-only function {node.this}()")
        elif isinstance(node, exp.Func) and node.sql_name().lower() in _DUCKDB_ONLY_FUNCTIONS:
            problems.append(f"DuckDB-only function {node.sql_name().lower()}()")
        elif isinstance(node, exp.Array | exp.List):
            problems.append("DuckDB list value")
        elif isinstance(node, exp.Lambda):
            problems.append("lambda expression")
        else:
            for kind, label in _DUCKDB_ONLY_NODES:
                if isinstance(node, kind):
                    problems.append(f"DuckDB-only construct {label}")
    return sorted(set(problems))


def _is_unit_date_sub(node: exp.Anonymous) -> bool:
    args = node.expressions
    return len(args) == 3 and isinstance(args[0], exp.Literal) and args[0].is_string


def _boundary_diff(unit: str, start: exp.Expression, end: exp.Expression) -> exp.Expression:
    """Return Spark SQL counting ``unit`` boundaries between ``start`` and ``end`` (DuckDB)."""
    a, b = _spark(start), _spark(end)
    unit = unit.lower().rstrip("s")
    day = f"DATEDIFF(CAST({b} AS DATE), CAST({a} AS DATE))"
    months = f"((YEAR({b}) - YEAR({a})) * 12 + MONTH({b}) - MONTH({a}))"
    seconds = {"hour": 3600, "minute": 60, "second": 1}
    if unit == "day":
        body = day
    elif unit == "week":
        body = f"({day} DIV 7)"
    elif unit == "month":
        body = months
    elif unit == "quarter":
        body = f"((YEAR({b}) - YEAR({a})) * 4 + QUARTER({b}) - QUARTER({a}))"
    elif unit == "year":
        body = f"(YEAR({b}) - YEAR({a}))"
    elif unit in seconds:
        trunc = unit.upper()
        body = (
            f"((UNIX_SECONDS(DATE_TRUNC('{trunc}', CAST({b} AS TIMESTAMP))) - "
            f"UNIX_SECONDS(DATE_TRUNC('{trunc}', CAST({a} AS TIMESTAMP)))) DIV {seconds[unit]})"
        )
    else:
        raise TranspileError([f"date_diff unit {unit!r} has no Spark rewrite"], "")
    return _parse(f"CAST({body} AS BIGINT)", read=WRITE)


def _spark(node: exp.Expression) -> str:
    """Return ``node`` as Spark SQL, its own subexpressions rewritten first."""
    return node.transform(_rewrite).sql(WRITE)


def _unit_name(unit: exp.Expression | None) -> str:
    if unit is None:
        return "day"
    if isinstance(unit, exp.Literal | exp.Var):
        return str(unit.this)
    return unit.sql()


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)  # [NOT] MATERIALIZED: DuckDB hints Spark has no syntax for
        return node
    if isinstance(node, exp.DateDiff):
        return _boundary_diff(_unit_name(node.args.get("unit")), node.expression, node.this)
    if (
        isinstance(node, exp.Anonymous)
        and str(node.this).lower() in {"date_sub", "datesub"}
        and _is_unit_date_sub(node)
    ):
        unit, start, end = node.expressions
        return _parse(
            f"CAST(TIMESTAMPDIFF({unit.this.upper()}, {_spark(start)}, {_spark(end)}) AS BIGINT)",
            read=WRITE,
        )
    if isinstance(node, exp.Div):
        numerator = exp.cast(node.this.transform(_rewrite), exp.DataType.Type.DOUBLE)
        return exp.Div(this=numerator, expression=node.expression.transform(_rewrite))
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "strlen":
        return exp.Anonymous(this="OCTET_LENGTH", expressions=node.expressions)
    if isinstance(node, exp.Log) and node.args.get("expression") is None:
        return exp.Anonymous(this="LOG", expressions=[exp.Literal.number(10), node.this])
    if isinstance(node, exp.PercentileCont) and node.args.get("expression") is not None:
        return exp.Anonymous(this="PERCENTILE", expressions=[node.this, node.expression])
    if isinstance(node, exp.PercentileDisc | exp.Quantile):
        fraction = node.args.get("expression") or node.args.get("quantile")
        if fraction is not None:
            return exp.WithinGroup(
                this=exp.Anonymous(this="PERCENTILE_DISC", expressions=[fraction]),
                expression=exp.Order(expressions=[exp.Ordered(this=node.this.transform(_rewrite))]),
            )
    return node


def _defines(query: exp.Expr, name: str) -> bool:
    with_ = query.args.get("with_") or query.args.get("with")
    return isinstance(with_, exp.With) and any(
        cte.alias_or_name == name for cte in with_.expressions
    )


def _rename_tables(scope: exp.Expr, old: str, new: str) -> None:
    """Point every reference to table ``old`` inside ``scope`` at ``new``, keeping its alias.

    References inside a subquery that defines its own ``old`` are left alone; the old name
    stays as the alias, so qualified columns (``m.customer_id``) still resolve.
    """
    for table in list(scope.find_all(exp.Table)):
        if table.name != old or table.args.get("db"):
            continue
        node, shadowed = table.parent, False
        while node is not None and node is not scope:
            if _defines(node, old):
                shadowed = True
                break
            node = node.parent
        if shadowed:
            continue
        if not table.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(old)))
        table.set("this", exp.to_identifier(new))


def _unique_ctes(tree: exp.Expression) -> exp.Expression:
    """Give every CTE a name used once in the statement, keeping what each reference means.

    SQLGlot moves nested ``WITH`` clauses to the top for Spark; two subqueries that each
    define a CTE ``m`` would then collide (Spark refuses duplicate names, and a silent merge
    would read the wrong one).
    """
    taken: set[str] = set()
    for with_ in list(tree.find_all(exp.With)):
        scope = with_.parent
        if scope is None:
            continue
        for cte in with_.expressions:
            old = cte.alias_or_name
            new, k = old, 1
            while new in taken:
                k += 1
                new = f"{old}__{k}"
            taken.add(new)
            if new == old:
                continue
            _rename_tables(scope, old, new)
            cte.set("alias", exp.TableAlias(this=exp.to_identifier(new)))
    return tree


MATERIALIZED_PREFIX = "kw_materialized_"
"""Name prefix of the tables :func:`split_materialized` turns materialised CTEs into."""

CTE_PREFIX = "kw_cte_"
"""Name prefix of the views :func:`split_materialized` turns the plain CTEs beside them into."""


@lru_cache(maxsize=256)
def split_materialized(sql: str) -> tuple[tuple[tuple[str, str, bool], ...], str]:
    """Split the top-level CTEs off a DuckDB-dialect statement that has a ``MATERIALIZED`` one.

    Spark inlines a CTE into every place that reads it, so a CTE read twice is computed
    twice; an engine that can cache a result runs each materialised one once instead. The
    plain CTEs beside them are split off too, as views: Spark 4 stops using a cached table
    for a statement with a ``WITH`` clause of its own when the cached query had one inside
    (the signals query then computed its levels three times).

    Returns
    -------
    tuple
        ``((table, select, cache), ...)`` in order, each ``select`` a standalone DuckDB-dialect
        query for one CTE reading the earlier ones as tables, to be stored as ``table`` (and
        cached when ``cache``, i.e. the CTE was materialised) before the next one; and the
        statement reading those tables in place of the CTEs, with no ``WITH`` clause of its
        own. Without a materialised CTE: ``((), sql)``.
    """
    if "materialized" not in sql.lower():
        return (), sql
    tree = _parse(sql, read=READ)
    with_ = tree.args.get("with_") or tree.args.get("with")
    if not isinstance(with_, exp.With) or not any(
        cte.args.get("materialized") for cte in with_.expressions
    ):
        return (), sql
    steps: list[tuple[str, str, bool]] = []
    for cte in list(with_.expressions):
        name = cte.alias_or_name
        cache = bool(cte.args.get("materialized"))
        table = (MATERIALIZED_PREFIX if cache else CTE_PREFIX) + name
        select = exp.select("*").from_(exp.Subquery(this=cte.this.copy(), alias=name))
        steps.append((table, select.sql(dialect=READ), cache))
        cte.pop()
        _rename_tables(tree, name, table)
    with_.pop()
    return tuple(steps), tree.sql(dialect=READ)


@lru_cache(maxsize=1024)
def to_spark(sql: str) -> str:
    """Translate one DuckDB-dialect statement to Spark SQL with the same results.

    Parameters
    ----------
    sql
        A SELECT in the DuckDB dialect, as every feature is written.

    Returns
    -------
    str
        The statement in Spark SQL.

    Raises
    ------
    TranspileError
        When the statement uses a construct that means something else, or nothing, on Spark.
    """
    try:
        tree = _parse(sql, read=READ)
    except ParseError as exc:
        raise TranspileError([f"does not parse as DuckDB SQL: {exc}"], sql) from exc
    problems = _problems(tree)
    if problems:
        raise TranspileError(problems, sql)
    tree = _unique_ctes(tree.transform(_rewrite))
    return tree.sql(dialect=WRITE)
