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
# # Deriving the exponents
#
# `theory.derive_scaling_laws()` derives the scaling laws of the optimal schedule by dominant
# balance: power-law ansätze for the schedule, the asymptotic forms of the bias and of the noise
# kernel, and exponent matching. Nothing is typed in; the results are SymPy objects. This notebook
# shows them, evaluates them at an easy point $(a, b) = (3, 2)$ and a hard point $(1.5, 3)$,
# and checks them against the independent statements of docs/theory.md §3, against each other (the
# two phases must agree on the boundary $a = b$), and across conventions of the literature.

# %%
import sympy as sp
from IPython.display import Markdown, Math, display

from theory import PLRFModel, convention, derivation_document, derive_scaling_laws
from theory.symbols import a, b

laws = derive_scaling_laws()
print(laws.status, laws.message)
assert laws.success

# %% [markdown]
# ## The derivation, step by step
#
# Each step carries its LaTeX; the titles show the route from the dynamics to the exponents.

# %%
for step in laws.steps():
    display(Markdown(f"**{step.title}**"))
    display(Math(step.latex))

# %% [markdown]
# ## The exponents of each phase

# %%
for phase in (laws.easy, laws.hard):
    display(Markdown(f"### {phase.phase} phase, ${sp.latex(phase.condition)}$"))
    display(Math(r"\eta^*(t) \simeq " + sp.latex(phase.schedule)))
    for name, e in phase.exponents.items():
        display(Math(rf"\text{{{name.replace('_', ' ')}}}: \quad {e.latex()}"))

# %% [markdown]
# ## Check 1: the phase boundary
#
# The derived boundary is a SymPy relation. Substituted at an easy point it must hold, at a hard
# point it must fail, and it must agree with the phase that `PLRFModel` reports.

# %%
print("phase boundary:", laws.phase_boundary)
easy_pt = {a: sp.Integer(3), b: sp.Integer(2)}
hard_pt = {a: sp.Rational(3, 2), b: sp.Integer(3)}
assert laws.phase_boundary.subs(easy_pt) is sp.true
assert laws.phase_boundary.subs(hard_pt) is sp.false
assert laws.easy.condition.subs(easy_pt) is sp.true
assert laws.hard.condition.subs(hard_pt) is sp.true
assert PLRFModel(a=3.0, b=2.0).phase == laws.phase(3, 2) == "easy"
assert PLRFModel(a=1.5, b=3.0).phase == laws.phase(1.5, 3) == "hard"

# %% [markdown]
# ## Check 2: numbers at the two reference points
#
# At $(a, b) = (3, 2)$ docs/theory.md gives $\xi = 1 - b/a = 1/3$, $\delta = 2b - 1 = 3$ and
# $L^* \sim T^{-(a-1)/a} = T^{-2/3}$. At $(1.5, 3)$: $L^* \sim T^{-(a-1)/b} = T^{-1/6}$, an
# annealing window $W \sim T^{(a+b-1)/(2b-1)} = T^{7/10}$, i.e. a fraction $T^{-3/10}$.
# The derived expressions must give exactly these rationals.

# %%
R = sp.Rational
expected_easy = {"xi": R(1, 3), "delta": 3, "loss_exponent": R(2, 3)}
expected_hard = {
    "loss_exponent": R(1, 6),
    "delta": 5,
    "anneal_window_exponent": R(7, 10),
    "anneal_fraction_exponent": R(-3, 10),
}
for phase, point, expected in (
    (laws.easy, easy_pt, expected_easy),
    (laws.hard, hard_pt, expected_hard),
):
    for name, value in expected.items():
        got = phase[name].expr.subs(point)
        print(f"{phase.phase:4s} {name:26s} {phase[name].expr!s:28s} -> {got}")
        assert sp.simplify(got - value) == 0, (phase.phase, name, got, value)
    # float evaluation agrees with the exact one
    assert (
        abs(
            phase["loss_exponent"].evaluate(a=point[a], b=point[b])
            - float(expected["loss_exponent"])
        )
        < 1e-12
    )

# %% [markdown]
# ## Check 3: the phases meet continuously at $a = b$
#
# On the boundary the easy schedule stops scaling with $T$ ($\xi = 0$, as the hard phase's
# constant plateau) and the two loss exponents coincide; the annealing fraction of the hard phase
# stops shrinking. These are consequences, not inputs, of the two separate derivations.

# %%
on_boundary = {a: b}
assert sp.simplify(laws.easy["xi"].expr.subs(on_boundary)) == 0
assert (
    sp.simplify(
        (laws.easy["loss_exponent"].expr - laws.hard["loss_exponent"].expr).subs(on_boundary)
    )
    == 0
)
assert sp.simplify(laws.hard["anneal_fraction_exponent"].expr.subs(on_boundary)) == 0
# and the fraction is the window exponent minus one, for every (a, b)
assert (
    sp.simplify(
        laws.hard["anneal_fraction_exponent"].expr - (laws.hard["anneal_window_exponent"].expr - 1)
    )
    == 0
)
# the optimal schedule beats the best constant rate in both phases (larger loss exponent)
for phase, point in ((laws.easy, easy_pt), (laws.hard, hard_pt)):
    gain = (phase["loss_exponent"].expr - phase["constant_lr_loss_exponent"].expr).subs(point)
    print(f"{phase.phase}: optimal minus constant loss exponent = {gain}")
    assert gain > 0

# %% [markdown]
# ## Check 4: other conventions
#
# In the Bordelon–Atanasov–Pehlevan convention $(\alpha, \beta)$, $\beta$ is by definition the
# gradient-flow loss exponent; the hard-phase optimal loss exponent $(a-1)/b$ must therefore read
# exactly $\beta$ there. Each exponent, rewritten in another convention and evaluated at the
# converted point, must give the same number as in $(a, b)$.

# %%
alpha, beta = convention("bap").params
hard_in_bap = laws.hard["loss_exponent"].in_convention("bap")
display(Math(r"p_{\rm hard} = " + sp.latex(hard_in_bap)))
assert sp.simplify(hard_in_bap - beta) == 0

model = PLRFModel(a=3.0, b=2.0)
for name in ("bap", "paquette", "fsl"):
    conv = convention(name)
    p, q = model.to_convention(name)
    back = PLRFModel.from_convention(name, p, q)
    assert abs(back.a - model.a) < 1e-12 and abs(back.b - model.b) < 1e-12
    xi_there = laws.easy["xi"].in_convention(name)
    value = xi_there.subs(dict(zip(conv.params, (sp.nsimplify(p), sp.nsimplify(q)), strict=True)))
    print(f"{name:9s} (p, q) = ({p:g}, {q:g}); xi = {xi_there} = {value}")
    assert sp.simplify(value - R(1, 3)) == 0

# %% [markdown]
# ## The derivation as a standalone LaTeX document
#
# `derivation_document()` is what `optlr derive --format latex` writes and `optlr report`
# compiles.

# %%
tex = derivation_document()
print(tex[:600])
assert tex.lstrip().startswith(r"\documentclass") and r"\end{document}" in tex
assert laws.easy["xi"].latex() in tex or sp.latex(laws.easy["xi"].expr) in tex
