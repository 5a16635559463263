"""The stored per-step EMA points of the continuation 1e4 -> 3e4 -> 1e5 (issue 13,
benchmarks/results/momentum.md 2026-12-02s21, s22 and s23), re-evaluated from their ``.npz`` files.

Each file holds the controls ``(eta_t, beta_t)`` of one stage
(``benchmarks.momentum_per_step_converge --out``) at the study's setup (1.3, 2.75), sigma 0.7,
batch 4, on the driver's 151-state grid, with the solver's ``loss`` and ``kkt``. The check
recomputes ``L(T)`` and the box-scaled KKT sum from a one-off adjoint call with the EMA chain
rule written out (:func:`benchmarks.momentum_per_step_recheck.recheck`, none of the solver's
objective code). The 1e4 point (s21's) and the 3e4 point (s23's, the Newton-CR finish) are
converged: their sums are asserted below the stated tolerance 1e-4, and the same controls with
the frictions ``1 - beta_t`` of one block of ``T/100`` steps raised by a relative 1e-3 are
asserted to fail it (the check sees a point that is not a KKT point; the rates are no such probe
early on: the optimum holds them on ``eta_max`` there, and a raised rate is clipped back). The
3e4 and 1e5 points of s21 and s22, and s23's second 3e4 point and two 1e5 points, are not converged: the numbers the
results sections quote for them (loss, KKT sum) are asserted to be what the stored
controls give.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from benchmarks.momentum_per_step_converge import _family_start
from benchmarks.momentum_per_step_recheck import recheck
from solvers.dynamics.modes import ModeGrid

RESULTS = Path(__file__).parents[1] / "benchmarks/results"
#: The stated tolerance of the solves (the KKT sum of ``solve_per_step``).
TOL = 1e-4
#: The stored points that are not converged: (session tag, T). s22's are the box-unit L-BFGS-B
#: finish from s21's (momentum.md, 2026-12-02s22).
UNCONVERGED = [("mom21", 30000), ("mom21", 100000), ("mom22", 30000), ("mom22", 100000),
               ("mom23", 100000), ("mom23b", 30000), ("mom23b", 100000)]  # fmt: skip
#: The stored points that are converged: (session tag, T). s23's is the Newton-CR finish from
#: s22's 3e4 point (momentum.md, 2026-12-02s23).
CONVERGED = [("mom21", 10000), ("mom23", 30000)]


def _stored(T: int, tag: str = "mom21"):
    d = np.load(RESULTS / f"momentum_per_step_{tag}_ema_{T}.npz")
    model, _ = _family_start("ema", T)
    u = np.asarray(d["controls"], dtype=float)
    return d, u, ModeGrid.from_model(model, exact=32, ratio=1.3)


@pytest.mark.slow
@pytest.mark.parametrize("tag, T", CONVERGED)
def test_stored_ema_optimum_meets_its_kkt_test_and_a_perturbed_one_does_not(tag, T):
    """~2 s CPU at 1e4, ~5 s at 3e4 (two adjoint calls). At 3e4 the probe gives 0.174."""
    d, u, grid = _stored(T, tag)
    assert u.shape == (2, T)
    assert np.all((u[0] >= 0) & (u[0] <= grid.model.eta_max) & (u[1] >= 0) & (u[1] < 1))
    L, kkt = recheck("ema", T, u, grid)
    assert kkt <= TOL
    assert L == pytest.approx(float(d["loss"]), rel=1e-10)
    assert L < float(d["family_loss"])  # the per-step problem contains the family's schedule
    wrong = u.copy()
    block = slice(T // 10, T // 10 + T // 100)
    wrong[1, block] = 1.0 - (1.0 - wrong[1, block]) * (1 + 1e-3)  # the frictions 1 - beta
    L_wrong, kkt_wrong = recheck("ema", T, wrong, grid)
    assert math.isfinite(L_wrong) and kkt_wrong > TOL


@pytest.mark.slow
@pytest.mark.parametrize("tag, T", UNCONVERGED)
def test_stored_unconverged_ema_points_give_the_quoted_numbers(tag, T):
    """~1 s at 3e4, ~3 s CPU and 0.4 GB of states at 1e5 (one adjoint call)."""
    d, u, grid = _stored(T, tag)
    assert u.shape == (2, T)
    L, kkt = recheck("ema", T, u, grid)
    assert L == pytest.approx(float(d["loss"]), rel=1e-10)
    assert kkt == pytest.approx(float(d["kkt"]), rel=1e-6)
    assert kkt > TOL and int(d["status"]) != 0  # stored as not converged, and it is not
    assert L < float(d["family_loss"])
