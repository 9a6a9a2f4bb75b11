"""Issue 3 end to end: the whole fixture corpus through a real Dovecot and the real CLI.

The unit corpus test reads each directory as one thread. Here the messages go into one
IMAP account (the user's own mail in Sent, the rest in INBOX) and `followup sync` groups
them with our threader. A directory's expectations are checked on the thread holding its
first message, found by message key. Where the threader splits a directory (a thank-you
written as a new mail, with a new subject), every other part must stay untracked, or the
same application would get two follow-ups.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pytest

from daemon.store.repository import Store
from tests.corpus.load import CORPUS, SELF_ADDRESS, load_corpus, load_message_file
from tests.integration.conftest import FOLLOWUP, write_imap_config

if TYPE_CHECKING:
    from pathlib import Path

    from tests.rig.mailrig import MailRig

#: Every corpus thread is decided at this moment (checked below).
NOW = "2026-12-01T09:00:00+01:00"


def _config(rig: MailRig, user: str, root: Path) -> Path:
    # The corpus is written for alice@example.test; the login is a unique rig user, which
    # is fine because the account's address, not the login, says which mail is the user's.
    # Holidays match the unit corpus test's rules (France, plus 24 December 2026).
    path = root / "config.toml"
    followup_section = '[followup]\nholidays_country = "FR"\nextra_holidays = [2026-12-24]\n'
    write_imap_config(path, rig, user, SELF_ADDRESS, root, followup_section)
    return path


def _followup(config: Path, *args: str) -> Any:
    done = subprocess.run(
        [FOLLOWUP, "--config", str(config), "--now", NOW, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    assert done.returncode == 0, f"followup {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def synced(mailrig: MailRig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The corpus loaded into a fresh account, synced once, listed and planned."""
    user = f"corpus{uuid.uuid4().hex[:8]}"
    mailrig.add_user(user, f"{user}-pw")
    folders: dict[str, list[bytes]] = defaultdict(list)
    keys: dict[str, list[str]] = {}
    for directory in sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name[:2].isdigit()):
        keys[directory.name] = []
        for path in sorted(directory.glob("*.eml")):
            message = load_message_file(path)
            keys[directory.name].append(message.key)
            # The files go in byte for byte: only the folder depends on the sender.
            folders["Sent" if message.in_sent else "INBOX"].append(path.read_bytes())
    for folder, messages in folders.items():
        mailrig.load_messages(user, folder, messages)
    root = tmp_path_factory.mktemp("corpus")
    config = _config(mailrig, user, root)
    sync_out = _followup(config, "sync")
    listed = json.loads(_followup(config, "threads", "list", "--all", "--json"))
    planned = json.loads(_followup(config, "plan", "--json"))
    store = Store.open(f"sqlite:///{root / 'state.db'}")
    try:
        thread_keys = {t.id: {m.key for m in t.messages} for t in store.load_threads("main")}
    finally:
        store.close()
    return {
        "sync": sync_out,
        "counts": {folder: len(messages) for folder, messages in folders.items()},
        "keys": keys,
        "thread_keys": thread_keys,
        "listed": {t["id"]: t for t in listed},
        "planned": {t["id"]: t for t in planned},
    }


#: Directories the threader does not yet keep together, and why.
#: (directory name, expectations) for every corpus thread.
CASES = [pytest.param(name, expected, id=name) for name, _, expected in load_corpus()]


def _thread_of(synced: dict[str, Any], name: str) -> str:
    """The thread holding the directory's first message; the others hold no second process."""
    wanted = set(synced["keys"][name])
    holders = {tid: keys for tid, keys in synced["thread_keys"].items() if keys & wanted}
    for tid, keys in holders.items():
        assert keys <= wanted, f"{name}: thread {tid} mixes in {sorted(keys - wanted)}"
    (anchor,) = (tid for tid, keys in holders.items() if synced["keys"][name][0] in keys)
    for tid in holders.keys() - {anchor}:
        part = synced["listed"][tid]
        assert not part["tracked"], f"{name}: split off {sorted(holders[tid])} as {part}"
    return anchor


def test_every_message_is_synced(synced: dict[str, Any]) -> None:
    """Sync stores every corpus message, from INBOX and from Sent, none skipped."""
    counts = synced["counts"]
    assert f"main/INBOX: +{counts['INBOX']} -0 ~0" in synced["sync"]
    assert f"main/Sent: +{counts['Sent']} -0 ~0" in synced["sync"]
    assert "unreadable" not in synced["sync"]
    all_keys = {key for keys in synced["keys"].values() for key in keys}
    assert set().union(*synced["thread_keys"].values()) == all_keys


def test_corpus_is_decided_at_one_moment() -> None:
    """Every corpus thread is decided at NOW, so one --now covers them all."""
    assert {case.values[1]["now"].isoformat() for case in CASES} == {NOW}


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_thread_matches_expectations(
    synced: dict[str, Any], name: str, expected: dict[str, Any]
) -> None:
    """Tracked, stage, manager, HR, due, reason, to and cc are as in expected.toml."""
    tid = _thread_of(synced, name)
    view = synced["listed"][tid]
    assert view["tracked"] == expected["tracked"], view
    assert expected["reason"] in view["reason"], view
    assert view["due"] == expected["due"], view
    assert view["waiting_on_you"] == expected.get("waiting_on_you", False), view
    if expected["tracked"]:
        assert view["stage"] == expected["stage"], view
        assert view["hiring_manager"] == (expected["manager"] or None), view
        assert sorted(view["hr"]) == sorted(expected["hr"]), view
    if "kind" in expected:
        assert view["kind"] == expected["kind"], view
    if expected["due"]:
        assert view["to"] == expected["to"], view
        assert view["cc"] == expected["cc"], view
        assert synced["planned"][tid] == view
    else:
        assert tid not in synced["planned"]
