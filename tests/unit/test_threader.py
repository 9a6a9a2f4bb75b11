"""Conversation threading: header links, Gmail thread ids, subject fallback, stable ids."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.domain import Address, Message
from daemon.threader import (
    ThreadingInfo,
    assign_thread_ids,
    group_messages,
    threading_info,
)

if TYPE_CHECKING:
    import random

ME = "me@example.test"
OWN = frozenset({ME})
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def info(
    key: str,
    *,
    day: float = 0,
    subject: str = "interview",
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    people: tuple[str, ...] = (ME, "hr@acme.example.test"),
    gm_thrid: str | None = None,
    is_reply: bool = False,
) -> ThreadingInfo:
    return ThreadingInfo(
        key=key,
        date=T0 + timedelta(days=day),
        subject_key=subject,
        in_reply_to=in_reply_to,
        references=references,
        participants=frozenset(people),
        gm_thrid=gm_thrid,
        is_reply=is_reply,
    )


def message(
    key: str,
    subject: str,
    *,
    day: float = 0,
    sender: str = "hr@acme.example.test",
    to: tuple[str, ...] = (ME,),
    cc: tuple[str, ...] = (),
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
) -> Message:
    return Message(
        key=key,
        account="personal",
        subject=subject,
        date=T0 + timedelta(days=day),
        from_=Address(sender),
        to=tuple(Address(a) for a in to),
        cc=tuple(Address(a) for a in cc),
        in_reply_to=in_reply_to,
        references=references,
    )


def group_of(groups: list[list[str]], key: str) -> list[str]:
    return next(group for group in groups if key in group)


def test_threading_info_takes_what_threading_needs() -> None:
    """threading_info keys the subject, flags the marker and collects From/To/Cc."""
    msg = message(
        "<b@example.test>",
        "AW: Interview  Tuesday",
        sender="mgr@acme.example.test",
        cc=("hr@acme.example.test",),
        in_reply_to="<a@example.test>",
        references=("<a@example.test>",),
    )
    got = threading_info(msg)
    assert got.subject_key == "interview tuesday"
    assert got.is_reply
    assert got.participants == {"mgr@acme.example.test", ME, "hr@acme.example.test"}
    assert got.in_reply_to == "<a@example.test>"
    assert got.references == ("<a@example.test>",)


def test_references_chain_with_missing_middle_message_stays_one_thread() -> None:
    """Messages that only share an unseen parent are still one conversation."""
    groups = group_messages(
        [
            info("<a@example.test>"),
            info("<c@example.test>", day=2, references=("<a@example.test>", "<b@example.test>")),
            info("<d@example.test>", day=3, in_reply_to="<b@example.test>"),
            info("<e@example.test>", day=4, references=("<b@example.test>",)),
        ]
    )
    assert groups == [
        ["<a@example.test>", "<c@example.test>", "<d@example.test>", "<e@example.test>"]
    ]


def test_in_reply_to_alone_links_a_reply() -> None:
    """A client that sends only In-Reply-To still threads its reply."""
    groups = group_messages(
        [
            info("<a@example.test>"),
            info("<b@example.test>", day=1, in_reply_to="<a@example.test>"),
            info("<z@example.test>", day=1, subject="other"),
        ]
    )
    assert groups == [["<a@example.test>", "<b@example.test>"], ["<z@example.test>"]]


@pytest.mark.parametrize("marker", ["RE:", "AW:", "TR:", "SV:", "[EXTERNAL] RE:"])
def test_outlook_reply_without_headers_joins_by_subject_and_correspondent(marker: str) -> None:
    """A marked reply with no In-Reply-To/References joins the earlier same-topic thread."""
    original = message("<a@example.test>", "Interview", sender=ME, to=("hr@acme.example.test",))
    reply = message(
        "<b@example.test>",
        f"{marker} Interview",
        day=2,
        sender="mgr@acme.example.test",
        cc=("hr@acme.example.test",),
    )
    groups = group_messages(map(threading_info, [reply, original]), own_addresses=OWN)
    assert groups == [["<a@example.test>", "<b@example.test>"]]


def test_orphan_reply_picks_the_thread_it_shares_a_correspondent_with() -> None:
    """Same topic with two companies: the orphan reply goes to its own company's thread."""
    acme = ("hr@acme.example.test", ME)
    globex = ("hr@globex.example.test", ME)
    groups = group_messages(
        [
            info("<acme1@example.test>", people=acme),
            info("<globex1@example.test>", day=1, people=globex),
            info("<acme2@example.test>", day=2, people=acme, is_reply=True),
        ],
        own_addresses=OWN,
    )
    assert groups == [["<acme1@example.test>", "<acme2@example.test>"], ["<globex1@example.test>"]]


