r"""Which phase am I in? Estimate the exponents ``(a, b)`` of a regression problem from data.

From features ``X`` (``n`` samples x ``p``) or a kernel matrix ``K`` (``n x n``) and targets ``y``:

* the empirical covariance eigenvalues :math:`\hat\lambda_k` (of :math:`X^TX/n`, equivalently of
  :math:`K/n`) give ``b`` by a least-squares fit of :math:`\log\hat\lambda_k` against
  :math:`\log k` over a range of ``k``;
* the target's power along eigenvector ``k``, :math:`\lambda_k (w^*_k)^2 \approx (u_k\cdot y)^2/n`
  (``u_k`` the unit eigenvectors of ``K``), averaged over log-spaced bins of ``k``, gives ``a`` by
  the same fit (binning tames the one-realisation noise of single projections);
* uncertainties come from a bootstrap over samples; the probability of the easy phase is
  :math:`P(a > b) = \Phi\bigl((\hat a - \hat b)/\mathrm{sd}(\hat a - \hat b)\bigr)`.

From loss curves of a few runs, the late-time slope of :math:`\log L` against :math:`\log t`
estimates the gradient-flow exponent :math:`(a-1)/b` (:func:`estimate_from_losses`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from itertools import pairwise

import numpy as np
from scipy.stats import norm

from theory._checks import check_int, check_real

__all__ = [
    "LossExponentEstimate",
    "PhaseEstimate",
    "digits_demo",
    "estimate_from_features",
    "estimate_from_kernel",
    "estimate_from_losses",
]

#: Residual degrees of freedom needed to estimate the noise variance by least squares.
_MIN_RESIDUAL_DOF = 10
#: Default fit range as fractions of the usable rank: the top modes are pre-asymptotic and the
#: last ones carry the finite-sample bias of empirical eigenvalues.
_DEFAULT_RANGE = (0.01, 0.25)
#: A bin enters the fit of ``a`` only while its target power exceeds this multiple of the noise floor.
_SIGNAL_OVER_FLOOR = 3.0
#: Log-spaced bins per decade of k for the target-power fit.
_BINS_PER_DECADE = 8


@dataclass(frozen=True)
class PhaseEstimate:
    """Estimated exponents, phase and recommended schedule family.

    Attributes
    ----------
    a, b : float
        Point estimates (full data).
    a_err, b_err : float
        Bootstrap standard deviations.
    cov_ab : float
        Bootstrap covariance of ``(a, b)``.
    p_easy : float
        Probability of the easy phase ``a > b`` (normal error propagation).
    phase : {"easy", "hard"}
    k_range : (int, int)
        Mode range of the fits (1-based, inclusive).
    recommended : dict
        Schedule family for the phase (see :func:`recommend`).
    success, status, message
        ``status`` 1: a fit was ill-conditioned (too few modes or non-finite values);
        2: the estimate lies outside the model's range ``a, b > 1``.
    """

    a: float
    b: float
    a_err: float
    b_err: float
    cov_ab: float
    p_easy: float
    phase: str
    k_range: tuple[int, int]
    n_boot: int
    recommended: dict
    success: bool = True
    status: int = 0
    message: str = "ok"

    def to_dict(self) -> dict:
        return asdict(self)


def recommend(phase: str, gradient_flow_exponent: float | None = None) -> dict:
    """Recommended schedule family of a phase (docs/theory.md §3; exponents from the engine)."""
    if phase == "easy":
        rec = {
            "family": "power-decay",
            "formula": "c T^-xi (1 - t/T)^delta",
            "note": "easy phase: decay over the whole run; the base rate shrinks with the "
            "horizon (eta ~ T^-xi); fit c on a short run and transfer with optlr export",
        }
    else:
        rec = {
            "family": "wsd",
            "formula": "eta_max, then a decay over a vanishing fraction of the steps",
            "note": "hard phase: stay at the largest stable rate, anneal at the end; the base "
            "rate transfers across horizons, the decay window scales",
        }
    if gradient_flow_exponent is not None:
        rec["gradient_flow_exponent"] = gradient_flow_exponent
    return rec


def _slope(logk: np.ndarray, logv: np.ndarray) -> float:
    X = np.column_stack([np.ones_like(logk), logk])
    coef, *_ = np.linalg.lstsq(X, logv, rcond=None)
    return float(coef[1])


def _bins(k_lo: int, k_hi: int) -> list[np.ndarray]:
    edges = np.unique(
        np.round(
            np.geomspace(
                k_lo, k_hi + 1, max(2, int(_BINS_PER_DECADE * math.log10((k_hi + 1) / k_lo)) + 1)
            )
        ).astype(int)
    )
    return [np.arange(lo, hi) for lo, hi in pairwise(edges) if hi > lo]


def _exponents(
    evals: np.ndarray, power: np.ndarray, k_lo: int, k_hi: int, floor: float
) -> tuple[float, float]:
    """(a, b) from descending eigenvalues and target powers (index 0 = mode 1).

    Label noise adds ``floor`` (= sigma^2/n) to every mode's power on average: it is subtracted,
    and only bins whose power exceeds ``_SIGNAL_OVER_FLOOR`` times it enter the ``a`` fit.
    """
    k = np.arange(k_lo, k_hi + 1)
    b = -_slope(np.log(k), np.log(evals[k - 1]))
    centers, means = [], []
    for idx in _bins(k_lo, k_hi):
        mean = float(np.mean(power[idx - 1]))
        if mean <= _SIGNAL_OVER_FLOOR * floor:
            break
        centers.append(math.exp(np.mean(np.log(idx))))
        means.append(mean - floor)
    if len(means) < 3:
        return math.nan, b
    a = -_slope(np.log(centers), np.log(means))
    return a, b


def _spectral(K: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = y.size
    w, U = np.linalg.eigh(K / n)
    order = np.argsort(w)[::-1]
    w, U = w[order], U[:, order]
    return w, (U.T @ y) ** 2 / n


def _resolve_range(k_range, rank: int) -> tuple[int, int]:
    if k_range is None:
        lo = max(2, round(_DEFAULT_RANGE[0] * rank))
        hi = max(lo + 4, round(_DEFAULT_RANGE[1] * rank))
    else:
        lo, hi = (check_int("k_range[0]", k_range[0], ge=1), check_int("k_range[1]", k_range[1]))
    if hi > rank or hi - lo < 4:
        raise ValueError(
            f"k_range must satisfy 1 <= k_lo, k_hi - k_lo >= 4 and k_hi <= rank {rank}, "
            f"got ({lo}, {hi})"
        )
    return lo, hi


def _spectral_features(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Same as :func:`_spectral` through the ``p x p`` covariance (cheaper when ``p < n``):
    :math:`(u_k\cdot y)^2/n = (v_k \cdot X^T y/n)^2/\lambda_k`."""
    n = y.size
    w, V = np.linalg.eigh(X.T @ X / n)
    order = np.argsort(w)[::-1]
    w, V = w[order], V[:, order]
    proj = V.T @ (X.T @ y) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return w, np.where(w > 0, proj**2 / w, 0.0)


