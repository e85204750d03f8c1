"""The facts about one customer that letters quote: event records and their latest scorecard.

Each table is read with one indexed query for that customer; the scorecard tables are optional
(a workspace that was never scored still gets letters, without value figures).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from keepwise.errors import NotFoundError
from keepwise.storage.workspace import Workspace

ENGAGED_LEVELS = ("watch", "flag")


@dataclass(frozen=True)
class Invoice:
    """An invoice that still has money owed on it."""

    invoice_id: str
    issued_at: date
    due_at: date
    amount_due: Decimal


@dataclass(frozen=True)
class Order:
    """A recent order we still have to complete."""

    order_id: str
    ordered_at: date
    amount: Decimal


@dataclass(frozen=True)
class Ticket:
    """A support ticket (open requests and the latest complaint)."""

    ticket_id: str
    opened_at: datetime
    first_response_at: datetime | None
    closed_at: datetime | None
    subject: str | None
    category: str | None
    reopened: bool


@dataclass(frozen=True)
class SignalFact:
    """One sign at *watch* or *flag* level, with the scorecard's sentence explaining it."""

    signal: str
    level: str
    sentence: str


@dataclass
class CustomerFacts:
    """Everything a letter may say about one customer, read once from the workspace."""

    customer_id: str
    name: str
    email: str | None
    owner: str | None
    segment: str | None
    acquired_at: date
    ended_at: date | None
    strategic: bool
    run_id: str | None = None
    as_of: date | None = None
    score: dict[str, Any] | None = None
    signals: list[SignalFact] = field(default_factory=list)
    open_invoices: list[Invoice] = field(default_factory=list)
    recent_orders: list[Order] = field(default_factory=list)
    open_tickets: list[Ticket] = field(default_factory=list)
    complaint: Ticket | None = None
    incident_reporters: set[str] = field(default_factory=set)
    incident_kinds: set[str] = field(default_factory=set)

    def level(self, signal: str) -> str | None:
        """Return the scorecard level of ``signal`` (``None`` without a scorecard run)."""
        if self.score is None:
            return None
        value = self.score.get(f"signal_{signal}")
        return None if value is None else str(value)

    @property
    def reasons(self) -> list[str]:
        """Return the scorecard's reasons for its action as a list of sentences."""
        raw = None if self.score is None else self.score.get("reasons")
        return parse_reasons(raw)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def parse_reasons(raw: object) -> list[str]:
    """Split a scorecard ``reasons`` value (a JSON list, a list, or text) into sentences."""
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [str(r).strip() for r in raw if str(r).strip()]
    text = str(raw).strip()
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, list):
            return [str(r).strip() for r in loaded if str(r).strip()]
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Return whether the workspace database has a table called ``name``."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'",
        [name],
    ).fetchone()
    return bool(row and row[0])


