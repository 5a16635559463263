"""Input checks shared by the public boundary of both packages.

Every message names the argument, the value received and what was expected.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

__all__ = ["check_finite", "check_int", "check_real", "reject_unknown"]


def check_real(
    name: str,
    value: Any,
    *,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
    allow_inf: bool = False,
) -> float:
    """Return ``value`` as a float after checking it is a real number within bounds."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not (allow_inf and x > 0)):
        what = "a finite number or +inf" if allow_inf else "a finite number"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    if gt is not None and not x > gt:
        raise ValueError(f"{name} must be > {gt:g}, got {value!r}")
    if ge is not None and not x >= ge:
        raise ValueError(f"{name} must be >= {ge:g}, got {value!r}")
    if le is not None and not x <= le:
        raise ValueError(f"{name} must be <= {le:g}, got {value!r}")
    return x


def check_finite(name: str, value: Any) -> float:
    """A finite real number."""
    return check_real(name, value)


def check_int(name: str, value: Any, *, ge: int | None = None) -> int:
    """Return ``value`` as an int after checking it is integral and within bounds."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{name} must be a finite integer, got {value!r}")
        value = int(value)
    try:
        i = int(value.__index__())
    except (AttributeError, TypeError):
        raise TypeError(
            f"{name} must be an integer, got {value!r} ({type(value).__name__})"
        ) from None
    if ge is not None and i < ge:
        raise ValueError(f"{name} must be an integer >= {ge}, got {value!r}")
    return i


def reject_unknown(func: str, kwargs: dict[str, Any]) -> None:
    """Raise ``TypeError`` for unexpected keyword arguments (for ``**kwargs`` funnels)."""
    if kwargs:
        names = ", ".join(sorted(kwargs))
        raise TypeError(f"{func}() got unexpected keyword argument(s): {names}")
