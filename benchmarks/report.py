"""Targets and the results table: ``results.json``'s numbers checked against issue 8 and written for people.

The explanations of a missed target are built from the measured breakdown,
so they name the phases that actually took the time on this machine.
"""

from __future__ import annotations

from typing import Any

import ratios

TARGET_PROJECT_S = 4.0
TARGET_DOCUMENT_S = 0.3
TARGET_BATCH_S = 120.0
TARGET_BATCH_PROJECTS = 100
TARGET_SPEEDUP = 1.7
TARGET_PANEL_S = 10.0
TARGET_PANEL_MB = 2048.0
TARGET_PANEL_ROWS = 1_000_000

# What would remove each phase of job 1's breakdown (keys of breakdown rows).
PROPOSALS = {
    "cli_import": ("gör CLI-processen lättare: den behöver inte analysens paket (se vilka paket som tar tid i "
                   "raderna under importen) och bör importera tunga paket först där de används"),
    "kärna": ("starta ingen ny Jupyter-kärna per körning: kör anteckningsboken i en kärna som redan är igång (en varm "
              "kärna per arbetsprocess via nbclient), eller kör `evaluation.analyse` direkt i processen och skriv det "
              "körda notebooket efteråt"),
    "nb_import": ("importerna i kärnan görs om i varje körning: en varm kärna betalar dem en gång, och lata importer "
                  "(tunga paket först där de används) krymper även en kall start"),
    "nb_analys": ("analyscellen är mest figurer (matplotlib): färre figurer per körning, lägre upplösning eller att rita "
                  "dem parallellt med dokumentens pandoc-steg är att pröva"),
    "dokument": ("dokumenten: pandoc startas två gånger per dokument och python-docx läser och skriver om varje .docx "
                 "(se jobb 2)"),
    "arkiv": ("arkivet: miljölistan (importlib.metadata över alla paket) och mallarnas kontrollsummor kan räknas en gång "
              "per miljö och mallversion i stället för i varje körning"),
    "kontroll": ("indata läses och kontrolleras två gånger (i CLI-processen och i kärnan): skicka den kontrollerade "
                 "tabellen vidare i körningsmappen"),
    "nb_övrigt": "de visande cellerna (Markdown och bilder) kostar lite",
    "övrigt": "övrigt i run_project kostar lite",
    "python": ("start och avslut av Python växer med antalet importerade moduler (en tom process tar bara en bråkdel): "
               "färre tunga importer i CLI-processen krymper även avslutet"),
}


def proposal(row: dict[str, Any], data: dict[str, Any]) -> str:
    """What would remove this phase, with the numbers the breakdown measured where it has them."""
    bd = _job(data, 1).get("uppdelning") or {}
    key = row.get("nyckel", "")
    text = PROPOSALS.get(key, "")
    if key == "nb_import" and bd.get("importpaket_i_kärnan_s"):
        top = list(bd["importpaket_i_kärnan_s"].items())[:3]
        text += " (störst: " + ", ".join(f"{name} {sec(secs)}" for name, secs in top) + ", self-tid med -X importtime)"
    if key == "nb_analys" and (bd.get("figurer") or {}).get("antal"):
        fig = bd["figurer"]
        text = (f"analyscellen är mest figurer: {fig['antal']} st, ≈ {sec(fig['sekunder'] / fig['antal'])} styck "
                f"({sec(fig['sekunder'])} i en isolerad körning")
        if fig.get("igen_s"):
            text += (f", {sec(fig['igen_s'])} när samma analys görs en gång till i samma process, så det är ritandet "
                     "självt och inte uppstarten som kostar")
        text += ("); färre figurer per körning, lägre upplösning"
                 + (f" än {fig['dpi']} dpi" if fig.get("dpi") else "")
                 + " eller att rita dem parallellt med dokumentens pandoc-steg är att pröva")
    return text


# ---------------------------------------------------------------- formatting


def num(x: float | None, decimals: int = 1) -> str:
    """A Swedish decimal number (comma, thin spaces between thousands); – for missing."""
    if x is None:
        return "–"
    text = f"{x:,.{decimals}f}".replace(",", "\u2009").replace(".", ",")
    return text


def sci(x: float | None) -> str:
    return "–" if x is None else f"{x:.1e}".replace(".", ",")


