"""Reading and validating a project folder (``inputs/<slug>/``).

Everything is read as text first and typed on purpose, so YAML 1.1 and Excel
cannot silently turn ``2021-03-01`` into a date or ``no`` into ``False``.
Every problem is collected and reported at once, naming file, row and column.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import swedish as sv
from ..errors import InputError, Problem
from ..model import (
    COMPARISONS,
    DESIGNS,
    DIRECTIONS,
    GROUPS,
    INDICATOR_TYPES,
    Indicator,
    Municipality,
    Project,
    TransitionRule,
)
from ..paths import MUNICIPALITY_FILE, OUTCOME_CSV, OUTCOME_SHEET, OUTCOME_XLSX, PROJECT_FILE, STARTS_FILE
from ..privacy import scan as privacy
from ._read import (
    BIDI,
    CONTROL,
    INDICATOR_ID,
    MAX_CELL,
    UnreadableFile,
    check_texts,
    fold,
    hidden_char,
    parse_date,
    parse_number,
    read_mapping,
    read_table,
    show,
)
from .economy import economics_files
from .insatser import load_insatser
from .municipality import load_municipality, municipality_file
from .periods import TRANSITION_RULES, is_transition, looks_excel_converted, parse_period, period_end

Check = Callable[[Path, Mapping[str, Any]], list[Problem]]
"""A further check of the folder (the economics), given projekt.yaml's other keys; returns its problems."""

REPORT_KINDS = {"utvardering": "utvärdering", "aterrapportering": "återrapportering"}
OBSERVATION_COLUMNS = ("indikator", "grupp", "period", "period_start", "period_typ", "varde", "enhet", "antal",
                       "rad", "efter", "start", "period_slut", "overgang")

REQUIRED_KEYS = ("projekt", "diarienummer", "ansvarig_nämnd", "handläggare", "insatsstart", "indikatorer")
OUTCOME_REQUIRED = ("indikator", "grupp", "period", "värde")
OUTCOME_OPTIONAL = ("enhet", "antal", "start")

_GROUP_BY_FOLD = {fold(g): g for g in GROUPS}
_TYPE_BY_FOLD = {fold(t): t for t in INDICATOR_TYPES}
_DIR_BY_FOLD = {fold(d): d for d in DIRECTIONS}
_DESIGN_BY_FOLD = {fold(d): d for d in DESIGNS} | {"fore-efter": "före_efter", "fore/efter": "före_efter",
                                                   "syntetisk_kontroll": "syntetisk", "staggered": "stegvis"}
_COMPARISON_BY_FOLD = {fold(c): c for c in COMPARISONS} | {"aldrig": "aldrig_behandlade", "never": "aldrig_behandlade",
                                                           "annu_ej": "ännu_ej_behandlade", "notyet": "ännu_ej_behandlade"}


@dataclass(frozen=True)
class LoadedProject:
    """A validated project: its description, its observations and where they came from."""

    project: Project
    observations: pd.DataFrame
    files: tuple[Path, ...]
    economy: pd.DataFrame | None = None
    municipality: Municipality = Municipality()
    directory: Path | None = None


# ---------------------------------------------------------------- projekt.yaml


