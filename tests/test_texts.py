"""Swedish result sentences, asserted as whole sentences.

Effects are built by hand with the ``resultat.json`` example from
``shared/spec/indata.md`` (did, -0,052, 95 % KI -0,074 till -0,030).
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from sif_eval.documents.texts import (
    definite_subject,
    design_limits,
    design_name,
    effect_sentence,
    target_sentence,
)
from sif_eval.model import Effect

NBSP = "\u00a0"


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


def make_effect(**changes: object) -> Effect:
    base = Effect(
        indikator="hog_franvaro",
        design="did",
        skattning=-0.052,
        standardfel=0.011,
        ki_låg=-0.074,
        ki_hög=-0.030,
        p_värde=0.0001,
        n_obs=1240,
        n_kluster=310,
        se_typ="kluster",
        namn="Andel elever med hög frånvaro",
        typ="andel",
        bättre="lägre",
        effektmål=-0.05,
    )
    return replace(base, **changes)


# --------------------------------------------------------------------------- effect_sentence


def test_did_share_decrease() -> None:
    text = effect_sentence(make_effect())
    assert text == (
        "Andelen elever med hög frånvaro minskade med 5,2\u00a0procentenheter mer i insatsgruppen "
        "än i jämförelsegruppen (95\u00a0%\u00a0KI\u00a0\u22127,4\u00a0till\u00a0\u22123,0)."
    )


def test_did_share_increase() -> None:
    effect = make_effect(
        namn="Andel elever som når målen i alla ämnen",
        bättre="högre",
        skattning=0.031,
        ki_låg=0.012,
        ki_hög=0.050,
    )
    assert plain(effect_sentence(effect)) == (
        "Andelen elever som når målen i alla ämnen ökade med 3,1 procentenheter mer i insatsgruppen "
        "än i jämförelsegruppen (95 % KI 1,2–5,0)."
    )


def test_did_not_significant() -> None:
    effect = make_effect(skattning=-0.021, ki_låg=-0.050, ki_hög=0.008)
    assert plain(effect_sentence(effect)) == (
        "Andelen elever med hög frånvaro minskade med 2,1 procentenheter mer i insatsgruppen "
        "än i jämförelsegruppen (95 % KI −5,0 till 0,8). Skillnaden mellan grupperna är inte "
        "statistiskt säkerställd eftersom konfidensintervallet innefattar noll."
    )


def test_did_zero_estimate() -> None:
    effect = make_effect(skattning=0.0002, ki_låg=-0.012, ki_hög=0.012)
    assert plain(effect_sentence(effect)) == (
        "Andelen elever med hög frånvaro utvecklades lika i insatsgruppen och i jämförelsegruppen "
        "(skillnad 0,0 procentenheter, 95 % KI −1,2 till 1,2). Skillnaden mellan grupperna är inte "
        "statistiskt säkerställd eftersom konfidensintervallet innefattar noll."
    )


def test_before_after_share() -> None:
    effect = make_effect(design="före_efter", n_kluster=None, se_typ="robust")
    assert plain(effect_sentence(effect)) == (
        "Andelen elever med hög frånvaro minskade med 5,2 procentenheter från före till efter insatsstart "
        "i insatsgruppen (95 % KI −7,4 till −3,0). Jämförelsen visar en förändring, inte nödvändigtvis en effekt "
        "av insatsen."
    )


def test_before_after_count_without_ci() -> None:
    effect = make_effect(
        design="före_efter",
        namn="Antal orosanmälningar per månad",
        typ="antal",
        skattning=-12.0,
        standardfel=None,
        ki_låg=None,
        ki_hög=None,
        p_värde=None,
        n_obs=6,
        n_kluster=None,
        se_typ=None,
    )
    assert plain(effect_sentence(effect)) == (
        "Antalet orosanmälningar per månad minskade med 12 orosanmälningar från före till efter insatsstart i insatsgruppen. "
        "Underlaget räcker inte för att beräkna ett konfidensintervall. Jämförelsen visar en förändring, "
        "inte nödvändigtvis en effekt av insatsen."
    )


def test_before_after_unchanged_agrees_in_gender() -> None:
    mean = make_effect(
        design="före_efter",
        namn="Medelvärde för upplevd trygghet",
        typ="medelvärde",
        skattning=0.001,
        ki_låg=-0.2,
        ki_hög=0.2,
    )
    assert plain(effect_sentence(mean)).startswith(
        "Medelvärdet för upplevd trygghet var oförändrat från före till efter insatsstart i insatsgruppen "
        "(95 % KI −0,20 till 0,20). Förändringen är inte statistiskt säkerställd"
    )
    share = make_effect(design="före_efter", skattning=0.0, ki_låg=-0.01, ki_hög=0.01)
    assert plain(effect_sentence(share)).startswith(
        "Andelen elever med hög frånvaro var oförändrad från före till efter insatsstart"
    )


def test_its_share() -> None:
    effect = make_effect(design="its", n_kluster=None, se_typ="hac")
    assert plain(effect_sentence(effect)) == (
        "Andelen elever med hög frånvaro låg 5,2 procentenheter lägre än vad den tidigare trenden förutsåg "
        "när insatsen startade (nivåförändring, 95 % KI −7,4 till −3,0)."
    )


def test_its_mean_higher_with_numpy_values() -> None:
    effect = make_effect(
        design="its",
        namn="Meritvärde i årskurs 9",
        typ="medelvärde",
        skattning=np.float64(12.34),
        ki_låg=np.float64(4.5),
        ki_hög=np.float64(20.18),
        n_kluster=None,
        se_typ="hac",
    )
    assert plain(effect_sentence(effect)) == (
        "Värdet för meritvärde i årskurs 9 låg 12,3 högre än vad den tidigare trenden förutsåg "
        "när insatsen startade (nivåförändring, 95 % KI 4,5–20,2)."
    )


def test_its_without_ci() -> None:
    effect = make_effect(design="its", ki_låg=None, ki_hög=None)
    assert plain(effect_sentence(effect)) == (
        "Andelen elever med hög frånvaro låg 5,2 procentenheter lägre än vad den tidigare trenden förutsåg "
        "när insatsen startade (nivåförändring). Underlaget räcker inte för att beräkna ett konfidensintervall."
    )


def test_no_estimate() -> None:
    effect = make_effect(skattning=None, ki_låg=None, ki_hög=None)
    assert effect_sentence(effect) == (
        "Underlaget räcker inte för att skatta någon skillnad mellan grupperna för andelen elever med hög frånvaro."
    )
    nan = make_effect(design="före_efter", skattning=float("nan"))
    assert effect_sentence(nan) == (
        "Underlaget räcker inte för att skatta någon förändring för andelen elever med hög frånvaro."
    )


def test_percentage_point_singular_in_sentence() -> None:
    # Decimals are always shown for shares, so even exactly one point is plural.
    effect = make_effect(skattning=-0.01, ki_låg=-0.015, ki_hög=-0.005)
    assert "minskade med 1,0\u00a0procentenheter mer" in effect_sentence(effect)


def test_unknown_design_is_named() -> None:
    with pytest.raises(ValueError, match="auto"):
        effect_sentence(make_effect(design="auto"))


def test_sentences_use_no_english_decimal_point() -> None:
    for design in ("did", "före_efter", "its"):
        text = effect_sentence(make_effect(design=design, skattning=-0.0525, ki_låg=-0.081, ki_hög=-0.024))
        assert "0." not in text and "5,3" in text


# --------------------------------------------------------------------------- subjects


@pytest.mark.parametrize(
    ("namn", "expected"),
    [
        ("Andel elever med hög frånvaro", "Andelen elever med hög frånvaro"),
        ("andel unga i arbete", "Andelen unga i arbete"),
        ("Antal placeringar", "Antalet placeringar"),
        ("Medelvärde trygghetsindex", "Medelvärdet trygghetsindex"),
        ("Andelen behöriga", "Andelen behöriga"),
        ("Meritvärde", "Värdet för meritvärde"),
        ("KOLADA-nyckeltal N17", "Värdet för KOLADA-nyckeltal N17"),
        ("", "Värdet"),
    ],
)
def test_definite_subject(namn: str, expected: str) -> None:
    assert definite_subject(namn) == expected


# --------------------------------------------------------------------------- target_sentence


def test_target_reached() -> None:
    effect = make_effect(måluppfyllelse="uppnått")
    assert target_sentence(effect) == "Effektmålet (en minskning med 5,0\u00a0procentenheter) är uppnått."


def test_target_not_reached() -> None:
    effect = make_effect(måluppfyllelse="ej_uppnått", effektmål=-0.08)
    assert (
        plain(target_sentence(effect)) == "Effektmålet (en minskning med 8,0 procentenheter) är inte uppnått."
    )


def test_target_undecided() -> None:
    effect = make_effect(måluppfyllelse="kan_ej_avgöras")
    assert plain(target_sentence(effect)) == (
        "Om effektmålet (en minskning med 5,0 procentenheter) är uppnått kan inte avgöras utifrån "
        "konfidensintervallet."
    )


def test_target_count_increase_and_unassessed() -> None:
    effect = make_effect(typ="antal", namn="Antal lovjobb", effektmål=140, måluppfyllelse=None)
    assert target_sentence(effect) == "Måluppfyllelsen för effektmålet (en ökning med 140\u00a0lovjobb) har inte bedömts."


def test_target_missing_and_invalid() -> None:
    assert target_sentence(make_effect(effektmål=None)) == "Inget effektmål har angetts."
    with pytest.raises(ValueError, match="kan_ej_avgöras"):
        target_sentence(make_effect(måluppfyllelse="delvis"))


# --------------------------------------------------------------------------- designs


def test_design_names() -> None:
    assert design_name("före_efter") == "Före/efter-jämförelse"
    assert design_name("did") == "Skillnad-i-skillnader"
    assert design_name("its") == "Avbruten tidsserie"
    with pytest.raises(ValueError, match="Allowed"):
        design_name("rct")


@pytest.mark.parametrize("design", ["före_efter", "did", "its"])
def test_design_limits_say_what_cannot_be_shown(design: str) -> None:
    text = design_limits(design)
    assert text.count(".") in (2, 3)
    assert re.search(r"kan (därför )?inte", text)
    assert text[0].isupper() and text.endswith(".")


def test_design_limits_content() -> None:
    assert "parallellt" in design_limits("did")
    assert "jämförelsegrupp" in design_limits("its")
    assert "samma tid" in design_limits("före_efter")
    with pytest.raises(ValueError):
        design_limits("auto")
