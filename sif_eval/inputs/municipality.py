"""``kommun.yaml``: who the documents come from and are signed by, and the small-number threshold.

One reader for every job: ``run``, ``validera`` and ``batch`` all find the file
with :func:`municipality_file` and read it with :func:`load_municipality`, so
they cannot disagree about ``minsta_antal``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, Problem
from ..model import Municipality
from ..paths import MUNICIPALITY_FILE
from ._read import parse_number, read_mapping


def municipality_file(project_dir: Path) -> Path | None:
    """The project's own kommun.yaml, else the one shared by all projects in inputs/."""
    for candidate in (project_dir / MUNICIPALITY_FILE, project_dir.parent / MUNICIPALITY_FILE):
        if candidate.is_file():
            return candidate
    return None


def load_municipality(path: Path | None, problems: list[Problem]) -> tuple[Municipality, list[Path]]:
    """Read kommun.yaml (optional); return the values and the files to archive with the run."""
    if path is None:
        return Municipality(), []
    data = read_mapping(path, problems)
    if data is None:
        return Municipality(), [path]
    files = [path]
    signers: list[tuple[str, str]] = []
    for i, item in enumerate(data.get("undertecknare") or [], start=1):
        if not isinstance(item, dict) or not str(item.get("namn", "")).strip():
            problems.append(Problem(MUNICIPALITY_FILE, f"undertecknare nr {i} ska ha 'namn' och 'titel'.",
                                    column=f"undertecknare[{i}]"))
            continue
        signers.append((str(item["namn"]).strip(), str(item.get("titel", "")).strip()))
    threshold = 5
    if data.get("minsta_antal") not in (None, ""):
        value = parse_number(data["minsta_antal"])
        if value is None or value < 0 or value != int(value):
            problems.append(Problem(MUNICIPALITY_FILE, f"'{data['minsta_antal']}' är inget heltal.",
                                    column="minsta_antal", hint="Skriv t.ex. minsta_antal: 5"))
        else:
            threshold = int(value)
    logo = None
    if data.get("logotyp"):
        logo_path = path.parent / str(data["logotyp"]).strip()
        if logo_path.suffix.lower() != ".png" or not logo_path.is_file() or logo_path.parent != path.parent:
            problems.append(Problem(MUNICIPALITY_FILE, f"logotypen '{data['logotyp']}' hittas inte som en PNG-fil "
                                    "bredvid kommun.yaml.", column="logotyp",
                                    hint="Lägg bilden i samma mapp som kommun.yaml och ange bara filnamnet."))
        else:
            logo = logo_path.name
            files.append(logo_path)
    send_to = data.get("beslutet_skickas_till") or []
    municipality = Municipality(
        kommun=str(data.get("kommun", "")).strip(),
        förvaltning=str(data.get("forvaltning", "")).strip(),
        adressat=str(data.get("adressat", "") or "Kommunstyrelsen").strip(),
        fond=str(data.get("fond", "") or "Sociala investeringsfonden").strip(),
        undertecknare=tuple(signers),
        beslutet_skickas_till=tuple(str(x).strip() for x in send_to if str(x).strip())
        if isinstance(send_to, list) else (),
        logotyp=logo,
        minsta_antal=threshold,
    )
    return municipality, files


def load_municipality_in(folder: Path) -> Municipality:
    """``kommun.yaml`` in the folder (``inputs/`` or a consolidated run's ``indata/``), validated."""
    path = folder / MUNICIPALITY_FILE
    problems: list[Problem] = []
    municipality, _ = load_municipality(path if path.is_file() else None, problems)
    if problems:
        raise InputError(problems, project=MUNICIPALITY_FILE)
    return municipality


def minsta_antal(project_dir: Path | str | None = None, kommun_yaml: Path | str | None = None) -> int:
    """The small-number threshold a project's run uses: ``minsta_antal`` in its ``kommun.yaml``, else 5.

    The same lookup as ``run`` (:func:`municipality_file`: the project's own
    file, then the one in ``inputs/``), so ``validera`` and ``run`` agree.
    """
    path = Path(kommun_yaml) if kommun_yaml is not None else (
        municipality_file(Path(project_dir)) if project_dir is not None else None)
    problems: list[Problem] = []
    municipality, _ = load_municipality(path if path is not None and path.is_file() else None, problems)
    if problems:
        raise InputError(problems, project=MUNICIPALITY_FILE)
    return municipality.minsta_antal
