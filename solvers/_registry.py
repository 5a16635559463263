"""Registry of optimal-schedule solvers: ``name -> callable(model, T, **options) -> ScheduleResult``.

A method lives in its own private module ``solvers._<name>`` exposing ``solve_<name>``; the
registry imports it on first use, so a method whose module is absent in this build is reported
as unavailable rather than breaking ``import solvers``. Every solver returns a
:class:`~solvers.ScheduleResult` (``t, eta, loss, final_loss, success, status, message,
iterations, kkt_residual, seconds, parameters``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from importlib import import_module, util

from theory import PLRFModel

from ._result import ScheduleResult

__all__ = ["METHODS", "SOLVERS", "SolverRegistry", "get_solver", "solve"]

#: Registered methods: name -> "module:function" (resolved lazily).
METHODS: dict[str, str] = {
    "direct": "solvers._direct:solve_direct",
    "bvp": "solvers._bvp:solve_bvp",
    "continuum": "solvers._continuum:solve_continuum",
}


def get_solver(method: str) -> Callable[..., ScheduleResult]:
    """The solver function registered as ``method``.

    Raises
    ------
    ValueError
        For an unknown name, or a registered method whose module is not in this build.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    module, func = METHODS[method].split(":")
    try:
        mod = import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise ValueError(
            f"method {method!r} is registered but not available in this build ({module} is missing)"
        ) from None
    return getattr(mod, func)


class SolverRegistry(Mapping):
    """Read-only mapping ``name -> solver`` over :data:`METHODS`, importing lazily.

    Iteration and ``in`` see only the methods whose module is present in this build.

    Examples
    --------
    >>> "direct" in SOLVERS
    True
    """

    def __init__(self, methods: dict[str, str]) -> None:
        self._methods = methods

    def __getitem__(self, name: str) -> Callable[..., ScheduleResult]:
        try:
            return get_solver(name)
        except ValueError as exc:
            raise KeyError(str(exc)) from None

    def _available(self, name: str) -> bool:
        return util.find_spec(self._methods[name].split(":")[0]) is not None

    def __iter__(self) -> Iterator[str]:
        return (n for n in self._methods if self._available(n))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name) -> bool:
        return name in self._methods and self._available(name)


#: The solver registry: ``SOLVERS[name](model, T, **options) -> ScheduleResult``.
SOLVERS = SolverRegistry(METHODS)


def solve(model: PLRFModel, T: int, *, method: str = "direct", **options) -> ScheduleResult:
    """Optimise the learning-rate schedule of ``model`` over ``T`` steps with ``method``.

    ``options`` go to the method's solver (unknown ones raise ``TypeError`` there).
    """
    return get_solver(method)(model, T, **options)
