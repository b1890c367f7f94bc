"""Budget against outcome: totals per insats, committee and in total, with every disagreement as a warning.

Pure: takes the rows of ``ekonomi.csv`` (already read) and the totals stated
elsewhere, returns the immutable :class:`~sif_eval.economics.model.Budget`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .. import swedish as sv
from ..paths import PROJECT_FILE
from ..swedish import fold
from .model import Budget, BudgetRow, BudgetTotal, CostItem, StatedFigure
from .plans import payment_plan

TOLERANCE_KR = 0.5  # figures that differ by less than half a krona agree


def _sum(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return float(sum(vals)) if vals else None


def _differ(x: float, y: float) -> bool:
    return abs(x - y) >= TOLERANCE_KR


_KIND_TEXT = {"rekvirerat": "Rekvirerat belopp", "beviljat": "Beviljat belopp", "budgeterat": "Budgeterat belopp",
              "utfall": "Utfallet", "att_återbetala": "Beloppet att återbetala"}


def budget_summary(
    rows: Sequence[BudgetRow],
    *,
    rekvirerat_totalt: float | None = None,
    beviljat_totalt: float | None = None,
    uppgivna: Sequence[StatedFigure] = (),
    återbetalas_till: str = "",
    källa: str = PROJECT_FILE,
    start: tuple[int, int] | None = None,
) -> Budget:
    """Budget against outcome per insats, committee and in total, with consistency checks.

    To repay = received (requisitioned, else granted) − used.  Every
    disagreement between two statements of the same total becomes a Swedish
    warning naming both figures.  ``start`` (year, month) is the project's
    start: the payment plan never pays for months before it.
    """
    warnings: list[str] = []
    committees = list(dict.fromkeys(r.nämnd for r in rows))

    def total(name: str, subset: Sequence[BudgetRow]) -> BudgetTotal:
        received = _sum(r.mottaget for r in subset)
        used = float(sum(r.utfall or 0.0 for r in subset))
        return BudgetTotal(nämnd=name, budgeterat=float(sum(r.budgeterat or 0.0 for r in subset)), utfall=used,
                           mottaget=received, att_återbetala=None if received is None else received - used)

    per = tuple(total(c, [r for r in rows if r.nämnd == c]) for c in committees)
    tot = total("Totalt", rows)
    rek_rows, bev_rows = _sum(r.rekvirerat for r in rows), _sum(r.beviljat for r in rows)

    if rekvirerat_totalt is not None:
        received, kind, basis = rekvirerat_totalt, "rekvirerat", f"rekvirerat belopp enligt {källa}"
    elif beviljat_totalt is not None:
        received, kind, basis = beviljat_totalt, "beviljat", f"beviljat belopp enligt {källa}"
    elif tot.mottaget is not None:
        kind = "rekvirerat" if rek_rows is not None else "beviljat"
        received, basis = tot.mottaget, f"summan av kolumnen {kind} i ekonomi.csv"
    else:
        received, kind, basis = None, "", "inget rekvirerat eller beviljat belopp är angivet"

    for stated, summed, word in ((rekvirerat_totalt, rek_rows, "rekvirerat"), (beviljat_totalt, bev_rows, "beviljat")):
        if stated is not None and summed is not None and _differ(stated, summed):
            warnings.append(f"{_KIND_TEXT[word]} är {sv.kronor(stated)} enligt {källa} men summan av kolumnen "
                            f"{word} i ekonomi.csv är {sv.kronor(summed)} (skillnad {sv.kronor(abs(stated - summed))}).")
    if received is not None and rows and tot.budgeterat > 0 and _differ(tot.budgeterat, received):
        warnings.append(f"Summan av budgeterade belopp i ekonomi.csv ({sv.kronor(tot.budgeterat)}) stämmer inte med "
                        f"{kind} belopp ({sv.kronor(received)}, {basis}); skillnaden är "
                        f"{sv.kronor(abs(received - tot.budgeterat))}. Kontrollera vilken siffra som gäller.")

    to_repay = None
    if received is not None:
        to_repay = received - tot.utfall
        if to_repay < -TOLERANCE_KR:
            warnings.append(f"Utfallet ({sv.kronor(tot.utfall)}) är större än det mottagna beloppet "
                            f"({sv.kronor(received)}); inget ska återbetalas och mellanskillnaden "
                            f"{sv.kronor(-to_repay)} bärs av nämnderna.")
            to_repay = 0.0

    for f in uppgivna:
        subset = [r for r in rows if (f.nämnd is None or fold(r.nämnd) == fold(f.nämnd))
                  and (f.insats is None or fold(r.insats) == fold(f.insats))]
        whole = f.nämnd is None and f.insats is None
        if f.avser == "rekvirerat":
            actual, where = (rekvirerat_totalt, f"enligt {källa}") if whole and rekvirerat_totalt is not None else \
                (_sum(r.rekvirerat for r in subset), "enligt ekonomi.csv")
        elif f.avser == "beviljat":
            actual, where = (beviljat_totalt, f"enligt {källa}") if whole and beviljat_totalt is not None else \
                (_sum(r.beviljat for r in subset), "enligt ekonomi.csv")
        elif f.avser == "budgeterat":
            actual, where = _sum(r.budgeterat for r in subset), "enligt ekonomi.csv"
        elif f.avser == "utfall":
            actual, where = _sum(r.utfall for r in subset), "enligt ekonomi.csv"
        else:
            actual, where = (to_repay, "enligt beräkningen") if whole else \
                (_sum(r.att_återbetala for r in subset), "enligt ekonomi.csv")
        if actual is None or not _differ(actual, f.belopp):
            continue
        scope = ""
        if f.insats:
            scope += f" för {f.insats}"
        if f.nämnd:
            scope += f" ({f.nämnd})"
        src = f"i {f.källa}" if f.källa else "på annat ställe"
        warnings.append(f"{_KIND_TEXT[f.avser]}{scope} anges som {sv.kronor(f.belopp)} {src} men är "
                        f"{sv.kronor(actual)} {where} (skillnad {sv.kronor(abs(actual - f.belopp))}).")

    for r in rows:
        if r.mottaget is not None and r.utfall is not None and r.utfall - r.mottaget >= TOLERANCE_KR:
            warnings.append(f"{r.insats} ({r.nämnd}, {r.år}): utfallet {sv.kronor(r.utfall)} är större än "
                            f"rekvirerat/beviljat belopp {sv.kronor(r.mottaget)}.")
    missing = [r for r in rows if r.utfall is None]
    if missing:
        years = sorted({r.år for r in missing})
        warnings.append(f"Utfall saknas på {sv.count_noun(len(missing), 'rad', 'rader')} (år "
                        f"{sv.join_list(years)}); de räknas som 0 kronor i summorna för utfall.")

    costs = [CostItem(år=r.år, belopp=amount, månader=r.månader, beskrivning=r.insats)
             for r in rows if (amount := r.utfall if r.utfall is not None else r.budgeterat)]
    return Budget(rader=tuple(rows), per_nämnd=per, totalt=tot, mottaget_totalt=received, mottaget_grund=basis,
                  att_återbetala_kr=to_repay, återbetalas_till=återbetalas_till,
                  utbetalningsplan=payment_plan(costs, start=start), varningar=tuple(dict.fromkeys(warnings)))

