from __future__ import annotations

import pytest

from daemon.classify import vocabulary as v
from daemon.classify.analysis import analyse
from daemon.classify.lexicon import Lexicon
from daemon.classify.text import normalize
from daemon.domain import Overrides
from tests.corpus.factory import ALICE, APPLICATION, RECRUITER_SIGNATURE, SAM, message, mine, thread

POSITIVE: dict[str, list[str]] = {
    "OOO_SUBJECT": [
        "Out of Office: Re: Interview",
        "Away until 14 December",
        "Abwesend bis 14.12.",
        "Automatic reply: Data Engineer",
        "Réponse automatique : Candidature",
        "Abwesenheitsnotiz: Ihre Bewerbung",
        "Respuesta automática: Entrevista",
        "Fuera de la oficina",
        "OOO until Monday",
    ],
    "REJECTION": [
        "After careful consideration, we have decided to move forward with other candidates.",
        "We regret to inform you that your application was unsuccessful.",
        "we will not be moving forward with your application",
        "The position has been filled.",
        "Nous ne pouvons pas donner une suite favorable à votre candidature.",
        "Votre candidature n'a pas été retenue.",
        "nous avons retenu un autre candidat",
        "Leider müssen wir Ihnen mitteilen, dass wir Sie nicht berücksichtigen können.",
        "Wir haben uns für eine andere Kandidatin entschieden.",
        "Lamentablemente hemos decidido no continuar con tu candidatura.",
        "Hemos decidido seguir con otros candidatos.",
        "El puesto ya ha sido cubierto.",
        "We have chosen to go ahead with a different applicant.",
        "We will not be going ahead with your application.",
        "We will not be progressing your application further.",
        "We won't be progressing your application.",
        "We will not be taking your application any further.",
        "We have decided to go in a different direction.",
        "We've decided to move in another direction at this time.",
        "We are going in a different direction with the role.",
        "We will be going in another direction with other candidates.",
        "Nous avons décidé de ne pas poursuivre avec votre candidature.",
        "Nous ne poursuivrons pas le processus avec votre candidature.",
        "Wir haben uns entschieden, Ihre Bewerbung nicht weiter zu berücksichtigen.",
        "Leider können wir Ihnen keine Zusage geben.",
        "No podemos avanzar con tu candidatura.",
        "No continuaremos con su candidatura.",
    ],
    "OFFER": [
        "We are delighted to extend you an offer for the role.",
        "Please find attached your offer letter.",
        "Nous sommes ravis de vous proposer le poste.",
        "Vous trouverez ci-joint votre promesse d'embauche.",
        "Wir freuen uns, Ihnen ein Vertragsangebot zu machen.",
        "Nos complace ofrecerte el puesto.",
        "Adjunto la carta de oferta.",
        "We are pleased to extend you the position.",
        "Nous avons le plaisir de vous proposer le poste.",
        "J'ai le plaisir de vous faire une offre.",
        "Wir möchten Ihnen gerne ein Angebot machen.",
        "Wir möchten Ihnen ein verbindliches Angebot unterbreiten.",
        "Me complace ofrecerte el puesto.",
        "Estoy encantada de ofrecerle el puesto.",
    ],
    "WITHDRAWAL": [
        "I would like to withdraw my application.",
        "I have accepted another offer.",
        "Je souhaite retirer ma candidature.",
        "Ich möchte meine Bewerbung zurückziehen.",
        "Ich ziehe hiermit meine Bewerbung zurück.",
        "Quisiera retirar mi candidatura.",
        "He aceptado otra oferta.",
        "I am no longer looking.",
    ],
    "INTERVIEW_INVITE": [
        "We would like to invite you to an interview.",
        "I'd like to schedule a call with you.",
        "We would like to interview you on Tuesday.",
        "Nous souhaitons vous proposer un entretien.",
        "Wir möchten Sie gerne zu einem Vorstellungsgespräch einladen.",
        "Einladung zum Vorstellungsgespräch",
        "Nos gustaría invitarte a una entrevista.",
        "Podemos agendar una llamada.",
    ],
    "APPLICATION_RECEIVED": [
        "Thank you for applying to Acme!",
        "We have received your application.",
        "Nous avons bien reçu votre candidature.",
        "Wir haben Ihre Bewerbung erhalten.",
        "Hemos recibido tu candidatura.",
        "Wir haben deine Bewerbung bekommen.",
    ],
    "SELF_APPLICATION": [
        "I am writing to apply for the Data Engineer position.",
        "Please find attached my CV.",
        "Je souhaite postuler au poste de Data Engineer.",
        "Hiermit bewerbe ich mich als Data Engineer.",
        "Me gustaría postular al puesto.",
        "Me gustaría aplicar al puesto.",
    ],
    "SELF_THANKS_INTERVIEW": [
        "Thank you for taking the time to speak with me today.",
        "Merci pour l'entretien de ce matin.",
        "Vielen Dank für das nette Gespräch.",
        "Gracias por la entrevista de ayer.",
    ],
    "ASK_AVAILABILITY": [
        "Could you send me your availability for next week?",
        "Pourriez-vous m'indiquer vos disponibilités ?",
        "Wann hätten Sie Zeit für ein Gespräch?",
        "¿Cuándo estarías disponible?",
        "What times work for you?",
        "What days are good for you?",
        "Quels jours vous arrangent ?",
        "Quel créneau vous convient le mieux ?",
        "Sagen Sie mir, welche Tage Ihnen passen.",
    ],
    "ASK_DOCUMENTS": [
        "Could you please send us a copy of your diploma?",
        "Please tell us your salary expectations.",
        "Sinon, merci de m'indiquer vos prétentions salariales.",
        "Sinon, merci de m'envoyer vos prétentions salariales.",
        "Merci de nous transmettre votre pièce d'identité.",
        "Könnten Sie uns bitte Ihre Zeugnisse schicken?",
        "¿Podrías enviarnos tu DNI?",
        "Por favor, envía tu DNI.",
    ],
    "FOR_SOME_ONLY": [
        "We will get back to you only if you are shortlisted.",
        "Nous reviendrons vers vous uniquement si votre candidature est retenue.",
        "Wir melden uns ausschließlich bei Kandidaten, die in die engere Auswahl kommen.",
        "Solo nos pondremos en contacto con los candidatos seleccionados.",
    ],
    "PROMISE": [
        "We'll get back to you next week.",
        "I will be in touch by Friday.",
        "We will review it and get back to you next week.",
        "Nous reviendrons vers vous rapidement.",
        "Wir melden uns bis Ende der Woche.",
        "Wir werden uns in den nächsten Tagen bei Ihnen melden.",
        "Nos pondremos en contacto contigo pronto.",
        "You should have a decision by Friday.",
        "Vous aurez une réponse lundi.",
    ],
    "JOB_ALERT": [
        "New jobs for you in Paris",
        "Unsubscribe from these emails",
        "Alerte emploi : 12 nouvelles offres",
        "Neue Jobs für Sie",
        "Alertas de empleo",
    ],
    "PERSONAL": [
        "Good luck with your interview tomorrow!",
        "Bonne chance pour ton entretien !",
        "Viel Glück beim Vorstellungsgespräch!",
        "¡Mucha suerte con la entrevista!",
    ],
    "HR_TITLE": [
        "Talent Acquisition Partner",
        "Senior Technical Recruiter",
        "Chargée de recrutement",
        "Personalreferentin",
        "Técnica de Selección",
        "HR Business Partner",
    ],
    "HM_TITLE": [
        "Head of Data",
        "Engineering Manager",
        "Directrice Data",
        "Teamleiterin Data Platform",
        "Jefa de Ingeniería",
        "VP of Engineering",
    ],
    "AGENCY": [
        "I am reaching out on behalf of my client, a fintech in Berlin.",
        "Pour le compte de notre client, nous recherchons",
        "Im Auftrag unseres Kunden suchen wir",
        "En nombre de nuestro cliente buscamos",
    ],
    "OOO_BODY": [
        "I am out of the office until Monday.",
        "Je suis absente du bureau jusqu'au 3 novembre.",
        "Ich bin derzeit nicht im Büro.",
        "Estoy fuera de la oficina.",
        "I am travelling until 7 December with limited email access.",
        "Je serai absent jusqu'au 7 décembre.",
        "Ich bin bis einschließlich 7. Dezember nicht im Haus.",
        "Ich bin diese Woche nicht erreichbar.",
        "Estaré fuera hasta el 7 de diciembre.",
    ],
    "SUBJECT_RECRUITING": [
        "Your application to Acme",
        "Candidature : Data Engineer",
        "Einladung zum Vorstellungsgespräch",
        "Entrevista - Data Engineer",
    ],
    "BODY_RECRUITING": [
        "Thanks for applying!",
        "la suite du processus de recrutement",
        "Ihre Bewerbung ist bei uns eingegangen.",
        "el proceso de selección",
    ],
    "OTHER_INTERVIEWED": [
        "It was great meeting you today.",
        "Merci d'être venue ce matin.",
        "Es hat uns gefreut, Sie kennenzulernen.",
        "Gracias por venir a la oficina.",
    ],
    "SELF_CONFIRMS_INTERVIEW": [
        "Looking forward to our interview.",
        "Je vous confirme ma présence.",
        "Ich bestätige gerne den Termin.",
        "Confirmo la entrevista.",
    ],
    "SELF_ACCEPTS_OFFER": [
        "I am happy to accept the offer.",
        "J'accepte avec plaisir votre offre.",
        "Ich nehme Ihr Angebot gerne an.",
        "Acepto la oferta.",
    ],
    "CLOSED": [
        "The position has been put on hold.",
        "Le poste a été annulé.",
        "Es gilt ein Einstellungsstopp.",
        "El proceso ha sido cancelado.",
    ],
    "ASK_CONFIRMATION": [
        "Please confirm the time.",
        "Merci de me confirmer le créneau.",
        "Merci de me faire savoir si le créneau vous convient.",
        "Pourriez-vous m'indiquer quand vous commencez ?",
        "Geben Sie mir kurz Bescheid.",
        "¿Puedes confirmar la hora?",
    ],
    "QUESTIONS_WELCOME": [
        "Let me know if you have any questions.",
        "Should you have any further questions, feel free to reach out.",
        "Do you have any questions in the meantime?",
        "N'hésitez pas à me faire savoir si vous avez des questions.",
        "Pour toute question, je reste à votre disposition.",
        "Bei Fragen stehe ich Ihnen gerne zur Verfügung.",
        "Melden Sie sich gerne, falls Sie noch Fragen haben.",
        "No dudes en contactarme si tienes alguna pregunta.",
    ],
    "SMALL_TALK_QUESTION": [
        "How are you?",
        "Comment allez-vous ?",
        "Wie geht es Ihnen?",
        "¿Qué tal?",
    ],
    "HM_INTRO": [
        "the hiring manager",
        "votre futur manager",
        "Ihre zukünftige Vorgesetzte",
        "tu futura jefa",
        "vous parlerez aussi avec la directrice",
    ],
    "HR_INTRO": [
        "our recruiter",
        "chargée de recrutement",
        "aus der Personalabteilung",
        "del equipo de selección",
    ],
    "QUOTE_HEADER": [
        "Thanks!\n\nOn Mon, 2 Nov 2026 at 10:00, Sam Lee <sam.lee@acme.example.test> wrote:",
        "Merci !\n\nLe lun. 2 nov. 2026 à 10:00, Sam Lee a écrit :",
        "Gracias.\n\nEl lun, 2 nov 2026 a las 10:00, Sam Lee escribió:",
        "-----Original Message-----\nFrom: Sam Lee",
        "From: Sam Lee\nSent: Monday, 2 November 2026 10:00",
        "Von: Sam Lee\nGesendet: Montag, 2. November 2026 10:00",
        "See you\n________________________________\nFrom: Sam Lee",
        "Danke!\n\nAm Mo., 2. Nov. 2026 um 10:00 Uhr schrieb Sam Lee <sam.lee@acme.example.test>:",
        "Von: Sam Lee\nDatum: Montag, 2. November 2026 10:00",
    ],
}

