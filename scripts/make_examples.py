"""Write the bundled example projects under ``inputs/`` from a fixed seed.

Real data about individual pupils, families and participants are
confidential, so the three examples are synthetic but realistic. Each
example is built to trigger one analysis design when ``design: auto``:

* ``skolnarvaro`` – pupil panel with a comparison group → ``did``;
* ``sofiamodellen`` – monthly series, insats group only, 36 + 24 months → ``its``;
* ``supported-education`` – 24 participants, once before and once after → ``före_efter``;
* ``socialarbetare-i-skolan`` – four schools starting at four different terms, pupils' own ``start``
  column, beside comparison schools → ``stegvis`` (Callaway & Sant'Anna);
* ``gottsunda`` – one district among fifteen, quarterly → ``syntetisk`` (synthetic control).

The output is deterministic: running the script twice gives byte-identical
files. Usage::

    python scripts/make_examples.py            # (re)writes inputs/<slug>/
    python scripts/make_examples.py --out DIR  # writes DIR/<slug>/ instead
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

SEED = 20181
ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"

SLUGS = ("skolnarvaro", "sofiamodellen", "supported-education", "socialarbetare-i-skolan", "gottsunda")

HEADER_COMMENT = (
    "# Syntetiska data, genererade av scripts/make_examples.py (slumpfrö {seed}).\n"
    "# Redigera inte för hand: kör `python scripts/make_examples.py` för att skapa om filerna.\n"
)

# --- Koordinatorer för ökad skolnärvaro --------------------------------------------------------

# One observation per pupil and term. A term is written as the month it begins:
# "2018-08" is HT 2018 (begins 2018-08-01), "2019-01" is VT 2019.
SKOL_PERIODS = ("2017-01", "2017-08", "2018-01", "2018-08", "2019-01", "2019-08")
SKOL_INSATSSTART = "2018-08-01"
SKOL_N_PER_GROUP = 150
SKOL_HOG_GRANS = 0.15  # "hög frånvaro" = at least 15 % of scheduled teaching time
SKOL_TARGET_HOG = -0.055  # true DiD effect on the share of pupils with high absence
# Absence share of pupil i in term t: exp(a_i + g_t + tau * D_it + e_it), e_it ~ N(0, SKOL_SIGMA).
# a_i (the pupil's own level) makes the data a persistent panel; tau is set so that the expected
# effect on hog_franvaro, over the treated pupils' terms after insatsstart, is SKOL_TARGET_HOG.
SKOL_LEVEL = {"insats": math.log(0.105), "jämförelse": math.log(0.09)}  # the insats schools start higher
SKOL_SPREAD = 0.6  # sd of a_i
SKOL_SIGMA = 0.3  # sd of e_it
SKOL_TREND = 0.03  # common (parallel) trend per term, log scale
SKOL_VT = 0.08  # more absence in the spring term (VT), log scale


SKOL_YAML = """\
{header}#
# Exempel på en insats med jämförelsegrupp: elever i skolor med koordinatorer (insats) och
# elever i jämförbara skolor utan koordinatorer (jämförelse), följda tre terminer före och tre
# terminer efter insatsstart. Med design: auto blir analysen difference-in-differences (did).
# Perioderna i utfall.csv är terminer, angivna med terminens startmånad: 2018-08 = HT 2018,
# 2019-01 = VT 2019. En period räknas som "efter" om den börjar på eller efter insatsstart.

projekt: Koordinatorer för ökad skolnärvaro
diarienummer: KSN-2018-0421
ansvarig_nämnd: Utbildningsnämnden
handläggare: Anna Andersson
insatsstart: {insatsstart}
kommun: Uppsala kommun
period: 2018–2019
målgrupp: Elever i grund- och gymnasieskola med hög eller ökande skolfrånvaro
beskrivning: >-
  Hög skolfrånvaro ökar risken för ofullständiga betyg, utanförskap och framtida behov av
  försörjningsstöd. Projektet har gett elever med hög eller ökande frånvaro stöd av en
  koordinator som samordnar skolan, elevhälsan, vårdnadshavare och socialtjänsten kring
  elevens återgång till undervisningen. Uppgifterna i utfall.csv är syntetiska och framtagna
  för att visa verktyget; de bygger inte på uppgifter om verkliga elever.
