"""Value features: revenue, cost of goods, itemised cost to serve, profit rank and churn state.

Each per-table feature reads one contract table once, grouped by customer, as of
``ctx.as_of``; ``value.customers`` joins them into one row per customer in a single query, so
DuckDB (or Spark, through SQLGlot) plans the whole value table at once. A table without rows
is absent from ``ctx.present``: the components that need it come out NULL ("no data"), never 0.
Formulas, rates and defaults are explained in ``docs/value.md``.
"""

from __future__ import annotations

from keepwise.domain.contract.schema import SURVEY_REASONS, TABLES
from keepwise.domain.features.registry import FeatureContext, feature
from keepwise.errors import SettingsError

COMPONENTS: tuple[str, ...] = (
    "support",
    "meetings",
    "collections",
    "returns",
    "bad_debt",
    "financing",
)
"""Cost-to-serve components, in display order; column ``cts_<name>`` holds each amount."""

COMPONENT_TABLE: dict[str, str] = {
    "support": "tickets",
    "meetings": "activities",
    "collections": "invoices",
    "returns": "returns",
    "bad_debt": "invoices",
    "financing": "invoices",
}
"""The contract table each component is computed from (its status is no_data without it)."""

Ctes = list[tuple[str, str]]


def _lit(text: str) -> str:
    """Return ``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _num(value: float) -> str:
    """Return a number as a SQL DOUBLE literal (never in exponent form)."""
    return f"CAST({float(value)!r} AS DOUBLE)"


def _days_before(ctx: FeatureContext, days: int) -> str:
    """Return the SQL timestamp ``days`` days before as_of."""
    return f"({ctx.as_of_sql} - INTERVAL '{int(days)}' DAY)"


def _in_window(ctx: FeatureContext, col: str) -> str:
    """Return a condition true when ``col`` lies in the value window (whole history by default)."""
    days = ctx.settings.get_int("value.window_days")
    if days <= 0:
        return "TRUE"
    return f"{col} > {_days_before(ctx, days)}"


def _agg(ctx: FeatureContext, func: str, expr: str, col: str | None, where: str = "") -> str:
    """Return the aggregate ``func(expr)`` over the rows inside the value window and ``where``.

    ``col`` is the event time the value window applies to (None: no window); conditions go
    into a ``FILTER`` clause, which DuckDB evaluates far faster than a ``CASE`` per row.
    """
    conds = [c for c in (_in_window(ctx, col) if col else "TRUE", where) if c and c != "TRUE"]
    condition = f" FILTER (WHERE {' AND '.join(conds)})" if conds else ""
    return f"{func}({expr}){condition}"


def revenue_source(ctx: FeatureContext) -> str | None:
    """Return the table revenue is read from (``orders`` or ``invoices``), or None: no data."""
    choice = ctx.settings.get_str("value.revenue_source")
    if choice not in ("auto", "orders", "invoices"):
        raise SettingsError(
            f"setting 'value.revenue_source' must be auto, orders or invoices, got {choice!r}"
        )
    if choice == "auto":
        for table in ("orders", "invoices"):
            if table in ctx.present:
                return table
        return None
    return choice if choice in ctx.present else None


def channel_rates(ctx: FeatureContext) -> dict[str, float]:
    """Parse ``value.support_hourly_cost_by_channel`` ('channel=rate' items) into a dict."""
    rates: dict[str, float] = {}
    raw = ctx.settings["value.support_hourly_cost_by_channel"]
    for item in raw if isinstance(raw, list) else []:
        name, sep, rate = item.partition("=")
        try:
            value = float(rate)
        except ValueError:
            value = -1.0
        if not sep or not name.strip() or value < 0:
            raise SettingsError(
                "setting 'value.support_hourly_cost_by_channel' items must look like "
                f"'chat=20', got {item!r}"
            )
        rates[name.strip().lower()] = value
    return rates


def _customers_cte(ctx: FeatureContext) -> Ctes:
    """Return the customer universe: every customer acquired by as_of, with contract facts."""
    asof = ctx.as_of_sql
    if "customers" in ctx.present:
        sql = f"""
