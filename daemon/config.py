"""The configuration: a TOML file, overridable by FOLLOWUP_* variables.

Every model forbids unknown keys, and loading reports *all* problems at
once with their key paths, because a user fixing a config file one error per
run gives up quickly.
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import date, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from daemon.domain import Stage
from daemon.mail.net import is_loopback

if TYPE_CHECKING:
    from collections.abc import Mapping

ENV_PREFIX = "FOLLOWUP_"
APP_NAME = "followup"

Security = Literal["tls", "starttls", "none"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """The configuration cannot be used; `problems` says every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_store_path() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME)) / "state.db"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretSource(_Model):
    """Where a password comes from; at most one of the four may be set."""

    password: SecretStr | None = None
    password_file: Path | None = None
    password_command: list[str] | None = None
    password_credential: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [
            name
            for name in ("password", "password_file", "password_command", "password_credential")
            if getattr(self, name) is not None
        ]
        if len(given) > 1:
            raise ValueError(f"set only one of {', '.join(given)}")
        if self.password_command is not None and not self.password_command:
            raise ValueError("password_command must name a program, e.g. ['pass', 'show', 'x']")
        return self

    @property
    def has_secret(self) -> bool:
        return any(
            v is not None
            for v in (
                self.password,
                self.password_file,
                self.password_command,
                self.password_credential,
            )
        )


class _Server(SecretSource):
    host: str
    security: Security = "tls"
    ca_file: Path | None = None

    @model_validator(mode="after")
    def _plaintext_only_to_loopback(self) -> Self:
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f'security = "none" sends your password in clear text to {self.host}; '
                'use "tls" or "starttls" (plaintext is allowed only to loopback)'
            )
        if self.ca_file is not None and not self.ca_file.expanduser().is_file():
            raise ValueError(f"ca_file {self.ca_file} does not exist")
        return self


class ImapConfig(_Server):
    port: int = Field(default=993, ge=1, le=65535)
    username: str
    idle: bool = True


class SmtpConfig(_Server):
    port: int = Field(default=587, ge=1, le=65535)
    security: Security = "starttls"
    username: str | None = None
    oauth2_token_command: list[str] | None = None
    files_sent_copy: bool = False

    @model_validator(mode="after")
    def _auth_needs_user(self) -> Self:
        if self.has_secret and self.username is None:
            raise ValueError("a password is set but username is missing")
        if self.oauth2_token_command is not None and self.username is None:
            raise ValueError("oauth2_token_command needs username")
        return self


class MaildirConfig(_Model):
    path: Path


