"""Command line: ``sif-eval`` and its subcommands (ny, validera, run, reproduce, batch, ansökan, prioritera,
pseudonymisera).

It only parses arguments and hands over to the library; a user's mistake
prints a Swedish message and exits with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import signal
import sys
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import InputError, SifEvalError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' är inget datum; skriv ÅÅÅÅ-MM-DD, t.ex. 2022-02-02.") from None


GUIDE = "docs/anvandarguide.md"
MAIN_EPILOG = f"""\
Exempel:
  sif-eval ny mitt-projekt                      skapa inputs/mitt-projekt/ att fylla i
  sif-eval validera inputs/mitt-projekt         kontrollera indata, kör ingenting
  sif-eval run inputs/skolnarvaro               analys och dokument i outputs/skolnarvaro/<id>/
  sif-eval reproduce outputs/skolnarvaro/<id>   kör en gammal körning igen och jämför
  sif-eval batch inputs/                        alla projekt och den samlade utvärderingen
  sif-eval ansökan inputs/lasframjande-team      projektplan för en ansökan, med vad utvärderingen kan visa
  sif-eval prioritera inputs/                   rangordna årets ansökningar för styrgruppen
  sif-eval pseudonymisera inputs/mitt-projekt --kolumn enhet

Användarguide: {GUIDE}. Alla nycklar i indatafilerna: docs/nycklar.md.
"""


def _folders_note() -> str:
    """Which inputs/ and outputs/ the defaults point at, for --help."""
    from . import paths

    why = ("arbetskatalogen, eftersom den har en mapp inputs/" if paths.DATA_ROOT_IS_CWD or paths.DATA_ROOT == Path.cwd().resolve()
           else "installationens; arbetskatalogen har ingen mapp inputs/")
    return f"Mappar: standard är inputs/ och outputs/ i {paths.DATA_ROOT} ({why})."
_ARGPARSE_SV = (  # argparse's own messages, which are English whatever the locale
    (re.compile(r"the following arguments are required: (.*)"), r"dessa argument saknas: \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"okända argument: \1"),
    (re.compile(r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)"), r"\1: okänt val \2 (välj bland \3)"),
    (re.compile(r"argument (\S+): invalid (\w+) value: (.*)"), r"\1: \3 är inget giltigt värde"),
    (re.compile(r"argument (\S+): expected one argument"), r"\1: ett värde behövs efter flaggan"),
    (re.compile(r"^argument (\S+): "), r"\1: "),
)


class _SwedishFormatter(argparse.HelpFormatter):
    """Swedish headings; a text line that starts with two spaces (an example command) is kept as written."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "användning: " if prefix is None else prefix)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for line in text.splitlines():
            if line.startswith("  ") or not line.strip():
                out.append(indent + line)
            else:
                out.append(textwrap.fill(" ".join(line.split()), width, initial_indent=indent, break_on_hyphens=False,
                                         subsequent_indent=indent))
        return "\n".join(out)


class _SwedishParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", _SwedishFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argument"
        self._optionals.title = "flaggor"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="visa hjälpen och avsluta")

    def error(self, message: str) -> None:  # exit 2 with a Swedish hint
        for pattern, swedish in _ARGPARSE_SV:
            message = pattern.sub(swedish, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"sif-eval: fel i kommandot: {message}\nSe '{self.prog} --help'.\n")


