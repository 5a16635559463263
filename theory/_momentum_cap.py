r"""Heavy ball on the friction cap: how fast the fed-back noise grows over a coast, derived.

A *coast* is a run of steps with heavy ball's friction on its cap, :math:`c = 1`
(:math:`v' = v + g`, :math:`\Delta' = \Delta - h v'`): nothing damps. The exact second-moment
closure (:func:`theory.second_moment_closure` of :func:`theory.general_momentum` at
:math:`\alpha = 0, \gamma = h, \beta = 1, q = 1`) is, per mode, a linear map of
:math:`m = (D, X, V) = (E[\Delta^2], E[\Delta v], E[v^2])` driven by the noise source
:math:`S = L + \sigma^2`,

.. math::

    m_{t+1} = A(\lambda, h, \iota)\, m_t + u(\lambda, h, \iota)\,(L_t + \sigma^2), \qquad
    L_t = \sum_k w_k \lambda_k D_{k,t},

with :math:`u = \iota\lambda\,(h^2, -h, 1)` (the fed-back noise enters the velocity, and the
weights through the step) and, in :math:`A`, the mode's own fourth-moment term
:math:`\iota\lambda^2 D`. At frozen :math:`h` the loss obeys a renewal (discrete Volterra)
equation :math:`L_{t+1} = b_{t+1} + \sum_{s \le t} K(t - s)(L_s + \sigma^2)` with a nonnegative
kernel whose transform is :math:`\sum_k w_k R_k(z)`,

.. math::

    R_k(z) = \lambda_k [(zI - A_k)^{-1} u_k]_D
           = \frac{\iota h^2\lambda_k^2 z(z+1)}
                  {(z-1)\,[(z-1)^2 + h\lambda_k(4 - h\lambda_k) z] - \iota h^2\lambda_k^2 z(z+1)} .

Its Malthusian root :math:`z_*(h)`, :math:`\sum_k w_k R_k(z_*) = 1` above every mode's own pole,
is the loss's growth per step, and :math:`\kappa(h) = \ln z_*(h)/h` its growth per unit
integrated rate :math:`H = \sum_t h_t`. Derived here (:func:`derive_cap_growth`):

* the undamped oscillator's invariant :math:`E = \lambda D/h + \lambda X + V` (the left
  eigenvector of the noise-free map with eigenvalue 1) and the kernel's limit
  :math:`K_k(\infty) = 2\iota h\lambda_k/(4 - h\lambda_k)` (the residue at :math:`z = 1`):
  an oscillating mode keeps every unit of noise fed into it;
* the small-rate limit :math:`z = 1 + h s`, :math:`h \to 0`:
  :math:`R_k \to \iota\lambda_k/(2s - \iota\lambda_k)`, so the growth per unit :math:`H` is

  .. math::

      \kappa_0 = \frac{\iota\rho_*}{2}, \qquad \sum_k \frac{w_k\lambda_k}{\rho_* - \lambda_k} = 1,
      \quad \rho_* > \lambda_{\max},

  a number of the spectrum (``b`` and the mode count, through the sum) and the batch only —
  not of ``a``, ``sigma``, the horizon or the coast's length or rate profile;
* the adiabatic factor: the oscillation's frequency per step is :math:`\theta` with
  :math:`\cos\theta = 1 - h\lambda/2`, :math:`\theta \simeq \sqrt{h\lambda}`, so under slowly varying
  rates a mode's energy scales as :math:`\theta \propto h^{1/2}` (the action :math:`E/\theta` is
  kept). In the small-rate limit, with every mode phase-mixed (:math:`\lambda D \simeq` half its
  energy), :math:`W_k = \lambda_k E_k/\sqrt h` obeys the *constant-coefficient positive* system
  :math:`dW_k/dH = (\iota\lambda_k/2)(\sum_j w_j W_j + W_k) + \iota\lambda_k\sigma^2/\sqrt h`,
  whatever the rate profile, whose Perron root is :math:`\kappa_0`: over a coast
  :math:`\ln(L + \sigma^2)` grows by :math:`\kappa_0 H + \tfrac12\ln(h_{\rm end}/h_{\rm start})
  + O(1)`.

Numbers (:func:`cap_growth_root`, :func:`small_rate_growth`, :func:`power_law_small_rate_growth`)
by mpmath at a scoped precision. Imports nothing from ``solvers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import mpmath as mp
import numpy as np
import sympy as sp

from .symbols import L, inv_m, lam

__all__ = [
    "CapGrowth",
    "cap_growth_rate",
    "cap_growth_root",
    "derive_cap_growth",
    "power_law_small_rate_growth",
    "small_rate_growth",
]

#: The coast's rate per step, the growth factor per step and the growth per unit rate.
h = sp.Symbol("h", positive=True)
z = sp.Symbol("z", positive=True)
s = sp.Symbol("s", positive=True)
#: Working precision (decimal digits) of the roots: the tail bins weigh up to ~1e15 modes.
DPS = 40


@dataclass(frozen=True)
class CapGrowth:
    r"""The moment dynamics on the cap and what they derive (see the module docs).

    Attributes
    ----------
    matrix : sympy.Matrix
        :math:`A(\lambda, h, \iota)`, 3 x 3 on :math:`(D, X, V)`.
    source : sympy.Matrix
        :math:`u`, the response of the moments to one unit of :math:`L` (the fed-back noise).
    response : sympy.Expr
        :math:`R(z) = \lambda[(zI - A)^{-1}u]_D`, one mode's kernel transform (loss units).
    energy : sympy.Matrix
        Row :math:`e` with :math:`e A|_{\iota=0} = e`: the noise-free map keeps :math:`e\cdot m`.
    kernel_limit : sympy.Expr
        :math:`K(\infty)`, the residue of :math:`R|_{\iota = 0}` at :math:`z = 1`.
    small_rate_response : sympy.Expr
        :math:`\lim_{h\to0} R(1 + h s)` (``s``: growth per unit integrated rate).
    frequency : sympy.Expr
        :math:`\cos\theta` of the noise-free oscillation per step.
    adiabatic_power : sympy.Expr
        :math:`\lim_{h\to0} d\ln\theta/d\ln h`: the power of ``h`` a mode's energy follows.
    """

    matrix: sp.Matrix
    source: sp.Matrix
    response: sp.Expr
    energy: sp.Matrix
    kernel_limit: sp.Expr
    small_rate_response: sp.Expr
    frequency: sp.Expr
    adiabatic_power: sp.Expr


def cap_map(friction=1) -> tuple[sp.Matrix, sp.Matrix]:
    """``(A, u)`` of heavy ball on the cap (``friction`` 1; another value gives the same
    closure at that friction, for checks) from the general momentum closure."""
    from ._moments import beta, second_moment_closure
    from ._momentum_exponents import alpha_s, gamma_s, general_momentum, q_s

    cl = second_moment_closure(general_momentum())
    sub = {alpha_s: 0, gamma_s: h, beta: friction, q_s: 1}
    rec = sp.Matrix([sp.expand(r.subs(sub)) for r in cl.recursion])
    return rec.jacobian(sp.Matrix(cl.moments)), rec.diff(L)


def mean_map() -> sp.Matrix:
    r"""The noise-free map of :math:`(\Delta, v)` on the cap (``g`` at its mean
    :math:`\lambda\Delta`), from the general update; its determinant is 1."""
    from ._moments import Delta, beta, g, v
    from ._momentum_exponents import alpha_s, gamma_s, general_momentum, q_s

    upd = general_momentum()
    sub = {alpha_s: 0, gamma_s: h, beta: 1, q_s: 1}
    new = sp.Matrix([sp.expand(u.subs(sub).subs(g, lam * Delta)) for u in upd.update])
    M = new.jacobian(sp.Matrix([Delta, v]))
    if sp.simplify(M.det()) != 1:  # pragma: no cover - a derivation check
        raise AssertionError("the cap's mean map is not area-preserving")
    return M


def transfer(matrix: sp.Matrix, source: sp.Matrix) -> sp.Expr:
    r""":math:`\lambda[(zI - A)^{-1}u]_D` by Cramer's rule (``A``, ``u`` may be mutated forms)."""
    M = z * sp.eye(3) - matrix
    num = M.copy()
    num[:, 0] = source
    return sp.factor(sp.cancel(lam * num.det(method="berkowitz") / M.det(method="berkowitz")))


