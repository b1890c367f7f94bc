"""Size and coverage of CR1, randomisation inference and WCR with few treated units (slow; a benchmark).

DGP per draw: y_it = a_i + g_t + e_it, a_i ~ N(0,1), g_t ~ N(0,1), e_it stationary AR(1)
(rho = 0.5, innovation sd 1) within unit; N units x T = 10 periods, start at period 5;
the first k units are treated.  Under the null (no effect) we record the rejection
rate at 5 % of
  (a) CR1 clustered t-test by unit, t(G-1), K as reghdfe (nested unit FE),
  (b) randomisation inference (placebo in space, |DiD|),
  (c) WCR bootstrap-t, Webb weights, B draws, FE absorbed.
Coverage: the same draw with a true effect of -2 on the treated post cells; share of
95 % intervals that contain -2 (an unbounded interval covers).

Usage:  nice -n 10 python benchmarks/inference_simulation.py [--draws 500] [--B 9999] [--only NAME ...]
        nice -n 10 python benchmarks/inference_simulation.py --ri-only --draws 4000   # tighter RI size, no bootstrap
Writes sim_results.json beside this file and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sif_eval.analysis.randomization import randomization_inference
from sif_eval.analysis.wild_bootstrap import wild_cluster_bootstrap

EFFECT = -2.0
ALPHA = 0.05

SCENARIOS = {
    # name: (N units, k treated, T periods, sd multiplier of the treated units' errors)
    "N60_k1": (60, 1, 10, 1.0),
    "N40_k1": (40, 1, 10, 1.0),
    "N60_k3": (60, 3, 10, 1.0),
    "N60_k40": (60, 40, 10, 1.0),
    # stress: treated unit twice as noisy (e.g. a small school): exchangeability fails
    "N60_k1_noisy_treated": (60, 1, 10, 2.0),
}


def draw_panel(rng: np.random.Generator, N: int, T: int, k: int, sd_treated: float, rho: float = 0.5):
    e = np.empty((N, T))
    e[:, 0] = rng.normal(size=N) / math.sqrt(1 - rho**2)
    for t in range(1, T):
        e[:, t] = rho * e[:, t - 1] + rng.normal(size=N)
    e[:k] *= sd_treated
    y = rng.normal(size=N)[:, None] + rng.normal(size=T)[None, :] + e
    u, t = np.meshgrid(np.arange(N), np.arange(T), indexing="ij")
    post = t >= T // 2
    d = ((u < k) & post).ravel().astype(float)
    return y.ravel(), u.ravel(), t.ravel(), post.ravel(), d


def covers(lo: float | None, hi: float | None, value: float) -> bool:
    return (lo is None or lo <= value) and (hi is None or value <= hi)


def run(name: str, draws: int, B: int, seed: int) -> dict:
    N, k, T, sd_tr = SCENARIOS[name]
    rng = np.random.default_rng([seed, N, k, int(sd_tr * 10)])
    rej = {"cr1": 0, "ri": 0, "wcr": 0}
    cov = {"cr1": 0, "ri": 0, "wcr": 0}
    ri_unbounded = wcr_unbounded = 0
    ri_width = []
    t_ri = t_wcr = 0.0
    crit = None
    for i in range(draws):
        y, u, t, post, d = draw_panel(rng, N, T, k, sd_tr)
        for shift, tally in ((0.0, "size"), (EFFECT, "coverage")):
            yy = y + shift * d
            df = pd.DataFrame({"enhet": u, "period_start": t, "varde": yy, "efter": post})
            t0 = time.perf_counter()
            ri = randomization_inference(df, treated_units=list(range(k)), seed=seed + i)
            t1 = time.perf_counter()
            wb = wild_cluster_bootstrap(
                yy, d, u, 0, absorb=[u, t], weights="webb", B=B, seed=seed + i, k_absorbed=T
            )
            t2 = time.perf_counter()
            t_ri += t1 - t0
            t_wcr += t2 - t1
            if crit is None:
                from scipy import stats

                crit = float(stats.t.ppf(1 - ALPHA / 2, N - 1))
            if tally == "size":
                rej["cr1"] += wb.p_cr1 <= ALPHA
                rej["ri"] += ri.p_value <= ALPHA
                rej["wcr"] += wb.p_value <= ALPHA
            else:
                cov["cr1"] += abs(wb.estimate - EFFECT) <= crit * wb.se_cr1
                cov["ri"] += covers(ri.ci_low, ri.ci_high, EFFECT)
                cov["wcr"] += covers(wb.ci_low, wb.ci_high, EFFECT)
                ri_unbounded += ri.ci_low is None or ri.ci_high is None
                wcr_unbounded += wb.ci_low is None or wb.ci_high is None
                if ri.ci_low is not None and ri.ci_high is not None:
                    ri_width.append(ri.ci_high - ri.ci_low)
    calls = 2 * draws
    return {
        "scenario": name,
        "N": N,
        "k": k,
        "T": T,
        "sd_treated": sd_tr,
        "draws": draws,
        "B_wcr": B,
        "ri_n_assignments": ri.n_assignments,
        "ri_exact": ri.exact,
        "size": {m: v / draws for m, v in rej.items()},
        "coverage": {m: v / draws for m, v in cov.items()},
        "ri_ci_unbounded_share": ri_unbounded / draws,
        "wcr_ci_unbounded_share": wcr_unbounded / draws,
        "ri_ci_median_width": float(np.median(ri_width)) if ri_width else None,
        "ms_per_ri_call": 1000 * t_ri / calls,
        "ms_per_wcr_call": 1000 * t_wcr / calls,
    }


def run_ri_only(name: str, draws: int, seed: int) -> dict:
    """Cheap, tighter size estimate of RI alone (no bootstrap, no coverage pass)."""
    N, k, T, sd_tr = SCENARIOS[name]
    rng = np.random.default_rng([seed + 1, N, k, int(sd_tr * 10)])  # a fresh stream, not the main run's
    rej = 0
    t_ri = 0.0
    for i in range(draws):
        y, u, t, post, _ = draw_panel(rng, N, T, k, sd_tr)
        df = pd.DataFrame({"enhet": u, "period_start": t, "varde": y, "efter": post})
        t0 = time.perf_counter()
        rej += randomization_inference(df, treated_units=list(range(k)), seed=seed + i).p_value <= ALPHA
        t_ri += time.perf_counter() - t0
    return {"scenario": name, "draws": draws, "size_ri": rej / draws, "ms_per_ri_call": 1000 * t_ri / draws}


def mc_se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n)


def table(results: list[dict]) -> str:
    lines = [
        "| scenario | assignments | size CR1 | size RI | size WCR-Webb | cover CR1 | cover RI | cover WCR | "
        "RI CI unbounded | ms/RI call | ms/WCR call |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s, c = r["size"], r["coverage"]
        lines.append(
            f"| {r['scenario']} | {r['ri_n_assignments']}{' (exact)' if r['ri_exact'] else ''} | "
            f"{s['cr1']:.3f} | {s['ri']:.3f} | {s['wcr']:.3f} | {c['cr1']:.3f} | {c['ri']:.3f} | {c['wcr']:.3f} | "
            f"{r['ri_ci_unbounded_share']:.2f} | {r['ms_per_ri_call']:.1f} | {r['ms_per_wcr_call']:.1f} |"
        )
    n = results[0]["draws"] if results else 0
    if n:
        lines.append("")
        lines.append(f"Monte Carlo SE of a rate near 0.05 with {n} draws: {mc_se(0.05, n):.3f}.")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--B", type=int, default=9999, help="WCR bootstrap draws")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--ri-only", action="store_true", help="only the size of RI (cheap; use many draws)")
    args = ap.parse_args()
    names = args.only or list(SCENARIOS)
    if args.ri_only:
        out = Path(args.out or Path(__file__).with_name("sim_results_ri.json"))
        res = [run_ri_only(name, args.draws, args.seed) for name in names]
        out.write_text(json.dumps(res, indent=2), encoding="utf-8")
        print("| scenario | draws | size RI | MC SE | ms/RI call |\n|---|---|---|---|---|")
        for r in res:
            se = mc_se(0.05, r["draws"])
            print(f"| {r['scenario']} | {r['draws']} | {r['size_ri']:.4f} | {se:.4f} | {r['ms_per_ri_call']:.1f} |")
        return
    args.out = args.out or str(Path(__file__).with_name("sim_results.json"))
    results = []
    t0 = time.perf_counter()
    for name in names:
        ts = time.perf_counter()
        results.append(run(name, args.draws, args.B, args.seed))
        results[-1]["seconds"] = time.perf_counter() - ts
        print(f"{name}: {results[-1]['seconds']:.0f} s", flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table(results))
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