def _project_from_yaml(data: dict[str, Any], slug: str, problems: list[Problem]) -> Project | None:
    rel = PROJECT_FILE
    check_texts(rel, data, problems)
    for key in (*REQUIRED_KEYS[:-1], "beskrivning", "målgrupp"):
        if not isinstance(data.get(fold(key), ""), str):  # e.g. a YAML tag or list where a name belongs
            problems.append(Problem(rel, f"'{key}' ska vara en text, inte en lista eller tabell.", column=key,
                                    hint=f"Skriv texten efter '{key}:' på samma rad, eller med > för flera rader."))
    report_kind = REPORT_KINDS.get(fold(data.get("rapporttyp", "") or "utvardering"))
    if report_kind is None:
        problems.append(Problem(rel, f"rapporttypen '{show(data.get('rapporttyp'))}' är okänd.", column="rapporttyp",
                                hint="Skriv 'utvärdering' (standard) eller 'återrapportering'."))
    required = [k for k in REQUIRED_KEYS if not (k == "indikatorer" and report_kind == "återrapportering")]
    for key in required:
        if fold(key) not in data or data[fold(key)] in ("", None, []):
            problems.append(Problem(rel, f"nyckeln '{key}' saknas eller är tom.", column=key,
                                    hint=f"Lägg till '{key}:' med ett värde."))
    start = parse_date(data.get("insatsstart", ""))
    if "insatsstart" in data and start is None:
        problems.append(Problem(rel, f"'{show(data['insatsstart'])}' är inget giltigt datum.", column="insatsstart",
                                hint="Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2018-08-15."))
    rule = _transition_rule(data.get("overgangsperiod"), "övergångsperiod", "utesluten", problems)
    indicators = _indicators(data.get("indikatorer"), problems, rule)
    if any(p.file == rel for p in problems):
        return None

    def text(key: str) -> str:
        value = data.get(fold(key), "")
        return value.strip() if isinstance(value, str) else ""

    known = {fold(k) for k in REQUIRED_KEYS} | {"beskrivning", "malgrupp", "rapporttyp"}
    extra = tuple(sorted((k, v) for k, v in data.items() if k not in known))
    return Project(
        slug=slug,
        projekt=text("projekt"),
        diarienummer=text("diarienummer"),
        ansvarig_nämnd=text("ansvarig_nämnd"),
        handläggare=text("handläggare"),
        insatsstart=start,  # type: ignore[arg-type]
        indikatorer=tuple(indicators),
        beskrivning=" ".join(text("beskrivning").split()),
        målgrupp=" ".join(text("målgrupp").split()),
        rapporttyp=report_kind or "utvärdering",
        extra=extra,
    )


def _transition_rule(raw: Any, where: str, default: TransitionRule, problems: list[Problem]) -> TransitionRule:
    """``övergångsperiod``: what a period partly exposed to the intervention counts as."""
    if raw in (None, ""):
        return default
    rule = {fold(r): r for r in TRANSITION_RULES}.get(fold(str(raw)))
    if rule is None:
        problems.append(Problem(PROJECT_FILE, f"'{show(raw)}' är inget tillåtet värde för 'övergångsperiod'.",
                                column=where, hint="Skriv före, efter eller utesluten (standard: utesluten, "
                                "perioden ingår då inte i skattningen)."))
        return default
    return rule


def _rate(item: dict[str, Any], where: str, ind_id: str, problems: list[Problem]) -> tuple[str | None, float | None]:
    """``nämnare`` (a column of utfall) and ``per`` (the scale): a count becomes a rate."""
    denominator = str(item.get("namnare") or "").strip() or None
    scale = None
    if item.get("per") not in (None, ""):
        scale = parse_number(item["per"])
        if scale is None or scale <= 0:
            problems.append(Problem(PROJECT_FILE, f"'per' ska vara ett positivt tal (indikator '{ind_id}').",
                                    column=f"{where}.per", hint="Skriv t.ex. per: 1000 för antal per 1 000."))
            scale = None
        elif denominator is None:
            problems.append(Problem(PROJECT_FILE, f"'per' anges men inte 'nämnare' (indikator '{ind_id}').",
                                    column=f"{where}.nämnare", hint="Ange kolumnen i utfall som värdet ska delas "
                                    "med, t.ex. nämnare: elever."))
    if denominator is not None and fold(denominator) in {fold(c) for c in (*OUTCOME_REQUIRED, *OUTCOME_OPTIONAL)}:
        problems.append(Problem(PROJECT_FILE, f"nämnaren '{show(denominator)}' är en av utfallets vanliga kolumner "
                                f"(indikator '{ind_id}').", column=f"{where}.nämnare",
                                hint="Lägg nämnaren i en egen kolumn i utfall, t.ex. 'elever'."))
        denominator = None
    return denominator, scale


