# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Batch size, momentum, Monte-Carlo SGD and compute
#
# Beyond the learning rate: what the exact dynamics say about the batch size at a fixed sample
# budget, what momentum's derived moment closure reduces to, whether the recursion matches
# actual SGD, which phase a real data set is in, and how the derived compute-optimal rows hang
# together. Every check is a call into `theory` or `solvers`.

# %%
import importlib.util

import numpy as np
import sympy as sp
from IPython.display import Math, display

from solvers import (
    CLAIMS,
    BeyondScale,
    evaluate_claim,
    make_schedule,
    monte_carlo,
    paper_style,
    simulate,
)
from solvers.claims import ExperimentContext, compute_sweep, ramp_sweep
from solvers.dynamics import compare_curves, simulate_momentum
from solvers.plots import batch_ramp_figure, compute_optimal_figure
from theory import (
    PLRFModel,
    derive_scaling_laws,
    momentum_closure,
    plrf_dynamics,
    second_moment_closure,
    sgd_update,
)

model = PLRFModel(a=2.5, b=1.2, sigma=0.5, batch=1, n_modes=200)

# %% [markdown]
# ## Batch size at a fixed sample budget: only $\eta/m$ matters (in continuous time)
#
# With $s = m t$ samples seen, the continuous-time dynamics
# $\dot c_k = -2\eta\lambda_k c_k + (\eta^2/m)\lambda_k(L + \sigma^2)$ become
# $\mathrm{d}c_k/\mathrm{d}s = -2(\eta/m)\lambda_k c_k + (\eta/m)^2\lambda_k(L + \sigma^2)$:
# runs with the same $\eta/m$ and the same budget $D = mT$ must reach the same loss. The discrete
# recursion keeps a $(1 + 1/m)\eta^2\lambda^2 c$ term that breaks the degeneracy, so there the
# large-batch, large-rate runs are measurably worse.

