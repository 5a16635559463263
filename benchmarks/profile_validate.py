"""Where a default ``optlr validate`` spends its time: CPU and wall around each claim and the
pieces inside it, in the run's own process.

    python benchmarks/profile_validate.py validate --a 3 --b 3.5 --format json > rows.json

Patches the names below (every loaded ``solvers``/``theory`` module that holds them) with
timers (``time.process_time``, ``time.perf_counter``), runs ``solvers.cli.main.main`` with the
arguments given and prints one line per call of over 0.05 s on standard error, nested by
depth. With ``--jobs 2`` only this process's pieces are timed (the worker's are not).
Results: benchmarks/results/claims.md, 2026-12-01s17 (par17), section 1.
"""

from __future__ import annotations

import functools
import importlib
import sys
import time

#: ``(module, name)`` of the timed functions.
TARGETS = [
    ("solvers.claims.core", "evaluate_claim"),
    ("solvers.cli.validate", "_comparison"),
    ("solvers.cli.validate", "_figures"),
    ("solvers.claims.catalog", "optimal_sweep"),
    ("solvers.claims.baselines", "baseline_sweep"),
    ("solvers.claims.constant_rate", "constant_sweep"),
    ("solvers.claims.momentum_forms", "forms_sweep"),
    ("solvers.claims.beyond", "ramp_sweep"),
    ("solvers.claims.beyond", "compute_sweep"),
    ("solvers.claims.beyond", "compute_claim_sweep"),
    ("solvers.claims.beyond", "_plateau_reference"),
    ("solvers.claims.beyond", "_exp_degeneracy"),
    ("theory", "derive_scaling_laws"),
    ("theory", "derive_corrections"),
    ("theory", "derive_beyond_corrections"),
]


def _patch(log: list, t0: float) -> None:
    depth = [0]

    def wrap(name, f):
        @functools.wraps(f)
        def timed(*a, **k):
            d = depth[0]
            depth[0] += 1
            c, t = time.process_time(), time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                depth[0] -= 1
                label = f"{name} [{a[0].name}]" if name == "evaluate_claim" else name
                dc, dt = time.process_time() - c, time.perf_counter() - t
                if dt > 0.05:
                    log.append((t - t0, d, label, dc, dt))

        return timed

    for modname, fname in TARGETS:
        orig = getattr(importlib.import_module(modname), fname)
        timed = wrap(fname, orig)
        for m in list(sys.modules.values()):
            if getattr(m, "__name__", "").startswith(("solvers", "theory")):
                for k, v in list(vars(m).items()):
                    if v is orig:
                        setattr(m, k, timed)


def main() -> None:
    t0w, t0c = time.perf_counter(), time.process_time()
    from solvers.cli.main import main as optlr

    for m in ("solvers.cli.validate", "solvers.claims.validate", "solvers.claims.catalog",
              "solvers.claims.beyond", "solvers.claims.baselines", "solvers.claims.constant_rate",
              "solvers.claims.momentum_forms"):  # fmt: skip
        importlib.import_module(m)
    log: list = []
    _patch(log, t0w)
    print(f"# imports: cpu {time.process_time() - t0c:.1f} wall {time.perf_counter() - t0w:.1f}",
          file=sys.stderr)  # fmt: skip
    try:
        optlr(sys.argv[1:])
    finally:
        for start, d, label, dc, dt in sorted(log):
            print(f"# {start:7.1f} {'  ' * d}{label:<60} cpu {dc:7.1f} wall {dt:7.1f}",
                  file=sys.stderr)  # fmt: skip
        print(f"# total: cpu {time.process_time() - t0c:.1f} "
              f"wall {time.perf_counter() - t0w:.1f}", file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    main()
