"""Dates written in prose: out-of-office return dates and promised deadlines.

Everything works on normalized text (see `daemon.classify.text.normalize`).
These dates only ever postpone a follow-up, so a misreading must not put it
off for months: a numeric date that can be read two ways (7/12) is the first
reading not before the message, and a return date beyond `_RETURN_HORIZON`
is not believed.
"""

from __future__ import annotations

import calendar
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
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_DAY_SUFFIX = r"(?:st|nd|rd|th|er|\.|º)?"

_DATE = re.compile(
    rf"(?<![\w./-])(?:"
    rf"(?P<iso_y>\d{{4}})-(?P<iso_m>\d{{1,2}})-(?P<iso_d>\d{{1,2}})"
    rf"|(?P<dm_d>\d{{1,2}}){_DAY_SUFFIX}\s?(?:of |de )?(?P<dm_m>{_MONTH})\.?"
    rf"(?:,?\s(?:de\s)?(?P<dm_y>\d{{4}}))?"
    rf"|(?P<md_m>{_MONTH})\.?\s(?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s(?P<md_y>\d{{4}}))?"
    rf"|(?P<n_a>\d{{1,2}})[./](?P<n_b>\d{{1,2}})(?:[./](?P<n_y>\d{{4}}|\d{{2}}))?\.?"
    rf"|(?P<wd>{_WEEKDAY})"
    rf")(?![\w])"
)

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
_ANCHOR_REACH = 24
#: How long after an out-of-office reply its sender can be expected back.
_RETURN_HORIZON = timedelta(days=120)

_WEEK_WORDS = r"(?:week|semaine|woche|semana)"
_NUMBER_WORDS = {
    **dict.fromkeys(("a", "an", "one", "un", "une", "ein", "eine", "einer", "una", "uno"), 1),
    **dict.fromkeys(("two", "deux", "zwei", "dos", "a couple of", "couple of"), 2),
    **dict.fromkeys(("three", "trois", "drei", "tres", "a few", "few", "quelques"), 3),
    **dict.fromkeys(("ein paar", "unos", "unos pocos", "some"), 3),
}
_NUMBER = "|".join(sorted((re.escape(word) for word in _NUMBER_WORDS), key=len, reverse=True))