# %%
D = 4_000
runs = {}
for m in (1, 2, 4):
    eta = 0.05 * m
    cont = simulate(model, np.full(D // m, eta), batch=m, time="continuous").final_loss
    disc = simulate(model, np.full(D // m, eta), batch=m).final_loss
    runs[m] = (cont, disc)
    print(f"m={m} eta={eta:.2f} T={D // m}: continuous {cont:.8e}  discrete {disc:.8e}")
cont, disc = np.array(list(runs.values())).T
assert np.ptp(cont) / cont.mean() < 1e-4  # degenerate up to the time-step error
assert np.ptp(disc) / disc.mean() > 1e-2 and np.all(np.diff(disc) > 0)

# %% [markdown]
# ## Momentum: the derived closure reduces to SGD at $\beta = 0$
#
# `momentum_closure()` derives the recursion of the per-mode moments
# $(E\Delta^2, E\Delta v, Ev^2)$ of EMA momentum on Gaussian features. At $\beta = 0$ its
# first component must be exactly the SGD closure and the dynamics of `plrf_dynamics()`.

# %%
mom = momentum_closure()
sgd = second_moment_closure(sgd_update())
beta = mom.update.params[1]
first = mom.recursion[0].subs(beta, 0)
display(
    Math(
        r"E\Delta^2_{t+1}\big|_{\beta=0} = "
        + sp.latex(sp.collect(sp.expand(first), mom.moments[0]))
    )
)
assert sp.simplify(first - sgd.recursion[0]) == 0
c = next(s for s in plrf_dynamics().discrete.free_symbols if s.name == "c")
assert sp.simplify(first - plrf_dynamics().discrete.subs(c, mom.moments[0])) == 0
# at beta = 0 the other moments drop out of E[Delta^2]
assert not (first.free_symbols & set(mom.moments[1:]))

# %% [markdown]
# Numerically, `simulate_momentum` at $\beta = 0$ must give `simulate`'s loss; with momentum,
# Monte-Carlo SGD (actual minibatch SGD on sampled Gaussian features, 256 seeds) must agree with
# the closure within its sampling error — an independent check of the symbolic derivation.
# The test is family-wise at level 1% over the 31 recorded steps. (Over seeds 0-5 the largest
# |z| ranged 1.4-3.7 with no sign of a bias — mean z within ±0.9; seed 1 crossed the threshold
# at one step for both beta, which share their random draws. The seed below is fixed at 0.)

# %%
T = 300
eta = make_schedule("cosine", T, 0.2)
small = model.replace(n_modes=50)
assert (
    abs(simulate_momentum(small, eta, 0.0).final_loss / simulate(small, eta).final_loss - 1) < 1e-12
)
for b_mom in (0.0, 0.6):
    exact = simulate_momentum(small, eta, b_mom, record_every=10)
    mc = monte_carlo(small, eta, beta=b_mom, seeds=256, seed=0, record_every=10)
    cmp = compare_curves(mc, exact)
    print(
        f"beta={b_mom}: L(T) exact {exact.final_loss:.4e}, MC {mc.mean[-1]:.4e} ± {mc.sem[-1]:.1e}, "
        f"max |z| = {cmp.max_abs_z:.2f} (family threshold {cmp.family_threshold:.2f})"
    )
    assert mc.success and cmp.agree_family

# %% [markdown]
# ## Which phase am I in? scikit-learn's digits
#
# `digits_demo()` estimates $(a, b)$ from random Fourier features of the digits images (target:
# parity) with bootstrap errors, and recommends a schedule family. It needs scikit-learn (extras
# `data`, `notebooks`, `test`); without it the cell says so and skips. What must hold: the
# reported phase is the one its own $(a, b)$ imply, and a failed bootstrap comes back as a
# status and a message rather than silently.

# %%
if importlib.util.find_spec("sklearn") is None:
    print("scikit-learn is not installed: skipping the digits demo (pip install -e '.[data]')")
else:
    from solvers.analysis import digits_demo

    est = digits_demo(n_features=200, n_boot=10)
    print(
        f"a = {est['a']:.2f} ± {est['a_err']:.2f}, b = {est['b']:.2f} ± {est['b_err']:.2f}: "
        f"{est['phase']} phase (P(easy) = {est['p_easy']:.3f}); recommended: "
        f"{est['recommended']['family']} — {est['recommended']['formula']}"
    )
    print(f"status {est['status']}: {est['message']}")
    if not (est["a"] > 1 and est["b"] > 1):
        print("note: this estimate lies outside the model's domain a, b > 1; read it with care")
    assert est["phase"] == ("easy" if est["a"] > est["b"] else "hard")
    assert (est["p_easy"] > 0.5) == (est["phase"] == "easy")
    assert est["success"] or est["message"]

# %% [markdown]
# ## Compute-optimal scaling (derived rows)
#
# With compute $C = N T m$ (model size $N$, steps $T$, batch $m$ fixed), the engine derives the
# optimal split and the loss exponent in each phase. The numerical check belongs to issue 6;
# here the derived rows must be consistent with each other and with the fixed-size laws:
# $N^* T^* \propto C$, and the optimal-schedule loss $T^{-p}$ evaluated at $T^*(C)$ is the
# compute-optimal loss.

# %%
laws = derive_scaling_laws()
for phase in (laws.easy, laws.hard):
    nu = phase["compute_optimal.model_size_exponent"].expr
    tau = phase["compute_optimal.steps_exponent"].expr
    p_c = phase["compute_optimal.loss_exponent"].expr
    p_T = phase["loss_exponent"].expr
    display(
        Math(
            rf"\text{{{phase.phase}}}:\ N^* \sim C^{{{sp.latex(nu)}}},\ L^* \sim C^{{-{sp.latex(p_c)}}}"
        )
    )
    assert sp.simplify(nu + tau - 1) == 0
    assert sp.simplify(p_T * tau - p_c) == 0

# %% [markdown]
# ## The numbers behind the claims: batch ramp, momentum, compute-optimal
#
# The same experiments as the claims registry (`optlr validate --claim "batch ramp"` ...) at a
# small scale. The wall-clock batch ramp holds the rate at its bound and solves for one batch
# per step by the KKT square-root rule $m_t \propto \sqrt{\partial L/\partial(1/m_t)}$; its
# exponent is compared with the engine's $1/(2b) - 1$.

# %%
# (the compute-optimal claim at its own first three levels: by default it runs 25 levels to
# C = 1e10 at this point, minutes of CPU)
scale = BeyondScale(ramp_T=(1_000, 10_000), momentum_T=(100, 300), momentum_maxiter=30,
                    compute_C=(1e3, 3e3, 1e4), compute_claim_C=(1e4, 3.16e4, 1e5))  # fmt: skip
ctx = ExperimentContext(beyond=scale)
easy_inf = PLRFModel(3.0, 2.0, sigma=0.5, n_modes=10**12)
rows = [evaluate_claim(CLAIMS[n], easy_inf, [100], ctx)
        for n in ("LR and batch", "batch ramp", "momentum", "compute-optimal")]  # fmt: skip
for r in rows:
    print(f"{r.claim:<16} predicted {r.predicted:+.4f}  measured {r.measured:+.4g} "
          f"± {r.stderr:.1g}  {r.verdict}")  # fmt: skip
# Two or three horizons cannot be extrapolated: the verdicts are "inconclusive" (an unbounded
# interval), never "agrees" inside a fixed band; the values themselves sit on the derived ones.
by = {r.claim: r for r in rows}
assert not any(r.verdict.startswith("disagrees") for r in rows)
assert abs(by["batch ramp"].measured - by["batch ramp"].predicted) < 0.02  # -0.75 at b = 2
assert abs(by["compute-optimal"].measured - by["compute-optimal"].predicted) < 0.02  # -1/2

# %%
with paper_style():
    fig = batch_ramp_figure(ramp_sweep(easy_inf, ctx))
    fig2 = compute_optimal_figure(compute_sweep(easy_inf, ctx))
display(fig, fig2)