def build_parser() -> argparse.ArgumentParser:
    p = _SwedishParser(prog="sif-eval", description="Utvärdering av sociala investeringsfonder: effektanalys och "
                       "dokument i Word och PDF. Skriv 'sif-eval KOMMANDO --help' för hjälp om ett kommando.",
                       epilog=MAIN_EPILOG + _folders_note())
    p.add_argument("--version", action="version", version=f"sif-eval {__version__}",
                   help="visa versionen och avsluta")
    sub = p.add_subparsers(dest="command", metavar="KOMMANDO", parser_class=_SwedishParser, title="kommandon")
    new = sub.add_parser("ny", help="skapa en ny projektmapp med projekt.yaml och en Excel-arbetsbok att fylla i",
                         description="Skapar inputs/<namn>/ med projekt.yaml (varje nyckel förklarad i en kommentar) "
                         "och utfall.xlsx (instruktioner, bladet utfall med rullistor för grupp och indikator, bladet "
                         "ekonomi och exempelrader). Exemplet är ett giltigt projekt: byt ut exempelraderna mot "
                         "projektets data och kör sedan 'sif-eval validera'. En mapp som redan finns ändras aldrig.",
                         epilog="Exempel: sif-eval ny mitt-projekt")
    new.add_argument("namn", help="projektets kortnamn, blir mappens namn, t.ex. mitt-projekt")
    new.add_argument("--inputs", type=Path, default=None, metavar="MAPP",
                     help="mappen där projektmappen skapas (standard: inputs/ i arbetskatalogen om den har inputs/, annars installationens)")
    run = sub.add_parser("run", help="kör ett projekt: analys, resultat och dokument i en ny körningsmapp",
                         description="Kontrollerar indata, kör effektanalysen och skapar utvärderingsrapporten i "
                         "Word och PDF i en ny mapp under outputs/<projekt>/. Stegen visas medan körningen pågår, sedan "
                         "dokumentens sökvägar. Sista raden är körningens mapp. Kod 0: klar, 1: körningen "
                         "misslyckades, 2: fel i indata (inget skrivs).",
                         epilog="Exempel: sif-eval run inputs/skolnarvaro --rapportdatum 2022-02-02")
    run.add_argument("projekt", type=Path, help="projektmappen, t.ex. inputs/skolnarvaro")
    run.add_argument("--outputs", type=Path, default=None, metavar="MAPP",
                     help="var körningsmappar skapas (standard: outputs/ i arbetskatalogen om den har inputs/, annars installationens)")
    run.add_argument("--rapportdatum", type=_date, default=None, metavar="DATUM",
                     help="datum i dokumenten, ÅÅÅÅ-MM-DD (standard: i dag)")
    rep = sub.add_parser("reproduce", aliases=["reproducera"],
                         help="kör en arkiverad körning igen från dess eget arkiv och jämför",
                         description="Kontrollerar arkivets kontrollsummor, kör om från de arkiverade indata, mallarna "
                         "och anteckningsboken till en ny körningsmapp och jämför resultat.json tal för tal och "
                         "dokumenten byte för byte. Utan --isolerat körs dagens installerade sif-eval, och varje "
                         "modul som skiljer sig från den arkiverade nämns. Med --isolerat byggs en virtuell miljö "
                         "av körningens paketversioner och den arkiverade sif-eval (sparas i ~/.cache/sif-eval/ "
                         "och återanvänds). Kod 0: identisk, 1: skiljer sig, 2: arkivet är skadat eller kan inte "
                         "köras isolerat.",
                         epilog="Exempel: sif-eval reproduce outputs/skolnarvaro/20220202T101500")
    rep.add_argument("korning", type=Path, help="körningsmappen, outputs/<projekt>/<körnings-id>")
    rep.add_argument("--outputs", type=Path, default=None, metavar="MAPP",
                     help="var den nya körningen skapas (standard: bredvid)")
    rep.add_argument("--isolerat", action="store_true",
                     help="kör om med den arkiverade sif-eval och körningens paketversioner i en egen virtuell miljö")
    val = sub.add_parser("validera", help="kontrollera ett projekts indata utan att köra något",
                         description="Gör alla kontroller som 'sif-eval run' gör, men kör ingenting och skriver "
                         "ingenting. Är indata giltiga visas vad som hittades: indikatorer, perioder, grupper och "
                         "enheter, vilken design auto väljer och varför, och om ekonomi och kalkyl finns. Kod 0: "
                         "giltiga, 2: fel i indata (alla fel listas).",
                         epilog="Exempel: sif-eval validera inputs/skolnarvaro")
    val.add_argument("projekt", type=Path, help="projektmappen, t.ex. inputs/skolnarvaro")
    pse = sub.add_parser("pseudonymisera", help="ersätt en kolumn (t.ex. personnummer) med kodade värden",
                         description="Ersätter varje värde i kolumnen med en kod (P- och 12 tecken) som räknas fram "
                         "med HMAC-SHA256 och ett hemligt salt: samma värde får samma kod, men koden går inte att "
                         "räkna tillbaka. Filen skrivs över; ingen kopia av originalet sparas i projektmappen. "
                         "Saltet sparas utanför inputs/ och outputs/ (standard: ~/.config/sif-eval/salt).",
                         epilog="Exempel: sif-eval pseudonymisera inputs/skolnarvaro --kolumn enhet")
    pse.add_argument("projekt", type=Path, help="projektmappen, t.ex. inputs/skolnarvaro")
    pse.add_argument("--kolumn", required=True, help="kolumnen som ska kodas, t.ex. enhet")
    pse.add_argument("--salt-fil", type=Path, default=None,
                     help="fil med saltet; skapas om den saknas (standard: ~/.config/sif-eval/salt)")
    pse.add_argument("--fil", default=None, help="filen i projektmappen (standard: utfall.csv eller utfall.xlsx)")
    ans = sub.add_parser("ansökan", aliases=["ansokan"],
                         help="en ansökans projektplan med kalkyl och vad utvärderingen kan upptäcka",
                         description="Skapar projektplanen för en ansökan (status: ansökan i projekt.yaml) i Word och "
                         "PDF och plan.json i en ny mapp under outputs/<projekt>/: behov, insats och evidens, "
                         "kalkylen med utbetalningar, återföring och underhåll, planerna för uppföljning, utvärdering "
                         "och implementering, och för varje indikator den minsta effekt den planerade utvärderingen "
                         "kan upptäcka. Inga utfallsdata behövs. Kod 0: klar, 1: misslyckades, 2: fel i indata.",
                         epilog="Exempel: sif-eval ansökan inputs/lasframjande-team")
    ans.add_argument("projekt", type=Path, help="ansökans mapp, t.ex. inputs/lasframjande-team")
    ans.add_argument("--outputs", type=Path, default=None, metavar="MAPP",
                     help="var körningsmappar skapas (standard: outputs/)")
    ans.add_argument("--rapportdatum", type=_date, default=None, metavar="DATUM",
                     help="datum i dokumentet, ÅÅÅÅ-MM-DD (standard: i dag)")
    pri = sub.add_parser("prioritera", help="rangordna årets ansökningar efter urvalskriterierna",
                         description="Läser varje mapp under MAPP med status: ansökan, bedömer ansökningarna efter "
                         "urvalskriterierna (effektivitet, uppföljning och utvärdering, varaktighet, "
                         "implementeringsbarhet, barn och unga) med poäng och skäl, och skapar en tjänsteskrivelse "
                         "till styrgruppen med rangordningen i Word och PDF under outputs/ansokningar/. Kod 0: klar, "
                         "2: fel i indata.",
                         epilog="Exempel: sif-eval prioritera inputs/")
    pri.add_argument("inputs", type=Path, metavar="MAPP", help="mappen med ansökningarna, t.ex. inputs/")
    pri.add_argument("--outputs", type=Path, default=None, metavar="MAPP",
                     help="var körningsmappen skapas (standard: outputs/)")
    pri.add_argument("--rapportdatum", type=_date, default=None, metavar="DATUM",
                     help="datum i dokumentet, ÅÅÅÅ-MM-DD (standard: i dag)")
    bat = sub.add_parser("batch", help="kör alla projekt parallellt och gör den årliga samlade utvärderingen",
                         description="Kör varje projektmapp under MAPP (en mapp med projekt.yaml) parallellt, "
                         "återanvänder projekt vars indata och mallar inte ändrats sedan senaste klara körning, och "
                         "skapar sedan den samlade utvärderingen, en tjänsteskrivelse till kommunstyrelsen och "
                         "fondens status i Word och PDF under outputs/samlad/<år>/. Fondens pengar läses från "
                         "MAPP/fond.yaml. Kod 0: allt klart, 1: något projekt misslyckades, 2: fel i indata, "
                         "143/130: avbruten (SIGTERM/Ctrl-C; det som hann bli klart visas). "
                         "Sista raden är den samlade utvärderingens mapp.",
                         epilog="Exempel: sif-eval batch inputs/ --år 2020 --workers 4 (på ett kluster: "
                         "sif-eval batch inputs/ --dask tcp://10.0.0.5:8786)")
    bat.add_argument("inputs", type=Path, metavar="MAPP", help="mappen med projektmapparna och fond.yaml, t.ex. inputs/")
    bat.add_argument("--outputs", type=Path, default=None, metavar="MAPP",
                     help="var körningsmappar skapas (standard: outputs/ i arbetskatalogen om den har inputs/, annars installationens)")
    bat.add_argument("--år", "--ar", dest="ar", type=int, default=None, metavar="ÅR",
                     help="utvärderingsåret (standard: fond.yamls senaste år, högst rapportdatumets år)")
    bat.add_argument("--workers", type=int, default=None, metavar="N", help="antal parallella processer (standard: en per kärna)")
    bat.add_argument("--dask", default=None, metavar="ADRESS|local",
                     help="kör på ett Dask-kluster: schemaläggarens adress, eller local för ett lokalt kluster "
                     "med två arbetare")
    bat.add_argument("--force", action="store_true", help="kör alla projekt på nytt även om inget ändrats")
    bat.add_argument("--rapportdatum", type=_date, default=None, metavar="DATUM",
                     help="datum i dokumenten, ÅÅÅÅ-MM-DD (standard: i dag)")
    return p


