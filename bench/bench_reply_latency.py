"""Time from a reply's delivery to the cancellation of the queued draft it makes stale.

Run as root (it starts a private Dovecot and Postfix on loopback):

    .venv/bin/python bench/bench_reply_latency.py [--tries 20]

In one run it starts a rig and `followup run` (the daemon, IMAP IDLE on), then
for each try:
1. loads a fresh interview thread into the seeker's INBOX and Sent, whose
   follow-up is due, and queues its draft with `followup run --once` (a
   second process sharing the store, as the approval CLI does);
2. the manager replies over SMTP (plain smtplib to Postfix);
3. polls, every 5 ms, the seeker's Maildir (the moment Dovecot's LMTP
   delivered the reply) and the SQLite store (the moment the draft became
   `cancelled`).

It prints the median and maximum of delivery -> cancelled (and, for context,
of SMTP submission -> cancelled). Target (issue 5): under 2 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import smtplib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.rig.mailrig import MailRig, scratch_parent  # noqa: E402

FOLLOWUP = str(Path(sys.executable).parent / "followup")
PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 11, 2, 9, 0, tzinfo=PARIS)
#: Five business days after the thank-you: every story's follow-up is due.
DUE = datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)
TARGET_SECONDS = 2.0
POLL_SECONDS = 0.005
USERS = {"alice": "alice-secret", "manager": "manager-secret", "hr": "hr-secret"}


def message(  # noqa: PLR0917 - reads like the mail it builds
    when: datetime,
    sender: str,
    to: str,
    subject: str,
    body: str,
    chain: list[str],
    cc: str | None = None,
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    mid = f"<{uuid.uuid4().hex}@example.test>"
    msg["Message-ID"] = mid
    if chain:
        msg["In-Reply-To"] = chain[-1]
        msg["References"] = " ".join(chain)
    msg.set_content(body)
    chain.append(mid)
    return msg.as_bytes()


def load_story(rig: MailRig, n: int) -> tuple[str, list[str]]:
    """Applied, invited, interviewed, thanked, then silence; a subject of its own."""
    me = f"Alice Moreau <{rig.address('alice')}>"
    hr = f"Hannah Roth <{rig.address('hr')}>"
    manager = f"Priya Raman <{rig.address('manager')}>"
    subject = f"Data Engineer role {n} at Example: interview"
    chain: list[str] = []
    invite = message(
        START + timedelta(days=1),
        hr,
        me,
        subject,
        "Hi Alice,\n\nThank you for your application for the Data Engineer position. "
        "I'm the recruiter for this role. Priya Raman, Head of Data and the hiring "
        "manager, would like to interview you on Tuesday at 14:00.\n\nBest regards,\n"
        "Hannah Roth\nTalent Acquisition Partner",
        chain,
    )
    accept = message(
        START + timedelta(days=1, hours=2),
        me,
        hr,
        f"Re: {subject}",
        "Hi Hannah,\n\nThank you, Tuesday at 14:00 works for me.\n\nBest,\nAlice",
        chain,
    )
    thanks = message(
        START + timedelta(days=8, hours=6),
        me,
        manager,
        f"Re: {subject}",
        "Dear Priya,\n\nThank you for the interview today, I enjoyed our conversation "
        "about the data platform.\n\nBest regards,\nAlice",
        chain,
        cc=hr,
    )
    rig.load_messages("alice", "INBOX", [invite])
    rig.load_messages("alice", "Sent", [accept, thanks])
    return subject, chain


def write_config(path: Path, rig: MailRig, store: Path) -> None:
    path.write_text(
        f"""
timezone = "Europe/Paris"
[store]
path = "{store}"
[[accounts]]
name = "main"
address = "{rig.address("alice")}"
display_name = "Alice Moreau"
[accounts.imap]
host = "{rig.host}"
port = {rig.imap_port}
security = "none"
username = "{rig.address("alice")}"
password = "{rig.password("alice")}"
[logging]
level = "warning"
""",
        encoding="utf-8",
    )


def inbox_files(rig: MailRig) -> int:
    maildir = rig.maildir("alice")
    return sum(len(os.listdir(maildir / sub)) for sub in ("new", "cur"))  # noqa: PTH208 - fastest


def draft_state(db: sqlite3.Connection, draft_id: int) -> str | None:
    row = db.execute("SELECT state FROM drafts WHERE id = ?", (draft_id,)).fetchone()
    return None if row is None else str(row[0])


def queued_draft(db: sqlite3.Connection) -> int:
    rows = db.execute("SELECT id FROM drafts WHERE state = 'queued'").fetchall()
    if len(rows) != 1:
        raise SystemExit(f"expected one queued draft, found {len(rows)}")
    return int(rows[0][0])


def one_try(rig: MailRig, config: Path, db: sqlite3.Connection, n: int) -> tuple[float, float]:
    """Seconds from delivery, and from SMTP submission, to the draft's cancellation."""
    subject, chain = load_story(rig, n)
    subprocess.run(
        [FOLLOWUP, "--config", str(config), "--now", DUE.isoformat(), "run", "--once"],
        check=True,
        capture_output=True,
    )
    draft_id = queued_draft(db)
    before = inbox_files(rig)
    reply = message(
        DUE + timedelta(hours=1),
        f"Priya Raman <{rig.address('manager')}>",
        f"Alice Moreau <{rig.address('alice')}>",
        f"Re: {subject}",
        "Hi Alice,\n\nThanks for your patience, we will decide this week.\n\nPriya",
        chain,
    )
    submitted = time.perf_counter()
    with smtplib.SMTP(rig.host, rig.smtp_port) as smtp:
        smtp.sendmail(rig.address("manager"), [rig.address("alice")], reply)
    delivered = None
    deadline = submitted + 30
    while time.perf_counter() < deadline:
        if delivered is None and inbox_files(rig) > before:
            delivered = time.perf_counter()
        if draft_state(db, draft_id) == "cancelled":
            done = time.perf_counter()
            return done - (delivered or done), done - submitted
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"try {n}: draft {draft_id} was not cancelled within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="followup-bench-", dir=scratch_parent()) as tmp:
        root = Path(tmp)
        # Dovecot and Postfix run as their own users and must reach the rig.
        root.chmod(0o755)
        with MailRig(root / "rig", USERS) as rig:
            config, store = root / "config.toml", root / "state.db"
            write_config(config, rig, store)
            subprocess.run(
                [FOLLOWUP, "--config", str(config), "sync"], check=True, capture_output=True
            )
            daemon = subprocess.Popen(
                [FOLLOWUP, "--config", str(config), "--now", DUE.isoformat(), "run"],
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(2)  # start-up: the first cycle, then the IDLE watchers
                with sqlite3.connect(store, timeout=10) as db:
                    results = [one_try(rig, config, db, n) for n in range(args.tries)]
            finally:
                daemon.send_signal(signal.SIGTERM)
                code = daemon.wait(15)
    from_delivery = [r[0] for r in results]
    from_submission = [r[1] for r in results]
    med, worst = statistics.median(from_delivery), max(from_delivery)
    print(f"{args.tries} replies, delivery -> draft cancelled:")
    print(f"  median {med:.3f} s, max {worst:.3f} s (target < {TARGET_SECONDS:.0f} s)")
    print(
        f"  SMTP submission -> cancelled: median {statistics.median(from_submission):.3f} s, "
        f"max {max(from_submission):.3f} s"
    )
    print(f"daemon exit code after SIGTERM: {code}")
    if worst >= TARGET_SECONDS or code != 0:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
