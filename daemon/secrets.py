"""Turn a configured secret source into the secret, at the moment of use.

Commands and files are read at each login, so a rotated password or an
unlocked keyring is picked up without a restart. Nothing here logs a value.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from daemon.config import SecretSource


class SecretError(Exception):
    """The secret could not be obtained; the message never contains it."""


def read_secret(source: SecretSource, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    if source.password is not None:
        return source.password.get_secret_value()
    if source.password_file is not None:
        return _first_line(_read(source.password_file.expanduser()), str(source.password_file))
    if source.password_command is not None:
        return run_secret_command(source.password_command)
    if source.password_credential is not None:
        directory = environ.get("CREDENTIALS_DIRECTORY")
        if not directory:
            raise SecretError(
                f"password_credential {source.password_credential!r} needs systemd's "
                "$CREDENTIALS_DIRECTORY (LoadCredential= in the unit)"
            )
        path = Path(directory) / source.password_credential
        return _first_line(_read(path), f"credential {source.password_credential}")
    raise SecretError("no password configured")


def secret_getter(source: SecretSource) -> Callable[[], str]:
    return lambda: read_secret(source)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretError(f"cannot read {path}: {exc.strerror}") from None


def _first_line(text: str, what: str) -> str:
    line = text.splitlines()[0] if text else ""
    if not line:
        raise SecretError(f"{what} is empty")
    return line


def run_secret_command(argv: list[str]) -> str:
    """The first line a secret-printing command (pass, an OAuth2 helper) prints."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    except FileNotFoundError:
        raise SecretError(f"password_command: program {argv[0]!r} not found") from None
    except subprocess.TimeoutExpired:
        raise SecretError(f"password_command {argv[0]!r} did not finish within 60 s") from None
    if done.returncode != 0:
        # stderr may help the user (e.g. "gpg: decryption failed") and, unlike
        # stdout, does not carry the secret.
        hint = done.stderr.strip().splitlines()[-1:] or ["no error output"]
        raise SecretError(f"password_command {argv[0]!r} failed ({done.returncode}): {hint[0]}")
    return _first_line(done.stdout, f"password_command {argv[0]!r} output")