SELECT customer_id, acquired_at,
  CASE WHEN ended_at <= {asof} THEN ended_at END AS ended_at,
  CASE WHEN ended_at <= {asof} THEN end_reason END AS end_reason,
  CASE WHEN annual_contract_value IS NOT NULL OR ended_at IS NOT NULL
    THEN TRUE ELSE FALSE END AS is_contract
FROM customers WHERE acquired_at <= {asof}"""
        return [("kw_cust", sql)]
    parts = []
    for table, spec in TABLES.items():
        if table in ctx.present and table != "customers":
            col = spec.event_time
            parts.append(
                f'SELECT customer_id, "{col}" AS seen_at FROM {table} '
                f'WHERE customer_id IS NOT NULL AND "{col}" <= {asof}'
            )
    body = " UNION ALL ".join(parts) or (
        "SELECT CAST(NULL AS VARCHAR) AS customer_id, "
        "CAST(NULL AS TIMESTAMP) AS seen_at WHERE FALSE"
    )
    sql = f"""
SELECT customer_id, MIN(seen_at) AS acquired_at, CAST(NULL AS TIMESTAMP) AS ended_at,
  CAST(NULL AS VARCHAR) AS end_reason, FALSE AS is_contract
FROM ({body}) u GROUP BY customer_id"""
    return [("kw_cust", sql)]


def _cogs(ctx: FeatureContext, amount: str, cost: str) -> str:
    """Return one sale's cost of goods: its cost, else amount × default rate (NULL at rate 0)."""
    rate = ctx.settings.get_float("value.default_cogs_rate")
    return f"COALESCE({cost}, {amount} * {_num(rate)})" if rate else cost


def _sales_ctes(ctx: FeatureContext) -> Ctes:
    """Return the sales CTEs: per-customer sums, activity end date, last-active-year sums.

    ``kw_sales`` reads the sales table once, grouped by customer with no join: every sum
    that depends only on as_of is a filtered aggregate of that one pass. Revenue in the 12
    months up to the customer's own last activity needs that date first, so ``kw_sales_la``
    reads the sales rows a second time, joined to the small per-customer ``kw_active``
    table on the window it gives.
    """
    source = revenue_source(ctx)
    if source is None:
        return []
    asof = ctx.as_of_sql
    if source == "orders":
        base = f"""
SELECT customer_id, ordered_at AS sold_at, CAST(amount AS DOUBLE) AS amount,
  CAST(cost AS DOUBLE) AS cost, CAST(discount AS DOUBLE) AS discount
FROM orders WHERE ordered_at <= {asof}"""
    else:
        base = f"""
SELECT customer_id, issued_at AS sold_at, CAST(amount AS DOUBLE) AS amount,
  CAST(NULL AS DOUBLE) AS cost, CAST(discount AS DOUBLE) AS discount
FROM invoices WHERE issued_at <= {asof} AND (status IS NULL OR status <> 'void')"""
    y1 = _days_before(ctx, 365)
    y2 = _days_before(ctx, 730)
    cogs = _cogs(ctx, "amount", "cost")
    last_12m = f"sold_at > {y1}"
    prev_12m = f"sold_at > {y2} AND sold_at <= {y1}"
    agg = f"""
SELECT customer_id,
  {_agg(ctx, "COUNT", "*", "sold_at")} AS orders,
  {_agg(ctx, "COUNT", "cost", "sold_at")} AS orders_with_cost,
  {_agg(ctx, "SUM", "amount", "sold_at")} AS order_amount,
  {_agg(ctx, "SUM", cogs, "sold_at")} AS cost_of_goods,
  {_agg(ctx, "SUM", "discount", "sold_at")} AS discounts,
  MAX(sold_at) AS last_order_at,
  {_agg(ctx, "SUM", "amount", None, last_12m)} AS amount_12m,
  {_agg(ctx, "SUM", cogs, None, last_12m)} AS cogs_12m,
  {_agg(ctx, "SUM", "amount", None, prev_12m)} AS amount_prev_12m
FROM ({base}
) s
GROUP BY customer_id"""
    active = """
SELECT c.customer_id, s.last_order_at,
  COALESCE(c.ended_at, s.last_order_at) AS active_until
FROM kw_cust c LEFT JOIN kw_sales s ON s.customer_id = c.customer_id"""
    last_active = f"""
SELECT s.customer_id,
  SUM(s.amount) AS amount_last_active_12m,
  SUM({_cogs(ctx, "s.amount", "s.cost")}) AS cogs_last_active_12m
FROM ({base}
) s JOIN kw_active a ON a.customer_id = s.customer_id
  AND s.sold_at > a.active_until - INTERVAL '365' DAY AND s.sold_at <= a.active_until
GROUP BY s.customer_id"""
    return [
        ("kw_sales", agg),
        ("kw_active", active),
        ("kw_sales_la", last_active),
    ]


