r"""An empirical-Bayes prior on a fit's parameters from other families' fits, leave one out.

A family's runs may not pin every parameter (fitted on cosine runs at one base rate, the WSD
anneal's gain is a direction the fit does not pin: ``benchmarks/results/fit.md``, 2026-11-30d,
2026-11-30g). Other families (other model sizes, other data sets) were fitted on runs that do
pin it. :class:`ParamPrior` is an independent Gaussian on each named parameter, in the
coordinates below, with the mean and sample spread of the other families' point fits
(:func:`leave_one_out`); :func:`solvers.runs.fit_runs` then finds the posterior mode
(``FitOptions.prior``). Coordinates: ``L_inf``, ``a``, ``b`` as they are; ``A``, ``s``,
``nu``, ``norm0`` as ``log10`` of their natural units (those of :class:`LossParams` and
``RunFit.to_dict()``).

Weight: the data enter as Gaussian with ``n_eff`` independent residuals (the count behind
``p_easy``), scale :math:`\sigma^2 = R_0/n_{\rm eff}` from the same runs' fit without the prior,
so the fit minimises

.. math::

    R(x) + \sigma^2 \sum_j \left(\frac{x_j - m_j}{s_j}\right)^2,

:math:`2\sigma^2` times the negative log posterior. The prior records the families and run ids
it was built from; a fit or prediction of a run of one of those families is refused
(:meth:`ParamPrior.check_runs`): a prior from the predicted family's own runs cannot be used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["ParamPrior", "leave_one_out", "prior_from_fits"]

#: Parameters a prior may hold, and which of them are taken in ``log10``.
PRIOR_NAMES = ("L_inf", "A", "s", "nu", "a", "b", "norm0")
LOG_NAMES = frozenset({"A", "s", "nu", "norm0"})
#: Fewest source fits of a prior: a spread needs two.
MIN_SOURCES = 2


@dataclass(frozen=True)
class ParamPrior:
    """Independent Gaussians on named parameters (module docstring for the coordinates).

    Attributes
    ----------
    names : tuple of str
        Parameters with a prior (a subset of ``PRIOR_NAMES``).
    mean, sd : tuple of float
        Per name, in its coordinate (``log10`` for ``A``, ``s``, ``nu``, ``norm0``); ``sd > 0``.
    families : frozenset
        Families (``Run.family``) whose fits built the prior.
    run_ids : frozenset
        Run ids those fits used.
    """

    names: tuple
    mean: tuple
    sd: tuple
    families: frozenset = frozenset()
    run_ids: frozenset = frozenset()

    def __post_init__(self):
        bad = [n for n in self.names if n not in PRIOR_NAMES]
        if bad or len(set(self.names)) != len(self.names) or not self.names:
            raise ValueError(f"names must be distinct names of {PRIOR_NAMES}, got {self.names!r}")
        for what in ("mean", "sd"):
            v = np.asarray(getattr(self, what), dtype=float)
            if v.shape != (len(self.names),) or not np.all(np.isfinite(v)):
                raise ValueError(f"{what} must hold {len(self.names)} finite numbers, got "
                                 f"{getattr(self, what)!r}")  # fmt: skip
        if min(self.sd) <= 0:
            raise ValueError(f"sd must be > 0 for every name, got {self.sd!r}")

    def check_runs(self, runs, argument: str = "runs") -> None:
        """Refuse ``runs`` of a family (or with an id) that built this prior."""
        for r in runs:
            if r.family in self.families or r.id in self.run_ids:
                raise ValueError(
                    f"{argument}: run {r.id!r} (family {r.family!r}) is one of the prior's "
                    "sources; a prior must come from other families (leave_one_out)"
                )

    def z(self, values: Mapping) -> np.ndarray:
        """Standardised distance ``(x_j - m_j) / sd_j`` of ``values`` (name to natural value)."""
        x = [np.log10(values[n]) if n in LOG_NAMES else values[n] for n in self.names]
        return (np.array(x, dtype=float) - np.array(self.mean)) / np.array(self.sd)

    def to_dict(self) -> dict:
        return {
            "names": list(self.names), "mean": [float(m) for m in self.mean],
            "sd": [float(s) for s in self.sd],
            "families": sorted([list(f) for f in self.families], key=str),
        }  # fmt: skip


def _coordinate(model: Mapping, name: str) -> float:
    v = model.get(name)
    if v is None or not np.isfinite(v) or (name in LOG_NAMES and v <= 0):
        raise ValueError(f"fits: a fit has {name} = {v!r}; the prior needs a finite value"
                         + (" > 0" if name in LOG_NAMES else ""))  # fmt: skip
    return float(np.log10(v)) if name in LOG_NAMES else float(v)


def _model(fit) -> Mapping:
    """A fit's ``RunFit.to_dict()`` (a :class:`RunFit`, or the dict itself)."""
    return fit if isinstance(fit, Mapping) else fit.to_dict()


def prior_from_fits(fits: Mapping, names=PRIOR_NAMES) -> ParamPrior:
    """The prior with, per name, the mean and sample spread (``ddof = 1``) of ``fits``.

    Parameters
    ----------
    fits : mapping
        Family key (``Run.family``) to its fit: a :class:`RunFit` or its ``to_dict()`` (which
        holds the parameters in natural units and ``fit_runs``, the run ids).
    names : sequence of str
        Parameters to hold (default every one of ``PRIOR_NAMES``).
    """
    if len(fits) < MIN_SOURCES:
        raise ValueError(f"fits must hold at least {MIN_SOURCES} families, got {len(fits)}")
    models = {tuple(k): _model(f) for k, f in fits.items()}
    x = np.array([[_coordinate(m, n) for n in names] for m in models.values()])
    ids = frozenset(i for m in models.values() for i in m.get("fit_runs", ()))
    mean, sd = (tuple(float(v) for v in col) for col in (x.mean(axis=0), x.std(axis=0, ddof=1)))
    return ParamPrior(tuple(names), mean, sd, frozenset(models), ids)


def leave_one_out(fits: Mapping, family, names=PRIOR_NAMES) -> ParamPrior:
    """The prior of ``family`` from every other family's fit in ``fits`` (never its own).

    >>> fits = {("d", k): {"a": a, "b": 2.0 + a} for k, a in enumerate((1.0, 2.0, 3.0))}
    >>> p = leave_one_out(fits, ("d", 0), names=("a",))
    >>> p.mean, p.sd, sorted(p.families)
    ((2.5,), (0.7071067811865476,), [('d', 1), ('d', 2)])
    """
    family = tuple(family)
    return prior_from_fits({k: v for k, v in fits.items() if tuple(k) != family}, names)
