"""What recruiting mail says, in English, French, German and Spanish.

Every lexicon matches lower-cased text with typographic apostrophes folded
to ASCII (see `daemon.classify.text.normalize`). Phrases are chosen for
precision: a word that also appears in everyday or marketing mail only
counts inside a phrase that pins its meaning down.
"""

from __future__ import annotations

import re

from daemon.classify.lexicon import Anchors, Lexicon, lexicon

# --- Senders -------------------------------------------------------------------------------

#: Brand tokens of applicant-tracking systems, matched against the labels of a
#: sender's domain (``us.greenhouse-mail.io`` -> greenhouse, mail, us, io).
ATS_BRANDS = {
    "greenhouse": "Greenhouse",
    "lever": "Lever",
    "myworkday": "Workday",
    "workday": "Workday",
    "myworkdayjobs": "Workday",
    "ashby": "Ashby",
    "ashbyhq": "Ashby",
    "smartrecruiters": "SmartRecruiters",
    "icims": "iCIMS",
    "jobvite": "Jobvite",
    "taleo": "Taleo",
    "successfactors": "SuccessFactors",
    "sapsf": "SuccessFactors",
    "workable": "Workable",
    "workablemail": "Workable",
    "teamtailor": "Teamtailor",
    "personio": "Personio",
    "recruitee": "Recruitee",
    "bamboohr": "BambooHR",
    "jazzhr": "JazzHR",
    "breezyhr": "Breezy HR",
    "pinpointhq": "Pinpoint",
    "softgarden": "softgarden",
    "welcometothejungle": "Welcome to the Jungle",
    "flatchr": "Flatchr",
    "join": "JOIN",
    "rippling": "Rippling",
    "hibob": "HiBob",
    "comeet": "Comeet",
}

#: Scheduling tools that send interview invitations for recruiters.
SCHEDULER_BRANDS = {
    "calendly": "Calendly",
    "goodtime": "GoodTime",
    "modernloop": "ModernLoop",
    "prelude": "Prelude",
    "cronofy": "Cronofy",
    "youcanbookme": "YouCanBook.me",
    "doodle": "Doodle",
}

#: Domains whose first label marks a personal mailbox, not an employer.
FREEMAIL_LABELS = frozenset(
    {
        "gmail",
        "googlemail",
        "yahoo",
        "ymail",
        "hotmail",
        "outlook",
        "live",
        "msn",
        "aol",
        "icloud",
        "me",
        "mac",
        "proton",
        "protonmail",
        "pm",
        "gmx",
        "web",
        "t-online",
        "freenet",
        "posteo",
        "mailbox",
        "orange",
        "wanadoo",
        "free",
        "laposte",
        "sfr",
        "bbox",
        "libero",
        "telefonica",
        "movistar",
        "yandex",
        "fastmail",
        "hey",
        "tutanota",
        "zoho",
    }
)

#: Local parts (split on . - _ +) of addresses nobody reads.
NOREPLY_LOCAL = re.compile(
    r"no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply|ne[-_.]?pas[-_.]?repondre"
    r"|nicht[-_.]?antworten|no[-_.]?responder|mailer[-_.]?daemon|postmaster|bounces?"
    r"|notifications?|notify|alerts?|automated|auto[-_.]?confirm|calendar[-_.]?notification"
)

#: Local parts of calendar resources (rooms, equipment), never people.
RESOURCE_LOCAL = re.compile(r"^(?:room|resource|conference|meeting[-_.]?room|salle|raum|sala)\b")

#: Role addresses of recruiting teams.
HR_LOCAL_TOKENS = frozenset(
    {
        "recruiting",
        "recruitment",
        "recruit",
        "recruiter",
        "recruiters",
        "careers",
        "career",
        "jobs",
        "job",
        "talent",
        "talents",
        "hr",
        "people",
        "hiring",
        "rh",
        "recrutement",
        "emploi",
        "candidatures",
        "karriere",
        "bewerbung",
        "bewerbungen",
        "personal",
        "jobs-de",
        "empleo",
        "rrhh",
        "seleccion",
        "talento",
        "staffing",
        "ta",
    }
)

# --- Auto-replies ----------------------------------------------------------------------------

OOO_SUBJECT = lexicon(
    "office auto reply vacation holiday away absen réponse automati abwesen büro respuesta "
    "ausente vacaciones congé ooo leave oficina",
    r"out of (?:the )?office",
    r"ooo",
    r"automatic reply",
    r"auto[- ]?reply",
    r"auto[- ]?response",
    r"autoreply",
    r"away from (?:the )?office",
    r"on (?:vacation|holiday|leave)",
    r"vacation reply",
    r"réponse automatique",
    r"absente?",
    r"absence",
    r"en congés?",
    r"abwesenheit(?:snotiz|smeldung)?",
    r"abwesend",
    r"away until",
    r"automatische antwort",
    r"nicht im büro",
    r"respuesta automática",
    r"fuera de (?:la )?oficina",
    r"ausente",
    r"de vacaciones",
)

OOO_BODY = lexicon(
    "office away vacation holiday leave absen congé abwesen urlaub büro vacaciones ausente "
    "oficina limited access travel haus erreichbar fuera",
    r"out of (?:the )?office",
    r"away from (?:the )?office",
    r"(?:i am|i'm|i will be|i'll be) (?:currently )?away",
    r"(?:i am|i'm|i will be|i'll be) (?:currently )?travell?ing until",
    r"(?:on|currently on) (?:vacation|holiday|annual leave|leave|parental leave)",
    r"limited access to (?:my )?e-?mail",
    r"limited e-?mail access",
    r"je (?:suis|serai) (?:actuellement )?(?:absente?|en congés?)",
    r"absente? du bureau",
    r"ich bin (?:derzeit |zurzeit |bis .{1,20})?im urlaub",
    r"nicht im (?:büro|haus)",
    r"nicht erreichbar",
    r"abwesend",
    r"estoy (?:fuera de la oficina|de vacaciones|ausente)",
    r"estaré (?:fuera|de vacaciones|ausente)",
    r"fuera de la oficina",
)

# --- Bulk mail -------------------------------------------------------------------------------

JOB_ALERT = lexicon(
    "job alert newsletter unsubscribe browser preferences digest offres désabonn désinscri "
    "abmelden abbestellen baja suscripci empleo ofertas",
    r"job alerts?",
    r"jobs? (?:for you|matching|you (?:may|might) (?:like|be interested in))",
    r"new jobs",
    r"recommended jobs",
    r"weekly digest",
    r"newsletter",
    r"unsubscribe",
    r"view (?:this email )?in (?:your )?browser",
    r"manage (?:your )?(?:email )?preferences",
    r"alertes? (?:emploi|e-?mail)",
    r"nouvelles offres",
    r"offres (?:qui (?:pourraient|correspondent)|recommandées)",
    r"se désabonner|désinscri\w*",
    r"jobangebote für sie",
    r"job-?alarm",
    r"neue jobs",
    r"passende jobs",
    r"abmelden|abbestellen",
    r"alertas? de empleo",
    r"ofertas (?:que te|recomendadas|para ti)",
    r"nuevas ofertas",
    r"darse de baja|date de baja",
    r"cancelar (?:la |tu )?suscripción",
)