def test_the_users_own_address_is_not_a_shared_correspondent() -> None:
    """Sharing only the user's address (in any case) does not tie two companies together."""
    groups = group_messages(
        [
            info("<acme@example.test>", people=("hr@acme.example.test", ME)),
            info(
                "<globex@example.test>", day=1, people=("hr@globex.example.test", ME), is_reply=True
            ),
        ],
        own_addresses=frozenset({ME.upper()}),
    )
    assert len(groups) == 2


def test_a_colleague_seen_anywhere_in_the_thread_counts_as_shared() -> None:
    """The orphan may share a correspondent with any message of the linked thread."""
    groups = group_messages(
        [
            info("<a@example.test>", people=(ME, "hr@acme.example.test")),
            info(
                "<b@example.test>",
                day=1,
                subject="scheduling",
                in_reply_to="<a@example.test>",
                people=(ME, "mgr@acme.example.test"),
            ),
            info("<c@example.test>", day=2, people=(ME, "mgr@acme.example.test"), is_reply=True),
        ],
        own_addresses=OWN,
    )
    assert len(groups) == 1


def test_same_subject_without_reply_marker_stays_apart() -> None:
    """Two 'Application received' mails, even from one company, are separate threads."""
    groups = group_messages(
        [
            info("<a@example.test>", subject="application received"),
            info("<b@example.test>", day=1, subject="application received"),
            info(
                "<c@example.test>",
                day=2,
                subject="application received",
                people=(ME, "jobs@globex.example.test"),
            ),
        ],
        own_addresses=OWN,
    )
    assert len(groups) == 3


def test_same_subject_reply_with_different_correspondents_stays_apart() -> None:
    """A marked reply from a stranger on a common topic does not join."""
    groups = group_messages(
        [
            info("<a@example.test>"),
            info("<b@example.test>", day=1, people=(ME, "friend@mail.example.test"), is_reply=True),
        ],
        own_addresses=OWN,
    )
    assert len(groups) == 2


@pytest.mark.parametrize(("days", "joined"), [(59.9, True), (60, True), (60.1, False)])
def test_subject_fallback_respects_the_window(days: float, joined: bool) -> None:
    """An orphan reply joins only threads active within the subject window."""
    groups = group_messages(
        [info("<a@example.test>"), info("<b@example.test>", day=days, is_reply=True)],
        own_addresses=OWN,
        subject_window=timedelta(days=60),
    )
    assert (len(groups) == 1) is joined


def test_window_counts_from_the_threads_latest_message_on_that_topic() -> None:
    """A long thread keeps catching orphan replies as long as it stays active."""
    groups = group_messages(
        [
            info("<a@example.test>"),
            info("<b@example.test>", day=50, in_reply_to="<a@example.test>"),
            info("<c@example.test>", day=100, is_reply=True),
        ],
        own_addresses=OWN,
    )
    assert len(groups) == 1


def test_orphan_reply_never_joins_a_later_thread() -> None:
    """Subject matching only looks backwards in time."""
    groups = group_messages(
        [info("<a@example.test>", is_reply=True), info("<b@example.test>", day=1)],
        own_addresses=OWN,
    )
    assert len(groups) == 2


