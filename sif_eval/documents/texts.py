"""Swedish sentences about results, for the evaluation report and the board paper.

The wording is careful with causal words by design: only a comparison with a
comparison group (``did``) is phrased as a difference between groups; a
before/after comparison always says that it shows a change, not necessarily
an effect; an interrupted time series speaks of a level against the earlier
trend.  Whether a result is "statistically säkerställt" is read from the
95 % confidence interval alone, so the text and the table can never disagree.

All numbers go through :mod:`sif_eval.swedish`; nothing here computes a result,
it only reads the :class:`~sif_eval.model.Effect`.
"""

from __future__ import annotations

import math
from typing import Any

from .. import swedish as sv
from ..model import Effect

__all__ = [
    "inference_sentence",
    "definite_subject",
    "design_limits",
    "design_name",
    "effect_sentence",
    "target_sentence",
]

_DESIGN_NAMES = {
    "före_efter": "Före/efter-jämförelse",
    "did": "Skillnad-i-skillnader",
    "its": "Avbruten tidsserie",
    "its_kontrollerad": "Kontrollerad avbruten tidsserie",
    "auto": "Automatiskt val",
}

_DESIGN_LIMITS = {
    "före_efter": (
        "En före/efter-jämförelse visar hur indikatorn förändrades i insatsgruppen från före till efter "
        "insatsstart. Den kan inte skilja insatsens effekt från annat som förändrades under samma tid, "
        "till exempel allmänna trender, säsongsvariation eller att värden som var ovanligt höga eller "
        "låga vid starten ofta närmar sig det normala av sig själva."
    ),
    "did": (
        "Skillnad-i-skillnader jämför förändringen i insatsgruppen med förändringen i en jämförelsegrupp "
        "under samma tid och räknar på så sätt bort sådant som påverkar båda grupperna lika. Skattningen "
        "kan tolkas som en effekt av insatsen bara om grupperna skulle ha utvecklats parallellt utan "
        "insatsen, och det antagandet kan inte prövas fullt ut."
    ),
    "its": (
        "En avbruten tidsserie jämför nivån efter insatsstart med vad trenden före insatsen förutsåg och "
        "kräver många mätpunkter både före och efter. Den saknar jämförelsegrupp och kan därför inte "
        "skilja insatsens effekt från andra händelser som inträffade ungefär samtidigt som insatsen startade."
    ),
    "its_kontrollerad": (
        "En kontrollerad avbruten tidsserie följer skillnaden mellan insatsgruppen och jämförelsegruppen period "
        "för period och jämför nivån efter insatsstart med vad skillnadens trend före insatsen förutsåg. Det som "
        "påverkar båda grupperna samtidigt räknas därmed bort. Den används när grupperna har för få enheter för "
        "en skillnad-i-skillnader men långa tidsserier, och förutsätter att skillnaden mellan grupperna hade "
        "fortsatt som förut utan insatsen; en händelse som bara rör den ena gruppen vid samma tid kan inte "
        "skiljas från insatsens effekt."
    ),
}

# First word of an indicator name → its definite form and grammatical gender
# ("en"/"ett"), which decides "oförändrad"/"oförändrat".
_DEFINITE = {
    "andel": ("Andelen", "en"),
    "andelen": ("Andelen", "en"),
    "antal": ("Antalet", "ett"),
    "antalet": ("Antalet", "ett"),
    "medelvärde": ("Medelvärdet", "ett"),
    "medelvärdet": ("Medelvärdet", "ett"),
    "medeltal": ("Medeltalet", "ett"),
    "medeltalet": ("Medeltalet", "ett"),
    "genomsnitt": ("Genomsnittet", "ett"),
    "genomsnittet": ("Genomsnittet", "ett"),
}

_UNCHANGED = {"en": "oförändrad", "ett": "oförändrat"}

_NOT_SIGNIFICANT_SUBJECT = {
    "did": "Skillnaden mellan grupperna",
    "före_efter": "Förändringen",
    "its": "Nivåförändringen",
    "its_kontrollerad": "Nivåförändringen i skillnaden mellan grupperna",
}

_NOT_ESTIMATED = {
    "did": "någon skillnad mellan grupperna",
    "före_efter": "någon förändring",
    "its": "någon nivåförändring",
    "its_kontrollerad": "någon nivåförändring i skillnaden mellan grupperna",
}

