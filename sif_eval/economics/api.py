"""Economics of a social investment: budget against outcome, the socio-economic calculation and the plans.

Public API (everything a run needs is two calls)::

    budget = load_budget(project_dir, dict(project.extra))          # Budget | None
    calc = calculate(project_dir, dict(project.extra), effects)      # Calculation | None
    result["ekonomi"] = budget.to_dict();  result["kalkyl"] = calc.to_dict()

``validate(project_dir, extra)`` lists the problems without the analysis,
``economics_files(project_dir)`` the files to archive with a run.  The pure
computations are in :mod:`sif_eval.economics_calc` (``evaluate``,
``budget_summary``, ``repayment_plan``, ``payment_plan``, ``sensitivity``,
``monte_carlo``, ``npv``), the values in :mod:`sif_eval.economics_model`.

Input formats
=============
Keys and column names are Swedish; the loader also accepts them folded to
ASCII (``år`` = ``ar``, ``bärare`` = ``barare``), in any letter case.
Numbers may be written ``1 500 000``, ``1500000``, ``0,035`` or ``3,5 %``.
Amounts are always whole kronor (never tkr).

``ekonomi.csv`` (optional, in the project folder; or ``ekonomi.xlsx``)
    One row per insats, year and committee::

        insats;år;nämnd;budgeterat;utfall;rekvirerat;kommentar
        Meningsfullt lovjobb;2021;Arbetsmarknadsnämnden;1400000;679255;;Pandemin minskade antalet platser

    Required: ``insats`` (sub-intervention, or the project), ``år``,
    ``nämnd``, ``budgeterat``, ``utfall`` (a cell may be blank: no outcome
    yet).  Optional: ``rekvirerat`` / ``beviljat`` (received for the row),
    ``kommentar``, ``månader`` (``6-12``: the months the cost arose, for the
    payment plan).  Deviation = budgeterat − utfall (positive: less used);
    to repay = rekvirerat (else beviljat) − utfall.

Stated totals, in ``projekt.yaml`` (top level or an ``ekonomi:`` section)::

    ekonomi:
      rekvirerat_totalt: 8052000        # or beviljat_totalt; the basis for repayment
      återbetalas_till: Socialstyrelsen
      uppgivna_belopp:                  # the same totals as stated elsewhere, to check
        - avser: rekvirerat             # rekvirerat | beviljat | budgeterat | utfall | att_återbetala
          belopp: 8005000
          källa: bilaga 1, Bakgrund
        - avser: utfall
          nämnd: Arbetsmarknadsnämnden  # optional: narrows to a committee (or insats:)
          belopp: 1432841

``kalkyl:`` in ``projekt.yaml`` or ``kalkyl.yaml`` beside it (not both)::

    kalkyl:
      diskonteringsränta: 0.035   # real, default 3,5 %; känslighet_ränta default 3 %
      horisont_år: 10             # years after basår counted (default: the last flow, or 10)
      basår: 2019                 # year 0, not discounted (default: the first cost year)
      prisår: 2019                # price year of all amounts (default: basår)
      dödvikt: 0.2                # share that would have happened anyway (före/efter and assumptions only)
      attribution: {värde: 0.8, skäl: andra insatser nådde samma elever}   # applied only with a skäl
      återföringsgrund: försiktig # or skattning (also in fond.yaml; the kalkyl wins)
      undanträngning: 0           # share displaced to others
      bortfall_per_år: 0.1        # drop-off: year k of a benefit × (1 − bortfall)^k
      optimism: {värde: 0.1, låg: 0, hög: 0.3}   # costs × (1 + optimism); any share may have låg/hög
      återföring: ja              # nej: Södertälje's model, no repayment
      mc_dragningar: 10000
      frö: 20240101
      kostnader:                  # or {2019: 1500000, 2020: 750000}; default: ekonomi.csv's outcome
        - år: 2019
          belopp: 1500000         # kronor of that year (prisår: to say otherwise)
          bärare: fonden          # default; another bearer's cost is not paid by the fund
          månader: 1-12
      nyttoposter:
        - namn: Färre elever med hög frånvaro
          indikator: hog_franvaro # the indicator's skattning, sign by its 'bättre'
          antagen_effekt: -0.05   # optional, the application's assumption (indicator units)
          antal_personer: 150
          enhetskostnad: elev_hog_franvaro_ar   # a post in enhetskostnader.csv, or kronor
          bärare: Utbildningsnämnden            # a committee, Regionen, Staten, Individen
          start_år: 2019
          varaktighet_år: 5

    Without ``indikator``, ``antagen_effekt`` is the improvement itself
    (positive = better).  ``effekt_låg``/``effekt_hög`` give a range; an
    indicator's 95 % interval is used otherwise.  ``antal_personer`` and
    ``enhetskostnad`` may be ``{värde: …, låg: …, hög: …}``.  ``kommunal: nej``
    overrides whether the bearer repays the fund.

``inputs/enhetskostnader.csv`` (shared; a project's own file adds or replaces posts)::

    post;belopp;enhet;prisår;bärare;källa

``inputs/kpi.csv`` (shared; a project's own replaces it): ``år;kpi``, annual
averages, any base.  Amounts are moved between price years by the ratio of
the index; a year outside the table uses its nearest year (a warning says so).

A fund setting ``återföring: nej`` may also be put in ``inputs/fond.yaml`` or
at the top of ``projekt.yaml`` (the kalkyl's own setting wins).

The calculation
===============
Benefit of an item in year y = effect × persons × unit cost ×
(1 − dödvikt) × attribution × (1 − undanträngning) × (1 − bortfall)^(y − start_år),
for start_år ≤ y < start_år + varaktighet_år; dödvikt only when the effect has
no counterfactual (a före/efter change or an assumption).  An interrupted time
series' effect in year k is level + slope · (p·k + (p − 1)/2), p periods a year.  Costs × (1 + optimism).  Year
t = y − basår is discounted by (1 + r)^t, so year 0 is undiscounted: 1 000 000
kronor now and 300 000 kronor a year in years 1–5 at 3,5 % give a net
present value of 354 516 kronor.  Payback is the first year from which the
cumulative discounted benefits stay at or above the cumulative discounted costs
to the horizon.  NPV is linear in each effect, so the break-even effect is exact.

Repayment (Uppsala's återföringsmodell): each municipal committee repays in
proportion to its share of the planned savings, the total capped at the fund's
cost, each benefit shrunk by the share of its assumed effect that was seen –
once with the point estimate, once with the conservative bound (the interval's
end nearer zero; zero when it includes zero).  The Monte Carlo simulation
varies only stated ranges and the estimate's sampling distribution.
Payment (in arrears): costs of January–April are paid after delår 1,
May–August after delår 2 and September–December after the annual accounts
(helår); a cost is spread evenly over its months, from the project's start,
in whole kronor with the rounding remainder in the last payment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..inputs.economy import (
    Where,
    YamlFile,
    budget_settings,
    economics_files,
    find_economy_file,
    read_budget_rows,
    read_catalogue,
    read_kpi,
    read_yaml,
)
from ..inputs.kalkyl import build_spec
from ..model import Effect
from ..paths import FUND_FILE, KALKYL_FILE, PROJECT_FILE
from ..swedish import fold
from .budget import budget_summary
from .calc import evaluate, monte_carlo, npv, present_value, sensitivity
from .model import (
    Assumptions,
    BenefitItem,
    Budget,
    BudgetRow,
    Calculation,
    CostItem,
    Payment,
    Repayment,
    SensitivityRow,
    Spec,
    StatedFigure,
)
from .plans import payment_plan, repayment_plan

__all__ = [
    "Assumptions",
    "BenefitItem",
    "Budget",
    "BudgetRow",
    "Calculation",
    "CostItem",
    "Payment",
    "Repayment",
    "SensitivityRow",
    "Spec",
    "StatedFigure",
    "budget_summary",
    "calculate",
    "economics_files",
    "evaluate",
    "load_budget",
    "load_spec",
    "monte_carlo",
    "npv",
    "payment_plan",
    "present_value",
    "repayment_plan",
    "sensitivity",
    "validate",
]


def _settings(project_dir: Path, settings: Mapping[str, Any] | None) -> tuple[dict[str, Any], YamlFile]:
    """projekt.yaml's other keys (folded) and its line numbers; read from the folder when not given."""
    doc = read_yaml(project_dir / PROJECT_FILE)
    if settings is None:
        return doc.data, doc
    return {fold(k): v for k, v in settings.items()} | {k: v for k, v in doc.data.items() if k == "indikatorer"}, doc


