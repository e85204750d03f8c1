"""Engines that execute feature SQL: DuckDB embedded by default, Spark past one machine."""

from keepwise.engines.duckdb import DuckDBEngine

__all__ = ["DuckDBEngine"]