NO_CI = "Underlaget räcker inte för att beräkna ett konfidensintervall."
BEFORE_AFTER_CAVEAT = "Jämförelsen visar en förändring, inte nödvändigtvis en effekt av insatsen."
TARGET_STATES = ("uppnått", "ej_uppnått", "kan_ej_avgöras", None)


def _check_design(design: str, allowed: tuple[str, ...]) -> None:
    if design not in allowed:
        raise ValueError(f"Unknown design {design!r}. Allowed: {', '.join(allowed)}.")


def design_name(design: str) -> str:
    """The design's Swedish name for headings and tables: ``"did"`` → ``"Skillnad-i-skillnader"``."""
    _check_design(design, tuple(_DESIGN_NAMES))
    return _DESIGN_NAMES[design]


def design_limits(design: str) -> str:
    """What the design can and cannot show, in two sentences for the report's method section."""
    _check_design(design, tuple(_DESIGN_LIMITS))
    return _DESIGN_LIMITS[design]


def _subject(namn: str) -> tuple[str, str]:
    """The indicator name as a sentence subject, with its gender.

    "Andel elever med hög frånvaro" → "Andelen elever med hög frånvaro";
    a name that does not start with Andel/Antal/Medelvärde/… becomes
    "Värdet för <namn>".
    """
    text = " ".join(namn.split())
    if not text:
        return "Värdet", "ett"
    first, _, rest = text.partition(" ")
    if first.lower() in _DEFINITE:
        word, gender = _DEFINITE[first.lower()]
        return (f"{word} {rest}" if rest else word), gender
    return f"Värdet för {sv.lower_first(text)}", "ett"


def definite_subject(namn: str) -> str:
    """The indicator name in definite form, to start a sentence: "Andel elever …" → "Andelen elever …"."""
    return _subject(namn)[0]


def _finite(x: Any) -> float | None:
    """The value as a float, or None when it is missing or not finite."""
    if sv.is_missing(x):
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _decimals(typ: str, values: list[float]) -> int:
    """The shared rounding rule, so text, tables and figures agree (:func:`sif_eval.swedish.effect_decimals`)."""
    return sv.effect_decimals(typ, values)


def unit_word(namn: str, typ: str) -> str:
    """The unit a count is written in, from the indicator's name: "Antal orosanmälningar" → "orosanmälningar".

    Shares carry procentenheter; a mean has no unit to name.
    """
    if typ != "antal":
        return ""
    words = " ".join(namn.split()).split(" ")
    if len(words) < 2 or words[0].lower() not in ("antal", "antalet"):
        return ""
    noun = []
    for word in words[1:4]:  # "Antal nya placeringar av barn …" → "nya placeringar"
        if word.lower() in _STOP_WORDS or not word.isalpha():
            break
        noun.append(word.lower())
    return " ".join(noun)


_STOP_WORDS = {"av", "per", "i", "med", "för", "utanför", "som", "på", "under", "till", "inom", "från", "hos", "vid",
               "och", "eller", "bland", "mot"}


def _amount(value: float, typ: str, decimals: int, unit: str = "") -> str:
    """A magnitude in the indicator's unit: procentenheter for shares, the counted noun for counts."""
    return sv.effect_value(value, typ, decimals, unit_word=unit)


def _is_zero(value: float, typ: str, decimals: int) -> bool:
    """True when the value shows as zero at the precision we print."""
    return not any(ch in "123456789" for ch in _amount(value, typ, decimals))


