"""The tjänsteskrivelse (board paper) that takes a project's evaluation to the board.

Laid out like the seeds (``004_…``): header fields, Förslag till beslut as
numbered "att"-clauses, Sammanfattning, Ärendet, Beredning, Föredragning,
Ekonomiska konsekvenser, Beslutsunderlag, signatures and Beslutet skickas
till.  Everything is read from the immutable result; nothing is recomputed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import swedish as sv
from ..model import Effect, Municipality, ProjectResult
from . import economy_text, funder_report, texts
from .texts import is_suppressed, suppressed_sentence

BOARD_TEMPLATE = "tjansteskrivelse.md.j2"

_PREPARATION_KEYS = (("barnperspektiv", "Barnperspektivet"), ("jamstalldhet", "Jämställdhet"),
                     ("naringsliv", "Konsekvenser för näringslivet"))


def decision_clauses(result: ProjectResult) -> list[str]:
    """The numbered proposals, following what the evaluation can support."""
    judged = [e for e in result.effekter if e.effektmål is not None]
    reached = [e for e in judged if e.måluppfyllelse == "uppnått"]
    nämnd = result.ansvarig_nämnd[:1].lower() + result.ansvarig_nämnd[1:] if result.ansvarig_nämnd else "nämnden"
    clauses = [f"godkänna utvärderingen av {result.projekt} enligt ärendets bilaga 1"]
    if judged and len(reached) == len(judged):
        clauses.append(f"uppdra åt {nämnd} att ta fram en plan för att implementera insatsen i ordinarie verksamhet")
    elif reached:
        clauses.append(f"uppdra åt {nämnd} att fortsätta följa upp insatsen och återkomma med ett förslag om "
                       "implementering i ordinarie verksamhet")
    else:
        clauses.append("notera att insatsens effektmål inte har kunnat visas vara uppnådda")
    repay = economy_text.repayment_clause(result.kalkyl)
    if repay:
        clauses.append(repay)
    return clauses


def summary_sentences(effects: tuple[Effect, ...]) -> list[str]:
    return [suppressed_sentence(e) if is_suppressed(e) else f"{texts.effect_sentence(e)} {texts.target_sentence(e)}"
            for e in effects]


def context(result: ProjectResult, municipality: Municipality, report_date: dt.date) -> dict[str, Any]:
    given, missing = preparation(result)
    send_to = [result.ansvarig_nämnd] + [x for x in municipality.beslutet_skickas_till if x != result.ansvarig_nämnd]
    return {
        "r": result,
        "m": municipality,
        "datum_text": sv.date_text(report_date),
        "datum": sv.date_header(report_date),
        "adressat_liten": municipality.adressat[:1].lower() + municipality.adressat[1:],
        "beslut": decision_clauses(result),
        "sammanfattning": summary_sentences(result.effekter),
        "n_indikatorer": sv.count_noun(len(result.effekter), "indikator", "indikatorer"),
        "insatsstart_text": sv.date_text(result.insatsstart),
        "beredning": given,
        "beredning_saknas": missing,
        "skickas_till": [x for x in send_to if x],
        "designer": sv.join_list(sorted({texts.design_name(e.design).lower() for e in result.effekter})),
        "beslutsunderlag": [f"Tjänsteskrivelse daterad {sv.date_text(report_date)}",
                            f"Bilaga 1, Utvärderingsrapport: {result.projekt}"],
        "rubrik": f"Utvärdering av {result.projekt}",
    }


def preparation(result: ProjectResult) -> tuple[list[tuple[str, str]], str]:
    """What the preparation section says on children, gender equality and business, and what is missing."""
    extra = dict(result.extra)
    given = [(label, str(extra[key]).strip()) for key, label in _PREPARATION_KEYS if str(extra.get(key, "")).strip()]
    missing = [label.lower() for key, label in _PREPARATION_KEYS if not str(extra.get(key, "")).strip()]
    return given, sv.join_list(missing) if missing else ""


def funder_context(result: ProjectResult, municipality: Municipality, report_date: dt.date) -> dict[str, Any]:
    """The board paper that takes an återrapportering to the board (seed 004's first part)."""
    ctx = funder_report.context(result, municipality, report_date)
    given, missing = preparation(result)
    title = result.projekt
    ctx.update(
        rubrik=title,
        beslut=[f"godkänna föreslagen {title[:1].lower() + title[1:]} enligt ärendets bilaga 1"],
        beredning=given, beredning_saknas=missing,
        beredare=sv.join_list([c["nämnd"][:1].lower() + c["nämnd"][1:] for c in ctx["per_nämnd"]]) or "berörda nämnder",
        beslutsunderlag=[f"Tjänsteskrivelse daterad {sv.date_text(report_date)}", ctx["bilaga"]],
    )
    return ctx
