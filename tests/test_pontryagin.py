"""The symbolic Pontryagin engine: textbook problems, the PLRF model, the discrete adjoint."""

import numpy as np
import pytest
import sympy as sp

from theory import (
    Control,
    IntegralConstraint,
    ModeFamily,
    ModeSum,
    OptimalControlProblem,
    family_kernels,
    plrf_dynamics,
    pontryagin,
)
from theory.problems import (
    double_integrator_problem,
    plrf_joint_problem,
    plrf_problem,
    sample_time_reduction,
    scalar_lqr_problem,
)
from theory.symbols import L, c, eta, eta_max, inv_m, lam, m, mu, sigma, t

N_MODES = 3


def expand_modes(expr, n, index=None):
    """Write a generic-mode expression for mode ``index`` with explicit sums over ``n`` modes."""
    cs = sp.symbols(f"c1:{n + 1}", nonnegative=True)
    ls = sp.symbols(f"l1:{n + 1}", positive=True)
    ms = sp.symbols(f"mu1:{n + 1}", real=True)

    def at(e, j):
        return e.xreplace({c: cs[j], lam: ls[j], mu: ms[j]})

    out = expr.replace(
        lambda e: isinstance(e, ModeSum), lambda e: sp.Add(*(at(e.args[0], j) for j in range(n)))
    )
    if index is not None:
        out = at(out, index)
    return out, cs, ls, ms


# -- scalar LQR against the Riccati solution ---------------------------------------------------
def test_lqr_costate_and_feedback_match_riccati_solution():
    prob = scalar_lqr_problem()
    pc = pontryagin(prob)
    (x,) = prob.states
    (u,) = prob.control_symbols
    syms = {
        s.name: s for s in (prob.dynamics[0] + prob.running_cost + prob.terminal_cost).free_symbols
    }
    A, B, Q, R, S = (syms[n] for n in "ABQRS")
    p = pc.costates[x]
    # Independent Riccati solution for A = 0, B = Q = R = 1: P' = P^2 - 1, P(T) = S.
    Tsym = sp.Symbol("T", positive=True)
    s_val = sp.Rational(3, 2)
    P = (s_val + sp.tanh(Tsym - t)) / (1 + s_val * sp.tanh(Tsym - t))
    vals = {A: 0, B: 1, Q: 1, R: 1, S: s_val}
    assert sp.simplify(P.diff(t) - (P**2 - 1)) == 0
    assert sp.simplify(P.subs(t, Tsym) - s_val) == 0
    # Engine: u* = -B p / R; with p = P x the feedback is u = -P x.
    u_star = pc.optimal_controls[u].subs(vals)
    X = sp.Function("X")(t)
    assert sp.simplify(u_star.subs({p: P * X}) + P * X) == 0
    # Costate equation dp/dt = -dH/dx holds for p = P x along the closed loop x' = A x + B u*.
    xdot = prob.dynamics[0].subs(vals).subs(u, u_star).subs({p: P * X, x: X})
    lhs = sp.diff(P * X, t).subs(sp.Derivative(X, t), xdot)
    rhs = pc.costate_equations[p].subs(vals).subs({p: P * X, x: X})
    assert sp.simplify(lhs - rhs) == 0
    # Terminal condition p(T) = S x(T), general coefficients.
    assert pc.terminal_conditions[p] == S * x
    # First integral: H is constant along the closed loop.
    Hcl = pc.hamiltonian.subs(vals).subs(u, u_star).subs({p: P * X, x: X})
    assert sp.simplify(sp.diff(Hcl, t).subs(sp.Derivative(X, t), xdot)) == 0
    assert pc.first_integrals == (pc.hamiltonian,)