def sec(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{num(x, 2 if x < 10 else 1)} s"


def mib(x: float | None) -> str:
    if not x:
        return "–"
    return f"{num(x / 1024, 2)} GiB" if x >= 1024 else f"{num(x, 0)} MiB"


def times(x: float | None) -> str:
    return "–" if x is None else f"{num(x, 1 if x < 100 else 0)}×"


def _job(data: dict[str, Any], number: int) -> dict[str, Any]:
    return (data.get("jobb") or {}).get(str(number)) or {}


# ---------------------------------------------------------------- targets


def _target(tid: str, goal: str, limit: float, unit: str, measured: float | None, source: str,
            lower_is_better: bool = True) -> dict[str, Any]:
    met = None if measured is None else (measured <= limit if lower_is_better else measured >= limit)
    t = {"id": tid, "mål": goal, "gräns": limit, "enhet": unit, "uppmätt": measured, "källa": source,
         "uppfyllt": met, "marginal": "", "varför": "", "förslag": ""}
    if measured is not None and not met:
        if lower_is_better:
            t["marginal"] = (f"{num(measured - limit, 2 if limit < 1 else 1)} {unit} över målet "
                             f"({times(measured / limit)} målet)")
        else:
            t["marginal"] = f"{num(limit - measured, 2)} under målet ({num(100 * measured / limit, 0)} % av målet)"
    return t


def _breakdown_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    return (_job(data, 1).get("uppdelning") or {}).get("rader") or []


def _why_project(t: dict[str, Any], data: dict[str, Any]) -> None:
    rows = sorted(_breakdown_rows(data), key=lambda r: -r["sekunder"])
    bd = _job(data, 1).get("uppdelning") or {}
    if not rows:
        t["varför"] = "Uppdelningen saknas."
        return
    wall = bd.get("totalt_s") or sum(r["sekunder"] for r in rows)
    biggest = ", ".join(f"{r['fas'].lower()} {sec(r['sekunder'])}" for r in rows[:4])
    need, removed = [], 0.0
    for r in rows:
        if wall - removed <= TARGET_PROJECT_S:
            break
        need.append(r)
        removed += r["sekunder"]
    t["varför"] = (f"I den instrumenterade körningen ({sec(wall)}) går tiden främst till: {biggest}. För att komma ned "
                   f"till {num(TARGET_PROJECT_S, 0)} s måste i stort sett {len(need)} av posterna bort helt "
                   f"({', '.join(r['fas'].lower() for r in need)}).")
    worth = [r for r in need if r.get("nyckel") in PROPOSALS and (r.get("andel") or 0) >= 0.05]
    t["förslag"] = "; ".join(f"{r['fas']} ({sec(r['sekunder'])}): {proposal(r, data)}" for r in worth) + "."


def _why_document(t: dict[str, Any], data: dict[str, Any]) -> None:
    j2 = _job(data, 2)
    steps = j2.get("steg_s") or {}
    if not steps:
        return
    total = t["uppmätt"] or 0.0
    rest = total - sum(v or 0.0 for v in steps.values())
    parts = sorted([*steps.items(), ("Jinja, YAML och övrigt", rest)], key=lambda kv: -(kv[1] or 0.0))
    t["varför"] = ("Första anropet i en ny process delas upp så: " + ", ".join(f"{k} {sec(v)}" for k, v in parts)
                   + (f". Ett varmt anrop (andra gången i samma process) tar {sec(j2.get('varm_ett_dokument_s'))}."
                      if j2.get("varm_ett_dokument_s") else "."))
    pandoc = (steps.get("pandoc → docx") or 0.0) + (steps.get("pandoc → typst") or 0.0)
    ideas = [(pandoc, f"pandoc startas två gånger per dokument ({sec(pandoc)}): gör båda formaten ur en pandoc-process "
                      "(`pandoc server`, eller en Lua-writer som skriver båda) eller skriv Typst direkt från "
                      "Jinja-mallen"),
             (steps.get("docx-efterbehandling") or 0.0,
              f"efterbehandlingen av .docx ({sec(steps.get('docx-efterbehandling'))}) importerar python-docx och "
              "läser, ändrar och sparar filen innan zip packas om: gör egenskaper och alt-texter som en enda "
              "zip-omskrivning med XML-ändringar"),
             (steps.get("typst → pdf") or 0.0,
              f"Typst laddar de inbyggda typsnitten vid första kompileringen ({sec(steps.get('typst → pdf'))}); en "
              "process som gör flera dokument betalar det en gång")]
    t["förslag"] = "; ".join(text for _s, text in sorted(ideas, key=lambda x: -x[0])) + "."


def _batch_value(j3: dict[str, Any], n: int, w: int) -> tuple[float | None, str]:
    r = next((r for r in j3.get("rader") or [] if r["projekt"] == n and r["arbetare"] == w), None)
    return (r.get("sekunder"), r.get("källa", "")) if r else (None, "")


def _why_batch(t: dict[str, Any], data: dict[str, Any]) -> None:
    j3 = _job(data, 3)
    line = (j3.get("linje") or {}).get("2")
    bd = _job(data, 1).get("uppdelning") or {}
    if not line:
        return
    fixed, per = line["fast_s"], line["per_projekt_s"]
    need = (TARGET_BATCH_S - fixed) / TARGET_BATCH_PROJECTS
    kernel = (bd.get("sammanfattning_s") or {}).get("kärnstart")
    kimports = bd.get("importer_i_kärnan_s")
    if kernel is None or kimports is None:
        t["varför"] = (f"Med 2 arbetare kostar varje projekt {sec(per)} i genomströmning och den fasta delen "
                       f"{sec(fixed)}; målet kräver högst {sec(need)} per projekt. (Uppdelningen i jobb 1 saknas i denna "
                       "körning, så fördelningen per projekt kan inte anges.)")
        return
    # Job 1 ran at another moment (another load), so carry over the share, not the seconds.
    share = (kernel + kimports) / bd["run_project_s"] if bd.get("run_project_s") else 0.0
    saving = per * min(share, 1.0)
    how = "rät linje genom de uppmätta storlekarna" if line["punkter"] > 1 else "takten i den största uppmätta storleken"
    largest = max((r for r in j3.get("rader") or [] if r["arbetare"] == 2 and r.get("källa") == "uppmätt"),
                  key=lambda r: r["projekt"], default=None)
    consolidated = (f"; den samlade utvärderingen på slutet tog ensam {sec(largest['samlad_s'])} vid "
                    f"{largest['projekt']} projekt" if largest and largest.get("samlad_s") else "")
    t["varför"] = (f"Med 2 arbetare kostar varje projekt {sec(per)} i genomströmning ({how}), och linjens fasta del är "
                   f"{sec(fixed)}{consolidated}. Målet kräver högst "
                   f"{sec(need)} per projekt. Varje projekt startar en egen Jupyter-kärna och gör alla importer på nytt "
                   f"(enligt uppdelningen i jobb 1 ≈ {sec(kernel)} kärnstart och {sec(kimports)} importer i kärnan), och "
                   "två arbetare delar två kärnor med pandoc, Typst och kärnorna.")
    guess = fixed + TARGET_BATCH_PROJECTS * max(per - saving, 0.0)
    t["förslag"] = (f"Kärnstart och importer i kärnan är {num(100 * share, 0)} % av ett projekts `run_project` i jobb 1; "
                    f"en varm kärna per arbetare (eller analysen direkt i arbetsprocessen) skulle alltså spara ≈ "
                    f"{sec(saving)} per projekt i genomströmning och ge ungefär {sec(guess)} för "
                    f"{TARGET_BATCH_PROJECTS} projekt (beräknat, inte uppmätt). Resten kräver billigare figurer och "
                    "dokument (jobb 2) och en kortare fast del: den samlade utvärderingen startar i dag en egen kall "
                    "kärna efter att alla projekt är klara.")


def _why_speedup(t: dict[str, Any], data: dict[str, Any]) -> None:
    j3 = _job(data, 3)
    lines = j3.get("linje") or {}
    one, two = lines.get("1"), lines.get("2")
    if not one or not two:
        return
    per_ratio = one["per_projekt_s"] / two["per_projekt_s"] if two["per_projekt_s"] else None
    t["varför"] = (f"Per projekt är 2 arbetare {times(per_ratio)} snabbare ({sec(one['per_projekt_s'])} mot "
                   f"{sec(two['per_projekt_s'])}); den fasta delen ({sec(one['fast_s'])} mot {sec(two['fast_s'])}) blir "
                   "inte snabbare med fler arbetare. Datorn har två kärnor, och varje projekt kör redan flera processer "
                   "(arbetsprocess, kärna, pandoc) som konkurrerar om dem; annat arbete på datorn tar också av de två "
                   "kärnorna (se kolumnen Belastning).")
    t["förslag"] = ("Mindre CPU per projekt (varm kärna, lättare importer) minskar konkurrensen om kärnorna; den samlade "
                    "utvärderingens kärna kan startas medan de sista projekten körs.")


def _why_panel(t: dict[str, Any], data: dict[str, Any]) -> None:
    prof = _job(data, 4).get("profil") or {}
    parts = prof.get("delar_s") or {}
    if not parts:
        return
    ordered = sorted(parts.items(), key=lambda kv: -kv[1])
    t["varför"] = (f"Vid {num(prof.get('rader'), 0)} rader ({sec(prof.get('totalt_s'))} i uppdelningskörningen): "
                   + ", ".join(f"{k} {sec(v)}" for k, v in ordered) + ".")
    t["förslag"] = ("Händelsestudien skattar om hela modellen med en kolumn per period och insats; den kan återanvända "
                    "huvudmodellens avräknade (demeaned) kolumner, eftersom enhetsmedelvärdena är desamma. Enhet och "
                    "grupp kan faktoriseras en gång (kategorisk kolumn) i stället för som text i både förberedelsen och "
                    "skattningen, och designmatrisen byggas i float32 där precisionen räcker.")


def targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 8's targets checked against the measurements (uppfyllt None: not measured in this run)."""
    out = []
    j1, j2, j3, j4 = (_job(data, n) for n in (1, 2, 3, 4))
    t = _target("projekt", f"Ett projekt från början till slut ≤ {num(TARGET_PROJECT_S, 0)} s (median)",
                TARGET_PROJECT_S, "s", (j1.get("sif_eval") or {}).get("median_s"), "uppmätt")
    if t["uppfyllt"] is False:
        _why_project(t, data)
    out.append(t)
    t = _target("dokument", f"Ett dokument i Word och PDF ≤ {num(TARGET_DOCUMENT_S, 1)} s (median)",
                TARGET_DOCUMENT_S, "s", (j2.get("sif_eval") or {}).get("median_s"), "uppmätt")
    if t["uppfyllt"] is False:
        _why_document(t, data)
    out.append(t)
    value, source = _batch_value(j3, TARGET_BATCH_PROJECTS, 2)
    t = _target("batch", f"{TARGET_BATCH_PROJECTS} projekt med 2 arbetare ≤ {num(TARGET_BATCH_S / 60, 0)} min",
                TARGET_BATCH_S, "s", value, source or "ej mätt")
    if t["uppfyllt"] is False:
        _why_batch(t, data)
    out.append(t)
    speed = next((s for s in j3.get("snabbare_med_fler_arbetare") or [] if s["projekt"] == TARGET_BATCH_PROJECTS), None)
    t = _target("batch_skalning", f"{TARGET_BATCH_PROJECTS} projekt: 2 arbetare ≥ {num(TARGET_SPEEDUP, 1)}× snabbare "
                "än 1", TARGET_SPEEDUP, "×", speed["kvot"] if speed else None, speed["källa"] if speed else "ej mätt",
                lower_is_better=False)
    if t["uppfyllt"] is False:
        _why_speedup(t, data)
    out.append(t)
    big = next((s for s in j4.get("storlekar") or [] if s["rader"] == TARGET_PANEL_ROWS), None)
    t = _target("panel_tid", f"Panelen med {num(TARGET_PANEL_ROWS, 0)} rader ≤ {num(TARGET_PANEL_S, 0)} s (median)",
                TARGET_PANEL_S, "s", big["median_s"] if big else None, "uppmätt" if big else "ej mätt")
    if t["uppfyllt"] is False:
        _why_panel(t, data)
    out.append(t)
    peak = max(big["peak_mb"], big["max_rss_mb"]) if big and big.get("median_s") else None
    t = _target("panel_minne", f"Panelen med {num(TARGET_PANEL_ROWS, 0)} rader ≤ 2 GiB toppminne", TARGET_PANEL_MB,
                "MiB", peak, "uppmätt" if big else "ej mätt")
    if t["uppfyllt"] is False:
        _why_panel(t, data)
    out.append(t)
    return out


# ---------------------------------------------------------------- markdown


def _value(t: dict[str, Any]) -> str:
    v = t["uppmätt"]
    if v is None:
        return "ej mätt"
    text = {"s": sec(v), "MiB": mib(v), "×": times(v)}[t["enhet"]]
    return text + ("" if t["källa"] == "uppmätt" else f" ({t['källa'].replace(' (', ', ').rstrip(')')})")


def _verdict(t: dict[str, Any]) -> str:
    return {True: "ja", False: "**nej**", None: "ej mätt"}[t["uppfyllt"]]


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|",
            *("| " + " | ".join(r) + " |" for r in rows), ""]


