#!/usr/bin/env python3
"""TA maps at several <N> for `gainkit tamap gain`, from the Poisson
statistics of a two-fold degenerate band edge (independent of gainkit): a
dot with 0 excitons absorbs (+1), with 1 is transparent (0), with 2 or more
has its band edge full and shows gain (-1), so the ensemble absorption is
a = p0 - P(n >= 2) = 2 p0 + p1 - 1 (p_i Poisson probabilities) and
    -dA/A0 = s(lambda) [2 - exp(-N) (2 + N)],
which reaches 1 at the band edge (s = 1) where exp(-N)(2 + N) = 1:
N_th = 1.146193 (Klimov et al., Science 2000; Ahn et al., Chem. Rev. 2023,
section 3.1.2). (Until 2026-12 this script used a = p0 - p2, which leaves
out dots with 3 or more excitons; its threshold sqrt 2 belonged to that
inconsistent model.) s(lambda) = exp(-(lambda - 505 nm)^2 / (2 (4 nm)^2));
wavelengths with 2 s > 1 reach gain at high enough N.
Run: /usr/bin/python3 examples/gen/gen_tagain.py [OUTDIR]
"""
import os
import sys

import numpy as np
from scipy.special import erf

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tamap")
wl = np.arange(490.0, 520.5, 1.0)
t = np.concatenate([np.arange(-1.0, 0.0, 0.25), np.arange(0.0, 10.01, 0.5)])  # ps
a0 = 0.3 * (1 + erf((505.0 - wl) / 6.0)) / 2 + 0.05        # OD, band edge at 505 nm
s = np.exp(-0.5 * ((wl - 505.0) / 4.0) ** 2)
rise = 0.5 * (1 + erf(t / (0.1 / 1.6651)))                  # 100 fs FWHM step at t = 0
Ns = [0.5, 0.8, 1.0, 1.1, 1.2, 1.4, 2.0, 2.7]
with open(os.path.join(out, "gain_a0.csv"), "w") as fp:
    fp.write("wavelength (nm),absorbance (OD)\n")
    for w in np.arange(480.0, 530.5, 0.5):
        fp.write("%.6g,%.9g\n" % (w, 0.3 * (1 + erf((505.0 - w) / 6.0)) / 2 + 0.05))
for k, N in enumerate(Ns):
    f = 2 - np.exp(-N) * (2 + N)
    dA = -(a0 * s * f)[:, None] * rise[None, :]
    with open(os.path.join(out, "gain_n%d.csv" % (k + 1)), "w") as fp:
        fp.write("# <N> = %g; -dA/A0 = s(lambda) [2 - exp(-N)(2 + N)], threshold 1.146193 at 505 nm\n" % N)
        fp.write("wavelength (nm) \\ delay (ps)," + ",".join("%.6g" % v for v in t) + "\n")
        for i, w in enumerate(wl):
            fp.write("%.6g," % w + ",".join("%.9g" % v for v in dA[i]) + "\n")
