#!/usr/bin/python3
"""The scipy counterpart of bench_tamap.c: the same 200 x 500 map, the same
sequential 3-compartment model with a Gaussian IRF, fitted by variable
projection (scipy.optimize.least_squares over rates, t0 and FWHM; spectra
by numpy.linalg.lstsq inside the residual), from the same starting point.
Prints the CPU time and, given the C time, the ratio.

    /usr/bin/python3 bench/bench_tamap.py [C_SECONDS]
Never part of `make check` (timings)."""
import os
import sys
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import time
import numpy as np
from scipy.optimize import least_squares
from scipy.special import erfcx

wl = 450 + 0.5 * np.arange(200)
j = np.arange(500)
t = np.where(j < 100, -1e-12 + j * 0.03e-12, 2e-12 * 1.0114 ** (j - 100))
PS = 1e-12


def basis(tt, tau, fwhm):
    """exp(-t/tau) H(t) convolved with a unit-area Gaussian (stable form)."""
    s = fwhm / (2 * np.sqrt(2 * np.log(2)))
    x = (s / tau - tt / s) / np.sqrt(2)
    # 0.5 exp(s^2/2tau^2 - t/tau) erfc(x) = 0.5 exp(-t^2/2s^2) erfcx(x)
    return np.where(x > 0, 0.5 * np.exp(-0.5 * (tt / s) ** 2) * erfcx(x),
                    0.5 * np.exp(s * s / (2 * tau * tau) - tt / tau) * (2 - erfcx(-x) * np.exp(-x * x)))


def conc(k, t0, fwhm):
    k1, k2, k3 = k
    tt = t - t0
    b = [basis(tt, 1 / kk, fwhm) for kk in k]
    # sequential A -> B -> C -> 0 (Bateman coefficients)
    ca = b[0]
    cb = k1 / (k2 - k1) * (b[0] - b[1])
    cc = k1 * k2 * (b[0] / ((k2 - k1) * (k3 - k1)) + b[1] / ((k1 - k2) * (k3 - k2)) + b[2] / ((k1 - k3) * (k2 - k3)))
    return np.stack([ca, cb, cc], 1)


ktrue = np.array([1 / 0.5e-12, 1 / 8e-12, 1 / 300e-12])
x = wl
sas = np.stack([-np.exp(-0.5 * ((x - 500) / 15) ** 2), -0.7 * np.exp(-0.5 * ((x - 510) / 10) ** 2) + 0.2,
                0.4 * np.exp(-0.5 * ((x - 530) / 20) ** 2)], 1)
rng = np.random.default_rng(7)
Z = 1e-3 * conc(ktrue, 0.1e-12, 120e-15) @ sas.T + 1e-6 * (rng.random((500, 200)) - 0.5)   # delays x wavelengths


def resid(p):
    C = conc(p[:3] * 1e12, p[3] * PS, p[4] * PS)
    A, *_ = np.linalg.lstsq(C, Z, rcond=None)
    return (C @ A - Z).ravel()


p0 = np.array([1.3 * ktrue[0] / 1e12, 0.8 * ktrue[1] / 1e12, 1.2 * ktrue[2] / 1e12, 0.0, 0.1])
best = np.inf
for _ in range(3):
    c0 = time.process_time()
    r = least_squares(resid, p0, method="lm", xtol=1e-12, ftol=1e-12)
    best = min(best, time.process_time() - c0)
print("scipy varpro fit 200x500, 3 compartments: %.3f s CPU (lifetimes %s ps, nfev %d)"
      % (best, " ".join("%.4g" % (1 / v) for v in r.x[:3]), r.nfev))
if len(sys.argv) > 1:
    print("ratio scipy / gainkit: %.1f" % (best / float(sys.argv[1])))
