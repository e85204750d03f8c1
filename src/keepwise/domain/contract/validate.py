"""Contract validation as SQL over staged text columns, so the engine scans the rows.

A staged source is a relation with ``_row`` (the row number a person sees in the file, header =
row 1) and one VARCHAR column per contract column it provides. :func:`problem_sql` returns one
query listing every violation as ``(_row, column, value, rule)``; :func:`typed_sql` the cast
rows once they pass.
"""

from __future__ import annotations

from keepwise.domain.contract.schema import Column, Kind, Table

ISO_TIMESTAMP = (
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?( ?(Z|z|[+-]\d{2}(:?\d{2})?))?$"
)
NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
INTEGER = r"^[+-]?\d+(\.0+)?$"
TRUE_WORDS = ("true", "yes", "1", "y", "t")
FALSE_WORDS = ("false", "no", "0", "n", "f")


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + value.replace("'", "''") + "'"


def norm(column: str) -> str:
    """Return the SQL of a staged value with blanks read as missing."""
    return f"NULLIF(trim({q(column)}), '')"


def _in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


OFFSET = r"\d:\d{2}(:\d{2}(\.\d+)?)? ?([Zz]|[+-]\d{2}(:?\d{2})?)$"


def timestamp_sql(expr: str) -> str:
    """Cast ISO-8601 text (with or without time or zone) to a UTC timestamp.

    Only values that carry an offset go through the (slower) time-zone-aware cast.
    """
    return (
        f"CASE WHEN regexp_matches({expr}, {lit(OFFSET)}) "
        f"THEN CAST(CAST({expr} AS TIMESTAMPTZ) AS TIMESTAMP) ELSE CAST({expr} AS TIMESTAMP) END"
    )


def _is_timestamp(expr: str) -> str:
    return (
        f"regexp_full_match({expr}, {lit(ISO_TIMESTAMP)}) "
        f"AND TRY_CAST({expr} AS TIMESTAMP) IS NOT NULL"
    )


def _checks(col: Column) -> list[tuple[str, str]]:
    """Return ``(condition, rule)`` pairs that mark a non-missing value ``v`` as bad."""
    v = norm(col.name)
    checks: list[tuple[str, str]] = []
    if col.kind is Kind.TIMESTAMP:
        checks.append(
            (
                f"NOT ({_is_timestamp(v)})",
                "not an ISO-8601 date (YYYY-MM-DD, optionally with time and zone)",
            )
        )
    elif col.kind in (Kind.MONEY, Kind.NUMBER):
        checks.append((f"NOT regexp_full_match({v}, {lit(NUMBER)})", "not a number"))
    elif col.kind is Kind.INT:
        checks.append((f"NOT regexp_full_match({v}, {lit(INTEGER)})", "not a whole number"))
    elif col.kind is Kind.BOOL:
        words = TRUE_WORDS + FALSE_WORDS
        checks.append(
            (f"lower({v}) NOT IN {_in_list(words)}", "not a boolean (true/false/yes/no/1/0)")
        )
    elif col.kind is Kind.ENUM:
        checks.append(
            (f"lower({v}) NOT IN {_in_list(col.values)}", f"not one of {', '.join(col.values)}")
        )
    elif col.kind is Kind.ENUM_LIST:
        checks.append(
            (
                f"len(list_filter(string_split(lower({v}), ';'), "
                f"lambda x: trim(x) <> '' AND trim(x) NOT IN {_in_list(col.values)})) > 0",
                f"each ';'-separated value must be one of {', '.join(col.values)}",
            )
        )
    numeric = col.kind in (Kind.MONEY, Kind.NUMBER, Kind.INT)
    if numeric:
        pattern = INTEGER if col.kind is Kind.INT else NUMBER
        as_num = f"(CASE WHEN regexp_full_match({v}, {lit(pattern)}) THEN CAST({v} AS DOUBLE) END)"
        if col.nonnegative:
            checks.append((f"{as_num} < 0", "must not be negative"))
        if col.minimum is not None:
            checks.append((f"{as_num} < {col.minimum}", f"must be at least {col.minimum:g}"))
        if col.maximum is not None:
            checks.append((f"{as_num} > {col.maximum}", f"must be at most {col.maximum:g}"))
    return checks


def _typed_checks(col: Column) -> list[tuple[str, str]]:
    """Return the checks a value already stored in a fitting type still needs (ranges)."""
    v = q(col.name)
    checks: list[tuple[str, str]] = []
    if col.nonnegative:
        checks.append((f"{v} < 0", "must not be negative"))
    if col.minimum is not None:
        checks.append((f"{v} < {col.minimum}", f"must be at least {col.minimum:g}"))
    if col.maximum is not None:
        checks.append((f"{v} > {col.maximum}", f"must be at most {col.maximum:g}"))
    return checks


def value_sql(column: str, typed: bool) -> str:
    """Return a staged value with blanks read as missing (text) or as it is (typed)."""
    return q(column) if typed else norm(column)


