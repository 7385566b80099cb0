"""Alembic environment for the catalog; the engine comes from core.db.migrate."""

from alembic import context

from core.catalog.tables import metadata
from core.db import migration_lock

config = context.config
engine = config.attributes["engine"]
with engine.connect() as connection:
    # A write transaction from the start (BEGIN IMMEDIATE on SQLite): two processes opening a database
    # that needs migrating take turns, and the second finds it migrated, instead of one failing with
    # "database is locked" when its read lock cannot become a write lock. PostgreSQL has no database
    # lock: an advisory lock (migration_lock) makes them take turns there. One transaction for the
    # whole upgrade: Alembic takes SQLite's DDL for non-transactional and would commit after each
    # migration, letting a waiting process in between to replay one already done ("duplicate
    # column"); SQLite's DDL is transactional.
    connection.info["write"] = True
    context.configure(connection=connection, target_metadata=metadata,
                      version_table=config.attributes.get("version_table", "catalog_alembic_version"),
                      render_as_batch=True, transactional_ddl=True)
    with context.begin_transaction():
        migration_lock(connection, context.config.attributes.get("version_table", "catalog_alembic_version"))
        context.run_migrations()
    connection.commit()