def _estimate(spectral_of, y, n, rank, k_range, n_boot, seed, noise_var) -> PhaseEstimate:
    k_lo, k_hi = _resolve_range(k_range, rank)
    n_boot = check_int("n_boot", n_boot, ge=10)
    ev, pw = spectral_of(np.arange(n))
    if noise_var is None:  # kernel: the modes of the upper half of the rank are noise-dominated
        noise_var = float(np.median(pw[rank // 2 : rank])) * n
    floor = check_real("noise_var", noise_var, ge=0) / n
    a, b = _exponents(ev, pw, k_lo, k_hi, floor)
    rng = np.random.default_rng(check_int("seed", seed, ge=0))
    boots = []
    for _ in range(n_boot):
        ev_b, pw_b = spectral_of(rng.integers(0, n, n))
        boots.append(_exponents(ev_b, pw_b, k_lo, k_hi, floor))
    boots = np.asarray(boots)
    ok = np.isfinite(boots).all(axis=1)
    cov = np.cov(boots[ok].T)
    a_err, b_err = math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])
    sd = math.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 1e-300))
    p_easy = float(norm.cdf((a - b) / sd))
    phase = "easy" if a > b else "hard"
    good = bool(math.isfinite(a) and math.isfinite(b) and ok.mean() > 0.9)
    status, message = (
        (0, "ok") if good else (1, "non-finite fits in the bootstrap; widen or move k_range")
    )
    if good and not (a > 1 and b > 1):
        good, status = False, 2
        message = (
            f"estimated a = {a:.3g}, b = {b:.3g}: outside the PLRF model's range a, b > 1 over "
            "k_range; the phase and schedule recommendation are extrapolations"
        )
    return PhaseEstimate(
        float(a),
        float(b),
        a_err,
        b_err,
        float(cov[0, 1]),
        p_easy,
        phase,
        (int(k_lo), int(k_hi)),
        n_boot,
        recommend(phase, (a - 1) / b if b > 0 else None),
        success=good,
        status=status,
        message=message,
    )


