"""What the evaluation lets a board conclude, recommend and decide, in Swedish.

Three honest conclusions, never blurred: an effect is shown (the targets are
reached), no effect is shown (there is an interval and it does not reach the
target), or the evidence cannot answer (no estimate, no interval, or the
result may not be published).  Each has its own recommendation, its own
decision clause and its own Föredragning.  ``rekommendation``,
``förslag_till_beslut`` and ``föredragning`` in ``projekt.yaml`` replace the
generated text; the evaluator has the last word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from .. import swedish as sv
from ..model import Effect, ProjectResult
from .texts import is_suppressed

Conclusion = Literal["visad", "delvis", "ej_visad", "kan_ej_bedömas", "inga_mål"]
EffectState = Literal["uppnått", "ej_visat", "kan_ej_bedömas"]

CANNOT_ANSWER = "Underlaget räcker inte för att bedöma effekten"
OVERRIDE_KEYS = ("rekommendation", "förslag_till_beslut", "föredragning")

_STATE_TEXT: dict[EffectState, str] = {  # after "För <indikator>", so the verb comes first (V2)
    "uppnått": "är effektmålet uppnått",
    "ej_visat": "visar utvärderingen inte att effektmålet är uppnått",
    "kan_ej_bedömas": "räcker underlaget inte för att bedöma effekten",
}


def effect_state(e: Effect) -> EffectState | None:
    """One indicator's verdict against its target; None when it has no target."""
    if e.effektmål is None:
        return None
    if is_suppressed(e) or e.skattning is None or e.ki_låg is None or e.ki_hög is None:
        return "kan_ej_bedömas"
    if e.måluppfyllelse == "uppnått":
        return "uppnått"
    return "ej_visat"


def conclusion(effects: Sequence[Effect]) -> Conclusion:
    """The project's conclusion: shown, partly shown, not shown, the evidence cannot answer, or no targets."""
    states = [s for s in (effect_state(e) for e in effects) if s is not None]
    if not states:
        return "inga_mål"
    if all(s == "uppnått" for s in states):
        return "visad"
    if "uppnått" in states:
        return "delvis"
    if "ej_visat" in states:
        return "ej_visad"
    return "kan_ej_bedömas"


def _override(result: ProjectResult, key: str) -> Any:
    """A text the evaluator wrote in projekt.yaml (keys are stored folded: å/ä → a, ö → o)."""
    value = dict(result.extra).get(sv.fold(key).replace(" ", "_"))
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        items = [str(v).strip() for v in value if str(v).strip()]
        return items or None
    return None


def has_override(result: ProjectResult, key: str) -> bool:
    """Whether the evaluator wrote ``key`` (one of :data:`OVERRIDE_KEYS`) in projekt.yaml."""
    return _override(result, key) is not None


def _judged(effects: Sequence[Effect]) -> list[Effect]:
    return [e for e in effects if e.effektmål is not None]


def _names(effects: Sequence[Effect]) -> str:
    return sv.join_list(sv.lower_first(e.namn or e.indikator) for e in effects)


def recommendation(result_or_effects: ProjectResult | Sequence[Effect]) -> str:
    """A recommendation that follows from the conclusion, never stronger than the design allows."""
    if isinstance(result_or_effects, ProjectResult):
        own = _override(result_or_effects, "rekommendation")
        if own:
            return own if isinstance(own, str) else " ".join(own)
        effects: Sequence[Effect] = result_or_effects.effekter
    else:
        effects = result_or_effects
    judged = _judged(effects)
    states = {e.indikator: effect_state(e) for e in judged}
    reached = [e for e in judged if states[e.indikator] == "uppnått"]
    unknown = [e for e in judged if states[e.indikator] == "kan_ej_bedömas"]
    kind = conclusion(effects)
    one = len(judged) == 1
    if kind == "visad":
        causal = any(e.design in ("did", "its", "its_kontrollerad", "stegvis", "syntetisk") for e in reached)
        return (("Effektmålet är uppnått. " if one else "Samtliga effektmål är uppnådda. ")
                + "Insatsen bör övervägas för implementering i ordinarie verksamhet"
                + (", med fortsatt uppföljning av indikatorerna." if causal else
                   ", men eftersom resultaten bygger på en före/efter-jämförelse bör effekten bekräftas "
                   "med en jämförelsegrupp innan beslut fattas."))
    if kind == "delvis":
        n = len(reached)
        return (f"{sv.number_word(n, 'ett').capitalize()} av {sv.number_word(len(judged), 'ett')} effektmål är "
                f"{'uppnått' if n == 1 else 'uppnådda'}. Insatsen bör följas upp vidare innan beslut om "
                "implementering i ordinarie verksamhet fattas.")
    if kind == "ej_visad":
        text = (f"Utvärderingen visar inte att insatsen har nått {'sitt effektmål' if one else 'sina effektmål'}. "
                "Implementering i ordinarie verksamhet rekommenderas inte på detta underlag; pröva om insatsen "
                "kan justeras eller om uppföljningen behöver ett större underlag.")
        if unknown:
            text += f" För {_names(unknown)} räcker underlaget inte för att bedöma effekten."
        return text
    if kind == "kan_ej_bedömas":
        return (f"{CANNOT_ANSWER}. Utvärderingen kan därför varken visa att insatsen har nått "
                f"{'sitt effektmål' if one else 'sina effektmål'} eller att den inte har gjort det. Ett beslut om "
                "implementering i ordinarie verksamhet bör vänta tills uppföljningen har ett underlag som räcker, "
                "till exempel fler mätpunkter, fler enheter eller en jämförelsegrupp.")
    return ("Projektet saknar angivna effektmål, så måluppfyllelsen kan inte bedömas. Ange effektmål i "
            "projekt.yaml inför nästa uppföljning.")


