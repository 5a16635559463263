r"""Corrections to scaling of the momentum forms' optimal loss exponents (issue 13).

The exponents of :func:`theory.derive_momentum_exponents` hold as :math:`T \to \infty`; their
local slopes approach them like :math:`T^{-\omega}` (:mod:`theory._corrections`). Per form:

* **SGD-like forms** (SGD, EMA with :math:`\eta \le \eta_{\max}`, heavy ball): the first-order
  noise gain is SGD's at the effective rate (checked symbolically,
  :func:`theory._momentum_exponents._reduces_to_sgd`) and the effective rate is bounded by a
  constant, so the optimum is SGD's plateau-and-window at that rate: the corrections are those of
  SGD's hard optimal loss (the window's excess over the plateau's bias, its source crossover and
  boundary layer; :func:`theory.derive_corrections`, ``hard``/``loss_exponent``).
* **Dimension-adapted Nesterov** (the stability-bound case :math:`p = 1/b`), from the transients
  of its derivation (:func:`theory.derive_free_friction_exponent`):

  - *annealed noise against bias*: the bulk and final noise the annealing leaves, at the bound,
    lie below the bias by the gaps of the balance (as SGD's boundary layer does);
  - *progress*: :math:`\tau_T = \sum_s \eta_s + \sum_j (j+1)\zeta_j`; the SGD step's share
    :math:`\eta T` is :math:`T^{-(1-p)}` of the momentum's :math:`T^{2-p}`;
  - *noise-feedback mass*: :math:`\iota g_0 \sum_{k\ge1}(1 - e^{-\eta\lambda_k t})
    = \iota g_0 (\Gamma(1 - 1/b)(\eta t)^{1/b} - f(0)/2 + \dots)` (Euler--Maclaurin, the summand
    flat to all orders at ``k = 0``): at the bound the mass is a constant plus a relative
    :math:`t^{-1/b}`, and so is the momentum step's level that holds it below one;
  - the final friction stage spans a fixed fraction of the run: no power of ``T``.

* **Easy phase**: every form's exponent is SGD's (squeezed to the statistical limit; the Nesterov
  optimum switches its momentum off): SGD's easy-phase corrections.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from ._asymptotics import T, _annealed, _derive_delta, _response
from ._corrections import POWER, CorrectionTerm, ScalingCorrection, _gap_terms, derive_corrections
from ._moments import beta
from ._momentum_exponents import (
    _nesterov_terms,
    _reduces_to_sgd,
    _sgd_gain,
    derive_momentum_exponents,
    eta,
    form_dynamics,
    kappa,
    p_exp,
    r_exp,
    zeta,
)
from ._powerlaw import power_exponent, power_integral
from .symbols import b

__all__ = ["derive_momentum_corrections", "momentum_omegas"]

#: Forms with corrections (SGD is each form's reference).
CORRECTION_FORMS = ("sgd", "ema", "heavy-ball", "nesterov")


@cache
def derive_momentum_corrections() -> dict[str, dict[str, ScalingCorrection]]:
    r"""Correction terms of each momentum form's optimal loss exponent, per phase.

    Returns
    -------
    dict
        ``{form: {"easy": ScalingCorrection, "hard": ScalingCorrection}}`` for ``form`` in
        ``sgd, ema, heavy-ball, nesterov``. Nesterov's hard row is the stability-bound case
        (``a < b^2/(2b-1)``); where the balance case holds its omegas are not derived (the row
        says so through :meth:`~theory.ScalingCorrection.omegas` returning its bound-case values
        only where they are positive).

    Examples
    --------
    >>> c = derive_momentum_corrections()["nesterov"]["hard"]
    >>> [round(w, 4) for w in c.omegas(1.5, 3)]
    [0.1667, 0.3333, 0.4444, 0.6667]
    """
    from ._disk import load_or_compute

    return load_or_compute("momentum-corrections", _derive_momentum_corrections)


def _derive_momentum_corrections() -> dict[str, dict[str, ScalingCorrection]]:
    sgd = derive_corrections()
    out: dict[str, dict[str, ScalingCorrection]] = {}
    laws = derive_momentum_exponents()
    sgd_gain = _sgd_gain()
    for form in CORRECTION_FORMS:
        if form in ("ema", "heavy-ball") and not _reduces_to_sgd(form_dynamics(form), sgd_gain):
            raise RuntimeError(f"{form}: not SGD at its effective rate")  # pragma: no cover
        rows = {}
        for phase in ("easy", "hard"):
            base = sgd[phase]["loss_exponent"]
            expr = laws.sgd[phase] if form == "sgd" else laws.exponents[form][phase]
            terms = base.terms
            if form == "nesterov" and phase == "hard":
                expr, terms = _nesterov_bound_terms()
            rows[phase] = ScalingCorrection(f"momentum {form}", phase, sp.factor(expr), terms)
        out[form] = rows
    return out


def _nesterov_bound_terms() -> tuple[sp.Expr, tuple[CorrectionTerm, ...]]:
    """Nesterov's exponent in the stability-bound case and its correction terms."""
    laws = derive_momentum_exponents()
    (case,) = [c for c in laws.nesterov_cases if c.kind == "bound"]
    sub = {p_exp: case.value}
    bias, _gain, _, _ = _nesterov_terms()
    resp = _response()
    ann = _annealed(resp, T, p_exp - 1, _derive_delta(resp)[0])
    terms = [bias.subs({r_exp: 1}), ann.bulk, ann.end]
    names = {ann.bulk.name: "annealed bulk noise against the bias",
             ann.end.name: "annealed final noise against the bias"}  # fmt: skip
    gaps = _gap_terms(terms, case.exponent, sub, names)
    return sp.factor(-case.exponent), (*gaps, _progress_term(sub), _mass_term())


