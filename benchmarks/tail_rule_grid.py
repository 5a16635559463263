"""The default ``optlr validate`` run at one point, its extrapolations kept for re-extrapolation.

Issue 12, the tail rule (``benchmarks/results/claims_tail7_PROTOCOL.md``). ``capture`` runs the
default ``optlr validate --a A --b B --format json`` (no sweep option; ``--cache-dir`` only) in
this process and stores, per claim row, what its verdict was computed from: the raw values the
claim extrapolated (``extrapolation_input`` or ``sequence_input``), the derived correction
exponents it used, the prediction and the resolution target, with the run's verdict. The
solves are then not needed again: ``compare`` re-extrapolates the stored values with two sets of
:class:`~solvers.analysis.ExtrapolationOptions` (main's and the rule's) and prints a verdict table
per claim. Re-extrapolating with the options the run used must give the run's value bit for bit:
``compare`` checks that first, so the table is what the CLI would print.

Usage::

    nice -n 10 python -m benchmarks.tail_rule_grid capture --a 4 --b 3.5 \
        --cache-dir /tmp/cache/4_3.5 --out /tmp/runs/4_3.5.pkl
    python -m benchmarks.tail_rule_grid compare /tmp/runs/*.pkl
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import math
import pickle
import resource
import sys
import time
from pathlib import Path

import numpy as np

from solvers.analysis.extrapolate import (
    ExtrapolationOptions,
    extrapolate_exponent,
    extrapolate_sequence,
)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _row(r, registry) -> dict:
    """What a claim row's verdict rests on, as plain data."""
    m = r.measurement
    diag = {} if m is None else m.diagnostics
    raw = diag.get("extrapolation_input")
    kind = "exponent" if raw is not None else None
    if raw is None and (raw := diag.get("sequence_input")) is not None:
        kind = "sequence"
    claim = registry[r.claim] if r.claim in registry else None
    return {
        "claim": r.claim, "a": r.a, "b": r.b, "predicted": r.predicted, "measured": r.measured,
        "stderr": r.stderr, "verdict": r.verdict, "resolution": r.resolution,
        "target": None if claim is None else claim.resolution,
        "kind": kind, "raw": None if raw is None else dict(raw),
        "omegas": list(diag.get("omegas", ())), "variable": diag.get("variable", "T"),
        "out_of_regime": diag.get("out_of_regime"),
        "has_extrapolation": m is not None and m.extrapolation is not None,
        "options": diag.get("extrapolation_options"),
    }  # fmt: skip


def capture(a: float, b: float, cache_dir: Path, out: Path) -> None:
    """Run the default validate at ``(a, b)`` and pickle its rows (:func:`_row`) with CPU/wall."""
    import solvers.claims.validate as sv
    from solvers.claims.catalog import CLAIMS
    from solvers.cli import main

    kept = []
    real = sv.validate

    def keep(*args, **kwargs):
        rows = real(*args, **kwargs)
        kept.extend(rows)
        return rows

    sv.validate = keep
    t0, c0 = time.time(), _cpu()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["validate", "--a", str(a), "--b", str(b), "--cache-dir", str(cache_dir),
              "--format", "json"])  # fmt: skip
    wall, cpu = time.time() - t0, _cpu() - c0
    data = {"a": a, "b": b, "wall": wall, "cpu": cpu, "json": buf.getvalue(),
            "rows": [_row(r, CLAIMS) for r in kept]}  # fmt: skip
    out.write_bytes(pickle.dumps(data))
    print(f"({a}, {b}): {len(kept)} rows, {cpu:.1f} s CPU, {wall:.1f} s wall -> {out}")


def reextrapolate(row: dict, options: ExtrapolationOptions):
    """The row's extrapolation redone with ``options`` (``None`` when it kept none)."""
    if row["raw"] is None or not row["has_extrapolation"]:
        return None
    f = extrapolate_exponent if row["kind"] == "exponent" else extrapolate_sequence
    return f(**row["raw"], omegas=row["omegas"], options=_merged(options, row.get("options")))


def _merged(options: ExtrapolationOptions, own) -> ExtrapolationOptions:
    """``options`` with the fields a claim set for itself (``own``, e.g. the hard window's
    ``min_terms=1`` while its shape drifts) where they differ from the defaults."""
    if own is None:
        return options
    default = ExtrapolationOptions()
    changed = {f.name: getattr(own, f.name) for f in dataclasses.fields(own)
               if getattr(own, f.name) != getattr(default, f.name)}  # fmt: skip
    return dataclasses.replace(options, **changed)


