r"""The dimension-adapted Nesterov form with the friction switched off mid-run: its exponent.

The per-step optimum of the Nesterov form runs with :math:`\beta_t = 1` (no friction) for most
of the run and switches the friction on again for a final stage (benchmarks/results/momentum.md,
2026-11-30d). :func:`derive_free_friction_exponent` derives, from the form's update and its
exact second-moment closure alone, what such a schedule can reach:

* **ballistic progress** — at :math:`\beta = 1` the mean map of a mode is
  :math:`A = I + N + \lambda C` with :math:`N` nilpotent; to first order in :math:`\lambda` the
  mode has moved by :math:`\lambda\tau_t`, :math:`\tau_t = \sum_s \eta_s + \sum_s (s+1)\zeta_s`
  (the velocity integrates the gradient once more): :math:`\tau_T \propto T^{2-p}` for
  :math:`\zeta_t \propto t^{-p}` — the same power as with the friction :math:`\kappa_t \propto 1/t`;
* **undamped oscillation** — :math:`\det A = 1 - \eta\lambda`: only the SGD step damps a mode
  (energy rate :math:`\eta\lambda`); modes with :math:`\zeta\lambda t^2 \gtrsim 1` oscillate
  (frequency :math:`\sqrt{\zeta\lambda}`, derived) and are learnt only by the final friction
  stage: with that stage of width :math:`W \propto T^\omega` the bias is
  :math:`(\zeta_T W^2)^{-(a-1)/b}`, largest at :math:`\omega = 1` (a fixed fraction of the run);
* **the noise they gather** — the closure's fixed point at :math:`\beta = 1` gives a per-mode
  noise gain that tends to a *plateau* :math:`g_0 = \zeta/(2\eta - \iota\zeta)` as
  :math:`\lambda \to 0` (no friction: a mode's stationary noise does not fall with
  :math:`\lambda`); a mode reaches it after :math:`\sim 1/(\eta\lambda)` steps, so at step
  ``t`` the noise-feedback mass is :math:`\iota g_0\sum_k(1 - e^{-\eta\lambda_k t})
  \simeq \iota g_0\,\Gamma(1 - 1/b)\,(\eta t)^{1/b}` (mode-sum asymptotics): it scales as
  :math:`t^{1/b - p}`, exactly as the friction-:math:`1/t` family's
  :math:`\zeta\kappa^{-1/b}` (:func:`theory.derive_momentum_exponents`). Stability of the
  feedback again needs :math:`p \ge 1/b`.

The balance is then the friction-:math:`1/t` family's with these inputs: the bias at the
stability bound against the noise the final annealing leaves. Switching the friction off
changes constants (the progress :math:`\zeta t^2/2` against :math:`\zeta t^2/(2\delta)`), not
the exponent: :math:`(a-1)(2b-1)/b^2` where the bound binds (both study points). A schedule
whose momentum step decays locally as :math:`t^{-p}` with :math:`p < 1/b` over the horizons
reached shows the local slope :math:`(2 - p)(a-1)/b` — larger — until its feedback mass,
growing as :math:`t^{1/b - p}`, forces :math:`p` up. The study's :math:`1.5(a-1)/b` is that
local slope at :math:`p = 1/2`, not a balance of this model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._asymptotics import _annealed, _derive_delta, _response
from ._balance import BalanceCase, case_at, minimise_leading_exponent
from ._mode_sums import mode_sum_asymptotics
from ._moments import beta, g, gaussian_gradient_moments
from ._momentum_exponents import form_dynamics, kappa, momentum_form, p_exp, zeta
from ._powerlaw import PowerLaw, power_exponent, power_integral
from .symbols import T, a, b, eta, inv_m, k, lam

__all__ = ["FreeFrictionLaws", "derive_free_friction_exponent"]

#: Step index, a time, the width exponent of the final friction stage, the running sum of the
#: later momentum steps (first-order progress), the mode-sum argument.
_j = sp.Symbol("j", nonnegative=True)
_t = sp.Symbol("t", positive=True)
omega = sp.Symbol("omega", positive=True)
_Z = sp.Symbol("Z", nonnegative=True)
_x = sp.Symbol("x", positive=True)
_z = sp.Symbol("z", positive=True)


@dataclass(frozen=True)
class FreeFrictionLaws:
    r"""What the Nesterov form reaches with the friction off mid-run (:func:`derive_free_friction_exponent`).

    Attributes
    ----------
    progress_weight : sympy.Expr
        Weight of :math:`\zeta_j` in the first-order progress :math:`\tau_t` (:math:`j + 1`).
    progress : PowerLaw
        :math:`\tau_T` for :math:`\zeta_t = t^{-p}` (exponent :math:`2 - p`).
    damping : sympy.Expr
        :math:`1 - \det A`: the per-step energy damping of a mode at :math:`\beta = 1`.
    frequency_squared : sympy.Expr
        :math:`\lim_{\lambda\to0}(4\det A - \mathrm{tr}^2 A)/(4\lambda)`: oscillation frequency
        squared per unit :math:`\lambda`.
    plateau_gain : sympy.Expr
        :math:`\lim_{\lambda\to0} G(\lambda)` at :math:`\beta = 1`.
    feedback_mass : PowerLaw
        :math:`\iota g_0\sum_k(1 - e^{-\eta\lambda_k t})` at leading order in the steps, in ``t``
        with :math:`\zeta_t = t^{-p}` (exponent :math:`1/b - p`).
    stability_p : sympy.Expr
        Least :math:`p` with a bounded feedback mass (:math:`1/b`).
    window_exponent : sympy.Expr
        Loss exponent of the bias with a final friction stage of width :math:`T^\omega`.
    local_exponent : sympy.Expr
        Bias exponent :math:`(2 - p)(a - 1)/b` at a (local) decay ``p`` of the momentum step.
    study_p : sympy.Expr
        The ``p`` at which ``local_exponent`` is the study's :math:`1.5(a-1)/b`.
    cases : tuple of BalanceCase
        Bias against the annealed noise, under :math:`p \ge` ``stability_p``.
    exponent : sympy.Expr
        The derived exponent, piecewise over ``cases``.
    steps : tuple of str
    """

    progress_weight: sp.Expr
    progress: PowerLaw
    damping: sp.Expr
    frequency_squared: sp.Expr
    plateau_gain: sp.Expr
    feedback_mass: PowerLaw
    stability_p: sp.Expr
    window_exponent: sp.Expr
    local_exponent: sp.Expr
    study_p: sp.Expr
    cases: tuple[BalanceCase, ...]
    exponent: sp.Expr
    steps: tuple[str, ...]

    def case(self, a_value: float, b_value: float) -> BalanceCase:
        """The case of ``cases`` that holds at ``(a, b)``."""
        return case_at(self.cases, a_value, b_value)


def _mean_map() -> sp.Matrix:
    """Mean map of the Nesterov form's state ``(Delta, v)`` at ``beta = 1`` (no friction)."""
    upd = momentum_form("nesterov")
    mu, _ = gaussian_gradient_moments()
    mean_g = sp.expand(mu.subs(upd.state[0], upd.state[0]))
    new = [sp.expand(sp.sympify(u).subs(g, mean_g).subs(beta, 1)) for u in upd.update]
    return sp.Matrix([[sp.diff(u, s) for s in upd.state] for u in new])