datakälla: Frånvaro per elev och termin ur skolornas närvarosystem (pseudonymiserad)

indikatorer:
  - id: hog_franvaro
    namn: Andel elever med hög frånvaro (minst 15 procent)
    typ: andel          # 0 eller 1 per elev och termin; medelvärdet är andelen
    bättre: lägre
    effektmål: -0.05    # fem procentenheter lägre andel
    design: auto
  - id: franvaro_procent
    namn: Genomsnittlig frånvaro (andel av undervisningstid)
    typ: andel          # frånvarons andel av schemalagd tid, 0–1, per elev och termin
    bättre: lägre
    effektmål: -0.02    # två procentenheter lägre genomsnittlig frånvaro
    design: auto
"""


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _skol_att(tau: float, m: np.ndarray) -> tuple[float, float]:
    """Expected effect on (hog_franvaro, franvaro_procent) over treated observations with means m."""
    c = math.log(SKOL_HOG_GRANS)
    hog = np.mean([_norm_cdf((x + tau - c) / SKOL_SIGMA) - _norm_cdf((x - c) / SKOL_SIGMA) for x in m])
    share = np.mean(np.exp(m + SKOL_SIGMA**2 / 2) * (math.exp(tau) - 1.0))
    return float(hog), float(share)


def _skol_tau(m: np.ndarray) -> float:
    """The log-scale effect tau that gives the target effect on hog_franvaro, by bisection."""
    lo, hi = -2.0, 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _skol_att(mid, m)[0] < SKOL_TARGET_HOG:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _skolnarvaro(rng: np.random.Generator) -> tuple[str, bytes, dict[str, float]]:
    n = 2 * SKOL_N_PER_GROUP
    ids = [f"E{i:04d}" for i in range(1, n + 1)]
    treated = np.zeros(n, dtype=bool)
    treated[rng.permutation(n)[:SKOL_N_PER_GROUP]] = True
    groups = np.where(treated, "insats", "jämförelse")
    level = np.array([SKOL_LEVEL[g] for g in groups]) + rng.normal(0.0, SKOL_SPREAD, n)
    g_t = np.array(
        [SKOL_TREND * t + (SKOL_VT if p.endswith("-01") else 0.0) for t, p in enumerate(SKOL_PERIODS)]
    )
    after = np.array([p >= SKOL_INSATSSTART[:7] for p in SKOL_PERIODS])
    noise = rng.normal(0.0, SKOL_SIGMA, (n, len(SKOL_PERIODS)))
    # A few pupils arrive after the first term or move away before the last one.
    order = rng.permutation(n)
    observed = np.ones((n, len(SKOL_PERIODS)), dtype=bool)
    observed[order[:6], 0] = False
    observed[order[6:18], -1] = False

    mean = level[:, None] + g_t[None, :]
    treated_after = treated[:, None] & after[None, :]
    tau = _skol_tau(mean[treated_after & observed])
    share = np.minimum(np.exp(mean + tau * treated_after + noise), 0.95)
    hog = share >= SKOL_HOG_GRANS
    # Three decimals; a share below the limit is rounded down so that it never reads 0,150.
    value = np.where(hog, np.round(share, 3), np.floor(share * 1000) / 1000)

    hog_rows: list[str] = []
    pct_rows: list[str] = []
    for i in range(n):
        for t, period in enumerate(SKOL_PERIODS):
            if observed[i, t]:
                key = f"{groups[i]};{period};{ids[i]}"
                hog_rows.append(f"hog_franvaro;{key};{int(hog[i, t])}")
                pct_rows.append(f"franvaro_procent;{key};{_comma(value[i, t], 3)}")
    lines = ["indikator;grupp;period;enhet;värde", *hog_rows, *pct_rows]
    csv = ("\n".join(lines) + "\n").encode("utf-8")
    yaml_text = SKOL_YAML.format(header=HEADER_COMMENT.format(seed=SEED), insatsstart=SKOL_INSATSSTART)
    att_hog, att_share = _skol_att(tau, mean[treated_after & observed])
    truth = {"hog_franvaro": att_hog, "franvaro_procent": att_share}
    return yaml_text, csv, truth


# --- Sofiamodellen -----------------------------------------------------------------------------

SOFIA_INSATSSTART = "2019-01-01"
SOFIA_MONTHS_BEFORE = 36
SOFIA_MONTHS_AFTER = 24
SOFIA_LEVEL = 12.0  # new placements per month before the intervention
SOFIA_SEASON = 1.5  # amplitude: most placements in October, fewest in April
SOFIA_EFFECT = -3.0  # true level change at insatsstart, no change in slope

SOFIA_YAML = """\
{header}#
# Exempel på en avbruten tidsserie: en indikator per månad för hela kommunen, bara för
# insatsgruppen, 36 månader före och 24 månader efter insatsstart. Med design: auto blir
# analysen en avbruten tidsserie (its) med segmenterad regression.