def _start(doc: YamlFile) -> tuple[int, int] | None:
    """The project's start (year, month) from projekt.yaml's ``insatsstart``; None when it is unreadable."""
    try:
        day = dt.date.fromisoformat(str(doc.data.get("insatsstart", "")).strip()[:10])
    except ValueError:
        return None
    return day.year, day.month


def _budget(project_dir: Path, settings: Mapping[str, Any], doc: YamlFile, problems: list[Problem]
            ) -> tuple[list[BudgetRow], Budget | None]:
    path = find_economy_file(project_dir)
    where = Where(PROJECT_FILE, doc.lines, (), problems, doc.names)
    stated = budget_settings(settings, where)
    if path is None:
        return [], None
    rows = read_budget_rows(path, problems)
    if not rows:
        return rows, None
    return rows, budget_summary(rows, rekvirerat_totalt=stated["rekvirerat_totalt"],
                                beviljat_totalt=stated["beviljat_totalt"], uppgivna=stated["uppgivna"],
                                återbetalas_till=stated["återbetalas_till"], start=_start(doc))


def load_budget(project_dir: Path | str, *, settings: Mapping[str, Any] | None = None) -> Budget | None:
    """Budget against outcome from ``ekonomi.csv`` (None without one); raises :class:`InputError`.

    ``settings`` are projekt.yaml's other keys (``dict(project.extra)``);
    without them projekt.yaml is read from the folder.
    """
    project_dir = Path(project_dir)
    problems: list[Problem] = []
    values, doc = _settings(project_dir, settings)
    _rows, budget = _budget(project_dir, values, doc, problems)
    if problems:
        raise InputError(problems, project=project_dir.name)
    return budget


