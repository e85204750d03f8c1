"""The data contract: what keepwise accepts as input, and how it checks it."""

from keepwise.domain.contract.schema import TABLE_NAMES, TABLES, Column, Kind, Table

__all__ = ["TABLES", "TABLE_NAMES", "Column", "Kind", "Table"]