@cache
def derive_cap_growth() -> CapGrowth:
    """Derive :class:`CapGrowth` (once per process, kept on disk by :mod:`theory._disk`)."""
    from ._disk import load_or_compute

    return load_or_compute("momentum-cap-growth", _derive)


def _derive() -> CapGrowth:
    """The derivation behind :func:`derive_cap_growth`.

    Examples
    --------
    >>> g = derive_cap_growth()
    >>> sp.simplify(g.small_rate_response - inv_m * lam / (2 * s - inv_m * lam))
    0
    >>> g.kernel_limit
    -2*h*iota*lambda/(h*lambda - 4)
    """
    A, u = cap_map()
    R = transfer(A, u)
    A0 = A.subs(inv_m, 0)
    e = (A0.T - sp.eye(3)).nullspace()[0]
    e = sp.simplify(e / e[2]).T
    if sp.simplify(e * A0 - e) != sp.zeros(1, 3):  # pragma: no cover - a derivation check
        raise AssertionError("the noise-free cap map does not keep e . m")
    R0 = transfer(A0, u)
    limit = sp.factor(sp.cancel((z - 1) * R0).subs(z, 1))
    small = sp.factor(sp.limit(sp.cancel(R.subs(z, 1 + h * s)), h, 0))
    cos_theta = sp.simplify(mean_map().trace() / 2)  # det 1: eigenvalues exp(+-i theta)
    theta = sp.acos(cos_theta)
    power = sp.limit(sp.diff(sp.log(theta), h) * h, h, 0)
    return CapGrowth(A, u, R, e, limit, small, cos_theta, sp.nsimplify(power))


