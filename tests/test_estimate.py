"""Which phase am I in? Exponent estimation on synthetic data with known (a, b)."""

import math

import numpy as np
import pytest

from solvers import simulate
from solvers.analysis.estimate import (
    estimate_from_features,
    estimate_from_kernel,
    estimate_from_losses,
)
from theory import PLRFModel


def synth(a, b, n=1500, p=80, sigma=0.1, seed=0):
    """Gaussian features with spectrum k^-b in a random basis, teacher lambda_k w_k^2 = k^-a."""
    rng = np.random.default_rng(seed)
    k = np.arange(1, p + 1.0)
    lam = k**-b
    w = rng.choice([-1.0, 1.0], p) * np.sqrt(k**-a / lam)
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    Z = rng.standard_normal((n, p)) * np.sqrt(lam)
    y = Z @ w + sigma * rng.standard_normal(n)
    return Z @ Q.T, y


@pytest.mark.parametrize(("a", "b"), [(3.0, 2.0), (1.5, 3.0)])
def test_features_recover_known_exponents_within_reported_uncertainty(a, b):
    X, y = synth(a, b)
    est = estimate_from_features(X, y, n_boot=20, seed=1)
    assert est.success
    assert abs(est.a - a) < 3 * est.a_err, (est.a, est.a_err)
    assert abs(est.b - b) < 3 * est.b_err + 0.01, (est.b, est.b_err)
    assert est.a_err < 0.2 and est.b_err < 0.1  # informative, not vacuous
    assert est.phase == ("easy" if a > b else "hard")
    assert (est.p_easy > 0.99) if a > b else (est.p_easy < 0.01)
    assert est.recommended["family"] == ("power-decay" if a > b else "wsd")


def test_kernel_and_features_give_the_same_point_estimate():
    X, y = synth(2.5, 1.5, n=300, p=60)
    fe = estimate_from_features(X, y, n_boot=10, k_range=(2, 20), noise_var=0.01)
    ke = estimate_from_kernel(X @ X.T, y, n_boot=10, k_range=(2, 20), noise_var=0.01)
    assert ke.a == pytest.approx(fe.a, rel=1e-8) and ke.b == pytest.approx(fe.b, rel=1e-8)


def test_loss_curve_exponent_is_gradient_flow_exponent():
    """Full-batch descent on the PLRF recursion: L ~ t^-(a-1)/b at late times."""
    a, b = 2.5, 2.0
    model = PLRFModel(a=a, b=b, sigma=0.0, batch=math.inf, n_modes=20000)
    tr = simulate(model, 0.5, T=4000, record_every=40)
    est = estimate_from_losses(tr.t[1:], tr.loss[1:], t_range=(400, 4000), b=b, b_err=0.0)
    assert est.gamma == pytest.approx((a - 1) / b, abs=0.03)
    assert est.a == pytest.approx(a, abs=0.06)


def test_estimate_validation():
    with pytest.raises(ValueError, match="one row per target"):
        estimate_from_features(np.ones((5, 3)), np.ones(4))
    with pytest.raises(ValueError, match="k_range"):
        estimate_from_features(*synth(3, 2, n=100, p=10), k_range=(2, 50))
    with pytest.raises(ValueError, match="exceed floor"):
        estimate_from_losses([1, 2, 3], [1.0, 0.5, 0.2], floor=1.0, t_range=(1, 3))


def test_digits_demo_runs():
    pytest.importorskip("sklearn", reason="scikit-learn not installed (optional extra 'data')")
    from solvers.analysis.estimate import digits_demo

    out = digits_demo(features="pixels", n_boot=10)
    assert out["phase"] in ("easy", "hard") and 0 <= out["p_easy"] <= 1
    assert math.isfinite(out["a"]) and math.isfinite(out["b"]) and out["b"] > 0
