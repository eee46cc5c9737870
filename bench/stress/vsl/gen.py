#!/usr/bin/python3
"""Random VSL data sets for the emp9 stress comparison (session 9).

Regimes: net gain from negative to strong (g Lmax from -4 to 40), saturation
onsets (dI/dL = A + g I/(1 + I/Is) integrated by RK4, the onset anywhere from
before the first stripe to beyond the last), emp-shaped and vsl2-shaped
(background A2 L) curves; noise from none to heavy (relative 0-30 % plus an
absolute floor, Gaussian, fixed seed); sigma-, relative- and un-weighted
files (a sigma column or not; the weighting is chosen at fit time); 10-40
points; lengths written in mm, um or cm; intensity scales 1e-2 to 1e12.
Usage: gen.py OUTDIR N SEED"""
import os
import sys

import numpy as np


def sat_curve(L, g, A, Is):
    """I(L) of dI/dL = A + g I / (1 + I/Is), I(0) = 0, RK4 on a fine grid."""
    out = np.empty_like(L)
    x, I = 0.0, 0.0
    for k, Lk in enumerate(L):
        nstep = 400
        h = (Lk - x) / nstep
        f = lambda v: A + g * v / (1 + v / Is)
        for _ in range(nstep):
            k1 = f(I); k2 = f(I + h / 2 * k1); k3 = f(I + h / 2 * k2); k4 = f(I + h * k3)
            I += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        x = Lk
        out[k] = I
    return out


def main():
    outdir, n_files, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(seed)
    os.makedirs(outdir, exist_ok=True)
    for f in range(n_files):
        n = int(rng.integers(10, 41))
        Lmax = 10 ** rng.uniform(-2.3, -0.3)            # cm: 50 um to 5 mm
        Lmin = Lmax * rng.uniform(0.02, 0.3)
        L = np.linspace(Lmin, Lmax, n)
        if rng.random() < 0.2:                        # uneven spacing
            L = np.sort(rng.uniform(Lmin, Lmax, n))
            L = np.unique(np.round(L, 9))
            n = len(L)
        gL = rng.choice([rng.uniform(-4, 0), rng.uniform(0, 3), rng.uniform(3, 12), rng.uniform(12, 40)])
        g = gL / Lmax
        A = 10 ** rng.uniform(-1, 6)
        kind = rng.choice(["vsl1", "vsl2", "sat", "emp"], p=[0.25, 0.2, 0.35, 0.2])
        if kind == "vsl1" or (kind == "sat" and g <= 0):
            I = A * np.expm1(g * L) / g if g != 0 else A * L
            kind = "vsl1"
        elif kind == "vsl2":
            I = A * np.expm1(g * L) / g + A * rng.uniform(0.1, 30) * L
        elif kind == "sat":
            # onset where I reaches Is: pick Is relative to the unsaturated end value
            Iend = A * np.expm1(g * Lmax) / g
            Is = Iend * 10 ** rng.uniform(-3, 1.5)
            I = sat_curve(L, g, A, Is)
        else:
            Ls = Lmax * 10 ** rng.uniform(-1, 1.5)
            I = A * np.exp(g * Ls * -np.expm1(-L / Ls))
        scale = 10 ** rng.uniform(-2, 12) / max(np.max(np.abs(I)), 1e-300)
        I = I * scale
        noise = rng.choice([0.0, 0.003, 0.02, 0.08, 0.3])
        floor = rng.choice([0.0, 1e-3, 1e-2]) * np.max(np.abs(I))
        sig = noise * np.abs(I) + floor
        if noise == 0 and floor == 0:
            sig = 1e-6 * np.abs(I) + 1e-12 * np.max(np.abs(I))   # sigma column only
            y = I.copy()
        else:
            y = I + sig * rng.standard_normal(n)
        unit = rng.choice(["mm", "um", "cm"])
        fac = {"mm": 10.0, "um": 1e4, "cm": 1.0}[unit]
        with_sigma = rng.random() < 0.6
        with open(os.path.join(outdir, f"s{seed}_{f:04d}.csv"), "w") as fh:
            fh.write(f"# stress emp9: {kind} gL={gL:.4g} noise={noise} floor={floor:.3g} n={n}\n")
            fh.write(f"L ({unit}),I" + (",sigma\n" if with_sigma else "\n"))
            for k in range(n):
                if with_sigma:
                    fh.write(f"{L[k] * fac:.9g},{y[k]:.12g},{max(sig[k], 1e-300):.6g}\n")
                else:
                    fh.write(f"{L[k] * fac:.9g},{y[k]:.12g}\n")


if __name__ == "__main__":
    main()
