"""Versioned schema migrations, applied when the store opens.

A new database gets the current schema and is stamped with the latest
version; an existing one runs every step after its stamped version, each in
its own transaction. A step is appended here whenever `schema` changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import inspect, select

from daemon.store.schema import metadata, schema_version

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection, Engine


#: Steps that bring version N-1 to N live at index N-1. Version 1 is the
#: first public schema and has no step of its own.
STEPS: list[Callable[[Connection], None]] = []
LATEST = 1 + len(STEPS)


class SchemaTooNewError(Exception):
    """The database was written by a newer followup; refusing to touch it."""


def current_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table("schema_version"):
        return None
    return conn.execute(select(schema_version.c.version)).scalar_one_or_none()


def migrate(engine: Engine) -> int:
    with engine.begin() as conn:
        version = current_version(conn)
        if version is None:
            metadata.create_all(conn)
            conn.execute(schema_version.insert().values(version=LATEST))
            return LATEST
    if version > LATEST:
        raise SchemaTooNewError(
            f"the store has schema version {version}, this followup knows up to {LATEST}; "
            "upgrade followup"
        )
    for target in range(version + 1, LATEST + 1):
        with engine.begin() as conn:
            STEPS[target - 2](conn)
            conn.execute(schema_version.update().values(version=target))
    return LATEST
