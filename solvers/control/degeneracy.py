r"""The ``eta/m`` degeneracy of learning rate and batch size, checked on the dynamics.

:func:`degeneracy_check` runs schedules that share the per-sample rate :math:`r(s) = \eta/m`
but differ in :math:`(\eta, m)` and compares their losses at equal numbers of samples, in the
continuous-time limit (equal to solver precision, :func:`theory.batch_degeneracy`) and in the
exact recursion (broken at relative order :math:`\eta\lambda_1`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory import PLRFModel
from theory._checks import check_int

from ..dynamics.recursion import simulate

__all__ = ["DegeneracyResult", "degeneracy_check"]


@dataclass(frozen=True)
class DegeneracyResult:
    r"""Losses of ratio-equal schedules at equal samples.

    Attributes
    ----------
    samples : ndarray, shape (J,)
        Samples per block of the per-sample rate ``r`` (shared by every profile).
    ratio : ndarray, shape (J,)
        :math:`r_j = \eta/m` on each sample block.
    batches : ndarray, shape (P, J)
        Batch size of each profile on each block (``eta = r m``).
    continuous : dict
        ``{substeps: losses (P,)}`` in the continuous-time limit, per integration resolution.
    discrete : ndarray, shape (P,)
        Losses of the exact recursion.
    continuous_spread, discrete_spread : float
        ``max/min - 1`` over the profiles (finest ``substeps`` for the continuous limit).
    predicted_discrete : float
        Derived scale of the breaking, :math:`\max_t (\eta_t\lambda_1/2)(1+1/m_t)` over the
        profiles (:attr:`theory.BatchDegeneracy.relative_breaking`), an upper-order estimate
        of ``discrete_spread``.
    admissible : tuple of bool
        Per profile: ``1 <= m`` and ``eta = r m <= model.eta_max`` on every block (the bounds of
        :attr:`theory.BatchDegeneracy.m_range`; outside them the family is not a feasible
        alternative of the constrained problem, however equal the loss).
    """

    samples: np.ndarray
    ratio: np.ndarray
    batches: np.ndarray
    continuous: dict
    discrete: np.ndarray
    continuous_spread: float
    discrete_spread: float
    predicted_discrete: float
    admissible: tuple[bool, ...] = ()

    def to_dict(self) -> dict:
        return {
            "admissible": list(self.admissible),
            "samples": self.samples.tolist(),
            "ratio": self.ratio.tolist(),
            "batches": self.batches.tolist(),
            "continuous": {str(k): v.tolist() for k, v in self.continuous.items()},
            "discrete": self.discrete.tolist(),
            "continuous_spread": self.continuous_spread,
            "discrete_spread": self.discrete_spread,
            "predicted_discrete": self.predicted_discrete,
        }


def _profile_schedule(samples, ratio, batch):
    eta, m = [], []
    for n, r, mb in zip(samples, ratio, batch, strict=True):
        steps = n / mb
        if abs(steps - round(steps)) > 1e-9 or round(steps) < 1:
            raise ValueError(
                f"samples per block must be a positive multiple of the batch: {n} / {mb}"
            )
        eta.append(np.full(round(steps), r * mb))
        m.append(np.full(round(steps), float(mb)))
    return np.concatenate(eta), np.concatenate(m)


def degeneracy_check(
    model: PLRFModel,
    samples,
    ratio,
    batches,
    *,
    substeps=(2, 8, 32),
) -> DegeneracyResult:
    r"""Loss at equal samples of several ``(eta, m)`` schedules with the same :math:`\eta/m`.

    Parameters
    ----------
    model : PLRFModel
        ``sigma``, ``a``, ``b``, ``n_modes`` are used; ``batch`` is replaced by the profiles.
    samples : array_like of int, shape (J,)
        Samples in each block of constant ratio (each a multiple of every batch on that block).
    ratio : array_like, shape (J,)
        Per-sample rate :math:`r_j = \eta/m` on each block.
    batches : array_like, shape (P, J)
        Batch-size profiles; profile ``p`` runs ``samples_j / batches[p, j]`` steps of rate
        ``ratio_j * batches[p, j]`` on block ``j``.
    substeps : sequence of int
        Resolutions of the continuous-time integration (the spread must fall with them).
    """
    samples = np.asarray(samples, dtype=float)
    ratio = np.asarray(ratio, dtype=float)
    batches = np.atleast_2d(np.asarray(batches, dtype=float))
    if batches.shape[1] != samples.size or ratio.size != samples.size:
        raise ValueError(
            f"batches must have shape (P, {samples.size}) and ratio length {samples.size}, "
            f"got {batches.shape} and {ratio.size}"
        )
    if batches.shape[0] < 2:
        raise ValueError("batches must hold at least two profiles")
    scheds = [_profile_schedule(samples, ratio, bp) for bp in batches]
    cont = {}
    for s in substeps:
        s = check_int("substeps", s, ge=1)
        cont[s] = np.array(
            [
                simulate(model, e, batch=mb, time="continuous", substeps=s).final_loss
                for e, mb in scheds
            ]
        )
    disc = np.array([simulate(model, e, batch=mb).final_loss for e, mb in scheds])
    fine = cont[max(cont)]
    pred = max(float(np.max(e * (1 + 1 / mb))) / 2 for e, mb in scheds)  # lambda_1 = 1
    return DegeneracyResult(
        samples,
        ratio,
        batches,
        cont,
        disc,
        float(fine.max() / fine.min() - 1),
        float(disc.max() / disc.min() - 1),
        pred,
        tuple(bool(e.max() <= model.eta_max and mb.min() >= 1) for e, mb in scheds),
    )
