r"""Numeric PLRF dynamics: the exact discrete recursion and its continuous-time limit.

.. math::

    c_k(t+1) = \bigl(1 - 2\eta_t\lambda_k + (1 + 1/m_t)\eta_t^2\lambda_k^2\bigr) c_k(t)
               + \frac{\eta_t^2}{m_t}\lambda_k\bigl(L(t) + \sigma^2\bigr),
    \qquad L(t) = \sum_k \lambda_k c_k(t).
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from theory import PLRFModel
from theory._checks import check_int, check_real

from .._records import load_record, save_record
from ._brent import brent_root
from ._spectrum import initial_state, spectrum

__all__ = [
    "InstabilityWarning",
    "Trajectory",
    "as_batch_schedule",
    "as_schedule",
    "noise_sum",
    "simulate",
    "stability_limit",
    "stationary_loss",
]

#: Array fields of a saved :class:`Trajectory` (arrays in ``.npz``, lists in ``.json``).
_ARRAYS = ("t", "loss", "eta", "inv_batch", "state")

Time = Literal["discrete", "continuous"]

#: Default ETD substeps per unit step of the continuous-time integrator (second order).
DEFAULT_SUBSTEPS = 4


class InstabilityWarning(RuntimeWarning):
    """A learning rate above the stability limit of the recursion, or a loss that blew up."""


@dataclass(frozen=True)
class Trajectory:
    """Result of :func:`simulate`.

    Attributes
    ----------
    model : PLRFModel
    eta : ndarray, shape (T,)
        The learning-rate schedule that was run.
    inv_batch : ndarray, shape (T,)
        ``1/m_t`` per step.
    t : ndarray of int, shape (n_record,)
        Recorded steps (always includes 0 and T).
    loss : ndarray, shape (n_record,)
        Excess loss ``L(t)`` at those steps (NaN after a blow-up).
    state : ndarray, shape (n_modes,)
        Final per-mode errors ``c_k(T)``.
    time : {"discrete", "continuous"}
    blowup_step : int or None
        First step whose loss was not finite, if any.
    """

    model: PLRFModel
    eta: np.ndarray
    inv_batch: np.ndarray
    t: np.ndarray
    loss: np.ndarray
    state: np.ndarray
    time: Time = "discrete"
    blowup_step: int | None = None
    meta: dict = field(default_factory=dict)

    @property
    def T(self) -> int:
        return int(self.eta.shape[0])

    @property
    def final_loss(self) -> float:
        """Excess loss ``L(T)``."""
        return float(self.loss[-1])

    @property
    def test_loss(self) -> np.ndarray:
        """Test loss: excess loss + ``sigma^2`` + the unlearnable tail beyond ``n_modes``."""
        return self.loss + self.model.sigma**2 + self.model.tail_loss

    def to_dict(self) -> dict:
        """JSON-ready dictionary (lists of floats)."""
        return {
            "model": asdict(self.model),
            "time": self.time,
            "T": self.T,
            "t": self.t.tolist(),
            "loss": self.loss.tolist(),
            "final_loss": self.final_loss,
            "eta": self.eta.tolist(),
            "inv_batch": self.inv_batch.tolist(),
            "state": self.state.tolist(),
            "blowup_step": self.blowup_step,
        }

    def save(self, path: str | Path) -> None:
        """Save to ``.json`` (portable) or ``.npz`` (compact), atomically
        (:func:`solvers._records.save_record`, the format of every saved result)."""
        d = self.to_dict()
        save_record(
            path, {k: d[k] for k in d if k not in _ARRAYS}, {k: getattr(self, k) for k in _ARRAYS}
        )

    @classmethod
    def load(cls, path: str | Path) -> Trajectory:
        """Reload a trajectory written by :meth:`save`."""
        d, arrays = load_record(path, _ARRAYS)
        return cls(
            model=PLRFModel(**d["model"]),
            eta=np.asarray(arrays["eta"], dtype=float),
            inv_batch=np.asarray(arrays["inv_batch"], dtype=float),
            t=np.asarray(arrays["t"]).astype(np.int64),
            loss=np.asarray(arrays["loss"], dtype=float),
            state=np.asarray(arrays["state"], dtype=float),
            time=d["time"],
            blowup_step=d["blowup_step"],
        )


def blowup_step(fail: int, eta: np.ndarray, name: str = "eta") -> int | None:
    """The step at which a simulation's loss stopped being finite (``fail``, ``-1`` for none:
    ``None``), announced as an :class:`InstabilityWarning` attributed to the simulator's caller."""
    if fail < 0:
        return None
    warnings.warn(
        f"the loss stopped being finite at step {int(fail)} (max {name} = {eta.max():g}); "
        "the schedule is unstable for this model",
        InstabilityWarning,
        stacklevel=3,
    )
    return int(fail)


