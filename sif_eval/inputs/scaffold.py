"""``sif-eval ny``: a new project folder that an evaluator fills in from Excel.

Most evaluators live in Excel, not in YAML or CSV, so the scaffold is a
``projekt.yaml`` where every key is explained in a Swedish comment and a
``utfall.xlsx`` with instructions, drop-down lists and example rows.  The
example is a complete, valid project, so ``validera`` and ``run`` work at once
and show what the finished report looks like before any real data are in.
The workbook's bytes depend only on the slug (fixed zip and document times).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import paths
from ..errors import SifEvalError
from ..paths import ECONOMY_SHEET, OUTCOME_SHEET, OUTCOME_XLSX, PROJECT_FILE
from ..privacy.personnummer import contains_personal_number

INSTRUCTIONS_SHEET = "Instruktioner"
LISTS_SHEET = "Listor"
OUTCOME_HEADERS = ("indikator", "grupp", "period", "värde", "enhet", "antal")
ECONOMY_HEADERS = ("insats", "år", "nämnd", "budgeterat", "utfall", "kommentar")
GROUP_CHOICES = ("insats", "jämförelse")
VALIDATED_ROWS = 5000  # rows of the utfall sheet that get drop-down lists and input messages
FIXED_TIME = dt.datetime(2020, 1, 1)  # written into the workbook instead of "now"

EXAMPLE_INDICATOR = "hog_franvaro"
EXAMPLE_START = "2023-08-01"
# indikator, grupp, period, värde, enhet, antal: two schools with the intervention and two without,
# one term before (VT 2023) and one after (HT 2023) the start.
EXAMPLE_ROWS: tuple[tuple[str, str, str, float, str, int], ...] = (
    (EXAMPLE_INDICATOR, "insats", "2023-01", 0.21, "Skola A", 120),
    (EXAMPLE_INDICATOR, "insats", "2023-01", 0.18, "Skola B", 95),
    (EXAMPLE_INDICATOR, "jämförelse", "2023-01", 0.15, "Skola C", 110),
    (EXAMPLE_INDICATOR, "jämförelse", "2023-01", 0.14, "Skola D", 130),
    (EXAMPLE_INDICATOR, "insats", "2023-08", 0.16, "Skola A", 118),
    (EXAMPLE_INDICATOR, "insats", "2023-08", 0.14, "Skola B", 97),
    (EXAMPLE_INDICATOR, "jämförelse", "2023-08", 0.15, "Skola C", 112),
    (EXAMPLE_INDICATOR, "jämförelse", "2023-08", 0.13, "Skola D", 128),
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

_SLUG = re.compile(r"[^\W_][\w-]{0,63}")  # it becomes a folder name here and under outputs/


class ScaffoldError(SifEvalError):
    """The new project cannot be created (bad name, folder already there); nothing was written."""

    exit_code = 2


@dataclass(frozen=True)
class Scaffolded:
    """What ``ny`` created."""

    directory: Path
    files: tuple[Path, ...]


def project_name(slug: str) -> str:
    """A readable placeholder name from the slug: ``mitt-projekt`` → ``Mitt projekt``."""
    words = re.sub(r"[-_]+", " ", slug).strip()
    return words[:1].upper() + words[1:]


def project_yaml(slug: str) -> str:
    """projekt.yaml for a new project: valid as it is, every key explained in a comment."""
    return f"""\
# projekt.yaml – projektets uppgifter och indikatorer.
# Skapad med `sif-eval ny {slug}`. Text efter # är kommentarer och läses inte av programmet.
# Värdena nedan är exempel: byt ut dem mot projektets egna. Mer om varje nyckel finns i
# docs/anvandarguide.md. Kontrollera filen med: sif-eval validera inputs/{slug}

