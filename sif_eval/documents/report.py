"""The evaluation report (utvärderingsrapport) of one project.

Builds the template context from an immutable :class:`ProjectResult` (never
recomputing anything) and hands it to :mod:`sif_eval.render`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .. import paths
from .. import swedish as sv
from ..model import Effect, Municipality, ProjectResult
from ..privacy import small_numbers as privacy
from . import board_paper, conclusions, design_details, economy_text, funder_report, render, texts
from .texts import is_suppressed, suppressed_sentence

REPORT_TEMPLATE = "utvarderingsrapport.md.j2"

FILTERS = {
    "kronor": sv.kronor, "tkr": sv.tkr, "mnkr": sv.mnkr, "tal": sv.number, "decimal": sv.decimal,
    "procent": sv.percent, "procentenheter": sv.percentage_points, "p_varde": sv.p_value,
    "datum_text": sv.date_text, "datum": sv.date_header, "period_text": sv.period_text,
}

_TARGET_LABEL = {"uppnått": "Uppnått", "ej_uppnått": "Ej uppnått", "kan_ej_avgöras": "Kan ej avgöras", None: "–"}
_SE_LABEL = {"klassisk": "klassiska", "robust": "robusta (HC1)", "kluster": "klusterrobusta", "hac": "Newey–West (HAC)"}


def _decimals(effect: Effect) -> int:
    """The one rounding rule (:func:`sif_eval.swedish.effect_decimals`), as the text uses it."""
    return sv.effect_decimals(effect.typ, [effect.skattning, effect.ki_låg, effect.ki_hög])


def _value(effect: Effect, x: float | None) -> str:
    """An estimate in the indicator's own unit: procentenheter (p.e.) for shares."""
    return sv.effect_value(x, effect.typ, _decimals(effect), unit="kort")


def _se_sentence(e: Effect) -> str:
    """How the standard errors were computed, or that there are none (never "Standardfelen är inga")."""
    if not e.se_typ or e.standardfel is None:
        return "Standardfel har inte kunnat skattas, så resultatet saknar konfidensintervall."
    text = f"Standardfelen är {_SE_LABEL.get(e.se_typ, e.se_typ)}"
    if e.n_kluster:
        text += f" med {sv.count_words(e.n_kluster, 'kluster', 'kluster', 'ett')}"
    return text + "."


def effect_row(e: Effect) -> dict[str, str]:
    if is_suppressed(e):
        threshold = int(e.descriptive().get("minsta_antal") or 5)
        return {"namn": e.namn or e.indikator, "design": texts.design_name(e.design), "skattning": "–", "ki": "–",
                "p": "–", "n": f"<{threshold}", "mål": "–"}
    ci = sv.effect_ci(e.ki_låg, e.ki_hög, e.typ, _decimals(e), label=False)
    return {
        "namn": e.namn or e.indikator,
        "design": texts.design_name(e.design),
        "skattning": _value(e, e.skattning),
        "ki": ci,
        "p": "–" if e.p_värde is None else sv.p_value(e.p_värde),
        "n": sv.number(e.n_obs),
        "mål": _TARGET_LABEL.get(e.måluppfyllelse, "–"),
    }


def recommendation(effects: tuple[Effect, ...]) -> str:
    """A cautious recommendation that follows from the targets (see :mod:`.conclusions`)."""
    return conclusions.recommendation(effects)


def context(result: ProjectResult) -> dict[str, Any]:
    extra = dict(result.extra)
    effects = []
    n_fig = 0
    n_tab = 0  # tables of the design details (stegvis, syntetisk), numbered after Tabell 1
    for e in result.effekter:
        nr = n_fig = n_fig + 1 if e.figur else n_fig
        nr_hs = n_fig = n_fig + 1 if e.figur_händelsestudie else n_fig
        pretrend = e.descriptive().get("pretrend_p")
        if is_suppressed(e):  # nothing about a too-small group reaches a public document
            effects.append({"e": e, "nr": None, "nr_hs": None, "rad": effect_row(e), "pretrend": None,
                            "mening": suppressed_sentence(e), "mål": "", "designnamn": texts.design_name(e.design),
                            "figur": None, "figur_hs": None, "se_typ": _se_sentence(e), "dold": True})
            n_fig -= bool(e.figur) + bool(e.figur_händelsestudie)
            continue
        effects.append({
            "e": e, "nr": nr, "nr_hs": nr_hs, "rad": effect_row(e), "dold": False,
            "pretrend": None if pretrend is None else (
                f"en låtsad insatsstart mitt i perioden före, prövad med samma randomisering, ger {sv.p_value(pretrend)}"
                if e.descriptive().get("pretrend_randomisering")
                else f"ett gemensamt test av perioderna före start ger {sv.p_value(pretrend)}"),
            "mening": texts.effect_sentence(e), "mål": texts.target_sentence(e),
            "designnamn": texts.design_name(e.design), "figur": f"../{e.figur}" if e.figur else None,
            "figur_hs": f"../{e.figur_händelsestudie}" if e.figur_händelsestudie else None,
            "se_typ": _se_sentence(e),
            "detaljer": (details := design_details.details(e, _value, 2 + n_tab)),
            "inferens": texts.inference_sentence(e),
        })
        n_tab += details["tabeller"] if details else 0
    designs = []
    for e in result.effekter:
        if e.design not in [d["kod"] for d in designs]:
            designs.append({"kod": e.design, "namn": texts.design_name(e.design), "gränser": texts.design_limits(e.design)})
    return {
        "r": result,
        "kommun": extra.get("kommun", ""),
        "period": extra.get("period", ""),
        "datakälla": str(extra.get("datakalla", "") or "").strip().rstrip("."),
        "insatsstart_text": sv.date_text(result.insatsstart),
        "effekter": effects,
        "designer": designs,
        "rekommendation": conclusions.recommendation(result),
        "budget": economy_text.budget_context(result.ekonomi),
        "kalkyl": economy_text.calculation_context(result.kalkyl),
        "n_fig": n_fig,
        "n_tab": n_tab,
        "sekretess": next((privacy.suppression_note(int(e.descriptive().get("minsta_antal") or 5))
                           for e in result.effekter if is_suppressed(e)), ""),
        "n_indikatorer": sv.count_words(len(result.effekter), "indikator", "indikatorer"),
    }