#: z - 1, the variable the roots are found in (z itself loses the digits of a slow growth).
y = sp.Symbol("y", positive=True)


def _numeric(matrix: sp.Matrix, response: sp.Expr):
    """mpmath functions ``(y, lam, h, iota) -> R(1 + y)`` and ``(lam, h, iota) ->`` the
    coefficients in ``y`` of ``det((1 + y)I - A)`` (highest power first)."""
    num, den = sp.fraction(sp.cancel(response.subs(z, 1 + y)))
    poly = sp.Poly(sp.expand((z * sp.eye(3) - matrix).det().subs(z, 1 + y)), y).all_coeffs()
    return (sp.lambdify((y, lam, h, inv_m), sp.horner(num, wrt=y) / sp.horner(den, wrt=y), "mpmath"),
            sp.lambdify((lam, h, inv_m), poly, "mpmath"))  # fmt: skip


@cache
def _default_numeric():
    g = derive_cap_growth()
    return _numeric(g.matrix, g.response)


def _largest_pole(poly, pairs, hh, io) -> mp.mpf:
    """Largest real root ``y`` over the modes of ``det((1 + y)I - A_k) = 0`` (the modes' own
    growth without feedback), located in floats, refined by Newton at the working precision."""
    best, arg = -mp.inf, None
    for lk, _ in pairs:
        coeffs = [float(c) for c in poly(lk, hh, io)]
        roots = np.roots(np.trim_zeros(coeffs, "f") or [1.0])
        real = roots[np.abs(roots.imag) <= 1e-9 * np.abs(roots)].real
        if real.size and real.max() > best:
            best, arg = real.max(), lk
    coeffs = poly(arg, hh, io)
    return mp.findroot(lambda x: mp.polyval(coeffs, x), mp.mpf(best))


