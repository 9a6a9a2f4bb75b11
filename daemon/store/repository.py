"""The store's one entry point: short transactions that return domain values.

SQLite runs in WAL mode with a busy timeout, so the CLI can read and approve
while the daemon writes. Every method is its own transaction unless it says
otherwise, which keeps locks short.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import sqlite

from daemon.domain import Overrides, Stage, Thread
from daemon.store import schema as t
from daemon.store.codec import message_from_row, message_header_json, strings_to_json
from daemon.store.migrations import migrate
from daemon.subjects import normalize_subject
from daemon.threader import ThreadingInfo

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from sqlalchemy import Connection, Engine, Row, Table

    from daemon.domain import Message

BUSY_TIMEOUT_MS = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Column orders of the rows bulk writes take: the tables' own orders,
#: which are the orders of the compiled statements' parameters.
_MESSAGE_COLUMNS = tuple(t.messages.c.keys())
_FOLDER_MESSAGE_COLUMNS = tuple(t.folder_messages.c.keys())
_THREAD_COLUMNS = tuple(t.threads.c.keys())


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as one folder holds it."""

    uid: str
    flags: frozenset[str]
    message: Message


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    id: str
    account: str
    subject: str
    message_count: int
    last_activity_at: datetime
    tracked: bool
    stage: Stage | None


@dataclass(frozen=True, slots=True)
class AccountStatus:
    account: str
    state: str
    detail: str
    last_sync_at: datetime | None
    updated_at: datetime


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _flags(text: str) -> frozenset[str]:
    return frozenset(text.split()) if text else frozenset()


