"""Contract validation as SQL over staged text columns, so the engine scans the rows.

A staged source is a relation with ``_row`` (the row number a person sees in the file, header =
row 1) and one VARCHAR column per contract column it provides. :func:`checked_sql` casts every
row to its stored types and flags, in the same scan, each row that breaks a rule;
:func:`problem_sql` lists every violation as ``(_row, column, value, rule)``. Both are built from
the same rules, so a file :func:`checked_sql` flags nothing in is a file :func:`problem_sql`
finds nothing in.
"""

from __future__ import annotations

from collections.abc import Callable

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
    """Return the SQL of a staged value, trimmed, with blanks read as missing.

    DuckDB's ``trim`` removes only space separators, and the only ASCII one is the space, so
    all-ASCII text without a space is returned as it is: most ids, codes and numbers skip the
    trim, which is half the cost of staging them.
    """
    c = q(column)
    return (
        f"CASE WHEN contains({c}, ' ') OR strlen({c}) <> length({c}) "
        f"THEN NULLIF(trim({c}), '') ELSE NULLIF({c}, '') END"
    )


def _in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


OFFSET = r"\d:\d{2}(:\d{2}(\.\d+)?)? ?([Zz]|[+-]\d{2}(:?\d{2})?)$"


def timestamp_sql(expr: str, cast: str = "CAST") -> str:
    """Cast ISO-8601 text (with or without time or zone) to a UTC timestamp.

    Only values that carry an offset go through the (slower) time-zone-aware cast. Rules that
    compare dates pass ``cast="TRY_CAST"``: the engine may evaluate a comparison before the
    format test beside it, and a malformed date must be reported, not raise.
    """
    return (
        f"CASE WHEN regexp_matches({expr}, {lit(OFFSET)}) "
        f"THEN CAST({cast}({_zone_normal(expr)} AS TIMESTAMPTZ) AS TIMESTAMP) "
        f"ELSE {cast}({expr} AS TIMESTAMP) END"
    )


def _zone_normal(expr: str) -> str:
    """Return ``expr`` with its zone written as DuckDB's zone-aware cast reads it.

    The contract accepts a space before the zone and a lower-case ``z``; DuckDB's TIMESTAMPTZ
    cast refuses both (and the plain cast would silently drop the offset), so ``z``/``Z``
    becomes ``+00:00`` and the space goes.
    """
    utc = f"regexp_replace({expr}, {lit(' ?[Zz]$')}, '+00:00')"
    return f"regexp_replace({utc}, {lit(r' ([+-][0-9]{2}(:?[0-9]{2})?)$')}, {lit(chr(92) + '1')})"


def _is_timestamp(expr: str) -> str:
    return (
        f"regexp_full_match({expr}, {lit(ISO_TIMESTAMP)}) "
        f"AND ({timestamp_sql(expr, 'TRY_CAST')}) IS NOT NULL"
    )


def _format_check(col: Column, v: str) -> tuple[str, str] | None:
    """Return the ``(condition, rule)`` marking a non-missing text value ``v`` as malformed."""
    if col.kind is Kind.TIMESTAMP:
        return (
            f"NOT ({_is_timestamp(v)})",
            "not an ISO-8601 date (YYYY-MM-DD, optionally with time and zone)",
        )
    if col.kind in (Kind.MONEY, Kind.NUMBER):
        return f"NOT regexp_full_match({v}, {lit(NUMBER)})", "not a number"
    if col.kind is Kind.INT:
        return f"NOT regexp_full_match({v}, {lit(INTEGER)})", "not a whole number"
    if col.kind is Kind.BOOL:
        words = TRUE_WORDS + FALSE_WORDS
        return f"lower({v}) NOT IN {_in_list(words)}", "not a boolean (true/false/yes/no/1/0)"
    if col.kind is Kind.ENUM:
        return f"lower({v}) NOT IN {_in_list(col.values)}", f"not one of {', '.join(col.values)}"
    if col.kind is Kind.ENUM_LIST:
        return (
            f"len(list_filter(string_split(lower({v}), ';'), "
            f"lambda x: trim(x) <> '' AND trim(x) NOT IN {_in_list(col.values)})) > 0",
            f"each ';'-separated value must be one of {', '.join(col.values)}",
        )
    return None