def _check_xy(M, y, name):
    M = np.asarray(M, dtype=float)
    y = np.asarray(y, dtype=float)
    if M.ndim != 2 or y.ndim != 1 or M.shape[0] != y.size:
        raise ValueError(
            f"{name} must be 2-D with one row per target; got {name} {M.shape}, y {y.shape}"
        )
    if not (np.isfinite(M).all() and np.isfinite(y).all()):
        raise ValueError(f"{name} and y must be finite")
    # data that cannot support an answer gives an error, not a confident phase
    if not np.any(M):
        raise ValueError(f"{name} is all zero: no spectrum to estimate (a, b) from")
    if not np.any(y):
        raise ValueError("y is all zero: no target to estimate the source exponent a from")
    return M, y


#: Relative asymmetry ``max|K - K^T| / max|K|`` above which a kernel is refused (rounding: ~1e-16).
KERNEL_SYMMETRY_RTOL = 1e-8


def estimate_from_features(
    X,
    y,
    *,
    k_range: tuple[int, int] | None = None,
    n_boot: int = 200,
    seed: int = 0,
    noise_var: float | None = None,
) -> PhaseEstimate:
    """Estimate ``(a, b)`` and the phase from a feature matrix ``X`` (n, p) and targets ``y`` (n,).

    Features and targets are used as given (center them first if a mean is not part of the
    model). ``k_range`` defaults to a central window of the usable rank ``min(n, p)``.
    ``noise_var`` (label-noise variance) defaults to the least-squares residual variance when
    ``p < n``, else to the median power of the upper half of the modes times ``n``.
    """
    X, y = _check_xy(X, y, "X")
    n, p = X.shape
    if noise_var is None and p < n - _MIN_RESIDUAL_DOF:
        resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        noise_var = float(resid @ resid) / (n - p)
    if p < n:
        spec = lambda idx: _spectral_features(X[idx], y[idx])  # noqa: E731
    else:
        spec = lambda idx: _spectral(X[idx] @ X[idx].T, y[idx])  # noqa: E731
    return _estimate(spec, y, n, min(n, p), k_range, n_boot, seed, noise_var)


def estimate_from_kernel(
    K,
    y,
    *,
    k_range: tuple[int, int] | None = None,
    n_boot: int = 200,
    seed: int = 0,
    noise_var: float | None = None,
) -> PhaseEstimate:
    """Estimate ``(a, b)`` and the phase from a kernel (Gram) matrix ``K`` (n, n) and ``y`` (n,)."""
    K, y = _check_xy(K, y, "K")
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be square, got shape {K.shape}")
    asym = float(np.abs(K - K.T).max() / np.abs(K).max())
    if asym > KERNEL_SYMMETRY_RTOL:
        raise ValueError(
            f"K must be a symmetric kernel (Gram) matrix, got max|K - K^T| / max|K| = {asym:.3g}"
        )
    n = y.size
    return _estimate(
        lambda idx: _spectral(K[np.ix_(idx, idx)], y[idx]),
        y,
        n,
        n,
        k_range,
        n_boot,
        seed,
        noise_var,
    )


