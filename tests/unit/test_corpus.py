"""End-to-end checks of classification and policy on the .eml fixture corpus."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache
from typing import Any

import pytest

from daemon.business_days import business_calendar
from daemon.classify.analysis import classify
from daemon.domain import Decision, Role, Rules, Thread
from daemon.planner import plan
from daemon.policy import decide
from tests.corpus.load import SELF_ADDRESS, load_corpus

RULES = Rules(
    calendar=business_calendar("Europe/Paris", "FR", None, [date(2026, 12, 24)], range(2026, 2028)),
    self_addresses=frozenset({SELF_ADDRESS}),
)


@cache
def corpus() -> tuple[tuple[str, Thread, dict[str, Any]], ...]:
    return tuple(load_corpus())


def names() -> list[str]:
    return [name for name, _, _ in corpus()]


def entry(name: str) -> tuple[Thread, dict[str, Any]]:
    for found, thread, expected in corpus():
        if found == name:
            return thread, expected
    raise KeyError(name)


def decision_for(name: str) -> tuple[Decision, dict[str, Any]]:
    thread, expected = entry(name)
    return decide(thread, RULES, expected["now"]), expected


def test_corpus_is_large_and_multilingual() -> None:
    """At least 40 threads, with French, German and Spanish ones."""
    assert len(corpus()) >= 40
    languages = Counter(name.split("-")[1] for name in names())
    assert {"en", "fr", "de", "es"} <= set(languages)
    assert min(languages[code] for code in ("fr", "de", "es")) >= 5


@pytest.mark.parametrize("name", names())
def test_tracking_and_stage(name: str) -> None:
    """Each thread is tracked (or not) and at the stage its expectations say."""
    thread, expected = entry(name)
    decision = decide(thread, RULES, expected["now"])
    assert decision.classification.tracked == expected["tracked"], decision.classification.evidence
    if expected["tracked"]:
        assert decision.classification.stage == expected["stage"]


@pytest.mark.parametrize("name", names())
def test_roles(name: str) -> None:
    """The hiring manager and the HR contacts are the expected people."""
    thread, expected = entry(name)
    if not expected["tracked"]:
        return
    c = classify(thread, RULES.self_addresses)
    managers = [p.address.addr for p in c.with_role(Role.HIRING_MANAGER)]
    assert managers == ([expected["manager"]] if expected["manager"] else [])
    assert sorted(p.address.addr for p in c.with_role(Role.HR)) == sorted(expected["hr"])


@pytest.mark.parametrize("name", names())
def test_decision(name: str) -> None:
    """Due or not, why, to whom and which kind, at the expected moment."""
    decision, expected = decision_for(name)
    assert decision.due == expected["due"], decision.reason
    assert expected["reason"] in decision.reason
    assert decision.waiting_on_you == expected.get("waiting_on_you", False)
    if "kind" in expected:
        assert decision.kind == expected["kind"]
    if expected["due"]:
        assert [a.addr for a in decision.to] == expected["to"]
        assert [a.addr for a in decision.cc] == expected["cc"]


@pytest.mark.parametrize("name", names())
def test_recipients_are_safe(name: str) -> None:
    """No recipient is the user, and no display name carries a line break."""
    decision, _ = decision_for(name)
    for address in (*decision.to, *decision.cc):
        assert address.addr != SELF_ADDRESS
        assert "\r" not in address.name
        assert "\n" not in address.name
        assert "evil" not in address.addr


def test_address_like_display_name_is_dropped() -> None:
    """A name decoded from a crafted encoded word that looks like an address is not kept."""
    decision, _ = decision_for("22-en-bogus-encoded-word")
    assert [(a.addr, a.name) for a in decision.to] == [("holly.gennero@nakatomi.example.test", "")]


def test_crafted_display_name_adds_nobody() -> None:
    """The CR/LF display name reaches the decision as text, never as a recipient."""
    decision, _ = decision_for("21-en-crlf-display-name")
    everyone = [a.addr for a in (*decision.to, *decision.cc)]
    assert "eve@evil.example.test" not in everyone
    assert len(everyone) == 2


def test_plan_over_the_corpus() -> None:
    """plan() returns exactly the tracked threads, each decided as decide() does."""
    by_now: dict[Any, list[Thread]] = {}
    for _, thread, expected in corpus():
        by_now.setdefault(expected["now"], []).append(thread)
    tracked = {name for name, _, expected in corpus() if expected["tracked"]}
    seen = set()
    for now, threads in by_now.items():
        for decision in plan(threads, RULES, now):
            seen.add(decision.thread_id)
    assert seen == tracked


def test_evidence_is_human_readable() -> None:
    """Decisions explain recipients with role evidence a person can read."""
    decision, _ = decision_for("03-en-interview-thank-you")
    details = [e.detail for e in decision.evidence]
    assert any(d.startswith("hiring manager: Priya Raman, from ") for d in details)
    assert any("the thank-you on 12 Nov" in d for d in details)
