"""Import exports into a workspace: check and write in one scan, atomically, or say where not.

Every source (a CSV or Parquet file, or an Excel sheet) becomes a view of its rows under the
contract's column names. All sources of one import are then written in a single transaction
with the import's history row, each row cast and checked against the contract in the same scan
(:func:`keepwise.domain.contract.validate.checked_sql`); a row that breaks a rule aborts the
write. Only then are the sources staged with row numbers and every problem located and
reported (:func:`keepwise.domain.contract.validate.problem_sql`), so a clean import pays for
one pass over its files and a bad one still hears about every problem by file, row and column.
Either every file lands or none does, and a process killed at any moment leaves the workspace
as it was (DuckDB's WAL holds only committed transactions). Rows are keyed by their id: an
unchanged row is left alone, a changed one replaced and counted, so importing the same files
twice changes nothing.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import duckdb

from keepwise.domain.contract import TABLE_NAMES, TABLES, Kind, Table
from keepwise.domain.contract.mapping import ColumnMapping, TableMapping
from keepwise.domain.contract.validate import checked_sql, lit, norm, problem_sql, q
from keepwise.errors import ContractError, Problem
from keepwise.storage import Workspace, rollback

Progress = Callable[[str], None]
SUFFIXES = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "excel"}
DELIMITERS = (",", ";", "\t", "|")
KNOWN_CUSTOMERS = "_known_customers"
BREACH = "keepwise: a row breaks the data contract"


class _Flagged(RuntimeError):
    """The checked write found a problem; the located check runs next and reports it."""


@dataclass(frozen=True)
class Source:
    """One table's worth of input: a file, or one sheet of an Excel workbook."""

    path: Path
    table: str
    fmt: str
    sheet: str | None = None

    @property
    def label(self) -> str:
        """Return how errors name this source: the file, plus the sheet for Excel."""
        return f"{self.path} [sheet {self.sheet}]" if self.sheet else str(self.path)