def test_lqr_general_riccati_equation_follows_from_engine():
    """p = P(t) x in the engine's equations gives P' = -2AP + B^2 P^2/R - Q (textbook)."""
    prob = scalar_lqr_problem()
    pc = prob.conditions
    (x,), (u,) = prob.states, prob.control_symbols
    syms = {
        s.name: s for s in (prob.dynamics[0] + prob.running_cost + prob.terminal_cost).free_symbols
    }
    A, B, Q, R = (syms[n] for n in "ABQR")
    p = pc.costates[x]
    P = sp.Function("P")(t)
    X = sp.Function("X")(t)
    xdot = prob.dynamics[0].subs(u, pc.optimal_controls[u]).subs({p: P * X, x: X})
    lhs = sp.diff(P * X, t).subs(sp.Derivative(X, t), xdot)
    rhs = pc.costate_equations[p].subs({p: P * X, x: X})
    Pdot = sp.solve(sp.Eq(lhs, rhs), sp.Derivative(P, t))[0]
    assert sp.simplify(Pdot - (-2 * A * P + B**2 * P**2 / R - Q)) == 0


# -- bang-bang ---------------------------------------------------------------------------------
def test_double_integrator_switching_function_and_switch_time():
    prob = double_integrator_problem()
    pc = prob.conditions
    (u,) = prob.control_symbols
    assert u in pc.switching_functions and pc.optimal_controls == {}
    x1, x2 = prob.states
    p1, p2 = pc.costates[x1], pc.costates[x2]
    # Solve the engine's costate ODEs backwards from its terminal conditions (T = 1).
    P1, P2 = sp.Function("P1")(t), sp.Function("P2")(t)
    eqs = [
        sp.Eq(P1.diff(t), pc.costate_equations[p1].subs({p1: P1, p2: P2})),
        sp.Eq(P2.diff(t), pc.costate_equations[p2].subs({p1: P1, p2: P2})),
    ]
    ics = {P1.subs(t, 1): pc.terminal_conditions[p1], P2.subs(t, 1): pc.terminal_conditions[p2]}
    sol = {s.lhs: s.rhs for s in sp.dsolve(eqs, [P1, P2], ics=ics)}
    phi = pc.switching_functions[u].subs({p1: sol[P1], p2: sol[P2]})
    (t_switch,) = sp.solve(phi, t)
    # phi > 0 before the switch -> u = lower bound, then the upper bound.
    assert phi.subs(t, 0) > 0 and phi.subs(t, 1) < 0
    # Independent: cost of "u = -1 on [0, s], u = +1 on [s, 1]" from rest, minimised over s.
    s = sp.Symbol("s", positive=True)
    v_s, x_s = -s, -(s**2) / 2
    v1 = v_s + (1 - s)
    x1_T = x_s + v_s * (1 - s) + (1 - s) ** 2 / 2
    J = x1_T + sp.Rational(-1, 2) * v1
    (s_star,) = sp.solve(sp.diff(J, s), s)
    assert t_switch == s_star == sp.Rational(1, 2)
    assert sp.diff(J, s, 2) > 0
    # Reverse order of the bangs is worse.
    J_rev = (s**2 / 2 + s * (1 - s) - (1 - s) ** 2 / 2) - sp.Rational(1, 2) * (2 * s - 1)
    assert (J_rev.subs(s, s_star) - J.subs(s, s_star)) > 0


# -- the PLRF model ----------------------------------------------------------------------------
def test_plrf_conditions_equal_hand_check():
    pc = plrf_problem().conditions
    S_lm, S_clm = ModeSum(lam * mu), ModeSum(c * lam * mu)
    s2 = sigma**2
    H_hand = -2 * eta * S_clm + eta**2 * inv_m * (L + s2) * S_lm
    mu_dot_hand = 2 * eta * lam * mu - eta**2 * inv_m * lam * S_lm
    dH_hand = -2 * S_clm + 2 * eta * inv_m * (L + s2) * S_lm
    assert sp.expand(pc.hamiltonian - H_hand) == 0
    assert sp.expand(pc.costate_equations[mu] - mu_dot_hand) == 0
    assert pc.terminal_conditions[mu] == lam
    assert sp.expand(pc.stationarity[eta] - dH_hand) == 0
    assert pc.first_integrals == (pc.hamiltonian,)


