r"""Monte-Carlo SGD: one-pass minibatch SGD simulated for real, vectorised over seeds.

The ground truth the exact recursion of docs/theory.md §1 is checked against. Each seed is an
independent run of

.. math::

    g_t = \frac{1}{m_t}\sum_{i=1}^{m_t} x_i\,(x_i\cdot w_t - y_i),\qquad
    v_{t+1} = \beta_t v_t + (1-\beta_t) g_t,\qquad
    w_{t+1} = w_t - \eta_t v_{t+1},

with ``v_0 = 0`` and a fresh minibatch each step (``beta = 0`` is plain SGD). The state is held
as :math:`\Delta = w - w^*` in the eigenbasis of the feature covariance, so the excess loss of
each seed is exactly :math:`\sum_k \lambda_k \Delta_k^2` (no test-set noise); the curve reported is
its mean over seeds with the standard error of that mean.

Two data models:

* :func:`gaussian_features` — docs/theory.md's model: :math:`x_k = \sqrt{\lambda_k}\,\xi_k`, teacher
  :math:`w^*_k = k^{-(a-b)/2}`, label noise :math:`\sigma z`. The recursion is exact for it.
* :func:`random_features` — a genuine random-feature model: inputs with power-law covariance, a
  random projection to ``N`` features and a nonlinearity; the recursion is only an approximation
  (non-Gaussian features), built from the empirical spectrum and target projections.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from scipy.stats import norm

from theory import PLRFModel
from theory._checks import check_int, check_real

from ._spectrum import initial_state, spectrum
from .recursion import as_schedule, per_step

__all__ = [
    "FeatureModel",
    "MCResult",
    "RandomFeatureModel",
    "compare_curves",
    "gaussian_features",
    "monte_carlo",
    "predict_recursion",
    "random_features",
]

#: A standard error this small relative to the mean is rounding: the step is deterministic (t = 0).
_DETERMINISTIC_RTOL = 1e-10

#: Chunk of the inputs drawn at once when estimating a random-feature covariance (memory bound).
_MOMENT_CHUNK = 20_000


class FeatureModel(Protocol):
    """A data model seen in the eigenbasis of its feature covariance.

    ``lam`` (n,) are the covariance eigenvalues, ``delta0`` (n,) the initial error
    :math:`w_0 - w^*` in that basis, ``noise_var`` the variance of the residual
    :math:`y - w^*\\cdot x`; ``draw(rng, S, m)`` returns features ``(S, m, n)`` in the eigenbasis
    and residuals ``(S, m)``.
    """

    lam: np.ndarray
    delta0: np.ndarray
    noise_var: float

    def draw(self, rng: np.random.Generator, S: int, m: int) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class GaussianFeatures:
    """Gaussian features in the eigenbasis (see :func:`gaussian_features`)."""

    lam: np.ndarray
    delta0: np.ndarray
    noise_var: float

    def draw(self, rng: np.random.Generator, S: int, m: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((S, m, self.lam.size)) * np.sqrt(self.lam)
        eps = rng.standard_normal((S, m)) * math.sqrt(self.noise_var)
        return x, eps


def gaussian_features(model: PLRFModel) -> GaussianFeatures:
    r"""docs/theory.md's Gaussian model: :math:`\lambda_k = k^{-b}`, :math:`\Delta_0 = -w^*`.

    The teacher is :math:`w^*_k = +k^{-(a-b)/2}` (the sign is irrelevant to every second moment).
    """
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    lam = spectrum(model)
    return GaussianFeatures(lam, -np.sqrt(initial_state(model)), model.sigma**2)


@dataclass(frozen=True)
class RandomFeatureModel:
    r"""A random-feature model :math:`\phi(z) = f(F z/\sqrt d)` with a linear power-law teacher.

    Inputs :math:`z \in \mathbb R^d`, :math:`z_j \sim N(0, j^{-\alpha})` independent; labels
    :math:`y = \theta\cdot z + \sigma\epsilon` with :math:`\theta_j^2 j^{-\alpha} = j^{-s}`;
    features :math:`\phi = f(Fz/\sqrt d)`, ``F`` standard Gaussian ``(N, d)``, ``f`` ``tanh`` or
    ``relu``. The population covariance :math:`\Sigma = E[\phi\phi^T]` and the best-in-class
    weights :math:`w^* = \Sigma^{-1}E[\phi y]` are estimated on ``n_moment`` fresh inputs; the
    model is then expressed in the eigenbasis of :math:`\Sigma`.

    Attributes
    ----------
    lam : ndarray (N,)
        Eigenvalues of the (estimated) feature covariance, descending.
    delta0 : ndarray (N,)
        :math:`-U^T w^*` (students start at zero).
    noise_var : float
        :math:`E[(y - w^*\cdot\phi)^2]`: label noise plus what the features cannot represent.
    """

    d: int
    N: int
    alpha: float
    s: float
    sigma: float
    activation: str
    F: np.ndarray = field(repr=False)
    theta: np.ndarray = field(repr=False)
    U: np.ndarray = field(repr=False)
    lam: np.ndarray = field(repr=False)
    w_star: np.ndarray = field(repr=False)
    delta0: np.ndarray = field(repr=False)
    noise_var: float = 0.0

    def _inputs(self, rng, shape):
        scale = np.arange(1, self.d + 1, dtype=float) ** (-self.alpha / 2)
        z = rng.standard_normal((*shape, self.d)) * scale
        y = z @ self.theta + self.sigma * rng.standard_normal(shape)
        return z, y

    def _phi(self, z):
        h = z @ self.F.T / math.sqrt(self.d)
        return np.tanh(h) if self.activation == "tanh" else np.maximum(h, 0.0)

    def draw(self, rng: np.random.Generator, S: int, m: int) -> tuple[np.ndarray, np.ndarray]:
        z, y = self._inputs(rng, (S, m))
        phi = self._phi(z)
        eps = y - phi @ self.w_star
        return phi @ self.U, eps

    def recursion_model(self) -> tuple[np.ndarray, np.ndarray, float]:
        """``(lam, c0, noise_var)`` for the exact recursion built from the empirical spectrum."""
        return self.lam, self.delta0**2, self.noise_var


def random_features(
    d: int = 200,
    N: int = 64,
    *,
    alpha: float = 1.5,
    s: float = 2.0,
    sigma: float = 0.5,
    activation: Literal["tanh", "relu"] = "tanh",
    n_moment: int = 200_000,
    seed: int = 0,
) -> RandomFeatureModel:
    r"""Build a :class:`RandomFeatureModel` and its empirical spectrum and target projections.

    Parameters
    ----------
    d, N : int
        Input dimension and number of random features.
    alpha : float
        Input covariance :math:`\mathrm{diag}(j^{-\alpha})`.
    s : float
        Teacher source decay :math:`\theta_j^2 j^{-\alpha} = j^{-s}`.
    sigma : float
        Label-noise standard deviation.
    activation : {"tanh", "relu"}
    n_moment : int
        Inputs used to estimate :math:`\Sigma` and :math:`w^*`.
    seed : int
        Seed of the projection, the teacher sign pattern and the moment sample.
    """
    d, N = check_int("d", d, ge=1), check_int("N", N, ge=1)
    alpha, s = check_real("alpha", alpha, gt=0), check_real("s", s, gt=0)
    sigma = check_real("sigma", sigma, ge=0)
    n_moment = check_int("n_moment", n_moment, ge=N + 1)
    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}")
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((N, d))
    j = np.arange(1, d + 1, dtype=float)
    theta = rng.choice([-1.0, 1.0], size=d) * j ** (-(s - alpha) / 2)
    proto = RandomFeatureModel(
        d, N, alpha, s, sigma, activation, F, theta, *(np.empty(0),) * 4, noise_var=0.0
    )
    Sxx = np.zeros((N, N))
    Sxy = np.zeros(N)
    Syy = 0.0
    done = 0
    while done < n_moment:
        n = min(_MOMENT_CHUNK, n_moment - done)
        z, y = proto._inputs(rng, (n,))
        phi = proto._phi(z)
        Sxx += phi.T @ phi
        Sxy += phi.T @ y
        Syy += float(y @ y)
        done += n
    Sxx /= n_moment
    Sxy /= n_moment
    Syy /= n_moment
    w_star = np.linalg.solve(Sxx, Sxy)
    lam, U = np.linalg.eigh(Sxx)
    order = np.argsort(lam)[::-1]
    lam, U = lam[order], U[:, order]
    noise_var = float(Syy - Sxy @ w_star)  # residual variance of the least-squares fit
    return RandomFeatureModel(
        d, N, alpha, s, sigma, activation, F, theta, U, lam, w_star, -(U.T @ w_star), noise_var
    )


@dataclass(frozen=True)
class MCResult:
    """Result of :func:`monte_carlo`.

    Attributes
    ----------
    t : ndarray of int, shape (n_record,)
        Recorded steps (always 0 and T).
    mean, sem : ndarray, shape (n_record,)
        Mean excess loss over seeds and its standard error (sample std / sqrt(seeds)).
    seeds : int
    eta, inv_batch, beta : ndarray, shape (T,)
        The schedules that were run (``inv_batch = 1/m_t``).
    final_losses : ndarray, shape (seeds,)
        Excess loss of every seed at ``T``.
    success, status, message
        ``status`` 0: all seeds finite; 1: some seed's loss stopped being finite.
    """

    t: np.ndarray
    mean: np.ndarray
    sem: np.ndarray
    seeds: int
    eta: np.ndarray
    inv_batch: np.ndarray
    beta: np.ndarray
    final_losses: np.ndarray
    success: bool = True
    status: int = 0
    message: str = "ok"

    @property
    def T(self) -> int:
        return int(self.eta.size)

    @property
    def final_loss(self) -> float:
        return float(self.mean[-1])

    @property
    def final_sem(self) -> float:
        return float(self.sem[-1])

    def to_dict(self) -> dict:
        return {
            "t": self.t.tolist(),
            "mean": self.mean.tolist(),
            "sem": self.sem.tolist(),
            "seeds": self.seeds,
            "T": self.T,
            "final_loss": self.final_loss,
            "final_sem": self.final_sem,
            "success": self.success,
            "status": self.status,
            "message": self.message,
        }


def _batch_sizes(batch, T: int) -> np.ndarray:
    def bad(a):
        return np.isnan(a) | (a < 1) | (np.isfinite(a) & (a != np.round(a)))

    return per_step(batch, T, "batch", "an integer >= 1 (or inf) for Monte-Carlo SGD", bad)


def _momentum_schedule(beta, T: int) -> np.ndarray:
    if beta is None:
        return np.zeros(T)
    # imported here: .momentum loads the derived moment closure (SymPy, ~0.5 s), which SGD's
    # Monte-Carlo does not need
    from .momentum import as_momentum_schedule

    return as_momentum_schedule(beta, T)


def minibatch_gradient(data, rng, delta: np.ndarray, m: int) -> np.ndarray:
    """The gradient of every seed's run (a row of ``delta``) on ``m`` fresh samples of its own."""
    x, eps = data.draw(rng, delta.shape[0], m)
    resid = np.einsum("smn,sn->sm", x, delta) - eps
    return np.einsum("smn,sm->sn", x, resid) / m


