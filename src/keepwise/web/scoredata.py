"""Read-only views of the scorecard runs for the web pages, one short DuckDB connection each.

DuckDB allows one read-write process at a time, so the app never holds the workspace open:
every call opens it read-only, runs bounded queries (paged, aggregated in SQL) and closes it,
and ``keepwise score`` can run while the server is up. When the scorer holds the write lock,
:class:`WorkspaceBusy` tells the page to ask the user to retry in a moment.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import duckdb

from keepwise.domain.scorecard import ACTIONS, LEVELS, SIGNAL_NAMES
from keepwise.errors import KeepwiseError, NotFoundError
from keepwise.storage.workspace import WRITER_FLAG, Workspace

SORTABLE: tuple[str, ...] = (
    "profit",
    "revenue",
    "cost_to_serve",
    "clv",
    "churn_risk",
    "our_failures",
    "name",
    "customer_id",
)
"""Columns the customer list may be sorted by (a whitelist: sort keys reach SQL)."""

MONEY_COLUMNS: frozenset[str] = frozenset(
    {
        "revenue",
        "gross_margin",
        "cost_to_serve",
        "profit",
        "profit_rank",
        "clv",
        "clv_low",
        "clv_high",
        "profit_decile",
        "profit_share",
        "annual_revenue",
    }
)
"""Scorecard columns staff never see (profit, CLV and cost figures)."""


DEEP_OFFSET = 5000
"""From this offset on, the list sorts only its keys before fetching the page's rows."""
MEMO_SIZE = 2048
"""Memoised results kept per workspace version (list counts per filter, dashboard, run)."""


WRITER_FLAG_TTL = 120.0
"""Seconds after which a left-over writer flag (a crashed writer) is ignored."""


class WorkspaceBusy(KeepwiseError):
    """The event store is locked by a writer (an import or scoring run); retry shortly."""


@dataclass
class Filters:
    """What the customer list shows: filters, sort and page."""

    action: str | None = None
    segment: str | None = None
    signal: str | None = None
    level: str | None = None
    min_profit: float | None = None
    max_profit: float | None = None
    q: str | None = None
    sort: str = "profit"
    descending: bool = True
    limit: int = 50
    offset: int = 0

    def where(self) -> tuple[list[str], list[Any]]:
        """Return SQL conditions and parameters; names are checked against the vocabulary."""
        conds: list[str] = []
        params: list[Any] = []
        if self.action:
            if self.action not in ACTIONS:
                raise ValueError(f"unknown action {self.action!r}")
            conds.append("action = ?")
            params.append(self.action)
        if self.segment:
            conds.append("segment = ?")
            params.append(self.segment)
        if self.signal:
            if self.signal not in SIGNAL_NAMES:
                raise ValueError(f"unknown signal {self.signal!r}")
            if self.level:
                if self.level not in LEVELS:
                    raise ValueError(f"unknown level {self.level!r}")
                conds.append(f'"signal_{self.signal}" = ?')
                params.append(self.level)
            else:
                conds.append(f"\"signal_{self.signal}\" IN ('watch', 'flag')")
        if self.min_profit is not None:
            conds.append("profit >= ?")
            params.append(self.min_profit)
        if self.max_profit is not None:
            conds.append("profit <= ?")
            params.append(self.max_profit)
        if self.q:
            conds.append("(customer_id ILIKE ? OR name ILIKE ?)")
            params += [f"%{self.q}%", f"%{self.q}%"]
        return conds, params


@dataclass
class Page:
    """One page of the customer list."""

    rows: list[dict[str, Any]]
    total: int
    filters: Filters
    run: dict[str, Any] | None = None
    segments: list[str] = field(default_factory=list)


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