def effect_sentence(effect: Effect) -> str:
    """One to three Swedish sentences on the estimate, its 95 % interval and what the design allows.

    A negative estimate is written as "minskade med X" and its interval as
    the range of the decrease, smaller first (-0,074…-0,030 → "3,0–7,4").

    Example: ``"Andelen elever med hög frånvaro minskade med 5,2 procentenheter mer i
    insatsgruppen än i jämförelsegruppen (95 % KI 3,0–7,4)."`` (with non-breaking spaces).
    """
    design = effect.design
    _check_design(design, tuple(_DESIGN_LIMITS))
    typ = effect.typ
    subject, gender = _subject(effect.namn or effect.indikator)
    estimate = _finite(effect.skattning)
    if estimate is None:
        return (
            f"Underlaget räcker inte för att skatta {_NOT_ESTIMATED[design]} för {sv.lower_first(subject)}."
        )

    low, high = _finite(effect.ki_låg), _finite(effect.ki_hög)
    interval = (low, high) if low is not None and high is not None else None
    decimals = _decimals(typ, [estimate, *(interval or ())])
    zero = _is_zero(estimate, typ, decimals)
    negative = estimate < 0 and not zero

    ci_text = ""
    if interval is not None:
        # The signed interval, the same string as the table's (a decrease has a negative interval).
        ci_text = sv.effect_ci(interval[0], interval[1], typ, decimals)

    magnitude = _amount(abs(estimate), typ, decimals, unit_word(effect.namn or "", typ))
    verb = "minskade" if negative else "ökade"
    if design in UNIT_DESIGN_NAMES:  # the staggered design and synthetic control, see the block at the end
        return _unit_design_sentence(effect, subject, interval, negative, zero, magnitude, ci_text, verb)

    if design == "did":
        if zero:
            inner = ", ".join(filter(None, [f"skillnad {_amount(0.0, typ, decimals)}", ci_text]))
            main = f"{subject} utvecklades lika i insatsgruppen och i jämförelsegruppen ({inner})."
        else:
            paren = f" ({ci_text})" if ci_text else ""
            main = f"{subject} {verb} med {magnitude} mer i insatsgruppen än i jämförelsegruppen{paren}."
    elif design == "före_efter":
        paren = f" ({ci_text})" if ci_text else ""
        if zero:
            main = (
                f"{subject} var {_UNCHANGED[gender]} från före till efter insatsstart i insatsgruppen{paren}."
            )
        else:
            main = (
                f"{subject} {verb} med {magnitude} från före till efter insatsstart i insatsgruppen{paren}."
            )
    elif design == "its_kontrollerad":
        inner = ", ".join(filter(None, ["nivåförändring i skillnaden mellan grupperna", ci_text]))
        if zero:
            main = (f"Skillnaden mellan insatsgruppen och jämförelsegruppen i {sv.lower_first(effect.namn or effect.indikator)} "
                    f"låg på den nivå som dess tidigare trend förutsåg när insatsen startade ({inner}).")
        else:
            direction = "lägre" if negative else "högre"
            main = (f"{subject} låg {magnitude} {direction} i insatsgruppen, jämfört med jämförelsegruppen, än vad "
                    f"den tidigare trenden i skillnaden förutsåg när insatsen startade ({inner}).")
    else:  # its
        inner = ", ".join(filter(None, ["nivåförändring", ci_text]))
        if zero:
            main = f"{subject} låg på den nivå som den tidigare trenden förutsåg när insatsen startade ({inner})."
        else:
            direction = "lägre" if negative else "högre"
            main = (
                f"{subject} låg {magnitude} {direction} än vad den tidigare trenden förutsåg "
                f"när insatsen startade ({inner})."
            )

    sentences = [main]
    if interval is None:
        sentences.append(NO_CI)
    elif interval[0] <= 0 <= interval[1]:
        sentences.append(
            f"{_NOT_SIGNIFICANT_SUBJECT[design]} är inte statistiskt säkerställd eftersom "
            "konfidensintervallet innefattar noll."
        )
    if design == "före_efter":
        sentences.append(BEFORE_AFTER_CAVEAT)
    return " ".join(sentences)


def _target_text(target: float, typ: str, unit: str = "") -> str:
    """The target as a change: -0.05 for a share → "en minskning med 5,0 procentenheter"."""
    decimals = _decimals(typ, [target])
    if _is_zero(target, typ, decimals):
        return "ingen förändring"
    kind = "en minskning" if target < 0 else "en ökning"
    return f"{kind} med {_amount(abs(target), typ, decimals, unit)}"


