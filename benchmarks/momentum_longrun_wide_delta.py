"""Diagnostic: :mod:`benchmarks.momentum_longrun` with the Nesterov friction scale's bound widened.

    python -m benchmarks.momentum_longrun_wide_delta --a 2.4 --b 3 --forms nesterov \
        --T 1e3,...,1e9 --json benchmarks/results/momentum_longrun_nesterov_wide_delta_2.4_3.json

In the balance case (``b^2/(2b-1) < a < b``) the family optimum puts ``delta`` (in
``beta_t = 1 - delta/(t + delta + 1)``) on its upper bound 50 from T = 1e6 on
(benchmarks/results/momentum.md, 2026-11-30c). This run widens that bound to ``[1, 1e4]``: the
benchmark with ``--delta-bounds 1,1e4`` (:attr:`LongrunOptions.delta_bounds
<solvers.control.momentum_longrun.LongrunOptions>`; the first runs substituted the bound in
this process, with the same result).
"""

from __future__ import annotations

import sys

from benchmarks import momentum_longrun

#: The widened box of ``delta`` (the optimum reached delta = 454 at T = 1e9).
WIDE_DELTA_BOUNDS = "1,1e4"

if __name__ == "__main__":
    momentum_longrun.main([*sys.argv[1:], "--delta-bounds", WIDE_DELTA_BOUNDS])