_TIMEFRAME = re.compile(
    r"(?<![\w])(?:"
    r"(?P<early_next>early next week|beginning of next week|début de (?:la )?semaine prochaine"
    r"|anfang (?:der )?(?:nächste[rn]?|kommende[rn]?) woche|principios de la (?:próxima )?semana"
    r"(?: que viene)?)"
    r"|(?P<next_week>next week|la semaine prochaine|(?:nächste[rn]?|kommende[rn]?) woche"
    r"|la (?:próxima|siguiente) semana|la semana que viene)"
    r"|(?P<this_week>(?:end of |by the end of |this )(?:the |this )?week|cette semaine"
    r"|(?:la )?fin (?:de (?:la )?|du )semaine|ende der woche|diese woche|esta semana"
    r"|finales de (?:la |esta )?semana)"
    r"|(?P<month_end>end of (?:the |this )?month|fin (?:du|de ce) mois|ende des monats"
    r"|finales de(?:l)? mes)"
    r"|(?P<few_days>(?:in|within|over) the (?:next|coming) (?:few |couple of )?days"
    r"|dans les (?:prochains|jours qui viennent)(?: jours)?|in den (?:nächsten|kommenden) tagen"
    r"|en los próximos días)"
    rf"|(?P<within>(?:within|in|sous|d'ici|dans|innerhalb(?: von)?|in|en|dentro de)\s"
    r"(?:about |around |approx\. |ca\. |etwa |environ |env\. |aproximadamente |aprox\. )?"
    rf"(?P<count>\d{{1,2}}|{_NUMBER})\s(?P<unit>(?:business |working )?days?|jours?|tagen?"
    rf"|días?|dias?|{_WEEK_WORDS}s?|wochen|semaines)(?:\s(?:ouvrés|ouvrables|hábiles))?)"
    r"|(?P<tomorrow>tomorrow|demain|mañana)"
    rf"|(?P<by_day>(?:by|before|avant|d'ici|bis|antes del?|el)\s(?:le |the |zum |dem )?"
    # "by Friday, 4 Dec" and "by Dec 10": the rest holds the date after a weekday or a month.
    rf"(?P<by_rest>(?:{_WEEKDAY}|\d{{1,2}}|(?:{_MONTH})\.?\s\d{{1,2}})[^\n]{{0,20}}))"
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
#: ("bis zum 5. März"); abbreviations and titles ("Dr. Patel"), matched
#: first, hold their full stops.
_SENTENCE_END = re.compile(
    rf"(?P<abbreviation>(?<![\w.])(?:i\.e|e\.g|approx|aprox|ca|env|z\.\s?b|p\.\s?ex"
    rf"|mrs?|ms|dr|dra|prof|sra?|m"
    rf"|(?:{_MONTH})(?=\.\s\d))\.)"
    rf"|(?:[!?]|(?<!\d)\.|\.(?!\s(?:{_MONTH})(?![\w])))(?:\s|$)"
)
_SHORT_YEAR = 2
_WEEKS = re.compile(_WEEK_WORDS)
_BUSINESS = re.compile(r"business|working|ouvrés|ouvrables|hábiles")


class Found(NamedTuple):
    start: int
    end: int
    day: date
    weekday_only: bool


def _infer_year(month: int, day: int, sent: date) -> date | None:
    """The first such date not long before `sent`: prose omits the year."""
    for year in (sent.year, sent.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= sent - timedelta(days=7):
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


def _resolve(match: re.Match[str], sent: date, language: str) -> date | None:
    group = match.group
    if group("iso_y"):
        try:
            return date(int(group("iso_y")), int(group("iso_m")), int(group("iso_d")))
        except ValueError:
            return None
    if group("dm_d"):
        return _with_year(group("dm_y"), _MONTHS[group("dm_m")], int(group("dm_d")), sent)
    if group("md_m"):
        return _with_year(group("md_y"), _MONTHS[group("md_m")], int(group("md_d")), sent)
    if group("n_a"):
        return _numeric(match, sent, language)
    return next_weekday(_WEEKDAYS[group("wd")], sent)


def find_dates(text: str, sent: date, language: str) -> list[Found]:
    """Every readable date in normalized `text`, in order of appearance."""
    found = []
    for match in _DATE.finditer(text):
        day = _resolve(match, sent, language)
        if day is not None:
            found.append(Found(match.start(), match.end(), day, bool(match.group("wd"))))
    return found


def _first_after(found: list[Found], position: int) -> Found | None:
    """The date right after an anchor; a weekday yields to a date that follows it."""
    near = [f for f in found if position <= f.start <= position + _ANCHOR_REACH]
    if not near:
        return None
    explicit = [f for f in near if not f.weekday_only and f.start <= near[0].end + 2]
    return explicit[0] if explicit else near[0]


def parse_ooo_return_date(text: str, sent_at: datetime, language: str) -> date | None:
    """The first day an out-of-office sender is back, when the text says.

    "back on 3 Nov" gives 3 Nov; "away until 3 Nov" gives 4 Nov (until is
    read as inclusive). Without such wording, the latest date is read as the
    last day away. A day beyond `_RETURN_HORIZON` is never the answer.
    """
    normalized = normalize(text).replace("\n", " ")
    sent = sent_at.date()
    found = [f for f in find_dates(normalized, sent, language) if f.day >= sent]
    if not found:
        return None
    candidates: list[date] = []
    for anchor in _RETURN_ANCHOR.finditer(normalized):
        hit = _first_after(found, anchor.end())
        if hit is not None:
            candidates.append(hit.day if anchor.group("back") else hit.day + timedelta(days=1))
    if not candidates:
        candidates = [f.day + timedelta(days=1) for f in found]
    horizon = sent + _RETURN_HORIZON
    return max((day for day in candidates if day <= horizon), default=None)


def _friday(of: date) -> date:
    return of + timedelta(days=4 - of.weekday())


def _this_friday(sent: date) -> date:
    friday = _friday(sent)
    return friday if friday >= sent else friday + timedelta(days=7)


def _month_end(sent: date) -> date:
    return sent.replace(day=calendar.monthrange(sent.year, sent.month)[1])


#: Deadlines that depend only on the day the promise was made.
_RELATIVE: dict[str, Callable[[date], date]] = {
    "early_next": lambda sent: _friday(sent) + timedelta(days=4),
    "next_week": lambda sent: _friday(sent) + timedelta(days=7),
    "this_week": _this_friday,
    "month_end": _month_end,
    "few_days": lambda sent: sent + timedelta(days=3),
    "tomorrow": lambda sent: sent + timedelta(days=1),
}


def _within(match: re.Match[str], sent: date) -> date:
    count = match["count"]
    number = int(count) if count.isdigit() else _NUMBER_WORDS[count]
    if _WEEKS.match(match["unit"]):
        return sent + timedelta(days=7 * number)
    if _BUSINESS.search(match.group()):
        # Five business days always fit in seven calendar days.
        return sent + timedelta(days=number + 2 * (number // 5 + 1))
    return sent + timedelta(days=number)


def _timeframe(match: re.Match[str], sent: date, language: str) -> date | None:
    kind = match.lastgroup or ""
    if kind in _RELATIVE:
        return _RELATIVE[kind](sent)
    if kind == "within":
        return _within(match, sent)
    found = find_dates(match["by_rest"], sent, language)
    if not found or found[0].start != 0:
        return None
    hit = _first_after(found, 0)
    return hit.day if hit else None


def promised_deadline(
    own: str, promise: re.Match[str], sent_at: datetime, language: str
) -> date | None:
    """The day the `promise` found in normalized `own` text sets ("by Friday").

    Only the first time frame from the promise wording to the end of its
    sentence counts, or, failing that, one in the next sentence right after
    a word about their decision or answer ("a decision by"): another date of
    the message (a start date, the end of a contract) says nothing about
    when they will write.
    """
    sent = sent_at.date()
    end = _sentence_end(own, promise.end())
    deadline = _first_deadline(own[promise.start() : end], sent, language)
    if deadline is None:
        following = own[end : _sentence_end(own, end + 1)]
        deadline = _answer_deadline(following, sent, language)
    return deadline


def _sentence_end(text: str, start: int) -> int:
    """Where the sentence running at `start` ends: at its final mark, or the end of `text`."""
    for mark in _SENTENCE_END.finditer(text, start):
        if not mark["abbreviation"]:
            return mark.start()
    return len(text)


def _answer_deadline(sentence: str, sent: date, language: str) -> date | None:
    """The first time frame that closely follows a word about their answer."""
    for word in _ABOUT_THE_ANSWER.finditer(sentence):
        reach = _ANSWER_REACH if word.group() in _VAGUE_WORDS else _DECISION_REACH
        for match in _TIMEFRAME.finditer(sentence, word.end()):
            gap = sentence[word.end() : match.start()]
            if len(gap) > reach or "," in gap or _OTHER_THING.search(gap):
                break
            day = _timeframe(match, sent, language)
            if day is not None and day >= sent:
                return day
    return None


def _first_deadline(sentence: str, sent: date, language: str) -> date | None:
    days = (_timeframe(match, sent, language) for match in _TIMEFRAME.finditer(sentence))
    return next((day for day in days if day is not None and day >= sent), None)
