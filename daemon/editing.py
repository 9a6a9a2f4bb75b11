"""`followup queue edit`: hand the draft to the user's editor and take it back.

The editor gets the headers as they will be sent and the body as plain text
(never quoted-printable); the MIME headers are rebuilt on the way back. The
edited text is validated as a whole and saved only if the draft is still in
the state it was in when the editor opened: anything wrong keeps the
original draft untouched, and keeps the user's text in a file named in the
error, so an edit never loses what was approved, queued or just written.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, Parser
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.compose import ComposeError, validate_outgoing
from daemon.domain import DraftState
from daemon.store.codec import addresses_to_json
from daemon.store.drafts import DraftRepository, StaleStateError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from daemon.app import App
    from daemon.domain import Draft

#: refold_source="none" keeps the user's header lines as written: the stdlib
#: refolder in Python < 3.11.10 can turn an encoded word into a real header.
_POLICY = policy.SMTP.clone(refold_source="none")
#: Regenerated from the body on every edit, so they are not shown.
_MIME_HEADERS = frozenset({"mime-version", "content-type", "content-transfer-encoding"})
#: Lines up to this long stay 7bit, as in composed drafts; longer ones are encoded.
_MAX_7BIT_LINE = 78
EDITABLE_STATES = frozenset({DraftState.QUEUED, DraftState.APPROVED})


class EditNotSavedError(Exception):
    """The draft is unchanged; `kept` is where the user's text was saved, if it was."""

    def __init__(self, problems: Sequence[str], kept: Path | None) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)
        self.kept = kept


def editable_text(raw: bytes) -> str:
    """The message as the user reads and edits it: headers, a blank line, the body."""
    message = BytesParser(policy=_POLICY).parsebytes(raw)
    headers = "".join(
        f"{name}: {value}\n"
        for name, value in message.raw_items()
        if name.lower() not in _MIME_HEADERS
    )
    body = message.get_body(preferencelist=("plain",))
    content = body.get_content() if body is not None else ""
    return headers.replace("\r\n", "\n") + "\n" + str(content).replace("\r\n", "\n")


def message_from_text(text: str) -> bytes:
    """The edited text as an RFC 822 message, with headers and body encoded for sending."""
    unified = text.replace("\r\n", "\n")
    head, _, body = unified.partition("\n\n")
    parsed = Parser(policy=_POLICY).parsestr(head + "\n\n")
    stray = str(parsed.get_payload()).strip()
    if parsed.defects or stray:
        # A line that is no header would otherwise end the headers and be dropped.
        where = f": {stray.splitlines()[0]!r}" if stray else ""
        raise ComposeError(
            f"the headers must come first, then one empty line, then the body{where}"
        )
    message = EmailMessage(policy=_POLICY)
    for name, value in parsed.raw_items():
        if name.lower() in _MIME_HEADERS:
            continue
        if value.isascii():
            message.set_raw(name, value)
        else:
            # Typed non-ASCII text (a name, a subject) becomes RFC 2047 words.
            message[name] = "".join(value.splitlines())
    plain = body.isascii() and all(len(line) <= _MAX_7BIT_LINE for line in body.split("\n"))
    message.set_content(
        body, subtype="plain", charset="utf-8", cte="7bit" if plain else "quoted-printable"
    )
    return message.as_bytes()


def run_editor(path: Path) -> int:
    """Open `path` in $VISUAL or $EDITOR (vi by default); return its exit status."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        done = subprocess.run([*shlex.split(editor), str(path)], check=False)  # noqa: S603
    except OSError as exc:
        raise EditNotSavedError(
            [f"cannot start the editor {editor!r} ({exc.strerror}); set $VISUAL or $EDITOR"],
            None,
        ) from None
    return done.returncode


def edit_draft(app: App, draft: Draft) -> Draft | None:
    """Let the user edit the draft; the saved draft, or None when nothing changed."""
    if draft.state not in EDITABLE_STATES:
        state = draft.state.value
        only = "only queued or approved drafts can be edited"
        raise EditNotSavedError([f"draft {draft.id} is {state}; {only}"], None)
    original = editable_text(draft.raw)
    folder = Path(tempfile.mkdtemp(prefix=f"followup-draft-{draft.id}-"))
    path = folder / "draft.eml"
    path.write_text(original, encoding="utf-8")
    keep = False
    try:
        status = run_editor(path)
        try:
            edited = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            keep = True
            raise EditNotSavedError(["the edited file is not UTF-8 text"], path) from None
        changed = edited.strip() != original.strip()
        # Whatever the user typed survives a failed edit, in the file named.
        keep = changed
        if status != 0:
            raise EditNotSavedError(
                [f"the editor exited with status {status}"], path if changed else None
            )
        if not changed:
            return None
        try:
            saved = apply_edit(app, draft, edited)
        except ComposeError as exc:
            raise EditNotSavedError(exc.problems, path) from None
        except StaleStateError:
            now = DraftRepository(app.store).get_required(draft.id).state.value
            raise EditNotSavedError(
                [f"draft {draft.id} changed while you were editing it (it is now {now})"], path
            ) from None
        keep = False
        return saved
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def apply_edit(app: App, draft: Draft, text: str) -> Draft:
    """Validate the edited text and store it in place of the draft's message.

    Saved only if the draft is still in the state it had when the edit began:
    a draft sent or cancelled meanwhile must not pretend to hold the edit.
    """
    try:
        raw = message_from_text(text)
    except ComposeError:
        raise
    except (ValueError, LookupError, email_errors.MessageError) as exc:
        raise ComposeError(f"the message cannot be read: {exc}") from None
    parsed = validate_outgoing(raw)
    account = app.settings.account(draft.account)
    problems = []
    if parsed.from_.addr.lower() not in account.self_addresses:
        problems.append(f"From must stay one of your addresses, not {parsed.from_.addr}")
    if parsed.message_id != draft.message_id:
        problems.append(f"keep the Message-ID {draft.message_id}: it prevents double sending")
    if problems:
        raise ComposeError(*problems)
    return DraftRepository(app.store).transition(
        draft.id,
        [draft.state],
        draft.state,
        "edited by you",
        app.clock(),
        raw=raw,
        subject=parsed.subject,
        to_json=addresses_to_json(parsed.to),
        cc_json=addresses_to_json(parsed.cc),
        in_reply_to=parsed.in_reply_to,
        # Rate limits count sends per recipient domain.
        recipient_domain=parsed.to[0].domain,
    )