def _overview(data: dict[str, Any]) -> list[str]:
    rows = []
    j1, j2, j3, j4 = (_job(data, n) for n in (1, 2, 3, 4))
    if j1.get("sif_eval"):
        a, u = j1["sif_eval"], j1.get("vanliga") or {}
        rows.append(["1. Ett projekt, hela vägen", f"{sec(a['median_s'])} ({a['n']})", sec(a.get("median_cpu_s")),
                     mib(a["peak_mb"]), f"{sec(u.get('median_s'))} ({u.get('n', 0)})", sec(u.get("median_cpu_s")),
                     mib(u.get("peak_mb")), times(j1.get("kvot"))])
    if j2.get("sif_eval"):
        a, u = j2["sif_eval"], j2.get("vanliga") or {}
        rows.append(["2. Ett dokument, Word + PDF", f"{sec(a['median_s'])} ({a['n']})", sec(a.get("median_cpu_s")),
                     mib(a["peak_mb"]), f"{sec(u.get('median_s'))} ({u.get('n', 0)})" if u else "ej mätt",
                     sec(u.get("median_cpu_s")), mib(u.get("peak_mb")), times(j2.get("kvot"))])
    if j3.get("status") == "mätt":
        for r in j3.get("rader") or []:
            if r["arbetare"] != 2:
                continue
            loop = next((x for x in j3.get("slinga_rader") or [] if x["projekt"] == r["projekt"]), None)
            src = "" if r.get("källa") == "uppmätt" else " *extrap.*"
            lsrc = "" if not loop or loop["källa"] == "uppmätt" else " *extrap.*"
            measured_loop = loop and loop["källa"] == "uppmätt"
            rows.append([f"3. Batch, {r['projekt']} projekt, 2 arbetare", f"{sec(r.get('sekunder'))} (1){src}",
                         sec(r.get("cpu_s")), mib(r.get("toppminne_mb")), f"{sec(loop['sekunder'])}{lsrc}" if loop else "–",
                         sec((j3.get("slinga") or {}).get("cpu_s")) if measured_loop else "–",
                         mib((j3.get("slinga") or {}).get("toppminne_mb")) if measured_loop else "–",
                         times(loop["sekunder"] / r["sekunder"]) if loop and r.get("sekunder") else "–"])
    elif j3:
        rows.append(["3. Batch", j3.get("status", "–"), "", "", "", "", "", ""])
    for s in j4.get("storlekar") or []:
        rows.append([f"4. DiD, {num(s['rader'], 0)} rader", f"{sec(s['median_s'])} ({s['n']})",
                     sec(s.get("median_cpu_s")), mib(max(s["peak_mb"], s["max_rss_mb"])), "se nedan", "", "", ""])
    reached = j4.get("största_statsmodels")
    if reached:
        ours, theirs = reached["sif_eval"], reached["statsmodels"]
        rows.append([f"4. DiD, {num(reached['rader'], 0)} rader (lika storlek)", f"{sec(ours['median_s'])} ({ours['n']})",
                     sec(ours.get("median_cpu_s")), mib(ours["peak_mb"]),
                     f"{sec(theirs['median_s'])} ({theirs['n']})", sec(theirs.get("median_cpu_s")),
                     mib(theirs["peak_mb"]), times(reached.get("kvot"))])
    head = ["Jobb / Job", "sif-eval: median (n)", "CPU", "toppminne / peak", "vanliga sättet / usual way (n)", "CPU",
            "toppminne / peak", "kvot / ratio"]
    return _table(head, rows)


