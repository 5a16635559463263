"""The loss of the modes a truncated model lacks (PLRFModel.tail_loss) and the
loss-exponent claims that add it back: a model of N modes has a floor, the tail
sum_{k>N} k^-a, whose share of the loss grows like (k_*/N)^(a-1) and steepens the local
exponent; near a = 1 that moved the hard optimal loss at (1.2, 4) by 3.8e-5 at T = 1e13, the
size of its interval (benchmarks/results/claims.md, 2026-12-01s19 lead)."""

import math

import numpy as np
import pytest

from solvers.dynamics.modes import ModeGrid, constant_rate_loss, tail_source_model
from theory import PLRFModel


def test_the_tail_is_the_mass_the_grid_lacks():
    """Against an independent sum: a grid of N' >> N modes holds the modes N < k <= N' that the
    grid of N lacks; the two tails differ by exactly that mass."""
    a = 1.2
    small, wide = PLRFModel(a, 4.0, n_modes=1000), PLRFModel(a, 4.0, n_modes=10**7)
    held = ModeGrid.from_model(wide).initial_loss - ModeGrid.from_model(small).initial_loss
    assert small.tail_loss - wide.tail_loss == pytest.approx(held, rel=1e-10)
    # and its closed-form size: N^(1-a)/(a-1) to leading order
    assert small.tail_loss == pytest.approx(1000 ** (1 - a) / (a - 1), rel=2e-3)


@pytest.mark.parametrize(("a", "b"), [(1.2, 4.0), (1.5, 3.0)])
def test_a_truncated_loss_with_its_tail_is_the_wide_models_loss(a, b):
    """A constant rate's loss at T = 1e2 .. 1e6, noise included, on a model of 1e4 modes with
    the tail fed to its noise source, plus the tail, equals the same on a model of 1e15 modes to
    1e-7 (independent grids), while the bare truncated loss misses by the tail's share, and
    adding the tail without its feed to the source still misses by the noise it feeds (1e-3 at
    (1.2, 4), rate 0.5): the tail is unlearned and its own noise negligible."""
    Ts = [10**k for k in range(2, 7)]

    def infinite(n):
        m = PLRFModel(a, b, n_modes=n)
        fed = ModeGrid.from_model(tail_source_model(m))
        return constant_rate_loss(fed, 0.5, Ts) + m.tail_loss

    small = PLRFModel(a, b, n_modes=10**4)
    L = constant_rate_loss(ModeGrid.from_model(small), 0.5, Ts)
    assert np.allclose(infinite(10**4), infinite(10**15), rtol=1e-7, atol=0)
    assert np.all(np.abs(L / infinite(10**15) - 1) > (0.1 if a < 1.3 else 1e-3))
    unfed = L + small.tail_loss
    assert np.max(np.abs(unfed / infinite(10**15) - 1)) > (5e-4 if a < 1.3 else 1e-6)


def test_the_tail_is_a_floor_that_steepens_the_local_exponent():
    """Its share of the loss grows like (k_*/N)^(a-1), as theory's missing-mode fraction says:
    at (1.2, 4), N = 1e4, the truncated loss's local exponent at T = 1e6 is steeper than the
    wide model's by about that share times the exponent."""
    a, b, Ts = 1.2, 4.0, np.array([1e5, 1e6])
    m = PLRFModel(a, b, n_modes=10**4)
    L = constant_rate_loss(ModeGrid.from_model(m), 0.5, Ts)
    tail = m.tail_loss
    slope = lambda y: math.log(y[1] / y[0]) / math.log(Ts[1] / Ts[0])  # noqa: E731
    steepening = slope(L) - slope(L + tail)
    share = tail / (L[-1] + tail)
    assert steepening < 0 and abs(steepening) == pytest.approx(
        abs(slope(L + tail)) * share, rel=0.3
    )
