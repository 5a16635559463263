r"""Schedules users can train with: callables, files, framework adapters, horizon transfer.

An :class:`ExportedSchedule` is a learning rate per step, ``lr[t]`` for ``t = 0..T-1``; it is a
plain callable ``step -> lr`` (steps past the horizon keep the last rate), it saves to and
reloads from CSV or JSON, and it adapts to ``torch.optim.lr_scheduler.LambdaLR`` and to an
``optax`` schedule (both imported lazily, only when asked for).

Two closed-form fits turn an optimal schedule into a formula:

* :func:`fit_power_decay` — :math:`\eta(t) = c\,T^{-\xi}(1 - t/T)^{\delta}` (the easy phase);
* :func:`fit_wsd` — warmup-stable-decay: :math:`\eta_0` then a linear decay over the last
  fraction ``frac`` of the steps (the hard phase).

:func:`transfer` moves a schedule to another horizon and base rate with the rule of the phase:
easy — the whole schedule keeps its shape in ``t/T`` and its level scales as :math:`T^{-\xi}`
(``xi`` is an input, e.g. from the theory's derivation); hard — the peak rate stays and the
decay window, in steps, scales as :math:`T^{\omega}` (``window_exponent``, an input).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from theory._checks import check_int, check_real

from ..dynamics.recursion import as_schedule
from .families import make_schedule

__all__ = [
    "ExportedSchedule",
    "LRMultiplier",
    "PowerDecayFit",
    "WSDFit",
    "export_schedule",
    "fit_power_decay",
    "fit_wsd",
    "hf_scheduler",
    "load_schedule",
    "to_optax",
    "to_torch_scheduler",
    "transfer",
]

#: Fraction of the peak below which a step counts as part of the decay window.
_DECAY_TOL = 1e-3


@dataclass(frozen=True)
class ExportedSchedule:
    """A learning rate per step, usable as ``lr = schedule(step)``.

    Attributes
    ----------
    lr : ndarray, shape (T,)
    name : str
    meta : dict
        Provenance (fit parameters, phase, source horizon...); JSON-serialisable.
    """

    lr: np.ndarray
    name: str = "schedule"
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", as_schedule(self.lr, name="lr"))

    @property
    def T(self) -> int:
        return int(self.lr.size)

    @property
    def peak(self) -> float:
        return float(self.lr.max())

    def __call__(self, step: int) -> float:
        """Learning rate at ``step`` (``>= 0``); the last rate after the horizon."""
        step = check_int("step", step, ge=0)
        return float(self.lr[min(step, self.T - 1)])

    def as_function(self):
        """A plain Python function ``step -> lr`` holding a copy of the rates (no optlr needed
        to call it)."""
        values = tuple(float(x) for x in self.lr)
        last = len(values) - 1

        def lr(step: int) -> float:
            return values[min(int(step), last)]

        return lr

    # -- files ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write ``.csv`` (columns ``step,lr``) or ``.json`` (``name``, ``T``, ``lr``, ``meta``)."""
        path = Path(path)
        if path.suffix == ".csv":
            with path.open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["step", "lr"])
                for t, x in enumerate(self.lr):
                    w.writerow([t, repr(float(x))])
        elif path.suffix == ".json":
            d = {"name": self.name, "T": self.T, "lr": self.lr.tolist(), "meta": self.meta}
            path.write_text(json.dumps(d))
        else:
            raise ValueError(f"path must end in .csv or .json, got {str(path)!r}")


def export_schedule(lr, *, name: str = "schedule", meta: dict | None = None) -> ExportedSchedule:
    """Wrap any schedule array (optimal, fitted, named) for export."""
    return ExportedSchedule(np.array(lr, dtype=float), name, dict(meta or {}))


def load_schedule(path: str | Path) -> ExportedSchedule:
    """Reload a schedule written by :meth:`ExportedSchedule.save`.

    Raises
    ------
    ValueError
        A malformed file: the message names the file and the row and column (CSV) or the key
        (JSON) at fault.
    """
    path = Path(path)
    if path.suffix == ".csv":
        return _load_csv(path)
    if path.suffix == ".json":
        return _load_json(path)
    raise ValueError(f"path must end in .csv or .json, got {str(path)!r}")