projekt: Sofiamodellen
diarienummer: KSN-2018-1872
ansvarig_nämnd: Socialnämnden
handläggare: Maria Lindqvist
insatsstart: {insatsstart}
kommun: Uppsala kommun
period: 2018–2021
målgrupp: Barn 0–12 år i familjer där det finns problematiskt drickande eller drogbruk
beskrivning: >-
  Barn som växer upp i familjer med missbruk löper större risk att placeras utanför hemmet.
  I Sofiamodellen samarbetar socialsekreterare från barnenheten och beroendeenheten inom
  socialförvaltningen för att erbjuda familjen en särskild samtalsserie, med målet att
  färre barn ska behöva placeras. Uppgifterna i utfall.csv är syntetiska och framtagna för
  att visa verktyget; de bygger inte på uppgifter om verkliga barn eller familjer.
datakälla: Nya placeringar av barn 0–12 år per månad ur verksamhetssystemet, hela kommunen

indikatorer:
  - id: placeringar
    namn: Antal nya placeringar av barn utanför hemmet per månad
    typ: antal
    bättre: lägre
    effektmål: -2       # två färre nya placeringar per månad
    design: auto
"""


def _month(start_year: int, index: int) -> str:
    return f"{start_year + index // 12}-{index % 12 + 1:02d}"


def _sofiamodellen(rng: np.random.Generator) -> tuple[str, bytes, dict[str, float]]:
    start_year = int(SOFIA_INSATSSTART[:4]) - SOFIA_MONTHS_BEFORE // 12
    rows = ["indikator,grupp,period,värde"]
    for k in range(SOFIA_MONTHS_BEFORE + SOFIA_MONTHS_AFTER):
        month = k % 12 + 1
        mean = SOFIA_LEVEL + SOFIA_SEASON * math.cos(2 * math.pi * (month - 10) / 12)
        if k >= SOFIA_MONTHS_BEFORE:
            mean += SOFIA_EFFECT
        count = int(rng.poisson(mean))
        rows.append(f"placeringar,insats,{_month(start_year, k)},{count}")
    csv = ("\n".join(rows) + "\n").encode("utf-8")
    yaml_text = SOFIA_YAML.format(header=HEADER_COMMENT.format(seed=SEED), insatsstart=SOFIA_INSATSSTART)
    return yaml_text, csv, {"placeringar": SOFIA_EFFECT}


# --- Supported Education -----------------------------------------------------------------------

SE_INSATSSTART = "2017-10-01"
SE_FORE = "2017-09-01"  # measurement at enrolment
SE_EFTER = "2019-06-01"  # follow-up when the project ended
SE_N = 24
SE_GAIN_HOURS = 6.5  # expected change in hours per week in studies or work (before the floor at 0)
SE_GAIN_SD = 4.0
SE_STAY_ON_FS = 0.65  # chance that a participant on försörjningsstöd still is at follow-up
SE_ENTER_FS = 0.05  # chance that a participant without försörjningsstöd gets it
# Expected change in the share on försörjningsstöd: 0.5 * 0.65 + 0.5 * 0.05 - 0.5 = -0.15.

SE_YAML = """\
{header}#
# Exempel på ett litet projekt utan jämförelsegrupp: 24 deltagare mätta en gång vid
# inskrivning (före) och en gång vid projektets slut (efter). Med design: auto blir
# analysen en parad före/efter-jämförelse (före_efter). Den visar förändringen hos
# deltagarna, inte vad som hade hänt utan insatsen.
# utfall.csv är sparad som Excel gör med "CSV (semikolonavgränsad)": Windows-1252,
# semikolon och decimalkomma.

