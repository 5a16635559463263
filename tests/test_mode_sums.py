"""Asymptotic constants of the bias and the noise kernel against high-precision direct sums.

The reference is independent of the engine: a direct partial sum up to ``N`` with
``z N^-b <= 0.02`` plus the exact tail ``sum_{k>N} k^-p e^{-z k^-b}
= sum_j (-z)^j/j! zeta(p + b j, N + 1)`` (Hurwitz zeta, rapidly convergent there), at 40 digits.
No ``mpmath.nsum`` (its extrapolation is unreliable on these sums).
"""

from __future__ import annotations

import mpmath as mp
import pytest
import sympy as sp

from theory import derive_scaling_laws, mode_sum_asymptotics
from theory.symbols import a, b, k

#: Working precision of the reference sums (digits); far below the asserted tolerances.
DPS = 40
#: Largest z N^-b for which the Hurwitz-series tail converges fast.
TAIL_ARG = mp.mpf("0.02")


def direct_sum(p: float, bb: float, z: float) -> mp.mpf:
    with mp.workdps(DPS):
        p, bb, z = mp.mpf(p), mp.mpf(bb), mp.mpf(z)
        n = int(mp.ceil((z / TAIL_ARG) ** (1 / bb)))
        head = mp.fsum(mp.power(kk, -p) * mp.exp(-z * mp.power(kk, -bb)) for kk in range(1, n + 1))
        tail, j = mp.mpf(0), 0
        while True:
            term = (-z) ** j / mp.factorial(j) * mp.zeta(p + bb * j, n + 1)
            tail += term
            j += 1
            if abs(term) < mp.mpf(10) ** (-DPS - 5) * abs(head):
                break
        return head + tail


def leading(ms, sub: dict, z: float) -> mp.mpf:
    expr = ms.leading.expr.subs(sub).subs(ms.variable, sp.Integer(z))
    with mp.workdps(DPS):
        return mp.mpf(sp.N(expr, DPS))


def test_kernel_constant_closed_form():
    kern = derive_scaling_laws().kernel
    assert sp.simplify(kern.constant - sp.gamma(2 - 1 / b) / b) == 0
    assert sp.simplify(kern.decay - (2 - 1 / b)) == 0


def test_bias_constant_closed_form():
    bias = derive_scaling_laws().bias
    assert sp.simplify(bias.constant - sp.gamma((a - 1) / b) / b) == 0
    assert sp.simplify(bias.decay - (a - 1) / b) == 0
    # B(tau) = S_a(2 tau): Gamma((a-1)/b)/b (2 tau)^(-(a-1)/b)
    tau = sp.Symbol("tau", positive=True)
    expected = sp.gamma((a - 1) / b) / b * (2 * tau) ** (-(a - 1) / b)
    assert sp.simplify(bias.at(2 * tau) / expected) == 1


@pytest.mark.parametrize(
    ("p_expr", "av", "bv"),
    [(a, 1.5, 3.0), (a, 4.0, 2.0), (2 * b, 2.0, 2.0), (2 * b, 3.0, 3.0), (a, 2.5, 1.2)],
)
def test_mode_sum_against_direct_sum(p_expr, av, bv):
    sub = {a: sp.nsimplify(av), b: sp.nsimplify(bv)}
    ms = mode_sum_asymptotics(k ** (-p_expr), k ** (-b))
    p = float(p_expr.subs(sub))
    zs = (100, 1000) if bv < 1.5 else (1000, 10000)
    errs = []
    for z in zs:
        with mp.workdps(DPS):
            errs.append(abs(direct_sum(p, bv, z) / leading(ms, sub, z) - 1))
    assert errs[0] < 1e-4
    # beyond all orders: faster than z^(-n/b) with n = 4 over one decade (or already ~ 0)
    assert errs[1] < max(errs[0] * 10 ** (-4 / bv), mp.mpf(10) ** (-DPS + 5))


def test_mode_sum_convergence_condition():
    ms = mode_sum_asymptotics(k ** (-a), k ** (-b))
    assert ms.condition == sp.true  # a > 1 under the model's assumptions
    half = mode_sum_asymptotics(k ** (-sp.Rational(1, 2)), k ** (-b))
    assert half.condition == sp.false  # weight exponent 1/2 < 1: the integral diverges
