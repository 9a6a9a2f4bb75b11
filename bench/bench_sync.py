"""Initial and no-change sync against the floor of a plain imapclient fetch.

Run as root (it starts a private Dovecot on loopback):

    .venv/bin/python bench/bench_sync.py [--messages 20000]

In one run it:
1. loads N messages into a Dovecot folder (and 200 into another account):
   a typical mailbox where 55% of the threads are bulk mail (newsletters,
   notifications), 30% personal conversations and 15% recruiting;
2. times the floor: a bare imapclient process fetching UID, FLAGS,
   INTERNALDATE and the same header fields as followup (the 21 of
   `daemon.mail.parse.HEADER_FIELDS`) in batches of 2,000, whole process
   wall time as for followup. For comparison with earlier figures it also
   times the first floor, which fetched only 8 of those fields;
3. times `followup sync` from an empty store, in a fresh process, and reads
   its peak RSS;
4. times a no-change `followup sync` for N messages and for 200.

Targets (issue 2): initial sync <= 1.5x the floor; no-change sync of N within
1.3x of 200; peak RSS under 150 MiB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from daemon.mail.parse import HEADER_FIELDS  # noqa: E402
from tests.rig.mailrig import MailRig, scratch_parent  # noqa: E402

#: The header fields of the first floor, kept to compare with earlier figures.
EIGHT_FIELDS = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References")

FLOOR_SCRIPT = """
import sys, time
from imapclient import IMAPClient
host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
header = "BODY.PEEK[HEADER.FIELDS ({})]".format(" ".join(sys.argv[5:]).upper())
start = time.perf_counter()
client = IMAPClient(host, port, ssl=False)
client.login(user, password)
client.select_folder("INBOX", readonly=True)
uids = client.search("ALL")
fields = [b"UID", b"FLAGS", b"INTERNALDATE", header.encode()]
n = 0
for i in range(0, len(uids), 2000):
    n += len(client.fetch(uids[i:i + 2000], fields))
client.logout()
print(n, time.perf_counter() - start)
"""

COMPANIES = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell"]


def _kind(thread: int) -> str:
    """A typical mailbox: mostly bulk mail, some conversations, a few recruiting threads."""
    slot = thread % 20
    if slot < 11:
        return "bulk"
    if slot < 17:
        return "personal"
    return "recruiting"


def make_messages(count: int, seed: str) -> list[bytes]:
    """Small messages in threads of 1-5; 55% bulk, 30% personal, 15% recruiting threads."""
    base = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    out: list[bytes] = []
    thread = 0
    while len(out) < count:
        company = COMPANIES[thread % len(COMPANIES)]
        kind = _kind(thread)
        size = 1 if kind == "bulk" else 1 + thread % 5
        other = {
            "bulk": f"news@{company}.example.test",
            "personal": f"friend{thread % 50}@example.test",
            "recruiting": f"recruiter@{company}.example.test",
        }[kind]
        topic = {
            "bulk": f"Weekly digest {thread} from {company}",
            "personal": f"Weekend plans {thread}",
            "recruiting": f"Interview for role {thread} at {company}",
        }[kind]
        chain: list[str] = []
        for i in range(size):
            if len(out) >= count:
                break
            when = base + timedelta(hours=thread * 3 + i * 20)
            mid = f"<{seed}.{thread}.{i}@{company}.example.test>"
            sender, to = ("alice@example.test", other) if i % 2 else (other, "alice@example.test")
            headers = [
                f"From: Person {thread} <{sender}>",
                f"To: <{to}>",
                f"Subject: {'Re: ' if i else ''}{topic}",
                f"Date: {format_datetime(when)}",
                f"Message-ID: {mid}",
            ]
            if chain:
                headers += [f"In-Reply-To: {chain[-1]}", f"References: {' '.join(chain)}"]
            if kind == "bulk":
                headers += [
                    f"List-Id: <news.{company}.example.test>",
                    f"List-Unsubscribe: <https://{company}.example.test/u>",
                ]
            body = f"Hello,\n\nThis is message {i} of thread {thread}.\n\nRegards\n"
            out.append(("\r\n".join(headers) + "\r\n\r\n" + body).encode())
            chain.append(mid)
        thread += 1
    return out


def write_config(path: Path, rig: MailRig, user: str, store: Path) -> None:
    path.write_text(
        f"""
timezone = "UTC"
[store]
path = "{store}"
[[accounts]]
name = "{user}"
address = "{rig.address(user)}"
[accounts.imap]
host = "{rig.host}"
port = {rig.imap_port}
security = "none"
username = "{rig.address(user)}"
password = "{rig.password(user)}"
[logging]
level = "warning"
""",
        encoding="utf-8",
    )


def followup(config: Path, *args: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one `followup` process."""
    exe = Path(sys.executable).parent / "followup"
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.execv(str(exe), [str(exe), "--config", str(config), *args])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"followup {' '.join(args)} failed")
    return elapsed, usage.ru_maxrss / 1024


def floor(rig: MailRig, user: str, fields: tuple[str, ...] = HEADER_FIELDS) -> float:
    """Wall time of the whole floor process, start-up included like followup's."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            FLOOR_SCRIPT,
            rig.host,
            str(rig.imap_port),
            rig.address(user),
            rig.password(user),
            *fields,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="followup-bench-", dir=scratch_parent()) as tmp:
        root = Path(tmp)
        # Dovecot and Postfix run as their own users and must reach the rig.
        root.chmod(0o755)
        users = {"big": "big-secret", "small": "small-secret"}
        with MailRig(root / "rig", users) as rig:
            t0 = time.perf_counter()
            rig.load_messages("big", "INBOX", make_messages(args.messages, "big"))
            rig.load_messages("small", "INBOX", make_messages(200, "small"))
            print(f"loaded {args.messages} + 200 messages in {time.perf_counter() - t0:.2f} s")
            floors, eights, initial, rss, nochange_big, nochange_small = [], [], [], [], [], []
            for run in range(args.repeat):
                floors.append(floor(rig, "big"))
                eights.append(floor(rig, "big", EIGHT_FIELDS))
                cfg_big, cfg_small = root / f"big{run}.toml", root / f"small{run}.toml"
                write_config(cfg_big, rig, "big", root / f"big{run}.db")
                write_config(cfg_small, rig, "small", root / f"small{run}.db")
                secs, peak = followup(cfg_big, "sync")
                initial.append(secs)
                rss.append(peak)
                followup(cfg_small, "sync")
                nochange_big.append(followup(cfg_big, "sync")[0])
                nochange_small.append(followup(cfg_small, "sync")[0])
            f, i = statistics.median(floors), statistics.median(initial)
            eight = statistics.median(eights)
            nb, ns = statistics.median(nochange_big), statistics.median(nochange_small)
            print(f"floor (imapclient, same {len(HEADER_FIELDS)} header fields): {f:.2f} s")
            print(f"first floor (8 header fields): {eight:.2f} s")
            print(f"followup sync, empty store:  {i:.2f} s  = {i / f:.2f}x floor (target <= 1.5x)")
            print(f"                             = {i / eight:.2f}x the 8-field floor")
            print(f"peak RSS of followup sync:   {max(rss):.0f} MiB (target < 150 MiB)")
            print(f"no-change sync, {args.messages} msgs: {nb:.3f} s")
            print(f"no-change sync, 200 msgs:    {ns:.3f} s  ratio {nb / ns:.2f} (target <= 1.3)")
            print(f"(medians of {args.repeat} runs; each followup time includes process start-up)")


if __name__ == "__main__":
    main()