def _load_csv(path: Path) -> ExportedSchedule:
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or rows[0] != ["step", "lr"]:
        raise ValueError(f"{path}: expected a CSV with header 'step,lr'")
    lr = []
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            raise ValueError(f"{path}, row {i}: expected 2 columns (step, lr), got {len(row)}")
        try:
            step, rate = int(row[0]), float(row[1])
        except ValueError:
            raise ValueError(
                f"{path}, row {i}: expected an integer step and a number lr, got {row}"
            ) from None
        if step != i - 2:
            raise ValueError(f"{path}, row {i}, column step: steps must run 0, 1, ..., T-1")
        lr.append(rate)
    return ExportedSchedule(_check_rates(lr, path), path.stem)


def _load_json(path: Path) -> ExportedSchedule:
    try:
        d = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(d, dict) or "lr" not in d:
        raise ValueError(f"{path}: expected a JSON object with a key 'lr' (the rate per step)")
    try:
        lr = np.asarray(d["lr"], dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{path}, key 'lr': expected a list of numbers") from None
    meta = d.get("meta", {})
    if not isinstance(meta, dict):
        raise ValueError(f"{path}, key 'meta': expected an object, got {type(meta).__name__}")
    return ExportedSchedule(_check_rates(lr, path), str(d.get("name", path.stem)), meta)


def _check_rates(lr, path: Path) -> np.ndarray:
    """A non-empty, one-dimensional array of finite, non-negative rates (else a named error)."""
    lr = np.asarray(lr, dtype=float)
    if lr.ndim != 1 or lr.size == 0:
        raise ValueError(f"{path}: expected at least one rate, got shape {lr.shape}")
    if bad := np.flatnonzero(~np.isfinite(lr) | (lr < 0)).tolist():
        raise ValueError(
            f"{path}: rate at step {bad[0]} is {float(lr[bad[0]])}; expected >= 0 and finite"
        )
    return lr


# -- closed-form fits -----------------------------------------------------------------------


@dataclass(frozen=True)
class PowerDecayFit:
    r"""Fit :math:`\eta(t) = A(1 - t/T)^\delta` with :math:`A = c\,T^{-\xi}`.

    ``xi`` is not identifiable from one horizon; it is an input (``None`` leaves ``c = A``).
    ``rms_log`` is the RMS residual of :math:`\log\eta` over the fitted steps.
    """

    A: float
    delta: float
    T: int
    xi: float | None
    rms_log: float
    n_fitted: int

    @property
    def c(self) -> float:
        return self.A * self.T ** (self.xi or 0.0)

    def schedule(self, T: int | None = None) -> ExportedSchedule:
        """The fitted formula on ``T`` steps (level rescaled by ``T^-xi`` when ``xi`` is set)."""
        T = self.T if T is None else check_int("T", T, ge=1)
        A = self.c * T ** (-(self.xi or 0.0))
        return export_schedule(
            make_schedule("poly", T, A, self.delta),
            name="power-decay fit",
            meta={"c": self.c, "xi": self.xi, "delta": self.delta, "T": T},
        )


def fit_power_decay(
    lr, *, xi: float | None = None, bound: float | None = None, tail: float = 0.0
) -> PowerDecayFit:
    r"""Least-squares fit of :math:`\log\eta = \log A + \delta\log(1 - t/T)`.

    Steps at the upper ``bound`` (an active constraint, not the interior law) and zero rates are
    left out; ``tail`` in ``[0, 1)`` keeps only steps with ``t/T >= tail`` (the decay region).
    """
    lr = as_schedule(lr, name="lr")
    T = lr.size
    s = np.arange(T) / T
    keep = (lr > 0) & (s >= check_real("tail", tail, ge=0, le=1))
    if bound is not None:
        keep &= lr < check_real("bound", bound, gt=0) * (1 - _DECAY_TOL)
    if keep.sum() < 2:
        raise ValueError("fit_power_decay: fewer than two interior steps to fit")
    X = np.column_stack([np.ones(keep.sum()), np.log1p(-s[keep])])
    coef, *_ = np.linalg.lstsq(X, np.log(lr[keep]), rcond=None)
    resid = np.log(lr[keep]) - X @ coef
    xi = None if xi is None else check_real("xi", xi)
    return PowerDecayFit(
        float(math.exp(coef[0])),
        float(coef[1]),
        T,
        xi,
        float(np.sqrt(np.mean(resid**2))),
        int(keep.sum()),
    )


@dataclass(frozen=True)
class WSDFit:
    """Warmup-stable-decay fit: ``eta0`` then a linear decay over the last ``frac * T`` steps."""

    eta0: float
    frac: float
    T: int
    rms: float

    def schedule(self, T: int | None = None) -> ExportedSchedule:
        T = self.T if T is None else check_int("T", T, ge=1)
        return export_schedule(
            make_schedule("wsd", T, self.eta0, self.frac),
            name="wsd fit",
            meta={"eta0": self.eta0, "frac": self.frac, "T": T},
        )


def fit_wsd(lr) -> WSDFit:
    """Least-squares fit of a WSD schedule ``(eta0, frac)`` to ``lr``."""
    lr = as_schedule(lr, name="lr")
    T = lr.size
    peak = float(lr.max())
    if peak == 0:
        raise ValueError("fit_wsd: the schedule is identically zero")
    below = np.nonzero(lr < peak * (1 - _DECAY_TOL))[0]
    below = below[below > np.argmax(lr)]
    frac0 = (T - below[0]) / T if below.size else 0.5
    res = least_squares(
        lambda p: make_schedule("wsd", T, p[0], p[1]) - lr,
        [peak, min(max(frac0, 1e-3), 1.0)],
        bounds=([0, 0], [np.inf, 1]),
    )
    eta0, frac = (float(x) for x in res.x)
    return WSDFit(eta0, frac, T, float(np.sqrt(np.mean(res.fun**2))))


# -- transfer to the user's horizon and base rate ---------------------------------------------


def _resample(lr: np.ndarray, T_new: int) -> np.ndarray:
    """The same shape in ``t/T``, on ``T_new`` steps (linear interpolation)."""
    T = lr.size
    return np.interp(np.arange(T_new) / T_new, np.arange(T) / T, lr)


def transfer(
    schedule,
    *,
    T: int | None = None,
    base_lr: float | None = None,
    phase: str = "easy",
    xi: float | None = None,
    window_exponent: float = 1.0,
) -> ExportedSchedule:
    r"""Move a schedule to horizon ``T`` and/or peak rate ``base_lr`` by the phase's rule.

    Parameters
    ----------
    schedule : ExportedSchedule or array_like
    T : int, optional
        New horizon (default: unchanged).
    base_lr : float, optional
        The user's own peak rate: the result is scaled so its maximum is ``base_lr``. Given, it
        overrides the level that the horizon rule would produce.
    phase : {"easy", "hard"}
        ``"easy"``: same shape in ``t/T``, level times :math:`(T/T_0)^{-\xi}` (``xi`` required
        when ``T`` changes and no ``base_lr`` is given). ``"hard"``: peak kept; the decay
        window, in steps, scales as :math:`(T/T_0)^{\omega}` with ``omega = window_exponent``
        (1: a fixed fraction of the run; docs/theory.md's derived-only row gives
        :math:`(a+b-1)/(2b-1)`).

    Returns
    -------
    ExportedSchedule
    """
    src = schedule if isinstance(schedule, ExportedSchedule) else export_schedule(schedule)
    lr = src.lr
    T0 = src.T
    T = T0 if T is None else check_int("T", T, ge=1)
    if phase not in ("easy", "hard"):
        raise ValueError(f"phase must be 'easy' or 'hard', got {phase!r}")
    if phase == "easy":
        new = _resample(lr, T)
        if T != T0 and base_lr is None:
            if xi is None:
                raise ValueError("transfer: the easy-phase horizon rule needs xi (eta ~ T^-xi)")
            new = new * (T / T0) ** (-check_real("xi", xi))
    else:
        omega = check_real("window_exponent", window_exponent, ge=0)
        peak = float(lr.max())
        below = np.nonzero(lr < peak * (1 - _DECAY_TOL))[0]
        below = below[below > int(np.argmax(lr))]
        start = int(below[0]) if below.size else T0  # first step of the decay window
        W0 = T0 - start
        W = min(T, round(W0 * (T / T0) ** omega)) if W0 else 0
        new = np.empty(T)
        new[: T - W] = _resample(lr[:start], T - W) if start > 0 else peak
        if W:
            new[T - W :] = _resample(lr[start:], W)
    if base_lr is not None:
        new = new * (check_real("base_lr", base_lr, gt=0) / float(new.max()))
    meta = {**src.meta, "transferred_from_T": T0, "phase": phase, "xi": xi}
    if phase == "hard":
        meta["window_exponent"] = window_exponent
    return ExportedSchedule(new, src.name, meta)


# -- framework adapters (optional extras, imported lazily) -----------------------------------


class LRMultiplier:
    """``step -> lr[step] / base``: a picklable ``LambdaLR`` multiplier (a callable object, not a
    lambda), so ``LambdaLR.state_dict()`` saves it (its ``__dict__``: ``lr``, ``base``) and a
    checkpoint restores the schedule; steps past the horizon keep the last rate.
    """

    def __init__(self, lr, base: float):
        self.lr = [float(x) for x in as_schedule(lr, name="lr")]
        self.base = check_real("base", base, gt=0)

    def __call__(self, step: int) -> float:
        return self.lr[min(max(int(step), 0), len(self.lr) - 1)] / self.base

    def __eq__(self, other) -> bool:
        return isinstance(other, LRMultiplier) and vars(self) == vars(other)

    __hash__ = None  # mutable by load_state_dict


def hf_scheduler(schedule: ExportedSchedule):
    """A factory ``(optimizer, num_training_steps=None) -> LambdaLR`` for a Hugging Face
    ``Trainer`` (pass ``optimizers=(opt, factory(opt, n))`` or override
    ``Trainer.create_scheduler``); a different ``num_training_steps`` stretches the schedule's
    shape in ``t/T`` to that many steps. Requires torch.
    """

    def factory(optimizer, num_training_steps: int | None = None):
        src = schedule
        if num_training_steps is not None and num_training_steps != schedule.T:
            T = check_int("num_training_steps", num_training_steps, ge=1)
            src = ExportedSchedule(_resample(schedule.lr, T), schedule.name, schedule.meta)
        return to_torch_scheduler(src, optimizer)

    return factory


def to_torch_scheduler(schedule: ExportedSchedule, optimizer):
    """A ``torch.optim.lr_scheduler.LambdaLR`` that sets each group's rate to ``schedule(step)``.

    ``LambdaLR`` multiplies the group's initial rate by the multiplier, so the multiplier is
    ``schedule(step) / initial_lr`` (an :class:`LRMultiplier`, which ``state_dict`` saves);
    every parameter group needs a positive initial rate.
    Requires the ``torch`` extra (``pip install optlr[torch]``).
    """
    try:
        from torch.optim.lr_scheduler import LambdaLR
    except ImportError as exc:  # pragma: no cover - exercised only without torch
        raise ImportError("to_torch_scheduler needs torch: pip install 'optlr[torch]'") from exc
    lambdas = []
    for i, group in enumerate(optimizer.param_groups):
        base = float(group.get("initial_lr", group["lr"]))
        if not base > 0:
            raise ValueError(f"optimizer param group {i} needs a positive lr, got {base!r}")
        lambdas.append(LRMultiplier(schedule.lr, base))
    return LambdaLR(optimizer, lr_lambda=lambdas)


def to_optax(schedule: ExportedSchedule, *, xp=None):
    """An ``optax`` schedule: a function ``count -> lr`` traceable by JAX.

    ``xp`` is the array namespace (default ``jax.numpy``, imported lazily; any namespace with
    ``asarray``, ``minimum`` and ``clip`` works, which is how it is tested without JAX).
    """
    if xp is None:
        try:
            import jax.numpy as xp
        except ImportError as exc:  # pragma: no cover - exercised only without jax
            raise ImportError("to_optax needs jax and optax: pip install optax") from exc
    table = xp.asarray(schedule.lr)
    last = schedule.T - 1

    def lr(count):
        return table[xp.clip(xp.asarray(count), 0, last)]

    return lr
