"""Column mappings: import a real export (a helpdesk's, a billing tool's) without editing it.

A mapping file (TOML or YAML) says which file feeds which table, which of *their* columns is
which of *ours*, and how their enum values translate::

    [files]
    "zendesk-*.csv" = "tickets"

    [tables.tickets]
    delimiter = ";"

    [tables.tickets.columns]
    "Ticket ID" = "ticket_id"
    "Requester" = "customer_id"

    [tables.tickets.values.category]
    "Incident" = "problem"

Unmapped columns that match a contract name (case and surrounding spaces ignored) are taken
as they are; all others are kept as extra columns.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from keepwise.domain.contract.schema import TABLES
from keepwise.errors import ContractError, Problem


@dataclass(frozen=True)
class TableMapping:
    """How one source table's columns and values map onto a contract table."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    delimiter: str | None = None


@dataclass(frozen=True)
class ColumnMapping:
    """A whole mapping file: file-name patterns to tables, and per-table mappings."""

    files: dict[str, str] = field(default_factory=dict)
    tables: dict[str, TableMapping] = field(default_factory=dict)

    def table_for(self, path: Path) -> str | None:
        """Return the table a file feeds according to the ``[files]`` patterns, if any."""
        for pattern, table in self.files.items():
            if fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(str(path), pattern):
                return table
        return None

    def for_table(self, table: str) -> TableMapping:
        """Return the mapping of ``table`` (empty when the file says nothing about it)."""
        return self.tables.get(table, TableMapping())


def _problem(path: Path, rule: str) -> ContractError:
    return ContractError([Problem(str(path), None, None, None, rule)])


def parse_mapping(data: dict[str, Any], source: Path) -> ColumnMapping:
    """Check and convert a parsed mapping document; every error names the mapping file."""
    unknown = set(data) - {"files", "tables"}
    if unknown:
        raise _problem(source, f"unknown section(s) {sorted(unknown)}; expected files, tables")
    files: dict[str, str] = {}
    for pattern, table in (data.get("files") or {}).items():
        if table not in TABLES:
            raise _problem(source, f"file pattern {pattern!r} names unknown table {table!r}")
        files[str(pattern)] = str(table)
    tables: dict[str, TableMapping] = {}
    for table, spec in (data.get("tables") or {}).items():
        if table not in TABLES:
            raise _problem(source, f"unknown table {table!r}; tables are {', '.join(TABLES)}")
        spec = spec or {}
        contract = TABLES[table]
        columns = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
        for theirs, ours in columns.items():
            if ours not in contract.names:
                raise _problem(
                    source, f"{table}: column {theirs!r} is mapped to unknown column {ours!r}"
                )
        values: dict[str, dict[str, str]] = {}
        for column, table_values in (spec.get("values") or {}).items():
            if column not in contract.names:
                raise _problem(source, f"{table}: value map for unknown column {column!r}")
            values[str(column)] = {str(k): str(v) for k, v in table_values.items()}
        delimiter = spec.get("delimiter")
        tables[str(table)] = TableMapping(
            columns, values, None if delimiter is None else str(delimiter)
        )
    return ColumnMapping(files, tables)


def load_mapping(path: Path) -> ColumnMapping:
    """Read a mapping file (``.toml``, ``.yaml`` or ``.yml``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise _problem(path, f"cannot read mapping file: {exc.strerror}") from exc
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        elif path.suffix.lower() in {".yaml", ".yml"}:
            data = yaml.safe_load(text) or {}
        else:
            raise _problem(path, "a mapping file must end in .toml, .yaml or .yml")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise _problem(path, f"not a valid mapping file: {exc}") from exc
    if not isinstance(data, dict):
        raise _problem(path, "a mapping file must be a table of sections")
    return parse_mapping(data, path)