def _loads(node: Any) -> list[float]:
    """Every per-run load average recorded anywhere in the results."""
    if isinstance(node, dict):
        own = [x for x in node.get("load") or [] if isinstance(x, int | float)]
        if isinstance(node.get("belastning"), int | float):
            own.append(node["belastning"])
        return own + [x for k, v in node.items() if k not in ("load", "belastning") for x in _loads(v)]
    if isinstance(node, list):
        return [x for v in node for x in _loads(v)]
    return []


def _machine(data: dict[str, Any]) -> list[str]:
    m = data.get("maskin") or {}
    load = data.get("belastning") or {}
    during = _loads(data.get("jobb"))
    v = data.get("versioner") or {}
    lines = [f"- **Dator / machine:** {m.get('cpu')}, {m.get('kärnor')} kärnor ({m.get('tillgängliga_kärnor')} "
             f"tillgängliga), {num(m.get('minne_gib'), 1)} GiB minne, Python {m.get('python')}, {m.get('system')}.",
             f"- **Belastning / load average** (1, 5, 15 min) vid start {load.get('start')}, vid slut {load.get('slut')}"
             + (f"; 1-minutersvärdet vid mätningarnas start låg mellan {num(min(during), 1)} och {num(max(during), 1)}"
                if during else "") + ". "
             "Annat arbete på datorn under mätningen gör tiderna längre; jämförelserna körs i samma körning och "
             "påverkas lika.",
             "- **Versioner:** " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
             f"- **Körning:** `{data.get('kommando')}`, commit {data.get('commit')}, {data.get('skapad')}, total tid "
             f"{sec(data.get('total_tid_s'))}" + (" (**snabb version: en körning per mätning, små storlekar**)"
                                                  if data.get("snabb") else "") + "."]
    return lines + [""]


