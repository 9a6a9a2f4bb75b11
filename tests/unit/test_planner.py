"""A Planner reuses what it read and decided, and always agrees with the policy."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st

from daemon import planner as planner_module
from daemon.classify.analysis import analyse
from daemon.domain import Overrides, Rules, Thread
from daemon.planner import Planner
from daemon.policy import decide, decide_analysed, own_addresses
from tests.corpus.factory import RULES
from tests.unit.test_corpus import RULES as CORPUS_RULES
from tests.unit.test_corpus import corpus
from tests.unit.test_policy_properties import nows, own_messages, their_messages, threads

if TYPE_CHECKING:
    from collections.abc import Callable

    import pytest

#: What can happen to a thread between two passes of the daemon.
CHANGES = ("nothing", "loaded again", "new message", "muted", "other rules", "sent by followup")


def changed(thread: Thread, change: str, data: st.DataObject) -> tuple[Thread, Rules, Overrides]:
    """`thread`, the rules and the corrections after `change`."""
    if change == "loaded again":
        copies = tuple(replace(m) for m in thread.messages)
        return replace(thread, messages=copies), RULES, Overrides()
    if change == "new message":
        hours = int((thread.messages[-1].date - thread.messages[0].date).total_seconds() // 3600)
        kind = data.draw(st.sampled_from([own_messages, their_messages]))
        new = data.draw(kind(hours + data.draw(st.integers(1, 200)), "<new@example.test>"))
        return replace(thread, messages=(*thread.messages, new)), RULES, Overrides()
    if change == "muted":
        return thread, RULES, Overrides(muted=True)
    if change == "other rules":
        return thread, replace(RULES, silence_business_days=2, max_followups=1), Overrides()
    if change == "sent by followup":
        keys = frozenset(m.key for m in thread.messages if m.in_sent)
        return thread, replace(RULES, sent_followups=keys), Overrides()
    return thread, RULES, Overrides()


@settings(max_examples=300, deadline=None)
@given(threads(), st.lists(st.tuples(nows, st.sampled_from(CHANGES)), max_size=8), st.data())
def test_a_planner_decides_as_the_policy_does(
    thread: Thread, steps: list[tuple[datetime, str]], data: st.DataObject
) -> None:
    """Pass after pass, in any order of time, whatever changed in between."""
    planner = Planner()
    for now, change in steps:
        thread, rules, overrides = changed(thread, change, data)
        expected = decide(thread, rules, now, overrides)
        assert planner.decide(thread, rules, now, overrides) == expected
        planned = planner.plan([thread], rules, now, {thread.id: overrides})
        assert planned == ([expected] if expected.classification.tracked else [])


def test_the_corpus_over_three_months() -> None:
    """One planner over every corpus thread, twice a day, forward and then back in time.

    Each thread is read once here; the property above covers reading again.
    """
    threads = [thread for _, thread, _ in corpus()]
    selves = own_addresses(CORPUS_RULES)
    analyses = [analyse(t, selves, Overrides()) for t in threads]
    start = min(expected["now"] for _, _, expected in corpus()) - timedelta(days=30)
    moments = [start + timedelta(hours=12 * step) for step in range(180)]
    planner = Planner()
    for now in (*moments, *reversed(moments[::7])):
        fresh = [decide_analysed(a, CORPUS_RULES, now, Overrides()) for a in analyses]
        assert planner.plan(threads, CORPUS_RULES, now) == [
            d for d in fresh if d.classification.tracked
        ]


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> dict[str, int]:
    """Count the calls to `name` in the planner module."""
    calls = {"count": 0}
    original: Callable[..., object] = getattr(planner_module, name)

    def counted(*args: object) -> object:
        calls["count"] += 1
        return original(*args)

    monkeypatch.setattr(planner_module, name, counted)
    return calls


def test_a_thread_is_read_again_only_once_it_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unchanged threads, even loaded again as new objects, are not read a second time."""
    reads = counting(monkeypatch, "analyse_tracked")
    threads = [thread for _, thread, _ in corpus()]
    now = max(expected["now"] for _, _, expected in corpus())
    planner = Planner()
    planner.plan(threads, CORPUS_RULES, now)
    assert reads["count"] == len(threads)
    loaded_again = [replace(t, messages=tuple(replace(m) for m in t.messages)) for t in threads]
    planner.plan(loaded_again, CORPUS_RULES, now + timedelta(hours=1))
    assert reads["count"] == len(threads)
    grown = replace(threads[0], messages=(*threads[0].messages, threads[1].messages[0]))
    planner.plan([grown, *threads[1:]], CORPUS_RULES, now)
    assert reads["count"] == len(threads) + 1


def test_decisions_are_made_again_when_time_or_rules_change_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kept decision serves until its due date passes or the rules change."""
    decisions = counting(monkeypatch, "decide_analysed")
    (thread,) = [t for name, t, _ in corpus() if name.startswith("01-")]
    planner = Planner()
    (first,) = planner.plan([thread], CORPUS_RULES, thread.messages[-1].date)
    assert first.due_at is not None
    assert not first.due
    planner.plan([thread], CORPUS_RULES, first.due_at - timedelta(minutes=1))
    assert decisions["count"] == 1
    (later,) = planner.plan([thread], CORPUS_RULES, first.due_at)
    assert later.due
    assert decisions["count"] == 2
    planner.plan([thread], replace(CORPUS_RULES, max_followups=0), first.due_at)
    assert decisions["count"] == 3


def test_each_account_keeps_its_decisions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules that alternate between accounts don't make kept decisions go to waste."""
    decisions = counting(monkeypatch, "decide_analysed")
    (thread,) = [t for name, t, _ in corpus() if name.startswith("01-")]
    other = replace(thread, id="other")
    other_rules = replace(CORPUS_RULES, self_addresses=frozenset({"alice@work.example.test"}))
    planner = Planner()
    now = thread.messages[-1].date
    for _ in range(3):
        planner.decide(thread, replace(CORPUS_RULES), now)
        planner.decide(other, replace(other_rules), now)
    assert decisions["count"] == 2


def test_retain_forgets_the_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads merged away or no longer listed are read again if they come back."""
    reads = counting(monkeypatch, "analyse_tracked")
    threads = [t for _, t, expected in corpus() if expected["tracked"]][:3]
    now = max(expected["now"] for _, _, expected in corpus())
    planner = Planner()
    planner.plan(threads, CORPUS_RULES, now)
    planner.retain([threads[0].id])
    planner.plan(threads, CORPUS_RULES, now)
    assert reads["count"] == len(threads) + 2
