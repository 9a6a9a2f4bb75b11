"""Dates written in prose: out-of-office return dates and promised deadlines.

Everything works on normalized text (see `daemon.classify.text.normalize`).
These dates only ever postpone a follow-up, and a follow-up written while the
recruiter is away, or before the day they promised, is the failure to avoid:
so a promise with several time frames is held until the latest, and a return
date is believed up to `_RETURN_HORIZON` (parental leave, a sabbatical). The
guard against a misreading putting a thread off for months is in how a date
is read, not in how far away it is: a numeric date that can be read two ways
(7/12) is the first reading not before the message, a bare day number counts
only right after its weekday ("vendredi 11") or as an English ordinal where a
date is expected ("by the 7th"), and only the sentence that says when the
sender is back gives an "until" date.
"""

from __future__ import annotations

import calendar
import contextlib
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from daemon.classify.text import normalize

if TYPE_CHECKING:
    from collections.abc import Callable

_MONTHS = {
    **dict.fromkeys(("january", "jan", "janvier", "janv", "januar", "jänner", "enero"), 1),
    **dict.fromkeys(("february", "feb", "février", "fevrier", "févr", "februar", "febrero"), 2),
    **dict.fromkeys(("march", "mar", "mars", "märz", "maerz", "marzo"), 3),
    **dict.fromkeys(("april", "apr", "avril", "avr", "abril"), 4),
    **dict.fromkeys(("may", "mai", "mayo"), 5),
    **dict.fromkeys(("june", "jun", "juin", "juni", "junio"), 6),
    **dict.fromkeys(("july", "jul", "juillet", "juil", "juli", "julio"), 7),
    **dict.fromkeys(("august", "aug", "août", "aout", "agosto"), 8),
    **dict.fromkeys(
        ("september", "sep", "sept", "septembre", "septiembre", "setiembre"),
        9,
    ),
    **dict.fromkeys(("october", "oct", "octobre", "oktober", "okt", "octubre"), 10),
    **dict.fromkeys(("november", "nov", "novembre", "noviembre"), 11),
    **dict.fromkeys(
        ("december", "dec", "décembre", "decembre", "déc", "dezember", "dez", "diciembre"),
        12,
    ),
}
_WEEKDAYS = {
    **dict.fromkeys(("monday", "lundi", "montag", "lunes"), 0),
    **dict.fromkeys(("tuesday", "mardi", "dienstag", "martes"), 1),
    **dict.fromkeys(("wednesday", "mercredi", "mittwoch", "miércoles", "miercoles"), 2),
    **dict.fromkeys(("thursday", "jeudi", "donnerstag", "jueves"), 3),
    **dict.fromkeys(("friday", "vendredi", "freitag", "viernes"), 4),
    **dict.fromkeys(("saturday", "samedi", "samstag", "sábado", "sabado"), 5),
    **dict.fromkeys(("sunday", "dimanche", "sonntag", "domingo"), 6),
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
#: Month names a time frame may give alone ("early January"), which the
#: abbreviations are not: "mar", "jun" and "dec" are words too, or read only
#: inside a date.
_MONTH_ABBREVIATIONS = frozenset(
    [
        "jan",
        "janv",
        "feb",
        "févr",
        "mar",
        "apr",
        "avr",
        "jun",
        "jul",
        "juil",
        "aug",
        "sep",
        "sept",
        "oct",
        "okt",
        "nov",
        "dec",
        "déc",
        "dez",
    ]
)
_FULL_MONTH = "|".join(
    sorted((name for name in _MONTHS if name not in _MONTH_ABBREVIATIONS), key=len, reverse=True)
)
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
#: English short weekdays. They lead a date ("Fri 4 Dec", "Mon., Dec. 7") but
#: are never a date alone: "sat", "sun" and "wed" are words too, and other
#: languages' short forms ("mar", "do", "mi") collide with common words.
_SHORT_WEEKDAY = "mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun"
_DAY_SUFFIX = r"(?:st|nd|rd|th|er|\.|º)?"
#: What follows a day number that is not a day of the month: a time
#: ("Monday 9 am", "lundi 10h"), a numeric date or range ("Tuesday 10-11"),
#: or the month of a date read another way.
_NOT_A_DAY = (
    rf"(?![\w:]|[.,/-]\d|\s?[-\u2013]\s?\d|\.?\s?(?:of\s|de\s)?(?:{_MONTH})(?![\w])"
    r"|\s?(?:h|am|pm|a\.m|p\.m|uhr|hrs?)(?![\w])"
    # A count: "by Monday, 12 candidates are still in the process".
    r"|\s(?:candidat\w*|applicant\w*|people|persons|personnes|kandidat\w*|bewerber\w*"
    r"|personas|others?|autres|weitere|otros|otras|more|plus|mehr|más)(?![\w]))"
)

#: A date, optionally led by its weekday ("Friday, the 11th of December",
#: "Mittwoch, den 9.12.", "Fri 4 Dec"), which then only widens the match. A
#: bare day number is a date only right after a full weekday ("vendredi 11",
#: "Friday the 11th"); "2 rounds" or "in 3 days" never are.
_DATE_BODY = (
    rf"(?<![\w./-])"
    rf"(?:(?P<lead>(?P<lead_full>{_WEEKDAY})|(?:{_SHORT_WEEKDAY})\.?)(?:,\s?|\s\(?)"
    r"(?:(?:the|den|le)\s)?)?"
    rf"(?:"
    rf"(?P<iso_y>\d{{4}})-(?P<iso_m>\d{{1,2}})-(?P<iso_d>\d{{1,2}})"
    rf"|(?P<dm_d>\d{{1,2}}){_DAY_SUFFIX}\s?(?:of |de )?(?P<dm_m>{_MONTH})\.?"
    rf"(?:,?\s(?:de\s)?(?P<dm_y>\d{{4}}))?"
    rf"|(?P<md_m>{_MONTH})\.?\s(?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s(?P<md_y>\d{{4}}))?"
    rf"|(?P<n_a>\d{{1,2}})[./](?P<n_b>\d{{1,2}})(?:[./](?P<n_y>\d{{4}}|\d{{2}}))?\.?"
    rf"|(?(lead_full)(?P<lead_d>\d{{1,2}}){_DAY_SUFFIX}{_NOT_A_DAY}|(?!))"
    rf"|(?(lead)(?!)|(?P<wd>{_WEEKDAY}))"
    rf")(?![\w])"
)
_DATE = re.compile(_DATE_BODY)

#: Ordinals that count something else: "by the 2nd round".
_COUNTED = r"round|interview|stage|step|time|call|meeting|floor|candidate|place|week|day|month|year"
#: An English ordinal alone, where a date is expected: "by the 7th", "until
#: the 7th". One followed by a month is a full date, read as such.
_ORDINAL_DAY = (
    r"(?P<ord_d>\d{1,2})(?:st|nd|rd|th)(?![\w])"
    rf"(?!\s(?:of\s)?(?:{_MONTH})(?![\w])|\s(?:{_COUNTED})s?(?![\w]))"
)
_LONE_ORDINAL = re.compile(rf"\s*(?:the\s)?{_ORDINAL_DAY}")

_RETURN_ANCHOR = re.compile(
    r"(?<![\w])(?:"
    r"(?P<back>back(?: in the office| at work| at my desk| in office)?(?: on| from)?"
    r"|return(?:ing)?(?: to the office| to work)?(?: on)?|will be back|in the office (?:again )?"
    r"(?:from|on)|available (?:again )?(?:from|on)"
    r"|de retour(?: au bureau)?(?: le| à partir du| dès le)?|à partir du|dès le"
    r"|retour prévu le|ab dem|wieder (?:im büro|erreichbar|da|zurück)(?: ab| am)?"
    r"|zurück (?:am|ab)|ab|de vuelta(?: el| a partir del)?|a partir del|regresaré el"
    r"|volveré el|vuelvo el)"
    r"|(?P<until>until|till|through|thru|to|jusqu'au|jusqu'à|au|bis(?: zum| einschließlich"
    r"| inklusive| inkl\.)?|hasta(?: el)?|al))(?![\w])"
)
#: How far after "back on" its date may start: "back in the office, as
#: planned, on 7 December".
_ANCHOR_REACH = 24
#: The shortest "until" words are common words too: their date must follow
#: at once, as in "from 23 November to (the) 7 December", not "send
#: timesheets to payroll by 15 December".
_SHORT_UNTIL = frozenset({"to", "au", "al"})
_UNTIL_REACH = 8
#: How long after an out-of-office reply its sender can be expected back:
#: a year covers parental leave and sabbaticals.
_RETURN_HORIZON = timedelta(days=366)
#: How far ahead a date without return wording may be the return.
_GUESS_HORIZON = timedelta(days=120)

_WEEK_WORDS = r"(?:week|semaine|woche|semana)"
_NUMBER_WORDS = {
    **dict.fromkeys(("a", "an", "one", "un", "une", "ein", "eine", "einer", "una", "uno"), 1),
    **dict.fromkeys(("two", "deux", "zwei", "dos", "a couple of", "couple of"), 2),
    **dict.fromkeys(("three", "trois", "drei", "tres", "a few", "few", "quelques"), 3),
    **dict.fromkeys(("ein paar", "unos", "unos pocos", "some"), 3),
}
_NUMBER = "|".join(sorted((re.escape(word) for word in _NUMBER_WORDS), key=len, reverse=True))
_UNIT = rf"(?:business |working )?days?|jours?|tagen?|días?|dias?|{_WEEK_WORDS}s?|wochen|semaines"
#: Between the two ends of a range: "1-2 weeks", "two to three weeks", "a week or two".
_RANGE = r"(?:\s?[-\u2013]\s?|\s(?:to|or|à|ou|bis|oder|a|o)\s)"
#: A time of day before the date: "by 5pm on Friday", "bis 17 Uhr am Freitag".
_TIME = (
    r"(?:\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}(?::\d{2}|h\d{0,2})"
    r"|\d{1,2}(?:[:.]\d{2})?\s?uhr|noon|midday|(?:the )?end of (?:the )?day|close of business)"
)
#: After a weekday, the week it falls in: "Wednesday next week".
_OF_NEXT_WEEK = (
    r"\s(?:(?:of\s)?next week|(?:de\s)?la semaine prochaine|(?:der\s)?(?:nächste[rn]?"
    r"|kommende[rn]?)\swoche|(?:de\s)?la (?:semana que viene|próxima semana|semana próxima)"
    r"|prochain)"
)

_TIMEFRAME = re.compile(
    r"(?<![\w])(?:"
    r"(?P<early_next>early next week|beginning of next week|début de (?:la )?semaine prochaine"
    r"|anfang (?:der )?(?:nächste[rn]?|kommende[rn]?) woche|principios de la (?:próxima )?semana"
    r"(?: que viene)?)"
    # Before "this_week": "la fin de la semaine" would take "fin de la semaine prochaine".
    r"|(?P<next_week>next week|la semaine prochaine|(?:la )?fin de (?:la )?semaine prochaine"
    r"|(?:nächste[rn]?|kommende[rn]?) woche|la (?:próxima|siguiente) semana|la semana que viene)"
    r"|(?P<after_next>(?:(?:by )?the end of )?the week after next|übernächste[rn]? woche)"
    r"|(?P<this_week>(?:end of |by the end of |this )(?:the |this )?week|cette semaine"
    r"|(?:la )?fin (?:de (?:la )?|du )semaine|ende der woche|diese woche|esta semana"
    r"|finales de (?:la |esta )?semana)"
    r"|(?P<month_end>end of (?:the |this )?month|fin (?:du|de ce) mois|ende des monats"
    r"|finales de(?:l)? mes)"
    r"|(?P<few_days>(?:in|within|over) the (?:next|coming) (?:few |couple of )?days"
    r"|dans les (?:prochains|jours qui viennent)(?: jours)?|in den (?:nächsten|kommenden) tagen"
    r"|en los próximos días)"
    r"|(?P<fortnight>(?:in|within|sous|dans|d'ici) (?:a |one |the next |une |la )?"
    r"(?:fortnight|quinzaine))"
    # "within the next two weeks", "dans les deux prochaines semaines", "en un plazo
    # de 15 días"; a range counts by its upper end: "in 1-2 weeks", "in a week or two".
    r"|(?P<within>(?:within|in|sous|d'ici|dans|innerhalb(?: von)?|en|dentro de)\s"
    r"(?:the (?:next|coming) |(?:den |der )?(?:nächsten|kommenden) "
    r"|(?:les|las|los) (?:próxim[ao]s )?|un plazo de )?"
    r"(?:about |around |approx\. |ca\. |etwa |environ |env\. |aproximadamente |aprox\. )?"
    rf"(?P<count>\d{{1,2}}|{_NUMBER})(?:{_RANGE}(?P<high>\d{{1,2}}|{_NUMBER}))?"
    rf"\s(?:prochaine?s\s)?(?P<unit>{_UNIT})(?:\s(?:ouvrés|ouvrables|hábiles))?"
    # Without its own unit, the upper end closes the phrase: "in a week or two", not
    # "en 2 semanas a 10 candidatos".
    rf"(?:{_RANGE}(?:(?P<upper>\d{{1,2}}|{_NUMBER})\s(?P<upper_unit>{_UNIT})"
    rf"|(?P<upper_word>{_NUMBER})|(?P<upper_digits>\d{{1,2}})(?!\s[^\W\d])))?)"
    r"|(?P<tomorrow>tomorrow|demain|mañana|morgen)"
    # A part of a month, a month, the holidays: named close after the promise only
    # (see `_latest_deadline`), since "the role starts in March" is no deadline.
    r"|(?P<month_part>(?:(?:by|until|before|avant|d'ici|bis|antes de) )?(?P<part>early|beginning of"
    r"|start of|mid|middle of|the end of|end of|late|début|mi|fin|anfang|mitte|ende"
    r"|(?:a )?principios de|(?:a )?mediados de|(?:a )?finales de)[\s-](?:de |d'|des |del )?"
    rf"(?P<pm>{_FULL_MONTH}))"
    r"|(?P<in_month>(?:in|en|im|during|durant|courant) (?:the month of |le mois de |el mes de )?"
    rf"(?P<im>{_FULL_MONTH}))"
    r"|(?P<holidays>after the (?:holidays|christmas holidays|festive season|holiday season"
    r"|christmas break|holiday break)|in the new year|après les (?:fêtes|vacances de noël)"
    r"|nach den (?:feiertagen|weihnachtsfeiertagen|festtagen)|im neuen jahr"
    r"|(?:después de|tras) (?:las fiestas|navidad|las vacaciones de navidad)|en el año nuevo)"
    r"|(?P<christmas>before christmas|avant noël|vor weihnachten|antes de navidad)"
    r"|(?P<calendar_week>(?:kw|kalenderwoche|calendar week) (?P<week>\d{1,2}))"
    # "on", "le", "am" and "el" name the day itself, and only when it follows the
    # promise closely (see `_latest_deadline`); the others say "by", or "at the latest".
    r"|(?P<by_day>(?:(?P<by>by|before|avant|d'ici|bis|antes del?)|(?P<at_latest>bis spätestens"
    r"|no later than|not later than|au plus tard|spätestens|a más tardar|como muy tarde)"
    r"|(?P<on>on|le|am|el)),?"
    rf"\s(?:{_TIME}\s(?:on |le |am |el )?)?(?:le |the |zum |dem |am |el (?:día )?|día )?"
    # "By next Friday" is read as next week's: a day too late beats a day too early.
    r"(?P<next>(?:next|nächste[rn]?|kommende[rn]?|(?:el )?próximo)\s)?"
    rf"(?P<by_rest>{_DATE_BODY}|{_ORDINAL_DAY})(?P<later>{_OF_NEXT_WEEK})?)"
    r")(?![\w])"
)

#: A word about when they will decide or write back, in the sentence after
#: the promise: "We expect to make a decision by 11 December".
_ABOUT_THE_ANSWER = re.compile(
    r"(?<![\w])(?:decisions?|decid(?:e|ed|ing)|updates?|feedback|news|answers?|hear"
    r"|décisions?|décid(?:er|é|ée)|retour|réponses?|nouvelles"
    r"|entscheidung(?:en)?|entscheiden|rückmeldung|bescheid|nachrichten?"
    r"|decisi(?:ón|ones)|decidir|decidido|respuestas?|noticias|novedades)(?![\w])"
)

#: The most characters between such a word and its time frame, which no
#: comma separates. A word about the decision or the answer carries far:
#: "decisions are expected to be made by", "an answer from the hiring team
#: by". A word that may be about anything ("update", "answers") only right
#: before it: "an update by Friday", not "an update on the reorganisation
#: by 1 March".
_DECISION_REACH = 48
_ANSWER_REACH = 16
#: The words that may be about anything, and so only reach right before it.
_VAGUE_WORDS = frozenset({"update", "updates", "answers", "réponses", "respuestas", "nachrichten"})
#: Words between the two that make the date another thing's: "updates to
#: the job description will be published by", "send your answers to the
#: case study by".
_OTHER_THING = re.compile(
    r"(?<![\w])(?:questionnaire|description|publi\w*|start\w*|contra\w*|assignment|form|tests?"
    r"|case study|étude de cas|fallstudie|caso práctico|stelle|poste|puesto|vertrag|beginn\w*"
    r"|comienz\w*|début|reorgani\w*|réorgani\w*)(?![\w])"
)

#: A full stop ends a sentence, unless it follows a day before its month
#: ("bis zum 5. März"); abbreviations and titles ("Dr. Patel"), and short
#: weekdays and months before their date ("Mon., Dec. 7"), matched first,
#: hold their full stops.
_SENTENCE_END = re.compile(
    rf"(?P<abbreviation>(?<![\w.])(?:i\.e|e\.g|approx|aprox|ca|env|z\.\s?b|p\.\s?ex"
    rf"|mrs?|ms|dr|dra|prof|sra?|m"
    rf"|(?:{_SHORT_WEEKDAY})(?=\.,?\s(?:\d|(?:{_MONTH})(?![\w])))"
    rf"|(?:{_MONTH})(?=\.\s\d))\.)"
    rf"|(?:[!?]|(?<!\d)\.|\.(?!\s(?:{_MONTH})(?![\w])))(?:\s|$)"
)
_SHORT_YEAR = 2
#: How long ago a date without its year may be, before it reads as next year's.
_RECENT = timedelta(days=60)
#: The words that make a time frame the limit of the one before it.
_AT_THE_LATEST = (
    r"(?:at the (?:very )?latest|latest|au plus tard|allerspätestens|spätestens|a más tardar"
    r"|como muy tarde)"
)
_LIMIT_WORDS_END = re.compile(rf"(?<![\w]){_AT_THE_LATEST}[\s,]*$")
_LIMIT_WORDS_NEXT = re.compile(rf"[\s,]*{_AT_THE_LATEST}(?![\w])")
_GAP_MARKS = r"[\s,;:(\u2013-]*"
#: Two time frames joined as one: "in a week or two", "(by 11 December)".
_OR = re.compile(rf"{_GAP_MARKS}(?:(?:or|ou|oder|o)[\s,]*)?")
_CONJUNCTION = re.compile(rf"{_GAP_MARKS}(?:(?:and|but|et|mais|und|aber|y|pero)[\s,]*)?")
#: Words that make a date after the promise another matter's: "next week;
#: the successful candidate would start by 4 January". Not the topic of the
#: answer ("the results of the technical test by 11 December").
_ANOTHER_MATTER = re.compile(
    r"(?<![\w])(?:start\w*|contract\w*|contrat\w*|contrato\w*|vertrag\w*|beginn\w*|comienz\w*"
    r"|prise de poste|eintritt\w*|einstieg|on ?board\w*|incorpora\w*|hire|office|bureau|büro"
    r"|oficina|closed|fermée?s?|geschlossen|cerrad[ao]s?|held|takes? place|stattfind\w*"
    r"|aura(?:nt)? lieu|tendrán? lugar)(?![\w])"
)
#: A promise to answer once someone is back, whose date the sentence before gives.
_WHEN_BACK = re.compile(
    r"(?<![\w])(?:(?:when|once|after|as soon as) (?:he|she|they|i|we)(?:'s| is| are|'re| am|'m"
    r"| gets?)? back"
    r"|(?:à|dès) (?:son|leur|mon) retour|nach (?:seiner|ihrer|meiner) rückkehr"
    r"|wenn (?:er|sie|ich) (?:wieder )?zurück|a su (?:regreso|vuelta)|cuando (?:vuelva|regrese))"
    r"(?![\w])"
)
#: How far before such a promise its return date is read.
_BACK_REACH = 120
#: Marks that end a clause, so that a date after them is another matter's.
_SEPARATOR = re.compile(r"[,;:\u2013]|\s-\s")
_DECEMBER = 12
#: How far after the promise wording an "on" day may start: "we'll get back
#: to you with a decision on 11 December".
_ON_REACH = 20
_WEEKS = re.compile(_WEEK_WORDS)
_BUSINESS = re.compile(r"business|working|ouvrés|ouvrables|hábiles")


class Found(NamedTuple):
    start: int
    day: date


def _infer_year(month: int, day: int, sent: date) -> date | None:
    """The first such date at most `_RECENT` before `sent`: prose omits the year.

    "Until 10 November" in a reply of 24 November is a forgotten
    out-of-office, not next November; "back on 1 June" in November is next
    June.
    """
    for year in (sent.year - 1, sent.year, sent.year + 1):
        with contextlib.suppress(ValueError):
            candidate = date(year, month, day)
            if candidate >= sent - _RECENT:
                return candidate
    return None


def _with_year(year: str | None, month: int, day: int, sent: date) -> date | None:
    if not year:
        return _infer_year(month, day, sent)
    full = int(year) + (2000 if len(year) == _SHORT_YEAR else 0)
    try:
        return date(full, month, day)
    except ValueError:
        return None


def next_weekday(weekday: int, sent: date) -> date:
    """The next such weekday strictly after `sent`."""
    return sent + timedelta(days=(weekday - sent.weekday() - 1) % 7 + 1)


def _numeric(match: re.Match[str], sent: date, language: str) -> date | None:
    first, second, year = int(match["n_a"]), int(match["n_b"]), match["n_y"]
    readings = [(second, first)]
    if language == "en":
        # English mail mixes 03/12 (UK) and 12/03 (US).
        readings.append((first, second))
    dates = [d for month, day in readings if (d := _with_year(year, month, day, sent))]
    ahead = [d for d in dates if d >= sent]
    return min(ahead) if ahead else max(dates, default=None)


def _day_of_month(day: int, sent: date) -> date | None:
    """The next such day of a month, not before `sent`: "by the 7th", "vendredi 11"."""
    year, month = sent.year, sent.month
    # A 31st may skip a short month; three months always hold one.
    for _ in range(3):
        with contextlib.suppress(ValueError):
            candidate = date(year, month, day)
            if candidate >= sent:
                return candidate
        year, month = (year + 1, 1) if month == _DECEMBER else (year, month + 1)
    return None


def _iso(match: re.Match[str]) -> date | None:
    try:
        return date(int(match["iso_y"]), int(match["iso_m"]), int(match["iso_d"]))
    except ValueError:
        return None


def _resolve(match: re.Match[str], sent: date, language: str) -> date | None:
    group = match.group
    if group("iso_y"):
        return _iso(match)
    if group("dm_d"):
        return _with_year(group("dm_y"), _MONTHS[group("dm_m")], int(group("dm_d")), sent)
    if group("md_m"):
        return _with_year(group("md_y"), _MONTHS[group("md_m")], int(group("md_d")), sent)
    if group("n_a"):
        return _numeric(match, sent, language)
    if group("lead_d"):
        return _day_of_month(int(group("lead_d")), sent)
    return next_weekday(_WEEKDAYS[group("wd")], sent)


def find_dates(text: str, sent: date, language: str) -> list[Found]:
    """Every readable date in normalized `text`, in order of appearance."""
    found = []
    for match in _DATE.finditer(text):
        day = _resolve(match, sent, language)
        if day is not None:
            found.append(Found(match.start(), day))
    return found


def _first_after(
    text: str, found: list[Found], position: int, reach: int, sent: date
) -> date | None:
    """The date right after an anchor: a lone ordinal ("until the 7th"), else the first in reach."""
    ordinal = _LONE_ORDINAL.match(text, position)
    if ordinal is not None:
        return _day_of_month(int(ordinal["ord_d"]), sent)
    return next((f.day for f in found if position <= f.start <= position + reach), None)


def parse_ooo_return_date(text: str, sent_at: datetime, language: str) -> date | None:
    """The first day an out-of-office sender is back, when the text says.

    "back on 3 Nov" gives 3 Nov; "away until 3 Nov" gives 4 Nov (until is
    read as inclusive); of several, the latest, since the sender may be away
    twice ("at a conference until 27 November, then on leave until 11
    December"). Without such wording, the latest date not far ahead is
    read as the last day away. A day beyond `_RETURN_HORIZON` is never the
    answer.
    """
    normalized = normalize(text).replace("\n", " ")
    sent = sent_at.date()
    found = [f for f in find_dates(normalized, sent, language) if f.day >= sent]
    candidates: list[date] = []
    for anchor in _RETURN_ANCHOR.finditer(normalized):
        back = anchor.group("back") is not None
        short = anchor.group() in _SHORT_UNTIL
        reach = _UNTIL_REACH if short else _ANCHOR_REACH
        day = _first_after(normalized, found, anchor.end(), reach, sent)
        if day is not None:
            candidates.append(day if back else day + timedelta(days=1))
    horizon = sent + _RETURN_HORIZON
    if not candidates:
        # A date with no return wording may be anything (a signature's event).
        candidates = [f.day + timedelta(days=1) for f in found]
        horizon = sent + _GUESS_HORIZON
    return max((day for day in candidates if day <= horizon), default=None)


def _friday(of: date) -> date:
    return of + timedelta(days=4 - of.weekday())


def _this_friday(sent: date) -> date:
    friday = _friday(sent)
    return friday if friday >= sent else friday + timedelta(days=7)


def _month_end(sent: date) -> date:
    return sent.replace(day=calendar.monthrange(sent.year, sent.month)[1])


def _in_next_week(weekday: int, sent: date) -> date:
    """That weekday in the week after `sent`'s: "Wednesday next week"."""
    return sent + timedelta(days=7 - sent.weekday() + weekday)


#: Deadlines that depend only on the day the promise was made.
_RELATIVE: dict[str, Callable[[date], date]] = {
    "early_next": lambda sent: _friday(sent) + timedelta(days=4),
    "next_week": lambda sent: _friday(sent) + timedelta(days=7),
    "after_next": lambda sent: _friday(sent) + timedelta(days=14),
    "this_week": _this_friday,
    "month_end": _month_end,
    "few_days": lambda sent: sent + timedelta(days=3),
    "fortnight": lambda sent: sent + timedelta(days=14),
    "tomorrow": lambda sent: sent + timedelta(days=1),
}


def _span(count: str, unit: str, business: bool) -> timedelta:
    number = int(count) if count.isdigit() else _NUMBER_WORDS[count]
    if _WEEKS.match(unit):
        return timedelta(days=7 * number)
    if business:
        # Five business days always fit in seven calendar days.
        return timedelta(days=number + 2 * (number // 5 + 1))
    return timedelta(days=number)


def _within(match: re.Match[str], sent: date) -> date:
    """The far end of the time frame: "in a week or two" is two weeks."""
    business = _BUSINESS.search(match.group()) is not None
    ends = [
        (match["count"], match["unit"]),
        (match["high"], match["unit"]),
        (match["upper"], match["upper_unit"] or match["unit"]),
        (match["upper_word"] or match["upper_digits"], match["unit"]),
    ]
    return sent + max(_span(count, unit, business) for count, unit in ends if count)


#: Where "early", "mid" and "end of" a month fall: late in each, since a
#: date read too early would have the follow-up written before it.
_EARLY, _MID = 10, 20
_PARTS = {
    **dict.fromkeys(("early", "beginning of", "start of", "début", "anfang"), _EARLY),
    **dict.fromkeys(("principios de", "a principios de"), _EARLY),
    **dict.fromkeys(("mid", "middle of", "mi", "mitte", "mediados de", "a mediados de"), _MID),
}
_JANUARY = 1
#: "After the holidays" said from November to Epiphany: the first full
#: week of January is over by then.
_HOLIDAY_SEASON_START, _AFTER_THE_HOLIDAYS = 11, date(2000, 1, 10)
_CHRISTMAS_EVE = date(2000, 12, 24)


def _month_ahead(month: int, sent: date) -> int:
    """The year of the next such month, this one included."""
    return sent.year if month >= sent.month else sent.year + 1


def _in_month(match: re.Match[str], sent: date) -> date:
    """'early January' is the 10th, 'mid-December' the 20th, 'in/end of March' its last day."""
    name = match["pm"] or match["im"]
    month = _MONTHS[name]
    year = _month_ahead(month, sent)
    last = calendar.monthrange(year, month)[1]
    return date(year, month, _PARTS.get(match["part"] or "", last))


def _holidays(sent: date) -> date | None:
    """The end of the year's holidays, when they are the ones coming."""
    if sent.month >= _HOLIDAY_SEASON_START:
        return _AFTER_THE_HOLIDAYS.replace(year=sent.year + 1)
    if sent.month == _JANUARY and sent <= _AFTER_THE_HOLIDAYS.replace(year=sent.year):
        return _AFTER_THE_HOLIDAYS.replace(year=sent.year)
    return None


def _calendar_week(week: int, sent: date) -> date | None:
    """The Friday of ISO week `week`, this year's or next year's."""
    for year in (sent.isocalendar().year, sent.isocalendar().year + 1):
        with contextlib.suppress(ValueError):
            friday = date.fromisocalendar(year, week, 5)
            if friday >= sent:
                return friday
    return None


def _christmas_eve(sent: date) -> date | None:
    eve = _CHRISTMAS_EVE.replace(year=sent.year)
    return eve if eve >= sent else None


#: Deadlines that a named month, season or week sets.
_NAMED: dict[str, Callable[[re.Match[str], date], date | None]] = {
    "month_part": _in_month,
    "in_month": _in_month,
    "holidays": lambda _, sent: _holidays(sent),
    "christmas": lambda _, sent: _christmas_eve(sent),
    "calendar_week": lambda match, sent: _calendar_week(int(match["week"]), sent),
}


def _timeframe(match: re.Match[str], sent: date, language: str) -> date | None:
    kind = match.lastgroup or ""
    if kind in _RELATIVE:
        return _RELATIVE[kind](sent)
    if kind in _NAMED:
        return _NAMED[kind](match, sent)
    if kind == "within":
        return _within(match, sent)
    if match["ord_d"]:
        return _day_of_month(int(match["ord_d"]), sent)
    if match["wd"] and (match["later"] or match["next"]):
        return _in_next_week(_WEEKDAYS[match["wd"]], sent)
    return _resolve(match, sent, language)


def promised_deadline(
    own: str, promise: re.Match[str], sent_at: datetime, language: str
) -> date | None:
    """The day the `promise` found in normalized `own` text sets ("by Friday").

    The latest time frame from the promise wording to the end of its
    sentence counts ("in a week or two"), or, failing that, one right after
    a word about their decision or answer ("a decision by") earlier in that
    sentence, then in the next sentence: another date of the message (a
    start date, the end of a contract) says nothing about when they will
    write.
    """
    sent = sent_at.date()
    end = _sentence_end(own, promise.end())
    sentence = own[promise.start() : end]
    deadline = _latest_deadline(sentence, promise.end() - promise.start(), sent, language)
    if deadline is None:
        # "Decisions will be made by 11 December and I'll get back to you then."
        before = own[_sentence_start(own, promise.start()) : promise.start()]
        # "Decisions take longer in December, but we'll be in touch": a month
        # before the promise says when things are slow, not when they answer.
        deadline = _answer_deadline(before, sent, language, named=False)
    if deadline is None:
        following = own[end : _sentence_end(own, end + 1)]
        deadline = _answer_deadline(following, sent, language)
    start = _sentence_start(own, promise.start())
    if deadline is None and _WHEN_BACK.search(own, start, end):
        # "Sam is on leave until 11 December. He'll get back to you when he's back."
        deadline = parse_ooo_return_date(own[max(0, start - _BACK_REACH) : end], sent_at, language)
    return deadline


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence running at `position` starts."""
    start = 0
    for mark in _SENTENCE_END.finditer(text, 0, position):
        if not mark["abbreviation"]:
            start = mark.end()
    return start


def _sentence_end(text: str, start: int) -> int:
    """Where the sentence running at `start` ends: at its final mark, or the end of `text`."""
    for mark in _SENTENCE_END.finditer(text, start):
        if not mark["abbreviation"]:
            return mark.start()
    return len(text)


def _answer_deadline(
    sentence: str, sent: date, language: str, *, named: bool = True
) -> date | None:
    """The first time frame that closely follows a word about their answer.

    With `named` false, a day or period named as `_named_closely` says does
    not count.
    """
    for word in _ABOUT_THE_ANSWER.finditer(sentence):
        reach = _ANSWER_REACH if word.group() in _VAGUE_WORDS else _DECISION_REACH
        for match in _TIMEFRAME.finditer(sentence, word.end()):
            gap = sentence[word.end() : match.start()]
            if len(gap) > reach or "," in gap or _OTHER_THING.search(gap):
                break
            if not named and _named_closely(match):
                continue
            day = _timeframe(match, sent, language)
            if day is not None and day >= sent:
                return day
    return None


def _named_closely(match: re.Match[str]) -> bool:
    """A day or period that is the promise's only when it follows it closely."""
    return any(match[name] for name in ("on", "month_part", "in_month", "holidays", "christmas"))


def _limits(sentence: str, gap: str, match: re.Match[str]) -> bool:
    """Whether the time frame `match`, after `gap`, is a limit on the one before.

    "..., at the latest by 11 December", "... or two", "..., and on 11
    December at the latest", "..., spätestens am 11. Dezember". Not when
    its own clause is about another matter: "...; the new hire has to start
    at the latest by 1 March".
    """
    if _ANOTHER_MATTER.search(_SEPARATOR.split(gap)[-1]):
        return False
    if match["at_latest"] or _OR.fullmatch(gap) or _LIMIT_WORDS_END.search(gap):
        return True
    return _CONJUNCTION.fullmatch(gap) is not None and (
        _LIMIT_WORDS_NEXT.match(sentence, match.end()) is not None
    )


def _latest_deadline(sentence: str, promise_end: int, sent: date, language: str) -> date | None:
    """The latest time frame of the promise's sentence that is the promise's.

    A date read too early has the follow-up written before they said they
    would answer ("after our meeting tomorrow, with a final answer by 11
    December"), so the latest counts, except a date about another matter:
    after words such as a start, a contract or an office closure ("next
    week; the new hire would start by 4 January"), which for the first
    time frame must also open a clause of their own ("with the contract by
    11 December" is the answer's). A day or period named with "on" or a
    month counts only close after the promise, or joined to the time frame
    before as its limit ("..., at the latest on 11 December").
    """
    latest: date | None = None
    previous_end = promise_end
    for match in _TIMEFRAME.finditer(sentence):
        gap = sentence[previous_end : match.start()]
        if latest is None:
            clause = _SEPARATOR.split(gap)[-1]
            if _SEPARATOR.search(gap) and _ANOTHER_MATTER.search(clause):
                continue
            if _named_closely(match) and (len(gap) > _ON_REACH or _SEPARATOR.search(gap)):
                continue
        elif not _limits(sentence, gap, match) and (
            _ANOTHER_MATTER.search(gap) or _named_closely(match)
        ):
            continue
        day = _timeframe(match, sent, language)
        if day is not None and day >= sent:
            latest = day if latest is None else max(latest, day)
            previous_end = match.end()
    return latest
