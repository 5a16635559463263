"""The compute-optimal claim's verdict at its default compute levels or further (quarter decades).

``optlr validate --claim compute-optimal`` runs the claim at ``COMPUTE_CLAIM_C`` (1e3 .. 1e5);
this evaluates the same claim (same estimator, error budget and verdict) on quarter decades from
1e3 to ``--C-max``, to check that a default verdict is not reversed 100x further, and prints the
budget (with the plateau reference in the hard phase), the verdicts of the prediction shifted by
+-0.02 and the raw local slopes (benchmarks/results/claims.md, 2026-11-30l).

Usage::

    python -m benchmarks.compute_claim_reach --a 1.2 --b 1.7 --C-max 1e7
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from solvers.claims import CLAIMS, statistical_verdict
from solvers.claims.core import BeyondScale, ExperimentContext, evaluate_claim
from theory import PLRFModel


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", type=float, required=True)
    p.add_argument("--b", type=float, required=True)
    p.add_argument("--C-max", type=float, default=1e5)
    p.add_argument("--claim", default="compute-optimal")
    args = p.parse_args()
    model = PLRFModel(args.a, args.b)
    n = round(4 * float(np.log10(args.C_max / 1e3))) + 1
    Cs = tuple(float(f"{10 ** (3 + j / 4):.3g}") for j in range(n))
    ctx = ExperimentContext(beyond=BeyondScale(compute_claim_C=Cs))
    c0, w0 = time.process_time(), time.perf_counter()
    claim = CLAIMS[args.claim]
    r = evaluate_claim(claim, model, [], ctx)
    e = r.measurement.extrapolation
    print(f"({args.a:g}, {args.b:g}) C <= {Cs[-1]:.3g} {claim.name}: predicted {r.predicted:.5f}, "
          f"measured {r.measured:.5f} ± {r.stderr:.4f} (half-width {r.resolution:.4f}): {r.verdict}")  # fmt: skip
    print("budget", {k: float(f"{v:.3g}") for k, v in e.budget.items()},
          "reference", r.measurement.diagnostics.get("reference_value"))  # fmt: skip
    print("local slopes", " ".join(f"{x:.3g}:{s:.4f}" for x, s in zip(e.x, e.slopes, strict=True)))
    for d in (0.02, -0.02):
        print(f"prediction {d:+g}:", statistical_verdict(e, r.predicted + d, claim.resolution))
    print(f"CPU {time.process_time() - c0:.1f} s, wall {time.perf_counter() - w0:.1f} s")


if __name__ == "__main__":
    main()
