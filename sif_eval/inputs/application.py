"""Reading an application (``status: ansökan`` in projekt.yaml): the plan before any outcome exists.

An application folder holds projekt.yaml with an ``ansökan:`` section (need,
evidence, maintenance, implementation, follow-up and evaluation plans),
kalkyl.yaml with the planned costs per year and the assumed effects, and
optionally utfall.csv with historical data (all before insatsstart) from
which the indicator's variation is estimated.  Every problem is collected
and raised together, naming file, row and key, as elsewhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..errors import InputError, Problem
from ..model import Municipality, Project
from ..paths import OUTCOME_CSV, OUTCOME_XLSX, PROJECT_FILE
from ..swedish import fold
from ._read import parse_number, read_mapping
from .economy import Where, folded, parse_int, parse_share, parse_year, read_yaml
from .municipality import load_municipality, municipality_file
from .project import _outcomes, _project_from_yaml

__all__ = ["APPLICATION_STATUS", "Application", "IndicatorPlan", "is_application", "load_application"]

APPLICATION_STATUS = "ansökan"
ChildReach = Literal["direkt", "indirekt", "nej"]
_REACH = {"direkt": "direkt", "ja": "direkt", "indirekt": "indirekt", "nej": "nej"}
# Messages of the outcome reader that do not apply to history (everything lies before the start).
_NOT_FOR_HISTORY = ("inga observationer från insatsstart", "har inga rader i utfall")


@dataclass(frozen=True)
class IndicatorPlan:
    """How one indicator is followed up, and the applicant's statement of its level and variation."""

    id: str
    frekvens: str
    datakälla: str
    ansvarig: str
    baslinje: float | None
    standardavvikelse: float | None
    autokorrelation: float


@dataclass(frozen=True)
class ChecklistItem:
    punkt: str
    ansvarig: str
    klart: str


@dataclass(frozen=True)
class Application:
    """A validated application: the project, its plans, and the history when there is one."""

    project: Project
    directory: Path
    period: str
    kommun: str
    behov: str
    insats: str
    evidens: str
    referenser: tuple[str, ...]
    berörda_nämnder: tuple[str, ...]
    barn_och_unga: ChildReach
    barnperspektiv: str
    jämställdhetsperspektiv: str
    underhåll: str
    underhåll_kostnad_per_år: float
    underhåll_från_år: int | None
    underhåll_år: int
    underhåll_finansiering: str
    följdinvesteringar: str
    implementering: str
    checklista: tuple[ChecklistItem, ...]
    insatsenheter: int
    jämförelseenheter: int
    perioder_före: int | None
    perioder_efter: int
    periodtyp: str
    jämförelsegrupp: str
    utvärderare: str
    utvärdering_kostnad: float | None
    utvärdering_andel: float | None
    följsamhet: str
    simuleringar: int
    enhetsord: tuple[str, str]
    indikatorplaner: tuple[IndicatorPlan, ...]
    history: pd.DataFrame | None
    files: tuple[Path, ...]
    municipality: Municipality = Municipality()

    def plan_for(self, ind_id: str) -> IndicatorPlan:
        return next(p for p in self.indikatorplaner if p.id == ind_id)


def is_application(project_dir: Path | str) -> bool:
    """Whether projekt.yaml says ``status: ansökan`` (cheap; no validation)."""
    doc = read_yaml(Path(project_dir) / PROJECT_FILE)
    return fold(str(doc.data.get("status", "") or "")) == fold(APPLICATION_STATUS)


def _text(d: dict[str, Any], key: str) -> str:
    value = d.get(fold(key), "")
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return " ".join(str(value or "").split())


def _texts(d: dict[str, Any], key: str) -> tuple[str, ...]:
    value = d.get(fold(key), [])
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    return tuple(" ".join(str(v).split()) for v in value or [] if str(v).strip())