def _targets_md(data: dict[str, Any]) -> list[str]:
    ts = data.get("mål") or []
    out = _table(["Mål / target", "Uppmätt / measured", "Uppfyllt? / met?", "Marginal"],
                 [[t["mål"], _value(t), _verdict(t), t["marginal"] or "–"] for t in ts])
    missed = [t for t in ts if t["uppfyllt"] is False]
    if missed:
        out += ["### Missade mål: varför och vad som skulle hjälpa", ""]
        for t in missed:
            how = "uppmätt" if t["källa"] == "uppmätt" else "beräknat"
            out += [f"**{t['mål']}** – {how} {_value(t)}, {t['marginal']}.", ""]
            if t["varför"]:
                out += [f"- *Varför:* {t['varför']}"]
            if t["förslag"]:
                out += [f"- *Förslag:* {t['förslag']}"]
            out += [""]
    return out


def _job1(data: dict[str, Any]) -> list[str]:
    j = _job(data, 1)
    if not j.get("sif_eval"):
        return [f"Inte mätt: {j.get('fel', 'jobbet valdes bort')}", ""] if j else ["Inte mätt i denna körning.", ""]
    a, u = j["sif_eval"], j.get("vanliga") or {}
    parts = j.get("vanliga_delar_s") or {}
    same = j.get("samma_skattningar") or {}
    out = [f"`python -m sif_eval run` (SIF_EVAL_RENDERER=inbyggd) på exemplet skolnärvaro, kört omväxlande med det "
           f"vanliga sättet så att ändrad belastning drabbar båda lika: median {sec(a['median_s'])} "
           f"över {a['n']} körningar ({', '.join(sec(x) for x in a['runs_s'])}), toppminne {mib(a['peak_mb'])} för hela "
           f"processträdet (största enskilda process {mib(a['max_rss_mb'])}).", "",
           f"Det vanliga sättet: {j.get('not_vanliga', '')} Median {sec(u.get('median_s'))} över {u.get('n', 0)} "
           f"körningar: Papermill {sec(parts.get('papermill_s'))}, pandoc {sec(parts.get('pandoc_s'))}, LibreOffice "
           f"{sec(parts.get('libreoffice_s'))}. Kvot {times(j.get('kvot'))}.", ""]
    if same.get("största_skillnad") is not None:
        out += [f"Båda sätten ger samma skattningar (största skillnad {sci(same['största_skillnad'])}). sif-eval gör "
                "dessutom händelsestudie och test av parallella trender, ekonomisk kalkyl med två figurer, en "
                "tjänsteskrivelse, PDF/A och ett arkiv med kontrollsummor – det vanliga sättet gör mindre.", ""]
    for f in a.get("failures") or []:
        out += [f"- Misslyckad körning: {f}"]
    bd = j.get("uppdelning") or {}
    if bd.get("rader"):
        out += ["### Var tiden går / where the time goes", "",
                f"En instrumenterad körning av samma `run_project` ({sec(bd['totalt_s'])}; den är en av flera och "
                "behöver inte vara lika med medianen). Rader med *isolerad mätning* är gjorda i egna processer för att "
                "dela upp en post; cellernas tider kommer från Papermills metadata i det körda notebooket.", ""]
        rows = []
        for r in bd["rader"]:
            rows.append([r["fas"], sec(r["sekunder"]), f"{num(100 * (r['andel'] or 0), 0)} %", r["källa"]])
            rows += [[f"&nbsp;&nbsp;↳ {x['fas']}", sec(x["sekunder"]), "", x["källa"]] for x in r["under"]]
        out += _table(["Fas / phase", "Tid", "Andel", "Källa"], rows)
        summary = bd.get("sammanfattning_s") or {}
        out += ["Sammanfattat (kärnstart, importer, analys, figurer, dokument): "
                + ", ".join(f"{k} {sec(v)}" for k, v in summary.items()) + ".", ""]
    for f in bd.get("fel") or []:
        out += [f"- Uppdelning, misslyckad mätning: {f}"]
    return out + [""]