@dataclass
class FileResult:
    """What one source contributed to an import."""

    path: str
    table: str
    sha256: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    sheet: str | None = None
    extra_columns: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """The outcome of one committed import."""

    import_id: int
    files: list[FileResult]

    @property
    def inserted(self) -> int:
        """Return rows added."""
        return sum(f.inserted for f in self.files)

    @property
    def updated(self) -> int:
        """Return rows replaced because their content changed."""
        return sum(f.updated for f in self.files)

    @property
    def unchanged(self) -> int:
        """Return rows that were already stored as they are."""
        return sum(f.unchanged for f in self.files)

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-able summary."""
        return {
            "import_id": self.import_id,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "files": [asdict(f) for f in self.files],
        }


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """Return the single value a query yields."""
    row = con.execute(sql).fetchone()
    if row is None:
        raise RuntimeError(f"query returned no row: {sql}")
    return row[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _table_from_name(path: Path, mapping: ColumnMapping | None) -> str | None:
    mapped = mapping.table_for(path) if mapping else None
    if mapped:
        return mapped
    stem = path.name.split(".")[0].strip().lower()
    return stem if stem in TABLES else None


def resolve_sources(
    paths: Iterable[Path], table: str | None = None, mapping: ColumnMapping | None = None
) -> list[Source]:
    """Expand files and folders into sources, each with its table (from its name or ``table``).

    Folders contribute the files whose names are a contract table (``orders.csv``) or match
    the mapping's ``[files]`` patterns; Excel workbooks contribute the sheets named after tables.
    """
    problems: list[Problem] = []
    sources: list[Source] = []
    if table is not None and table not in TABLES:
        raise ContractError(
            [Problem(str(table), None, None, None, f"unknown table; one of {', '.join(TABLES)}")]
        )
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            problems.append(Problem(str(path), None, None, None, "no such file or folder"))
            continue
        candidates = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for file in candidates:
            fmt = SUFFIXES.get(file.suffix.lower())
            if fmt is None:
                if not path.is_dir():
                    problems.append(
                        Problem(str(file), None, None, None, "not a .csv, .parquet or .xlsx file")
                    )
                continue
            if fmt == "excel":
                sources.extend(_excel_sources(file, table, problems))
                continue
            name = table or _table_from_name(file, mapping)
            if name is None:
                if not path.is_dir():
                    problems.append(
                        Problem(
                            str(file),
                            None,
                            None,
                            None,
                            "cannot tell which table this file is: name it after a table "
                            f"({', '.join(TABLES)}), pass --table, or map it in a mapping file",
                        )
                    )
                continue
            sources.append(Source(file, name, fmt))
    if problems:
        raise ContractError(problems)
    if not sources:
        raise ContractError(
            [Problem(", ".join(map(str, paths)) or "(none)", None, None, None, "nothing to import")]
        )
    sources.sort(key=lambda s: TABLE_NAMES.index(s.table))
    return sources


def _excel_sources(path: Path, table: str | None, problems: list[Problem]) -> list[Source]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        problems.append(Problem(str(path), None, None, None, f"not a readable Excel file: {exc}"))
        return []
    found = []
    for sheet in book.sheet_names:
        name = table if table and len(book.sheet_names) == 1 else sheet.strip().lower()
        if name in TABLES:
            found.append(Source(path, name, "excel", sheet))
    if not found:
        problems.append(
            Problem(str(path), None, None, None, "no sheet is named after a contract table")
        )
    return found


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _read_header(source: Source, delimiter: str | None) -> tuple[list[str], str]:
    """Read and check the first line of a CSV: encoding, delimiter, header names."""
    with source.path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip():
        raise ContractError([Problem(source.label, None, None, None, "the file is empty")])
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ContractError(
            [
                Problem(
                    source.label,
                    None,
                    None,
                    None,
                    "the file is UTF-16 encoded; save it as UTF-8 (with or without BOM)",
                )
            ]
        )
    first_line = head.split(b"\n", 1)[0]
    try:
        text = first_line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ContractError(
            [
                Problem(
                    source.label,
                    1,
                    None,
                    None,
                    "the file is not UTF-8 encoded; save it as UTF-8 (with or without BOM)",
                )
            ]
        ) from None
    if delimiter is None:
        delimiter = max(DELIMITERS, key=text.count)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return [h.strip() for h in header], delimiter


def _check_header(source: Source, header: Sequence[str]) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if not name:
            problems.append(Problem(source.label, 1, f"#{i}", None, "a header name is empty"))
            continue
        key = name.lower()
        if key in seen:
            problems.append(
                Problem(
                    source.label,
                    1,
                    name,
                    None,
                    f"duplicated header name (columns {seen[key]} and {i})",
                )
            )
        else:
            seen[key] = i
    return problems


class _Stager:
    """Stages sources on one connection and collects their problems.

    With ``locate`` a source is staged as a temp table with row numbers and every problem is
    listed where it is; without, it is a view over its file, read strictly (a malformed row
    raises), and problem queries only count, so nothing is copied before the checked write.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        mapping: ColumnMapping | None,
        limit: int,
        *,
        locate: bool,
    ) -> None:
        self.con = con
        self.mapping = mapping
        self.limit = limit
        self.locate = locate
        self.prefix = "_loc" if locate else "_chk"
        self.problems: list[Problem] = []
        self.more = 0
        self.flagged = 0
        self.n = 0
        self.typed_columns: set[str] = set()

    def add(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            if len(self.problems) < self.limit:
                self.problems.append(problem)
            else:
                self.more += 1

    def _raw_relation(self, source: Source, tmap: TableMapping) -> tuple[str, list[str]] | None:
        """Return SQL yielding ``_row`` + one VARCHAR per source column, and the header."""
        i = self.n
        if source.fmt == "csv":
            try:
                header, delim = _read_header(source, tmap.delimiter)
            except ContractError as exc:
                self.add(exc.problems)
                return None
            header_problems = _check_header(source, header)
            if header_problems:
                self.add(header_problems)
                return None
            cols = "{" + ", ".join(f"'c{j}': 'VARCHAR'" for j in range(len(header))) + "}"
            rejects = (
                f"store_rejects=true, rejects_table='{self.prefix}_rej_{i}', "
                f"rejects_scan='{self.prefix}_rejscan_{i}', "
                if self.locate
                else ""
            )
            reader = (
                f"read_csv({lit(str(source.path))}, header=true, columns={cols}, "
                f"auto_detect=false, delim={lit(delim)}, quote='\"', escape='\"', "
                f"{rejects}max_line_size=10000000)"
            )
            return f"(SELECT row_number() OVER () + 1 AS _row, * FROM {reader})", header
        if source.fmt == "parquet":
            try:
                described = self.con.execute(
                    f"DESCRIBE SELECT * FROM read_parquet({lit(str(source.path))})"
                ).fetchall()
                names = [d[0] for d in described]
                types = [str(d[1]) for d in described]
            except duckdb.Error as exc:
                self.add([Problem(source.label, None, None, None, f"not a Parquet file: {exc}")])
                return None
            contract = TABLES[source.table]
            lower = {c.lower(): c for c in contract.names}
            casts_list = []
            for j, (n, typ) in enumerate(zip(names, types, strict=True)):
                ours = tmap.columns.get(n) or lower.get(n.lower())
                kind = contract.column(ours).kind if ours else None
                if kind is not None and not tmap.values.get(ours or "") and _fits(kind, typ):
                    self.typed_columns.add(f"c{j}")
                    casts_list.append(f"{q(n)} AS c{j}")
                else:
                    casts_list.append(f"CAST({q(n)} AS VARCHAR) AS c{j}")
            casts = ", ".join(casts_list)
            return (
                f"(SELECT row_number() OVER () + 1 AS _row, {casts} "
                f"FROM read_parquet({lit(str(source.path))}))"
            ), names
        import pyarrow as pa
        from python_calamine import CalamineWorkbook

        rows = (
            CalamineWorkbook.from_path(str(source.path))
            .get_sheet_by_name(source.sheet or "")
            .to_python(skip_empty_area=False)
        )
        if not rows:
            self.add([Problem(source.label, None, None, None, "the sheet is empty")])
            return None
        header = [(_cell_text(h) or "").strip() for h in rows[0]]
        header_problems = _check_header(source, header)
        if header_problems:
            self.add(header_problems)
            return None
        width = len(header)
        body = rows[1:]
        columns = {"_row": pa.array(range(2, len(body) + 2), pa.int64())}
        for j in range(width):
            columns[f"c{j}"] = pa.array(
                [_cell_text(r[j]) if j < len(r) else None for r in body], pa.string()
            )
        self.con.register(f"{self.prefix}_xl_{i}", pa.table(columns))
        return f"{self.prefix}_xl_{i}", header

    def _rejects(self, source: Source, i: int) -> list[Problem]:
        """Return the structural problems DuckDB's CSV reader set aside (ragged rows, encoding)."""
        rejects = self.con.execute(
            f"SELECT line, error_type, error_message FROM {self.prefix}_rej_{i} ORDER BY line"
        ).fetchall()
        encoding = [r for r in rejects if r[1] == "INVALID ENCODING"]
        if encoding:
            rule = "the file is not UTF-8 encoded; save it as UTF-8"
            return [Problem(source.label, int(encoding[0][0]), None, None, rule)]
        return [
            Problem(source.label, int(line), None, None, f"malformed row: {message}")
            for line, _, message in rejects
        ]

    def stage(
        self, source: Source
    ) -> tuple[str, tuple[str, ...], frozenset[str], list[str]] | None:
        """Stage ``source`` as ``_stg_<n>`` with contract column names; return its columns."""
        table = TABLES[source.table]
        tmap = self.mapping.for_table(source.table) if self.mapping else TableMapping()
        self.typed_columns = set()
        raw = self._raw_relation(source, tmap)
        self.n += 1
        if raw is None:
            return None
        raw_name, header = raw
        contract_lower = {c.lower(): c for c in table.names}
        targets: dict[str, int] = {}
        extras: list[tuple[str, int]] = []
        problems = []
        for j, name in enumerate(header):
            ours = tmap.columns.get(name) or contract_lower.get(name.lower())
            if ours is None:
                extras.append((name, j))
            elif ours in targets:
                problems.append(
                    Problem(
                        source.label,
                        1,
                        name,
                        None,
                        f"two columns map to {ours!r} (columns {targets[ours] + 1} and {j + 1})",
                    )
                )
            else:
                targets[ours] = j
        missing = [c for c in table.required if c not in targets]
        for col in missing:
            problems.append(
                Problem(source.label, 1, col, None, "required column is missing from the header")
            )
        if problems:
            self.add(problems)
            return None
        selects = ["_row"]
        for ours, j in targets.items():
            value_map = tmap.values.get(ours)
            expr = f"c{j}"
            if value_map:
                whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in value_map.items())
                expr = f"CASE trim(c{j}) {whens} ELSE c{j} END"
            selects.append(f"{expr} AS {q(ours)}")
        if extras:
            pairs = ", ".join(f"{lit(name)}, c{j}" for name, j in extras)
            selects.append(f"CAST(json_object({pairs}) AS JSON) AS _extra")
        else:
            selects.append("CAST(NULL AS JSON) AS _extra")
        stg = f"{self.prefix}_stg_{self.n - 1}"
        provided = tuple(targets)
        typed = frozenset(c for c, j in targets.items() if f"c{j}" in self.typed_columns)
        extra_names = [name for name, _ in extras]
        rows = f"SELECT {', '.join(selects)} FROM {raw_name}"
        if not self.locate:
            self.con.execute(f"CREATE TEMP VIEW {stg} AS {rows}")
            return stg, provided, typed, extra_names
        self.con.execute(f"CREATE TEMP TABLE {stg} AS {rows}")
        if source.fmt == "excel":
            self.con.unregister(raw_name)
        if source.fmt == "csv":
            structural = self._rejects(source, self.n - 1)
            if structural:
                self.add(structural)
                self.con.execute(f"DROP TABLE {stg}")
                return None
        self.collect(source, problem_sql(stg, table, provided, typed))
        return stg, provided, typed, extra_names

    def collect(self, source: Source, sql: str) -> None:
        """Run a problem query and add what it finds, located in ``source`` (or count it)."""
        if not self.locate:
            self.flagged += int(_scalar(self.con, f"SELECT count(*) FROM ({sql})"))
            return
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE _problems AS {sql}")
        total = int(_scalar(self.con, "SELECT count(*) FROM _problems"))
        room = max(self.limit - len(self.problems), 0)
        rows = self.con.execute(
            f"SELECT _row, col, value, rule FROM _problems ORDER BY _row, col LIMIT {room}"
        ).fetchall()
        self.add(Problem(source.label, int(r[0]), r[1], r[2], r[3]) for r in rows)
        self.more += total - len(rows)