def _indicators(raw: Any, problems: list[Problem], default_rule: TransitionRule = "utesluten") -> list[Indicator]:
    rel = PROJECT_FILE
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list):
        problems.append(Problem(rel, "'indikatorer' ska vara en lista där varje indikator börjar med '- id:'.",
                                column="indikatorer"))
        return []
    out: list[Indicator] = []
    seen: set[str] = set()
    for i, item in enumerate(raw, start=1):
        where = f"indikatorer[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(rel, f"indikator nr {i} ska ha nycklarna id, namn, typ och bättre.", column=where))
            continue
        item = {fold(k): v for k, v in item.items()}
        ind_id = str(item.get("id", "")).strip()
        if not ind_id:
            problems.append(Problem(rel, f"indikator nr {i} saknar 'id'.", column=f"{where}.id"))
            continue
        if not INDICATOR_ID.fullmatch(ind_id):
            problems.append(Problem(rel, f"id '{show(ind_id)}' får bara innehålla bokstäver, siffror, _ och - "
                                    "(högst 64 tecken).", column=f"{where}.id",
                                    hint="Skriv t.ex. hog_franvaro; id:t blir ett filnamn för indikatorns figur."))
            continue
        if ind_id in seen:
            problems.append(Problem(rel, f"indikatorn '{ind_id}' finns två gånger.", column=f"{where}.id",
                                    hint="Varje id får bara förekomma en gång."))
        seen.add(ind_id)
        choices = {"typ": (_TYPE_BY_FOLD, "medelvärde"), "battre": (_DIR_BY_FOLD, "lägre"),
                   "design": (_DESIGN_BY_FOLD, "auto"), "jamforelse": (_COMPARISON_BY_FOLD, "aldrig_behandlade")}
        values: dict[str, str] = {}
        for key, (allowed, default) in choices.items():
            given = item.get(key)
            if given in (None, ""):
                values[key] = default
                continue
            canon = allowed.get(fold(given))
            if canon is None:
                label = {"battre": "bättre", "jamforelse": "jämförelse"}.get(key, key)
                problems.append(Problem(rel, f"'{show(given)}' är inget tillåtet värde för '{label}' (indikator '{ind_id}').",
                                        column=f"{where}.{label}",
                                        hint="Tillåtna värden: " + ", ".join(sorted(set(allowed.values()))) + "."))
                canon = default
            values[key] = canon
        target = None
        if item.get("effektmal") not in (None, ""):
            target = parse_number(item["effektmal"])
            if target is None:
                problems.append(Problem(rel, f"effektmålet '{show(item['effektmal'])}' är inget tal (indikator '{ind_id}').",
                                        column=f"{where}.effektmål", hint="Skriv t.ex. -0.05 eller -0,05."))
        rule = _transition_rule(item.get("overgangsperiod"), f"{where}.övergångsperiod", default_rule, problems)
        denominator, scale = _rate(item, where, ind_id, problems)
        out.append(Indicator(id=ind_id, namn=str(item.get("namn", ind_id)).strip() or ind_id, typ=values["typ"],
                             bättre=values["battre"], effektmål=target, design=values["design"],
                             jämförelse=values["jamforelse"], övergångsperiod=rule, nämnare=denominator,
                             per=scale))
    return out


