r"""The easy phase's learned modes' noise floor: the reduced problem whose optimum carries it.

Along an easy optimum the modes with :math:`\lambda_k U \gg 1` (``U`` the remaining intrinsic
time) relax within a few of their own steps, so they sit at the fixed point of the exact
recursion (docs/theory.md §1) at the current rate: :math:`\lambda_k c_k = s(\eta\lambda_k)
(L + \sigma^2)`, :math:`s(x) = (x/m)/(2 - (1 + 1/m)x)` (:attr:`NoiseFloor.share`, solved from
:func:`theory.plrf_dynamics`). Their sum :math:`S(\eta) = \sum_k s(\eta\lambda_k)` feeds the
source back: :math:`L + \sigma^2 = \sigma^2/(1 - S)` (:attr:`NoiseFloor.source`). Eliminating
them (they hold no memory beyond a few steps), the slow modes see the noise
:math:`(\eta^2/m)\lambda_k\sigma^2/(1 - S(\eta))` and the final loss is

.. math:: L(T) = B(U_0) + \frac{\sigma^2}{m}\int_0^T \varphi(\eta)\,K(2U)\,dt, \qquad
          \varphi(\eta) = \frac{\eta^2}{1 - S(\eta)},

with :math:`B` the bias sum and :math:`K(F) = \sum_k \lambda_k^2 e^{-\lambda_k F}` the exact
kernel (the end-of-run boundary layer of :mod:`theory._easy_layer` included). Its Euler-Lagrange
equation (``U`` the coordinate, the horizon a multiplier ``nu``) has the first integral

.. math:: \frac{\sigma^2}{m}K(2U)\,\psi(\eta) = \nu, \qquad
          \psi = \eta\varphi' - \varphi = \eta^2\frac{1 - S + \eta S'}{(1 - S)^2},

(:attr:`NoiseFloor.first_integral`) and the start condition
:math:`B'(U_0) + (\sigma^2/m)K(2U_0)\varphi'(\eta_0) = 0` (:attr:`NoiseFloor.start_slope`).
At first order in :math:`\eta` (:math:`S = \kappa_1\eta`) the first integral is
:math:`\eta^2/(1 - S)^2`: :math:`\eta K^{1/2} = c\,(1 - S)`, the relation the Pontryagin
costate :math:`K_\mu = K/(1-S)` gives (checked symbolically). With :math:`S = 0` it is the
layer's :math:`\eta = c K^{-1/2}` and the optimum is a pure power law, :math:`T^{-\xi}` at fixed
``t/T``. The floor is a relative correction :math:`S \sim \eta \sim T^{-\xi}` (its exponent,
:attr:`NoiseFloor.exponent`, is the derived xi), with all its powers; its amplitude is a
function of ``(a, b)``, :math:`\sigma^2/m` and ``m`` that the reduced problem gives
(:mod:`solvers.claims.noise_floor` solves it): :math:`\kappa_1 = \zeta(b)/(2m)`,
:math:`\kappa_2 = (1 + 1/m)\zeta(2b)/(4m)` are its first two coefficients.

Left out (the reduction's error): the slow modes' own loss and the bias in the source
(relative :math:`T^{-(a-1)/a}`, the loss's order), the front modes that are not yet at their
fixed point (the same order), and the lag of the fast modes behind a moving rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from .symbols import L, a, b, c, eta, inv_m, lam, sigma

__all__ = ["NoiseFloor", "noise_floor"]

_x, _S, _S1 = sp.symbols("x S S_1", real=True)


@dataclass(frozen=True)
class NoiseFloor:
    r"""The learned modes' noise floor, derived (see the module docstring).

    Attributes
    ----------
    share : sympy.Expr
        :math:`s(x)`, one learned mode's :math:`\lambda_k c_k/(L + \sigma^2)` at
        :math:`x = \eta\lambda_k`, in ``x`` and ``iota`` (:math:`1/m`).
    source : sympy.Expr
        :math:`(L + \sigma^2)/\sigma^2` in ``S``.
    running_cost, first_integral, start_slope : sympy.Expr
        :math:`\varphi`, :math:`\psi = \eta\varphi' - \varphi` and :math:`\varphi'` in
        ``eta``, ``S`` and ``S_1`` (:math:`dS/d\eta`).
    coefficients : tuple of sympy.Expr
        :math:`(\kappa_1, \kappa_2)`: :math:`S(\eta) = \kappa_1\eta + \kappa_2\eta^2 + \dots`
        summed over the modes :math:`\lambda_k = k^{-b}`, in ``b`` and ``iota``.
    exponent : sympy.Expr
        The relative correction's decay exponent in ``T`` (the derived xi).
    """

    share: sp.Expr
    source: sp.Expr
    running_cost: sp.Expr
    first_integral: sp.Expr
    start_slope: sp.Expr
    coefficients: tuple
    exponent: sp.Expr

    symbols = (eta, _S, _S1)
    share_symbols = (_x, inv_m)

    def latex(self) -> str:
        """A LaTeX paragraph for the report's derivation section."""
        k1, k2 = self.coefficients
        return (
            r"\paragraph{The easy phase's noise floor, divided out.} The learned modes sit at "
            r"the recursion's fixed point, $\lambda_k c_k = s(\eta\lambda_k)(L + \sigma^2)$, "
            rf"$s(x) = {sp.latex(self.share)}$ ($\iota = 1/m$), so the source is "
            rf"$\sigma^2 \left({sp.latex(self.source)}\right)$ with $S = \sum_k s(\eta\lambda_k) = "
            rf"{sp.latex(k1)}\,\eta + {sp.latex(k2)}\,\eta^2 + \dots$. Eliminated, they leave "
            r"$L(T) = B(U_0) + (\sigma^2/m)\int \varphi(\eta) K(2U)\,dt$, "
            rf"$\varphi = {sp.latex(self.running_cost)}$, whose first integral is "
            rf"$(\sigma^2/m) K(2U)\,\psi = \nu$, $\psi = {sp.latex(self.first_integral)}$ "
            r"($S_1 = dS/d\eta$). The floor is a relative correction of order "
            rf"$T^{{-{sp.latex(self.exponent)}}}$ with all its powers; the claims divide the "
            r"reduced optimum's window mean with the floor over that without it out of xi."
        )


