r"""EMA's and heavy ball's effective-rate limit at friction :math:`1 - \beta`, derived (issue 13).

Both forms are SGD at their effective rate :math:`h` to first order in the step
(:func:`theory.form_dynamics`): :math:`h = \eta` for EMA (:math:`v' = \beta v + (1-\beta) g`,
:math:`\Delta' = \Delta - \eta v'`) and :math:`h = \eta/(1-\beta)` for heavy ball. What bounds
:math:`h` on a constant plateau is the noise feedback: with the exact stationary noise gain
:math:`G(\lambda)` of the second-moment closure, the loss obeys
:math:`L = \iota(L + \sigma^2)\sum_k w_k G(\lambda_k)`, finite only while
:math:`S(h) = \iota\sum_k w_k G(\lambda_k) < 1`. Derived here (:func:`derive_momentum_rate_limit`),
from the closure alone, for both forms:

.. math::

    G(\lambda) = \frac{h\lambda}{2 - c(\beta)\,h\lambda}, \qquad
    c(\beta) = \iota + \frac{1-\beta}{1+\beta},

the same :math:`c` for EMA and heavy ball. At :math:`\beta = 0` it is SGD's
:math:`c = 1 + \iota` (the solver's stability limit); as :math:`\beta \to 1`,
:math:`c \to \iota + \kappa/2 + O(\kappa^2)` (:math:`\kappa = 1 - \beta`): the *mean*
dynamics' discreteness (the :math:`h^2\lambda^2 D` of :math:`(1 - h\lambda)^2`) disappears, but the
Gaussian features' own fourth moment, :math:`\iota h^2\lambda^2 D`, stays. So the limit the
effective rate climbs toward is the root of

.. math::

    \iota \sum_k \frac{w_k h\lambda_k}{2 - \iota h\lambda_k} = 1,

*not* the continuous-time :math:`h = 2/(\iota\sum_k\lambda_k)` (which drops both terms): at
batch 1, :math:`\lambda_k = k^{-4}`, SGD's 0.6603, the limit 0.9789, continuous time 1.848.
For the power law :math:`\lambda_k = k^{-b}` (infinitely many unit-weight modes) the sum is
:math:`(\iota/c)\sum_{n\ge1}(ch/2)^n\zeta(nb)` (:func:`power_law_rate_limit`).

How the optimum approaches it (the long-run family's constant :math:`\beta_0`, measured in
benchmarks/results/momentum.md, 2026-12-02s23):

* **the plateau's deficit** (:func:`theory.plateau_deficit`): the optimum holds its rate a share
  :math:`\epsilon \propto (S'(h_s))^{-1/2} (h_s T)^{-(b-a)/(2b)}` below the limit :math:`h_s`
  (pointwise stationarity: the surviving noise per unit rate is the form's first-order gain, the
  same as SGD's; the feedback's sensitivity :math:`S'` is the form's). The exponent is SGD's; the
  amplitude relative to SGD's is :func:`deficit_ratio`, 1.49 at :math:`b = 4`, batch 1;
* **the friction** :math:`\kappa = 1 - \beta_0`: the limit is lower by
  :math:`|\partial h_s/\partial c|\,\kappa/2` (linear in :math:`\kappa`), and the momentum's
  memory costs a lag of order :math:`1/\kappa` steps, a relative :math:`C/(\kappa T)`; their
  balance (:attr:`MomentumRateLimit.friction_balance`) gives :math:`\kappa_* \propto T^{-1/2}` and a
  correction :math:`T^{-1/2}` of :math:`\ln L`. The exponent is derived from the forms of the two
  costs; the lag's amplitude ``C`` is not (measured).

Imports nothing from ``solvers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import mpmath as mp
import sympy as sp

from ._checks import check_real
from ._moments import beta
from .symbols import T, a, b, eta, inv_m, lam

__all__ = [
    "MomentumRateLimit",
    "deficit_ratio",
    "derive_momentum_rate_limit",
    "effective_rate_limit",
    "power_law_rate_limit",
]

#: The effective rate, the discreteness coefficient and the lag's amplitudes (symbols).
h = sp.Symbol("h", positive=True)
c = sp.Symbol("c", positive=True)
_A, _C = sp.symbols("A C", positive=True)
#: Working precision (decimal digits) of the limits' roots.
DPS = 30
#: The forms whose effective-rate limit is derived here.
RATE_LIMIT_FORMS = ("ema", "heavy-ball")


@dataclass(frozen=True)
class MomentumRateLimit:
    r"""The noise-feedback limit on EMA's and heavy ball's effective rate (see the module docs).

    Attributes
    ----------
    gain : sympy.Expr
        :math:`G(\lambda) = h\lambda/(2 - c h\lambda)` in the symbols ``h, lambda, c``.
    discreteness : sympy.Expr
        :math:`c(\beta) = \iota + (1-\beta)/(1+\beta)`, derived from each form's closure (equal).
    sgd_discreteness, limit_discreteness : sympy.Expr
        :math:`c(0) = 1 + \iota` (SGD) and :math:`c(1) = \iota` (the limit as :math:`\beta\to1`).
    friction_slope : sympy.Expr
        :math:`dc/d\kappa` at :math:`\kappa = 0` (:math:`1/2`).
    friction_balance : sympy.Expr
        :math:`\kappa_*` minimising :math:`A\kappa + C/(\kappa T)` (:math:`\sqrt{C/(AT)}`).
    friction_exponent : sympy.Expr
        :math:`-d\ln\kappa_*/d\ln T` (:math:`1/2`), also the power of the correction it puts on
        :math:`\ln L` (the minimum, :math:`2\sqrt{AC/T}`).
    deficit_exponent : sympy.Expr
        The plateau deficit's :math:`(b-a)/(2b)` (SGD's; the amplitude is the form's).
    """

    gain: sp.Expr
    discreteness: sp.Expr
    sgd_discreteness: sp.Expr
    limit_discreteness: sp.Expr
    friction_slope: sp.Expr
    friction_balance: sp.Expr
    friction_exponent: sp.Expr
    deficit_exponent: sp.Expr

    def latex(self) -> dict[str, str]:
        """LaTeX of the derived expressions."""
        return {
            "gain": r"G(\lambda) = " + sp.latex(self.gain),
            "discreteness": r"c(\beta) = " + sp.latex(self.discreteness),
            "limit": r"c(1) = " + sp.latex(self.limit_discreteness),
            "friction_balance": r"\kappa_* = " + sp.latex(self.friction_balance),
            "friction_exponent": r"\omega_\kappa = " + sp.latex(self.friction_exponent),
            "deficit_exponent": r"\omega_\epsilon = " + sp.latex(self.deficit_exponent),
        }


def _form_discreteness(form: str) -> sp.Expr:
    """``c(beta)`` of one form: its closure's stationary gain written in the effective rate."""
    from ._momentum_exponents import form_dynamics, kappa

    fd = form_dynamics(form)
    (step,) = sp.solve(sp.Eq(fd.slow_rate.subs(beta, 1 - kappa), h), eta)
    gain = sp.factor(fd.noise_gain.subs(eta, step))
    cc = sp.factor(sp.cancel((2 - h * lam / gain) / (h * lam)))
    if cc.has(h) or cc.has(lam):
        raise RuntimeError(
            f"{form}: the gain is not h lam/(2 - c h lam), c = {cc}"
        )  # pragma: no cover
    return sp.factor(cc.subs(kappa, 1 - beta))


