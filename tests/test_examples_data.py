"""The bundled example projects: generated deterministically, committed as generated, well shaped."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_examples.py"
INPUTS = ROOT / "inputs"
FILES = ("projekt.yaml", "utfall.csv")


def _load_script():
    spec = importlib.util.spec_from_file_location("make_examples", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_examples", module)
    spec.loader.exec_module(module)
    return module


make_examples = _load_script()
SLUGS = make_examples.SLUGS


def _read_outcomes(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    sep = ";" if text.splitlines()[0].count(";") else ","
    return pd.read_csv(io.StringIO(text), sep=sep, decimal="," if sep == ";" else ".", dtype={"period": str})


def _project(slug: str) -> dict:
    return yaml.safe_load((INPUTS / slug / "projekt.yaml").read_text(encoding="utf-8"))


def _is_after(period: str, start: dt.date) -> bool:
    """The contract's rule: a period is "efter" if it begins on or after insatsstart."""
    if len(period) == 7:  # 2018-08
        begins = dt.date(int(period[:4]), int(period[5:]), 1)
    else:  # 2019-06-01
        begins = dt.date.fromisoformat(period)
    return begins >= start


# --- generation -----------------------------------------------------------------------------


def test_generator_is_deterministic(tmp_path: Path) -> None:
    first = make_examples.write_examples(tmp_path / "a")
    second = make_examples.write_examples(tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in first] == [p.relative_to(tmp_path / "b") for p in second]
    assert len(first) == 2 * len(SLUGS)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_committed_examples_equal_a_fresh_generation(tmp_path: Path) -> None:
    make_examples.write_examples(tmp_path)
    for slug in SLUGS:
        for name in FILES:
            committed = INPUTS / slug / name
            assert committed.exists(), f"{committed} saknas: kör python scripts/make_examples.py"
            assert committed.read_bytes() == (tmp_path / slug / name).read_bytes(), (
                f"{committed} skiljer sig från vad scripts/make_examples.py skriver; kör skriptet igen"
            )


def test_true_effects_are_as_documented() -> None:
    truth = {slug: t for slug, (_y, _c, t) in make_examples.build_examples().items()}
    assert truth["skolnarvaro"]["hog_franvaro"] == pytest.approx(-0.055, abs=1e-6)
    assert -0.02 < truth["skolnarvaro"]["franvaro_procent"] < -0.01
    assert truth["sofiamodellen"]["placeringar"] == -3.0
    assert truth["supported-education"]["studietid"] == pytest.approx(6.5, abs=0.3)
    assert -0.2 < truth["supported-education"]["forsorjningsstod"] < -0.05


# --- projekt.yaml ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_project_file_follows_the_contract(slug: str) -> None:
    text = (INPUTS / slug / "projekt.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Syntetiska data, genererade av scripts/make_examples.py")
    assert "insatsstart: 20" in text and 'insatsstart: "' not in text  # unquoted, as in the contract
    data = _project(slug)
    for key in ("projekt", "diarienummer", "ansvarig_nämnd", "handläggare", "insatsstart", "indikatorer"):
        assert data.get(key), key
    assert isinstance(data["insatsstart"], dt.date)
    assert data["kommun"] == "Uppsala kommun"
    assert "syntetiska" in data["beskrivning"]
    assert data["diarienummer"].startswith("KSN-20")
    ids = _read_outcomes(INPUTS / slug / "utfall.csv")["indikator"].unique()
    assert sorted(ind["id"] for ind in data["indikatorer"]) == sorted(ids)
    for ind in data["indikatorer"]:
        assert ind["typ"] in ("andel", "antal", "medelvärde")
        assert ind["bättre"] in ("lägre", "högre")
        assert ind["design"] == "auto"
        assert isinstance(ind["effektmål"], int | float)
        # The target points in the direction of improvement.
        assert (ind["effektmål"] < 0) == (ind["bättre"] == "lägre")


# --- utfall.csv -----------------------------------------------------------------------------


