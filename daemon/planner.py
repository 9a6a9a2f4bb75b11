"""Planning pass after pass, reading each thread again only once it changed.

How a thread reads (tracked or not, stage, people, asks, promises) depends
on its messages, the user's addresses and her corrections, never on `now`:
only the policy's last steps do (the clock, an interview that has ended).
The daemon plans every cycle over threads that mostly did not change, so a
`Planner` keeps each tracked thread's reading, and the fact that a thread is
not tracked, and reuses them while those three inputs are equal. It keeps
each decision too, while the rules stay equal and `policy.still_holds` says
time has not changed it. Reuse is exact: every decision is the one
`policy.decide` would give. (Messages compare as values, so a copy dated
the same instant in another UTC offset counts as unchanged; the store keeps
every date in UTC.)

What is kept: for a tracked thread its `Analysis` and the messages it was
read from; for an untracked one, only the messages. The daemon decides its
untracked threads only when a sync changed them (the store remembers the
verdict), so `decide` keeps no untracked thread, while `plan` keeps every
thread it is given: it holds the caller's messages, not copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from daemon.classify.analysis import Analysis, analyse, analyse_tracked
from daemon.domain import Overrides
from daemon.policy import decide_analysed, own_addresses, still_holds

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from daemon.domain import Decision, Message, Rules, Thread

_NO_OVERRIDES = Overrides()
_NO_OVERRIDES_BY_THREAD: Mapping[str, Overrides] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class _Read:
    """One thread as last read; `analysis` is None when it is not tracked."""

    messages: tuple[Message, ...]
    selves: frozenset[str]
    overrides: Overrides
    analysis: Analysis | None

    def still_holds(self, thread: Thread, selves: frozenset[str], overrides: Overrides) -> bool:
        # Tuples compare their items by identity first: threads the caller
        # keeps cost a pointer check, threads loaded again a field compare.
        return (
            self.messages == thread.messages
            and self.selves == selves
            and self.overrides == overrides
        )


@dataclass(frozen=True, slots=True)
class _Decided:
    """A decision, with the rules and the moment it was made under.

    It is dropped with the reading it came from (see `Planner._keep`).
    """

    rules: Rules
    at: datetime
    decision: Decision

    def holds(self, analysis: Analysis, rules: Rules, now: datetime) -> bool:
        # Each account has its rules: equal rules, not the latest, decide.
        same_rules = rules is self.rules or rules == self.rules
        return same_rules and still_holds(self.decision, analysis, self.at, now)


class Planner:
    """`policy.decide` and `plan` with each thread's reading kept between calls."""

    def __init__(self) -> None:
        self._read: dict[str, _Read] = {}
        self._decided: dict[str, _Decided] = {}

    def plan(
        self,
        threads: Iterable[Thread],
        rules: Rules,
        now: datetime,
        overrides: Mapping[str, Overrides] = _NO_OVERRIDES_BY_THREAD,
    ) -> list[Decision]:
        """Decisions for every tracked thread; the caller turns due ones into drafts."""
        selves = own_addresses(rules)
        decisions = []
        for thread in threads:
            corrected = overrides.get(thread.id, _NO_OVERRIDES)
            read = self._read.get(thread.id)
            if read is None or not read.still_holds(thread, selves, corrected):
                analysis = analyse_tracked(thread, selves, corrected)
                read = self._keep(thread, _Read(thread.messages, selves, corrected, analysis))
            if read.analysis is not None:
                decisions.append(self._decision(thread.id, read.analysis, rules, now, corrected))
        return decisions

    def decide(
        self, thread: Thread, rules: Rules, now: datetime, overrides: Overrides = _NO_OVERRIDES
    ) -> Decision:
        """The verdict on one thread at `now`, its classification included."""
        selves = own_addresses(rules)
        read = self._read.get(thread.id)
        if read is None or read.analysis is None or not read.still_holds(thread, selves, overrides):
            analysis = analyse(thread, selves, overrides)
            if not analysis.classification.tracked:
                self._forget(thread.id)
                return decide_analysed(analysis, rules, now, overrides)
            read = self._keep(thread, _Read(thread.messages, selves, overrides, analysis))
        assert read.analysis is not None
        return self._decision(thread.id, read.analysis, rules, now, overrides)

    def retain(self, thread_ids: Iterable[str]) -> None:
        """Forget every thread but these: merged, removed or no longer tracked ones."""
        keep = set(thread_ids)
        for thread_id in self._read.keys() - keep:
            self._forget(thread_id)

    def _keep(self, thread: Thread, read: _Read) -> _Read:
        self._forget(thread.id)
        self._read[thread.id] = read
        return read

    def _forget(self, thread_id: str) -> None:
        self._read.pop(thread_id, None)
        self._decided.pop(thread_id, None)

    def _decision(
        self,
        thread_id: str,
        analysis: Analysis,
        rules: Rules,
        now: datetime,
        overrides: Overrides,
    ) -> Decision:
        kept = self._decided.get(thread_id)
        if kept is not None and kept.holds(analysis, rules, now):
            return kept.decision
        decision = decide_analysed(analysis, rules, now, overrides)
        self._decided[thread_id] = _Decided(rules, now, decision)
        return decision


def plan(
    threads: Iterable[Thread],
    rules: Rules,
    now: datetime,
    overrides: Mapping[str, Overrides] = _NO_OVERRIDES_BY_THREAD,
) -> list[Decision]:
    """One planning pass with nothing kept from before."""
    return Planner().plan(threads, rules, now, overrides)