def _range_checks(col: Column, num: str) -> list[tuple[str, str]]:
    """Return the ``(condition, rule)`` pairs a numeric value ``num`` of ``col`` must pass."""
    checks: list[tuple[str, str]] = []
    if col.nonnegative:
        checks.append((f"{num} < 0", "must not be negative"))
    if col.minimum is not None:
        checks.append((f"{num} < {col.minimum}", f"must be at least {col.minimum:g}"))
    if col.maximum is not None:
        checks.append((f"{num} > {col.maximum}", f"must be at most {col.maximum:g}"))
    return checks


def _checks(col: Column, v: str) -> list[tuple[str, str]]:
    """Return ``(condition, rule)`` pairs that mark a non-missing text value ``v`` as bad.

    A range rule only speaks for a well-formed number, so a malformed one gets one message.
    """
    fmt = _format_check(col, v)
    checks = [fmt] if fmt else []
    if col.kind in (Kind.MONEY, Kind.NUMBER, Kind.INT):
        pattern = INTEGER if col.kind is Kind.INT else NUMBER
        as_num = f"(CASE WHEN regexp_full_match({v}, {lit(pattern)}) THEN CAST({v} AS DOUBLE) END)"
        checks.extend(_range_checks(col, as_num))
    return checks


def _bad_value(col: Column, v: str, typed: bool) -> str | None:
    """Return one condition true exactly when some rule of :func:`_checks` fails for ``v``.

    The format test runs once per value: past it, ``TRY_CAST`` equals the guarded cast that
    the range rules of :func:`_checks` use.
    """
    if typed:
        conditions = [c for c, _ in _range_checks(col, v)]
    else:
        fmt = _format_check(col, v)
        conditions = [fmt[0]] if fmt else []
        if col.kind in (Kind.MONEY, Kind.NUMBER, Kind.INT):
            conditions += [c for c, _ in _range_checks(col, f"TRY_CAST({v} AS DOUBLE)")]
    if not conditions:
        return None
    return f"{v} IS NOT NULL AND ({' OR '.join(conditions)})"


def value_sql(column: str, typed: bool) -> str:
    """Return a staged value with blanks read as missing (text) or as it is (typed)."""
    return q(column) if typed else norm(column)


def _row_checks(
    table: Table, columns: tuple[str, ...], typed: frozenset[str], value: Callable[[str], str]
) -> list[tuple[str, str, str]]:
    """Return ``(column, condition, rule)`` for every per-row rule of the provided columns.

    ``value`` gives the SQL of a column's value with blanks read as missing, so the same rules
    serve the locating query and the counting one.
    """
    checks: list[tuple[str, str, str]] = []
    for col in table.columns:
        if col.name not in columns:
            continue
        v = value(col.name)
        if col.required:
            checks.append((col.name, f"{v} IS NULL", "a value is required"))
        rules = _range_checks(col, v) if col.name in typed else _checks(col, v)
        for condition, rule in rules:
            checks.append((col.name, f"{v} IS NOT NULL AND ({condition})", rule))
    checks.extend(_order_checks(table, columns, typed, value))
    return checks


def _order_checks(
    table: Table, columns: tuple[str, ...], typed: frozenset[str], value: Callable[[str], str]
) -> list[tuple[str, str, str]]:
    """Return ``(column, condition, rule)`` for the date-order rules between provided columns."""
    checks: list[tuple[str, str, str]] = []
    for earlier, later in table.date_order:
        if earlier in columns and later in columns:
            a, b = value(earlier), value(later)
            valid = [_is_timestamp(x) for c, x in ((earlier, a), (later, b)) if c not in typed]
            cast_a = f"CAST({a} AS TIMESTAMP)" if earlier in typed else timestamp_sql(a, "TRY_CAST")
            cast_b = f"CAST({b} AS TIMESTAMP)" if later in typed else timestamp_sql(b, "TRY_CAST")
            checks.append(
                (
                    later,
                    " AND ".join([*valid, f"{cast_b} < {cast_a}"]),
                    f"must not be before {earlier}",
                )
            )
    return checks