projekt: Supported Education
diarienummer: KSN-2017-0893
ansvarig_nämnd: Arbetsmarknadsnämnden
handläggare: Johan Berglund
insatsstart: {insatsstart}
kommun: Uppsala kommun
period: 2017–2019
målgrupp: Personer 18–35 år med psykisk funktionsnedsättning, utan pågående insatser enligt LSS
beskrivning: >-
  Unga vuxna med psykisk funktionsnedsättning står ofta långt från studier och arbete och
  har i högre grad försörjningsstöd. Supported Education ger individuellt och flexibelt stöd
  för att påbörja eller återvända till studier, i samverkan mellan arbetsmarknadsförvaltningen
  och omsorgsförvaltningen. Uppgifterna i utfall.csv är syntetiska och framtagna för att visa
  verktyget; de bygger inte på uppgifter om verkliga deltagare.
datakälla: Deltagarnas egna uppgifter vid inskrivning och uppföljning samt försörjningsstödsregistret

indikatorer:
  - id: studietid
    namn: Timmar per vecka i studier eller arbete
    typ: medelvärde
    bättre: högre
    effektmål: 5        # fem timmar mer per vecka
    design: auto
  - id: forsorjningsstod
    namn: Andel deltagare med försörjningsstöd
    typ: andel          # 0 eller 1 per deltagare och mättillfälle
    bättre: lägre
    effektmål: -0.1     # tio procentenheter lägre andel
    design: auto
"""


def _supported_education(rng: np.random.Generator) -> tuple[str, bytes, dict[str, float]]:
    ids = [f"P{i:02d}" for i in range(1, SE_N + 1)]
    idle = rng.random(SE_N) < 0.4  # neither studying nor working at enrolment
    before = np.where(idle, 0.0, np.clip(rng.normal(5.0, 3.0, SE_N), 1.0, None))
    after = np.clip(before + rng.normal(SE_GAIN_HOURS, SE_GAIN_SD, SE_N), 0.0, 40.0)
    before, after = np.round(before * 2) / 2, np.round(after * 2) / 2  # half hours
    fs_before = rng.random(SE_N) < 0.5
    u = rng.random(SE_N)
    fs_after = np.where(fs_before, u < SE_STAY_ON_FS, u < SE_ENTER_FS)

    rows = ["indikator;grupp;period;enhet;värde"]
    for i, unit in enumerate(ids):
        rows.append(f"studietid;insats;{SE_FORE};{unit};{_comma(before[i], 1)}")
        rows.append(f"studietid;insats;{SE_EFTER};{unit};{_comma(after[i], 1)}")
    for i, unit in enumerate(ids):
        rows.append(f"forsorjningsstod;insats;{SE_FORE};{unit};{int(fs_before[i])}")
        rows.append(f"forsorjningsstod;insats;{SE_EFTER};{unit};{int(fs_after[i])}")
    csv = ("\r\n".join(rows) + "\r\n").encode("cp1252")
    yaml_text = SE_YAML.format(header=HEADER_COMMENT.format(seed=SEED), insatsstart=SE_INSATSSTART)
    # Expected change given each participant's situation at enrolment (hours cannot go below 0).
    gain = [_mean_positive(b + SE_GAIN_HOURS, SE_GAIN_SD) - b for b in before]
    fs_change = np.where(fs_before, SE_STAY_ON_FS - 1.0, SE_ENTER_FS)
    return yaml_text, csv, {"studietid": float(np.mean(gain)), "forsorjningsstod": float(np.mean(fs_change))}


def _mean_positive(mu: float, sd: float) -> float:
    """E[max(X, 0)] for X ~ N(mu, sd)."""
    z = mu / sd
    return mu * _norm_cdf(z) + sd * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


# --- Socialarbetare i skolan (staggered roll-out) ----------------------------------------------

# Pupils followed over eight terms; four schools get a school social worker, each from its own term.
# Pupils carry their school's start in the column start (empty in the comparison schools).
SOC_PERIODS = ("2018-01", "2018-08", "2019-01", "2019-08", "2020-01", "2020-08", "2021-01", "2021-08")
SOC_INSATSSTART = "2019-08-01"  # the first school's start; the others are in the column start
SOC_SCHOOLS = {"Skola A": "2019-08", "Skola B": "2020-01", "Skola C": "2020-08", "Skola D": "2021-01"}
SOC_COMPARISON_SCHOOLS = 8
SOC_PUPILS = 30  # per school
SOC_SLOPE = {"Skola A": -0.006, "Skola B": -0.004, "Skola C": -0.008, "Skola D": -0.005}  # per term of exposure
SOC_JUMP = -0.01  # immediate effect in the first term with the social worker
SOC_TREND = (0.0, 0.004, 0.012, 0.010, 0.018, 0.016, 0.024, 0.022)  # common, with more absence in spring terms

SOC_YAML = """\
{header}#
# Exempel på ett stegvis införande: skolsocialarbetare har införts på fyra skolor vid fyra olika
# terminer (kolumnen start i utfall.csv anger skolans start; tom i jämförelseskolorna). En rad per
# skola och termin: skolans genomsnittliga frånvaro, och antal = antalet elever.
# Med design: auto blir analysen stegvis (Callaway och Sant'Anna): varje skola jämförs med skolor
# som inte har fått insatsen, och effekten får växa med tiden sedan start. Perioderna är terminer,
# angivna med terminens startmånad: 2019-08 = HT 2019, 2020-01 = VT 2020.

