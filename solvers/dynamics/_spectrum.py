"""The PLRF spectrum and initial state as arrays."""

from __future__ import annotations

import numpy as np

from theory import PLRFModel

__all__ = ["initial_state", "spectrum"]


def spectrum(model: PLRFModel) -> np.ndarray:
    r"""Eigenvalues :math:`\lambda_k = k^{-b}`, ``k = 1..n_modes``; shape ``(n_modes,)``."""
    k = np.arange(1, model.n_modes + 1, dtype=float)
    return k ** (-model.b)


def initial_state(model: PLRFModel) -> np.ndarray:
    r"""Initial errors :math:`c_k(0) = (w^*_k)^2 = k^{-(a-b)}` (``w_0 = 0``); shape ``(n_modes,)``."""
    k = np.arange(1, model.n_modes + 1, dtype=float)
    return k ** (-(model.a - model.b))