def _plain(text: str) -> str:
    """Text safe inside a Typst string literal (PDF metadata): letters, digits and plain punctuation."""
    return "".join(c for c in text if c.isalnum() or c in " -.,&()")


def render_reports(result: ProjectResult, run_dir: Path, report_date: dt.date,
                   templates: paths.TemplateSet | None = None,
                   municipality: Municipality | None = None) -> list[render.Rendered]:
    """Write each document's Markdown source and render it to Word and PDF in the run folder."""
    templates = templates or paths.TemplateSet()
    municipality = municipality or Municipality(kommun=str(dict(result.extra).get("kommun", "")))
    author = municipality.kommun or result.ansvarig_nämnd
    ctx = context(result)
    ctx["kommun"] = municipality.kommun or ctx["kommun"]
    alt = {Path(e.figur).name: e.figur_alt for e in result.effekter if e.figur and e.figur_alt}
    alt |= {Path(e.figur_händelsestudie).name: e.figur_händelsestudie_alt or ""
            for e in result.effekter if e.figur_händelsestudie}
    if result.kalkyl:
        for key in ("figur_kumulativ", "figur_tornado"):
            if result.kalkyl.get(key):
                alt[Path(result.kalkyl[key]).name] = result.kalkyl.get(f"{key}_alt") or ""
    money = economy_text.board_economy_text(result.ekonomi, result.kalkyl)
    if result.rapporttyp == "återrapportering":
        funder = funder_report.context(result, municipality, report_date)
        funder["rubrik"] = result.projekt
        board = board_paper.funder_context(result, municipality, report_date)
        board["ekonomi_text"] = money
        documents = [
            ("aterrapportering", funder_report.FUNDER_TEMPLATE, result.projekt, funder, False),
            ("tjansteskrivelse", funder_report.BOARD_TEMPLATE, board["rubrik"], board, False),
        ]
    else:
        board = board_paper.context(result, municipality, report_date)
        calc = ctx["kalkyl"]
        board.update(rekommendation=ctx["rekommendation"], ekonomi_text=money,
                     återföring_tabell=calc["återföring"] if calc and calc["återföring_tillämpas"] else [])
        documents = [
            ("utvarderingsrapport", REPORT_TEMPLATE, f"Utvärderingsrapport: {result.projekt}", ctx, True),
            ("tjansteskrivelse", board_paper.BOARD_TEMPLATE, board["rubrik"], board, False),
        ]
    out = []
    for stem, template, title, values, toc in documents:
        # A board paper writes its title in the body, below the header fields, as the seeds do.
        title_key = "title" if toc else "title-meta"
        meta = {title_key: render.escape_md(title), "lang": "sv-SE", "toc": False,  # placed by ::: innehall
                "kommun": render.escape_md(municipality.kommun), "diarienummer": render.escape_md(result.diarienummer)}
        if toc:  # a report shows author and date under its title; a board paper has them in its header
            meta.update(author=render.escape_md(author), date=sv.date_header(report_date))
        else:
            meta["author-meta"] = render.escape_md(_plain(author))
        source = render.write_source(template, values, meta, run_dir / paths.RUN_SOURCES / f"{stem}.qmd",
                                     filters=FILTERS, template_dir=templates.templates)
        out.append(render.render(source, run_dir / paths.RUN_DOCUMENTS, report_date, title=title, author=author,
                                 alt_texts=alt, root=run_dir, config=templates.quarto_config,
                                 header=(municipality.kommun, f"Dnr {result.diarienummer}" if result.diarienummer else "")))
    return out