def decision_clauses(result: ProjectResult) -> list[str]:
    """The numbered proposals (without "att"), following what the evaluation can support."""
    own = _override(result, "förslag_till_beslut")
    if own:
        return [own] if isinstance(own, str) else list(own)
    judged = _judged(result.effekter)
    nämnd = sv.lower_first(result.ansvarig_nämnd) if result.ansvarig_nämnd else "nämnden"
    clauses = [f"godkänna utvärderingen av {result.projekt} enligt ärendets bilaga 1"]
    kind = conclusion(result.effekter)
    if kind == "visad":
        clauses.append(f"uppdra åt {nämnd} att ta fram en plan för att implementera insatsen i ordinarie verksamhet")
    elif kind == "delvis":
        clauses.append(f"uppdra åt {nämnd} att fortsätta följa upp insatsen och återkomma med ett förslag om "
                       "implementering i ordinarie verksamhet")
    elif kind == "ej_visad":
        clauses.append("notera att insatsens effektmål inte har kunnat visas vara "
                       + ("uppnått" if len(judged) == 1 else "uppnådda"))
    elif kind == "kan_ej_bedömas":
        clauses.append("notera att underlaget inte räcker för att bedöma insatsens effekt")
        clauses.append(f"uppdra åt {nämnd} att komplettera uppföljningen och återkomma med en ny utvärdering")
    else:
        clauses.append(f"uppdra åt {nämnd} att ange effektmål för insatsen inför nästa uppföljning")
    return clauses


_DESIGN_WEIGHT = {
    "did": ("Jämförelsen med en jämförelsegrupp gör det rimligt att tillskriva insatsen skillnaden, under "
            "antagandet att grupperna hade utvecklats på samma sätt utan insatsen."),
    "its": ("Tidsserien jämför utvecklingen med den tidigare trenden; den kan inte skilja insatsen från andra "
            "händelser vid samma tid."),
    "its_kontrollerad": ("Tidsserien för skillnaden mot jämförelsegruppen räknar bort sådant som drabbar båda "
                         "grupperna lika, men bygger på få enheter."),
    "stegvis": ("Varje skola eller enhet jämförs med enheter som ännu inte fått insatsen, vid den tid den själv "
                "startade; det förutsätter att de hade utvecklats på samma sätt utan insatsen."),
    "syntetisk": ("Det behandlade området jämförs med en vägd kombination av andra områden som följde det före "
                  "insatsen; resultatet vilar på ett enda område och på att den kombinationen hade fortsatt följa det."),
    "före_efter": ("En jämförelse före och efter insatsstart kan inte skilja insatsens effekt från annat som "
                   "förändrades under samma tid."),
}


def presentation(result: ProjectResult) -> list[str]:
    """Föredragning: the administration's reasoning, not a repeat of the Sammanfattning.

    It weighs how far the design carries, states each target's verdict in a
    few words and ends with the recommendation.
    """
    own = _override(result, "föredragning")
    if own:
        return [own] if isinstance(own, str) else list(own)
    effects = result.effekter
    paragraphs = []
    designs = [d for d in _DESIGN_WEIGHT if any(e.design == d for e in effects)]
    if designs:
        paragraphs.append("Förvaltningen har bedömt resultaten utifrån vad utvärderingens design kan visa. "
                          + " ".join(_DESIGN_WEIGHT[d] for d in designs))
    judged = _judged(effects)
    if judged:
        paragraphs.append(" ".join(f"För {sv.lower_first(e.namn or e.indikator)} "
                                   f"{_STATE_TEXT[effect_state(e)]}."  # type: ignore[index]
                                   for e in judged))
    paragraphs.append(recommendation(result))
    return paragraphs