def _odd_cells(rel: str, rownum: int, header: list[str], cells: list[str]) -> list[Problem]:
    """Cells no valid row has: a value without a column heading, megabytes of text, control characters."""
    found: list[Problem] = []
    joined = "".join(cells)
    if (len(joined) <= MAX_CELL and not CONTROL.search(joined) and not BIDI.search(joined)
            and all(header[i] for i, text in enumerate(cells) if text and i < len(header))
            and not any(cells[len(header):])):
        return found  # the common case, decided in a few C loops
    for i, text in enumerate(cells):
        if not text:
            continue
        name = header[i] if i < len(header) and header[i] else None
        if name is None:
            found.append(Problem(rel, f"värdet '{show(text, 20)}' står i kolumn nr {i + 1}, som saknar rubrik.",
                                 row=rownum, column=f"nr {i + 1}",
                                 hint="Ge kolumnen en rubrik eller ta bort värdet. Är det ett decimaltal med komma i "
                                 "en kommaseparerad fil? Använd semikolon som avgränsare eller decimalpunkt."))
        elif len(text) > MAX_CELL:
            found.append(Problem(rel, f"cellen är {len(text)} tecken lång; högst {MAX_CELL} tillåts.", row=rownum,
                                 column=show(name), hint="Kontrollera att filen är rätt sparad; en cell ska hålla "
                                 "ett värde, inte ett helt dokument."))
        elif hidden_char(text):
            found.append(Problem(rel, f"cellen innehåller ett osynligt styrtecken ({hidden_char(text)}).",
                                 row=rownum, column=show(name), hint="Ta bort tecknet; det kommer ofta från "
                                 "inklistrad text ur ett annat system."))
    return found


def _mark_transitions(obs: pd.DataFrame, start: dt.date | None) -> None:
    """Add ``period_slut`` (exclusive end) and ``overgang`` (partly exposed: began before the start, ended after).

    An insats unit with its own start (``start`` column or starter.csv) has its
    transition period at that start; comparison rows use the project's insatsstart.
    """
    kinds = list(zip(obs["period_start"].dt.date, obs["period_typ"], strict=True))
    ends = {k: period_end(*k) for k in set(kinds)}
    obs["period_slut"] = pd.to_datetime([ends[k] for k in kinds])
    own = obs["start"] if "start" in obs.columns else pd.Series(pd.NaT, index=obs.index)
    row_starts = [s.date() if isinstance(s, pd.Timestamp) and not pd.isna(s) else start for s in own]
    obs["overgang"] = [bool(rs) and is_transition(s, kind, rs)  # type: ignore[arg-type]
                       for (s, kind), rs in zip(kinds, row_starts, strict=True)]


