#!/usr/bin/python3
"""Reference Kogelnik-Shank thresholds by a second method, for
tests/unit/test_dfb.c (test_ks_table).

The index-coupled coupled-wave equations of Kogelnik & Shank (J. Appl. Phys.
43, 2327 (1972)), z in units of L from -1/2,
    R' = (aL - i dL) R - i kL S,     S' = -(aL - i dL) S + i kL R,
are integrated numerically (scipy solve_ivp, DOP853, rtol 1e-13) from
R(-1/2) = 0, S(-1/2) = 1; a threshold is a pair (aL, dL) with S(+1/2) = 0
(no facet reflections). The pairs are found on a grid of the shooting
residual |S(1/2)| / max|S| (fixed-step RK4, vectorised) and refined by a
secant iteration on the analytic function S(1/2) of s = aL - i dL, each
step a DOP853 integration. Nothing here uses the transcendental closed form that gainkit
solves (gamma cosh gamma L = (alpha - i delta) sinh gamma L), so the table is
an independent check of it. The paper itself gives these values only as a
figure (its Fig. 3, kappa L = 0.25, 1, 4; N = 1, 2, 3), not as a table.

Prints the C initialiser rows {kL, N, alpha L, delta L} (delta L >= 0 member
of each +-delta pair), modes N = 1, 2, 3 in order of alpha L.
Usage: /usr/bin/python3 tests/ks_reference.py
"""
import numpy as np
from scipy.integrate import solve_ivp


def shoot(kL, aL, dL):
    s = aL - 1j * dL

    def f(z, y):
        R, S = y
        return [s * R - 1j * kL * S, -s * S + 1j * kL * R]

    r = solve_ivp(f, (-0.5, 0.5), [0j, 1 + 0j], method='DOP853', rtol=1e-13, atol=1e-15)
    return r.y[1, -1]


def scan(kL, A, D, n=400):
    """|S(1/2)| / max|S| on the grid A x D by fixed-step RK4 (vectorised)."""
    s = A[:, None] - 1j * D[None, :]
    R = np.zeros_like(s)
    S = np.ones_like(s)
    Smax = np.ones(s.shape)
    h = 1.0 / n

    def f(R, S):
        return s * R - 1j * kL * S, -s * S + 1j * kL * R

    for _ in range(n):
        r1, s1 = f(R, S)
        r2, s2 = f(R + 0.5 * h * r1, S + 0.5 * h * s1)
        r3, s3 = f(R + 0.5 * h * r2, S + 0.5 * h * s2)
        r4, s4 = f(R + h * r3, S + h * s3)
        R = R + h / 6 * (r1 + 2 * r2 + 2 * r3 + r4)
        S = S + h / 6 * (s1 + 2 * s2 + 2 * s3 + s4)
        Smax = np.maximum(Smax, abs(S))
    return abs(S) / Smax


def refine(kL, s0):
    """Secant iteration on the analytic function s -> S(1/2; s), s = aL - i dL."""
    s1 = s0 * (1 + 1e-4) + 1e-4
    f0, f1 = shoot(kL, s0.real, -s0.imag), shoot(kL, s1.real, -s1.imag)
    for _ in range(60):
        if f1 == f0:
            break
        s2 = s1 - f1 * (s1 - s0) / (f1 - f0)
        s0, f0, s1 = s1, f1, s2
        f1 = shoot(kL, s1.real, -s1.imag)
        if abs(s1 - s0) < 1e-12 * abs(s1):
            return s1
    return None


def modes(kL, amax=6.0, dmax=12.0, want=3):
    A = np.linspace(0.02, amax, 300)
    D = np.linspace(0.02, dmax, 600)
    V = scan(kL, A, D)
    found = []
    for i in range(1, len(A) - 1):
        for j in range(1, len(D) - 1):
            if V[i, j] > V[i - 1:i + 2, j - 1:j + 2].min() or V[i, j] > 0.05:
                continue
            s = refine(kL, A[i] - 1j * D[j])
            if s is None or s.real <= 1e-6:
                continue
            a, d = s.real, abs(s.imag)
            if all(abs(a - p) > 1e-7 or abs(d - q) > 1e-7 for p, q in found):
                found.append((a, d))
    found.sort()
    return found[:want]


if __name__ == '__main__':
    for kL in (0.25, 0.5, 1, 2, 3, 4, 5):
        for N, (a, d) in enumerate(modes(kL), 1):
            print(f"    {{{kL:g}, {N}, {a:.7f}, {d:.7f}}},")