def _progress() -> tuple[sp.Expr, PowerLaw, list[str]]:
    r"""First-order progress of a mode through a run at :math:`\beta = 1`, time-varying steps.

    :math:`A_s = I + N_s + \lambda C_s` with :math:`N_s N_r = 0` (checked), so to first order
    :math:`\prod_s A_s = I + \sum N + \lambda\sum_s (I + Z_s\hat N) C_s (\ldots)`, with
    :math:`Z_s = \sum_{j>s}\zeta_j`; the ``Delta`` entry is linear in
    :math:`(\eta_s, \zeta_s, Z_s)` and :math:`\zeta_j` enters :math:`Z_s` for the ``j`` steps
    :math:`s < j`.
    """
    A = _mean_map()
    A0, C = A.subs(lam, 0), A.diff(lam)
    if A.diff(lam, 2) != sp.zeros(2, 2):
        raise RuntimeError(f"mean map not linear in lambda: {A}")  # pragma: no cover
    N = A0 - sp.eye(2)
    z2 = sp.Symbol("zeta_2", nonnegative=True)
    if (N * N.subs(zeta, z2)) != sp.zeros(2, 2) or N[:, 0] != sp.zeros(2, 1):
        raise RuntimeError(f"N is not nilpotent with a zero first column: {N}")  # pragma: no cover
    unit = sp.simplify(N / zeta)
    if unit.has(zeta):
        raise RuntimeError(f"N not proportional to zeta: {N}")  # pragma: no cover
    term = sp.expand(-((sp.eye(2) + _Z * unit) * C)[0, 0])  # d Delta / (lambda Delta) per step
    c_eta, c_zeta, c_Z = (term.coeff(s) for s in (eta, zeta, _Z))
    if sp.expand(term - c_eta * eta - c_zeta * zeta - c_Z * _Z) != 0:
        raise RuntimeError(f"progress term not linear in eta, zeta, Z: {term}")  # pragma: no cover
    weight = sp.expand(c_zeta + c_Z * _j)  # zeta_j counts itself and j earlier steps' Z
    q = power_exponent(sp.expand(weight * _j**-p_exp).subs(_j, _t).as_ordered_terms()[0], _t)
    cond, tau, _ = power_integral(q, _t, T)[0]
    progress = PowerLaw.from_expr(tau, T, "progress")
    step = (
        r"No friction ($\beta = 1$): the mean map is $I + N + \lambda C$ with $N = "
        + sp.latex(N)
        + r"$ nilpotent; to first order in $\lambda$ a mode has moved by $\lambda\tau_t$, "
        r"$\tau_t = \sum_s " + sp.latex(c_eta) + r"\,\eta_s + \sum_j (" + sp.latex(weight)
        + r")\,\zeta_j$: the velocity integrates the gradient once more (ballistic), and for "
        r"$\zeta_t = t^{-p}$, $\tau_T \propto T^{" + sp.latex(progress.exponent) + "}$ (if $"
        + sp.latex(cond) + "$), as with the friction $\\kappa_t \\propto 1/t$."
    )  # fmt: skip
    return weight, progress, [step]