PERSONAL = lexicon(
    "luck fingers how congrat drinks dinner lunch coffee miss love xo hug bis chance croise "
    "comment glück daumen wie lieb suerte cruzo qué abrazo thought pensé gedacht mum mom dad "
    "maman papa mama",
    r"good luck (?:with|for|on|tomorrow|today)",
    r"fingers crossed",
    r"how did (?:your|the|it) (?:interview )?go",
    r"congrat(?:s|ulations) on",
    r"(?:drinks|dinner|lunch|coffee) (?:this|on|tonight|tomorrow|next|after)",
    r"miss you",
    r"love you",
    r"lots of love",
    r"xoxo",
    r"hugs",
    r"bisous|grosses bises|bises",
    r"bonne chance",
    r"croise les doigts|je croise",
    r"comment s'est passé",
    r"viel glück",
    r"daumen (?:drücken|gedrückt)",
    r"drück(?:e)? (?:dir )?die daumen",
    r"wie (?:lief|war) (?:dein|das|es)",
    r"liebe grüße",
    r"(?:mucha )?suerte (?:con|en|mañana|hoy)",
    r"cruzo los dedos",
    r"qué tal (?:te fue|la entrevista|fue)",
    r"un abrazo|abrazos",
    r"thought of you",
    r"pensé à toi",
    r"an dich gedacht",
    r"pensé en ti",
    r"(?:hi|hey|dear|love) (?:mum|mom|dad)",
    r"maman|papa|mama",
)

# --- Recruiting vocabulary --------------------------------------------------------------------

#: Stems without which no thread is recruiting, unless its senders, role
#: addresses or a calendar invitation say so: the cheap first look.
CORE_STEMS = frozenset(
    (
        "appl",
        "aplic",
        "candida",
        "interview",
        "recruit",
        "recrut",
        "reclut",
        "hiring",
        "talent",
        "position",
        "posici",
        "role",
        "job",
        "offer",
        "resume",
        "résumé",
        "cv",
        "screen",
        "career",
        "entretien",
        "poste",
        "embauche",
        "emploi",
        "offre",
        "postul",
        "bewerb",
        "gespräch",
        "stelle",
        "personal",
        "karriere",
        "angebot",
        "lebenslauf",
        "absage",
        "einladung",
        "entrevista",
        "puesto",
        "vacan",
        "selecci",
        "oferta",
        "empleo",
        "currículum",
        "contrat",
        "vertrag",
    )
)

SUBJECT_RECRUITING = lexicon(
    "appl candida interview offer position role opening vacanc recruit hiring entretien poste "
    "offre embauche bewerb gespräch stelle einladung angebot entrevista puesto vacante oferta "
    "selecci",
    r"applications?|applying|applied",
    r"candidacy|candidature|candidatura|candidate",
    r"interviews?",
    r"job offer|offer letter|your offer",
    r"positions?|role|opening|vacancy|vacancies",
    r"recruit\w*|hiring",
    r"entretiens?|poste|offre d'embauche|proposition d'embauche|embauche",
    r"bewerbung\w*|vorstellungsgespräch|kennenlerngespräch|stelle|einladung|vertragsangebot",
    r"entrevistas?|puesto|vacante|oferta|proceso de selección",
)

BODY_RECRUITING = lexicon(
    "appl candida hiring interview next step screen assessment take-home recruit recrut cv resume "
    "résumé job description talent entretien étape poste bewerb auswahl gespräch stelle "
    "position schritt lebenslauf unterlagen selecci puesto posici vacante entrevista paso "
    "currículum role",
    r"your application|thank you for applying|thanks for applying|applied for",
    r"application (?:for|to) the",
    r"your candidacy",
    r"hiring (?:process|manager|team)",
    r"interview (?:process|loop|stage|round)",
    r"next steps? (?:in|of) (?:the|our) (?:process|interview)",
    r"phone screen|screening call|technical (?:interview|assessment)|take-home",
    r"recruit(?:ing|ment) process",
    r"your (?:cv|resume|résumé)",
    r"job description",
    r"talent acquisition",
    r"the (?:[\w-]+ ){0,3}(?:role|position) (?:at|with|of|in)",
    r"votre candidature",
    r"processus de recrutement",
    r"(?:le|au) poste (?:de|d')",
    r"entretien (?:téléphonique|technique|avec|final|individuel)",
    r"prochaines? étapes? (?:du|de notre) processus",
    r"votre cv",
    r"fiche de poste",
    r"(?:ihre|deine) bewerbung",
    r"bewerbungs(?:prozess|verfahren|unterlagen|gespräch)",
    r"auswahlverfahren|auswahlprozess",
    r"vorstellungsgespräch|kennenlerngespräch",
    r"(?:die|der|diese) (?:ausgeschriebene )?(?:stelle|position) (?:als|bei|im)",
    r"nächsten schritte",
    r"(?:ihren|deinen) lebenslauf",
    r"(?:tu|su) candidatura",
    r"proceso de selección",
    r"(?:el|al) puesto de",
    r"(?:la )?(?:posición|vacante) de",
    r"entrevista (?:técnica|telefónica|con|final|personal)",
    r"próximos pasos (?:del|en el) proceso",
    r"(?:tu|su) (?:cv|currículum)",
)

SELF_APPLICATION = lexicon(
    "appl aplic cv resume résumé postul candidature bewerb lebenslauf unterlagen candidatura "
    "currículum",
    r"i (?:am|'m) (?:writing to )?apply(?:ing)?",
    r"i (?:would|'d) like to apply",
    r"i wish to apply",
    r"(?:to )?apply for the",
    r"my application",
    r"i (?:have )?applied",
    r"(?:please )?find (?:attached )?my (?:cv|resume|résumé)",
    r"attached (?:is )?my (?:cv|resume|résumé)",
    r"je (?:souhaite|voudrais|souhaiterais) postuler",
    r"ma candidature",
    r"(?:veuillez trouver|vous trouverez) ci-joint mon cv",
    r"ich bewerbe mich|bewerbe mich|bewerbe ich mich",
    r"meine bewerbung",
    r"anbei (?:finden sie |sende ich ihnen )?(?:meinen lebenslauf|meine (?:bewerbungs)?unterlagen)",
    r"me gustaría (?:postular|aplicar|presentar mi candidatura)",
    r"quisiera (?:postular|presentar mi candidatura)",
    r"mi candidatura",
    r"(?:adjunto|envío) (?:mi )?(?:cv|currículum)",
)