def problem_sql(
    source: str, table: Table, columns: tuple[str, ...], typed: frozenset[str] = frozenset()
) -> str:
    """Return SQL listing every row-level violation in staged ``source`` as text columns.

    All per-value rules are checked in one scan; the list of what is wrong is only built for
    the rows that fail one. ``columns`` are the contract columns the source provides (a missing
    required column is a file-level problem, reported before this runs); ``typed`` those staged
    in a type that already fits (from Parquet), which skip the text-format checks.
    """
    checks = _row_checks(table, columns, typed, lambda c: value_sql(c, c in typed))
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


def _stored_sql(col: Column, v: str) -> str:
    """Return the SQL that casts a well-formed normalised text value ``v`` to its storage type."""
    if col.kind in (Kind.ID, Kind.TEXT):
        expr = v
    elif col.kind is Kind.TIMESTAMP:
        expr = timestamp_sql(v)
    elif col.kind is Kind.MONEY:
        expr = f"CAST(round(CAST({v} AS DOUBLE), 2) AS DECIMAL(18,2))"
    elif col.kind is Kind.NUMBER:
        expr = f"CAST({v} AS DOUBLE)"
    elif col.kind is Kind.INT:
        expr = f"CAST(CAST({v} AS DOUBLE) AS BIGINT)"
    elif col.kind is Kind.BOOL:
        expr = (
            f"CASE WHEN lower({v}) IN {_in_list(TRUE_WORDS)} THEN TRUE "
            f"WHEN lower({v}) IN {_in_list(FALSE_WORDS)} THEN FALSE ELSE {_default(col)} END"
        )
    elif col.kind is Kind.ENUM:
        expr = f"lower({v})"
    else:
        expr = (
            f"NULLIF(array_to_string(list_filter(list_transform(string_split(lower({v}), ';'), "
            f"lambda x: trim(x)), lambda x: x <> ''), ';'), '')"
        )
    return f"CAST({expr} AS {col.storage_type})"


def _default(col: Column) -> str:
    if col.default is not None and col.kind is Kind.BOOL:
        return "TRUE" if col.default == "true" else "FALSE"
    return "NULL"


def checked_sql(
    source: str,
    table: Table,
    columns: tuple[str, ...],
    typed: frozenset[str] = frozenset(),
    known_customers: str | None = None,
) -> str:
    """Return SQL yielding every row of staged ``source`` as stored, plus a ``_breach`` flag.

    ``_breach`` is true exactly when :func:`problem_sql` (or, with ``known_customers``, a
    table of the customer ids this import may reference, the reference check) would list the
    row. Each staged value is trimmed once and feeds both the rules and the cast, so a writer
    can check and convert in the same scan and only locate problems when a row is flagged.
    """
    provided = [table.column(c) for c in columns]
    inner = ["_extra"]
    for col in provided:
        name = q(col.name)
        if col.name in typed:
            inner.append(name)
        elif col.kind is Kind.TEXT:
            inner.append(f"NULLIF({name}, '') AS {name}")
        else:
            inner.append(f"{norm(col.name)} AS {name}")
    flags: list[str] = []
    for col in provided:
        v = f"s.{q(col.name)}"
        if col.required:
            flags.append(f"{norm(v) if col.kind is Kind.TEXT else v} IS NULL")
        bad = _bad_value(col, v, col.name in typed)
        if bad:
            flags.append(bad)
        if col.references == "customers" and known_customers:
            known = f"SELECT 1 FROM {known_customers} k WHERE k.id = {v}"
            flags.append(f"{v} IS NOT NULL AND NOT EXISTS ({known})")
    flags += [c for _, c, _ in _order_checks(table, columns, typed, lambda c: f"s.{q(c)}")]
    outer = []
    for col in table.columns:
        if col.name not in columns:
            value = f"CAST({_default(col)} AS {col.storage_type})"
        elif col.name in typed:
            value = f"CAST(s.{q(col.name)} AS {col.storage_type})"
        else:
            value = _stored_sql(col, f"s.{q(col.name)}")
        outer.append(f"{value} AS {q(col.name)}")
    breach = " OR ".join(f"coalesce({f}, FALSE)" for f in flags) or "FALSE"
    return (
        f"SELECT {', '.join(outer)}, s._extra AS extra, ({breach}) AS _breach "
        f"FROM (SELECT {', '.join(inner)} FROM {source}) s"
    )