def _outcomes(project_dir: Path, project: Project | None, problems: list[Problem]) -> tuple[pd.DataFrame | None, Path | None]:
    csv_path, xlsx_path = project_dir / OUTCOME_CSV, project_dir / OUTCOME_XLSX
    path = csv_path if csv_path.exists() else xlsx_path if xlsx_path.exists() else None
    if path is None and project is not None and project.rapporttyp == "återrapportering":
        return pd.DataFrame(columns=OBSERVATION_COLUMNS), None  # a report back to a funder may have no indicators
    if path is None:
        problems.append(Problem(OUTCOME_CSV, "filen saknas (varken utfall.csv eller utfall.xlsx finns).",
                                hint="Lägg data i långt format med kolumnerna indikator, grupp, period, värde."))
        return None, None
    rel = path.name
    try:
        header, rows = read_table(path, OUTCOME_SHEET)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        reason = exc.message if isinstance(exc, UnreadableFile) else f"filen kan inte läsas ({type(exc).__name__})."
        problems.append(Problem(rel, reason, hint="Spara filen från Excel som CSV (UTF-8, semikolonavgränsad) med "
                                "namnet utfall.csv, eller som Excel-arbetsbok med namnet utfall.xlsx."))
        return None, path
    problems += privacy.scan_rows(rel, header, rows, project_dir)
    if not header:
        problems.append(Problem(rel, "filen är tom.", hint="Första raden ska vara rubriker: indikator;grupp;period;värde."))
        return None, path
    col_index: dict[str, int] = {}
    twice = False
    for i, h in enumerate(header):
        if fold(h) in col_index and fold(h):
            twice = True
            problems.append(Problem(rel, f"kolumnen '{show(h)}' finns två gånger (kolumn nr {col_index[fold(h)] + 1} "
                                    f"och {i + 1}).", row=1, column=show(h), hint="Ta bort eller byt namn på den ena."))
        col_index.setdefault(fold(h), i)
    missing = [c for c in OUTCOME_REQUIRED if fold(c) not in col_index]
    shown = ", ".join(show(h, 40) for h in header[:12] if h) + (" …" if len(header) > 12 else "")
    for c in missing:
        problems.append(Problem(rel, f"kolumnen '{c}' saknas (rubrikerna är: {shown}).", row=1, column=c,
                                hint="Lägg till kolumnen eller rätta rubrikens stavning."))
    if missing or twice:
        return None, path
    if not rows:
        problems.append(Problem(rel, "filen har rubriker men inga datarader.", row=2,
                                hint="Lägg till en rad per observation under rubrikraden."))
        return None, path

    indicators = {i.id: i for i in project.indikatorer} if project else {}
    start = project.insatsstart if project else None
    starts: dict[str, tuple[dt.date, int]] = {}  # unit -> (own start, first row that gave it)
    records: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    bad_rows = 0

    positions = {name: col_index.get(fold(name)) for name in OUTCOME_REQUIRED + OUTCOME_OPTIONAL}

    def cell(cells: list[str], name: str) -> str:
        i = positions[name]
        return cells[i].strip() if i is not None and i < len(cells) else ""

    denominators = {i.id: i.nämnare for i in indicators.values() if i.nämnare}
    for ind_id, column in denominators.items():
        positions[column] = col_index.get(fold(column))
        if positions[column] is None:
            problems.append(Problem(rel, f"kolumnen '{show(column)}' saknas; indikatorn '{ind_id}' har den som "
                                    "nämnare i projekt.yaml.", row=1, column=show(column),
                                    hint="Lägg till kolumnen (t.ex. antal elever per rad) eller ta bort 'nämnare'."))
    if any(positions[c] is None for c in denominators.values()):
        return None, path

    for rownum, cells in rows:
        odd = _odd_cells(rel, rownum, header, cells)
        if odd:
            problems += odd
            bad_rows += 1
            continue
        before = len(problems)
        ind = cell(cells, "indikator")
        if not ind:
            problems.append(Problem(rel, "indikator saknas.", row=rownum, column="indikator"))
        elif project and ind not in indicators:
            problems.append(Problem(rel, f"indikatorn '{show(ind)}' finns inte i projekt.yaml.", row=rownum, column="indikator",
                                    hint="Kända id: " + ", ".join(indicators) + "."))
        grp_raw = cell(cells, "grupp")
        grp = _GROUP_BY_FOLD.get(fold(grp_raw))
        if grp is None:
            problems.append(Problem(rel, f"gruppen '{show(grp_raw)}' är okänd.", row=rownum, column="grupp",
                                    hint="Skriv 'insats' eller 'jämförelse'."))
        per_raw = cell(cells, "period")
        per = parse_period(per_raw)
        if per is None and looks_excel_converted(per_raw):
            problems.append(Problem(rel, f"perioden '{show(per_raw)}' ser ut att vara ett datum som Excel har gjort "
                                    "om från det som skrevs in.", row=rownum, column="period",
                                    hint="Skriv perioden som 2017-01 (månad), 2017 (år), 2017/18 (läsår) eller HT2017 "
                                    "(termin). Formatera kolumnen som Text i Excel innan du skriver eller klistrar in, "
                                    "så ändrar Excel inte värdena."))
        elif per is None:
            problems.append(Problem(rel, f"perioden '{show(per_raw)}' är ogiltig.", row=rownum, column="period",
                                    hint="Skriv 2021-03-15 (dag), 2021-03 (månad), 2021-Q3 (kvartal), 2021 (år), "
                                    "2021/22 (läsår) eller HT2021/VT2022 (termin)."))
        val_raw = cell(cells, "värde")
        val = parse_number(val_raw)
        if val is None:
            problems.append(Problem(rel, f"värdet '{show(val_raw)}' är inget tal.", row=rownum, column="värde",
                                    hint="Skriv ett tal, t.ex. 0,25 eller 12."))
        elif ind in denominators:
            den_raw = cell(cells, denominators[ind])
            den = parse_number(den_raw)
            if den is None or den <= 0:
                problems.append(Problem(rel, f"nämnaren '{show(den_raw)}' är inget positivt tal (indikatorn '{ind}' "
                                        f"delas med kolumnen '{denominators[ind]}').", row=rownum,
                                        column=denominators[ind], hint="Skriv t.ex. antalet elever, större än 0."))
            else:
                val = val / den * (indicators[ind].per or 1.0)
        elif ind in indicators and indicators[ind].typ == "andel" and not 0 <= val <= 1:
            problems.append(Problem(rel, f"värdet {sv.number(val)} är ingen andel mellan 0 och 1 (indikatorn '{ind}' har typ andel).",
                                    row=rownum, column="värde", hint="Skriv andelar som 0–1, t.ex. 0,125 för 12,5 procent."))
        unit = cell(cells, "enhet") if "enhet" in col_index else ""
        antal = None
        if "antal" in col_index and cell(cells, "antal"):
            antal = parse_number(cell(cells, "antal"))
            if antal is None or antal < 0:
                problems.append(Problem(rel, f"antal '{show(cell(cells, 'antal'))}' är inget icke-negativt tal.", row=rownum,
                                        column="antal"))
        _row_start(rel, rownum, cell(cells, "start"), unit, grp, starts, problems)
        if len(problems) > before:
            bad_rows += 1
            continue
        key = (ind, grp, per[0].isoformat(), unit)  # type: ignore[index]
        if unit and key in seen:
            problems.append(Problem(rel, f"samma indikator, grupp, period och enhet finns redan på rad {seen[key]}.",
                                    row=rownum, column="enhet", hint="Ta bort dubbletten eller rätta enheten."))
            continue
        seen[key] = rownum
        records.append({"indikator": ind, "grupp": grp, "period": per_raw, "period_start": pd.Timestamp(per[0]),  # type: ignore[index]
                        "period_typ": per[1], "varde": val, "enhet": unit or None,  # type: ignore[index]
                        "antal": float("nan") if antal is None else antal, "rad": rownum})
    if not records:
        return None, path
    obs = pd.DataFrame.from_records(records)
    if "start" not in col_index:
        starts = _starts_file(project_dir, obs, problems)
    elif (project_dir / STARTS_FILE).is_file():
        problems.append(Problem(STARTS_FILE, f"både {STARTS_FILE} och kolumnen start i {rel} anger startdatum.",
                                hint=f"Ange enheternas startdatum på ett ställe: ta bort {STARTS_FILE} eller kolumnen start."))
    obs = _apply_starts(obs, starts, start)
    _mark_transitions(obs, start)
    if project and not bad_rows:
        for ind_id, sub in obs.groupby("indikator", sort=False):
            kinds = sorted(sub["period_typ"].unique())
            if len(kinds) > 1:
                problems.append(Problem(rel, f"indikatorn '{ind_id}' blandar periodtyper ({', '.join(kinds)}).",
                                        column="period", hint="Använd samma slags period (t.ex. bara månader) för en indikator."))
            if not sub["efter"].any():
                problems.append(Problem(rel, f"indikatorn '{ind_id}' har inga observationer från insatsstart "
                                        f"({start.isoformat()}) och framåt.", column="period",  # type: ignore[union-attr]
                                        hint="Kontrollera insatsstart i projekt.yaml eller lägg till data efter start."))
            if sub["efter"].all():
                problems.append(Problem(rel, f"indikatorn '{ind_id}' har inga observationer före insatsstart "
                                        f"({start.isoformat()}).", column="period",  # type: ignore[union-attr]
                                        hint="En före/efter-analys behöver data från tiden före insatsen."))
        for ind in indicators:
            if ind not in set(obs["indikator"]):
                problems.append(Problem(rel, f"indikatorn '{ind}' i projekt.yaml har inga rader i utfall.",
                                        column="indikator", hint="Lägg till data eller ta bort indikatorn."))
    return obs, path


