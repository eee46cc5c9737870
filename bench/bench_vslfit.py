#!/usr/bin/python3
"""Companion of bench_vslfit.c: the same single VSL fits (30 points,
sigma-weighted, absolute sigma) with scipy.optimize.curve_fit (covariance
included), from gainkit's first automatic start, on the exact data the C
benchmark prints. Models with an explicit I(L): vsl1, vsl2, emp. (sat is
fitted by gainkit as L versus I with effective-variance weights in two
passes, and sat-exact needs the inversion of its closed form: no scipy
counterpart here yet, their gainkit times are printed alone.)

CPU time on both sides (time.process_time, CLOCK_PROCESS_CPUTIME_ID).
Usage: bench_vslfit.py BUILD/bench/bench_vslfit [reps-scale]
Last line: the ratio curve_fit / gainkit per model."""
import subprocess
import sys
import time

import numpy as np
from scipy.optimize import curve_fit


def vsl1(L, g, lnA):
    return np.exp(lnA) * np.expm1(g * L) / g


def vsl2(L, g, lnA1, A2):
    return np.exp(lnA1) * np.expm1(g * L) / g + A2 * L


def emp(L, g, lnA, lnLs):
    Ls = np.exp(lnLs)
    return np.exp(lnA + g * Ls * -np.expm1(-L / Ls))


MODELS = {"vsl1": vsl1, "vsl2": vsl2, "emp": emp}


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else "build/bench/bench_vslfit"
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    out = subprocess.run([exe, str(scale)], check=True, capture_output=True, text=True).stdout
    data, start, gk = {}, {}, {}
    for line in out.splitlines():
        f = line.split()
        if f[0] == "data":
            data.setdefault(f[1], []).append([float(v) for v in f[2:5]])
        elif f[0] == "start":
            start[f[1]] = [float(v) for v in f[2:]]
        elif f[0] == "case":
            gk[f[1]] = (float(f[3]), float(f[5]))
    ratios, ok = [], True
    for name in ["vsl1", "vsl2", "sat", "sat-exact", "emp"]:
        g_chi2, g_us = gk[name]
        if name not in MODELS:
            print(f"{name:10s} gainkit {g_us:8.1f} us  (no scipy counterpart)  chi2 {g_chi2:.10e}")
            continue
        L, I, S = np.array(data[name]).T
        fn = MODELS[name]
        reps = max(1, int(300 * scale))
        c0 = time.process_time()
        for _ in range(reps):
            p, cov = curve_fit(fn, L, I, p0=start[name], sigma=S, absolute_sigma=True,
                               xtol=1e-12, ftol=1e-12, gtol=1e-12, maxfev=10000)
        us = (time.process_time() - c0) * 1e6 / reps
        chi2 = float(np.sum(((fn(L, *p) - I) / S) ** 2))
        rel = abs(chi2 - g_chi2) / g_chi2
        ok &= rel <= 1e-6
        print(f"{name:10s} gainkit {g_us:8.1f} us  curve_fit {us:8.1f} us  ratio {us / g_us:6.2f}x  "
              f"chi2 {g_chi2:.10e} vs {chi2:.10e} (rel {rel:.1e}{'' if rel <= 1e-6 else ' DIFFERENT OPTIMUM'})")
        ratios.append(f"{name} {us / g_us:.2f}x")
    print("ratio curve_fit/gainkit (CPU time): " + ", ".join(ratios) + ("" if ok else "  [chi2 mismatch]"))


if __name__ == "__main__":
    main()