def as_schedule(eta, T: int | None = None, *, name: str = "eta") -> np.ndarray:
    """Validate a learning-rate schedule: finite, non-negative, 1-D, of length ``T`` if given."""
    arr = np.asarray(eta, dtype=float)
    if arr.ndim == 0:
        if T is None:
            raise ValueError(f"{name}: a scalar schedule needs the horizon T")
        arr = np.full(check_int("T", T, ge=1), float(arr))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per step), got shape {arr.shape}")
    if arr.size < 1:
        raise ValueError(f"{name} must have at least one step (T >= 1), got length 0")
    if T is not None and arr.size != T:
        raise ValueError(f"{name} must have length T = {T}, got length {arr.size}")
    check_steps(arr, ~np.isfinite(arr), name, "finite")
    check_steps(arr, arr < 0, name, ">= 0")
    return np.ascontiguousarray(arr)


def check_steps(arr: np.ndarray, bad: np.ndarray, name: str, expected: str) -> None:
    """Raise ``ValueError`` naming the first step where ``bad`` holds: ``{name} must be
    {expected}, got {value} at step {i}``."""
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name} must be {expected}, got {float(arr[i])!r} at step {i}")


def per_step(value, T: int, name: str, expected: str, bad) -> np.ndarray:
    """``value`` as one float per step: a scalar repeated ``T`` times or an array of length ``T``,
    every entry passing ``bad(arr)`` (a mask of the entries that are not ``expected``)."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(T, float(arr))
    if arr.ndim != 1 or arr.size != T:
        raise ValueError(f"{name} must be a scalar or have length T = {T}, got shape {arr.shape}")
    check_steps(arr, bad(arr), name, expected)
    return arr


def as_batch_schedule(batch, T: int) -> np.ndarray:
    """Validate a batch-size schedule (scalar or length ``T``, each ``>= 1`` or inf); return ``1/m``."""
    arr = per_step(batch, T, "batch", ">= 1 (or inf)", lambda a: np.isnan(a) | (a < 1))
    return np.ascontiguousarray(1.0 / arr)


#: Modes summed one by one in :func:`noise_sum`; beyond, the sum's tail in closed form.
DENSE_NOISE_MODES = 2**16


def noise_sum(model: PLRFModel, eta: float, batch: float | None = None) -> float:
    r""":math:`S(\eta) = \sum_k \eta\lambda_k / (m(2 - (1 + 1/m)\eta\lambda_k))`.

    Modes past ``DENSE_NOISE_MODES`` enter through Hurwitz zeta functions (three terms of the
    expansion in :math:`\eta\lambda_k`), so ``n_modes = 1e12`` costs no more than 65536.

    The stationary loss of a constant rate is :math:`\sigma^2 S/(1-S)`; the recursion is stable
    iff every denominator is positive and :math:`S < 1`. Returns ``inf`` outside that region.
    """
    return _noise_terms(model, eta, batch, derivatives=False)[0]


def noise_sum_derivatives(
    model: PLRFModel, eta: float, batch: float | None = None
) -> tuple[float, float, float]:
    r""":func:`noise_sum` and its first two derivatives in :math:`\log\eta`,
    :math:`(S, S_u, S_{uu})` (exact per mode: with :math:`x = \eta\lambda_k` and
    :math:`c = 1 + 1/m`, :math:`x\,d/dx` of :math:`x/(2 - cx)` is :math:`2x/(2-cx)^2` and
    twice :math:`2x(2 + cx)/(2-cx)^3`). ``inf`` outside the stable region."""
    return _noise_terms(model, eta, batch, derivatives=True)


def _noise_terms(model, eta, batch, *, derivatives: bool) -> tuple[float, ...]:
    """``(S,)`` or ``(S, S_u, S_uu)``: the derivatives only when asked (a root search over
    :func:`noise_sum` calls it ~50 times)."""
    im = model.inv_batch if batch is None else (0.0 if math.isinf(batch) else 1.0 / batch)
    lam, tails = _noise_modes(model)
    c = (1.0 + im) * eta
    den = 2.0 - c * lam
    if (den <= 0).any():
        return (math.inf,) * (3 if derivatives else 1)
    # the tail k > DENSE_NOISE_MODES: eta lam / (2 - c eta lam) = (eta lam / 2) sum_j
    # (c eta lam / 2)^j, three terms; the rest is below (eta n^-b)^3 relative to the tail
    # (1e-15 at b = 1, eta = 2, n = 2^16); the j-th term is ~eta^(j+1)
    tail = [eta / 2 * (c / 2) ** j * z for j, z in enumerate(tails)]
    x = eta * lam
    S = float(np.sum(x * im / den)) + im * sum(tail)
    if not derivatives:
        return (S,)
    S_u = float(np.sum(2 * x * im / den**2)) + im * sum((j + 1) * t for j, t in enumerate(tail))
    S_uu = float(np.sum(2 * x * im * (2 + c * lam) / den**3)) + im * sum(
        (j + 1) ** 2 * t for j, t in enumerate(tail)
    )
    return S, S_u, S_uu


@functools.lru_cache(maxsize=8)
def _noise_modes(model: PLRFModel) -> tuple[np.ndarray, tuple[float, ...]]:
    r"""The dense eigenvalues of :func:`noise_sum` (read-only) and its tail sums
    :math:`\sum_{k=n+1}^{N} k^{-jb}`, ``j = 1, 2, 3`` (Hurwitz zeta differences; empty when
    every mode is dense), computed once per spectrum rather than at every rate a root search
    tries."""
    n, N, b = min(model.n_modes, DENSE_NOISE_MODES), model.n_modes, model.b
    lam = spectrum(model.replace(n_modes=n))
    lam.flags.writeable = False
    if N <= n:
        return lam, ()
    from scipy.special import zeta  # deferred: only a spectrum longer than the dense part

    return lam, tuple(float(zeta(j * b, n + 1) - zeta(j * b, N + 1)) for j in (1, 2, 3))


def stability_limit(model: PLRFModel, batch: float | None = None) -> float:
    """Largest constant learning rate for which the recursion is (linearly) stable.

    The iteration matrix ``diag(D_k) + (eta^2/m) lambda lambda^T`` is non-negative, so its Perron
    root is below one iff every ``D_k < 1`` and ``S(eta) < 1`` (see :func:`noise_sum`).

    Examples
    --------
    >>> stability_limit(PLRFModel(a=3, b=2, batch=math.inf))   # gradient descent: 2/lambda_1
    2.0
    """
    im = model.inv_batch if batch is None else (0.0 if math.isinf(batch) else 1.0 / batch)
    per_mode = 2.0 / (1.0 + im)  # lambda_1 = 1
    if im == 0.0:
        return per_mode
    hi = per_mode * (1 - 1e-15)
    if noise_sum(model, hi, batch) < 1.0:
        return per_mode
    # Brent's method of SciPy's brentq, without importing scipy.optimize (~0.3 s)
    return float(brent_root(lambda e: noise_sum(model, e, batch) - 1.0, 0.0, hi, xtol=1e-14))


def stationary_loss(model: PLRFModel, eta: float, batch: float | None = None) -> float:
    r"""Long-time excess loss :math:`\sigma^2 S/(1 - S)` of a constant rate (``inf`` if unstable).

    Raises
    ------
    ValueError
        ``eta`` is negative, nan or infinite (a rate outside the model).
    """
    check_real("eta", eta, ge=0)
    S = noise_sum(model, eta, batch)
    return math.inf if S >= 1 else model.sigma**2 * S / (1.0 - S)


def _record_steps(T: int, record_every: int) -> np.ndarray:
    t = np.arange(0, T + 1, record_every, dtype=np.int64)
    return t if t[-1] == T else np.append(t, T)


def _warn_if_unstable(model: PLRFModel, eta: np.ndarray, inv_m: np.ndarray) -> None:
    """Warn when a constant schedule is at or above the recursion's stability limit."""
    if np.ptp(eta) == 0 and np.ptp(inv_m) == 0 and eta[0] > 0:
        b0 = math.inf if inv_m[0] == 0 else 1.0 / inv_m[0]
        limit = stability_limit(model, b0)
        if eta[0] >= limit:
            warnings.warn(
                f"constant eta = {eta[0]:g} is above the stability limit {limit:.6g} of the "
                f"recursion for batch = {b0:g}; the loss will grow without bound",
                InstabilityWarning,
                stacklevel=3,
            )