# ---------------------------------------------------------------- own starts (staggered roll-outs)

_START_HINT = ("Skriv enhetens första dag med insatsen, t.ex. 2019-08-15, eller perioden då den startar, t.ex. 2019-08; "
               "lämna tomt för en enhet som aldrig får insatsen.")


def _parse_start(text: str) -> dt.date | None:
    parsed = parse_period(text)
    return parsed[0] if parsed else None


def _row_start(rel: str, rownum: int, raw: str, unit: str, grp: str | None,
               starts: dict[str, tuple[dt.date, int]], problems: list[Problem]) -> dt.date | None:
    """This row's own start (column ``start``), checked: a valid date, a unit, the insats group, one per unit."""
    if not raw:
        return None
    day = _parse_start(raw)
    if day is None:
        problems.append(Problem(rel, f"startdatumet '{show(raw)}' är ogiltigt.", row=rownum, column="start",
                                hint=_START_HINT))
        return None
    if not unit:
        problems.append(Problem(rel, "raden har ett eget startdatum men ingen enhet.", row=rownum, column="enhet",
                                hint="Ett eget startdatum gäller en enhet (en skola, ett område); fyll i kolumnen enhet."))
        return None
    if grp == "jämförelse":
        problems.append(Problem(rel, f"enheten '{show(unit)}' är i jämförelsegruppen men har ett eget startdatum.",
                                row=rownum, column="start",
                                hint="Ange grupp insats för en enhet som får insatsen (den jämförs med andra tills den "
                                "startar), eller lämna start tom för en enhet som aldrig får insatsen."))
        return None
    seen = starts.get(unit)
    if seen is not None and seen[0] != day:
        problems.append(Problem(rel, f"enheten '{show(unit)}' har startdatum {day.isoformat()} här men "
                                f"{seen[0].isoformat()} på rad {seen[1]}.", row=rownum, column="start",
                                hint="En enhet har ett enda startdatum; rätta den rad som är fel."))
        return None
    starts.setdefault(unit, (day, rownum))
    return day


