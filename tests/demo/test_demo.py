"""The demo business: deterministic, valid against the contract, and honest about its answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise.application import demo_text as tx
from keepwise.application.demo import (
    ARCHETYPE_NAMES,
    DECOYS,
    DemoBusiness,
    generate_business,
    write_business,
)
from keepwise.domain.contract.schema import CROSS_TABLE_DATE_ORDER, SURVEY_REASONS, TABLES, Kind
from keepwise.domain.scorecard import SIGNAL_NAMES
from keepwise.errors import KeepwiseError

BAD_ARCHETYPE_SIGNAL = {
    "late_payer": "late_payer",
    "underpayer": "underpayer",
    "shifting_requirements": "shifting_requirements",
    "attention_hog": "attention_hog",
    "unavailable": "unavailable",
    "dishonest": "dishonest",
    "abusive": "abusive",
    "threatening": "abusive",
    "unreasonable_demands": "unreasonable_demands",
    "public_complainer": "public_complainer",
    "doesnt_listen": "doesnt_listen",
    "serial_returner": "policy_abuse",
    "failed_good": "unhappy",
}


@pytest.fixture(scope="module")
def biz() -> DemoBusiness:
    return generate_business(5000, seed=7)


@pytest.fixture(scope="module")
def con(biz: DemoBusiness) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    for name, table in biz.tables.items():
        c.register(name, table)
    c.register("gt", biz.ground_truth)
    yield c
    c.close()


def check_contract(b: DemoBusiness) -> None:
    """Assert every rule of the data contract on a generated business."""
    customers = b.tables["customers"]
    ids = set(customers["customer_id"].to_pylist())
    assert len(ids) == customers.num_rows
    as_of = b.as_of
    c = duckdb.connect()
    for name, table in b.tables.items():
        c.register(name, table)
    for name, spec in TABLES.items():
        t = b.tables[name]
        assert t.column_names == list(spec.names), name
        assert pc.count_distinct(t[spec.id_column]).as_py() == t.num_rows, name
        for col in spec.columns:
            values = t[col.name]
            if col.required:
                assert values.null_count == 0, f"{name}.{col.name} has nulls"
            if col.kind is Kind.ENUM and t.num_rows:
                seen = set(pc.unique(values.drop_null()).to_pylist())
                assert seen <= set(col.values), f"{name}.{col.name}: {seen - set(col.values)}"
            if col.kind is Kind.ENUM_LIST and t.num_rows:
                parts = set(";".join(v for v in values.drop_null().to_pylist()).split(";"))
                assert parts <= set(col.values) | {""}, f"{name}.{col.name}"
            if col.kind in (Kind.MONEY, Kind.NUMBER, Kind.INT) and values.null_count < len(values):
                low = pc.min(values).as_py()
                high = pc.max(values).as_py()
                if col.nonnegative:
                    assert low >= 0, f"{name}.{col.name} negative"
                if col.minimum is not None:
                    assert low >= col.minimum, f"{name}.{col.name} below minimum"
                if col.maximum is not None:
                    assert high <= col.maximum, f"{name}.{col.name} above maximum"
            if col.references and t.num_rows:
                missing = set(values.drop_null().to_pylist()) - ids
                assert not missing, f"{name}.{col.name} references unknown customers"
            if col.kind is Kind.TIMESTAMP and col.name != "due_at" and t.num_rows:
                latest = pc.max(values).as_py()
                assert latest is None or latest < as_of, f"{name}.{col.name} after the end"
        for first, second in spec.date_order:
            bad = c.execute(
                f'SELECT count(*) FROM "{name}" WHERE "{second}" < "{first}"'
            ).fetchall()[0]
            assert bad == (0,), f"{name}: {second} before {first}"
        if name != "customers" and "customer_id" in spec.names:
            ts = [col.name for col in spec.columns if col.kind is Kind.TIMESTAMP]
            for col_name in ts:
                early = c.execute(
                    f'SELECT count(*) FROM "{name}" e JOIN customers k USING (customer_id) '
                    f'WHERE e."{col_name}" < k.acquired_at'
                ).fetchall()[0]
                assert early == (0,), f"{name}.{col_name} before acquired_at"
    for table, key, when, other, other_when in CROSS_TABLE_DATE_ORDER:
        bad = c.execute(
            f'SELECT count(*) FROM "{table}" r LEFT JOIN "{other}" o ON r."{key}" = o."{key}" '
            f'WHERE r."{key}" IS NOT NULL AND (o."{key}" IS NULL OR r."{when}" < o."{other_when}")'
        ).fetchall()[0]
        assert bad == (0,), f"{table}.{when} before {other}.{other_when} or dangling {key}"
    wrong_owner = c.execute(
        "SELECT count(*) FROM returns r JOIN orders o USING (order_id) "
        "WHERE r.customer_id <> o.customer_id OR r.amount > o.amount"
    ).fetchall()[0]
    assert wrong_owner == (0,)
    ended = c.execute(
        "SELECT count(*) FROM customers WHERE ended_at IS NOT NULL AND end_reason IS NULL"
    ).fetchall()[0]
    assert ended == (0,)
    c.close()


def test_every_table_follows_the_contract(biz: DemoBusiness) -> None:
    check_contract(biz)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    customers=st.integers(min_value=1, max_value=250),
    seed=st.integers(min_value=0, max_value=2**31),
    years=st.integers(min_value=1, max_value=4),
)
def test_any_small_business_follows_the_contract(customers: int, seed: int, years: int) -> None:
    b = generate_business(customers, seed=seed, end=date(2025, 3, 31), years=years)
    assert b.tables["customers"].num_rows == customers
    check_contract(b)


def test_same_seed_same_business_other_seed_other_business() -> None:
    one = generate_business(400, seed=3)
    two = generate_business(400, seed=3)
    other = generate_business(400, seed=4)
    for name in one.tables:
        assert one.tables[name].equals(two.tables[name]), name
    assert one.ground_truth.equals(two.ground_truth)
    assert not one.tables["orders"].equals(other.tables["orders"])
    assert one.as_of == two.as_of


def test_every_archetype_decoy_and_signal_present(biz: DemoBusiness) -> None:
    gt = biz.ground_truth
    assert set(gt["archetype"].to_pylist()) == set(ARCHETYPE_NAMES)
    assert set(gt["decoy"].drop_null().to_pylist()) == set(DECOYS)
    for s in SIGNAL_NAMES:
        assert pc.sum(gt[f"expect_{s}"]).as_py() >= 25, s
    ordinary = pc.sum(pc.equal(gt["archetype"], "ordinary")).as_py()
    assert 0.55 < ordinary / gt.num_rows < 0.7


def test_scale_is_about_ten_orders_per_customer(biz: DemoBusiness) -> None:
    per_customer = biz.tables["orders"].num_rows / biz.tables["customers"].num_rows
    assert 7 <= per_customer <= 14
    contract = biz.tables["customers"]["annual_contract_value"]
    assert 0.1 < contract.drop_null().length() / len(contract) < 0.4


def test_ground_truth_is_consistent(biz: DemoBusiness, con: duckdb.DuckDBPyConnection) -> None:
    gt = biz.ground_truth
    assert gt["customer_id"].equals(biz.tables["customers"]["customer_id"])
    expected = [f"expect_{s}" for s in SIGNAL_NAMES]
    assert set(expected) <= set(gt.column_names)
    any_signal = " OR ".join(expected)
    assert con.execute(
        f"SELECT count(*) FROM gt WHERE decoy IS NOT NULL AND ({any_signal})"
    ).fetchall()[0] == (0,)
    assert con.execute(
        f"SELECT count(*) FROM gt WHERE archetype IN ('ordinary', 'lost', 'strategic') "
        f"AND ({any_signal} OR expect_our_failures)"
    ).fetchall()[0] == (0,)
    for archetype, signal in BAD_ARCHETYPE_SIGNAL.items():
        share = con.execute(
            f"SELECT avg(CASE WHEN expect_{signal} THEN 1 ELSE 0 END) FROM gt "
            f"WHERE archetype = '{archetype}'"
        ).fetchall()[0]
        # Bad customers who left long enough ago no longer show as flagged; most are active.
        assert share is not None and share[0] >= 0.9, archetype
    mismatched = con.execute(
        "SELECT count(*) FROM gt JOIN customers c USING (customer_id) "
        "WHERE gt.lost <> (c.ended_at IS NOT NULL) OR gt.strategic <> c.strategic "
        "OR gt.contract <> (c.annual_contract_value IS NOT NULL)"
    ).fetchall()[0]
    assert mismatched == (0,)
    two = con.execute(
        f"SELECT count(*) FROM gt WHERE ({' + '.join(f'{e}::INT' for e in expected)}) >= 2"
    ).fetchall()[0]
    assert two is not None and two[0] >= 50, "some bad customers should carry two signs"
    assert con.execute(
        "SELECT count(*) FROM gt WHERE expect_our_failures AND archetype NOT IN "
        "('failed_good', 'lost_failed')"
    ).fetchall()[0] == (0,)


def per_archetype(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, float]:
    """Return archetype -> the average of a per-customer metric (customers without rows = 0)."""
    rows = con.execute(
        f"SELECT gt.archetype, avg(coalesce(m.v, 0)) FROM gt LEFT JOIN ({sql}) m "
        "USING (customer_id) GROUP BY 1"
    ).fetchall()
    return {a: float(v) for a, v in rows}


def test_patterns_show_in_the_events(con: duckdb.DuckDBPyConnection) -> None:
    """Each bad archetype stands out from ordinary customers on its own evidence."""
    checks = {
        "late_payer": (
            "SELECT customer_id, avg(CASE WHEN paid_at > due_at OR (status = 'open' AND due_at < "
            "(SELECT max(issued_at) FROM invoices)) THEN 1.0 ELSE 0 END) v "
            "FROM invoices GROUP BY 1",
            4.0,
        ),
        "underpayer": (
            "SELECT customer_id, avg(coalesce(discount, 0) / coalesce(list_amount, amount)) v "
            "FROM orders GROUP BY 1",
            8.0,
        ),
        "shifting_requirements": (
            "SELECT customer_id, sum(CASE WHEN category = 'change_request' THEN 1 ELSE 0 END) v "
            "FROM tickets GROUP BY 1",
            8.0,
        ),
        "unavailable": (
            "SELECT customer_id, sum(CASE WHEN outcome IN ('no_show', 'unanswered') THEN 1 ELSE 0 "
            "END) v FROM activities GROUP BY 1",
            5.0,
        ),
        "dishonest": (
            "SELECT customer_id, count(*) v FROM incidents WHERE kind = 'dishonesty' GROUP BY 1",
            20.0,
        ),
        "unreasonable_demands": (
            "SELECT customer_id, sum(CASE WHEN out_of_scope THEN 1 ELSE 0 END) v FROM tickets "
            "GROUP BY 1",
            8.0,
        ),
        "public_complainer": (
            "SELECT customer_id, count(*) v FROM reviews WHERE rating <= 2 AND public GROUP BY 1",
            20.0,
        ),
        "doesnt_listen": (
            "SELECT customer_id, sum(CASE WHEN outcome IN ('declined', 'ignored') THEN 1 ELSE 0 "
            "END) v FROM activities WHERE kind = 'recommendation' GROUP BY 1",
            5.0,
        ),
        "serial_returner": (
            "SELECT o.customer_id, count(r.return_id) * 1.0 / count(*) v FROM orders o "
            "LEFT JOIN returns r USING (order_id) GROUP BY 1",
            5.0,
        ),
        "failed_good": (
            "SELECT customer_id, sum(CASE WHEN outcome = 'broken' THEN 1 ELSE 0 END) v "
            "FROM activities GROUP BY 1",
            10.0,
        ),
    }
    for archetype, (sql, factor) in checks.items():
        means = per_archetype(con, sql)
        assert means[archetype] > factor * means["ordinary"], (archetype, means[archetype])


def test_attention_hogs_cost_more_per_revenue_than_busy_big_customers(
    con: duckdb.DuckDBPyConnection,
) -> None:
    sql = (
        "SELECT t.customer_id, sum(t.handle_minutes) / max(o.rev) v FROM tickets t JOIN "
        "(SELECT customer_id, sum(amount) rev FROM orders GROUP BY 1) o USING (customer_id) "
        "GROUP BY 1"
    )
    means = per_archetype(con, sql)
    by_segment = con.execute(
        f"SELECT c.segment, avg(m.v) FROM gt JOIN customers c USING (customer_id) "
        f"JOIN ({sql}) m USING (customer_id) WHERE gt.archetype = 'ordinary' GROUP BY 1"
    ).fetchall()
    ordinary = dict(by_segment)
    assert means["big_busy_customer"] < 2 * ordinary["enterprise"]
    assert means["attention_hog"] > 5 * ordinary["smb"]
    tickets = per_archetype(con, "SELECT customer_id, count(*) v FROM tickets GROUP BY 1")
    assert tickets["big_busy_customer"] > 3 * tickets["ordinary"]


def test_decoys_show_exactly_one_event(con: duckdb.DuckDBPyConnection) -> None:
    one = {
        "one_missed_meeting": (
            "SELECT customer_id, count(*) v FROM activities WHERE kind = 'meeting' "
            "AND outcome = 'no_show' GROUP BY 1"
        ),
        "one_late_invoice": (
            "SELECT customer_id, count(*) v FROM invoices WHERE paid_at > due_at GROUP BY 1"
        ),
        "single_dishonesty_report": (
            "SELECT customer_id, count(*) v FROM incidents WHERE kind = 'dishonesty' GROUP BY 1"
        ),
        "fair_deal_seeker": (
            "SELECT customer_id, count(*) v FROM tickets WHERE category = 'price_objection' "
            "GROUP BY 1"
        ),
    }
    for decoy, sql in one.items():
        counts = con.execute(
            f"SELECT coalesce(m.v, 0) FROM gt LEFT JOIN ({sql}) m USING (customer_id) "
            f"WHERE gt.decoy = '{decoy}'"
        ).fetchall()
        assert counts and all(c == (1,) for c in counts), decoy
    bad_day = con.execute(
        "SELECT count(*) FROM tickets t JOIN gt USING (customer_id) WHERE gt.decoy = "
        "'one_bad_day' AND t.csat IS NULL AND t.category = 'complaint'"
    ).fetchall()[0]
    assert bad_day is not None and bad_day[0] > 0
    new = con.execute(
        "SELECT min(date_diff('day', c.acquired_at, gt_end.as_of)) , max(date_diff('day', "
        "c.acquired_at, gt_end.as_of)) FROM gt JOIN customers c USING (customer_id), "
        "(SELECT max(opened_at) as_of FROM tickets) gt_end WHERE gt.decoy = 'new_customer'"
    ).fetchall()[0]
    assert new is not None and new[1] <= 45


def _texts(b: DemoBusiness) -> set[str]:
    return set(b.tables["tickets"]["body"].to_pylist())


@pytest.mark.parametrize("lang", tx.LANGUAGES)
def test_texts_in_every_language(biz: DemoBusiness, lang: str) -> None:
    bodies = _texts(biz)
    for kind in ("complaint", "abusive", "threat", "question", "change_request"):
        wanted = {body for _, body in tx.TICKETS[lang][kind]}
        assert bodies & wanted, f"no {kind} ticket in {lang}"
    reviews = set(biz.tables["reviews"]["text"].drop_null().to_pylist())
    for band in tx.REVIEW_BANDS:
        assert reviews & set(tx.REVIEWS[lang][band]), f"no {band} review in {lang}"


def test_scripts_of_the_five_languages(biz: DemoBusiness) -> None:
    text = "\n".join(_texts(biz))
    assert re.search(r"[\u3040-\u30ff]", text), "Japanese kana"
    assert re.search(r"[們這麼嗎]", text), "Traditional Chinese"
    assert re.search(r"[\u0400-\u04ff]", text), "Cyrillic"
    assert re.search(r"[õäöü]", text), "Estonian"


def test_abusive_and_threatening_language_only_from_their_archetypes(
    con: duckdb.DuckDBPyConnection,
) -> None:
    threats = [body for lang in tx.LANGUAGES for _, body in tx.TICKETS[lang]["threat"]]
    insults = [body for lang in tx.LANGUAGES for _, body in tx.TICKETS[lang]["abusive"]]
    con.register("threat_text", pa.table({"body": threats}))
    con.register("insult_text", pa.table({"body": insults}))
    rows = con.execute(
        "SELECT DISTINCT gt.patterns FROM tickets t JOIN gt USING (customer_id) "
        "WHERE t.body IN (SELECT body FROM threat_text)"
    ).fetchall()
    assert rows and all("threat" in r[0] for r in rows)
    rows = con.execute(
        "SELECT DISTINCT gt.patterns FROM tickets t JOIN gt USING (customer_id) "
        "WHERE t.body IN (SELECT body FROM insult_text)"
    ).fetchall()
    assert rows and all("abusive" in r[0] for r in rows)


def test_lost_customers_answer_exit_surveys_with_contract_reasons(
    con: duckdb.DuckDBPyConnection,
) -> None:
    share = con.execute(
        "SELECT avg(CASE WHEN s.response_id IS NULL THEN 0.0 ELSE 1 END) FROM gt "
        "LEFT JOIN surveys s ON s.customer_id = gt.customer_id AND s.kind = 'exit' WHERE gt.lost"
    ).fetchall()[0]
    assert share is not None and 0.6 < share[0] < 0.95
    ours = con.execute(
        "SELECT avg(CASE WHEN regexp_matches(s.reasons, 'responsiveness|broken_promise|"
        "unresolved_complaint') THEN 1.0 ELSE 0 END) FROM surveys s JOIN gt USING (customer_id) "
        "WHERE s.kind = 'exit' AND gt.archetype = 'lost_failed'"
    ).fetchall()[0]
    assert ours == (1.0,)
    rows = con.execute(
        "SELECT split_part(reasons, ';', 1), comment FROM surveys "
        "WHERE kind = 'exit' AND comment IS NOT NULL"
    ).fetchall()
    assert rows
    for reason, comment in rows:
        k = SURVEY_REASONS.index(reason)
        assert comment in {tx.EXIT_COMMENTS[lang][k] for lang in tx.LANGUAGES}, (reason, comment)
    after = con.execute(
        "SELECT count(*) FROM surveys s JOIN customers c USING (customer_id) "
        "WHERE s.kind = 'exit' AND (c.ended_at IS NULL OR s.submitted_at < c.ended_at)"
    ).fetchall()[0]
    assert after == (0,)


def test_some_reviews_are_anonymous(biz: DemoBusiness) -> None:
    reviews = biz.tables["reviews"]
    assert 0 < reviews["customer_id"].null_count < reviews.num_rows


def test_seasonality_peaks_in_december(con: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        con.execute(
            "SELECT month(ordered_at), count(*) FROM orders o JOIN gt USING (customer_id) "
            "WHERE NOT gt.contract GROUP BY 1"
        ).fetchall()
    )
    assert rows[12] > 1.2 * rows[6]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_write_business(tmp_path: Path, fmt: str) -> None:
    b = generate_business(150, seed=11)
    paths = write_business(b, tmp_path / "out", fmt=fmt)
    assert [p.name for p in paths] == [f"{t}.{fmt}" for t in TABLES]
    assert (tmp_path / "out" / "ground_truth.parquet").exists()
    for path in paths:
        name = path.stem
        if fmt == "parquet":
            back = pq.read_table(path)
            assert back.equals(b.tables[name])
        else:
            rows = duckdb.sql(f"SELECT count(*) FROM read_csv_auto('{path}')").fetchall()[0]
            assert rows == (b.tables[name].num_rows,)
    truth = pq.read_table(tmp_path / "out" / "ground_truth.parquet")
    assert truth.equals(b.ground_truth)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KeepwiseError, match="format"):
        write_business(generate_business(5), tmp_path, fmt="xlsx")
    with pytest.raises(KeepwiseError, match="at least one customer"):
        generate_business(0)
    with pytest.raises(KeepwiseError, match="year"):
        generate_business(10, years=0)


def test_event_times_are_spread_not_clumped(biz: DemoBusiness) -> None:
    t = biz.tables["orders"]["ordered_at"].cast(pa.int64()).to_numpy()
    assert (t % 1_000_000 == 0).all(), "whole seconds, as exports have them"
    hours = (t // 3_600_000_000) % 24
    assert set(np.unique(hours)) <= set(range(8, 24))
    days = np.unique(t // 86_400_000_000)
    assert days.size > 900


def test_phrase_banks_are_complete() -> None:
    for lang in tx.LANGUAGES:
        assert set(tx.TICKETS[lang]) == set(tx.TICKET_KINDS), lang
        assert all(tx.TICKETS[lang][k] for k in tx.TICKET_KINDS), lang
        assert len(tx.EXIT_COMMENTS[lang]) == len(SURVEY_REASONS), lang
        assert set(tx.REVIEWS[lang]) == set(tx.REVIEW_BANDS), lang


def test_contracts_bill_monthly_or_quarterly(con: duckdb.DuckDBPyConnection) -> None:
    gaps = con.execute(
        "WITH r AS (SELECT o.customer_id, o.ordered_at, o.amount, "
        "round(c.annual_contract_value / o.amount) per_year FROM orders o "
        "JOIN customers c USING (customer_id) WHERE c.annual_contract_value IS NOT NULL "
        "AND abs(o.amount * round(c.annual_contract_value / o.amount) "
        "- c.annual_contract_value) < 1), "
        "g AS (SELECT per_year, date_diff('day', lag(ordered_at) OVER (PARTITION BY "
        "customer_id ORDER BY ordered_at), ordered_at) gap FROM r) "
        "SELECT per_year, median(gap), count(*) FROM g WHERE gap IS NOT NULL GROUP BY 1"
    ).fetchall()
    medians = {int(p): m for p, m, n in gaps if n > 100}
    assert set(medians) == {4, 12}
    assert 29 <= medians[12] <= 32
    assert 89 <= medians[4] <= 93


def test_repeat_buyers_vary_and_some_drop_out(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "WITH s AS (SELECT gt.customer_id, count(o.order_id) n, max(o.ordered_at) last "
        "FROM gt JOIN customers c USING (customer_id) LEFT JOIN orders o USING (customer_id) "
        "WHERE gt.archetype = 'ordinary' AND NOT gt.contract "
        "AND c.acquired_at < TIMESTAMP '2024-06-30' GROUP BY 1) "
        "SELECT avg(CASE WHEN last IS NULL OR last < TIMESTAMP '2025-06-30' THEN 1.0 ELSE 0 END),"
        " stddev(n) / avg(n) FROM s"
    ).fetchall()[0]
    quiet, spread = rows
    assert 0.1 < quiet < 0.5, "BG/NBD-like drop-outs: some long-standing buyers went quiet"
    assert spread > 0.6, "purchase rates differ between customers (gamma heterogeneity)"


def test_costs_and_discounts_are_plausible(con: duckdb.DuckDBPyConnection) -> None:
    low, high = con.execute(
        "SELECT quantile_cont(cost / amount, 0.01), quantile_cont(cost / amount, 0.99) "
        "FROM orders WHERE coalesce(discount, 0) = 0"
    ).fetchall()[0]
    assert low > 0.5 and high < 0.8
    bad = con.execute(
        "SELECT count(*) FROM orders WHERE discount > 0 AND "
        "abs(list_amount - discount - amount) > 0.011"
    ).fetchall()[0]
    assert bad == (0,)
    by_segment = dict(
        con.execute(
            "SELECT c.segment, median(o.amount) FROM orders o JOIN customers c "
            "USING (customer_id) WHERE c.annual_contract_value IS NULL GROUP BY 1"
        ).fetchall()
    )
    ordered = [by_segment[s] for s in ("consumer", "smb", "mid_market", "enterprise")]
    assert ordered == sorted(ordered)
