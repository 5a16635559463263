"""The asymptotics engine and the scaling laws it derives.

(i) every derived row against docs/theory.md §3 (expected expressions typed in HERE, never in theory/);
(ii) every result substituted back into its own balance / stationarity equations;
(iii) the validity conditions reproduce the phase boundary;
plus engine unit tests on textbook balances.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sympy as sp

from theory import (
    PLRFModel,
    PowerLaw,
    derive_scaling_laws,
    minimise_leading_exponent,
    power_integral,
    reduce_condition,
)
from theory.symbols import T, a, b

laws = derive_scaling_laws()


def same(x, y) -> bool:
    return sp.simplify(sp.sympify(x) - sp.sympify(y)) == 0


# -- (i) docs/theory.md §3 ---------------------------------------------------------------------------

TABLE = {
    ("easy", "xi"): 1 - b / a,
    ("easy", "delta"): 2 * b - 1,
    ("easy", "loss_exponent"): (a - 1) / a,
    ("hard", "loss_exponent"): (a - 1) / b,
    ("hard", "anneal_window_exponent"): (a + b - 1) / (2 * b - 1),
    ("hard", "anneal_fraction_exponent"): -(b - a) / (2 * b - 1),
    ("easy", "constant_lr_exponent"): (a - 1) / (a + b - 1),
    ("easy", "constant_lr_loss_exponent"): (a - 1) / (a + b - 1),
    ("hard", "constant_lr_exponent"): (a - 1) / (a + b - 1),
    ("hard", "constant_lr_loss_exponent"): (a - 1) / (a + b - 1),
    ("easy", "batch_ramp_exponent"): 1 / (2 * b) - 1,
    ("easy", "compute_optimal.model_size_exponent"): 1 / (a + 1),
    ("easy", "compute_optimal.loss_exponent"): (a - 1) / (a + 1),
    ("hard", "compute_optimal.model_size_exponent"): 1 / (b + 1),
    ("hard", "compute_optimal.loss_exponent"): (a - 1) / (b + 1),
}


@pytest.mark.parametrize(("phase", "name"), sorted(TABLE))
def test_row_matches_theory_table(phase, name):
    assert same(getattr(laws, phase)[name].expr, TABLE[phase, name])


def test_phase_boundary_matches_table():
    assert laws.phase_boundary == sp.Gt(a, b)
    assert laws.hard.condition == sp.Lt(a, b)
    assert laws.success, laws.message


def test_compute_optimal_steps_complement_model_size():
    for p in (laws.easy, laws.hard):
        n = p["compute_optimal.model_size_exponent"].expr
        assert same(p["compute_optimal.steps_exponent"].expr, 1 - n)


def test_power_law_no_better_than_constant():
    """THEORY row 'no better exponent than constant': the loss exponent of the best power law
    (eta0 fixed) never exceeds the optimal constant LR's, and equals it iff a <= 2b."""
    for phase in (laws.easy, laws.hard):
        pl = phase["power_law_loss_exponent"]
        cst = phase["constant_lr_loss_exponent"]
        for av, bv in [(1.5, 3), (1.25, 3), (2.5, 1.2), (3, 2), (5, 2), (7, 3), (2.3, 1.75)]:
            sub = {a: sp.nsimplify(av), b: sp.nsimplify(bv)}
            if (av > bv) != (phase.phase == "easy"):
                continue
            x, y = float(pl.expr.subs(sub)), float(cst.expr.subs(sub))
            assert x <= y + 1e-15
            assert (abs(x - y) < 1e-15) == (av <= 2 * bv)
    chi = laws.easy["power_law_exponent"].expr
    assert same(chi.subs({a: 3, b: 2}), sp.Rational(1, 2))  # a <= 2b: chi* = (a-1)/(a+b-1)
    assert same(chi.subs({a: 5, b: 2}), sp.Rational(3, 5))  # a > 2b: chi* = (2b-1)/(3b-1)


def test_window_terms_subdominant_and_fraction_vanishes_in_hard_phase():
    w = laws.hard["anneal_window_loss_exponent"].expr
    # window terms decay faster than the loss iff a < b, the derived hard phase
    assert reduce_condition(sp.Gt(w, laws.hard["loss_exponent"].expr)) == sp.Lt(a, b)
    assert reduce_condition(sp.Lt(laws.hard["anneal_fraction_exponent"].expr, 0)) == sp.Lt(a, b)


# -- (ii) residuals -----------------------------------------------------------------------------


def test_every_balance_case_has_zero_residual():
    n = 0
    for d in laws.derivations.values():
        for case in d.cases:
            assert all(r == 0 for r in case.residuals()), (d.name, case)
            n += 1
        for eq, sol in d.equations:
            assert sp.simplify((eq.lhs - eq.rhs).subs(sol)) == 0, (d.name, eq)
            n += 1
    assert n >= 10


def test_easy_exponents_balance_bias_against_noise():
    """Independent re-check: with tau ~ T^(1-xi), bias ~ tau^-((a-1)/b) and
    noise ~ T^(1-2xi-(1-xi)(2-1/b)) have equal exponents at the derived xi."""
    xi = laws.easy["xi"].expr
    bias = -(1 - xi) * (a - 1) / b
    noise = 1 - 2 * xi - (1 - xi) * (2 - 1 / b)
    assert same(bias, noise)
    assert same(-bias, laws.easy["loss_exponent"].expr)


# -- (iii) validity conditions ------------------------------------------------------------------