#: The user thanking someone for an interview: that person interviewed them.
SELF_THANKS_INTERVIEW = lexicon(
    "thank great enjoyed merci ravi dank gracias placer",
    r"thank you (?:so much |very much )?for (?:taking the time|your time|the (?:interview|"
    r"conversation|call|chat|meeting)|meeting with me|speaking with me|talking with me)",
    r"thanks (?:so much )?for (?:taking the time|your time|the (?:interview|conversation|call|"
    r"chat|meeting))",
    r"(?:it was )?great (?:speaking|talking|meeting) (?:with )?you",
    r"enjoyed (?:our|the) (?:conversation|interview|chat|discussion)",
    r"merci (?:beaucoup |encore )?(?:pour|de) (?:l'entretien|notre (?:échange|entretien|"
    r"conversation)|votre temps|m'avoir reçue?|avoir pris le temps|cet échange)",
    r"ravie? d'avoir (?:échangé|fait votre connaissance)",
    r"(?:vielen |herzlichen )?dank für (?:das|unser) (?:nette |angenehme |interessante |"
    r"freundliche )?(?:vorstellungsgespräch|gespräch|interview|telefonat|kennenlernen)",
    r"danke für (?:das|unser) (?:nette |angenehme |interessante )?(?:vorstellungs)?"
    r"(?:gespräch|telefonat)",
    r"gracias (?:por|de) (?:la entrevista|la conversación|tu tiempo|su tiempo|la llamada|"
    r"atenderme|recibirme)",
    r"fue un placer (?:conocerte|conocerle|hablar)",
)

#: The hiring side acknowledging that an interview took place.
OTHER_INTERVIEWED = lexicon(
    "thank pleasure great meeting speaking talking merci plaisir dank gefreut gracias placer",
    r"thank you for (?:interviewing|coming in|meeting with us|your time (?:today|yesterday))",
    r"thanks for (?:coming in|interviewing|meeting with us)",
    r"it was (?:great|a pleasure|nice|lovely) (?:meeting|speaking|talking)",
    r"merci (?:d'être venue?|pour votre venue|pour cet échange|pour l'entretien)",
    r"ce fut un plaisir",
    r"(?:vielen )?dank für ihren besuch",
    r"(?:es )?hat (?:uns|mich) (?:sehr )?gefreut,? sie kennenzulernen",
    r"gracias por (?:venir|la entrevista)",
    r"fue un placer conocerte",
)

INTERVIEW_INVITE = lexicon(
    "invit schedul interview round onsite on-site convi propos planifi organis fixer "
    "convocation entretien einlad laden vereinbar program agend concert organiz siguiente "
    "segunda próxima set book",
    r"(?:like to |pleased to |happy to )?invite you (?:to|for) (?:an? )?(?:interview|call|chat|"
    r"conversation|meeting|onsite|video call)",
    r"schedul(?:e|ing) (?:an? |the |your )?(?:interview|call|phone screen|time|chat|meeting|"
    r"conversation)",
    r"set up (?:an? )?(?:interview|call|time|chat)",
    r"(?:like|want|love) to interview you",
    r"book (?:a|an) (?:time|slot|interview|call)",
    r"interview (?:slot|invitation)s?",
    r"(?:next|second|final) round",
    r"on-?site interview",
    r"vous (?:inviter|convier|proposer) (?:à|un) (?:un )?(?:entretien|échange)",
    r"convocation",
    r"(?:planifier|organiser|fixer) (?:un |le |votre )?(?:entretien|échange|appel)",
    r"(?:prochain|second|deuxième) entretien",
    r"einladung zu(?:m|r)? (?:einem |ersten |zweiten )?(?:vorstellungsgespräch|"
    r"kennenlerngespräch|gespräch|interview)",
    r"laden (?:sie|dich) (?:gerne |herzlich )?(?:zu(?:m)? )?(?:einem )?"
    r"(?:vorstellungsgespräch|kennenlerngespräch|gespräch|interview)",
    r"(?:gespräch|termin|kennenlernen) (?:zu )?vereinbaren",
    r"zu(?:m|r)? (?:einem |ersten |zweiten )?(?:persönlichen )?(?:vorstellungsgespräch|"
    r"kennenlerngespräch|gespräch|interview) (?:ein)?(?:zu)?laden",
    r"invitar(?:te|le) a (?:una )?(?:entrevista|llamada|reunión)",
    r"(?:programar|agendar|concertar|organizar) (?:una )?(?:entrevista|llamada|reunión)",
    r"siguiente fase|segunda entrevista|próxima entrevista",
)

SELF_CONFIRMS_INTERVIEW = lexicon(
    "confirm look présence termin bestätig confirmo",
    r"(?:i )?confirm (?:the|my|our) (?:interview|meeting|call|slot|availability)",
    r"look(?:ing)? forward to (?:our|the) (?:interview|meeting|call|conversation|chat)",
    r"je (?:vous )?confirme (?:ma présence|l'entretien|le créneau|notre rendez-vous)",
    r"(?:ich )?bestätige (?:ihnen )?(?:gerne )?(?:den|unseren) termin",
    r"confirmo (?:la entrevista|mi asistencia|la reunión)",
)

