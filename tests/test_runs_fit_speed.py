"""The fit's fast paths against their plain definitions: the one-pass condensation of a schedule
against exactly rounded sums of ``eta**p``, and the fit's Jacobian (exact columns for the linear
parameters, forward differences for the rest) against central differences of the residuals."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from solvers.runs import FitOptions, LossParams, Run, loss_curve, mode_nodes, run_grid
from solvers.runs._fit import LOWER, UPPER, _free, _Objective, _prepare, eta_ref
from solvers.runs._functional import condense


def direct_grid(eta, t, p):
    """The definition: per-interval sums of ``eta**p`` and its square, exactly rounded."""
    r = eta**p
    sums = [[math.fsum(x[i:j]) for i, j in itertools.pairwise(t)] for x in (r, r * r)]
    return np.array(sums[0]), np.array(sums[1]), r[t[1:] - 1] - r[t[:-1]]


@pytest.mark.parametrize("p", [1.0, 0.61, 1.3])
def test_condense_matches_exactly_rounded_sums(p):
    rng = np.random.default_rng(3)
    T = 5000
    eta = np.concatenate([np.linspace(1e-5, 1e-3, 300), np.full(3000, 1e-3),
                          1e-3 * np.cos(np.linspace(0, np.pi / 2, T - 3300)) ** 2])  # fmt: skip
    eta[-1] = 0.0  # a zero rate has zero power
    t = np.unique(np.concatenate([[0, T], rng.integers(1, T, 40)]))
    g = condense(eta, t, p)
    for got, want in zip((g.s1, g.s2, g.de), direct_grid(eta, t, p), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-22)


@pytest.mark.parametrize(
    ("fit_gain", "rate_map", "fit_theta"),
    [(False, "power", False), (True, "power", False), (False, "norm", False),
     (False, "norm", True)],
)  # fmt: skip
def test_fit_jacobian_matches_central_differences(fit_gain, rate_map, fit_theta):
    """At a generic point, every free column (exact and forward-difference; with the feedback
    free, all by forward differences; with the norm map, its initial norm; the noise spectrum's
    exponent) against central differences of the residuals; a wrong exact column (say a missing
    log(10)) is off by 2x or more."""
    truth = LossParams(L_inf=2.5, A=1.0, s=50.0, nu=100.0, a=2.2, b=1.4, p=0.8)
    runs = []
    for i, (T, lr) in enumerate([(3000, 1e-3), (4000, 5e-4)]):
        eta = np.full(T, lr)
        eta[T // 2 :] *= np.linspace(1, 0.01, T - T // 2)
        steps = np.arange(200, T + 1, 200)
        g = run_grid(eta, steps, power=0.8)
        loss = loss_curve(truth, g, mode_nodes(10**6))[g.index(steps)] * (1 + 1e-3 * np.sin(steps))
        runs.append(Run(f"r{i}", np.arange(T), eta, {"val": (steps, loss)}, {"weight_decay": 0.1}))
    opts = FitOptions(n_boot=0, n_modes=10**6, min_step=200, n_grid=60, fit_gain=fit_gain,
                      rate_map=rate_map, fit_theta=fit_theta)  # fmt: skip
    data = _prepare(runs, opts, eta_ref(runs))
    free = _free(opts)
    norm = rate_map == "norm"
    z_full = np.array([2.4, 0.1, 1.2, 1.7, 2.0, 1.5, 1.0 if norm else 0.7,
                       0.3 if fit_gain else 0.0, 0.4, 0.7 if fit_theta else 1.0])  # fmt: skip
    obj = _Objective(data, mode_nodes(10**6), free, None, z_full.copy(), LOWER, UPPER)
    z = z_full[free]
    J, r0, eps = obj.jac(z), obj.fun(z), np.finfo(float).eps
    assert J.shape == (sum(d.idx.size for d in data), 7 + fit_gain + fit_theta)
    for i in range(z.size):
        h = 1e-5
        zp, zm = z.copy(), z.copy()
        zp[i] += h
        zm[i] -= h
        want = (obj.fun(zp) - obj.fun(zm)) / (2 * h)
        scale = np.max(np.abs(want))
        # forward differences carry rounding of order eps |r| / h (the residuals are ~13 here)
        rounding = 50 * eps * np.max(np.abs(r0)) / (np.sqrt(eps) * max(1.0, abs(z[i])))
        assert scale > 0
        assert np.max(np.abs(J[:, i] - want)) < 1e-4 * scale + rounding, i
