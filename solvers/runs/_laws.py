r"""Empirical schedule laws from the literature, the baselines of the theory's fit.

* **Multi-power law** (Luo et al. 2025, arXiv 2503.12811), 7 parameters
  :math:`(L_0, A, \alpha, B, C, \beta, \gamma)`, with ``t`` counted from the end of the warmup
  (:math:`\eta_0` the rate there) and :math:`S_W` the warmup's area:

  .. math::

      L(t) = L_0 + A\,(S_1(t) + S_W)^{-\alpha} - LD(t), \qquad S_1(t) = \sum_{\tau=1}^{t}\eta_\tau,

      LD(t) = B\sum_{k=1}^{t}(\eta_{k-1} - \eta_k)\,G\bigl(\eta_k^{-\gamma}S_k(t)\bigr), \quad
      S_k(t) = \sum_{\tau=k}^{t}\eta_\tau, \quad G(x) = 1 - (Cx + 1)^{-\beta}.

* **LR-annealing law** (Tissue et al. 2024, arXiv 2408.11029), 4 parameters
  :math:`(L_0, A, \alpha, C)` and :math:`\lambda = 0.999` fixed:

  .. math::

      L(s) = L_0 + A\,S_1(s)^{-\alpha} - C\,S_2(s), \qquad S_1(s) = \sum_{i \le s}\eta_i, \qquad
      S_2(s) = \sum_{i \le s} m_i, \quad m_i = \lambda m_{i-1} + (\eta_{i-1} - \eta_i).

  ``S_1`` includes the warmup; the momentum ``m`` starts after it (a rising rate is not an
  annealing step).

* **Naive**: the final loss of the fitted run of the same model family with the nearest horizon
  (ties: the same base rate first).

The multi-power law's loss-drop sum is taken over the intervals of the run's grid
(``run_grid``: every fitted step is a node): each interval contributes its total rate drop at
the drop-weighted mean step, which is exact for a grid of unit steps (tested) and smooth
otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.signal import lfilter

from ._data import Run
from ._fit import fit_points
from ._functional import run_grid

__all__ = ["LAWS", "LawFit", "annealing_law", "fit_law", "multi_power_law", "naive_final"]

#: Momentum of the LR-annealing law's S2 (the value the paper recommends).
ANNEALING_DECAY = 0.999


def _warmup(run: Run, eta: np.ndarray) -> int:
    """Warmup steps: the metadata's ``warmup_steps``, else the first step at the peak rate."""
    W = run.meta.get("warmup_steps") if run is not None else None
    if isinstance(W, (int, float)) and 0 <= W < eta.size:
        return int(W)
    return int(np.argmax(eta >= eta.max() * (1 - 1e-9)))


def multi_power_law(theta, eta, steps, warmup: int, grid=None) -> np.ndarray:
    """Multi-power-law loss at ``steps`` for the per-step schedule ``eta``.

    ``theta = (L0, A, alpha, B, C, beta, gamma)``; steps are global (warmup included).
    """
    L0, A, alpha, B, C, beta, gamma = theta
    t = np.asarray(steps, dtype=int) - warmup
    if t.size and t.min() < 0:
        raise ValueError(
            f"steps must not precede the end of the warmup ({warmup}), got {t.min() + warmup}"
        )
    post = np.asarray(eta, dtype=float)[warmup:]
    SW = float(np.sum(eta[:warmup]))
    grid = run_grid(post, t + 1, n_grid=200) if grid is None else grid  # k <= t: nodes at t + 1
    c1 = np.concatenate([[0.0], np.cumsum(post)])
    drop = np.concatenate([[0.0], post[:-1] - post[1:]])  # eta_{k-1} - eta_k at k
    cd = np.concatenate([[0.0], np.cumsum(drop)])
    cdk = np.concatenate([[0.0], np.cumsum(drop * np.arange(post.size))])
    lo, hi = grid.t[:-1], np.minimum(grid.t[1:], post.size)
    D = cd[hi] - cd[lo]
    kbar = np.where(D != 0, (cdk[hi] - cdk[lo]) / np.where(D != 0, D, 1.0), lo)
    kbar = np.clip(kbar, 1, post.size - 1)
    eta_k = np.interp(kbar, np.arange(post.size), post)
    ck = np.interp(kbar, np.arange(post.size + 1), c1)  # sum_{tau < k}
    S1 = c1[t + 1] - c1[1]
    Sk = c1[t + 1][:, None] - ck[None, :]  # sum_{tau = k..t}
    G = 1.0 - (C * np.maximum(eta_k, 1e-300)[None, :] ** (-gamma) * np.maximum(Sk, 0) + 1) ** (
        -beta
    )
    LD = B * np.sum(np.where(hi[None, :] <= t[:, None] + 1, D[None, :] * G, 0.0), axis=1)
    return L0 + A * (S1 + SW) ** (-alpha) - LD