REJECTION = lexicon(
    "forward moving proceed pursu unable selected success shortlist regret filled consider "
    "candidate match closely progress fit suite reten d'autres défavorable négative "
    "correspond leider berück absage entschieden besetzt vergeben weiter engere rückmeldung "
    "positive lamenta desafortunad continuar seguir avanzar seleccionad cubiert perfil ahead "
    "decided chosen opted going move direction poursuiv continuer zusage further abgelehnt "
    "pourvu",
    r"(?:decided|chosen|opted) (?:not )?to (?:move|go) (?:forward|ahead) with (?:other|another|"
    r"a different|different) (?:candidates?|applicants?|profiles?)",
    r"(?:move|moving|go|going) (?:forward|ahead) with (?:other|another|a different) "
    r"(?:candidates?|applicants?|profiles?)",
    r"(?:pursue|pursuing|proceed with|proceeding with) (?:other|another) (?:candidates?|"
    r"applicants?)",
    r"(?:not|won't|will not) (?:be )?(?:moving|move|going|proceed(?:ing)?|progress(?:ing)?) "
    r"(?:forward |ahead )?with your (?:application|candidacy)",
    r"(?:not|won't) be (?:moving|proceeding|progressing) (?:forward|further)",
    r"(?:not|won't) (?:be )?progress(?:ing)? your (?:application|candidacy)",
    r"(?:not|won't) be taking your (?:application|candidacy) (?:any )?further",
    # A company also goes "in a different direction with the product": only a
    # decision that ends there, or one about the role, turns the user down.
    r"(?:decided|chosen|opted) to (?:go|move) in (?:a )?(?:different|another) direction"
    r"(?=[.,;!]|$| at this (?:time|stage|point))",
    r"(?:go|going|gone|move|moving) in (?:a )?(?:different|another) direction "
    r"(?:(?:with|for) (?:this|the) (?:role|position)|with (?:other|another) (?:candidates?"
    r"|applicants?))",
    r"unable to (?:offer you|move forward|progress your)",
    r"(?:have|has) not been (?:selected|successful|shortlisted)",
    r"(?:you were|you've been|you have been|application was|application has been) "
    r"unsuccessful",
    r"decided not to (?:proceed|progress|move forward)",
    r"regret to (?:inform|let you know|tell you)",
    r"(?:position|role|vacancy) has (?:now )?been filled",
    r"no longer (?:being )?considered",
    r"(?:other )?candidates? whose (?:experience|profile|background|skills)",
    r"more closely (?:match(?:es|ed)?|aligned|aligns)",
    r"not (?:the right|a) (?:fit|match) (?:at this time|for (?:this|the) role)",
    r"(?:ne|n') ?(?:pas|plus) (?:pouvoir )?donner (?:une )?suite",
    r"ne (?:pouvons|pourrons) pas donner (?:une )?suite",
    r"(?:pas|ne) donner (?:une )?suite favorable",
    r"ne (?:pas )?pouvoir donner (?:une )?suite",
    # Not "sans retour de votre part, nous ne donnerons pas suite": that asks.
    r"ne donnerons pas (?:de )?suite (?:favorable )?à votre candidature",
    # Not "pourvu en interne l'an dernier, et nous recrutons à nouveau".
    r"(?:le )?poste (?:a (?:déjà |désormais )?été |est (?:déjà |désormais )?)pourvu"
    r"(?=\s*[.!;]|\s*$|,? (?:nous|merci))",
    r"(?:decided|chosen|opted) to go with (?:another|a different|other) (?:candidates?|applicants?"
    r"|person)",
    # Not "once we have filled the position, ..." nor "the position of team lead".
    r"(?:we|i)(?:'ve| have) (?:now |already |recently )?filled (?:the|this) (?:position|role"
    r"|vacancy)(?=\s*[.!;]|\s*$)",
    r"réponse (?:défavorable|négative)",
    r"(?:n'avons|ne pouvons) pas (?:retenu|retenir)",
    r"pas été retenue?",
    r"ne pas retenir votre candidature",
    r"retenu (?:un autre|une autre|d'autres) (?:candidat|candidate|profil)s?",
    r"(?:poursuivre|continuer) avec d'autres (?:candidats|profils)",
    r"(?:ne pas (?:poursuivre|continuer)|ne (?:poursuivrons|continuerons) pas)"
    r"(?: le processus)?(?: avec)? (?:votre|ta) candidature",
    r"(?:au regret|regrettons) de vous (?:annoncer|informer)",
    r"ne correspond(?:ait)? pas (?:à nos|aux) (?:besoins|attentes)",
    r"leider (?:müssen wir ihnen mitteilen|nicht berücksichtigen|absagen|keine positive)",
    r"(?:nicht|keine) (?:weiter(?:e)? )?(?:zu )?berücksichtig(?:en|t|ung)",
    r"(?:können|konnten) wir (?:ihnen|dir) (?:leider )?keine zusage (?:geben|erteilen|machen)",
    r"leider keine zusage",
    r"absage",
    r"für (?:einen anderen|eine andere|andere) (?:kandidaten|kandidatin|bewerber|bewerberin"
    r"|bewerbende)(?: \w+)? entschieden",
    r"anderweitig (?:besetzt|entschieden|vergeben)",
    r"nicht in die engere (?:wahl|auswahl)",
    r"nicht weiter (?:zu )?(?:verfolgen|berücksichtigen)",
    r"stelle (?:ist|wurde) (?:bereits |inzwischen |mittlerweile |schon )?(?:vergeben|besetzt)"
    r"(?!\s*\?)",
    r"keine positive (?:rückmeldung|nachricht)",
    r"(?:betrachten|sehen) sie ihre bewerbung (?:bitte )?als abgelehnt",
    r"(?:lamentablemente|lamentamos|desafortunadamente)[^.]{0,120}(?:no (?:continuar|seguir|"
    r"avanzar|podemos)|(?:seguir|continuar|avanzar)(?:emos)? con otr[oa]s? (?:candidat|perfil)\w*)",
    r"no (?:podemos |podremos |vamos a )?(?:continuar|seguir|avanzar)(?:emos)?(?: adelante)? con"
    r" (?:tu|su) "
    r"(?:candidatura|proceso|solicitud)",
    r"(?:decidido|decidimos) (?:seguir|continuar|avanzar) con otr[oa]s? (?:candidat|perfil)\w*",
    r"no (?:has|ha) sido seleccionad[oa]",
    r"(?:el puesto|la vacante|la posición) (?:ya )?(?:ha sido|fue) cubiert[oa]",
    r"otros candidatos cuyo perfil",
)

OFFER = lexicon(
    "offer offre propos embauche contrat angebot anbiet arbeitsvertrag oferta ofrec propuesta "
    "complace alegra encantad gustaría pleased delighted happy thrilled excited glad heureu "
    "ravi plaisir",
    r"(?:pleased|delighted|happy|thrilled|excited|glad) to (?:extend|offer|make) you "
    r"(?:an? )?(?:formal |verbal |written )?(?:offer|the position|the role)",
    r"(?:pleased|delighted|happy|thrilled|excited|glad) to (?:extend|make) (?:an? )?"
    r"(?:formal |verbal |written )?offer",
    r"offer (?:letter|of employment)",
    r"extend (?:you )?an offer",
    r"(?:your|the) (?:formal |written )?offer (?:letter|details|package)",
    r"job offer",
    r"(?:we(?:'d| would) like|we want) to offer you",
    r"(?:heureux|heureuse|heureuses|ravie?s?|le plaisir) de vous (?:proposer|faire|adresser"
    r"|offrir) (?:une |un |notre |le |la )?(?:offre|proposition|poste)",
    r"promesse d'embauche",
    r"proposition (?:d'embauche|de contrat|salariale|ferme)",
    r"(?:lettre|offre) d'(?:offre|embauche)",
    r"vous faire une (?:offre|proposition)",
    r"(?:freuen uns|freue mich),? (?:ihnen|dir) (?:ein |das |unser )?(?:\w+ )?"
    r"(?:angebot|vertragsangebot)",
    r"(?:ihnen|dir) (?:die stelle|die position|einen vertrag) anbieten",
    r"(?:ihnen|dir) (?:gerne |gern )?(?:ein|unser) (?:\w+ )?angebot (?:machen|unterbreiten)",
    r"vertragsangebot",
    r"(?:ihr|den) arbeitsvertrag",
    r"angebot (?:für|zur) (?:die )?(?:stelle|position)",
    r"(?:(?:nos|me) (?:complace|alegra|gustaría)|(?:estamos|estoy) encantad[oa]s? de) "
    r"(?:ofrecerte|ofrecerle|hacerte|hacerle)",
    r"carta (?:de )?oferta",
    r"oferta formal",
    r"propuesta (?:económica|de contratación)",
)

