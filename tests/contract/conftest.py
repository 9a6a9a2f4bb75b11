from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.contract.harness import SYNC_MODES, SYNC_SENSITIVE, MaildirHarness, dovecot_harness

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.contract.harness import Harness
    from tests.rig.mailrig import MailRig


@pytest.fixture
def maildir_harness(tmp_path: Path) -> MaildirHarness:
    """An empty Maildir++ tree with the usual folders."""
    return MaildirHarness(tmp_path / "Maildir")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Each mode costs a fresh Dovecot user (about a second), so only the tests
    # about detecting changes run without the sync extensions as well.
    if "dovecot" in metafunc.fixturenames:
        every_mode = getattr(metafunc.function, SYNC_SENSITIVE, False)
        metafunc.parametrize(
            "dovecot", list(SYNC_MODES) if every_mode else ["qresync"], indirect=True
        )


@pytest.fixture
def dovecot(request: pytest.FixtureRequest, mailrig: MailRig) -> Iterator[Harness]:
    """A fresh Dovecot account, the adapter using all, some or none of the sync extensions.

    Small batches make every sync stream in several rounds.
    """
    ignore = SYNC_MODES[request.param]
    with dovecot_harness(mailrig, batch_size=2, ignore=ignore) as harness:
        yield harness
