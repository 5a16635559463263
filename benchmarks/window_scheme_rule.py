"""The hard window's scheme spread read four ways from one default run's optima, at the full
horizon and 100x shorter (issue 12; benchmarks/results/window_2026-12-02/PROTOCOL.md and
window_2026-12-03/PROTOCOL.md).

``optlr validate --a A --b B --claim "hard annealing window" --cache-dir DIR`` on this code, then
this script with the same ``--cache-dir`` (or a new one: the sweep is then solved here). It
evaluates the claim as the CLI does (the default model, horizons and CPU budget) with each
of these options for the window rows (``WINDOW_FIT``):

* ``distance`` — every scheme counts its distance from the primary (main before the branch);
* ``drop`` — protocol v1: a scheme whose extra parameters the slopes do not determine leaves
  the spread;
* ``noise`` — protocol v2: such a derived scheme counts the standard error of its difference
  from the primary, such a free-omega scheme leaves (the window rows' rule);
* ``v3`` — v2 with the fits reaching back 1.5 e-folds of the slowest derived correction
  (``span``) and a primary no determined larger fit contradicts (``refute``);
* ``v4`` — v3 with ``derived (half)`` for ``derived (short)`` (``window``:
  ``window_2026-12-03/PROTOCOL_v4.md``).

and for each, the honesty check H1: the same optima without the last ``--drop-last`` horizons
(4 half-decades: the sweep to ``T_max/100``), whose interval should contain the full reading.
Per line: the value, the half-width, the verdict, the schemes counted as undetermined, then the
shorter sweep's value and half-width and whether it contains the full value and the prediction.
Results: ``benchmarks/results/claims.md`` (2026-12-01s15, 2026-12-01s16 (window16)).

Usage::

    python -m benchmarks.window_scheme_rule --a 2 --b 2.6 --cache-dir DIR
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from unittest import mock

from benchmarks.hard_point_budget import default_context
from solvers.claims import catalog
from solvers.claims.core import evaluate_claim
from solvers.claims.validate import default_horizons

NAME = "hard annealing window"
MODES = {
    "distance": {"undetermined": "distance"},
    "drop": {"undetermined": "drop"},
    "noise": {"undetermined": "noise"},
    "v3": {"undetermined": "noise", "span": 1.5, "refute": True},
    "v4": {"undetermined": "noise", "span": 1.5, "refute": True, "window": "half"},
}


def _line(mode: str, full, short) -> str:
    e = full.measurement.extrapolation
    hw = short.resolution
    inside = abs(short.measured - full.measured) <= hw
    pred = abs(short.measured - full.predicted) <= hw
    return (f"{mode:>8}: {full.measured:.5f} (hw {full.resolution:.4f}) "
            f"{full.verdict.split(':')[0]}; undetermined {list(e.undetermined)} | shorter: "
            f"{short.measured:.5f} (hw {hw:.4f}) contains the full value: {inside}, "
            f"the prediction: {pred}")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", required=True)
    p.add_argument("--b", required=True)
    p.add_argument("--cache-dir", required=True)
    p.add_argument("--drop-last", type=int, default=4)
    opt = p.parse_args()
    model, ctx = default_context(opt.a, opt.b, NAME, opt.cache_dir)
    claim = catalog.CLAIMS[NAME]
    Ts = default_horizons(model, claim)
    for mode, fields in MODES.items():
        t0, w0 = time.process_time(), time.time()
        with mock.patch.object(catalog, "WINDOW_FIT", replace(catalog.WINDOW_FIT, **fields)):
            full = evaluate_claim(claim, model, Ts, ctx)
            solved = full.measurement.diagnostics["T"]
            short = evaluate_claim(claim, model, [T for T in Ts if T < solved[-opt.drop_last]], ctx)
        print(_line(mode, full, short), f"[{time.process_time() - t0:.1f} s CPU, "
              f"{time.time() - w0:.1f} s wall]", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
