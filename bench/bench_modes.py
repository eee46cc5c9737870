#!/usr/bin/python3
"""Companion of bench_modes.c: the 1000-point thickness sweep of the
fundamental TE0 and TM0 modes of the 6-layer lossy stack (air / HTL /
perovskite 20-520 nm / ETL / ITO / glass at 540 nm) as a vectorised numpy
transfer-matrix computation: all 1000 thicknesses at once in every array
operation.

  1. F(n_eff) of the same transfer matrices as src/modes (state psi, psi'/p;
     p = 1 for TE, eps for TM; decaying cover and substrate) on a real grid
     of 600 n_eff between the larger cladding index and the largest layer
     index, for every thickness at once; the fundamental is the local
     minimum of |F| with the largest n_eff (lossy guide: the zeros sit just
     off the real axis);
  2. complex Newton (derivative by a complex-step difference) from there,
     all points at once, 30 iterations;
  3. the active layer's confinement (TE |E_y|^2, TM |E_x|^2 + |E_z|^2) by
     Simpson's rule on 401 depths per finite layer, the claddings' decaying
     tails in closed form.

Reports the process CPU time (time.process_time: the machine is shared);
with the C bench given, runs its continuation sweep (gk_modes_sweep_ex,
one thread), checks that both give the same n_eff and confinement, and
prints the ratio numpy CPU / C CPU.

Usage: [BENCH_GRID=600] bench_modes.py [BUILD/bench/bench_modes]
BENCH_GRID: points of the real n_eff grid of step 1 (default 600)."""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

LAM = 540.0
N = np.array([1.0, 1.6, 2.3, 1.75, 1.9, 1.52]) + 1j * np.array([0, 0.002, 0, 0, 0.01, 0])
D0 = np.array([0, 40, 300, 40, 150, 0.0])
ACT = 2
TH = 20 + 0.5 * np.arange(1000)
K0 = 2 * np.pi / LAM
EPS = N * N


def thick(j):
    return TH if j == ACT else np.full(TH.shape, D0[j])


def layer(q, d):
    kap = np.sqrt(q)
    t = kap * d
    c = np.cos(t)
    small = np.abs(t) < 1e-4
    sk = np.where(small, d * (1 - t * t / 6), np.sin(t) / np.where(small, 1, kap))
    return c, sk, q * sk


def disp(ne, pol):
    """F(n_eff) for arrays ne of shape (points, ...)."""
    b2 = ne * ne
    p = (lambda j: EPS[j]) if pol == 1 else (lambda j: 1.0)
    gc = K0 * np.sqrt(b2 - EPS[0])
    gs = K0 * np.sqrt(b2 - EPS[-1])
    psi = np.ones_like(ne)
    phi = gc / p(0)
    for j in range(1, len(N) - 1):
        d = thick(j).reshape((-1,) + (1,) * (ne.ndim - 1))
        c, sk, ks = layer(K0 * K0 * (EPS[j] - b2), d)
        psi, phi = c * psi + p(j) * sk * phi, -ks / p(j) * psi + c * phi
    return phi + gs / p(len(N) - 1) * psi


def fundamental(pol):
    lo = max(N[0].real, N[-1].real)
    hi = max(N.real)
    grid = np.linspace(lo + 1e-6, hi - 1e-6, int(os.environ.get("BENCH_GRID", "600")))
    ne = np.broadcast_to(grid, (TH.size, grid.size)).astype(complex)
    a = np.abs(disp(ne, pol))
    # local minima of |F| along n_eff; the fundamental is the rightmost one
    m = np.zeros(a.shape, bool)
    m[:, 1:-1] = (a[:, 1:-1] < a[:, :-2]) & (a[:, 1:-1] < a[:, 2:])
    idx = np.where(m.any(1), a.shape[1] - 1 - np.argmax(m[:, ::-1], 1), -1)
    z = np.where(idx >= 0, grid[np.clip(idx, 0, None)], np.nan) + 0j
    h = 1e-7
    for _ in range(30):
        f = disp(z, pol)
        df = (disp(z + h, pol) - disp(z - h, pol)) / (2 * h)
        z = z - f / df
    found = (idx >= 0) & (z.real > lo) & np.isfinite(z)
    return np.where(found, z, np.nan)


