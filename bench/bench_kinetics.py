#!/usr/bin/python3
"""Companion of bench_kinetics.c: the same kinetics fits (Gaussian IRF,
500 points; 2 and 3 components on one trace; global 3 traces x 500 sharing
3 lifetimes) with scipy.optimize.least_squares and an analytic Jacobian.

Both sides report CPU time (time.process_time / CLOCK_PROCESS_CPUTIME_ID),
not wall time: the machine is shared. scipy starts from a cheap start a
user would write (t0 at half maximum, log-spread lifetimes, amplitudes by
linear least squares at those lifetimes); gainkit's time includes its own
automatic start search, multi-start and covariance. Both must reach the
same chi2 to 1e-6 relative.

Usage: bench_kinetics.py BUILD/bench/bench_kinetics [reps-scale]
Last line: the ratio scipy / gainkit per case."""
import subprocess
import sys
import time

import numpy as np
from scipy.optimize import least_squares
from scipy.special import erfc, erfcx

N, K = 500, 3
FWHM = 5e-12
S = FWHM / (2 * np.sqrt(2 * np.log(2)))
T = (-20.0 + 2.5 * np.arange(N)) * 1e-12


def basis(q, tau):
    """Gaussian-convolved exponential and dE/dt, dE/dtau (t = q)."""
    u = (S / tau - q / S) / np.sqrt(2)
    g = np.exp(-q * q / (2 * S * S))
    a = S * S / (2 * tau * tau) - q / tau
    # 0.5 exp(a) erfc(u): as exp(-q^2/2s^2) erfcx(u) for u >= 0 (where
    # exp(a) may overflow), directly for u < 0 (where a < 0)
    E = np.where(u >= 0, 0.5 * g * erfcx(np.maximum(u, 0)), 0.5 * np.exp(np.minimum(a, 0)) * erfc(np.minimum(u, 0)))
    G = g / (S * np.sqrt(2 * np.pi))
    Et = G - E / tau
    Eu = E * (q / tau**2 - S * S / tau**3) + S * S * G / tau**2
    return E, Et, Eu


def data():
    amp = [[0.2, 1.0, 0.5], [1.1, 2.0, 0.7], [2.6, 2.8, 0.9]]
    i = np.arange(N)
    b24, b290, b4 = (basis(T, tau)[0] for tau in (24e-12, 290e-12, 4e-12))
    y2 = amp[0][0] * b24 + amp[0][1] * b290 + 0.005 * np.sin(1.7 * i)
    y3 = np.array([amp[k][0] * b24 + amp[k][1] * b290 + amp[k][2] * b4 + 0.005 * np.sin(1.7 * i + k)
                   for k in range(K)])
    return y2, y3


def fit(Y, m):
    """Y: K x N. Parameters [t0, tau_1..m, A (K x m)], in ps for scaling."""
    Kt = Y.shape[0]
    y = Y.ravel()
    t_ps = T * 1e12

    def unpack(x):
        return x[0], x[1:1 + m], x[1 + m:].reshape(Kt, m)

    def resid(x):
        t0, tau, A = unpack(x)
        Eb = np.array([basis((t_ps - t0) * 1e-12, ti * 1e-12)[0] for ti in tau])  # m x N
        return (A @ Eb).ravel() - y

    def jac(x):
        t0, tau, A = unpack(x)
        q = (t_ps - t0) * 1e-12
        parts = [basis(q, ti * 1e-12) for ti in tau]
        J = np.zeros((Kt * N, 1 + m + Kt * m))
        for k in range(Kt):
            rows = slice(k * N, (k + 1) * N)
            for i, (E, Et, Eu) in enumerate(parts):
                J[rows, 0] -= A[k, i] * Et * 1e-12
                J[rows, 1 + i] = A[k, i] * Eu * 1e-12
                J[rows, 1 + m + k * m + i] = E
        return J

    # user start: t0 at half maximum, lifetimes spread over the span,
    # amplitudes by linear least squares at those lifetimes
    ext = Y[0] - Y[0][0]
    t0 = t_ps[np.argmax(np.abs(ext) >= 0.5 * np.max(np.abs(ext)))]
    tau0 = {2: [10.0, 100.0], 3: [2.0, 20.0, 200.0]}[m]
    Eb = np.array([basis((t_ps - t0) * 1e-12, ti * 1e-12)[0] for ti in tau0])
    A0 = np.linalg.lstsq(Eb.T, Y.T, rcond=None)[0].T
    x0 = np.concatenate([[t0], tau0, A0.ravel()])
    r = least_squares(resid, x0, jac=jac, method="trf", x_scale="jac",
                      xtol=1e-12, ftol=1e-12, gtol=1e-12)
    # covariance, as gainkit reports it
    J = r.jac
    np.linalg.inv(J.T @ J)
    return 2 * r.cost, np.sort(r.x[1:1 + m])


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else "build/bench/bench_kinetics"
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    out = subprocess.run([exe, str(scale)], check=True, capture_output=True, text=True).stdout
    gk = {}
    for line in out.splitlines():
        f = line.split()
        gk[f[1]] = (float(f[3]), float(f[5]), line)
    y2, y3 = data()
    cases = [("kin2", y2[None, :], 2, 20), ("kin3", y3[:1], 3, 10), ("global3x500", y3, 3, 5)]
    ratios = []
    ok = True
    for name, Y, m, reps in cases:
        reps = max(1, int(reps * scale))
        c0 = time.process_time()
        for _ in range(reps):
            chi2, tau = fit(Y, m)
        us = (time.process_time() - c0) * 1e6 / reps
        g_chi2, g_us, _ = gk[name]
        rel = abs(chi2 - g_chi2) / g_chi2
        ok &= rel <= 1e-6
        print(f"{name:12s} gainkit {g_us:9.1f} us  scipy {us:9.1f} us  ratio {us / g_us:6.2f}x  "
              f"chi2 {g_chi2:.10e} vs {chi2:.10e} (rel {rel:.1e}{'' if rel <= 1e-6 else ' DIFFERENT OPTIMUM'})"
              f"  scipy tau {np.array2string(tau, precision=3)} ps")
        ratios.append(f"{name} {us / g_us:.2f}x")
    print("ratio scipy/gainkit (CPU time): " + ", ".join(ratios) + ("" if ok else "  [chi2 mismatch]"))


if __name__ == "__main__":
    main()
