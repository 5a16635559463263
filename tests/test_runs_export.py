"""``optlr export`` for the framework adapters and the nearest built-in forms (issue 14 item 6)."""

import json

import numpy as np

from solvers.cli import main
from solvers.runs import LossParams, nearest_forms, parametric_schedule


def test_adapter_code_rebuilds_the_schedule_exactly(capsys):
    for kind, name in (("torch", "make_scheduler"), ("hf", "make_scheduler")):
        assert main(["export", "--schedule", "cosine:0.1", "--T", "50", "--format", kind]) == 0
        code = capsys.readouterr().out
        ns: dict = {}
        exec(code, ns)  # defines SCHEDULE and the factory; torch is imported only when called
        assert callable(ns[name])
        assert main(["export", "--schedule", "cosine:0.1", "--T", "50", "--format", "json"]) == 0
        lr = json.loads(capsys.readouterr().out)["lr"]
        assert ns["SCHEDULE"].lr.tolist() == lr  # repr round trip: every rate bit for bit


def test_nearest_form_of_a_polynomial_is_itself_and_priced_at_zero(tmp_path, capsys):
    p = LossParams(L_inf=2.5, A=1.0, s=50.0, nu=100.0, a=2.2, b=1.4)
    eta = parametric_schedule("poly", 400, 1e-3, 1.5)
    near = nearest_forms(eta, params=p)
    assert near["poly"]["shape"] == 1.5 and near["poly"]["rms"] < 1e-12
    assert abs(near["poly"]["penalty"]) < 1e-12
    assert near["wsd"]["rms"] > 0.01 and near["wsd"]["penalty"] != 0.0
    model = tmp_path / "fit.json"
    model.write_text(json.dumps({"model": {k: getattr(p, k) for k in
                                           ("L_inf", "A", "s", "nu", "a", "b", "p")}}))  # fmt: skip
    assert main(["export", "--schedule", "poly:0.001,1.5", "--T", "400", "--nearest",
                 "--model", str(model), "--format", "json"]) == 0  # fmt: skip
    d = json.loads(capsys.readouterr().out)["nearest"]
    assert d["poly"]["shape"] == 1.5 and abs(d["poly"]["penalty"]) < 1e-12
    assert np.isclose(d["wsd"]["penalty"], near["wsd"]["penalty"], rtol=1e-9)
    assert main(["export", "--schedule", "poly:0.001,1.5", "--T", "40", "--nearest",
                 "--model", str(tmp_path / "missing.json")]) == 2  # fmt: skip
    assert "--model:" in capsys.readouterr().err
