r"""The power law :math:`\eta = \eta_0 t^{-\chi}` with :math:`\eta_0` and :math:`\chi` tuned: its
balance, and what the rate cap :math:`\eta_0 \le \eta_{\max}` does to it (easy phase).

**The balance** (:func:`tuned_power_law_gain`). With :math:`\eta_0 = T^{-\nu}` and
:math:`\mu = \nu + \chi` (the end rate :math:`\eta(T) \propto T^{-\mu}`) the bias, final-noise
and bulk-noise exponents (:math:`\chi < 1/2`) depend on :math:`\mu` alone, so the family's best
exponent is the constant rate's, :math:`p = (a-1)/(a+b-1)`: no exponent gain.

**What the exponents leave free, the prefactors decide** (:func:`capped_power_law`). At fixed
end rate :math:`E = \eta(T)` the intrinsic time is :math:`\tau_T = E\,T/(1-\chi)`: the two
leading terms, :math:`B\tau_T^{-\alpha}` and the final noise :math:`c_n E`, minimised over
:math:`E` give :math:`L \propto (1-\chi)^{p}\,T^{-p}`, which falls as :math:`\chi` grows (SymPy:
:math:`\partial_\chi \log L = -p/(1-\chi)`). The tuned :math:`\chi` therefore rises until the
noise of the first steps (:math:`\chi > 1/2`: :math:`\int \eta^2\,dt` converges at the lower
end and the slow modes keep it, :math:`\propto T^{-(2-1/b)(1-\mu) - 2\nu}`) reaches the leading
order, at :math:`\chi_c = (a+2b-2)/(2(a+b-1))`; without a cap the tuned base rate scales as
:math:`\eta_0 \propto T^{\chi_c - p}`, which **grows iff** :math:`a < 2b`. With the stability
limit :math:`\eta_0 \le \eta_{\max}` the cap therefore binds at long horizons for
:math:`b < a < 2b` (and the tuned :math:`\eta_0` decreases, off the cap, for :math:`a > 2b`).

**The capped family** has one parameter: :math:`E = \eta_{\max} T^{-\chi}` ties the end rate to
:math:`\chi`. With :math:`\ell = \log T`, :math:`F(\chi, \ell) = B(\eta_{\max} e^{(1-\chi)\ell}/
(1-\chi))^{-\alpha} + c_n \eta_{\max} e^{-\chi\ell}`, stationarity in :math:`\chi` eliminates
:math:`c_n/B` and the envelope theorem gives the local exponent exactly (SymPy):

.. math::

    \frac{d\log L}{d\log T} = -p + \frac{p\,(\chi - p)}{(1-\chi)\log T - p}.

Stationarity also gives :math:`\chi = p + \kappa/\log T + O(\log^{-2} T)`, :math:`\kappa` a
constant of the prefactors (:math:`\log(\eta_{\max}/c_E)`, :math:`c_E T^{-p}` the end rate the
family would choose freely), so the correction is **logarithmic**,
:math:`p\,\kappa/((1-p)\log^2 T)`: slower than any power, and a fit with power corrections only
reads a leftover constant. It vanishes with :math:`\chi_T - p` and needs no fitted amplitude:
given the tuned :math:`\chi_T` it is a number, which the claim's readout subtracts.

The capped family's own bulk-noise correction: for :math:`\chi = p < 1/2` (:math:`a < b+1`) the
slow modes' noise, :math:`T^{-(b-1)/(a+b-1)}` as in the free family; for :math:`p > 1/2` the first
steps' noise, :math:`T^{-(2b-a)/(a+b-1)}` (:attr:`CappedPowerLaw.bulk_gap`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._asymptotics import T, _bias_term, _kernel, _response, derive_scaling_laws
from ._powerlaw import PowerLaw, power_integral, reduce_condition
from .symbols import a, b

__all__ = ["CappedPowerLaw", "capped_power_law", "power_law_terms", "tuned_power_law_gain"]

#: Symbols of the capped family's slope correction: the tuned exponent, ``log T`` and ``p``.
chi_, ell_, p_ = sp.symbols("chi ell p", real=True)
_mu, _nu = sp.symbols("mu nu", real=True)


def _family_terms() -> dict[str, PowerLaw]:
    r"""Bias, final noise, bulk noise (:math:`\chi < 1/2`) and early noise (:math:`\chi > 1/2`)
    of :math:`\eta_0 t^{-\chi}`, :math:`\eta_0 = T^{-\nu}`, as power laws in ``T``."""
    r = _response()
    s = sp.Symbol("s", positive=True)
    tau_T = T ** (-_nu) * next(val for _c, val, w in power_integral(-chi_, s, T) if w == "upper")
    sq = {w: val for _c, val, w in power_integral(-2 * chi_, s, T)}  # int eta^2 / eta0^2
    noise = r.noise_coef * _kernel(r, tau_T) * T ** (-2 * _nu)
    return {
        "bias": _bias_term(r, tau_T, T),
        "final noise": PowerLaw.from_expr(
            r.noise_coef * r.kernel_integral * T ** (-_nu - chi_), T, "final noise"
        ),
        "bulk noise": PowerLaw.from_expr(noise * sq["upper"], T, "bulk noise"),
        "early noise": PowerLaw.from_expr(noise * sq["lower"], T, "early noise"),
    }


@cache
def power_law_terms() -> tuple[list[PowerLaw], object]:
    r"""The tuned power law's terms (:math:`\chi < 1/2`) in :math:`\mu = \nu + \chi` and their
    balance case (for the corrections)."""
    from ._balance import minimise_leading_exponent

    terms = [t.subs({_nu: _mu - chi_}) for k, t in _family_terms().items() if k != "early noise"]
    if any(sp.simplify(sp.diff(t.exponent, chi_)) != 0 for t in terms):
        raise RuntimeError("tuned power law: exponents do not depend on mu alone")
    terms = [PowerLaw(sp.Integer(1), t.exponent, T, t.name) for t in terms]
    cases = minimise_leading_exponent(terms, _mu, 0, 1)
    (case,) = [cs for cs in cases if cs.kind == "balance"]
    return terms, case


@cache
def tuned_power_law_gain() -> tuple[sp.Expr, str]:
    r"""Loss-exponent gain of the power law :math:`\eta = \eta_0 t^{-\chi}` with *tuned*
    :math:`\eta_0 = T^{-\nu}` over the tuned constant rate, by the engine's balance.

    With :math:`\mu = \nu + \chi` (the end rate :math:`\eta(T) \propto T^{-\mu}`) the bias,
    final-noise and bulk-noise exponents (:math:`\chi < 1/2`) depend on :math:`\mu` alone — the
    derivation checks it — so the family's best exponent is the constant rate's balance in
    :math:`\mu`: the gain is derived, not assumed.

    Returns
    -------
    gain : sympy.Expr
        ``p_power - p_constant`` (positive if the tuned power law decays faster).
    latex : str
    """
    terms, case = power_law_terms()
    p_pow = -case.exponent
    p_const = derive_scaling_laws().easy["constant_lr_loss_exponent"].expr
    gain = sp.simplify(p_pow - p_const)
    tex = (
        r"Tuned $\eta_0 = T^{-\nu}$, $\eta = \eta_0 t^{-\chi}$: with $\mu=\nu+\chi$ the terms "
        + ", ".join(rf"{t.name} $\sim T^{{{sp.latex(t.exponent)}}}$" for t in terms)
        + rf" depend on $\mu$ only; balance $\mu = {sp.latex(case.value)}$, loss exponent "
        rf"${sp.latex(p_pow)}$, gain over the constant rate ${sp.latex(gain)}$."
    )
    return gain, tex


@dataclass(frozen=True)
class CappedPowerLaw:
    r"""The tuned power law under the cap :math:`\eta_0 \le \eta_{\max}` (module docstring).

    Attributes
    ----------
    prefactor_slope : sympy.Expr
        :math:`\partial_\chi \log L` of the two leading terms at fixed :math:`\mu`, minimised
        over the end rate: :math:`-p/(1-\chi)` (in ``chi`` and ``p``), negative.
    chi_ceiling : sympy.Expr
        :math:`\chi_c`: where the first steps' noise reaches the leading order at :math:`\mu=p`.
    eta0_exponent : sympy.Expr
        :math:`\chi_c - p`: the uncapped tuned :math:`\eta_0 \propto T^{\chi_c - p}`.
    condition : sympy.Basic
        When the cap binds at long horizons (the uncapped :math:`\eta_0` grows), reduced.
    slope_correction : sympy.Expr
        The capped family's local loss exponent minus :math:`-p`, in ``chi, ell, p``.
    leading : sympy.Expr
        Its leading term with :math:`\chi = p + \kappa/\ell`, in ``kappa, ell, p``.
    log_power : int
        The power of :math:`1/\log T` of ``leading``.
    bulk_gap : sympy.Expr
        The capped family's bulk-noise correction exponent (a Piecewise in ``a, b``; for
        :math:`a > 2b`, where the cap does not bind, the free family's slow-mode noise).
    exponent : sympy.Expr
        :math:`p`, the family's loss exponent.
    """

    prefactor_slope: sp.Expr
    chi_ceiling: sp.Expr
    eta0_exponent: sp.Expr
    condition: sp.Basic
    slope_correction: sp.Expr
    leading: sp.Expr
    log_power: int
    bulk_gap: sp.Expr
    exponent: sp.Expr

    def applies(self, a_val: float, b_val: float) -> bool:
        """Whether the cap binds at long horizons at ``(a, b)`` (:attr:`condition`)."""
        return bool(self.condition.subs({a: a_val, b: b_val}))

    def correction_at(self, a_val: float, b_val: float, chi: float, T_val: float) -> float:
        r""":attr:`slope_correction` at numbers: the tuned :math:`\chi` at horizon ``T_val``."""
        p = float(self.exponent.subs({a: a_val, b: b_val}))
        return float(_lambdified(self)(chi, math.log(T_val), p))

    def latex(self) -> str:
        ex = sp.latex(self.exponent)
        return (
            r"\paragraph{The tuned power law under the rate cap.} At fixed end rate the leading "
            rf"loss falls with $\chi$ ($\partial_\chi\log L = {sp.latex(self.prefactor_slope)}$, "
            rf"$p = {ex}$): the tuned $\chi$ rises until the first steps' noise reaches the "
            rf"leading order, $\chi_c = {sp.latex(self.chi_ceiling)}$, and an uncapped "
            rf"$\eta_0 \propto T^{{{sp.latex(self.eta0_exponent)}}}$ grows iff "
            rf"${sp.latex(self.condition)}$: there $\eta_0$ sits on the stability limit and "
            r"$\eta(T) = \eta_{\max}T^{-\chi}$ ties the end rate to $\chi$. Stationarity in "
            r"$\chi$ and the envelope theorem give the local exponent "
            rf"$d\log L/d\log T = -p + {sp.latex(self.slope_correction)}$ ($\ell = \log T$); "
            rf"with $\chi = p + \kappa/\ell$ it is ${sp.latex(self.leading)} + "
            rf"O(\ell^{{-{self.log_power + 1}}})$: a logarithmic correction, which the claim "
            r"subtracts at the tuned $\chi_T$. The capped family's bulk-noise correction is "
            rf"$T^{{-\omega}}$, $\omega = {sp.latex(self.bulk_gap)}$."
        )


@cache
def _lambdified(c: CappedPowerLaw):
    return sp.lambdify((chi_, ell_, p_), c.slope_correction, "math")


@cache
def capped_power_law() -> CappedPowerLaw:
    """Derive :class:`CappedPowerLaw` (module docstring); kept on disk like the scaling laws."""
    from ._disk import load_or_compute

    return load_or_compute("capped_power_law", _capped_power_law)


def _capped_power_law() -> CappedPowerLaw:
    alpha, B, cn, cap, E = sp.symbols("alpha B c_n eta_max E", positive=True)
    p_of_alpha = alpha / (1 + alpha)
    # free family, two leading terms at fixed chi: tau_T = E T / (1 - chi); minimise over E
    F = B * (E * T / (1 - chi_)) ** (-alpha) + cn * E
    (E_star,) = sp.solve(sp.diff(F, E), E)
    pref = sp.simplify(sp.diff(sp.log(F.subs(E, E_star)), chi_).subs(alpha, p_ / (1 - p_)))
    # where the first steps' noise reaches the leading order (mu = p)
    terms = _family_terms()
    _, case = power_law_terms()
    p = -case.exponent
    early = terms["early noise"].exponent.subs(_nu, _mu - chi_).subs(_mu, p)
    (chi_c,) = sp.solve(sp.Eq(early, -p), chi_)
    grow = sp.factor(chi_c - p)
    # capped family: eta0 = eta_max, one parameter chi; ell = log T
    Fc = B * (cap * sp.exp((1 - chi_) * ell_) / (1 - chi_)) ** (-alpha) + cn * cap * sp.exp(
        -chi_ * ell_
    )
    (cn_star,) = sp.solve(sp.diff(Fc, chi_), cn)  # stationarity: the prefactors' ratio
    slope = sp.diff(Fc, ell_) / Fc  # envelope theorem: d log L*/d ell at the tuned chi
    corr = sp.factor(sp.simplify((slope + p_of_alpha).subs(cn, cn_star).subs(alpha, p_ / (1 - p_))))
    kappa, eps = sp.symbols("kappa epsilon", real=True)
    ser = sp.series(corr.subs({chi_: p_ + kappa * eps, ell_: 1 / eps}), eps, 0, 3).removeO()
    lead_eps = sp.factor(ser)
    power = min(sp.Poly(sp.expand(lead_eps), eps).monoms())[0]
    leading = sp.factor(lead_eps.subs(eps, 1 / ell_))
    # the capped family's bulk noise (nu = 0, chi = p): slow modes (p < 1/2) or first steps
    gaps = {k: sp.factor(-p - terms[k].exponent.subs({_nu: 0, chi_: p})) for k in
            ("bulk noise", "early noise")}  # fmt: skip
    below_half = reduce_condition(sp.Lt(p, sp.Rational(1, 2)))
    capped = reduce_condition(sp.Gt(grow, 0))
    # off the cap (a > 2b) the free family's slow-mode noise stays the term
    bulk_gap = sp.Piecewise((gaps["bulk noise"], below_half), (gaps["early noise"], capped),
                            (gaps["bulk noise"], True))  # fmt: skip
    return CappedPowerLaw(
        pref, sp.factor(chi_c), grow, capped, corr, leading, power, bulk_gap, sp.factor(p)
    )