def _pseudonymise(args: argparse.Namespace) -> int:
    from .privacy.pseudonym import pseudonymise

    done = pseudonymise(args.projekt, args.kolumn, salt_file=args.salt_fil, file=args.fil)
    print(f"Kolumnen '{done.column}' i {done.file.name} är ersatt med koder: {done.cells} celler, "
          f"{done.values} olika värden.")
    if done.already_coded:
        print(f"{done.already_coded} celler hade redan koder och lämnades som de var.")
    print(f"Saltet {'skapades i' if done.salt_created else 'lästes från'} {done.salt_file}. Förvara det skyddat "
          "och utanför inputs/ och outputs/: samma salt ger samma koder nästa gång, och den som har saltet kan "
          "pröva fram vilka personnummer som står bakom koderna.")
    print(f"{done.file.name} har skrivits över. Ingen kopia av originalet sparas i projektmappen, eftersom den "
          "skulle innehålla personuppgifterna. Har du en egen kopia av originalfilen (t.ex. exporten ur "
          "verksamhetssystemet eller en bilaga i e-post), radera den eller förvara den enligt era rutiner för "
          "sekretessuppgifter.")
    if done.remaining:
        print("Det finns fortfarande personnummer i projektmappen:", file=sys.stderr)
        for problem in done.remaining:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    return 0