def seed_statistics(delta: np.ndarray, lam: np.ndarray) -> tuple[float, float]:
    """The mean over seeds (rows of ``delta``) of the loss ``sum_k lam_k delta_k^2``, and its
    standard error."""
    loss = (delta**2) @ lam
    return loss.mean(), loss.std(ddof=1) / math.sqrt(delta.shape[0])


def _sgd_step(data, rng, delta, v, lam, eta_t, m_t, beta_t):
    """One minibatch SGD step (EMA momentum when ``beta_t > 0``) on every seed at once."""
    g = delta * lam if math.isinf(m_t) else minibatch_gradient(data, rng, delta, int(m_t))
    v = g if beta_t == 0.0 else beta_t * v + (1.0 - beta_t) * g
    return delta - eta_t * v, v


def _run(data, eta, m, beta, seeds, seed, t_rec, steps):
    """The SGD runs: final errors per seed, and the mean loss and its standard error at
    ``t_rec``."""
    rng = np.random.default_rng(seed)
    lam = np.asarray(data.lam, dtype=float)
    delta = np.tile(np.asarray(data.delta0, dtype=float), (seeds, 1))
    v = np.zeros_like(delta)
    mean = np.empty(t_rec.size)
    sem = np.empty(t_rec.size)
    j = 0

    def record():
        nonlocal j
        mean[j], sem[j] = seed_statistics(delta, lam)
        j += 1

    record()
    with np.errstate(over="ignore", invalid="ignore"):
        for t in steps:
            delta, v = _sgd_step(data, rng, delta, v, lam, eta[t], m[t], beta[t])
            if j < t_rec.size and t_rec[j] == t + 1:
                record()
    return delta, mean, sem