def _returns_ctes(ctx: FeatureContext) -> Ctes:
    """Return per-customer returns: count, refunded amount, last-12-months and last-active sums."""
    if "returns" not in ctx.present:
        return []
    asof = ctx.as_of_sql
    y1 = _days_before(ctx, 365)
    y2 = _days_before(ctx, 730)
    amount = "CAST(r.amount AS DOUBLE)"
    if revenue_source(ctx) is not None:
        join = "LEFT JOIN kw_active a ON a.customer_id = r.customer_id"
        last_active = _agg(
            ctx,
            "SUM",
            amount,
            None,
            "r.returned_at > a.active_until - INTERVAL '365' DAY "
            "AND r.returned_at <= a.active_until",
        )
    else:
        join, last_active = "", "CAST(NULL AS DOUBLE)"
    sql = f"""
SELECT r.customer_id,
  {_agg(ctx, "COUNT", "*", "r.returned_at")} AS return_count,
  {_agg(ctx, "SUM", amount, "r.returned_at")} AS return_amount,
  {_agg(ctx, "SUM", amount, None, f"r.returned_at > {y1}")} AS return_12m,
  {_agg(ctx, "SUM", amount, None, f"r.returned_at > {y2} AND r.returned_at <= {y1}")}
    AS return_prev_12m,
  {last_active} AS return_last_active_12m
FROM returns r {join}
WHERE r.returned_at <= {asof}
GROUP BY r.customer_id"""
    return [("kw_returns", sql)]


def _support_ctes(ctx: FeatureContext) -> Ctes:
    """Return per-customer support load: tickets, staff hours and their cost by channel."""
    if "tickets" not in ctx.present:
        return []
    default_rate = ctx.settings.get_float("value.support_hourly_cost")
    assumed = _num(ctx.settings.get_float("value.default_ticket_minutes"))
    minutes = f"COALESCE(CAST(handle_minutes AS DOUBLE), {assumed})"
    whens = " ".join(
        f"WHEN {_lit(name)} THEN {_num(rate)}" for name, rate in channel_rates(ctx).items()
    )
    rate = (
        f"CASE LOWER(channel) {whens} ELSE {_num(default_rate)} END"
        if whens
        else _num(default_rate)
    )
    sql = f"""
SELECT customer_id,
  {_agg(ctx, "COUNT", "*", "opened_at")} AS tickets,
  {_agg(ctx, "COUNT", "*", "opened_at", "handle_minutes IS NULL")} AS tickets_minutes_assumed,
  {_agg(ctx, "SUM", minutes, "opened_at")} / 60.0 AS support_hours,
  {_agg(ctx, "SUM", f"{minutes} * {rate}", "opened_at")} / 60.0 AS cts_support
FROM tickets WHERE opened_at <= {ctx.as_of_sql}
GROUP BY customer_id"""
    return [("kw_support", sql)]


def _meetings_ctes(ctx: FeatureContext) -> Ctes:
    """Return per-customer staff time in meetings, onboarding and calls, and its cost."""
    if "activities" not in ctx.present:
        return []
    raw = ctx.settings["value.meeting_kinds"]
    kinds = [str(k) for k in raw] if isinstance(raw, list) else []
    kind_list = ", ".join(_lit(k) for k in kinds) or "NULL"
    assumed = _num(ctx.settings.get_float("value.default_meeting_minutes"))
    minutes = f"COALESCE(CAST(minutes AS DOUBLE), {assumed})"
    rate = _num(ctx.settings.get_float("value.meeting_hourly_cost"))
    at = '"at"'
    hours = f"{_agg(ctx, 'SUM', minutes, at)} / 60.0"
    sql = f"""
SELECT customer_id,
  {_agg(ctx, "COUNT", "*", at)} AS meetings,
  {hours} AS meeting_hours,
  {hours} * {rate} AS cts_meetings
FROM activities WHERE "at" <= {ctx.as_of_sql} AND kind IN ({kind_list})
GROUP BY customer_id"""
    return [("kw_meetings", sql)]