def test_plrf_costate_equals_explicit_finite_mode_derivative():
    """The chain rule through L, checked by differentiating an explicit 3-mode Hamiltonian."""
    pc = plrf_problem().conditions
    f = plrf_dynamics().continuous
    H_explicit, cs, ls, _ms = expand_modes(ModeSum(mu * f), N_MODES)
    L_explicit = sum(lj * cj for lj, cj in zip(ls, cs, strict=True))
    H_explicit = H_explicit.subs(L, L_explicit)
    H_engine = expand_modes(pc.hamiltonian, N_MODES)[0].subs(L, L_explicit)
    assert sp.expand(H_explicit - H_engine) == 0
    for j in range(N_MODES):
        engine = expand_modes(pc.costate_equations[mu], N_MODES, j)[0].subs(L, L_explicit)
        assert sp.expand(engine + sp.diff(H_explicit, cs[j])) == 0
        # terminal mu_j(T) = d L / d c_j
        term = expand_modes(pc.terminal_conditions[mu], N_MODES, j)[0]
        assert term == sp.diff(L_explicit, cs[j])


def test_plrf_optimal_eta_solves_stationarity_and_minimises_H():
    pc = plrf_problem().conditions
    eta_star = pc.optimal_controls[eta]
    assert sp.simplify(pc.stationarity[eta].subs(eta, eta_star)) == 0
    # A ratio of mode sums, free of eta.
    assert not eta_star.has(eta) and len(eta_star.atoms(ModeSum)) == 2
    # Second variation 2 iota (L + sigma^2) sum lam mu > 0 for mu > 0: a minimum of H.
    second = expand_modes(pc.second_variation[eta], 2)[0]
    assert second.subs({s: 1 for s in second.free_symbols}) > 0


def test_discrete_adjoint_is_gradient_of_exact_recursion():
    """mu_t = (dx_{t+1}/dx_t)^T mu_{t+1}, dJ/deta_t = dH_t/deta_t, against sympy.diff of L(T)."""
    pc = plrf_problem("discrete").conditions
    F = plrf_dynamics().discrete
    n, steps = 2, 3
    vals = {inv_m: sp.Rational(1, 3), sigma: sp.Rational(1, 2)}
    lam_v = [sp.Integer(1), sp.Rational(1, 4)]
    c0 = [sp.Integer(1), sp.Rational(1, 2)]
    etas = sp.symbols(f"e0:{steps}", positive=True)
    eta_v = {etas[0]: sp.Rational(1, 2), etas[1]: sp.Rational(3, 10), etas[2]: sp.Rational(1, 5)}
    traj = [c0]
    for s in range(steps):
        cur = traj[-1]
        Lc = sum(li * ci for li, ci in zip(lam_v, cur, strict=True))
        traj.append(
            [F.subs({c: cur[i], lam: lam_v[i], L: Lc, eta: etas[s], **vals}) for i in range(n)]
        )
    J = sum(li * ci for li, ci in zip(lam_v, traj[-1], strict=True))
    grad_true = [sp.nsimplify(sp.diff(J, e).subs(eta_v)) for e in etas]

    def mode_eval(expr, cur, mus, s, i=None):
        Lc = sum(li * ci for li, ci in zip(lam_v, cur, strict=True))
        sums = {
            ms: sum(
                ms.args[0].subs({c: cur[j], lam: lam_v[j], mu: mus[j], L: Lc, eta: etas[s], **vals})
                for j in range(n)
            )
            for ms in expr.atoms(ModeSum)
        }
        e = expr.xreplace(sums).subs({L: Lc, eta: etas[s], **vals})
        if i is not None:
            e = e.subs({c: cur[i], lam: lam_v[i], mu: mus[i]})
        return e.subs(eta_v)

    final = [ci.subs(eta_v) for ci in traj[-1]]
    mus = [mode_eval(pc.terminal_conditions[mu], final, [0] * n, steps - 1, i) for i in range(n)]
    grads = [None] * steps
    for s in reversed(range(steps)):
        cur = [[ci.subs(eta_v) for ci in row] for row in traj][s]
        grads[s] = mode_eval(pc.stationarity[eta], cur, mus, s)
        mus = [mode_eval(pc.costate_equations[mu], cur, mus, s, i) for i in range(n)]
    for g, g_true in zip(grads, grad_true, strict=True):
        assert sp.simplify(g - g_true) == 0


