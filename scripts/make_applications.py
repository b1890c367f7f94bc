"""Create the synthetic example applications under inputs/ (status: ansökan), deterministically.

Two applications for the same year so that ``sif-eval prioritera inputs/`` has
something to rank: one with two treated schools and historical data (whose
evaluation cannot tell the assumed effect from chance), one with twelve
treated preschool areas and a stated variation (which can).  Run
``python scripts/make_applications.py``; the output is byte-identical each time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SEED = 20270215
ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
HEADER = ("# Syntetisk exempelansökan, genererad av scripts/make_applications.py (slumpfrö {seed}).\n"
          "# Redigera inte för hand: kör `python scripts/make_applications.py` för att skapa om filerna.\n")

LAS_YAML = """\
status: ansökan
projekt: Läsfrämjande team i mellanstadiet
diarienummer: KSN-2027-0112
ansvarig_nämnd: Utbildningsnämnden
handläggare: Maria Exempelsson
insatsstart: 2027-08-01
period: 2027–2029
kommun: Uppsala kommun
målgrupp: Elever i årskurs 4–6 i två skolor med låg måluppfyllelse i svenska
beskrivning: >-
  Ett läsfrämjande team (speciallärare, skolbibliotekarie och logoped) arbetar i två skolor
  med tidig kartläggning, intensiv lästräning i små grupper och handledning av lärare.
datakälla: Kunskapsresultat per skola och termin ur skolornas resultatuppföljning

ansökan:
  behov: >-
    I två av kommunens skolor når nästan var femte elev i årskurs 6 inte godkänt i svenska,
    mot var tionde i kommunen som helhet. Elever som inte läser på åldersadekvat nivå får
    oftare särskilt stöd under resten av skoltiden och lämnar oftare grundskolan utan
    gymnasiebehörighet.
  evidens: >-
    Intensiv lästräning i små grupper med strukturerad avkodningsträning har i flera
    randomiserade studier minskat andelen svaga läsare. Metoden prövas här i ordinarie
    skolmiljö.
  referenser:
    - Skolverket (2022). Läsfrämjande arbete i skolan. Stockholm.
    - Wolff, U. (2011). Effects of a randomised reading intervention study. Reading and Writing 24, 1–27.
  berörda_nämnder: [Utbildningsnämnden]
  barn_och_unga: direkt
  barnperspektiv: >-
    Insatsen riktar sig direkt till barn. Eleverna och deras vårdnadshavare tillfrågas om
    stödets utformning, och barnets bästa styr urvalet till lästräningsgrupperna.
  jämställdhetsperspektiv: >-
    Pojkar är överrepresenterade bland svaga läsare; uppföljningen redovisas uppdelat på
    kön så att insatsen når både flickor och pojkar.
  underhåll:
    beskrivning: >-
      Efter projekttiden behålls en speciallärare på halvtid per skola för kartläggning och
      handledning, så att arbetssättet lever kvar när teamet avvecklas.
    kostnad_per_år: 250000
    år: 3
    finansiering: Utbildningsnämndens ordinarie budget (kommunbidraget)
    följdinvesteringar: Inga följdinvesteringar behövs.
  implementering:
    plan: >-
      Arbetssättet förs in i skolornas elevhälsoplan under 2029 och rektorerna ansvarar för
      att kartläggningen fortsätter efter projekttiden.
    checklista:
      - punkt: Rektorerna har beslutat om schemalagd tid för lästräning
        ansvarig: Rektor
        klart: 2027-06
      - punkt: Teamet är rekryterat och introducerat
        ansvarig: Projektledare
        klart: 2027-08
      - punkt: Kartläggningsmaterial och rutin för följsamhet är på plats
        ansvarig: Projektledare
        klart: 2027-09
      - punkt: Arbetssättet är inskrivet i elevhälsoplanen
        ansvarig: Förvaltningschef
        klart: 2029-06
  uppföljning:
    ansvarig: Projektledare
  utvärdering:
    insatsenheter: 2
    jämförelseenheter: 8
    perioder_efter: 4
    periodtyp: termin
    enhet: skola
    enheter: skolor
    jämförelsegrupp: >-
      De åtta övriga kommunala skolorna med årskurs 4–6 och liknande elevsammansättning.
    utvärderare: Kommunens FoU-enhet (extern till förvaltningen)
    andel_av_budget: 0.05
    följsamhet: >-
      Teamet loggar antal lästräningstillfällen per elev; följsamheten redovisas vid delår 2 och helår.

