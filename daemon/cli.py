"""The `followup` command.

Exit codes: 0 success, 1 a failure while working (server, network, store),
2 bad usage or a bad configuration.

Each command imports what it uses when it runs: start-up is part of every
`followup sync`, and Jinja2, asyncio, rich and the classifier would
otherwise cost a third of a large initial sync before any work begins.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from daemon.clock import clock_from
from daemon.config import ConfigError, default_config_path, load_settings
from daemon.domain import DraftState, Overrides, Stage
from daemon.logs import configure_logging

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from rich.console import Console

    from daemon.app import App
    from daemon.clock import Clock
    from daemon.config import Settings
    from daemon.domain import Draft, Evidence
    from daemon.service import ThreadView
    from daemon.store.drafts import DraftRepository
    from daemon.store.repository import AccountStatus, Store

EXIT_FAILURE = 1
EXIT_USAGE = 2
#: What `threads set --clear` can hand back to the classifier.
CORRECTABLE = ("manager", "hr", "stage")


class Failure(click.ClickException):
    """A one-line error that names what to fix; exits 1."""

    exit_code = EXIT_FAILURE


class BadConfig(click.ClickException):
    exit_code = EXIT_USAGE

    def __init__(self, error: ConfigError) -> None:
        lines = [f"configuration {error.source} has {len(error.problems)} problem(s):"]
        lines += [f"  - {p}" for p in error.problems]
        super().__init__("\n".join(lines))


@dataclass
class Context:
    config_path: Path
    #: --now as given: without a UTC offset it is a time in the configured timezone.
    now: datetime | None = None
    _clock: Clock | None = None
    _settings: Settings | None = None
    _app: App | None = None
    _console: Console | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config_path)
            except ConfigError as exc:
                raise BadConfig(exc) from None
            configure_logging(
                self.clock, self._settings.logging.level, self._settings.logging.format
            )
        return self._settings

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            start = None if self.now is None else _in_zone(self.now, self.settings)
            self._clock = clock_from(start)
        return self._clock

    def read_clock(self) -> datetime:
        """The time, for callers set up before the configuration is read.

        A --now without an offset needs the configured timezone, and `demo`
        runs with no configuration at all.
        """
        return self.clock()

    @property
    def app(self) -> App:
        if self._app is None:
            from daemon.app import App

            self._app = App.build(self.settings, self.clock)
        return self._app

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            # Tables of addresses need room; pipes and CI logs get a wide
            # page instead of rich's 80-column default.
            probe = Console()
            self._console = Console(highlight=False, width=None if probe.is_terminal else 160)
        return self._console

    def drafts(self) -> DraftRepository:
        from daemon.store.drafts import DraftRepository

        return DraftRepository(self.app.store)

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


def _parse_time(value: str, option: str) -> datetime:
    """An ISO 8601 time; one without a UTC offset is naive until `_in_zone` places it."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time such as 2026-12-01T09:30+01:00", param_hint=option
        ) from None


