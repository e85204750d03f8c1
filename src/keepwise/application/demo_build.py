"""The demo business's population and event tables, sampled with numpy in whole-array steps.

Every table is drawn as arrays: a count per customer (Poisson or fixed), ``np.repeat`` to one row
per event, uniform or seasonal times inside the customer's window, and per-row attributes from
per-customer parameters. There is a loop over archetypes and over tables, never over customers or
events, so a million customers take minutes.

Times are int64 microseconds since the epoch; window bounds are midnights, and every event time
is a day inside the window plus an hour of the day, so it stays strictly before the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa

from keepwise.application import demo_text as tx
from keepwise.application.demo_archetypes import (
    ARCHETYPES,
    B2B_ONLY_PATTERNS,
    COUNTRIES,
    NOT_ENTERPRISE_PATTERNS,
    PATTERNS,
    SEGMENT_ACV_MEDIAN,
    SEGMENT_CONTRACT_SHARE,
    SEGMENT_MEETINGS_PER_YEAR,
    SEGMENT_ORDER_MEDIAN,
    SEGMENT_ORDERS_PER_YEAR,
    SEGMENT_OUTREACH_PER_YEAR,
    SEGMENT_PAYMENT_TERMS,
    SEGMENT_RETURN_RATE,
    SEGMENT_TICKETS_PER_YEAR,
)
from keepwise.domain.contract.schema import (
    ACTIVITY_KIND,
    ACTIVITY_OUTCOME,
    INCIDENT_KIND,
    INVOICE_STATUS,
    SURVEY_REASONS,
    TICKET_CATEGORY,
)

HOUR = 3_600_000_000
DAY = 24 * HOUR
YEAR = 365.25 * DAY
NAT = np.iinfo(np.int64).min
EPOCH = datetime(1970, 1, 1)

Arrays = dict[str, np.ndarray]


def to_us(moment: datetime) -> int:
    """Return ``moment`` (naive, UTC) as microseconds since the epoch."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def make_ids(prefix: str, n: int, width: int, suffix: str = "") -> pa.Array:
    """Return ``prefix`` + zero-padded 1..n + ``suffix`` as Arrow strings, no Python strings.

    Building ten million ids as Python strings takes longer than the rest of the generator, so
    the bytes are laid out with numpy and handed to Arrow as buffers.
    """
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    tail = np.frombuffer(suffix.encode(), dtype=np.uint8)
    num = np.arange(1, n + 1, dtype=np.int64)
    digits = np.empty((n, width), dtype=np.uint8)
    for k in range(width):
        digits[:, width - 1 - k] = (num // 10**k) % 10 + 48
    parts = [np.broadcast_to(head, (n, head.size)), digits, np.broadcast_to(tail, (n, tail.size))]
    data = np.hstack(parts).ravel()
    step = head.size + width + tail.size
    offsets = np.arange(0, (n + 1) * step, step, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def id_width(n: int, minimum: int) -> int:
    """Return the digit count that numbers 1..n need, at least ``minimum``."""
    return max(minimum, len(str(max(n, 1))))


@dataclass
class Population:
    """One entry per customer: archetype, patterns, segment, dates and size parameters.

    Windows: ``obs_start`` (acquisition, or the start of the history) to ``life_end`` (the end,
    or ``ended``); ``orders_end`` is earlier for repeat buyers who quietly stopped buying, and
    ``engaged_end`` 45 days after that; ``pattern_start`` opens the last ~15 months in which a
    bad customer's pattern is concentrated.
    """

    n: int
    archetype: np.ndarray
    patterns: dict[str, np.ndarray]
    decoy: np.ndarray
    segment: np.ndarray
    contract: np.ndarray
    period_months: np.ndarray
    acv: np.ndarray
    country: np.ndarray
    lang: np.ndarray
    acquired: np.ndarray
    ended: np.ndarray
    life_end: np.ndarray
    obs_start: np.ndarray
    pattern_start: np.ndarray
    orders_end: np.ndarray
    engaged_end: np.ndarray
    strategic: np.ndarray
    end_reasons: np.ndarray
    size: np.ndarray
    busy: np.ndarray
    lost: np.ndarray

    def has(self, pattern: str) -> np.ndarray:
        """Return the mask of customers showing ``pattern``."""
        return self.patterns[pattern]


_ARCH_INDEX = {a.name: i for i, a in enumerate(ARCHETYPES)}
_LANG_INDEX = {lang: i for i, lang in enumerate(tx.LANGUAGES)}
_CAT = {c: i for i, c in enumerate(TICKET_CATEGORY)}
_KIND = {k: i for i, k in enumerate(tx.TICKET_KINDS)}
_ACT = {k: i for i, k in enumerate(ACTIVITY_KIND)}
_OUT = {k: i for i, k in enumerate(ACTIVITY_OUTCOME)}
_INC = {k: i for i, k in enumerate(INCIDENT_KIND)}
_REASON = {k: i for i, k in enumerate(SURVEY_REASONS)}


class Builder:
    """Draws the population and then each table from one seeded generator, in a fixed order."""

    def __init__(self, customers: int, seed: int, end: datetime, years: int):
        self.rng = np.random.default_rng(seed)
        self.n = customers
        self.end = to_us(end)
        self.start = self.end - int(years * 365 * DAY)
        self.pop = self._population()

    # ------------------------------------------------------------------ helpers
    def _days(self, low: float, high: float, size: int) -> np.ndarray:
        """Return ``size`` whole-day durations in microseconds, uniform in [low, high) days."""
        return np.floor(self.rng.uniform(low, high, size)).astype(np.int64) * DAY

    def _stamp(self, t: np.ndarray, after_hours: np.ndarray | None = None) -> np.ndarray:
        """Return times snapped to their day plus an office hour (or an evening hour)."""
        day = (np.floor(t / DAY) * DAY).astype(np.int64)
        hours = 8.0 + self.rng.random(t.size) * 10.0
        if after_hours is not None:
            hours = np.where(after_hours, 19.0 + self.rng.random(t.size) * 4.9, hours)
        return day + (hours * HOUR).astype(np.int64)

    def _counts(self, rate_per_year: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return Poisson event counts for each customer's window [a, b) at a yearly rate."""
        span = np.clip(b - a, 0, None) / YEAR
        counts = self.rng.poisson(np.clip(rate_per_year, 0, None) * span)
        return np.where(b - a >= DAY, counts, 0)

    def _spread(
        self,
        counts: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        after_hours: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (customer index, time) for ``counts`` events uniform in each window."""
        counts = np.where(b - a >= DAY, counts, 0)
        cust = np.repeat(np.arange(counts.size), counts)
        t = a[cust] + self.rng.random(cust.size) * (b - a)[cust]
        return cust, self._stamp(t, None if after_hours is None else after_hours[cust])

    def _pick_one(self, cust: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        """Return one random row index per customer among the ``eligible`` rows."""
        rows = np.flatnonzero(eligible)
        if rows.size == 0:
            return rows
        keys = self.rng.random(rows.size)
        order = np.lexsort((keys, cust[rows]))
        rows = rows[order]
        c = cust[rows]
        first = np.r_[True, c[1:] != c[:-1]]
        return rows[first]

    def _choice(self, probs: np.ndarray, size: int) -> np.ndarray:
        """Return ``size`` draws of the indices of ``probs`` (normalised)."""
        p = np.asarray(probs, dtype=float)
        return self.rng.choice(p.size, size=size, p=p / p.sum())

    # --------------------------------------------------------------- population
    def _population(self) -> Population:
        rng, n = self.rng, self.n
        shares = np.array([a.share for a in ARCHETYPES])
        counts = np.floor(shares * n).astype(int)
        if n >= 60:
            counts[1:] = np.maximum(counts[1:], 1)
        counts[0] = n - counts[1:].sum()
        if counts[0] < 0:
            raise ValueError("too few customers for the archetype mix")
        arch = rng.permutation(np.repeat(np.arange(len(ARCHETYPES)), counts))

        seg = np.zeros(n, dtype=np.int8)
        min_tenure = np.zeros(n, dtype=np.int64)
        lost = np.zeros(n, dtype=bool)
        patterns = {p: np.zeros(n, dtype=bool) for p in PATTERNS}
        decoy = np.full(n, -1, dtype=np.int8)
        decoy_names = [a.decoy for a in ARCHETYPES if a.decoy]
        for i, spec in enumerate(ARCHETYPES):
            mask = arch == i
            k = int(mask.sum())
            if k == 0:
                continue
            seg[mask] = self._choice(np.array(spec.segments), k)
            min_tenure[mask] = spec.min_tenure_days
            lost[mask] = rng.random(k) < spec.lost
            for p in spec.patterns:
                patterns[p][mask] = True
            if spec.decoy:
                decoy[mask] = decoy_names.index(spec.decoy)
            if spec.companions and spec.second > 0:
                idx = np.flatnonzero(mask)
                idx = idx[rng.random(k) < spec.second]
                pick = rng.integers(0, len(spec.companions), idx.size)
                for j, comp in enumerate(spec.companions):
                    chosen = idx[pick == j]
                    if comp in B2B_ONLY_PATTERNS:
                        chosen = chosen[seg[chosen] > 0]
                    if comp in NOT_ENTERPRISE_PATTERNS:
                        chosen = chosen[seg[chosen] < 3]
                    patterns[comp][chosen] = True

        contract = rng.random(n) < np.asarray(SEGMENT_CONTRACT_SHARE)[seg]
        contract &= ~patterns["policy_abuse"] & ~patterns["attention_hog"]
        period = np.where(rng.random(n) < 0.6, 1, 3).astype(np.int8)
        period[patterns["late_payer"]] = 1
        acv = np.where(
            contract,
            np.round(np.asarray(SEGMENT_ACV_MEDIAN)[seg] * np.exp(rng.normal(0, 0.5, n)), -2),
            np.nan,
        )
        size = np.exp(rng.normal(0, 0.45, n))
        size = np.where(patterns["attention_hog"], np.minimum(size, 1.0) * 0.7, size)
        busy = arch == _ARCH_INDEX["big_busy_customer"]
        size = np.where(busy, size * 4.0, size)

        country_p = np.array([c[2] for c in COUNTRIES])
        country = self._choice(country_p, n)
        lang_of_country = np.array([_LANG_INDEX[c[1]] for c in COUNTRIES])
        lang = lang_of_country[country]
        lang = np.where(rng.random(n) < 0.12, 0, lang)

        end, start = self.end, self.start
        tenure = min_tenure * DAY
        latest = end - np.maximum(tenure, DAY)
        early = rng.random(n) < 0.35
        acq_early = start - self._days(1, 4 * 365, n)
        acq_window = start + (rng.random(n) * np.clip(latest - start, DAY, None)).astype(np.int64)
        acquired = np.where(early & (latest >= start), acq_early, acq_window)
        acquired = np.minimum(acquired, latest)
        new = decoy == decoy_names.index("new_customer")
        acquired = np.where(new, end - self._days(7, 42, n), acquired)
        acquired = (acquired // DAY) * DAY

        ended = np.full(n, NAT, dtype=np.int64)
        lost_failed = arch == _ARCH_INDEX["lost_failed"]
        plain_lost = arch == _ARCH_INDEX["lost"]
        bad_lost = lost & ~lost_failed & ~plain_lost
        lo = np.maximum(acquired + 120 * DAY, start + 90 * DAY)
        spread = (rng.random(n) * np.clip(end - 20 * DAY - lo, DAY, None)).astype(np.int64)
        ended = np.where(plain_lost, np.minimum(lo + spread, end - 20 * DAY), ended)
        ended = np.where(lost_failed, end - self._days(20, 270, n), ended)
        ended = np.where(bad_lost, end - self._days(20, 120, n), ended)
        ended = np.where(lost, (ended // DAY) * DAY, NAT)
        life_end = np.where(lost, ended, end)
        obs_start = np.maximum(acquired, start)
        pattern_start = np.maximum(obs_start + 30 * DAY, life_end - 450 * DAY)
        pattern_start = np.minimum(pattern_start, life_end - 60 * DAY)
        pattern_start = np.maximum(pattern_start, obs_start)

        dropout = ~contract & (arch == _ARCH_INDEX["ordinary"]) & (rng.random(n) < 0.3)
        drop_at = obs_start + (rng.random(n) * (life_end - obs_start)).astype(np.int64)
        orders_end = np.where(dropout, drop_at, life_end)

        strategic = arch == _ARCH_INDEX["strategic"]
        bad = np.zeros(n, dtype=bool)
        for p in PATTERNS:
            if p != "failed":
                bad |= patterns[p]
        strategic |= bad & (seg == 3) & (rng.random(n) < 0.3)

        reasons = self._end_reasons(arch, lost, patterns)
        return Population(
            n=n,
            archetype=arch,
            patterns=patterns,
            decoy=decoy,
            segment=seg,
            contract=contract,
            period_months=period,
            acv=acv,
            country=country,
            lang=lang,
            acquired=acquired,
            ended=ended,
            life_end=life_end,
            obs_start=obs_start,
            pattern_start=pattern_start,
            orders_end=orders_end,
            engaged_end=np.minimum(orders_end + 45 * DAY, life_end),
            strategic=strategic,
            end_reasons=reasons,
            size=size,
            busy=busy,
            lost=lost,
        )

    def _end_reasons(
        self, arch: np.ndarray, lost: np.ndarray, patterns: dict[str, np.ndarray]
    ) -> np.ndarray:
        """Return each lost customer's exit reasons as a (n, 2) index array (-1 = none)."""
        rng, n = self.rng, self.n
        ours = np.array(
            [_REASON[r] for r in ("responsiveness", "broken_promise", "unresolved_complaint")]
        )
        other = np.array(
            [
                _REASON[r]
                for r in (
                    "price",
                    "competitor_offer",
                    "no_longer_needed",
                    "quality",
                    "overall_dissatisfaction",
                    "other",
                )
            ]
        )
        other_p = np.array([0.3, 0.25, 0.2, 0.1, 0.1, 0.05])
        first = other[self._choice(other_p, n)]
        first = np.where(patterns["failed"], ours[rng.integers(0, 3, n)], first)
        second = np.where(rng.random(n) < 0.4, other[self._choice(other_p, n)], -1)
        second = np.where(
            patterns["failed"] & (rng.random(n) < 0.6), ours[rng.integers(0, 3, n)], second
        )
        second = np.where(second == first, -1, second)
        out = np.stack([first, second], axis=1)
        out[~lost] = -1
        return out.astype(np.int16)

    # ------------------------------------------------------------------- orders
    def _season_grid(self) -> tuple[int, np.ndarray]:
        """Return the first day and the cumulative seasonal weight per day (mean weight 1).

        Sales peak in late November and December and dip in summer; weekends are quieter.
        """
        first = int(min(self.pop.obs_start.min(), self.start) // DAY)
        last = int(self.end // DAY) + 1
        days = np.arange(first, last, dtype=np.int64)
        doy = (days - 3) % 365.25
        weight = 1.0 + 0.3 * np.cos(2 * np.pi * (doy - 340) / 365.25)
        weekday = (days + 3) % 7
        weight = weight * np.where(weekday >= 5, 0.7, 1.1)
        weight = weight / weight.mean()
        return first, np.concatenate([[0.0], np.cumsum(weight)])

    def _seasonal(
        self, rate_per_year: np.ndarray, a: np.ndarray, b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (customer, time) of Poisson events with seasonal intensity inside [a, b)."""
        first, cum = self._season_grid()
        ia = np.clip(a // DAY - first, 0, cum.size - 1)
        ib = np.clip(b // DAY - first, 0, cum.size - 1)
        mass = np.clip(cum[ib] - cum[ia], 0, None)
        counts = self.rng.poisson(np.clip(rate_per_year, 0, None) * mass / 365.25)
        counts = np.where(ib > ia, counts, 0)
        cust = np.repeat(np.arange(counts.size), counts)
        u = cum[ia[cust]] + self.rng.random(cust.size) * mass[cust]
        day = np.searchsorted(cum, u, side="right") - 1 + first
        day = np.clip(day, a[cust] // DAY, b[cust] // DAY - 1)
        return cust, self._stamp(day.astype(np.float64) * DAY)

    def orders(self) -> Arrays:
        """Return the order rows: repeat purchases, recurring contract charges and add-ons."""
        p, rng, n = self.pop, self.rng, self.n
        seg = p.segment
        rate = np.asarray(SEGMENT_ORDERS_PER_YEAR)[seg] * rng.gamma(1.5, 1 / 1.5, n)
        rate = np.where(p.contract, 0.8, rate)
        rate = np.where(p.has("policy_abuse"), np.maximum(rate, 7.0) * 1.3, rate)
        rate = np.where(p.busy, rate * 1.5, rate)
        rate = np.where(p.decoy == _decoy("new_customer"), 18.0, rate)
        needs_orders = (p.decoy == _decoy("one_late_invoice")) | (
            p.decoy == _decoy("fair_deal_seeker")
        )
        rate = np.where(needs_orders, np.maximum(rate, 4.0), rate)
        billed = (p.has("late_payer") | p.has("underpayer")) & ~p.contract
        rate = np.where(billed, np.maximum(rate, 8.0), rate)
        cust, t = self._seasonal(rate, p.obs_start, p.orders_end)
        median = np.asarray(SEGMENT_ORDER_MEDIAN)[seg] * p.size
        amount = median[cust] * np.exp(rng.normal(0, 0.6, cust.size))

        months = p.period_months.astype(np.float64)
        period = (months * YEAR / 12).astype(np.int64)
        since = np.clip(p.obs_start - p.acquired, 0, None)
        first = p.acquired + np.ceil(since / period).astype(np.int64) * period
        k = np.where(
            p.contract & (p.life_end > first), (p.life_end - 1 - first) // period + 1, 0
        ).astype(np.int64)
        rc = np.repeat(np.arange(n), k)
        offsets = np.repeat(np.cumsum(k) - k, k)
        j = np.arange(rc.size) - offsets
        rt = self._stamp((first[rc] + j * period[rc]).astype(np.float64))
        r_amount = p.acv[rc] * months[rc] / 12.0

        cust = np.concatenate([cust, rc])
        t = np.concatenate([t, rt])
        amount = np.concatenate([amount, r_amount])
        recurring = np.concatenate([np.zeros(t.size - rc.size, bool), np.ones(rc.size, bool)])

        disc_p = np.where(p.has("underpayer"), rng.uniform(0.6, 0.9, n), 0.10)
        disc_p = np.where(p.decoy == _decoy("fair_deal_seeker"), 0.0, disc_p)
        disc_p = np.where(seg == 0, disc_p * 0.8, disc_p)
        depth = np.where(
            p.has("underpayer")[cust],
            rng.uniform(0.15, 0.35, cust.size),
            rng.uniform(0.04, 0.12, cust.size),
        )
        discounted = rng.random(cust.size) < disc_p[cust]
        fair = self._pick_one(cust, p.decoy[cust] == _decoy("fair_deal_seeker"))
        discounted[fair] = True
        depth[fair] = rng.uniform(0.08, 0.15, fair.size)
        depth = np.where(discounted, depth, 0.0)
        amount = np.round(np.maximum(amount, 1.0), 2)
        list_amount = np.round(amount / (1 - depth), 2)
        discount = np.round(list_amount - amount, 2)
        plain = (seg[cust] == 0) & ~discounted
        list_amount = np.where(plain, np.nan, list_amount)
        discount = np.where(plain, np.nan, discount)
        ratio = rng.uniform(0.55, 0.75, n)[cust] * rng.normal(1, 0.03, cust.size)
        cost = np.round(np.where(np.isnan(list_amount), amount, list_amount) * ratio, 2)
        return _sorted(
            {
                "cust": cust,
                "ordered_at": t,
                "amount": amount,
                "cost": cost,
                "discount": discount,
                "list_amount": list_amount,
                "recurring": recurring,
            },
            "ordered_at",
        )

    def returns(self, orders: Arrays) -> Arrays:
        """Return the return rows: occasional returns for all, most orders for serial returners."""
        p, rng = self.pop, self.rng
        oc = orders["cust"]
        seg = p.segment[oc]
        abuse = p.has("policy_abuse")
        rate = np.where(abuse, rng.uniform(0.4, 0.65, p.n), 0.0)[oc]
        rate = np.where(abuse[oc], rate, np.asarray(SEGMENT_RETURN_RATE)[seg])
        picked = np.flatnonzero((rng.random(oc.size) < rate) & ~orders["recurring"])
        at = orders["ordered_at"][picked] + self._days(2, 30, picked.size)
        keep = at < self.end
        picked, at = picked[keep], at[keep]
        cust = oc[picked]
        full = rng.random(picked.size) < np.where(abuse[cust], 0.85, 0.5)
        share = np.where(full, 1.0, rng.uniform(0.2, 0.8, picked.size))
        amount = np.round(orders["amount"][picked] * share, 2)
        reason = np.where(
            abuse[cust],
            self._choice(np.array([0.5, 0.0, 0.2, 0.3, 0.0]), picked.size),
            self._choice(np.array([0.3, 0.25, 0.2, 0.15, 0.1]), picked.size),
        )
        return _sorted(
            {
                "cust": cust,
                "returned_at": at,
                "amount": amount,
                "order_row": picked,
                "reason": reason,
            },
            "returned_at",
        )

    # ----------------------------------------------------------------- invoices
    def invoices(self, orders: Arrays) -> Arrays:
        """Return one invoice per order of a business customer (consumers pay at checkout)."""
        p, rng, end = self.pop, self.rng, self.end
        rows = np.flatnonzero(p.segment[orders["cust"]] > 0)
        cust = orders["cust"][rows]
        m = rows.size
        issued = orders["ordered_at"][rows] + self._days(0, 3, m)
        issued = np.where(issued < end, issued, orders["ordered_at"][rows])
        terms_c = np.asarray(SEGMENT_PAYMENT_TERMS)[p.segment]
        terms_c = np.where((p.segment == 1) & (rng.random(p.n) < 0.5), 30, terms_c)
        terms = terms_c[cust]
        due = (issued // DAY) * DAY + terms * DAY

        late_payer = p.has("late_payer")
        late_p = np.where(late_payer, rng.uniform(0.6, 0.95, p.n), 0.03)
        late_p = np.where(p.decoy >= 0, 0.01, late_p)
        late_p = np.where(p.decoy == _decoy("one_late_invoice"), 0.0, late_p)
        late = rng.random(m) < late_p[cust]
        days_late = np.where(
            late_payer[cust],
            5 + rng.gamma(2.0, 18.0, m),
            np.minimum(1 + rng.exponential(4.0, m), 20),
        )
        on_time = (issued // DAY) * DAY + np.floor(rng.random(m) * terms).astype(np.int64) * DAY
        paid = np.where(late, due + (days_late * DAY).astype(np.int64), on_time)
        paid = self._stamp(paid.astype(np.float64))
        paid = np.maximum(paid, issued)

        one = self._pick_one(
            cust, (p.decoy[cust] == _decoy("one_late_invoice")) & (due < end - 60 * DAY)
        )
        paid[one] = self._stamp((due[one] + self._days(15, 40, one.size)).astype(np.float64))
        late[one] = True

        status = np.full(m, INVOICE_STATUS.index("paid"), dtype=np.int8)
        open_ = paid >= end
        status[open_] = INVOICE_STATUS.index("open")
        written = late_payer[cust] & late & (issued < end - 240 * DAY) & (rng.random(m) < 0.08)
        status[written] = INVOICE_STATUS.index("written_off")
        void = rng.random(m) < 0.004
        void[one] = False
        status[void] = INVOICE_STATUS.index("void")
        is_paid = status == INVOICE_STATUS.index("paid")

        amount = orders["amount"][rows]
        disputed_p = np.where(p.has("underpayer"), 0.25, 0.01)
        disputed_p = np.where(p.has("dishonest"), np.maximum(disputed_p, 0.08), disputed_p)
        disputed = rng.random(m) < disputed_p[cust]
        short = disputed & p.has("underpayer")[cust]
        amount_paid = np.where(short, amount * rng.uniform(0.8, 0.95, m), amount)
        amount_paid = np.where(is_paid, np.round(amount_paid, 2), np.nan)
        amount_paid = np.where(status == INVOICE_STATUS.index("written_off"), 0.0, amount_paid)

        overdue_days = np.where(open_ & ~void, np.clip(end - due, 0, None) / DAY, 0.0)
        late_days = np.where(late & is_paid, (paid - due) / DAY, 0.0)
        pressure = np.maximum(overdue_days, late_days)
        touches = np.where(
            late_payer[cust],
            rng.poisson(pressure / 20.0) + (pressure > 0),
            rng.poisson(pressure / 30.0),
        )
        touches = np.where(pressure > 0, touches, 0)
        touches[one] = 1
        return _sorted(
            {
                "cust": cust,
                "issued_at": issued,
                "due_at": due,
                "amount": amount,
                "paid_at": np.where(is_paid, paid, NAT),
                "amount_paid": amount_paid,
                "status": status,
                "disputed": disputed,
                "discount": orders["discount"][rows],
                "collection_touches": touches.astype(np.float64),
            },
            "issued_at",
        )

    # ------------------------------------------------------------------ tickets
    def _batch(
        self,
        counts: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        category: int | dict[int, float],
        kind: int | None = None,
        **flags: np.ndarray | float | int,
    ) -> Arrays:
        """Return one batch of tickets: ``counts`` per customer in [a, b) with fixed traits.

        ``flags`` give per-ticket probabilities (``after_hours``, ``out_of_scope``, ``reopen``,
        ``slow``, ``silent``, ``unresolved``) or levels (``mood`` for CSAT, ``effort`` for
        handling minutes); a scalar applies to every ticket.
        """
        counts = np.where(b - a >= DAY, counts, 0)
        cust = np.repeat(np.arange(self.n), counts)
        m = cust.size

        def per_ticket(value: np.ndarray | float | int | None, default: float) -> np.ndarray:
            if value is None:
                return np.full(m, default)
            arr = np.asarray(value)
            return np.full(m, float(arr)) if arr.ndim == 0 else arr[cust]

        after_hours = self.rng.random(m) < per_ticket(flags.get("after_hours"), 0.05)
        t = a[cust] + self.rng.random(m) * (b - a)[cust]
        t = self._stamp(t, after_hours)
        if isinstance(category, dict):
            options = np.array(list(category))
            cat = options[self._choice(np.array(list(category.values())), m)]
        else:
            cat = np.full(m, category)
        if kind is None:
            kinds = np.asarray([_KIND[c] for c in TICKET_CATEGORY])[cat]
        else:
            kinds = np.full(m, kind)
        draw = self.rng.random((6, m))
        return {
            "cust": cust,
            "opened_at": t,
            "category": cat.astype(np.int8),
            "kind": kinds.astype(np.int8),
            "after_hours": after_hours,
            "out_of_scope": draw[0] < per_ticket(flags.get("out_of_scope"), 0.02),
            "reopened": draw[1] < per_ticket(flags.get("reopen"), 0.04),
            "slow": draw[2] < per_ticket(flags.get("slow"), 0.01),
            "silent": draw[3] < per_ticket(flags.get("silent"), 0.003),
            "unresolved": draw[4] < per_ticket(flags.get("unresolved"), 0.0),
            "mood": per_ticket(flags.get("mood"), 0).astype(np.int8),
            "effort": per_ticket(flags.get("effort"), 1.0),
        }

    def tickets(self) -> Arrays:
        """Return the tickets: everyday support plus the pattern tickets of each archetype."""
        p, rng, n = self.pop, self.rng, self.n
        seg = p.segment
        a, b = p.obs_start, p.engaged_end
        pa_, pb = p.pattern_start, p.life_end
        years_pw = np.clip(pb - pa_, 0, None) / YEAR
        base = np.asarray(SEGMENT_TICKETS_PER_YEAR)[seg] * rng.gamma(2.0, 0.5, n)
        base = base * np.where(p.busy, p.size, p.size**0.3)
        hog = p.has("attention_hog")
        base = np.where(hog, np.maximum(base * 10, 12.0) * rng.uniform(1.0, 1.6, n), base)
        unreasonable = p.has("unreasonable_demands")
        failed = p.has("failed")
        shifting = p.has("shifting_requirements")
        new = p.decoy == _decoy("new_customer")
        counts = self._counts(np.where(new, 0.0, base), a, b)
        cats = dict(enumerate((0.32, 0.28, 0.08, 0.06, 0.13, 0.03, 0.10)))
        batches = [
            self._batch(
                counts,
                a,
                b,
                cats,
                after_hours=np.where(unreasonable, 0.45, 0.05),
                slow=np.where(failed, 0.15, np.where(p.decoy >= 0, 0.0035, 0.01)),
                silent=np.where(p.decoy >= 0, 0.001, 0.003),
                mood=np.where(shifting, 1, 0),
                effort=np.where(hog, 3.0, 1.0),
                reopen=np.where(shifting, 0.3, 0.04),
                unresolved=0.0,
            )
        ]

        everyday = batches[0]
        asks = (p.decoy == _decoy("fair_deal_seeker"))[everyday["cust"]]
        asks &= everyday["category"] == _CAT["price_objection"]
        everyday["category"][asks] = _CAT["question"]
        everyday["kind"][asks] = _KIND["question"]
        steady = (p.decoy >= 0)[everyday["cust"]] & (rng.random(everyday["cust"].size) < 0.6)
        steady &= everyday["category"] == _CAT["change_request"]
        everyday["category"][steady] = _CAT["question"]
        everyday["kind"][steady] = _KIND["question"]

        def some(mask: np.ndarray, low: int, high: int) -> np.ndarray:
            return np.where(mask, rng.integers(low, high + 1, n), 0)

        q = _CAT
        batches.append(
            self._batch(some(new, 4, 9), p.acquired, b, q["question"], _KIND["onboarding"])
        )
        change = np.where(shifting, rng.poisson(np.maximum(years_pw, 0.5) * 5) + 4, 0)
        batches.append(
            self._batch(change, pa_, pb, q["change_request"], reopen=0.4, mood=1, effort=1.4)
        )
        under = p.has("underpayer")
        batches.append(self._batch(some(under, 3, 6), pa_, pb, q["price_objection"]))
        batches.append(
            self._batch(some(under, 2, 4), pa_, pb, q["problem"], _KIND["rework"], reopen=0.5)
        )
        batches.append(
            self._batch(
                some(unreasonable, 5, 9),
                pa_,
                pb,
                {q["other"]: 0.5, q["problem"]: 0.5},
                _KIND["demand"],
                after_hours=0.7,
                out_of_scope=0.75,
                reopen=0.25,
                effort=1.5,
            )
        )
        abusive = p.has("abusive")
        batches.append(
            self._batch(
                some(abusive, 3, 6),
                pa_,
                pb,
                {q["complaint"]: 0.6, q["problem"]: 0.4},
                _KIND["abusive"],
                mood=2,
                effort=1.5,
            )
        )
        threat = p.has("threat")
        ta = np.maximum(pa_, pb - 200 * DAY)
        batches.append(
            self._batch(some(threat, 1, 2), ta, pb, q["complaint"], _KIND["threat"], mood=2)
        )
        dishonest = p.has("dishonest")
        batches.append(
            self._batch(
                some(dishonest, 1, 3),
                pa_,
                pb,
                {q["billing"]: 0.5, q["complaint"]: 0.5},
                _KIND["claim"],
            )
        )
        fa = np.maximum(pa_, pb - 300 * DAY)
        batches.append(
            self._batch(
                some(failed, 3, 6),
                fa,
                pb,
                {q["complaint"]: 0.5, q["problem"]: 0.5},
                slow=0.6,
                silent=0.3,
                unresolved=0.6,
                mood=1,
            )
        )
        bad_day = p.decoy == _decoy("one_bad_day")
        batches.append(
            self._batch(bad_day.astype(int), a, b, q["complaint"], _KIND["angry"], mood=1)
        )
        fair = p.decoy == _decoy("fair_deal_seeker")
        batches.append(self._batch(fair.astype(int), a, b, q["price_objection"]))
        vocal = p.has("public_complainer") | p.has("doesnt_listen")
        batches.append(self._batch(some(vocal, 1, 2), pa_, pb, q["complaint"], mood=1))
        t = {k: np.concatenate([bt[k] for bt in batches]) for k in batches[0]}
        return _sorted(self._ticket_outcomes(t), "opened_at")

    def _ticket_outcomes(self, t: Arrays) -> Arrays:
        """Add response, closing, effort, CSAT, channel and text indices to ticket rows."""
        rng, end = self.rng, self.end
        m = t["cust"].size
        opened = t["opened_at"]
        steady = self.pop.decoy[t["cust"]] >= 0
        resp_h = np.clip(rng.lognormal(np.log(3.0), np.where(steady, 0.7, 1.0), m), 0.1, 40.0)
        resp_h = np.where(t["after_hours"], resp_h + rng.uniform(8, 14, m), resp_h)
        resp_h = np.where(t["slow"], rng.uniform(50, 240, m), resp_h)
        silent = t["silent"]
        first = opened + (resp_h * HOUR).astype(np.int64)
        close_h = rng.lognormal(np.log(20.0), 1.1, m) + 0.2
        closed = first + (close_h * HOUR).astype(np.int64)
        complaint = t["category"] == _CAT["complaint"]
        unresolved = t["unresolved"] & complaint | silent
        first = np.where(silent | (first >= end), NAT, first)
        closed = np.where(unresolved | (first == NAT) | (closed >= end), NAT, closed)
        handle = rng.lognormal(np.log(12.0), np.where(steady, 0.5, 0.7), m) * t["effort"]
        busy = t["effort"] > 2
        touch = np.where(busy, 2 + rng.poisson(3.0, m), 1 + rng.poisson(1.2, m))
        mood = t["mood"]
        probs = np.array(
            [
                [0.04, 0.05, 0.11, 0.30, 0.50],
                [0.35, 0.35, 0.20, 0.07, 0.03],
                [0.80, 0.15, 0.05, 0.0, 0.0],
            ]
        )
        cum = probs.cumsum(axis=1)[mood]
        csat = (rng.random(m)[:, None] > cum).sum(axis=1) + 1.0
        answered = (closed != NAT) & (rng.random(m) < 0.35)
        csat = np.where(answered, np.minimum(csat, 5), np.nan)
        lang = self.pop.lang[t["cust"]]
        lang = np.where(rng.random(m) < 0.08, 0, lang)
        t.update(
            first_response_at=first,
            closed_at=closed,
            handle_minutes=np.round(handle, 1),
            touchpoints=touch.astype(np.float64),
            csat=csat,
            channel=self._choice(np.array([0.45, 0.25, 0.2, 0.1]), m),
            lang=lang,
            text=rng.random(m),
        )
        return t

    # --------------------------------------------------------------- activities
    def _acts(
        self,
        counts: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        kind: str | dict[str, float],
        outcomes: Mapping[str, np.ndarray | float],
        minutes: tuple[float, float] | None = None,
        response: np.ndarray | None = None,
    ) -> Arrays:
        """Return activity rows; ``outcomes`` maps each outcome to its probability."""
        cust, t = self._spread(counts, a, b)
        m = cust.size
        if isinstance(kind, dict):
            names = list(kind)
            k = np.array([_ACT[x] for x in names])[self._choice(np.array(list(kind.values())), m)]
        else:
            k = np.full(m, _ACT[kind])
        names = list(outcomes)
        probs = np.stack(
            [np.broadcast_to(np.asarray(outcomes[o], dtype=float), (self.n,))[cust] for o in names],
            axis=1,
        )
        cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        pick = np.minimum((self.rng.random(m)[:, None] > cum).sum(axis=1), len(names) - 1)
        outcome = np.array([_OUT[o] for o in names])[pick]
        mins = (
            np.round(self.rng.uniform(minutes[0], minutes[1], m)) if minutes else np.full(m, np.nan)
        )
        if response is None:
            resp = np.full(m, np.nan)
        else:
            resp = np.round(response[cust] * self.rng.lognormal(0.0, 0.6, m), 1)
        return {"cust": cust, "at": t, "kind": k, "outcome": outcome, "minutes": mins, "resp": resp}

    def activities(self) -> Arrays:
        """Return meetings, onboarding, outreach, recommendations and promises."""
        p, rng, n = self.pop, self.rng, self.n
        seg = p.segment
        b2b = seg > 0
        a, b = p.obs_start, p.engaged_end
        pa_, pb = p.pattern_start, p.life_end
        unavailable = p.has("unavailable")
        new = p.decoy == _decoy("new_customer")
        missed = p.decoy == _decoy("one_missed_meeting")
        hog = p.has("attention_hog")
        listen = p.has("doesnt_listen")
        noise = np.where(p.decoy >= 0, 0.35, 1.0)
        out: list[Arrays] = []

        onboard = np.where(b2b & (p.acquired >= self.start), 1 + (rng.random(n) < 0.3), 0)
        onboard = np.where(new, 1 + (rng.random(n) < 0.5), onboard)
        ob_end = np.minimum(p.acquired + 30 * DAY, b)
        attend = np.where(unavailable, 0.3, 0.93)
        out.append(
            self._acts(
                onboard,
                p.acquired,
                ob_end,
                "onboarding",
                {
                    "attended": attend,
                    "no_show": np.where(unavailable, 0.5, 0.04),
                    "cancelled_late": np.where(unavailable, 0.2, 0.03),
                },
                (45, 90),
            )
        )
        meet_rate = np.asarray(SEGMENT_MEETINGS_PER_YEAR)[seg] * np.where(
            p.busy | p.strategic, 2.5, 1.0
        )
        meet_rate = np.where(missed | new, 0.0, meet_rate)
        shifting = p.has("shifting_requirements")
        normal_show = {
            "attended": np.where(unavailable, 0.35, np.where(shifting, 0.88, 0.95)),
            "no_show": np.where(unavailable, 0.45, np.where(shifting, 0.05, noise * 0.025)),
            "cancelled_late": np.where(unavailable, 0.2, np.where(shifting, 0.07, noise * 0.025)),
        }
        out.append(
            self._acts(self._counts(meet_rate, a, b), a, b, "meeting", normal_show, (30, 60))
        )
        absent = {"attended": 0.35, "no_show": 0.45, "cancelled_late": 0.2}
        out.append(
            self._acts(
                np.where(unavailable, rng.integers(4, 9, n), 0),
                pa_,
                pb,
                "meeting",
                absent,
                (30, 60),
            )
        )
        mm = self._acts(
            np.where(missed, rng.integers(4, 9, n), 0), a, b, "meeting", {"attended": 1.0}, (30, 60)
        )
        one = self._pick_one(mm["cust"], np.ones(mm["cust"].size, bool))
        mm["outcome"][one] = _OUT["no_show"]
        mm["minutes"][one] = np.nan
        out.append(mm)

        reach = np.asarray(SEGMENT_OUTREACH_PER_YEAR)[seg] * np.where(p.busy, 2.0, 1.0)
        reach = np.where(hog, reach * 3 + 6, reach)
        slow_reply = rng.lognormal(np.log(4.0), 0.5, n)
        slow_reply = np.where(unavailable, rng.lognormal(np.log(90.0), 0.5, n), slow_reply)
        reach_out = {
            "answered": np.where(unavailable, 0.35, 0.92),
            "unanswered": np.where(unavailable, 0.65, noise * 0.08),
        }
        out.append(
            self._acts(
                self._counts(reach, a, b),
                a,
                b,
                {"call": 0.5, "email": 0.5},
                reach_out,
                (5, 25),
                response=slow_reply,
            )
        )
        dodge = {"answered": 0.3, "unanswered": 0.7}
        out.append(
            self._acts(
                np.where(unavailable, rng.integers(5, 11, n), 0),
                pa_,
                pb,
                {"call": 0.5, "email": 0.5},
                dodge,
                (5, 15),
                response=slow_reply * rng.uniform(1, 3, n),
            )
        )
        out.append(
            self._acts(
                np.where(new, rng.integers(1, 4, n), 0),
                p.acquired,
                b,
                "call",
                {"answered": 1.0},
                (10, 30),
                response=rng.lognormal(np.log(2.0), 0.5, n),
            )
        )
        rec_rate = np.where(b2b & ~new, 1.0, 0.0)
        advice = {
            "accepted": np.where(listen, 0.1, 0.8),
            "declined": np.where(listen, 0.45, noise * 0.12),
            "ignored": np.where(listen, 0.45, noise * 0.08),
        }
        out.append(
            self._acts(self._counts(rec_rate, a, b), a, b, "recommendation", advice, (15, 30))
        )
        deaf = {"accepted": 0.1, "declined": 0.45, "ignored": 0.45}
        out.append(
            self._acts(
                np.where(listen, rng.integers(6, 10, n), 0),
                pa_,
                pb,
                "recommendation",
                deaf,
                (15, 30),
            )
        )
        failed = p.has("failed")
        prom_rate = np.where(b2b, 1.0, 0.2)
        out.append(
            self._acts(
                self._counts(prom_rate, a, b),
                a,
                b,
                "promise",
                {"kept": 0.97, "broken": noise * 0.03},
            )
        )
        fa = np.maximum(pa_, pb - 300 * DAY)
        out.append(
            self._acts(
                np.where(failed, rng.integers(2, 5, n), 0),
                fa,
                pb,
                "promise",
                {"kept": 0.15, "broken": 0.85},
            )
        )
        t = {k: np.concatenate([x[k] for x in out]) for k in out[0]}
        return _sorted(t, "at")

    # ---------------------------------------------------------------- incidents
    def incidents(self) -> Arrays:
        """Return staff incident reports: patterns of several, decoys of one, rare noise."""
        p, rng, n = self.pop, self.rng, self.n
        pa_, pb = p.pattern_start, p.life_end

        def maybe(mask: np.ndarray, prob: float, low: int, high: int) -> np.ndarray:
            return np.where(mask & (rng.random(n) < prob), rng.integers(low, high + 1, n), 0)

        specs: list[tuple[str, np.ndarray, np.ndarray, tuple[int, int]]] = [
            ("dishonesty", maybe(p.has("dishonest"), 1.0, 2, 4), pa_, (1, 2)),
            (
                "dishonesty",
                (p.decoy == _decoy("single_dishonesty_report")).astype(int),
                p.obs_start,
                (1, 1),
            ),
            ("abuse", maybe(p.has("abusive"), 1.0, 1, 3), pa_, (2, 3)),
            ("threat", maybe(p.has("threat"), 0.75, 1, 1), np.maximum(pa_, pb - 200 * DAY), (3, 3)),
            ("unreasonable_demand", maybe(p.has("unreasonable_demands"), 0.6, 1, 2), pa_, (1, 2)),
            ("ignored_advice", maybe(p.has("doesnt_listen"), 0.6, 1, 2), pa_, (1, 2)),
            ("policy_abuse", maybe(p.has("policy_abuse"), 0.4, 1, 1), pa_, (1, 2)),
            (
                "unhappy",
                maybe(p.has("failed") & ~p.lost, 0.35, 1, 1),
                np.maximum(pa_, pb - 300 * DAY),
                (1, 1),
            ),
            ("other", maybe(np.ones(n, bool), 0.004, 1, 1), p.obs_start, (1, 1)),
        ]
        parts: list[Arrays] = []
        for kind, counts, start, (lo, hi) in specs:
            cust, t = self._spread(counts, start, pb)
            texts = tx.INCIDENT_TEXT[kind]
            parts.append(
                {
                    "cust": cust,
                    "reported_at": t,
                    "kind": np.full(cust.size, _INC[kind]),
                    "severity": rng.integers(lo, hi + 1, cust.size).astype(np.float64),
                    "text": _flat_offset("incident", kind) + rng.integers(0, len(texts), cust.size),
                    "reporter": rng.integers(0, len(tx.OWNERS), cust.size),
                }
            )
        rows = {k: np.concatenate([x[k] for x in parts]) for k in parts[0]}
        return _sorted(rows, "reported_at")

    # ------------------------------------------------------------------ reviews
    def reviews(self) -> Arrays:
        """Return reviews: occasional ones, bursts from complainers, and anonymous ones."""
        p, rng, n = self.pop, self.rng, self.n
        a, b = p.obs_start, p.life_end
        base = np.where(rng.random(n) < 0.22, 1 + (rng.random(n) < 0.2), 0)
        base = np.where(p.has("public_complainer"), 0, base)
        usual = np.array([0.04, 0.05, 0.11, 0.33, 0.47])
        steady = p.decoy >= 0
        cust, t = self._spread(np.where(steady, 0, base), a, b)
        parts = [self._review_rows(cust, t, usual)]
        cust, t = self._spread(np.where(steady, base, 0), a, b)
        parts.append(self._review_rows(cust, t, np.array([0.01, 0.02, 0.1, 0.37, 0.5])))
        lo = np.maximum(p.pattern_start, b - 365 * DAY)
        loud = np.where(p.has("public_complainer"), rng.integers(3, 7, n), 0)
        parts.append(
            self._review_rows(*self._spread(loud, lo, b), np.array([0.6, 0.4, 0, 0, 0]), 1.0)
        )
        blame = (p.has("doesnt_listen") | p.has("failed")) & (rng.random(n) < 0.35)
        parts.append(
            self._review_rows(
                *self._spread(blame.astype(int), lo, b), np.array([0.0, 0.4, 0.6, 0, 0])
            )
        )
        anon = round(0.06 * n)
        when = self.start + rng.random(anon) * (self.end - self.start)
        anon_rows = self._review_rows(np.full(anon, -1), self._stamp(when), usual)
        anon_rows["lang"] = self._choice(np.array([0.55, 0.15, 0.1, 0.1, 0.1]), anon)
        parts.append(anon_rows)
        rows = {k: np.concatenate([x[k] for x in parts]) for k in parts[0]}
        return _sorted(rows, "posted_at")

    def _review_rows(
        self, cust: np.ndarray, t: np.ndarray, rating_p: np.ndarray, public_p: float = 0.85
    ) -> Arrays:
        m = cust.size
        rating = self._choice(rating_p, m) + 1
        lang = np.where(cust >= 0, self.pop.lang[np.maximum(cust, 0)], 0)
        return {
            "cust": cust,
            "posted_at": t,
            "rating": rating.astype(np.int64),
            "public": self.rng.random(m) < public_p,
            "source": self._choice(np.array([0.4, 0.2, 0.15, 0.1, 0.15]), m),
            "lang": lang,
            "text": self.rng.random(m),
        }

    # ------------------------------------------------------------------ surveys
    def surveys(self) -> Arrays:
        """Return NPS and CSAT answers over time and exit surveys of lost customers."""
        p, rng, n = self.pop, self.rng, self.n
        a, b = p.obs_start, p.life_end
        failed = p.has("failed")
        fa = np.maximum(p.pattern_start, b - 300 * DAY)
        before = np.where(failed, fa, b)
        nps_rate = np.where(p.segment > 0, 0.8, 0.15)
        parts: list[Arrays] = []
        nps_p = np.array([0.01, 0.01, 0.01, 0.02, 0.02, 0.03, 0.04, 0.12, 0.23, 0.26, 0.25])
        cust, t = self._spread(self._counts(nps_rate, a, before), a, before)
        parts.append(self._survey_rows(cust, t, "nps", self._choice(nps_p, cust.size)))
        low_nps = np.array([0.15, 0.15, 0.2, 0.2, 0.15, 0.15, 0, 0, 0, 0, 0])
        cust, t = self._spread(np.where(failed, rng.integers(1, 3, n), 0), fa, b)
        parts.append(self._survey_rows(cust, t, "nps", self._choice(low_nps, cust.size)))
        csat_p = np.array([0.03, 0.05, 0.12, 0.35, 0.45])
        cust, t = self._spread(self._counts(np.full(n, 0.5), a, before), a, before)
        parts.append(self._survey_rows(cust, t, "csat", self._choice(csat_p, cust.size) + 1))
        cust, t = self._spread(np.where(failed, rng.integers(1, 3, n), 0), fa, b)
        parts.append(
            self._survey_rows(
                cust, t, "csat", self._choice(np.array([0.5, 0.5, 0, 0, 0]), cust.size) + 1
            )
        )
        answers = p.lost & (rng.random(n) < np.where(failed, 0.85, 0.75))
        ended = np.where(p.lost, p.ended, 0)
        cust, t = self._spread(answers.astype(int), ended + DAY, ended + 14 * DAY)
        exit_p = np.where(
            failed[cust][:, None],
            np.array([0.2, 0.2, 0.2, 0.15, 0.15, 0.1, 0, 0, 0, 0, 0]),
            np.array([0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.2, 0.15, 0.05, 0.03, 0.02]),
        )
        cum = exit_p.cumsum(axis=1)
        score = (rng.random(cust.size)[:, None] > cum).sum(axis=1)
        parts.append(self._survey_rows(cust, t, "exit", np.minimum(score, 10)))
        rows = {k: np.concatenate([x[k] for x in parts]) for k in parts[0]}
        return _sorted(rows, "submitted_at")

    def _survey_rows(self, cust: np.ndarray, t: np.ndarray, kind: str, score: np.ndarray) -> Arrays:
        m = cust.size
        return {
            "cust": cust,
            "submitted_at": t,
            "kind": np.full(m, ("nps", "csat", "exit").index(kind)),
            "score": score.astype(np.float64),
            "text": self.rng.random(m),
        }


_DECOY_NAMES = [a.decoy for a in ARCHETYPES if a.decoy]


def _decoy(name: str) -> int:
    """Return the code of a decoy in ``Population.decoy``."""
    return _DECOY_NAMES.index(name)


def _sorted(cols: Arrays, key: str) -> Arrays:
    """Return the columns ordered by ``key`` (stable), so ids follow time."""
    order = np.argsort(cols[key], kind="stable")
    return {k: v[order] for k, v in cols.items()}


def _flat_offset(bank: str, kind: str) -> int:
    """Return where the ``kind`` texts of ``bank`` start in the flat text arrays."""
    return FLAT[bank][1][kind]


def _flatten() -> dict[str, tuple[list[str], dict[str, int]]]:
    incident: list[str] = []
    where: dict[str, int] = {}
    for kind, texts in tx.INCIDENT_TEXT.items():
        where[kind] = len(incident)
        incident.extend(texts)
    return {"incident": (incident, where)}


FLAT = _flatten()
