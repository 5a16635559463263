"""Is a failed fitted-mode-law fit the optimiser's or the data's? (fit.md 2026-11-30f)

    python -m benchmarks.fit_law_check [--points hard,easy] [--out FILE]
    python -m benchmarks.fit_law_check --scales 0.25,0.5,2 [--points hard] [--out FILE]

On the runs of ``fit_generated --sizes`` (sizes 8, 32, 2000 modes), the shared fit with every
size's TRUE mode count held (the 2026-11-30e "own modes, no feedback" fit) and the shared fit
with the mode law fitted (``FitOptions(mode_law=True)``) minimise the same residuals (the law
contains the truth: ``gamma = 1``). If the law fit's cost is above the true-count fit's, the
law fit stopped in a local optimum (the optimiser's failure); if at or below, the runs do not
pin the mode counts and ``(a, b)`` together (the data's). Prints both costs, RSS and ``(a, b)``.
With ``--scales``: instead, the shared fit with every size's count held at that multiple of the
truth (the profile of the cost along the count; no law fit).
"""

from __future__ import annotations

import argparse
import json
import time

from benchmarks.fit_generated import FIT_FRACTIONS, POINTS, SIZES, generate
from solvers.runs import FitOptions, fit_shared


def check(phase: str, sizes=SIZES) -> dict:
    """Both fits at one generating point; costs, RSS, ``(a, b)``, CPU and wall seconds."""
    t0, c0 = time.perf_counter(), time.process_time()
    runs = {N: generate(phase, n_modes=N, fractions=FIT_FRACTIONS) for N in sizes}
    base = dict(n_boot=0, min_step=50, max_points=20, n_grid=100)
    out = {"phase": phase, "truth": POINTS[phase]}
    for name, fit in (
        (
            "true counts",
            lambda: fit_shared(runs, FitOptions(**base), n_modes={N: N for N in sizes}),
        ),
        ("mode law", lambda: fit_shared(runs, FitOptions(**base, mode_law=True))),
    ):
        f = fit()
        out[name] = {"cost": f.cost, "rss": f.phase_rss, "a": f.a, "b": f.b, "p_easy": f.p_easy,
                     "mode_law": f.mode_law}  # fmt: skip
        print(phase, name, out[name], flush=True)
    out["seconds"] = {"cpu": time.process_time() - c0, "wall": time.perf_counter() - t0}
    print(phase, out["seconds"], flush=True)
    return out


def profile(phase: str, scales, sizes=SIZES) -> dict:
    """Shared fits with the counts held at ``scale`` times the true ones, per scale."""
    t0, c0 = time.perf_counter(), time.process_time()
    runs = {N: generate(phase, n_modes=N, fractions=FIT_FRACTIONS) for N in sizes}
    opts = FitOptions(n_boot=0, min_step=50, max_points=20, n_grid=100)
    out = {"phase": phase, "truth": POINTS[phase], "scales": {}}
    for m in scales:
        f = fit_shared(runs, opts, n_modes={N: max(1, round(m * N)) for N in sizes})
        out["scales"][m] = {"cost": f.cost, "rss": f.phase_rss, "a": f.a, "b": f.b,
                            "p_easy": f.p_easy}  # fmt: skip
        print(phase, m, out["scales"][m], flush=True)
    out["seconds"] = {"cpu": time.process_time() - c0, "wall": time.perf_counter() - t0}
    print(phase, out["seconds"], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", default="hard,easy")
    ap.add_argument("--out")
    ap.add_argument("--scales", help="comma-separated multiples of the true counts (profile)")
    args = ap.parse_args()
    scales = [float(v) for v in args.scales.split(",")] if args.scales else None
    rows = [profile(p, scales) if scales else check(p) for p in args.points.split(",")]
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1, default=float)


if __name__ == "__main__":
    main()
