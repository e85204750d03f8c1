"""The distributed engine: runs the same feature SQL on Apache Spark, returns Arrow.

Feature SQL is written once in the DuckDB dialect; :func:`keepwise.engines.transpile.to_spark`
turns it into Spark SQL with the same meaning. The event tables are temp views over Parquet or
Delta files (:meth:`SparkEngine.from_parquet`) or over tables of a Spark catalog
(:meth:`SparkEngine.from_catalog`). Every view has the column names and types of the data
contract, so a feature sees the same table on either engine; a table the business does not have
becomes an *empty* view, so "no data" stays "no data" instead of becoming a missing-table error.

The engine runs SQL text and knows no feature. It reads one thing from the domain: the data
contract, which is plain data (table → columns → storage type), the same description the
workspace builds its tables from.

Spark is configured to agree with DuckDB where a setting decides it: UTC session time zone,
contract timestamps as ``TIMESTAMP_NTZ`` (DuckDB's ``TIMESTAMP`` has no time zone either), and
ANSI mode off, so a guarded ``x / NULLIF(y, 0)`` is ``NULL`` on both engines.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from keepwise.engines.transpile import READ, TranspileError, split_materialized, to_spark
from keepwise.errors import KeepwiseError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

TableSchema = Sequence[tuple[str, str]]
"""Columns of one table as ``(name, DuckDB type)`` pairs, in order."""

SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}
"""Session settings every keepwise Spark job needs for results equal to DuckDB's."""

TUNING_CONF: dict[str, str] = {
    "spark.sql.optimizer.canChangeCachedPlanOutputPartitioning": "true",
}
"""Session settings that only make keepwise's queries faster: adaptive execution inside the
plans that fill a cache, which Spark 4.3 leaves off (the signals query caches its levels;
at 100k customers it took 28–42 s with this against 36–51 s without; at 1M the whole score
took 368 s against 369–386 s, within the noise)."""

LOCAL_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.ui.showConsoleProgress": "false",
}
"""Settings of a single-machine session: no web UI, bound to loopback only."""


class SparkEngineError(KeepwiseError):
    """Spark is missing, could not start, or rejected a query (with the SQL it was given)."""


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise SparkEngineError(
            "the Spark engine needs PySpark: pip install 'keepwise[spark]'"
        ) from exc


