"""Command line: ``sif-eval run`` and ``sif-eval validera``.

It only parses arguments and hands over to the library; a user's mistake
prints a Swedish message and exits with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import InputError, SifEvalError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' är inget datum; skriv ÅÅÅÅ-MM-DD, t.ex. 2022-02-02.") from None


class _SwedishParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with a Swedish hint
        self.print_usage(sys.stderr)
        self.exit(2, f"sif-eval: fel i kommandot: {message}\nSe 'sif-eval --help'.\n")


def build_parser() -> argparse.ArgumentParser:
    p = _SwedishParser(prog="sif-eval", description="Utvärdering av sociala investeringsfonder: effektanalys och "
                       "dokument i Word och PDF.", epilog="Exempel: sif-eval run inputs/skolnarvaro")
    p.add_argument("--version", action="version", version=f"sif-eval {__version__}")
    sub = p.add_subparsers(dest="command", metavar="KOMMANDO", parser_class=_SwedishParser)
    run = sub.add_parser("run", help="kör ett projekt: analys, resultat och dokument i en ny körningsmapp",
                         description="Kontrollerar indata, kör effektanalysen och skapar utvärderingsrapporten i "
                         "Word och PDF i en ny mapp under outputs/<projekt>/. Sista raden är körningens mapp.",
                         epilog="Exempel: sif-eval run inputs/skolnarvaro --rapportdatum 2022-02-02")
    run.add_argument("projekt", type=Path, help="projektmappen, t.ex. inputs/skolnarvaro")
    run.add_argument("--outputs", type=Path, default=None, help="var körningsmappar skapas (standard: outputs/)")
    run.add_argument("--rapportdatum", type=_date, default=None, help="datum i dokumenten, ÅÅÅÅ-MM-DD (standard: i dag)")
    rep = sub.add_parser("reproduce", aliases=["reproducera"],
                         help="kör en arkiverad körning igen från dess eget arkiv och jämför",
                         description="Kontrollerar arkivets kontrollsummor, kör om från de arkiverade indata, mallarna "
                         "och anteckningsboken till en ny körningsmapp och jämför resultat.json tal för tal och "
                         "dokumenten byte för byte. Kod 0: identisk, 1: skiljer sig, 2: arkivet är skadat.",
                         epilog="Exempel: sif-eval reproduce outputs/skolnarvaro/20220202T101500")
    rep.add_argument("korning", type=Path, help="körningsmappen, outputs/<projekt>/<körnings-id>")
    rep.add_argument("--outputs", type=Path, default=None, help="var den nya körningen skapas (standard: bredvid)")
    val = sub.add_parser("validera", help="kontrollera ett projekts indata utan att köra något",
                         epilog="Exempel: sif-eval validera inputs/skolnarvaro")
    val.add_argument("projekt", type=Path, help="projektmappen")
    return p


def _validate(project: Path) -> int:
    from .analysis import choose_design
    from .loading import load_project

    loaded = load_project(project)
    p, obs = loaded.project, loaded.observations
    print(f"Indata för {p.projekt} ({p.diarienummer}) är giltiga: {len(obs)} rader.")
    for ind in p.indikatorer:
        rows = obs[obs["indikator"] == ind.id]
        design, reason = choose_design(rows, ind)
        groups = ", ".join(sorted(rows["grupp"].unique()))
        print(f"  - {ind.id} ({ind.namn}): {rows['period'].nunique()} perioder, grupper: {groups}; "
              f"design {design}. {reason}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "validera":
            return _validate(args.projekt)
        if args.command in ("reproduce", "reproducera"):
            from .reproduce import reproduce

            comparison = reproduce(args.korning, args.outputs, progress=lambda msg: print(msg, file=sys.stderr))
            print(comparison.verdict())
            return 0 if comparison.identical else 1
        from .runner import run_project

        outcome = run_project(args.projekt, args.outputs, args.rapportdatum,
                              progress=lambda msg: print(msg, file=sys.stderr))
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
        print("sif-eval: avbrutet.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
