"""Every key documented: docs/nycklar.md is generated from the readers' own key lists; unknown keys are named."""

from __future__ import annotations

import shutil

from sif_eval.inputs import economy, fund, keys, project
from tests.conftest import INPUTS, ROOT


def test_reference_page_is_generated_from_the_code():
    assert (ROOT / "docs" / "nycklar.md").read_text(encoding="utf-8") == keys.reference() + "\n", (
        "docs/nycklar.md is out of date: run python -m sif_eval.inputs.keys > docs/nycklar.md")


def test_every_key_the_readers_accept_is_described():
    lists = (project.REQUIRED_KEYS, economy.KALKYL_KEYS, economy.POST_KEYS, economy.COST_KEYS, fund.TOP_KEYS,
             fund.GRANT_KEYS, fund.FLOW_KEYS, keys.PROJECT_OPTIONAL, keys.INDICATOR_KEYS, keys.MUNICIPALITY_KEYS,
             keys.INSATS_KEYS)
    missing = sorted({k for keys_ in lists for k in keys_ if k not in keys.DESCRIPTIONS})
    assert missing == []
    page = keys.reference()
    assert all(f"`{k}`" in page for keys_ in lists for k in keys_)


def test_keys_the_documents_read_are_documented():
    from sif_eval.documents import board_paper, conclusions

    for key, _ in board_paper._PREPARATION_KEYS:  # folded, as stored in the result
        assert any(key == keys.fold(k) for k in keys.PROJECT_OPTIONAL), key
    for key in conclusions.OVERRIDE_KEYS:
        assert key in keys.PROJECT_OPTIONAL


def test_examples_have_no_unknown_keys():
    for folder in sorted(p for p in INPUTS.iterdir() if (p / "projekt.yaml").is_file()):
        assert keys.unknown_keys(folder, INPUTS / "kommun.yaml") == [], folder.name


def test_misspelt_key_is_named_with_the_nearest_known(tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(INPUTS / "skolnarvaro", folder)
    with (folder / "projekt.yaml").open("a", encoding="utf-8") as f:
        f.write("barnperspektivet: Barnen gynnas.\nföredragningen: Egen text.\nxyz: 1\n")
    assert keys.unknown_keys(folder) == [
        "projekt.yaml: okänd nyckel 'barnperspektivet' – menade du 'barnperspektiv'?",
        "projekt.yaml: okänd nyckel 'föredragningen' – menade du 'föredragning'?",
        "projekt.yaml: okänd nyckel 'xyz' – den används inte.",
    ]
