r"""Momentum forms on the PLRF model: moment closures, effective rates, noise gains and exponents.

Three momentum updates are written as special cases of one linear update (per mode, fresh
minibatch gradient ``g`` at the current weights, :func:`general_momentum`):

.. math::

    v' = \beta v + q\,g, \qquad \Delta' = \Delta - \alpha\,g - \gamma\,v' ,

* ``"ema"``: :math:`(\alpha, \gamma, q) = (0, \eta, 1-\beta)` — :func:`theory.ema_momentum`;
* ``"heavy-ball"``: :math:`(0, \eta, 1)` — separate step and momentum;
* ``"nesterov"``: :math:`(\eta, \zeta, 1)` — a plain SGD step plus a momentum step :math:`\zeta`.
  Nesterov's update :math:`w' = w - \eta(g + \beta v')` is :math:`\zeta = \eta\beta`; the
  *dimension-adapted* form (DANA in the literature on power-law random features) gives
  :math:`\zeta` its own schedule, :math:`\zeta_t \propto t^{-p}`, with
  :math:`\beta_t = 1 - \delta/t`, so that its effective rate :math:`\eta + \zeta/(1-\beta)` grows.

For each form :func:`form_dynamics` derives, from the update alone: the exact second-moment
closure (:func:`theory.second_moment_closure`), the slow rate and stability boundary of the mean
dynamics (:func:`theory.momentum_bias_dynamics`), and the *noise gain* of a mode,
:math:`G(\lambda) = \lambda\,E[\Delta^2]_{\rm stat}/(\iota(L+\sigma^2))` — the fixed point of the
closure at constant controls. The loss obeys :math:`L = \iota(L + \sigma^2)\sum_k G(\lambda_k)`,
so the noise feedback is stable only while :math:`\iota\sum_k G(\lambda_k) < 1`, and the noise
floor is :math:`\iota\sigma^2\sum_k G(\lambda_k)`.

:func:`derive_momentum_exponents` turns these into loss exponents by dominant balance
(:func:`theory.minimise_leading_exponent`). For the dimension-adapted form the noise that
counts is what the schedule's final annealing leaves (SGD's annealed noise at the effective
rate), and the noise-feedback stability bound :math:`\zeta_t \lesssim t^{-1/b}` binds where
the balance would need a slower decay: for :math:`a < b^2/(2b-1)` (both study points) the
exponent is the bias's at that bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._asymptotics import _annealed, _derive_delta, _response, derive_scaling_laws
from ._balance import BalanceCase, case_at, minimise_leading_exponent
from ._beyond import momentum_bias_dynamics
from ._moments import Delta, MomentClosure, OptimizerUpdate, beta, g, second_moment_closure, v
from ._powerlaw import PowerLaw, power_integral, reduce_condition
from .symbols import L, T, a, b, eta, inv_m, lam, sigma

__all__ = [
    "FORMS",
    "FormDynamics",
    "MomentumExponentLaws",
    "derive_momentum_exponents",
    "form_dynamics",
    "general_momentum",
    "momentum_form",
]

#: Coefficients of the general update: SGD step, momentum step, gradient gain of the velocity.
alpha_s = sp.Symbol("alpha", nonnegative=True)
gamma_s = sp.Symbol("gamma", nonnegative=True)
q_s = sp.Symbol("q", nonnegative=True)
#: Momentum step of the dimension-adapted form, and the friction :math:`\kappa = 1 - \beta`.
zeta = sp.Symbol("zeta", nonnegative=True)
kappa = sp.Symbol("kappa", positive=True)
#: Scaling exponents of the dimension-adapted schedule: :math:`\zeta_t \propto t^{-p}`,
#: :math:`\kappa_t \propto t^{-r}`.
p_exp = sp.Symbol("p", real=True)
r_exp = sp.Symbol("r", real=True)
_x = sp.Symbol("x", positive=True)  # lambda / kappa
_y = sp.Symbol("y", positive=True)  # k kappa^(1/b)
_S = sp.Symbol("S", positive=True)  # iota (L + sigma^2), the noise source

#: Form name -> coefficients (alpha, gamma, q) of :func:`general_momentum` and its controls.
FORMS: dict[str, tuple[tuple[sp.Expr, sp.Expr, sp.Expr], tuple[sp.Symbol, ...]]] = {
    "ema": ((sp.Integer(0), eta, 1 - beta), (eta, beta)),
    "heavy-ball": ((sp.Integer(0), eta, sp.Integer(1)), (eta, beta)),
    "nesterov": ((eta, zeta, sp.Integer(1)), (eta, zeta, beta)),
}


_PER_STEP_HEAVY_BALL = (  # the per-step optimum; growth: _momentum_cap, spike cost: _momentum_spike
    r"a per-step schedule that coasts at friction near 1 and releases exceeds it for short spells; "
    r"a spike of weight $W = \sum_t L_t G_t^2$ costs $\ge \iota W\Gamma(2-\frac1b)(2\tau)^{1/b-2}/b$ at $T$, "
    r"and $\ln W \ge \kappa H + O(1)$, $\kappa \ge \min_{h \le \eta_{\max}} \ln z_*(h)/h$ (free of "
    r"$T$), so $H = O(\ln T)$, $\tau = O(T\ln T)$: SGD's exponents if the bias is bounded by the clock."
)


def general_momentum() -> OptimizerUpdate:
    r"""The update :math:`v' = \beta v + q g`, :math:`\Delta' = \Delta - \alpha g - \gamma v'`."""
    v_new = beta * v + q_s * g
    return OptimizerUpdate(
        (Delta, v),
        (Delta - alpha_s * g - gamma_s * v_new, v_new),
        (alpha_s, gamma_s, beta, q_s),
        name="general",
    )


@cache
def momentum_form(name: str) -> OptimizerUpdate:
    """The :class:`OptimizerUpdate` of a named form (a key of :data:`FORMS`)."""
    if name not in FORMS:
        raise ValueError(f"name must be one of {sorted(FORMS)}, got {name!r}")
    (al, ga, qq), params = FORMS[name]
    gen = general_momentum()
    sub = {alpha_s: al, gamma_s: ga, q_s: qq}
    update = tuple(sp.expand(u.subs(sub)) for u in gen.update)
    return OptimizerUpdate(gen.state, update, params, name=name)


@dataclass(frozen=True)
class FormDynamics:
    r"""What bounds the effective step of one momentum form, derived from its update.

    Attributes
    ----------
    name : str
    update : OptimizerUpdate
    closure : MomentClosure
        Exact per-mode second-moment recursion.
    slow_rate : sympy.Expr
        Effective learning rate of the slow modes (:math:`z = 1 - \text{slow\_rate}\,\lambda`).
    stability_boundary : sympy.Expr or None
        :math:`\eta\lambda` (or the form's first step times :math:`\lambda`) at which the mean
        dynamics lose stability.
    noise_gain : sympy.Expr
        :math:`G(\lambda)`, the stationary :math:`\lambda E[\Delta^2]` per unit noise source
        :math:`\iota(L+\sigma^2)`, at constant controls, with :math:`\beta = 1 - \kappa`.
    gain_slope : sympy.Expr
        :math:`\lim_{\lambda\to0} G/\lambda` (for every form, half the slow rate — checked).
    first_order_gain : sympy.Expr
        Leading order of :math:`G` in the steps (``eta``, ``zeta`` small together).
    friction_scaling : sympy.Expr
        :math:`F(x) = \lim_{\kappa\to0} G(\lambda = x\kappa)` (the gain near the friction
        scale); bounded as :math:`x\to\infty` only if an SGD step damps the fast modes.
    """

    name: str
    update: OptimizerUpdate
    closure: MomentClosure
    slow_rate: sp.Expr
    stability_boundary: sp.Expr | None
    noise_gain: sp.Expr
    gain_slope: sp.Expr
    first_order_gain: sp.Expr
    friction_scaling: sp.Expr

    def latex(self) -> dict[str, str]:
        out = {
            "slow_rate": r"\eta_{\rm eff} = " + sp.latex(self.slow_rate),
            "gain_slope": r"\lim_{\lambda\to0} G/\lambda = " + sp.latex(self.gain_slope),
            "first_order_gain": r"G \simeq " + sp.latex(self.first_order_gain),
            "friction_scaling": r"F(x) = " + sp.latex(self.friction_scaling),
        }
        if self.stability_boundary is not None:
            out["stability_boundary"] = sp.latex(self.stability_boundary)
        return out


def _stationary_gain(closure: MomentClosure) -> sp.Expr:
    """Solve the closure's fixed point at constant controls; return ``lam E[Delta^2] / S``."""
    sub = {L: _S / inv_m - sigma**2, beta: 1 - kappa}
    eqs = [
        sp.expand(r.subs(sub)) - mm
        for mm, r in zip(closure.moments, closure.recursion, strict=False)
    ]
    A, rhs = sp.linear_eq_to_matrix(eqs, closure.moments)
    # Cramer's rule for E[Delta^2] (unique where the map is a contraction): polynomial
    # determinants cancel far faster than the rational LU solution factors
    A0 = A.copy()
    A0[:, 0] = rhs
    num = sp.expand(A0.det(method="berkowitz"))
    den = sp.expand(A.det(method="berkowitz"))
    return sp.factor(sp.cancel(lam * num / (den * _S)))


@cache
def form_dynamics(name: str) -> FormDynamics:
    """Derive the :class:`FormDynamics` of the form ``name`` (once per process, kept on disk
    by :mod:`theory._disk` like :func:`theory.derive_scaling_laws`)."""
    if name not in FORMS:
        raise ValueError(f"name must be one of {sorted(FORMS)}, got {name!r}")
    from ._disk import load_or_compute

    return load_or_compute(f"momentum-form-{name}", lambda: _form_dynamics(name))


def _form_dynamics(name: str) -> FormDynamics:
    """Derive the :class:`FormDynamics` of the form ``name`` (a key of :data:`FORMS`).

    Examples
    --------
    >>> form_dynamics("heavy-ball").slow_rate
    -eta/(beta - 1)
    >>> form_dynamics("heavy-ball").first_order_gain
    eta*lambda/(2*kappa)
    """
    upd = momentum_form(name)
    closure = second_moment_closure(upd)
    bias = momentum_bias_dynamics(upd)
    gain = _stationary_gain(closure)
    slope = sp.factor(sp.limit(gain / lam, lam, 0))
    scaling = sp.factor(sp.limit(gain.subs(lam, _x * kappa), kappa, 0))
    return FormDynamics(
        name,
        upd,
        closure,
        sp.factor(bias.slow_rate),
        bias.stability_boundary,
        gain,
        slope,
        _first_order(gain),
        scaling,
    )


# ----------------------------------------------------------------------------------------------
# Exponents by dominant balance
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MomentumExponentLaws:
    r"""Derived loss exponents (positive decay rates, :math:`L \sim T^{-e}`) per form and phase.

    Attributes
    ----------
    exponents : dict
        ``exponents[form][phase]``: the derived optimal exponent (``None`` where not derived).
    sgd : dict
        ``sgd[phase]``: optimal SGD's exponent (:func:`theory.derive_scaling_laws`).
    beats_sgd : dict
        ``beats_sgd[form][phase]``: reduced condition on ``a, b`` for beating SGD.
    nesterov_cases : tuple of BalanceCase
        The dimension-adapted schedule's cases against the noise left after its final annealing
        (:func:`_nesterov_derivation`), each with its validity conditions: the bias at the
        noise-feedback stability bound (``kind == "bound"``) or its balance with the annealed
        noise; :meth:`nesterov_case` picks the one that holds at a point.
    stationary_cases : tuple of BalanceCase
        The balance against the stationary noise floor at the rate reached at ``T`` (no final
        annealing): kept for comparison (earlier claim, the study's 1.5).
    stationary_exponent, stationary_p, nesterov_bound_exponent : sympy.Expr
        That balance's exponent and :math:`p`; the bias exponent at the bound :math:`p = r/b`.
    bias_only_limit : sympy.Expr
        The accelerated bias-only exponent (:math:`p = 0`, :math:`r = 1`: no noise constraint).
    heavy_ball_rate_bound : sympy.Expr
        Largest effective rate :math:`\eta/(1-\beta)` of heavy ball with a stable noise feedback,
        at first order in the step: :math:`\iota\,\eta_{\rm eff}\sum_k\lambda_k/2 = 1`.
    optimal_p : sympy.Expr
        Derived :math:`p` of :math:`\zeta_t \propto t^{-p}` (with :math:`\kappa_t \propto 1/t`),
        piecewise over the cases of ``nesterov_cases``.
    statistical_limit : sympy.Expr
        Exponent of the best spectral (oracle linear) estimator from the :math:`mT` samples:
        no first-order method using them decays faster (:func:`_statistical_limit`).
    steps : tuple of str
    """

    exponents: dict
    sgd: dict
    beats_sgd: dict
    nesterov_cases: tuple[BalanceCase, ...]
    stationary_cases: tuple[BalanceCase, ...]
    stationary_exponent: sp.Expr
    stationary_p: sp.Expr
    nesterov_bound_exponent: sp.Expr
    bias_only_limit: sp.Expr
    heavy_ball_rate_bound: sp.Expr
    optimal_p: sp.Expr
    statistical_limit: sp.Expr
    steps: tuple[str, ...]

    def evaluate(self, form: str, phase: str, a_value: float, b_value: float) -> float | None:
        e = self.exponents[form][phase]
        return (
            None
            if e is None
            else float(e.subs({a: sp.nsimplify(a_value), b: sp.nsimplify(b_value)}))
        )

    def nesterov_case(self, a_value: float, b_value: float) -> BalanceCase:
        """The case of ``nesterov_cases`` whose conditions hold at ``(a, b)``: which constraint
        or balance sets the dimension-adapted form's exponent there, and why."""
        return case_at(self.nesterov_cases, a_value, b_value)


def _first_order(gain: sp.Expr) -> sp.Expr:
    """Leading order of a noise gain in the steps (``eta``, ``zeta`` -> 0 together)."""
    eps, rho = sp.symbols("epsilon rho", positive=True)
    sub = {eta: eps * eta, zeta: eps * rho * eta}
    first = sp.series(gain.subs(sub), eps, 0, 2).removeO().subs(eps, 1)
    return sp.factor(first.subs(rho, zeta / eta))


def _sgd_gain() -> sp.Expr:
    """SGD's first-order noise gain (EMA at ``beta = 0``)."""
    return form_dynamics("ema").first_order_gain.subs(beta, 0)


def _reduces_to_sgd(fd: FormDynamics, sgd_gain: sp.Expr) -> bool:
    """True iff the first-order gain is SGD's with ``eta`` replaced by the slow rate."""
    mine = fd.first_order_gain.subs(beta, 1 - kappa)
    return sp.simplify(mine - sgd_gain.subs(eta, fd.slow_rate.subs(beta, 1 - kappa))) == 0


def _gain_sum_exponent(fd: FormDynamics) -> tuple[sp.Expr, sp.Expr]:
    r"""Power of :math:`\kappa` in :math:`\sum_k G(k^{-b})` as :math:`\kappa \to 0`.

    Near the friction scale :math:`G(\lambda) \to \zeta F(\lambda/\kappa)`; with
    :math:`k = y\kappa^{-1/b}` the sum is :math:`\kappa^{-1/b}\int_0^\infty F(y^{-b})\,dy`, which
    converges iff ``F`` stays finite at :math:`x\to\infty` and :math:`F(y^{-b})` decays faster than
    :math:`1/y` (returned as the condition).
    """
    F = sp.factor(
        fd.friction_scaling.subs(inv_m, 0)
    )  # the iota*zeta term is higher order in the step
    big = sp.limit(F, _x, sp.oo)
    small_power = sp.limit(sp.log(F) / sp.log(_x), _x, 0)  # F ~ x^n at x -> 0
    if big.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return -1 / b, sp.false
    return -1 / b, reduce_condition(sp.Gt(b * small_power, 1))


def _nesterov_terms() -> tuple[PowerLaw, PowerLaw, sp.Expr, list[str]]:
    r"""Bias and noise of :math:`\zeta_t = t^{-p}`, :math:`\kappa_t = t^{-r}` as powers of ``T``."""
    fd = form_dynamics("nesterov")
    tt = sp.Symbol("t", positive=True)
    rate = fd.slow_rate.subs(beta, 1 - kappa)
    momentum_rate = sp.expand(rate - rate.subs(zeta, 0))  # zeta / kappa
    growth = sp.powsimp(momentum_rate.subs({zeta: tt**-p_exp, kappa: tt**-r_exp}), force=True)
    q = sp.expand(sp.log(growth).expand(force=True) / sp.log(tt))
    cond, tau, _ = power_integral(q, tt, T)[0]  # grows iff q > -1 (the upper end dominates)
    resp = _response()
    bias = PowerLaw.from_expr(resp.bias.at(resp.bias_factor * tau), T, "bias")
    kappa_power, sum_cond = _gain_sum_exponent(fd)
    gain = PowerLaw(sp.Integer(1), -p_exp - r_exp * kappa_power, T, "momentum noise")
    steps = [
        r"Slow rate $"
        + sp.latex(rate)
        + r"$: the momentum part $"
        + sp.latex(momentum_rate)
        + r"$ grows as $t^{"
        + sp.latex(q)
        + r"}$ for $\zeta_t = t^{-p}$, $\kappa_t = t^{-r}$, so "
        r"$\tau_T = \int^T \eta_{\rm eff} \propto T^{"
        + sp.latex(sp.expand(q + 1))
        + r"}$ (if $"
        + sp.latex(cond)
        + r"$) and the bias is $T^{"
        + sp.latex(bias.exponent)
        + "}$.",
        r"Noise gain of a mode $G(\lambda)$ (closure fixed point); near the friction scale "
        r"$G \to \zeta F(\lambda/\kappa)$, bounded for $\lambda \gg \kappa/\eta$ (the SGD step "
        r"damps those modes), so $\sum_k G(\lambda_k) \propto \zeta\kappa^{"
        + sp.latex(kappa_power)
        + r"}$ (condition $"
        + sp.latex(sum_cond)
        + r"$) $\propto T^{"
        + sp.latex(gain.exponent)
        + "}$: the noise floor $\\iota\\sigma^2\\sum_k G$ and the feedback gain "
        r"$\iota\sum_k G < 1$ scale alike.",
    ]
    return bias, gain, cond, steps


@dataclass(frozen=True)
class _NesterovDerivation:
    """The dimension-adapted form's two balances and its bounds (:func:`_nesterov_derivation`)."""

    annealed: tuple[BalanceCase, ...]
    stationary: tuple[BalanceCase, ...]
    bound_exponent: sp.Expr
    bias_only: sp.Expr
    lower: sp.Expr
    steps: tuple[str, ...]


def _nesterov_derivation() -> _NesterovDerivation:
    r"""The dimension-adapted form's exponent: bias against the noise left after the annealing.

    The bias follows the growing effective rate, :math:`\tau_T \propto T^{2-p}`
    (:func:`_nesterov_terms`), under the noise-feedback stability bound :math:`p \ge 1/b`.
    Two noise models are balanced against it, both kept:

    * *annealed* (the optimum's): the schedule ends with an annealing, as SGD's does. Near
      :math:`t \sim T` the effective rate is :math:`T^{1-p}` times the annealing shape and the
      slow modes see SGD's dynamics at that rate (the first-order gains agree, checked), so the
      noise left at ``T`` is SGD's annealed noise (:func:`theory._asymptotics._annealed`) at
      :math:`\xi = p - 1`, with SGD's derived annealing shape :math:`\delta^*`;
    * *stationary*: the noise floor :math:`\iota\sigma^2\sum_k G \propto T^{1/b - p}` at the rate
      reached at ``T``, as if nothing annealed it.
    """
    bias, gain, grow_cond, steps = _nesterov_terms()
    # r at fixed stability margin p - r/b: the bias exponent falls with r, so r sits at its bound
    s = sp.Symbol("s", real=True)
    d_r = sp.factor(sp.diff(bias.exponent.subs(p_exp, s + r_exp / b), r_exp))
    if reduce_condition(sp.Lt(d_r, 0)) != sp.true:
        raise RuntimeError(f"bias exponent does not fall with r: {d_r}")  # pragma: no cover
    r_max = sp.Integer(1)  # kappa_t >= delta/t: the velocity must forget (sum kappa diverges)
    bias, gain = bias.subs({r_exp: r_max}), gain.subs({r_exp: r_max})
    lower = sp.solve(sp.Eq(gain.exponent, 0), p_exp)[0]  # feedback stability: p >= 1/b
    upper = sp.solve(sp.Eq(grow_cond.lhs.subs(r_exp, r_max) - grow_cond.rhs, 0), p_exp)[0]
    names = ("noise-feedback stability", "no growth")
    stationary = minimise_leading_exponent([bias, gain], p_exp, lower, upper, bound_names=names)
    resp = _response()
    d_star = _derive_delta(resp)[0]
    if not _reduces_to_sgd(form_dynamics("nesterov"), _sgd_gain()):
        raise RuntimeError("nesterov: slow-mode gain is not SGD's at the effective rate")
    ann = _annealed(resp, T, p_exp - 1, d_star)
    annealed = minimise_leading_exponent(
        [bias, ann.bulk, ann.end], p_exp, lower, upper, bound_names=names
    )
    bound = minimise_leading_exponent([bias], p_exp, lower, upper)
    bias_only = sp.factor(-bias.exponent.subs(p_exp, 0))
    steps += [
        r"At a fixed stability margin $p - r/b$ the bias exponent changes with $r$ at rate $"
        + sp.latex(d_r)
        + r"< 0$: $r$ at its bound $r = 1$ ($\kappa_t = \delta/t$, the velocity "
        r"forgets as fast as Nesterov's).",
        r"Stability of the noise feedback: $p \ge "
        + sp.latex(lower)
        + r"$; growth of $\tau$: $p <"
        + sp.latex(upper)
        + r"$. Without a noise constraint ($p = 0$): the accelerated bias-only exponent $"
        + sp.latex(bias_only)
        + "$.",
        r"The optimum ends with an annealing (as SGD's): near $t \sim T$ the slow modes see SGD "
        r"at the effective rate $T^{1-p}$ times the annealing shape (first-order gains equal), "
        rf"so the noise left is SGD's annealed noise at $\xi = p - 1$, $\delta = "
        rf"{sp.latex(d_star)}$: {ann.bulk.name} $T^{{{sp.latex(ann.bulk.exponent)}}}$, "
        rf"{ann.end.name} $T^{{{sp.latex(ann.end.exponent)}}}$, against the bias "
        rf"$T^{{{sp.latex(bias.exponent)}}}$.",
    ]
    steps.append(_cases_step(annealed, stationary[0]))
    return _NesterovDerivation(
        tuple(annealed), tuple(stationary), sp.factor(-bound[0].exponent), bias_only, lower,
        tuple(steps),
    )  # fmt: skip


def _cases_step(annealed, stat: BalanceCase) -> str:
    """The derivation step that lists the annealed cases and the stationary balance."""
    return (
        "Cases against the annealed noise: "
        + "; ".join(
            rf"{' at '.join(c.binding)} ($p = {sp.latex(c.value)}$, exponent "
            rf"${sp.latex(sp.factor(-c.exponent))}$) iff ${sp.latex(c.condition)}$"
            for c in annealed
        )
        + rf". Against the stationary floor instead, {' = '.join(stat.binding)} at "
        rf"$p = {sp.latex(stat.value)}$ would give ${sp.latex(sp.factor(-stat.exponent))}$ "
        r"(the earlier claim): a lower bound the annealed optimum beats."
    )


def _statistical_limit() -> tuple[sp.Expr, list[str]]:
    r"""Loss exponent of the best spectral estimator from :math:`n = mT` samples.

    Mode :math:`k` carries loss :math:`\lambda_k c_k = k^{-a}`; estimated from ``n`` noisy
    samples its coefficient has variance :math:`\sigma^2/(n\lambda_k)`, i.e. loss
    :math:`\sigma^2/n`. The oracle keeps the modes below a cutoff :math:`k_* = T^{\kappa}`:
    bias :math:`\sum_{k>k_*} k^{-a} \propto T^{\kappa(1-a)}` against variance
    :math:`k_*\sigma^2/n \propto T^{\kappa-1}` (dominant balance over :math:`\kappa \ge 0`).
    An iterate of SGD with any momentum is a linear function of the same labels, so its
    expected loss cannot decay faster.
    """
    cut = sp.Symbol("kappa_*", nonnegative=True)
    bias = PowerLaw(1 / (a - 1), cut * (1 - a), T, "unlearned modes")
    variance = PowerLaw(sigma**2, cut - 1, T, "estimation variance")
    cases = minimise_leading_exponent([bias, variance], cut, sp.Integer(0), None)
    inner = [c for c in cases if c.kind == "balance"]
    if len(inner) != 1:
        raise RuntimeError(
            f"statistical limit: expected one balance, got {cases}"
        )  # pragma: no cover
    limit = sp.factor(-inner[0].exponent)
    step = (
        r"Statistical limit: mode $k$ holds loss $k^{-a}$ and is estimated from $mT$ samples "
        r"with loss $\sigma^2/(mT)$; a cutoff $k_* = T^{\kappa_*}$ balances $T^{\kappa_*(1-a)}$ "
        rf"against $T^{{\kappa_* - 1}}$ at $\kappa_* = {sp.latex(inner[0].value)}$: no method "
        rf"linear in the labels decays faster than $T^{{-{sp.latex(limit)}}}$."
    )
    return limit, [step]


@cache
def derive_momentum_exponents() -> MomentumExponentLaws:
    """The momentum exponents of :func:`_derive_momentum_exponents` (kept on disk)."""
    from ._disk import load_or_compute

    return load_or_compute("momentum-exponents", _derive_momentum_exponents)


def _heavy_ball_bound() -> sp.Expr:
    r"""The largest effective rate of heavy ball: the noise feedback
    :math:`\iota\sum_k G(\lambda_k) < 1` with the first-order gain (linear in
    :math:`\lambda`) summed over the spectrum."""
    rate = sp.Symbol("eta_eff", positive=True)
    kk = sp.Symbol("k", positive=True, integer=True)
    hb = form_dynamics("heavy-ball")
    per_mode = hb.first_order_gain.subs(eta, rate * kappa)  # G in terms of eta_eff
    shift = sp.Symbol("B", positive=True)  # b = 1 + B: the mode sum converges (b > 1)
    slope = sp.cancel(per_mode / lam)  # first order: G = slope * lambda for every mode
    if slope.has(lam):
        raise RuntimeError(f"heavy-ball first-order gain not linear in lambda: {per_mode}")
    trace = sp.summation(kk ** -(1 + shift), (kk, 1, sp.oo)).subs(shift, b - 1)  # sum lambda_k
    return sp.solve(sp.Eq(inv_m * slope * trace, 1), rate)[0]


def _derive_momentum_exponents() -> MomentumExponentLaws:
    r"""Derive the optimal loss exponent of each momentum form in both phases.

    * EMA and heavy ball: their first-order noise gain is SGD's with :math:`\eta` replaced by the
      slow rate (checked symbolically), so the problem is SGD's in the effective rate; EMA's slow
      rate is :math:`\eta \le \eta_{\max}`, heavy ball's :math:`\eta/(1-\beta)` is bounded by the
      noise feedback :math:`\iota\,\eta_{\rm eff}\sum_k\lambda_k/2 < 1`: both keep SGD's exponents.
    * Dimension-adapted: the SGD step caps each mode's gain, the momentum's effective rate grows
      as :math:`t^{1-p}` under the noise-feedback stability bound :math:`p \ge 1/b`; the bias
      against the noise the final annealing leaves (dominant balance in :math:`p`,
      :func:`_nesterov_derivation`). Where that balance would need :math:`p < 1/b` the bound
      binds and the exponent is the bias's there.

    Examples
    --------
    >>> laws = derive_momentum_exponents()
    >>> case = laws.nesterov_case(1.3, 2.75)
    >>> case.kind, case.binding, case.value
    ('bound', ('bias', 'noise-feedback stability'), 1/b)
    >>> -case.exponent
    (a - 1)*(2*b - 1)/b**2
    >>> laws.stationary_exponent  # against the stationary floor (no final annealing)
    (a - 1)*(2*b - 1)/(b*(a + b - 1))
    """
    laws = derive_scaling_laws()
    sgd = {ph: sp.factor(getattr(laws, ph)["loss_exponent"].expr) for ph in ("easy", "hard")}
    sgd_gain = _sgd_gain()
    exponents, beats = {}, {}
    steps = []
    hb_bound = _heavy_ball_bound()
    for name in ("ema", "heavy-ball"):
        fd = form_dynamics(name)
        if not _reduces_to_sgd(fd, sgd_gain):
            raise RuntimeError(f"{name}: first-order gain is not SGD's in the slow rate")
        exponents[name] = dict(sgd)
        beats[name] = {"easy": sp.false, "hard": sp.false}
        steps.append(
            rf"{name}: first-order noise gain ${sp.latex(fd.first_order_gain)}$ = SGD's "
            rf"$\eta\lambda/2$ at $\eta \to \eta_{{\rm eff}} = {sp.latex(fd.slow_rate)}$; the "
            r"effective rate is bounded by a constant, so the exponents are SGD's."
            + (
                rf" Heavy ball: $\iota\sum_k G(\lambda_k) < 1$ gives $\eta_{{\rm eff}} < "
                rf"{sp.latex(hb_bound)}$ for slowly varying controls (stationary feedback); "
                + _PER_STEP_HEAVY_BALL
                if name == "heavy-ball"
                else r" EMA: $\eta_{\rm eff} = \eta \le \eta_{\max}$."
            )
        )
    nd = _nesterov_derivation()
    nest = _piecewise(nd.annealed, "exponent")
    steps += nd.steps
    stat = nd.stationary[0]
    limit, limit_steps = _statistical_limit()
    steps += limit_steps
    # easy phase: SGD (the form at zeta = 0) already reaches the limit, which bounds every form
    easy_at_limit = sp.simplify(sgd["easy"] - limit) == 0
    # where each case holds, its exponent stays at or below the limit
    conds = [(c, reduce_condition(sp.Le(-c.exponent, limit))) for c in nd.annealed]
    below = "; ".join(rf"the {c.binding[-1]} case (holding iff ${sp.latex(c.condition)}$) "
                      + ("always" if w == sp.true else rf"iff ${sp.latex(w)}$") for c, w in conds)  # fmt: skip
    steps.append(
        rf"Easy phase: SGD's exponent ${sp.latex(sgd['easy'])}$ "
        + ("equals" if easy_at_limit else "differs from")
        + r" the statistical limit, and the dimension-adapted form contains SGD ($\zeta = 0$): "
        r"its easy-phase exponent is squeezed to the limit, no gain. Hard phase: SGD's "
        rf"${sp.latex(sgd['hard'])}$ lies below the limit; the momentum cases' exponents stay "
        rf"at or below it: {below}."
    )
    exponents["nesterov"] = {"hard": nest, "easy": sgd["easy"] if easy_at_limit else None}
    beats["nesterov"] = {
        "hard": _beats(nd.annealed, sgd["hard"]),
        "easy": sp.false if easy_at_limit else None,
    }
    return MomentumExponentLaws(
        exponents, sgd, beats, nd.annealed, nd.stationary, sp.factor(-stat.exponent),
        sp.factor(stat.value), nd.bound_exponent, nd.bias_only, sp.factor(hb_bound),
        _piecewise(nd.annealed, "value"), limit, tuple(steps),
    )  # fmt: skip


def _piecewise(cases, what: str) -> sp.Expr:
    """The cases' ``exponent`` (as a positive decay rate) or ``value``, piecewise in ``a, b``."""
    return sp.Piecewise(*((sp.factor(-c.exponent if what == "exponent" else c.value),
                           c.condition) for c in cases))  # fmt: skip


def _beats(cases, sgd_exponent: sp.Expr) -> sp.Basic:
    """Where (in ``a, b``) a case holds and its exponent exceeds ``sgd_exponent``."""
    return sp.Or(
        *(sp.And(c.condition, reduce_condition(sp.Gt(-c.exponent, sgd_exponent))) for c in cases)
    )