# Projektets namn, som det ska stå på rapportens försättsblad.
projekt: {project_name(slug)}
# Ärendets diarienummer. Står i dokumentens sidhuvud.
diarienummer: KSN-2024-0000
# Den nämnd som ansvarar för projektet.
ansvarig_nämnd: Utbildningsnämnden
# Den som handlägger ärendet; står i tjänsteskrivelsen.
handläggare: Förnamn Efternamn
# Dagen insatsen startade, ÅÅÅÅ-MM-DD. En period som BÖRJAR denna dag eller senare räknas som
# "efter" insatsen. Perioden 2023-08 börjar 2023-08-01: med insatsstart 2023-08-15 hade hela
# augusti 2023 räknats som "före".
insatsstart: {EXAMPLE_START}
# Valfritt: behovet, målgruppen och insatsen med egna ord. Visas i rapportens inledning.
beskrivning: >
  Beskriv här behovet, vilka insatsen riktar sig till och vad den går ut på.
# Valfritt: vilka insatsen riktar sig till, i en mening.
målgrupp: Elever i årskurs 7–9 med hög frånvaro
# Valfritt: utvärdering (standard) eller återrapportering (redovisning till en bidragsgivare).
rapporttyp: utvärdering
# Indikatorerna: det projektet ska påverka. Varje indikator börjar med "- id:"; lägg till fler
# genom att kopiera hela blocket. Skriv också nya id på bladet Listor i utfall.xlsx, så kommer
# de med i rullistan.
indikatorer:
  - id: {EXAMPLE_INDICATOR}        # kort namn utan mellanslag; samma id skrivs i kolumnen indikator i utfall.xlsx
    namn: Andel elever med hög frånvaro   # namnet som står i rapporten
    typ: andel                # andel (skrivs 0–1) | antal | medelvärde
    bättre: lägre             # lägre | högre: åt vilket håll en förbättring går
    effektmål: -0.05          # valfritt: målet för effekten i samma enhet som värdet (här −5 procentenheter)
    design: auto              # auto | före_efter | did | its; auto väljer efter vad data räcker till

