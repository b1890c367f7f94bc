"""The evaluation report's extra paragraphs and tables for the staggered design and synthetic control.

Only reads the frozen :class:`~sif_eval.model.Effect` (cohorts, the TWFE benchmark,
donor weights, placebo and leave-one-out figures) and words them in Swedish; the
numbers go through :mod:`sif_eval.swedish` via the report's own value formatter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import swedish as sv
from ..model import Effect

Value = Callable[[Effect, float | None], str]
SHOWN_WEIGHT = 0.001  # donors below 0,1 % are summed into one line of the weights table

TWFE_NOTE = (
    "Skillnaden mellan de två uppstår när effekten varierar mellan grupper som startar vid olika tidpunkter eller "
    "växer med tiden sedan start: den vanliga regressionen använder då enheter som redan har insatsen som "
    "jämförelse för dem som startar senare, och den väger grupperna på ett sätt som inte följer hur många enheter "
    "som fick insatsen. Den stegvisa designen jämför bara med enheter som inte har insatsen, och det är den "
    "skattningen som redovisas."
)


def details(e: Effect, value: Value, first_table: int) -> dict[str, Any] | None:
    """Template values for one indicator's design details, or None for the other designs.

    ``first_table`` is the number the first table gets; ``tabeller`` says how many were used.
    """
    if e.design == "stegvis" and e.kohorter:
        return _staggered(e, value, first_table)
    if e.design == "syntetisk" and e.donatorvikter:
        return _synthetic(e, value, first_table)
    return None


def _staggered(e: Effect, value: Value, table: int) -> dict[str, Any]:
    d = e.descriptive()
    n_treated, n_comp = int(d.get("n_behandlade") or 0), int(d.get("n_jämförelseenheter") or 0)
    carriers = (f"Resultatet bygger på {sv.count_noun(n_treated, 'enhet', 'enheter')} med insatsen, fördelade på "
                f"{sv.count_noun(len(e.kohorter), 'starttid', 'starttider')}, och "
                f"{sv.count_noun(n_comp, 'jämförelseenhet', 'jämförelseenheter')}. Tabell {table} visar effekten "
                "för varje grupp av enheter som startade samtidigt, i genomsnitt över perioderna efter deras start.")
    pre = d.get("pretrend_p")
    event = ("Figuren visar effekten efter antal perioder sedan varje enhets start. Före start visar punkterna "
             "förändringen från perioden innan jämfört med jämförelseenheterna; de bör ligga nära noll om "
             "utvecklingen var parallell"
             + (f", och ett gemensamt test av dem ger {sv.p_value(pre)}." if pre is not None else "."))
    far = d.get("största_händelsetid")
    if far is not None and far > 0:
        event += (f" Effekterna längst efter start (upp till {sv.count_noun(int(far), 'period', 'perioder')}) "
                  "bygger bara på de enheter som startade tidigast.")
    twfe, twfe_se = d.get("twfe"), d.get("twfe_se")
    twfe_text = ""
    if twfe is not None:
        se_text = f" (standardfel {value(e, twfe_se)})" if twfe_se is not None else ""
        twfe_text = (f"Som jämförelse ger en vanlig regression med fasta effekter för enhet och period (TWFE) "
                     f"{value(e, twfe)}{se_text}, mot {value(e, e.skattning)} med den stegvisa designen. {TWFE_NOTE}")
    rows = [{"start": c.start, "n": sv.number(c.n_enheter), "skattning": value(e, c.skattning),
             "se": value(e, c.standardfel)} for c in e.kohorter]
    return {"kod": "stegvis", "bärare": carriers, "händelsetid": event, "twfe": twfe_text, "kohorter": rows,
            "tab": table, "tabeller": 1}


def _synthetic(e: Effect, value: Value, table: int) -> dict[str, Any]:
    d = e.descriptive()
    unit = e.insatsenhet or "insatsenheten"
    shown = [w for w in e.donatorvikter if w.vikt >= SHOWN_WEIGHT]
    rest = sum(w.vikt for w in e.donatorvikter if w.vikt < SHOWN_WEIGHT)
    rows = [{"enhet": w.enhet, "vikt": sv.percent(w.vikt, 1, word=False)} for w in shown]
    n_zero = len(e.donatorvikter) - len(shown)
    if n_zero:
        rows.append({"enhet": f"Övriga {n_zero} jämförelseenheter", "vikt": sv.percent(rest, 1, word=False)})
    carriers = (f"Resultatet gäller bara {unit}. Den syntetiska kontrollen är en blandning av "
                f"{sv.count_noun(len(shown), 'jämförelseenhet', 'jämförelseenheter')} av "
                f"{len(e.donatorvikter)} möjliga, med vikterna i tabell {table}; de övriga fick ingen vikt.")
    fit = (f"Före start skilde sig {unit} och den syntetiska kontrollen i genomsnitt {value(e, d.get('rmspe_före'))} "
           f"per period (roten ur medelkvadratavvikelsen, RMSPE); efter start {value(e, d.get('rmspe_efter'))}.")
    placebo = ""
    n, p_f, n_f = d.get("n_placebo"), d.get("placebo_p_filtrerat"), d.get("n_placebo_filtrerat")
    if n:
        placebo = (f"Placebotestet upprepar analysen för var och en av de {int(n)} jämförelseenheterna som om den "
                   f"hade fått insatsen och jämför förhållandet mellan avvikelsen efter och före start. Med "
                   f"{int(n)} jämförelseenheter är det minsta möjliga p-värdet {sv.decimal(1 / (int(n) + 1), 3)}.")
        if p_f is not None and n_f is not None and int(n_f) < int(n):
            placebo += (f" Räknas bara de {int(n_f)} jämförelseenheter vars anpassning före start är högst fem gånger "
                        f"sämre än insatsenhetens blir p-värdet {sv.decimal(p_f, 3)}.")
    lo, hi = d.get("loo_min"), d.get("loo_max")
    loo = ""
    if lo is not None and hi is not None:
        loo = (f"När en jämförelseenhet med vikt i taget tas bort och analysen görs om blir skattningen mellan "
               f"{value(e, lo)} och {value(e, hi)}.")
    return {"kod": "syntetisk", "bärare": carriers, "anpassning": fit, "placebo": placebo, "loo": loo,
            "vikter": rows, "tab": table, "tabeller": 1}