projekt: Socialarbetare i skolan
diarienummer: KSN-2019-0512
ansvarig_nämnd: Utbildningsnämnden
handläggare: Karin Lund
insatsstart: {insatsstart}
kommun: Uppsala kommun
period: 2019–2021
målgrupp: Elever i årskurs 7–9 på fyra skolor med hög frånvaro och oro för elevers hemsituation
beskrivning: >-
  Socialarbetare i skolan har under 2019–2021 införts på fyra skolor, en skola i taget. De
  arbetar i elevhälsan med elever och familjer där skolfrånvaron har sociala orsaker och
  samordnar stödet med socialtjänsten. Uppgifterna i utfall.csv är syntetiska och framtagna
  för att visa verktyget; de bygger inte på uppgifter om verkliga elever.
datakälla: Frånvaro per skola och termin ur skolornas närvarosystem (genomsnitt över eleverna)

indikatorer:
  - id: franvaro
    namn: Genomsnittlig frånvaro (andel av undervisningstid)
    typ: andel          # frånvarons andel av schemalagd tid, 0–1, skolans genomsnitt per termin
    bättre: lägre
    effektmål: -0.02    # två procentenheter lägre frånvaro
    design: auto
"""


def _soc_effect(school: str, e: int) -> float:
    """True effect on absence (share of time) in the e-th term since the school's start (e = 0 first)."""
    return SOC_JUMP + SOC_SLOPE[school] * e if e >= 0 else 0.0