NEGATIVE: dict[str, list[str]] = {
    "FOR_SOME_ONLY": [
        "We'll let you know by Friday if you are shortlisted.",
        "Wir melden uns bei allen, nicht nur bei einer Zusage.",
        "Te escribiremos a todos, no solo con los seleccionados.",
    ],
    "REJECTION": [
        "Unfortunately I am travelling on Tuesday, could we move the call?",
        "We are moving forward with the next interview round.",
        "We will now be progressing your application to the final round.",
        "Wir können Ihnen leider noch keine Zusage geben, melden uns aber bald.",
        "We are moving in a new direction with the interview format.",
        (
            "We are planning to go in a different direction with the product, "
            "and we need someone like you."
        ),
        "We have decided to go in a different direction with our platform.",
    ],
    "OFFER": [
        "Découvrez nos offres d'emploi",
        "Our product offers great value.",
        "Nous avons le plaisir de vous proposer un entretien.",
        "Leider können wir Ihnen kein Angebot machen.",
    ],
    "QUESTIONS_WELCOME": ["Let me know if Tuesday works.", "Merci de me confirmer le créneau."],
    "WITHDRAWAL": ["I am no longer available on Tuesday, could we do Wednesday?"],
    "PERSONAL": ["Thank you for your application."],
    "QUOTE_HEADER": [
        "I wrote to Sam on Monday.",
        "The start date is 2 November.",
        "Am Montag schrieb ich Sam: bis bald.",
    ],
}


