"""The optional daily digest: what waits for the user, in one short mail."""

from __future__ import annotations

from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import TYPE_CHECKING

from daemon.domain import Draft, DraftState
from daemon.outbox import new_message_id
from daemon.store.drafts import DraftRepository

if TYPE_CHECKING:
    from datetime import datetime

    from daemon.app import App
    from daemon.config import AccountConfig
    from daemon.service import ThreadView


def build_digest(
    account: AccountConfig,
    queued: list[Draft],
    waiting: list[ThreadView],
    failed: list[Draft],
    now: datetime,
) -> EmailMessage | None:
    """The digest for one account, or None when there is nothing to say."""
    if not (queued or waiting or failed):
        return None
    lines = ["Good morning,", ""]
    if queued:
        lines.append(f"{len(queued)} follow-up(s) wait for your approval:")
        lines += [f"  #{d.id} to {', '.join(a.addr for a in d.to)}: {d.subject}" for d in queued]
        lines += ["  Approve with `followup queue approve ID`, or star the draft.", ""]
    if waiting:
        lines.append(f"{len(waiting)} thread(s) are waiting on you:")
        lines += [f"  {v.thread.subject}: {v.decision.reason}" for v in waiting]
        lines.append("")
    if failed:
        lines.append(f"{len(failed)} follow-up(s) could not be sent:")
        lines += [f"  #{d.id} {d.subject}: {d.error or d.reason}" for d in failed]
        lines.append("")
    lines.append("-- followup")
    message = EmailMessage(policy=SMTP)
    me = HeaderAddress(display_name=account.display_name, addr_spec=account.address)
    message["From"] = me
    message["To"] = me
    message["Subject"] = "followup digest"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = new_message_id(account.address)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines))
    return message


async def send_digest(app: App) -> int:
    """Send each account's digest to its own address; return how many went out."""
    from daemon.cycle import current_views  # noqa: PLC0415 - cycle imports this module's users

    drafts = DraftRepository(app.store)
    views = current_views(app)
    now = app.clock()
    sent = 0
    for account in app.settings.accounts:
        mine = drafts.find(account=account.name)
        message = build_digest(
            account,
            [d for d in mine if d.state is DraftState.QUEUED],
            [
                v
                for v in views.values()
                if v.thread.account == account.name and v.decision.waiting_on_you
            ],
            [d for d in mine if d.state is DraftState.FAILED],
            now,
        )
        if message is None:
            continue
        await app.send_raw(account, message.as_bytes(), [account.address])
        sent += 1
    return sent