def _invoices_ctes(ctx: FeatureContext) -> Ctes:
    """Return per-customer collections, bad debt and financing cost of late payment.

    Each invoice's flags (paid by as_of, bad debt, void) are computed once in the inner
    queries and shared by the aggregates above them.
    """
    if "invoices" not in ctx.present:
        return []
    asof = ctx.as_of_sql
    bad_days = ctx.settings.get_int("value.bad_debt_overdue_days")
    per_day = _num(ctx.settings.get_float("value.cost_of_capital") / 365.0)
    money_days = """CASE
    WHEN bad THEN 0
    WHEN paid THEN amount * GREATEST(date_diff('day', due_at, paid_at), 0)
    WHEN paid_undated THEN 0
    ELSE GREATEST(outstanding, 0) * GREATEST(overdue_days, 0) END"""
    total_money_days = _agg(ctx, "SUM", money_days, "issued_at", "valid")
    sql = f"""
SELECT customer_id,
  {_agg(ctx, "COUNT", "*", "issued_at", "valid")} AS invoices,
  {_agg(ctx, "SUM", "collection_touches", "issued_at")} AS collection_touches,
  COUNT(collection_touches) AS touches_known,
  {_agg(ctx, "COUNT", "*", "issued_at", "valid AND bad")} AS bad_debt_invoices,
  {_agg(ctx, "SUM", "GREATEST(outstanding, 0)", "issued_at", "valid AND bad")} AS cts_bad_debt,
  {total_money_days} AS money_days,
  {total_money_days} * {per_day} AS cts_financing
FROM (
  SELECT *, status = 'written_off'
    OR (NOT paid AND NOT paid_undated AND overdue_days >= {bad_days}) AS bad
  FROM (
    SELECT customer_id, issued_at, due_at, paid_at, collection_touches,
      CAST(amount AS DOUBLE) AS amount,
      CAST(amount AS DOUBLE) - COALESCE(CAST(amount_paid AS DOUBLE), 0) AS outstanding,
      date_diff('day', due_at, {asof}) AS overdue_days,
      COALESCE(paid_at <= {asof}, FALSE) AS paid,
      (status = 'paid' AND paid_at IS NULL) AS paid_undated,
      (status IS NULL OR status <> 'void') AS valid,
      status
    FROM invoices WHERE issued_at <= {asof}
  ) flags
) i
GROUP BY customer_id"""
    return [("kw_invoices", sql)]


SHARED_CTES = frozenset({"kw_sales", "kw_active"})
"""CTEs that several parts of the value query read: marked ``MATERIALIZED`` so each is
computed once. DuckDB does that anyway; Spark would compute them again for every reader
(the value query on Spark: 7.7 s → 6.3 s at 100k customers, 48–59 s → 41–44 s at 1M; the
same on DuckDB)."""


def _with(ctes: Ctes, select: str) -> str:
    """Return ``WITH ctes select``; CTEs keep their first definition and their order."""
    seen: dict[str, str] = {}
    for name, sql in ctes:
        seen.setdefault(name, sql)
    if not seen:
        return select
    body = ",\n".join(
        f"{name} AS {'MATERIALIZED ' if name in SHARED_CTES else ''}({sql}\n)"
        for name, sql in seen.items()
    )
    return f"WITH {body}\n{select}"


@feature("value.sales", ("orders", "invoices", "customers"))
def sales_sql(ctx: FeatureContext) -> str:
    """Per customer: orders, amounts, known and estimated cost of goods, discounts, last sale."""
    ctes = _customers_cte(ctx) + _sales_ctes(ctx)
    if len(ctes) == 1:
        return "SELECT CAST(NULL AS VARCHAR) AS customer_id WHERE FALSE"
    return _with(
        ctes,
        "SELECT s.*, a.active_until, la.amount_last_active_12m, la.cogs_last_active_12m "
        "FROM kw_sales s JOIN kw_active a ON a.customer_id = s.customer_id "
        "LEFT JOIN kw_sales_la la ON la.customer_id = s.customer_id",
    )