def _thread_subject(messages: list[Message]) -> str:
    """The topic of the latest human message: what a reply continues."""
    for m in reversed(messages):
        if m.subject.strip() and not m.auto_submitted_flag:
            return normalize_subject(m.subject)
    return normalize_subject(messages[-1].subject)


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    @classmethod
    def open(cls, url: str) -> Store:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        sqlite_file = url.startswith("sqlite:")
        # The daemon hands work to threads; each pooled connection is still
        # used by one thread at a time.
        engine = create_engine(
            url, connect_args={"check_same_thread": False} if sqlite_file else {}
        )
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def _insert(self, table: Table) -> Any:
        if self.engine.dialect.name == "sqlite":
            return sqlite.insert(table)
        # Loaded only for a PostgreSQL store: it costs every sync 30 ms.
        from sqlalchemy.dialects import postgresql  # noqa: PLC0415

        return postgresql.insert(table)

    # -- folders ---------------------------------------------------------

    def folder_cursor(self, account: str, folder: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(t.folders.c.cursor).where(
                    t.folders.c.account == account, t.folders.c.folder == folder
                )
            ).scalar_one_or_none()

    def folder_ids(self, account: str, folder: str) -> frozenset[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.folder_messages.c.uid).where(
                    t.folder_messages.c.account == account, t.folder_messages.c.folder == folder
                )
            )
            return frozenset(r[0] for r in rows)

    def folder_messages(self, account: str, folder: str) -> list[StoredMessage]:
        fm, m = t.folder_messages, t.messages
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(fm.c.uid, fm.c.flags, m)
                .join(m, and_(m.c.account == fm.c.account, m.c.key == fm.c.key))
                .where(fm.c.account == account, fm.c.folder == folder)
            )
            return [StoredMessage(r.uid, _flags(r.flags), self._message(r)) for r in rows]

    def save_cursor(self, account: str, folder: str, cursor: str, now: datetime) -> None:
        stmt = self._insert(t.folders).values(
            account=account, folder=folder, cursor=cursor, synced_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["account", "folder"], set_={"cursor": cursor, "synced_at": now}
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def forget_folder(self, account: str, folder: str) -> None:
        """Drop what we knew of a folder whose identity changed (UIDVALIDITY)."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(t.folder_messages).where(
                    t.folder_messages.c.account == account, t.folder_messages.c.folder == folder
                )
            )
            conn.execute(
                delete(t.folders).where(
                    t.folders.c.account == account, t.folders.c.folder == folder
                )
            )

    def add_messages(
        self,
        account: str,
        folder: str,
        items: Iterable[tuple[str, frozenset[str], Message, ThreadingInfo]],
    ) -> int:
        """Store one batch; a message already known by key is merged, not duplicated."""
        message_rows = []
        folder_rows = []
        for uid, flags, msg, info in items:
            message_rows.append(
                (
                    account,
                    msg.key,
                    None,
                    self._bulk_date(msg.date),
                    info.subject_key,
                    info.is_reply,
                    info.in_reply_to,
                    strings_to_json(info.references),
                    strings_to_json(sorted(info.participants)),
                    info.gm_thrid,
                    message_header_json(msg),
                    msg.body_text,
                    msg.in_sent,
                )
            )
            folder_rows.append((account, folder, uid, msg.key, " ".join(sorted(flags))))
        if not message_rows:
            return 0
        ins = self._insert(t.messages)
        upsert = ins.on_conflict_do_update(
            index_elements=["account", "key"],
            set_={
                # The same message seen in another folder: keep the richest copy.
                "body_text": case(
                    (ins.excluded.body_text != "", ins.excluded.body_text),
                    else_=t.messages.c.body_text,
                ),
                "in_sent": or_(t.messages.c.in_sent, ins.excluded.in_sent),
            },
        )
        fins = self._insert(t.folder_messages)
        fupsert = fins.on_conflict_do_update(
            index_elements=["account", "folder", "uid"],
            set_={"key": fins.excluded.key, "flags": fins.excluded.flags},
        )
        with self.engine.begin() as conn:
            self._executemany(conn, upsert, _MESSAGE_COLUMNS, message_rows)
            self._executemany(conn, fupsert, _FOLDER_MESSAGE_COLUMNS, folder_rows)
        return len(message_rows)

    def _executemany(
        self,
        conn: Connection,
        stmt: Any,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
    ) -> None:
        """Bulk writes of a sync batch, without per-row parameter processing.

        `rows` hold values for `columns`, in that order. On SQLite,
        SQLAlchemy's per-row bind processing cost more than the inserts
        themselves (about 1 s per 20,000 messages): the statement is compiled
        once, the driver gets plain tuples, and so datetimes must already be
        in their stored form (`schema.utc_text`).
        """
        if not self._sqlite:
            conn.execute(stmt, [dict(zip(columns, row, strict=True)) for row in rows])
            return
        compiled = stmt.compile(dialect=self.engine.dialect, column_keys=list(columns))
        order = compiled.positiontup or []
        # Literals inside the statement (the '' in the upsert's CASE) are
        # parameters too; their values come from the compiled statement.
        literals = [name for name in compiled.binds if name in order and name not in columns]
        constants = tuple(compiled.binds[name].value for name in literals)
        names = [*columns, *literals]
        if order != names:
            raise ValueError(f"columns must follow the statement's parameters: {order}")
        conn.exec_driver_sql(
            str(compiled), [row + constants for row in rows] if constants else rows
        )

    def _bulk_date(self, value: datetime) -> datetime | str:
        """A datetime as `_executemany` takes it: in its stored form on SQLite."""
        return t.utc_text(value) if self._sqlite else value

    def remove_ids(self, account: str, folder: str, ids: Iterable[str]) -> None:
        fm = t.folder_messages
        batch = list(ids)
        with self.engine.begin() as conn:
            for i in range(0, len(batch), 500):
                conn.execute(
                    delete(fm).where(
                        fm.c.account == account,
                        fm.c.folder == folder,
                        fm.c.uid.in_(batch[i : i + 500]),
                    )
                )

    def update_flags(self, account: str, folder: str, flags: Mapping[str, frozenset[str]]) -> None:
        fm = t.folder_messages
        stmt = (
            update(fm)
            .where(
                fm.c.account == account,
                fm.c.folder == folder,
                fm.c.uid == bindparam("b_uid"),
            )
            .values(flags=bindparam("b_flags"))
        )
        rows = [{"b_uid": uid, "b_flags": " ".join(sorted(v))} for uid, v in flags.items()]
        if not rows:
            return
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)

    def prune_orphans(self, account: str) -> set[str]:
        """Delete messages no folder holds any more; return the threads they were in."""
        m, fm = t.messages, t.folder_messages
        orphan = ~select(fm.c.key).where(fm.c.account == m.c.account, fm.c.key == m.c.key).exists()
        with self.engine.begin() as conn:
            touched = {
                r[0]
                for r in conn.execute(
                    select(m.c.thread_id).where(m.c.account == account, orphan).distinct()
                )
                if r[0]
            }
            conn.execute(delete(m).where(m.c.account == account, orphan))
        return touched

    # -- threading -------------------------------------------------------

    def threading_rows(
        self, account: str, parsed: Mapping[str, ThreadingInfo]
    ) -> list[tuple[ThreadingInfo, str | None]]:
        """Threading inputs of every message, with its current thread id.

        A message without a thread id was stored by the sync that parsed it
        (every sync threads what it stored): its inputs in `parsed` are the
        stored ones and are not read back, which after a first sync is all.
        """
        m = t.messages

        def held(key: str, thread_id: str | None) -> ThreadingInfo | None:
            return parsed.get(key) if thread_id is None else None

        with self.engine.connect() as conn:
            ids = conn.execute(select(m.c.key, m.c.thread_id).where(m.c.account == account)).all()
            reused: list[tuple[ThreadingInfo, str | None]] = [
                (parsed[key], None) for key, tid in ids if tid is None and key in parsed
            ]
            if len(reused) == len(ids):
                return reused
            query = select(
                m.c.key,
                m.c.thread_id,
                m.c.date,
                m.c.subject_key,
                m.c.is_reply,
                m.c.in_reply_to,
                m.c.refs,
                m.c.participants,
                m.c.gm_thrid,
            ).where(m.c.account == account)
            return [
                (
                    held(r.key, r.thread_id)
                    or ThreadingInfo(
                        key=r.key,
                        date=r.date,
                        subject_key=r.subject_key,
                        in_reply_to=r.in_reply_to,
                        references=tuple(json.loads(r.refs)),
                        participants=frozenset(json.loads(r.participants)),
                        gm_thrid=r.gm_thrid,
                        is_reply=r.is_reply,
                    ),
                    r.thread_id,
                )
                for r in conn.execute(query)
            ]

    def set_thread_ids(
        self, account: str, changes: Mapping[str, str], merged: Mapping[str, str]
    ) -> None:
        """Apply new thread ids and carry overrides of merged threads to the survivor."""
        m = t.messages
        by_key = (
            update(m)
            .where(m.c.account == bindparam("b_account"), m.c.key == bindparam("b_key"))
            .values(thread_id=bindparam("b_thread"))
        )
        rows = [(v, account, k) for k, v in changes.items()]
        with self.engine.begin() as conn:
            if rows:
                self._executemany(conn, by_key, ("b_thread", "b_account", "b_key"), rows)
            for retired, survivor in merged.items():
                self._move_override(conn, retired, survivor)
            live = select(m.c.thread_id).where(m.c.account == account).distinct()
            conn.execute(
                delete(t.threads).where(t.threads.c.account == account, t.threads.c.id.not_in(live))
            )

    def _move_override(self, conn: Connection, retired: str, survivor: str) -> None:
        o = t.overrides
        has_survivor = conn.execute(select(o.c.thread_id).where(o.c.thread_id == survivor)).first()
        if has_survivor is None:
            conn.execute(update(o).where(o.c.thread_id == retired).values(thread_id=survivor))
        else:
            conn.execute(delete(o).where(o.c.thread_id == retired))

    # -- threads ---------------------------------------------------------

    def _message(self, r: Row[Any]) -> Message:
        return message_from_row(
            key=r.key,
            account=r.account,
            date=r.date,
            header_json=r.header_json,
            body_text=r.body_text,
            in_sent=r.in_sent,
        )

    def load_threads(self, account: str, ids: Iterable[str] | None = None) -> list[Thread]:
        m = t.messages
        query = select(m).where(m.c.account == account, m.c.thread_id.is_not(None))
        wanted = None if ids is None else sorted(set(ids))
        by_thread: dict[str, list[Message]] = {}
        with self.engine.connect() as conn:
            chunks = (
                [None]
                if wanted is None
                else [wanted[i : i + 500] for i in range(0, len(wanted), 500)]
            )
            for chunk in chunks:
                q = query if chunk is None else query.where(m.c.thread_id.in_(chunk))
                for r in conn.execute(q):
                    by_thread.setdefault(r.thread_id, []).append(self._message(r))
        threads = []
        for thread_id, msgs in by_thread.items():
            msgs.sort(key=lambda x: (x.date, x.key))
            threads.append(
                Thread(
                    id=thread_id,
                    account=account,
                    subject=_thread_subject(msgs),
                    messages=tuple(msgs),
                )
            )
        threads.sort(key=lambda th: th.id)
        return threads

    def thread_account(self, thread_id: str) -> str | None:
        m = t.messages
        with self.engine.connect() as conn:
            return conn.execute(
                select(m.c.account).where(m.c.thread_id == thread_id).limit(1)
            ).scalar_one_or_none()

    def save_summaries(self, rows: Iterable[ThreadSummary]) -> None:
        values = [
            {
                "id": s.id,
                "account": s.account,
                "subject": s.subject,
                "message_count": s.message_count,
                "last_activity_at": s.last_activity_at,
                "tracked": s.tracked,
                "stage": None if s.stage is None else s.stage.value,
                "dirty": False,
            }
            for s in rows
        ]
        if not values:
            return
        ins = self._insert(t.threads)
        upsert = ins.on_conflict_do_update(
            index_elements=["id"],
            set_={c: getattr(ins.excluded, c) for c in values[0] if c != "id"},
        )
        with self.engine.begin() as conn:
            conn.execute(upsert, values)

    def summaries(self, *, tracked_only: bool) -> list[ThreadSummary]:
        th = t.threads
        query = select(th).order_by(th.c.last_activity_at.desc(), th.c.id)
        if tracked_only:
            query = query.where(th.c.tracked.is_(True))
        with self.engine.connect() as conn:
            return [
                ThreadSummary(
                    id=r.id,
                    account=r.account,
                    subject=r.subject,
                    message_count=r.message_count,
                    last_activity_at=r.last_activity_at,
                    tracked=r.tracked,
                    stage=None if r.stage is None else Stage(r.stage),
                )
                for r in conn.execute(query)
            ]

    def mark_dirty(self, account: str, thread_ids: Iterable[str]) -> None:
        """Remember threads whose cached verdict is out of date."""
        th = t.threads
        ins = self._insert(th)
        epoch = self._bulk_date(_EPOCH)
        rows = [(tid, account, "", 0, epoch, False, None, True) for tid in sorted(set(thread_ids))]
        if rows:
            upsert = ins.on_conflict_do_update(index_elements=["id"], set_={"dirty": True})
            with self.engine.begin() as conn:
                self._executemany(conn, upsert, _THREAD_COLUMNS, rows)

    def dirty_threads(self, account: str) -> set[str]:
        th = t.threads
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(th.c.id).where(th.c.account == account, th.c.dirty.is_(True))
            )
            return {r[0] for r in rows}

    def find_thread_ids(self, prefix: str) -> list[str]:
        th = t.threads
        with self.engine.connect() as conn:
            rows = conn.execute(select(th.c.id).where(th.c.id.startswith(prefix, autoescape=True)))
            return [r[0] for r in rows]

    # -- overrides -------------------------------------------------------

    def overrides(self, account: str | None = None) -> dict[str, Overrides]:
        o = t.overrides
        query = select(o)
        if account is not None:
            owned = select(t.messages.c.thread_id).where(t.messages.c.account == account)
            query = query.where(o.c.thread_id.in_(owned))
        with self.engine.connect() as conn:
            return {
                r.thread_id: Overrides(
                    manager=r.manager,
                    hr=tuple(json.loads(r.hr)),
                    stage=None if r.stage is None else Stage(r.stage),
                    muted=r.muted,
                )
                for r in conn.execute(query)
            }

    def save_override(self, thread_id: str, value: Overrides, now: datetime) -> None:
        row = {
            "thread_id": thread_id,
            "manager": value.manager,
            "hr": strings_to_json(value.hr),
            "stage": None if value.stage is None else value.stage.value,
            "muted": value.muted,
            "updated_at": now,
        }
        ins = self._insert(t.overrides).values(**row)
        upsert = ins.on_conflict_do_update(
            index_elements=["thread_id"], set_={k: v for k, v in row.items() if k != "thread_id"}
        )
        with self.engine.begin() as conn:
            conn.execute(upsert)

    # -- account status and runtime values -------------------------------

    def set_status(
        self, account: str, state: str, detail: str, now: datetime, *, synced: bool = False
    ) -> None:
        row: dict[str, Any] = {"state": state, "detail": detail, "updated_at": now}
        if synced:
            row["last_sync_at"] = now
        ins = self._insert(t.account_status).values(account=account, **row)
        with self.engine.begin() as conn:
            conn.execute(ins.on_conflict_do_update(index_elements=["account"], set_=row))

    def statuses(self) -> list[AccountStatus]:
        a = t.account_status
        with self.engine.connect() as conn:
            return [
                AccountStatus(r.account, r.state, r.detail, r.last_sync_at, r.updated_at)
                for r in conn.execute(select(a).order_by(a.c.account))
            ]

    def set_runtime(self, key: str, value: str, now: datetime) -> None:
        ins = self._insert(t.runtime).values(key=key, value=value, updated_at=now)
        with self.engine.begin() as conn:
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=["key"], set_={"value": value, "updated_at": now}
                )
            )

    def runtime(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(t.runtime.c.value).where(t.runtime.c.key == key)
            ).scalar_one_or_none()

    # -- items set aside (the runner rule) --------------------------------

    def record_failure(self, item: str, error: str, now: datetime, *, limit: int) -> bool:
        """Count one failure of `item`; return True once it is set aside."""
        f = t.failures
        with self.engine.begin() as conn:
            count = conn.execute(select(f.c.count).where(f.c.item == item)).scalar_one_or_none()
            count = (count or 0) + 1
            aside = count >= limit
            row = {"count": count, "last_error": error, "last_at": now, "set_aside": aside}
            ins = self._insert(f).values(item=item, **row)
            conn.execute(ins.on_conflict_do_update(index_elements=["item"], set_=row))
        return aside

    def clear_failure(self, item: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.failures).where(t.failures.c.item == item))

    def set_aside(self) -> dict[str, str]:
        """Items that failed too often, with their last error."""
        f = t.failures
        with self.engine.connect() as conn:
            rows = conn.execute(select(f.c.item, f.c.last_error).where(f.c.set_aside.is_(True)))
            return {r.item: r.last_error for r in rows}

    def message_count(self, account: str | None = None) -> int:
        query = select(func.count()).select_from(t.messages)
        if account is not None:
            query = query.where(t.messages.c.account == account)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
