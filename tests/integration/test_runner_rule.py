"""Mailman's runner rule: one thread that breaks the classifier never stops the others."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from daemon import service
from daemon.app import App
from daemon.clock import clock_from
from daemon.config import load_settings
from daemon.demo import write_demo_config, write_demo_maildir
from daemon.sync import sync_all

if TYPE_CHECKING:
    from pathlib import Path

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path) -> App:
    write_demo_maildir(tmp_path / "Mail", NOW)
    write_demo_config(tmp_path / "config.toml", tmp_path / "Mail", tmp_path / "state.db")
    built = App.build(load_settings(tmp_path / "config.toml", environ={}), clock_from(NOW))
    sync_all(built)
    return built


def test_a_failing_thread_is_set_aside_and_the_rest_goes_on(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread whose decision raises is skipped, counted, and set aside after three tries."""
    healthy = {v.thread.id for v in service.thread_views(app, include_all=False)}
    broken = min(healthy)
    decide = app.planner.decide

    def flaky(thread, rules, now, overrides):  # type: ignore[no-untyped-def]
        if thread.id == broken:
            raise RuntimeError("classifier bug")
        return decide(thread, rules, now, overrides)

    monkeypatch.setattr(app.planner, "decide", flaky)
    for attempt in range(3):
        listed = {v.thread.id for v in service.thread_views(app, include_all=False)}
        assert listed == healthy - {broken}
        aside = app.store.set_aside()
        assert (f"thread:{broken}" in aside) is (attempt == 2)
    assert "classifier bug" in app.store.set_aside()[f"thread:{broken}"]