def cap_growth_root(lams, weights, rate, inv_batch, *, form=None) -> float:
    r"""The Malthusian root of the cap's renewal equation at frozen rate ``rate``, as
    :math:`\ln z_*`: :math:`\sum_k w_k R_k(z_*) = 1`, :math:`z_*` above every mode's own pole.

    ``lams``, ``weights``: the spectrum (weights: modes per entry); ``inv_batch``: :math:`\iota`.
    ``form``: ``(matrix, source)`` to use instead of the derived cap map (for checks).
    """
    R, poly = _default_numeric() if form is None else _numeric(form[0], transfer(*form))
    with mp.workdps(DPS):
        hh, io = mp.mpf(rate), mp.mpf(inv_batch)
        pairs = [
            (mp.mpf(float(lk)), mp.mpf(float(wk))) for lk, wk in zip(lams, weights, strict=True)
        ]
        pole = _largest_pole(poly, pairs, hh, io)
        lo = pole * (1 + mp.mpf(10) ** -(DPS // 2)) if pole > 0 else mp.mpf(10) ** -(DPS // 2)

        def f(yy):
            return mp.fsum(wk * R(yy, lk, hh, io) for lk, wk in pairs) - 1

        if f(lo) <= 0:
            raise ValueError(f"no growth root above the modes' own poles at rate {rate!r}")
        hi = max(2 * lo, hh * io / 8)  # any start above lo: doubled until f(hi) <= 0
        while f(hi) > 0:
            lo, hi = hi, hi * 2
        return float(mp.log1p(mp.findroot(f, (lo, hi), solver="ridder")))


def cap_growth_rate(lams, weights, rate, inv_batch, *, form=None) -> float:
    r""":math:`\kappa(h) = \ln z_*(h) / h`, the growth per unit integrated rate at frozen ``rate``."""
    return cap_growth_root(lams, weights, rate, inv_batch, form=form) / rate


def small_rate_growth(lams, weights, inv_batch) -> float:
    r""":math:`\kappa_0 = \iota\rho_*/2`, :math:`\sum_k w_k\lambda_k/(\rho_* - \lambda_k) = 1`."""
    with mp.workdps(DPS):
        pairs = [
            (mp.mpf(float(lk)), mp.mpf(float(wk))) for lk, wk in zip(lams, weights, strict=True)
        ]
        top = max(lk for lk, _ in pairs)

        def f(r):
            return mp.fsum(wk * lk / (r - lk) for lk, wk in pairs) - 1

        hi = 2 * top
        while f(hi) > 0:
            hi *= 2
        rho = mp.findroot(f, (top * (1 + mp.mpf(10) ** -(DPS // 2)), hi), solver="ridder")
        return float(mp.mpf(inv_batch) * rho / 2)


def power_law_small_rate_growth(b, inv_batch) -> float:
    r""":math:`\kappa_0` of the infinite spectrum :math:`\lambda_k = k^{-b}` (``b > 1``): with
    :math:`\lambda_k/(\rho - \lambda_k) = \sum_{n\ge1}(\lambda_k/\rho)^n` the condition reads
    :math:`\sum_{n\ge1}\zeta(nb)\,\rho_*^{-n} = 1`."""
    with mp.workdps(30):
        bb = mp.mpf(b)

        def f(r):
            return mp.nsum(lambda n: mp.zeta(n * bb) / r**n, [1, mp.inf]) - 1

        hi = mp.mpf(2)
        while f(hi) > 0:
            hi *= 2
        rho = mp.findroot(f, (1 + mp.mpf(10) ** -6, hi), solver="ridder")
        return float(mp.mpf(inv_batch) * rho / 2)