def _at(column: str, typed: frozenset[str]) -> str:
    """Return SQL reading staged ``column`` as a timestamp (NULL where it does not parse)."""
    if column in typed:
        return f"CAST({q(column)} AS TIMESTAMP)"
    text = f"NULLIF(trim(CAST({q(column)} AS VARCHAR)), '')"
    return f"TRY_CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP)"


def _cross_checks(
    stager: _Stager, staged: list[tuple[Source, str, tuple[str, ...], frozenset[str]]]
) -> None:
    """Check references and cross-table date order against this import and the store.

    Unlocated, only the date order of returns is counted here: the checked write tests
    references row by row against ``_known_customers`` and ids across files once written.
    ``_known_customers`` is a view of the stored customers and a copy of only the new ones.
    """
    new_ids = [
        f"SELECT {norm('customer_id')} AS id FROM {stg}"
        for src, stg, _, _ in staged
        if src.table == "customers"
    ]
    known = "SELECT customer_id AS id FROM customers"
    if new_ids:
        stager.con.execute(
            "CREATE OR REPLACE TEMP TABLE _new_customers AS "
            f"SELECT DISTINCT id FROM ({' UNION ALL '.join(new_ids)})"
        )
        known += " UNION ALL SELECT id FROM _new_customers"
    stager.con.execute(f"CREATE OR REPLACE TEMP VIEW {KNOWN_CUSTOMERS} AS {known}")
    for src, stg, cols, typed in staged:
        table = TABLES[src.table]
        for col in table.columns:
            if not stager.locate or col.references != "customers" or col.name not in cols:
                continue
            v = norm(col.name)
            stager.collect(
                src,
                f"SELECT _row, {lit(col.name)} AS col, {v} AS value, "
                f"'unknown customer: not in customers (this import or already stored)' AS rule "
                f"FROM {stg} s WHERE {v} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM _known_customers k WHERE k.id = {v})",
            )
        if src.table == "returns" and "order_id" in cols:
            orders = ["SELECT order_id AS id, ordered_at AS at FROM orders"] + [
                f"SELECT {norm('order_id')}, {_at('ordered_at', o_typed)} FROM {o}"
                for osrc, o, _, o_typed in staged
                if osrc.table == "orders"
            ]
            returned = _at("returned_at", typed)
            stager.collect(
                src,
                "SELECT s._row, 'returned_at' AS col, CAST(returned_at AS VARCHAR) AS value, "
                f"'must not be before the ordered_at of its order' AS rule FROM {stg} s "
                f"JOIN ({' UNION ALL '.join(orders)}) o ON o.id = {norm('order_id')} "
                f"WHERE {returned} < o.at",
            )
    if not stager.locate:
        return
    by_table: dict[str, list[tuple[Source, str]]] = {}
    for src, stg, _, _ in staged:
        by_table.setdefault(src.table, []).append((src, stg))
    for name, group in by_table.items():
        if len(group) < 2:
            continue
        ident = TABLES[name].id_column
        union = " UNION ALL ".join(
            f"SELECT {k} AS k, _row, {norm(ident)} AS id FROM {stg}"
            for k, (_, stg) in enumerate(group)
        )
        for k, (src, _) in enumerate(group):
            if k == 0:
                continue
            stager.collect(
                src,
                f"SELECT _row, {lit(ident)} AS col, id AS value, "
                f"'duplicate id: the same id is in another file of this import' AS rule "
                f"FROM ({union}) u WHERE k = {k} AND id IS NOT NULL AND EXISTS "
                f"(SELECT 1 FROM ({union}) e WHERE e.id = u.id AND e.k < {k})",
            )