def _socialarbetare(rng: np.random.Generator) -> tuple[str, bytes, dict[str, float]]:
    schools = list(SOC_SCHOOLS) + [f"Skola {chr(ord('E') + k)}" for k in range(SOC_COMPARISON_SCHOOLS)]
    # One row per school and term: the school's mean absence over its pupils, with antal = pupils. The
    # intervention is given to schools, so schools are the units the inference must count (pupils in one
    # school share the school's shocks; treating 360 pupils as independent would overstate precision).
    rows = ["indikator;grupp;period;enhet;start;värde;antal"]
    cells = []  # every treated school-term after the start, for the true overall effect
    for school in schools:
        level = rng.normal(0.09, 0.015) + (0.015 if school in SOC_SCHOOLS else 0.0)  # treated schools start higher
        start = SOC_SCHOOLS.get(school, "")
        g = SOC_PERIODS.index(start) if start else None
        shock = rng.normal(0, 0.004, len(SOC_PERIODS))  # what the whole school shares in a term
        pupils = np.array([np.clip(rng.normal(level, 0.03), 0.02, None) for _ in range(SOC_PUPILS)])
        for k, period in enumerate(SOC_PERIODS):
            e = k - g if g is not None else -1
            tau = _soc_effect(school, e) if g is not None else 0.0
            if g is not None and e >= 0:
                cells.append(tau)
            y = np.clip(pupils + SOC_TREND[k] + shock[k] + tau + rng.normal(0, 0.012, SOC_PUPILS), 0.0, 1.0)
            grp = "insats" if start else "jämförelse"
            rows.append(f"franvaro;{grp};{period};{school};{start};{_comma(float(np.mean(y)), 4)};{SOC_PUPILS}")
    csv = ("\n".join(rows) + "\n").encode("utf-8")
    yaml_text = SOC_YAML.format(header=HEADER_COMMENT.format(seed=SEED), insatsstart=SOC_INSATSSTART)
    # The overall effect the staggered design targets: the mean over treated school-terms after the start
    # (equal cohort sizes, so each cohort's post-start terms weigh by how many there are).
    return yaml_text, csv, {"franvaro": float(np.mean(cells))}


# --- Gottsunda (one treated district: synthetic control) ---------------------------------------

GOTT_QUARTERS = [f"{y}-Q{q}" for y in range(2016, 2023) for q in range(1, 5)]
GOTT_INSATSSTART = "2021-01-01"
GOTT_DISTRICTS = ("Valsätra", "Sävja", "Gränby", "Kvarngärdet", "Eriksberg", "Luthagen", "Svartbäcken",
                  "Stenhagen", "Salabacke", "Årsta", "Flogsta", "Norby", "Fålhagen", "Löten")
GOTT_MIX = {"Valsätra": 0.4, "Stenhagen": 0.35, "Gränby": 0.25}  # what Gottsunda is built from, before the start
GOTT_EFFECT = (-0.6, -1.0, -1.4, -1.6, -1.8, -1.9, -2.0, -2.0)  # per quarter from 2021-Q1

GOTT_YAML = """\
{header}#
# Exempel på en insats i ett enda område: Gottsunda jämförs med fjorton andra stadsdelar.
# Med design: auto blir analysen syntetisk kontroll: en viktad blandning av de andra
# stadsdelarna som följer Gottsunda före start, och ett placebotest där varje stadsdel i tur
# och ordning behandlas som om den hade fått insatsen. Perioderna är kvartal (2021-Q1), och
# antal är stadsdelens folkmängd (ett värde står för många invånare, inte för en person).

projekt: Trygghetsinsatser i Gottsunda
diarienummer: KSN-2021-0117
ansvarig_nämnd: Socialnämnden
handläggare: Ali Hassan
insatsstart: {insatsstart}
kommun: Uppsala kommun
period: 2021–2022
målgrupp: Barn, unga och vuxna i Gottsunda
beskrivning: >-
  Uppsala rekvirerade statsbidrag för insatser i Gottsunda, ett av polisens utsatta områden.
  Medlen finansierade sociala insatsgrupper, förstärkt områdesbaserat arbete inom
  socialförvaltningen och samverkan med polis, skola och civilsamhälle. Uppgifterna i
  utfall.csv är syntetiska och framtagna för att visa verktyget; de bygger inte på verklig
  brottsstatistik.
datakälla: Anmälda brott per stadsdel och kvartal (polisens öppna statistik, omräknad per invånare)

indikatorer:
  - id: brott_offentlig_miljo
    namn: Anmälda brott i offentlig miljö per 1 000 invånare och kvartal
    typ: medelvärde
    bättre: lägre
    effektmål: -1       # ett anmält brott färre per 1 000 invånare och kvartal
    design: auto
"""