def _kalkyl_source(project_dir: Path, settings: Mapping[str, Any], doc: YamlFile, problems: list[Problem]
                   ) -> tuple[Mapping[str, Any] | None, Where]:
    in_project = settings.get("kalkyl")
    file_path = project_dir / KALKYL_FILE
    if in_project not in (None, "", {}) and file_path.exists():
        problems.append(Problem(KALKYL_FILE, "kalkylen finns både i projekt.yaml (kalkyl:) och i kalkyl.yaml.",
                                hint="Behåll bara den ena."))
    if in_project not in (None, "", {}):
        where = Where(PROJECT_FILE, doc.lines, ("kalkyl",), problems, doc.names)
        if not isinstance(in_project, Mapping):
            where.add((), "'kalkyl' ska innehålla nycklar som kostnader: och nyttoposter:.")
            return None, where
        return in_project, where
    if file_path.exists():
        own = read_yaml(file_path, KALKYL_FILE)
        where = Where(KALKYL_FILE, own.lines, (), problems, own.names)
        if own.error is not None or not own.data:
            problems.append(own.error or Problem(KALKYL_FILE, "filen är tom.",
                                                 hint="Skriv kalkylens nycklar, t.ex. kostnader: och nyttoposter:."))
            return None, where
        if isinstance(own.data.get("kalkyl"), dict):
            return own.data["kalkyl"], where.sub("kalkyl")
        return own.data, where
    return None, Where(PROJECT_FILE, doc.lines, ("kalkyl",), problems, doc.names)


def _spec(project_dir: Path, settings: Mapping[str, Any] | None, effects: Mapping[str, Effect] | None, *,
          dry_run: bool, problems: list[Problem]) -> tuple[Spec | None, Budget | None]:
    project_dir = Path(project_dir)
    values, doc = _settings(project_dir, settings)
    rows, budget = _budget(project_dir, values, doc, problems)
    kalkyl, where = _kalkyl_source(project_dir, values, doc, problems)
    if kalkyl is None:
        return None, budget
    catalogue, files = read_catalogue(project_dir, problems)
    index = read_kpi(project_dir, problems)
    fund = read_yaml(project_dir.parent / FUND_FILE).data
    used = [str(p.relative_to(project_dir.parent)) for p in economics_files(project_dir)]
    spec = build_spec(kalkyl, where, settings=values, fund_settings=fund, effects=None if effects is None else dict(effects),
                      catalogue=catalogue, index=index, budget_rows=rows, files=used or files, dry_run=dry_run,
                      start=_start(doc))
    return spec, budget


def load_spec(project_dir: Path | str, *, settings: Mapping[str, Any] | None = None,
              effects: Mapping[str, Effect] | None = None) -> Spec | None:
    """The resolved calculation inputs (None when the project has no kalkyl); raises :class:`InputError`."""
    problems: list[Problem] = []
    spec, _ = _spec(Path(project_dir), settings, effects, dry_run=False, problems=problems)
    if problems:
        raise InputError(problems, project=Path(project_dir).name)
    return spec


def calculate(project_dir: Path | str, *, settings: Mapping[str, Any] | None = None,
              effects: Mapping[str, Effect] | None = None, with_monte_carlo: bool = True) -> Calculation | None:
    """The full socio-economic calculation, or None when the project has no kalkyl.

    ``settings`` are projekt.yaml's other keys (``dict(project.extra)``, which
    carry ``kalkyl:``, ``ekonomi:`` and ``återföring:``); without them
    projekt.yaml is read from the folder.  ``effects`` maps an indicator id to
    its estimated :class:`~sif_eval.model.Effect`.  Raises :class:`InputError`
    listing every problem in every economics file.
    """
    spec = load_spec(project_dir, settings=settings, effects=effects)
    return None if spec is None else evaluate(spec, with_monte_carlo=with_monte_carlo)


def validate(project_dir: Path | str, settings: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every problem in the economics inputs, before any analysis (indicator effects are not needed)."""
    problems: list[Problem] = []
    _spec(Path(project_dir), settings, None, dry_run=True, problems=problems)
    return problems
