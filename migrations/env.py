"""Alembic environment: uses the app's connection when called from the app, else DATABASE_URL."""
from __future__ import annotations

from alembic import context

from app.config import default_config
from app.db import connect
import app.domain  # noqa: F401  (registers the domain tables)
from app.domain.knowledge import SEARCH_INDEX_OBJECTS
from app.models import INBOX_SEARCH_OBJECTS, Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate must not drop what the models do not map on purpose (the knowledge and inbox search indexes)."""
    return name not in SEARCH_INDEX_OBJECTS | INBOX_SEARCH_OBJECTS


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return
    db = connect(default_config()["DATABASE_URL"])
    with db.write_engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
    db.dispose()


if context.is_offline_mode():
    context.configure(url=default_config()["DATABASE_URL"], target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
