"""Storage: the workspace folder (DuckDB event store) and the app database."""

from keepwise.storage.workspace import Workspace

__all__ = ["Workspace"]