def _oscillation() -> tuple[sp.Expr, sp.Expr, list[str]]:
    """Energy damping ``1 - det A`` and frequency squared per unit lambda at ``beta = 1``."""
    A = _mean_map()
    damping = sp.factor(1 - A.det())
    freq2 = sp.factor(sp.limit((4 * A.det() - A.trace() ** 2) / (4 * lam), lam, 0))
    step = (
        rf"$1 - \det A = {sp.latex(damping)}$: without friction only the SGD step damps a mode; "
        rf"a slow mode oscillates at frequency$^2$ ${sp.latex(freq2)}\lambda$, so modes with "
        r"$\zeta\lambda t^2 \gtrsim 1$ swing undamped (for $\eta\lambda t < 1$) until a friction "
        r"stage damps them."
    )
    return damping, freq2, [step]


def _feedback_mass() -> tuple[sp.Expr, PowerLaw, sp.Expr, list[str]]:
    """The plateau gain at ``beta = 1`` and the feedback mass of the modes that reached it."""
    gain = sp.factor(form_dynamics("nesterov").noise_gain.subs(kappa, 0))
    plateau = sp.factor(sp.limit(gain, lam, 0))
    first = sp.diff(plateau, zeta).subs(zeta, 0) * zeta  # leading order in the momentum step
    s_b = mode_sum_asymptotics(k**-b, k**-b)  # d/dx sum_k (1 - e^{-x lam_k}) = sum lam_k e^{..}
    shift = sp.Symbol("B", positive=True)  # b = 1 + B: the integral converges at z = 0
    n_eff = sp.integrate(s_b.at(_z).subs(b, 1 + shift), (_z, 0, _x), conds="none")
    n_eff = sp.simplify(sp.gammasimp(n_eff.subs(shift, b - 1)))
    mass = sp.powsimp(sp.expand_power_base(
        (inv_m * first * n_eff.subs(_x, eta * _t)).subs(zeta, _t**-p_exp), force=True), force=True
    )  # fmt: skip
    law = PowerLaw.from_expr(mass, _t, "feedback mass")
    lower = sp.solve(sp.Eq(law.exponent, 0), p_exp)[0]
    step = (
        r"Fixed point of the closure at $\beta = 1$: $G(\lambda) = " + sp.latex(gain)
        + r"$, tending to the plateau $g_0 = " + sp.latex(plateau) + r"$ as $\lambda\to0$ "
        r"(no friction: the stationary noise of a slow mode does not fall with $\lambda$). A mode "
        r"reaches it after $\sim 1/(\eta\lambda)$ steps, so the feedback mass at step $t$ is "
        r"$\iota g_0\sum_k(1 - e^{-\eta\lambda_k t}) \simeq " + sp.latex(law.expr)
        + r"$: it grows as $t^{" + sp.latex(law.exponent) + r"}$, as the friction family's "
        r"$\zeta\kappa^{-1/b}$ at $\kappa \propto 1/t$; bounded iff $p \ge "
        + sp.latex(lower) + "$."
    )  # fmt: skip
    return plateau, law, lower, [step]


