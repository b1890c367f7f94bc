"""Write N synthetic projects and a matching fond.yaml, for benchmarking ``sif-eval batch``.

The projects are variants of the three bundled examples (``make_examples.py``):
project i uses example ``i % 3`` with its own random stream, a numbered name
and its own diarienummer, so the data differ but each still leads to its
design (did, its, före_efter).  The fund ledger grants every project an
amount and records payments, so the consolidated evaluation has numbers to
add up.  Everything comes from one fixed seed: the same N gives the same files.

Usage::

    python scripts/make_batch_projects.py /tmp/bench/inputs --antal 100
    sif-eval batch /tmp/bench/inputs --outputs /tmp/bench/outputs
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_examples  # noqa: E402 - the example generators, reused

SEED = 20250101
COMMITTEES = {"skolnarvaro": "Utbildningsnämnden", "sofiamodellen": "Socialnämnden",
              "supported-education": "Arbetsmarknadsnämnden"}
MAKERS = {"skolnarvaro": make_examples._skolnarvaro, "sofiamodellen": make_examples._sofiamodellen,
          "supported-education": make_examples._supported_education}


def _variant(yaml_text: str, number: int) -> str:
    """Give the example a numbered name and its own diarienummer."""
    text = re.sub(r"(?m)^projekt: (.+)$", lambda m: f"projekt: {m.group(1)} {number}", yaml_text, count=1)
    return re.sub(r"(?m)^diarienummer: (.+)$", f"diarienummer: KSN-2019-{number:04d}", text, count=1)


def _ledger(grants: list[tuple[str, str, int, int]]) -> str:
    """A fond.yaml granting each project its amount, paid out in two years, some of it repaid."""
    total = sum(g[3] for g in grants)
    lines = ["# Syntetisk huvudbok för benchmark, skapad av scripts/make_batch_projects.py.",
             "fond: Sociala investeringsfonden", "återföring: true", "avsatt:",
             f"  2018: {total // 2}", f"  2019: {total - total // 2}", "beviljat:"]
    for slug, committee, year, amount in grants:
        lines += [f"  - projekt: {slug}", f"    nämnd: {committee}", f"    år: {year}", f"    belopp: {amount}",
                  f"    period: {year}–{year + 2}", f"    status: {'avslutat' if year == 2018 else 'pågående'}",
                  f"    syfte: Syntetiskt projekt {slug} för prestandamätning."]
    lines.append("utbetalt:")
    for slug, _committee, year, amount in grants:
        lines += [f"  - {{projekt: {slug}, år: {year}, belopp: {amount // 2}}}",
                  f"  - {{projekt: {slug}, år: {year + 1}, belopp: {amount // 4}}}"]
    lines.append("återfört:")
    for slug, committee, year, amount in grants[::5]:
        lines.append(f"  - {{nämnd: {committee}, projekt: {slug}, år: {year + 1}, belopp: {amount // 10}}}")
    return "\n".join(lines) + "\n"


def write_projects(root: Path, count: int, seed: int = SEED) -> list[Path]:
    """Write ``count`` project folders and ``fond.yaml`` under ``root``; return the project folders."""
    root.mkdir(parents=True, exist_ok=True)
    streams = np.random.default_rng(seed).spawn(count)
    kinds = list(MAKERS)
    grants, folders = [], []
    for i, rng in enumerate(streams, start=1):
        kind = kinds[(i - 1) % len(kinds)]
        yaml_text, csv, _truth = MAKERS[kind](rng)
        slug = f"{kind}-{i:03d}"
        folder = root / slug
        folder.mkdir(exist_ok=True)
        (folder / "projekt.yaml").write_bytes(_variant(yaml_text, i).encode("utf-8"))
        (folder / "utfall.csv").write_bytes(csv)
        folders.append(folder)
        amount = int(rng.integers(10, 80)) * 100_000
        grants.append((slug, COMMITTEES[kind], 2018 + (i % 2), amount))
    (root / "fond.yaml").write_text(_ledger(grants), encoding="utf-8")
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Skriv syntetiska projekt och en fond.yaml för prestandamätning "
                                     "av sif-eval batch.")
    parser.add_argument("mapp", type=Path, help="mappen att skriva projektmapparna i, t.ex. /tmp/bench/inputs")
    parser.add_argument("--antal", type=int, default=100, help="antal projekt (standard: 100)")
    parser.add_argument("--fro", type=int, default=SEED, help=f"slumpfrö (standard: {SEED})")
    args = parser.parse_args(argv)
    folders = write_projects(args.mapp, args.antal, args.fro)
    print(f"{len(folders)} projekt och fond.yaml skrivna i {args.mapp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