# -- joint (eta, m) problem under a sample budget -------------------------------------------
def test_sample_time_reduction_derived_and_substituted_back():
    r = sample_time_reduction()
    assert r.only_ratio and r.affine and r.homogeneity_residual == 0
    rho, q = sp.Symbol("rho", positive=True), sp.Symbol("q", positive=True)
    # Substitute back: per-sample rate times m, at rho = eta/m, is the rate.
    assert sp.simplify(r.per_sample_rate.subs(rho, eta / m) * m - r.rate) == 0
    assert sp.simplify(r.rate_in_noise_control.subs(q, eta**2 / m) - r.rate) == 0
    assert (
        sp.simplify(eta * r.drift_coefficient + q * r.noise_coefficient - r.rate_in_noise_control)
        == 0
    )
    assert r.hessian_determinant == 0
    assert next(title for title, _ in r.latex_steps()) == "Rate in (eta, m)"


def test_joint_problem_budget_multiplier_and_degenerate_optimum():
    prob = plrf_joint_problem()
    pc = prob.conditions
    nu = prob.constraints[0].multiplier
    assert sp.simplify(pc.stationarity[m] - (pc.hamiltonian.diff(m))) == 0
    assert pc.stationarity[m].has(nu)
    eta_star = pc.optimal_controls[eta]
    # eta* is proportional to m: only eta/m is fixed; then dH/dm no longer depends on m.
    assert sp.simplify(eta_star / m).has(m) is False
    reduced = sp.simplify(pc.stationarity[m].subs(eta, eta_star))
    assert not reduced.has(m) and reduced.has(nu)
    # The costate equation keeps the same shape with iota = 1/m.
    mu_dot = pc.costate_equations[mu]
    plain = plrf_problem().conditions.costate_equations[mu].subs(inv_m, 1 / m)
    assert sp.simplify(mu_dot - plain) == 0


# -- LaTeX fragments -----------------------------------------------------------------------
def test_latex_steps_follow_the_derivation():
    steps = plrf_problem().conditions.latex_steps()
    titles = [s for s, _ in steps]
    assert titles[:4] == ["Dynamics", "Objective", "Hamiltonian", "Costate equations"]
    assert {"Terminal conditions", "Stationarity", "Optimal control", "First integral"} <= set(
        titles
    )
    for _, tex in steps:
        assert tex and tex.count("{") == tex.count("}")
    costate = dict(steps)["Costate equations"]
    assert r"\dot{\mu_{k}}" in costate and r"\sum_{j}" in costate and r"\lambda_{j}" in costate
    assert "varphi" in dict(double_integrator_problem().conditions.latex_steps())["Optimal control"]


# -- bridge ---------------------------------------------------------------------------------
def test_bridge_matches_sympy_and_jacobian_blocks_match_finite_differences():
    pc = plrf_problem().conditions
    kern = family_kernels(pc, (inv_m, sigma))
    rng = np.random.default_rng(1)
    cv, mv, lv = rng.uniform(0.1, 1, 4), rng.uniform(0.1, 1, 4), rng.uniform(0.1, 1, 4)
    p = (0.5, 0.7)
    G = [float(s(cv, mv, lv, *[0] * len(kern.sum_symbols), 0, *p).sum()) for s in kern.summands]
    e = float(kern.optimal_control(cv, mv, lv, *G, 0, *p)[0])
    args = (cv, mv, lv, *G, e, *p)
    # Against direct substitution into the sympy expression, mode 0.
    subs = {c: cv[0], mu: mv[0], lam: lv[0], L: G[0], eta: e, inv_m: p[0], sigma: p[1]}
    subs.update(dict(zip(kern.sums[1:], G[1:], strict=True)))
    want = float(pc.costate_equations[mu].xreplace(subs))
    assert kern.costate_rate(*args)[0] == pytest.approx(want, rel=1e-13)
    # dH/deta = 0 at eta*.
    dH = float(pc.stationarity[eta].xreplace(subs))
    assert abs(dH) < 1e-12
    h = 1e-6
    for v, pos in ((c, 0), (mu, 1)):
        plus = list(args)
        plus[pos] = args[pos] + h
        minus = list(args)
        minus[pos] = args[pos] - h
        fd = (kern.costate_rate(*plus) - kern.costate_rate(*minus)) / (2 * h)
        np.testing.assert_allclose(kern.d_costate_rate[v](*args), fd, rtol=1e-7, atol=1e-9)
    for i, _S in enumerate(kern.sum_symbols):
        plus, minus = list(args), list(args)
        plus[3 + i] += h
        minus[3 + i] -= h
        fd = (kern.optimal_control(*plus) - kern.optimal_control(*minus)) / (2 * h)
        np.testing.assert_allclose(kern.d_optimal_control[i](*args), fd, rtol=1e-6, atol=1e-9)


