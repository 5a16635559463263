r"""Scaling laws of optimal learning-rate schedules, derived by dominant balance.

Nothing here is an answer typed in. The inputs are

* the dynamics :func:`theory.plrf_dynamics` (its continuous limit is linear in ``c_k`` with a
  source: it fixes the decay rate :math:`2\lambda_k` per unit intrinsic time and the noise weight
  :math:`\lambda_k^2` of the loss),
* the spectrum :math:`\lambda_k = k^{-b}` and the target :math:`\lambda_k c_k(0) = k^{-a}`,
* the asymptotics of the two mode sums (:mod:`theory._mode_sums`): the bias
  :math:`B(\tau)` and the noise kernel :math:`K(F)`,
* power-law *ansätze* for the schedule with unknown exponents, and the stationarity condition
  :math:`\eta^2 K(2u) = \text{const}` of docs/theory.md §2 (from Pontryagin, in the noise-dominated
  regime :math:`\sigma^2 \gg L`),

and the engine (:mod:`theory._powerlaw`, :mod:`theory._balance`) does the rest: products of power
laws, integrals with their convergence conditions, balances solved by SymPy, validity conditions
reduced under ``a, b > 1``. The phase boundary is the validity condition of the interior balance.

The loss at the horizon is, from the linear response of the dynamics,

.. math::

    L(T) = B(\tau_T) + \frac{\sigma^2}{m}\int_0^T \eta(s)^2 K\bigl(2u(s)\bigr)\,ds,
    \qquad \tau_T = \int_0^T\eta, \quad u(s) = \int_s^T \eta .

This module is longer than the house's ~600 lines on purpose: it is one derivation, read top to
bottom (response, ansätze, balances per exponent, assembly); its result types and the ansatz
symbols live in :mod:`theory._laws`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._balance import BalanceCase, minimise_leading_exponent
from ._dynamics import plrf_dynamics
from ._laws import (
    C,
    Derivation,
    DerivationStep,
    Exponent,
    N,
    PhaseLaws,
    ScalingLaws,
    W,
    chi,
    delta,
    eta_max,
    nu,
    omega,
    v,
    xi,
    y,
    zeta,
)
from ._mode_sums import ModeSumAsymptotics, mode_sum_asymptotics, spectrum
from ._powerlaw import (
    PowerLaw,
    finite_power_integral,
    power_exponent,
    power_integral,
    power_tail_integral,
    reduce_condition,
    solve_linear_condition,
)
from .symbols import L, T, a, b, c, eta, inv_m, k, lam, sigma, t

__all__ = [
    "Derivation",
    "DerivationStep",
    "Exponent",
    "PhaseLaws",
    "ScalingLaws",
    "derive_scaling_laws",
]


def _tex(e: sp.Basic) -> str:
    return sp.latex(e)


# ----------------------------------------------------------------------------------------------
# Inputs: the linear response of the dynamics and the two mode sums
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Response:
    decay: sp.Expr  # per-mode decay rate per unit intrinsic time (2 lambda)
    noise_weight: sp.Expr  # loss weight x injection of one mode (lambda^2)
    noise_coef: sp.Expr  # sigma^2 / m
    bias: ModeSumAsymptotics  # B as a function of z
    bias_factor: sp.Expr  # z = bias_factor * tau
    kernel: ModeSumAsymptotics  # K(F), F = kernel_factor * u
    kernel_factor: sp.Expr
    kernel_at_zero: sp.Expr  # K(0) = sum lambda^2
    kernel_integral: sp.Expr  # int_0^oo K(kernel_factor v) dv = sum_k lambda/2
    steps: tuple[DerivationStep, ...]


@cache
def _response() -> _Response:
    d = plrf_dynamics()
    f = d.continuous
    decay = sp.simplify(-sp.diff(f, c) / eta)
    if decay.has(eta) or decay.has(c):
        raise RuntimeError(f"dynamics not linear in c with a rate proportional to eta: {decay}")
    source = sp.expand(f.subs(c, 0))
    injection = sp.simplify(source.subs(L, 0) / (eta**2 * inv_m * sigma**2))
    noise_weight = sp.simplify(lam * injection)
    factor = sp.simplify(decay / lam)  # e^{-decay u} = e^{-lam (factor u)}
    lam_k = spectrum()
    target = k ** (-a)  # lambda_k c_k(0) = k^-a (docs/theory.md §1)
    bias = mode_sum_asymptotics(target, lam_k)
    kernel = mode_sum_asymptotics(noise_weight.subs(lam, lam_k), lam_k)
    kernel_at_zero = sp.zeta(sp.simplify(-power_exponent(noise_weight.subs(lam, lam_k), k)))
    per_mode = sp.integrate(noise_weight * sp.exp(-lam * factor * v), (v, 0, sp.oo))
    kernel_integral = sp.Sum(per_mode.subs(lam, lam_k), (k, 1, sp.oo))
    steps = (
        DerivationStep(
            "Linear response of the dynamics",
            r"The continuous-time dynamics "
            rf"\[ {d.latex()['continuous']} \] "
            rf"is linear in $c_k$: it decays at rate ${_tex(decay)}$ per unit intrinsic time "
            r"$\tau=\int\eta$, and with $\sigma^2\gg L$ it is driven by the source "
            rf"${_tex(d.with_batch(source.subs(L, 0)))}$. Weighted by $\lambda_k$ in the loss, "
            r"\[ L(T) = B(\tau_T) + \frac{\sigma^2}{m}\int_0^T \eta(s)^2\,"
            rf"K\bigl({_tex(factor)}u(s)\bigr)\,ds,\quad u(s)=\int_s^T\eta, \] "
            rf"with $B(\tau)=\sum_k k^{{-a}} e^{{-{_tex(factor)}\lambda_k\tau}}$ and "
            rf"$K(F)=\sum_k {_tex(noise_weight)}\, e^{{-\lambda F}}$, $\lambda_k = {_tex(lam_k)}$.",
        ),
        DerivationStep(
            "Asymptotics of the mode sums",
            r"Sum $\to$ integral, substitution $v = z k^{-b}$, Gamma integral (SymPy): "
            rf"\[ {bias.latex('S_a', 'z')}, \] "
            rf"\[ {kernel.latex('K', 'F')}, \] "
            r"so $B(\tau) = S_a(2\tau)$. Convergence at $v\to0$ needs the weight exponent "
            rf"$>1$ (holds for $a,b>1$). Error term: \[ {bias.error} \] "
            rf"For $F\to0$, $K(0) = {_tex(kernel_at_zero)}$, and "
            rf"$\int_0^\infty K({_tex(factor)}v)\,dv = {_tex(kernel_integral)}$ "
            r"(finite iff $b>1$).",
        ),
    )
    return _Response(
        decay,
        noise_weight,
        sigma**2 * inv_m,
        bias,
        factor,
        kernel,
        factor,
        kernel_at_zero,
        kernel_integral,
        steps,
    )


def _bias_term(r: _Response, tau_expr: sp.Expr, X: sp.Symbol, name: str = "bias") -> PowerLaw:
    return PowerLaw.from_expr(r.bias.at(r.bias_factor * tau_expr), X, name)


def _kernel(r: _Response, u_expr: sp.Expr) -> sp.Expr:
    return r.kernel.at(r.kernel_factor * u_expr)


def _conds_latex(conds) -> str:
    return r",\quad ".join(_tex(c) for c in conds) if conds else r"\text{none}"


def _case_latex(case: BalanceCase) -> str:
    eqs = r",\ ".join(_tex(e) for e in case.equations)
    what = "bound active" if case.kind == "bound" else "balance"
    return (
        rf"\par\noindent {what}: {' against '.join(case.binding)}, valid iff "
        rf"${_conds_latex(case.conditions)}$: "
        rf"\[ {eqs} \;\Rightarrow\; {_tex(case.unknown)} = {_tex(case.value)},\qquad "
        rf"\text{{leading exponent }} {_tex(case.exponent)}. \]"
    )


# ----------------------------------------------------------------------------------------------
# Annealed schedule eta = X^-xi y^delta (y = 1 - t/X): intrinsic time and noise
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Annealed:
    eta: sp.Expr
    u: sp.Expr  # remaining intrinsic time u(y)
    tau: sp.Expr  # tau at the end of the annealing
    q: sp.Expr  # exponent of y in the noise integrand
    bulk: PowerLaw  # noise from the bulk of the annealing
    end: PowerLaw  # noise from the final stretch where F = O(1)
    conditions: tuple[sp.Basic, ...]  # convergence conditions (in delta)


def _annealed(
    r: _Response, X: sp.Symbol, lr_exponent: sp.Expr, dlt: sp.Expr, scale: sp.Expr = 1
) -> _Annealed:
    eta_y = scale * X ** (-lr_exponent) * y**dlt
    # u(y) = int_t^X eta ds = X int_0^y eta(y') dy'
    cond_u, integral = finite_power_integral(dlt, y, y)
    u_y = scale * X ** (1 - lr_exponent) * integral
    integrand = eta_y**2 * _kernel(r, u_y)
    q = power_exponent(integrand, y)
    cond_q, bulk_int = finite_power_integral(q, y)
    bulk = PowerLaw.from_expr(r.noise_coef * X * integrand / y**q * bulk_int, X, "bulk noise")
    # Final stretch: below y_c, where the kernel argument is O(1), K ~ K(0) and
    # int_0^{y_c} eta^2 dt ~ X^(1 - 2 lr_exponent) y_c^(2 delta + 1).
    # u(y) = A y^p is a power law in y: the crossover 2u(y_c) = 1 is y_c = (2A)^(-1/p).
    u_pl = PowerLaw.from_expr(u_y, y)
    yc = (r.kernel_factor * u_pl.coef) ** (-1 / u_pl.exponent)
    cond_end, end_int = finite_power_integral(2 * dlt, y, yc)
    end = PowerLaw.from_expr(
        r.noise_coef * r.kernel_at_zero * scale**2 * X ** (1 - 2 * lr_exponent) * end_int,
        X,
        "final noise",
    )
    return _Annealed(eta_y, u_y, u_y.subs(y, 1), q, bulk, end, (cond_u, cond_q, cond_end))


# ----------------------------------------------------------------------------------------------
# The derivations
# ----------------------------------------------------------------------------------------------


def _derive_delta(r: _Response) -> tuple[sp.Expr, Derivation]:
    ann = _annealed(r, T, xi, delta)
    eq = sp.Eq(ann.q, 0)
    sol = sp.solve(eq, delta, dict=True)
    if len(sol) != 1:
        raise RuntimeError(f"stationarity condition for delta has no unique solution: {sol}")
    d_star = sp.factor(sol[0][delta])
    conv = [solve_linear_condition(c, delta) for c in ann.conditions]
    conv_at = [reduce_condition(c.subs(delta, d_star)) for c in ann.conditions]
    steps = (
        DerivationStep(
            "Easy-phase ansatz",
            rf"\[ \eta(t) = {_tex(ann.eta)},\quad y = 1 - t/T. \] "
            rf"Remaining intrinsic time \[ u = {_tex(ann.u)} \] (needs ${_tex(ann.conditions[0])}$), "
            rf"so $\tau_T = {_tex(ann.tau)}$. Noise integrand "
            rf"$\eta^2 K(2u) \propto y^{{{_tex(ann.q)}}}$.",
        ),
        DerivationStep(
            "Shape exponent from stationarity",
            r"docs/theory.md \S2: an interior optimum has $\eta^2 K(2u) = \mathrm{const}$, i.e. the "
            rf"exponent of $y$ vanishes: \[ {_tex(eq)} \;\Rightarrow\; \delta = {_tex(d_star)}. \] "
            r"Convergence of the noise integral for a general $\delta$: "
            rf"${_conds_latex(conv)}$; at $\delta^*$: ${_conds_latex(conv_at)}$.",
        ),
    )
    return d_star, Derivation("delta", "Annealing shape", steps, (), ((eq, {delta: d_star}),))


def _derive_xi(r: _Response, d_star: sp.Expr) -> tuple[list[BalanceCase], Derivation]:
    ann = _annealed(r, T, xi, d_star)
    bias = _bias_term(r, ann.tau, T)
    terms = [bias, ann.bulk, ann.end]
    cases = minimise_leading_exponent(
        terms, xi, 0, 1, bound_names=(r"the bound $\eta\le\eta_{\max}$", r"$\tau_T\to\infty$")
    )
    steps = (
        DerivationStep(
            "Loss terms under the ansatz",
            r"With $\delta=\delta^*$: "
            + ", ".join(rf"{t.name} $\sim {_tex(t.variable**t.exponent)}$" for t in terms)
            + r". Learning-rate bound: $\xi \ge 0$; learning at all: $\xi < 1$.",
        ),
        DerivationStep(
            "Dominant balance for xi",
            r"Minimising the leading exponent over $\xi\in[0,1)$: "
            + " ".join(_case_latex(cs) for cs in cases),
        ),
    )
    return cases, Derivation("xi", "Learning-rate scale", steps, tuple(cases))


def _derive_window(
    r: _Response, d_star: sp.Expr, source_decay: sp.Expr | int = 0
) -> tuple[list[BalanceCase], PowerLaw, Derivation, list[PowerLaw]]:
    # eta = eta_max on [0, T - W], then eta_max (1 - (t - T + W)/W)^delta in the window.
    # source_decay: the noise source sigma^2/m taken to scale as T^-source_decay (0: the label
    # noise; theory._corrections.window_source_response asks how the window answers a source
    # that decays, as sigma^2 + L does while L is not small against sigma^2). The terms are
    # returned too: the subleading ones are the window's corrections (theory._corrections).
    Wt = T**omega
    ann = _annealed(r, W, 0, d_star, scale=eta_max)
    ann = _Annealed(
        ann.eta,
        ann.u,
        ann.tau,
        ann.q,
        PowerLaw.from_expr(ann.bulk.expr.subs(W, Wt), T, "window noise"),
        PowerLaw.from_expr(ann.end.expr.subs(W, Wt), T, "window final noise"),
        ann.conditions,
    )
    tau_T = eta_max * (T - W) + ann.tau  # plateau + window
    base = PowerLaw(r.bias_factor * eta_max, 1, T, "plateau")
    lost = sp.simplify(-(tau_T - eta_max * T) / W)  # intrinsic time lost per unit window
    shift = PowerLaw(r.bias_factor * lost, omega, T, "lost time")
    b_lead_z, b_corr_z, cond_shift = base.shifted(shift, -r.bias.decay)
    bias_lead = PowerLaw(r.bias.constant * b_lead_z.coef, b_lead_z.exponent, T, "bias")
    cost = PowerLaw(r.bias.constant * b_corr_z.coef, b_corr_z.exponent, T, "window cost")
    # Noise of the plateau, decayed by the window: eta_max int_{u_W}^oo K(2v) dv.
    kernel_exp = power_exponent(_kernel(r, v), v)
    cond_tail, tail = power_tail_integral(kernel_exp, v, ann.u.subs(y, 1))
    plateau = PowerLaw.from_expr(
        r.noise_coef * eta_max * tail * _kernel(r, v) / v**kernel_exp, W, "plateau noise"
    )
    plateau = PowerLaw(plateau.coef, plateau.exponent * omega, T, "plateau noise")
    noise = [
        PowerLaw(n.coef, n.exponent - source_decay, T, n.name) for n in (ann.bulk, ann.end, plateau)
    ]
    terms = [cost, *noise]
    cases = minimise_leading_exponent(terms, omega, 0, 1, bound_names=(r"$W = O(1)$", r"$W = T$"))
    steps = (
        DerivationStep(
            "Hard-phase ansatz: plateau and annealing window",
            r"$\eta=\eta_{\max}$ up to $T-W$, then the easy-phase shape over a window "
            rf"$W = T^{{\omega}}$: $\eta = {_tex(ann.eta)}$ with $y$ the remaining fraction of "
            rf"the window. Intrinsic time $\tau_T = {_tex(sp.simplify(tau_T))}$; the bias "
            rf"expands (valid iff ${_tex(cond_shift.subs(W, Wt))}$) into "
            rf"${_tex(bias_lead.expr)}$ and the window cost ${_tex(cost.expr)}$. "
            rf"Plateau noise decays through the window: $\eta_{{\max}}\int_{{u_W}}^\infty K(2v)dv$ "
            rf"(converges iff ${_tex(reduce_condition(cond_tail))}$).",
        ),
        DerivationStep(
            "Window width: cost of a longer window against its noise",
            r"Minimising the leading exponent of the window terms "
            + ", ".join(rf"{t.name} $\sim {_tex(T**t.exponent)}$" for t in terms)
            + r" over $\omega\in[0,1]$: "
            + " ".join(_case_latex(cs) for cs in cases),
        ),
    )
    return (
        cases,
        bias_lead,
        Derivation("window", "Hard-phase annealing window", steps, tuple(cases)),
        terms,
    )


def _derive_constant(r: _Response) -> tuple[list[BalanceCase], Derivation]:
    eta_c = T ** (-zeta)
    tau_T = eta_c * T
    bias = _bias_term(r, tau_T, T)
    # noise = (sigma^2/m) eta int_0^{eta T} K(2v) dv: both ends of the power-law integral.
    kernel_exp = power_exponent(_kernel(r, v), v)
    branches = power_integral(kernel_exp, v, tau_T)
    terms = [bias]
    for _cond, value, where in branches:
        coef = r.kernel_integral if where == "lower" else _kernel(r, v) / v**kernel_exp
        terms.append(
            PowerLaw.from_expr(r.noise_coef * eta_c * value * coef, T, f"noise ({where} end)")
        )
    cases = minimise_leading_exponent(terms, zeta, 0, 1)
    steps = (
        DerivationStep(
            "Constant learning rate",
            rf"$\eta = {_tex(eta_c)}$: bias $\sim {_tex(T**bias.exponent)}$; noise "
            r"$=\frac{\sigma^2}{m}\eta\int_0^{\eta T}K(2v)\,dv$, the integral dominated by its "
            + " or ".join(rf"{w} end if ${_tex(reduce_condition(cnd))}$" for cnd, _, w in branches)
            + r" (top modes at equilibrium). Balance: "
            + " ".join(_case_latex(cs) for cs in cases),
        ),
    )
    return cases, Derivation("constant", "Optimal constant learning rate", steps, tuple(cases))


def _derive_power_law(r: _Response) -> tuple[list[BalanceCase], Derivation]:
    s = sp.Symbol("s", positive=True)
    eta_s = s ** (-chi)  # eta0 (t+1)^-chi with eta0 = O(1)
    tau_br = power_integral(-chi, s, T)
    tau_T = next(val for cond, val, w in tau_br if w == "upper")
    bias = _bias_term(r, tau_T, T)
    kernel_exp = power_exponent(_kernel(r, v), v)
    # End of the run: eta ~ eta(T), modes at local equilibrium -> eta(T) int_0^oo K(2v) dv,
    # finite iff the kernel decays faster than 1/v.
    local_eq = reduce_condition(sp.Lt(kernel_exp, -1))
    end = PowerLaw.from_expr(r.noise_coef * r.kernel_integral * eta_s.subs(s, T), T, "final noise")
    # Early and bulk steps: K(2u) with u ~ tau_T, times int_1^T eta^2 ds (both ends).
    early = power_integral(-2 * chi, s, T)
    k_tau = _kernel(r, tau_T)
    bulk_terms = [
        PowerLaw.from_expr(
            r.noise_coef * k_tau * val, T, f"{'bulk' if w == 'upper' else 'early'} noise"
        )
        for cond, val, w in early
    ]
    terms = [bias, end, *bulk_terms]
    cases = minimise_leading_exponent(terms, chi, 0, 1)
    steps = (
        DerivationStep(
            "Power-law schedule",
            rf"$\eta = \eta_0 (t+1)^{{-\chi}}$, $\eta_0 = O(1)$: $\tau_T \sim {_tex(T ** power_exponent(tau_T, T))}$ "
            rf"(needs ${_tex(reduce_condition(tau_br[0][0]))}$). Terms: "
            + ", ".join(rf"{t.name} $\sim {_tex(T**t.exponent)}$" for t in terms)
            + rf". The final noise uses local equilibrium, valid iff ${_tex(local_eq)}$"
            + r". Balance over $\chi\in[0,1]$: "
            + " ".join(_case_latex(cs) for cs in cases),
        ),
    )
    return cases, Derivation("power_law", "Optimal power-law schedule", steps, tuple(cases))


def _derive_compute(loss_exp: sp.Expr, phase: str) -> tuple[list[BalanceCase], Derivation]:
    # Unlearnable tail sum_{k>N} k^-a ~ int_N^oo k^-a dk.
    kk = sp.Symbol("kappa", positive=True)
    cond, tail = power_tail_integral(-a, kk, N)
    tail_c = PowerLaw.from_expr(tail.subs(N, C**nu), C, "unlearnable tail")
    dyn = PowerLaw(1, -loss_exp * (1 - nu), C, "optimisation")  # T = C^(1-nu) at fixed m
    cases = minimise_leading_exponent([tail_c, dyn], nu, 0, 1)
    steps = (
        DerivationStep(
            f"Compute-optimal allocation ({phase} phase)",
            rf"$C = N T m$ at fixed $m$: $N = C^{{\nu}}$, $T = C^{{1-\nu}}$. Tail "
            rf"$\sum_{{k>N}}k^{{-a}} \simeq {_tex(tail)}$ (needs ${_tex(reduce_condition(cond))}$); "
            rf"optimised loss $\sim T^{{-{_tex(loss_exp)}}}$. Balance: "
            + " ".join(_case_latex(cs) for cs in cases),
        ),
    )
    return cases, Derivation(f"compute_{phase}", f"Compute-optimal ({phase})", steps, tuple(cases))


def _derive_batch_ramp(r: _Response) -> tuple[sp.Expr, Derivation]:
    mm, lag, Kf = sp.symbols("m nu_D K", positive=True)
    # Wall clock: T steps fixed, samples sum_t m_t = D fixed (multiplier nu_D). Pointwise in t:
    lagr = eta**2 * Kf / mm + lag * mm
    sol = sp.solve(sp.diff(lagr, mm), mm, dict=True)
    if len(sol) != 1:
        raise RuntimeError(f"batch stationarity has no unique positive solution: {sol}")
    m_star = sol[0][mm]
    noise_at = sp.simplify((eta**2 * Kf / mm).subs(mm, m_star))
    # LR at its bound (the wall-clock-limited regime): u = eta_max T y.
    m_y = m_star.subs({Kf: _kernel(r, eta_max * T * y), eta: eta_max})
    ramp = power_exponent(m_y, y)
    steps = (
        DerivationStep(
            "Batch ramp under a wall-clock objective",
            r"Fixed steps $T$ and samples $\int m = D$ (multiplier $\nu_D$): pointwise "
            rf"$\partial_m\bigl({_tex(lagr)}\bigr)=0 \Rightarrow m^* = {_tex(m_star)}$ with "
            r"$K = K(2u)$. Then the noise density is "
            rf"${_tex(noise_at)}$ and, with $du = \eta\,dt$, the noise "
            r"$= \frac{\sigma^2}{D}\bigl(\int_0^{\tau_T}\sqrt{K(2u)}\,du\bigr)^2$ depends on $\eta$ "
            r"only through $\tau_T$: the shape of $\eta$ is degenerate. When steps are the "
            r"binding resource, $\eta=\eta_{\max}$ and $u=\eta_{\max}T y$: "
            rf"$m^*(t) \propto (1-t/T)^{{{_tex(ramp)}}}$.",
        ),
    )
    eq = sp.Eq(sp.diff(lagr, mm), 0)
    return ramp, Derivation("batch", "Batch ramp", steps, (), ((eq, {mm: m_star}),))


# ----------------------------------------------------------------------------------------------


def _single(cases: list[BalanceCase], what: str, pred) -> BalanceCase:
    hit = [cs for cs in cases if pred(cs)]
    if len(hit) != 1:
        raise RuntimeError(f"{what}: expected one case, got {len(hit)}: {hit}")
    return hit[0]


def _phase_shift(phase: str) -> dict:
    """Substitution that puts ``(a, b)`` inside a phase with positive free symbols."""
    A, B, H = sp.symbols("A_p B_p H_p", positive=True)
    if phase == "easy":  # b = 1 + B, a = b + H
        return {b: 1 + B, a: 1 + B + H}
    return {a: 1 + A, b: 1 + A + H}  # hard: a = 1 + A, b = a + H


def _in_phase(cond: sp.Basic, phase: str) -> sp.Basic:
    """Decide a reduced condition inside a phase when its sign is fixed there."""
    if cond in (sp.true, sp.false):
        return cond
    diff = sp.simplify((cond.lhs - cond.rhs).subs(_phase_shift(phase)))
    if diff.is_positive:
        return sp.sympify(type(cond)(1, 0))
    if diff.is_negative:
        return sp.sympify(type(cond)(-1, 0))
    return cond


def _piecewise(cases: list[BalanceCase], attr: str, phase: str, sign: int = 1) -> sp.Expr:
    pieces: list[tuple[sp.Expr, sp.Basic]] = []
    for cs in cases:
        cond = sp.And(*(_in_phase(c, phase) for c in cs.conditions))
        if cond == sp.false:
            continue
        val = sp.factor(sign * getattr(cs, attr))
        for i, (pv, pc) in enumerate(pieces):
            if sp.simplify(pv - val) == 0:
                pieces[i] = (pv, sp.Or(pc, cond))
                break
        else:
            pieces.append((val, cond))
    if len(pieces) == 1:
        return pieces[0][0]
    return sp.Piecewise(*pieces[:-1], (pieces[-1][0], True))


@cache
def derive_scaling_laws() -> ScalingLaws:
    r"""Derive every scaling law of docs/theory.md §3 (computed once per process, kept on disk).

    The derivation costs ~6 s of CPU; its result is also stored on disk, keyed by the source of
    every ``theory`` module and the SymPy version (``theory._disk``), so another process with the
    same code loads it in ~0.1 s. ``OPTLR_NO_DISK_CACHE=1`` derives afresh every time.

    Returns
    -------
    ScalingLaws
        ``phase_boundary``, per-phase :class:`PhaseLaws` with :class:`Exponent` objects, the
        mode-sum asymptotics and every :class:`Derivation` (steps, balance cases, equations).

    Examples
    --------
    >>> laws = derive_scaling_laws()
    >>> laws.phase_boundary
    a > b
    >>> laws.easy["delta"].expr
    2*b - 1
    """
    from ._disk import load_or_compute

    return load_or_compute("scaling-laws", _derive_scaling_laws)


def _phase_exponents(
    phase: str, cases: dict[str, BalanceCase], d_star: sp.Expr, p_cases, ramp: sp.Expr
) -> dict[str, Exponent]:
    """The exponents of one phase from its solved balance cases (``phase``: the xi case of the
    phase, ``constant``, ``window``, ``compute``)."""
    case, c_case, w_case, comp = (cases[k] for k in ("phase", "constant", "window", "compute"))
    loss = sp.factor(-case.exponent)
    ex: dict[str, Exponent] = {}
    if phase == "hard":  # the window keeps the easy-phase shape
        ex["delta"] = Exponent("delta", d_star, "eta ~ ((T - t)/W)^delta in the window", r"\delta")
    if phase == "easy":
        ex["xi"] = Exponent("xi", sp.factor(case.value), r"eta ~ T^(-xi)", r"\xi")
        ex["delta"] = Exponent("delta", d_star, "eta ~ (1 - t/T)^delta", r"\delta")
    ex["loss_exponent"] = Exponent("loss_exponent", loss, "L* ~ T^(-p)", r"p")
    ex["constant_lr_exponent"] = Exponent(
        "constant_lr_exponent", sp.factor(c_case.value), "eta_const ~ T^(-value)", r"\zeta"
    )
    ex["constant_lr_loss_exponent"] = Exponent(
        "constant_lr_loss_exponent", sp.factor(-c_case.exponent), "L ~ T^(-p)", r"p_c"
    )
    if phase == "hard":
        ex["anneal_window_exponent"] = Exponent(
            "anneal_window_exponent", sp.factor(w_case.value), "W ~ T^omega", r"\omega"
        )
        ex["anneal_fraction_exponent"] = Exponent(
            "anneal_fraction_exponent", sp.factor(w_case.value - 1), "W/T ~ T^value", ""
        )
        ex["anneal_window_loss_exponent"] = Exponent(
            "anneal_window_loss_exponent",
            sp.factor(-w_case.exponent),
            "window terms ~ T^(-value), subdominant to the loss",
            "",
        )
    ex["power_law_exponent"] = Exponent(
        "power_law_exponent", _piecewise(p_cases, "value", phase), "eta ~ (t+1)^-chi*", r"\chi"
    )
    ex["power_law_loss_exponent"] = Exponent(
        "power_law_loss_exponent",
        _piecewise(p_cases, "exponent", phase, sign=-1),
        "L ~ T^(-p)",
        "",
    )
    ex["batch_ramp_exponent"] = Exponent(
        "batch_ramp_exponent", ramp, "m*(t) ~ (1 - t/T)^value at eta = eta_max", ""
    )
    ex["compute_optimal.model_size_exponent"] = Exponent(
        "model_size_exponent", sp.factor(comp.value), "N* ~ C^value", r"\nu"
    )
    ex["compute_optimal.steps_exponent"] = Exponent(
        "steps_exponent", sp.factor(1 - comp.value), "T* ~ C^value", ""
    )
    ex["compute_optimal.loss_exponent"] = Exponent(
        "loss_exponent", sp.factor(-comp.exponent), "L* ~ C^(-p)", ""
    )
    return ex


def _derive_scaling_laws() -> ScalingLaws:
    """The derivation behind :func:`derive_scaling_laws` (no caching)."""
    r = _response()
    d_star, d_delta = _derive_delta(r)
    xi_cases, d_xi = _derive_xi(r, d_star)
    easy_case = _single(xi_cases, "xi balance", lambda cs: cs.kind == "balance")
    hard_case = _single(xi_cases, "xi bound", lambda cs: cs.kind == "bound")
    boundary = sp.And(*easy_case.conditions)
    hard_cond = sp.And(*hard_case.conditions)
    msgs = []
    if reduce_condition(sp.Or(boundary, hard_cond)) == sp.true:
        msgs.append("phase conditions overlap")

    w_cases, bias_lead, d_window, _ = _derive_window(r, d_star)
    w_case = _single(w_cases, "window balance", lambda cs: cs.kind == "balance")
    # the window terms must be subdominant to the bias of the plateau
    window_sub = reduce_condition(sp.Lt(w_case.exponent, bias_lead.exponent))
    c_cases, d_const = _derive_constant(r)
    c_case = _single(c_cases, "constant-LR balance", lambda cs: True)
    p_cases, d_power = _derive_power_law(r)
    ramp, d_batch = _derive_batch_ramp(r)

    derivations = {
        "response": Derivation("response", "Dynamics and mode sums", r.steps),
        "delta": d_delta,
        "xi": d_xi,
        "window": d_window,
        "constant": d_const,
        "power_law": d_power,
    }
    eta_sched = {
        "easy": T ** (-xi) * (1 - t / T) ** delta,
        "hard": sp.Piecewise((eta_max, t < T - W), (eta_max * ((T - t) / W) ** delta, True)),
    }
    phases = {}
    for phase, case, cond in (("easy", easy_case, boundary), ("hard", hard_case, hard_cond)):
        loss = sp.factor(-case.exponent)
        cc, d_comp = _derive_compute(loss, phase)
        derivations[f"compute_{phase}"] = d_comp
        comp = _single(cc, f"compute-optimal ({phase})", lambda cs: cs.kind == "balance")
        cases = {"phase": case, "constant": c_case, "window": w_case, "compute": comp}
        ex = _phase_exponents(phase, cases, d_star, p_cases, ramp)
        phases[phase] = PhaseLaws(phase, cond, eta_sched[phase], ex)
    derivations["batch"] = d_batch

    if window_sub != hard_cond:
        msgs.append(f"window terms subdominant iff {window_sub}, hard phase is {hard_cond}")
    if sp.And(*w_case.conditions) != hard_cond:
        msgs.append(f"window balance valid iff {sp.And(*w_case.conditions)}")
    return ScalingLaws(
        boundary,
        phases["easy"],
        phases["hard"],
        r.bias,
        r.kernel,
        derivations,
        success=not msgs,
        status=len(msgs),
        message="; ".join(msgs) if msgs else "all rows derived; window conditions match the phase",
    )