@feature("value.returns", ("returns", "orders", "invoices", "customers"))
def returns_sql(ctx: FeatureContext) -> str:
    """Per customer: returns handled and the amounts refunded."""
    ctes = _customers_cte(ctx) + _sales_ctes(ctx) + _returns_ctes(ctx)
    if "returns" not in ctx.present:
        return "SELECT CAST(NULL AS VARCHAR) AS customer_id WHERE FALSE"
    return _with(ctes, "SELECT * FROM kw_returns")


@feature("value.support", ("tickets",))
def support_sql(ctx: FeatureContext) -> str:
    """Per customer: tickets, support hours (default minutes where missing) and their cost."""
    ctes = _support_ctes(ctx)
    if not ctes:
        return "SELECT CAST(NULL AS VARCHAR) AS customer_id WHERE FALSE"
    return _with(ctes, "SELECT * FROM kw_support")


@feature("value.meetings", ("activities",))
def meetings_sql(ctx: FeatureContext) -> str:
    """Per customer: meetings, onboarding and calls, their hours and cost."""
    ctes = _meetings_ctes(ctx)
    if not ctes:
        return "SELECT CAST(NULL AS VARCHAR) AS customer_id WHERE FALSE"
    return _with(ctes, "SELECT * FROM kw_meetings")


@feature("value.invoices", ("invoices",))
def invoices_sql(ctx: FeatureContext) -> str:
    """Per customer: collection touches, bad debt and the financing cost of paying late."""
    ctes = _invoices_ctes(ctx)
    if not ctes:
        return "SELECT CAST(NULL AS VARCHAR) AS customer_id WHERE FALSE"
    return _with(ctes, "SELECT * FROM kw_invoices")


def _opt(present: bool, expr: str, sql_type: str = "DOUBLE") -> str:
    """Return ``expr`` when its table has data, else a typed NULL (no data)."""
    return expr if present else f"CAST(NULL AS {sql_type})"


def _count(present: bool, expr: str) -> str:
    """Return a per-customer count (0 for customers without rows), NULL without the table."""
    return _opt(present, f"CAST(COALESCE({expr}, 0) AS BIGINT)", "BIGINT")