indikatorer:
  - id: ej_godkant_svenska
    namn: Andel elever i årskurs 6 som inte når godkänt i svenska
    typ: andel
    bättre: lägre
    effektmål: -0.05
    frekvens: varje termin
    datakälla: Skolornas resultatuppföljning (betyg och bedömningar per termin)
"""

LAS_KALKYL = """\
# Ex ante-kalkyl för Läsfrämjande team (exempel). Enhetskostnaderna kommer från inputs/enhetskostnader.csv.
prisår: 2024
diskonteringsränta: 0.035
dödvikt: 0.2
attribution: {värde: 0.8, skäl: "skolans egna läsinsatser och bibliotekets lässatsning når samma elever samtidigt"}
bortfall_per_år: 0.1
optimism: {värde: 0.1, låg: 0, hög: 0.3}
horisont_år: 8
kostnader:
  - år: 2027
    belopp: 600000
    månader: 8-12
    beskrivning: Läsfrämjande team, höstterminen
  - år: 2028
    belopp: 900000
    beskrivning: Läsfrämjande team
  - år: 2029
    belopp: 400000
    månader: 1-6
    beskrivning: Läsfrämjande team, vårterminen
nyttoposter:
  - namn: Färre elever med särskilt stöd
    indikator: ej_godkant_svenska
    antagen_effekt: -0.05
    antal_personer: 300
    enhetskostnad: sarskilt_stod_lasar
    bärare: Utbildningsnämnden
    start_år: 2028
    varaktighet_år: 5
"""

FAM_YAML = """\
status: ansökan
projekt: Familjestöd i förskolan
diarienummer: KSN-2027-0140
ansvarig_nämnd: Socialnämnden
handläggare: Johan Exempelsson
insatsstart: 2027-08-01
period: 2027–2029
kommun: Uppsala kommun
målgrupp: Familjer med barn 1–5 år i tolv förskoleområden
beskrivning: >-
  Familjebehandlare finns på plats i förskolan och erbjuder föräldrastöd i grupp
  (ett evidensbaserat program) och enskilda samtal innan problemen blivit stora.
datakälla: Orosanmälningar per förskoleområde och halvår ur socialtjänstens verksamhetssystem

ansökan:
  behov: >-
    Orosanmälningarna för barn under sex år har ökat, och många familjer når socialtjänsten
    först när behoven är stora. Förskolan möter nästan alla familjer och kan erbjuda stöd tidigt.
  evidens: >-
    Föräldrastödsprogram i grupp har i systematiska översikter minskat beteendeproblem hos
    barn och förbättrat föräldrars förmåga.
  referenser:
    - Socialstyrelsen (2014). Föräldrastöd – metodguide. Stockholm.
  berörda_nämnder: [Socialnämnden, Utbildningsnämnden]
  barn_och_unga: direkt
  barnperspektiv: Barnets bästa och barnets röst beaktas genom förskolans observationer och samtal.
  jämställdhetsperspektiv: Både mammor och pappor bjuds in; deltagandet följs upp per kön.
  underhåll:
    beskrivning: Gruppledare i förskolan utbildas så att programmet kan fortsätta i ordinarie verksamhet.
    kostnad_per_år: 300000
    år: 3
    finansiering: Socialnämndens ordinarie budget
  implementering:
    plan: Programmet förs in i förskolans och socialtjänstens gemensamma rutin för tidigt stöd.
    checklista:
      - punkt: Överenskommelse mellan förskola och socialtjänst
        ansvarig: Förvaltningschefer
        klart: 2027-06
      - punkt: Gruppledare utbildade
        ansvarig: Projektledare
        klart: 2027-10
      - punkt: Rutin inskriven i samverkansöverenskommelsen
        ansvarig: Förvaltningschefer
        klart: 2029-06
  utvärdering:
    insatsenheter: 12
    jämförelseenheter: 24
    perioder_före: 4
    perioder_efter: 4
    periodtyp: halvår
    enhet: förskoleområde
    enheter: förskoleområden
    jämförelsegrupp: Kommunens övriga 24 förskoleområden.
    utvärderare: Extern utvärderare upphandlas av kommunledningskontoret
    kostnad: 200000