def _job2(data: dict[str, Any]) -> list[str]:
    j = _job(data, 2)
    if not j.get("sif_eval"):
        return [f"Inte mätt: {j.get('fel', 'jobbet valdes bort')}", ""] if j else ["Inte mätt i denna körning.", ""]
    a, u = j["sif_eval"], j.get("vanliga") or {}
    steps = j.get("steg_s") or {}
    out = [f"`render_reports` på ett handbyggt resultat med en figur (som `tests/test_render.py`). Utvärderingsrapporten "
           f"i Word och PDF: median {sec(a['median_s'])} (n = {a['n']} processer, omväxlande med det vanliga sättet); "
           f"båda dokumenten (rapport och "
           f"tjänsteskrivelse) {sec(j.get('båda_dokumenten_s'))}; ett varmt anrop {sec(j.get('varm_ett_dokument_s'))}. "
           f"{j.get('not_sif_eval', '')} Toppminne {mib(a['peak_mb'])}.", "",
           "Steg för rapporten (median, första anropet): " + ", ".join(f"{k} {sec(v)}" for k, v in steps.items()) + ".",
           ""]
    if u:
        out += [f"Det vanliga sättet: {j.get('not_vanliga', '')} Median {sec(u.get('median_s'))} (n = {u.get('n')}), "
                f"toppminne {mib(u.get('peak_mb'))}. Kvot mot hela sif-eval-dokumentet "
                f"{times(j.get('kvot'))}; mot bara sif-evals PDF-steg (pandoc → Typst → PDF, {sec(j.get('pdf_steget_s'))}) "
                f"{times(j.get('kvot_pdf_steget'))}.", ""]
    else:
        out += [j.get("not_vanliga", ""), ""]
    return out


