"""Feature definitions, written once, run by every engine.

A feature is SQL in the DuckDB dialect that returns one row per customer (or, for evidence,
one row per record) as of a date. DuckDB runs it as written; the Spark engine transpiles it
with SQLGlot. Nothing here imports an engine: engines import features, never the reverse.
Modules declare their features with :func:`register` at import time; importing
``keepwise.domain.features`` loads every built-in module, so the registry is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

import pyarrow as pa

from keepwise.domain.sqltext import timestamp_literal
from keepwise.settings import Settings


class Engine(Protocol):
    """What the domain needs from an engine: run SQL (DuckDB dialect), get Arrow back."""

    name: str

    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run one SELECT and return its result as an Arrow table."""
        ...

    def customer_parts(self, tables: Collection[str]) -> list[str]:
        """Return predicates on ``customer_id`` that split the customers into disjoint parts.

        The engine runs a per-customer feature reading ``tables`` once per part, side by side
        (:meth:`query_parts`); an empty list means it runs the feature whole.
        """
        ...

    def query_parts(self, sqls: Sequence[str]) -> pa.Table:
        """Run the SELECTs side by side and return their rows stacked in one Arrow table."""
        ...


@dataclass(frozen=True)
class FeatureContext:
    """What a feature's SQL may depend on: the as-of date, the settings, the tables present."""

    as_of: datetime
    settings: Settings
    present: frozenset[str] = field(default_factory=frozenset)
    customer_part: str = "TRUE"
    """A predicate on an event table's ``customer_id``: per-customer features read only the
    events it keeps (see :func:`run_feature`); everything by default."""

    @property
    def as_of_sql(self) -> str:
        """Return the as-of moment as a SQL timestamp literal (portable across engines)."""
        return timestamp_literal(self.as_of)


@dataclass(frozen=True)
class Feature:
    """One named query: the contract tables it reads and a builder of its SQL text."""

    name: str
    tables: tuple[str, ...]
    build: Callable[[FeatureContext], str]
    doc: str = ""
    per_customer: bool = False
    """Each row depends on its own customer's events alone, and the SQL keeps only the events
    that ``ctx.customer_part`` allows: the feature may be computed part by part."""

    def sql(self, ctx: FeatureContext) -> str:
        """Return the SQL of this feature for ``ctx``."""
        return self.build(ctx)


_REGISTRY: dict[str, Feature] = {}


def register(feature: Feature) -> Feature:
    """Add ``feature`` to the registry; a name may be registered once."""
    if feature.name in _REGISTRY and _REGISTRY[feature.name] is not feature:
        raise ValueError(f"feature {feature.name!r} is already registered")
    _REGISTRY[feature.name] = feature
    return feature


def feature(
    name: str, tables: tuple[str, ...], doc: str = "", per_customer: bool = False
) -> Callable[[Callable[[FeatureContext], str]], Feature]:
    """Decorate a SQL builder to register it as feature ``name`` reading ``tables``."""

    def wrap(build: Callable[[FeatureContext], str]) -> Feature:
        text = doc or (build.__doc__ or "").strip()
        return register(Feature(name, tables, build, text, per_customer))

    return wrap


def run_feature(engine: Engine, name: str, ctx: FeatureContext) -> pa.Table:
    """Run registered feature ``name`` on ``engine`` for ``ctx``.

    A per-customer feature runs once per part of the customers when the engine splits them
    (DuckDB on several cores: its parallel grouping of ten million orders by customer and
    day does the work twice, once per thread and again to merge, where one thread per part
    does it once); the parts' rows are stacked, so the result is the same table.
    """
    f = get_feature(name)
    parts = engine.customer_parts(f.tables) if f.per_customer else []
    if parts:
        return engine.query_parts([f.sql(replace(ctx, customer_part=p)) for p in parts])
    return engine.query(f.sql(ctx))


def get_feature(name: str) -> Feature:
    """Return the registered feature called ``name``."""
    return _REGISTRY[name]


def all_features() -> Iterator[Feature]:
    """Yield every registered feature in registration order."""
    yield from _REGISTRY.values()