indikatorer:
  - id: orosanmalningar
    namn: Orosanmälningar per 100 barn och halvår
    typ: medelvärde
    bättre: lägre
    effektmål: -1.0
    baslinje: 4.0
    standardavvikelse: 0.8
    autokorrelation: 0.3
    frekvens: varje halvår
    datakälla: Socialtjänstens verksamhetssystem
    ansvarig: Enhetschef, socialtjänsten
"""

FAM_KALKYL = """\
# Ex ante-kalkyl för Familjestöd i förskolan (exempel). Kostnaden per utredd anmälan är ett exempelvärde.
prisår: 2024
dödvikt: 0.2
attribution: {värde: 0.8, skäl: "öppna förskolan och BVC når samma familjer samtidigt"}
bortfall_per_år: 0.1
horisont_år: 8
kostnader:
  - år: 2027
    belopp: 1000000
    månader: 8-12
  - år: 2028
    belopp: 2000000
  - år: 2029
    belopp: 1500000
nyttoposter:
  - namn: Färre utredningar efter orosanmälan
    indikator: orosanmalningar
    antagen_effekt: -1.0
    antal_personer: 48       # 24 hundratal barn, två halvår per år
    enhetskostnad: 60000      # kronor per utredning
    bärare: Socialnämnden
    start_år: 2028
    varaktighet_år: 5
"""


def _history(rng: np.random.Generator) -> str:
    """Eight terms before the start for ten schools: level 0,10–0,20, within-school sd 0,03, AR(1) 0,4."""
    periods = ["2023-08", "2024-01", "2024-08", "2025-01", "2025-08", "2026-01", "2026-08", "2027-01"]
    lines = ["indikator;grupp;period;enhet;värde"]
    rho, sd = 0.4, 0.03
    for s in range(10):
        group = "insats" if s < 2 else "jämförelse"
        level = 0.18 if s < 2 else rng.uniform(0.08, 0.16)
        e = rng.normal(0, sd)
        for k, per in enumerate(periods):
            if k:
                e = rho * e + rng.normal(0, sd * np.sqrt(1 - rho ** 2))
            value = min(max(level + 0.003 * k + e, 0.0), 1.0)
            lines.append(f"ej_godkant_svenska;{group};{per};Skola {chr(65 + s)};{value:.3f}".replace(".", ","))
    return "\n".join(lines) + "\n"


def main() -> None:
    rng = np.random.default_rng(SEED)
    for slug, yaml_text, kalkyl, history in (
        ("lasframjande-team", LAS_YAML, LAS_KALKYL, _history(rng)),
        ("familjestod-forskola", FAM_YAML, FAM_KALKYL, None),
    ):
        folder = INPUTS / slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "projekt.yaml").write_text(HEADER.format(seed=SEED) + yaml_text, encoding="utf-8")
        (folder / "kalkyl.yaml").write_text(kalkyl, encoding="utf-8")
        if history is not None:
            (folder / "utfall.csv").write_text(history, encoding="utf-8")
        print(folder)


if __name__ == "__main__":
    main()
