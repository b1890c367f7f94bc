"""Every key the input files accept, with what it does, in one place.

The readers' own key lists (``REQUIRED_KEYS``, ``KALKYL_KEYS``, ``TOP_KEYS`` …)
are imported here and each key is given a Swedish description; the reference
page ``docs/nycklar.md`` is generated from this module
(``python -m sif_eval.inputs.keys > docs/nycklar.md``) and a test fails when
the page, the descriptions or the readers' lists disagree.  ``validera``
uses the same lists to warn about unknown keys and suggest the nearest one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..paths import FUND_FILE, INSATSER_FILE, KALKYL_FILE, MUNICIPALITY_FILE, PROJECT_FILE
from ._read import _parse_yaml, decode, fold
from .economy import COST_KEYS, ECONOMY_SECTION_KEYS, KALKYL_KEYS, POST_KEYS
from .fund import FLOW_KEYS, GRANT_KEYS, TOP_KEYS
from .project import REQUIRED_KEYS

APPLICATION_KEYS = ("status", "ansökan")  # sif-eval ansökan (inputs/application.py reads the ansökan section)
PREPARATION_KEYS = ("barnperspektiv", "jämställdhet", "näringsliv")
DECISION_KEYS = ("rekommendation", "förslag_till_beslut", "föredragning")
FUNDER_KEYS = ("bidragsgivare", "område", "beslut_datum", "bakgrund", "slutsatser")
PROJECT_OPTIONAL = ("beskrivning", "målgrupp", "rapporttyp", "period", "kommun", "datakälla", "övergångsperiod", *PREPARATION_KEYS, *DECISION_KEYS,
                    *FUNDER_KEYS, "kalkyl", "ekonomi", "återföring", *ECONOMY_SECTION_KEYS[:3], *APPLICATION_KEYS)
APPLICATION_INDICATOR_KEYS = ("baslinje", "standardavvikelse", "autokorrelation", "frekvens", "datakälla", "ansvarig")
INDICATOR_KEYS = ("id", "namn", "typ", "bättre", "effektmål", "design", "övergångsperiod", "nämnare", "per",
                  *APPLICATION_INDICATOR_KEYS)
MUNICIPALITY_KEYS = ("kommun", "förvaltning", "adressat", "fond", "undertecknare", "beslutet_skickas_till",
                     "logotyp", "minsta_antal")
SIGNER_KEYS = ("namn", "titel")
INSATS_KEYS = ("namn", "nämnd", "beskrivning", "resultat", "fortsättning")

DESCRIPTIONS: dict[str, str] = {
    # projekt.yaml
    "projekt": "Projektets namn, som det ska stå i dokumenten.",
    "diarienummer": "Ärendets diarienummer, t.ex. KSN-2018-0421; står på första sidan och i sidhuvudet.",
    "ansvarig_nämnd": "Nämnden som driver insatsen, t.ex. Utbildningsnämnden.",
    "handläggare": "Handläggarens namn; står på första sidan.",
    "insatsstart": "Dagen insatsen startade (ÅÅÅÅ-MM-DD). En period som börjar denna dag eller senare räknas som efter.",
    "indikatorer": "Lista med indikatorerna som följs (se tabellen för en indikator nedan).",
    "beskrivning": "Fri text om behov och insats (flera stycken går bra).",
    "målgrupp": "Vilka insatsen riktar sig till.",
    "rapporttyp": "utvärdering (standard) eller återrapportering (redovisning till en bidragsgivare).",
    "period": "Projektperioden i text, t.ex. 2018–2021.",
    "kommun": "Kommunens namn, om kommun.yaml saknas.",
    "datakälla": "Var uppgifterna kommer från; står i rapportens metodavsnitt (i en indikator: ansökans uppföljningsplan).",
    "barnperspektiv": "Tjänsteskrivelsens text om barnperspektivet under Beredning.",
    "jämställdhet": "Tjänsteskrivelsens text om jämställdhet under Beredning.",
    "näringsliv": "Tjänsteskrivelsens text om konsekvenser för näringslivet under Beredning.",
    "rekommendation": "Egen rekommendation; ersätter den som följer av resultaten i rapport och tjänsteskrivelse.",
    "förslag_till_beslut": "Egna att-satser (text eller lista); ersätter de föreslagna.",
    "föredragning": "Egen föredragning (text eller lista med stycken); ersätter den genererade.",
    "bidragsgivare": "Återrapportering: vem pengarna kommer från och ska återbetalas till.",
    "område": "Återrapportering: statsbidragets område.",
    "beslut_datum": "Återrapportering: datum för beslutet om bidraget.",
    "bakgrund": "Återrapportering: bakgrundstext.",
    "slutsatser": "Återrapportering: slutsatser.",
    "kalkyl": "Den socioekonomiska kalkylen, om den inte ligger i kalkyl.yaml (samma nycklar som kalkyl.yaml).",
    "ekonomi": "Avsnitt med rekvirerat_totalt, beviljat_totalt, återbetalas_till och uppgivna_belopp.",
    "återföring": "Återföringsmodell för projektet (ersätter fond.yaml:s).",
    "rekvirerat_totalt": "Rekvirerat belopp i kronor (också inom ekonomi:).",
    "beviljat_totalt": "Beviljat belopp i kronor (också inom ekonomi:).",
    "återbetalas_till": "Vem outnyttjade medel återbetalas till (också inom ekonomi:).",
    "uppgivna_belopp": "Belopp som redovisats på annat sätt, för avstämning (inom ekonomi:).",
    "ansökan": "Ansökans avsnitt (målgrupp, underhåll, implementering, utvärdering, uppföljning); se "
               "användarguiden om ansökan.",
    # an indicator
    "id": "Indikatorns id, samma som i kolumnen indikator i utfallet.",
    "namn": "Namn som det ska stå i dokumenten.",
    "typ": "andel (0–1), antal eller medelvärde; avgör enheten (andelar redovisas i procentenheter).",
    "bättre": "lägre eller högre: vilket håll som är en förbättring.",
    "effektmål": "Målet för effekten i indikatorns enhet, t.ex. -0,05 för fem procentenheter lägre andel.",
    "design": "auto (standard), före_efter, did, its eller its_kontrollerad.",
    "övergångsperiod": "Vad en period som börjar före och slutar efter insatsstart räknas som: utesluten (standard), "
                       "före eller efter; i en indikator gäller den bara den.",
    "nämnare": "Kolumnen i utfallet som värdet delas med, så att antal blir en takt (t.ex. elever).",
    "per": "Skala för takten, t.ex. 1000 för antal per 1 000.",
    "baslinje": "Ansökan: indikatorns värde före insatsen.",
    "standardavvikelse": "Ansökan: hur mycket en enhets värde varierar från period till period, när historiska "
                         "data saknas.",
    "autokorrelation": "Ansökan: hur mycket en enhets värde hänger ihop från period till period (−0,95 till 0,95).",
    "frekvens": "Ansökan: hur ofta indikatorn mäts, t.ex. varje termin.",
    "ansvarig": "Ansökan: vem som ansvarar för att indikatorn mäts.",
    # kommun.yaml
    "förvaltning": "Förvaltningen som skriver tjänsteskrivelsen.",
    "adressat": "Vem tjänsteskrivelsen går till (standard Kommunstyrelsen).",
    "fond": "Fondens namn (standard Sociala investeringsfonden).",
    "undertecknare": "Lista med namn och titel för underskrifterna.",
    "titel": "Undertecknarens titel.",
    "beslutet_skickas_till": "Lista med mottagare under Beslutet skickas till.",
    "logotyp": "Filnamn på en PNG-logotyp bredvid kommun.yaml.",
    "minsta_antal": "Minsta antal individer som får redovisas (standard 5); färre visas som <5.",
    # kalkyl.yaml
    "horisont_år": "Kalkylens tidshorisont i år.",
    "diskonteringsränta": "Real diskonteringsränta (standard 0,035).",
    "känslighet_ränta": "Räntan i känslighetsanalysen (standard 0,03).",
    "prisår": "Året beloppen uttrycks i.",
    "basår": "Året nuvärdet räknas till.",
    "dödvikt": "Andel av effekten som hade uppstått ändå (0–1).",
    "attribution": "Andel av effekten som beror på andra insatser (0–1).",
    "undanträngning": "Andel av effekten som tränger undan annat (0–1).",
    "bortfall_per_år": "Hur stor andel av effekten som avtar varje år (0–1).",
    "optimism": "Avdrag för optimism i antagandena (0–1).",
    "kostnader": "Lista med projektets kostnader.",
    "nyttoposter": "Lista med nyttoposter (undvikta kostnader).",
    "mc_dragningar": "Antal dragningar i osäkerhetsanalysen (standard 10 000).",
    "frö": "Slumpfrö för osäkerhetsanalysen, så att körningen kan upprepas.",
    "återföringsgrund": "försiktig (standard: den ände av konfidensintervallet som ligger närmast noll) eller "
                        "skattning (punktskattningen) som grund för återföringen.",
    "kommentar": "Fri kommentar; visas inte i beräkningen.",
    "indikator": "Indikatorns id som nyttoposten bygger på.",
    "antagen_effekt": "Antagen effekt när ingen skattning används.",
    "effekt": "Effekten som nyttoposten räknar med.",
    "effekt_låg": "Låg effekt i känslighetsanalysen.",
    "effekt_hög": "Hög effekt i känslighetsanalysen.",
    "antal_personer": "Hur många personer effekten gäller.",
    "enhetskostnad": "Kostnad per person och år (kronor) eller en post i enhetskostnader.csv.",
    "enhetskostnad_prisår": "Prisåret för enhetskostnaden.",
    "bärare": "Vem som bär kostnaden eller får nyttan (nämnd eller annan aktör).",
    "kommunal": "Om posten är kommunal (ja/nej).",
    "start_år": "Första året nyttan uppstår.",
    "varaktighet_år": "Hur många år nyttan varar.",
    "år": "Året.",
    "belopp": "Belopp i kronor.",
    "månader": "Antal månader kostnaden gäller.",
    # fond.yaml
    "samordnare": "Fondens samordnare; handläggare för den samlade utvärderingen.",
    "avsatt": "Avsatta medel per år.",
    "beviljat": "Beviljade medel per projekt.",
    "utbetalt": "Utbetalade medel per projekt och år.",
    "återfört": "Återförda medel per projekt och år.",
    "nämnd": "Ansvarig nämnd.",
    "status": "I projekt.yaml: ansökan för ett projekt som inte har startat (sif-eval ansökan). "
              "I fond.yaml: pågående, avslutat eller implementerat.",
    "syfte": "Projektets syfte.",
    "implementering": "Hur insatsen implementerats.",
    "utbetalningsplan": "Plan för utbetalningar.",
    "återföringsplan": "Plan för återföring.",
    # insatser.yaml
    "resultat": "Insatsens resultat i text.",
    "fortsättning": "Hur insatsen fortsätter.",
}


@dataclass(frozen=True)
class Section:
    """A set of keys that belong together in one file (top level, one indicator, one cost …)."""

    file: str
    title: str
    keys: tuple[str, ...]
    required: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section(PROJECT_FILE, "projekt.yaml", (*REQUIRED_KEYS, *PROJECT_OPTIONAL), REQUIRED_KEYS),
    Section(PROJECT_FILE, "projekt.yaml: en indikator (under indikatorer)", INDICATOR_KEYS, ("id",)),
    Section(MUNICIPALITY_FILE, "kommun.yaml", MUNICIPALITY_KEYS),
    Section(MUNICIPALITY_FILE, "kommun.yaml: en undertecknare", SIGNER_KEYS, ("namn",)),
    Section(KALKYL_FILE, "kalkyl.yaml", KALKYL_KEYS),
    Section(KALKYL_FILE, "kalkyl.yaml: en nyttopost (under nyttoposter)", POST_KEYS),
    Section(KALKYL_FILE, "kalkyl.yaml: en kostnad (under kostnader)", COST_KEYS),
    Section(FUND_FILE, "fond.yaml", TOP_KEYS),
    Section(FUND_FILE, "fond.yaml: ett projekt (under beviljat)", GRANT_KEYS),
    Section(FUND_FILE, "fond.yaml: en rad under utbetalt och återfört", FLOW_KEYS),
    Section(INSATSER_FILE, "insatser.yaml: en insats", INSATS_KEYS, ("namn", "nämnd")),
)


def reference() -> str:
    """``docs/nycklar.md``: every key of every input file with what it does."""
    lines = ["# Nycklar i indatafilerna", "",
             "Sidan skapas av `python -m sif_eval.inputs.keys > docs/nycklar.md` ur programmets egna listor; "
             "ändra inte för hand. `sif-eval validera` varnar för nycklar som inte finns här och föreslår "
             "den närmaste.", ""]
    for section in SECTIONS:
        lines += [f"## {section.title}", "", "| Nyckel | Krävs | Betydelse |", "|:--|:--|:--|"]
        for key in section.keys:
            lines.append(f"| `{key}` | {'ja' if key in section.required else 'nej'} | {DESCRIPTIONS[key]} |")
        lines.append("")
    return "\n".join(lines)


def suggest(key: str, known: tuple[str, ...]) -> str | None:
    """The nearest known key, compared folded (å/ä → a, ö → o), or None when nothing is close."""
    folded = {fold(k): k for k in known}
    match = difflib.get_close_matches(fold(key), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def _unknown(data: Any, known: tuple[str, ...], where: str, file: str) -> list[str]:
    if not isinstance(data, dict):
        return []
    names = {fold(k) for k in known}
    out = []
    for key in data:
        if fold(key) in names:
            continue
        near = suggest(str(key), known)
        hint = f" – menade du '{near}'?" if near else " – den används inte."
        out.append(f"{file}: okänd nyckel '{key}'{where}{hint}")
    return out


def unknown_keys(project_dir: Path, municipality: Path | None = None) -> list[str]:
    """Warnings for keys no reader knows, in projekt.yaml (and its indicators), kommun.yaml and insatser.yaml."""
    out: list[str] = []
    data = _raw(project_dir / PROJECT_FILE)
    if isinstance(data, dict):
        out += _unknown(data, SECTIONS[0].keys, "", PROJECT_FILE)
        for i, item in enumerate(data.get("indikatorer") or [], start=1):
            out += _unknown(item, INDICATOR_KEYS, f" i indikator nr {i}", PROJECT_FILE)
    if municipality is not None and municipality.is_file():
        out += _unknown(_raw(municipality), MUNICIPALITY_KEYS, "", MUNICIPALITY_FILE)
    insatser = project_dir / INSATSER_FILE
    for i, item in enumerate(_raw(insatser) or [] if insatser.is_file() else [], start=1):
        out += _unknown(item, INSATS_KEYS, f" i insats nr {i}", INSATSER_FILE)
    return out


def _raw(path: Path) -> Any:
    """The YAML as written (keys not folded), so a warning names the key the way the user spelt it."""
    if not path.is_file():
        return None
    problems: list[Problem] = []
    try:
        return _parse_yaml(path.name, decode(path.read_bytes()), problems)
    except Exception:  # noqa: BLE001 - the reader has already reported what is wrong with the file
        return None


if __name__ == "__main__":
    print(reference())
