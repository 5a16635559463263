"""Heavy ball on the friction cap: the derived growth of the fed-back noise (issue 13).

Checked against closed forms, substitution and the compiled recursion, never against earlier
output:

* the derivation (:func:`theory.derive_cap_growth`) by substitution: the response solves
  ``(zI - A) x = u``; the energy is kept by the noise-free map; the kernel's limit is the residue;
  the small-rate response and the adiabatic power are the limits they claim;
* the Malthusian root against the compiled recursion (:func:`general_momentum_forward`, which
  knows nothing of roots) run at constant rate on the cap: the loss's growth per step agrees to
  1e-9 at rates 0.01-2; three wrong kernels fail the same comparison by more than 5 %: no
  velocity memory (friction 0), ``lambda`` instead of ``lambda^2`` in the feedback (the source
  divided by ``lambda``), and the mode's own fourth-moment term dropped;
* the small-rate limit: ``kappa(h) -> kappa_0`` as ``h -> 0`` (as ~h^0.6: the modes too slow
  to oscillate), ``kappa(h) >= kappa_0 (1 - 2e-4)`` for ``h`` in ``[1e-5, 2]``; the grid's ``kappa_0``
  against the infinite power law's (``sum_n zeta(n b) rho^-n = 1``), and its closed form
  against a direct sum;
* the adiabatic law: a coast with a slowly varying rate (up and down by 10x) grows by
  ``kappa_0 H + 1/2 ln(h_end/h_start)`` within 0.15 over 2-12 e-folds; without the adiabatic
  term, or with power 1, it fails by more than 0.4;
* the per-step optimum at T = 1e3: the frozen-rate slope of its largest coast's growth in ``H``
  at fixed length lies within 6 % of the slope the recursion gives (0.364).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from solvers.dynamics.modes import ModeGrid
from solvers.dynamics.momentum_cap import frozen_growth
from solvers.dynamics.momentum_forms import general_momentum_forward
from theory import (
    PLRFModel,
    cap_growth_rate,
    cap_growth_root,
    derive_cap_growth,
    power_law_small_rate_growth,
    small_rate_growth,
)
from theory._momentum_cap import cap_map, h, s, z
from theory.symbols import inv_m, lam

MODEL = PLRFModel(a=1.3, b=2.75, sigma=0.7, batch=4.0, n_modes=10**15)
GRID = ModeGrid.from_model(MODEL, exact=32, ratio=1.3)
IOTA = 1.0 / MODEL.batch
OPTIMUM_1E3 = "benchmarks/results/momentum_per_step_pn13_heavy-ball_1000.npz"


def _path(grid, rates) -> np.ndarray:
    """``L(t) + sigma^2`` of the compiled recursion on the cap at ``rates`` from the model's
    initial error."""
    n = len(rates)
    out = np.empty(n + 1)
    one = np.ones(n)
    general_momentum_forward(grid.lam, grid.weight, grid.c0, np.zeros(n), np.asarray(rates, float),
                             one, one, np.full(n, IOTA), MODEL.sigma**2, np.arange(n + 1), out)  # fmt: skip
    return out + MODEL.sigma**2


def _simulated_log_growth(rate: float, log_z: float) -> float:
    n = int(500 / log_z)
    tail = np.log(_path(GRID, np.full(n, rate))[-n // 5 :])
    return (tail[-1] - tail[0]) / (tail.size - 1)


def test_derivation_by_substitution():
    g = derive_cap_growth()
    A, u, R = g.matrix, g.source, g.response
    for pt in ({lam: sp.Rational(3, 10), h: sp.Rational(1, 2), inv_m: sp.Rational(1, 4), z: 3},
               {lam: sp.Rational(1, 7), h: 2, inv_m: 1, z: sp.Rational(11, 10)}):  # fmt: skip
        x = (z * sp.eye(3) - A).subs(pt).LUsolve(u.subs(pt))  # exact rationals
        assert lam.subs(pt) * x[0] == R.subs(pt) != 0
    closed = (inv_m * h**2 * lam**2 * z * (z + 1)) / (
        (z - 1) * ((z - 1) ** 2 + h * lam * (4 - h * lam) * z) - inv_m * h**2 * lam**2 * z * (z + 1)
    )
    assert sp.cancel(R - closed) == 0
    A0 = A.subs(inv_m, 0)
    assert sp.simplify(g.energy * A0 - g.energy) == sp.zeros(1, 3)
    assert g.energy != sp.zeros(1, 3)
    R0 = lam * ((z * sp.eye(3) - A0).LUsolve(u))[0]  # the fed-back noise, no self term
    pt = {lam: sp.Rational(3, 10), h: sp.Rational(1, 2), inv_m: sp.Rational(1, 4)}
    eps = sp.Rational(1, 10**12)
    resid = ((z - 1) * R0).subs(pt).subs(z, 1 + eps)
    assert abs(float(resid - g.kernel_limit.subs(pt))) < 1e-10
    assert sp.simplify(g.small_rate_response - inv_m * lam / (2 * s - inv_m * lam)) == 0
    assert g.adiabatic_power == sp.Rational(1, 2)
    assert sp.simplify(g.frequency - (1 - h * lam / 2)) == 0


@pytest.mark.parametrize("rate", [0.01, 0.1, 0.5, 1.0, 2.0])
def test_root_is_the_recursions_growth(rate):
    lz = cap_growth_root(GRID.lam, GRID.weight, rate, IOTA)
    assert _simulated_log_growth(rate, lz) == pytest.approx(lz, rel=1e-9)


def _mutations():
    A, u = cap_map()
    no_self = A.copy()
    no_self[:, 0] = A[:, 0].subs(inv_m, 0)
    return {
        "no velocity memory": cap_map(friction=0),
        "lambda instead of lambda^2": (A, u / lam),
        "no fourth-moment self term": (no_self, u),
    }


@pytest.mark.parametrize("name", list(_mutations()))
def test_wrong_kernels_fail(name):
    rate = 0.5
    truth = _simulated_log_growth(rate, cap_growth_root(GRID.lam, GRID.weight, rate, IOTA))
    try:
        wrong = cap_growth_root(GRID.lam, GRID.weight, rate, IOTA, form=_mutations()[name])
    except ValueError:  # no growth root at all: fails as well
        return
    assert abs(wrong / truth - 1) > 0.05


def test_small_rate_limit():
    k0 = small_rate_growth(GRID.lam, GRID.weight, IOTA)
    k1, k2, k3 = (cap_growth_rate(GRID.lam, GRID.weight, r, IOTA) for r in (1e-3, 1e-4, 1e-6))
    assert abs(k1 - k0) > abs(k2 - k0) > abs(k3 - k0) and abs(k2 - k0) < 1e-4 * k0
    # the lower bound the coasts' argument uses: kappa(h) >= kappa_0 (1 - 2e-4) for h <= 2
    ks = [cap_growth_rate(GRID.lam, GRID.weight, r, IOTA) for r in (1e-5, 3e-4, 3e-3, 0.03, 0.3, 2)]
    assert min(ks) > k0 * (1 - 2e-4)
    assert power_law_small_rate_growth(MODEL.b, IOTA) == pytest.approx(k0, rel=1e-5)
    rho = 2 * power_law_small_rate_growth(MODEL.b, IOTA) / IOTA  # its sum, over 1e6 modes + tail
    k = np.arange(1, 10**6 + 1, dtype=float)
    lk = k**-MODEL.b
    direct = np.sum(lk / (rho - lk)) + (10**6) ** (1 - MODEL.b) / ((MODEL.b - 1) * rho)
    assert direct == pytest.approx(1.0, abs=1e-6)
    # not the feedback-only guess iota sum(w lam)/2 (the self term doubles the top mode)
    assert k0 > 1.5 * IOTA * float(np.sum(GRID.weight * GRID.lam)) / 2


@pytest.mark.parametrize(
    ("h0", "h1", "n"), [(2e-3, 2e-2, 6000), (2e-2, 2e-3, 6000), (5e-3, 5e-2, 3000)]
)
def test_adiabatic_growth(h0, h1, n):
    k0 = small_rate_growth(GRID.lam, GRID.weight, IOTA)
    rates = np.geomspace(h0, h1, n)
    S = _path(GRID, rates)
    for a in (n // 4, n // 2):
        meas = math.log(S[n] / S[a])
        H = rates[a:].sum()
        ad = math.log(rates[-1] / rates[a])
        assert meas == pytest.approx(k0 * H + ad / 2, abs=0.15)
        assert abs(meas - k0 * H) > 0.4 and abs(meas - k0 * H - ad) > 0.4


def test_frozen_slope_at_the_optimum():
    from benchmarks.momentum_per_step_kkt import _as_start

    stored = np.load(OPTIMUM_1E3)
    T = stored["controls"].shape[1]
    coef = np.array(_as_start("heavy-ball", stored["controls"], T))
    on_cap = np.r_[False, coef[2] > 1 - 2e-7, False]
    edges = np.flatnonzero(np.diff(on_cap.astype(int)))
    s0, e0 = max(zip(edges[::2], edges[1::2], strict=True), key=lambda se: se[1] - se[0])
    out, rows = np.empty(T + 1), []
    for f in (0.8, 0.9, 1.0, 1.1):
        c = coef.copy()
        c[1, s0:e0] *= f
        general_momentum_forward(GRID.lam, GRID.weight, GRID.c0, *map(np.ascontiguousarray, c),
                                 np.full(T, IOTA), MODEL.sigma**2, np.arange(T + 1), out)  # fmt: skip
        S = out[s0 : e0 + 61].max() + MODEL.sigma**2
        rows.append((c[1, s0:e0].sum(), math.log(S / (out[s0] + MODEL.sigma**2))))
    measured = np.polyfit(*np.array(rows).T, 1)[0]
    frozen = frozen_growth(GRID, top=2.0, points=16).slope(coef[1, s0:e0])
    assert measured == pytest.approx(0.364, abs=0.002)  # the recursion, not the derivation
    assert frozen == pytest.approx(measured, rel=0.06)
    assert not frozen == pytest.approx(small_rate_growth(GRID.lam, GRID.weight, IOTA), rel=0.06)
