"""The approval queue's persistence: drafts and their state history.

Every state change goes through `transition`, which checks the state the
caller expects inside the same transaction. Two processes (the CLI
approving, the daemon cancelling) therefore never both win: the loser gets
`StaleStateError` and re-reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from daemon.domain import FINAL_DRAFT_STATES, Draft, DraftState, FollowupKind
from daemon.store import schema as t
from daemon.store.codec import addresses_from_json, addresses_to_json

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy import Connection, Row

    from daemon.store.repository import Store


class StaleStateError(Exception):
    """The draft is no longer in the state the caller saw."""


@dataclass(frozen=True, slots=True)
class DraftEvent:
    at: datetime
    from_state: DraftState | None
    to_state: DraftState
    reason: str


@dataclass(frozen=True, slots=True)
class DraftCopy:
    """Where the Drafts-folder copy of a queued draft lives."""

    folder: str
    uid: str | None
    cursor: str | None


def _draft(r: Row[Any]) -> Draft:
    return Draft(
        id=r.id,
        account=r.account,
        thread_id=r.thread_id,
        state=DraftState(r.state),
        kind=FollowupKind(r.kind),
        message_id=r.message_id,
        subject=r.subject,
        to=addresses_from_json(r.to_json),
        cc=addresses_from_json(r.cc_json),
        in_reply_to=r.in_reply_to,
        raw=r.raw,
        reason=r.reason,
        created_at=r.created_at,
        language=r.language,
        language_fallback=r.language_fallback,
        not_before=r.not_before,
        error=r.error,
        attempts=r.attempts,
    )


class DraftRepository:
    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def add(self, draft: Draft, now: datetime) -> Draft:
        """Queue a new draft; its id is assigned here."""
        domain = draft.to[0].domain if draft.to else None
        with self.engine.begin() as conn:
            new_id = conn.execute(
                t.drafts.insert().values(
                    account=draft.account,
                    thread_id=draft.thread_id,
                    state=draft.state.value,
                    kind=draft.kind.value,
                    message_id=draft.message_id,
                    subject=draft.subject,
                    to_json=addresses_to_json(draft.to),
                    cc_json=addresses_to_json(draft.cc),
                    in_reply_to=draft.in_reply_to,
                    raw=draft.raw,
                    reason=draft.reason,
                    created_at=draft.created_at,
                    updated_at=now,
                    language=draft.language,
                    language_fallback=draft.language_fallback,
                    recipient_domain=domain,
                )
            ).inserted_primary_key
            assert new_id is not None
            draft_id = int(new_id[0])
            self._event(conn, draft_id, None, draft.state, reason=draft.reason, now=now)
        return self.get_required(draft_id)

    def get(self, draft_id: int) -> Draft | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.drafts).where(t.drafts.c.id == draft_id)).first()
        return None if row is None else _draft(row)

    def get_required(self, draft_id: int) -> Draft:
        draft = self.get(draft_id)
        if draft is None:
            raise KeyError(draft_id)
        return draft

    def by_message_id(self, message_id: str) -> Draft | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.drafts).where(t.drafts.c.message_id == message_id)).first()
        return None if row is None else _draft(row)

    def find(
        self,
        states: Iterable[DraftState] | None = None,
        *,
        thread_id: str | None = None,
        account: str | None = None,
    ) -> list[Draft]:
        query = select(t.drafts).order_by(t.drafts.c.id)
        if states is not None:
            query = query.where(t.drafts.c.state.in_([s.value for s in states]))
        if thread_id is not None:
            query = query.where(t.drafts.c.thread_id == thread_id)
        if account is not None:
            query = query.where(t.drafts.c.account == account)
        with self.engine.connect() as conn:
            return [_draft(r) for r in conn.execute(query)]

    def transition(
        self,
        draft_id: int,
        expected: Iterable[DraftState],
        to: DraftState,
        reason: str,
        now: datetime,
        **values: Any,
    ) -> Draft:
        """Move a draft to `to` only if it is still in one of `expected`."""
        allowed = [s.value for s in expected]
        with self.engine.begin() as conn:
            current = conn.execute(
                select(t.drafts.c.state).where(t.drafts.c.id == draft_id)
            ).scalar_one_or_none()
            if current is None:
                raise KeyError(draft_id)
            if current not in allowed:
                raise StaleStateError(f"draft {draft_id} is {current}, not {'/'.join(allowed)}")
            conn.execute(
                update(t.drafts)
                .where(t.drafts.c.id == draft_id)
                .values(state=to.value, updated_at=now, **values)
            )
            self._event(conn, draft_id, DraftState(current), to, reason=reason, now=now)
        return self.get_required(draft_id)

    def update_fields(self, draft_id: int, now: datetime, reason: str, **values: Any) -> Draft:
        """Change content (an edit, a snooze) without changing state; recorded too."""
        with self.engine.begin() as conn:
            state = conn.execute(
                select(t.drafts.c.state).where(t.drafts.c.id == draft_id)
            ).scalar_one()
            conn.execute(
                update(t.drafts).where(t.drafts.c.id == draft_id).values(updated_at=now, **values)
            )
            self._event(
                conn, draft_id, DraftState(state), DraftState(state), reason=reason, now=now
            )
        return self.get_required(draft_id)

    def events(self, draft_id: int) -> list[DraftEvent]:
        e = t.draft_events
        with self.engine.connect() as conn:
            rows = conn.execute(select(e).where(e.c.draft_id == draft_id).order_by(e.c.id))
            return [
                DraftEvent(
                    r.at,
                    None if r.from_state is None else DraftState(r.from_state),
                    DraftState(r.to_state),
                    r.reason,
                )
                for r in rows
            ]

    def pending_sent_copies(self) -> list[Draft]:
        d = t.drafts
        with self.engine.connect() as conn:
            rows = conn.execute(select(d).where(d.c.sent_copy_pending.is_(True)).order_by(d.c.id))
            return [_draft(r) for r in rows]

    def stuck_sending(self, older_than: datetime) -> list[Draft]:
        """Drafts left in `sending` by a process that stopped mid-delivery."""
        d = t.drafts
        query = select(d).where(d.c.state == DraftState.SENDING.value, d.c.updated_at < older_than)
        with self.engine.connect() as conn:
            return [_draft(r) for r in conn.execute(query.order_by(d.c.id))]

    def next_attempt_at(self, draft_id: int) -> datetime | None:
        d = t.drafts
        with self.engine.connect() as conn:
            value: datetime | None = conn.execute(
                select(d.c.next_attempt_at).where(d.c.id == draft_id)
            ).scalar_one_or_none()
            return value

    def set_values(self, draft_id: int, **values: Any) -> None:
        """Bookkeeping that is not a change the user needs to see (no event)."""
        with self.engine.begin() as conn:
            conn.execute(update(t.drafts).where(t.drafts.c.id == draft_id).values(**values))

    def sent_since(self, since: datetime, *, domain: str | None = None) -> int:
        d = t.drafts
        query = select(func.count()).where(d.c.sent_at.is_not(None), d.c.sent_at >= since)
        if domain is not None:
            query = query.where(d.c.recipient_domain == domain)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def sent_message_ids(self, account: str) -> frozenset[str]:
        """The Message-IDs of the account's drafts that went out."""
        d = t.drafts
        query = select(d.c.message_id).where(d.c.account == account, d.c.sent_at.is_not(None))
        with self.engine.connect() as conn:
            return frozenset(conn.execute(query).scalars())

    def counts(self) -> dict[DraftState, int]:
        d = t.drafts
        with self.engine.connect() as conn:
            rows = conn.execute(select(d.c.state, func.count()).group_by(d.c.state))
            return {DraftState(state): int(n) for state, n in rows}

    def copy(self, draft_id: int) -> DraftCopy | None:
        d = t.drafts
        with self.engine.connect() as conn:
            row = conn.execute(
                select(d.c.drafts_folder, d.c.drafts_uid, d.c.drafts_cursor).where(
                    d.c.id == draft_id
                )
            ).first()
        if row is None or row.drafts_folder is None:
            return None
        return DraftCopy(row.drafts_folder, row.drafts_uid, row.drafts_cursor)

    def mirrored(self, account: str) -> list[tuple[Draft, DraftCopy | None]]:
        """The account's open drafts and every draft that still has a Drafts-folder copy."""
        d = t.drafts
        query = (
            select(d)
            .where(
                d.c.account == account,
                d.c.state.not_in([s.value for s in FINAL_DRAFT_STATES])
                | d.c.drafts_folder.is_not(None),
            )
            .order_by(d.c.id)
        )
        with self.engine.connect() as conn:
            return [
                (
                    _draft(r),
                    None
                    if r.drafts_folder is None
                    else DraftCopy(r.drafts_folder, r.drafts_uid, r.drafts_cursor),
                )
                for r in conn.execute(query)
            ]

    def set_copy(self, draft_id: int, copy: DraftCopy | None) -> None:
        d = t.drafts
        values = (
            {"drafts_folder": None, "drafts_uid": None, "drafts_cursor": None}
            if copy is None
            else {
                "drafts_folder": copy.folder,
                "drafts_uid": copy.uid,
                "drafts_cursor": copy.cursor,
            }
        )
        with self.engine.begin() as conn:
            conn.execute(update(d).where(d.c.id == draft_id).values(**values))

    @staticmethod
    def _event(
        conn: Connection,
        draft_id: int,
        from_state: DraftState | None,
        to_state: DraftState,
        *,
        reason: str,
        now: datetime,
    ) -> None:
        conn.execute(
            t.draft_events.insert().values(
                draft_id=draft_id,
                at=now,
                from_state=None if from_state is None else from_state.value,
                to_state=to_state.value,
                reason=reason,
            )
        )
