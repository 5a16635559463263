"""The result record shared by every optimal-schedule solver (direct, BVP, continuum)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from theory import PLRFModel

from .._records import json_ready, load_record, save_record

__all__ = ["STATUS_MESSAGES", "ScheduleResult", "oscillation_amplitude"]

#: The statuses of every solver's result (``ScheduleResult.status``); success is status 0. The
#: L-BFGS-B driver (:mod:`solvers.control._lbfgsb`) returns 0, 1, 2 and 4; 3 is decided on the
#: returned schedule.
STATUS_MESSAGES = {
    0: "converged: the KKT residual is at most tol",
    1: "iteration limit reached before the KKT residual met tol",
    2: "the optimiser stopped (line search failed) before the KKT residual met tol",
    3: "the schedule is unstable (loss not finite)",
    4: "stalled: L(T) no longer decreases at working precision while the KKT residual is above tol",
}

#: Array fields, stored as arrays in ``.npz`` and as lists in ``.json``.
_ARRAYS = ("t", "eta", "loss", "batch_schedule")


@dataclass(frozen=True)
class ScheduleResult:
    r"""An optimised learning-rate schedule and how it was obtained.

    Every solver of the registry (:data:`solvers.SOLVERS`) returns this record.

    Attributes
    ----------
    method : str
        Registry name of the solver (``"direct"``, ``"bvp"``, ``"continuum"``).
    model : PLRFModel
    T : int
        Horizon (number of SGD steps).
    t : ndarray of int, shape (T+1,)
        Steps ``0..T`` at which ``loss`` is given.
    eta : ndarray, shape (T,)
        Learning rate used from step ``t`` to ``t+1``.
    loss : ndarray, shape (T+1,)
        Excess loss :math:`L(t)` along the optimised schedule.
    final_loss : float
        :math:`L(T)`.
    success : bool
    status : int
        A key of :data:`STATUS_MESSAGES`: 0 converged; 1 iteration limit; 2 the optimiser
        stopped before the tolerance (line search, evaluation limit); 3 the returned schedule
        is unstable (non-finite loss); 4 stalled (no further decrease at working precision).
    message : str
    iterations, n_evaluations : int
    kkt_residual : float
        Relative projected-gradient norm (solver-specific definition in ``parameters``).
    seconds : float
        Wall-clock time of the solve (for the direct method without the one-time load of its
        compiled kernels, which its ``diagnostics["kernel_load_seconds"]`` gives).
    batch : ndarray, shape (T,), or None
        Batch-size schedule (key ``batch_schedule`` in :meth:`to_dict`; ``batch`` there is the
        model's) when it was optimised jointly; ``None`` for the model's fixed batch.
    parameters : dict
        The options the solver ran with (JSON-ready).
    diagnostics : dict
        Solver-specific figures (e.g. period-2 oscillation amplitude, loss gap to a smoothed
        schedule, peak memory of the work arrays).
    """

    method: str
    model: PLRFModel
    T: int
    t: np.ndarray
    eta: np.ndarray
    loss: np.ndarray
    final_loss: float
    success: bool
    status: int
    message: str
    iterations: int
    n_evaluations: int
    kkt_residual: float
    seconds: float
    batch: np.ndarray | None = None
    parameters: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready dictionary; the model's fields appear at the top level too."""
        d = {
            "method": self.method,
            "T": self.T,
            "t": self.t,
            "eta": self.eta,
            "loss": self.loss,
            "final_loss": self.final_loss,
            "success": self.success,
            "status": self.status,
            "message": self.message,
            "iterations": self.iterations,
            "n_evaluations": self.n_evaluations,
            "kkt_residual": self.kkt_residual,
            "seconds": self.seconds,
            "batch_schedule": self.batch,
            "model": asdict(self.model),
            **asdict(self.model),
            "parameters": self.parameters,
            "diagnostics": self.diagnostics,
        }
        return json_ready(d)

    #: dtype of the time grid on reload (integer steps; the continuum result keeps floats)
    _t_dtype: ClassVar[type] = np.int64

    def save(self, path: str | Path) -> None:
        """Write ``.json`` (portable) or ``.npz`` (compact arrays + JSON metadata), atomically
        (:func:`solvers._records.save_record`)."""
        arrays = dict(zip(_ARRAYS, (self.t, self.eta, self.loss, self.batch), strict=True))
        meta = {k: v for k, v in self.to_dict().items() if k not in _ARRAYS}
        save_record(path, meta, arrays)

    @classmethod
    def load(cls, path: str | Path) -> ScheduleResult:
        """Reload a result written by :meth:`save`."""
        d, arrays = load_record(path, _ARRAYS)
        batch = arrays.get("batch_schedule")

        def num(k: str) -> float:
            return float(math.nan if d[k] is None else d[k])

        return cls(
            method=d["method"],
            model=PLRFModel(**d["model"]),
            T=int(d["T"]),
            t=np.asarray(arrays["t"]).astype(cls._t_dtype),
            eta=np.asarray(arrays["eta"], dtype=float),
            loss=np.asarray(arrays["loss"], dtype=float),
            final_loss=num("final_loss"),
            success=bool(d["success"]),
            status=int(d["status"]),
            message=str(d["message"]),
            iterations=int(d["iterations"]),
            n_evaluations=int(d["n_evaluations"]),
            kkt_residual=num("kkt_residual"),
            seconds=float(d["seconds"]),
            batch=None if batch is None else np.asarray(batch, dtype=float),
            parameters=d.get("parameters", {}),
            diagnostics=d.get("diagnostics", {}),
        )


def oscillation_amplitude(eta, floor: float = 0.0) -> tuple[float, int]:
    r"""Period-2 content of a schedule: ``(amplitude, n_steps)``.

    A step ``t`` alternates when :math:`\Delta_{t-1}\Delta_t < 0` with
    :math:`\Delta_t = \eta_{t+1} - \eta_t`; its amplitude is :math:`\min(|\Delta_{t-1}|,|\Delta_t|)/2`
    (exactly ``d`` for ``eta0 ± d`` alternating). Returns the largest amplitude and the number of
    alternating steps whose amplitude exceeds ``floor``. A monotone schedule or a single jump gives 0.

    Examples
    --------
    >>> oscillation_amplitude([1.0, 1.4, 1.0, 1.4, 1.0])
    (0.2, 3)
    """
    d = np.diff(np.asarray(eta, dtype=float))
    if d.size < 2:
        return 0.0, 0
    alt = d[:-1] * d[1:] < 0
    amp = np.where(alt, np.minimum(np.abs(d[:-1]), np.abs(d[1:])) / 2, 0.0)
    return float(round(amp.max(), 15)), int(np.count_nonzero(amp > floor))