def _fits(kind: Kind, duck_type: str) -> bool:
    """Return whether a Parquet column's type already fits a contract kind (no text round trip)."""
    t = duck_type.upper()
    integers = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
    if kind is Kind.TIMESTAMP:
        return t.startswith(("TIMESTAMP", "DATE"))
    if kind in (Kind.MONEY, Kind.NUMBER):
        return t.startswith(("DOUBLE", "FLOAT", "DECIMAL", "REAL")) or t in integers
    if kind is Kind.INT:
        return t in integers
    if kind is Kind.BOOL:
        return t == "BOOLEAN"
    return False


Staged = tuple[Source, str, tuple[str, ...], frozenset[str]]


def _stage_all(
    stager: _Stager, sources: Sequence[Source], say: Progress
) -> tuple[list[Staged], list[FileResult]]:
    """Stage every source with ``stager``; return what staged and one result per staged file."""
    staged: list[Staged] = []
    results: list[FileResult] = []
    for src in sources:
        say(f"reading {src.label}")
        out = stager.stage(src)
        if out is None:
            continue
        stg, provided, typed, extras = out
        staged.append((src, stg, provided, typed))
        results.append(
            FileResult(str(src.path), src.table, "", sheet=src.sheet, extra_columns=extras)
        )
    _cross_checks(stager, staged)
    return staged, results