def _in_zone(moment: datetime, settings: Settings) -> datetime:
    """A time typed without a UTC offset is read in the configured timezone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=settings.tz)


def _now_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    return None if value is None else _parse_time(value, "--now")


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="FOLLOWUP_CONFIG",
    default=default_config_path,
    show_default="$FOLLOWUP_CONFIG, else ~/.config/followup/config.toml",
    help="The TOML configuration file.",
)
@click.option(
    "--now",
    callback=_now_option,
    metavar="TIME",
    help="Act as if it were TIME (ISO 8601), e.g. to preview what will be due.",
)
@click.version_option(package_name="followup")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, now: datetime | None) -> None:
    """Draft polite follow-ups for quiet recruiting threads; send only what you approve."""
    state = Context(config_path=config_path, now=now)
    ctx.obj = state
    ctx.call_on_close(state.close)
    configure_logging(state.read_clock, "warning")


def _json_out(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _local(value: datetime | None, settings: Settings) -> str:
    if value is None:
        return "-"
    return value.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


@cli.command()
@pass_ctx
def sync(state: Context) -> None:
    """Sync every account once, then exit."""
    from daemon.sync import sync_all

    reports, failures = sync_all(state.app)
    for report in reports:
        for f in report.folders:
            what = (
                "folder not found (check the folders setting)"
                if f.gone
                else "unchanged"
                if f.unchanged
                else f"+{f.added} -{f.removed} ~{f.flag_changes}"
                + (" (folder was reset)" if f.reset else "")
                + (f", {f.skipped} unreadable" if f.skipped else "")
            )
            click.echo(f"{report.account}/{f.folder}: {what}")
    for failure in failures:
        click.echo(f"{failure.account}: FAILED: {failure.error}", err=True)
    if failures:
        sys.exit(EXIT_FAILURE)


@cli.group()
def threads() -> None:
    """Inspect threads and correct what followup got wrong."""


@threads.command("list")
@click.option("--all", "include_all", is_flag=True, help="List every thread, not only recruiting.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_ctx
def threads_list(state: Context, include_all: bool, as_json: bool) -> None:
    """Recruiting threads: stage, people, last activity, next follow-up."""
    from rich.table import Table

    from daemon import outbox, service

    views = service.thread_views(state.app, include_all=include_all)
    # Threads waiting on the user come first: they are the user's move.
    views.sort(key=lambda v: not v.decision.waiting_on_you)
    held = outbox.holding_drafts(state.app, views)
    if as_json:
        _json_out([_with_draft(service.view_json(v), held.get(v.thread.id)) for v in views])
        return
    settings = state.settings
    table = Table(title=None, show_lines=False)
    for col in ("id", "subject", "stage", "manager / HR", "last activity", "next"):
        table.add_column(col, overflow="fold")
    for view in views:
        data = service.view_json(view)
        people = data["hiring_manager"] or "-"
        if data["hr"]:
            people += " / " + ", ".join(data["hr"])
        if data["waiting_on_you"]:
            nxt = "[bold red]WAITING ON YOU[/]: " + data["reason"].removeprefix("waiting on you: ")
        elif view.thread.id in held:
            nxt = _held_by(held[view.thread.id])
        elif data["due"]:
            nxt = "[bold green]due now[/]"
        else:
            nxt = data["reason"]
        table.add_row(
            view.thread.id,
            view.thread.subject,
            data["stage"] or "-",
            people,
            _local(view.thread.last_activity_at, settings),
            nxt,
        )
    if not views:
        state.console.print("No recruiting threads yet. Run `followup sync` first.")
        return
    state.console.print(table)


def _resolve_thread(state: Context, prefix: str) -> str:
    found = state.app.store.find_thread_ids(prefix)
    if len(found) == 1:
        return found[0]
    if not found:
        raise Failure(f"no thread with id {prefix!r}; see `followup threads list --all`")
    raise Failure(f"{prefix!r} matches {len(found)} threads; give more of the id")


@threads.command("show")
@click.argument("thread_id")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def threads_show(state: Context, thread_id: str, as_json: bool) -> None:
    """The thread's messages and the evidence behind every decision."""
    from daemon import service

    tid = _resolve_thread(state, thread_id)
    (view,) = service.thread_views(state.app, include_all=True, ids=[tid])
    if as_json:
        _json_out(_thread_json(view))
        return
    _print_thread(state, view)


def _evidence_json(evidence: Iterable[Evidence]) -> list[dict[str, Any]]:
    return [
        {"signal": e.signal, "detail": e.detail, "weight": e.weight, "message": e.message_key}
        for e in evidence
    ]


def _thread_json(view: ThreadView) -> dict[str, Any]:
    """The listing's summary plus the evidence `threads show` prints."""
    from daemon import service

    d = view.decision
    c = d.classification
    interview = c.interview
    return {
        **service.view_json(view),
        "score": c.score,
        "evidence": _evidence_json(c.evidence),
        "stage_evidence": _evidence_json(c.stage_evidence),
        "participants": [
            {
                "address": p.address.addr,
                "name": p.address.name,
                "role": p.role.value,
                "evidence": _evidence_json(p.evidence),
            }
            for p in c.participants
        ],
        "interview": None
        if interview is None
        else {
            "start": interview.start.isoformat(),
            "end": interview.end.isoformat(),
            "organizer": None if interview.organizer is None else interview.organizer.addr,
            "attendees": [a.addr for a in interview.attendees],
        },
        "decision": {**service.decision_json(d), "evidence": _evidence_json(d.evidence)},
        "messages": [
            {
                "key": m.key,
                "date": m.date.isoformat(),
                "from": None if m.from_ is None else m.from_.addr,
                "subject": m.subject,
            }
            for m in view.thread.messages
        ],
    }


