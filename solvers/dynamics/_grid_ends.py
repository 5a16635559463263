r"""A time grid held from both ends: each node's offset from its nearer end kept exact.

An integer time grid of horizon ``T`` has unit steps at both ends. Near the start a node is its
step count ``t``; near the end the number that matters is the steps left, ``rem = T - t``, and
past ``2**53`` (~9.007e15) a double no longer holds ``T - rem`` for small ``rem`` (spacing 16 at
``T = 1e17``: the last sixteen nodes coincide as ``t``). So the grid is carried as two arrays,
``t`` and ``rem``, each formed where it is the small one and exact there; a cell's length is the
difference of the coordinate of its own side (:func:`cell_lengths`). Below ``2**53`` both are
exact and the lengths are ``np.diff(t)`` to the last bit.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cell_lengths", "two_ended_nodes"]


def two_ended_nodes(
    d: np.ndarray, e: np.ndarray, half: float, T: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``t`` and offsets ``rem = T - t`` of the grid whose distances from the start are
    ``d`` (and the midpoint ``half``) and from the end ``e``: the start's nodes are ``d``, the
    end's offsets ``e``; an end node at or before the last start node is that node (as
    ``np.unique`` of the nodes merged them); a sliver next to the midpoint joins its neighbour.

    >>> t, rem = two_ended_nodes(np.arange(3.0), np.arange(3.0), 3.0, 6.0)
    >>> t.tolist(), rem.tolist()
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    """
    start = np.unique(np.concatenate([d, [half]]))
    end = np.unique(e)
    end = end[T - end > start[-1]]  # the end's nodes beyond the start's (exact below 2**53)
    t = np.concatenate([start, T - end[::-1]])
    rem = np.concatenate([T - start, end[::-1]])
    if (i := _sliver(cell_lengths(t, rem))) is not None:
        t, rem = np.delete(t, i + 1), np.delete(rem, i + 1)
    return t, rem


def cell_lengths(t: np.ndarray, rem: np.ndarray) -> np.ndarray:
    """Lengths of the cells ``[t_j, t_{j+1}]``: the difference of ``t`` where the cell's first
    node is in the first half (``t_j < rem_j``), of ``rem`` from the middle on.

    Each is a difference of the exact coordinate on its side (Sterbenz: the geometric cells'
    nodes lie within a factor 2 of each other, so the difference itself is exact too).

    >>> t = np.array([0.0, 1.0, 2.0, 1e17 - 1, 1e17])   # 1e17 - 1 rounds to 1e17
    >>> cell_lengths(t, np.array([1e17, 1e17 - 1, 1e17 - 2, 1.0, 0.0])).tolist()
    [1.0, 1.0, 1e+17, 1.0]
    """
    t, rem = np.asarray(t, float), np.asarray(rem, float)
    return np.where(rem[:-1] <= t[:-1], rem[:-1] - rem[1:], t[1:] - t[:-1])


def _sliver(h: np.ndarray) -> int | None:
    """The interval to merge into its right neighbour's node: the one that is smallest against
    its neighbours, if it is below half of both and not at an end (the midpoint's sliver)."""
    if h.size <= 2:
        return None
    i = int(np.argmin(h / np.maximum(np.r_[h[1:], h[-1]], np.r_[h[0], h[:-1]])))
    if h[i] < 0.5 * min(np.r_[h[0], h[:-1]][i], np.r_[h[1:], h[-1]][i]) and 0 < i < h.size - 1:
        return i
    return None
