r"""The hard phase's annealed peaks and the constant-rate stability limit (issue 12).

In the hard phase (:math:`a < b`) the loss of an annealed family is its bias,
:math:`B\,(\eta_0 T)^{-\alpha}` with :math:`\alpha = (a-1)/b`: a larger peak always pays, and
the tuned peak :math:`\eta_0` is held back only by the noise's feedback on the loss. At a
constant rate :math:`\eta` the stationary loss is :math:`(\sigma^2 + \dots)/(1 - S(\eta))`
with :math:`S(\eta) = \eta\,\iota\sum_k\lambda_k/2` (in the continuous limit), which diverges at
the stability limit :math:`S(\eta_{\rm lim}) = 1`. So the peak's limit is
:math:`\eta_{\rm lim}`: the transfer exponent is 0 and its leading correction is the gap's.

**WSD** (:math:`\eta_0` for :math:`(1-f)T` steps, then a linear decay over :math:`fT`). The
plateau lasts :math:`\sim T` steps, so its rate stays below the limit, by
:math:`g = 1 - \eta_0/\eta_{\rm lim}`. The modes the plateau relaxed and the decay is too short
to anneal (:math:`\eta_0\lambda_k fT < 1 < \eta_0\lambda_k T`) keep the plateau's stationary
variance :math:`\propto \eta_0(\sigma^2 + L)/(1 - S) \approx \eta_0\sigma^2/g`; summed they
leave :math:`n\,(fT)^{-\beta}/g`, :math:`\beta = (b-1)/b` (the noise sum's tail beyond the
decay's front). The decay's top modes leave :math:`F\,(fT)^{-\nu}` (each freezes where
:math:`2\eta\lambda\tau = 1`; :math:`\nu = 1/2` when :math:`b > 2`, else the front's
:math:`\beta`). The bias costs :math:`\alpha B T^{-\alpha}(g + f/2)` (the lost integrated
rate). Stationarity in :math:`g` gives :math:`g^2 \propto (fT)^{-\beta} T^{\alpha}`; in
:math:`f` the plateau's noise (:math:`f = 2\beta g`) or the top modes' sets the fraction,
whichever decays slower (:func:`annealed_peak`).

**Linear decay**. Its rate is at its peak only at the start, where the noise sum counts only the
modes already relaxed: :math:`1 - S_t \approx t/T - \epsilon + C(\eta t)^{-\beta}` for a peak
:math:`\eta_0 = \eta_{\rm lim}(1 + \epsilon)`; the minimum over :math:`t` is
:math:`\propto T^{-\beta/(1+\beta)}`, so a peak that far *above* the limit never meets the
feedback. Nearer that threshold the feedback costs the modes freezing early in the decay
:math:`n(\eta T)^{-\beta}\log(1/h)`, :math:`h` the distance to it; against the bias's
:math:`\alpha B T^{-\alpha}` that puts :math:`h \propto T^{-(\beta-\alpha)}`. The peak is
:math:`\eta_{\rm lim}(1 + \kappa_1 T^{-\beta/(1+\beta)} - \kappa_2 T^{-(\beta - \alpha)})`:
above the limit when :math:`\beta/(1+\beta) < \beta - \alpha`, below it otherwise. The
threshold is an order estimate (the renewal equation's growth near it adds a factor
logarithmic in :math:`T`; measured: benchmarks/results/claims.md, 2026-12-01s17).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._corrections import POWER, CorrectionTerm, ScalingCorrection
from ._mode_sums import mode_sum_asymptotics, spectrum
from ._powerlaw import power_exponent
from .symbols import a, b, k

__all__ = [
    "AnnealedPeak",
    "annealed_peak",
    "annealed_peak_corrections",
    "annealed_peak_exponent",
    "linear_noise_regime_corrections",
    "linear_peak_noise_regime",
    "wsd_fraction_balance",
]

#: Exponents of T of the gap g ~ T^-x, the fraction f ~ T^-y, a time t ~ T^s.
_x, _y, _s = sp.symbols("x y s", real=True)
_n, _tau, _eta0, _lam, _T = sp.symbols("n tau eta_0 lambda_k T", positive=True)


@dataclass(frozen=True)
class AnnealedPeak:
    r"""How the tuned peak of an annealed family approaches the stability limit (hard phase).

    Attributes
    ----------
    family : {"wsd", "linear"}
    omega : sympy.Expr
        :math:`|\eta_0/\eta_{\rm lim} - 1| \sim T^{-\omega}`.
    above : sympy.Basic
        Condition on ``a, b`` under which the peak sits above the limit (``False`` for WSD).
    fraction : sympy.Expr or None
        WSD: the tuned decay fraction :math:`f \sim T^{-y}`.
    corrections : tuple of (str, sympy.Expr)
        Mechanism and exponent of each correction of :math:`\log\eta_0` (relative to the
        limit): the leading gap and the gap's own corrections.
    """

    family: str
    omega: sp.Expr
    above: sp.Basic
    fraction: sp.Expr | None
    corrections: tuple[tuple[str, sp.Expr], ...]


def _exponents() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    r"""``(alpha, beta, nu)``: the bias :math:`\sum_k k^{-a}e^{-z\lambda_k} \sim z^{-\alpha}`,
    the noise sum's part not yet relaxed :math:`\sum_k \lambda_k e^{-z\lambda_k} \sim
    z^{-\beta}`, and the top modes' noise after a linear decay over :math:`n` steps,
    :math:`\sim n^{-\nu}`."""
    lam_k = spectrum()
    alpha = mode_sum_asymptotics(k ** (-a), lam_k).decay
    beta = mode_sum_asymptotics(lam_k, lam_k).decay
    per_mode = _top_mode_noise()
    q = power_exponent(per_mode, _lam)  # per_mode ~ lam^q n^-1/2: summable over k iff b q > 1
    nu_top = -power_exponent(per_mode, _n)
    nu = sp.Piecewise((nu_top, sp.Gt(b * q, 1)), (beta, True))
    return sp.factor(alpha), sp.factor(beta), nu


def _top_mode_noise() -> sp.Expr:
    """The noise one mode keeps after a linear decay from ``eta0`` over ``n`` steps: it follows
    ``eta(tau) = eta0 tau/n`` quasi-statically (variance ~ eta) until ``2 eta lam tau = 1``, and
    keeps ``lam * eta`` there."""
    (tau_k,) = sp.solve(2 * (_eta0 * _tau / _n) * _lam * _tau - 1, _tau)
    return _lam * _eta0 * tau_k / _n


@cache
def linear_peak_noise_regime() -> tuple[sp.Expr, sp.Basic]:
    r"""Where the linear decay's end outlasts its bias (hard phase): ``(e, condition)``.

    The decay's top modes keep :math:`\sum_k \lambda_k\eta_k \propto \eta_0^{m} T^{-\nu}`
    (:func:`_top_mode_noise`, summable when :math:`b > 2`) against the bias
    :math:`B(\eta_0 T)^{-\alpha}`. Where :math:`\nu < \alpha` the noise decays slower than
    the bias, and the tuned peak leaves the stability limit: stationarity in :math:`\eta_0`,
    :math:`\alpha B(\eta_0T)^{-\alpha} = m N \eta_0^{m} T^{-\nu}`, gives
    :math:`\eta_0 \sim T^{e}` with :math:`e < 0` (``condition``). Elsewhere the peak sits at
    the limit (:func:`annealed_peak`) and transfers.

    Examples
    --------
    >>> e, cond = linear_peak_noise_regime()
    >>> float(e.subs({a: 3, b: 3.5})), bool(cond.subs({a: 3, b: 3.5}))
    (-0.06666666666666667, True)
    >>> bool(cond.subs({a: 1.5, b: 3}))
    False
    """
    alpha = mode_sum_asymptotics(k ** (-a), spectrum()).decay
    per_mode = _top_mode_noise()
    m = power_exponent(per_mode, _eta0)
    nu = -power_exponent(per_mode, _n)
    q = power_exponent(per_mode, _lam)
    # eta0 = T^e: the two sides of the stationarity condition scale alike
    (e,) = sp.solve(sp.Eq(-alpha * (_x + 1), m * _x - nu), _x)
    e = sp.factor(e)
    return e, sp.And(sp.Gt(b * q, 1), sp.Lt(e, 0))


@cache
def linear_noise_regime_corrections() -> tuple[tuple[str, sp.Expr, bool], ...]:
    r"""Corrections of :math:`\log\eta_0 = e\log T + c + \dots` where the linear decay's end
    outlasts its bias (:func:`linear_peak_noise_regime`): ``(mechanism, omega, estimate)``,
    slowest first at (3, 3.5) (0.2, 0.267, 0.533).

    * **The learned front.** The top-mode sum :math:`\sum_k\lambda_k^{q}` (:func:`_top_mode_noise`)
      counts only the modes the run has relaxed, :math:`\lambda_k\eta_0T \gtrsim 1`; the modes
      at the front keep a different share. Relative size: the sum's part there,
      :math:`\sum_k\lambda_k^{q}e^{-z\lambda_k} \sim z^{-(bq-1)/b}` at :math:`z = \eta_0 T
      \sim T^{1+e}`, so :math:`\omega = (1+e)(bq-1)/b` (at :math:`e = 0` it is peak17's
      :math:`\beta - \alpha`, continuous across the boundary :math:`2a = b + 2`).
    * **The run's feedback on the front's noise.** The front's modes integrate
      :math:`\eta^2(\sigma^2 + L)` over the run, and :math:`L` carries the relaxed modes'
      stationary noise :math:`\sigma^2 S/(1-S)`, :math:`S \propto \eta_0 \sim T^{e}`: relative
      :math:`T^{e}` on top of the front's, :math:`\omega - e` (the first of the orders
      :math:`\omega - ne` that sum to the crossover from the limit-pinned peak; an estimate).
    * **The end.** The top modes freeze at the rate :math:`\eta(\tau_k) \propto
      (\eta_0/T)^{1/2}`; the loss in their source, the feedback and the discrete step there are
      relative corrections of that order, :math:`(1-e)/2` (an estimate).

    Examples
    --------
    >>> [float(w.subs({a: 3, b: 3.5})) for _, w, _ in linear_noise_regime_corrections()]
    [0.2, 0.26666666666666666, 0.5333333333333333]
    """
    e, _ = linear_peak_noise_regime()
    per_mode = _top_mode_noise()
    q = power_exponent(per_mode, _lam)
    at_front = mode_sum_asymptotics(spectrum() ** q, spectrum()).decay  # in z = eta0 T
    front = sp.factor((1 + e) * at_front)
    (tau_k,) = sp.solve(2 * (_eta0 * _tau / _n) * _lam * _tau - 1, _tau)
    eta_end = (_eta0 * tau_k / _n).subs({_eta0: _T**e, _n: _T, _lam: 1})
    end = sp.factor(-power_exponent(eta_end, _T))
    return (
        ("the learned front's share of the top-mode noise", front, False),
        ("the run's noise feedback on the front's modes (first order)", sp.factor(front - e), True),
        (
            r"the loss in the source, the feedback and the step at the top modes' freezing",
            end,
            True,
        ),
    )


@cache
def annealed_peak_exponent(family: str) -> sp.Expr:
    r"""The exponent of the tuned ``family`` peak (``"wsd"`` or ``"linear"``) in the hard phase:
    :math:`e` of :func:`linear_peak_noise_regime` where the linear decay's end outlasts its bias
    (:math:`2a > b + 2`), else 0 (the stability limit). The WSD follows the linear decay there:
    at the balance its loss depends on the fraction through :math:`(1 - f/2)^{-\alpha}
    f^{-\alpha}` only (the bias's integrated rate, the top modes' :math:`(\eta_0/fT)^{1/2}`),
    stationary at :math:`f = 1` (:func:`wsd_fraction_balance`), the box's bound, where the WSD
    *is* the linear decay (measured: the tuned fraction is 1 from 1e8 at (3, 3.5)).

    Examples
    --------
    >>> float(annealed_peak_exponent("wsd").subs({a: 3, b: 3.5}))
    -0.06666666666666667
    >>> annealed_peak_exponent("linear").subs({a: 1.5, b: 3})
    0
    """
    if family not in ("wsd", "linear"):
        raise ValueError(f"family must be 'wsd' or 'linear', got {family!r}")
    e, cond = linear_peak_noise_regime()
    return sp.Piecewise((e, cond), (sp.Integer(0), True))


@cache
def wsd_fraction_balance() -> tuple[sp.Expr, sp.Expr]:
    r"""``(log_loss, f_star)``: where the linear decay's end outlasts its bias, the WSD's loss
    minimised over its peak at fixed fraction ``f``, as a function of ``f`` (up to constants and
    the power of T), and the fraction that makes it stationary. The bias at fixed
    :math:`\eta_0` is :math:`(\eta_0 T (1 - f/2))^{-\alpha}` (the integrated rate), the top
    modes' noise :math:`(\eta_0/(fT))^{\nu}` (:func:`_top_mode_noise` over the decay's
    :math:`fT` steps); a sum :math:`A x^{-\alpha} + N x^{\nu}` has the minimum
    :math:`\propto A^{\nu/(\alpha+\nu)} N^{\alpha/(\alpha+\nu)}`.

    Examples
    --------
    >>> wsd_fraction_balance()[1]
    1
    """
    f = sp.Symbol("f", positive=True)
    alpha = mode_sum_asymptotics(k ** (-a), spectrum()).decay
    per_mode = _top_mode_noise()
    nu = -power_exponent(per_mode, _n)
    m = power_exponent(per_mode, _eta0)
    bias_f = -alpha * sp.log(1 - f / 2)  # log of the bias's f-dependence
    noise_f = -nu * sp.log(f)  # (eta0/(f T))^nu
    # the peak's power in the noise is m (= nu): the minimum's weights
    log_loss = sp.simplify((m * bias_f + alpha * noise_f) / (alpha + m))
    (f_star,) = sp.solve(sp.diff(log_loss, f), f)
    return log_loss, f_star


@cache
def annealed_peak(family: str) -> AnnealedPeak:
    """The approach of the tuned ``family`` peak (``"wsd"`` or ``"linear"``) to the stability
    limit in the hard phase (module docstring).

    Examples
    --------
    >>> p = annealed_peak("wsd")
    >>> float(p.omega.subs({a: 1.5, b: 3})), float(p.fraction.subs({a: 1.5, b: 3}))
    (0.1875, 0.1875)
    >>> q = annealed_peak("linear")
    >>> float(q.omega.subs({a: 1.5, b: 3})), bool(q.above.subs({a: 1.5, b: 3}))
    (0.4, True)
    """
    if family not in ("wsd", "linear"):
        raise ValueError(f"family must be 'wsd' or 'linear', got {family!r}")
    alpha, beta, nu = _exponents()
    return _wsd(alpha, beta, nu) if family == "wsd" else _linear(alpha, beta)


def _wsd(alpha, beta, nu) -> AnnealedPeak:
    """Stationarity of ``alpha B T^-alpha (g + f/2) + n (fT)^-beta/g + F (fT)^-nu`` in ``g``
    and ``f``, as equations between the exponents of T (g ~ T^-x, f ~ T^-y)."""
    in_g = sp.Eq(-alpha, -beta * (1 - _y) + 2 * _x)  # alpha B = n (fT)^-beta / g^2
    plateau = sp.solve([in_g, sp.Eq(-alpha, -beta * (1 - _y) + _x + _y)], [_x, _y], dict=True)[0]
    top = sp.solve([in_g, sp.Eq(-alpha, -nu * (1 - _y) + _y)], [_x, _y], dict=True)[0]
    y_a, y_b = sp.factor(plateau[_y]), sp.factor(top[_y])
    # the f-balance takes the noise term that decays slower: the smaller y is consistent
    by_plateau = sp.Lt(y_a, y_b)
    y = sp.Piecewise((y_a, by_plateau), (y_b, True))
    x = sp.Piecewise((sp.factor(plateau[_x]), by_plateau), (sp.factor(top[_x]), True))
    # the other noise term's weight in the f-balance, relative
    other = sp.Piecewise(((1 + nu) * (y_b - y_a), by_plateau), (top[_x] - y_b, True))
    # where the top modes' fraction would grow (y_b < 0: 2a > b + 2) the decay spans the run (the
    # fraction is 1, the WSD is the linear decay: annealed_peak_exponent); no gap there (NaN)
    x = sp.Piecewise((x, sp.Ge(y_b, 0)), (sp.nan, True))
    corr = (
        ("the plateau's gap below the limit", x),
        (r"the loss in the plateau's source $\sigma^2 + L$", x + alpha),
        ("the other anneal noise in the fraction's balance", x + other),
        ("the gap's second order (the bias linearised in g and f)", 2 * x),
    )
    return AnnealedPeak("wsd", x, sp.false, y, corr)


def _linear(alpha, beta) -> AnnealedPeak:
    """The threshold ``min_t (t/T + (eta t)^-beta)`` (t ~ T^s) and the feedback's distance
    below it, ``alpha B T^-alpha = n (eta T)^-beta / h``."""
    (s,) = sp.solve(sp.Eq(_s - 1, -beta * _s), _s)
    up = sp.factor(1 - s)  # the threshold t*/T above the limit
    down = sp.factor(beta - alpha)  # h ~ T^-(beta - alpha)
    above = sp.Lt(up, down)
    corr = (
        ("the excursion above the limit the noise feedback allows (estimate)", up),
        ("the feedback's distance below that threshold", down),
    )
    return AnnealedPeak("linear", sp.Min(up, down), above, None, corr)


def annealed_peak_corrections() -> dict[str, ScalingCorrection]:
    """The corrections of the hard-phase LR-transfer exponents of WSD and the linear decay, as
    rows ``annealed_peak.wsd`` and ``annealed_peak.linear``: exponent 0 with the gap's
    corrections where the peak's limit is the stability limit (:func:`annealed_peak`), the
    derived :math:`e` with :func:`linear_noise_regime_corrections` where the linear decay's end
    outlasts its bias (:func:`annealed_peak_exponent`; the WSD's fraction is then 1). A term
    absent in a regime has omega 0 there (no correction)."""
    _, noise = linear_peak_noise_regime()
    zero = sp.Integer(0)
    out = {}
    for fam in ("wsd", "linear"):
        p = annealed_peak(fam)
        terms = [
            CorrectionTerm(mech, POWER, sp.Piecewise((zero, noise), (w, True)),
                           estimate=fam == "linear" and i == 0,
                           note=r"$\eta_0 = \eta_{\rm lim}(1 + O(T^{-\omega}))$ "
                                r"(where $2a \le b + 2$)")
            for i, (mech, w) in enumerate(p.corrections)
        ]  # fmt: skip
        terms += [
            CorrectionTerm(mech, POWER, sp.Piecewise((w, noise), (zero, True)), estimate=est,
                           note=r"$\eta_0 \propto T^{e}(1 + O(T^{-\omega}))$ where $2a > b + 2$")
            for mech, w, est in linear_noise_regime_corrections()
        ]  # fmt: skip
        name = f"annealed_peak.{fam}"
        out[name] = ScalingCorrection(name, "hard", annealed_peak_exponent(fam), tuple(terms))
    return out