def _print_thread(state: Context, view: ThreadView) -> None:
    from daemon.classify.wording import describe_participant

    settings = state.settings
    d = view.decision
    c = d.classification
    echo = state.console.print
    echo(f"[bold]{view.thread.subject}[/]  ({view.thread.id}, account {view.thread.account})")
    echo(f"tracked: {'yes' if c.tracked else 'no'} (score {c.score:.1f})")
    for ev in c.evidence:
        line = ev.detail if ev.detail.startswith(ev.signal) else f"{ev.signal}: {ev.detail}"
        echo(f"  - {line}", markup=False)
    if c.tracked:
        echo(f"stage: {c.stage.value}")
        for ev in c.stage_evidence:
            echo(f"  - {ev.detail}")
    for p in c.participants:
        echo(describe_participant(p), markup=False)
    if c.interview is not None:
        start, end = _local(c.interview.start, settings), _local(c.interview.end, settings)
        echo(f"interview: {start} - {end}")
    verdict = "due" if d.due else ("waiting on you" if d.waiting_on_you else "not due")
    echo(f"decision: [bold]{verdict}[/]: {d.reason.removeprefix(verdict + ': ')}")
    if d.due:
        echo(f"  to: {', '.join(a.addr for a in d.to)}")
        if d.cc:
            echo(f"  cc: {', '.join(a.addr for a in d.cc)}")
    for ev in d.evidence:
        echo(f"  - {ev.detail}")
    echo("messages:")
    for m in view.thread.messages:
        sender = m.from_.addr if m.from_ else "(no sender)"
        echo(f"  {_local(m.date, settings)}  {sender}: {m.subject}")


@threads.command("set")
@click.argument("thread_id")
@click.option("--manager", metavar="ADDR", help="The hiring manager's address.")
@click.option(
    "--hr", metavar="ADDR", multiple=True, help="An HR contact (repeatable); replaces the list."
)
@click.option("--stage", type=click.Choice([s.value for s in Stage]))
@click.option(
    "--clear",
    type=click.Choice(CORRECTABLE),
    multiple=True,
    help="Drop your correction of this (repeatable); followup decides again.",
)
@click.option("--mute", is_flag=True, help="Never follow up on this thread.")
@click.option("--unmute", is_flag=True, help="Follow up on this thread again.")
@pass_ctx
def threads_set(
    state: Context,
    thread_id: str,
    manager: str | None,
    hr: tuple[str, ...],
    stage: str | None,
    clear: tuple[str, ...],
    mute: bool,
    unmute: bool,
) -> None:
    """Correct the manager, HR, stage, or mute a thread. Overrides always win."""
    from daemon import service

    if not (manager is not None or hr or stage or clear or mute or unmute):
        raise click.UsageError(
            "nothing to change: give --manager, --hr, --stage, --clear, --mute or --unmute"
        )
    given = {"manager": manager is not None, "hr": bool(hr), "stage": stage is not None}
    for field in clear:
        if given[field]:
            raise click.UsageError(f"--{field} and --clear {field} contradict each other")
    if mute and unmute:
        raise click.UsageError("--mute and --unmute contradict each other")
    selves = frozenset().union(*(a.self_addresses for a in state.settings.accounts))
    manager = None if manager is None else _person_address(manager, "--manager", selves)
    hr = tuple(_person_address(addr, "--hr", selves) for addr in hr)
    if manager is not None and manager in hr:
        raise click.UsageError(f"{manager} cannot be both the hiring manager and HR")
    tid = _resolve_thread(state, thread_id)
    store = state.app.store
    old = store.overrides().get(tid, Overrides())
    new = _corrected(
        old,
        manager=manager,
        hr=hr,
        stage=None if stage is None else Stage(stage),
        clear=clear,
        muted=True if mute else False if unmute else None,
    )
    store.save_override(tid, new, state.clock())
    account = store.thread_account(tid)
    if account is not None:
        service.refresh_threads(state.app, state.settings.account(account), [tid])
    click.echo(f"{tid}: saved")
    # The newest correction of an address replaces an older one: say so.
    if old.manager and old.manager in new.hr:
        click.echo(f"  {old.manager} was your hiring-manager correction; it is HR now")
    if new.manager and new.manager in old.hr:
        click.echo(f"  {new.manager} was one of your HR corrections; it is the manager now")