def _lexicon(name: str) -> Lexicon:
    found = getattr(v, name)
    assert isinstance(found, Lexicon)
    return found


@pytest.mark.parametrize(
    ("name", "text"), [(name, text) for name, texts in POSITIVE.items() for text in texts]
)
def test_lexicon_matches_its_phrases(name: str, text: str) -> None:
    """Each lexicon recognises its phrases in every supported language."""
    assert _lexicon(name).search(normalize(text)) is not None


@pytest.mark.parametrize(
    ("name", "text"), [(name, text) for name, texts in NEGATIVE.items() for text in texts]
)
def test_lexicon_ignores_lookalikes(name: str, text: str) -> None:
    """Everyday sentences that share a word with a lexicon do not match it."""
    assert _lexicon(name).search(normalize(text)) is None


def test_every_lexicon_has_tests() -> None:
    """No lexicon escapes the phrase tests, so an anchor typo cannot go unnoticed."""
    lexicons = {name for name, value in vars(v).items() if isinstance(value, Lexicon)}
    assert lexicons == set(POSITIVE)


# --- asks and courtesy closings --------------------------------------------------------------


def _ask(body: str) -> str | None:
    """What a recruiter's answer to the user's application asks the user for."""
    application = mine("2026-11-02 09:00", (SAM,), APPLICATION)
    answer = message("2026-11-04 10:00", SAM, body="Hi Alice,\n\n" + body + RECRUITER_SIGNATURE)
    analysis = analyse(thread(application, answer), frozenset({ALICE.addr}), Overrides())
    assert analysis.classification.tracked
    return analysis.ask.what if analysis.ask else None


