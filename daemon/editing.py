"""`followup queue edit`: hand the draft to the user's editor and take it back.

The edited file is validated as a whole; anything wrong keeps the original
draft untouched, so an edit can never lose what was approved or queued.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.compose import ComposeError, validate_outgoing
from daemon.store.codec import addresses_to_json
from daemon.store.drafts import DraftRepository

if TYPE_CHECKING:
    from daemon.app import App
    from daemon.domain import Draft


def edit_in_editor(text: str) -> str | None:
    """The edited text, or None when the editor failed (the edit is abandoned)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="followup-edit-") as tmp:
        path = Path(tmp) / "draft.eml"
        path.write_text(text, encoding="utf-8")
        done = subprocess.run([*shlex.split(editor), str(path)], check=False)  # noqa: S603
        if done.returncode != 0:
            return None
        return path.read_text(encoding="utf-8")


def apply_edit(app: App, draft: Draft, raw: bytes) -> Draft:
    """Validate the edited message and store it in place of the draft's."""
    parsed = validate_outgoing(raw)
    account = app.settings.account(draft.account)
    problems = []
    if parsed.from_.addr.lower() not in account.self_addresses:
        problems.append(f"From must stay one of your addresses, not {parsed.from_.addr}")
    if parsed.message_id != draft.message_id:
        problems.append(f"keep the Message-ID {draft.message_id}: it prevents double sending")
    if not parsed.body.strip():
        problems.append("the body is empty")
    if problems:
        raise ComposeError(*problems)
    # refold_source="none" keeps the user's header lines as written: the
    # stdlib refolder in Python < 3.11.10 can turn an encoded word into a
    # real header.
    message = BytesParser(policy=policy.SMTP.clone(refold_source="none")).parsebytes(raw)
    return DraftRepository(app.store).update_fields(
        draft.id,
        app.clock(),
        "edited by you",
        raw=message.as_bytes(),
        subject=parsed.subject,
        to_json=addresses_to_json(parsed.to),
        cc_json=addresses_to_json(parsed.cc),
    )