def test_empty_subject_never_merges_by_subject() -> None:
    """Replies to subject-less mail are not tied together by their empty topic."""
    groups = group_messages(
        [info("<a@example.test>", subject=""), info("<b@example.test>", subject="", is_reply=True)],
        own_addresses=OWN,
    )
    assert len(groups) == 2


def test_orphan_prefers_the_most_recent_matching_thread() -> None:
    """Of two earlier threads sharing topic and correspondent, the newer one wins."""
    groups = group_messages(
        [
            info("<old@example.test>"),
            info("<new@example.test>", day=3),
            info("<reply@example.test>", day=4, is_reply=True),
        ],
        own_addresses=OWN,
    )
    assert group_of(groups, "<reply@example.test>") == [
        "<new@example.test>",
        "<reply@example.test>",
    ]


def test_gmail_thread_id_groups_messages_that_carry_it() -> None:
    """Equal X-GM-THRID joins messages without links; different ids and none stay apart."""
    groups = group_messages(
        [
            info("<a@example.test>", subject="x", gm_thrid="17"),
            info("<b@example.test>", day=1, subject="y", gm_thrid="17"),
            info("<c@example.test>", day=2, subject="x", gm_thrid="18"),
            info("<d@example.test>", day=3, subject="x"),
        ]
    )
    assert groups == [
        ["<a@example.test>", "<b@example.test>"],
        ["<c@example.test>"],
        ["<d@example.test>"],
    ]


def test_groups_are_sorted_by_date_then_key() -> None:
    """Messages within a group and groups themselves come oldest first, keys breaking ties."""
    groups = group_messages(
        [
            info("<z@example.test>", day=1, subject="b"),
            info("<b@example.test>", day=0, subject="a"),
            info("<a@example.test>", day=0, subject="a", references=("<b@example.test>",)),
        ]
    )
    assert groups == [["<a@example.test>", "<b@example.test>"], ["<z@example.test>"]]


def test_duplicate_keys_are_refused() -> None:
    """Two records for one message key are a caller bug, not something to guess about."""
    with pytest.raises(ValueError, match="unique"):
        group_messages([info("<a@example.test>"), info("<a@example.test>", day=1)])


def fresh(key: str) -> str:
    return "t" + hashlib.sha256(key.encode()).hexdigest()[:12]


def test_new_groups_get_ids_derived_from_their_first_key() -> None:
    """Without history, a thread id is 't' plus 12 hex digits of sha256(first key)."""
    ids = assign_thread_ids([["<a@example.test>", "<b@example.test>"]], {})
    assert ids.by_key == {"<a@example.test>": fresh("<a@example.test>")} | {
        "<b@example.test>": fresh("<a@example.test>")
    }
    assert ids.merged == {}


def test_growing_thread_keeps_its_id() -> None:
    """New messages, even older ones, join the thread under its previous id."""
    ids = assign_thread_ids(
        [["<0@example.test>", "<a@example.test>", "<b@example.test>"]], {"<a@example.test>": "t1"}
    )
    assert set(ids.by_key.values()) == {"t1"}


def test_merge_keeps_the_majority_id_and_reports_the_retired_one() -> None:
    """When two threads merge, the one holding more messages survives; the other is retired."""
    previous = {"<a@example.test>": "t1", "<b@example.test>": "t2", "<c@example.test>": "t2"}
    ids = assign_thread_ids(
        [["<a@example.test>", "<b@example.test>", "<c@example.test>"]], previous
    )
    assert set(ids.by_key.values()) == {"t2"}
    assert ids.merged == {"t1": "t2"}


def test_merge_tie_goes_to_the_oldest_messages_id() -> None:
    """Between equally large previous threads, the one that started first survives."""
    previous = {"<a@example.test>": "tz", "<b@example.test>": "ta"}
    ids = assign_thread_ids([["<a@example.test>", "<b@example.test>"]], previous)
    assert set(ids.by_key.values()) == {"tz"}
    assert ids.merged == {"ta": "tz"}


