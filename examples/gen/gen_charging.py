#!/usr/bin/env python3
"""PL decays of a neutral and a partially charged nanocrystal sample for
`gainkit trpl --charging` (numpy only, independent of gainkit). In the
charged sample a fraction q0 = exp(-<n_e>) of the dots is neutral (Poisson-
distributed extra electrons, <n_e> = 0.8) and decays with the exciton
lifetime (20 ns); the charged dots emit a charged exciton that decays in
1.5 ns. Both samples are recorded with different collection (scales 3.7 and
1), with 0.5 % multiplicative noise and a small floor. The degree of charging
follows from the tail (Ahn et al., Chem. Rev. 2023, Fig. 13b):
q(0) = 0.449329, <n_e> = 0.8.
Run: /usr/bin/python3 examples/gen/gen_charging.py [OUTDIR]
"""
import os
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tamap")
ne = 0.8
q0 = np.exp(-ne)
t = np.arange(0.0, 100.0001, 0.2)                       # ns
neutral = 3.7 * np.exp(-t / 20.0)
charged = q0 * np.exp(-t / 20.0) + (1 - q0) * np.exp(-t / 1.5)
rng = np.random.default_rng(11)
neutral = neutral * (1 + 0.005 * rng.standard_normal(t.size)) + 1e-5 * rng.standard_normal(t.size)
charged = charged * (1 + 0.005 * rng.standard_normal(t.size)) + 1e-5 * rng.standard_normal(t.size)
with open(os.path.join(out, "trpl_charging.csv"), "w") as fp:
    fp.write("# true_n_e: %.6g; true_q0: %.9g; exciton 20 ns, charged exciton 1.5 ns\n" % (ne, q0))
    fp.write("t (ns),PL neutral,PL charged\n")
    for a, b, c in zip(t, neutral, charged):
        fp.write("%.6g,%.9g,%.9g\n" % (a, b, c))