def _corrected(
    old: Overrides,
    *,
    manager: str | None,
    hr: tuple[str, ...],
    stage: Stage | None,
    clear: tuple[str, ...],
    muted: bool | None,
) -> Overrides:
    """`old` with this command's changes; the newest correction naming an address wins."""
    new_manager = None if "manager" in clear else old.manager
    new_hr = () if "hr" in clear else old.hr
    if manager is not None:
        new_manager, new_hr = manager, tuple(a for a in new_hr if a != manager)
    if hr:
        new_hr = hr
        new_manager = None if new_manager in hr else new_manager
    return Overrides(
        manager=new_manager,
        hr=new_hr,
        stage=stage if stage is not None else None if "stage" in clear else old.stage,
        muted=old.muted if muted is None else muted,
    )


def _person_address(value: str, option: str, selves: frozenset[str]) -> str:
    """A correction names one person followup may write to, as a bare address."""
    from daemon.classify.senders import is_deliverable, is_noreply

    addr = value.strip().lower()
    if not is_deliverable(addr):
        raise click.BadParameter(
            f"{value!r} is not one bare address such as priya@acme.example.com "
            "(no name, no brackets, one @, a dotted domain)",
            param_hint=option,
        )
    if addr in selves:
        raise click.BadParameter(
            f"{addr} is your own address; give the address of someone on the hiring side",
            param_hint=option,
        )
    if is_noreply(addr):
        raise click.BadParameter(
            f"{addr} is a no-reply or automated address that nobody reads; give a person's "
            "address (`followup threads show ID` lists the participants)",
            param_hint=option,
        )
    return addr


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def plan(state: Context, as_json: bool) -> None:
    """What would be queued now (or at --now), and why; or the draft already made."""
    from daemon import outbox, service

    views = service.plan_all(state.app)
    held = outbox.holding_drafts(state.app, views)
    if as_json:
        _json_out([_with_draft(service.view_json(v), held.get(v.thread.id)) for v in views])
        return
    if not views:
        click.echo("Nothing is due.")
    for v in views:
        d = v.decision
        click.echo(f"{v.thread.id}  {v.thread.subject}")
        if v.thread.id in held:
            click.echo(f"    {_held_by(held[v.thread.id])}")
            continue
        cc = f" cc {', '.join(a.addr for a in d.cc)}" if d.cc else ""
        click.echo(f"    to {', '.join(a.addr for a in d.to)}{cc}: {d.reason}")


def _with_draft(data: dict[str, Any], draft: Draft | None) -> dict[str, Any]:
    """A thread's JSON, with the draft that stands for its follow-up (or null)."""
    held = None if draft is None else {"id": draft.id, "state": draft.state.value}
    return {**data, "draft": held}


def _held_by(draft: Draft) -> str:
    """Why a due thread gets no new draft: the same rule as `run` applies."""
    from daemon.outbox import OPEN_STATES

    if draft.state in OPEN_STATES:
        return f"draft {draft.id} {draft.state.value} (followup queue show {draft.id})"
    return f"draft {draft.id} {draft.state.value}: no new one until someone writes in the thread"