def simulate(
    model: PLRFModel,
    eta,
    *,
    batch=None,
    time: Time = "discrete",
    record_every: int = 1,
    substeps: int = DEFAULT_SUBSTEPS,
    T: int | None = None,
) -> Trajectory:
    r"""Run the PLRF dynamics for a learning-rate (and batch-size) schedule.

    Parameters
    ----------
    model : PLRFModel
    eta : array_like, shape (T,), or float
        Learning rate per step, ``eta[t]`` used from step ``t`` to ``t+1``. A scalar needs ``T``.
    batch : float or array_like, shape (T,), optional
        Batch size per step (``>= 1``, ``inf`` for no SGD noise); defaults to ``model.batch``.
    time : {"discrete", "continuous"}
        The exact recursion, or the continuous-time limit integrated with ``eta`` piecewise
        constant on unit intervals (exponential time differencing, ``substeps`` per unit).
    record_every : int
        Record ``L(t)`` every this many steps (and always at 0 and T).
    T : int, optional
        Horizon, when ``eta`` is a scalar.

    Returns
    -------
    Trajectory

    Warns
    -----
    InstabilityWarning
        If a constant rate exceeds :func:`stability_limit`, or the loss stops being finite.

    Examples
    --------
    Full-batch gradient descent on one mode has the closed form ``(1 - eta)^(2T)``:

    >>> m = PLRFModel(a=2, b=1.5, n_modes=1, batch=math.inf)
    >>> float(simulate(m, 0.5, T=3).final_loss) == 0.5**6
    True
    """
    if not isinstance(model, PLRFModel):
        raise TypeError(f"model must be a PLRFModel, got {type(model).__name__}")
    if time not in ("discrete", "continuous"):
        raise ValueError(f"time must be 'discrete' or 'continuous', got {time!r}")
    if T is not None:
        T = check_int("T", T, ge=1)
    eta = as_schedule(eta, T)
    T = eta.size
    inv_m = as_batch_schedule(model.batch if batch is None else batch, T)
    record_every = check_int("record_every", record_every, ge=1)
    substeps = check_int("substeps", substeps, ge=1)

    if time == "discrete":
        _warn_if_unstable(model, eta, inv_m)
    # deferred: its five dispatchers (~12 ms) are never called by importers of stability_limit
    from ._kernels import continuous_forward, discrete_forward

    lam = spectrum(model)
    c0 = initial_state(model)
    t_rec = _record_steps(T, record_every)
    loss = np.empty(t_rec.size)
    s2 = model.sigma**2
    with np.errstate(over="ignore", invalid="ignore"):
        if time == "discrete":
            c, fail = discrete_forward(lam, c0, eta, inv_m, s2, t_rec, loss)
        else:
            c, fail = continuous_forward(lam, c0, eta, inv_m, s2, substeps, t_rec, loss)
    blowup = blowup_step(fail, eta)
    return Trajectory(model, eta, inv_m, t_rec, loss, c, time, blowup)
