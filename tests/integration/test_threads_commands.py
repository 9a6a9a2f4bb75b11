"""`followup threads show` and `threads set` on the demo Maildir: no mail server needed.

Corrections are checked where they matter: stored, shown, used by the plan, and
still there after a sync brings new mail into the thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from daemon.cli import cli
from daemon.demo import write_demo_config, write_demo_maildir
from daemon.domain import Overrides, Stage
from daemon.store.repository import Store

if TYPE_CHECKING:
    from pathlib import Path

    from click.testing import Result

NOW = datetime.fromisoformat("2026-11-30T10:00+01:00")
ACME = "Invitation: Interview Alice Moreau / Priya Raman"
GLOBEX = "Application: Product Analyst (ref 4471)"
UMBRELLA = "Application: Security Engineer"
HOUR = timedelta(hours=1)


@dataclass
class Demo:
    """The demo mailbox and its config, synced once at NOW."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    def run(self, *args: str, now: str = NOW.isoformat()) -> Result:
        return CliRunner().invoke(cli, ["--config", str(self.config), "--now", now, *args])

    def json(self, *args: str) -> Any:
        result = self.run(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def thread_id(self, subject: str) -> str:
        listed = self.json("threads", "list", "--all")
        (found,) = [t["id"] for t in listed if t["subject"] == subject]
        return str(found)

    def set(self, tid: str, *args: str) -> None:
        result = self.run("threads", "set", tid, *args)
        assert result.exit_code == 0, result.output

    def overrides(self) -> dict[str, Overrides]:
        store = Store.open(f"sqlite:///{self.root / 'state.db'}")
        try:
            return store.overrides()
        finally:
            store.close()


@pytest.fixture
def demo(tmp_path: Path) -> Demo:
    write_demo_maildir(tmp_path / "Mail", NOW)
    write_demo_config(tmp_path / "config.toml", tmp_path / "Mail", tmp_path / "state.db")
    world = Demo(tmp_path)
    assert world.run("sync").exit_code == 0
    return world


def test_set_then_show_round_trip(demo: Demo) -> None:
    """Every correction is stored, shown as "your correction", and can be undone."""
    tid = demo.thread_id(GLOBEX)
    result = demo.run(
        "threads", "set", tid[:6], "--manager", "Bob.Ross@Globex.example.test",
        "--hr", "nadia.okafor@globex.example.test", "--stage", "interviewed", "--mute",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"{tid}: saved\n"
    assert demo.overrides()[tid] == Overrides(
        manager="bob.ross@globex.example.test",
        hr=("nadia.okafor@globex.example.test",),
        stage=Stage.INTERVIEWED,
        muted=True,
    )
    shown = demo.json("threads", "show", tid)
    assert shown["hiring_manager"] == "bob.ross@globex.example.test"
    assert shown["stage"] == "interviewed"
    assert not shown["due"]
    assert shown["reason"] == "muted"
    (bob,) = [p for p in shown["participants"] if p["address"] == "bob.ross@globex.example.test"]
    assert bob["role"] == "hiring_manager"
    assert "your correction" in [e["detail"] for e in bob["evidence"]]
    assert "from your correction" in demo.run("threads", "show", tid).stdout

    demo.set(tid, "--clear", "manager", "--clear", "stage", "--unmute")
    assert demo.overrides()[tid] == Overrides(hr=("nadia.okafor@globex.example.test",))
    shown = demo.json("threads", "show", tid)
    assert shown["hiring_manager"] is None
    assert shown["stage"] == "applied"
    assert shown["due"]


def test_corrections_win_over_the_classifier(demo: Demo) -> None:
    """The recruiter named as manager becomes the manager, and the follow-up goes to him."""
    tid = demo.thread_id(ACME)
    before = demo.json("threads", "show", tid)
    assert before["hiring_manager"] == "priya.raman@acme.example.test"
    assert before["hr"] == ["tom.becker@acme.example.test"]

    demo.set(tid, "--manager", "tom.becker@acme.example.test")
    after = demo.json("threads", "show", tid)
    assert after["hiring_manager"] == "tom.becker@acme.example.test"
    assert "tom.becker@acme.example.test" not in after["hr"]
    (planned,) = [v for v in demo.json("plan") if v["id"] == tid]
    assert planned["to"] == ["tom.becker@acme.example.test"]


def test_a_later_correction_of_the_same_address_wins(demo: Demo) -> None:
    """Naming the HR contact as manager moves her; naming the manager as HR clears him."""
    tid = demo.thread_id(GLOBEX)
    nadia = "nadia.okafor@globex.example.test"
    demo.set(tid, "--hr", nadia)
    moved = demo.run("threads", "set", tid, "--manager", nadia)
    assert "was one of your HR corrections; it is the manager now" in moved.output
    assert demo.overrides()[tid] == Overrides(manager=nadia)
    moved = demo.run("threads", "set", tid, "--hr", nadia)
    assert "was your hiring-manager correction; it is HR now" in moved.output
    assert demo.overrides()[tid] == Overrides(hr=(nadia,))


def test_corrections_survive_a_sync_that_brings_new_mail(demo: Demo) -> None:
    """A new reply joins the thread; the correction stays stored and still decides."""
    tid = demo.thread_id(GLOBEX)
    demo.set(tid, "--manager", "bob.ross@globex.example.test")
    last = demo.json("threads", "show", tid)["messages"][-1]
    reply = EmailMessage()
    reply["From"] = "Nadia Okafor <nadia.okafor@globex.example.test>"
    reply["To"] = "Alice Moreau <alice@example.test>"
    reply["Subject"] = f"Re: {GLOBEX}"
    reply["Date"] = format_datetime(NOW - timedelta(days=1))
    reply["Message-ID"] = "<update.globex@example.test>"
    reply["In-Reply-To"] = last["key"]
    reply["References"] = last["key"]
    reply.set_content("Hi Alice,\n\nThe team is still reviewing applications.\n\nNadia\n")
    (demo.root / "Mail" / "cur" / "update.globex:2,S").write_bytes(bytes(reply))

    assert demo.run("sync").exit_code == 0
    shown = demo.json("threads", "show", tid)
    assert [m["key"] for m in shown["messages"]][-1] == "<update.globex@example.test>"
    assert shown["hiring_manager"] == "bob.ross@globex.example.test"
    assert demo.overrides()[tid] == Overrides(manager="bob.ross@globex.example.test")
    in_two_weeks = demo.run("plan", "--json", now=(NOW + timedelta(days=14)).isoformat())
    (planned,) = [v for v in json.loads(in_two_weeks.stdout) if v["id"] == tid]
    assert planned["to"] == ["bob.ross@globex.example.test"]


def refused(demo: Demo, args: list[str]) -> str:
    """`threads set` on the Acme thread with `args`: a usage error that saves nothing."""
    result = demo.run("threads", "set", demo.thread_id(ACME), *args)
    assert result.exit_code == 2
    assert demo.overrides() == {}
    return result.output


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--manager", "bob@"], "'bob@' is not one bare address"),
        (["--manager", "@acme.example.test"], "is not one bare address"),
        (["--manager", "a@b@c"], "is not one bare address"),
        (["--manager", "Bob <bob@acme.example.test>"], "is not one bare address"),
        (["--manager", ""], "is not one bare address"),
        (["--hr", "bob@localhost"], "'bob@localhost' is not one bare address"),
        (["--manager", "Alice@Example.test"], "alice@example.test is your own address"),
        (["--hr", "no-reply@acme.example.test"], "no-reply@acme.example.test is a no-reply"),
        (["--manager", "tom@acme.example.test", "--hr", "tom@acme.example.test"], "both"),
    ],
)
def test_set_refuses_an_address_it_could_not_use(
    demo: Demo, args: list[str], complaint: str
) -> None:
    """Bad, own and no-reply addresses are usage errors naming the option; nothing is saved."""
    output = refused(demo, args)
    assert complaint in output
    if "both" not in complaint:
        assert f"Invalid value for {args[0]}" in output


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        ([], "nothing to change"),
        (["--mute", "--unmute"], "--mute and --unmute contradict each other"),
        (["--stage", "applied", "--clear", "stage"], "--stage and --clear stage contradict"),
    ],
)
def test_set_refuses_calls_that_change_nothing_or_contradict(
    demo: Demo, args: list[str], complaint: str
) -> None:
    """An empty or self-contradicting call is a usage error that names the problem."""
    assert complaint in refused(demo, args)