def local_session(
    cores: int = 2,
    shuffle_partitions: int = 4,
    driver_memory: str = "2g",
    app_name: str = "keepwise",
    extra_conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """Start (or reuse) a local-mode SparkSession configured for keepwise.

    Parameters
    ----------
    cores
        Worker threads (``local[cores]``).
    shuffle_partitions
        Partitions after a shuffle; Spark's default of 200 is far too many for one machine.
    driver_memory
        JVM heap of the driver, which is the whole cluster in local mode.
    app_name
        Name shown in Spark's logs.
    extra_conf
        Further ``spark.*`` settings, applied last.

    Returns
    -------
    SparkSession
        The session; stop it with ``spark.stop()`` when done.
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(f"local[{cores}]").appName(app_name)
    conf = {
        **LOCAL_CONF,
        **SESSION_CONF,
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.driver.memory": driver_memory,
        **(extra_conf or {}),
    }
    for key, value in conf.items():
        builder = builder.config(key, value)
    os.environ.setdefault("PYSPARK_PYTHON", _python())
    try:
        spark = builder.getOrCreate()
    except Exception as exc:
        raise SparkEngineError(f"could not start a local Spark session: {exc}") from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _python() -> str:
    import sys

    return sys.executable


def _default_schema() -> dict[str, TableSchema]:
    """Return the data contract as ``table → [(column, DuckDB type)]``."""
    from keepwise.domain.contract import TABLES

    return {name: [(c.name, c.storage_type) for c in t.columns] for name, t in TABLES.items()}


_NO_SPARK_TYPE = {"JSON": "STRING", "UBIGINT": "DECIMAL(20, 0)", "UUID": "STRING"}


def spark_type(duckdb_type: str) -> str:
    """Return the Spark SQL type that holds the values of a DuckDB type unchanged."""
    name = exp.DataType.build(duckdb_type, dialect=READ).sql("spark")
    return _NO_SPARK_TYPE.get(name, name)


def _ddl(schema: TableSchema) -> str:
    return ", ".join(f"`{name}` {spark_type(kind)}" for name, kind in schema)


class SparkEngine:
    """Run feature SQL (DuckDB dialect) on Spark and return Arrow, like ``DuckDBEngine``.

    Parameters
    ----------
    spark
        A live SparkSession. Use :func:`local_session` on one machine; on a cluster pass the
        session the job was given (``SparkSession.builder.getOrCreate()``). The
        ``from_*`` constructors give each engine its own ``spark.newSession()``: temp views are
        per session, so two engines on one cluster never see each other's tables.

    Examples
    --------
    >>> engine = SparkEngine.from_parquet("lake/events")  # doctest: +SKIP
    >>> engine.query("SELECT count(*) AS n FROM orders")  # doctest: +SKIP
    """

    name = "spark"

    def __init__(
        self, spark: SparkSession, result_dir: str | os.PathLike[str] | None = None
    ) -> None:
        """Wrap ``spark``; results come back through Parquet files when a folder allows it.

        Collecting a result through the driver holds all of it in the driver's heap at once,
        which in local mode also holds the cached tables: the 3.3M-row signals result of a
        1M-customer business ran a 3 GB driver out of memory. So results are written as
        Parquet by the tasks and read back with PyArrow: into a temporary folder in local
        mode, or under ``result_dir`` (a folder the cluster and this process both reach, such
        as a shared mount). On a cluster without ``result_dir`` they go through the driver.
        """
        self.spark = spark
        self._empty: set[str] = set()
        self._registered: set[str] = set()
        self._result_dir = None if result_dir is None else str(result_dir)
        self._via_files = result_dir is not None or _is_local(spark)
        for key, value in {**TUNING_CONF, **SESSION_CONF}.items():
            spark.conf.set(key, value)

    @classmethod
    def from_parquet(
        cls,
        path: str | os.PathLike[str],
        spark: SparkSession | None = None,
        schema: Mapping[str, TableSchema] | None = None,
        cache: bool = False,
        result_dir: str | os.PathLike[str] | None = None,
    ) -> SparkEngine:
        """Open event tables stored as Parquet or Delta under one folder.

        Table ``orders`` is read from ``PATH/orders/`` (a Parquet folder, or a Delta table when
        it holds ``_delta_log``) or from ``PATH/orders.parquet``. ``PATH`` may be any URI Spark
        reads (``s3a://``, ``abfss://``, ``dbfs:/``); for those only the folder form is tried.

        Parameters
        ----------
        path
            The folder holding one entry per table.
        spark
            The session to use; a local one (:func:`local_session`) when omitted.
        schema
            ``table → [(column, DuckDB type)]``; the data contract when omitted.
        cache
            Keep the tables in Spark's memory (spilling to disk) after the first scan; worth it
            only where the executors have memory to spare for them (in local mode with a 3 GB
            driver a 1M-customer score took 345.7 s cached against 274.6 s uncached).
        result_dir
            Where query results are staged as Parquet (see :class:`SparkEngine`).

        Returns
        -------
        SparkEngine
            An engine with one temp view per table.
        """
        session = (spark if spark is not None else local_session()).newSession()
        engine = cls(session, result_dir=result_dir)
        base = str(path)
        for name, columns in (schema or _default_schema()).items():
            engine.register(name, engine._read_lake_table(base, name), columns, cache=cache)
        return engine

    @classmethod
    def from_catalog(
        cls,
        spark: SparkSession,
        database: str,
        schema: Mapping[str, TableSchema] | None = None,
        cache: bool = False,
        result_dir: str | os.PathLike[str] | None = None,
    ) -> SparkEngine:
        """Open event tables that live in a Spark catalog database (Hive, Unity, Glue...).

        Parameters
        ----------
        spark
            The session whose catalog holds ``database``.
        database
            The database (schema) with one table per contract table; absent ones are empty.
        schema
            ``table → [(column, DuckDB type)]``; the data contract when omitted.
        cache
            Keep the tables in Spark's memory after the first scan.
        result_dir
            Where query results are staged as Parquet (see :class:`SparkEngine`).

        Returns
        -------
        SparkEngine
            An engine with one temp view per table.
        """
        engine = cls(spark.newSession(), result_dir=result_dir)
        for name, columns in (schema or _default_schema()).items():
            found = engine.spark.catalog.tableExists(f"`{database}`.`{name}`")
            frame = engine.spark.table(f"`{database}`.`{name}`") if found else None
            engine.register(name, frame, columns, cache=cache)
        return engine

    def _read_lake_table(self, base: str, name: str) -> DataFrame | None:
        if "://" not in base and not base.startswith("dbfs:"):
            folder, single = Path(base) / name, Path(base) / f"{name}.parquet"
            if (folder / "_delta_log").is_dir():
                return self.spark.read.format("delta").load(str(folder))
            if folder.is_dir() and any(folder.glob("*.parquet")):
                return self.spark.read.parquet(str(folder))
            if single.is_file():
                return self.spark.read.parquet(str(single))
            return None
        try:
            return self.spark.read.parquet(f"{base.rstrip('/')}/{name}")
        except Exception as exc:
            if "PATH_NOT_FOUND" in str(exc) or "Path does not exist" in str(exc):
                return None
            raise SparkEngineError(f"cannot read table {name!r} under {base}: {exc}") from exc

    def register(
        self,
        name: str,
        frame: DataFrame | None,
        schema: TableSchema,
        cache: bool = False,
    ) -> None:
        """Expose ``frame`` as temp view ``name`` with exactly the columns of ``schema``.

        Columns are cast to their schema type; optional columns missing from the data are
        added as ``NULL`` (as in the workspace); columns outside the schema are kept after them.
        ``frame=None`` registers an empty view, which every feature reads as "no data".
        """
        if frame is None:
            frame = self.spark.createDataFrame([], _ddl(schema))
            self._empty.add(name)
        else:
            self._empty.discard(name)
            have = {c.lower(): c for c in frame.columns}
            wanted = {column.lower() for column, _ in schema}
            select = []
            for column, kind in schema:
                source = f"`{have[column.lower()]}`" if column.lower() in have else "NULL"
                select.append(f"CAST({source} AS {spark_type(kind)}) AS `{column}`")
            select += [f"`{c}`" for c in frame.columns if c.lower() not in wanted]
            frame = frame.selectExpr(*select)
            if cache:
                frame = frame.persist()
        frame.createOrReplaceTempView(name)
        self._registered.add(name)

    def present_tables(self) -> set[str]:
        """Return the registered tables with at least one row (the others are "no data")."""
        present = set()
        for name in sorted(self._registered - self._empty):
            if self.spark.table(name).limit(1).count() > 0:
                present.add(name)
        return present

    def sql(self, sql: str, params: Sequence[Any] | None = None) -> DataFrame:
        """Return the Spark DataFrame of one DuckDB-dialect query, without running it."""
        spark_sql = to_spark(bind_params(sql, params) if params else sql)
        try:
            return self.spark.sql(spark_sql)
        except Exception as exc:
            raise SparkEngineError(
                f"Spark rejected the query: {_first_line(exc)}\n--- Spark SQL:\n{spark_sql}"
            ) from exc

    @contextmanager
    def _materialized(self, sql: str, params: Sequence[Any] | None) -> Iterator[str]:
        """Yield ``sql`` with its ``MATERIALIZED`` CTEs computed once, cached, read as views.

        DuckDB computes such a CTE once; Spark would inline it into every reader (the signals
        query reads its levels twice, half its time). The plain CTEs beside them become
        views too (see :func:`split_materialized`). The views are dropped afterwards.
        """
        steps, rest = split_materialized(bind_params(sql, params) if params else sql)
        views: list[tuple[str, DataFrame | None]] = []
        try:
            for name, select, cache in steps:
                frame = self.sql(select)
                views.append((name, frame.persist() if cache else None))
                if cache:
                    frame.count()
                frame.createOrReplaceTempView(name)
            yield rest
        except Exception as exc:
            if isinstance(exc, KeepwiseError):
                raise
            raise SparkEngineError(f"Spark failed running the query: {_first_line(exc)}") from exc
        finally:
            for name, cached in views:
                self.spark.catalog.dropTempView(name)
                if cached is not None:
                    cached.unpersist()

    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run one SELECT written in the DuckDB dialect and return its result as Arrow."""
        with self._materialized(sql, params) as statement:
            frame = self.sql(statement)
            table = self._through_files(frame) if self._via_files else _to_arrow(frame)
        return _like_duckdb(table)

    def customer_parts(self, tables: Collection[str]) -> list[str]:
        """Return []: Spark spreads one query over its executors itself."""
        return []

    def query_parts(self, sqls: Sequence[str]) -> pa.Table:
        """Run the SELECTs one after another and return their rows stacked."""
        return pa.concat_tables([self.query(sql) for sql in sqls])

    def _through_files(self, frame: DataFrame) -> pa.Table:
        """Return ``frame``'s rows written as Parquet by the tasks and read back, in order."""
        if self._result_dir is not None:
            Path(self._result_dir).mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="keepwise-result-", dir=self._result_dir))
        try:
            # a file: URI, so a cluster whose default filesystem is HDFS or DBFS still writes
            # the shared folder this process reads
            frame.write.parquet((folder / "rows").resolve().as_uri())
            parts = sorted((folder / "rows").glob("part-*.parquet"))
            if not parts:
                return _empty_arrow(frame)
            return pa.concat_tables([pq.read_table(part) for part in parts])
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """Run a query that returns one value."""
        table = self.query(sql, params)
        return table.column(0)[0].as_py() if table.num_rows else None

    def write_parquet(self, sql: str, path: str | os.PathLike[str]) -> None:
        """Run a query and write its result as a Parquet folder, in parallel, from the cluster."""
        with self._materialized(sql, None) as statement:
            self.sql(statement).write.mode("overwrite").parquet(str(path))


