"""``optlr derive``: the scaling laws derived by the symbolic engine, as text, LaTeX or JSON.

JSON contract (issue 3 item 6): top-level ``phase_boundary`` (easy-phase condition, a SymPy
relational string in ``a, b``), ``easy`` and ``hard`` objects with exponent strings that
``sympy.sympify`` parses (a loss exponent ``p`` means ``L ~ T^(-p)`` or ``C^(-p)``), each with a
``compute_optimal`` object. With ``--a/--b``: ``a``, ``b``, ``phase`` and ``numeric`` (the same
keys with float values).
"""

from __future__ import annotations

import argparse

__all__ = ["register"]


def _numeric(laws, a: float, b: float) -> dict:
    out: dict = {}
    for phase in (laws.easy, laws.hard):
        d: dict = {}
        for name, e in phase.exponents.items():
            val = e.evaluate(a=a, b=b)
            if name.startswith("compute_optimal."):
                d.setdefault("compute_optimal", {})[name.split(".", 1)[1]] = val
            else:
                d[name] = val
        out[phase.phase] = d
    return out


def _text(laws, model) -> str:
    lines = [
        "optlr derive: scaling laws of optimal learning-rate schedules (derived by dominant balance)",
        f"engine status: {laws.message}",
        f"phase boundary: easy phase iff {laws.phase_boundary}",
    ]
    if model is not None:
        lines.append(f"a={model.a:g} b={model.b:g}: phase {laws.phase(model.a, model.b)}")
    for p in (laws.easy, laws.hard):
        lines += ["", f"{p.phase} phase ({p.condition}): eta*(t) = {p.schedule}"]
        for name, e in p.exponents.items():
            num = f"  = {e.evaluate(model):.6g}" if model is not None else ""
            lines.append(f"  {name:<38} {e.expr!s:<44} {e.meaning}{num}")
    return "\n".join(lines)


def _cmd_derive(args: argparse.Namespace) -> None:
    from theory import PLRFModel, derivation_document, derive_scaling_laws, pontryagin_fragments

    from ._common import dumps, emit, refuse_given

    if args.format != "latex":
        refuse_given(args, ("--pontryagin",), "applies to --format latex only")
    if (args.a is None) != (args.b is None):
        raise ValueError("derive: give both --a and --b, or neither")
    model = None if args.a is None else PLRFModel(a=args.a, b=args.b)
    laws = derive_scaling_laws()
    if args.format == "json":
        payload = laws.as_dict()
        if model is not None:
            payload |= {
                "a": model.a,
                "b": model.b,
                "phase": laws.phase(model.a, model.b),
                "numeric": _numeric(laws, model.a, model.b),
            }
        emit(dumps(payload), args.out)
    elif args.format == "latex":
        prefix = pontryagin_fragments() if args.pontryagin else []
        note = ""
        if model is not None:
            note = (
                rf"\paragraph{{Numeric values}} For $a={model.a:g}$, $b={model.b:g}$ "
                rf"({laws.phase(model.a, model.b)} phase): "
                + ", ".join(
                    rf"\texttt{{{n.replace('_', chr(92) + '_')}}} $= {e.evaluate(model):.6g}$"
                    for n, e in (
                        laws.easy.exponents if model.a > model.b else laws.hard.exponents
                    ).items()
                )
                + "."
            )
        emit(derivation_document(prefix, laws=laws, model_note=note), args.out)
    else:
        emit(_text(laws, model), args.out)


def register(sub) -> None:
    """Add the ``derive`` subcommand."""
    from ._common import add_output_arguments, real

    p = sub.add_parser(
        "derive",
        help="derive the scaling laws (phase boundary, exponents) symbolically",
        description="Derive every scaling law of docs/theory.md section 3 by dominant balance.",
    )
    p.add_argument("--a", type=real, default=None, help="source exponent a > 1 (numeric values)")
    p.add_argument("--b", type=real, default=None, help="spectral exponent b > 1 (numeric values)")
    p.add_argument(
        "--pontryagin",
        action="store_true",
        help="prepend the control-theory derivation (currently: the dynamics) to the LaTeX",
    )
    add_output_arguments(p, ("text", "latex", "json"))
    p.set_defaults(func=_cmd_derive)
