r"""Coverage of a model-free extrapolation on sequences that turn, with and without the post-turn
schemes (:func:`solvers.analysis.extrapolate.extrapolate_sequence`; issue 12, claims.md
2026-12-01s15 budget15).

Exact two-correction sequences with limit 0 on the tuned baselines' default midpoints
(half-decades 178 .. 5.6e5, eight values):
:math:`s = c_1 x^{-\omega_1} + c_2 x^{-\omega_2}`, :math:`\omega_2 = r\,\omega_1`, ``c2`` of
opposite sign placed so that ``s`` turns at ``turn`` (nine turns 1e3 .. 1e5 per family). For every
sequence where the rule fires (a turn inside the tail window, three values past it), whether the
interval covers 0 without the post-turn schemes (old) and with them (new), and the half-widths.
Both intervals keep the same value; the new one is never narrower, so a covered case stays
covered. Prints the counts and the cases still missed.

    python benchmarks/post_turn_coverage.py
"""

from __future__ import annotations

import itertools

import numpy as np

from solvers.analysis import extrapolate as ex

X8 = np.geomspace(178, 5.62e5, 8)


def _old(x, s):
    saved = ex._post_turn
    ex._post_turn = lambda *args: {}
    try:
        return ex.extrapolate_sequence(x, s)
    finally:
        ex._post_turn = saved


def main() -> None:
    fired = old_miss = new_miss = 0
    missed = []
    for w1, r, c1 in itertools.product([0.1, 0.15, 0.2, 0.3], [2, 3], [0.02, 0.05, 0.1]):
        for turn in np.geomspace(1e3, 1e5, 9):
            c2 = -c1 * w1 / (r * w1) * turn ** (r * w1 - w1)
            s = c1 * X8**-w1 + c2 * X8 ** -(r * w1)
            new, old = ex.extrapolate_sequence(X8, s), _old(X8, s)
            if not any(k.startswith("post-turn") for k in new.schemes):
                continue
            fired += 1
            old_miss += not old.contains(0.0)
            new_miss += not new.contains(0.0)
            if not new.contains(0.0):
                missed.append(
                    (w1, r, c1, f"{turn:.3g}", round(new.value, 4), round(new.halfwidth, 4))
                )
    print(
        f"rule fires on {fired} sequences; old intervals miss the limit {old_miss}, new {new_miss}"
    )
    print("still missed (omega1, r, c1, turn, value, new half-width):")
    for row in missed:
        print("  ", row)


if __name__ == "__main__":
    main()
