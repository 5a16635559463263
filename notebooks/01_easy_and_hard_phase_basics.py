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
# # The easy and the hard phase: basics
#
# A power-law random-feature model trained by one-pass SGD: eigenvalues $\lambda_k = k^{-b}$,
# target $\lambda_k (w^*_k)^2 = k^{-a}$, label noise $\sigma^2$, batch $m$. The per-mode errors
# $c_k(t)$ follow an exact recursion, so the loss of any schedule is computed, not sampled.
# This notebook is a thin client of `theory` and `solvers`: it builds one model in each phase,
# checks the recursion against two closed forms, and compares a constant rate with an annealed one.

# %%
import math

import numpy as np
from IPython.display import Math, display

from solvers import make_schedule, paper_style, simulate, stability_limit, stationary_loss
from solvers.plots import new_figure, plot_phase_diagram, plot_schedule_and_loss
from theory import PLRFModel, plrf_dynamics

easy = PLRFModel(a=3.0, b=2.0, sigma=0.5, batch=1)
hard = PLRFModel(a=1.5, b=3.0, sigma=0.5, batch=1)
for model in (easy, hard):
    print(
        f"a={model.a:g} b={model.b:g}: phase={model.phase}, "
        f"gradient-flow exponent (a-1)/b={model.gradient_flow_exponent:.4g}, "
        f"stability limit of a constant rate={stability_limit(model):.4g}"
    )
assert (easy.phase, hard.phase) == ("easy", "hard")

# %% [markdown]
# The dynamics, printed from the symbolic model (the single source of truth of every kernel):

# %%
dyn = plrf_dynamics().latex()
display(Math(dyn["discrete"]))
display(Math(dyn["continuous"]))

# %%
with paper_style():
    fig, ax = new_figure(height=3.0)
    plot_phase_diagram([{"a": m.a, "b": m.b, "label": m.phase} for m in (easy, hard)], ax)
    display(fig)

# %% [markdown]
# ## Check 1: full-batch gradient descent has a closed form
#
# Without SGD noise ($m = \infty$) every mode decays independently:
# $c_k(T) = c_k(0)\prod_t (1 - \eta_t\lambda_k)^2$, so
# $L(T) = \sum_k k^{-a} \prod_t (1-\eta_t k^{-b})^2$. The compiled recursion must reproduce it.

# %%
T = 2000
eta = make_schedule("cosine", T, 0.8)
for model in (easy, hard):
    gd = model.replace(batch=math.inf)
    k = np.arange(1, gd.n_modes + 1, dtype=float)
    lam = k**-gd.b
    log_decay = 2 * np.log1p(-np.outer(eta, lam)).sum(axis=0)  # sum over steps, per mode
    closed = float(np.sum(k**-gd.a * np.exp(log_decay)))
    numeric = simulate(gd, eta).final_loss
    print(f"{gd.phase}: recursion {numeric:.12e}  closed form {closed:.12e}")
    assert math.isclose(numeric, closed, rel_tol=1e-10)

# %% [markdown]
# ## Check 2: a constant rate settles on the noise floor $\sigma^2 S/(1-S)$
#
# With noise, a constant rate $\eta$ converges to the stationary loss
# $\sigma^2 S/(1 - S)$, $S = \sum_k \eta\lambda_k / (m(2 - (1+1/m)\eta\lambda_k))$. With few modes
# the slowest one relaxes within the horizon, so the recursion must land on that value.

# %%
few = easy.replace(n_modes=20)
rate = 0.3
run = simulate(few, rate, T=40_000)
floor = stationary_loss(few, rate)
print(f"L(T) = {run.final_loss:.10e}, stationary loss = {floor:.10e}")
assert math.isclose(run.final_loss, floor, rel_tol=1e-8)

# %% [markdown]
# ## Noise-limited versus bias-limited
#
# A constant rate $\eta$ cannot go below its noise floor. In the easy phase the target is learned
# quickly, so at $T = 10^4$ the constant run already sits on that floor (it approaches it from
# below: modes that are not yet learned carry less error than at stationarity), and annealing the
# same peak rate linearly to zero removes the noise and wins by more than an order of magnitude.
# In the hard phase the loss is still dominated by the unlearned target (bias): the constant run
# is far above its floor, and annealing helps only modestly.

# %%
T = 10_000
rate = 0.3
runs = {}
for model in (easy, hard):
    const = simulate(model, make_schedule("constant", T, rate))
    linear = simulate(model, make_schedule("linear", T, rate))
    floor = stationary_loss(model, rate)
    runs[model.phase] = {"constant": const, "linear decay": linear}
    print(
        f"{model.phase}: constant {const.final_loss:.4e}, linear decay {linear.final_loss:.4e}, "
        f"noise floor of the constant rate {floor:.4e}"
    )
    assert linear.final_loss < const.final_loss  # annealing helps in both phases

L_easy, L_hard = runs["easy"], runs["hard"]
floor_easy, floor_hard = stationary_loss(easy, rate), stationary_loss(hard, rate)
# easy: noise-limited — the constant run is on its floor, annealing wins by > 10x
assert abs(L_easy["constant"].final_loss / floor_easy - 1) < 0.02
assert L_easy["linear decay"].final_loss < L_easy["constant"].final_loss / 10
# hard: bias-limited — far above the floor, annealing gains less than a factor 2
assert L_hard["constant"].final_loss > 5 * floor_hard
assert L_hard["linear decay"].final_loss > L_hard["constant"].final_loss / 2

# %%
with paper_style():
    fig, axes = new_figure(2, 2, width="page", height=4.2, sharex="col")
    for j, phase in enumerate(("easy", "hard")):
        plot_schedule_and_loss(runs[phase], (axes[0, j], axes[1, j]))
        axes[0, j].set_title(f"{phase} phase, $T={T}$")
    display(fig)