@cli.command("check-config")
@pass_ctx
def check_config(state: Context) -> None:
    """Validate the configuration and try each login."""
    from daemon.compose import ComposeError

    settings = state.settings
    click.echo(f"{state.config_path}: valid ({len(settings.accounts)} account(s))")
    failed = False
    try:
        state.app.templates.check()
        click.echo("templates: OK")
    except ComposeError as exc:
        failed = True
        click.echo("templates: FAILED")
        for problem in exc.problems:
            click.echo(f"  - {problem}")
    for account in settings.accounts:
        try:
            with state.app.mailbox(account) as mailbox:
                sent = account.sent_folder or mailbox.find_special("\\Sent")
            verdict = f"OK (Sent folder: {sent})" if sent else "FAILED: no Sent folder found"
            failed |= sent is None
        except Exception as exc:  # noqa: BLE001 - every account gets a verdict
            verdict = f"FAILED: {type(exc).__name__}: {exc}"
            failed = True
        click.echo(f"{account.name}: mailbox {verdict}")
    if failed:
        sys.exit(EXIT_FAILURE)


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the demo here instead of a temporary folder (kept afterwards).",
)
@click.pass_context
def demo(ctx: click.Context, directory: Path | None) -> None:
    """Run followup on a generated sample mailbox: no server, no account."""
    from daemon.demo import run_demo

    state: Context = ctx.obj
    if state.now is not None and state.now.tzinfo is None:
        raise click.BadParameter(
            "the demo has no configured timezone; add an offset, e.g. 2026-11-30T10:00+01:00",
            param_hint="--now",
        )
    run_demo(directory, clock=state.clock, console=state.console, run=_run_nested)


def _run_nested(args: list[str]) -> None:
    """Run another followup command in this process, as the user would type it."""
    cli.main(args=args, prog_name="followup", standalone_mode=False)


def main(argv: list[str] | None = None) -> NoReturn:
    try:
        cli.main(args=argv, prog_name="followup", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_FAILURE)
    except Exception as exc:  # noqa: BLE001 - the last line of defence prints one clear line
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    sys.exit(0)


@cli.group()
def queue() -> None:
    """Review, edit, approve or reject follow-ups before anything is sent."""


def _draft_json(draft: Draft) -> dict[str, Any]:
    return {
        "id": draft.id,
        "state": draft.state.value,
        "account": draft.account,
        "thread_id": draft.thread_id,
        "kind": draft.kind.value,
        "to": [a.addr for a in draft.to],
        "cc": [a.addr for a in draft.cc],
        "subject": draft.subject,
        "in_reply_to": draft.in_reply_to,
        "message_id": draft.message_id,
        "created_at": draft.created_at.isoformat(),
        "not_before": None if draft.not_before is None else draft.not_before.isoformat(),
        "language": draft.language,
        "language_fallback": draft.language_fallback,
        "reason": draft.reason,
        "error": draft.error,
    }


def _get_draft(state: Context, draft_id: int) -> Draft:
    draft = state.drafts().get(draft_id)
    if draft is None:
        raise Failure(f"no draft {draft_id}; see `followup queue list`")
    return draft


@queue.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice([s.value for s in DraftState]))
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def queue_list(state: Context, states: tuple[str, ...], as_json: bool) -> None:
    """Drafts, newest last; all states unless --state is given."""
    from rich.table import Table

    wanted = [DraftState(s) for s in states] or None
    drafts = state.drafts().find(wanted)
    if as_json:
        _json_out([_draft_json(d) for d in drafts])
        return
    if not drafts:
        click.echo("The queue is empty.")
        return
    table = Table()
    for col in ("id", "state", "to", "cc", "subject", "created", "note"):
        table.add_column(col, overflow="fold")
    for d in drafts:
        note = d.error or ""
        if d.not_before is not None and d.state in {DraftState.QUEUED, DraftState.APPROVED}:
            note = f"snoozed until {_local(d.not_before, state.settings)}"
        table.add_row(
            str(d.id),
            d.state.value,
            ", ".join(a.addr for a in d.to),
            ", ".join(a.addr for a in d.cc),
            d.subject,
            _local(d.created_at, state.settings),
            note,
        )
    state.console.print(table)


@queue.command("show")
@click.argument("draft_id", type=int)
@pass_ctx
def queue_show(state: Context, draft_id: int) -> None:
    """Why the draft was queued, its history, and the message (body decoded) as it will go."""
    from daemon.editing import editable_text

    draft = _get_draft(state, draft_id)
    repo = state.drafts()
    click.echo(f"draft {draft.id}: {draft.state.value} (thread {draft.thread_id})")
    click.echo(f"why: {draft.reason}")
    if draft.language_fallback:
        click.echo("language: the thread's language has no template; written in English")
    if draft.error:
        click.echo(f"last error: {draft.error}")
    for ev in repo.events(draft.id):
        click.echo(f"  {_local(ev.at, state.settings)}  {ev.to_state.value}: {ev.reason}")
    click.echo("-" * 72)
    click.echo(editable_text(draft.raw), nl=False)


