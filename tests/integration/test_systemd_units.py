"""The shipped systemd units are valid and the system unit is hardened."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "systemd"
ANALYZE = shutil.which("systemd-analyze")

pytestmark = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")


def _installed_copy(tmp_path: Path, name: str) -> Path:
    """The unit with ExecStart pointing at this checkout's real `followup`."""
    followup = Path(sys.executable).parent / "followup"
    text = (UNITS / name).read_text(encoding="utf-8")
    text = re.sub(r"(?m)^ExecStart=\S+", f"ExecStart={followup}", text)
    target = tmp_path / "followup.service"
    target.write_text(text, encoding="utf-8")
    return target


@pytest.mark.parametrize("name", ["followup.service", "followup-system.service"])
def test_unit_verifies(tmp_path: Path, name: str) -> None:
    """systemd-analyze verify accepts the unit."""
    assert ANALYZE is not None
    unit = _installed_copy(tmp_path, name)
    done = subprocess.run(
        [ANALYZE, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "followup.service" not in done.stderr, done.stderr


@pytest.mark.parametrize("name", ["followup.service", "followup-system.service"])
def test_unit_is_notify_with_watchdog_and_restart(name: str) -> None:
    """Both units use Type=notify, a watchdog and Restart=on-failure."""
    text = (UNITS / name).read_text(encoding="utf-8")
    for line in ("Type=notify", "Restart=on-failure"):
        assert re.search(rf"(?m)^{line}$", text), line
    assert re.search(r"(?m)^WatchdogSec=\d+", text)


def test_system_unit_exposure_is_low(tmp_path: Path) -> None:
    """systemd-analyze security rates the system unit 2.0 or lower."""
    assert ANALYZE is not None
    unit = _installed_copy(tmp_path, "followup-system.service")
    done = subprocess.run(
        [ANALYZE, "security", "--offline=true", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found.group(1)) <= 2.0