class ScoreReader:
    """Reads the newest scorecard run (or a given one) of a workspace for the pages."""

    def __init__(self, ws: Workspace, retries: int = 20, retry_wait: float = 0.05):
        self.ws = ws
        self.retries = retries
        self.retry_wait = retry_wait
        self._lock = threading.Lock()
        self._compute_lock = threading.Lock()
        self._stale: dict[Any, Any] = {}
        self._stamp: tuple[Any, ...] = ()
        self._memo: dict[Any, Any] = {}

    def _file_stamp(self) -> tuple[Any, ...]:
        stamp: list[tuple[int, int, int] | None] = []
        for path in (self.ws.db_path, self.ws.db_path.with_name(self.ws.db_path.name + ".wal")):
            try:
                st = path.stat()
            except FileNotFoundError:
                stamp.append(None)
            else:
                stamp.append((st.st_mtime_ns, st.st_size, st.st_ino))
        return tuple(stamp)

    def _get(self, key: Any) -> Any:
        """Return a memoised result, or None; everything is forgotten once the file changes.

        Scoring and imports rewrite ``keepwise.duckdb`` (and its WAL), so a changed file stamp
        means a possibly new run; until then the newest run, the dashboard figures and list
        counts are answered without opening DuckDB.
        """
        stamp = self._file_stamp()
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                self._stale, self._memo = self._memo or self._stale, {}
                return None
            return self._memo.get(key)

    def _put(self, key: Any, value: Any) -> Any:
        with self._lock:
            if len(self._memo) > MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = value
        return value

    def writer_waiting(self) -> bool:
        """Return whether a writer announced it wants the file (a fresh :data:`WRITER_FLAG`)."""
        flag = self.ws.path / WRITER_FLAG
        try:
            age = time.time() - flag.stat().st_mtime
        except FileNotFoundError:
            return False
        return age < WRITER_FLAG_TTL

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the event store read-only for one request; retry briefly while it is locked.

        While a writer (``keepwise score``, an import) has announced itself with
        :data:`WRITER_FLAG`, no new connection is opened, so the running requests finish within
        milliseconds and the writer gets the file lock.
        """
        last: Exception | None = None
        for _ in range(self.retries):
            if self.writer_waiting():
                time.sleep(self.retry_wait)
                continue
            try:
                con = duckdb.connect(str(self.ws.db_path), read_only=True)
            except duckdb.IOException as exc:
                last = exc
                time.sleep(self.retry_wait)
                continue
            try:
                yield con
            finally:
                con.close()
            return
        raise WorkspaceBusy(
            "the workspace is busy (an import or scoring run is writing); try again shortly"
        ) from last

    @staticmethod
    def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
        cur = con.execute("SELECT table_name FROM information_schema.tables")
        return {r[0] for r in cur.fetchall()}

    def _run(self, con: duckdb.DuckDBPyConnection, run_id: str | None) -> dict[str, Any] | None:
        if run_id is None:
            known = self._get(("run",))
            if known is not None:
                return known[0]
            run = self._load_run(con, None)
            self._put(("run",), (run,))
            return run
        return self._load_run(con, run_id)

    def _load_run(
        self, con: duckdb.DuckDBPyConnection, run_id: str | None
    ) -> dict[str, Any] | None:
        if not {"runs", "scorecard"} <= self._tables(con):
            return None
        if run_id is None:
            cur = con.execute("SELECT * FROM runs ORDER BY created_at DESC, run_id DESC LIMIT 1")
        else:
            cur = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
        rows = _rows(cur)
        if not rows:
            return None
        run = rows[0]
        for key in ("summary", "settings"):
            if isinstance(run.get(key), str):
                with suppress(ValueError):
                    run[key] = json.loads(run[key])
        run["run_id"] = str(run["run_id"])
        return run

    def latest_run(self) -> dict[str, Any] | None:
        """Return the newest run's row (``summary`` decoded) or None before the first run."""
        known = self._get(("run",))
        if known is not None:
            return known[0]
        with self.connect() as con:
            return self._run(con, None)

    def list_runs(self) -> list[dict[str, Any]]:
        """Return every run, newest first (without the settings blob)."""
        with self.connect() as con:
            if "runs" not in self._tables(con):
                return []
            cur = con.execute(
                "SELECT run_id, created_at, as_of, engine, n_customers FROM runs "
                "ORDER BY created_at DESC"
            )
            return _rows(cur)

    def page(self, filters: Filters) -> Page:
        """Return one sorted, filtered page of the newest run's scorecard and the total count."""
        if filters.sort not in SORTABLE:
            raise ValueError(f"cannot sort by {filters.sort!r}")
        conds, params = filters.where()
        with self.connect() as con:
            run = self._run(con, None)
            if run is None:
                return Page([], 0, filters)
            where = " AND ".join(["run_id = ?", *conds])
            args = [run["run_id"], *params]
            count_key = ("count", where, tuple(map(str, args)))
            total = self._get(count_key)
            if total is None:
                total = self._put(
                    count_key,
                    con.execute(f"SELECT count(*) FROM scorecard WHERE {where}", args).fetchone(),
                )
            direction = "DESC" if filters.descending else "ASC"
            order = f'"{filters.sort}" {direction} NULLS LAST, customer_id'
            if filters.offset < DEEP_OFFSET:
                cur = con.execute(
                    f"SELECT * FROM scorecard WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*args, filters.limit, filters.offset],
                )
            else:  # sort only the keys, then fetch the page's rows: 2-3x faster deep pages
                cur = con.execute(
                    f"WITH page AS (SELECT customer_id FROM scorecard WHERE {where} "
                    f"ORDER BY {order} LIMIT ? OFFSET ?) "
                    f"SELECT * FROM scorecard SEMI JOIN page USING (customer_id) "
                    f"WHERE run_id = ? ORDER BY {order}",
                    [*args, filters.limit, filters.offset, run["run_id"]],
                )
            rows = _rows(cur)
            segments = self._get(("segments",))
            if segments is None:
                segments = self._put(
                    ("segments",),
                    [
                        r[0]
                        for r in con.execute(
                            "SELECT DISTINCT segment FROM scorecard WHERE run_id = ? AND "
                            "segment IS NOT NULL ORDER BY 1 LIMIT 100",
                            [run["run_id"]],
                        ).fetchall()
                    ],
                )
        return Page(rows, int(total[0]) if total else 0, filters, run, segments)

    def search(self, q: str, limit: int) -> list[dict[str, str]]:
        """Return customers whose id or name contains ``q`` (id and name only: safe for staff)."""
        q = q.strip()
        if not q:
            return []
        with self.connect() as con:
            cur = con.execute(
                "SELECT customer_id, name FROM customers "
                "WHERE customer_id ILIKE ? OR name ILIKE ? "
                "ORDER BY (customer_id = ?) DESC, name, customer_id LIMIT ?",
                [f"{q}%", f"%{q}%", q, limit],
            )
            return [{"customer_id": str(r[0]), "name": str(r[1] or "")} for r in cur.fetchall()]

    def customer_exists(self, customer_id: str) -> bool:
        """Return whether ``customer_id`` is in the customers table."""
        with self.connect() as con:
            row = con.execute(
                "SELECT count(*) FROM customers WHERE customer_id = ?", [customer_id]
            ).fetchone()
            return bool(row and row[0])

    def customer_name(self, customer_id: str) -> str:
        """Return a customer's name ('' when unknown)."""
        with self.connect() as con:
            row = con.execute(
                "SELECT name FROM customers WHERE customer_id = ?", [customer_id]
            ).fetchone()
            return str(row[0] or "") if row else ""

    def profile(self, customer_id: str) -> dict[str, Any]:
        """Return everything the customer page shows from the newest run.

        Keys: ``customer`` (the customers row), ``run``, ``card`` (scorecard row or None),
        ``signals``, ``evidence`` (by signal), ``value_items``, ``history`` (one row per run).
        """
        with self.connect() as con:
            sql = "SELECT * FROM customers WHERE customer_id = ?"
            cust = _rows(con.execute(sql, [customer_id]))
            if not cust:
                raise NotFoundError(f"no customer {customer_id!r}")
            out: dict[str, Any] = {
                "customer": cust[0],
                "run": None,
                "card": None,
                "signals": [],
                "evidence": {},
                "value_items": [],
                "history": [],
            }
            run = self._run(con, None)
            if run is None:
                return out
            out["run"] = run
            rid = run["run_id"]
            tables = self._tables(con)
            card = _rows(
                con.execute(
                    "SELECT * FROM scorecard WHERE run_id = ? AND customer_id = ?",
                    [rid, customer_id],
                )
            )
            out["card"] = card[0] if card else None
            if "scorecard_signals" in tables:
                out["signals"] = _rows(
                    con.execute(
                        "SELECT signal, level, sentence FROM scorecard_signals "
                        "WHERE run_id = ? AND customer_id = ? ORDER BY "
                        "CASE level WHEN 'flag' THEN 0 WHEN 'watch' THEN 1 ELSE 2 END, signal",
                        [rid, customer_id],
                    )
                )
            if "scorecard_evidence" in tables:
                evidence: dict[str, list[dict[str, Any]]] = {}
                for row in _rows(
                    con.execute(
                        'SELECT signal, source_table, record_id, "at", "value", detail '
                        "FROM scorecard_evidence WHERE run_id = ? AND customer_id = ? "
                        'ORDER BY signal, "at" DESC LIMIT 500',
                        [rid, customer_id],
                    )
                ):
                    evidence.setdefault(str(row["signal"]), []).append(row)
                out["evidence"] = evidence
            if "scorecard_value_items" in tables:
                out["value_items"] = _rows(
                    con.execute(
                        "SELECT component, quantity, unit, rate, amount, status "
                        "FROM scorecard_value_items WHERE run_id = ? AND customer_id = ? "
                        "ORDER BY amount DESC",
                        [rid, customer_id],
                    )
                )
            out["history"] = _rows(
                con.execute(
                    "SELECT r.run_id, r.created_at, s.as_of, s.action, s.profit, s.clv, "
                    "s.churn_risk FROM scorecard s JOIN runs r ON r.run_id = s.run_id "
                    "WHERE s.customer_id = ? ORDER BY r.created_at DESC LIMIT 50",
                    [customer_id],
                )
            )
        return out

    def business(self) -> dict[str, Any] | None:
        """Return the dashboard figures of the newest run, aggregated in SQL, or None.

        ``totals``: customers, revenue, profit, expected churners and revenue at risk;
        ``top20_share``: share of profit from the top 20% of customers; ``curve``: cumulative
        profit share at each percentile of customers (the whale curve, 101 points);
        ``actions``: count, profit and CLV per action; ``signals``: watch/flag counts per sign.
        Memoised until the workspace file changes.
        """
        known = self._get(("business",))
        if known is not None:
            return known[0]
        with self._compute_lock:  # one computation while many requests wait for it
            known = self._get(("business",))
            if known is not None:
                return known[0]
            try:
                return self._put(("business",), (self._business(),))[0]
            except WorkspaceBusy:
                stale = self._stale.get(("business",))
                if stale is None:
                    raise
                return stale[0]  # the last figures, while a scoring run holds the file

    def _business(self) -> dict[str, Any] | None:
        with self.connect() as con:
            run = self._run(con, None)
            if run is None:
                return None
            rid = run["run_id"]
            totals = _rows(
                con.execute(
                    "SELECT count(*) AS customers, sum(revenue) AS revenue, "
                    "sum(profit) AS profit, sum(cost_to_serve) AS cost_to_serve, "
                    "sum(churn_risk) AS expected_churners, "
                    "sum(churn_risk * coalesce(annual_revenue, 0)) AS revenue_at_risk, "
                    "sum(CASE WHEN profit < 0 THEN profit ELSE 0 END) AS loss_from_unprofitable, "
                    "sum(CASE WHEN profit < 0 THEN 1 ELSE 0 END) AS unprofitable, "
                    "sum(CASE WHEN churned AND churned_at >= as_of - INTERVAL 365 DAY "
                    "THEN 1 ELSE 0 END) AS lost_12m, "
                    "sum(CASE WHEN churned AND churned_at >= as_of - INTERVAL 365 DAY "
                    "THEN coalesce(annual_revenue, 0) ELSE 0 END) AS revenue_lost_12m, "
                    "sum(CASE WHEN NOT coalesce(churned, false) OR churned_at >= "
                    "as_of - INTERVAL 365 DAY THEN 1 ELSE 0 END) AS base_12m "
                    "FROM scorecard WHERE run_id = ?",
                    [rid],
                )
            )[0]
            n = int(totals["customers"] or 0)
            base = float(totals["base_12m"] or 0)
            totals["churn_rate_12m"] = float(totals["lost_12m"] or 0) / base if base else None
            buckets = con.execute(
                "WITH ranked AS (SELECT profit, row_number() OVER (ORDER BY profit DESC, "
                "customer_id) AS rk FROM scorecard WHERE run_id = ?) "
                "SELECT CAST(floor((rk - 1) * 100.0 / ?) AS INTEGER) + 1 AS pct, sum(profit) "
                "FROM ranked GROUP BY 1 ORDER BY 1",
                [rid, max(n, 1)],
            ).fetchall()
            total_profit = float(totals["profit"] or 0.0)
            curve = [0.0] * 101
            acc = 0.0
            by_pct = {int(p): float(v or 0) for p, v in buckets}
            for pct in range(1, 101):
                acc += by_pct.get(pct, 0.0)
                curve[pct] = acc / total_profit if total_profit else 0.0
            actions = _rows(
                con.execute(
                    "SELECT action, count(*) AS customers, sum(profit) AS profit, "
                    "sum(clv) AS clv FROM scorecard WHERE run_id = ? GROUP BY action "
                    "ORDER BY customers DESC",
                    [rid],
                )
            )
            sig_sql = " UNION ALL ".join(
                f"SELECT '{s}' AS signal, "
                f"sum(CASE WHEN \"signal_{s}\" = 'flag' THEN 1 ELSE 0 END) AS flag, "
                f"sum(CASE WHEN \"signal_{s}\" = 'watch' THEN 1 ELSE 0 END) AS watch, "
                f"sum(CASE WHEN \"signal_{s}\" = 'flag' THEN profit ELSE 0 END) AS flag_profit "
                f"FROM scorecard WHERE run_id = ?"
                for s in SIGNAL_NAMES
            )
            signals = _rows(
                con.execute(
                    f"SELECT * FROM ({sig_sql}) ORDER BY flag DESC, watch DESC",
                    [rid] * len(SIGNAL_NAMES),
                )
            )
        return {
            "run": run,
            "totals": totals,
            "top20_share": curve[20],
            "curve": curve,
            "actions": actions,
            "signals": signals,
        }
