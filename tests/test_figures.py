"""Tests for figures: one PNG per design, Swedish alt text, Swedish tick labels, identical bytes."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from sif_eval import swedish as sv
from sif_eval.analysis.estimate import estimate
from sif_eval.figures.effects import SwedishFormatter, fmt_diff, fmt_level, plot_effect
from sif_eval.model import Indicator
from tests.test_analysis import its_obs, kielmc_obs, paired_obs, simulate_panel

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def cases():
    share = Indicator(id="andel", namn="Andel elever med hög frånvaro", typ="andel", effektmål=-0.03)
    panel = simulate_panel(U=30, T=6, start=3, effect=0.05, seed=2)
    panel["varde"] = 0.3 + panel["varde"] * 0.02
    return {
        "did": (kielmc_obs(), Indicator(id="pris", namn="Huspris")),
        "did_andel": (panel, share),
        "its": (its_obs(), Indicator(id="besok", namn="Antal besök", typ="antal", bättre="högre")),
        "före_efter": (paired_obs()[0], share),
    }


@pytest.mark.parametrize("name", ["did", "did_andel", "its", "före_efter"])
def test_plot_each_design_writes_png_and_swedish_alt(tmp_path, name):
    obs, ind = cases()[name]
    effect = estimate(obs, ind)
    assert effect.design == name.split("_")[0] if name != "före_efter" else "före_efter"
    path = tmp_path / "sub" / f"{name}.png"
    alt = plot_effect(obs, effect, ind, path)
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert sv.lower_first(ind.namn) in alt and "insatsstart" in alt
    assert "95 % konfidensintervall" in alt
    assert "." not in alt.replace(".png", "").rstrip(".").replace(". ", " ")  # decimal comma only
    if ind.typ == "andel":
        assert "procentenheter" in alt


def test_same_input_gives_identical_bytes(tmp_path):
    for name, (obs, ind) in cases().items():
        effect = estimate(obs, ind)
        a, b = tmp_path / f"{name}_a.png", tmp_path / f"{name}_b.png"
        alt_a = plot_effect(obs, effect, ind, a)
        alt_b = plot_effect(obs, effect, ind, b)
        assert a.read_bytes() == b.read_bytes(), name
        assert alt_a == alt_b


def test_no_pyplot_state_left_behind(tmp_path):
    obs, ind = cases()["its"]
    plot_effect(obs, estimate(obs, ind), ind, tmp_path / "f.png")
    plt = sys.modules.get("matplotlib.pyplot")
    assert plt is None or plt.get_fignums() == []


def test_insatsstart_override_and_descriptive_only(tmp_path):
    obs, ind = cases()["did"]
    tiny = obs.groupby(["grupp", "period_start"], as_index=False).head(1)
    effect = estimate(tiny, ind)
    assert effect.standardfel is None
    alt = plot_effect(tiny, effect, ind, tmp_path / "t.png", insatsstart="1979-06-01")
    assert "osäkerheten kunde inte skattas" in alt


def test_swedish_formatter():
    f = SwedishFormatter(percent=True)
    assert f.format_ticks([0.10, 0.125, 0.15]) == ["10,0 %", "12,5 %", "15,0 %"]
    g = SwedishFormatter()
    assert g.format_ticks([-20000, 0, 20000]) == ["\u221220\u00a0000", "0", "20\u00a0000"]
    assert g.format_ticks([0.0, 0.25, 0.5]) == ["0,00", "0,25", "0,50"]


def test_prose_numbers():
    assert fmt_level(0.125, "andel") == "12,5 %"
    assert fmt_diff(-0.052, "andel") == "\u22125,2\u00a0procentenheter"
    assert fmt_diff(-11863.9, "medelvärde") == "\u221211\u00a0864"
    assert fmt_level(np.float64(1.5), "antal") == "1,50"