def problem_sql(
    source: str, table: Table, columns: tuple[str, ...], typed: frozenset[str] = frozenset()
) -> str:
    """Return SQL listing every row-level violation in staged ``source`` as text columns.

    All per-value rules are checked in one scan; the list of what is wrong is only built for
    the rows that fail one. ``columns`` are the contract columns the source provides (a missing
    required column is a file-level problem, reported before this runs); ``typed`` those staged
    in a type that already fits (from Parquet), which skip the text-format checks.
    """
    checks: list[tuple[str, str, str]] = []
    for col in table.columns:
        if col.name not in columns:
            continue
        is_typed = col.name in typed
        v = value_sql(col.name, is_typed)
        if col.required:
            checks.append((col.name, f"{v} IS NULL", "a value is required"))
        for condition, rule in _typed_checks(col) if is_typed else _checks(col):
            checks.append((col.name, f"{v} IS NOT NULL AND ({condition})", rule))
    for earlier, later in table.date_order:
        if earlier in columns and later in columns:
            a, b = (value_sql(c, c in typed) for c in (earlier, later))
            valid = [_is_timestamp(x) for c, x in ((earlier, a), (later, b)) if c not in typed]
            cast_a = f"CAST({a} AS TIMESTAMP)" if earlier in typed else timestamp_sql(a)
            cast_b = f"CAST({b} AS TIMESTAMP)" if later in typed else timestamp_sql(b)
            checks.append(
                (
                    later,
                    " AND ".join([*valid, f"{cast_b} < {cast_a}"]),
                    f"must not be before {earlier}",
                )
            )
    parts: list[str] = []
    if checks:
        flags = [f"coalesce({cond}, FALSE)" for _, cond, _ in checks]
        structs = ", ".join(
            f"{{'col': {lit(col)}, 'value': CAST({q(col)} AS VARCHAR), 'rule': {lit(rule)}, "
            f"'bad': {flag}}}"
            for (col, _, rule), flag in zip(checks, flags, strict=True)
        )
        parts.append(
            "SELECT _row, p.col AS col, p.value AS value, p.rule AS rule FROM ("
            f"SELECT _row, unnest([{structs}]) AS p FROM {source} "
            f"WHERE {' OR '.join(flags)}) WHERE p.bad"
        )
    ident = table.id_column
    if ident in columns:
        rule = lit("duplicate id: the same id is on an earlier row of this file")
        parts.append(
            f"SELECT _row, {lit(ident)} AS col, v AS value, {rule} AS rule "
            f"FROM (SELECT _row, {norm(ident)} AS v, row_number() OVER "
            f"(PARTITION BY {norm(ident)} ORDER BY _row) AS rn FROM {source} "
            f"WHERE {norm(ident)} IN (SELECT {norm(ident)} FROM {source} "
            f"GROUP BY {norm(ident)} HAVING count(*) > 1)) WHERE rn > 1"
        )
    if not parts:
        return "SELECT NULL::BIGINT AS _row, NULL AS col, NULL AS value, NULL AS rule WHERE false"
    return "\nUNION ALL\n".join(parts)


def typed_expr(col: Column, present: bool, typed: bool = False) -> str:
    """Return the SQL that casts a validated staged value of ``col`` to its storage type."""
    if present and typed:
        return f"CAST({q(col.name)} AS {col.storage_type}) AS {q(col.name)}"
    if not present:
        default = "NULL"
        if col.default is not None and col.kind is Kind.BOOL:
            default = "TRUE" if col.default == "true" else "FALSE"
        return f"CAST({default} AS {col.storage_type}) AS {q(col.name)}"
    v = norm(col.name)
    if col.kind is Kind.ID:
        expr = v
    elif col.kind is Kind.TEXT:
        expr = f"NULLIF({q(col.name)}, '')"
    elif col.kind is Kind.TIMESTAMP:
        expr = timestamp_sql(v)
    elif col.kind is Kind.MONEY:
        expr = f"CAST(round(CAST({v} AS DOUBLE), 2) AS DECIMAL(18,2))"
    elif col.kind is Kind.NUMBER:
        expr = f"CAST({v} AS DOUBLE)"
    elif col.kind is Kind.INT:
        expr = f"CAST(CAST({v} AS DOUBLE) AS BIGINT)"
    elif col.kind is Kind.BOOL:
        default = "NULL"
        if col.default is not None:
            default = "TRUE" if col.default == "true" else "FALSE"
        expr = (
            f"CASE WHEN lower({v}) IN {_in_list(TRUE_WORDS)} THEN TRUE "
            f"WHEN lower({v}) IN {_in_list(FALSE_WORDS)} THEN FALSE ELSE {default} END"
        )
    elif col.kind is Kind.ENUM:
        expr = f"lower({v})"
    else:
        expr = (
            f"NULLIF(array_to_string(list_filter(list_transform(string_split(lower({v}), ';'), "
            f"lambda x: trim(x)), lambda x: x <> ''), ';'), '')"
        )
    return f"CAST({expr} AS {col.storage_type}) AS {q(col.name)}"