def monte_carlo(
    model: PLRFModel | FeatureModel,
    eta,
    *,
    batch=None,
    beta=None,
    seeds: int = 256,
    seed: int = 0,
    record_every: int = 1,
    T: int | None = None,
    progress: bool = False,
) -> MCResult:
    r"""Run one-pass minibatch SGD (with optional EMA momentum) on ``seeds`` independent seeds.

    Parameters
    ----------
    model : PLRFModel or FeatureModel
        A :class:`~theory.PLRFModel` (Gaussian features, :func:`gaussian_features`) or any
        feature model such as :func:`random_features`.
    eta : array_like, shape (T,), or float
        Learning rate per step (a scalar needs ``T``).
    batch : int or array_like of int, shape (T,), optional
        Batch size per step (``inf``: the exact gradient); defaults to ``model.batch`` for a
        PLRFModel, else 1.
    beta : float or array_like, shape (T,), optional
        EMA momentum per step in ``[0, 1)``; ``None`` is plain SGD.
    seeds : int
        Independent runs, vectorised (memory ``O(seeds * batch * n)`` per step).
    seed : int
        Seed of the random generator (``numpy.random.default_rng``): results are reproducible.
    record_every : int
        Record the loss every this many steps (and at 0 and T).
    progress : bool
        Show a ``tqdm`` progress bar on standard error.

    Returns
    -------
    MCResult
    """
    if T is not None:
        T = check_int("T", T, ge=1)
    eta = as_schedule(eta, T)
    T = eta.size
    if isinstance(model, PLRFModel):
        default_batch = model.batch
        data = gaussian_features(model)
    else:
        default_batch = 1
        data = model
    m = _batch_sizes(default_batch if batch is None else batch, T)
    beta = _momentum_schedule(beta, T)
    seeds = check_int("seeds", seeds, ge=2)
    seed = check_int("seed", seed, ge=0)
    record_every = check_int("record_every", record_every, ge=1)
    t_rec = np.arange(0, T + 1, record_every, dtype=np.int64)
    if t_rec[-1] != T:
        t_rec = np.append(t_rec, T)

    steps = range(T)
    if progress:
        from tqdm import tqdm

        steps = tqdm(steps, file=sys.stderr, desc="monte-carlo SGD", unit="step")
    delta, mean, sem = _run(data, eta, m, beta, seeds, seed, t_rec, steps)
    lam = np.asarray(data.lam, dtype=float)
    final = (delta**2) @ lam
    finite = bool(np.isfinite(final).all())
    return MCResult(
        t_rec,
        mean,
        sem,
        seeds,
        eta,
        1.0 / m,
        beta,
        final,
        success=finite,
        status=0 if finite else 1,
        message="ok" if finite else "the loss of some seeds stopped being finite (unstable rate)",
    )


