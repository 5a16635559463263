r"""Named learning-rate schedules on ``T`` steps, as arrays ``eta[t]``, ``t = 0..T-1``.

The phase ``s = t/T`` runs over ``[0, 1)``; every decaying schedule reaches 0 only after the last step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from theory._checks import check_int, check_real

__all__ = ["SCHEDULES", "ScheduleKind", "make_schedule", "parse_schedule"]


def _constant(t: np.ndarray, T: float, eta0: float) -> np.ndarray:
    return np.full_like(t, eta0, dtype=float)


def _linear(t: np.ndarray, T: float, eta0: float) -> np.ndarray:
    return eta0 * (1.0 - t / T)


def _cosine(t: np.ndarray, T: float, eta0: float) -> np.ndarray:
    return eta0 * 0.5 * (1.0 + np.cos(np.pi * t / T))


def _wsd(t: np.ndarray, T: float, eta0: float, frac: float) -> np.ndarray:
    """Warmup-free warmup-stable-decay: ``eta0``, then linear decay over the last ``frac*T`` steps."""
    if frac == 0:
        return np.full_like(t, eta0, dtype=float)
    # T - t is the number of steps left (T..1 at integer steps: exact in floating point)
    return eta0 * np.minimum(1.0, (T - t) / (frac * T))


def _poly(t: np.ndarray, T: float, eta0: float, delta: float) -> np.ndarray:
    return eta0 * (1.0 - t / T) ** delta


def _power(t: np.ndarray, T: float, eta0: float, chi: float) -> np.ndarray:
    return eta0 * (t + 1.0) ** (-chi)


@dataclass(frozen=True)
class ScheduleKind:
    """A named schedule family: its parameters and its rate as a function of real ``t``.

    ``rate(t, T, *params)`` is the one formula of the family: :func:`make_schedule` evaluates
    it at the steps ``t = 0..T-1``, the continuum tuner and the compute-optimal study at the
    midpoints of their time grids.
    """

    name: str
    params: tuple[str, ...]
    formula: str
    rate: Callable[..., np.ndarray]

    def shape(self, s: np.ndarray, *params: float) -> np.ndarray:
        """The family with ``eta0 = 1`` at the phase ``s = t/T`` (for families whose only
        parameter is ``eta0``, the shape ``f`` of ``eta0 f(t/T)``)."""
        return self.rate(np.asarray(s, dtype=float), 1.0, 1.0, *params)


SCHEDULES: dict[str, ScheduleKind] = {
    s.name: s
    for s in (
        ScheduleKind("constant", ("eta0",), "eta0", _constant),
        ScheduleKind("linear", ("eta0",), "eta0 (1 - t/T)", _linear),
        ScheduleKind("cosine", ("eta0",), "eta0 (1 + cos(pi t/T))/2", _cosine),
        ScheduleKind("wsd", ("eta0", "frac"), "eta0 min(1, (1 - t/T)/frac)", _wsd),
        ScheduleKind("poly", ("eta0", "delta"), "eta0 (1 - t/T)^delta", _poly),
        ScheduleKind("power", ("eta0", "chi"), "eta0 (t + 1)^(-chi)", _power),
    )
}


def make_schedule(name: str, T: int, *params: float) -> np.ndarray:
    """Build the schedule ``name`` with ``params`` on ``T`` steps; shape ``(T,)``.

    Examples
    --------
    >>> make_schedule("linear", 4, 1.0)
    array([1.  , 0.75, 0.5 , 0.25])
    """
    T = check_int("T", T, ge=1)
    try:
        kind = SCHEDULES[name]
    except KeyError:
        raise ValueError(
            f"schedule: unknown kind {name!r}; expected one of {sorted(SCHEDULES)}"
        ) from None
    if len(params) != len(kind.params):
        raise ValueError(
            f"schedule {name!r} takes {len(kind.params)} parameter(s) "
            f"({', '.join(kind.params)}), got {len(params)}: {params}"
        )
    values = [check_real(f"{name}.{p}", v) for p, v in zip(kind.params, params, strict=True)]
    if values[0] < 0:
        raise ValueError(f"{name}.eta0 must be >= 0, got {values[0]!r}")
    if name == "wsd":
        check_real("wsd.frac", values[1], ge=0, le=1)
    if name == "poly":
        check_real("poly.delta", values[1], ge=0)
    return kind.rate(np.arange(T, dtype=float), float(T), *values)


def parse_schedule(spec: str, T: int) -> np.ndarray:
    """Parse ``"kind:p1,p2"`` (e.g. ``"wsd:0.5,0.2"``) into a schedule array of length ``T``."""
    kind, _, rest = spec.partition(":")
    if not rest:
        raise ValueError(f"schedule: expected 'kind:params' such as 'constant:0.3', got {spec!r}")
    try:
        params = [float(p) for p in rest.split(",")]
    except ValueError:
        raise ValueError(f"schedule: parameters of {spec!r} must be numbers") from None
    return make_schedule(kind.strip(), T, *params)
