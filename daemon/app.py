"""Composition root: settings -> store -> adapters.

The only module besides the CLI that knows the concrete mail adapters.
Templates, SMTP and holiday calendars load when first used: a sync needs none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from daemon.domain import Draft, Rules, SendWindow
from daemon.mail.imap import ImapMailbox
from daemon.mail.maildir import MaildirMailbox
from daemon.planner import Planner
from daemon.secrets import run_secret_command, secret_getter
from daemon.store.drafts import DraftRepository
from daemon.store.repository import Store
from daemon.sync import resolve_sent_folder

if TYPE_CHECKING:
    from daemon.clock import Clock
    from daemon.compose import Templates
    from daemon.config import AccountConfig, Settings
    from daemon.ports import Mailbox

#: Holiday calendars are built for this many years around `now`.
HOLIDAY_YEARS_BEFORE = 1
HOLIDAY_YEARS_AFTER = 2


@dataclass
class App:
    settings: Settings
    clock: Clock
    store: Store
    # Kept for the App's life: the daemon re-plans unchanged threads every cycle.
    planner: Planner = field(default_factory=Planner)
    _sent_folders: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, clock: Clock) -> App:
        return cls(settings=settings, clock=clock, store=Store.open(settings.store.sqlalchemy_url))

    def close(self) -> None:
        self.store.close()

    def mailbox(self, account: AccountConfig) -> Mailbox:
        if account.maildir is not None:
            return MaildirMailbox(account.maildir.path.expanduser())
        imap = account.imap
        if imap is None:  # pragma: no cover - the config validator forbids it
            raise ValueError(f"account {account.name} has no mailbox")
        return ImapMailbox(
            host=imap.host,
            port=imap.port,
            security=imap.security,
            username=imap.username,
            password=secret_getter(imap),
            ca_file=None if imap.ca_file is None else imap.ca_file.expanduser(),
        )

    def rules(self, account: AccountConfig) -> Rules:
        from daemon.business_days import business_calendar  # noqa: PLC0415 - holidays are big

        cfg = self.settings.followup
        year = self.clock().astimezone(self.settings.tz).year
        calendar = business_calendar(
            timezone=self.settings.timezone,
            country=cfg.holidays_country,
            subdivision=cfg.holidays_subdivision,
            extra_dates=cfg.extra_holidays,
            years=range(year - HOLIDAY_YEARS_BEFORE, year + HOLIDAY_YEARS_AFTER + 1),
        )
        return Rules(
            calendar=calendar,
            self_addresses=account.self_addresses,
            silence_business_days=cfg.silence_business_days,
            silence_by_stage=tuple(cfg.silence_by_stage.items()),
            max_followups=cfg.max_followups,
            sent_followups=DraftRepository(self.store).sent_message_ids(account.name),
        )

    @cached_property
    def templates(self) -> Templates:
        from daemon.compose import Templates  # noqa: PLC0415 - see the module docstring

        folder = self.settings.followup.templates_dir
        return Templates(None if folder is None else folder.expanduser())

    def sent_folder(self, account: AccountConfig, mailbox: Mailbox) -> str:
        if account.name not in self._sent_folders:
            self._sent_folders[account.name] = resolve_sent_folder(mailbox, account)
        return self._sent_folders[account.name]

    async def send(self, draft: Draft, account: AccountConfig) -> str:
        """Hand one approved draft to the account's SMTP server."""
        return await self.send_raw(account, draft.raw, [a.addr for a in (*draft.to, *draft.cc)])

    async def send_raw(self, account: AccountConfig, raw: bytes, rcpt_to: list[str]) -> str:
        from daemon.mail.smtp import PermanentSendError, send_message  # noqa: PLC0415

        smtp = account.smtp
        if smtp is None:
            raise PermanentSendError(f"account {account.name} has no [accounts.smtp] section")
        token_command = smtp.oauth2_token_command
        return await send_message(
            raw,
            mail_from=account.address,
            rcpt_to=rcpt_to,
            host=smtp.host,
            port=smtp.port,
            security=smtp.security,
            username=smtp.username,
            password=secret_getter(smtp) if smtp.has_secret else None,
            ca_file=None if smtp.ca_file is None else smtp.ca_file.expanduser(),
            oauth2_token=None
            if token_command is None
            else (lambda: run_secret_command(token_command)),
        )

    def file_sent_copy(self, draft: Draft, account: AccountConfig) -> None:
        with self.mailbox(account) as mailbox:
            folder = self.sent_folder(account, mailbox)
            if not mailbox.find_by_message_id(folder, draft.message_id):
                mailbox.append(folder, draft.raw, frozenset({"\\Seen"}), self.clock())

    def found_in_sent(self, draft: Draft) -> bool:
        account = self.settings.account(draft.account)
        with self.mailbox(account) as mailbox:
            return bool(
                mailbox.find_by_message_id(self.sent_folder(account, mailbox), draft.message_id)
            )

    def send_window(self) -> SendWindow:
        start, end = self.settings.sending.window
        return SendWindow(start=start, end=end, weekdays=self.settings.sending.weekdays)