def verdict(row: dict, e) -> str:
    """The verdict word of :func:`solvers.claims.core.statistical_verdict` for ``e``."""
    from solvers.claims.core import statistical_verdict

    if e is None or row["predicted"] is None:
        return row["verdict"].split(":")[0]
    v = statistical_verdict(e, row["predicted"], row["target"], omegas=row["omegas"])
    word = v.split(":")[0]
    return f"inconclusive (out of regime; was {word})" if row["out_of_regime"] else word


def _cell(row, e) -> str:
    if e is None:
        return "(no extrapolation)"
    return f"{e.value:.4f} ± {e.stderr:.2g} (±{e.halfwidth:.2g}) {verdict(row, e)}"


def shifted_flip(row: dict, e) -> str:
    """Whether the prediction moved by twice the resolution target (0.02 in an exponent, 0.2
    for delta) disagrees on both sides (the issue's shifted-prediction test): ``yes``/``no``."""
    if e is None or row["predicted"] is None or row["target"] is None:
        return "-"
    shift = 2 * row["target"]
    moved = {**row, "out_of_regime": None}
    flips = [verdict({**moved, "predicted": row["predicted"] + d}, e) == "disagrees"
             for d in (-shift, shift)]  # fmt: skip
    return "yes" if all(flips) else "no"


def compare(files, before: ExtrapolationOptions, rules: dict) -> None:
    """Markdown table per point: every claim with an extrapolation, before and after each rule
    (``{name: options}``); the last column says whether a prediction moved by twice the
    resolution target disagrees, before / after each rule."""
    for path in files:
        data = pickle.loads(Path(path).read_bytes())
        print(f"\n**({data['a']}, {data['b']}): {data['cpu']:.0f} s CPU, {data['wall']:.0f} s wall** "
              "(CPU: the process's own rusage)\n")  # fmt: skip
        names = list(rules)
        print(f"| claim | pred | slowest omega | before | {' | '.join(names)} | values "
              f"| ±2x target flips |")  # fmt: skip
        print("|---" * (len(names) + 6) + "|")
        for row in data["rows"]:
            eb = reextrapolate(row, before)
            if eb is None:
                continue
            run = math.nan if row["measured"] is None else float(row["measured"])
            same = abs(eb.value - run) <= 1e-12 or (math.isnan(eb.value) and math.isnan(run))
            if not same:  # the claim post-processed its extrapolation: not comparable here
                print(f"| {row['claim']} | (re-extrapolation {eb.value:.6g} != run's "
                      f"{row['measured']}: not compared) |")  # fmt: skip
                continue
            es = [eb, *(reextrapolate(row, o) for o in rules.values())]
            w = min(row["omegas"]) if row["omegas"] else math.nan
            counts = " / ".join(e.message.split(" over ")[1].split()[0] for e in es)
            flips = " / ".join(shifted_flip(row, e) for e in es)
            pred = "-" if row["predicted"] is None else f"{row['predicted']:.4g}"
            cells = " | ".join(_cell(row, e) for e in es)
            print(f"| {row['claim']} | {pred} | {w:.3g} | {cells} | {counts} | {flips} |")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--a", type=float, required=True)
    c.add_argument("--b", type=float, required=True)
    c.add_argument("--cache-dir", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    m = sub.add_parser("compare")
    m.add_argument("files", nargs="+")
    m.add_argument("--rules", choices=sorted(RULE_SETS), default="tail7",
                   help="the protocol whose variants are compared with main's options")  # fmt: skip
    args = p.parse_args(argv)
    if args.cmd == "capture":
        capture(args.a, args.b, args.cache_dir, args.out)
    else:
        compare(args.files, MAIN_OPTIONS, RULE_SETS[args.rules])


#: The options main's default run uses (the tail counted in slopes).
MAIN_OPTIONS = ExtrapolationOptions(tail=6, short=3, span=0.0, harmonic=False)
#: The rules of the protocol: the window spans 1.5 e-folds of the slowest derived correction and
#: the fits carry its second order (v1); v2 leaves the derived list as derived and fits the free
#: second order on >= 8 values only (the addendum).
RULES = {
    "v1": ExtrapolationOptions(span=1.5, harmonic=True),
    "v2": ExtrapolationOptions(
        span=1.5, harmonic=True, harmonic_derived=False, harmonic_min_points=8
    ),
}

#: benchmarks/results/claims_harmonic12_PROTOCOL.md: the slowest derived correction's second
#: order on main's window (no span): in the derived and the free-omega schemes ("h"), or in the
#: derived schemes only ("hd": the free-omega fit keeps one term).
RULES_HARMONIC12 = {
    "h": ExtrapolationOptions(harmonic=True),
    "hd": ExtrapolationOptions(harmonic=True, harmonic_min_points=10**6),
}
RULE_SETS = {"tail7": RULES, "harmonic12": RULES_HARMONIC12}

if __name__ == "__main__":
    np.set_printoptions(precision=5)
    main(sys.argv[1:])