def test_skolnarvaro_is_a_panel_with_a_comparison_group() -> None:
    raw = (INPUTS / "skolnarvaro" / "utfall.csv").read_bytes()
    assert raw.decode("utf-8").splitlines()[0] == "indikator;grupp;period;enhet;värde"
    assert b";0," in raw  # decimal comma
    df = _read_outcomes(INPUTS / "skolnarvaro" / "utfall.csv")
    start = _project("skolnarvaro")["insatsstart"]
    assert len(df) == 2 * (300 * 6 - 18)
    assert set(df["indikator"]) == {"hog_franvaro", "franvaro_procent"}
    assert set(df["grupp"]) == {"insats", "jämförelse"}
    periods = sorted(df["period"].unique())
    assert [_is_after(p, start) for p in periods] == [False] * 3 + [True] * 3
    units = df.groupby("grupp")["enhet"].nunique()
    assert units["insats"] == 150 and units["jämförelse"] == 150
    assert (df.groupby("enhet")["grupp"].nunique() == 1).all()  # no pupil changes group
    after = df["period"].map(lambda p: _is_after(p, start))
    seen = df.assign(efter=after).groupby("enhet")["efter"].agg(["min", "max"])
    assert (~seen["min"] & seen["max"]).all()  # every pupil is seen before and after
    wide = df.pivot_table(index=["enhet", "period"], columns="indikator", values="värde")
    assert set(wide["hog_franvaro"].unique()) == {0, 1}
    assert wide["franvaro_procent"].between(0, 1).all()
    assert ((wide["franvaro_procent"] >= 0.15) == (wide["hog_franvaro"] == 1)).all()


def test_skolnarvaro_shows_an_effect_near_the_truth() -> None:
    df = _read_outcomes(INPUTS / "skolnarvaro" / "utfall.csv")
    start = _project("skolnarvaro")["insatsstart"]
    hog = df[df["indikator"] == "hog_franvaro"].assign(
        efter=lambda d: d["period"].map(lambda p: _is_after(p, start))
    )
    means = hog.groupby(["grupp", "efter"])["värde"].mean()
    did = (means["insats", True] - means["insats", False]) - (
        means["jämförelse", True] - means["jämförelse", False]
    )
    assert -0.12 < did < 0.0


def test_sofiamodellen_is_a_monthly_series_for_the_insats_group() -> None:
    raw = (INPUTS / "sofiamodellen" / "utfall.csv").read_bytes()
    assert raw.decode("utf-8").splitlines()[0] == "indikator,grupp,period,värde"
    df = _read_outcomes(INPUTS / "sofiamodellen" / "utfall.csv")
    start = _project("sofiamodellen")["insatsstart"]
    assert len(df) == 60
    assert set(df["grupp"]) == {"insats"} and set(df["indikator"]) == {"placeringar"}
    assert list(df["period"]) == [f"{y}-{m:02d}" for y in range(2016, 2021) for m in range(1, 13)]
    after = df["period"].map(lambda p: _is_after(p, start))
    assert (~after).sum() == 36 and after.sum() == 24
    assert (df["värde"] >= 0).all() and (df["värde"] == df["värde"].round()).all()
    assert 10 < df.loc[~after, "värde"].mean() < 14
    assert df.loc[after, "värde"].mean() < df.loc[~after, "värde"].mean()


def test_supported_education_is_before_after_without_comparison() -> None:
    raw = (INPUTS / "supported-education" / "utfall.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # saved as Windows-1252, as Swedish Excel does
    assert raw.decode("cp1252").splitlines()[0] == "indikator;grupp;period;enhet;värde"
    df = _read_outcomes(INPUTS / "supported-education" / "utfall.csv")
    start = _project("supported-education")["insatsstart"]
    assert len(df) == 24 * 2 * 2
    assert set(df["grupp"]) == {"insats"}
    assert sorted(df["enhet"].unique()) == [f"P{i:02d}" for i in range(1, 25)]
    assert [_is_after(p, start) for p in sorted(df["period"].unique())] == [False, True]
    assert (df.groupby(["indikator", "enhet"]).size() == 2).all()  # each participant once before, once after
    fs = df[df["indikator"] == "forsorjningsstod"]
    assert set(fs["värde"].unique()) <= {0, 1}
    hours = df[df["indikator"] == "studietid"]["värde"]
    assert hours.between(0, 40).all()