@cache
def derive_momentum_rate_limit() -> MomentumRateLimit:
    """Derive :class:`MomentumRateLimit` from the forms' second-moment closures.

    Examples
    --------
    >>> d = derive_momentum_rate_limit()
    >>> sp.simplify(d.discreteness - (inv_m + (1 - beta) / (1 + beta)))
    0
    >>> d.sgd_discreteness, d.limit_discreteness, d.friction_slope, d.friction_exponent
    (iota + 1, iota, 1/2, 1/2)
    """
    cs = [_form_discreteness(f) for f in RATE_LIMIT_FORMS]
    if sp.simplify(cs[0] - cs[1]) != 0:
        raise RuntimeError(f"EMA and heavy ball differ: {cs}")  # pragma: no cover
    cc = cs[0]
    kap = sp.Symbol("kappa", positive=True)
    slope = sp.limit(sp.diff(cc.subs(beta, 1 - kap), kap), kap, 0)
    k = sp.Symbol("k", positive=True)
    cost = _A * k + _C / (k * T)
    (kstar,) = sp.solve(sp.diff(cost, k), k)
    expo = sp.simplify(-sp.diff(sp.log(kstar), T) * T)
    residual = sp.simplify(cost.subs(k, kstar))
    if sp.simplify(-sp.diff(sp.log(residual), T) * T - expo) != 0:
        raise RuntimeError(
            "the friction's residual and kappa_* scale differently"
        )  # pragma: no cover
    return MomentumRateLimit(
        gain=h * lam / (2 - c * h * lam),
        discreteness=cc,
        sgd_discreteness=sp.simplify(cc.subs(beta, 0)),
        limit_discreteness=sp.simplify(sp.limit(cc, beta, 1)),
        friction_slope=slope,
        friction_balance=kstar,
        friction_exponent=expo,
        deficit_exponent=(b - a) / (2 * b),
    )


@cache
def _discreteness_function():
    r"""The derived :math:`c(\iota, \beta)` as an mpmath function (the one bridge)."""
    return sp.lambdify((inv_m, beta), derive_momentum_rate_limit().discreteness, "mpmath")