def annealing_law(theta, eta, steps, warmup: int) -> np.ndarray:
    """LR-annealing-law loss at ``steps``; ``theta = (L0, A, alpha, C)``."""
    L0, A, alpha, C = theta
    eta = np.asarray(eta, dtype=float)
    S1 = np.cumsum(eta)  # S1[s] = sum_{i <= s}
    drop = np.concatenate([[0.0], eta[:-1] - eta[1:]])
    drop[: warmup + 1] = 0.0
    m = lfilter([1.0], [1.0, -ANNEALING_DECAY], drop)
    S2 = np.cumsum(m)
    steps = np.minimum(np.asarray(steps, dtype=int), eta.size - 1)
    return L0 + A * S1[steps] ** (-alpha) - C * S2[steps]


@dataclass(frozen=True)
class _Law:
    name: str
    names: tuple
    log: tuple  # which parameters are fitted in log10
    lower: tuple
    upper: tuple
    starts: tuple


LAWS = {
    "multi_power": _Law(
        "multi_power", ("L0", "A", "alpha", "B", "C", "beta", "gamma"),
        (False, True, False, True, True, False, False),
        (0.0, -4, 0.01, -4, -6, 0.01, 0.0), (np.inf, 4, 3.0, 6, 6, 5.0, 2.0),
        ((2.5, 0.0, 0.5, 2.0, 0.0, 0.5, 0.5), (2.0, 0.5, 0.3, 2.5, -1.0, 1.0, 0.3)),
    ),
    "annealing": _Law(
        "annealing", ("L0", "A", "alpha", "C"), (False, True, False, True),
        (0.0, -4, 0.01, -4), (np.inf, 4, 3.0, 6),
        ((2.5, 0.0, 0.5, 0.0), (2.0, 0.5, 0.3, -1.0)),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class LawFit:
    """A fitted empirical law: ``theta`` (natural units), fit status, number of parameters."""

    name: str
    theta: np.ndarray
    success: bool
    message: str
    cost: float

    @property
    def n_params(self) -> int:
        return len(LAWS[self.name].names)

    def predict(self, run: Run, steps) -> np.ndarray:
        steps = np.atleast_1d(np.asarray(steps, dtype=int))
        eta = run.schedule(max(run.horizon, int(steps.max()) + 1))
        W = _warmup(run, eta)
        if self.name == "multi_power":
            return multi_power_law(self.theta, eta, steps, W)
        return annealing_law(self.theta, eta, steps, W)


def _natural(law: _Law, x) -> np.ndarray:
    return np.array([10**v if lg else v for v, lg in zip(x, law.log, strict=True)])


def fit_law(name: str, runs, options) -> LawFit:
    """Fit law ``name`` (a key of :data:`LAWS`) to ``runs``, scored like :func:`fit_runs`:
    relative residuals at ``step >= options.min_step`` of ``options.split``, each run weighted
    equally, at most ``options.max_points`` per run, robust loss ``options.loss`` (scale
    ``options.f_scale``)."""
    if name not in LAWS:
        raise ValueError(f"name must be one of {sorted(LAWS)}, got {name!r}")
    law = LAWS[name]
    data = []
    for run in runs:
        steps, obs = fit_points(run, options)
        eta = run.schedule(max(run.horizon, int(steps[-1]) + 1))
        W = _warmup(run, eta)
        grid = run_grid(eta[W:], steps - W + 1, n_grid=200) if name == "multi_power" else None
        data.append((eta, steps, obs, W, grid, 1.0 / np.sqrt(steps.size)))

    def residuals(x):
        th = _natural(law, x)
        out = []
        for eta, steps, obs, W, grid, w in data:
            pred = (multi_power_law(th, eta, steps, W, grid) if grid is not None
                    else annealing_law(th, eta, steps, W))  # fmt: skip
            out.append(w * (pred / obs - 1.0))
        r = np.concatenate(out)
        return np.where(np.isfinite(r), r, 1e3)

    lo, hi = np.array(law.lower, float), np.array(law.upper, float)
    best = None
    for x0 in law.starts:
        x0 = np.clip(np.array(x0, float), lo + 1e-9, hi - 1e-9)
        x0[0] = min(x0[0], min(d[2].min() for d in data) * 0.95)
        fit = least_squares(residuals, x0, bounds=(lo, hi), loss=options.loss,
                            f_scale=options.f_scale, max_nfev=1000)  # fmt: skip
        if best is None or fit.cost < best.cost:
            best = fit
    return LawFit(name, _natural(law, best.x), bool(best.success), str(best.message), best.cost)


def naive_final(run: Run, fitted, split: str) -> float | None:
    """The naive prediction of ``run``'s final loss: the final observed loss of the fitted run of
    the same family with the nearest horizon (then the same base rate); None if there is none."""
    same = [f for f in fitted if f.family == run.family and f.losses(split)[0].size]
    if not same:
        return None
    lr = run.meta.get("lr")

    def key(f):
        return (abs(np.log(f.horizon / run.horizon)), f.meta.get("lr") != lr)

    return float(min(same, key=key).losses(split)[1][-1])
