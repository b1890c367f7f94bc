"""The consolidated documents: the report, the board paper to the executive board, and the fund's status.

Each template gets a context built from the consolidated ``resultat.json``
alone (never recomputing), with every number and date formatted by
:mod:`sif_eval.swedish`; the values from the inputs are escaped by the render
sandbox on their way out.  The three documents are rendered to Word and PDF
by :func:`sif_eval.render.render`, like a project's documents.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .. import paths
from .. import swedish as sv
from ..model import Effect, Municipality
from . import render, texts
from .report import FILTERS, _plain, _value, effect_row

REPORT_TEMPLATE = "samlad_utvardering.md.j2"
BOARD_TEMPLATE = "tjansteskrivelse_samlad.md.j2"
STATUS_TEMPLATE = "fondstatus.md.j2"

STATUS_LABEL = {"pågående": "Pågående", "avslutat": "Avslutat", "implementerat": "Implementerat", None: "Ej i fond.yaml"}
RUN_LABEL = {"klar": "Körd", "återanvänd": "Återanvänd", "misslyckad": "Misslyckad", "saknas": "Saknas"}
_WORDS = ("noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")


def count_words(n: int, singular: str, plural: str, gender: str = "ett") -> str:
    """A small count in words as running text writes it ("fyra projekt"); digits from 13 up.

    ``gender`` is the noun's article, for the singular: "ett projekt", "en nämnd".
    """
    word = _WORDS[n] if 0 <= n < len(_WORDS) else sv.number(n)
    if n == 1:
        word = gender
    return f"{word}{sv.NBSP}{singular if n == 1 else plural}"


def effect_of(d: dict[str, Any]) -> Effect:
    """An :class:`Effect` from a consolidated effect row, so the project report's wording is reused."""
    return Effect(indikator=d["indikator"], design=d["design"], skattning=d.get("skattning"), standardfel=None,
                  ki_låg=d.get("ki_låg"), ki_hög=d.get("ki_hög"), p_värde=None, n_obs=0, n_kluster=None, se_typ=None,
                  namn=d.get("namn", ""), typ=d.get("typ", "medelvärde"), effektmål=d.get("effektmål"),
                  måluppfyllelse=d.get("måluppfyllelse"))


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def committee_in_text(name: str) -> str:
    """"Utbildningsnämnden" mid-sentence is "utbildningsnämnden"; a company's name keeps its capital."""
    return _lower(name) if name.lower().endswith(("nämnden", "styrelsen", "nämnd")) else name


def goal_sentence(reached: int, targets: int) -> str:
    """How many targets a project reached, as the politicians' answer words it (after the project's name)."""
    if targets == 0:
        return "saknar angivna effektmål, så måluppfyllelsen kan inte bedömas"
    if reached == targets:
        return "har nått sitt effektmål" if targets == 1 else f"har nått samtliga {count_words(targets, 'effektmål', 'effektmål')}"
    if reached:
        return f"har nått {reached} av {targets} effektmål"
    if targets == 1:
        return "har inte kunnat visa att effektmålet är uppnått"
    return f"har inte kunnat visa att något av sina {count_words(targets, 'effektmål', 'effektmål')} är uppnått"


def reached_sentence(reached: int, targets: int) -> str:
    """The summary's count of reached targets: "Av dessa är 3 uppnådda"."""
    if reached == 0:
        return "Inget av dem kan ännu visas vara uppnått."
    if reached == 1:
        return "Av dessa är ett uppnått."
    return f"Av dessa är {sv.number(reached)} uppnådda."


def _project(p: dict[str, Any]) -> dict[str, Any]:
    effects = []
    for d in p["effekter"]:
        e = effect_of(d)
        row = effect_row(e)
        effects.append({"namn": d["namn"], "skattning": row["skattning"], "ki": row["ki"], "mål": row["mål"],
                        "effektmål": "–" if e.effektmål is None else _value(e, e.effektmål),
                        "mening": f"{texts.effect_sentence(e)} {texts.target_sentence(e)}",
                        "mål_kort": sv.lower_first(texts.target_sentence(e))})
    if p["körning"] in ("klar", "återanvänd"):
        goals = (f"{p['antal_uppnådda']} av {p['antal_effektmål']}" if p["antal_effektmål"] else "inga effektmål")
    else:
        goals = "–"
    return {**p, "mål_mening": goal_sentence(p["antal_uppnådda"], p["antal_effektmål"]), "status_text": STATUS_LABEL.get(p["fondstatus"], "–"), "körning_text": RUN_LABEL.get(p["körning"], "–"),
            "mål_text": goals, "e": effects, "har_resultat": p["körning"] in ("klar", "återanvänd"),
            "period_text": p["period"] or "–"}


