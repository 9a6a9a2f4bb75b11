"""The daily digest: its content, and the daemon's job that sends it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from typing import TYPE_CHECKING

from daemon.clock import clock_from
from daemon.config import load_settings
from daemon.digest import build_digest
from daemon.domain import (
    Address,
    Classification,
    Decision,
    Draft,
    DraftState,
    FollowupKind,
    Message,
    Stage,
    Thread,
)
from daemon.runner import Runner
from daemon.service import ThreadView
from daemon.store.drafts import DraftRepository

if TYPE_CHECKING:
    from pathlib import Path

    from daemon.config import AccountConfig, Settings

NOW = datetime(2026, 11, 18, 7, 30, tzinfo=UTC)


def settings(tmp_path: Path, *, digest: bool | None = True) -> Settings:
    (tmp_path / "mail" / "cur").mkdir(parents=True)
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
timezone = "Europe/Paris"
[store]
path = "{tmp_path / "state.db"}"
[[accounts]]
name = "main"
address = "alice@example.test"
display_name = "Alice Moreau"
[accounts.maildir]
path = "{tmp_path / "mail"}"
[accounts.smtp]
host = "127.0.0.1"
security = "none"
[daemon]
digest_time = "08:30"
{"" if digest is None else f"digest = {str(digest).lower()}"}
""",
        encoding="utf-8",
    )
    return load_settings(config, environ={})


def draft(state: DraftState, subject: str, *, error: str | None = None) -> Draft:
    return Draft(
        id=0,
        account="main",
        thread_id=f"t-{subject}",
        state=state,
        kind=FollowupKind.AFTER_INTERVIEW,
        message_id=f"<{subject}@example.test>",
        subject=subject,
        to=(Address("priya@acme.example.test", "Priya Raman"),),
        cc=(),
        in_reply_to=None,
        raw=b"Subject: x\r\n\r\nbody\r\n",
        reason="quiet for 5 business days",
        created_at=NOW,
        error=error,
    )


def waiting_view() -> ThreadView:
    message = Message(
        key="<m1@acme.example.test>",
        account="main",
        subject="Your availability",
        date=NOW,
        from_=Address("hr@acme.example.test"),
    )
    thread = Thread(id="t1", account="main", subject="Your availability", messages=(message,))
    classification = Classification(
        tracked=True,
        score=3.0,
        stage=Stage.INTERVIEWING,
        language="en",
        participants=(),
        evidence=(),
    )
    decision = Decision(
        thread_id="t1",
        due=False,
        reason="waiting on you: they asked for your availability",
        classification=classification,
        waiting_on_you=True,
    )
    return ThreadView(thread, decision)


def account(tmp_path: Path) -> AccountConfig:
    return settings(tmp_path).accounts[0]


def test_nothing_to_say_means_no_digest(tmp_path: Path) -> None:
    """Without queued drafts, waiting threads or failures no digest is built."""
    assert build_digest(account(tmp_path), [], [], [], NOW) is None


def test_digest_lists_what_waits_for_the_user(tmp_path: Path) -> None:
    """Queued drafts, threads waiting on the user and failures, mailed to herself."""
    queued = [draft(DraftState.QUEUED, "Re: Data Engineer")]
    failed = [draft(DraftState.FAILED, "Re: Backend role", error="550 mailbox disabled")]
    built = build_digest(account(tmp_path), queued, [waiting_view()], failed, NOW)
    assert built is not None
    parsed = message_from_bytes(built.as_bytes(), policy=default)
    assert str(parsed["From"]) == "Alice Moreau <alice@example.test>"
    assert parsed["To"] == parsed["From"]
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Message-ID"].endswith("@example.test>")
    body = parsed.get_content()
    assert "1 follow-up(s) wait for your approval" in body
    assert "#0 to priya@acme.example.test: Re: Data Engineer" in body
    assert "Your availability: waiting on you: they asked for your availability" in body
    assert "Re: Backend role: 550 mailbox disabled" in body


def test_daemon_schedules_the_digest_and_mails_it(tmp_path: Path) -> None:
    """The daemon's digest job runs daily at digest_time and sends one mail to the user."""
    config = settings(tmp_path)
    runner = Runner(tmp_path / "config.toml", clock_from(NOW), config)
    DraftRepository(runner.app.store).add(draft(DraftState.QUEUED, "Re: Data Engineer"), NOW)
    sent: list[tuple[str, bytes, list[str]]] = []

    async def fake_send(account: AccountConfig, raw: bytes, rcpt_to: list[str]) -> str:
        sent.append((account.name, raw, rcpt_to))
        return "250 ok"

    runner.app.send_raw = fake_send  # type: ignore[method-assign]

    async def scenario() -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler  # noqa: PLC0415

        runner.scheduler = AsyncIOScheduler(timezone=config.tz)
        runner._schedule()
        job = runner.scheduler.get_job("digest")
        assert job is not None
        fields = {f.name: str(f) for f in job.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("8", "30")
        assert job.trigger.timezone == config.tz
        await runner.digest()

    asyncio.run(scenario())
    runner.app.close()
    ((name, raw, rcpt_to),) = sent
    assert (name, rcpt_to) == ("main", ["alice@example.test"])
    assert b"Re: Data Engineer" in raw


def test_digest_is_off_by_default(tmp_path: Path) -> None:
    """Without `digest = true` in the config no digest job is scheduled."""
    config = settings(tmp_path, digest=None)
    assert config.daemon.digest is False
    runner = Runner(tmp_path / "config.toml", clock_from(NOW), config)

    async def scenario() -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler  # noqa: PLC0415

        runner.scheduler = AsyncIOScheduler(timezone=config.tz)
        runner._schedule()
        assert runner.scheduler.get_job("digest") is None

    asyncio.run(scenario())
    runner.app.close()
