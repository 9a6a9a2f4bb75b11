from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.rig.mailrig import MailRig, missing_binaries, scratch_parent

if TYPE_CHECKING:
    from collections.abc import Iterator

_RIG_FIXTURES = frozenset({"mailrig", "fresh_rig"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `-m "not rig"` must leave out every test that starts servers, even one not marked by hand.
    for item in items:
        if _RIG_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.rig)


def _require_rig() -> None:
    if missing := missing_binaries():
        reason = (
            "Dovecot/Postfix not installed: run `bash .ci/install-mail-servers` (needs root); "
            f"missing: {', '.join(missing)}"
        )
    elif os.geteuid() != 0:
        reason = "the mail rig needs root: Dovecot and Postfix switch to their own users"
    else:
        return
    # In CI a missing rig is a broken pipeline, not a reason to pass with tests skipped.
    if os.environ.get("REQUIRE_MAIL_RIG") == "1" or os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@contextmanager
def _running_rig() -> Iterator[MailRig]:
    _require_rig()
    # Not tmp_path: pytest's temporary root is private to root, and the mail system user and
    # Postfix's daemons must reach the rig's files.
    with (
        tempfile.TemporaryDirectory(prefix="followup-rig-", dir=scratch_parent()) as root,
        MailRig(Path(root)) as rig,
    ):
        yield rig


@pytest.fixture(scope="session")
def mailrig() -> Iterator[MailRig]:
    """Dovecot and Postfix shared by the whole session; tests must not stop them."""
    with _running_rig() as rig:
        yield rig


@pytest.fixture
def fresh_rig() -> Iterator[MailRig]:
    """A private rig for tests that stop, restart or reconfigure servers; about 0.5 s more."""
    with _running_rig() as rig:
        yield rig