WITHDRAWAL = lexicon(
    "withdraw accept interested available pursue remove decline retir accepté accepter "
    "disponible intéress décliner zurück ziehe angebot interesse absagen aceptado acepté interesad "
    "interesa declinar longer",
    r"withdraw(?:ing)? (?:my|from the) (?:application|candidacy|process)",
    r"withdraw(?:ing)? my",
    r"(?:have )?(?:accepted|accept) (?:an|another) (?:offer|position|role)",
    r"no longer (?:interested|looking)",
    r"no longer available for (?:this|the) (?:role|position)",
    r"decided to (?:pursue|accept) (?:another|a different|an)",
    r"remove me from (?:the )?(?:process|consideration)",
    r"decline (?:the|your) (?:offer|invitation|interview)",
    r"retirer ma candidature|retire ma candidature",
    r"(?:accepté|accepter) une autre (?:offre|proposition)",
    r"ne (?:suis|serai) plus intéressée?",
    r"ne (?:suis|serai) plus disponible pour (?:ce|le) poste",
    r"décliner (?:votre|l'|cette) ?(?:offre|invitation|proposition)",
    r"(?:meine )?bewerbung zurück(?:ziehen|zuziehen|gezogen)",
    r"ziehe (?:hiermit )?meine bewerbung",
    r"(?:ein )?anderes angebot angenommen",
    r"kein interesse mehr",
    r"muss (?:ihnen )?(?:leider )?(?:für die stelle )?absagen",
    r"retirar (?:mi|la) candidatura|retiro mi candidatura",
    r"(?:he aceptado|acepté) otra (?:oferta|propuesta)",
    r"ya no (?:estoy interesad[oa]|me interesa)",
    r"declinar (?:la|su|tu) (?:oferta|invitación|propuesta)",
)

SELF_ACCEPTS_OFFER = lexicon(
    "accept angebot nehme acepto",
    r"(?:happy|delighted|pleased|thrilled|glad) to (?:formally )?accept (?:the|your) offer",
    r"i (?:formally )?accept (?:the|your) offer",
    r"(?:j'accepte|accepter) (?:avec plaisir )?(?:votre|l'|cette) ?(?:offre|proposition)",
    r"nehme (?:ihr|das) angebot (?:gerne |sehr gerne )?an",
    r"acepto (?:la|su|tu|vuestra) (?:oferta|propuesta)",
)

CLOSED = lexicon(
    # The state words: "position" and "role" are in nearly every recruiting mail.
    "closed cancel hold withdrawn freeze annulé gelé suspend fermé gestrichen zurückgezogen "
    "eingefroren gestoppt einstellungsstopp cerrado congela",
    r"(?:position|role|requisition|opening) (?:has been|was|is) (?:now )?(?:closed|cancell?ed|"
    r"put on hold|on hold|withdrawn)",
    r"hiring freeze",
    r"(?:poste|recrutement) (?:a été |est )?(?:annulé|gelé|suspendu|fermé)",
    r"stelle (?:wurde|ist) (?:\w+ )?(?:gestrichen|zurückgezogen|eingefroren|gestoppt)",
    r"einstellungsstopp",
    r"(?:proceso|puesto) (?:ha sido |fue |está )?(?:cancelado|suspendido|congelado|cerrado)",
    r"congelación de (?:contrataciones|plantilla)",
)

APPLICATION_RECEIVED = lexicon(
    "received thank applying interest reçu merci accusé erhalten bekommen dank eingang recibido "
    "gracias",
    r"(?:we(?:'ve| have)?|we) received your application",
    r"thank(?:s| you) for (?:applying|your application|submitting your application)",
    r"application (?:has been )?received",
    r"nous avons (?:bien )?reçu votre candidature",
    r"merci (?:pour|de) votre candidature",
    r"accusé de réception",
    r"wir haben (?:ihre|deine) bewerbung (?:erhalten|bekommen)",
    r"(?:vielen )?dank für (?:ihre|deine) bewerbung",
    r"eingang (?:ihrer|deiner) bewerbung",
    r"hemos recibido (?:tu|su) (?:candidatura|solicitud)",
    r"gracias por (?:tu|su) (?:candidatura|solicitud)",
)

AGENCY = lexicon(
    "client kunde kundin mandant",
    r"on behalf of (?:my|our|a) client",
    r"(?:my|our) client(?: is|,)",
    r"pour le compte (?:de notre|d'un|de mon) client",
    r"(?:notre|mon) client",
    r"im auftrag (?:unseres|eines|meines) (?:kunden|mandanten)",
    r"unser(?:e|em)? (?:kunde|kundin|mandant)",
    r"en nombre de (?:nuestro|un|mi) cliente",
    r"nuestro cliente",
)

# --- Asks and promises ---------------------------------------------------------------------

ASK_AVAILABILITY = lexicon(
    "availab free times slot suit work disponib créneau convien verfügbar wann termin passt "
    "cuándo cuando qué viene which good arrange passen",
    r"your availabilit(?:y|ies)",
    r"when (?:are|would|will) you (?:be )?(?:available|free)",
    r"what (?:times?|days?|slots?|dates?) (?:work|would work|suit|are good)",
    r"(?:send|share|give) (?:me|us) (?:your|some|a few) (?:availability|times|slots)",
    r"which (?:of these )?(?:slots?|times?|dates?) (?:work|suits?|would)",
    r"(?:are|would) you (?:be )?available",
    r"(?:let me know|tell me) when you(?:'re| are) free",
    r"vos disponibilités|tes disponibilités",
    r"(?:êtes|seriez)-vous disponible",
    r"quel(?:s|les)? (?:créneaux?|jours?|horaires?) (?:vous )?(?:convien|arrange)\w*",
    r"(?:ihre|deine) verfügbarkeit",
    r"wann (?:hätten|haben|wären|passt es) (?:sie|ihnen|dir)",
    r"(?:welcher|welche) (?:termin|zeitpunkt|tag)e? (?:ihnen|dir) (?:passt|passen)",
    r"terminvorschläge?",
    r"(?:tu|su) disponibilidad",
    r"(?:cuándo|cuando) (?:estarías|estaría|estás|está|podrías|podría)",
    r"qué (?:días?|horarios?|horas?) (?:te|le) (?:viene|vienen|va|van|vendría)",
)