def _gottsunda(rng: np.random.Generator) -> tuple[str, bytes, dict[str, float]]:
    n = len(GOTT_QUARTERS)
    t = np.arange(n)
    factors = np.vstack([np.ones(n), t / n, np.cos(2 * np.pi * (t % 4) / 4), np.cumsum(rng.normal(0, 0.25, n))])
    loadings = {d: np.array([rng.uniform(3, 9), rng.normal(-0.5, 1.0), rng.uniform(0.3, 1.0), rng.uniform(0.5, 1.5)])
                for d in GOTT_DISTRICTS}
    paths = {d: factors.T @ loadings[d] + rng.normal(0, 0.15, n) for d in GOTT_DISTRICTS}
    base = factors.T @ sum(w * loadings[d] for d, w in GOTT_MIX.items()) + rng.normal(0, 0.15, n)
    start = GOTT_QUARTERS.index("2021-Q1")
    effect = np.zeros(n)
    effect[start:] = GOTT_EFFECT
    paths = {"Gottsunda": base + effect, **paths}
    # antal: the district's population, so that a district's rate is not taken for a small group of people
    population = {d: int(rng.integers(40, 250)) * 100 for d in paths}
    rows = ["indikator;grupp;period;enhet;värde;antal"]
    for district, values in paths.items():
        grp = "insats" if district == "Gottsunda" else "jämförelse"
        for quarter, value in zip(GOTT_QUARTERS, values, strict=True):
            rows.append(f"brott_offentlig_miljo;{grp};{quarter};{district};{_comma(max(value, 0.0), 2)};"
                        f"{population[district]}")
    csv = ("\n".join(rows) + "\n").encode("utf-8")
    yaml_text = GOTT_YAML.format(header=HEADER_COMMENT.format(seed=SEED), insatsstart=GOTT_INSATSSTART)
    return yaml_text, csv, {"brott_offentlig_miljo": float(np.mean(GOTT_EFFECT))}


# --- writing -----------------------------------------------------------------------------------


def _comma(value: float, decimals: int) -> str:
    """Format a number with a decimal comma, as Swedish Excel writes it."""
    return f"{value:.{decimals}f}".replace(".", ",")


def build_examples() -> dict[str, tuple[str, bytes, dict[str, float]]]:
    """Generate every example in memory: slug -> (projekt.yaml text, utfall.csv bytes, true effects).

    The true effects are the expected effects built into the data, per indicator, in the
    units of ``värde`` (what a perfect estimator would find on average over new draws).
    """
    # One independent stream per example, so that changing one leaves the others as they are.
    streams = np.random.default_rng(SEED).spawn(len(SLUGS))
    makers = (_skolnarvaro, _sofiamodellen, _supported_education, _socialarbetare, _gottsunda)
    return {slug: make(rng) for slug, make, rng in zip(SLUGS, makers, streams, strict=True)}


def write_examples(root: Path = INPUTS) -> list[Path]:
    """(Re)write the example project folders ``root/<slug>/`` and return the written files.

    Parameters
    ----------
    root
        The folder that holds the project folders, by default the repository's ``inputs/``.

    Returns
    -------
    list of Path
        ``projekt.yaml`` and ``utfall.csv`` for each example, in the order of ``SLUGS``.

    Example
    -------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_examples(Path(tmp))][:2]
    ['projekt.yaml', 'utfall.csv']
    """
    written: list[Path] = []
    for slug, (yaml_text, csv, _truth) in build_examples().items():
        folder = Path(root) / slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "projekt.yaml").write_bytes(yaml_text.encode("utf-8"))
        (folder / "utfall.csv").write_bytes(csv)
        written += [folder / "projekt.yaml", folder / "utfall.csv"]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Skriv exempelprojekten (syntetiska data) under inputs/.")
    parser.add_argument("--out", type=Path, default=INPUTS, help="mapp att skriva till (standard: inputs/)")
    parser.add_argument("--visa-effekter", action="store_true", help="skriv ut de inbyggda sanna effekterna")
    args = parser.parse_args(argv)
    for path in write_examples(args.out):
        print(path)
    if args.visa_effekter:
        for slug, (_yaml, _csv, truth) in build_examples().items():
            for ind, value in truth.items():
                print(f"{slug}\t{ind}\t{value:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