def context(data: dict[str, Any], municipality: Municipality, report_date: dt.date) -> dict[str, Any]:
    """The values all three templates share."""
    projects = [_project(p) for p in data["projekt"]]
    by_slug = {p["slug"]: p for p in projects}
    totals, sums = data["totalt"], data["projektsummor"]
    granted = [p for p in projects if p["fondstatus"] is not None]
    candidates = [by_slug[s] for s in data["ordinarie_verksamhet"]]
    implemented = [by_slug[s] for s in data["implementerade"]]
    ended = [p for p in projects if p["fondstatus"] == "avslutat" and p["slug"] not in data["ordinarie_verksamhet"]]
    ongoing = [p for p in projects if p["fondstatus"] == "pågående"]
    committees = sorted({p["nämnd"] for p in granted if p["nämnd"]})
    fund = data["fond"] or municipality.fond
    years = data["fondöversikt"]
    return {
        "d": data, "m": municipality, "t": totals, "s": sums, "år": data["år"],
        "fond": fund, "fond_liten": _lower(fund),
        "kommun": municipality.kommun or data.get("kommun", ""),
        "datum": sv.date_header(report_date), "datum_text": sv.date_text(report_date),
        "första_år": years[0]["år"] if years else data["år"],
        "projekt": projects, "beviljade": granted, "kandidater": candidates, "implementerade": implemented,
        "avslutade": ended, "pågående": ongoing, "nämnder": committees,
        "n_projekt_ord": count_words(len(granted), "projekt", "projekt"),
        "n_projekt": sv.count_noun(len(granted), "projekt", "projekt"),
        "misslyckade": [p for p in projects if p["körning"] == "misslyckad"],
        "utan_resultat": [p for p in projects if p["körning"] == "saknas"],
        "kalkyler": [p for p in projects if p.get("kalkyl")],
        "figur": ({"fil": f"../{data['figurer'][0]['fil']}", "alt": data["figurer"][0]["alt"]}
                  if data.get("figurer") else None),
        "kandidatnamn": sv.join_list(p["namn"] for p in candidates),
        "uppnådda_mening": reached_sentence(sums["antal_uppnådda"], sums["antal_effektmål"]),
        "adressat_liten": _lower(municipality.adressat),
        "varningar_text": sv.count_noun(len(data["varningar"]), "förhållande", "förhållanden"),
        "nämnder_text": sv.join_list(committee_in_text(n) for n in committees),
        "planerat_tom_år": float(sum(c["planerat_tom_år_kr"] for c in data["återföring"])),
        "samordnare": data.get("samordnare") or "–",
        "diarienummer": data.get("diarienummer") or "–",
    }


def board_clauses(ctx: dict[str, Any]) -> list[str]:
    """Förslag till beslut: approve, ask for implementation plans where every target is reached, note the money."""
    year, fund = ctx["år"], ctx["fond_liten"]
    clauses = [f"godkänna den samlade utvärderingen av {fund} för {year} enligt bilaga 1"]
    for p in ctx["kandidater"]:
        owner = committee_in_text(p["nämnd"]) if p["nämnd"] else "berörd nämnd"
        clauses.append(f"uppdra åt {owner} att ta fram en plan för att implementera {p['namn']} i ordinarie verksamhet")
    clauses.append(f"lägga redovisningen av fondens ekonomi till och med {year} till handlingarna")
    return clauses


