"""What keeps a run fast without changing a number: lazy imports and scipy.special for the common tests.

The run process validates inputs and renders documents but never estimates,
so it must not import scipy.stats or statsmodels; the kernel imports scipy's
distributions only when a design needs more than the t, normal and F
functions, which are computed by the very special functions scipy.stats
calls, and must equal scipy.stats to the last bit.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from sif_eval.analysis import common
from sif_eval.lazy import LazyModule
from sif_eval.runs import archive, codearchive


def test_t_normal_and_f_equal_scipy_stats_bit_for_bit():
    rng = np.random.default_rng(19)
    for df in [1, 2, 3.5, 7, 29, 120, 1e4, *rng.uniform(1, 400, 30)]:
        assert common.t_ppf(0.975, df) == float(stats.t.ppf(0.975, df))
        for x in [0.0, 1e-9, 0.3, 1.96, 4.2, 40.0, *rng.normal(0, 3, 10)]:
            assert common.t_sf(abs(x), df) == float(stats.t.sf(abs(x), df)), (x, df)
    for x in [0.0, 0.5, 1.959964, 3.3, 9.0, 40.0]:
        assert common.norm_sf(x) == float(stats.norm.sf(x))
    assert common.norm_ppf(0.975) == float(stats.norm.ppf(0.975))
    for dfn, dfd in [(1, 10), (3, 45), (7, 200.5)]:
        for x in [-1.0, 0.0, 0.2, 1.0, 2.5, 11.0]:
            assert common.f_sf(x, dfn, dfd) == float(stats.f.sf(x, dfn, dfd)), (x, dfn, dfd)
    assert math.isnan(common.f_sf(math.nan, 2, 10)) and math.isnan(float(stats.f.sf(math.nan, 2, 10)))


def test_the_run_process_does_not_import_the_estimation_libraries():
    code = ("import sys; import sif_eval.cli; from sif_eval.runs import project; "
            "print(sorted(m for m in ('scipy.stats', 'statsmodels', 'statsmodels.api', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.replace("'", '"')) == []


def test_lazy_module_imports_on_first_use_only():
    lazy = LazyModule("json.tool")
    assert "not yet" in repr(lazy)
    assert lazy.main is sys.modules["json.tool"].main and "(imported)" in repr(lazy)
    with pytest.raises(AttributeError):
        _ = lazy.no_such_thing


def test_the_archived_wheel_is_built_once_per_source_and_is_the_same_bytes(tmp_path, monkeypatch):
    first = codearchive.build_wheel(tmp_path / "a").read_bytes()
    zipped = []
    monkeypatch.setattr(codearchive.zipfile, "ZipFile", lambda *a, **k: zipped.append(1) or (_ for _ in ()).throw(
        AssertionError("zipped again")))
    assert codearchive.build_wheel(tmp_path / "b").read_bytes() == first and not zipped


def test_environment_lock_is_cached_until_the_installation_changes(monkeypatch):
    calls = []
    monkeypatch.setattr(archive, "_environment_lock", lambda: calls.append(1) or {"x": "1"})
    monkeypatch.setattr(archive, "_INSTALLED", {})
    assert archive.environment_lock() == archive.environment_lock() == {"x": "1"} and len(calls) == 1
    monkeypatch.setattr(archive, "_installation", lambda: (("/elsewhere", 1),))
    archive.environment_lock()
    assert len(calls) == 2
