"""Turn the generator's arrays into Arrow tables with the contract's columns, and the ground truth.

Strings are never built one by one in Python: ids are laid out as bytes, and texts and enum
values are taken from small vocabularies by index, so the cost is the same at any size.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from keepwise.application import demo_text as tx
from keepwise.application.demo_archetypes import (
    ARCHETYPES,
    COUNTRIES,
    PATTERNS,
    SEGMENTS,
    SIGNAL_OF_PATTERN,
)
from keepwise.application.demo_build import (
    _DECOY_NAMES,
    DAY,
    FLAT,
    NAT,
    Builder,
    id_width,
    make_ids,
)
from keepwise.domain.contract.schema import (
    ACTIVITY_KIND,
    ACTIVITY_OUTCOME,
    INCIDENT_KIND,
    INVOICE_STATUS,
    SURVEY_REASONS,
    TABLES,
    TICKET_CATEGORY,
    Kind,
)
from keepwise.domain.scorecard import SIGNAL_NAMES

CHANNELS = ("email", "phone", "chat", "web")
SURVEY_KINDS = ("nps", "csat", "exit")


def _vocab(values: tuple[str, ...] | list[str], idx: np.ndarray) -> pa.Array:
    """Return ``values[idx]`` as dictionary-encoded strings; negative indices become nulls.

    Enum values and texts repeat a few hundred phrases over millions of rows; a dictionary
    array stores each phrase once, which keeps a million-customer business within memory.
    DuckDB, Parquet and pyarrow.compute read it as plain text.
    """
    idx = np.asarray(idx, dtype=np.int32)
    mask = idx < 0
    indices = pa.array(np.where(mask, 0, idx), pa.int32(), mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(values), pa.string()))


def _ts(values: np.ndarray) -> pa.Array:
    """Return timestamps cut to whole seconds, as exports have them (the cut keeps order)."""
    values = np.asarray(values, dtype=np.int64)
    mask = values == NAT
    seconds = np.where(mask, 0, values) // 1_000_000 * 1_000_000
    return pa.array(seconds, pa.timestamp("us"), mask=mask)


def _float(values: np.ndarray, digits: int | None = None) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    if digits is not None:
        values = np.round(values, digits)
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def _int(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    mask = np.isnan(values)
    return pa.array(np.where(mask, 0, values).astype(np.int64), pa.int64(), mask=mask)


def _contract_table(name: str, cols: dict[str, pa.Array]) -> pa.Table:
    """Return the columns as a table in contract order, with types that follow the contract."""
    spec = TABLES[name]
    arrays = []
    for col in spec.columns:
        arr = cols[col.name]
        if col.kind is Kind.MONEY and arr.type != pa.float64():
            arr = arr.cast(pa.float64())
        arrays.append(arr)
    return pa.table(arrays, names=list(spec.names))


class TextPicker:
    """Flat arrays of every phrase bank with offsets, so a text is one integer index."""

    def __init__(self) -> None:
        self.subjects: list[str] = []
        self.bodies: list[str] = []
        n_lang, n_kind = len(tx.LANGUAGES), len(tx.TICKET_KINDS)
        self.t_off = np.zeros((n_lang, n_kind), dtype=np.int64)
        self.t_cnt = np.zeros((n_lang, n_kind), dtype=np.int64)
        for i, lang in enumerate(tx.LANGUAGES):
            for j, kind in enumerate(tx.TICKET_KINDS):
                pairs = tx.TICKETS[lang][kind]
                self.t_off[i, j] = len(self.subjects)
                self.t_cnt[i, j] = len(pairs)
                self.subjects.extend(s for s, _ in pairs)
                self.bodies.extend(b for _, b in pairs)
        self.reviews: list[str] = []
        self.r_off = np.zeros((n_lang, 3), dtype=np.int64)
        self.r_cnt = np.zeros((n_lang, 3), dtype=np.int64)
        for i, lang in enumerate(tx.LANGUAGES):
            for j, band in enumerate(tx.REVIEW_BANDS):
                texts = tx.REVIEWS[lang][band]
                self.r_off[i, j] = len(self.reviews)
                self.r_cnt[i, j] = len(texts)
                self.reviews.extend(texts)
        self.exits: list[str] = []
        for lang in tx.LANGUAGES:
            self.exits.extend(tx.EXIT_COMMENTS[lang])

    def ticket(self, lang: np.ndarray, kind: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Return the flat index of a ticket text for language, kind and a uniform draw."""
        cnt = self.t_cnt[lang, kind]
        return self.t_off[lang, kind] + np.minimum((u * cnt).astype(np.int64), cnt - 1)

    def review(self, lang: np.ndarray, rating: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Return the flat index of a review text matching the rating's band."""
        band = np.where(rating <= 2, 0, np.where(rating == 3, 1, 2))
        cnt = self.r_cnt[lang, band]
        return self.r_off[lang, band] + np.minimum((u * cnt).astype(np.int64), cnt - 1)

    def exit(self, lang: np.ndarray, reason: np.ndarray) -> np.ndarray:
        """Return the flat index of the exit comment for a language and a reason index."""
        return lang.astype(np.int64) * len(SURVEY_REASONS) + reason


def build_tables(b: Builder) -> tuple[dict[str, pa.Table], pa.Table]:
    """Draw every table from the builder and return them with the ground truth."""
    p = b.pop
    n = p.n
    cid = make_ids("C", n, id_width(n, 6))
    words = TextPicker()

    def who(cust: np.ndarray) -> pa.Array:
        return cid.take(pa.array(np.asarray(cust, dtype=np.int64)))

    tables: dict[str, pa.Table] = {}
    tables["customers"] = _customers(b, cid)

    orders = b.orders()
    oid = make_ids("O", orders["cust"].size, id_width(orders["cust"].size, 7))
    tables["orders"] = _contract_table(
        "orders",
        {
            "order_id": oid,
            "customer_id": who(orders["cust"]),
            "ordered_at": _ts(orders["ordered_at"]),
            "amount": _float(orders["amount"], 2),
            "cost": _float(orders["cost"], 2),
            "discount": _float(orders["discount"], 2),
            "list_amount": _float(orders["list_amount"], 2),
        },
    )
    ret = b.returns(orders)
    m = ret["cust"].size
    tables["returns"] = _contract_table(
        "returns",
        {
            "return_id": make_ids("R", m, id_width(m, 6)),
            "customer_id": who(ret["cust"]),
            "returned_at": _ts(ret["returned_at"]),
            "amount": _float(ret["amount"], 2),
            "order_id": oid.take(pa.array(ret["order_row"].astype(np.int64))),
            "reason": _vocab(tx.RETURN_REASONS, ret["reason"]),
        },
    )
    inv = b.invoices(orders)
    del orders
    m = inv["cust"].size
    tables["invoices"] = _contract_table(
        "invoices",
        {
            "invoice_id": make_ids("I", m, id_width(m, 7)),
            "customer_id": who(inv["cust"]),
            "issued_at": _ts(inv["issued_at"]),
            "due_at": _ts(inv["due_at"]),
            "amount": _float(inv["amount"], 2),
            "paid_at": _ts(inv["paid_at"]),
            "amount_paid": _float(inv["amount_paid"], 2),
            "status": _vocab(INVOICE_STATUS, inv["status"]),
            "disputed": pa.array(inv["disputed"]),
            "discount": _float(inv["discount"], 2),
            "collection_touches": _int(inv["collection_touches"]),
        },
    )
    del inv
    tk = b.tickets()
    m = tk["cust"].size
    text = words.ticket(tk["lang"], tk["kind"], tk["text"])
    tables["tickets"] = _contract_table(
        "tickets",
        {
            "ticket_id": make_ids("T", m, id_width(m, 7)),
            "customer_id": who(tk["cust"]),
            "opened_at": _ts(tk["opened_at"]),
            "first_response_at": _ts(tk["first_response_at"]),
            "closed_at": _ts(tk["closed_at"]),
            "channel": _vocab(CHANNELS, tk["channel"]),
            "category": _vocab(TICKET_CATEGORY, tk["category"]),
            "handle_minutes": _float(tk["handle_minutes"], 1),
            "touchpoints": _int(tk["touchpoints"]),
            "after_hours": pa.array(tk["after_hours"]),
            "out_of_scope": pa.array(tk["out_of_scope"]),
            "reopened": pa.array(tk["reopened"]),
            "csat": _int(tk["csat"]),
            "subject": _vocab(words.subjects, text),
            "body": _vocab(words.bodies, text),
        },
    )
    del tk, text
    ac = b.activities()
    m = ac["cust"].size
    tables["activities"] = _contract_table(
        "activities",
        {
            "activity_id": make_ids("A", m, id_width(m, 7)),
            "customer_id": who(ac["cust"]),
            "kind": _vocab(ACTIVITY_KIND, ac["kind"]),
            "at": _ts(ac["at"]),
            "outcome": _vocab(ACTIVITY_OUTCOME, ac["outcome"]),
            "minutes": _float(ac["minutes"]),
            "response_hours": _float(
                np.where(ac["outcome"] == ACTIVITY_OUTCOME.index("answered"), ac["resp"], np.nan)
            ),
        },
    )
    del ac
    inc = b.incidents()
    m = inc["cust"].size
    incident_texts, _ = FLAT["incident"]
    tables["incidents"] = _contract_table(
        "incidents",
        {
            "incident_id": make_ids("N", m, id_width(m, 6)),
            "customer_id": who(inc["cust"]),
            "reported_at": _ts(inc["reported_at"]),
            "kind": _vocab(INCIDENT_KIND, inc["kind"]),
            "reported_by": _vocab(tx.OWNERS, inc["reporter"]),
            "severity": _int(inc["severity"]),
            "description": _vocab(incident_texts, inc["text"]),
        },
    )
    rv = b.reviews()
    m = rv["cust"].size
    anon = rv["cust"] < 0
    cust_ids = who(np.maximum(rv["cust"], 0))
    tables["reviews"] = _contract_table(
        "reviews",
        {
            "review_id": make_ids("V", m, id_width(m, 6)),
            "posted_at": _ts(rv["posted_at"]),
            "rating": pa.array(rv["rating"], pa.int64()),
            "customer_id": pc.if_else(pa.array(anon), pa.scalar(None, pa.string()), cust_ids),
            "source": _vocab(tx.REVIEW_SOURCES, rv["source"]),
            "public": pa.array(rv["public"]),
            "text": _vocab(words.reviews, words.review(rv["lang"], rv["rating"], rv["text"])),
        },
    )
    sv = b.surveys()
    m = sv["cust"].size
    is_exit = sv["kind"] == SURVEY_KINDS.index("exit")
    reasons = p.end_reasons[sv["cust"]]
    k = len(SURVEY_REASONS)
    pairs = [
        SURVEY_REASONS[i] + ("" if j < 0 else ";" + SURVEY_REASONS[j])
        for i in range(k)
        for j in range(-1, k)
    ]
    code = np.where(is_exit, reasons[:, 0].astype(np.int64) * (k + 1) + reasons[:, 1] + 1, -1)
    comment = np.where(
        is_exit & (sv["text"] < 0.8), words.exit(p.lang[sv["cust"]], reasons[:, 0]), -1
    )
    tables["surveys"] = _contract_table(
        "surveys",
        {
            "response_id": make_ids("S", m, id_width(m, 6)),
            "customer_id": who(sv["cust"]),
            "kind": _vocab(SURVEY_KINDS, sv["kind"]),
            "submitted_at": _ts(sv["submitted_at"]),
            "score": _float(sv["score"]),
            "reasons": _vocab(pairs, code),
            "comment": _vocab(words.exits, comment),
        },
    )
    return tables, _ground_truth(b, cid)


def _customers(b: Builder, cid: pa.Array) -> pa.Table:
    p, rng = b.pop, b.rng
    n = p.n
    first = _vocab(tx.FIRST_NAMES, rng.integers(0, len(tx.FIRST_NAMES), n)).cast(pa.string())
    last = _vocab(tx.LAST_NAMES, rng.integers(0, len(tx.LAST_NAMES), n)).cast(pa.string())
    number = pc.utf8_slice_codeunits(cid, 1)
    name = pc.binary_join_element_wise(first, last, number, " ")
    email = pc.binary_join_element_wise(
        pa.scalar("contact+"), pc.utf8_lower(cid), pa.scalar("@example.com"), ""
    )
    reason = np.where(p.lost, p.end_reasons[:, 0], -1)
    return _contract_table(
        "customers",
        {
            "customer_id": cid,
            "name": name,
            "segment": _vocab(SEGMENTS, p.segment),
            "country": _vocab([c[0] for c in COUNTRIES], p.country),
            "acquired_at": _ts(p.acquired),
            "ended_at": _ts(p.ended),
            "end_reason": _vocab(SURVEY_REASONS, reason),
            "strategic": pa.array(p.strategic),
            "owner": _vocab(tx.OWNERS, rng.integers(0, len(tx.OWNERS), n)),
            "email": email,
            "annual_contract_value": _float(p.acv, 2),
        },
    )


def _ground_truth(b: Builder, cid: pa.Array) -> pa.Table:
    """Return one row per customer: archetype, expected signals, decoy and flags."""
    p = b.pop
    active = ~p.lost | (p.life_end > b.end - 180 * DAY)
    expect = {s: np.zeros(p.n, dtype=bool) for s in SIGNAL_NAMES}
    for pattern in PATTERNS:
        signal = SIGNAL_OF_PATTERN[pattern]
        shown = p.has(pattern) & active
        if pattern == "failed":
            shown = p.has(pattern) & ~p.lost
        expect[signal] |= shown
    recent_failed = p.has("failed") & (p.life_end > b.end - 300 * DAY)
    names = [a.name for a in ARCHETYPES]
    listed = np.zeros(p.n, dtype=np.int64)
    combos: list[str] = [""]
    # Pattern combinations are few; give each a vocabulary entry so the column is one take.
    bits = np.zeros(p.n, dtype=np.int64)
    for i, pattern in enumerate(PATTERNS):
        bits |= p.has(pattern).astype(np.int64) << i
    uniq, inverse = np.unique(bits, return_inverse=True)
    combos = [";".join(pt for i, pt in enumerate(PATTERNS) if (u >> i) & 1) for u in uniq]
    listed = inverse
    cols: dict[str, pa.Array] = {
        "customer_id": cid,
        "archetype": _vocab(names, p.archetype),
        "patterns": _vocab(combos, listed),
    }
    for s in SIGNAL_NAMES:
        cols[f"expect_{s}"] = pa.array(expect[s])
    cols["expect_our_failures"] = pa.array(recent_failed)
    cols["decoy"] = _vocab(_DECOY_NAMES, p.decoy)
    cols["lost"] = pa.array(p.lost)
    cols["contract"] = pa.array(p.contract)
    cols["strategic"] = pa.array(p.strategic)
    cols["segment"] = _vocab(SEGMENTS, p.segment)
    return pa.table(cols)