class AccountConfig(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    aliases: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = []
    display_name: str = ""
    signature: str = ""
    folders: list[str] = ["INBOX"]
    sent_folder: str | None = None
    drafts_folder: str | None = None
    approve_from_client: bool = True
    notify_address: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    imap: ImapConfig | None = None
    maildir: MaildirConfig | None = None
    smtp: SmtpConfig | None = None

    @model_validator(mode="after")
    def _one_mailbox(self) -> Self:
        if (self.imap is None) == (self.maildir is None):
            raise ValueError("give exactly one of [accounts.imap] or [accounts.maildir]")
        return self

    @property
    def self_addresses(self) -> frozenset[str]:
        return frozenset(a.lower() for a in (self.address, *self.aliases))


class StoreConfig(_Model):
    path: Path = Field(default_factory=default_store_path)
    url: str | None = None

    @property
    def sqlalchemy_url(self) -> str:
        return self.url or f"sqlite:///{self.path.expanduser()}"


class FollowupConfig(_Model):
    silence_business_days: int = Field(default=5, ge=1, le=60)
    silence_by_stage: dict[Stage, Annotated[int, Field(ge=1, le=60)]] = {}
    max_followups: int = Field(default=2, ge=0, le=5)
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    extra_holidays: list[date] = []
    templates_dir: Path | None = None

    @field_validator("silence_by_stage")
    @classmethod
    def _only_followup_stages(cls, value: dict[Stage, int]) -> dict[Stage, int]:
        allowed = {Stage.APPLIED, Stage.INTERVIEWING, Stage.INTERVIEWED}
        wrong = sorted(s.value for s in value if s not in allowed)
        if wrong:
            raise ValueError(f"no follow-ups happen in stage(s) {', '.join(wrong)}")
        return value

    # The holiday keys are checked here, so a typo is reported at start and
    # by check-config, not as a failure of the first plan. `holidays` is big:
    # it is imported only when a country is configured.
    @field_validator("holidays_country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        from daemon.business_days import holiday_subdivisions  # noqa: PLC0415

        if value is not None and holiday_subdivisions(value) is None:
            msg = f"unknown country {value!r}; use an upper-case ISO 3166 code such as FR or DE"
            raise ValueError(msg)
        return value

    @field_validator("holidays_subdivision")
    @classmethod
    def _known_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        from daemon.business_days import holiday_subdivisions  # noqa: PLC0415

        if value is None or "holidays_country" not in info.data:
            return value  # a wrong country is reported on its own
        country = info.data["holidays_country"]
        if country is None:
            raise ValueError(f"subdivision {value!r} needs holidays_country as well")
        known = holiday_subdivisions(country) or frozenset()
        if value not in known:
            msg = (
                f"unknown subdivision {value!r} of {country}; use one of {', '.join(sorted(known))}"
            )
            raise ValueError(msg)
        return value


def _parse_hhmm(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 09:00") from None


class SendingConfig(_Model):
    send_window: str = Field(default="09:00-17:00", pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    send_days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]
    max_per_hour: int = Field(default=5, ge=1)
    max_per_domain_per_day: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _window_order(self) -> Self:
        start, end = self.window
        if start >= end:
            raise ValueError("send_window must end after it starts, e.g. 09:00-17:00")
        return self

    @property
    def window(self) -> tuple[time, time]:
        start, _, end = self.send_window.partition("-")
        return _parse_hhmm(start), _parse_hhmm(end)

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(d) for d in self.send_days)


class DaemonConfig(_Model):
    cycle_minutes: float = Field(default=15, gt=0)
    digest: bool = False
    digest_time: str = Field(default="08:30", pattern=r"^\d\d:\d\d$")


class LoggingConfig(_Model):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "console", "json"] = "auto"


class Settings(BaseSettings):
    """The whole configuration. Build it with `load_settings`."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    store: StoreConfig = StoreConfig()
    accounts: list[AccountConfig] = Field(min_length=1)
    followup: FollowupConfig = FollowupConfig()
    sending: SendingConfig = SendingConfig()
    daemon: DaemonConfig = DaemonConfig()
    logging: LoggingConfig = LoggingConfig()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"unknown timezone {value!r}; use an IANA name like Europe/Paris"
            raise ValueError(msg) from None
        return value

    @model_validator(mode="after")
    def _unique_accounts(self) -> Self:
        names = [a.name for a in self.accounts]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"account names must be unique: {', '.join(dupes)}")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def account(self, name: str) -> AccountConfig:
        for account in self.accounts:
            if account.name == name:
                return account
        raise KeyError(name)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file and FOLLOWUP_* variables are merged by `load_settings`
        # before validation, so list items (accounts) can be overridden too,
        # which pydantic-settings' own env source cannot do.
        del settings_cls, env_settings, dotenv_settings, file_secret_settings
        return (init_settings,)


def _env_value(raw: str) -> Any:
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def _merge_env(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Apply FOLLOWUP_A__B__C=value overrides onto the parsed TOML.

    A path step into the accounts list is an index (`ACCOUNTS__0__...`) or an
    account name (`ACCOUNTS__personal__...`).
    """
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name == f"{ENV_PREFIX}CONFIG":
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        node: Any = data
        for i, step in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, list):
                node = _list_item(node, step, name)
                if last:
                    raise ConfigError(name, [f"{name} must name a key inside the list item"])
                continue
            if last:
                node[step] = _env_value(raw)
            else:
                node = node.setdefault(step, [] if step == "accounts" else {})
    return data


def _list_item(items: list[Any], step: str, var: str) -> dict[str, Any]:
    if step.isdigit() and int(step) < len(items):
        item: dict[str, Any] = items[int(step)]
        return item
    for item in items:
        if isinstance(item, dict) and str(item.get("name", "")).lower() == step:
            return item
    raise ConfigError(var, [f"{var}: no account with index or name {step!r}"])


def _format_error(err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key (check its spelling in config.example.toml)"
    return f"{loc}: {msg}"


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, merge and validate; raise ConfigError listing every problem."""
    environ = os.environ if environ is None else environ
    try:
        data = tomllib.loads(path.expanduser().read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            str(path), ["file not found; copy config.example.toml there or pass --config"]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    data = _merge_env(data, environ)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(str(path), [_format_error(e) for e in exc.errors()]) from None
