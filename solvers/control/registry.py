"""Registry of optimal-schedule solvers: ``name -> callable(model, T, **options) -> ScheduleResult``.

Each method is a module of :mod:`solvers.control` exposing its solver; the registry holds a
loader per method that imports it on first use (so listing the methods, as ``optlr solve
--help`` does, imports no numerics). Every solver returns a :class:`~solvers.ScheduleResult`
(``t, eta, loss, final_loss, success, status, message, iterations, kkt_residual, seconds,
parameters``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the registry itself imports no numerics
    from theory import PLRFModel

    from .result import ScheduleResult

__all__ = ["METHODS", "SOLVERS", "SolverRegistry", "get_solver", "solve"]

Solver = Callable[..., "ScheduleResult"]


def _direct() -> Solver:
    from .direct import solve_direct

    return solve_direct


def _bvp() -> Solver:
    from .bvp import solve_bvp

    return solve_bvp


def _continuum() -> Solver:
    from .continuum import solve_continuum

    return solve_continuum


#: Registered methods: name -> loader returning the solver (imported on first use).
METHODS: dict[str, Callable[[], Solver]] = {
    "direct": _direct,
    "bvp": _bvp,
    "continuum": _continuum,
}


def get_solver(method: str) -> Solver:
    """The solver function registered as ``method``.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    return METHODS[method]()


class SolverRegistry(Mapping):
    """Read-only mapping ``name -> solver`` over :data:`METHODS`, importing lazily.

    Examples
    --------
    >>> "direct" in SOLVERS
    True
    """

    def __init__(self, methods: Mapping[str, Callable[[], Solver]]) -> None:
        self._methods = methods

    def __getitem__(self, name: str) -> Callable[..., ScheduleResult]:
        # only an unknown name is a KeyError: an error raised while the method's module is
        # imported propagates as itself (a ValueError there read as "KeyError: invalid literal")
        if name not in self._methods:
            raise KeyError(f"method must be one of {sorted(self._methods)}, got {name!r}")
        return self._methods[name]()

    def __iter__(self) -> Iterator[str]:
        return iter(self._methods)

    def __len__(self) -> int:
        return len(self._methods)

    def __contains__(self, name) -> bool:
        return name in self._methods


#: The solver registry: ``SOLVERS[name](model, T, **options) -> ScheduleResult``.
SOLVERS = SolverRegistry(METHODS)


def solve(model: PLRFModel, T: int, *, method: str = "direct", **options) -> ScheduleResult:
    """Optimise the learning-rate schedule of ``model`` over ``T`` steps with ``method``.

    ``options`` go to the method's solver (unknown ones raise ``TypeError`` there).
    """
    return get_solver(method)(model, T, **options)