def _validate(project: Path) -> int:
    from . import paths
    from .runs.overview import describe, run_history
    from .runs.project import load_checked

    print("Kontrollerar indata …", file=sys.stderr)
    loaded = load_checked(project)
    for line in describe(loaded):
        print(line)
    from .inputs.keys import unknown_keys
    from .inputs.municipality import municipality_file

    for warning in unknown_keys(loaded.directory or project, municipality_file(loaded.directory or project)):
        print(f"Varning: {warning}")
    if not loaded.observations.empty:  # a report back to a funder may have no indicators at all
        _small_numbers_note(loaded)
    for line in run_history(paths.OUTPUTS, loaded.project.slug):
        print(line)
    print(f"Nästa steg: sif-eval run {project}")
    return 0


def _new_project(args: argparse.Namespace) -> int:
    from .inputs.scaffold import scaffold

    done = scaffold(args.namn, args.inputs)
    shown = done.directory.resolve()
    if shown.is_relative_to(Path.cwd()):  # inputs/mitt-projekt reads better than a long absolute path
        shown = shown.relative_to(Path.cwd())
    print(f"Projektmappen {shown} är skapad med:")
    print(f"  {done.files[0].name}  projektets uppgifter och indikatorer; varje nyckel förklaras i en kommentar")
    print(f"  {done.files[1].name}  bladen Instruktioner, utfall (med rullistor), ekonomi och Listor")
    print("Exempelraderna är påhittade men giltiga. Byt ut dem mot projektets data och kontrollera med:")
    print(f"  sif-eval validera {shown}")
    print(f"Se {GUIDE} för hur data läggs upp.")
    return 0