def _job3(data: dict[str, Any]) -> list[str]:
    j = _job(data, 3)
    if not j:
        return ["Inte mätt i denna körning.", ""]
    if j.get("status") != "mätt":
        return [f"**{j.get('status', 'misslyckades')}**: {j.get('skäl') or j.get('fel', '')}", ""]
    out = ["Syntetiska projekt från `scripts/make_batch_projects.py` (fast slumpfrö), körda med `run_batch(..., "
           "force=True)` i en egen process; tiden är hela processen, inklusive den samlade utvärderingen på slutet. "
           "En körning per storlek. Rader märkta *extrapolerat* är inte uppmätta: de räknas fram ur en rät linje "
           "genom de uppmätta totaltiderna, eller, med bara en uppmätt storlek, ur takten som projekten blev klara i "
           "när alla arbetare var upptagna (minsta kvadrat över klartiderna) och den storlekens totaltid.", ""]
    rows = []
    for r in j.get("rader") or []:
        rows.append([str(r["projekt"]), str(r["arbetare"]), sec(r.get("sekunder")), sec(r.get("per_projekt_s")),
                     sec(r.get("takt_s")), sec(r.get("projektfas_s")), sec(r.get("samlad_s")), sec(r.get("cpu_s")),
                     mib(r.get("toppminne_mb")),
                     num(r.get("belastning"), 1) if r.get("belastning") is not None else "–",
                     r.get("källa", "") if r.get("källa") == "uppmätt" else f"*{r.get('källa')}*"])
    out += _table(["Projekt", "Arbetare", "Total tid", "Total/projekt", "Takt", "Projektfas", "Samlad utv.", "CPU",
                   "Toppminne", "Belastning", "Källa"], rows)
    out += ["*Takt* = sekunder mellan två färdiga projekt när alla arbetare är upptagna (lutningen i en rät linje genom "
            "projektens klartider); den räknar inte med poolens start eller den samlade utvärderingen.", ""]
    for w, fit in (j.get("linje") or {}).items():
        how = (f"rät linje genom {fit['punkter']} uppmätta storlekar" if fit["punkter"] > 1
               else "takten i den största uppmätta storleken")
        out += [f"- Tillväxt med {w} arbetare: T(n) ≈ {sec(fit['fast_s'])} + {sec(fit['per_projekt_s'])} × n ({how}): "
                "tiden växer linjärt med antalet projekt."]
    for s in j.get("snabbare_med_fler_arbetare") or []:
        out += [f"- {s['projekt']} projekt: 2 arbetare {times(s['kvot'])} snabbare än 1 ({s['källa']})."]
    loop = j.get("slinga") or {}
    if loop:
        out += ["", f"Slingan `sif-eval run` på {loop['projekt']} projekt i tur och ordning: {sec(loop['sekunder'])} "
                f"(median {sec(loop.get('per_projekt_median_s'))} per projekt, toppminne {mib(loop.get('toppminne_mb'))})"
                ". Större antal är extrapolerade (antal × median)."]
        for lv in j.get("slinga_mot_batch") or []:
            out += [f"- {lv['projekt']} projekt: batch med 2 arbetare {times(lv['kvot'])} snabbare än slingan "
                    f"({lv['källa']})."]
        for f in loop.get("misslyckade") or []:
            out += [f"- Misslyckad körning i slingan: {f}"]
    for n in j.get("noter") or []:
        out += [f"- {n}"]
    for r in j.get("rader") or []:
        if r.get("fel"):
            out += [f"- Fel, {r['projekt']} projekt/{r['arbetare']} arbetare: {r['fel']}"]
    return out + [""]