# Ekonomi (valfritt): budget och utfall per år fylls i på bladet ekonomi i utfall.xlsx
# (eller i en fil ekonomi.csv). Ska pengar betalas tillbaka till en bidragsgivare, ange också:
# ekonomi:
#   rekvirerat_totalt: 1500000        # hela kronor
#   återbetalas_till: Socialstyrelsen
# Socioekonomisk kalkyl (valfritt): skrivs i kalkyl.yaml bredvid denna fil, se användarguiden.
"""


# ---------------------------------------------------------------- the workbook

_INSTRUCTIONS: tuple[tuple[str, ...], ...] = (
    ("Så fyller du i arbetsboken",),
    (),
    ("Arbetsboken läses direkt av sif-eval validera och sif-eval run. Byt inte namn på bladen eller rubrikerna.",),
    ("Exempelraderna på bladen utfall och ekonomi är påhittade. Ersätt dem med projektets egna uppgifter.",),
    ("Skriv ALDRIG personnummer, namn eller andra personuppgifter. Programmet stoppar om det hittar ett "
     "personnummer; använd sif-eval pseudonymisera för att byta ut dem mot koder.",),
    (),
    ("Bladet utfall: en rad per observation (långt format)",),
    ("kolumn", "krävs", "betydelse", "exempel"),
    ("indikator", "ja", "Indikatorns id från projekt.yaml. Välj i rullistan (listan finns på bladet Listor).",
     EXAMPLE_INDICATOR),
    ("grupp", "ja", "insats (de som fått insatsen) eller jämförelse (en liknande grupp utan insatsen). "
     "Välj i rullistan.", "insats"),
    ("period", "ja", "Skriv 2021-03-15 (dag), 2021-03 (månad), 2021-Q3 (kvartal) eller 2021 (år). Använd samma "
     "slags period för hela indikatorn. Kolumnen är formaterad som text så att Excel inte gör om perioden till "
     "ett datum. En period som börjar på eller efter insatsstart i projekt.yaml räknas som efter.", "2023-08"),
    ("värde", "ja", "Talet. Andelar skrivs som 0–1: 0,125 betyder 12,5 procent. Skriv inte procenttecken.",
     "0,16"),
    ("enhet", "nej", "Vem eller vad raden gäller: en pseudonym, en skola, ett område. Samma enhet före och efter "
     "gör data till en panel (parad jämförelse, fasta effekter). Aldrig personnummer eller namn.", "Skola A"),
    ("antal", "nej", "Hur många individer en sammanräknad rad står för. Lämna tomt för en rad per individ.",
     "118"),
    (),
    ("Bladet ekonomi (valfritt): budget och utfall i hela kronor, en rad per insats, år och nämnd",),
    ("kolumn", "krävs", "betydelse", "exempel"),
    ("insats", "ja", "Insatsens eller projektets namn.", "Koordinatorer"),
    ("år", "ja", "Året, med fyra siffror.", "2023"),
    ("nämnd", "ja", "Nämnden som har kostnaden.", "Utbildningsnämnden"),
    ("budgeterat", "ja", "Budgeterat belopp i hela kronor (inte tkr).", "1200000"),
    ("utfall", "ja", "Använt belopp i hela kronor; lämna tomt om året inte är slut.", "1150000"),
    ("kommentar", "nej", "Förklaring till en avvikelse.", "Tjänsten tillsattes i september"),
    ("", "", "Kolumnerna rekvirerat, beviljat och månader (t.ex. 6-12) får läggas till; se användarguiden.", ""),
    ("", "", "Redovisar projektet ingen ekonomi: ta bort exempelraden och lämna bara rubrikerna. "
     "Finns en fil ekonomi.csv i projektmappen används den i stället för bladet.", ""),
    (),
    ("Bladet Listor: id för indikatorerna i rullistan. Lägg till en rad när du lägger till en indikator i "
     "projekt.yaml.",),
    (),
    ("När du är klar: spara arbetsboken (som Excel-arbetsbok, .xlsx) och kör",),
    ("sif-eval validera inputs/<projekt>",),
    ("Programmet säger då vilka indikatorer, perioder och grupper det hittade och vilken design det väljer.",),
)


def _style_header(ws: Worksheet, width: dict[str, float]) -> None:
    from openpyxl.styles import Font, PatternFill

    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for col, w in width.items():
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A2"


def _column_format(ws: Worksheet, column: str, number_format: str) -> None:
    """A column's default format (what Excel gives a cell typed into it) and the filled cells' own.

    Text (``@``) keeps 2023-08 as typed instead of Excel turning it into a date.
    """
    ws.column_dimensions[column].number_format = number_format
    for row in range(2, ws.max_row + 1):
        ws[f"{column}{row}"].number_format = number_format


def _prompt(ws: Worksheet, column: str, title: str, text: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=title, prompt=text)
    dv.add(f"{column}2:{column}{VALIDATED_ROWS}")
    ws.add_data_validation(dv)


def build_workbook(indicator_ids: tuple[str, ...] = (EXAMPLE_INDICATOR,), project: str = "Projektet") -> bytes:
    """utfall.xlsx: instructions, the ``utfall`` sheet with drop-down lists, ``ekonomi``, ``Listor``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    info = wb.active
    info.title = INSTRUCTIONS_SHEET
    for row in _INSTRUCTIONS:
        info.append(list(row))
    info["A1"].font = Font(bold=True, size=14)
    for r, row in enumerate(_INSTRUCTIONS, start=1):
        if len(row) == 1 and r > 1 and row[0].startswith("Bladet"):
            info[f"A{r}"].font = Font(bold=True)
        if row[:2] == ("kolumn", "krävs"):
            for cell in info[r]:
                cell.font = Font(bold=True)
        if len(row) == 4:
            info[f"C{r}"].alignment = Alignment(wrap_text=True, vertical="top")
    for col, w in {"A": 14, "B": 8, "C": 90, "D": 30}.items():
        info.column_dimensions[col].width = w

    ws = wb.create_sheet(OUTCOME_SHEET)
    ws.append(list(OUTCOME_HEADERS))
    for _ind, grp, period, value, unit, count in EXAMPLE_ROWS:
        ws.append([indicator_ids[0], grp, period, value, unit, count])
    _style_header(ws, {"A": 22, "B": 14, "C": 12, "D": 10, "E": 16, "F": 10})
    _column_format(ws, "C", "@")
    _column_format(ws, "E", "@")
    last = VALIDATED_ROWS
    groups = DataValidation(type="list", formula1='"' + ",".join(GROUP_CHOICES) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Okänd grupp",
                            error="Skriv insats eller jämförelse (välj i listan).",
                            showInputMessage=True, promptTitle="grupp", prompt="insats eller jämförelse")
    groups.add(f"B2:B{last}")
    ws.add_data_validation(groups)
    ids = DataValidation(type="list", formula1=f"={LISTS_SHEET}!$A$2:$A$100", allow_blank=True,
                         showErrorMessage=True, errorStyle="warning", errorTitle="Okänd indikator",
                         error="Id:t finns inte på bladet Listor. Lägg till det där och i projekt.yaml.",
                         showInputMessage=True, promptTitle="indikator", prompt="Indikatorns id från projekt.yaml")
    ids.add(f"A2:A{last}")
    ws.add_data_validation(ids)
    numbers = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15",
                             allow_blank=True, showErrorMessage=True, errorTitle="Inget tal",
                             error="Skriv ett tal, t.ex. 0,25 eller 12. Andelar skrivs 0–1.",
                             showInputMessage=True, promptTitle="värde",
                             prompt="Ett tal. Andelar 0–1 (0,125 = 12,5 procent).")
    numbers.add(f"D2:D{last}")
    ws.add_data_validation(numbers)
    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="Inget antal", error="Skriv ett heltal, 0 eller mer.",
                            showInputMessage=True, promptTitle="antal (valfritt)",
                            prompt="Hur många individer raden står för.")
    counts.add(f"F2:F{last}")
    ws.add_data_validation(counts)
    _prompt(ws, "C", "period", "2021-03-15 (dag), 2021-03 (månad), 2021-Q3 (kvartal) eller 2021 (år)")
    _prompt(ws, "E", "enhet (valfri)", "Pseudonym, skola eller område. Aldrig personnummer.")

    eco = wb.create_sheet(ECONOMY_SHEET)
    eco.append(list(ECONOMY_HEADERS))
    eco.append([project, 2023, "Utbildningsnämnden", 1200000, 1150000, "Exempel: ersätt med projektets siffror"])
    _style_header(eco, {"A": 30, "B": 8, "C": 24, "D": 14, "E": 14, "F": 50})
    for col in ("D", "E"):
        _column_format(eco, col, "#,##0")

    lists = wb.create_sheet(LISTS_SHEET)
    lists.append(["indikator"])
    for ind in indicator_ids:
        lists.append([ind])
    _style_header(lists, {"A": 30})

    wb.active = 0
    wb.properties.creator = "sif-eval"
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_times(buf.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """The same workbook gives the same bytes: fixed zip entry times and document dates."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body)
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, body)
    return out.getvalue()


# ---------------------------------------------------------------- the folder


def check_slug(slug: str) -> None:
    """Refuse a name that cannot be a folder here and under outputs/, or that holds a personnummer."""

    if not _SLUG.fullmatch(slug):
        raise ScaffoldError(f"'{slug}' kan inte vara ett projektnamn. Använd bokstäver, siffror, - och _ "
                            "(högst 64 tecken, inga mellanslag eller snedstreck), t.ex. mitt-projekt.")
    if contains_personal_number(slug):
        raise ScaffoldError("projektnamnet innehåller ett personnummer. Välj ett annat namn, t.ex. "
                            "projektets kortnamn.")


def scaffold(slug: str, inputs: Path | str | None = None) -> Scaffolded:
    """Create ``<inputs>/<slug>/`` with projekt.yaml and utfall.xlsx; never touch an existing folder."""
    check_slug(slug)
    inputs = Path(inputs) if inputs is not None else paths.INPUTS
    target = inputs / slug
    if target.exists():
        raise ScaffoldError(f"mappen {target} finns redan. Inget har ändrats. Välj ett annat namn, "
                            "eller ta bort eller byt namn på mappen först.")
    inputs.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}.", dir=inputs))
    try:
        (staging / PROJECT_FILE).write_text(project_yaml(slug), encoding="utf-8")
        (staging / OUTCOME_XLSX).write_bytes(build_workbook(project=project_name(slug)))
        staging.rename(target)  # all or nothing: a half-made project folder is never left behind
    except BaseException:
        for f in staging.glob("*"):
            f.unlink()
        staging.rmdir()
        raise
    return Scaffolded(directory=target, files=(target / PROJECT_FILE, target / OUTCOME_XLSX))