def _progress_term(sub: dict) -> CorrectionTerm:
    r"""The SGD step's share of the progress: :math:`\int\eta \propto T` against the momentum's
    :math:`\int \zeta/\kappa` at :math:`\kappa = 1/t`."""
    tt = sp.Symbol("t", positive=True)
    rate = form_dynamics("nesterov").slow_rate.subs(beta, 1 - kappa)
    step, mom = sp.simplify(rate.subs(zeta, 0)), sp.expand(rate - rate.subs(zeta, 0))
    if sp.simplify(step - eta) != 0:
        raise RuntimeError(f"nesterov slow rate's step part is not eta: {step}")  # pragma: no cover
    grow = sp.powsimp(mom.subs({zeta: tt**-p_exp, kappa: tt**-1}), force=True)
    q = power_exponent(grow, tt)
    _, tau, _ = power_integral(q, tt, T)[0]
    gap = sp.factor((power_exponent(tau, T) - 1).subs(sub))
    return CorrectionTerm(
        "progress of the SGD step", POWER, gap, False,
        r"$\tau_T = \sum\eta_s + \sum(j+1)\zeta_j$: the step's $\eta T$ against the momentum's "
        rf"$T^{{{sp.latex(power_exponent(tau, T))}}}$ at the bound.",
    )  # fmt: skip


def _mass_term() -> CorrectionTerm:
    r"""The noise-feedback mass's Euler--Maclaurin constant against its :math:`x^{1/b}` sum."""
    k, x, y = sp.symbols("k x y", positive=True)
    f = 1 - sp.exp(-x * k**-b)
    # k = x^(1/b) y maps the sum's integral onto x = 1: the integral scales as x^(1/b)
    if sp.simplify(f.subs(k, x ** (1 / b) * y) - f.subs(x, 1).subs(k, y)) != 0:
        raise RuntimeError("mass summand does not scale")  # pragma: no cover
    f0 = sp.limit(f.subs({x: 1, b: 2}), k, 0, "+")  # f(0) = 1 for every b > 0
    if f0 == 0:
        raise RuntimeError("mass summand vanishes at k = 0: no constant")  # pragma: no cover
    gap = sp.factor(power_exponent(x ** (1 / b), x) - 0)  # the constant -f(0)/2 is x^0
    return CorrectionTerm(
        "noise-feedback mass (Euler--Maclaurin constant)", POWER, gap, False,
        r"$\sum_{k\ge1}(1 - e^{-x k^{-b}}) = \Gamma(1-1/b)x^{1/b} - 1/2 + \dots$ with "
        r"$x = \eta t$: at the bound the momentum step that holds the mass carries a relative "
        r"$t^{-1/b}$.",
    )  # fmt: skip


def momentum_omegas(form: str, phase: str, a_val: float, b_val: float) -> list[float]:
    """Derived correction exponents of ``form``'s optimal loss in ``phase`` at ``(a, b)``,
    slowest first; ``[]`` where none is derived (Nesterov's balance case)."""
    if form not in CORRECTION_FORMS or phase not in ("easy", "hard"):
        raise ValueError(f"form must be one of {CORRECTION_FORMS} and phase easy or hard, got "
                         f"{form!r}, {phase!r}")  # fmt: skip
    if form == "nesterov" and phase == "hard":
        kind = derive_momentum_exponents().nesterov_case(a_val, b_val).kind
        if kind != "bound":
            return []
    return derive_momentum_corrections()[form][phase].omegas(a_val, b_val)