_JAVA_ERROR = re.compile(
    r"^\s*(?:Caused by: )?((?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b.*)$"
)
"""A Java exception line of a stack trace: its class and message."""


def _first_line(exc: BaseException) -> str:
    """Return the first line of ``exc``, with the Java error behind it when it is a Py4J call.

    A failed job surfaces as "An error occurred while calling o254.getResult." and the reason
    (an out-of-memory error, a failed stage) sits further down the Java stack trace.
    """
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    first = lines[0]
    if first.startswith("An error occurred while calling"):
        causes = [m.group(1) for m in map(_JAVA_ERROR.match, lines[1:]) if m]
        if causes:
            return f"{first.rstrip('.')}: {causes[-1][:400]}"
    return first


def _is_local(spark: SparkSession) -> bool:
    """Tell whether ``spark`` runs in local mode, where its tasks write this machine's disk."""
    try:
        return str(spark.conf.get("spark.master", "")).startswith("local")
    except Exception:  # pragma: no cover - a Connect session without the setting
        return False


def _to_arrow(frame: DataFrame) -> pa.Table:
    if hasattr(frame, "toArrow"):
        return frame.toArrow()  # PySpark ≥ 4.0
    batches = frame._collect_as_arrow()  # type: ignore[operator]  # pragma: no cover
    if batches:  # pragma: no cover
        return pa.Table.from_batches(batches)
    return _empty_arrow(frame)  # pragma: no cover


