"""What the app hands the policy: the configuration plus followup's own sent follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from daemon.app import App
from daemon.clock import clock_from
from daemon.config import load_settings
from daemon.demo import write_demo_config
from daemon.domain import Address, Draft, DraftState, FollowupKind
from daemon.store.drafts import DraftRepository

if TYPE_CHECKING:
    from pathlib import Path

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def draft(message_id: str) -> Draft:
    return Draft(
        id=0,
        account="demo",
        thread_id="t-1",
        state=DraftState.SENDING,
        kind=FollowupKind.AFTER_APPLICATION,
        message_id=message_id,
        subject="Re: Data Engineer",
        to=(Address("sam.lee@acme.example.test", "Sam Lee"),),
        cc=(),
        in_reply_to=None,
        raw=b"Subject: x\r\n\r\nbody\r\n",
        reason="quiet for 5 business days",
        created_at=NOW,
    )


def test_rules_name_the_follow_ups_that_went_out(tmp_path: Path) -> None:
    """Only drafts that were sent count as followup's own follow-ups."""
    config = tmp_path / "config.toml"
    write_demo_config(config, tmp_path / "Mail", tmp_path / "state.db")
    settings = load_settings(config, environ={})
    app = App.build(settings, clock_from(NOW))
    try:
        drafts = DraftRepository(app.store)
        sent = drafts.add(draft("<sent@example.test>"), NOW)
        drafts.add(draft("<in-flight@example.test>"), NOW)
        drafts.transition(sent.id, [DraftState.SENDING], DraftState.SENT, "ok", NOW, sent_at=NOW)
        rules = app.rules(settings.accounts[0])
        assert rules.sent_followups == frozenset({"<sent@example.test>"})
    finally:
        app.close()
