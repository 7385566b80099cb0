"""Alembic environment for the catalog; the engine comes from core.db.migrate."""

from alembic import context

from core.catalog.tables import metadata

config = context.config
engine = config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata,
                      version_table=config.attributes.get("version_table", "catalog_alembic_version"),
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