ASK_DOCUMENTS = lexicon(
    "send share provide forward fill complete upload sign return need require transmet "
    "envoy fourn compl rempl retourn sign schick send füll übermittel unterschreib nachreich "
    "reich envi mand compart rellen complet firm adjunt favor salar gehalt",
    r"(?:could|can|would) you (?:please |kindly )?(?:send|share|provide|forward|fill|complete|"
    r"upload|sign|return)",
    r"please (?:send|share|provide|forward|fill|complete|upload|sign|return)",
    r"we (?:will )?(?:need|require) (?:your|a copy|the|some)",
    r"merci de (?:nous |me )?(?:transmettre|envoyer|fournir|compléter|remplir|retourner|signer)",
    r"(?:pourriez|pouvez)-vous (?:nous |me )?(?:transmettre|envoyer|fournir|compléter|remplir|"
    r"retourner|signer)",
    r"(?:könnten|können|würden) sie (?:uns |mir )?(?:bitte )?[^.?!]{0,60}(?:schicken|senden|"
    r"zusenden|übermitteln|ausfüllen|unterschreiben|nachreichen)",
    r"bitte (?:senden|schicken|füllen|reichen|unterschreiben|übermitteln)",
    r"(?:podrías|podría|puedes|puede) (?:enviarnos|enviarme|mandarnos|mandarme|compartir|"
    r"rellenar|completar|firmar)",
    r"por favor,? (?:envía|envíe|envíanos|envíenos|rellena|completa|firma|adjunta)",
    r"(?:what are|tell (?:me|us)|let (?:me|us) know|share|send) your salary expectations",
    r"(?:quelles sont|indiquer|communiquer|transmettre|envoyer) vos prétentions salariales",
    r"ihre gehaltsvorstellungen?\s(?:mitteilen|nennen|zukommen)",
    r"(?:cuáles son|indícanos|envíanos|compártenos) (?:tus|sus) (?:expectativas|pretensiones) "
    r"salariales",
    r"te agradecería que (?:nos |me )?(?:enviaras|mandaras)",
)

ASK_CONFIRMATION = lexicon(
    "confirm let know savoir dire indiqu courant bestätig bescheid wissen mit confírm avís hazme "
    "indíca dime",
    r"please (?:confirm|let (?:me|us) know)",
    r"(?:could|can) you (?:please )?confirm",
    r"let (?:me|us) know (?:if|whether|what|which|when|how)",
    r"merci de (?:me |nous )?confirmer",
    r"(?:pouvez|pourriez)-vous (?:me |nous )?confirmer",
    r"(?:dites|faites)-(?:moi|nous) savoir",
    r"(?:(?:me|nous) (?:faire savoir|dire|indiquer)|m'indiquer) (?:si|quand|quel(?:le)?s?|ce que)",
    r"tenez-(?:moi|nous) au courant",
    r"bitte (?:bestätigen|geben sie (?:mir|uns) bescheid|teilen sie (?:mir|uns) mit)",
    r"lassen sie (?:mich|uns) wissen",
    r"geben sie (?:mir|uns) (?:kurz )?bescheid",
    r"confírm(?:a|e)(?:me|nos)",
    r"(?:puedes|podrías|puede|podría) confirmar",
    r"avísa(?:me|nos)|hazme saber|indíca(?:me|nos)|dime si",
)

#: An open invitation to ask questions or for help, which closes many letters
#: and expects no answer: "let me know if you have any questions" is no ask.
QUESTIONS_WELCOME = lexicon(
    "question help assist anything besoin interrogation fragen pregunta duda consulta necesit",
    r"(?:if|should|in case|do|did) (?:you )?(?:have|need|require|there (?:are|is)) (?:any |some )?"
    r"(?:further |other |more |additional )?(?:questions?|help|assistance|anything(?: else)?)",
    r"if (?:any )?(?:further |other |more )?questions (?:come up|arise)",
    r"if anything (?:else )?(?:comes up|is unclear)",
    r"if (?:i|we) can (?:help|assist|be of (?:any |further )?(?:help|assistance))",
    r"any (?:further |other |more )?questions",
    r"si (?:vous avez|tu as) (?:des |d'autres |la moindre |une |quelques )?(?:autres )?"
    r"(?:questions?|interrogations?)",
    r"si (?:vous avez|tu as) besoin (?:de quoi que ce soit|d'aide|d'informations|de précisions)",
    r"(?:avez-vous|as-tu) (?:des|d'autres) questions",
    r"(?:pour toute|en cas de) (?:autre )?(?:question|interrogation)s?",
    r"(?:wenn|falls|sollten?) (?:sie|du) (?:noch )?(?:weitere |irgendwelche )?fragen",
    r"(?:haben sie|hast du) (?:noch )?(?:weitere |irgendwelche )?fragen",
    r"bei (?:weiteren |allen |offenen )?fragen",
    r"(?:si )?(?:tienes|tiene|tienen|tengas|tenga|tuvieras|tuviera) (?:alguna |algunas |cualquier "
    r"|más )?(?:preguntas?|dudas?|consultas?)",
    r"si (?:necesitas|necesita) (?:algo|ayuda|más información)",
    r"(?:ante|para) cualquier (?:pregunta|duda|consulta)",
)

#: Words after a courtesy closing that open a second clause in its sentence,
#: maybe a request: "let me know if you have any questions, or if Tuesday
#: works". Only searched in the rest of a closing's sentence, so it needs no
#: anchors.
ANOTHER_CLAUSE = re.compile(
    r"(?<![\w])(?:(?:or|and) (?:if|whether|when|which|what)|otherwise|or else"
    r"|(?:ou|et) (?:si|quand|quel(?:le)?s?)|sinon|autrement"
    r"|(?:oder|und) (?:ob|wann|welche[rs]?)|ansonsten|sonst"
    r"|(?:o|y) (?:si|cuándo|qué)|de lo contrario|si no)(?![\w])"
)

#: A clause after ANOTHER_CLAUSE that asks the user to do something: "and
#: whether you could give me more details", "et si vous pouvez me donner",
#: "und ob Sie uns ... geben können". It is a request whatever else it says.
REQUEST_VERB = re.compile(
    r"(?<![\w])(?:(?:you|vous|sie|tú|usted) (?:could|can|pouvez|pourriez|können|könnten"
    r"|puedes|podrías|podría)|could you|can you|would you|pourriez-vous|pouvez-vous"
    r"|give me|send (?:me|us)|provide|donner|envoyer|geben|schicken|enviar|mandar|share)(?![\w])"
)

#: What makes the clause after ANOTHER_CLAUSE more courtesy rather than a
#: request of its own: "or if you need anything else", "or if I can be of
#: further assistance", "si no nos vemos el martes". Any other clause ("or
#: when you could start", "ou si vous souhaitez poursuivre") is a request:
#: reading a request as courtesy would send a nudge to someone waiting on
#: the user. Only searched in that clause, so it needs no anchors.
MORE_COURTESY = re.compile(
    r"(?<![\w])(?:anything(?: else)?|(?:can|could) help|(?:like|need|want) (?:more|further) "
    r"(?:information|details)|further assistance|of (?:further )?(?:help|assistance)|unclear"
    r"|(?:souhaitez|voulez|désirez) (?:plus d'|d'autres )informations?"
    r"|weitere informationen (?:benötigen|wünschen|brauchen)|(?:quieres|quiere|necesitas) más "
    r"información|see you|talk soon|speak soon|(?:we'll|we will|i'll|i will) (?:talk|speak|see)"
    r"|besoin|quoi que ce soit|(?:je vous|on se) (?:dis|retrouve|voit)|à (?:bientôt|très vite)"
    r"|freue (?:mich|ich)|sehen (?:wir uns|uns)|hören (?:wir uns|uns)|bis (?:dann|bald)"
    r"|algo(?: más)?|nos vemos|hablamos)(?![\w])"
)
#: "Otherwise" words, after which a promise closes politely: "otherwise
#: we'll be in touch next week", "sinon nous reviendrons vers vous".
OTHERWISE = re.compile(r"otherwise|or else|sinon|autrement|ansonsten|sonst|de lo contrario|si no")