def _each(ids: tuple[int, ...], action: Callable[[int], Draft], verb: str) -> None:
    from daemon.store.drafts import StaleStateError

    problems = 0
    for draft_id in ids:
        try:
            action(draft_id)
            click.echo(f"draft {draft_id}: {verb}")
        except KeyError:
            click.echo(f"draft {draft_id}: no such draft", err=True)
            problems += 1
        except StaleStateError as exc:
            click.echo(f"draft {draft_id}: not {verb}: {exc}", err=True)
            problems += 1
    if problems:
        sys.exit(EXIT_FAILURE)


@queue.command("approve")
@click.argument("ids", type=int, nargs=-1, required=True)
@pass_ctx
def queue_approve(state: Context, ids: tuple[int, ...]) -> None:
    """Approve drafts; the next cycle sends them (inside the send window)."""
    from daemon import outbox

    _each(ids, lambda i: outbox.approve(state.app, i), "approved")


@queue.command("reject")
@click.argument("ids", type=int, nargs=-1, required=True)
@click.option("--reason", default="rejected by you", show_default=True)
@pass_ctx
def queue_reject(state: Context, ids: tuple[int, ...], reason: str) -> None:
    """Reject drafts; they are never sent."""
    from daemon import outbox

    _each(ids, lambda i: outbox.reject(state.app, i, reason), "rejected")


@queue.command("snooze")
@click.argument("draft_id", type=int)
@click.option("--until", "until", required=True, metavar="TIME", help="ISO 8601 time.")
@pass_ctx
def queue_snooze(state: Context, draft_id: int, until: str) -> None:
    """Hold a draft until TIME, even once approved."""
    from daemon.store.drafts import StaleStateError

    when = _in_zone(_parse_time(until, "--until"), state.settings)
    draft = _get_draft(state, draft_id)
    if draft.state not in {DraftState.QUEUED, DraftState.APPROVED}:
        raise Failure(f"draft {draft_id} is {draft.state.value}; only open drafts can be snoozed")
    try:
        # A state-checked write: a draft the daemon sent meanwhile is not "snoozed".
        state.drafts().transition(
            draft_id,
            [draft.state],
            draft.state,
            f"snoozed until {_local(when, state.settings)}",
            state.clock(),
            not_before=when,
        )
    except StaleStateError as exc:
        raise Failure(f"draft {draft_id} not snoozed: {exc}") from None
    click.echo(f"draft {draft_id}: snoozed until {_local(when, state.settings)}")


@queue.command("edit")
@click.argument("draft_id", type=int)
@pass_ctx
def queue_edit(state: Context, draft_id: int) -> None:
    """Edit the message in $VISUAL/$EDITOR; recipients may be changed."""
    from daemon.editing import EditNotSavedError, edit_draft

    draft = _get_draft(state, draft_id)
    try:
        updated = edit_draft(state.app, draft)
    except EditNotSavedError as exc:
        lines = "\n".join(f"  - {p}" for p in exc.problems)
        kept = "" if exc.kept is None else f"\nyour text is kept in {exc.kept}"
        raise Failure(f"edit not saved, draft {draft_id} is unchanged:\n{lines}{kept}") from None
    if updated is None:
        click.echo(f"draft {draft_id}: unchanged")
        return
    cc = f"; cc {', '.join(a.addr for a in updated.cc)}" if updated.cc else ""
    click.echo(f"draft {draft_id}: saved; to {', '.join(a.addr for a in updated.to)}{cc}")


@cli.command()
@click.option("--once", is_flag=True, help="One full cycle, then exit.")
@pass_ctx
def run(state: Context, once: bool) -> None:
    """Sync, plan, queue, and send approved follow-ups."""
    import asyncio

    from daemon.cycle import run_cycle

    if not once:
        from daemon.runner import run_forever

        sys.exit(run_forever(state.config_path, state.clock, state.settings))
    report, failed = asyncio.run(run_cycle(state.app))
    click.echo(
        f"queued {len(report.queued)}, cancelled {len(report.cancelled)}, "
        f"sent {len(report.sent)}, failed {len(report.failed)}, waiting {len(report.deferred)}"
    )
    for draft, why in report.deferred:
        click.echo(f"  draft {draft.id} waits: {why}")
    for draft in report.failed:
        click.echo(f"  draft {draft.id} failed: {draft.error}", err=True)
    if failed:
        click.echo(f"sync failed for: {', '.join(failed)}", err=True)
        sys.exit(EXIT_FAILURE)