def test_conditions_partition_the_plane():
    for av, bv in [(1.5, 3), (2.5, 1.2), (3, 2), (1.3, 2.75), (2.3, 1.75), (2, 2.0001)]:
        sub = {a: sp.nsimplify(av), b: sp.nsimplify(bv)}
        easy = laws.phase_boundary.subs(sub) == sp.true
        hard = laws.hard.condition.subs(sub) == sp.true
        assert easy != hard
        assert laws.phase(av, bv) == PLRFModel(a=av, b=bv).phase
    assert laws.phase(2, 2) == "boundary"


def test_phase_boundary_follows_from_lr_bound():
    """xi >= 0 (eta bounded) is exactly the phase condition; the hard case is the bound."""
    xi_cases = laws.derivations["xi"].cases
    interior = [c for c in xi_cases if c.kind == "balance"]
    bound = [c for c in xi_cases if c.kind == "bound"]
    assert len(interior) == len(bound) == 1
    assert reduce_condition(sp.Gt(interior[0].value, 0)) == laws.phase_boundary
    assert bound[0].value == 0 and same(-bound[0].exponent, (a - 1) / b)


# -- engine unit tests --------------------------------------------------------------------------


def test_reduce_condition_textbook():
    assert reduce_condition(sp.Gt(1 - b / a, 0)) == sp.Gt(a, b)
    assert reduce_condition(sp.Gt((b - 1) / b, 0)) == sp.true
    assert reduce_condition(sp.Lt((a + b - 1) / (2 * b - 1), 1)) == sp.Lt(a, b)
    assert reduce_condition(sp.Lt(a + b, 1)) == sp.false


def test_minimise_symmetric_balance():
    w = sp.Symbol("w", real=True)
    cases = minimise_leading_exponent(
        [PowerLaw(1, -w, T, "down"), PowerLaw(1, w - 1, T, "up")], w, 0, 1
    )
    assert len(cases) == 1
    assert cases[0].value == sp.Rational(1, 2) and cases[0].exponent == -sp.Rational(1, 2)


def test_minimise_bound_active():
    w = sp.Symbol("w", real=True)
    # both terms prefer larger w up to the bound 1 until the upward term takes over at w = 2
    cases = minimise_leading_exponent(
        [PowerLaw(1, -w, T, "down"), PowerLaw(1, w - 4, T, "up")], w, 0, 1
    )
    assert len(cases) == 1 and cases[0].kind == "bound" and cases[0].value == 1


def test_power_integral_branches():
    x, U = sp.symbols("x U", positive=True)
    (c_up, v_up, w_up), (c_lo, _v_lo, w_lo) = power_integral(sp.Rational(-1, 2), x, U)
    assert c_up == sp.true and w_up == "upper" and same(v_up, 2 * sp.sqrt(U))
    assert c_lo == sp.false and w_lo == "lower"


def test_powerlaw_algebra():
    p = PowerLaw(2, a, T)
    q = PowerLaw(3, -b, T)
    assert same((p * q).expr, 6 * T ** (a - b))
    assert same((p**2).exponent, 2 * a)
    assert PowerLaw.from_expr(5 * T ** (a / b) * T**2, T).coef == 5
    with pytest.raises(TypeError):
        PowerLaw(0.5, a, T)


# -- results as objects -------------------------------------------------------------------------


def test_exponent_numeric_and_conventions():
    xi = laws.easy["xi"]
    assert xi.evaluate(PLRFModel(a=2.5, b=1.2)) == pytest.approx(1 - 1.2 / 2.5)
    assert xi.evaluate(a=3, b=2) == pytest.approx(1 / 3)
    assert "frac" in xi.latex()
    _alpha, beta = sp.symbols("alpha beta", positive=True)
    # hard loss (a-1)/b is the gradient-flow exponent: beta in Bordelon-Atanasov-Pehlevan
    assert same(laws.hard["loss_exponent"].in_convention("bap"), beta)
    with pytest.raises(KeyError, match="no exponent"):
        laws.easy["anneal_window_exponent"]
    with pytest.raises(TypeError):
        xi.evaluate()


def test_cached():
    assert derive_scaling_laws() is laws


# -- no typed-in answers ------------------------------------------------------------------------

ENGINE = [
    "_asymptotics.py",
    "_laws.py",
    "_balance.py",
    "_powerlaw.py",
    "_mode_sums.py",
    "_latex_document.py",
]


@pytest.mark.parametrize("module", ENGINE)
def test_no_formula_mixing_a_and_b_in_engine(module):
    """An exponent of the table combines a and b; no arithmetic expression in the engine does."""
    src = (Path(__file__).parents[1] / "theory" / module).read_text()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.BinOp | ast.Compare):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            assert not {"a", "b"} <= names, f"{module}:{node.lineno}: {ast.unparse(node)}"


def test_schedule_forms():
    from theory.symbols import t

    assert same(laws.easy.schedule_derived, T ** (-(1 - b / a)) * (1 - t / T) ** (2 * b - 1))
    w = T ** ((a + b - 1) / (2 * b - 1))
    hard = laws.hard.schedule_derived
    assert same(hard.args[0][0], sp.Symbol("eta_max", positive=True))
    assert same(hard.args[0][1].rhs, T - w)  # plateau up to T - W
    assert same(hard.args[1][0], sp.Symbol("eta_max", positive=True) * ((T - t) / w) ** (2 * b - 1))
    assert same(laws.hard["delta"].expr, laws.easy["delta"].expr)


def test_exponent_subs_and_document_prefix():
    from theory import derivation_document

    assert laws.easy["xi"].subs({a: 3, b: 2}) == sp.Rational(1, 3)
    tex = derivation_document([("Pontryagin: Hamiltonian", r"\[ H = 0 \]")])
    i = tex.index("Pontryagin: Hamiltonian")
    assert i < tex.index("Linear response of the dynamics") < tex.index("Dominant balance for xi")