def load_application(project_dir: Path | str) -> Application:
    """Validate an application folder; raise :class:`InputError` listing every problem."""
    project_dir = Path(project_dir)
    problems: list[Problem] = []
    if not project_dir.is_dir():
        raise InputError(Problem(str(project_dir), "projektmappen finns inte.",
                                 hint="Ange en mapp under inputs/, t.ex. inputs/lasframjande-team."))
    data = read_mapping(project_dir / PROJECT_FILE, problems)
    project = _project_from_yaml(data, project_dir.resolve().name, problems) if data is not None else None
    doc = read_yaml(project_dir / PROJECT_FILE)
    where = Where(PROJECT_FILE, doc.lines, (), problems, doc.names)
    if project is None:
        raise InputError(problems, project=project_dir.name)
    if fold(str(doc.data.get("status", ""))) != fold(APPLICATION_STATUS):
        where.add(("status",), "projektet är ingen ansökan.", "Skriv 'status: ansökan' i projekt.yaml, eller kör "
                  f"'sif-eval run {project_dir}' för att utvärdera ett beviljat projekt.")
    a = folded(doc.data.get("ansokan") or {})
    at = where.sub("ansokan")
    if not doc.data.get("ansokan"):
        where.add(("ansokan",), "avsnittet 'ansökan:' saknas.", "Se exemplet i inputs/ och README (Ansökan).")
    for key in ("behov", "evidens"):
        if not _text(a, key):
            at.add((fold(key),), f"'{key}' saknas i ansökan.", "Beskriv " + (
                "behovet och målgruppen." if key == "behov" else "vilken evidens eller beprövad erfarenhet insatsen "
                "bygger på, med referenser."))
    reach = _REACH.get(fold(str(a.get("barn_och_unga", "") or "nej")))
    if reach is None:
        at.add(("barn_och_unga",), f"'{a.get('barn_och_unga')}' är inget tillåtet värde.",
               "Skriv direkt, indirekt eller nej.")

    def number(d: dict[str, Any], key: str, w: Where, *, required: bool, whole: bool = False,
               share: bool = False) -> Any:
        raw = d.get(fold(key))
        if raw in (None, ""):
            if required:
                w.add((fold(key),), f"'{key}' saknas.", "Ange ett tal.")
            return None
        value = parse_int(raw) if whole else parse_share(raw) if share else parse_number(raw)
        if value is None or (whole and value < 1) or value < 0:
            w.add((fold(key),), f"'{raw}' är inget giltigt värde för '{key}'.",
                  "Ange ett heltal, minst 1." if whole else "Ange ett tal, minst 0.")
            return None
        return value

    m = folded(a.get("underhall") or {})
    mw = at.sub("underhall")
    impl = folded(a.get("implementering") or {}) if isinstance(a.get("implementering"), dict) else \
        {"plan": a.get("implementering", "")}
    checklist = []
    for i, item in enumerate(impl.get("checklista") or [], start=1):
        it = folded(item) if isinstance(item, dict) else {"punkt": item}
        if not _text(it, "punkt"):
            at.sub("implementering", "checklista", i).add((), f"punkt nr {i} i checklistan saknar text.")
            continue
        checklist.append(ChecklistItem(_text(it, "punkt"), _text(it, "ansvarig"), _text(it, "klart")))
    e = folded(a.get("utvardering") or {})
    ew = at.sub("utvardering")
    if not a.get("utvardering"):
        at.add(("utvardering",), "utvärderingsplanen saknas.", "Ange insatsenheter, jämförelseenheter, perioder och "
               "vem som utvärderar under 'utvärdering:'.")
    n_t = number(e, "insatsenheter", ew, required=True, whole=True)
    n_c = number(e, "jämförelseenheter", ew, required=True, whole=True)
    p_before = number(e, "perioder_före", ew, required=False, whole=True)
    p_after = number(e, "perioder_efter", ew, required=True, whole=True)
    sims = number(e, "simuleringar", ew, required=False, whole=True) or 1000
    cost = number(e, "kostnad", ew, required=False)
    share = number(e, "andel_av_budget", ew, required=False, share=True)
    follow = folded(a.get("uppfoljning") or {})

    plans = []
    declared = {str(folded(x).get("id", "")).strip(): (i, folded(x))
                for i, x in enumerate(doc.data.get("indikatorer") or [], start=1) if isinstance(x, dict)}
    history = _history(project_dir, project, problems)
    for ind in project.indikatorer:
        i, d = declared.get(ind.id, (0, {}))
        iw = where.sub("indikatorer", i)
        sd = number(d, "standardavvikelse", iw, required=False)
        rho_raw = d.get("autokorrelation")
        rho = parse_number(rho_raw) if rho_raw not in (None, "") else 0.0
        if rho is None or not -0.95 <= rho <= 0.95:
            iw.add(("autokorrelation",), f"'{rho_raw}' är ingen autokorrelation mellan −0,95 och 0,95.",
                   "Ange t.ex. 0,4 (hur mycket en enhets värde ena perioden hänger ihop med nästa).")
            rho = 0.0
        has_history = history is not None and ind.id in set(history["indikator"])
        if sd is None and not has_history:
            iw.add(("standardavvikelse",), f"indikatorn '{ind.id}' har varken historiska data i utfall.csv eller en "
                   "angiven standardavvikelse.", "Lägg till historiska värden per enhet och period i utfall.csv, "
                   "eller ange 'standardavvikelse:' (hur mycket en enhets värde varierar från period till period).")
        plans.append(IndicatorPlan(
            id=ind.id, frekvens=_text(d, "frekvens") or _text(follow, "frekvens") or "varje termin",
            datakälla=_text(d, "datakälla") or _text(follow, "datakälla") or _text(doc.data, "datakälla"),
            ansvarig=_text(d, "ansvarig") or _text(follow, "ansvarig") or project.handläggare,
            baslinje=number(d, "baslinje", iw, required=False), standardavvikelse=sd, autokorrelation=rho))
    if p_before is None and history is None:
        ew.add(("perioder_fore",), "'perioder_före' saknas och det finns inga historiska data att räkna dem från.",
               "Ange hur många perioder före insatsstart som mäts, t.ex. perioder_före: 4.")
    municipality, muni_files = load_municipality(municipality_file(project_dir), problems)
    if problems:
        raise InputError(problems, project=project.slug)
    files = [project_dir / PROJECT_FILE]
    files += [p for p in (project_dir / OUTCOME_CSV, project_dir / OUTCOME_XLSX) if p.is_file()][:1]
    start_year = parse_year(m.get("fran_ar", "")) if m.get("fran_ar") not in (None, "") else None
    if p_before is None and history is not None:
        p_before = int(history["period_start"].nunique())
    return Application(
        project=project, directory=project_dir.resolve(), period=_text(doc.data, "period"),
        kommun=_text(doc.data, "kommun") or municipality.kommun,
        behov=_text(a, "behov"), insats=_text(a, "insats") or project.beskrivning, evidens=_text(a, "evidens"),
        referenser=_texts(a, "referenser"), berörda_nämnder=_texts(a, "berörda_nämnder") or (project.ansvarig_nämnd,),
        barn_och_unga=reach or "nej", barnperspektiv=_text(a, "barnperspektiv"),
        jämställdhetsperspektiv=_text(a, "jämställdhetsperspektiv"),
        underhåll=_text(m, "beskrivning"), underhåll_kostnad_per_år=number(m, "kostnad_per_år", mw, required=False) or 0.0,
        underhåll_från_år=start_year, underhåll_år=number(m, "år", mw, required=False, whole=True) or 0,
        underhåll_finansiering=_text(m, "finansiering"), följdinvesteringar=_text(m, "följdinvesteringar"),
        implementering=_text(impl, "plan"), checklista=tuple(checklist),
        insatsenheter=n_t, jämförelseenheter=n_c, perioder_före=p_before, perioder_efter=p_after,
        periodtyp=_text(e, "periodtyp") or "period", jämförelsegrupp=_text(e, "jämförelsegrupp"),
        utvärderare=_text(e, "utvärderare"), utvärdering_kostnad=cost, utvärdering_andel=share,
        följsamhet=_text(e, "följsamhet"), simuleringar=sims,
        enhetsord=(_text(e, "enhet") or "enhet", _text(e, "enheter") or _text(e, "enhet") or "enheter"), indikatorplaner=tuple(plans), history=history,
        files=tuple(files + [f for f in muni_files if f not in files]), municipality=municipality)


def _history(project_dir: Path, project: Project, problems: list[Problem]) -> pd.DataFrame | None:
    """utfall.csv as history (optional): every row must lie before insatsstart."""
    if not any((project_dir / f).is_file() for f in (OUTCOME_CSV, OUTCOME_XLSX)):
        return None
    own: list[Problem] = []
    far = dataclasses.replace(project, insatsstart=dt.date(9999, 1, 1))
    obs, path = _outcomes(project_dir, far, own)
    problems += [p for p in own if not any(s in p.message for s in _NOT_FOR_HISTORY)]
    if obs is None:
        return None
    late = obs[obs["period_start"] >= pd.Timestamp(project.insatsstart)]
    if len(late):
        problems.append(Problem(path.name if path else OUTCOME_CSV, f"{len(late)} rader i historiken ligger på eller "
                                f"efter insatsstart ({project.insatsstart.isoformat()}).", row=int(late["rad"].iloc[0]),
                                column="period", hint="En ansökan har bara data från tiden före insatsen; ta bort "
                                "raderna eller rätta insatsstart."))
    return obs