def _account_json(
    name: str, status: AccountStatus | None, store: Store, *, running: bool
) -> dict[str, Any]:
    last = None if status is None or status.last_sync_at is None else status.last_sync_at
    connection = (
        store.runtime(f"connection.{name}") or "connecting"
        if running
        else "not watched: the daemon is not running"
    )
    return {
        "name": name,
        "last_sync_at": None if last is None else last.isoformat(),
        "sync": "never synced" if status is None else status.state,
        "detail": "" if status is None else status.detail,
        "connection": connection,
    }


def _daemon_state(store: Store) -> tuple[str, int | None]:
    """The daemon's recorded state, checked against its process; and its pid if it runs."""
    recorded = store.runtime("daemon.state") or "never started"
    pid = store.runtime("daemon.pid")
    if recorded != "running" or not pid:
        return recorded, None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        # Killed (SIGKILL, a crash, a reboot) before it could record its stop.
        return "not running (it did not shut down cleanly; see its log)", None
    except PermissionError:  # alive, as another user (the system unit)
        pass
    return "running", int(pid)


def _status_data(state: Context) -> dict[str, Any]:
    store = state.app.store
    daemon, pid = _daemon_state(store)
    running = pid is not None
    statuses = {s.account: s for s in store.statuses()}
    accounts = [
        _account_json(a.name, statuses.get(a.name), store, running=running)
        for a in state.settings.accounts
    ]
    drafts = state.drafts()
    attention = [
        f"draft {d.id} failed: {d.error or d.reason}" for d in drafts.find([DraftState.FAILED])
    ]
    attention += [f"{item} set aside: {error}" for item, error in store.set_aside().items()]
    attention += [
        f"account {a['name']}: {a['connection']}"
        for a in accounts
        if a["connection"].startswith("login failed")
    ]
    attention += [
        f"account {a['name']}: last sync failed: {a['detail']}"
        for a in accounts
        if a["sync"] == "error"
    ]
    if cycle_error := store.runtime("daemon.cycle_error"):
        attention.append(f"the last cycle failed: {cycle_error}")
    # A running daemon may run an older configuration than the file (no SIGHUP yet).
    cycle_minutes = store.runtime("daemon.cycle_minutes") if running else None
    return {
        "daemon": daemon,
        "pid": pid,
        "cycle_minutes": float(cycle_minutes or state.settings.daemon.cycle_minutes),
        "next_cycle_at": store.runtime("daemon.next_cycle_at") if running else None,
        "last_cycle_at": store.runtime("daemon.last_cycle_at"),
        "accounts": accounts,
        "queue": {s.value: n for s, n in drafts.counts().items()},
        "attention": attention,
    }


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def status(state: Context, as_json: bool) -> None:
    """What the daemon is doing, read from the store (running or not)."""
    data = _status_data(state)
    if as_json:
        _json_out(data)
        return
    echo = state.console.print
    echo(f"daemon: {data['daemon']}" + (f" (pid {data['pid']})" if data["pid"] else ""))
    if data["last_cycle_at"]:
        echo(f"  last cycle: {data['last_cycle_at']}")
    if data["next_cycle_at"]:
        echo(f"  next cycle: {data['next_cycle_at']} (every {data['cycle_minutes']:g} min)")
    for a in data["accounts"]:
        echo(f"account {a['name']}: last sync {a['last_sync_at'] or 'never'} ({a['sync']})")
        if a["detail"]:
            echo(f"  {a['detail']}", markup=False)
        echo(f"  connection: {a['connection']}", markup=False)
    queue_line = ", ".join(f"{n} {s}" for s, n in sorted(data["queue"].items())) or "empty"
    echo(f"queue: {queue_line}")
    if data["attention"]:
        echo("[bold red]needs attention:[/]")
        for line in data["attention"]:
            echo(f"  - {line}", markup=False)
