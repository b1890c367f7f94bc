"""sif-eval ansökan and prioritera on the example applications: the documents against plan.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from sif_eval import swedish as sv
from sif_eval.cli import main
from sif_eval.runs.application import PLAN_FILE, run_application
from sif_eval.runs.priority import RESULT_FILE, run_priority, scores

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("lasframjande-team", "familjestod-forskola")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ansokan") / "inputs"
    root.mkdir()
    for name in ("enhetskostnader.csv", "kpi.csv", "kommun.yaml"):
        shutil.copy(ROOT / "inputs" / name, root / name)
    for slug in EXAMPLES:
        shutil.copytree(ROOT / "inputs" / slug, root / slug)
        text = (root / slug / "projekt.yaml").read_text(encoding="utf-8")
        (root / slug / "projekt.yaml").write_text(text.replace("  utvärdering:\n", "  utvärdering:\n"
                                                                "    simuleringar: 400\n"), encoding="utf-8")
    shutil.copytree(ROOT / "inputs" / "skolnarvaro", root / "skolnarvaro")  # a granted project: not ranked
    return root


@pytest.fixture(scope="module")
def las(inputs: Path, tmp_path_factory: pytest.TempPathFactory):
    return run_application(inputs / "lasframjande-team", tmp_path_factory.mktemp("out"), "2027-02-10")


def _doc_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_projektplan_has_every_required_section_and_the_kalkyl_of_plan_json(las) -> None:
    plan = json.loads((las.run_dir / PLAN_FILE).read_text(encoding="utf-8"))
    text = _doc_text(las.run_dir / "dokument" / "projektplan.docx")
    for heading in ("Behov och målgrupp", "Insatsen och dess evidens", "Kostnadskalkyl och nyttoeffekter",
                    "När medlen utbetalas", "Känslighet", "Återbetalning och underhåll efter projekttiden",
                    "Plan för uppföljning", "Plan för utvärdering", "Vad utvärderingen kan upptäcka",
                    "Implementering", "Barn- och jämställdhetsperspektiv"):
        assert heading in text, heading
    k = plan["kalkyl"]
    # The costs as the applicant wrote them (600 000 + 900 000 + 400 000) plus three years of maintenance
    assert [c["belopp_kr"] for c in k["antaganden"]["kostnader"]] == [600000, 900000, 400000, 250000, 250000, 250000]
    assert plan["fondens_kostnad_kr"] == 1_900_000
    for figure in (k["nettonuvärde_kr"], k["kostnad_nuvärde_kr"], k["nytta_nuvärde_kr"]):
        assert sv.kronor(figure) in text
    assert sv.decimal(k["nytta_per_krona"], 2) in text
    assert sv.percent(k["monte_carlo"]["sannolikhet_lönsam"], 0, False) in text
    for p in k["utbetalningsplan"]:
        assert sv.kronor(p["belopp_kr"]) in text
    for r in k["återföring"]:
        assert sv.kronor(r["belopp_kr"]) in text
    # Payment in arrears: August 2027 is paid after delår 2, September–December after helår (600 000 / 5 months)
    assert [(p["tillfälle"], p["belopp_kr"]) for p in k["utbetalningsplan"][:2]] == [("delår 2", 120000),
                                                                                      ("helår", 480000)]
    assert "Utvärderare: Kommunens FoU-enhet" in text and "5,0\u00a0procent av fondens medel" in text
    assert "☐ | Teamet är rekryterat och introducerat | Projektledare | 2027-08" in text


def test_the_mde_is_compared_with_the_assumed_and_the_break_even_effect(las) -> None:
    plan = json.loads((las.run_dir / PLAN_FILE).read_text(encoding="utf-8"))
    ind = plan["indikatorer"][0]
    det = ind["upptäckbar"]
    assert det["inferens"] == "randomisering" and det["minsta_p"] == pytest.approx(1 / 45)
    assert ind["brus"]["källa"] == "historik" and ind["brus"]["historik_enheter"] == 10
    assert ind["antagen_effekt"] == pytest.approx(-0.05)
    # Break-even: NPV is linear in the effect, so the break-even improvement scales the assumed one by cost/benefit
    k = plan["kalkyl"]
    assert -ind["brytpunkt_effekt"] == pytest.approx(0.05 * k["kostnad_nuvärde_kr"] / k["nytta_nuvärde_kr"], rel=1e-4)
    assert det["mde"] > 0.05 and ind["bedömning"] == "kan_inte_visa_antagen" and not plan["utvärderingsbar"]
    pdf = " ".join((PdfReader(str(las.run_dir / "dokument" / "projektplan.pdf")).pages[i].extract_text() or "")
                   for i in range(len(PdfReader(str(las.run_dir / "dokument" / "projektplan.pdf")).pages)))
    pdf = " ".join(pdf.split())
    assert ("med två skolor i insatsgruppen, åtta skolor i jämförelsegruppen" in pdf.lower())
    assert f"minskning mindre än {sv.percentage_points(det['mde'])}".replace("\u00a0", " ") in pdf.replace("\u00a0", " ")
    assert "jämnt upp vid " + sv.percentage_points(-ind["brytpunkt_effekt"]).replace("\u00a0", " ") in \
        pdf.replace("\u00a0", " ")
    kinds = [a["slag"] for a in ind["alternativ"]]
    assert kinds[:3] == ["fler_jämförelseenheter", "fler_perioder_före", "fler_insatsenheter"]
    assert ind["alternativ"][0]["mde"] < det["mde"]  # more comparison units help, a little


def test_run_on_an_application_says_to_use_ansokan(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(inputs / "lasframjande-team")]) == 2
    err = capsys.readouterr().err
    assert "är en ansökan" in err and "sif-eval ansökan" in err and "Traceback" not in err


def test_missing_evaluation_plan_is_a_swedish_input_error(inputs: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "inputs" / "trasig"
    shutil.copytree(inputs / "familjestod-forskola", bad)
    text = (bad / "projekt.yaml").read_text(encoding="utf-8")
    (bad / "projekt.yaml").write_text(text.replace("    standardavvikelse: 0.8\n", "")
                                      .replace("    insatsenheter: 12\n", ""), encoding="utf-8")
    assert main(["ansökan", str(bad), "--outputs", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "'insatsenheter' saknas" in err and "kolumn 'ansökan.utvärdering.insatsenheter'" in err
    assert "varken historiska data" in err and "standardavvikelse" in err
    assert not (tmp_path / "out").exists()


def test_prioritera_ranks_the_applications_with_the_basis_of_each_score(inputs: Path, tmp_path: Path) -> None:
    done = run_priority(inputs, tmp_path, "2027-03-01")
    data = json.loads((done.run_dir / RESULT_FILE).read_text(encoding="utf-8"))
    ranking = data["rangordning"]
    assert [r["slug"] for r in ranking] == ["familjestod-forskola", "lasframjande-team"]  # skolnarvaro is no application
    las = next(p for p in data["planer"] if p["slug"] == "lasframjande-team")
    got = {s["kriterium"]: s["poäng"] for s in scores(las)}
    # By the rules: 1,61 kr per krona -> 2; MDE above the assumed effect -> 1; maintenance with cost -> 3;
    # plan and a four-item checklist with responsible persons -> 3; direct to children -> 3.
    assert got == {"effektivitet": 2, "uppföljning och utvärdering": 1, "varaktighet": 3,
                   "implementeringsbarhet": 3, "barn och unga": 3}
    assert ranking[1]["summa"] == 12
    text = _doc_text(done.run_dir / "dokument" / "prioritering.docx")
    assert "Tjänsteskrivelse till styrgruppen för sociala investeringar" in text
    assert "Uppföljning och utvärdering (1 poäng): Med två skolor" in text
    assert "Effektivitet (2 poäng): Nytta per satsad krona 1,61" in text
    row = next(line for line in text.splitlines() if line.startswith("2 | Läsfrämjande"))
    assert row.split(" | ")[5:11] == ["2", "1", "3", "3", "3", "12"]
