#!/usr/bin/env python3
"""Synthetic TRPL data for gainkit trpl (trap-assisted model, IRF), made
independently of gainkit: scipy solve_ivp (LSODA) for the rate equations,
numpy convolution on a 0.5 ps grid for the instrument response.

  trpl_trap.csv  trap-assisted recombination (Stranks et al., Phys. Rev.
                 Applied 2014): dn_e/dt = -k2 n_e n_h - kT n_e (NT - n_t),
                 dn_t/dt = kT n_e (NT - n_t) - kD n_t n_h, n_h = n_e + n_t,
                 PL = k2 n_e n_h; 7 initial densities, 1 % noise.
  trpl_irf.csv   ABC decays (k1, k2, k3) excited at t0 = 0.5 ns, convolved
                 with a Gaussian IRF of FWHM 80 ps (gauss) ...
  trpl_irfm.csv  ... and with an asymmetric response (60 ps FWHM Gaussian
                 convolved with a 150 ps exponential tail), itself written to
  irf.csv        (the "measured" IRF, sampled like the data).
Run: /usr/bin/python3 examples/gen/gen_trpl.py [OUTDIR]
"""
import os
import sys

import numpy as np
from scipy.integrate import solve_ivp

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tamap")
rng = np.random.default_rng(21)

# ---- trap-assisted ----
k2, kT, kD, NT = 1e-10, 2e-9, 1e-12, 2e18
n0s = [1e17, 5e17, 1e18, 2e18, 4e18, 8e18, 1.6e19, 3.2e19]
tt = np.concatenate([np.arange(0, 2.0, 0.02), 2.0 + 0.1 * np.arange(0, 181)]) * 1e-9


def trap(t, y):
    # y = (ln n_e, n_t): n_e keeps its relative accuracy over the decades the
    # low-fluence decays fall within the window
    ne, nt = np.exp(y[0]), y[1]
    nh = ne + nt
    return [-k2 * nh - kT * (NT - nt), kT * ne * (NT - nt) - kD * nt * nh]


cols = []
for n0 in n0s:
    sol = solve_ivp(trap, (0, tt[-1]), [np.log(n0), 0.0], t_eval=tt, method="LSODA", rtol=1e-11,
                    atol=[1e-11, 1e3])
    ne, nt = np.exp(sol.y[0]), sol.y[1]
    cols.append(1e-3 * k2 * ne * (ne + nt) * (1 + 0.01 * rng.standard_normal(len(tt))))
with open(os.path.join(out, "trpl_trap.csv"), "w") as fp:
    fp.write("# trap-assisted model (Stranks et al. 2014), scipy LSODA\n")
    fp.write("# true: k2 1e-10 cm3/s, kT 2e-9 cm3/s, kD 1e-12 cm3/s, NT 2e18 cm-3\n")
    fp.write("# n0 (cm^-3) of the columns: " + ", ".join("%g" % n for n in n0s) + "\n")
    fp.write("t (ns)," + ",".join("PL %g" % n for n in n0s) + "\n")
    for q, tv in enumerate(tt):
        fp.write("%.6g," % (tv * 1e9) + ",".join("%.6g" % c[q] for c in cols) + "\n")

# ---- ABC with an instrument response ----
k1, k2a, k3 = 1e8, 5e-10, 1e-28
n0a = [1e17, 1e18, 5e18]
t0 = 0.5e-9
dt = 0.5e-12
tf = np.arange(0, 21e-9, dt)              # fine grid from the excitation


def abc(t, y):
    return -k1 * y - k2a * y * y - k3 * y ** 3


shapes = []
for n0 in n0a:
    sol = solve_ivp(abc, (0, tf[-1]), [n0], t_eval=tf, method="LSODA", rtol=1e-11, atol=1e3)
    shapes.append(k2a * sol.y[0] ** 2)
tdata = np.arange(-1e-9, 20e-9 + 1e-15, 10e-12)


def conv(irf_t, irf_y, shape):
    """PL(t) = integral R(s) P(t - t0 - s) ds on the fine grid, R of unit area."""
    w = irf_y / irf_y.sum()
    full = np.convolve(shape, w)           # index i + m  <->  tf[i] + irf_t[m]
    tfull = tf[0] + irf_t[0] + dt * np.arange(len(full))
    return np.interp(tdata - t0, tfull, full, left=0.0)


s_g = 80e-12 / 2.3548
irf_t = np.arange(-8 * s_g, 8 * s_g + dt / 2, dt)
irf_g = np.exp(-0.5 * (irf_t / s_g) ** 2)
# asymmetric response: 60 ps Gaussian * 150 ps exponential tail, centroid at 0
s_m = 60e-12 / 2.3548
irf_tm = np.arange(-8 * s_m, 2.5e-9, dt)
g = np.exp(-0.5 * (irf_tm / s_m) ** 2)
tail = np.where(irf_tm >= irf_tm[0], np.exp(-(irf_tm - irf_tm[0]) / 150e-12), 0)
irf_m = np.convolve(g, tail)[: len(irf_tm)]
irf_m /= irf_m.max()
cen = np.sum(irf_tm * irf_m) / np.sum(irf_m)
irf_tm = irf_tm - cen                      # centroid at 0 (gainkit's convention)
for name, it, iy in (("trpl_irf.csv", irf_t, irf_g), ("trpl_irfm.csv", irf_tm, irf_m)):
    cols = []
    for sh in shapes:
        y = 1e-3 * conv(it, iy, sh)
        y = y * (1 + 0.01 * rng.standard_normal(len(y))) + 1e-6 * rng.random(len(y))
        cols.append(y)
    with open(os.path.join(out, name), "w") as fp:
        fp.write("# ABC k1 1e8 /s, k2 5e-10 cm3/s, k3 1e-28 cm6/s; excitation at t0 = 0.5 ns\n")
        fp.write("# IRF: %s\n" % ("Gaussian, FWHM 80 ps" if it is irf_t else
                                  "60 ps Gaussian * 150 ps exponential tail (irf.csv)"))
        fp.write("# n0 (cm^-3) of the columns: " + ", ".join("%g" % n for n in n0a) + "\n")
        fp.write("t (ns)," + ",".join("PL %g" % n for n in n0a) + "\n")
        for q, tv in enumerate(tdata):
            fp.write("%.6g," % (tv * 1e9) + ",".join("%.6g" % c[q] for c in cols) + "\n")
# the measured IRF, sampled every 10 ps, its own arbitrary time origin (+2 ns)
ts = np.arange(irf_tm[0], irf_tm[-1], 10e-12)
with open(os.path.join(out, "irf.csv"), "w") as fp:
    fp.write("# instrument response: 60 ps Gaussian * 150 ps exponential tail\n")
    fp.write("t (ns),counts\n")
    for tv in ts:
        fp.write("%.6g,%.6g\n" % ((tv + 2e-9) * 1e9, 1000 * np.interp(tv, irf_tm, irf_m)))
