"""`followup demo`: a realistic sample mailbox, a config for it, and a run.

The sample is written as a Maildir++ tree (INBOX and .Sent) with dates
relative to `now`, so the demo tells the same story whatever day it runs.
Every address lives under example.test; nothing is ever sent.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from daemon.clock import Clock

ME = ("Alice Moreau", "alice@example.test")


@dataclass(frozen=True)
class _Mail:
    days_ago: float
    sender: tuple[str, str]
    to: tuple[tuple[str, str], ...]
    subject: str
    body: str
    cc: tuple[tuple[str, str], ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    calendar: str | None = None
    reply_to_previous: bool = True


def _ics(
    uid: str, start: datetime, organizer: tuple[str, str], attendees: list[tuple[str, str]]
) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    end = start + timedelta(hours=1)
    people = "".join(f"ATTENDEE;CN={n}:mailto:{a}\r\n" for n, a in attendees)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//followup demo//EN\r\nMETHOD:REQUEST\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{start.strftime(fmt)}\r\n"
        f"DTSTART:{start.strftime(fmt)}\r\nDTEND:{end.strftime(fmt)}\r\n"
        f"SUMMARY:Interview\r\nORGANIZER;CN={organizer[0]}:mailto:{organizer[1]}\r\n{people}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _threads(now: datetime) -> dict[str, list[_Mail]]:
    """About a dozen conversations: what a job search inbox looks like."""
    priya = ("Priya Raman", "priya.raman@acme.example.test")
    tom = ("Tom Becker", "tom.becker@acme.example.test")
    interview_at = (now - timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0)
    future_at = (now + timedelta(days=4)).replace(hour=10, minute=0, second=0, microsecond=0)
    sofia = ("Sofia Lindqvist", "sofia@hooli.example.test")
    return {
        "acme": [
            _Mail(
                30,
                ("Acme Careers", "no-reply@greenhouse.example.test"),
                (ME,),
                "Thank you for applying to Acme",
                "Hi Alice,\n\nThank you for applying for the Senior Data Engineer role at "
                "Acme. Our recruiting team will review your application.\n\nAcme Talent "
                "Acquisition",
                reply_to_previous=False,
            ),
            _Mail(
                24,
                tom,
                (ME,),
                "Senior Data Engineer at Acme: next steps",
                "Hi Alice,\n\nI'm the recruiter for the Senior Data Engineer position. "
                "Priya Raman, our Head of Data and the hiring manager, would like to meet "
                "you. Could we schedule an interview?\n\nBest,\nTom Becker\nTalent "
                "Acquisition Partner, Acme",
                reply_to_previous=False,
            ),
            _Mail(
                23,
                ME,
                (tom,),
                "Re: Senior Data Engineer at Acme: next steps",
                "Hi Tom,\n\nThank you, I'd be glad to. Any afternoon next week works.\n\nAlice",
            ),
            _Mail(
                22,
                tom,
                (ME,),
                "Invitation: Interview Alice Moreau / Priya Raman",
                "Hi Alice,\n\nPlease find the interview invitation attached.\n\nTom Becker\n"
                "Recruiting Coordinator",
                cc=(priya,),
                calendar=_ics("acme-1@example.test", interview_at, tom, [ME, priya]),
            ),
            _Mail(
                9.8,
                ME,
                (priya,),
                "Re: Invitation: Interview Alice Moreau / Priya Raman",
                "Dear Priya,\n\nThank you for the interview today. I enjoyed learning about "
                "the data platform.\n\nBest regards,\nAlice",
                cc=(tom,),
            ),
        ],
        "globex": [
            _Mail(
                16,
                ME,
                (("Globex Recruiting", "careers@globex.example.test"),),
                "Application: Product Analyst (ref 4471)",
                "Hello,\n\nPlease find attached my application for the Product Analyst "
                "position.\n\nKind regards,\nAlice Moreau",
                reply_to_previous=False,
            ),
            _Mail(
                15,
                ("Nadia Okafor", "nadia.okafor@globex.example.test"),
                (ME,),
                "Re: Application: Product Analyst (ref 4471)",
                "Hi Alice,\n\nThanks for your application. I'm the HR business partner "
                "for this role. We'll get back to you next week.\n\nNadia Okafor\nHR "
                "Business Partner, Globex",
            ),
        ],
        "initech": [
            _Mail(
                20,
                ME,
                (("Bill Lumbergh", "bill@initech.example.test"),),
                "Application for the Backend Developer role",
                "Hello Bill,\n\nI am applying for the Backend Developer role.\n\nAlice",
                reply_to_previous=False,
            ),
            _Mail(
                6,
                ("Initech Recruiting", "recruiting@initech.example.test"),
                (ME,),
                "Re: Application for the Backend Developer role",
                "Dear Alice,\n\nThank you for your interest in Initech. After careful "
                "consideration, we have decided to move forward with other candidates. "
                "We wish you every success in your search.\n\nInitech Recruiting",
            ),
        ],
        "umbrella": [
            _Mail(
                12,
                ME,
                (("Umbrella Talent", "talent@umbrella.example.test"),),
                "Application: Security Engineer",
                "Hello,\n\nI'd like to apply for the Security Engineer position.\n\nAlice",
                reply_to_previous=False,
            ),
            _Mail(
                8,
                ("Grace Kim", "grace.kim@umbrella.example.test"),
                (ME,),
                "Re: Application: Security Engineer",
                "Hi Alice,\n\nThanks for applying! I'm the technical recruiter for this "
                "role. Could you send me your availability for a first call next week?\n\n"
                "Grace Kim\nTechnical Recruiter, Umbrella",
            ),
        ],
        "hooli": [
            _Mail(
                6,
                sofia,
                (ME,),
                "Interview for the ML Engineer position",
                "Hi Alice,\n\nAs the recruiter for the ML Engineer role, I'm sending the "
                "invitation for your interview with our Engineering Manager.\n\nSofia "
                "Lindqvist\nRecruiter, Hooli",
                reply_to_previous=False,
                calendar=_ics(
                    "hooli-1@example.test",
                    future_at,
                    sofia,
                    [ME, ("Raj Patel", "raj.patel@hooli.example.test")],
                ),
            ),
            _Mail(
                5.5,
                ME,
                (sofia,),
                "Re: Interview for the ML Engineer position",
                "Hi Sofia,\n\nThank you, I have accepted the invitation.\n\nAlice",
            ),
        ],
        "stark": [
            _Mail(
                21,
                ("Claire Dubois", "claire.dubois@stark.example.test"),
                (ME,),
                "Entretien pour le poste de cheffe de projet",
                "Bonjour Alice,\n\nJe suis chargée de recrutement chez Stark. Nous "
                "souhaiterions organiser un entretien avec Marc Lefèvre, directeur "
                "technique et responsable du recrutement pour ce poste.\n\nCordialement,\n"
                "Claire Dubois\nChargée de recrutement",
                reply_to_previous=False,
            ),
            _Mail(
                20,
                ME,
                (("Claire Dubois", "claire.dubois@stark.example.test"),),
                "RE: Entretien pour le poste de cheffe de projet",
                "Bonjour Claire,\n\nAvec plaisir, je suis disponible mardi.\n\nAlice",
            ),
            _Mail(
                12,
                ME,
                (("Marc Lefèvre", "marc.lefevre@stark.example.test"),),
                "RE: Entretien pour le poste de cheffe de projet",
                "Bonjour Marc,\n\nMerci pour notre entretien de ce matin, j'ai beaucoup "
                "apprécié notre échange.\n\nBien cordialement,\nAlice",
                cc=(("Claire Dubois", "claire.dubois@stark.example.test"),),
            ),
        ],
        "wayne": [
            _Mail(
                19,
                ME,
                (("Wayne Karriere", "karriere@wayne.example.test"),),
                "Bewerbung als Softwareentwicklerin",
                "Sehr geehrte Damen und Herren,\n\nanbei meine Bewerbung als "
                "Softwareentwicklerin.\n\nMit freundlichen Grüßen\nAlice Moreau",
                reply_to_previous=False,
            ),
            _Mail(
                18,
                ("Jonas Weber", "jonas.weber@wayne.example.test"),
                (ME,),
                "AW: Bewerbung als Softwareentwicklerin",
                "Hallo Frau Moreau,\n\nvielen Dank für Ihre Bewerbung. Ich bin als "
                "Recruiter für diese Stelle zuständig und melde mich, sobald wir die "
                "Unterlagen geprüft haben.\n\nViele Grüße\nJonas Weber\nRecruiter, "
                "Personalabteilung",
            ),
        ],
        "tyrell": [
            _Mail(
                14,
                ("Lucía Fernández", "lucia@tyrell.example.test"),
                (ME,),
                "Oferta: Ingeniera de datos",
                "Hola Alice,\n\nNos complace ofrecerte el puesto de Ingeniera de datos. "
                "Adjuntamos la oferta.\n\nSaludos,\nLucía Fernández\nResponsable de "
                "Recursos Humanos",
                reply_to_previous=False,
            ),
        ],
        "alerts": [
            _Mail(
                2,
                ("JobBoard Alerts", "alerts@jobboard.example.test"),
                (ME,),
                "12 new jobs matching 'data engineer'",
                "New jobs for you: Data Engineer at Contoso, Interview-ready roles...\n\n"
                "Unsubscribe: https://jobboard.example.test/u",
                extra=(
                    ("List-Unsubscribe", "<https://jobboard.example.test/u>"),
                    ("Precedence", "bulk"),
                ),
                reply_to_previous=False,
            ),
        ],
        "list": [
            _Mail(
                3,
                ("Dev Community", "talk@lists.example.test"),
                (ME,),
                "[devs] How do you prepare for a system design interview?",
                "Any tips for the interview process at big companies?",
                extra=(("List-Id", "<devs.lists.example.test>"),),
                reply_to_previous=False,
            ),
        ],
        "friend": [
            _Mail(
                4,
                ("Ben Carter", "ben@friends.example.test"),
                (ME,),
                "Dinner on Friday?",
                "Hey Alice! Good luck with your interview this week. Dinner on Friday to "
                "celebrate?\n\nBen",
                reply_to_previous=False,
            ),
            _Mail(
                3.9,
                ME,
                (("Ben Carter", "ben@friends.example.test"),),
                "Re: Dinner on Friday?",
                "Sounds great, see you Friday!",
            ),
        ],
        "soylent": [
            _Mail(
                15,
                ME,
                (("Hana Sato", "hana.sato@soylent.example.test"),),
                "Follow-up on our interview: UX Researcher",
                "Dear Hana,\n\nThank you for the interview for the UX Researcher role "
                "yesterday.\n\nBest,\nAlice",
                reply_to_previous=False,
            ),
            _Mail(
                15,
                ("Hana Sato", "hana.sato@soylent.example.test"),
                (ME,),
                "Automatic reply: Follow-up on our interview: UX Researcher",
                "I am out of the office with limited access to e-mail.",
                extra=(("Auto-Submitted", "auto-replied"),),
            ),
        ],
    }


def _message_id(thread: str, index: int) -> str:
    digest = hashlib.sha256(f"{thread}/{index}".encode()).hexdigest()[:16]
    return f"<{digest}.{thread}@demo.example.test>"


def _build(thread: str, mails: list[_Mail], now: datetime) -> list[tuple[bool, bytes]]:
    out: list[tuple[bool, bytes]] = []
    chain: list[str] = []
    for i, mail in enumerate(mails):
        msg = EmailMessage(policy=SMTP)
        msg["From"] = f"{mail.sender[0]} <{mail.sender[1]}>"
        msg["To"] = ", ".join(f"{n} <{a}>" for n, a in mail.to)
        if mail.cc:
            msg["Cc"] = ", ".join(f"{n} <{a}>" for n, a in mail.cc)
        msg["Subject"] = mail.subject
        msg["Date"] = format_datetime(now - timedelta(days=mail.days_ago))
        msg["Message-ID"] = _message_id(thread, i)
        if chain and mail.reply_to_previous:
            msg["In-Reply-To"] = chain[-1]
            msg["References"] = " ".join(chain)
        for name, value in mail.extra:
            msg[name] = value
        msg.set_content(mail.body)
        if mail.calendar is not None:
            msg.add_alternative(mail.calendar, subtype="calendar", params={"method": "REQUEST"})
        chain.append(msg["Message-ID"])
        out.append((mail.sender == ME, msg.as_bytes()))
    return out


def write_demo_maildir(root: Path, now: datetime) -> int:
    """Write the sample mailbox; return the number of messages."""
    count = 0
    for folder in (root, root / ".Sent", root / ".Drafts"):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    for thread, mails in _threads(now).items():
        for i, (sent, raw) in enumerate(_build(thread, mails, now)):
            folder = root / ".Sent" if sent else root
            (folder / "cur" / f"demo.{thread}.{i}:2,S").write_bytes(raw)
            count += 1
    return count


def write_demo_config(path: Path, maildir: Path, store: Path) -> None:
    path.write_text(
        "# Written by `followup demo`: a Maildir account, nothing is ever sent.\n"
        'timezone = "Europe/Paris"\n\n'
        f'[store]\npath = "{store}"\n\n'
        "[[accounts]]\n"
        'name = "demo"\n'
        f'address = "{ME[1]}"\n'
        f'display_name = "{ME[0]}"\n'
        'folders = ["INBOX"]\n\n'
        f'[accounts.maildir]\npath = "{maildir}"\n\n'
        "[followup]\nsilence_business_days = 5\nmax_followups = 2\n"
        'holidays_country = "FR"\n\n'
        '[logging]\nlevel = "warning"\n',
        encoding="utf-8",
    )


def run_demo(
    directory: Path | None,
    *,
    clock: Clock,
    console: Console,
    run: Callable[[list[str]], None],
) -> None:
    if directory is None:
        with tempfile.TemporaryDirectory(prefix="followup-demo-") as tmp:
            _run_in(Path(tmp), clock=clock, console=console, run=run)
    else:
        directory.mkdir(parents=True, exist_ok=True)
        _run_in(directory, clock=clock, console=console, run=run)


def _run_in(
    root: Path, *, clock: Clock, console: Console, run: Callable[[list[str]], None]
) -> None:
    now = clock()
    maildir = root / "Mail"
    config = root / "config.toml"
    count = write_demo_maildir(maildir, now)
    write_demo_config(config, maildir, root / "state.db")
    console.print(f"[bold]followup demo[/]: {count} messages in a sample Maildir at {maildir}")
    console.print(f"Config written to {config}\n")
    base = ["--config", str(config), "--now", now.isoformat()]
    for args in (
        ["sync"],
        ["threads", "list"],
        ["plan"],
        ["run", "--once"],
        ["queue", "list"],
        # A fresh store numbers drafts from 1.
        ["queue", "show", "1"],
    ):
        console.print(f"\n[bold cyan]$ followup {' '.join(args)}[/]")
        run([*base, *args])
    console.print(
        "\nNothing was sent: the demo account has no SMTP server. With a real account, "
        "`followup queue approve ID` approves a draft and the next cycle sends it."
    )