def target_sentence(effect: Effect) -> str:
    """Whether the effektmål is reached, from ``effect.måluppfyllelse``.

    The judgement itself is made by the analysis; this only words it, with
    the target written out in the indicator's unit (procentenheter for shares):
    ``"Effektmålet (en minskning med 5,0 procentenheter) är uppnått."``
    """
    state = effect.måluppfyllelse
    if state not in TARGET_STATES:
        raise ValueError(
            f"Unknown måluppfyllelse {state!r}. Allowed: uppnått, ej_uppnått, kan_ej_avgöras or None."
        )
    target = _finite(effect.effektmål)
    if target is None:
        return "Inget effektmål har angetts."
    goal = f"effektmålet ({_target_text(target, effect.typ, unit_word(effect.namn or '', effect.typ))})"
    if state == "uppnått":
        return f"E{goal[1:]} är uppnått."
    if state == "ej_uppnått":
        return f"E{goal[1:]} är inte uppnått."
    if state == "kan_ej_avgöras":
        if _finite(effect.ki_låg) is None or _finite(effect.ki_hög) is None:
            if effect.design == "syntetisk":
                return (f"Om {goal} är uppnått kan inte avgöras: syntetisk kontroll ger inget konfidensintervall "
                        "att jämföra målet med.")
            return f"Om {goal} är uppnått kan inte avgöras, eftersom det saknas ett konfidensintervall."
        return f"Om {goal} är uppnått kan inte avgöras utifrån konfidensintervallet."
    return f"Måluppfyllelsen för {goal} har inte bedömts."


def is_suppressed(e: Effect) -> bool:
    """A group was too small to show (``minsta_antal`` in kommun.yaml): public documents hide the result."""
    return bool(e.descriptive().get("röjanderisk"))


def suppressed_sentence(e: Effect) -> str:
    threshold = int(e.descriptive().get("minsta_antal") or 5)
    return (f"Resultatet för {sv.lower_first(e.namn or e.indikator)} redovisas inte eftersom en grupp har färre än "
            f"{sv.number_word(threshold)} individer.")


# ---------------------------------------------------------------- stegvis and syntetisk (issue 17)
# The two designs that follow units: their names, their method text and their result sentence.

UNIT_DESIGN_NAMES = {"stegvis": "Stegvis införande", "syntetisk": "Syntetisk kontroll"}

UNIT_DESIGN_LIMITS = {
    "stegvis": (
        "När enheterna börjar med insatsen vid olika tidpunkter jämförs varje grupp av enheter som startar "
        "samtidigt med enheter som inte har fått insatsen, period för period (Callaway och Sant'Anna 2021). "
        "Effekterna vägs sedan samman efter hur många enheter som startade vid varje tidpunkt. Skattningen kan "
        "tolkas som en effekt av insatsen om enheterna med och utan insatsen hade utvecklats parallellt utan den "
        "och om ingen enhet ändrade sig i förväg inför sin start. Perioderna före start visar om utvecklingen var "
        "parallell då, men antagandet kan inte prövas för tiden efter start. Resultatet gäller de enheter som har "
        "fått insatsen under den tid som data täcker; effekter långt efter start bygger bara på de enheter som "
        "startade tidigast. En vanlig regression med fasta effekter för enhet och period (TWFE) redovisas som "
        "jämförelse: när effekten skiljer sig mellan grupper eller växer med tiden kan den bli missvisande, "
        "eftersom den då delvis jämför enheter som startat senare med enheter som redan har insatsen."
    ),
    "syntetisk": (
        "När bara en enhet har fått insatsen jämförs den med en syntetisk kontroll: en viktad blandning av "
        "jämförelseenheter, där vikterna (som är positiva och summerar till ett) väljs så att blandningen följer "
        "insatsenheten så nära som möjligt före start (Abadie, Diamond och Hainmueller 2010). Skillnaden efter "
        "start är skattningen. Den förutsätter att blandningen hade fortsatt att följa insatsenheten utan "
        "insatsen och att inget annat som bara berörde insatsenheten hände samtidigt. Med en enda enhet finns "
        "inget vanligt konfidensintervall; osäkerheten bedöms med ett placebotest där varje jämförelseenhet i tur "
        "och ordning behandlas som om den hade fått insatsen. Resultatet gäller bara den enhet som fick insatsen, "
        "och det vilar på de jämförelseenheter som fått vikt."
    ),
}

_DESIGN_NAMES.update(UNIT_DESIGN_NAMES)
_DESIGN_LIMITS.update(UNIT_DESIGN_LIMITS)
_NOT_ESTIMATED.update(stegvis="någon skillnad mellan enheterna med och utan insatsen",
                      syntetisk="någon skillnad mot den syntetiska kontrollen")
_NOT_SIGNIFICANT_SUBJECT.update(stegvis="Skillnaden mellan enheterna med och utan insatsen",
                                syntetisk="Skillnaden mot den syntetiska kontrollen")


