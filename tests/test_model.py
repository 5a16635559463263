import math

import pytest
import sympy as sp

from theory import CONVENTIONS, PLRFModel, convention, plrf_dynamics
from theory.symbols import a, b


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"a": 1.0, "b": 2}, ValueError, r"a must be > 1, got 1\.0"),
        ({"a": 0.5, "b": 2}, ValueError, r"a must be > 1, got 0\.5"),
        ({"a": 3, "b": 1}, ValueError, r"b must be > 1, got 1"),
        ({"a": 3, "b": 2, "sigma": -0.1}, ValueError, r"sigma must be >= 0, got -0\.1"),
        ({"a": 3, "b": 2, "batch": 0.5}, ValueError, r"batch must be >= 1, got 0\.5"),
        ({"a": 3, "b": 2, "n_modes": 0}, ValueError, r"n_modes must be an integer >= 1, got 0"),
        ({"a": 3, "b": 2, "n_modes": 2.5}, ValueError, r"n_modes must be a finite integer"),
        ({"a": math.nan, "b": 2}, ValueError, r"a must be a finite number, got nan"),
        ({"a": 3, "b": math.inf}, ValueError, r"b must be a finite number, got inf"),
        ({"a": 3, "b": 2, "sigma": math.inf}, ValueError, r"sigma must be a finite number"),
        ({"a": 3, "b": 2, "eta_max": 0}, ValueError, r"eta_max must be > 0, got 0"),
        ({"a": "3", "b": 2}, TypeError, r"a must be a real number, got '3'"),
    ],
)
def test_bad_parameters_name_argument_value_and_expectation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        PLRFModel(**kwargs)


def test_unknown_keyword_is_type_error():
    with pytest.raises(TypeError):
        PLRFModel(a=3, b=2, gamma=1)  # type: ignore[call-arg]


def test_infinite_batch_is_gradient_descent():
    m = PLRFModel(a=3, b=2, batch=math.inf)
    assert m.inv_batch == 0.0


def test_model_is_frozen_and_replace_revalidates():
    m = PLRFModel(a=3, b=2)
    with pytest.raises(AttributeError):
        m.a = 4  # type: ignore[misc]
    with pytest.raises(ValueError, match="b must be > 1"):
        m.replace(b=0.9)


@pytest.mark.parametrize(
    ("a_", "b_", "phase"), [(3, 2, "easy"), (1.5, 3, "hard"), (2, 2, "boundary")]
)
def test_phase(a_, b_, phase):
    assert PLRFModel(a=a_, b=b_).phase == phase


def test_gradient_flow_exponent():
    assert PLRFModel(a=2.5, b=1.2).gradient_flow_exponent == pytest.approx(1.5 / 1.2)


@pytest.mark.parametrize(
    ("name", "p", "q", "expected"),
    [
        ("bap", 2.0, 1.5, (4.0, 2.0)),  # b = alpha, a = alpha*beta + 1
        ("paquette", 1.0, 0.5, (3.0, 2.0)),  # b = 2 alpha_P, a = 2 alpha_P + 2 beta_P
        ("fsl", 1.2, 1.25, (2.5, 1.2)),  # b = beta_F, a = s beta_F + 1
    ],
)
def test_conventions_match_theory_table(name, p, q, expected):
    m = PLRFModel.from_convention(name, p, q)
    assert (m.a, m.b) == pytest.approx(expected)
    assert m.to_convention(name) == pytest.approx((p, q))


def test_named_constructors_and_kwargs():
    m = PLRFModel.from_bap(2.0, 1.5, sigma=0.1, n_modes=10)
    assert (m.a, m.b, m.sigma, m.n_modes) == (4.0, 2.0, 0.1, 10)
    assert PLRFModel.from_paquette(1.0, 0.5).a == 3.0
    assert PLRFModel.from_fsl(1.2, 1.25).a == pytest.approx(2.5)


def test_convention_inverse_is_exact_and_symbolic():
    for conv in CONVENTIONS.values():
        p, q = conv.from_ab
        back = [
            sp.simplify(e.subs(dict(zip(conv.params, (p, q), strict=True)))) for e in conv.to_ab
        ]
        assert back == [a, b]
    # the gradient-flow exponent (a-1)/b is the BAP beta, by construction of that convention
    assert sp.simplify(convention("bap").exponent((a - 1) / b) - convention("bap").params[1]) == 0


def test_unknown_convention():
    with pytest.raises(ValueError, match="unknown name 'foo'"):
        convention("foo")


def test_symbolic_dynamics_are_exact_rationals_and_continuous_limit():
    d = plrf_dynamics()
    assert not d.discrete.atoms(sp.Float)
    from theory.symbols import L, c, eta, inv_m, lam, sigma

    expected = -2 * eta * lam * c + inv_m * eta**2 * lam * (L + sigma**2)
    assert sp.simplify(d.continuous - expected) == 0
    # the discrete map's first-order part in eta is the continuous drift without noise
    assert sp.simplify(sp.diff(d.discrete, eta).subs(eta, 0) + 2 * lam * c) == 0


def test_tail_loss_matches_hurwitz_zeta():
    m = PLRFModel(a=2.0, b=1.5, n_modes=10)
    assert m.tail_loss == pytest.approx(math.pi**2 / 6 - sum(k**-2.0 for k in range(1, 11)))
