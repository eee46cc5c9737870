#!/usr/bin/python3
"""Companion of bench_simulate.c: the flux solve of the stripe simulator
(the kernel that takes ~95 % of a run) written the way numpy does it best —
the recurrence over cells is sequential, so each cell is one vectorised
operation over all wavelength bins (numpy's SIMD loops for exp, division,
multiply-add). Same grid as the C single run: 200 cells x 128 bins, forward
and backward sweeps with the exact cell integrator (phi, psi), then the
per-cell rate sums; populations fixed at a gain-clamped state (the cost
does not depend on their values).

Both sides report cell-updates (cells x bins x 2 directions) per CPU-second
(time.process_time / CLOCK_PROCESS_CPUTIME_ID), not wall time: the machine
is shared.

Usage: bench_simulate.py [BUILD/bench/bench_simulate]
With the C bench given, the last line is the ratio C / numpy per core."""
import os
import re
import subprocess
import sys
import time

import numpy as np

NX, NB, STEPS = 200, 128, 200
dx = 0.2 / NX
lam = np.linspace(540, 660, NB)
ce = 0.9 * 2e-16 * np.exp(-4 * np.log(2) * ((lam - 590) / 40) ** 2)
ca = 0.9 * 1.5e-16 * np.exp(-4 * np.log(2) * ((lam - 530) / 40) ** 2)
abg = np.full(NB, 1.0)
fs = 0.5 * 0.01 * 150e-4 * 1e-4 * np.full(NB, 1.0 / NB)
u = np.linspace(1.0e17, 3.0e17, NX)
v = 2e18 - u
q = u / 6e-9


def phipsi(z):
    small = np.abs(z) < 1e-2
    zs = np.where(small, 1.0, z)
    phil = np.expm1(zs) / zs
    psil = (phil - 1) / zs
    psis = 0.5 + z * (1 / 6 + z * (1 / 24 + z * (1 / 120 + z / 720)))
    return np.where(small, 1 + z * psis, phil), np.where(small, psis, psil)


def step():
    phi = np.empty((NX, NB))
    psi = np.empty((NX, NB))
    J = np.empty((NX, NB))
    s = np.zeros(NB)
    for i in range(NX):
        z = (ce * u[i] - ca * v[i] - abg) * dx
        src = fs * q[i]
        phi[i], psi[i] = phipsi(z)
        J[i] = s
        s = s * (1 + z * phi[i]) + src * dx * phi[i]
    edge = s
    s = np.zeros(NB)
    for i in range(NX - 1, -1, -1):
        z = (ce * u[i] - ca * v[i] - abg) * dx
        src = fs * q[i]
        J[i] = (J[i] + s) * dx * phi[i] + 2 * src * dx * dx * psi[i]
        s = s * (1 + z * phi[i]) + src * dx * phi[i]
    we = J @ ce
    wa = J @ ca
    wbg = J @ abg
    return edge, s, we, wa, wbg


def main():
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for _ in range(STEPS):
            out = step()
        best = min(best, time.process_time() - t0)
    assert np.all(np.isfinite(out[0])) and out[0].max() > 0
    rate = 2.0 * NX * NB * STEPS / best
    print(f"numpy flux solve {NX}x{NB}: {best / STEPS * 1e3:.3f} ms per step, {rate:.3g} cell-updates/s per core (cpu)")
    if len(sys.argv) > 1:
        env = dict(os.environ, OMP_NUM_THREADS="1", BENCH_REPEAT="3")
        txt = subprocess.run([sys.argv[1]], capture_output=True, text=True, env=env).stdout
        m = re.search(r"single run 200x128\s+1 thread\(s\):.*?([0-9.e+]+) updates/s per core", txt)
        if m:
            c = float(m.group(1))
            print(f"gainkit single run (whole simulation): {c:.3g} cell-updates/s per core (cpu)")
            print(f"ratio gainkit / numpy per core: {c / rate:.1f}")


if __name__ == "__main__":
    main()
