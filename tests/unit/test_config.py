"""Configuration loading: TOML, FOLLOWUP_* overrides and error reporting."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.config import ConfigError, load_settings
from daemon.secrets import SecretError, read_secret

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """
timezone = "Europe/Paris"
[[accounts]]
name = "personal"
address = "alice@example.test"
[accounts.imap]
host = "imap.example.test"
username = "alice@example.test"
password = "hunter2"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_and_documents_every_key() -> None:
    """config.example.toml is valid and uses the keys other tools rely on."""
    settings = load_settings(ROOT / "config.example.toml", environ={})
    account = settings.accounts[0]
    assert settings.timezone == "Europe/Paris"
    assert account.imap is not None
    assert account.imap.security == "tls"
    assert account.imap.password_command == ["pass", "show", "mail/personal"]
    assert account.smtp is not None
    assert account.smtp.port == 587
    assert settings.followup.silence_business_days == 5
    assert settings.followup.max_followups == 2
    assert "alice.moreau@example.test" in account.self_addresses


def test_every_setting_has_a_comment_in_the_example() -> None:
    """Each key in the example file sits under a comment explaining it."""
    lines = (ROOT / "config.example.toml").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith(("#", "[", " ")):
            above = lines[i - 1].strip()
            assert above.startswith(("#", "[")) or "=" in above, line


def test_environment_overrides_nested_keys_and_accounts_by_name(tmp_path: Path) -> None:
    """FOLLOWUP_A__B variables override TOML, including inside the accounts list."""
    env = {
        "FOLLOWUP_TIMEZONE": "Europe/Berlin",
        "FOLLOWUP_FOLLOWUP__SILENCE_BUSINESS_DAYS": "8",
        "FOLLOWUP_ACCOUNTS__PERSONAL__IMAP__PORT": "1993",
        "FOLLOWUP_ACCOUNTS__0__FOLDERS": '["INBOX", "Jobs"]',
    }
    settings = load_settings(write(tmp_path, MINIMAL), environ=env)
    assert settings.timezone == "Europe/Berlin"
    assert settings.followup.silence_business_days == 8
    imap = settings.accounts[0].imap
    assert imap is not None
    assert imap.port == 1993
    assert settings.accounts[0].folders == ["INBOX", "Jobs"]


def test_all_problems_are_reported_with_their_key_paths(tmp_path: Path) -> None:
    """A bad config lists every problem, not only the first."""
    text = MINIMAL.replace('timezone = "Europe/Paris"', 'timezone = "Mars/Olympus"\ncolour = 1')
    text = text.replace('host = "imap.example.test"', 'host = "imap.example.test"\nport = "x"')
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), environ={})
    problems = "\n".join(err.value.problems)
    assert "timezone: unknown timezone 'Mars/Olympus'" in problems
    assert "colour: unknown key" in problems
    assert "accounts.0.imap.port" in problems
    assert len(err.value.problems) == 3


def test_plaintext_is_refused_except_to_loopback(tmp_path: Path) -> None:
    """security = "none" works for 127.0.0.1 and is an error for a remote host."""
    remote = MINIMAL.replace('username = "alice', 'security = "none"\nusername = "alice')
    with pytest.raises(ConfigError, match="clear text"):
        load_settings(write(tmp_path, remote), environ={})
    local = remote.replace("imap.example.test", "127.0.0.1")
    assert load_settings(write(tmp_path, local), environ={}).accounts[0].imap is not None


def test_one_password_source_only(tmp_path: Path) -> None:
    """Two password sources for one server is a mistake worth reporting."""
    text = MINIMAL.replace('password = "hunter2"', 'password = "a"\npassword_file = "/x"')
    with pytest.raises(ConfigError, match=r"set only one of password, password_file"):
        load_settings(write(tmp_path, text), environ={})


def test_secrets_never_show_in_repr(tmp_path: Path) -> None:
    """Passwords are SecretStr: printing the settings does not reveal them."""
    settings = load_settings(write(tmp_path, MINIMAL), environ={})
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())


def test_secret_sources_file_command_and_credential(tmp_path: Path) -> None:
    """Each secret source yields the first line, read at the moment of use."""
    (tmp_path / "pw").write_text("from-file\nignored\n", encoding="utf-8")
    (tmp_path / "cred").write_text("from-credential", encoding="utf-8")
    base = MINIMAL.replace('password = "hunter2"', "{}")
    for line, expected in (
        (f'password_file = "{tmp_path / "pw"}"', "from-file"),
        ('password_command = ["echo", "from-command"]', "from-command"),
        ('password_credential = "cred"', "from-credential"),
    ):
        settings = load_settings(write(tmp_path, base.format(line)), environ={})
        imap = settings.accounts[0].imap
        assert imap is not None
        assert read_secret(imap, environ={"CREDENTIALS_DIRECTORY": str(tmp_path)}) == expected


def test_failing_password_command_reports_without_secret(tmp_path: Path) -> None:
    """A failing command gives its exit status and stderr, never stdout."""
    text = MINIMAL.replace(
        'password = "hunter2"',
        'password_command = ["sh", "-c", "echo topsecret; echo locked >&2; exit 3"]',
    )
    imap = load_settings(write(tmp_path, text), environ={}).accounts[0].imap
    assert imap is not None
    with pytest.raises(SecretError) as err:
        read_secret(imap, environ={})
    assert "locked" in str(err.value)
    assert "topsecret" not in str(err.value)


def test_missing_file_names_the_fix(tmp_path: Path) -> None:
    """A missing config file says how to create one."""
    with pytest.raises(ConfigError, match=r"copy config\.example\.toml"):
        load_settings(tmp_path / "nope.toml", environ={})


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ('holidays_country = "XX"', "followup.holidays_country: unknown country 'XX'"),
        ('holidays_country = "fr"', "followup.holidays_country: unknown country 'fr'"),
        (
            'holidays_country = "FR"\nholidays_subdivision = "75"',
            "followup.holidays_subdivision: unknown subdivision '75' of FR; use one of 57,",
        ),
        (
            'holidays_subdivision = "BY"',
            "followup.holidays_subdivision: subdivision 'BY' needs holidays_country",
        ),
    ],
)
def test_holidays_the_package_does_not_know_are_config_errors(
    tmp_path: Path, keys: str, problem: str
) -> None:
    """A holiday region planning could not use is reported when the config loads."""
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, f"{MINIMAL}\n[followup]\n{keys}\n"), environ={})
    (only,) = err.value.problems
    assert only.startswith(problem)


@pytest.mark.parametrize("subdivision", ["BY", "Bayern"])
def test_known_holiday_subdivisions_by_code_or_name(tmp_path: Path, subdivision: str) -> None:
    """Subdivisions are ISO codes, or the names the `holidays` package gives them."""
    text = (
        f'{MINIMAL}\n[followup]\nholidays_country = "DE"\nholidays_subdivision = "{subdivision}"\n'
    )
    followup = load_settings(write(tmp_path, text), environ={}).followup
    assert (followup.holidays_country, followup.holidays_subdivision) == ("DE", subdivision)
