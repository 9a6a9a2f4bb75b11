"""A job seeker's world on the real rig: her account, a manager, an HR partner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.rig.mailrig import MailRig

FOLLOWUP = str(Path(sys.executable).parent / "followup")


def write_imap_config(  # noqa: PLR0917 - each argument is one line of the account
    path: Path, rig: MailRig, login: str, address: str, root: Path, extra: str = ""
) -> None:
    """An account reading the rig over verified TLS as `login`, owning `address`.

    `extra` follows the [accounts.imap] table; [logging] comes last, after it
    (tests rely on that order to find and replace sections).
    """
    path.write_text(
        f"""
timezone = "Europe/Paris"
[store]
path = "{root / "state.db"}"
[[accounts]]
name = "main"
address = "{address}"
display_name = "Alice Moreau"
[accounts.imap]
host = "{rig.host}"
port = {rig.imaps_port}
security = "tls"
ca_file = "{rig.ca_file}"
username = "{rig.address(login)}"
password = "{rig.password(login)}"
{extra}
[logging]
level = "warning"
""",
        encoding="utf-8",
    )


@dataclass
class World:
    """Unique users on the shared rig, and a config for the seeker's account."""

    rig: MailRig
    root: Path
    seeker: str
    manager: str
    hr: str
    config: Path = field(init=False)
    chain: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config = self.root / "config.toml"
        self.write_config()

    def addr(self, user: str) -> str:
        return self.rig.address(user)

    def write_config(self, extra: str = "", smtp_port: int | None = None) -> None:
        rig = self.rig
        smtp = f"""
[accounts.smtp]
host = "{rig.host}"
port = {smtp_port or rig.submission_port}
security = "starttls"
ca_file = "{rig.ca_file}"
username = "{self.addr(self.seeker)}"
password_command = ["echo", "{rig.password(self.seeker)}"]
"""
        login, address = self.seeker, self.addr(self.seeker)
        write_imap_config(self.config, rig, login, address, self.root, smtp)
        if extra:
            with self.config.open("a", encoding="utf-8") as config:
                config.write(f"{extra}\n")

    def message(  # noqa: PLR0917 - reads like the mail it builds
        self,
        when: datetime,
        sender: tuple[str, str],
        to: list[tuple[str, str]],
        subject: str,
        body: str,
        cc: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        msg = EmailMessage(policy=SMTP)
        msg["From"] = f"{sender[0]} <{sender[1]}>"
        msg["To"] = ", ".join(f"{n} <{a}>" for n, a in to)
        if cc:
            msg["Cc"] = ", ".join(f"{n} <{a}>" for n, a in cc)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when)
        mid = f"<{uuid.uuid4().hex}@example.test>"
        msg["Message-ID"] = mid
        if self.chain:
            msg["In-Reply-To"] = self.chain[-1]
            msg["References"] = " ".join(self.chain)
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(body)
        self.chain.append(mid)
        return msg.as_bytes()

    def run(self, *args: str, now: datetime | None = None, check: bool = True) -> Any:
        argv = [FOLLOWUP, "--config", str(self.config)]
        if now is not None:
            argv += ["--now", now.isoformat()]
        done = subprocess.run(
            [*argv, *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "COLUMNS": "200"},
            timeout=120,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"followup {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def json(self, *args: str, now: datetime | None = None) -> Any:
        return json.loads(self.run(*args, "--json", now=now).stdout)


@pytest.fixture
def world(mailrig: MailRig, tmp_path: Path) -> World:
    tag = uuid.uuid4().hex[:8]
    names = {role: f"{role}{tag}" for role in ("alice", "manager", "hr")}
    mailrig.add_users({name: f"{name}-pw" for name in names.values()})
    return World(mailrig, tmp_path, names["alice"], names["manager"], names["hr"])


def interview_story(world: World, start: datetime) -> None:
    """Applied, HR invites, interview with the manager, a thank-you, then silence."""
    me = ("Alice Moreau", world.addr(world.seeker))
    hr = ("Hannah Roth", world.addr(world.hr))
    manager = ("Priya Raman", world.addr(world.manager))
    rig = world.rig
    inbox = [
        world.message(
            start + timedelta(days=1),
            hr,
            [me],
            "Data Engineer role at Example: interview",
            "Hi Alice,\n\nThank you for your application for the Data Engineer position. "
            "I'm the recruiter for this role. Priya Raman, Head of Data and the hiring "
            "manager, would like to interview you on Tuesday at 14:00.\n\nBest regards,\n"
            "Hannah Roth\nTalent Acquisition Partner",
        ),
    ]
    sent = [
        world.message(
            start + timedelta(days=1, hours=2),
            me,
            [hr],
            "Re: Data Engineer role at Example: interview",
            "Hi Hannah,\n\nThank you, Tuesday at 14:00 works for me.\n\nBest,\nAlice",
        ),
        world.message(
            start + timedelta(days=8, hours=6),
            me,
            [manager],
            "Re: Data Engineer role at Example: interview",
            "Dear Priya,\n\nThank you for the interview today, I enjoyed our conversation "
            "about the data platform.\n\nBest regards,\nAlice",
            cc=[hr],
        ),
    ]
    rig.load_messages(world.seeker, "INBOX", inbox)
    rig.load_messages(world.seeker, "Sent", sent)