@dataclass(frozen=True)
class LossExponentEstimate:
    """Late-time loss exponent ``L ~ t^-gamma`` of a few runs; ``gamma = (a-1)/b`` under GF.

    ``a``/``a_err`` are filled when ``b`` is given: ``a = 1 + b gamma`` (errors propagated).
    """

    gamma: float
    gamma_err: float
    per_run: tuple[float, ...]
    a: float | None = None
    a_err: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def estimate_from_losses(
    t,
    losses,
    *,
    t_range: tuple[float, float] | None = None,
    floor: float = 0.0,
    b: float | None = None,
    b_err: float = 0.0,
) -> LossExponentEstimate:
    r"""Fit :math:`\log(L - \text{floor})` against :math:`\log t` for each run.

    Parameters
    ----------
    t : array_like (n,)
        Steps (or intrinsic times) of the records, positive.
    losses : array_like (n,) or (runs, n)
    t_range : (float, float), optional
        Fit window; default the last decade of ``t``.
    floor : float
        Irreducible loss to subtract (e.g. the label-noise variance).
    b, b_err : float, optional
        Spectral exponent (e.g. from :func:`estimate_from_features`) to convert to ``a``.
    """
    t = np.asarray(t, dtype=float)
    Ls = np.atleast_2d(np.asarray(losses, dtype=float))
    if t.ndim != 1 or Ls.shape[1] != t.size:
        raise ValueError(f"losses must have shape (runs, {t.size}), got {Ls.shape}")
    lo, hi = (t.max() / 10, t.max()) if t_range is None else t_range
    sel = (t >= lo) & (t <= hi) & (t > 0)
    if sel.sum() < 3:
        raise ValueError(f"t_range {(lo, hi)} keeps fewer than 3 records")
    excess = Ls[:, sel] - check_real("floor", floor)
    if (excess <= 0).any():
        raise ValueError("losses must exceed floor inside t_range")
    per = [-_slope(np.log(t[sel]), np.log(row)) for row in excess]
    gamma = float(np.mean(per))
    if len(per) > 1:
        err = float(np.std(per, ddof=1) / math.sqrt(len(per)))
    else:
        X = np.column_stack([np.ones(sel.sum()), np.log(t[sel])])
        resid = np.log(excess[0]) - X @ np.linalg.lstsq(X, np.log(excess[0]), rcond=None)[0]
        s2 = float(resid @ resid) / max(sel.sum() - 2, 1)
        err = math.sqrt(s2 * np.linalg.inv(X.T @ X)[1, 1])
    if b is None:
        return LossExponentEstimate(gamma, err, tuple(per))
    b = check_real("b", b, gt=0)
    a = 1 + b * gamma
    a_err = math.hypot(b * err, gamma * check_real("b_err", b_err, ge=0))
    return LossExponentEstimate(gamma, err, tuple(per), a, a_err)


def digits_demo(
    *,
    features: str = "rbf",
    n_features: int = 400,
    n_boot: int = 50,
    seed: int = 0,
    gamma: float | None = None,
) -> dict:
    """Estimate ``(a, b)`` on scikit-learn's digits (1797 images, 8x8 pixels).

    Target: the digit's parity (+-1, centered). Features: ``"rbf"`` — ``n_features`` random
    Fourier features of the Gaussian kernel :math:`\\exp(-\\gamma\\|x - x'\\|^2)` on
    standardized pixels (``gamma`` default ``1/64``), centered,
    ``"pixels"`` — the standardized pixels themselves (rank 64). Needs the ``data`` extra.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
        raise ImportError("digits_demo needs scikit-learn: pip install 'optlr[data]'") from exc
    data = load_digits()
    X = data.data.astype(float)
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    y = np.where(data.target % 2 == 0, 1.0, -1.0)
    y = y - y.mean()
    if features == "rbf":
        g = 1.0 / X.shape[1] if gamma is None else check_real("gamma", gamma, gt=0)
        rng = np.random.default_rng(seed)
        W = rng.standard_normal((X.shape[1], n_features)) * math.sqrt(2 * g)
        phase_shift = rng.uniform(0, 2 * np.pi, n_features)
        Phi = math.sqrt(2.0 / n_features) * np.cos(X @ W + phase_shift)
        Phi -= Phi.mean(0)
        est = estimate_from_features(Phi, y, n_boot=n_boot, seed=seed)
    elif features == "pixels":
        est = estimate_from_features(X, y, k_range=(2, 40), n_boot=n_boot, seed=seed)
    else:
        raise ValueError(f"features must be 'rbf' or 'pixels', got {features!r}")
    return {"data": "sklearn digits (parity)", "features": features, **est.to_dict()}