@pytest.mark.parametrize(
    "body",
    [
        "We will review it and get back to you next week. Let me know if you have any questions.",
        "Please let me know if you have any further questions.",
        "If you have any questions, please let me know.",
        "Don't hesitate to reach out if you need anything else.",
        "Feel free to contact me, and let us know if there is anything else we can help with.",
        "Do you have any questions in the meantime?",
        "N'hésitez pas à me faire savoir si vous avez des questions.",
        "Faites-moi savoir si vous avez des questions.",
        "Avez-vous des questions ?",
        "Bei Fragen stehe ich Ihnen gerne zur Verfügung.",
        "Geben Sie mir Bescheid, falls Sie noch Fragen haben.",
        "Haben Sie noch Fragen?",
        "No dudes en contactarme si tienes alguna pregunta.",
        "Avísame si tienes cualquier duda.",
        "¿Tienes alguna pregunta?",
        "Let me know if you have any questions or concerns.",
        "If you have any questions, please let me know and I'll be happy to help.",
        "Let me know if you have any questions or if you need anything else.",
        "Let me know if you have any questions or if anything else comes up.",
        "Let me know if you have any questions or if there's anything else I can do.",
        "Please let me know if you have any questions, otherwise we'll talk on Tuesday.",
        "N'hésitez pas à me faire savoir si vous avez des questions ou si besoin.",
        "Merci de me dire si vous avez des questions ou si vous avez besoin de quoi que ce soit.",
        "Geben Sie mir Bescheid, falls Sie noch Fragen haben, ansonsten sehen wir uns am Dienstag.",
        "Avísame si tienes alguna duda o si necesitas algo más.",
        "Avísame si tienes alguna duda, si no nos vemos el martes.",
        "Dime si tienes alguna pregunta, de lo contrario nos vemos el martes.",
        "Let me know if you have any questions, otherwise we'll be in touch next week.",
        "Dites-moi si vous avez des questions, sinon nous reviendrons vers vous lundi.",
        "Avísame si tienes alguna duda o si quieres más información sobre el equipo.",
        "Let me know if you have any questions or if I can be of further assistance.",
        "Geben Sie mir Bescheid, wenn Sie Fragen haben oder weitere Informationen benötigen.",
        "Geben Sie mir Bescheid, falls Sie Fragen haben, ansonsten melden wir uns nächste Woche.",
        "Thanks for sharing your salary expectations, we will get back to you next week.",
        "Merci pour vos prétentions salariales, nous reviendrons vers vous.",
        "Gracias por indicarnos tus expectativas salariales. Te contactaremos pronto.",
        "Let me know if you have any questions, or if you would like more information.",
    ],
)
def test_an_invitation_to_ask_questions_asks_for_nothing(body: str) -> None:
    """A courtesy closing leaves nothing for the user to answer, in every language."""
    assert _ask(body) is None


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("Let me know if Tuesday works for you.", "a confirmation"),
        ("Can you confirm the time? Let me know if you have any questions.", "a confirmation"),
        (
            "Let me know if you have any questions. Also, let me know whether Tuesday works.",
            "a confirmation",
        ),
        ("Any questions? Please confirm the time.", "a confirmation"),
        (
            "Merci de me confirmer le créneau. N'hésitez pas si vous avez des questions.",
            "a confirmation",
        ),
        ("N'hésitez pas à me dire si le créneau ne vous convient pas.", "a confirmation"),
        ("Geben Sie mir Bescheid, ob der Dienstag passt.", "a confirmation"),
        ("Avísame si el martes te va bien.", "a confirmation"),
        ("Any questions? Do you have a notice period?", "an answer to a question"),
        (
            "Let me know if you have any questions, or if Tuesday at 10:00 works for you.",
            "a confirmation",
        ),
        (
            "Let me know if you have any questions, otherwise please confirm.",
            "a confirmation",
        ),
        ("Let me know if you have any questions, please confirm the time.", "a confirmation"),
        (
            "Merci de me dire si vous avez des questions ou si le créneau de mardi vous convient.",
            "a confirmation",
        ),
        (
            "Faites-moi savoir si vous avez des questions, sinon confirmez-moi le créneau.",
            "a confirmation",
        ),
        (
            "Geben Sie mir Bescheid, falls Sie noch Fragen haben oder ob der Dienstag passt.",
            "a confirmation",
        ),
        ("Avísame si tienes alguna duda o si sigues interesada en el puesto.", "a confirmation"),
        (
            (
                "Please let me know if you have any questions. "
                "Otherwise, please confirm you are still interested."
            ),
            "a confirmation",
        ),
        (
            "Let me know if you have any questions, or whether you are still interested.",
            "a confirmation",
        ),
        (
            "Let me know if you have any questions, and when you are available for a call.",
            "a confirmation",
        ),
        (
            "Faites-moi savoir si vous avez des questions, ou si le poste vous intéresse toujours.",
            "a confirmation",
        ),
        (
            "Geben Sie mir Bescheid, falls Sie Fragen haben, oder ob Sie noch Interesse haben.",
            "a confirmation",
        ),
        ("Avísame si tienes alguna duda o si el martes te viene bien.", "a confirmation"),
        ("Let me know if you have any questions, and when you could start.", "a confirmation"),
        (
            (
                "Let me know if you have any questions, or if you'd like to schedule a call with "
                "the hiring manager."
            ),
            "a confirmation",
        ),
        (
            "Faites-moi savoir si vous avez des questions ou si vous souhaitez poursuivre.",
            "a confirmation",
        ),
        (
            "Geben Sie mir Bescheid, falls Sie Fragen haben, oder wann Sie anfangen könnten.",
            "a confirmation",
        ),
        ("Avísame si tienes alguna duda o si quieres seguir adelante.", "a confirmation"),
        (
            (
                "Let me know if you have any questions, and whether you could give me more details "
                "on your notice period."
            ),
            "a confirmation",
        ),
        (
            (
                "Let me know if you have any questions, and whether you'd be open to a second "
                "interview; I'll get back to you with times."
            ),
            "a confirmation",
        ),
        (
            (
                "Merci de me dire si vous avez des questions, et si vous pouvez me donner plus "
                "d'informations sur votre préavis."
            ),
            "a confirmation",
        ),
        (
            (
                "Geben Sie mir Bescheid, falls Sie Fragen haben, und ob Sie uns weitere "
                "Informationen zu Ihrer Kündigungsfrist geben können."
            ),
            "a confirmation",
        ),
    ],
)
def test_a_real_ask_next_to_a_courtesy_closing_stays_an_ask(body: str, what: str) -> None:
    """Only the closing is courtesy: a request beside it still waits on the user."""
    assert _ask(body) == what