def _window_exponent(progress: PowerLaw) -> tuple[sp.Expr, list[str]]:
    r"""Bias exponent with a final friction stage of width :math:`W = T^\omega`: the modes
    left swinging are damped iff :math:`\zeta_T W^2 \lambda \gtrsim 1`."""
    resp = _response()
    tau_w = T ** (2 * omega - p_exp)
    bias = PowerLaw.from_expr(resp.bias.at(resp.bias_factor * tau_w), T, "bias")
    e = sp.factor(-bias.exponent)
    d_omega = sp.factor(sp.diff(e, omega))
    full = sp.factor(e.subs(omega, 1))
    if sp.simplify(full - progress.exponent * (a - 1) / b) != 0:
        raise RuntimeError(
            f"window exponent at omega = 1 is not the progress's: {full}"
        )  # pragma: no cover
    step = (
        r"The modes swinging at the end are learnt only by the final friction stage, of width "
        rf"$W = T^\omega$: $\zeta_T W^2\lambda \gtrsim 1$, bias exponent ${sp.latex(e)}$, "
        rf"increasing in $\omega$ (${sp.latex(d_omega)} > 0$): the stage spans a fixed "
        rf"fraction of the run ($\omega = 1$, exponent ${sp.latex(full)}$)."
    )
    return e, [step]


def _derive_free_friction_exponent() -> FreeFrictionLaws:
    r"""Derive the loss exponent of the Nesterov form with the friction off mid-run.

    Examples
    --------
    >>> ff = derive_free_friction_exponent()
    >>> ff.progress.exponent, ff.feedback_mass.exponent, ff.stability_p
    (2 - p, (-b*p + 1)/b, 1/b)
    >>> -ff.case(1.5, 3).exponent
    (a - 1)*(2*b - 1)/b**2
    >>> ff.study_p
    1/2
    """
    weight, progress, steps = _progress()
    damping, freq2, more = _oscillation()
    steps += more
    plateau, mass, lower, more = _feedback_mass()
    steps += more
    window, more = _window_exponent(progress)
    steps += more
    resp = _response()
    bias = PowerLaw.from_expr(resp.bias.at(resp.bias_factor * progress.expr), T, "bias")
    local = sp.factor(-bias.exponent)
    study = sp.solve(sp.Eq(local, sp.Rational(3, 2) * (a - 1) / b), p_exp)[0]
    # the final stage anneals at the effective rate zeta_T / kappa_T ~ T^(1 - p), as SGD's
    ann = _annealed(resp, T, p_exp - 1, _derive_delta(resp)[0])
    names = ("noise-feedback stability", "no growth")
    cases = minimise_leading_exponent(
        [bias, ann.bulk, ann.end], p_exp, lower, sp.Integer(2), bound_names=names
    )
    exponent = sp.Piecewise(*((sp.factor(-c.exponent), c.condition) for c in cases))
    steps.append(
        rf"Bias $T^{{{sp.latex(bias.exponent)}}}$ against the noise the final annealing leaves "
        r"(SGD's at the effective rate $T^{1-p}$), under $p \ge " + sp.latex(lower) + "$: "
        + "; ".join(rf"{' at '.join(c.binding)}: ${sp.latex(sp.factor(-c.exponent))}$ iff "
                    rf"${sp.latex(c.condition)}$" for c in cases)
        + rf". The study's $1.5(a-1)/b$ is the bias exponent at $p = {sp.latex(study)}$."
    )  # fmt: skip
    return FreeFrictionLaws(
        weight, progress, damping, freq2, plateau, mass, lower, window, local, study,
        tuple(cases), exponent, tuple(steps),
    )  # fmt: skip


@cache
def derive_free_friction_exponent() -> FreeFrictionLaws:
    """:func:`_derive_free_friction_exponent`, kept on disk like the other derivations."""
    from ._disk import load_or_compute

    return load_or_compute("momentum-free-friction", _derive_free_friction_exponent)