def _job4(data: dict[str, Any]) -> list[str]:
    j = _job(data, 4)
    if not j.get("storlekar"):
        return [f"Inte mätt: {j.get('fel', 'jobbet valdes bort')}", ""] if j else ["Inte mätt i denna körning.", ""]
    out = [f"{j.get('not', '')}", ""]
    rows = [[num(s["rader"], 0), f"{num(s['enheter'], 0)} × {s['perioder']}", sec(s["median_s"]),
             ", ".join(sec(x) for x in s["runs_s"]), sec(s.get("median_cpu_s")), mib(max(s["peak_mb"], s["max_rss_mb"]))]
            for s in j["storlekar"]]
    out += ["**sif-eval** (`sif_eval.analysis.estimate`, design did):", ""]
    out += _table(["Rader", "Enheter × perioder", "Median", "Körningar", "CPU (median)", "Toppminne"], rows)
    prof = j.get("profil") or {}
    if prof.get("delar_s"):
        total = prof["totalt_s"] or 1.0
        out += [f"Var tiden går vid {num(prof['rader'], 0)} rader (en egen körning med funktionerna tidtagna på plats, "
                f"{sec(prof['totalt_s'])}): " + ", ".join(f"{k} {sec(v)} ({num(100 * v / total, 0)} %)"
                                                          for k, v in prof["delar_s"].items()) + ".", ""]
    caps = j.get("gränser") or {}
    out += [f"**statsmodels med dummyvariabler**, storlek för storlek tills den går över {num(caps.get('tid_s'), 0)} s "
            f"eller {mib(caps.get('minne_mb'))}:", ""]
    rows = []
    for st in j.get("statsmodels_stege") or []:
        sm, ours = st.get("statsmodels") or {}, st.get("sif_eval") or {}
        status = st.get("status", "")
        if status.startswith("inte körd") and st.get("beräknat_minne_mb"):
            status = (f"inte körd: beräknat minne ≈ {mib(st['beräknat_minne_mb'])}"
                      + (f", tid ≈ {sec(st['beräknad_tid_s'])}" if st.get("beräknad_tid_s") else "")
                      + " (skalat från föregående storlek), över gränsen")
        rows.append([num(st["rader"], 0), num(st["parametrar"], 0), sec(sm.get("median_s")), mib(sm.get("peak_mb")),
                     sec(ours.get("median_s")), times(st.get("kvot")), status])
    out += _table(["Rader", "Parametrar", "statsmodels", "minne", "sif-eval", "kvot", "Status"], rows)
    r = j.get("största_statsmodels")
    if r:
        out += [f"Största storlek statsmodels klarade: {num(r['rader'], 0)} rader ({num(r['enheter'], 0)} enheter), "
                f"{times(r.get('kvot'))} långsammare än sif-eval. Samma skattning (skillnad {sci(r['skillnad_skattning'])}); "
                f"statsmodels klusterstandardfel {num(r['standardfel_statsmodels'], 6)} = sif-evals med samma "
                f"frihetsgradsregel (fe_dof='areg') {num(r.get('standardfel_sif_eval_areg'), 6)}; sif-evals "
                f"standardregel ('nested', som Stata xtreg/reghdfe) ger {num(r.get('standardfel_sif_eval'), 6)}.", ""]
    return out


def _next_step(data: dict[str, Any]) -> list[str]:
    rows = sorted(_breakdown_rows(data), key=lambda r: -r["sekunder"])
    if not rows:
        return []
    top = rows[0]
    out = ["## Nästa optimering / next optimisation", "",
           f"Största posten i ett projekts körning är *{top['fas'].lower()}* ({sec(top['sekunder'])}, "
           f"{num(100 * (top['andel'] or 0), 0)} %). Mätningarna pekar därför på, i tur och ordning:", ""]
    for i, r in enumerate(rows[:4], start=1):
        if r.get("nyckel") in PROPOSALS:
            out += [f"{i}. {r['fas']} ({sec(r['sekunder'])}): {proposal(r, data)}."]
    return out + ["", "Samma åtgärder förkortar batchen (jobb 3), där varje projekt betalar kärnstart och importer på "
                  "nytt.", ""]


def markdown(data: dict[str, Any]) -> str:
    """results.md: machine, overview, targets, each job, and what to optimise next."""
    out = ["# Prestanda / benchmarks", "",
           "Skapad av `make bench` (`benchmarks/run.py`); skriv inte för hand. Varje mätning körs i en egen process: "
           "tiden är väggklocka (median över körningarna), minnet är toppen för hela processträdet (samplad med psutil "
           "var 0,1 s; barnprocessens ru_maxrss från wait4 finns också i results.json). Kvot = vanliga sättets tid / "
           "sif-evals tid (över 1: sif-eval är snabbare). CPU = användar- och systemtid för processen och de "
           "underprocesser den väntat in (kärnor, pandoc, LibreOffice); den påverkas mindre än väggklockan av annat "
           "arbete på datorn. (n) = antal körningar.", ""]
    out += ["## Dator / machine", ""] + _machine(data)
    carried = sorted(k for k, j in (data.get("jobb") or {}).items() if j.get("från_tidigare_körning"))
    if carried:
        out += ["Jobb " + ", ".join(f"{k} (mätt {data['jobb'][k]['från_tidigare_körning']})" for k in carried)
                + " är från en tidigare körning och mättes inte om nu; deras tider kan inte jämföras rakt av med "
                "den här körningens.", ""]
    out += ratios.markdown(data)
    out += ["## Översikt / overview", ""] + _overview(data)
    out += ["## Mål / targets (issue 8)", ""] + _targets_md(data)
    out += ["## 1. Ett projekt från början till slut / one project end to end", ""] + _job1(data)
    out += ["## 2. Ett dokument i Word och PDF / one document", ""] + _job2(data)
    out += ["## 3. Batch / batch of projects", ""] + _job3(data)
    out += ["## 4. Skillnad-i-skillnader på stora paneler / DiD on large panels", ""] + _job4(data)
    out += _next_step(data)
    return "\n".join(out).rstrip() + "\n"