# -- bad input --------------------------------------------------------------------------------
def test_bad_input_names_argument_and_value():
    u, x = sp.symbols("u x", real=True)
    with pytest.raises(ValueError, match=r"upper must be exact .*0\.5"):
        Control(u, 0, 0.5)
    with pytest.raises(TypeError, match=r"symbol must be a sympy\.Symbol"):
        Control("u")
    with pytest.raises(ValueError, match="controls must be a non-empty"):
        OptimalControlProblem(controls=(), states=(x,), dynamics=(u,))
    with pytest.raises(ValueError, match="dynamics must have one expression per state"):
        OptimalControlProblem(controls=(Control(u),), states=(x,), dynamics=())
    with pytest.raises(ValueError, match="time must be 'continuous' or 'discrete', got 'fast'"):
        OptimalControlProblem(controls=(Control(u),), states=(x,), dynamics=(u,), time="fast")
    fam = ModeFamily(state=c, rate=-lam * c, parameters=(lam,), sums=((L, lam * c),))
    with pytest.raises(ValueError, match=r"terminal_cost must depend .* \['c'\]"):
        OptimalControlProblem(controls=(Control(u),), family=fam, terminal_cost=c)
    with pytest.raises(TypeError, match="problem must be an OptimalControlProblem"):
        pontryagin("lqr")
    with pytest.raises(ValueError, match="module must be 'numpy' or 'mpmath', got 'torch'"):
        family_kernels(plrf_problem().conditions, (inv_m, sigma), module="torch")
    with pytest.raises(ValueError, match=r"missing \['sigma'\]"):
        family_kernels(plrf_problem().conditions, (inv_m,))
    with pytest.raises(ValueError, match="upper must be >= lower"):
        Control(u, 1, -1)
    with pytest.raises(TypeError, match=r"constraints\[0\] must be an IntegralConstraint"):
        OptimalControlProblem(controls=(Control(u),), states=(x,), dynamics=(u,), constraints=(1,))
    assert IntegralConstraint(u, 3).multiplier.name == "nu"
    assert eta_max in plrf_problem().controls[0].upper.free_symbols


@pytest.mark.latex
def test_latex_fragments_compile_with_pdflatex(tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed")
    body = []
    problems = (
        plrf_problem(),
        plrf_problem("discrete"),
        plrf_joint_problem(),
        scalar_lqr_problem(),
    )
    for prob in (*problems, double_integrator_problem()):
        for title, tex in prob.conditions.latex_steps():
            body.append(f"\\paragraph{{{title}}}\n\\begin{{gather*}}\n{tex}\n\\end{{gather*}}")
    for title, tex in sample_time_reduction().latex_steps():
        body.append(f"\\paragraph{{{title}}}\n\\begin{{gather*}}\n{tex}\n\\end{{gather*}}")
    doc = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
    doc += "\n".join(body) + "\n\\end{document}\n"
    (tmp_path / "d.tex").write_text(doc)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