def confinement(z, pol):
    """Share of the active layer in integral |E|^2 (TE: E_y; TM: E_x, E_z)."""
    zz = np.where(np.isfinite(z), z, 2.0)
    b2 = zz * zz
    p = (lambda j: EPS[j]) if pol == 1 else (lambda j: 1.0)

    def e2(psi, phi, j):
        if pol == 0:
            return np.abs(psi) ** 2
        return np.abs(K0 * zz[:, None] / p(j)) ** 2 * np.abs(psi) ** 2 + np.abs(phi) ** 2 \
            if psi.ndim == 2 else np.abs(K0 * zz / p(j)) ** 2 * np.abs(psi) ** 2 + np.abs(phi) ** 2

    gc = K0 * np.sqrt(b2 - EPS[0])
    gs = K0 * np.sqrt(b2 - EPS[-1])
    psi = np.ones_like(zz)
    phi = gc / p(0)
    total = e2(psi, phi, 0) / (2 * gc.real)
    act = None
    u = np.linspace(0, 1, 401)
    w = np.ones(401)
    w[1:-1:2] = 4
    w[2:-1:2] = 2
    w /= 3 * 400
    for j in range(1, len(N) - 1):
        d = thick(j)
        q = K0 * K0 * (EPS[j] - b2)
        c, sk, ks = layer(q[:, None], d[:, None] * u[None, :])
        ps = c * psi[:, None] + p(j) * sk * phi[:, None]
        ph = -ks / p(j) * psi[:, None] + c * phi[:, None]
        part = (e2(ps, ph, j) * w[None, :]).sum(1) * d
        total = total + part
        if j == ACT:
            act = part
        psi, phi = ps[:, -1], ph[:, -1]
    total = total + e2(psi, phi, len(N) - 1) / (2 * gs.real)
    return np.where(np.isfinite(z), act / total, np.nan)


def numpy_sweep():
    out = {}
    for pol in (0, 1):
        z = fundamental(pol)
        out[pol] = (z, confinement(z, pol))
    return out


def main():
    best = np.inf
    for _ in range(3):
        t0 = time.process_time()
        res = numpy_sweep()
        best = min(best, time.process_time() - t0)
    print(f"numpy vectorised transfer-matrix sweep: {TH.size} points, TE0+TM0 n_eff and confinement, "
          f"{best:.3f} s cpu")
    if len(sys.argv) < 2:
        return 0
    with tempfile.TemporaryDirectory() as td:
        csv = os.path.join(td, "sweep.csv")
        env = dict(os.environ, OMP_NUM_THREADS="1")
        r = subprocess.run([sys.argv[1], "--sweep-csv", csv], capture_output=True, text=True, env=env, check=True)
        line = r.stdout.strip().splitlines()[-1]
        print("C", line)
        ccpu = float(line.split()[3])
        c = np.loadtxt(csv, delimiter=",", skiprows=1)
    worst_n = worst_g = 0.0
    for pol, (cre, cim, cg) in ((0, (1, 2, 3)), (1, (4, 5, 6))):
        zc = c[:, cre] + 1j * c[:, cim]
        zn, gn = res[pol]
        both = np.isfinite(zn) & np.isfinite(zc)
        if (np.isfinite(zn) != np.isfinite(zc)).any():
            print(f"pol {pol}: found/not found differ at {np.sum(np.isfinite(zn) != np.isfinite(zc))} points")
            return 1
        worst_n = max(worst_n, np.max(np.abs(zn[both] - zc[both]) / np.abs(zc[both])))
        worst_g = max(worst_g, np.max(np.abs(gn[both] - c[both, cg])))
    print(f"agreement: max |dn_eff|/n_eff {worst_n:.2g}, max |dGamma| {worst_g:.2g}")
    ok = worst_n < 1e-9 and worst_g < 1e-6
    print(f"C continuation sweep / numpy: {best / ccpu:.1f}x faster (per core, CPU time)"
          + ("" if ok else "  RESULTS DISAGREE"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