def _unit_design_sentence(effect: Effect, subject: str, interval: tuple[float, float] | None, negative: bool,
                          zero: bool, magnitude: str, ci_text: str, verb: str) -> str:
    """The result sentence of a staggered design (with its interval) or a synthetic control (with its placebo p)."""
    if effect.design == "stegvis":
        paren = f" ({ci_text})" if ci_text else ""
        if zero:
            main = f"{subject} utvecklades lika i enheterna med insatsen och i jämförelseenheterna{paren}."
        else:
            main = (f"{subject} {verb} med {magnitude} mer i enheterna med insatsen än i jämförelseenheterna, "
                    f"i genomsnitt över perioderna efter varje enhets start{paren}.")
        sentences = [main]
        if interval is None:
            sentences.append(NO_CI)
        elif interval[0] <= 0 <= interval[1]:
            sentences.append(f"{_NOT_SIGNIFICANT_SUBJECT['stegvis']} är inte statistiskt säkerställd eftersom "
                             "konfidensintervallet innefattar noll.")
        return " ".join(sentences)
    unit = effect.insatsenhet or "insatsenheten"
    where = f"{sv.lower_first(subject)} i {unit}"
    if zero:
        main = f"Efter start låg {where} på samma nivå som i dess syntetiska kontroll."
    else:
        main = (f"Efter start låg {where} i genomsnitt {magnitude} {'lägre' if negative else 'högre'} än i dess "
                "syntetiska kontroll.")
    d = effect.descriptive()
    p, n = _finite(effect.p_värde), d.get("n_placebo")
    if p is None or not n:
        return f"{main} Placebotestet kunde inte göras."
    rank = int(d.get("placebo_rang") or 0)
    sentences = [main, f"I placebotestet hade {rank} av {int(n) + 1} enheter (insatsenheten inräknad) en lika stor "
                       f"eller större avvikelse efter start i förhållande till anpassningen före ({sv.p_value(p)})."]
    if p > 0.05:
        sentences.append(f"{_NOT_SIGNIFICANT_SUBJECT['syntetisk']} är inte statistiskt säkerställd eftersom "
                         "p-värdet är större än 0,05.")
    return " ".join(sentences)


_INFERENCE_TEXT = {
    "randomisering": "randomisering över enheterna",
    "kluster": "klustrade standardfel med enheterna som kluster",
    "wild_bootstrap": "wild cluster bootstrap",
    "hac": "standardfel som tar hänsyn till att närliggande perioder hänger ihop (Newey–West)",
    "robust": "robusta standardfel",
    "klassisk": "vanliga standardfel (t-test)",
    "placebo": "placebo i rummet: varje jämförelseenhet i tur och ordning som låtsad insatsenhet",
}
_SECONDARY_TEXT = {
    "kluster": "klustrade standardfel",
    "wild_bootstrap": "wild cluster bootstrap",
    "placebo_i_tid": "låtsade startpunkter före insatsen",
    "placebo_filtrerat": "placebotestet utan jämförelseenheter som följdes dåligt före start",
}


def _secondary(effect: Effect, name: str, values: dict[str, Any]) -> str | None:
    p = _finite(values.get("p_värde"))
    if p is None:
        return None
    parts = [sv.p_value(p)]
    low, high = _finite(values.get("ki_låg")), _finite(values.get("ki_hög"))
    if low is not None and high is not None:
        decimals = _decimals(effect.typ, [v for v in (effect.skattning, low, high) if v is not None])
        parts.append(sv.ci(low, high, decimals, scale=100.0 if effect.typ == "andel" else 1.0))
    return f"{_SECONDARY_TEXT.get(name, name)} ger {', '.join(parts)}"


def inference_sentence(effect: Effect) -> str:
    """Which inference the p-value and interval rest on, why, and what the secondary checks say."""
    if effect.inferens is None:
        return ""
    what = _INFERENCE_TEXT.get(effect.inferens, effect.inferens)
    if effect.inferens == "placebo" and effect.permutationer:
        what += f" ({sv.count_words(effect.permutationer, 'placebo', 'placebon', gender='ett')})"
    sentences = [f"Osäkerheten bygger på {what}."]
    if effect.inferens_skäl:
        sentences.append(effect.inferens_skäl)
    shown = [s for name, values in effect.sekundär if (s := _secondary(effect, name, dict(values)))]
    if shown:
        sentences.append(f"Som jämförelse: {sv.join_list(shown)}.")
    return " ".join(sentences)