#: A question mark closing a sentence, in any of the four languages.
QUESTION = re.compile(r"[^.!?\n]{8,}\?")

SMALL_TALK_QUESTION = lexicon(
    "how hope comment wie qué cómo",
    r"how are you(?: doing)?",
    r"hope (?:you(?:'re| are) well|all is well)",
    r"comment (?:allez-vous|vas-tu|ça va)",
    r"wie geht es (?:ihnen|dir)",
    r"(?:qué tal|cómo estás|cómo está)",
)


#: Up to `n` characters within a sentence; a full stop after a digit is a
#: German ordinal or date ("bis zum 11. Dezember", "bis 11.12."), not an end.
def _within_sentence(n: int) -> str:
    return rf"(?:[^.?!]|(?<=\d)\.){{0,{n}}}"


PROMISE = lexicon(
    "back touch know follow reach contact update circle hear expect revien "
    "recontact tiendr répond retour nouvelles meld hören bescheid rückmeldung diremos "
    "informad escribiremos respuesta noticias should aurez recevrez answer decision "
    "erhalten bekommen recibir news",
    r"(?:we|i)(?:'ll| will| shall| are going to| am going to) (?:let you know|follow up|"
    r"reach out|contact you|update you)",
    # "We will review it and get back to you": the promise is the second verb.
    r"(?:\w+'ll|will|shall|going to) (?:[\w ]{1,40} and )?(?:get back to you|be in touch|"
    r"come back to you|circle back|be back in touch)",
    r"(?:we|i)(?:'re| are| am)? (?:aim|hope|plan|expect|intend)(?:ing)? to (?:get back to "
    r"(?:you|all (?:candidates|applicants))|come back to you|be in touch|let you know"
    r"|have (?:an answer|a decision|news|an update)(?! from you)"
    r"|make (?:a|our|the) (?:final )?decision)",
    r"you(?:'ll| will| should) hear (?:back )?from (?:us|me)",
    r"you (?:can|may|should|will) expect to hear (?:back )?from (?:us|me)",
    # "We'd expect to have a decision from you" waits on the user: no promise.
    r"(?:expect|should have) (?:an? )?(?:update|answer|decision|feedback)(?! from you)",
    r"expect to (?:make|reach|have) (?:a|our|the) (?:final )?decision(?! from you)",
    r"the latest we (?:would|will|can) (?:give you|send you|have) (?:an answer|a decision"
    r"|feedback|news)",
    r"(?:feedback|an answer|a decision|an update)(?: on [\w ]{1,40})? will follow",
    r"(?:nous|je|il|elle) (?:reviendrons|reviendrai|reviens|reviendra) (?:rapidement |très vite )?"
    r"vers vous",
    r"(?:nous|je) vous (?:recontacterons|recontacterai|tiendrons informée?|tiendrai informée?|"
    r"ferons un retour|ferai un retour|répondrons|donnerons des nouvelles)",
    r"vous (?:aurez|recevrez) (?:un retour|une réponse|de nos nouvelles|notre réponse"
    r"|une décision)",
    # "Wir melden uns nur bei Kandidaten in der engeren Auswahl" promises nothing.
    r"(?:melden|melde) (?:uns|mich)(?! nur)",
    r"(?:melden wir uns|melde ich mich)(?! nur)",
    rf"(?:wir|ich) werden (?:uns|mich) {_within_sentence(60)}melden",
    rf"werden (?:wir uns|ich mich) {_within_sentence(60)}melden",
    rf"(?:er|sie) wird sich {_within_sentence(60)}melden",
    r"meldet (?:er|sie) sich|(?:er|sie) meldet sich",
    rf"sie hören {_within_sentence(40)}von (?:uns|mir)",
    rf"(?:wir|ich) (?:geben|gebe) ihnen {_within_sentence(40)}(?:bescheid|rückmeldung)",
    rf"(?:erhalten|bekommen) sie (?:von uns )?{_within_sentence(30)}(?:antwort|rückmeldung"
    r"|nachricht|bescheid|entscheidung)",
    rf"sie (?:erhalten|bekommen) (?:von uns )?{_within_sentence(30)}(?:antwort|rückmeldung"
    r"|nachricht|bescheid|entscheidung)",
    # The article keeps "mit dieser Nachricht erhalten Sie die Einladung" out.
    r"(?:eine|unsere|ihre) (?:antwort|rückmeldung|nachricht|entscheidung) (?:erhalten"
    r"|bekommen) sie",
    r"(?:nos|me) pondremos en contacto|me pondré en contacto",
    r"(?:te|le|os) (?:contactaremos|contactaré|contactará|diremos algo|mantendremos informad[oa]s?|"
    r"escribiremos|daremos una respuesta)",
    r"tendrás noticias nuestras|tendrá noticias nuestras",
    r"(?:recibirás|recibirá|recibiréis|recibirán) (?:una |nuestra )?(?:respuesta|noticias"
    r"|novedades|decisión)",
)

#: A promise kept for some candidates only is no promise to the user: "we
#: will get back to you only if you are shortlisted". Not "let you know if
#: you are shortlisted", where "if" is "whether", nor a negated "only":
#: "nicht nur bei einer Zusage", "no solo con los seleccionados".
FOR_SOME_ONLY = lexicon(
    "only shortlisted uniquement seulement nur ausschließlich engeren solo sólo únicamente",
    r"(?<!not )(?<!nicht )(?<!pas )(?<!no )(?:only if|only (?:the )?(?:shortlisted|selected"
    r"|successful) (?:candidates|applicants)|shortlisted candidates|uniquement si|seulement si"
    r"|nur (?:wenn|falls|bei)|ausschließlich (?:bei|wenn)|kandidaten in der engeren auswahl"
    r"|(?:s[oó]lo|únicamente) (?:si|a los|con los|nos pondremos|te contactaremos"
    r"|contactaremos))",
)

# --- Roles -----------------------------------------------------------------------------------

