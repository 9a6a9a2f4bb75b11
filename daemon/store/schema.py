"""Table definitions: the current shape of the schema.

Changing a table here always comes with a new step in `migrations`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


def utc_text(value: datetime) -> str:
    """How an aware datetime is stored: UTC ISO text, which sorts as time does."""
    if value.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC ISO text, so SQLite sorts and returns them intact."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> str | None:
        del dialect
        return None if value is None else utc_text(value)

    def process_result_value(self, value: str | None, dialect: object) -> datetime | None:
        del dialect
        return None if value is None else datetime.fromisoformat(value)


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, nullable=False),
)

account_status = Table(
    "account_status",
    metadata,
    Column("account", String, primary_key=True),
    Column("state", String, nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("last_sync_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)

folders = Table(
    "folders",
    metadata,
    Column("account", String, primary_key=True),
    Column("folder", String, primary_key=True),
    Column("cursor", Text, nullable=False),
    Column("synced_at", UtcDateTime(), nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("account", String, primary_key=True),
    Column("key", String, primary_key=True),
    Column("thread_id", String, index=True),
    Column("date", UtcDateTime(), nullable=False),
    Column("subject_key", String, nullable=False),
    Column("is_reply", Boolean, nullable=False),
    Column("in_reply_to", String),
    Column("refs", Text, nullable=False),
    Column("participants", Text, nullable=False),
    Column("gm_thrid", String),
    Column("header_json", Text, nullable=False),
    Column("body_text", Text, nullable=False, default=""),
    Column("in_sent", Boolean, nullable=False, default=False),
)

folder_messages = Table(
    "folder_messages",
    metadata,
    Column("account", String, primary_key=True),
    Column("folder", String, primary_key=True),
    Column("uid", String, primary_key=True),
    Column("key", String, nullable=False),
    Column("flags", String, nullable=False, default=""),
    Index("ix_folder_messages_key", "account", "key"),
)

threads = Table(
    "threads",
    metadata,
    Column("id", String, primary_key=True),
    Column("account", String, nullable=False, index=True),
    Column("subject", Text, nullable=False),
    Column("message_count", Integer, nullable=False),
    Column("last_activity_at", UtcDateTime(), nullable=False),
    Column("tracked", Boolean, nullable=False, default=False),
    Column("stage", String),
    Column("dirty", Boolean, nullable=False, default=True),
)

overrides = Table(
    "overrides",
    metadata,
    Column("thread_id", String, primary_key=True),
    Column("manager", String),
    Column("hr", Text, nullable=False, default="[]"),
    Column("stage", String),
    Column("muted", Boolean, nullable=False, default=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String, nullable=False),
    Column("thread_id", String, nullable=False, index=True),
    Column("state", String, nullable=False, index=True),
    Column("kind", String, nullable=False),
    Column("message_id", String, nullable=False),
    Column("subject", Text, nullable=False),
    Column("to_json", Text, nullable=False),
    Column("cc_json", Text, nullable=False),
    Column("in_reply_to", String),
    Column("raw", LargeBinary, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("language", String, nullable=False, default="en"),
    Column("language_fallback", Boolean, nullable=False, default=False),
    Column("not_before", UtcDateTime()),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime()),
    Column("sent_at", UtcDateTime()),
    Column("sent_copy_pending", Boolean, nullable=False, default=False),
    Column("recipient_domain", String),
    Column("drafts_folder", String),
    Column("drafts_uid", String),
    Column("drafts_cursor", Text),
    UniqueConstraint("message_id", name="uq_drafts_message_id"),
)

draft_events = Table(
    "draft_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_id", Integer, ForeignKey("drafts.id"), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("from_state", String),
    Column("to_state", String, nullable=False),
    Column("reason", Text, nullable=False),
)

runtime = Table(
    "runtime",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

failures = Table(
    "failures",
    metadata,
    Column("item", String, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("last_at", UtcDateTime(), nullable=False),
    Column("set_aside", Boolean, nullable=False, default=False),
)
