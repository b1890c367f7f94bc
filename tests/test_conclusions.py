"""Three honest conclusions: shown, not shown, and the evidence cannot answer; overrides from projekt.yaml."""

from __future__ import annotations

import dataclasses

from sif_eval.documents import conclusions
from sif_eval.documents.board_paper import context as board_context
from sif_eval.model import Effect, Municipality, ProjectResult


def _effect(**kw) -> Effect:
    base = dict(indikator="oros", design="did", skattning=-0.13, standardfel=0.9, ki_låg=-2.2, ki_hög=1.94,
                p_värde=0.9, n_obs=240, n_kluster=4, se_typ="kluster", namn="Antal orosanmälningar", typ="antal",
                bättre="lägre", effektmål=-0.02, måluppfyllelse="kan_ej_avgöras")
    base.update(kw)
    return Effect(**base)


def _result(*effects: Effect, extra=()) -> ProjectResult:
    return ProjectResult(projekt="Socialarbetare i skolan", diarienummer="KSN-2019-0100", slug="s",
                         ansvarig_nämnd="Utbildningsnämnden", handläggare="T", insatsstart="2020-07-01",
                         rapportdatum="2022-02-02", effekter=effects, extra=extra)


NO_CI = dict(standardfel=None, ki_låg=None, ki_hög=None, p_värde=None, se_typ=None, måluppfyllelse="kan_ej_avgöras")


def test_missing_interval_is_the_evidence_cannot_answer_not_a_rejection():
    r = _result(_effect(**NO_CI))  # the point estimate beats the target, but there is no interval
    assert conclusions.conclusion(r.effekter) == "kan_ej_bedömas"
    text = conclusions.recommendation(r)
    assert text.startswith("Underlaget räcker inte för att bedöma effekten.")
    assert "rekommenderas inte" not in text
    assert conclusions.decision_clauses(r)[1:] == [
        "notera att underlaget inte räcker för att bedöma insatsens effekt",
        "uppdra åt utbildningsnämnden att komplettera uppföljningen och återkomma med en ny utvärdering"]


def test_not_shown_agrees_in_number_with_the_targets():
    one = _result(_effect())
    assert conclusions.conclusion(one.effekter) == "ej_visad"
    assert conclusions.decision_clauses(one)[1] == "notera att insatsens effektmål inte har kunnat visas vara uppnått"
    assert "nått sitt effektmål" in conclusions.recommendation(one)
    two = _result(_effect(), _effect(indikator="b", namn="Andel elever med hög frånvaro", typ="andel"))
    assert conclusions.decision_clauses(two)[1] == "notera att insatsens effektmål inte har kunnat visas vara uppnådda"
    assert "nått sina effektmål" in conclusions.recommendation(two)


def test_shown_and_partly_shown():
    reached = _effect(ki_låg=-3.0, ki_hög=-1.0, skattning=-2.0, måluppfyllelse="uppnått")
    assert conclusions.conclusion([reached]) == "visad"
    assert conclusions.recommendation([reached]).startswith("Effektmålet är uppnått. Insatsen bör övervägas")
    assert "plan för att implementera" in conclusions.decision_clauses(_result(reached))[1]
    mixed = [reached, _effect(indikator="b")]
    assert conclusions.conclusion(mixed) == "delvis"
    assert conclusions.recommendation(mixed).startswith("Ett av två effektmål är uppnått.")


def test_overrides_from_projekt_yaml_win():
    extra = (("rekommendation", "Förvaltningen föreslår förlängning."),
             ("forslag_till_beslut", ["godkänna utvärderingen", "förlänga insatsen ett år"]),
             ("foredragning", "Egen föredragning."))
    r = _result(_effect(**NO_CI), extra=extra)
    assert conclusions.recommendation(r) == "Förvaltningen föreslår förlängning."
    assert conclusions.decision_clauses(r) == ["godkänna utvärderingen", "förlänga insatsen ett år"]
    assert conclusions.presentation(r) == ["Egen föredragning."]


def test_foredragning_is_not_a_copy_of_the_summary():
    import datetime as dt

    ctx = board_context(_result(_effect(**NO_CI)), Municipality(kommun="K"), dt.date(2022, 2, 2))
    summary, presentation = set(ctx["sammanfattning"]), ctx["föredragning"]
    assert not summary & set(presentation)
    assert not any(s in p for s in summary for p in presentation)
    assert "För antal orosanmälningar räcker underlaget inte för att bedöma effekten." in presentation


def test_withheld_result_cannot_answer():
    hidden = dataclasses.replace(_effect(ki_låg=-3.0, ki_hög=-1.0, måluppfyllelse="uppnått"),
                                 beskrivande=(("röjanderisk", 1), ("minsta_antal", 5)))
    assert conclusions.effect_state(hidden) == "kan_ej_bedömas"