def _empty_arrow(frame: DataFrame) -> pa.Table:
    """Return an empty Arrow table with ``frame``'s columns."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(frame.schema).empty_table()


def _like_duckdb(table: pa.Table) -> pa.Table:
    """Return ``table`` with zone-aware timestamps made naive UTC, as DuckDB returns them."""
    columns, fields = [], []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            naive = pa.timestamp(field.type.unit)
            column = column.cast(naive)
            field = field.with_type(naive)
        columns.append(column)
        fields.append(field)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _literal(value: Any) -> exp.Expression:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float | Decimal):
        return exp.Literal.number(value)
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TranspileError([f"unsupported parameter type {type(value).__name__}"], repr(value))


def bind_params(sql: str, params: Iterable[Any] | None) -> str:
    """Return DuckDB-dialect ``sql`` with its ``?`` / ``$n`` parameters replaced by literals.

    Spark SQL has no portable positional parameters, so values are inlined as typed SQL
    literals (never by string formatting), which also lets the transpiled text be cached.
    """
    values = list(params or [])
    if not values:
        return sql
    tree = sqlglot.parse_one(sql, read=READ)
    position = iter(range(len(values)))

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            index = int(node.this) - 1 if node.this and str(node.this).isdigit() else next(position)
            return _literal(values[index])
        if isinstance(node, exp.Parameter) and str(node.this.this).isdigit():
            return _literal(values[int(node.this.this) - 1])
        return node

    return tree.transform(bind).sql(dialect=READ)