def predict_recursion(
    data: FeatureModel, eta, *, batch=1, record_every: int = 1, T: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The exact recursion's prediction for a feature model: ``(t, loss)``.

    Uses the model's (empirical) spectrum ``lam``, initial errors ``delta0**2`` and residual
    variance ``noise_var`` in place of :math:`k^{-b}`, :math:`k^{-(a-b)}` and :math:`\\sigma^2`;
    exact for Gaussian features, an approximation otherwise.
    """
    from ._kernels import discrete_forward
    from .recursion import _record_steps, as_batch_schedule

    eta = as_schedule(eta, T)
    inv_m = as_batch_schedule(batch, eta.size)
    t_rec = _record_steps(eta.size, check_int("record_every", record_every, ge=1))
    loss = np.empty(t_rec.size)
    lam = np.ascontiguousarray(data.lam, dtype=float)
    c0 = np.ascontiguousarray(np.asarray(data.delta0, dtype=float) ** 2)
    with np.errstate(over="ignore", invalid="ignore"):
        discrete_forward(lam, c0, eta, inv_m, float(data.noise_var), t_rec, loss)
    return t_rec, loss


@dataclass(frozen=True)
class CurveComparison:
    """Agreement of a Monte-Carlo mean curve with a predicted curve (see :func:`compare_curves`).

    Attributes
    ----------
    z : ndarray
        ``(mc - predicted)/sem`` at each compared step (steps with zero ``sem``, i.e. ``t = 0``,
        are compared exactly and carry ``z = 0``).
    max_abs_z : float
    threshold : float
        The ``|z|`` bound each step must meet.
    family_threshold : float
        Bonferroni bound for a family-wise error ``alpha`` over the compared steps.
    rel_error : ndarray
        ``(mc - predicted)/predicted``.
    agree : bool
        ``max_abs_z <= threshold``.
    agree_family : bool
        ``max_abs_z <= family_threshold``: the multiple-testing-aware criterion (the steps of one
        curve are many, correlated tests; a fixed 3-sigma bound on all of them fails a few
        percent of the time by chance alone).
    """

    z: np.ndarray
    max_abs_z: float
    threshold: float
    family_threshold: float
    rel_error: np.ndarray
    agree: bool
    agree_family: bool


def compare_curves(
    mc: MCResult, predicted, *, threshold: float = 3.0, alpha: float = 0.01
) -> CurveComparison:
    """Compare ``mc.mean`` with ``predicted`` (array at ``mc.t``, or a :class:`Trajectory`).

    A Trajectory is sampled at ``mc.t`` (it must have recorded those steps).
    """
    if hasattr(predicted, "loss") and hasattr(predicted, "t"):
        idx = np.searchsorted(predicted.t, mc.t)
        if idx.max() >= predicted.t.size or not np.array_equal(predicted.t[idx], mc.t):
            raise ValueError("the predicted trajectory did not record every Monte-Carlo step")
        pred = predicted.loss[idx]
    else:
        pred = np.asarray(predicted, dtype=float)
        if pred.shape != mc.mean.shape:
            raise ValueError(f"predicted must have shape {mc.mean.shape}, got {pred.shape}")
    diff = mc.mean - pred
    exact = mc.sem <= _DETERMINISTIC_RTOL * np.abs(mc.mean)
    if exact.any() and not np.allclose(
        mc.mean[exact], pred[exact], rtol=_DETERMINISTIC_RTOL, atol=0
    ):
        z_exact = np.inf
    else:
        z_exact = 0.0
    z = np.where(exact, z_exact, diff / np.where(exact, 1.0, mc.sem))
    n = int((~exact).sum())
    fam = float(norm.isf(alpha / (2 * max(n, 1))))
    mx = float(np.max(np.abs(z)))
    return CurveComparison(
        z, mx, threshold, fam, diff / pred, bool(mx <= threshold), bool(mx <= fam)
    )
