import json
import sys

from solvers.control.compute_optimal import compute_optimal_scaling
from theory import PLRFModel

a, b = float(sys.argv[1]), float(sys.argv[2])
Cs = [float(x) for x in sys.argv[3].split(",")]
m = PLRFModel(a=a, b=b, sigma=0.5, batch=1.0)


def prog(p):
    print(json.dumps(p.to_dict()), flush=True)


res = compute_optimal_scaling(m, Cs, progress=prog)
json.dump(res.to_dict(), open(sys.argv[4], "w"), indent=1)
print(json.dumps(res.to_dict()["measured"]), json.dumps(res.derived))
print(json.dumps(res.to_dict()["fits"]))