def _small_numbers_note(loaded) -> None:
    """Tell the evaluator which groups and counts are too small for a public document."""
    from .privacy import small_numbers as privacy

    threshold = loaded.municipality.minsta_antal  # the same kommun.yaml, read the same way, as `run`
    verdict = privacy.assess(loaded.observations, threshold, loaded.project.indikatorer)
    for decided in verdict.indikatorer:  # the same function and sentences as `run` puts in the report
        for note in decided.notes():
            print(f"  Små tal: {note}")
        if decided.grund == "okänd" and not decided.withheld:
            print("    Fyll i kolumnen antal i utfallet (hur många individer varje rad står för; 1 om raden gäller "
                  "en person) så att regeln kan prövas.")


def _on_sigterm(signum: int, _frame: object) -> None:
    from .errors import RunInterrupted

    raise RunInterrupted(signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)  # exit 143 with a Swedish message, never a traceback
    try:
        if args.command == "validera":
            return _validate(args.projekt)
        if args.command == "ny":
            return _new_project(args)
        if args.command == "pseudonymisera":
            return _pseudonymise(args)
        if args.command == "batch":
            from .runs.batch import run_batch

            done = run_batch(args.inputs, args.outputs, args.ar, args.workers, args.dask, args.force, args.rapportdatum)
            print(done.summary(), file=sys.stderr)
            if done.consolidated:
                print(done.consolidated)
            return done.exit_code
        if args.command in ("reproduce", "reproducera"):
            from .runs.reproduce import reproduce

            comparison = reproduce(args.korning, args.outputs, progress=lambda msg: print(msg, file=sys.stderr),
                                   isolated_env=args.isolerat)
            print(comparison.verdict())
            return 0 if comparison.identical else 1
        if args.command in ("ansökan", "ansokan", "prioritera"):
            if args.command == "prioritera":
                from .runs.priority import run_priority as run_entry
            else:
                from .runs.application import run_application as run_entry

            done = run_entry(args.projekt if args.command != "prioritera" else args.inputs, args.outputs,
                             args.rapportdatum, progress=lambda msg: print(msg, file=sys.stderr))
            print("Dokument:", file=sys.stderr)
            for doc in done.documents:
                print(f"  {doc}", file=sys.stderr)
            print(done.run_dir)
            return 0
        from .runs.warm import PROJECT_PRELOAD, WarmKernel

        # The kernel (and its imports of pandas, statsmodels, matplotlib) starts first, beside this
        # process's own imports and the validation of the inputs; an input error stops it again.
        kernel = WarmKernel(PROJECT_PRELOAD).start_in_background()
        try:
            from .runs.project import run_project

            outcome = run_project(args.projekt, args.outputs, args.rapportdatum, kernel=kernel,
                                  progress=lambda msg: print(msg, file=sys.stderr))
        finally:
            kernel.shutdown()
        print("Dokument:", file=sys.stderr)
        for doc in outcome.documents:
            print(f"  {doc}", file=sys.stderr)
        print(outcome.run_dir)
        return 0
    except InputError as exc:
        print(exc.swedish(), file=sys.stderr)
        return exc.exit_code
    except SifEvalError as exc:
        print(f"sif-eval: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("sif-eval: avbrutet med Ctrl-C (SIGINT).", file=sys.stderr)
        return 130
    except OSError as exc:  # a file-system failure outside a run folder (e.g. a full disk): no traceback
        from .runs.archive import describe_os_error

        print(f"sif-eval: {describe_os_error(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