def test_split_leaves_the_id_with_the_larger_part() -> None:
    """When a thread splits, the bigger part keeps the id and the smaller gets a new one."""
    first = "<a@example.test>"
    old = fresh(first)
    previous = {first: old, "<b@example.test>": old, "<c@example.test>": old}
    ids = assign_thread_ids([[first], ["<b@example.test>", "<c@example.test>"]], previous)
    assert ids.by_key["<b@example.test>"] == ids.by_key["<c@example.test>"] == old
    assert ids.by_key[first] != old
    assert ids.by_key[first].startswith("t")
    assert len(ids.by_key[first]) == 13
    assert ids.merged == {}


def test_a_key_in_two_groups_is_refused() -> None:
    """Groups must partition the keys."""
    with pytest.raises(ValueError, match="two groups"):
        assign_thread_ids([["<a@example.test>"], ["<a@example.test>"]], {})


KEYS = [f"<m{i}@example.test>" for i in range(10)]
UNSEEN = ["<gone1@example.test>", "<gone2@example.test>"]
PEOPLE = [ME, "hr@acme.example.test", "mgr@acme.example.test", "hr@globex.example.test"]

infos_strategy = st.lists(
    st.builds(
        ThreadingInfo,
        key=st.sampled_from(KEYS),
        date=st.integers(0, 90).map(lambda d: T0 + timedelta(days=d)),
        subject_key=st.sampled_from(["", "interview", "offer"]),
        in_reply_to=st.none() | st.sampled_from(KEYS + UNSEEN),
        references=st.lists(st.sampled_from(KEYS + UNSEEN), max_size=3).map(tuple),
        participants=st.frozensets(st.sampled_from(PEOPLE), max_size=3),
        gm_thrid=st.none() | st.sampled_from(["1", "2"]),
        is_reply=st.booleans(),
    ),
    unique_by=lambda i: i.key,
    max_size=len(KEYS),
)


@given(infos_strategy, st.randoms(use_true_random=False))
def test_grouping_ignores_input_order(infos: list[ThreadingInfo], rnd: random.Random) -> None:
    """Any permutation of the input yields exactly the same groups."""
    shuffled = list(infos)
    rnd.shuffle(shuffled)
    assert group_messages(shuffled, own_addresses=OWN) == group_messages(infos, own_addresses=OWN)


@given(infos_strategy)
def test_every_key_lands_in_exactly_one_group(infos: list[ThreadingInfo]) -> None:
    """The groups partition the input keys; no phantom parents appear."""
    groups = group_messages(infos, own_addresses=OWN)
    flat = [key for group in groups for key in group]
    assert sorted(flat) == sorted(i.key for i in infos)
    assert all(groups)


@given(infos_strategy)
def test_a_message_and_its_direct_reply_share_a_group(infos: list[ThreadingInfo]) -> None:
    """In-Reply-To always links reply and parent when both are present."""
    groups = group_messages(infos, own_addresses=OWN)
    where = {key: n for n, group in enumerate(groups) for key in group}
    for i in infos:
        if i.in_reply_to in where:
            assert where[i.key] == where[i.in_reply_to]


@given(infos_strategy, st.dictionaries(st.sampled_from(KEYS), st.sampled_from(["t1", "t2", "t3"])))
def test_thread_ids_are_stable_when_fed_back(
    infos: list[ThreadingInfo], previous: dict[str, str]
) -> None:
    """assign_thread_ids(groups, own output) changes nothing and retires nothing."""
    groups = group_messages(infos, own_addresses=OWN)
    ids = assign_thread_ids(groups, previous)
    again = assign_thread_ids(groups, ids.by_key)
    assert again.by_key == ids.by_key
    assert again.merged == {}
    assert len({ids.by_key[group[0]] for group in groups}) == len(groups)