def test_show_json_carries_the_evidence(demo: Demo) -> None:
    """Everything `threads show` prints is in its JSON too."""
    shown = demo.json("threads", "show", demo.thread_id(ACME))
    assert shown["score"] > 0
    assert all({"signal", "detail", "weight", "message"} <= e.keys() for e in shown["evidence"])
    assert shown["stage_evidence"]
    roles = {p["address"]: p for p in shown["participants"]}
    assert roles["priya.raman@acme.example.test"]["role"] == "hiring_manager"
    assert roles["priya.raman@acme.example.test"]["evidence"]
    assert roles["tom.becker@acme.example.test"]["role"] == "hr"
    interview = shown["interview"]
    assert datetime.fromisoformat(interview["start"]) < datetime.fromisoformat(interview["end"])
    assert interview["organizer"] == "tom.becker@acme.example.test"
    assert "priya.raman@acme.example.test" in interview["attendees"]
    decision = shown["decision"]
    assert decision["due"]
    assert decision["to"] == ["priya.raman@acme.example.test"]
    assert decision["cc"] == ["tom.becker@acme.example.test"]
    assert decision["kind"]
    assert decision["reason"] == shown["reason"]
    assert datetime.fromisoformat(decision["due_at"]) < NOW
    assert decision["evidence"]
    messages = shown["messages"]
    assert len(messages) == shown["message_count"]
    assert {"key", "date", "from", "subject"} == messages[0].keys()
    assert messages[-1]["from"] == "alice@example.test"


