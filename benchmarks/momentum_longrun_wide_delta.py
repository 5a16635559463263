"""Diagnostic: :mod:`benchmarks.momentum_longrun` with the Nesterov friction scale's bound widened.

    python -m benchmarks.momentum_longrun_wide_delta --a 2.4 --b 3 --forms nesterov \
        --T 1e3,...,1e9 --json benchmarks/results/momentum_longrun_nesterov_wide_delta_2.4_3.json

In the balance case (``b^2/(2b-1) < a < b``) the family optimum puts ``delta`` (in
``beta_t = 1 - delta/(t + delta + 1)``) on its upper bound 50 from T = 1e6 on
(benchmarks/results/momentum.md, 2026-11-30c). This run widens that one bound to ``[1, 1e4]`` for
this process only (it wraps :func:`solvers.control.momentum_longrun.longrun_parameters`); every
other option is the benchmark's. A diagnostic, not a change of the family: if the wider bound
pays off at every horizon, the family's bound should become an option.
"""

from __future__ import annotations

import math
import sys

import solvers.control.momentum_longrun as longrun
from benchmarks import momentum_longrun

WIDE_LOG_DELTA = (0.0, math.log(1e4))  # the optimum reached delta = 454 at T = 1e9
_bounded = longrun.longrun_parameters


def _wide(form, model, knots):
    names, x0, bounds = _bounded(form, model, knots)
    if "log delta" in names:
        bounds = tuple(
            WIDE_LOG_DELTA if n == "log delta" else b for n, b in zip(names, bounds, strict=True)
        )
    return names, x0, bounds


if __name__ == "__main__":
    longrun.longrun_parameters = _wide
    momentum_longrun.main(sys.argv[1:])