def _starts_file(project_dir: Path, obs: pd.DataFrame, problems: list[Problem]) -> dict[str, tuple[dt.date, int]]:
    """``starter.csv`` (``enhet;start``): each unit's own start, when utfall has no column start."""
    path = project_dir / STARTS_FILE
    if not path.is_file():
        return {}
    rel = path.name
    try:
        header, rows = read_table(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        reason = exc.message if isinstance(exc, UnreadableFile) else f"filen kan inte läsas ({type(exc).__name__})."
        problems.append(Problem(rel, reason, hint="Spara filen som CSV (UTF-8, semikolonavgränsad) med kolumnerna "
                                "enhet och start."))
        return {}
    cols = {fold(h): i for i, h in enumerate(header)}
    missing = [c for c in ("enhet", "start") if c not in cols]
    for c in missing:
        problems.append(Problem(rel, f"kolumnen '{c}' saknas.", row=1, column=c,
                                hint="Första raden ska vara enhet;start och sedan en rad per enhet som får insatsen."))
    if missing:
        return {}
    groups = obs.groupby("enhet")["grupp"].agg(lambda g: set(g)).to_dict() if obs["enhet"].notna().any() else {}
    starts: dict[str, tuple[dt.date, int]] = {}
    for rownum, cells in rows:
        unit = cells[cols["enhet"]].strip() if cols["enhet"] < len(cells) else ""
        raw = cells[cols["start"]].strip() if cols["start"] < len(cells) else ""
        if not unit:
            problems.append(Problem(rel, "enhet saknas.", row=rownum, column="enhet",
                                    hint="Skriv enheten exakt som i kolumnen enhet i utfall."))
            continue
        if unit not in groups:
            problems.append(Problem(rel, f"enheten '{show(unit)}' finns inte i utfall.", row=rownum, column="enhet",
                                    hint="Skriv enheten exakt som i kolumnen enhet i utfall, eller ta bort raden."))
            continue
        if unit in starts:
            problems.append(Problem(rel, f"enheten '{show(unit)}' finns redan på rad {starts[unit][1]}.", row=rownum,
                                    column="enhet", hint="Varje enhet får ett startdatum; ta bort dubbletten."))
            continue
        _row_start(rel, rownum, raw, unit, "jämförelse" if groups[unit] == {"jämförelse"} else "insats", starts,
                   problems)
    return starts


def _apply_starts(obs: pd.DataFrame, starts: dict[str, tuple[dt.date, int]], insatsstart: dt.date | None) -> pd.DataFrame:
    """Column ``start`` per row and ``efter`` from it.

    Insats rows get their unit's own start, else the project's insatsstart; comparison rows
    get none (never treated) and stay "efter" from insatsstart, as a comparison group does.
    """
    default = pd.Timestamp(insatsstart) if insatsstart else pd.NaT
    own = pd.to_datetime(obs["enhet"].map({u: pd.Timestamp(s) for u, (s, _) in starts.items()}))
    insats = obs["grupp"] == "insats"
    obs["start"] = own.fillna(default).where(insats, pd.NaT)
    common = obs["period_start"] >= default if insatsstart else pd.Series(False, index=obs.index)
    obs["efter"] = (obs["period_start"] >= obs["start"]).where(insats, common).astype(bool)
    return obs


def load_project(project_dir: Path | str, slug: str | None = None, *, checks: Sequence[Check] = ()) -> LoadedProject:
    """Load and validate a project folder; raise :class:`InputError` listing every problem.

    ``slug`` overrides the folder name, for the archived copy inside a run folder.
    ``checks`` are further checks from later stages (the runs pass the economics'
    ``validate``), so that every problem is still reported at once.
    """
    project_dir = Path(project_dir)
    problems: list[Problem] = []
    if not project_dir.is_dir():
        raise InputError(Problem(str(project_dir), "projektmappen finns inte.",
                                 hint="Ange en mapp under inputs/, t.ex. inputs/skolnarvaro."))
    slug = slug or project_dir.resolve().name
    data = read_mapping(project_dir / PROJECT_FILE, problems)
    project = _project_from_yaml(data, slug, problems) if data is not None else None
    obs, outcome_path = _outcomes(project_dir, project, problems)
    is_xlsx = outcome_path is not None and outcome_path.suffix.lower() == ".xlsx"
    scanned = {PROJECT_FILE, MUNICIPALITY_FILE} | ({outcome_path.name} if outcome_path and not is_xlsx else set())
    problems += privacy.scan_folder(project_dir, scanned, {outcome_path.name: OUTCOME_SHEET} if is_xlsx else None)
    files = [project_dir / PROJECT_FILE]
    if outcome_path is not None:
        files.append(outcome_path)
    if (project_dir / STARTS_FILE).is_file():
        files.append(project_dir / STARTS_FILE)
    municipality, municipality_files = load_municipality(municipality_file(project_dir), problems)
    files += municipality_files
    if project is not None:
        for check in checks:
            problems += check(project_dir, dict(project.extra))
        files += [f for f in economics_files(project_dir) if f not in files]
        if project.rapporttyp == "återrapportering":
            insatser, insatser_path = load_insatser(project_dir, problems)
            files += [insatser_path] if insatser_path else []
            project = dataclasses.replace(project, extra=project.extra + (("insatser", [i.to_dict() for i in insatser]),))
    if problems:
        raise InputError(problems, project=slug)
    assert project is not None and obs is not None
    return LoadedProject(project=project, observations=obs, files=tuple(files), municipality=municipality,
                         directory=project_dir.resolve())