def test_show_says_waiting_on_you_once(demo: Demo) -> None:
    out = demo.run("threads", "show", demo.thread_id(UMBRELLA)).stdout
    assert "decision: waiting on you: Grace asked for your availability" in out
    assert "waiting on you: waiting on you" not in out


def test_now_without_offset_is_in_the_configured_timezone(demo: Demo) -> None:
    """The demo config says Europe/Paris: 10:00 there is 09:00 UTC, not 10:00 UTC."""
    assert demo.run("sync", now="2026-12-01T10:00").exit_code == 0
    (account,) = demo.json("status")["accounts"]
    synced = datetime.fromisoformat(account["last_sync_at"])
    # The --now clock runs on from its start while the command works.
    assert timedelta(0) <= synced - datetime.fromisoformat("2026-12-01T10:00+01:00") < HOUR


def test_demo_refuses_a_now_without_offset(tmp_path: Path) -> None:
    """The demo has no configuration yet, so no timezone to read such a time in."""
    result = CliRunner().invoke(cli, ["--now", "2026-11-30T10:00", "demo", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--now" in result.output


def test_unknown_holidays_country_is_a_config_error_at_start(demo: Demo) -> None:
    """check-config and every command stop with exit 2 and name the key and the value."""
    text = demo.config.read_text(encoding="utf-8")
    demo.config.write_text(text.replace('holidays_country = "FR"', 'holidays_country = "XX"'))
    for command in (["check-config"], ["plan"]):
        result = demo.run(*command)
        assert result.exit_code == 2
        assert "followup.holidays_country: unknown country 'XX'" in result.output
