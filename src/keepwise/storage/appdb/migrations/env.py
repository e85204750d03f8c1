"""Alembic environment: migrate the connection handed in by ``keepwise.storage.appdb``."""

from alembic import context

from keepwise.storage.appdb.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("keepwise migrations run programmatically: keepwise.storage.appdb.migrate")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