def latest_run(con: duckdb.DuckDBPyConnection) -> tuple[str, date] | None:
    """Return the id and as-of date of the newest scorecard run, or ``None`` if never scored."""
    if not table_exists(con, "runs"):
        return None
    row = con.execute(
        "SELECT run_id, as_of FROM runs ORDER BY created_at DESC, run_id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return str(row[0]), _as_date(row[1])


def run_as_of(con: duckdb.DuckDBPyConnection, run_id: str) -> date:
    """Return the as-of date of run ``run_id`` (raising when there is no such run)."""
    row = None
    if table_exists(con, "runs"):
        row = con.execute("SELECT as_of FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        raise NotFoundError(f"no scorecard run {run_id!r}")
    return _as_date(row[0])


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _opt_date(value: Any) -> date | None:
    return None if value is None else _as_date(value)


def clean(value: Any) -> Any:
    """Return ``None`` for missing numbers (SQL NULL or NaN) and the value otherwise."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _ticket(row: dict[str, Any]) -> Ticket:
    return Ticket(
        ticket_id=str(row["ticket_id"]),
        opened_at=row["opened_at"],
        first_response_at=row["first_response_at"],
        closed_at=row["closed_at"],
        subject=row["subject"] or None,
        category=row["category"],
        reopened=bool(row["reopened"]),
    )


def read_facts(
    ws: Workspace,
    customer_id: str,
    *,
    today: date,
    run_id: str | None = None,
    open_order_days: int = 30,
) -> CustomerFacts:
    """Read the facts a letter about ``customer_id`` needs, as they stand on ``today``.

    Events count up to the end of ``today`` or of the run's as-of day, whichever is earlier,
    so a letter written after the last export still lists the orders then in progress.
    """
    today = _as_date(today)
    with ws.connection(read_only=True) as con:
        rows = _rows(
            con,
            "SELECT customer_id, name, email, owner, segment, acquired_at, ended_at, strategic "
            "FROM customers WHERE customer_id = ?",
            [customer_id],
        )
        if not rows:
            raise NotFoundError(f"no customer {customer_id!r} in {ws.path}")
        c = rows[0]
        facts = CustomerFacts(
            customer_id=str(c["customer_id"]),
            name=str(c["name"]).strip() if c["name"] and str(c["name"]).strip() else customer_id,
            email=c["email"],
            owner=c["owner"] or None,
            segment=c["segment"] or None,
            acquired_at=_as_date(c["acquired_at"]),
            ended_at=_opt_date(c["ended_at"]),
            strategic=bool(c["strategic"]),
        )
        _read_scorecard(con, facts, run_id)
        data_date = today if facts.as_of is None else min(today, facts.as_of)
        _read_events(con, facts, data_date, open_order_days)
    return facts


def _read_scorecard(
    con: duckdb.DuckDBPyConnection, facts: CustomerFacts, run_id: str | None
) -> None:
    if run_id is None:
        latest = latest_run(con)
        if latest is None:
            return
        run_id, as_of = latest
    else:
        as_of = run_as_of(con, run_id)
    if not table_exists(con, "scorecard"):
        return
    rows = _rows(
        con,
        "SELECT * FROM scorecard WHERE run_id = ? AND customer_id = ?",
        [run_id, facts.customer_id],
    )
    facts.run_id, facts.as_of = run_id, as_of
    if not rows:
        return
    facts.score = {k: clean(v) for k, v in rows[0].items()}
    if table_exists(con, "scorecard_signals"):
        for row in _rows(
            con,
            "SELECT signal, level, sentence FROM scorecard_signals "
            "WHERE run_id = ? AND customer_id = ? AND level IN ('watch', 'flag') "
            "ORDER BY CASE level WHEN 'flag' THEN 0 ELSE 1 END, signal",
            [run_id, facts.customer_id],
        ):
            sentence = str(row["sentence"] or "").strip()
            facts.signals.append(SignalFact(str(row["signal"]), str(row["level"]), sentence))


def _read_events(
    con: duckdb.DuckDBPyConnection, facts: CustomerFacts, day: date, open_order_days: int
) -> None:
    cid = facts.customer_id
    end = datetime.combine(day + timedelta(days=1), datetime.min.time())
    for row in _rows(
        con,
        "SELECT invoice_id, issued_at, due_at, amount - COALESCE(amount_paid, 0) AS due "
        "FROM invoices WHERE customer_id = ? AND issued_at < ? "
        "AND (status = 'open' OR (status IS NULL AND paid_at IS NULL)) "
        "AND amount - COALESCE(amount_paid, 0) > 0 ORDER BY due_at, invoice_id",
        [cid, end],
    ):
        facts.open_invoices.append(
            Invoice(
                str(row["invoice_id"]),
                _as_date(row["issued_at"]),
                _as_date(row["due_at"]),
                Decimal(row["due"]),
            )
        )
    since = end - timedelta(days=open_order_days)
    for row in _rows(
        con,
        "SELECT order_id, ordered_at, amount FROM orders WHERE customer_id = ? "
        "AND ordered_at >= ? AND ordered_at < ? ORDER BY ordered_at, order_id",
        [cid, since, end],
    ):
        facts.recent_orders.append(
            Order(str(row["order_id"]), _as_date(row["ordered_at"]), Decimal(row["amount"]))
        )
    ticket_cols = (
        "ticket_id, opened_at, first_response_at, closed_at, subject, category, "
        "COALESCE(reopened, false) AS reopened"
    )
    facts.open_tickets = [
        _ticket(r)
        for r in _rows(
            con,
            f"SELECT {ticket_cols} FROM tickets WHERE customer_id = ? AND closed_at IS NULL "
            "AND opened_at < ? ORDER BY opened_at, ticket_id",
            [cid, end],
        )
    ]
    complaints = _rows(
        con,
        f"SELECT {ticket_cols} FROM tickets WHERE customer_id = ? AND category = 'complaint' "
        "AND opened_at < ? ORDER BY opened_at DESC, ticket_id DESC LIMIT 1",
        [cid, end],
    )
    facts.complaint = _ticket(complaints[0]) if complaints else None
    for row in _rows(
        con,
        "SELECT DISTINCT kind, reported_by FROM incidents WHERE customer_id = ? "
        "AND reported_at < ?",
        [cid, end],
    ):
        facts.incident_kinds.add(str(row["kind"]))
        if row["reported_by"]:
            facts.incident_reporters.add(str(row["reported_by"]).strip())
