"""Storage: the workspace folder (DuckDB event store) and the app database."""

from keepwise.storage.workspace import Workspace, rollback

__all__ = ["Workspace", "rollback"]
