r"""Large-argument asymptotics of power-law mode sums, with their constants.

The sums that carry the PLRF loss are of the form

.. math::

    S_p(z) = \sum_{k\ge 1} k^{-p}\, e^{-z k^{-b}}, \qquad z \to \infty,

the bias :math:`B(\tau) = S_a(2\tau)` and the noise kernel :math:`K(F) = S_{2b}(F)`. The sum is
replaced by the integral over ``k`` and the integral is done by SymPy after the substitution
:math:`v = z k^{-b}`:

.. math::

    \int_0^\infty k^{-p} e^{-z k^{-b}} dk = \frac{\Gamma\!\left(\frac{p-1}{b}\right)}{b}\,
    z^{-\frac{p-1}{b}}, \qquad p > 1 .

**Error term** (Euler–Maclaurin). :math:`f(k) = k^{-p} e^{-z k^{-b}}` is flat at :math:`k = 0`
(every derivative vanishes there for :math:`z > 0`) and every derivative decays at infinity, so all
boundary terms vanish and :math:`\sum_{k\ge1} f(k) - \int_0^\infty f\,dk = R_n` with
:math:`|R_n| \le \frac{2\zeta(n)}{(2\pi)^n}\int_0^\infty |f^{(n)}|\,dk`. The substitution
:math:`k = z^{1/b}\kappa` gives :math:`\int|f^{(n)}| = O(z^{-(p-1+n)/b})`, so the *relative* error is
:math:`O(z^{-n/b})` for every ``n``: smaller than any power of ``z`` (the Mellin picture agrees: the
only pole to the right is the one of :math:`\zeta(p - bs)` that gives the leading term).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._powerlaw import PowerLaw, finite_power_integral, power_exponent, reduce_condition
from .symbols import b, k

__all__ = ["ModeSumAsymptotics", "mode_sum_asymptotics"]

_z = sp.Symbol("z", positive=True)
_v = sp.Symbol("v", positive=True)
_S = sp.Symbol("s", positive=True)

ERROR_TERM = (
    r"\sum_{k\ge1} f(k) = \int_0^\infty f(k)\,dk\,\bigl(1 + O(z^{-n/b})\bigr)"
    r"\ \text{for every } n \text{ (Euler--Maclaurin; } f \text{ flat at } k=0\text{)}"
)


@dataclass(frozen=True)
class ModeSumAsymptotics:
    r"""The leading term :math:`S_p(z) \simeq \text{constant}\cdot z^{-\text{decay}}`.

    Attributes
    ----------
    summand : sympy.Expr
        :math:`f(k)` in ``k`` and ``z``.
    leading : PowerLaw
        The leading power law in ``z`` (its ``coef`` is the constant, its ``exponent`` minus
        the decay exponent).
    condition : sympy relational
        Convergence condition of the integral (reduced under ``a, b > 1``).
    error : str
        LaTeX statement of the error term.
    """

    summand: sp.Expr
    leading: PowerLaw
    condition: sp.Basic
    error: str = ERROR_TERM
    variable: sp.Symbol = _z

    @property
    def constant(self) -> sp.Expr:
        return self.leading.coef

    @property
    def decay(self) -> sp.Expr:
        """Exponent ``d`` in :math:`S \\sim z^{-d}`."""
        return sp.simplify(-self.leading.exponent)

    def at(self, argument: sp.Expr) -> sp.Expr:
        """The leading term with ``z`` replaced by ``argument``."""
        return self.leading.expr.subs(self.variable, argument)

    def latex(self, name: str, argument: str = "z") -> str:
        return (
            rf"{name}({argument}) = \sum_{{k\ge1}} "
            + sp.latex(self.summand.subs(_z, sp.Symbol(argument)))
            + r"\simeq "
            + sp.latex(self.leading.expr.subs(_z, sp.Symbol(argument)))
        )


@cache
def mode_sum_asymptotics(weight: sp.Expr, rate: sp.Expr) -> ModeSumAsymptotics:
    r"""Leading asymptotics of :math:`\sum_k w(k)\, e^{-z\,r(k)}` for power laws ``w``, ``r``.

    Parameters
    ----------
    weight : sympy.Expr
        :math:`w(k) = k^{-p}` (a power of ``theory.symbols.k``).
    rate : sympy.Expr
        :math:`r(k) = k^{-b}` (the eigenvalue).

    Examples
    --------
    >>> from theory.symbols import a, b, k
    >>> s = mode_sum_asymptotics(k**(-2*b), k**(-b))
    >>> sp.simplify(s.constant - sp.gamma(2 - 1/b)/b), s.decay
    (0, 2 - 1/b)
    """
    kp = sp.Symbol("k", positive=True)
    w = weight.subs(k, kp)
    r = rate.subs(k, kp)
    summand = (w * sp.exp(-_z * r)).subs(kp, k)
    r_exp = power_exponent(r, kp)  # r = k^{r_exp}, r_exp < 0
    # v = z r(k)  <=>  k = (v/z)^(1/r_exp)
    k_of_v = (_v / _z) ** (1 / r_exp)
    jac = sp.Abs(sp.diff(k_of_v, _v))
    integrand = sp.powsimp(
        sp.expand_power_base(w.subs(kp, k_of_v) * jac, force=True), force=True
    ) * sp.exp(-_v)
    poly = sp.simplify(integrand * sp.exp(_v))
    q = power_exponent(poly, _v)  # integrand = c z^e v^q e^{-v}
    # The Gamma integral converges at v -> oo always and at v -> 0 iff q > -1.
    cond, _ = finite_power_integral(q, _v)
    s = _S
    gamma_int = _gamma_integral(s).subs(s, sp.factor(q + 1))
    rest = sp.powsimp(sp.expand_power_base(poly / _v**q, force=True), force=True)
    e = power_exponent(rest, _z)
    coef = sp.factor(sp.simplify(rest / _z**e)) * gamma_int
    leading = PowerLaw(coef, e, _z)
    return ModeSumAsymptotics(summand, leading, reduce_condition(cond))


def spectrum() -> sp.Expr:
    """The eigenvalue :math:`\\lambda_k = k^{-b}` of the model (docs/theory.md §1)."""
    return k ** (-b)


@cache
def _gamma_integral(s: sp.Symbol) -> sp.Expr:
    r""":math:`\int_0^\infty v^{s-1} e^{-v} dv` for ``s > 0``, integrated by SymPy (once)."""
    return sp.integrate(_v ** (s - 1) * sp.exp(-_v), (_v, 0, sp.oo))