def _discreteness(inv_batch: float, beta_value: float) -> mp.mpf:
    return _discreteness_function()(mp.mpf(inv_batch), mp.mpf(beta_value))


def _check(inv_batch, beta_value):
    check_real("inv_batch", inv_batch, gt=0.0, le=1.0)
    check_real("beta", beta_value, ge=0.0, le=1.0)


def effective_rate_limit(lams, weights, inv_batch: float, beta_value: float) -> float:
    r"""Root :math:`h_s` of :math:`\iota\sum_k w_k h\lambda_k/(2 - c(\beta)h\lambda_k) = 1`.

    ``lams``, ``weights``: a finite spectrum (weights: modes per entry); ``inv_batch``:
    :math:`\iota = 1/B`; ``beta_value`` in ``[0, 1]`` (1: the limit as :math:`\beta\to1`).
    The effective rate is ``eta`` for EMA and ``eta/(1-beta)`` for heavy ball.
    """
    _check(inv_batch, beta_value)
    with mp.workdps(DPS):
        cc, io = _discreteness(inv_batch, beta_value), mp.mpf(inv_batch)
        pairs = [(mp.mpf(float(x)), mp.mpf(float(w))) for x, w in zip(lams, weights, strict=True)]
        top = max(x for x, _ in pairs)

        def f(hh):
            return io * mp.fsum(w * hh * x / (2 - cc * hh * x) for x, w in pairs) - 1

        hi = 2 / (cc * top) * (1 - mp.mpf(10) ** -(DPS // 2))
        return float(mp.findroot(f, (mp.mpf(0), hi), solver="anderson"))


def power_law_rate_limit(b_value: float, inv_batch: float, beta_value: float) -> float:
    r""":func:`effective_rate_limit` of :math:`\lambda_k = k^{-b}`, :math:`k \ge 1` (``b > 1``):
    :math:`(\iota/c)\sum_{n\ge1}(ch/2)^n\zeta(nb) = 1`.

    Examples
    --------
    >>> round(power_law_rate_limit(4, 1, 0), 4), round(power_law_rate_limit(4, 1, 1), 4)
    (0.6603, 0.9789)
    """
    check_real("b", b_value, gt=1.0)
    _check(inv_batch, beta_value)
    return _power_law_root(float(b_value), float(inv_batch), float(beta_value))


@cache
def _power_law_root(b_value: float, inv_batch: float, beta_value: float) -> float:
    """:func:`power_law_rate_limit` after its checks (memoised: the series is slow)."""
    with mp.workdps(DPS):
        cc, io, bb = _discreteness(inv_batch, beta_value), mp.mpf(inv_batch), mp.mpf(b_value)

        def f(hh):
            x = cc * hh / 2
            return io / cc * mp.nsum(lambda n: x**n * mp.zeta(n * bb), [1, mp.inf]) - 1

        hi = 2 / cc * (1 - mp.mpf(10) ** -(DPS // 2))
        return float(mp.findroot(f, (mp.mpf(10) ** -(DPS // 2), hi), solver="anderson"))


def _feedback_slope(b_value, inv_batch, beta_value, hh) -> mp.mpf:
    """:math:`S'(h)` of the power law at ``hh``."""
    cc, io, bb = _discreteness(inv_batch, beta_value), mp.mpf(inv_batch), mp.mpf(b_value)
    x = cc * mp.mpf(hh) / 2
    return io / 2 * mp.nsum(lambda n: n * x ** (n - 1) * mp.zeta(n * bb), [1, mp.inf])


def deficit_ratio(a_value: float, b_value: float, inv_batch: float, beta_value: float) -> float:
    r"""The form's plateau deficit over SGD's at the same ``T``:
    :math:`\epsilon/\epsilon_{\rm SGD} = \sqrt{S'_{\rm SGD}(h_{\rm SGD})/S'(h_s)}\,
    (h_s/h_{\rm SGD})^{-(b-a)/(2b)}` (leading order, :math:`\sigma^2` dominating the plateau's
    source), for :math:`\lambda_k = k^{-b}`.

    Examples
    --------
    >>> round(deficit_ratio(3.5, 4, 1, 1), 3)
    1.457
    """
    check_real("a", a_value, gt=1.0)
    hs, hf = (
        power_law_rate_limit(b_value, inv_batch, 0),
        power_law_rate_limit(b_value, inv_batch, beta_value),
    )
    with mp.workdps(DPS):
        s_sgd = _feedback_slope(b_value, inv_batch, 0, hs)
        s_form = _feedback_slope(b_value, inv_batch, beta_value, hf)
        p = (mp.mpf(b_value) - mp.mpf(a_value)) / (2 * mp.mpf(b_value))
        return float(mp.sqrt(s_sgd / s_form) * (mp.mpf(hf) / hs) ** -p)
