"""Conversations rebuilt from message headers, with thread ids that survive re-threading.

Grouping follows JWZ's idea without his tree: every In-Reply-To and
References link joins two messages, even through a message we never saw, so
the union of linked messages is a conversation. Gmail's X-GM-THRID joins the
messages that carry the same value. Only when a message has lost its links
(some Outlook and mobile clients drop them) does the subject help, and then
only for a marked reply that shares a correspondent with an earlier message
about the same topic: two companies' identical "Application received" mails
must stay apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING

from daemon.subjects import has_reply_prefix, subject_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from daemon.domain import Message

DEFAULT_SUBJECT_WINDOW = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class ThreadingInfo:
    """What threading needs from one message.

    `participants` are the bare lower-cased addresses of From, To and Cc.
    `is_reply` says the raw subject carried a reply or forward marker.
    `date` must be timezone-aware.
    """

    key: str
    date: datetime
    subject_key: str
    in_reply_to: str | None
    references: tuple[str, ...]
    participants: frozenset[str]
    gm_thrid: str | None = None
    is_reply: bool = False


@dataclass(frozen=True, slots=True)
class ThreadIds:
    """Thread id per message key, and which previous ids were folded into which."""

    by_key: dict[str, str]
    merged: dict[str, str]


def threading_info(message: Message) -> ThreadingInfo:
    """The threading-relevant view of a synced message."""
    return ThreadingInfo(
        key=message.key,
        date=message.date,
        subject_key=subject_key(message.subject),
        in_reply_to=message.in_reply_to or None,
        references=tuple(ref for ref in message.references if ref),
        participants=frozenset(a.addr.lower() for a in message.participants if a.addr),
        gm_thrid=message.gm_thrid or None,
        is_reply=has_reply_prefix(message.subject),
    )


class _Links:
    """Union-find over message ids, including ids of messages never seen."""

    __slots__ = ("_parent",)

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        parent = self._parent
        while True:
            up = parent.get(node, node)
            if up == node:
                return node
            grand = parent.get(up, up)
            if grand == up:
                return up
            parent[node] = grand
            node = grand

    def join(self, node: str, others: Iterable[str]) -> None:
        # The existing conversation's root stays root and the newcomer hangs
        # below it, which keeps paths short when messages arrive oldest first.
        parent = self._parent
        find = self.find
        root = find(node)
        for other in others:
            other_root = find(other)
            if other_root != root:
                parent[root] = other_root
                root = other_root


def group_messages(
    infos: Iterable[ThreadingInfo],
    *,
    subject_window: timedelta = DEFAULT_SUBJECT_WINDOW,
    own_addresses: frozenset[str] = frozenset(),
) -> list[list[str]]:
    """Partition message keys into conversations.

    Each group is sorted by date then key; groups are sorted by their first
    message. `own_addresses` (the account's addresses) never count as a
    shared correspondent for subject matching: the user is on every message,
    so without them any two same-subject replies would look related.
    Keys must be unique.
    """
    # Two stable sorts beat one sort on (date, key) tuples.
    ordered = sorted(infos, key=attrgetter("key"))
    ordered.sort(key=attrgetter("date"))
    keys = [info.key for info in ordered]
    if len(set(keys)) != len(keys):
        raise ValueError("message keys must be unique")
    links = _Links()
    thrid_first: dict[str, str] = {}
    for info in ordered:
        linked = info.references
        if info.in_reply_to:
            linked = (*linked, info.in_reply_to)
        if info.gm_thrid:
            linked = (*linked, thrid_first.setdefault(info.gm_thrid, info.key))
        links.join(info.key, linked)
    # Subject matches are all decided against the header-linked groups, so
    # the outcome does not depend on the order the fallback unions happen in.
    roots = list(map(links.find, keys))
    own = frozenset(address.lower() for address in own_addresses)
    matches = _subject_matches(ordered, roots, subject_window, own)
    for key, match in matches:
        links.join(key, (match,))
    final_roots = map(links.find, roots) if matches else roots
    groups: dict[str, list[str]] = {}
    for key, root in zip(keys, final_roots, strict=True):
        groups.setdefault(root, []).append(key)
    return list(groups.values())


def _is_orphan_reply(info: ThreadingInfo) -> bool:
    return bool(info.is_reply and info.subject_key and not info.in_reply_to and not info.references)


def _subject_matches(
    ordered: Sequence[ThreadingInfo],
    roots: Sequence[str],
    window: timedelta,
    own: frozenset[str],
) -> list[tuple[str, str]]:
    """Pairs (orphan reply, most recent earlier message it answers by subject).

    A message counts as shared with every correspondent of its linked
    conversation, so an orphan reply matches when it shares anyone from the
    whole exchange, not only from the message it answers.
    """
    orphans = [_is_orphan_reply(info) for info in ordered]
    topics = {info.subject_key for info, orphan in zip(ordered, orphans, strict=True) if orphan}
    if not topics:
        return []
    people = _correspondents(ordered, roots, topics, own)
    # One chronological sweep: `latest[topic][person]` is the position of the
    # newest message so far on that topic whose conversation includes person.
    latest: dict[str, dict[str, int]] = {topic: {} for topic in topics}
    matches: list[tuple[str, str]] = []
    for position, info in enumerate(ordered):
        seen = latest.get(info.subject_key)
        if seen is None:
            continue
        if orphans[position]:
            mine = _identities(info.participants - own, own)
            earlier = [seen[person] for person in mine if person in seen]
            if earlier:
                best = ordered[max(earlier)]
                if info.date - best.date <= window:
                    matches.append((info.key, best.key))
        for person in people[roots[position]]:
            seen[person] = position
    return matches


def _correspondents(
    ordered: Sequence[ThreadingInfo],
    roots: Sequence[str],
    topics: set[str],
    own: frozenset[str],
) -> dict[str, set[str]]:
    """Everyone but the user on each linked conversation touching one of `topics`."""
    people: dict[str, set[str]] = {
        root: set() for info, root in zip(ordered, roots, strict=True) if info.subject_key in topics
    }
    for info, root in zip(ordered, roots, strict=True):
        group_people = people.get(root)
        if group_people is not None:
            group_people |= info.participants
    for root, group_people in people.items():
        people[root] = _identities(group_people - own, own)
    return people


#: Mail providers whose domain says nothing about who someone works for.
_PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "yandex.ru",
        "mail.ru",
    }
)


def _identities(addresses: frozenset[str] | set[str], own: frozenset[str]) -> set[str]:
    """Addresses, plus "@domain" for company domains other than the user's.

    A reply often comes from someone other than the address written to
    (recruiting@ answered by a recruiter, a colleague taking over); sharing
    the employer's domain is then the only common correspondent.
    """
    own_domains = {a.rpartition("@")[2] for a in own}
    out = set(addresses)
    for address in addresses:
        domain = address.rpartition("@")[2]
        if domain and domain not in own_domains and domain not in _PUBLIC_DOMAINS:
            out.add("@" + domain)
    return out


def assign_thread_ids(groups: Sequence[Sequence[str]], previous: Mapping[str, str]) -> ThreadIds:
    """Give each group a thread id, reusing previous ids wherever possible.

    A group keeps the previous id carried by most of its messages; between
    equally common ids, the one of its oldest message wins, so a thread
    keeps the identity it started with. When a previous thread split, the
    part holding more of its messages keeps the id (on a tie, the part listed
    first, i.e. the one that started earlier); the other part falls back to
    its next most common previous id, or to a new id derived from its first
    key. Previous ids that no group keeps are reported in `merged` with the
    id that now holds most of their messages, so user overrides can follow.
    Messages absent from `groups` are ignored.
    """
    claims: list[tuple[int, int, int, str]] = []
    seen: set[str] = set()
    for index, group in enumerate(groups):
        counts: dict[str, int] = {}
        first_at: dict[str, int] = {}
        for position, key in enumerate(group):
            if key in seen:
                raise ValueError(f"message key {key!r} appears in two groups")
            seen.add(key)
            old = previous.get(key)
            if old is not None:
                counts[old] = counts.get(old, 0) + 1
                first_at.setdefault(old, position)
        claims.extend((-count, index, first_at[old], old) for old, count in counts.items())
    claims.sort()
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for _, index, _, old in claims:
        if index not in chosen and old not in taken:
            chosen[index] = old
            taken.add(old)
    unavailable = taken | set(previous.values())
    by_key: dict[str, str] = {}
    for index, group in enumerate(groups):
        if not group:
            continue
        if index not in chosen:
            chosen[index] = _fresh_id(group[0], unavailable)
            unavailable.add(chosen[index])
        by_key.update(dict.fromkeys(group, chosen[index]))
    return ThreadIds(by_key=by_key, merged=_retired(groups, previous, chosen, taken))


def _fresh_id(first_key: str, unavailable: set[str]) -> str:
    # An id still known from before must not be reused for another
    # conversation, or that conversation would inherit the old overrides.
    seed = first_key
    attempt = 0
    while True:
        digest = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()
        candidate = f"t{digest[:12]}"
        if candidate not in unavailable:
            return candidate
        attempt += 1
        seed = f"{first_key}\n{attempt}"


def _retired(
    groups: Sequence[Sequence[str]],
    previous: Mapping[str, str],
    chosen: Mapping[int, str],
    kept: set[str],
) -> dict[str, str]:
    """Map each previous id no group kept to the id now holding most of its messages."""
    tally: dict[str, dict[str, tuple[int, int]]] = {}
    for index, group in enumerate(groups):
        for key in group:
            old = previous.get(key)
            if old is None or old in kept:
                continue
            heirs = tally.setdefault(old, {})
            count, first_index = heirs.get(chosen[index], (0, index))
            heirs[chosen[index]] = (count + 1, first_index)
    return {
        old: max(heirs, key=lambda heir: (heirs[heir][0], -heirs[heir][1]))
        for old, heirs in tally.items()
    }
