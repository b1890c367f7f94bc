"""``insatser.yaml``: the texts per insats that an återrapportering reports to the funder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import Problem
from ..paths import INSATSER_FILE
from ._read import decode, fold


@dataclass(frozen=True)
class Insats:
    """One insats's texts, as the funder wants them reported."""

    namn: str
    nämnd: str
    beskrivning: str = ""
    resultat: str = ""
    fortsättning: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"namn": self.namn, "nämnd": self.nämnd, "beskrivning": self.beskrivning, "resultat": self.resultat,
                "fortsättning": self.fortsättning}


def load_insatser(project_dir: Path, problems: list[Problem]) -> tuple[tuple[Insats, ...], Path | None]:
    """Read insatser.yaml (required for an återrapportering); every problem names the item and key."""
    path = project_dir / INSATSER_FILE
    if not path.is_file():
        problems.append(Problem(INSATSER_FILE, "filen saknas; en återrapportering behöver en beskrivning per insats.",
                                hint="Skapa insatser.yaml med en lista: namn, nämnd, beskrivning, resultat, fortsättning."))
        return (), None
    try:
        data = yaml.load(decode(path.read_bytes()), Loader=yaml.BaseLoader)  # noqa: S506 - strings only
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(INSATSER_FILE, f"filen kan inte läsas ({getattr(exc, 'problem', type(exc).__name__)}).",
                                row=None if mark is None else mark.line + 1))
        return (), path
    if not isinstance(data, list) or not data:
        problems.append(Problem(INSATSER_FILE, "filen ska vara en lista där varje insats börjar med '- namn:'."))
        return (), path
    out = []
    for i, raw in enumerate(data, start=1):
        item = {fold(k): v for k, v in raw.items()} if isinstance(raw, dict) else {}
        if not str(item.get("namn", "")).strip() or not str(item.get("namnd", "")).strip():
            problems.append(Problem(INSATSER_FILE, f"insats nr {i} saknar 'namn' eller 'nämnd'.", column=f"[{i}]",
                                    hint="Varje insats behöver namn och ansvarig nämnd."))
            continue
        def text(key: str, item: dict = item) -> str:
            return " ".join(str(item.get(key, "") or "").split())
        out.append(Insats(namn=text("namn"), nämnd=text("namnd"), beskrivning=text("beskrivning"),
                          resultat=text("resultat"), fortsättning=text("fortsattning")))
    return tuple(out), path
