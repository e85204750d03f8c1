"""The compute_signals contract others code against: columns, levels, no_data, evidence, as-of."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise.domain.contract import TABLE_NAMES
from keepwise.domain.features import FeatureContext, all_features
from keepwise.domain.scorecard import LEVELS, SIGNAL_NAMES
from keepwise.domain.signals import compute_signals
from keepwise.domain.signals.compute import _split, levels_union_sql, signals_sql
from keepwise.domain.signals.registry import all_signals
from keepwise.engines.duckdb import DuckDBEngine
from keepwise.engines.transpile import portability_problems, to_spark
from keepwise.settings import default_settings
from keepwise.storage.workspace import event_table_ddl

from .conftest import AS_OF, Run, customer, day, level


def test_columns_and_levels(run: Run) -> None:
    tickets = [
        {
            "ticket_id": "T1",
            "customer_id": "A",
            "opened_at": day(3),
            "subject": "You idiots",
            "body": "I will sue you",
        },
    ]
    result = run({"customers": [customer("A"), customer("B")], "tickets": tickets})
    assert result.levels.column_names == [
        "customer_id",
        *(f"signal_{n}" for n in SIGNAL_NAMES),
        "our_failures",
        "our_failures_level",
    ]
    assert result.levels.num_rows == 2
    assert result.details.column_names == ["customer_id", "signal", "level", "sentence"]
    assert result.evidence.column_names == [
        "customer_id",
        "signal",
        "source_table",
        "record_id",
        "at",
        "value",
        "detail",
    ]
    assert result.evidence.schema.field("at").type == pa.timestamp("us")
    for name in SIGNAL_NAMES:
        assert set(result.levels.column(f"signal_{name}").to_pylist()) <= set(LEVELS)
    assert set(result.details.column("level").to_pylist()) <= {"watch", "flag"}


def test_absent_tables_mean_no_data_never_none(run: Run) -> None:
    invoices = [
        {
            "invoice_id": "I1",
            "customer_id": "A",
            "issued_at": day(40),
            "due_at": day(10),
            "amount": 10.0,
            "paid_at": day(9),
            "status": "paid",
        }
    ]
    result = run({"customers": [customer("A")], "invoices": invoices})
    assert level(result, "A", "late_payer") == "none"
    for name in (
        "shifting_requirements",
        "unavailable",
        "dishonest",
        "public_complainer",
        "policy_abuse",
    ):
        assert level(result, "A", name) == "no_data"
    row = result.levels.to_pylist()[0]
    assert row["our_failures"] is None
    assert row["our_failures_level"] == "none"


def test_evidence_is_capped_and_most_recent_first(run: Run) -> None:
    incidents = [
        {
            "incident_id": f"D{i}",
            "customer_id": "A",
            "reported_at": day(10 * i + 1),
            "kind": "dishonesty",
        }
        for i in range(5)
    ]
    result = run(
        {"customers": [customer("A")], "incidents": incidents}, **{"signals.evidence_per_signal": 2}
    )
    rows = result.evidence.to_pylist()
    assert [r["record_id"] for r in rows] == ["D0", "D1"]


def _incident(incident_id: str, customer_id: str, days_ago: float, kind: str) -> dict:
    return {
        "incident_id": incident_id,
        "customer_id": customer_id,
        "reported_at": day(days_ago),
        "kind": kind,
    }


def test_each_customer_signal_pair_is_capped_on_its_own(run: Run) -> None:
    """A pair over the cap keeps its newest records; the pairs under it keep all of theirs."""
    incidents = [
        *(_incident(f"D{i}", "A", 10 * i + 1, "dishonesty") for i in range(5)),
        *(_incident(f"T{i}", "A", 10 * i + 5, "threat") for i in range(2)),
        *(_incident(f"B{i}", "B", 10 * i + 3, "dishonesty") for i in range(3)),
    ]
    result = run(
        {"customers": [customer("A"), customer("B")], "incidents": incidents},
        **{"signals.evidence_per_signal": 2},
    )
    kept = [(r["customer_id"], r["signal"], r["record_id"]) for r in result.evidence.to_pylist()]
    assert kept == [
        ("A", "abusive", "T0"),
        ("A", "abusive", "T1"),
        ("A", "dishonest", "D0"),
        ("A", "dishonest", "D1"),
        ("B", "dishonest", "B0"),
        ("B", "dishonest", "B1"),
    ]


def test_events_after_the_as_of_date_are_ignored(run: Run) -> None:
    later = AS_OF.replace(year=AS_OF.year + 1).isoformat(sep=" ")
    incidents = [
        {"incident_id": f"D{i}", "customer_id": "A", "reported_at": later, "kind": "threat"}
        for i in range(3)
    ]
    incidents.append(
        {"incident_id": "OLD", "customer_id": "A", "reported_at": day(2000), "kind": "threat"}
    )
    result = run({"customers": [customer("A")], "incidents": incidents})
    assert level(result, "A", "abusive") == "none"
    assert level(result, "A", "dishonest") == "none"


def test_every_signal_query_is_portable_to_spark() -> None:
    ctx = FeatureContext(AS_OF, default_settings(), frozenset(TABLE_NAMES))
    names = {f.name for f in all_features()}
    for signal in all_signals():
        assert f"signals.{signal.name}" in names
        assert f"signals.{signal.name}.evidence" in names
    signals = all_signals()
    for sql in (
        levels_union_sql(ctx, signals),
        signals_sql(ctx, signals),
    ):
        assert portability_problems(sql) == []
    assert "MATERIALIZED" not in to_spark(signals_sql(ctx, signals)).upper()


def test_shared_records_give_the_standalone_sql_and_are_computed_once() -> None:
    """A signal whose levels and evidence read shared rows gets them once in the score query.

    Standalone, each query inlines the rows; in :func:`signals_sql` they are one materialised
    CTE that both read (the abusive patterns then pass over the tickets once, not twice).
    """
    ctx = FeatureContext(AS_OF, default_settings(), frozenset(TABLE_NAMES))
    signals = all_signals()
    sharing = [s for s in signals if s.shares_records]
    assert [s.name for s in sharing] == ["abusive"]
    sql = signals_sql(ctx, signals)
    for s in sharing:
        assert s.records is not None and s.levels_from and s.evidence_from
        records = s.records(ctx)
        assert s.levels(ctx) == s.levels_from(ctx, f"({records})")
        assert s.evidence(ctx) == s.evidence_from(ctx, f"({records})")
        assert sql.count(records) == 1
        assert f"AS MATERIALIZED ({records})" in sql


# --- property: a single event of any kind never flags, except a threat ---------------------

EVENTS = {
    "invoices": {
        "invoice_id": "E",
        "issued_at": day(60),
        "due_at": day(30),
        "amount": 100.0,
        "status": "open",
    },
    "tickets": {
        "ticket_id": "E",
        "opened_at": day(10),
        "category": "complaint",
        "csat": 1,
        "out_of_scope": True,
        "after_hours": True,
        "reopened": True,
        "handle_minutes": 500.0,
        "touchpoints": 20,
        "subject": "Very disappointed",
        "body": "This was not what we agreed.",
    },
    "activities": {"activity_id": "E", "at": day(10), "kind": "meeting", "outcome": "no_show"},
    "incidents": {"incident_id": "E", "reported_at": day(10), "kind": "abuse"},
    "reviews": {"review_id": "E", "posted_at": day(10), "rating": 1, "public": True},
    "returns": {"return_id": "E", "returned_at": day(10), "amount": 100.0},
    "surveys": {"response_id": "E", "submitted_at": day(10), "kind": "nps", "score": 0.0},
    "orders": {
        "order_id": "E",
        "ordered_at": day(10),
        "amount": 10.0,
        "list_amount": 100.0,
        "discount": 90.0,
    },
}
INCIDENT_KINDS = [
    "abuse",
    "dishonesty",
    "unreasonable_demand",
    "ignored_advice",
    "policy_abuse",
    "unhappy",
    "other",
]
ACTIVITY_PAIRS = [
    ("meeting", "no_show"),
    ("onboarding", "cancelled_late"),
    ("call", "unanswered"),
    ("recommendation", "ignored"),
    ("promise", "broken"),
]


@st.composite
def single_event(draw: st.DrawFn) -> tuple[str, dict]:
    table = draw(st.sampled_from(sorted(EVENTS)))
    row = dict(EVENTS[table], customer_id="A")
    if table == "incidents":
        row["kind"] = draw(st.sampled_from(INCIDENT_KINDS))
    if table == "activities":
        row["kind"], row["outcome"] = draw(st.sampled_from(ACTIVITY_PAIRS))
    return table, row


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single_event())
def test_one_event_never_flags(event: tuple[str, dict]) -> None:
    table, row = event
    con = duckdb.connect()
    for name in TABLE_NAMES:
        con.execute(event_table_ddl(name))
    con.execute(
        "INSERT INTO customers (customer_id, segment, acquired_at) VALUES "
        f"('A', 'smb', TIMESTAMP '{day(900)}')"
    )
    rows = pa.Table.from_pylist([row])
    con.register("one_row", rows)
    con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM one_row')
    present = frozenset({"customers", table})
    ctx = FeatureContext(AS_OF, default_settings(), present)
    result = compute_signals(DuckDBEngine(con), ctx)
    flagged = [k for k, v in result.levels.to_pylist()[0].items() if v == "flag"]
    assert flagged == [], f"one {table} row {row} flagged {flagged}"


def test_a_single_threat_is_the_exception(run: Run) -> None:
    incidents = [{"incident_id": "E", "customer_id": "A", "reported_at": day(10), "kind": "threat"}]
    result = run({"customers": [customer("A")], "incidents": incidents})
    assert level(result, "A", "abusive") == "flag"


def test_as_of_literal_is_the_context_date() -> None:
    ctx = FeatureContext(datetime(2026, 1, 2, 3, 4, 5), default_settings(), frozenset())
    assert "TIMESTAMP '2026-01-02 03:04:05'" in levels_union_sql(
        FeatureContext(ctx.as_of, ctx.settings, frozenset({"incidents"})),
        [s for s in all_signals() if s.name == "dishonest"],
    )


def test_as_of_literal_keeps_fractions_of_a_second() -> None:
    ctx = FeatureContext(datetime(2026, 1, 2, 3, 4, 5, 250000), default_settings(), frozenset())
    assert "TIMESTAMP '2026-01-02 03:04:05.250000'" in levels_union_sql(
        FeatureContext(ctx.as_of, ctx.settings, frozenset({"incidents"})),
        [s for s in all_signals() if s.name == "dishonest"],
    )
    assert ctx.as_of_sql == "TIMESTAMP '2026-01-02 03:04:05.250000'"


def test_an_interleaved_result_is_split_by_kind() -> None:
    """Sorted, evidence rows come first; an engine that interleaves kinds still splits right."""
    both = pa.table(
        {
            "kind": ["level", "evidence", "level", "evidence"],
            "customer_id": ["A", "A", "B", "B"],
        }
    )
    long, found = _split(both)
    assert long.column("kind").to_pylist() == ["level", "level"]
    assert found.column("customer_id").to_pylist() == ["A", "B"]
    ordered = pa.table({"kind": ["evidence", "level", "level"], "customer_id": ["B", "A", "C"]})
    long, found = _split(ordered)
    assert (long.num_rows, found.column("customer_id").to_pylist()) == (2, ["B"])