@cache
def noise_floor() -> NoiseFloor:
    """Derive the floor's structure from the model's recursion (:func:`theory.plrf_dynamics`).

    Examples
    --------
    >>> F = noise_floor()
    >>> F.share
    -iota*x/(iota*x + x - 2)
    >>> F.coefficients
    (iota*zeta(b)/2, iota*(iota + 1)*zeta(2*b)/4)
    """
    from ._asymptotics import derive_scaling_laws
    from ._dynamics import plrf_dynamics

    rec = plrf_dynamics().discrete
    (fixed,) = sp.solve(sp.Eq(rec, c), c)  # the mode's fixed point at a constant rate
    share = sp.factor(sp.simplify((lam * fixed / (L + sigma**2)).subs(lam, _x / eta)))
    if share.has(eta) or share.has(L):
        raise RuntimeError(f"the fixed point's share is not a function of eta*lambda: {share}")
    Lp = sp.Symbol("Lp", positive=True)  # L + sigma^2 = sigma^2 + S (L + sigma^2)
    (total,) = sp.solve(sp.Eq(Lp, sigma**2 + _S * Lp), Lp)
    source = sp.simplify(total / sigma**2)
    Sf = sp.Function("S")(eta)
    phi = eta**2 * source.subs(_S, Sf)
    dphi = sp.diff(phi, eta)
    psi = sp.factor(sp.simplify(eta * dphi - phi))

    def plain(expr):
        return sp.factor(expr.subs(sp.Derivative(Sf, eta), _S1).subs(Sf, _S))

    # S = sum_k s(eta k^-b): the Taylor coefficients of s times sum_k k^(-j b) = zeta(j b)
    ser = sp.series(share, _x, 0, 3).removeO()
    k1, k2 = (sp.factor(ser.coeff(_x, j) * sp.zeta(j * b)) for j in (1, 2))
    xi = derive_scaling_laws().easy["xi"].expr
    floor = NoiseFloor(share, source, phi.subs(Sf, _S), plain(psi), plain(dphi), (k1, k2),
                       sp.factor(xi))  # fmt: skip
    # first order: S = kappa eta gives psi = eta^2/(1 - S)^2 (eta K^(1/2) = c (1 - S))
    kap = sp.Symbol("kappa", positive=True)
    lin = floor.first_integral.subs({_S: kap * eta, _S1: kap})
    if sp.simplify(lin - eta**2 / (1 - kap * eta) ** 2) != 0:
        raise RuntimeError(f"the first integral at first order is not eta^2/(1-S)^2: {lin}")
    if not xi.has(a):
        raise RuntimeError(f"xi is not a function of a: {xi}")
    return floor