@feature(
    "value.customers",
    ("customers", "orders", "returns", "invoices", "tickets", "activities"),
)
def customers_sql(ctx: FeatureContext) -> str:
    """One row per customer: revenue, margin, each cost-to-serve component, profit and rank.

    Also the churn state from contracts (``ended_at``) and the inactivity rule, which
    :func:`keepwise.domain.value.compute_value` may refine with P(alive). Rows come in no
    set order: sorting a million wide rows costs more than the rest of the query's joins,
    and :func:`~keepwise.domain.value.compute_value` puts them in rank order for free when
    the engine already returns them so (DuckDB does, straight from the ranking window).
    """
    p = ctx.present
    source = revenue_source(ctx)
    has_sales, has_ret, has_inv = source is not None, "returns" in p, "invoices" in p
    has_touch = has_inv
    ctes = (
        _customers_cte(ctx)
        + _sales_ctes(ctx)
        + _returns_ctes(ctx)
        + _support_ctes(ctx)
        + _meetings_ctes(ctx)
        + _invoices_ctes(ctx)
    )
    touch_cost = _num(ctx.settings.get_float("value.collection_touch_cost"))
    return_cost = _num(ctx.settings.get_float("value.return_handling_cost"))
    ret = "COALESCE(r.return_amount, 0)" if has_ret else "0"
    ret12 = "COALESCE(r.return_12m, 0)" if has_ret else "0"
    retp = "COALESCE(r.return_prev_12m, 0)" if has_ret else "0"
    retla = "COALESCE(r.return_last_active_12m, 0)" if has_ret else "0"
    cts = {
        "support": _opt("tickets" in p, "COALESCE(t.cts_support, 0)"),
        "meetings": _opt("activities" in p, "COALESCE(m.cts_meetings, 0)"),
        "collections": _opt(has_touch, f"COALESCE(i.collection_touches, 0) * {touch_cost}"),
        "returns": _opt(has_ret, f"COALESCE(r.return_count, 0) * {return_cost}"),
        "bad_debt": _opt(has_inv, "COALESCE(i.cts_bad_debt, 0)"),
        "financing": _opt(has_inv, "COALESCE(i.cts_financing, 0)"),
    }
    known = [expr for expr in cts.values() if not expr.startswith("CAST(NULL")]
    cost_to_serve = " + ".join(known) if known else "CAST(NULL AS DOUBLE)"
    joins = []
    if has_sales:
        joins += [
            "LEFT JOIN kw_sales s ON s.customer_id = c.customer_id",
            "LEFT JOIN kw_sales_la la ON la.customer_id = c.customer_id",
        ]
    for present, cte, alias in (
        (has_ret, "kw_returns", "r"),
        ("tickets" in p, "kw_support", "t"),
        ("activities" in p, "kw_meetings", "m"),
        (has_inv, "kw_invoices", "i"),
    ):
        if present:
            joins.append(f"LEFT JOIN {cte} {alias} ON {alias}.customer_id = c.customer_id")
    n_days = ctx.settings.get_int("value.churn_inactivity_days")
    last_seen = "COALESCE(s.last_order_at, c.acquired_at)" if has_sales else "c.acquired_at"
    lapse = f"{last_seen} + INTERVAL '{n_days}' DAY"
    if has_sales:
        churned = f"""CASE WHEN c.ended_at IS NOT NULL THEN TRUE
    WHEN c.is_contract THEN FALSE
    WHEN {lapse} <= {ctx.as_of_sql} THEN TRUE ELSE FALSE END"""
        churned_at = f"""CASE WHEN c.ended_at IS NOT NULL THEN c.ended_at
    WHEN c.is_contract THEN CAST(NULL AS TIMESTAMP)
    WHEN {lapse} <= {ctx.as_of_sql} THEN {lapse} END"""
        basis = "CASE WHEN c.is_contract THEN 'contract' ELSE 'inactivity' END"
    else:
        churned = "CASE WHEN c.ended_at IS NOT NULL THEN TRUE WHEN c.is_contract THEN FALSE END"
        churned_at = "c.ended_at"
        basis = "CASE WHEN c.is_contract THEN 'contract' ELSE 'no_data' END"
    d = "DOUBLE"
    tk, ac = "tickets" in p, "activities" in p
    la_rev = f"COALESCE(la.amount_last_active_12m, 0) - {retla}"
    columns: list[tuple[str, str]] = [
        ("c.customer_id", "customer_id"),
        (_opt(has_sales, f"ROUND(COALESCE(s.order_amount, 0) - {ret}, 2)"), "revenue"),
        (_opt(has_sales, "ROUND(COALESCE(s.cost_of_goods, 0), 2)"), "cost_of_goods"),
        (_opt(has_sales, "s.discounts"), "discounts"),
        *((expr, f"cts_{name}") for name, expr in cts.items()),
        (cost_to_serve, "cost_to_serve"),
        (_opt(has_sales, f"ROUND(COALESCE(s.amount_12m, 0) - {ret12}, 2)"), "annual_revenue"),
        (
            _opt(has_sales, f"COALESCE(s.amount_12m, 0) - {ret12} - COALESCE(s.cogs_12m, 0)"),
            "annual_gross_margin",
        ),
        (
            _opt(has_sales, f"ROUND(COALESCE(s.amount_prev_12m, 0) - {retp}, 2)"),
            "prev_annual_revenue",
        ),
        (_opt(has_sales, f"ROUND({la_rev}, 2)"), "last_active_revenue"),
        (
            _opt(has_sales, f"{la_rev} - COALESCE(la.cogs_last_active_12m, 0)"),
            "last_active_margin",
        ),
        (_count(has_sales, "s.orders"), "orders"),
        (_count(has_sales, "s.orders - s.orders_with_cost"), "orders_cost_estimated"),
        (_count(has_ret, "r.return_count"), "returns_handled"),
        (_count(tk, "t.tickets"), "tickets"),
        (_count(tk, "t.tickets_minutes_assumed"), "tickets_minutes_assumed"),
        (_opt(tk, "COALESCE(t.support_hours, 0)"), "support_hours"),
        (_count(ac, "m.meetings"), "meetings"),
        (_opt(ac, "COALESCE(m.meeting_hours, 0)"), "meeting_hours"),
        (_count(has_inv, "i.collection_touches"), "collection_touches"),
        (_count(has_inv, "i.touches_known"), "touches_known"),
        (_count(has_inv, "i.bad_debt_invoices"), "bad_debt_invoices"),
        (_opt(has_inv, "COALESCE(i.money_days, 0)"), "overdue_money_days"),
        ("c.acquired_at", "acquired_at"),
        (_opt(has_sales, "s.last_order_at", "TIMESTAMP"), "last_order_at"),
        (
            _opt(has_sales, "COALESCE(c.ended_at, s.last_order_at)", "TIMESTAMP"),
            "active_until",
        ),
        ("c.is_contract", "is_contract"),
        ("c.end_reason", "end_reason"),
        (churned, "churned"),
        (churned_at, "churned_at"),
        (basis, "churn_basis"),
    ]
    select = ",\n  ".join(f"{expr} AS {alias}" for expr, alias in columns)
    inner = f"SELECT {select}\nFROM kw_cust c\n" + "\n".join(joins)
    ranked = f"""SELECT v.*,
  v.revenue - v.cost_of_goods AS gross_margin,
  v.revenue - v.cost_of_goods - COALESCE(v.cost_to_serve, CAST(0 AS {d})) AS profit
FROM kw_value_base v"""
    final = """SELECT customer_id, revenue, cost_of_goods, discounts, gross_margin,
  cts_support, cts_meetings, cts_collections, cts_returns, cts_bad_debt, cts_financing,
  cost_to_serve, profit,
  CASE WHEN profit IS NULL THEN NULL
    ELSE ROW_NUMBER() OVER (ORDER BY ROUND(profit, 2) DESC NULLS LAST, customer_id) END
    AS profit_rank,
  CASE WHEN profit IS NULL THEN NULL
    ELSE NTILE(10) OVER (ORDER BY ROUND(profit, 2) DESC NULLS LAST, customer_id) END
    AS profit_decile,
  CASE WHEN SUM(profit) OVER () > 0 THEN profit / SUM(profit) OVER () END AS profit_share,
  annual_revenue, churned, churned_at,
  annual_gross_margin, prev_annual_revenue, last_active_revenue, last_active_margin,
  orders, orders_cost_estimated, returns_handled, tickets, tickets_minutes_assumed,
  support_hours, meetings, meeting_hours, collection_touches, touches_known,
  bad_debt_invoices, overdue_money_days, acquired_at, last_order_at, active_until,
  is_contract, end_reason, churn_basis
FROM kw_value"""
    return _with([*ctes, ("kw_value_base", inner), ("kw_value", ranked)], final)


@feature("value.exit_reasons", ("surveys", "customers"))
def exit_reasons_sql(ctx: FeatureContext) -> str:
    """One row per customer, reason and source: exit-survey reasons and the CRM end reason."""
    parts = []
    if "surveys" in ctx.present:
        values = ", ".join(f"({_lit(r)})" for r in SURVEY_REASONS)
        parts.append(f"""SELECT DISTINCT s.customer_id, k.reason, 'exit_survey' AS source
FROM surveys s JOIN (VALUES {values}) AS k(reason)
  ON ';' || REPLACE(LOWER(s.reasons), ' ', '') || ';' LIKE '%;' || k.reason || ';%'
WHERE s.kind = 'exit' AND s.submitted_at <= {ctx.as_of_sql}""")
    if "customers" in ctx.present:
        parts.append(f"""SELECT customer_id, TRIM(end_reason) AS reason, 'end_reason' AS source
FROM customers
WHERE end_reason IS NOT NULL AND TRIM(end_reason) <> '' AND ended_at <= {ctx.as_of_sql}""")
    if not parts:
        return (
            "SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS VARCHAR) AS reason, "
            "CAST(NULL AS VARCHAR) AS source WHERE FALSE"
        )
    return "\nUNION ALL\n".join(parts)