def import_paths(
    ws: Workspace,
    paths: Iterable[Path],
    *,
    table: str | None = None,
    mapping: ColumnMapping | None = None,
    user: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate every source and write them all in one transaction, or write nothing.

    The write checks each row as it casts it; if any row (or the file around it) is wrong,
    the transaction is rolled back and the sources are read again to locate every problem.

    Raises
    ------
    ContractError
        With every problem found (up to ``import.max_errors``), each naming file, row
        (header = row 1), column, value and rule.
    """
    say = progress or (lambda _msg: None)
    paths = list(paths)
    sources = resolve_sources(paths, table, mapping)
    limit = ws.settings.get_int("import.max_errors")
    started = datetime.now(UTC).replace(tzinfo=None)
    con = ws.connect()
    try:
        con.execute("SET TimeZone='UTC'")
        try:
            return _checked_import(con, sources, mapping, limit, user, started, say)
        except (duckdb.Error, _Flagged) as exc:
            rollback(con)
            failure: BaseException = exc
        say("locating problems")
        stager = _Stager(con, mapping, limit, locate=True)
        _stage_all(stager, sources, say)
        if stager.problems or stager.more:
            order = {src.label: k for k, src in enumerate(sources)}
            stager.problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0, p.column or ""))
            raise ContractError(stager.problems, stager.more)
        raise failure
    except BaseException:
        rollback(con)
        raise
    finally:
        con.close()


def _checked_import(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[Source],
    mapping: ColumnMapping | None,
    limit: int,
    user: str | None,
    started: datetime,
    say: Progress,
) -> ImportResult:
    """Write every source in one transaction, checking each row as it is cast.

    Raises
    ------
    _Flagged
        When a file-level problem, a flagged row or a duplicate id was found; nothing is
        written then (a row flagged mid-write raises DuckDB's error and the caller rolls back).
    """
    hasher = ThreadPoolExecutor(max_workers=1)
    digests = {p: hasher.submit(_sha256, p) for p in dict.fromkeys(s.path for s in sources)}
    try:
        stager = _Stager(con, mapping, limit, locate=False)
        staged, results = _stage_all(stager, sources, say)
        if stager.problems or stager.more or stager.flagged:
            raise _Flagged("a file does not meet the data contract")
        say("writing")
        return _write_all(con, staged, results, user, started, digests)
    finally:
        hasher.shutdown(wait=False, cancel_futures=True)


def _write_all(
    con: duckdb.DuckDBPyConnection,
    staged: list[Staged],
    results: list[FileResult],
    user: str | None,
    started: datetime,
    digests: dict[Path, Future[str]],
) -> ImportResult:
    """Write the staged sources and the history row in one transaction, then checkpoint.

    The files' content hashes are computed in a thread while the files are staged and
    written, and awaited only for the history row.
    """
    con.execute("SET preserve_insertion_order=false")
    try:
        con.execute("BEGIN TRANSACTION")
        import_id = int(_scalar(con, "SELECT coalesce(max(import_id), 0) + 1 FROM _imports"))
        for name in TABLE_NAMES:
            group = [(k, s) for k, s in enumerate(staged) if s[0].table == name]
            if group:
                _write_table(con, TABLES[name], group, results, import_id)
        for res in results:
            res.sha256 = digests[Path(res.path)].result()
        finished = datetime.now(UTC).replace(tzinfo=None)
        files_json = json.dumps([asdict(r) for r in results])
        con.execute(
            "INSERT INTO _imports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                import_id,
                started,
                finished,
                user or getpass.getuser(),
                files_json,
                sum(r.inserted for r in results),
                sum(r.updated for r in results),
                sum(r.unchanged for r in results),
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    finally:
        con.execute("SET preserve_insertion_order=true")
    con.execute("CHECKPOINT")
    return ImportResult(import_id, results)


NUMBERED_MAX_BITS = 1 << 28
NUMBERED_SAMPLE = 4096


def _numbered_ids_distinct(con: duckdb.DuckDBPyConnection, relation: str, ident: str) -> bool:
    """Return True when a bitmap of the ids' numbers proves them distinct; False proves nothing.

    Most exports number their ids (``O0000123``, ``10042``): a prefix of fixed length and a
    number. Each id's number (its text after that prefix, cast) is a function of the id, so if
    every id has one and the numbers set as many bits of a bitmap as there are ids, no two ids
    are equal. That is one streaming scan instead of a hash table of every id, which is what a
    large first import spends most of its duplicate check on. The prefix length and the
    bitmap's range come from a sample; ids that do not fit leave the proof to the exact count.
    """
    sample = [
        str(v)
        for (v,) in con.execute(
            f"SELECT {ident} FROM {relation} USING SAMPLE {NUMBERED_SAMPLE} ROWS"
        ).fetchall()
    ]
    if len(sample) < NUMBERED_SAMPLE:
        return False
    prefix = {len(v.rstrip("0123456789")) for v in sample}
    if len(prefix) != 1:
        return False
    k = prefix.pop()
    numbers = [int(v[k:]) for v in sample if v[k:].isascii() and v[k:].isdigit()]
    if len(numbers) < len(sample):
        return False
    span = max(numbers) - min(numbers) + 1
    low, high = max(min(numbers) - span, 0), max(numbers) + span
    if high - low + 1 > NUMBERED_MAX_BITS or high >= 1 << 63:
        return False
    n = f"TRY_CAST({ident}[{k + 1}:] AS UBIGINT)"
    lo, hi = f"CAST({low} AS UBIGINT)", f"CAST({high} AS UBIGINT)"
    inside = f"CASE WHEN {n} BETWEEN {lo} AND {hi} THEN {n} END"
    counts = con.execute(
        f"SELECT count(*), bit_count(bitstring_agg({inside}, {lo}, {hi})) FROM {relation}"
    ).fetchall()[0]
    return bool(counts[0] == counts[1])


def _write_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    group: list[tuple[int, Staged]],
    results: list[FileResult],
    import_id: int,
) -> None:
    """Write one table's sources, checking every row; upsert by id and record per-file counts.

    Into a table that holds no rows yet each file is inserted straight from its source and its
    ids are checked for duplicates in place. Otherwise a first scan keeps only each checked
    row's id and content hash, to compare with the stored rows: changed ones are deleted, and
    a second scan inserts the new and changed rows, so an unchanged re-import reads each file
    once and holds no copy of its rows. The first scan keeps ``_import_id`` too: it is what
    raises on a flagged row, and a row equal to a stored one after casting (``1_000`` for a
    stored ``1000``) must still be reported. Rows go in sorted by ``table.storage_order``
    (customer, then time), the layout every per-customer aggregation reads fastest.
    """
    ident = q(table.id_column)
    name = q(table.name)
    names = ", ".join(q(c) for c in table.names)
    columns = f"{names}, extra, _import_id, _row_hash"
    order = " ORDER BY " + ", ".join(q(c) for c in table.storage_order)

    def checked(k: int, stg: str, provided: tuple[str, ...], typed: frozenset[str]) -> str:
        rows = checked_sql(stg, table, provided, typed, KNOWN_CUSTOMERS)
        return (
            f"SELECT {names}, extra, CASE WHEN _breach THEN error({lit(BREACH)}) "
            f"ELSE {import_id} END AS _import_id, "
            f"hash({names}, CAST(extra AS VARCHAR)) AS _row_hash, {k} AS _src FROM ({rows})"
        )

    def has_duplicates(relation: str) -> bool:
        """Distinct hashes prove distinct ids; only a repeated hash needs the exact count."""
        if _numbered_ids_distinct(con, relation, ident):
            return False
        repeated = "SELECT count(*) <> count(DISTINCT {}) FROM {}"
        return bool(
            _scalar(con, repeated.format(f"hash({ident})", relation))
            and _scalar(con, repeated.format(ident, relation))
        )

    if not _scalar(con, f"SELECT EXISTS (SELECT 1 FROM {name})"):
        for k, (_, stg, provided, typed) in group:
            rows = checked(k, stg, provided, typed)
            sql = f"INSERT INTO {name} ({columns}) SELECT {columns} FROM ({rows}){order}"
            results[k].rows = results[k].inserted = int(_scalar(con, sql))
        if has_duplicates(name):
            raise _Flagged(f"duplicate ids in {table.name}")
        return
    union = " UNION ALL ".join(
        checked(k, stg, provided, typed) for k, (_, stg, provided, typed) in group
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _keys AS "
        f"SELECT _src, {ident}, _row_hash, _import_id FROM ({union})"
    )
    if has_duplicates("_keys"):
        raise _Flagged(f"duplicate ids in {table.name}")
    counts = con.execute(
        f"SELECT s._src, count(*), count(*) FILTER (WHERE t.{ident} IS NULL), "
        f"count(*) FILTER (WHERE t.{ident} IS NOT NULL AND t._row_hash <> s._row_hash) "
        f"FROM _keys s LEFT JOIN {name} t ON t.{ident} = s.{ident} GROUP BY s._src"
    ).fetchall()
    for src, rows, inserted, updated in counts:
        res = results[int(src)]
        res.rows, res.inserted, res.updated = int(rows), int(inserted), int(updated)
        res.unchanged = res.rows - res.inserted - res.updated
    if any(updated for _, _, _, updated in counts):
        con.execute(
            f"DELETE FROM {name} WHERE {ident} IN (SELECT s.{ident} FROM _keys s JOIN {name} t "
            f"ON t.{ident} = s.{ident} WHERE t._row_hash <> s._row_hash)"
        )
    if any(inserted or updated for _, _, inserted, updated in counts):
        con.execute(
            f"INSERT INTO {name} ({columns}) SELECT {columns} FROM ({union}) s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {name} t WHERE t.{ident} = s.{ident}){order}"
        )
    con.execute("DROP TABLE _keys")


__all__ = ["FileResult", "ImportResult", "Source", "import_paths", "resolve_sources"]