def economy_paragraphs(ctx: dict[str, Any]) -> list[str]:
    """Ekonomiska konsekvenser: the decision costs nothing; what is committed, free, and repaid against plan."""
    t, year = ctx["t"], ctx["år"]
    out = ["Förslaget till beslut har inga egna ekonomiska konsekvenser.",
           f"Av fondens saldo ({sv.kronor(t['saldo_kr'])}) är {sv.kronor(t['beviljat_ej_utbetalt_kr'])} beviljat till "
           f"pågående projekt men ännu inte utbetalt, och {sv.kronor(t['disponibelt_kr'])} återstår att bevilja."]
    if ctx["d"]["återföring_tillämpas"] and ctx["d"]["återföring"]:
        out.append(f"Enligt plan skulle {sv.kronor(ctx['planerat_tom_år'])} ha återförts till fonden till och med "
                   f"{year}; återfört är {sv.kronor(t['återfört_kr'])}.")
    out.append("Kostnaden för att implementera en insats i ordinarie verksamhet prövas i Mål och budget.")
    return out


def send_to(ctx: dict[str, Any]) -> list[str]:
    out = list(ctx["nämnder"])
    out += [x for x in ctx["m"].beslutet_skickas_till if x not in out]
    return out


def write_sources(data: dict[str, Any], run_dir: Path, report_date: dt.date,
                  templates: paths.TemplateSet | None = None,
                  municipality: Municipality | None = None) -> list[tuple[Path, str]]:
    """Write the three documents' Quarto Markdown into ``<run>/kallor/``; return (source, title) pairs."""
    templates = templates or paths.TemplateSet()
    municipality = municipality or Municipality(kommun=data.get("kommun", ""))
    ctx = context(data, municipality, report_date)
    ctx["beslut"] = board_clauses(ctx)
    ctx["skickas_till"] = send_to(ctx)
    # What the shared board-paper template (_tjansteskrivelse.md.j2) reads.
    ctx["r"] = {"diarienummer": data.get("diarienummer") or "–", "handläggare": data.get("samordnare") or "–"}
    ctx["ekonomi_text"] = economy_paragraphs(ctx)
    ctx["beslutsunderlag"] = [f"Tjänsteskrivelse daterad {ctx['datum_text']}",
                              f"Bilaga 1, Samlad utvärdering av {ctx['fond_liten']} {data['år']}",
                              f"Bilaga 2, {ctx['fond']}: status för förtroendevalda"]
    author = ctx["kommun"] or ctx["fond"]
    title = f"Samlad utvärdering av {ctx['fond_liten']} {data['år']}"
    documents = [("samlad_utvardering", REPORT_TEMPLATE, title, True),
                 ("tjansteskrivelse_samlad", BOARD_TEMPLATE, title, False),
                 ("fondstatus", STATUS_TEMPLATE, f"{ctx['fond']} {data['år']}: status för förtroendevalda", False)]
    out = []
    for stem, template, doc_title, toc in documents:
        # As in report.py: a report has its title page; a board paper and a letter write the title in the body.
        meta: dict[str, Any] = {"title" if toc else "title-meta": render.escape_md(doc_title), "lang": "sv-SE",
                                "toc": toc, "kommun": render.escape_md(ctx["kommun"]),
                                "diarienummer": render.escape_md(data.get("diarienummer") or "")}
        if toc:
            meta.update(author=render.escape_md(author), date=sv.date_header(report_date))
        else:
            meta["author-meta"] = render.escape_md(_plain(author))
        source = render.write_source(template, {**ctx, "rubrik": doc_title}, meta,
                                     run_dir / paths.RUN_SOURCES / f"{stem}.qmd", filters=FILTERS,
                                     template_dir=templates.templates)
        out.append((source, doc_title))
    return out


def render_documents(data: dict[str, Any], run_dir: Path, report_date: dt.date,
                     templates: paths.TemplateSet | None = None,
                     municipality: Municipality | None = None) -> list[render.Rendered]:
    """Write the three Markdown sources and render each to Word and PDF in ``<run>/dokument/``."""
    templates = templates or paths.TemplateSet()
    municipality = municipality or Municipality(kommun=data.get("kommun", ""))
    author = municipality.kommun or data.get("kommun") or data["fond"]
    alt = {Path(f["fil"]).name: f["alt"] for f in data.get("figurer", [])}
    dnr = data.get("diarienummer") or ""
    return [render.render(source, run_dir / paths.RUN_DOCUMENTS, report_date, title=title, author=author,
                          alt_texts=alt, root=run_dir, config=templates.quarto_config,
                          header=(municipality.kommun or str(data.get("kommun") or ""), f"Dnr {dnr}" if dnr else ""))
            for source, title in write_sources(data, run_dir, report_date, templates, municipality)]