HR_TITLE = lexicon(
    "recruit talent sourc people human hr hiring coordinator headhunter recrut ressources rh "
    "personal reclut recursos rrhh selecci",
    r"recruit\w*",
    r"talent(?: acquisition| partner| manager| lead| scout| specialist)?",
    r"sourc(?:er|ing)",
    r"people (?:team|partner|operations|ops|business partner)",
    r"human resources",
    r"hr(?:bp)?",
    r"hr[- ](?:manager|business partner|generalist|specialist|coordinator)",
    r"(?:hiring|recruiting|interview) coordinator",
    r"headhunter",
    r"chargée? (?:de|du) recrutement",
    r"recruteu(?:r|se)",
    r"ressources humaines",
    r"rh",
    r"(?:responsable|chargée?) (?:du )?recrutement",
    r"personalreferent(?:in)?|personalabteilung|personal(?:wesen|leiter|leiterin|management|"
    r"berater|beraterin|marketing)",
    r"recruiter(?:in)?",
    r"reclutador(?:a)?|reclutamiento",
    r"recursos humanos",
    r"rrhh",
    r"técnic[oa] de selección|(?:coordinador|consultor|responsable)a? de selección",
    r"selección",
)

HM_TITLE = lexicon(
    "manager lead head director vp vice president cto ceo coo cpo cio founder chief principal "
    "directeur directrice responsable chef leiter geschäftsführ gründer jefe jefa gerente "
    "fundador fondat",
    r"(?:[\w-]+ )?manager",
    r"(?:team |tech |technical |engineering |design |product )?lead",
    r"head of [\w&/ -]{2,40}",
    r"director(?:a)?(?: of [\w&/ -]{2,40})?",
    r"vp(?: of [\w&/ -]{2,40})?",
    r"vice[- ]president",
    r"cto|ceo|coo|cpo|cio",
    r"(?:co-?)?founder",
    r"chief [\w ]{2,30}officer",
    r"principal (?:engineer|scientist|designer)",
    r"directeur|directrice",
    r"responsable (?:de |du |d')?[\w' -]{2,40}",
    r"chef (?:d'équipe|de projet|de service|du service)",
    r"(?:team|abteilungs|bereichs|gruppen|fach)?leiter(?:in)?",
    r"geschäftsführer(?:in)?",
    r"gründer(?:in)?",
    r"jef[ea](?: de [\w ]{2,30})?",
    r"gerente",
    r"fundador(?:a)?",
    r"fondat(?:eur|rice)",
)

#: Words around a person's name that introduce them as the hiring manager.
HM_INTRO = lexicon(
    "hiring manager interview meet lead head director manag responsable rencontr futur "
    "vorgesetzt leiter fachabteilung gespräch jef entrevist conocer entretien directeur "
    "directrice",
    r"hiring manager",
    r"(?:engineering |product |team |the |our |your future |your )manager",
    r"team lead|tech lead",
    r"head of",
    r"director|directora|directeur|directrice",
    r"(?:will|would) (?:interview|meet|be meeting|be interviewing) (?:with )?you",
    r"interviewer",
    r"(?:meet|meeting|interview) with",
    r"(?:votre )?(?:futur|future) (?:manager|responsable)",
    r"(?:le|la|notre) (?:manager|responsable (?:de l'équipe|d'équipe|du pôle|technique))",
    r"vous rencontrera",
    r"entretien avec",
    r"(?:ihr|ihre|ihrem|ihrer) (?:zukünftige[rn]? |künftige[rn]? )?(?:vorgesetzte[rn]?|"
    r"teamleiter(?:in)?|abteilungsleiter(?:in)?)",
    r"(?:teamleiter|abteilungsleiter|bereichsleiter)(?:in)?",
    r"fachabteilung",
    r"gespräch mit",
    r"(?:tu|su) (?:futur[oa] )?(?:jef[ea]|responsable|manager)",
    r"entrevista con",
    r"(?:te|le) conocerá|quiere conocerte",
)

#: Words around a person's name that introduce them as the recruiter.
HR_INTRO = lexicon(
    "recruit talent hr coordinat rh recrut personal reclut rrhh selecci",
    r"recruit(?:er|ing|ment)\w*",
    r"talent (?:acquisition|partner|team)",
    r"hr|rh|rrhh",
    r"(?:interview|recruiting|hiring) coordinator",
    r"(?:chargée? de |responsable du |notre )recrutement",
    r"personalabteilung|personalreferent(?:in)?|recruiterin",
    r"(?:equipo de |responsable de )?selección|reclutador(?:a)?",
)

#: Words that open a letter: a name after them is addressed, not introduced.
GREETING = re.compile(
    r"(?:^|\s)(?:hi|hello|hey|dear|thanks|thank you|merci|danke|gracias|bonjour|bonsoir|chère?"
    r"|hallo|liebe[rs]?|sehr geehrte[rs]?|guten tag|hola|estimad[oa]|querid[oa]|buenos días)\s*$"
)

#: A line that ends the message and starts the signature.
SIGN_OFF = re.compile(
    r"^(?:best(?: regards| wishes)?|kind regards|warm regards|regards|cheers|thanks|thank you"
    r"|many thanks|sincerely|yours(?: sincerely| truly)?|all the best|cordialement"
    r"|bien (?:cordialement|à vous)|belle journée|à bientôt|merci(?: beaucoup)?"
    r"|sincères salutations"
    r"|(?:mit )?(?:freundlichen|besten|herzlichen|vielen|lieben|beste|viele|liebe) grüßen?"
    r"|grüße|viele grüße|vg|mfg|beste grüße|saludos(?: cordiales)?|un saludo(?: cordial)?"
    r"|atentamente|cordialmente|gracias|muchas gracias|abrazos|--)[,.!]?$"
)

#: Where a reply's own text ends and the quoted conversation begins. Every
#: quote header holds one of the anchors, and most bodies hold none.
QUOTE_HEADER = Lexicon(
    (
        "wrote",
        "écrit",
        "schrieb",
        "escribió",
        "--",
        "__",
        "sent:",
        "envoy",
        "gesendet",
        "enviado",
        "date",
        "datum",
        "fecha",
    ),
    # German clients put the author after the verb: "Am 2. Nov. 2026 um 10:00
    # schrieb Sam Lee <sam@acme.example>:".
    r"(?m)^(?:on|le|am|el)\b[^\n]{0,200}(?:\n[^\n]{0,200})?(?:wrote|a écrit|escribió)\s*:"
    r"|^am\b[^\n]{0,200}schrieb\b[^\n]{0,200}:[ \t]*$"
    r"|^-{2,}\s*(?:original message|message d'origine|ursprüngliche nachricht|mensaje original"
    r"|forwarded message|message transféré|weitergeleitete nachricht|mensaje reenviado)"
    r"|^(?:from|de|von)\s*:[^\n]*\n(?:[^\n]*\n)?(?:sent:|(?:envoyé|gesendet|enviado|date|datum"
    r"|fecha)\s*:)"
    r"|^_{10,}\s*$",
)

#: What a text is first looked for, all in one pass: the core stems and the
#: anchors of every lexicon above.
ANCHORS = Anchors(
    (
        *CORE_STEMS,
        *(
            anchor
            for value in tuple(globals().values())
            if isinstance(value, Lexicon)
            for anchor in value.anchors
        ),
    )
)
