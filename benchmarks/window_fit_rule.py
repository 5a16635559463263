"""The hard window's fit rule (issue 12) read three ways from one default run's optima.

``optlr validate --a A --b B --claim "hard annealing window" --cache-dir DIR`` on this code, then
this script with the same ``--cache-dir`` (the same cache keys, so nothing is solved again). It
evaluates the claim as the CLI does (the default model, horizons and CPU budget) three times on
the same optima:

* **rule** — the claim as it is: the divided lost time from ``layer_fit_from`` on
  (``solvers.claims.window_layer``, benchmarks/results/window_2026-12-01/PROTOCOL.md);
* **divided, no rule** — the bound set to 1 (``|eps| < 1`` always), i.e. the divided lost time
  over every horizon (main before the rule);
* **raw** — ``layer_shift`` set to 0: the optimum's lost time under the same derived list (as the
  lead's comparison in claims.md 2026-12-01j).

Per point it prints the value, the half-width, the verdict, the schemes and the error budget,
``T_from``, the bound ``r`` and ``eps`` at the first horizon of the primary fit (the last 7).
Results: ``benchmarks/results/claims.md`` (2026-12-01y).

Usage::

    python -m benchmarks.window_fit_rule --a 2 --b 2.6 --cache-dir DIR
"""

from __future__ import annotations

import argparse
from unittest import mock

from benchmarks.hard_point_budget import default_context
from solvers.claims import window_layer
from solvers.claims.validate import validate

NAME = "hard annealing window"


def _run(model, ctx):
    (row,) = validate(model, None, claims=[NAME], ctx=ctx)
    return row


def _show(tag: str, row) -> None:
    e, d = row.measurement.extrapolation, row.measurement.diagnostics
    print(
        f"{tag}: {row.measured:.5f} (half-width {row.resolution:.4f}) {row.verdict.split(':')[0]}"
    )
    print("   schemes " + ", ".join(f"{k} {v:.5f}" for k, v in e.schemes.items()))
    print("   budget " + ", ".join(f"{k} {v:.2g}" for k, v in e.budget.items()))
    eps = d["layer_epsilon"]
    first = eps[-7] if len(eps) >= 7 else float("nan")
    print(f"   T_from {d['layer_fit_from']}, r {d['layer_bound']:.4f}, eps at the fit's first "
          f"horizon {first:+.4f}, fallback: {d.get('layer_fallback', 'no')}")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--a", required=True)
    p.add_argument("--b", required=True)
    p.add_argument("--cache-dir", required=True)
    opt = p.parse_args()
    model, ctx = default_context(opt.a, opt.b, NAME, opt.cache_dir)
    _show("rule", _run(model, ctx))
    with mock.patch.object(window_layer, "layer_bound", lambda m: 1.0):
        _show("divided, no rule", _run(model, ctx))
    with mock.patch.object(window_layer, "layer_shift", lambda *x, **k: 0.0):
        _show("raw", _run(model, ctx))


if __name__ == "__main__":
    main()
